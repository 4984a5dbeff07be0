"""What the FAP reported that Odoo's books do not match: a bill paid for another amount, an
unknown bill paid, a funding request that differs from the payments it funds. Recorded by the
FAP's payment and funding handlers; listed by the reconciliation report (billing_readiness)."""

from odoo import api, fields, models

DIFFERENCE_KINDS = [
    ("amount", "Paid another amount"),
    ("unknown_invoice", "Paid an unknown bill"),
    ("funding", "Funding differs from the payments"),
]


class FreightFapDifference(models.Model):
    _name = "freight.fap.difference"
    _description = "FAP Payment Difference"
    _inherit = ["logistics.guarded.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _guarded_fields = dict.fromkeys(
        (
            "kind",
            "key",
            "company_id",
            "backend_id",
            "fap_reference",
            "payment_reference",
            "date",
            "currency_id",
            "amount_expected",
            "amount_reported",
            "invoice_id",
            "payment_id",
            "funding_id",
            "message_id",
        )
    )

    name = fields.Char(compute="_compute_name", store=True)
    kind = fields.Selection(DIFFERENCE_KINDS, required=True, readonly=True, index=True)
    key = fields.Char(required=True, readonly=True, copy=False)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    backend_id = fields.Many2one("logistics.backend", readonly=True, check_company=True)
    fap_reference = fields.Char(string="FAP Invoice or Funding", readonly=True)
    payment_reference = fields.Char(readonly=True)
    date = fields.Date(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_expected = fields.Monetary(string="In Odoo", readonly=True)
    amount_reported = fields.Monetary(string="Reported by the FAP", readonly=True)
    invoice_id = fields.Many2one("freight.invoice", string="Carrier Invoice", readonly=True, check_company=True)
    payment_id = fields.Many2one("account.payment", readonly=True, check_company=True)
    funding_id = fields.Many2one("freight.fap.funding", readonly=True, check_company=True)
    # Indexed: the journal's retention purge sets it to NULL (one lookup per deleted message).
    message_id = fields.Many2one(
        "logistics.message", string="Journal Message", readonly=True, check_company=True, index="btree_not_null"
    )

    _sql_constraints = [("key_uniq", "unique(company_id, key)", "This difference is recorded already.")]

    @api.depends("kind", "fap_reference")
    def _compute_name(self):
        labels = dict(DIFFERENCE_KINDS)
        for difference in self:
            difference.name = f"{labels.get(difference.kind, '')}: {difference.fap_reference or ''}"

    @api.model
    def _record(self, vals):
        """Once per key (superuser: the FAP's handlers)."""
        existing = self.sudo().search([("company_id", "=", vals["company_id"]), ("key", "=", vals["key"])], limit=1)
        return existing or self.sudo().create(vals)
