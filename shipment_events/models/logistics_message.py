"""Journal message types of shipment events: who may journal them, where their handlers are
(milestones on ``logistics.shipment.event``; a batch body's split here), and the intake of
milestone bodies (``_webhook_receive_json`` / ``_webhook_receive_x12``, called by the webhook
and the upload wizard; they return a plain ``IntakeResult``) with the 997 of each X12 214
interchange (journaled by the connector's ``_journal_x12_997``); a partner's 997 posted here is
journaled for matching (``_x12_receive_997``, ``logistics_connector/models/logistics_message_x12.py``)."""

import logging

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.logistics_connector.services import privacy, x12
from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.intake import (
    ACCEPTED,
    DUPLICATE,
    INVALID,
    PARTIAL,
    IntakeResult,
    JournalItem,
    combine_interchange_results,
)

from ..formats import edifact_iftsta, platforms, x12_214
from ..services import events as event_lib

_logger = logging.getLogger(__name__)

# The journal message types of milestones (inbound events and interchanges, the 997 answered).
MILESTONE_MESSAGE_TYPES = ("shipment_event", "shipment_event_batch", "x12_214", "x12_997")


class LogisticsMessage(models.Model):
    _inherit = "logistics.message"

    message_type = fields.Selection(
        selection_add=[
            ("shipment_event", "Shipment event"),
            ("shipment_event_batch", "Shipment event batch (request)"),
            ("x12_214", "X12 214 interchange"),
            ("x12_997", "X12 997 acknowledgment"),
        ],
        ondelete={
            "shipment_event": "cascade",
            "shipment_event_batch": "cascade",
            "x12_214": "cascade",
            "x12_997": "cascade",
        },
    )
    shipment_event_ids = fields.One2many("logistics.shipment.event", "message_id", string="Milestones")

    @api.model
    def _message_type_groups(self):
        """Milestones may be journaled (uploaded, received by the webhook) by the group
        *Milestone intake*: Logistics Users, for backends of their companies, and the
        webhook's technical user (see security/shipment_events_security.xml)."""
        groups = super()._message_type_groups()
        groups.update(dict.fromkeys(MILESTONE_MESSAGE_TYPES, "shipment_events.group_milestone_intake"))
        return groups

    @api.model
    def _payload_privacy_rules(self):
        """The personal fields of milestone payloads (the formats' own lists: canonical events,
        X12 214, EDIFACT IFTSTA, the carrier platforms)."""
        rules = super()._payload_privacy_rules()
        rules.update(dict.fromkeys(("shipment_event", "shipment_event_batch"), event_lib.PRIVACY_RULES))
        rules["x12_214"] = x12_214.PRIVACY_RULES
        rules["edifact_iftsta"] = edifact_iftsta.PRIVACY_RULES
        rules["platform_event"] = platforms.PRIVACY_RULES
        return rules

    @api.model
    def _message_type_lanes(self):
        """Milestones, whatever their format, go to the events lane (the 997s we answer stay
        acknowledgments, the connector's lane for them)."""
        lanes = super()._message_type_lanes()
        lanes.update(
            dict.fromkeys(
                ("shipment_event", "shipment_event_batch", "x12_214", "edifact_iftsta", "platform_event"), "events"
            )
        )
        return lanes

    @api.model
    def _get_handlers(self):
        handlers = super()._get_handlers()
        handlers.update(
            {
                # The events' handlers create milestones; a batch body's creates messages.
                "shipment_event": ("logistics.shipment.event", "_handle_shipment_event_messages", True),
                "shipment_event_batch": ("logistics.message", "_handle_shipment_event_batch", False),
                "x12_214": ("logistics.shipment.event", "_handle_x12_214_message", False),
            }
        )
        return handlers

    # ------------------------------------------------------------------
    # Canonical JSON events
    # ------------------------------------------------------------------
    @api.model
    def _handle_shipment_event_batch(self, message):
        """A whole request body whose splitting into per-event messages did not finish at intake:
        split it now (the per-event idempotency keys make this safe to repeat)."""
        events, _is_batch = event_lib.split_body(message._get_payload_bytes())
        self._journal_canonical_events(message.backend_id, events, source=message.source, batch_message=message)

    @api.model
    def _journal_canonical_events(self, backend, events, source, batch_message=None):
        """Journal one message per canonical event. Returns a list aligned with ``events`` of
        ``(status, message, error)`` where status is accepted, duplicate or invalid; invalid
        events are journaled as failed (payload kept) with the problem as last error."""
        items, errors = [], []
        for index, event in enumerate(events):
            where = f"events[{index}]" if batch_message else "event"
            try:
                event_lib.validate_event(event, where)
            except ParseError as error:
                errors.append(str(error))
                items.append(JournalItem(event, error=str(error)))
                continue
            errors.append(None)
            items.append(JournalItem(event, key=event_lib.idempotency_key(event)))
        messages, duplicates = self._journal_inbound(
            backend, "shipment_event", items, content_type="application/json", source=source
        )
        created = iter(messages)
        result = []
        for error, duplicate in zip(errors, duplicates, strict=True):
            if duplicate:
                result.append((DUPLICATE, duplicate, None))
            else:
                message = next(created)
                result.append((INVALID, message, error) if error else (ACCEPTED, message, None))
        return result

    # ------------------------------------------------------------------
    # Intake (called by controllers/webhook.py as the webhook user, and by the upload wizard)
    # ------------------------------------------------------------------
    @api.model
    def _webhook_receive_json(self, backend, body, source):
        """Journal a canonical JSON request (one event, or ``{"events": [...]}``); returns an
        :class:`~odoo.addons.logistics_connector.services.intake.IntakeResult`.

        A batch is journaled whole first, then one message per event (fast per-event
        processing); the answer gives each event's result (``events``). What the JSON reader
        read on (a key repeated with the same value) is kept as the message's intake warnings."""
        warnings = []
        try:
            events, is_batch = event_lib.split_body(body, warnings)
        except ParseError as error:
            return self._intake_refused(backend, "shipment_event", body, "application/json", source, error)
        if not is_batch:
            event = events[0]
            try:
                event_lib.validate_event(event)
            except ParseError as error:
                return self._intake_refused(backend, "shipment_event", body, "application/json", source, error)
            item = JournalItem(body, key=event_lib.idempotency_key(event))
            journaled = self._journal_inbound(
                backend, "shipment_event", [item], content_type="application/json", source=source
            )
            journaled[0]._set_intake_warnings(warnings)
            return self._intake_result(*journaled)
        batches, _duplicates = self._journal_inbound(
            backend, "shipment_event_batch", [body], content_type="application/json", source=source
        )
        batch = batches[:1]
        batch._set_intake_warnings(warnings)
        try:
            with self.env.cr.savepoint():
                results = self._journal_canonical_events(backend, events, source, batch_message=batch)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # An event of the batch journaled or processed meanwhile by a transaction this one
            # cannot see: Odoo replays the whole request on a new snapshot (`make soak`).
            raise
        except Exception as error:
            _logger.error(
                "Webhook %s: splitting batch message %s failed; the cron will retry\n%s",
                backend.code,
                batch.id,
                privacy.safe_traceback(error),
            )
            return IntakeResult(ACCEPTED, tuple(batch.ids))
        batch._mark_done(count_attempt=False)
        per_event = []
        for index, (status, message, error) in enumerate(results):
            item = {"index": index, "status": status, "message_id": message.id}
            if error:
                item["error"] = error
            per_event.append(item)
        accepted = tuple(item["message_id"] for item in per_event if item["status"] == ACCEPTED)
        invalid = [item for item in per_event if item["status"] == INVALID]
        extra = {"batch_message_id": batch.id, "events": per_event}
        if accepted:
            return IntakeResult(PARTIAL if invalid else ACCEPTED, accepted, extra=extra)
        if invalid:
            # The answer of a refused batch names its status too (a single event's does not).
            return IntakeResult(INVALID, (), invalid[0]["error"], dict(extra, status=INVALID))
        return IntakeResult(DUPLICATE, tuple(item["message_id"] for item in per_event), extra=extra)

    @api.model
    def _webhook_process_sync(self, answer):
        """Backends with synchronous processing: process the journaled messages inside the
        request; returns the answer with ``processed`` and each message's state."""
        messages_sudo = self.sudo()._claim(len(answer["message_ids"]), ids=answer["message_ids"])
        messages_sudo._process_claimed()
        states = self.sudo().browse(answer["message_ids"])
        answer = dict(answer, processed=True, states={str(m.id): m.state for m in states})
        return answer

    # ------------------------------------------------------------------
    # X12 214
    # ------------------------------------------------------------------
    @api.model
    def _webhook_receive_x12(self, backend, body, source):
        """Journal an X12 214 file (one message per interchange) and a 997 for each; returns an
        :class:`~odoo.addons.logistics_connector.services.intake.IntakeResult`.

        One interchange: the answer as ever (``ack_message_id``, ``ack``: its 997). Several:
        the result of the whole file, with ``interchanges``: one answer per interchange
        (``status``, ``message_ids``, ``error``, ``ack_message_id``, ``ack``...). A 997 of a
        partner (ST 997) is journaled as an inbound ``x12_997`` and matched at processing.

        The idempotency key is the interchange's sender, receiver and control number
        (ISA06, ISA08, ISA13): a resent interchange is a duplicate. A broken envelope (or,
        with the backend's ``x12_strict``, any envelope anomaly), or an interchange whose
        every transaction set is rejected, is refused (payload kept as failed); sets rejected
        next to accepted ones are reported in the 997 (AK9 P), envelope anomalies read on are
        kept on the message (``intake_warnings``) and reported in the 997 (AK5/AK9 E).
        """
        if x12_214.is_997(body):
            return self._x12_receive_997(backend, body, source, strict=backend.x12_strict)
        try:
            reads = x12_214.read_214(body, strict=backend.x12_strict)
            texts = x12.interchange_texts(body) if len(reads) > 1 else [body]
        except ParseError as error:
            message = self._journal_failed_body(backend, "x12_214", body, "application/edi-x12", source, error)
            ack = self._journal_997(backend, message, reject_body=body)
            return IntakeResult(INVALID, tuple(message.ids), f"malformed X12 interchange: {error}", _ack_fields(ack))
        results = [
            self._receive_214_interchange(backend, text, read, source) for text, read in zip(texts, reads, strict=True)
        ]
        return results[0] if len(results) == 1 else combine_interchange_results(results)

    @api.model
    def _receive_214_interchange(self, backend, body, read, source):
        """Journal one read interchange (``read``: an ``x12.InterchangeRead``, ``body`` its text)."""
        interchange, events, results = read.interchange, read.values, read.results
        rejected = [result for result in results if not result.accepted]
        if not events and rejected:
            error = "; ".join(m for result in rejected for m in result.messages)
            message = self._journal_failed_body(backend, "x12_214", body, "application/edi-x12", source, error)
            message._x12_set_warnings(read.warnings)
            ack = self._journal_997(backend, message, interchange=interchange, results=results)
            return IntakeResult(
                INVALID, tuple(message.ids), f"every transaction set was rejected: {error}", _ack_fields(ack)
            )
        key = "x12:{sender}:{receiver}:{control}".format(**interchange.envelope)
        messages, duplicates = self._journal_inbound(
            backend, "x12_214", [JournalItem(body, key=key)], content_type="application/edi-x12", source=source
        )
        if duplicates[0]:
            return IntakeResult(DUPLICATE, tuple(duplicates[0].ids))
        message = messages[:1]
        message._x12_set_warnings(read.warnings)
        ack = self._journal_997(backend, message, interchange=interchange, results=results)
        extra = {"events": len(events)}
        if rejected:
            extra["rejected_sets"] = [
                {"control_number": result.control_number, "error": "; ".join(result.messages)} for result in rejected
            ]
        if read.warnings:
            extra["warnings"] = [str(warning) for warning in read.warnings]
        extra.update(_ack_fields(ack))
        return IntakeResult(PARTIAL if rejected else ACCEPTED, tuple(message.ids), extra=extra)

    @api.model
    def _journal_997(self, backend, message, interchange=None, results=(), reject_body=None):
        """The 997 functional acknowledgment of a received interchange, journaled as outbound
        (``logistics.message._journal_x12_997``: done, or queued to be sent when the backend
        sends its 997s). None when the interchange is too broken to be acknowledged."""
        ack = self._journal_x12_997(backend, message, interchange=interchange, results=results, reject_body=reject_body)
        return ack or None


def _ack_fields(ack):
    """The answer's fields of a journaled 997 (none when there is no 997)."""
    return {"ack_message_id": ack.id, "ack": ack.sudo().payload} if ack else {}
