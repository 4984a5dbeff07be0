from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    billing_validate_delivery_on_pickup = fields.Boolean(
        string="Validate Delivery Orders on Pickup",
        help="When the carrier reports an outbound shipment picked up (or any later movement), validate "
        "its delivery orders in Odoo for the quantities of the shipment, and say so in their chatter. "
        "Off: a shipment reported delivered while its delivery order is not validated holds the order "
        "(rule 'Require Delivery Orders Done in Odoo') and its responsible gets an activity.",
    )
