from odoo import fields, models

from ..services.audit_results import FINDING_CODES

# The engine's codes, and the posting's: the bill's total (charges and Odoo's tax) is not the
# approved amount (see freight_invoice_billing.py).
FINDING_SELECTION = [(code, code.replace("_", " ").capitalize()) for code in FINDING_CODES] + [
    ("BILL_TOTAL_MISMATCH", "Bill total mismatch")
]


class FreightAuditFinding(models.Model):
    """One audit finding: the rule that fired, the contract version behind the expected amount."""

    _name = "freight.audit.finding"
    _inherit = ["logistics.company.check.mixin"]
    _description = "Freight Audit Finding"
    _order = "invoice_id, line_id, id"
    _check_company_auto = True

    invoice_id = fields.Many2one("freight.invoice", required=True, ondelete="cascade", index=True, check_company=True)
    line_id = fields.Many2one("freight.invoice.line", ondelete="cascade", index=True, check_company=True)
    company_id = fields.Many2one(related="invoice_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    code = fields.Selection(FINDING_SELECTION, required=True, index=True)
    severity = fields.Selection([("info", "Information"), ("error", "Blocking")], required=True)
    message = fields.Text(required=True)
    source = fields.Char(string="Rule / Contract")
    rate_card_id = fields.Many2one("freight.rate.card", ondelete="set null", check_company=True)
    rate_card_version = fields.Integer()
    expected_amount = fields.Monetary(string="Expected")
    billed_amount = fields.Monetary(string="Billed")
