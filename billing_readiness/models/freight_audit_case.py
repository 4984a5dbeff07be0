from odoo import api, models


class FreightAuditCase(models.Model):
    _inherit = "freight.audit.case"

    @api.model_create_multi
    def create(self, vals_list):
        cases = super().create(vals_list)
        cases._billing_mark_orders()
        return cases

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            self._billing_mark_orders()
        return result

    def _billing_mark_orders(self):
        orders = (self.line_ids | self.invoice_id.line_ids).shipment_id.sale_id
        self.env["billing.readiness.dirty"]._mark_orders(orders.ids)
