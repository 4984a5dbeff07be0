from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class BillingReconciliationWizard(models.TransientModel):
    """Run the reconciliation of a period (a day, a month end, any period)."""

    _name = "billing.reconciliation.wizard"
    _description = "Billing Reconciliation"
    _check_company_auto = True

    kind = fields.Selection(
        [("daily", "Daily"), ("period_end", "Period End"), ("custom", "Custom Period")], required=True, default="daily"
    )
    date_from = fields.Date(required=True, default=lambda self: fields.Date.context_today(self) - timedelta(days=1))
    date_to = fields.Date(required=True, default=lambda self: fields.Date.context_today(self) - timedelta(days=1))
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    backend_ids = fields.Many2many(
        "logistics.backend",
        string="Compare With",
        check_company=True,
        domain="[('company_id', '=', company_id), ('kind', 'in', ('tms', 'fap'))]",
        help="TMS and FAP backends asked for their figures of the period (all active ones by default).",
    )

    @api.onchange("kind")
    def _onchange_kind(self):
        today = fields.Date.context_today(self)
        if self.kind == "daily":
            self.date_from = self.date_to = today - timedelta(days=1)
        elif self.kind == "period_end":
            end = today.replace(day=1) - timedelta(days=1)
            self.date_from, self.date_to = end.replace(day=1), end

    @api.onchange("company_id")
    def _onchange_company_id(self):
        self.backend_ids = self.env["logistics.backend"].search(
            [("company_id", "=", self.company_id.id), ("kind", "in", ("tms", "fap")), ("active", "=", True)]
        )

    def action_run(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(_("The period starts after it ends."))
        run = self.env["billing.reconciliation.run"]._run(
            self.company_id, self.date_from, self.date_to, kind=self.kind, backends=self.backend_ids or None
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "billing.reconciliation.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
