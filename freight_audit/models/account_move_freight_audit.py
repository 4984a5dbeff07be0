"""The *Freight Audit* tab of a carrier's vendor bill: what the audit found, saved and who approved.

Who sees it: everybody who can read the bill. Carrier invoices, findings, cases and approvals
are readable by the Freight Audit groups only, but the accountant who posts or pays the bill
must see why it is for that amount. So the summary is computed in superuser mode
(``compute_sudo``, and related fields, which are read in superuser mode anyway) into plain
values: amounts, words, the approver (a user), the shipments' references. Nothing here links
to a freight record the reader could not open, except the shipments themselves, which are
shown as links to Logistics users only (``groups``). The bill's own record rules (company,
journal) already decide who reads the bill; its carrier invoice is of the same company
(``check_company``).
"""

from odoo import api, fields, models

from .freight_audit_case import CASE_STATES
from .freight_audit_finding import FINDING_SELECTION

DECIDED_STATES = ("approved", "billed", "rejected")


class AccountMove(models.Model):
    _inherit = "account.move"

    freight_currency_id = fields.Many2one(related="freight_invoice_id.currency_id", string="Carrier Invoice Currency")
    freight_invoice_name = fields.Char(related="freight_invoice_id.name", string="Carrier Invoice Number")
    freight_invoice_state = fields.Selection(related="freight_invoice_id.state", string="Carrier Invoice Status")
    freight_audit_status = fields.Selection(related="freight_invoice_id.audit_status", string="Audit Result")
    freight_audit_date = fields.Datetime(related="freight_invoice_id.audit_date", string="Audited On")
    freight_amount_billed = fields.Monetary(
        related="freight_invoice_id.amount_total", string="Billed by the Carrier", currency_field="freight_currency_id"
    )
    freight_amount_expected = fields.Monetary(
        related="freight_invoice_id.amount_expected", string="Expected (Contract)", currency_field="freight_currency_id"
    )
    freight_amount_approved = fields.Monetary(
        related="freight_invoice_id.amount_approved", string="Approved", currency_field="freight_currency_id"
    )
    freight_amount_saved = fields.Monetary(
        compute="_compute_freight_audit_summary",
        compute_sudo=True,
        string="Saved by the Audit",
        currency_field="freight_currency_id",
        help="Billed by the carrier minus approved, once the invoice is decided.",
    )
    freight_findings_text = fields.Text(
        compute="_compute_freight_audit_summary",
        compute_sudo=True,
        string="Audit Findings",
        help="Each finding in words, with the rule or contract version behind it.",
    )
    freight_case_text = fields.Char(compute="_compute_freight_audit_summary", compute_sudo=True, string="Audit Case")
    freight_approved_by_id = fields.Many2one(related="freight_invoice_id.approval_id.user_id", string="Approved By")
    freight_approval_date = fields.Datetime(related="freight_invoice_id.approval_id.date", string="Approved On")
    freight_approval_rule = fields.Selection(related="freight_invoice_id.approval_id.rule", string="Approved Under")
    freight_approval_detail = fields.Text(related="freight_invoice_id.approval_id.detail", string="Approval Detail")
    freight_shipment_refs = fields.Char(
        compute="_compute_freight_audit_summary", compute_sudo=True, string="Shipment References"
    )
    freight_shipment_ids = fields.Many2many(
        "logistics.shipment",
        compute="_compute_freight_audit_summary",
        compute_sudo=True,
        string="Shipments",
        groups="logistics_connector.group_logistics_user",
    )
    freight_is_disputed = fields.Boolean(
        compute="_compute_freight_audit_summary",
        compute_sudo=True,
        string="Disputed with the Carrier",
        help="An audit case of the carrier invoice is in dispute with the carrier, or was approved while its "
        "dispute waits for the carrier's answer.",
    )

    @api.depends(
        "freight_invoice_id.state",
        "freight_invoice_id.amount_total",
        "freight_invoice_id.amount_approved",
        "freight_invoice_id.finding_ids",
        "freight_invoice_id.case_ids.state",
        "freight_invoice_id.case_ids.dispute_date",
        "freight_invoice_id.case_ids.carrier_answer_date",
        "freight_invoice_id.line_ids.shipment_id",
    )
    def _compute_freight_audit_summary(self):
        codes, case_states = dict(FINDING_SELECTION), dict(CASE_STATES)
        for move in self:
            invoice = move.freight_invoice_id
            decided = invoice.state in DECIDED_STATES
            move.freight_amount_saved = invoice.amount_total - invoice.amount_approved if decided else 0.0
            move.freight_findings_text = (
                "\n".join(move._freight_finding_words(f, codes) for f in invoice.finding_ids) or False
            )
            cases = invoice.case_ids.sorted("id")
            move.freight_case_text = ", ".join(f"{case.name} ({case_states[case.state]})" for case in cases) or False
            shipments = invoice.line_ids.shipment_id
            move.freight_shipment_ids = shipments
            refs = shipments.mapped("name") + [
                line.shipment_reference for line in invoice.line_ids if not line.shipment_id
            ]
            move.freight_shipment_refs = ", ".join(dict.fromkeys(refs)) or False
            # Disputed: a case in dispute, or one approved (to pay the carrier on time) whose
            # dispute the carrier has not answered yet.
            move.freight_is_disputed = any(
                case.state == "disputed" or (case.dispute_date and not case.carrier_answer_date) for case in cases
            )

    def _freight_finding_words(self, finding, codes):
        """One finding in words: what, on which charge, and the rule or contract version behind it
        (the engine's source names the rate card and its version, e.g. "rate card X v2")."""
        where = f"{finding.line_id.shipment_reference} {finding.line_id.charge_code}: " if finding.line_id else ""
        why = finding.source or ""
        if finding.rate_card_id and not why:
            why = f"rate card {finding.rate_card_id.name} v{finding.rate_card_version}"
        severity = self.env._("blocking") if finding.severity == "error" else self.env._("information")
        rule = self.env._(" [rule / contract: %s]", why) if why else ""
        return f"{codes.get(finding.code, finding.code)} ({severity}): {where}{finding.message}{rule}"
