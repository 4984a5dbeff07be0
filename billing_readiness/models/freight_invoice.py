from odoo import models


class FreightInvoice(models.Model):
    _inherit = "freight.invoice"

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals or "is_duplicate" in vals:
            self.env["billing.readiness.dirty"]._mark_orders(self.line_ids.shipment_id.sale_id.ids)
        return result
