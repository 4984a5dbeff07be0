"""The audit of carrier invoices: the engine's inputs built for a batch, the engine run, its results stored.

For a set of invoices, ``_audit_context`` reads in a few queries everything the engine needs:
the contracts (rate cards and fuel schedules, from the one loader shared with the accruals,
``freight.rate.card._freight_contract_book``), the charge rules, the tolerances, the shipment
facts, what could be a duplicate, and the carriers' fiscal positions (for the tax that the bill
will carry, ``freight_invoice_taxes.py``). Amounts set in the company's currency (absolute
tolerances, accessorial caps) are converted to the invoice's currency at the invoice date with
Odoo's rates (``_freight_converter``, one rate lookup per currency pair and day of the batch)
before the engine, plain Python, compares them. ``_audit_one`` turns one invoice and that context into the
engine's inputs (``services/audit_inputs.py``), runs it (``services/audit.py``); ``_run_audit`` stores the results.
What the outcome does to the invoice (approved, or an audit case) is in ``freight_invoice.py``.
"""

import dataclasses
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..services import audit as audit_engine
from ..services.audit_inputs import AuditSettings, Contracts, DuplicateIndex, InvoiceIn, LineIn
from ..services.tolerance import Tolerance
from .freight_audit_case import GROUP_AUDITOR, check_freight_group
from .freight_invoice import AUDITABLE_STATES
from .freight_invoice_line import write_grouped


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py):
    # not merged with the base class on purpose.
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited

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
        line_writes, invoice_writes = [], []
        now = fields.Datetime.now()
        for invoice in self:
            result, line_records = invoice._audit_one(context)
            for line, line_result in zip(line_records, result.line_results, strict=True):
                line_writes.append((line, line._audit_vals(line_result)))
                finding_vals += [invoice._finding_vals(finding, line, line_result) for finding in line_result.findings]
            finding_vals += [invoice._finding_vals(finding) for finding in result.invoice_findings]
            invoice_writes.append(
                (
                    invoice,
                    {
                        "amount_expected": float(result.expected_total),
                        "audit_status": result.status,
                        "audit_date": now,
                        "audit_explanation": result.explanation(),
                    },
                )
            )
        write_grouped(line_writes)
        write_grouped(invoice_writes)
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
        contracts = self.env["freight.rate.card"]._freight_contract_book(companies, carriers)
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
            "fiscal_positions": self._freight_fiscal_positions(),
            "shipments": shipments,
            "rates": {},
            "contracts": contracts,
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
        lines = self.line_ids.sorted(lambda line: (line.sequence, line.id))
        invoice_in = InvoiceIn(
            carrier=self.carrier_partner_id._freight_carrier_key(),
            invoice_number=self.name,
            currency=self.currency_id.name,
            total=Decimal(str(self.amount_total)),
            invoice_date=self.invoice_date or None,
            expected_tax=self._audit_expected_tax(context, lines),
            lines=[
                LineIn(
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
        duplicates = self._audit_duplicates(context, lines)
        contracts = self._audit_contracts(context)
        settings = self._audit_settings(context)
        facts = context["facts"]
        by_name = {shipment.name: facts[shipment.id] for shipment in lines.shipment_id}
        result = audit_engine.audit_invoice(invoice_in, by_name.get, duplicates, contracts, settings)
        return result, lines

    def _audit_expected_tax(self, context, lines):
        """The tax that the bill will carry on the billed charges (Decimal), or None when neither
        the charges have taxes nor the carrier bills tax (nothing to check)."""
        fiscal_position = self._freight_fiscal_position(context["fiscal_positions"])
        taxes = self._bill_taxes(fiscal_position)
        has_tax_lines = any(line.charge_type_id.kind == "tax" for line in lines)
        if not has_tax_lines and not any(taxes.values()):
            return None
        if "distributions" not in context:  # read once per batch, only when there is tax to compute
            context["distributions"] = context["shipments"]._freight_analytic_distribution()
        groups = self._bill_groups(lines, "amount", context["distributions"])
        _untaxed, tax = self._bill_tax_amount(groups, taxes)
        return Decimal(str(self.currency_id.round(tax)))

    def _freight_converter(self, context):
        """amount in the company's currency -> the same in this invoice's currency at the invoice
        date, with Odoo's rates (as ``res.currency._convert``); the rate read once per batch."""
        company = self.company_id
        source, target = company.currency_id, self.currency_id
        if source == target:
            return lambda amount: amount
        day = self.invoice_date or fields.Date.context_today(self)
        key = (source.id, target.id, company.id, day)
        rates = context.setdefault("rates", {})
        if key not in rates:
            rates[key] = source._get_conversion_rate(source, target, company, day)
        rate = rates[key]

        def convert(amount):
            if amount is None:
                return None
            return Decimal(str(target.round(float(amount) * rate)))

        return convert

    def _audit_duplicates(self, context, lines):
        """The engine's DuplicateIndex of this invoice: the same number billed before, and the
        charges of its shipments billed on earlier invoices."""
        company = self.company_id
        carrier_key = self.carrier_partner_id._freight_carrier_key()
        duplicates = DuplicateIndex()
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
            if self.revision_of_id and self.revision_of_id in (other, other.revision_of_id):
                continue  # an earlier version of this FAP invoice: this version is billed for the difference
            duplicates.add_charge(
                line.shipment_id.name or line.shipment_reference,
                line.charge_type_id.code,
                other.carrier_partner_id._freight_carrier_key(),
                other.name,
            )
        if self.is_duplicate and self.duplicate_of_id:
            duplicates.add_invoice(carrier_key, self.name, billed_by=self.duplicate_of_id.display_name)
        return duplicates

    def _audit_contracts(self, context):
        """The engine's Contracts of this invoice: the carrier's rate cards and fuel schedules in
        the invoice's company (the contract book), the charge rules, and the fuel index (billed on
        the invoice, else published on the carrier's first fuel schedule that publishes one)."""
        company = self.company_id
        book = context["contracts"]
        carrier_id = self.carrier_partner_id.id
        charge_types = context["charge_types"].filtered(lambda t: t.company_id in (company, self.env["res.company"]))
        fuel_index = self.fuel_index or None
        convert = self._freight_converter(context)

        def fuel_index_for(day):
            if fuel_index:
                return Decimal(str(fuel_index))
            value = book.published_fuel_index(company.id, carrier_id, day)
            return Decimal(str(value)) if value is not None else None

        return Contracts(
            rate_cards=book.rate_cards(company.id, carrier_id),
            fuel_schedules=book.fuel_schedules(company.id, carrier_id),
            charge_rules=[charge_type._to_charge_rule(convert) for charge_type in charge_types],
            fuel_index=fuel_index_for,
        )

    def _audit_settings(self, context):
        """The engine's AuditSettings of this invoice: the company's rules and the carrier's
        tolerances (the company's defaults when the carrier has none), their absolute amounts
        converted from the company's currency to the invoice's."""
        company = self.company_id
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
        convert = self._freight_converter(context)
        line_tolerance = dataclasses.replace(line_tolerance, abs_amount=convert(line_tolerance.abs_amount))
        total_tolerance = dataclasses.replace(total_tolerance, abs_amount=convert(total_tolerance.abs_amount))
        return AuditSettings(
            require_delivered=company.freight_require_delivered,
            require_pod=company.freight_require_pod,
            weight_tolerance_percent=weight_percent,
            line_tolerance=line_tolerance,
            total_tolerance=total_tolerance,
            currency_decimals={self.currency_id.name: self.currency_id.decimal_places},
        )


def _group_by(records, key):
    """{key(record): [records]} in the recordset's order."""
    groups = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    return groups
