"""Carrier invoices: imported through the journal, audited, approved, posted once.

This file holds the model (fields, the guards of ``write`` and ``unlink``), the import, the audit
outcome and the approval: the one path from a received invoice to its recorded approval, kept
together (hence a little over 500 lines). The other concerns of ``freight.invoice`` each have
their own file, one class each:

* ``freight_invoice_audit.py``: the audit's inputs for a batch (contracts, charge rules,
  tolerances, shipment facts, possible duplicates), the engine run, its results stored;
* ``freight_invoice_billing.py``: the vendor bill (may it be billed, prepared, created once,
  posted) and the FAP's payment status;
* ``freight_invoice_taxes.py``: the bill's taxes (charge types, fiscal position, the carrier's
  tax lines) computed as Odoo computes the bill;
* ``freight_invoice_landed_cost.py``: landed costs of posted inbound freight;
* ``freight_invoice_rebilling.py``: customer rebilling lines;
* ``freight_invoice_credit.py``: credit memos and FAP revisions (credit notes, new versions);
* ``freight_invoice_payment.py``: bills settled by the FAP's payments (payment through the FAP).
"""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.logistics_connector.services.exceptions import NeedsMappingError, ParseError

from .freight_audit_case import GROUP_AUDITOR, GROUP_MANAGER, check_freight_group

INVOICE_STATES = [
    ("draft", "Imported"),
    ("exception", "In Audit Case"),
    ("approved", "Approved"),
    ("billed", "Billed"),
    ("rejected", "Rejected"),
    ("cancel", "Cancelled"),
]
SOURCES = [
    ("fap_api", "FAP API (pull)"),
    ("fap_webhook", "FAP webhook (push)"),
    ("x12_210", "X12 210"),
    ("csv", "CSV upload"),
    ("manual", "Manual"),
]
AUDITABLE_STATES = ("draft", "exception")
# The carrier's document: users change it on an invoice not audited yet (draft) only.
DOCUMENT_FIELDS = frozenset(
    {
        "name",
        "carrier_partner_id",
        "company_id",
        "currency_id",
        "invoice_date",
        "amount_total",
        "fuel_index",
        "line_ids",
    }
)
# A billed invoice never changes these again, not even in superuser mode.
BILLED_FROZEN = DOCUMENT_FIELDS | {
    "state",
    "vendor_bill_id",
    "approval_id",
    "amount_expected",
    "is_duplicate",
    "duplicate_of_id",
    "backend_id",
    "is_from_test_backend",
}
POUND_KG = 0.45359237


def _kilograms(weight, unit=None):
    """A billed weight in kg (X12 weight unit ``L`` is pounds, ``K`` or none is kilograms)."""
    if not weight:
        return 0.0
    return round(float(weight) * POUND_KG, 3) if str(unit or "").upper() == "L" else float(weight)


