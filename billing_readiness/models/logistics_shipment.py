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
# Shipment fields only billing_readiness's methods write (``None``: no group writes them directly).
BILLING_GUARDED_FIELDS = {"billing_invoiced": None}


class LogisticsShipment(models.Model):
    # ``billing_invoiced`` is set by the scheduled invoicing only (superuser mode): guarded with
    # logistics.guarded.mixin, which merges it with the other addons' guarded shipment fields.
    _inherit = "logistics.shipment"
    _guarded_fields = BILLING_GUARDED_FIELDS

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
        self.env["billing.readiness.dirty"]._mark_orders(shipments.sale_id.ids)
        return shipments

    def write(self, vals):
        if not READINESS_FIELDS.intersection(vals):
            return super().write(vals)
        before = self.sale_id.ids if "sale_id" in vals else []
        result = super().write(vals)
        self.env["billing.readiness.dirty"]._mark_orders(before + self.sale_id.ids)
        return result

    def unlink(self):
        self.env["billing.readiness.dirty"]._mark_orders(self.sale_id.ids)
        return super().unlink()
