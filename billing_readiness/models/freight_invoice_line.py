from odoo import api, models

READINESS_FIELDS = {"state", "approved_amount", "rebill_sale_line_id", "case_id", "shipment_id", "charge_type_id"}


class FreightInvoiceLine(models.Model):
    _inherit = "freight.invoice.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["billing.readiness.dirty"]._mark_orders(lines.shipment_id.sale_id.ids)
        return lines

    def write(self, vals):
        if not READINESS_FIELDS.intersection(vals):
            return super().write(vals)
        before = self.shipment_id.sale_id.ids if "shipment_id" in vals else []
        result = super().write(vals)
        self.env["billing.readiness.dirty"]._mark_orders(before + self.shipment_id.sale_id.ids)
        return result

    def unlink(self):
        self.env["billing.readiness.dirty"]._mark_orders(self.shipment_id.sale_id.ids)
        return super().unlink()
