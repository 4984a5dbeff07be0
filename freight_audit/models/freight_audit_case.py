"""The review queue: audit cases with segregation of duties, and their disputes with the
carrier through the FAP (the journal's ``fap_dispute`` and ``fap_dispute_answer`` handlers)."""

import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from odoo.addons.logistics_connector.services.dates import parse_datetime
from odoo.addons.logistics_connector.services.exceptions import PermanentError
from odoo.addons.logistics_connector.services.intake import JournalItem

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


def check_freight_group(env, xmlid):
    """Refuse (AccessError) a user outside the freight group ``xmlid``; superuser mode passes."""
    if env.su or env.user.has_group(xmlid):
        return
    group = env.ref(xmlid).sudo()
    raise AccessError(env._("Only the %s group may do this.", group.full_name))


class FreightAuditCase(models.Model):
    _name = "freight.audit.case"
    _description = "Freight Audit Case"
    _inherit = ["mail.thread", "mail.activity.mixin", "logistics.guarded.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # Decisions, who edited and approved, and the dispute's traces: written by the case's own
    # actions (and the audit) only. Which lines a case holds is the lines' guarded ``case_id``.
    _guarded_fields = dict.fromkeys(
        (
            "state",
            "invoice_id",
            "reason_codes",
            "amount_approved",
            "approval_type",
            "approval_rule",
            "edited_by_ids",
            "approved_by_id",
            "approved_date",
            "dispute_reference",
            "dispute_date",
            "dispute_message_id",
            "carrier_answer",
            "carrier_answer_date",
        )
    ) | {"approval_reason": GROUP_MANAGER}  # the manager who approves above the billed amount says why

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
    approval_rule = fields.Selection(
        [("approver", "Freight Approver"), ("manager", "Freight Manager (above the threshold or the billed amount)")],
        readonly=True,
        copy=False,
        help="Under which right the case was approved.",
    )
    approval_reason = fields.Text(
        string="Reason for Approving Above the Billed Amount",
        tracking=True,
        copy=False,
        help="Why an amount above the billed amount is approved (Freight Managers only; posted in the chatter).",
    )
    review_note = fields.Text()
    user_id = fields.Many2one("res.users", string="Auditor", tracking=True, default=False, check_company=True)
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
        "logistics.message",
        string="Dispute Journal Message",
        readonly=True,
        copy=False,
        check_company=True,
        index="btree_not_null",  # the journal's retention purge sets it to NULL (one lookup per message)
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
        if self.env.su or user._is_superuser():
            return  # the audit and the case's own methods (superuser mode) are not editors
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
            case.sudo().write({"reason_codes": ", ".join(ordered) or False, "reason": ordered[0] if ordered else False})

    def _close_obsolete(self):
        self.sudo().write({"state": "closed"})
        for case in self:
            case.message_post(body=_("Closed: the invoice no longer needs this case."))

    def action_start_review(self):
        self._check_group(GROUP_AUDITOR)
        for case in self.filtered(lambda c: c.state == "open"):
            case.sudo().write({"state": "in_review", "user_id": case.user_id.id or self.env.uid})
        return True

    def action_propose_expected(self):
        """The auditor proposes to pay the contracted (expected) amounts (written as the auditor:
        they become an editor of the case)."""
        self._check_group(GROUP_AUDITOR)
        for case in self:
            case._check_open()
            for line in case.line_ids:
                line.proposed_amount = line.expected_amount
        return True

    def _check_group(self, xmlid):
        """The caller is in the freight group ``xmlid`` and may change these cases (company rules)."""
        check_freight_group(self.env, xmlid)
        self.check_access("write")

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

    def _check_can_approve(self, amounts):
        """Who may approve ``amounts`` ({line id: amount to approve}) on this case; returns the
        rule it is approved under ("approver" or "manager"), or raises.

        Segregation of duties: approvers only, of the case's company, never an editor of the case.
        Bounded amounts: each between 0 and the billed amount; above the billed amount only a
        Freight Manager, with a reason. The threshold applies to what the WHOLE invoice approves
        with this case (the lines approved already plus these), so splitting an invoice's lines
        over cases never gets under it."""
        self.ensure_one()
        user = self.env.user
        self._check_open()
        if not user.has_group(GROUP_APPROVER):
            raise AccessError(_("Only a Freight Approver may approve audit case %s.", self.name))
        self.check_access("write")
        if user in self.edited_by_ids:
            raise AccessError(_("You edited audit case %s yourself; another approver must approve it.", self.name))
        invoice = self.invoice_id
        if invoice.state != "exception":
            raise UserError(_("Carrier invoice %s is not in an audit case any more.", invoice.display_name))
        blocking = set(invoice.finding_ids.filtered(lambda f: f.severity == "error").mapped("code"))
        if blocking & set(NOT_APPROVABLE) or invoice.is_duplicate:
            raise UserError(_("Audit case %s is about a duplicate invoice: it can be rejected, never paid.", self.name))
        is_manager = user.has_group(GROUP_MANAGER)
        rule = "approver"
        rounding = self.currency_id.rounding
        lines = self.line_ids
        if any(float_compare(amounts[line.id], 0.0, precision_rounding=rounding) < 0 for line in lines):
            raise UserError(_("Audit case %s: an approved amount is never negative.", self.name))
        above = lines.filtered(
            lambda line: float_compare(amounts[line.id], line.amount, precision_rounding=rounding) > 0
        )
        if above:
            if not is_manager:
                raise AccessError(
                    _(
                        "Audit case %s approves more than the carrier billed: only a Freight Manager may, "
                        "with a reason.",
                        self.name,
                    )
                )
            if not (self.approval_reason or "").strip():
                raise UserError(
                    _("Audit case %s approves more than the carrier billed: give the reason first.", self.name)
                )
            rule = "manager"
        whole = sum((invoice.line_ids - lines).mapped("approved_amount")) + sum(amounts[line.id] for line in lines)
        threshold = self.company_id.freight_approval_threshold
        if threshold and self._amount_in_company_currency(whole) > threshold:
            if not is_manager:
                raise AccessError(
                    _(
                        "Carrier invoice %(invoice)s would be approved for %(amount)s with audit case %(case)s, "
                        "above the approval threshold of %(threshold)s: a Freight Manager must approve it.",
                        invoice=invoice.display_name,
                        amount=whole,
                        case=self.name,
                        threshold=threshold,
                    )
                )
            rule = "manager"
        return rule

    def action_approve_full(self):
        """Pay the charges in review as billed."""
        for case in self:
            case._approve({line.id: line.amount for line in case.line_ids}, "full")
        return True

    def action_approve_partial(self):
        """Pay the amounts the auditor proposed."""
        for case in self:
            case._approve({line.id: line.proposed_amount for line in case.line_ids}, "partial")
        return True

    def _approve(self, amounts, approval_type):
        """Approve ``amounts`` ({line id: amount}) after ``_check_can_approve``, record who and under
        which rule; the last decided case approves the invoice (a recorded approval)."""
        self.ensure_one()
        rule = self._check_can_approve(amounts)
        case = self.sudo()
        by_amount = {}
        for line in case.line_ids:
            by_amount.setdefault(amounts[line.id], []).append(line.id)
        Line = self.env["freight.invoice.line"].sudo()
        for amount, line_ids in by_amount.items():
            Line.browse(line_ids).write({"state": "approved", "approved_amount": amount})
        case.write(
            {
                "state": "approved",
                "approval_type": approval_type,
                "approval_rule": rule,
                "amount_approved": sum(amounts.values()),
                "approved_by_id": self.env.uid,
                "approved_date": fields.Datetime.now(),
            }
        )
        self.message_post(body=_("Approved (%(type)s): %(amount)s.", type=approval_type, amount=self.amount_approved))
        above = self.line_ids.filtered(
            lambda line: float_compare(line.approved_amount, line.amount, precision_rounding=self.currency_id.rounding)
            > 0
        )
        if above:
            self.message_post(
                body=_(
                    "Approved above the billed amount by %(user)s (Freight Manager): %(reason)s",
                    user=self.env.user.name,
                    reason=self.approval_reason,
                )
            )
        invoice = self.invoice_id.sudo()
        if not invoice.case_ids.filtered(lambda c: c.state in OPEN_STATES):
            invoice._freight_tax_on_approved()
            if invoice.amount_approved:
                decided = invoice.case_ids.filtered(lambda c: c.state == "approved")
                whole_rule = "manager" if "manager" in decided.mapped("approval_rule") else "approver"
                invoice._record_approval(whole_rule, {invoice: decided._approval_detail()}, cases=decided)
                invoice._on_approved()
            else:
                invoice.state = "rejected"

    def _approval_detail(self):
        """The approval in words: each case, who approved it, when, how much, under which rule."""
        rules = dict(self._fields["approval_rule"]._description_selection(self.env))
        return "\n".join(
            self.env._(
                "Audit case %(case)s: %(type)s approval of %(amount)s by %(user)s on %(date)s (%(rule)s).",
                case=case.name,
                type=case.approval_type,
                amount=case.amount_approved,
                user=case.approved_by_id.name,
                date=case.approved_date,
                rule=rules.get(case.approval_rule, ""),
            )
            for case in self
        )

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
        self.sudo().write({"state": "closed"})
        return True

    def action_reopen(self):
        self._check_group(GROUP_AUDITOR)
        self.filtered(lambda c: c.state == "disputed").sudo().write({"state": "in_review"})
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
                messages, duplicates = self.env["logistics.message"]._journal_outbound(
                    backend,
                    "fap_dispute",
                    [JournalItem(case._dispute_payload(), key=f"fap_dispute:{case.id}:{len(case.message_ids)}")],
                    content_type="application/json",
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

    # The journal's handlers (see logistics.message._get_handlers) ---------------------
    @api.model
    def _handle_dispute_message(self, message):
        """Send a dispute (outbound); the idempotency key makes a replay send it once."""
        payload = message._get_payload_json()
        case = self.browse(payload.get("case_id")).exists()
        if not case:
            raise PermanentError(_("The audit case of this dispute no longer exists."))
        fap = message.backend_id._freight_fap_api()
        answer = fap.create_dispute(payload["invoice_id"], payload, idempotency_key=message.idempotency_key)
        message.sudo().write({"http_status": 200, "response_payload": json.dumps(answer)})
        if answer.get("dispute_id"):
            case.sudo().dispute_reference = str(answer["dispute_id"])
        message._link(case, "updated")

    @api.model
    def _handle_dispute_answer_message(self, message):
        data = message._get_payload_json()
        case = self.search(
            [("dispute_reference", "=", str(data.get("dispute_id") or "")), ("company_id", "=", message.company_id.id)],
            limit=1,
        )
        if not case:
            raise PermanentError(_("No audit case has dispute %s.", data.get("dispute_id")))
        if case.carrier_answer != data.get("answer"):
            answered_at = data.get("answered_at")
            case._record_carrier_answer(data.get("answer"), parse_datetime(answered_at) if answered_at else None)
            case._freight_settle_dispute(data)  # a settlement after approval: a credit note (once)
        message._link(case, "updated")

    def _record_carrier_answer(self, answer, answered_at=None):
        self.ensure_one()
        self.sudo().write({"carrier_answer": answer, "carrier_answer_date": answered_at or fields.Datetime.now()})
        self.message_post(body=_("Carrier answer: %s", answer))
        if self.state == "disputed":
            self.sudo().state = "in_review"
