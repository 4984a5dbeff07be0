from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            customer_moves = self.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
            if customer_moves:
                orders = customer_moves.line_ids.sale_line_ids.order_id
                self.env["billing.readiness.dirty"]._mark_orders(orders.ids)
        return result
