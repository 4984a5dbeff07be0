"""Recorded approvals of carrier invoices: who approved, when, under which rule.

Rows are written only by the methods that approve an invoice (the audit inside tolerance,
the last decided audit case), in superuser mode after their own checks: no group has write,
create or unlink rights on this model. A carrier invoice is billed only when its
``approval_id`` is one of these rows and approves exactly the invoice's approved amount.
"""

from odoo import fields, models

APPROVAL_RULES = [
    ("tolerance", "Inside tolerance (audit engine)"),
    ("approver", "Audit cases approved by a Freight Approver"),
    ("manager", "Approved by a Freight Manager (above the threshold or the billed amount)"),
]


class FreightInvoiceApproval(models.Model):
    _name = "freight.invoice.approval"
    _inherit = ["logistics.company.check.mixin"]
    _description = "Carrier Invoice Approval"
    _order = "id desc"
    _check_company_auto = True

    invoice_id = fields.Many2one(
        "freight.invoice", required=True, ondelete="cascade", index=True, readonly=True, check_company=True
    )
    company_id = fields.Many2one(related="invoice_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    rule = fields.Selection(APPROVAL_RULES, required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Approved By", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    amount = fields.Monetary(string="Approved Amount", required=True, readonly=True)
    case_ids = fields.Many2many("freight.audit.case", string="Audit Cases", readonly=True, check_company=True)
    detail = fields.Text(readonly=True, help="The rule in words: audit rule and contract version, or case approvals.")

    def _compute_display_name(self):
        rules = dict(APPROVAL_RULES)
        for approval in self:
            approval.display_name = f"{rules.get(approval.rule, '')} ({approval.user_id.name or ''})"
