from odoo import api, fields, models


class LogisticsShipment(models.Model):
    """The shipment's tracking link (the carrier's URL template) and its lateness."""

    _inherit = "logistics.shipment"

    tracking_url = fields.Char(
        string="Tracking Link",
        compute="_compute_tracking_url",
        help="The carrier's tracking page for the tracking reference (the carrier's URL template).",
    )
    is_late = fields.Boolean(
        string="Late",
        compute="_compute_is_late",
        search="_search_is_late",
        help="The planned delivery has passed and the shipment is neither delivered nor cancelled.",
    )

    @api.depends("carrier_id.logistics_tracking_url", "carrier_partner_id", "tracking_ref")
    def _compute_tracking_url(self):
        for shipment in self:
            if not shipment.tracking_ref:
                shipment.tracking_url = False
                continue
            shipment.tracking_url = shipment.carrier_id._logistics_tracking_link(
                shipment.tracking_ref, partner=shipment.carrier_partner_id
            )

    @api.depends("planned_delivery", "status")
    def _compute_is_late(self):
        now = fields.Datetime.now()
        for shipment in self:
            shipment.is_late = bool(
                shipment.planned_delivery
                and shipment.planned_delivery < now
                and shipment.status not in ("delivered", "cancelled")
            )

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        now = fields.Datetime.now()
        if (operator == "=") == value:
            return [("planned_delivery", "<", now), ("status", "not in", ("delivered", "cancelled"))]
        return [
            "|",
            "|",
            ("planned_delivery", "=", False),
            ("planned_delivery", ">=", now),
            ("status", "in", ("delivered", "cancelled")),
        ]
