from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    logistics_environment = fields.Selection(
        [("production", "Production"), ("test", "Test")],
        default="production",
        required=True,
        help="Automatic outbound traffic (transport orders, cancellations) only goes to backends "
        "of this environment: a test backend never receives this company's production traffic.",
    )
    logistics_auto_transport_order = fields.Boolean(
        string="Send transport orders on confirmation",
        default=True,
        help="When a delivery (or a receipt with a carrier) is confirmed, create its shipment and "
        "queue a transport order to the company's TMS backend.",
    )