class FreightInvoice(models.Model):
    _name = "freight.invoice"
    _description = "Carrier Freight Invoice"
    _inherit = ["mail.thread", "mail.activity.mixin", "logistics.guarded.mixin", "logistics.company.check.mixin"]
    _order = "invoice_date desc, id desc"
    _check_company_auto = True
    # Set by import, audit, approval and posting only (the transition methods, here and in the
    # freight_invoice_*.py files).
    _guarded_fields = dict.fromkeys(
        (
            "state",
            "backend_id",
            "source",
            "external_id",
            "message_id",
            "amount_approved",
            "amount_lines",
            "amount_variance",
            "amount_expected",
            "is_duplicate",
            "duplicate_of_id",
            "audit_status",
            "audit_date",
            "audit_explanation",
            "vendor_bill_id",
            "posting_error",
            "approval_id",
            "approval_ids",
            "is_from_test_backend",
            "fap_payment_state",
            "fap_payment_date",
            "fap_payment_reference",
        )
    )

    name = fields.Char(string="Invoice Number", required=True, tracking=True, index=True)
    carrier_partner_id = fields.Many2one(
        "res.partner", string="Carrier", required=True, index=True, tracking=True, check_company=True
    )
    backend_id = fields.Many2one("logistics.backend", string="Received From", check_company=True, index=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one("res.currency", required=True, default=lambda self: self.env.company.currency_id)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    invoice_date = fields.Date(tracking=True)
    due_date = fields.Date()
    source = fields.Selection(SOURCES, required=True, default="manual", readonly=True)
    external_id = fields.Char(string="FAP Invoice ID", index=True, copy=False)
    message_id = fields.Many2one(
        "logistics.message",
        string="Journal Message",
        readonly=True,
        copy=False,
        check_company=True,
        index="btree_not_null",  # the journal's retention purge sets it to NULL (one lookup per message)
    )
    amount_total = fields.Monetary(string="Billed Total", required=True, tracking=True)
    amount_lines = fields.Monetary(string="Sum of Lines", compute="_compute_amounts", store=True)
    amount_approved = fields.Monetary(string="Approved", compute="_compute_amounts", store=True)
    amount_expected = fields.Monetary(string="Expected", readonly=True, copy=False)
    amount_variance = fields.Monetary(string="Variance", compute="_compute_amounts", store=True)
    fuel_index = fields.Float(digits=(16, 4), help="Fuel price index billed by the carrier (index-band schedules).")
    line_ids = fields.One2many("freight.invoice.line", "invoice_id", string="Charges", copy=True)
    finding_ids = fields.One2many("freight.audit.finding", "invoice_id", string="Findings", readonly=True)
    case_ids = fields.One2many("freight.audit.case", "invoice_id", string="Audit Cases")
    case_count = fields.Integer(compute="_compute_case_count")
    state = fields.Selection(INVOICE_STATES, default="draft", required=True, tracking=True, index=True, copy=False)
    is_duplicate = fields.Boolean(
        readonly=True, copy=False, index=True, help="The carrier and invoice number were received before."
    )
    duplicate_of_id = fields.Many2one("freight.invoice", readonly=True, copy=False, check_company=True)
    audit_status = fields.Selection(
        [("approved", "Inside tolerance"), ("exception", "Exception")], readonly=True, copy=False
    )
    audit_date = fields.Datetime(readonly=True, copy=False)
    audit_explanation = fields.Text(readonly=True, copy=False)
    vendor_bill_id = fields.Many2one(
        "account.move", string="Vendor Bill", readonly=True, copy=False, index=True, check_company=True
    )
    vendor_bill_state = fields.Selection(related="vendor_bill_id.state", string="Bill Status")
    posting_error = fields.Text(readonly=True, copy=False)
    approval_id = fields.Many2one(
        "freight.invoice.approval",
        string="Approval",
        readonly=True,
        copy=False,
        check_company=True,
        help="The recorded approval this invoice is billed on: who, when, under which rule.",
    )
    approval_ids = fields.One2many("freight.invoice.approval", "invoice_id", string="Approvals", readonly=True)
    is_from_test_backend = fields.Boolean(
        string="From a Test Backend",
        readonly=True,
        copy=False,
        help="Received from a backend of the test environment: audited like any invoice, never billed "
        "(no vendor bill, accrual reversal, landed cost nor rebilling).",
    )
    fap_payment_state = fields.Selection(
        [("none", "Not known"), ("scheduled", "Scheduled"), ("paid", "Paid")],
        string="FAP Payment",
        default="none",
        copy=False,
        tracking=True,
        readonly=True,
    )
    fap_payment_date = fields.Date(string="FAP Payment Date", copy=False, readonly=True)
    fap_payment_reference = fields.Char(string="FAP Payment Reference", copy=False, readonly=True)

    _sql_constraints = [
        ("total_not_null", "CHECK(amount_total IS NOT NULL)", "The billed total is required."),
    ]

    def init(self):
        # One live invoice per carrier and invoice number and company, whatever the channel:
        # a second one is kept only as a flagged duplicate (it can never be billed).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS freight_invoice_live_number_uniq
                ON freight_invoice (company_id, carrier_partner_id, upper(trim(name)))
             WHERE is_duplicate IS NOT TRUE AND state != 'cancel'
            """
        )

    def write(self, vals):
        names = set(vals)
        if BILLED_FROZEN & names:
            billed = self.filtered(lambda invoice: invoice.state == "billed")
            if billed:
                raise UserError(
                    _(
                        "Carrier invoice %s is billed: its state, amounts, charges and bill never change again.",
                        billed[0].display_name,
                    )
                )
        if not self.env.su and DOCUMENT_FIELDS & names:
            audited = self.filtered(lambda invoice: invoice.state != "draft")
            if audited:
                raise UserError(
                    _(
                        "Carrier invoice %s is audited: what the carrier billed is not changed any more.",
                        audited[0].display_name,
                    )
                )
        return super().write(vals)

    def unlink(self):
        kept = self.filtered(lambda invoice: invoice.state in ("approved", "billed"))
        if kept:
            raise UserError(_("Carrier invoice %s is approved or billed: it is never deleted.", kept[0].display_name))
        return super().unlink()

    @api.depends("line_ids.amount", "line_ids.approved_amount", "amount_expected")
    def _compute_amounts(self):
        for invoice in self:
            invoice.amount_lines = sum(invoice.line_ids.mapped("amount"))
            invoice.amount_approved = sum(invoice.line_ids.mapped("approved_amount"))
            invoice.amount_variance = invoice.amount_total - invoice.amount_expected

    def _compute_case_count(self):
        data = dict(
            self.env["freight.audit.case"]._read_group([("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"])
        )
        for invoice in self:
            invoice.case_count = data.get(invoice, 0)

    @api.depends("name", "carrier_partner_id")
    def _compute_display_name(self):
        for invoice in self:
            invoice.display_name = f"{invoice.carrier_partner_id.name or ''} {invoice.name or ''}".strip()

    # ------------------------------------------------------------------
    # Import (called by the journal handlers)
    # ------------------------------------------------------------------
    @api.model
    def _import_parsed(self, backend, parsed_list, source, message=None, carrier_partner=None, messages=None):
        """Create the invoices of parsed dicts (the parsers' shape) and audit them.

        ``message`` is the journal message they came in; a batch of messages passes
        ``messages`` instead, one per parsed dict.

        All or nothing: an unknown carrier or charge code raises NeedsMappingError, an
        unknown currency ParseError, before anything is created. An invoice already
        received from the same backend under the same FAP id or the same message is not
        created again (replay, re-import); the same carrier and number arriving through
        another channel is kept as a flagged duplicate that can never be billed.
        """
        if not self.env.su:
            # Reached through the journal (Process Now, replay) as a user: the journal checked that
            # they may read the backend and handle carrier invoices; checked again here, then the
            # invoices are written as the audit writes them.
            check_freight_group(self.env, GROUP_AUDITOR)
            backend.check_access("read")
            return self.sudo()._import_parsed(
                backend, parsed_list, source, message=message, carrier_partner=carrier_partner, messages=messages
            )
        # Credit memos and new FAP revisions are handled apart (freight_invoice_credit.py).
        parsed_list, messages, revised = self._freight_divert_parsed(
            backend, parsed_list, messages or [message] * len(parsed_list), carrier_partner
        )
        company = backend.company_id
        lookups = self._parsed_lookups(backend, parsed_list, carrier_partner)
        prepared = [self._prepare_parsed(backend, parsed, carrier_partner, lookups=lookups) for parsed in parsed_list]
        if not prepared:
            return revised
        # Shipments, in one lookup for all lines.
        refs = [line["shipment_reference"] for vals in prepared for line in vals["_lines"]]
        shipments = self.env["logistics.shipment"]._find_by_references(
            backend, [{"external_id": r, "tracking_ref": r, "bill_of_lading": r, "name": r} for r in refs]
        )
        found = dict(zip(refs, shipments, strict=True))
        # Existing invoices with the same numbers (compared as the unique index does: blanks
        # stripped, upper case), in one query.
        self.flush_model(["company_id", "carrier_partner_id", "name", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM freight_invoice
                 WHERE company_id = %s AND carrier_partner_id IN %s AND state != 'cancel'
                   AND upper(trim(name)) IN %s
                """,
                company.id,
                tuple({v["carrier_partner_id"] for v in prepared}),
                tuple({v["name"].strip().upper() for v in prepared}),
            )
        )
        existing = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        live = {(inv.carrier_partner_id.id, inv.name.strip().upper()): inv for inv in existing if not inv.is_duplicate}
        same_source = {
            (inv.backend_id.id, inv.external_id): inv for inv in existing if inv.external_id and inv.backend_id
        }
        same_message = {(inv.message_id.id, inv.carrier_partner_id.id, inv.name): inv for inv in existing}
        result = self.browse()
        vals_list = []
        owners = messages or [message] * len(prepared)
        for vals, owner in zip(prepared, owners, strict=True):
            key = (vals["carrier_partner_id"], vals["name"].strip().upper())
            again = (
                (owner and same_message.get((owner.id, vals["carrier_partner_id"], vals["name"])))
                or (vals.get("external_id") and same_source.get((backend.id, vals["external_id"])))
                or False
            )
            if again:
                again.message_post(body=_("Received again (%(channel)s); not imported a second time.", channel=source))
                result |= again
                continue
            lines = vals.pop("_lines")
            vals.update(
                backend_id=backend.id,
                company_id=company.id,
                is_from_test_backend=backend.environment == "test",
                source=source,
                message_id=owner.id if owner else False,
                line_ids=[
                    fields.Command.create(dict(line, shipment_id=found[line["shipment_reference"]].id or False))
                    for line in lines
                ],
            )
            original = live.get(key)
            if original is not None:
                # The same number twice in this batch: resolved once created.
                vals.update(is_duplicate=True, duplicate_of_id=original.id if original else False)
            else:
                live[key] = False
            vals_list.append(vals)
        # No "created" note per invoice: the import logs one note each that says what it did
        # (``_log_import_summary``).
        created = (
            self.with_context(mail_create_nolog=True).create(vals_list).with_env(self.env)
            if vals_list
            else self.browse()
        )
        firsts = {}
        for invoice in created:
            key = (invoice.carrier_partner_id.id, invoice.name.strip().upper())
            if not invoice.is_duplicate:
                firsts[key] = invoice
            elif not invoice.duplicate_of_id and key in firsts:
                invoice.duplicate_of_id = firsts[key]
        if created:
            created._run_audit()
            # The bills get no note of their own: the import's note names them. An argument,
            # not a context key, which an RPC caller could pass to a posting action.
            created._apply_audit_outcome(noted_by_import=True)
            created._log_import_summary(source)
        return result | created | revised

    def _log_import_summary(self, source):
        """One chatter note per imported invoice, logged in one batch, that says what the import
        did: the channel and the journal message it came in, the duplicate it is, the audit's
        result, the approval, the audit case opened or the vendor bill created (in place of a
        creation note, a state tracking message and a bill note per invoice). A bill that could
        not be created has its own note (``_try_post_vendor_bill``)."""
        channels = dict(self._fields["source"]._description_selection(self.env))
        statuses = dict(self._fields["audit_status"]._description_selection(self.env))
        rules = dict(self.env["freight.invoice.approval"]._fields["rule"]._description_selection(self.env))
        channel = channels.get(source, source)
        bodies = {}
        for invoice in self:
            message = invoice.message_id
            if message:
                parts = [
                    Markup(self.env._("Imported from %(channel)s, journal message %(message)s."))
                    % {"channel": channel, "message": message._get_html_link(title=f"#{message.id}")}
                ]
            else:
                parts = [Markup(self.env._("Imported from %(channel)s.")) % {"channel": channel}]
            if invoice.is_duplicate and invoice.duplicate_of_id:
                parts.append(
                    Markup(self.env._("Duplicate of %(invoice)s: never billed."))
                    % {"invoice": invoice.duplicate_of_id._get_html_link()}
                )
            if invoice.audit_status:
                parts.append(Markup(self.env._("Audit: %(status)s.")) % {"status": statuses[invoice.audit_status]})
            if invoice.approval_id:
                parts.append(
                    Markup(self.env._("Approved: %(rule)s.")) % {"rule": rules.get(invoice.approval_id.rule, "")}
                )
            for case in invoice.case_ids.filtered(lambda c: c.state in ("open", "in_review", "disputed")):
                parts.append(Markup(self.env._("Audit case %(case)s opened.")) % {"case": case._get_html_link()})
            bill = invoice.vendor_bill_id
            if bill:
                if bill.state == "posted":
                    text = self.env._("Vendor bill %(bill)s created and posted.")
                else:
                    text = self.env._("Vendor bill %(bill)s created.")
                parts.append(Markup(text) % {"bill": bill._get_html_link()})
            bodies[invoice.id] = Markup("<br/>").join(parts)
        self._message_log_batch(bodies)

    @api.model
    def _parsed_lookups(self, backend, parsed_list, carrier_partner=None):
        """The carrier and charge code mappings and the currencies of a batch of parsed
        invoices, read once for the batch (three queries, not three per invoice), for
        :meth:`_prepare_parsed`."""
        scacs = set() if carrier_partner is not None else {p.get("scac") or p.get("carrier") for p in parsed_list}
        codes = {str(line.get("charge_code") or "").strip() for p in parsed_list for line in p.get("lines") or []}
        names = {str(p.get("currency") or "").strip().upper() for p in parsed_list} - {""}
        currencies = self.env["res.currency"].with_context(active_test=False).search([("name", "in", list(names))])
        return {
            "carrier": backend._map_codes("carrier", scacs),
            "charge_code": backend._map_codes("charge_code", codes),
            "currency": {currency.name: currency for currency in currencies.sorted("id", reverse=True)}
            if names
            else {},
        }

    @api.model
    def _prepare_parsed(self, backend, parsed, carrier_partner=None, lookups=None):
        """Field values of one parsed invoice dict; raises before anything is written.
        ``lookups``: the batch's mappings and currencies (:meth:`_parsed_lookups`), else
        read for this invoice."""
        number = str(parsed.get("invoice_number") or "").strip()
        if not number:
            raise ParseError(_("The invoice has no invoice number."))
        if carrier_partner is None:
            scac = parsed.get("scac") or parsed.get("carrier")
            if not scac:
                raise ParseError(_("Invoice %s names no carrier (SCAC).", number))
            if lookups is None:
                mapping = backend._map_code("carrier", scac)
            else:
                mapping = lookups["carrier"].get(scac)
                if not mapping:
                    raise NeedsMappingError("carrier", scac, backend.name)
            carrier_partner = mapping.carrier_partner_id
            if not carrier_partner:
                raise NeedsMappingError("carrier", scac, backend.name)
        currency_code = str(parsed.get("currency") or "").strip().upper()
        currency = backend.company_id.currency_id
        if currency_code:
            if lookups is None:
                currency = (
                    self.env["res.currency"]
                    .with_context(active_test=False)
                    .search([("name", "=", currency_code)], limit=1)
                )
            else:
                currency = lookups["currency"].get(currency_code) or self.env["res.currency"]
            if not currency:
                raise ParseError(_("Invoice %(number)s: unknown currency %(code)s.", number=number, code=currency_code))
        lines = parsed.get("lines") or []
        codes = {str(line.get("charge_code") or "").strip() for line in lines}
        if "" in codes:
            raise ParseError(_("Invoice %s has a line without charge code.", number))
        if lookups is None:
            mappings = backend._map_codes("charge_code", codes)
        else:
            mappings = {code: lookups["charge_code"][code] for code in codes if code in lookups["charge_code"]}
        for code in sorted(codes):
            mapping = mappings.get(code)
            if not mapping or not mapping.charge_type_id:
                raise NeedsMappingError("charge_code", code, backend.name)
        line_vals = []
        for sequence, line in enumerate(lines, start=1):
            ref = str(line.get("shipment_reference") or "").strip()
            if not ref:
                raise ParseError(
                    _("Invoice %(number)s, line %(line)s: no shipment reference.", number=number, line=sequence)
                )
            code = str(line["charge_code"]).strip()
            if line.get("charge_kind") == "tax" and mappings[code].charge_type_id.kind != "tax":
                raise ParseError(
                    _(
                        "Invoice %(number)s: tax line %(code)s is not mapped to a Tax charge type.",
                        number=number,
                        code=code,
                    )
                )
            line_vals.append(
                {
                    "sequence": line.get("sequence") or sequence,
                    "shipment_reference": ref,
                    "charge_code": code,
                    "charge_type_id": mappings[code].charge_type_id.id,
                    "description": line.get("description") or False,
                    "quantity": float(line.get("quantity") or 1),
                    "amount": float(line.get("amount") or 0),
                    "billed_weight": _kilograms(line.get("billed_weight"), line.get("weight_unit")),
                }
            )
        total = parsed.get("total")
        if total is None:
            raise ParseError(_("Invoice %s has no total.", number))
        return {
            "name": number,
            "carrier_partner_id": carrier_partner.id,
            "currency_id": currency.id,
            "invoice_date": parsed.get("invoice_date") or False,
            "due_date": parsed.get("due_date") or False,
            "amount_total": float(total),
            "external_id": parsed.get("external_id") or False,
            "fuel_index": float(parsed.get("fuel_index") or 0),
            "_lines": line_vals,
        }

    # ------------------------------------------------------------------
    # Audit outcome and approval
    # ------------------------------------------------------------------
    def _apply_audit_outcome(self, noted_by_import=False):
        """Inside tolerance: approved, the approval recorded (rule: the audit engine, with the
        contract versions it used), and posted when the company says so. Outside: an audit case.

        Superuser only (called by the import and by ``action_audit`` after their checks)."""
        if not self.env.su:
            raise AccessError(_("Only the audit approves carrier invoices inside tolerance."))
        Case = self.env["freight.audit.case"]
        to_post = self.browse()
        for invoice in self:
            if invoice.audit_status == "approved" and not invoice.is_duplicate:
                to_post |= invoice
                continue
            blocking_lines = invoice.finding_ids.filtered(lambda f: f.severity == "error").line_id
            (invoice.line_ids - blocking_lines)._approve_billed()
            blocking_lines.write({"state": "exception", "approved_amount": 0.0})
            invoice.state = "exception"
            case = invoice.case_ids.filtered(lambda c: c.state in ("open", "in_review", "disputed"))[:1]
            if not case:
                case = Case.create({"invoice_id": invoice.id})
            blocking_lines.write({"case_id": case.id})
            case._refresh_from_audit()
        if to_post:
            # The charges of all the invoices inside tolerance together (one write per amount).
            to_post.line_ids._approve_billed()
            to_post.case_ids.filtered(lambda c: c.state in ("open", "in_review"))._close_obsolete()
            to_post._record_approval("tolerance", {invoice: invoice._tolerance_detail() for invoice in to_post})
            to_post._on_approved(noted_by_import=noted_by_import)

    def _tolerance_detail(self):
        """The approval rule in words: the audit engine's verdict and the contract of each line."""
        self.ensure_one()
        translate = self.env._
        lines = [
            translate(
                "%(ref)s %(charge)s: %(contract)s%(version)s",
                ref=line.shipment_reference,
                charge=line.charge_code,
                contract=line.audit_source or translate("no contract"),
                version=translate(" (rate card version %s)", line.rate_card_version) if line.rate_card_id else "",
            )
            for line in self.line_ids
        ]
        return "\n".join([translate("Inside tolerance (audit engine)."), *lines, self.audit_explanation or ""]).strip()

    def _record_approval(self, rule, details, cases=None):
        """Approve these invoices at their lines' approved amounts: one approval record each (who,
        when, which rule), which billing requires. Superuser only, after the caller's checks."""
        if not self.env.su:
            raise AccessError(_("Approvals are recorded by the approving methods only."))
        vals_list = []
        for invoice in self:
            vals = {
                "invoice_id": invoice.id,
                "rule": rule,
                "user_id": self.env.uid,
                "amount": invoice.amount_approved,
                "detail": details.get(invoice) or False,
            }
            if cases:
                vals["case_ids"] = [fields.Command.set(cases.ids)]
            vals_list.append(vals)
        approvals = self.env["freight.invoice.approval"].create(vals_list)
        for invoice, approval in zip(self, approvals, strict=True):
            invoice.write({"state": "approved", "approval_id": approval.id})
        return approvals

    def _on_approved(self, noted_by_import=False):
        """Approved: rebill the customer's share, then post the bills when the company posts automatically.
        Invoices of a test backend stop here: audited and approved, never billed."""
        from_test = self.filtered("is_from_test_backend")
        if from_test:
            from_test._message_log_batch(
                dict.fromkeys(
                    from_test.ids,
                    _("Received from a test backend: audited and approved, never billed into the books."),
                )
            )
        billable = self.filtered(lambda invoice: not invoice._billing_problem())
        billable._add_rebilling_lines()
        billable.filtered(lambda i: i.company_id.freight_auto_post_bill)._try_post_vendor_bills(
            noted_by_import=noted_by_import
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("freight_audit.freight_audit_case_action")
        action["domain"] = [("invoice_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_bill(self):
        self.ensure_one()
        return self.vendor_bill_id._get_records_action()

    def action_cancel(self):
        """Freight Managers of the company cancel an invoice that is not billed (a billed one never
        is: a late correction becomes a credit note)."""
        check_freight_group(self.env, GROUP_MANAGER)
        self.check_access("write")
        billed = self.filtered(lambda invoice: invoice.state == "billed")
        if billed:
            raise UserError(_("Carrier invoice %s is billed: it is never cancelled.", billed[0].display_name))
        if any(invoice.vendor_bill_id and invoice.vendor_bill_id.sudo().state != "cancel" for invoice in self):
            raise UserError(_("Cancel the vendor bill first."))
        self.sudo().write({"state": "cancel"})
        self.sudo().case_ids.filtered(lambda c: c.state not in ("closed",))._close_obsolete()
        return True
