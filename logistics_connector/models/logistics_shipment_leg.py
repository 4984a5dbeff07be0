from odoo import fields, models

from ..services.status import SHIPMENT_STATUSES


class LogisticsShipmentLeg(models.Model):
    """One leg of a multi-leg shipment, with its own carrier and stops."""

    _name = "logistics.shipment.leg"
    _description = "Shipment Leg"
    _order = "shipment_id, sequence, id"
    _check_company_auto = True

    shipment_id = fields.Many2one("logistics.shipment", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="shipment_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    carrier_id = fields.Many2one("delivery.carrier", check_company=True)
    carrier_partner_id = fields.Many2one("res.partner", string="Carrier Partner", check_company=True)
    mode = fields.Selection(
        [("road", "Road"), ("rail", "Rail"), ("sea", "Sea"), ("air", "Air"), ("parcel", "Parcel")], default="road"
    )
    origin_partner_id = fields.Many2one("res.partner", string="From", check_company=True)
    destination_partner_id = fields.Many2one("res.partner", string="To", check_company=True)
    planned_departure = fields.Datetime()
    planned_arrival = fields.Datetime()
    actual_departure = fields.Datetime()
    actual_arrival = fields.Datetime()
    tracking_ref = fields.Char(string="Tracking Reference")
    status = fields.Selection(SHIPMENT_STATUSES, default="draft")
