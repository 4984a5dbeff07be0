"""The milestones of UN/EDIFACT IFTSTA interchanges: the journal's handler of ``edifact_iftsta``
messages and the shipped default status mappings of the UN/ECE Recommendation 24 codes
(a class of ``logistics.shipment.event``, see ``logistics_shipment_event.py``)."""

from odoo import api, models

from ..formats import edifact_iftsta
from ..services import events as event_lib

DEFAULT_DESCRIPTION = "UN/ECE Rec 24 default (EDIFACT IFTSTA)"


class LogisticsShipmentEvent(models.Model):
    _inherit = "logistics.shipment.event"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _handle_edifact_iftsta_message(self, message):
        """Apply the events of an IFTSTA interchange (STS codes through the backend's status
        mappings; a local time is read in the company's time zone, as an X12 'LT' is)."""
        _interchange, events, _results = edifact_iftsta.parse_iftsta(message._get_payload_bytes())
        backend = message.backend_id
        tz_name = backend.company_id.partner_id.tz or "UTC"
        items = []
        for event in events:
            norm = edifact_iftsta.to_canonical(event)
            if norm.get("is_local_time"):
                norm["event_time"], norm["event_tz"] = event_lib.localize(norm["event_time"], tz_name)
            items.append((message, norm))
        self._ingest(backend, items)

    @api.model
    def _install_default_status_mappings(self):
        """The AT7 defaults, then the Rec 24 defaults (no backend) that do not exist yet."""
        super()._install_default_status_mappings()
        Mapping = self.env["logistics.code.mapping"].sudo().with_context(active_test=False)
        existing = set(
            Mapping.search([("backend_id", "=", False), ("mapping_type", "=", "status")]).mapped("external_code")
        )
        Mapping.create(
            [
                {"mapping_type": "status", "external_code": code, "status": status, "description": DEFAULT_DESCRIPTION}
                for code, status in edifact_iftsta.DEFAULT_STATUS_MAP.items()
                if code not in existing
            ]
        )
        return True
