"""The review queue: audit cases with segregation of duties."""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .freight_audit_finding import FINDING_SELECTION

CASE_STATES = [
    ("open", "Open"),
    ("in_review", "In Review"),
    ("disputed", "Disputed"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("closed", "Closed"),
]
OPEN_STATES = ("open", "in_review", "disputed")
# Findings that no approval can pay: the invoice was billed already.
NOT_APPROVABLE = ("DUPLICATE_INVOICE",)
REVIEW_FIELDS = {"review_note", "reason"}

GROUP_AUDITOR = "freight_audit.group_freight_auditor"
GROUP_APPROVER = "freight_audit.group_freight_approver"
GROUP_MANAGER = "freight_audit.group_freight_manager"


class FreightAuditCase(models.Model):
    _name = "freight.audit.case"
    _description = "Freight Audit Case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, copy=False, readonly=True, default=lambda self: _("New"))
    invoice_id = fields.Many2one("freight.invoice", required=True, ondelete="cascade", index=True, check_company=True)
    company_id = fields.Many2one(related="invoice_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id", store=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    carrier_partner_id = fields.Many2one(related="invoice_id.carrier_partner_id", store=True, string="Carrier")
    state = fields.Selection(CASE_STATES, default="open", required=True, tracking=True, index=True, group_expand=True)
    line_ids = fields.One2many("freight.invoice.line", "case_id", string="Charges in Review")
    finding_ids = fields.One2many(related="invoice_id.finding_ids", string="Findings")
    reason = fields.Selection(FINDING_SELECTION, string="Main Reason", tracking=True, index=True)
    reason_codes = fields.Char(string="Reasons", readonly=True, index=True)
    amount_billed = fields.Monetary(compute="_compute_amounts", store=True, string="Billed")
    amount_expected = fields.Monetary(compute="_compute_amounts", store=True, string="Expected")
    amount_variance = fields.Monetary(compute="_compute_amounts", store=True, string="Variance")
    amount_proposed = fields.Monetary(compute="_compute_amounts", store=True, string="Proposed")
    amount_approved = fields.Monetary(readonly=True, copy=False, string="Approved", tracking=True)
    approval_type = fields.Selection([("full", "Full"), ("partial", "Partial")], readonly=True, copy=False)
    review_note = fields.Text()
    user_id = fields.Many2one("res.users", string="Auditor", tracking=True, default=False)
    edited_by_ids = fields.Many2many(
        "res.users",
        "freight_audit_case_editor_rel",
        "case_id",
        "user_id",
        string="Edited By",
        readonly=True,
        copy=False,
        help="Users who changed the review; none of them may approve the case.",
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    approved_date = fields.Datetime(readonly=True, copy=False)
    age_days = fields.Integer(compute="_compute_age_days", string="Age (days)")
    # Dispute with the carrier / FAP
    dispute_text = fields.Text(string="Dispute Message")
    dispute_reference = fields.Char(readonly=True, copy=False, tracking=True)
    dispute_date = fields.Datetime(readonly=True, copy=False)
    dispute_message_id = fields.Many2one(
        "logistics.message", string="Dispute Journal Message", readonly=True, copy=False
    )
    carrier_answer = fields.Text(readonly=True, copy=False, tracking=True)
    carrier_answer_date = fields.Datetime(readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("freight.audit.case") or _("New")
        return super().create(vals_list)

    @api.depends("line_ids.amount", "line_ids.expected_amount", "line_ids.proposed_amount", "invoice_id.amount_total")
    def _compute_amounts(self):
        for case in self:
            lines = case.line_ids
            case.amount_billed = sum(lines.mapped("amount")) if lines else case.invoice_id.amount_total
            case.amount_expected = sum(lines.mapped("expected_amount")) if lines else case.invoice_id.amount_expected
            case.amount_variance = case.amount_billed - case.amount_expected
            case.amount_proposed = sum(lines.mapped("proposed_amount"))

    def _compute_age_days(self):
        now = fields.Datetime.now()
        for case in self:
            case.age_days = (now - case.create_date).days if case.create_date else 0

    # ------------------------------------------------------------------
    # Review and segregation of duties
    # ------------------------------------------------------------------
    def write(self, vals):
        result = super().write(vals)
        if REVIEW_FIELDS & set(vals):
            self._mark_edited()
        return result

    def _mark_edited(self):
        """Remember who edited the review (they may not approve it)."""
        user = self.env.user
        if user._is_superuser() or self.env.context.get("freight_system_write"):
            return
        for case in self:
            if user not in case.edited_by_ids:
                case.sudo().edited_by_ids = [fields.Command.link(user.id)]

    def _refresh_from_audit(self):
        for case in self:
            blocking = case.invoice_id.finding_ids.filtered(lambda f: f.severity == "error")
            # Invoice-level findings (duplicate invoice, total mismatch) first: they decide the case.
            # TOTAL_VARIANCE (the sum of line variances) comes last: it follows from the lines.
            codes = blocking.sorted(
                lambda f: (2 if f.code == "TOTAL_VARIANCE" else 1 if f.line_id else 0, f.id)
            ).mapped("code")
            ordered = list(dict.fromkeys(codes))
            case.sudo().with_context(freight_system_write=True).write(
                {"reason_codes": ", ".join(ordered) or False, "reason": ordered[0] if ordered else False}
            )

    def _close_obsolete(self):
        self.sudo().write({"state": "closed"})
        for case in self:
            case.message_post(body=_("Closed: the invoice no longer needs this case."))

    def action_start_review(self):
        self._check_group(GROUP_AUDITOR)
        for case in self.filtered(lambda c: c.state == "open"):
            case.write({"state": "in_review", "user_id": case.user_id.id or self.env.uid})
        return True

    def action_propose_expected(self):
        """The auditor proposes to pay the contracted (expected) amounts."""
        self._check_group(GROUP_AUDITOR)
        for case in self:
            case._check_open()
            for line in case.line_ids:
                line.proposed_amount = line.expected_amount
        return True

    def _check_group(self, xmlid):
        if not self.env.user.has_group(xmlid):
            group = self.env.ref(xmlid)
            raise AccessError(_("Only the %s group may do this.", group.name))

    def _check_open(self):
        for case in self:
            if case.state not in OPEN_STATES:
                raise UserError(_("Audit case %s is already decided.", case.name))

    def _amount_in_company_currency(self, amount):
        self.ensure_one()
        return self.currency_id._convert(
            amount,
            self.company_id.currency_id,
            self.company_id,
            self.invoice_id.invoice_date or fields.Date.context_today(self),
        )

    def _check_can_approve(self, amount):
        """Segregation of duties: approvers only; never the editor; managers above the threshold."""
        user = self.env.user
        for case in self:
            case._check_open()
            if not user.has_group(GROUP_APPROVER):
                raise AccessError(_("Only a Freight Approver may approve audit case %s.", case.name))
            if user in case.edited_by_ids:
                raise AccessError(_("You edited audit case %s yourself; another approver must approve it.", case.name))
            blocking = set(case.invoice_id.finding_ids.filtered(lambda f: f.severity == "error").mapped("code"))
            if blocking & set(NOT_APPROVABLE) or case.invoice_id.is_duplicate:
                raise UserError(
                    _("Audit case %s is about a duplicate invoice: it can be rejected, never paid.", case.name)
                )
            threshold = case.company_id.freight_approval_threshold
            if threshold and case._amount_in_company_currency(amount) > threshold and not user.has_group(GROUP_MANAGER):
                raise AccessError(
                    _(
                        "Approving %(amount)s on audit case %(case)s exceeds the approval threshold of "
                        "%(threshold)s: a Freight Manager must approve it.",
                        amount=amount,
                        case=case.name,
                        threshold=threshold,
                    )
                )

    def action_approve_full(self):
        """Pay the charges in review as billed."""
        for case in self:
            amount = sum(case.line_ids.mapped("amount"))
            case._check_can_approve(amount)
            case.line_ids._approve_billed()
            case._approve("full")
        return True

    def action_approve_partial(self):
        """Pay the amounts the auditor proposed."""
        for case in self:
            amount = sum(case.line_ids.mapped("proposed_amount"))
            case._check_can_approve(amount)
            for line in case.line_ids:
                line.sudo().approved_amount = line.proposed_amount
            case._approve("partial")
        return True

    def _approve(self, approval_type):
        self.ensure_one()
        self.line_ids.sudo().write({"state": "approved"})
        self.sudo().write(
            {
                "state": "approved",
                "approval_type": approval_type,
                "amount_approved": sum(self.line_ids.mapped("approved_amount")),
                "approved_by_id": self.env.uid,
                "approved_date": fields.Datetime.now(),
            }
        )
        self.message_post(body=_("Approved (%(type)s): %(amount)s.", type=approval_type, amount=self.amount_approved))
        invoice = self.invoice_id.sudo()
        if not invoice.case_ids.filtered(lambda c: c.state in OPEN_STATES):
            invoice.state = "approved"
            if invoice.amount_approved:
                invoice._on_approved()
            else:
                invoice.state = "rejected"

    def action_reject(self):
        """Reject the carrier invoice: nothing of it is paid."""
        self._check_group(GROUP_APPROVER)
        for case in self:
            case._check_open()
            case.line_ids.sudo().write({"state": "rejected", "approved_amount": 0.0})
            case.sudo().write(
                {"state": "rejected", "approved_by_id": self.env.uid, "approved_date": fields.Datetime.now()}
            )
            invoice = case.invoice_id.sudo()
            invoice.line_ids.write({"approved_amount": 0.0})
            invoice.state = "rejected"
            case.message_post(body=_("Rejected: carrier invoice %s will not be paid.", invoice.display_name))
        return True

    def action_close(self):
        self._check_group(GROUP_AUDITOR)
        for case in self:
            if case.state not in ("approved", "rejected", "disputed"):
                raise UserError(_("Only decided or disputed cases can be closed."))
        self.write({"state": "closed"})
        return True

    def action_reopen(self):
        self._check_group(GROUP_AUDITOR)
        for case in self.filtered(lambda c: c.state == "disputed"):
            case.state = "in_review"
        return True

    # ------------------------------------------------------------------
    # Dispute
    # ------------------------------------------------------------------
    def action_dispute(self):
        """Send the dispute to the carrier's FAP through the journal (once per case)."""
        self._check_group(GROUP_AUDITOR)
        for case in self:
            case._check_open()
            if not case.dispute_text:
                raise UserError(_("Write the dispute message first."))
            invoice = case.invoice_id
            backend = invoice.backend_id
            vals = {"state": "disputed", "dispute_date": fields.Datetime.now()}
            if backend.kind == "fap" and invoice.external_id:
                messages, duplicates = self.env["logistics.message"]._journal_many(
                    [
                        {
                            "backend_id": backend.id,
                            "direction": "outbound",
                            "message_type": "fap_dispute",
                            "payload": case._dispute_payload(),
                            "content_type": "application/json",
                            "idempotency_key": f"fap_dispute:{case.id}:{len(case.message_ids)}",
                            "source": "odoo",
                        }
                    ]
                )
                message = messages[:1] or duplicates[0]
                vals["dispute_message_id"] = message.id
            case.sudo().write(vals)
            case._mark_edited()
            case.message_post(body=_("Dispute sent to the carrier: %s", case.dispute_text))
        return True

    def _dispute_payload(self):
        self.ensure_one()
        invoice = self.invoice_id
        return {
            "case": self.name,
            "case_id": self.id,
            "invoice_id": invoice.external_id,
            "invoice_number": invoice.name,
            "message": self.dispute_text,
            "reasons": (self.reason_codes or "").split(", ") if self.reason_codes else [],
            "lines": [
                {
                    "shipment_reference": line.shipment_reference,
                    "charge_code": line.charge_code,
                    "billed": line.amount,
                    "expected": line.expected_amount,
                }
                for line in self.line_ids
            ],
        }

    def _record_carrier_answer(self, answer, answered_at=None):
        self.ensure_one()
        self.sudo().write({"carrier_answer": answer, "carrier_answer_date": answered_at or fields.Datetime.now()})
        self.message_post(body=_("Carrier answer: %s", answer))
        if self.state == "disputed":
            self.sudo().state = "in_review"
