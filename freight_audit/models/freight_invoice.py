"""Carrier invoices: imported through the journal, audited, approved, posted once."""

import itertools
import logging
from collections import defaultdict
from decimal import Decimal

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero

from odoo.addons.logistics_connector.services.exceptions import NeedsMappingError, ParseError, PermanentError

from ..services import audit as audit_engine
from ..services.tolerance import Tolerance
from .freight_audit_case import GROUP_APPROVER, GROUP_AUDITOR, GROUP_MANAGER, check_freight_group

_logger = logging.getLogger(__name__)

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
    _inherit = ["mail.thread", "mail.activity.mixin", "logistics.guarded.mixin"]
    _order = "invoice_date desc, id desc"
    _check_company_auto = True
    # Set by import, audit, approval and posting only (see the transition methods below).
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
        "logistics.message", string="Journal Message", readonly=True, copy=False, check_company=True
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
    landed_cost_ids = fields.One2many(
        "stock.landed.cost", "freight_invoice_id", string="Landed Costs", groups="stock.group_stock_manager"
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
        company = backend.company_id
        prepared = [self._prepare_parsed(backend, parsed, carrier_partner) for parsed in parsed_list]
        if not prepared:
            return self.browse()
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
        created = self.create(vals_list) if vals_list else self.browse()
        firsts = {}
        for invoice in created:
            key = (invoice.carrier_partner_id.id, invoice.name.strip().upper())
            if not invoice.is_duplicate:
                firsts[key] = invoice
            elif not invoice.duplicate_of_id and key in firsts:
                invoice.duplicate_of_id = firsts[key]
        if created:
            created._run_audit()
            created._apply_audit_outcome()
        return result | created

    @api.model
    def _prepare_parsed(self, backend, parsed, carrier_partner=None):
        """Field values of one parsed invoice dict; raises before anything is written."""
        number = str(parsed.get("invoice_number") or "").strip()
        if not number:
            raise ParseError(_("The invoice has no invoice number."))
        if carrier_partner is None:
            scac = parsed.get("scac") or parsed.get("carrier")
            if not scac:
                raise ParseError(_("Invoice %s names no carrier (SCAC).", number))
            mapping = backend._map_code("carrier", scac)
            carrier_partner = mapping.carrier_partner_id
            if not carrier_partner:
                raise NeedsMappingError("carrier", scac, backend.name)
        currency_code = str(parsed.get("currency") or "").strip().upper()
        currency = backend.company_id.currency_id
        if currency_code:
            currency = (
                self.env["res.currency"].with_context(active_test=False).search([("name", "=", currency_code)], limit=1)
            )
            if not currency:
                raise ParseError(_("Invoice %(number)s: unknown currency %(code)s.", number=number, code=currency_code))
        lines = parsed.get("lines") or []
        codes = {str(line.get("charge_code") or "").strip() for line in lines}
        if "" in codes:
            raise ParseError(_("Invoice %s has a line without charge code.", number))
        mappings = backend._map_codes("charge_code", codes)
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
    # Audit
    # ------------------------------------------------------------------
    def action_audit(self):
        """Audit again (after a contract or a shipment was corrected): Freight Auditors of the company."""
        check_freight_group(self.env, GROUP_AUDITOR)
        self.check_access("write")
        invoices = self.filtered(lambda i: i.state in AUDITABLE_STATES)
        if not invoices:
            raise UserError(_("Only imported invoices or invoices in an audit case can be audited again."))
        # The audit writes its results and approvals itself (superuser), after the checks above.
        invoices.sudo()._run_audit()
        invoices.sudo()._apply_audit_outcome()
        return True

    def _run_audit(self):
        """Audit these invoices with the engine and store the results (lines, findings).

        Superuser only: the audit results are fields no user writes (see ``_guarded_fields``)."""
        if not self:
            return
        if not self.env.su:
            raise AccessError(_("The audit results are written by the audit only."))
        context = self._audit_context()
        Finding = self.env["freight.audit.finding"].sudo()
        Finding.search([("invoice_id", "in", self.ids)]).unlink()
        finding_vals = []
        for invoice in self:
            result, line_records = invoice._audit_one(context)
            for line, line_result in zip(line_records, result.line_results, strict=True):
                line.write(line._audit_vals(line_result))
                finding_vals += [invoice._finding_vals(finding, line, line_result) for finding in line_result.findings]
            finding_vals += [invoice._finding_vals(finding) for finding in result.invoice_findings]
            invoice.write(
                {
                    "amount_expected": float(result.expected_total),
                    "audit_status": result.status,
                    "audit_date": fields.Datetime.now(),
                    "audit_explanation": result.explanation(),
                }
            )
        Finding.create(finding_vals)

    def _finding_vals(self, finding, line=None, line_result=None):
        return {
            "invoice_id": self.id,
            "line_id": line.id if line else False,
            "code": finding.code,
            "severity": finding.severity,
            "message": finding.message,
            "source": finding.source or "",
            "rate_card_id": line_result.rate_card_id if line_result and line_result.rate_card_id else False,
            "rate_card_version": line_result.rate_card_version if line_result else 0,
            "expected_amount": float(finding.expected) if finding.expected is not None else 0.0,
            "billed_amount": float(finding.billed) if finding.billed is not None else 0.0,
        }

    def _audit_context(self):
        """Everything the engine needs for these invoices, read in a few queries."""
        companies = self.company_id
        carriers = self.carrier_partner_id
        cards = self.env["freight.rate.card"].search(
            [
                ("company_id", "in", companies.ids),
                ("carrier_partner_id", "in", carriers.ids),
                ("customer_id", "=", False),
            ]
        )
        schedules = self.env["freight.fuel.schedule"].search(
            [
                ("company_id", "in", companies.ids),
                "|",
                ("carrier_partner_id", "in", carriers.ids),
                ("carrier_partner_id", "=", False),
            ]
        )
        charge_types = self.env["freight.charge.type"].search([("company_id", "in", [*companies.ids, False])])
        tolerances = self.env["freight.tolerance"].search(
            [("company_id", "in", companies.ids), ("carrier_partner_id", "in", carriers.ids)]
        )
        # Only what can be a duplicate of these invoices: the same invoice numbers, and lines of
        # the same shipment references (compared as the engine does: stripped, upper case), so
        # the audit of one invoice does not read every invoice ever billed.
        numbers = {(name or "").strip().upper() for name in self.mapped("name")} - {""}
        refs = {(line.shipment_id.name or line.shipment_reference or "").strip().upper() for line in self.line_ids} - {
            ""
        }
        others = self.sudo().search(
            [
                ("id", "in", self._ids_by_stripped_upper("freight_invoice", "name", numbers)),
                ("company_id", "in", companies.ids),
                ("carrier_partner_id", "in", carriers.ids),
                ("state", "!=", "cancel"),
                ("is_duplicate", "=", False),
                ("id", "not in", self.ids),
            ]
        )
        billed_lines = (
            self.env["freight.invoice.line"]
            .sudo()
            .search(
                [
                    ("id", "in", self._billed_line_ids_by_reference(refs)),
                    ("invoice_id.company_id", "in", companies.ids),
                    ("invoice_id.state", "not in", ("cancel", "rejected")),
                    ("invoice_id.is_duplicate", "=", False),
                    ("state", "!=", "rejected"),
                ]
            )
        )
        shipments = self.line_ids.shipment_id
        return {
            "cards": cards,
            "schedules": schedules,
            "charge_types": charge_types,
            "tolerances": {(t.company_id.id, t.carrier_partner_id.id): t for t in tolerances},
            "others": others,
            "billed_lines": billed_lines,
            # The same, indexed as the engine compares them, so each invoice of a batch looks
            # only at its own candidates (not at every line of the batch: quadratic).
            "others_by_number": _group_by(others, lambda inv: (inv.name or "").strip().upper()),
            "billed_lines_by_ref": _group_by(
                billed_lines,
                lambda line: (line.shipment_id.name or line.shipment_reference or "").strip().upper(),
            ),
            "facts": shipments._freight_facts(),
        }

    @api.model
    def _ids_by_stripped_upper(self, table, column, keys):
        """Ids of ``table`` rows whose ``column``, stripped of blanks and upper-cased, is in ``keys``."""
        if not keys:
            return []
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE upper(regexp_replace(%s, '^\\s+|\\s+$', '', 'g')) IN %s",
                SQL.identifier(table),
                SQL.identifier(column),
                tuple(keys),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _billed_line_ids_by_reference(self, refs):
        """Ids of invoice lines billed under one of ``refs`` (the shipment's name when the line is
        matched, else the reference as billed; stripped of blanks and upper-cased)."""
        if not refs:
            return []
        self.env.cr.execute(
            SQL(
                """
                SELECT line.id
                  FROM freight_invoice_line line
             LEFT JOIN logistics_shipment shipment ON shipment.id = line.shipment_id
                 WHERE upper(regexp_replace(COALESCE(NULLIF(shipment.name, ''), line.shipment_reference),
                                            '^\\s+|\\s+$', '', 'g')) IN %s
                """,
                tuple(refs),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _audit_one(self, context):
        """Run the engine on one invoice -> (AuditResult, line records in the engine's order)."""
        self.ensure_one()
        company = self.company_id
        carrier_key = self.carrier_partner_id._freight_carrier_key()
        lines = self.line_ids.sorted(lambda line: (line.sequence, line.id))
        invoice_in = audit_engine.InvoiceIn(
            carrier=carrier_key,
            invoice_number=self.name,
            currency=self.currency_id.name,
            total=Decimal(str(self.amount_total)),
            invoice_date=self.invoice_date or None,
            lines=[
                audit_engine.LineIn(
                    shipment_ref=line.shipment_id.name or line.shipment_reference,
                    charge_code=line.charge_type_id.code,
                    charge_kind=line.charge_type_id.kind,
                    amount=Decimal(str(line.amount)),
                    quantity=Decimal(str(line.quantity or 1)),
                    billed_weight=Decimal(str(line.billed_weight)) if line.billed_weight else None,
                    description=line.description or "",
                    sequence=line.sequence,
                )
                for line in lines
            ],
        )
        duplicates = audit_engine.DuplicateIndex()
        others = context["others_by_number"].get((self.name or "").strip().upper(), [])
        for other in others:
            if other.company_id == company and other.carrier_partner_id == self.carrier_partner_id:
                duplicates.add_invoice(carrier_key, other.name, billed_by=other.display_name)
        refs = {(line.shipment_id.name or line.shipment_reference or "").strip().upper() for line in lines}
        candidates = [line for ref in sorted(refs) for line in context["billed_lines_by_ref"].get(ref, [])]
        for line in candidates:
            other = line.invoice_id
            if other.company_id != company or other == self or (other.id > self.id and not self.is_duplicate):
                continue
            if self.is_duplicate and other == self.duplicate_of_id:
                continue  # the duplicate invoice is the finding; its charges are not counted twice
            duplicates.add_charge(
                line.shipment_id.name or line.shipment_reference,
                line.charge_type_id.code,
                other.carrier_partner_id._freight_carrier_key(),
                other.name,
            )
        if self.is_duplicate and self.duplicate_of_id:
            duplicates.add_invoice(carrier_key, self.name, billed_by=self.duplicate_of_id.display_name)
        cards = context["cards"].filtered(
            lambda c: c.company_id == company and c.carrier_partner_id == self.carrier_partner_id
        )
        schedules = context["schedules"].filtered(
            lambda s: s.company_id == company
            and s.carrier_partner_id in (self.carrier_partner_id, self.env["res.partner"])
        )
        charge_types = context["charge_types"].filtered(lambda t: t.company_id in (company, self.env["res.company"]))
        fuel_index = self.fuel_index or None
        index_schedule = schedules.filtered("index_value_ids")[:1]

        def fuel_index_for(day):
            if fuel_index:
                return Decimal(str(fuel_index))
            value = index_schedule._index_for(day) if index_schedule else None
            return Decimal(str(value)) if value is not None else None

        contracts = audit_engine.Contracts(
            rate_cards=[card._to_rate_card() for card in cards],
            fuel_schedules=[schedule._to_fuel_schedule() for schedule in schedules],
            charge_rules=[charge_type._to_charge_rule() for charge_type in charge_types],
            fuel_index=fuel_index_for,
        )
        tolerance = context["tolerances"].get((company.id, self.carrier_partner_id.id))
        if tolerance:
            line_tolerance, total_tolerance, weight_percent = tolerance._tolerances()
        else:
            line_tolerance = Tolerance(
                company.freight_line_tolerance_abs,
                company.freight_line_tolerance_percent,
                company.freight_tolerance_mode,
            )
            total_tolerance = Tolerance(
                company.freight_total_tolerance_abs,
                company.freight_total_tolerance_percent,
                company.freight_tolerance_mode,
            )
            weight_percent = company.freight_weight_tolerance_percent
        settings = audit_engine.AuditSettings(
            require_delivered=company.freight_require_delivered,
            require_pod=company.freight_require_pod,
            weight_tolerance_percent=weight_percent,
            line_tolerance=line_tolerance,
            total_tolerance=total_tolerance,
            currency_decimals={self.currency_id.name: self.currency_id.decimal_places},
        )
        facts = context["facts"]
        by_name = {shipment.name: facts[shipment.id] for shipment in lines.shipment_id}
        result = audit_engine.audit_invoice(invoice_in, by_name.get, duplicates, contracts, settings)
        return result, lines

    def _apply_audit_outcome(self):
        """Inside tolerance: approved, the approval recorded (rule: the audit engine, with the
        contract versions it used), and posted when the company says so. Outside: an audit case.

        Superuser only (called by the import and by ``action_audit`` after their checks)."""
        if not self.env.su:
            raise AccessError(_("Only the audit approves carrier invoices inside tolerance."))
        Case = self.env["freight.audit.case"]
        to_post = self.browse()
        for invoice in self:
            blocking_lines = invoice.finding_ids.filtered(lambda f: f.severity == "error").line_id
            if invoice.audit_status == "approved" and not invoice.is_duplicate:
                invoice.line_ids.write({"state": "approved"})
                invoice.line_ids._approve_billed()
                invoice.case_ids.filtered(lambda c: c.state in ("open", "in_review"))._close_obsolete()
                to_post |= invoice
                continue
            (invoice.line_ids - blocking_lines).write({"state": "approved"})
            (invoice.line_ids - blocking_lines)._approve_billed()
            blocking_lines.write({"state": "exception", "approved_amount": 0.0})
            invoice.state = "exception"
            case = invoice.case_ids.filtered(lambda c: c.state in ("open", "in_review", "disputed"))[:1]
            if not case:
                case = Case.create({"invoice_id": invoice.id})
            blocking_lines.write({"case_id": case.id})
            case._refresh_from_audit()
        if to_post:
            to_post._record_approval("tolerance", {invoice: invoice._tolerance_detail() for invoice in to_post})
            to_post._on_approved()

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

    # ------------------------------------------------------------------
    # Approval and posting
    # ------------------------------------------------------------------
    def _on_approved(self):
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
        billable.filtered(lambda i: i.company_id.freight_auto_post_bill)._try_post_vendor_bills()

    def _billing_problem(self):
        """Why this invoice may not be billed (a message), or False: it must be approved, with a
        recorded approval of exactly its approved amount, not a duplicate, not from a test backend."""
        self.ensure_one()
        if self.state != "approved":
            return _("Carrier invoice %s is not approved: no bill.", self.display_name)
        if self.is_duplicate:
            return _("Carrier invoice %s is a duplicate: it is never billed.", self.display_name)
        if self.is_from_test_backend:
            return _(
                "Carrier invoice %(invoice)s was received from the test backend %(backend)s: it is audited, "
                "never billed into the books.",
                invoice=self.display_name,
                backend=self.backend_id.sudo().display_name,
            )
        approval = self.approval_id.sudo()
        if (
            not approval
            or approval.invoice_id != self
            or float_compare(approval.amount, self.amount_approved, precision_rounding=self.currency_id.rounding)
        ):
            return _(
                "Carrier invoice %s has no recorded approval of its approved amount: approve it through "
                "the audit or its audit cases.",
                self.display_name,
            )
        return False

    def _try_post_vendor_bills(self):
        """Create and post the bills of these invoices: all in one go (one create, one post), or,
        when that fails, one by one so that each problem is recorded on its own invoice."""
        if len(self) > 1:
            try:
                with self.env.cr.savepoint():
                    self._create_vendor_bills(post=True)
            except Exception as error:
                _logger.info("Posting %s carrier invoices together failed (%s); one by one", len(self), error)
            else:
                self.filtered("posting_error").posting_error = False
                return True
        results = [invoice._try_post_vendor_bill() for invoice in self]  # every one is tried
        return all(results)

    def _try_post_vendor_bill(self):
        """Post the bill in a savepoint: a configuration problem is recorded, not raised into an import."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._create_vendor_bill(post=True)
        except (UserError, ValidationError, PermanentError, psycopg2.IntegrityError) as error:
            self.posting_error = str(error)
            self.message_post(body=_("The vendor bill could not be created: %s", error))
            return False
        if self.posting_error:
            self.posting_error = False
        return True

    @api.model
    def _cron_post_approved(self):
        """Bill approved invoices whose automatic posting failed before (configuration fixed since):
        only those with a recorded approval of their approved amount, never on ``state`` alone."""
        invoices = self.sudo().search(
            [
                ("state", "=", "approved"),
                ("approval_id", "!=", False),
                ("vendor_bill_id", "=", False),
                ("is_duplicate", "=", False),
                ("is_from_test_backend", "=", False),
            ]
        )
        invoices = invoices.filtered(lambda i: i.company_id.freight_auto_post_bill and not i._billing_problem())
        invoices._add_rebilling_lines()
        invoices._try_post_vendor_bills()
        return len(invoices)

    def action_create_bill(self):
        """Create (and post, when the company posts automatically) the bills of approved invoices:
        Freight Approvers of the invoices' company, on a recorded approval only."""
        check_freight_group(self.env, GROUP_APPROVER)
        self.check_access("write")
        for invoice in self:
            if not invoice.vendor_bill_id and (problem := invoice._billing_problem()):
                raise UserError(problem)
        invoices = self.sudo()
        for invoice in invoices:
            invoice._create_vendor_bill(post=invoice.company_id.freight_auto_post_bill)
        return self.vendor_bill_id._get_records_action() if len(self) == 1 else True

    def _lock_for_posting(self):
        """Row lock: two workers (cron, button, replay) posting the same invoice are serialised."""
        self.env.cr.execute(SQL("SELECT id FROM freight_invoice WHERE id IN %s FOR UPDATE", tuple(self.ids)))
        self.invalidate_recordset(["vendor_bill_id", "state"])

    def _create_vendor_bill(self, post=True):
        """The one vendor bill of this carrier invoice (created once, whatever the path)."""
        self.ensure_one()
        return self._create_vendor_bills(post=post)

    def _create_vendor_bills(self, post=True):
        """The one vendor bill of each of these carrier invoices (created once, whatever the path):
        the missing ones created in one call per company and posted together.

        Superuser only (the posting methods check the caller first); every invoice without a bill
        must pass ``_billing_problem``: approved, on a recorded approval, not from a test backend."""
        if not self.env.su:
            raise AccessError(_("Vendor bills of carrier invoices are created by their posting methods only."))
        self._lock_for_posting()
        Move = self.env["account.move"].sudo()
        existing = {
            move.freight_invoice_id.id: move
            for move in Move.search([("freight_invoice_id", "in", self.ids), ("state", "!=", "cancel")])
        }
        bills = Move
        todo = []
        for invoice in self:
            bill = invoice.vendor_bill_id or existing.get(invoice.id)
            if bill:
                if not invoice.vendor_bill_id:
                    invoice.vendor_bill_id = bill
                bills |= bill
                continue
            problem = invoice._billing_problem()
            if problem:
                raise UserError(problem)
            lines = invoice.line_ids.filtered(lambda line: not float_is_zero(line.approved_amount, precision_digits=6))
            if not lines:
                raise UserError(_("Nothing was approved on carrier invoice %s.", invoice.display_name))
            todo.append((invoice, invoice._prepare_vendor_bill(lines)))
        created = Move
        for company, items in itertools.groupby(
            sorted(todo, key=lambda item: item[0].company_id.id), key=lambda item: item[0].company_id
        ):
            group = list(items)
            # No "bill created" note nor creator subscription on machine-made bills: the bill
            # points to its carrier invoice, whose chatter says who created it and why.
            moves = (
                Move.with_company(company)
                .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
                .create([vals for _invoice, vals in group])
                .with_env(Move.env)
            )
            for (invoice, _vals), move in zip(group, moves, strict=True):
                invoice.vendor_bill_id = move
            self.browse([invoice.id for invoice, _vals in group]).write({"state": "billed"})
            created |= moves
        if created:
            self.browse([move.freight_invoice_id.id for move in created])._message_log_batch(
                {
                    move.freight_invoice_id.id: self.env._("Vendor bill %s created.", move._get_html_link())
                    for move in created
                }
            )
            if post:
                created.action_post()
        return bills | created

    def _prepare_vendor_bill(self, lines):
        """One line per charge type and analytic origin; amounts and accounts from the charge types."""
        self.ensure_one()
        distributions = lines.shipment_id._freight_analytic_distribution()
        groups = defaultdict(float)
        for line in lines:
            distribution = distributions.get(line.shipment_id.id) or {}
            key = (line.charge_type_id, tuple(sorted(distribution.items())))
            groups[key] += line.approved_amount
        journal = self.company_id.freight_purchase_journal_id or self.env["account.journal"].search(
            [("type", "=", "purchase"), ("company_id", "=", self.company_id.id)], limit=1
        )
        if not journal:
            raise UserError(_("Company %s has no purchase journal for freight bills.", self.company_id.name))
        invoice_lines = []
        for (charge_type, distribution), amount in groups.items():
            invoice_lines.append(
                fields.Command.create(
                    {
                        "product_id": charge_type.product_id.id,
                        "name": f"{charge_type.name} ({self.name})",
                        "account_id": charge_type.with_company(self.company_id)._expense_account().id,
                        "quantity": 1.0,
                        "price_unit": amount,
                        "tax_ids": [fields.Command.clear()],
                        "analytic_distribution": dict(distribution) or False,
                    }
                )
            )
        return {
            "move_type": "in_invoice",
            "partner_id": self.carrier_partner_id.id,
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "currency_id": self.currency_id.id,
            "invoice_date": self.invoice_date or fields.Date.context_today(self),
            "invoice_date_due": self.due_date or False,
            "ref": self.name,
            "freight_invoice_id": self.id,
            "invoice_line_ids": invoice_lines,
        }

    def _on_bill_posted(self):
        """The bill is posted: reverse the accruals, capitalise inbound freight (each once)."""
        shipments = self.line_ids.shipment_id
        self.env["freight.accrual"]._reverse_for_shipments(shipments, reason=_("bill posted"))
        for invoice in self:
            invoice._create_landed_costs()

    # ------------------------------------------------------------------
    # Landed costs
    # ------------------------------------------------------------------
    def _create_landed_costs(self):
        """Approved freight of inbound shipments becomes validated landed costs on their receipts."""
        self.ensure_one()
        LandedCost = self.env["stock.landed.cost"].sudo()
        lines = self.line_ids.filtered(
            lambda line: line.shipment_id.direction == "inbound"
            and line.charge_type_id.is_landed_cost
            and line.approved_amount
        )
        if not lines:
            return LandedCost
        done = LandedCost.search([("freight_invoice_id", "=", self.id), ("state", "!=", "cancel")])
        done_shipments = done.freight_shipment_id
        created = LandedCost
        rate_date = self.invoice_date or fields.Date.context_today(self)
        for shipment, shipment_lines in lines.grouped("shipment_id").items():
            if shipment in done_shipments:
                continue
            receipts = shipment.picking_ids.filtered(lambda p: p.picking_type_code == "incoming" and p.state == "done")
            if not receipts:
                self.message_post(body=_("No landed cost for shipment %s: its receipt is not done yet.", shipment.name))
                continue
            cost_lines = []
            for charge_type, type_lines in shipment_lines.grouped("charge_type_id").items():
                amount = self.currency_id._convert(
                    sum(type_lines.mapped("approved_amount")), self.company_id.currency_id, self.company_id, rate_date
                )
                cost_lines.append(
                    fields.Command.create(
                        {
                            "product_id": charge_type.product_id.id,
                            "name": f"{charge_type.name} ({self.name})",
                            "price_unit": amount,
                            "split_method": charge_type.split_method,
                            "account_id": charge_type.with_company(self.company_id)._expense_account().id,
                        }
                    )
                )
            journal = self.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", self.company_id.id)], limit=1
            )
            cost = LandedCost.with_company(self.company_id).create(
                {
                    "company_id": self.company_id.id,
                    "picking_ids": [fields.Command.set(receipts.ids)],
                    "cost_lines": cost_lines,
                    "vendor_bill_id": self.vendor_bill_id.id,
                    "freight_invoice_id": self.id,
                    "freight_shipment_id": shipment.id,
                    "account_journal_id": journal.id,
                    "date": rate_date,
                }
            )
            cost.compute_landed_cost()
            cost.button_validate()
            created |= cost
        return created

    # ------------------------------------------------------------------
    # Customer rebilling
    # ------------------------------------------------------------------
    def _add_rebilling_lines(self):
        """Rebillable approved charges -> a service line on the customer's sale order (once per charge)."""
        lines = self.line_ids.filtered(
            lambda line: line.charge_type_id.is_rebillable
            and line.approved_amount
            and line.shipment_id.sale_id
            and not line.rebill_sale_line_id
            and line.invoice_id.state in ("approved", "billed")
            and line.invoice_id.approval_id
            and not line.invoice_id.is_from_test_backend
        )
        if not lines:
            return self.env["sale.order.line"]
        already = self.env["sale.order.line"].sudo().search([("freight_invoice_line_id", "in", lines.ids)])
        lines -= already.freight_invoice_line_id
        vals_list = []
        for line in lines:
            order = line.shipment_id.sale_id
            if order.state != "sale":
                continue
            product = line.charge_type_id.rebill_product_id or line.charge_type_id.product_id
            price = line.currency_id._convert(
                line.approved_amount,
                order.currency_id,
                order.company_id,
                line.invoice_id.invoice_date or fields.Date.context_today(self),
            )
            vals_list.append(
                {
                    "order_id": order.id,
                    "product_id": product.id,
                    "name": _(
                        "%(charge)s, shipment %(shipment)s (carrier invoice %(invoice)s)",
                        charge=line.charge_type_id.name,
                        shipment=line.shipment_id.name,
                        invoice=line.invoice_id.name,
                    ),
                    "product_uom_qty": 1.0,
                    "price_unit": price,
                    "tax_id": [fields.Command.set(product.taxes_id._filter_taxes_by_company(order.company_id).ids)],
                    "freight_invoice_line_id": line.id,
                }
            )
        created = self.env["sale.order.line"].sudo().create(vals_list) if vals_list else self.env["sale.order.line"]
        for sale_line in created:
            sale_line.freight_invoice_line_id.rebill_sale_line_id = sale_line
        return created

    # ------------------------------------------------------------------
    # FAP: payment status
    # ------------------------------------------------------------------
    def _apply_payment_status(self, data):
        """``{"status": "scheduled"|"paid", "date": ..., "reference": ...}`` from the FAP."""
        self.ensure_one()
        status = str(data.get("status") or "").lower()
        if status not in ("scheduled", "paid"):
            raise PermanentError(_("Unknown payment status %r.", status))
        vals = {"fap_payment_state": status, "fap_payment_reference": data.get("reference") or False}
        if data.get("date"):
            vals["fap_payment_date"] = fields.Date.to_date(str(data["date"])[:10])
        if self.fap_payment_state == "paid" and status == "scheduled":
            return False  # a late 'scheduled' never undoes 'paid'
        self.sudo().write(vals)
        return True

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

    # ------------------------------------------------------------------
    # Queries for other addons (billing_readiness)
    # ------------------------------------------------------------------
    @api.model
    def _freight_open_cases_for_sale_orders(self, orders, rebillable_only=True):
        """Open audit cases on (rebillable) charges of shipments of ``orders``."""
        domain = [
            ("state", "in", ("open", "in_review", "disputed")),
            ("line_ids.shipment_id.sale_id", "in", orders.ids),
        ]
        if rebillable_only:
            domain.append(("line_ids.charge_type_id.is_rebillable", "=", True))
        return self.env["freight.audit.case"].search(domain)


def _group_by(records, key):
    """{key(record): [records]} in the recordset's order."""
    groups = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    return groups
