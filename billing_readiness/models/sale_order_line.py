from odoo import models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _prepare_invoice_line(self, **optional_values):
        """Partial invoicing (readiness rule): goods lines capped to what delivered shipments carried."""
        vals = super()._prepare_invoice_line(**optional_values)
        # Only the scheduled invoicing (superuser mode) caps quantities: an RPC client's context is ignored.
        caps = self.env.su and self.env.context.get("billing_readiness_caps")
        if caps and self.id in caps and not self.display_type:
            vals["quantity"] = caps[self.id]
        return vals
