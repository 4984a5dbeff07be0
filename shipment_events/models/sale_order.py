from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    logistics_event_count = fields.Integer(compute="_compute_logistics_event_count", string="Milestones")

    def _compute_logistics_event_count(self):
        data = dict(
            self.env["logistics.shipment.event"]._read_group(
                [("shipment_id.sale_id", "in", self.ids)], ["shipment_id"], ["__count"]
            )
        )
        for order in self:
            order.logistics_event_count = sum(data.get(shipment, 0) for shipment in order.logistics_shipment_ids)

    def action_view_shipment_events(self):
        self.ensure_one()
        return self.logistics_shipment_ids.action_open_events()
