from odoo import fields, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    logistics_shipment_ids = fields.One2many("logistics.shipment", "purchase_id", string="Logistics Shipments")
    logistics_shipment_count = fields.Integer(compute="_compute_logistics_shipment_count", string="Shipments")

    def _compute_logistics_shipment_count(self):
        data = dict(
            self.env["logistics.shipment"]._read_group([("purchase_id", "in", self.ids)], ["purchase_id"], ["__count"])
        )
        for order in self:
            order.logistics_shipment_count = data.get(order, 0)

    def action_view_logistics_shipments(self):
        self.ensure_one()
        return self.logistics_shipment_ids._action_view()
