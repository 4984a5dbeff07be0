"""The freight audit engine: a carrier invoice checked against shipments and contracts.

Plain Python (no ORM). The Odoo side builds the inputs (``audit_inputs.py``: :class:`InvoiceIn`,
a shipment facts lookup, a :class:`DuplicateIndex`, :class:`Contracts`, :class:`AuditSettings`),
calls :func:`audit_invoice` and stores the :class:`AuditResult` (``audit_results.py``, with the
finding codes).

How each line is audited (``charge_kind``: the line's own kind, else its charge rule's):

* ``base``: the rate card is selected for the shipment (carrier, service level, ship
  date, origin and destination) and the base freight is rated on the *actual* weight,
  pallets or distance of the shipment; the billed amount is compared with it under the
  line tolerance (``RATE_VARIANCE``). A second base line of the same shipment on the same
  invoice is expected at 0.00.
* ``accessorial``: the charge rule decides (``ACCESSORIAL_UNAUTHORISED``: expected 0.00;
  ``ACCESSORIAL_OVER_LIMIT``: expected the authorised amount). Caps take no tolerance.
* ``fuel``: the fuel schedule's percent (by ship date, or by fuel index band when
  :attr:`Contracts.fuel_index` gives one) of the expected base freight of the *same
  shipment on the same invoice* (plus its expected accessorials when the schedule
  applies to them), compared under the line tolerance (``FUEL_MISMATCH``). When the base
  could not be rated, the billed base of that shipment is used, and the explanation says so.
* ``tax``: not audited against contracts. When the Odoo side gives the tax that the accounting
  computes on the charges (:attr:`InvoiceIn.expected_tax`), the tax lines must bill exactly
  that amount (``TAX_MISMATCH``, on the first tax line, else on the invoice): a cent of
  difference is a finding, never rounded away. A tax line is never a duplicate charge.

Shipment-level findings (unmatched, not delivered, POD missing, currency) are raised once,
on the shipment's first line on the invoice. A charge already billed (same shipment and
charge code on another invoice, or earlier on this one) is expected at 0.00
(``DUPLICATE_CHARGE``). Undercharges outside the tolerance are reported as ``UNDERCHARGE``
(information) when the tolerance accepts them. The invoice is ``approved`` when no finding
has the ``error`` severity, ``exception`` otherwise.

Invoice level: ``DUPLICATE_INVOICE`` (same carrier and invoice number already billed),
``TOTAL_MISMATCH`` (the invoice total is not the sum of its lines), ``TOTAL_VARIANCE``
(billed total vs expected total outside the invoice tolerance; only checked when every
line could be rated), ``EMPTY_INVOICE``.
"""

from . import rating
from .audit_inputs import AuditSettings, Contracts, DuplicateIndex, ShipmentFacts, charge_key
from .audit_results import SEVERITY_ERROR, SEVERITY_INFO, AuditResult, Finding, LineResult
from .rating import ZERO, fmt_money, fmt_num, to_decimal
from .tolerance import within


def audit_invoice(invoice, shipment_facts, duplicates=None, contracts=None, settings=None):
    """Audit ``invoice`` -> :class:`AuditResult`.

    ``shipment_facts``: a callable ``ref -> ShipmentFacts | None`` (None: not found); it is
    called once per distinct shipment reference of the invoice.
    """
    return _InvoiceAudit(
        invoice, shipment_facts, duplicates or DuplicateIndex(), contracts or Contracts(), settings or AuditSettings()
    ).run()


