from odoo import fields, models


class LogisticsShipmentRef(models.Model):
    """The identifier a backend (TMS, carrier, FAP) gives a shipment."""

    _name = "logistics.shipment.ref"
    _description = "Shipment External Reference"
    _order = "backend_id, id"
    _check_company_auto = True

    shipment_id = fields.Many2one("logistics.shipment", required=True, ondelete="cascade", index=True)
    backend_id = fields.Many2one("logistics.backend", required=True, ondelete="cascade", index=True, check_company=True)
    external_id = fields.Char(required=True, index=True)
    ref_type = fields.Selection(
        [("shipment", "Shipment id"), ("booking", "Booking"), ("pro", "PRO / carrier reference")],
        default="shipment",
        required=True,
    )
    company_id = fields.Many2one(related="shipment_id.company_id", store=True)

    _sql_constraints = [
        (
            "backend_external_uniq",
            "unique(backend_id, ref_type, external_id)",
            "This external id is already used by another shipment of the same backend.",
        ),
    ]
