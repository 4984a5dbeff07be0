from odoo import fields, models


class BillingHoldWizard(models.TransientModel):
    """A Billing Manager puts orders on hold, or releases their holds, with a reason."""

    _name = "billing.hold.wizard"
    _description = "Billing Hold / Release"

    mode = fields.Selection([("hold", "Put on hold"), ("release", "Release hold")], required=True, default="hold")
    order_ids = fields.Many2many("sale.order", string="Orders", required=True)
    reason = fields.Text(required=True, help="Kept in the orders' chatter.")
    current_reason_ids = fields.Many2many(
        "billing.hold.reason", compute="_compute_current_reason_ids", string="Current Reasons"
    )

    def _compute_current_reason_ids(self):
        for wizard in self:
            wizard.current_reason_ids = wizard.order_ids.billing_hold_reason_ids

    def action_apply(self):
        self.ensure_one()
        if self.mode == "hold":
            self.order_ids._billing_hold(self.reason)
        else:
            self.order_ids._billing_release(self.reason)
        return {"type": "ir.actions.act_window_close"}