class _InvoiceAudit:
    def __init__(self, invoice, shipment_facts, duplicates, contracts, settings):
        self.invoice = invoice
        self.lookup = shipment_facts
        self.duplicates = duplicates
        self.contracts = contracts
        self.settings = settings
        self.decimals = settings.decimals_for(invoice.currency)
        self.invoice_findings = []
        self.results = []
        self.facts = {}
        # per shipment ref: its first base line, its rate card, its first fuel line
        self.base_result = {}
        self.card = {}
        self.rated_fuel = {}

    # -- helpers ---------------------------------------------------------
    def money(self, amount):
        return fmt_money(amount, self.decimals)

    def limit_words(self, check):
        return f" (limit {self.money(check.limit)})" if check.limit is not None else ""

    def signed(self, amount):
        return ("+" if amount > 0 else "") + fmt_money(amount, self.decimals)

    def add(self, result, code, message, severity=SEVERITY_ERROR, source="", expected=None):
        result.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=message,
                source=source or result.source,
                line_index=result.index,
                shipment_ref=result.line.shipment_ref,
                expected=expected if expected is not None else result.expected,
                billed=result.line.amount,
            )
        )

    def add_invoice_finding(self, code, message, severity=SEVERITY_ERROR, expected=None, billed=None):
        self.invoice_findings.append(Finding(code, severity, message, expected=expected, billed=billed))

    def line_label(self, result):
        line = result.line
        return f"line {line.sequence or result.index + 1} ({line.shipment_ref} {line.charge_code})"

    def compare(self, result, code, what):
        """Line tolerance check of ``result.expected`` against the billed amount."""
        check = within(result.expected, result.line.amount, self.settings.line_tolerance, self.decimals)
        result.variance = check.variance
        result.explain(check.explanation)
        if check.inside:
            return
        message = (
            f"{what} of {self.line_label(result)}: billed {self.money(check.billed)}, expected "
            f"{self.money(check.expected)}, variance {self.signed(check.variance)} "
            f"outside {self.settings.line_tolerance.describe(self.decimals)}{self.limit_words(check)}"
        )
        if check.accepted:
            self.add(result, "UNDERCHARGE", message + " (undercharge accepted)", SEVERITY_INFO)
        else:
            self.add(result, code, message)

    # -- the run ---------------------------------------------------------
    def run(self):
        invoice = self.invoice
        for index, line in enumerate(invoice.lines):
            rule = rating.find_charge_rule(self.contracts.charge_rules, invoice.carrier, line.charge_code)
            kind = line.charge_kind or (rule.kind if rule else "accessorial")
            result = LineResult(line=line, index=index, charge_kind=kind, rebillable=bool(rule and rule.rebillable))
            self.results.append(result)
        self.check_invoice()
        self.check_shipments()
        self.check_duplicate_charges()
        self.check_weights()
        for result in self.results:
            if result.charge_kind != "fuel":
                self.rate_line(result)
        for result in self.results:
            if result.charge_kind == "fuel":
                self.rate_line(result)
        self.check_tax()
        self.apply_duplicates()
        return self.finish()

    def check_invoice(self):
        invoice = self.invoice
        if not invoice.lines:
            self.add_invoice_finding("EMPTY_INVOICE", f"Invoice {invoice.invoice_number} has no lines")
        billed_by = self.duplicates.invoice_billed_by(invoice.carrier, invoice.invoice_number)
        if billed_by is not None:
            self.add_invoice_finding(
                "DUPLICATE_INVOICE",
                f"Invoice {invoice.invoice_number} of carrier {invoice.carrier} was already billed ({billed_by})",
                billed=invoice.total,
            )
        lines_sum = sum((line.amount for line in invoice.lines), ZERO)
        if lines_sum != invoice.total:
            self.add_invoice_finding(
                "TOTAL_MISMATCH",
                f"Invoice total {self.money(invoice.total)} is not the sum of its lines {self.money(lines_sum)} "
                f"(difference {self.money(invoice.total - lines_sum)})",
                expected=lines_sum,
                billed=invoice.total,
            )

    def check_shipments(self):
        invoice, settings = self.invoice, self.settings
        first = {}
        for result in self.results:
            first.setdefault(result.line.shipment_ref, result)
        for ref, result in first.items():
            facts = self.lookup(ref) if ref else None
            if facts is None:
                facts = ShipmentFacts(ref=ref, found=False)
            self.facts[ref] = facts
            if not facts.found:
                self.add(result, "UNMATCHED_SHIPMENT", f"No shipment is known under reference {ref!r}")
                continue
            if settings.require_delivered and not facts.delivered:
                self.add(result, "NOT_DELIVERED", f"Shipment {ref} is not delivered yet", source="company settings")
            if settings.require_pod and not facts.pod_complete:
                self.add(
                    result,
                    "POD_MISSING",
                    f"Shipment {ref} has no complete proof of delivery",
                    source="company settings",
                )
            if facts.currency and facts.currency.strip().upper() != invoice.currency:
                self.add(
                    result,
                    "CURRENCY_MISMATCH",
                    f"Invoice currency {invoice.currency} is not the currency {facts.currency} of shipment {ref}",
                )

    def check_duplicate_charges(self):
        invoice = self.invoice
        seen = {}
        for result in self.results:
            line = result.line
            if not (line.shipment_ref and line.charge_code) or result.charge_kind == "tax":
                continue  # without both keys a charge cannot be recognised again; tax is billed on each invoice
            earlier = self.duplicates.charge_billed_by(line.shipment_ref, line.charge_code)
            if earlier is not None and charge_key(*earlier) != charge_key(invoice.carrier, invoice.invoice_number):
                result.duplicate_of = f"invoice {earlier[1]} of carrier {earlier[0]}"
            elif charge_key(line.shipment_ref, line.charge_code) in seen:
                result.duplicate_of = self.line_label(seen[charge_key(line.shipment_ref, line.charge_code)])
            else:
                seen[charge_key(line.shipment_ref, line.charge_code)] = result
                continue
            self.add(
                result,
                "DUPLICATE_CHARGE",
                f"Charge {line.charge_code} of shipment {line.shipment_ref} ({self.money(line.amount)}) "
                f"was already billed on {result.duplicate_of}",
                expected=ZERO,
            )

    def check_weights(self):
        tolerance = self.settings.weight_tolerance_percent
        for result in self.results:
            line = result.line
            facts = self.facts.get(line.shipment_ref)
            if line.billed_weight is None or not facts or not facts.found or facts.actual_weight_kg is None:
                continue
            actual = to_decimal(facts.actual_weight_kg, "actual weight")
            limit = actual * (1 + tolerance / rating.HUNDRED)
            if line.billed_weight > limit:
                self.add(
                    result,
                    "WEIGHT_OVERBILLED",
                    f"{self.line_label(result)} bills {fmt_num(line.billed_weight)} kg; shipment "
                    f"{line.shipment_ref} weighs {fmt_num(actual)} kg (limit {fmt_num(actual)} kg + "
                    f"{fmt_num(tolerance)} % = {fmt_num(limit)} kg)",
                    source="company settings (weight tolerance)",
                )

    def rate_line(self, result):
        facts = self.facts.get(result.line.shipment_ref)
        if facts is None or not facts.found:
            result.explain("not rated: the shipment is unknown")
            return
        if result.charge_kind == "base":
            self.rate_base(result, facts)
        elif result.charge_kind == "fuel":
            self.rate_fuel(result, facts)
        elif result.charge_kind == "tax":
            result.expected = result.line.amount
            result.variance = ZERO
            result.explain(f"tax {self.money(result.line.amount)} not audited against contracts")
        else:
            self.rate_accessorial(result)

    def check_tax(self):
        """The tax billed (the tax lines) against :attr:`InvoiceIn.expected_tax`, to the cent."""
        expected = self.invoice.expected_tax
        if expected is None:
            return
        expected = rating.quantize(expected, self.decimals)
        taxes = [result for result in self.results if result.charge_kind == "tax"]
        billed = sum((result.line.amount for result in taxes), ZERO)
        if billed == expected:
            return
        difference = billed - expected
        message = (
            f"Tax billed {self.money(billed)} is not the tax computed on the charges {self.money(expected)} "
            f"(difference {self.signed(difference)})"
        )
        if not taxes:
            self.add_invoice_finding("TAX_MISMATCH", message, expected=expected, billed=billed)
            return
        first = taxes[0]
        first.expected = first.line.amount - difference
        first.variance = difference
        first.explain(f"expected {self.money(first.expected)}: the tax computed on the charges {self.money(expected)}")
        self.add(first, "TAX_MISMATCH", message, source="taxes of the charge types")

    def rate_base(self, result, facts):
        ref = result.line.shipment_ref
        earlier = self.base_result.get(ref)
        if earlier is not None:
            result.expected = ZERO
            result.explain(f"base freight of {ref} already rated on {self.line_label(earlier)}")
            self.compare(result, "RATE_VARIANCE", "Base freight")
            return
        self.base_result[ref] = result
        if facts.ship_date is None:
            self.add(result, "SHIPMENT_DATA_MISSING", f"Shipment {ref} has no ship date: no rate card can be chosen")
            result.explain("not rated: no ship date")
            return
        card, reason = rating.select_rate_card(
            self.contracts.rate_cards,
            self.invoice.carrier,
            facts.service_level,
            facts.ship_date,
            facts.origin,
            facts.dest,
        )
        if card is None:
            self.add(result, "NO_RATE_CARD", f"Shipment {ref}: {reason}")
            result.explain(f"not rated: {reason}")
            return
        self.card[ref] = card
        result.rate_card_id, result.rate_card_version, result.source = card.id, card.version, card.label
        result.explain(reason)
        if card.currency != self.invoice.currency:
            self.add(
                result,
                "CURRENCY_MISMATCH",
                f"Invoice currency {self.invoice.currency} is not the currency {card.currency} of {card.label}",
            )
            return
        try:
            amount, text = rating.expected_base(
                card,
                weight_kg=facts.actual_weight_kg,
                pallets=facts.pallets,
                km=facts.km,
                use_deficit_weight=self.settings.use_deficit_weight,
            )
        except rating.RatingError as error:
            self.add(result, "SHIPMENT_DATA_MISSING", f"Shipment {ref}: {error}")
            result.explain(f"not rated: {error}")
            return
        result.expected = amount
        result.explain(text)
        self.compare(result, "RATE_VARIANCE", "Base freight")

    def rate_accessorial(self, result):
        line = result.line
        rule = rating.find_charge_rule(self.contracts.charge_rules, self.invoice.carrier, line.charge_code)
        outcome = rating.evaluate_accessorial(rule, line.amount, self.decimals)
        result.expected = outcome.expected
        result.variance = line.amount - outcome.expected
        result.source = rule.label if rule else ""
        result.explain(outcome.explanation)
        if outcome.status == "needs_approval":
            why = "has no charge rule" if rule is None else "needs approval"
            self.add(
                result,
                "ACCESSORIAL_UNAUTHORISED",
                f"Accessorial {line.charge_code} of shipment {line.shipment_ref} ({self.money(line.amount)}) {why}",
            )
        elif outcome.status == "over_limit":
            self.add(
                result,
                "ACCESSORIAL_OVER_LIMIT",
                f"Accessorial {line.charge_code} of shipment {line.shipment_ref}: billed {self.money(line.amount)}, "
                f"authorised {self.money(outcome.authorised_amount)}",
            )

    def rate_fuel(self, result, facts):
        ref = result.line.shipment_ref
        earlier = self.rated_fuel.get(ref)
        if earlier is not None:
            result.expected = ZERO
            result.explain(f"fuel surcharge of {ref} already rated on {self.line_label(earlier)}")
            self.compare(result, "FUEL_MISMATCH", "Fuel surcharge")
            return
        self.rated_fuel[ref] = result
        card = self.card.get(ref)
        schedule = rating.find_fuel_schedule(
            self.contracts.fuel_schedules, self.invoice.carrier, card.fuel_schedule_id if card else None
        )
        if schedule is None:
            self.add(result, "NO_FUEL_SCHEDULE", f"No fuel schedule for carrier {self.invoice.carrier}")
            result.explain("not rated: no fuel schedule")
            return
        result.source = schedule.label
        same_shipment = [other for other in self.results if other.line.shipment_ref == ref]
        bases = [other for other in same_shipment if other.charge_kind == "base"]
        if not bases:
            result.expected = ZERO
            result.variance = result.line.amount
            result.explain(f"no base freight of shipment {ref} on this invoice to apply fuel to")
            self.add(
                result,
                "FUEL_MISMATCH",
                f"Fuel surcharge of {self.line_label(result)} ({self.money(result.line.amount)}) is billed "
                f"without base freight of shipment {ref} on this invoice",
            )
            return
        if all(other.expected is not None for other in bases):
            base = sum((other.expected for other in bases), ZERO)
            base_words = "expected base"
        else:
            base = sum((other.line.amount for other in bases), ZERO)
            base_words = "billed base (the base freight could not be rated)"
        accessorials = sum(
            (other.expected or ZERO for other in same_shipment if other.charge_kind == "accessorial"), ZERO
        )
        fuel_index = self.contracts.fuel_index(facts.ship_date) if self.contracts.fuel_index else None
        try:
            amount, percent, text = rating.expected_fuel(
                schedule, base, accessorials, facts.ship_date, fuel_index, self.decimals
            )
        except rating.RatingError as error:
            self.add(result, "NO_FUEL_SCHEDULE", f"Shipment {ref}: {error}")
            result.explain(f"not rated: {error}")
            return
        result.expected, result.fuel_percent = amount, percent
        result.explain(f"on the {base_words} of shipment {ref}: {text}")
        if base:
            billed_percent = result.line.amount * rating.HUNDRED / base
            result.explain(f"billed {self.money(result.line.amount)} is {fmt_money(billed_percent, 2)} % of the base")
        self.compare(result, "FUEL_MISMATCH", "Fuel surcharge")

    def apply_duplicates(self):
        """A charge billed twice is expected at 0.00 (the rating stays in the explanation)."""
        for result in self.results:
            duplicate_of = result.duplicate_of
            if duplicate_of is None:
                continue
            result.expected = ZERO
            result.variance = result.line.amount
            result.explain(f"expected {self.money(ZERO)}: already billed on {duplicate_of}")
            # The duplicate is the finding; a variance finding on top would say the same twice.
            result.findings = [
                finding
                for finding in result.findings
                if finding.code not in ("RATE_VARIANCE", "FUEL_MISMATCH", "UNDERCHARGE")
            ]

    def finish(self):
        invoice = self.invoice
        complete = all(result.expected is not None for result in self.results)
        expected_total = sum((result.expected or ZERO for result in self.results), ZERO)
        if complete and invoice.lines:
            check = within(expected_total, invoice.total, self.settings.total_tolerance, self.decimals)
            if not check.inside:
                message = (
                    f"Invoice total: billed {self.money(check.billed)}, expected {self.money(check.expected)}, "
                    f"variance {self.signed(check.variance)} outside "
                    f"{self.settings.total_tolerance.describe(self.decimals)}{self.limit_words(check)}"
                )
                if check.accepted:
                    self.add_invoice_finding(
                        "UNDERCHARGE",
                        message + " (undercharge accepted)",
                        SEVERITY_INFO,
                        expected=expected_total,
                        billed=invoice.total,
                    )
                else:
                    self.add_invoice_finding("TOTAL_VARIANCE", message, expected=expected_total, billed=invoice.total)
        findings = self.invoice_findings + [finding for result in self.results for finding in result.findings]
        status = "exception" if any(finding.is_blocking for finding in findings) else "approved"
        return AuditResult(
            status=status,
            line_results=self.results,
            invoice_findings=self.invoice_findings,
            expected_total=rating.quantize(expected_total, self.decimals),
            billed_total=invoice.total,
            expected_complete=complete,
            currency=invoice.currency,
        )
