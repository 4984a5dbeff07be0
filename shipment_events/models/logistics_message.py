"""Journal message types of shipment events and their handlers."""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..formats import x12_214
from ..services import events as event_lib

# AT701 codes that are exceptions of a given kind (reason codes are kept on the event as well).
X12_EXCEPTION_TYPES = {"A7": "refused", "A9": "damaged", "AH": "attempted_delivery", "AP": "attempted_delivery"}

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
    def _get_handlers(self):
        handlers = super()._get_handlers()
        handlers.update(
            {
                "shipment_event": ("logistics.message", "_handle_shipment_event_messages", True),
                "shipment_event_batch": ("logistics.message", "_handle_shipment_event_batch", False),
                "x12_214": ("logistics.message", "_handle_x12_214_message", False),
            }
        )
        return handlers

    # ------------------------------------------------------------------
    # Canonical JSON events
    # ------------------------------------------------------------------
    @api.model
    def _handle_shipment_event_messages(self, messages):
        """Batch handler: one canonical JSON event per message (all or nothing)."""
        Event = self.env["logistics.shipment.event"]
        for backend, backend_messages in messages.grouped("backend_id").items():
            items = []
            for message in backend_messages:
                event = message._get_payload_json()
                event_lib.validate_event(event)
                items.append((message, event_lib.normalize_event(event)))
            Event._ingest(backend, items)

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
        vals_list, errors = [], []
        for index, event in enumerate(events):
            where = f"events[{index}]" if batch_message else "event"
            try:
                event_lib.validate_event(event, where)
            except ParseError as error:
                errors.append(str(error))
                vals_list.append(
                    {
                        "backend_id": backend.id,
                        "direction": "inbound",
                        "message_type": "shipment_event",
                        "payload": event,
                        "content_type": "application/json",
                        "source": source,
                        "state": "failed",
                        "last_error": str(error),
                        "processed_at": fields.Datetime.now(),
                    }
                )
                continue
            errors.append(None)
            vals_list.append(
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": "shipment_event",
                    "payload": event,
                    "content_type": "application/json",
                    "idempotency_key": event_lib.idempotency_key(event),
                    "source": source,
                }
            )
        messages, duplicates = self._journal_many(vals_list)
        created = iter(messages)
        result = []
        for error, duplicate in zip(errors, duplicates, strict=True):
            if duplicate:
                result.append(("duplicate", duplicate, None))
            else:
                message = next(created)
                result.append(("invalid", message, error) if error else ("accepted", message, None))
        return result

    # ------------------------------------------------------------------
    # Webhook intake (called by controllers/webhook.py as the webhook user)
    # ------------------------------------------------------------------
    @api.model
    def _webhook_receive_json(self, backend, body, source):
        """Journal a canonical JSON request; returns (http status, answer)."""
        try:
            events, is_batch = event_lib.split_body(body)
        except ParseError as error:
            message = self._journal_failed_body(backend, "shipment_event", body, "application/json", source, error)
            return 400, {"error": str(error), "message_ids": message.ids}
        if not is_batch:
            event = events[0]
            try:
                event_lib.validate_event(event)
            except ParseError as error:
                message = self._journal_failed_body(backend, "shipment_event", body, "application/json", source, error)
                return 400, {"error": str(error), "message_ids": message.ids}
            message, original = self._journal(
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": "shipment_event",
                    "payload": body,
                    "content_type": "application/json",
                    "idempotency_key": event_lib.idempotency_key(event),
                    "source": source,
                }
            )
            if original:
                return 200, {"status": "duplicate", "message_ids": original.ids}
            return 202, {"status": "accepted", "message_ids": message.ids}
        # A batch: the whole body first, then one message per event (fast per-event processing).
        batch, _original = self._journal(
            {
                "backend_id": backend.id,
                "direction": "inbound",
                "message_type": "shipment_event_batch",
                "payload": body,
                "content_type": "application/json",
                "source": source,
            }
        )
        try:
            with self.env.cr.savepoint():
                results = self._journal_canonical_events(backend, events, source, batch_message=batch)
        except Exception:
            _logger.exception(
                "Webhook %s: splitting batch message %s failed; the cron will retry", backend.code, batch.id
            )
            return 202, {"status": "accepted", "message_ids": batch.ids}
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_message SET state = 'done', processed_at = now() AT TIME ZONE 'UTC'"
                " WHERE id = %s AND state = 'received'",
                batch.id,
            )
        )
        batch.invalidate_recordset(["state", "processed_at"])
        per_event = []
        for index, (status, message, error) in enumerate(results):
            item = {"index": index, "status": status, "message_id": message.id}
            if error:
                item["error"] = error
            per_event.append(item)
        accepted = [item["message_id"] for item in per_event if item["status"] == "accepted"]
        invalid = [item for item in per_event if item["status"] == "invalid"]
        answer = {"batch_message_id": batch.id, "message_ids": accepted, "events": per_event}
        if accepted:
            answer["status"] = "partial" if invalid else "accepted"
            return 202, answer
        if invalid:
            answer.update(status="invalid", error=invalid[0]["error"])
            return 400, answer
        answer["status"] = "duplicate"
        answer["message_ids"] = [item["message_id"] for item in per_event]
        return 200, answer

    @api.model
    def _webhook_process_sync(self, answer):
        """Backends with synchronous processing: process the journaled messages inside the request."""
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
        """Journal an X12 214 interchange (one message per interchange) and its 997; returns
        (http status, answer).

        The idempotency key is the interchange's sender, receiver and control number
        (ISA06, ISA08, ISA13): a resent interchange is a duplicate. A broken envelope, or
        an interchange whose every transaction set is rejected, is a 400 (payload kept as
        failed); sets rejected next to accepted ones are reported in the 997 (AK9 P).
        """
        try:
            interchange, events, results = x12_214.parse_214(body)
        except ParseError as error:
            message = self._journal_failed_body(backend, "x12_214", body, "application/edi-x12", source, error)
            answer = {"error": f"malformed X12 interchange: {error}", "message_ids": message.ids}
            ack = self._journal_997(backend, message, reject_body=body)
            if ack:
                answer.update(ack_message_id=ack.id, ack=ack.sudo().payload)
            return 400, answer
        rejected = [result for result in results if not result.accepted]
        if not events and rejected:
            error = "; ".join(m for result in rejected for m in result.messages)
            message = self._journal_failed_body(backend, "x12_214", body, "application/edi-x12", source, error)
            ack = self._journal_997(backend, message, interchange=interchange, results=results)
            answer = {"error": f"every transaction set was rejected: {error}", "message_ids": message.ids}
            if ack:
                answer.update(ack_message_id=ack.id, ack=ack.sudo().payload)
            return 400, answer
        message, original = self._journal(
            {
                "backend_id": backend.id,
                "direction": "inbound",
                "message_type": "x12_214",
                "payload": body,
                "content_type": "application/edi-x12",
                "idempotency_key": "x12:{sender}:{receiver}:{control}".format(**interchange.envelope),
                "source": source,
            }
        )
        if original:
            return 200, {"status": "duplicate", "message_ids": original.ids}
        ack = self._journal_997(backend, message, interchange=interchange, results=results)
        answer = {
            "status": "partial" if rejected else "accepted",
            "message_ids": message.ids,
            "events": len(events),
        }
        if rejected:
            answer["rejected_sets"] = [
                {"control_number": result.control_number, "error": "; ".join(result.messages)} for result in rejected
            ]
        if ack:
            answer.update(ack_message_id=ack.id, ack=ack.sudo().payload)
        return 202, answer

    @api.model
    def _journal_997(self, backend, message, interchange=None, results=(), reject_body=None):
        """The 997 functional acknowledgment of a received interchange, journaled as outbound
        (state done: carriers fetch it from the journal or read it in the webhook answer).
        None when the interchange is too broken to be acknowledged (unreadable ISA, no GS)."""
        control = int(self.env["ir.sequence"].sudo().next_by_code("shipment_events.x12_997") or 1)
        try:
            if reject_body is not None:
                text = x12.reject_997(reject_body, control_number=control)
            else:
                text = x12.build_997(interchange, results, control_number=control)
        except ParseError as error:
            _logger.info("No 997 for message %s: %s", message.id, error)
            return None
        acks, _duplicates = self._journal_many(
            [
                {
                    "backend_id": backend.id,
                    "direction": "outbound",
                    "message_type": "x12_997",
                    "payload": text,
                    "content_type": "application/edi-x12",
                    "idempotency_key": f"997:{control:09d}",
                    "source": f"997 of message {message.id}",
                    "state": "done",
                    "processed_at": fields.Datetime.now(),
                }
            ]
        )
        return acks[:1]

    @api.model
    def _handle_x12_214_message(self, message):
        """Apply the events of an X12 214 interchange (AT7 codes through the backend's status mappings)."""
        _interchange, events, _results = x12_214.parse_214(message._get_payload_bytes())
        backend = message.backend_id
        tz_name = backend.company_id.partner_id.tz or "UTC"
        items = []
        for event in events:
            norm = x12_214.to_canonical(event)
            if norm.get("is_local_time"):
                norm["event_time"], norm["event_tz"] = event_lib.localize(norm["event_time"], tz_name)
            norm["exception_type"] = X12_EXCEPTION_TYPES.get(norm.get("status_code"))
            items.append((message, norm))
        self.env["logistics.shipment.event"]._ingest(backend, items)

    # ------------------------------------------------------------------
    # Links in bulk
    # ------------------------------------------------------------------
    @api.model
    def _link_many(self, pairs):
        """Link (message, shipment) pairs in two queries (message.link rows and the shipments m2m)."""
        pairs = list({(message.id, shipment.id) for message, shipment in pairs if message and shipment})
        if not pairs:
            return
        self.env["logistics.message.link"].sudo().create(
            [
                {"message_id": message_id, "res_model": "logistics.shipment", "res_id": shipment_id, "role": "updated"}
                for message_id, shipment_id in pairs
            ]
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO logistics_message_shipment_rel (message_id, shipment_id)
                VALUES %s
                ON CONFLICT DO NOTHING
                """,
                SQL(", ").join(SQL("(%s, %s)", message_id, shipment_id) for message_id, shipment_id in pairs),
            )
        )
        self.browse([p[0] for p in pairs]).invalidate_recordset(["shipment_ids"])
        self.env["logistics.shipment"].browse([p[1] for p in pairs]).invalidate_recordset(["journal_message_ids"])
