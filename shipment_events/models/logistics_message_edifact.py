"""Journal message type ``edifact_iftsta``: a UN/EDIFACT IFTSTA interchange received by the
milestone webhook (``application/edifact``) or uploaded. Its intake
(``_webhook_receive_edifact``, returning a plain ``IntakeResult``), its group (milestone
intake) and its handler (``logistics.shipment.event._handle_edifact_iftsta_message``,
``logistics_shipment_event_edifact.py``). No CONTRL is built or sent (see readme/USAGE.md)."""

from odoo import api, fields, models

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.intake import ACCEPTED, DUPLICATE, PARTIAL, IntakeResult, JournalItem

from ..formats import edifact_iftsta

EDIFACT_CONTENT_TYPE = "application/edifact"


class LogisticsMessage(models.Model):
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited

    message_type = fields.Selection(
        selection_add=[("edifact_iftsta", "EDIFACT IFTSTA interchange")],
        ondelete={"edifact_iftsta": "cascade"},
    )

    @api.model
    def _message_type_groups(self):
        groups = super()._message_type_groups()
        groups["edifact_iftsta"] = "shipment_events.group_milestone_intake"
        return groups

    @api.model
    def _get_handlers(self):
        handlers = super()._get_handlers()
        handlers["edifact_iftsta"] = ("logistics.shipment.event", "_handle_edifact_iftsta_message", False)
        return handlers

    @api.model
    def _webhook_receive_edifact(self, backend, body, source):
        """Journal an IFTSTA interchange (one message per interchange); returns an
        :class:`~odoo.addons.logistics_connector.services.intake.IntakeResult`.

        The idempotency key is the UNB sender, recipient and control reference: a resent
        interchange is a duplicate. An unreadable interchange, or one whose every message is
        rejected, is refused (payload kept as failed). Problems of single messages (impossible
        dates, UNT counts) and of the envelope (UNZ count or reference) are read on: they are
        answered (``warnings``, ``rejected_messages``) and kept on the journal message
        (``intake_warnings``)."""
        try:
            interchange, events, results = edifact_iftsta.parse_iftsta(body)
        except ParseError as error:
            return self._intake_refused(
                backend, "edifact_iftsta", body, EDIFACT_CONTENT_TYPE, source, f"malformed EDIFACT interchange: {error}"
            )
        rejected = [result for result in results if not result.accepted]
        if not events:
            error = "; ".join(m for result in results for m in result.errors) or "no status (STS) in the interchange"
            return self._intake_refused(
                backend, "edifact_iftsta", body, EDIFACT_CONTENT_TYPE, source, f"no readable status: {error}"
            )
        key = "edifact:{sender}:{recipient}:{reference}".format(**interchange.envelope)
        messages, duplicates = self._journal_inbound(
            backend, "edifact_iftsta", [JournalItem(body, key=key)], content_type=EDIFACT_CONTENT_TYPE, source=source
        )
        if duplicates[0]:
            return IntakeResult(DUPLICATE, tuple(duplicates[0].ids))
        message = messages[:1]
        warnings = interchange.warnings + [m for result in results for m in result.messages]
        message._set_intake_warnings(warnings)
        extra = {
            "events": len(events),
            "interchange": interchange.envelope,
            "messages": [
                {
                    "reference": r.reference,
                    "accepted": r.accepted,
                    "events": r.events,
                    "errors": r.errors,
                    "warnings": r.warnings,
                }
                for r in results
            ],
        }
        if warnings:
            extra["warnings"] = warnings
        if rejected:
            extra["rejected_messages"] = [
                {"reference": result.reference, "error": "; ".join(result.errors)} for result in rejected
            ]
        partial = rejected or any(result.errors for result in results)
        return IntakeResult(PARTIAL if partial else ACCEPTED, tuple(message.ids), extra=extra)
