from odoo import fields, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "logistics.guarded.mixin"]
    # Copies of the shipment's guarded status and delivery time: computed, never written.
    _guarded_fields = {"logistics_shipment_status": None, "logistics_delivered_date": None}

    logistics_delivered_date = fields.Datetime(
        related="logistics_shipment_id.actual_delivery", string="Delivered On", store=True
    )
    logistics_shipment_status = fields.Selection(
        related="logistics_shipment_id.status", string="Delivery Status", store=True
    )
    logistics_event_count = fields.Integer(related="logistics_shipment_id.event_count", string="Milestones")
    logistics_event_ids = fields.One2many(related="logistics_shipment_id.event_ids", string="Milestone Timeline")

    def action_view_shipment_events(self):
        self.ensure_one()
        return self.logistics_shipment_id.action_open_events()
