from odoo import _, api, fields, models


class BillingHoldWizard(models.TransientModel):
    """A Billing Manager puts orders on hold, releases their holds, or invoices them despite the hold,
    with a reason."""

    _name = "billing.hold.wizard"
    _description = "Billing Hold / Release"

    mode = fields.Selection(
        [("hold", "Put on hold"), ("release", "Release hold"), ("invoice", "Invoice despite hold")],
        required=True,
        default="hold",
    )
    order_ids = fields.Many2many("sale.order", string="Orders", required=True)
    reason = fields.Text(required=True, help="Kept in the orders' chatter.")
    current_reason_ids = fields.Many2many(
        "billing.hold.reason", compute="_compute_current_reason_ids", string="Current Reasons"
    )

    # Without its dependencies the dialog's onchange never computed it: the release showed no reason.
    @api.depends("order_ids", "order_ids.billing_hold_reason_ids")
    def _compute_current_reason_ids(self):
        for wizard in self:
            wizard.current_reason_ids = wizard.order_ids.billing_hold_reason_ids

    def action_apply(self):
        self.ensure_one()
        if self.mode == "hold":
            self.order_ids._billing_hold(self.reason)
        elif self.mode == "invoice":
            moves = self.order_ids._billing_invoice_override(self.reason)
            return {
                "type": "ir.actions.act_window",
                "name": _("Invoices"),
                "res_model": "account.move",
                "view_mode": "list,form",
                "domain": [("id", "in", moves.ids)],
            }
        else:
            self.order_ids._billing_release(self.reason)
        return {"type": "ir.actions.act_window_close"}
