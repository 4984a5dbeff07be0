from odoo import api, fields, models

# Shipment fields readiness depends on: a write of one of them queues the orders again.
READINESS_FIELDS = {
    "status",
    "actual_delivery",
    "pod_signer",
    "pod_time",
    "pod_attachment_id",
    "sale_id",
    "direction",
    "company_id",
}


class LogisticsShipment(models.Model):
    _inherit = "logistics.shipment"

    billing_invoiced = fields.Boolean(
        string="Invoiced to Customer",
        readonly=True,
        copy=False,
        index=True,
        help="The delivered goods of this shipment are on a customer invoice (scheduled invoicing).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        shipments = super().create(vals_list)
        self.env["sale.order"]._billing_mark_dirty(shipments.sale_id.ids)
        return shipments

    def write(self, vals):
        if not READINESS_FIELDS.intersection(vals):
            return super().write(vals)
        before = self.sale_id.ids if "sale_id" in vals else []
        result = super().write(vals)
        self.env["sale.order"]._billing_mark_dirty(before + self.sale_id.ids)
        return result

    def unlink(self):
        self.env["sale.order"]._billing_mark_dirty(self.sale_id.ids)
        return super().unlink()
