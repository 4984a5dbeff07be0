"""Database-free tests of the audit engine (services/audit.py), with figures worked by hand.

The contract used throughout (carrier ACME, EUR):

* rate card LTL v2, DE -> FR, per kg with weight breaks: ≥ 0 kg 1.50, ≥ 250 kg 1.20,
  ≥ 500 kg 0.95, ≥ 1000 kg 0.80; minimum 150.00; deficit weight on (version 1 is older);
* fuel: 12.5 % in January 2026, 13 % in February 2026, on the base freight;
* charge rules: 400 base, FSC fuel, VAT tax, LIFT pre-authorised (rebillable),
  DET up to 100.00, HAZ needs approval;
* shipment SHP1: Munich -> Lyon, 412.5 kg, shipped 2026-01-15, delivered with POD:
  412.5 × 1.20 = 495.00, but 500 × 0.95 = 475.00 is cheaper (deficit weight): base 475.00;
  fuel 12.5 % × 475.00 = 59.375 -> 59.38;
* shipment SHP2: Munich -> Lyon, 300 kg: 300 × 1.20 = 360.00 (500 × 0.95 = 475.00 is dearer);
  fuel 12.5 % × 360.00 = 45.00;
* line tolerance 1.00 or 1 % (the larger); invoice tolerance 4.00; weight tolerance 2 %.
"""

# The hand-worked arithmetic and the explanations use the multiplication sign on purpose.
# ruff: noqa: RUF001, RUF002, RUF003

from datetime import date
from decimal import Decimal as D

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import PermanentError

from ..services import audit
from ..services.audit_inputs import AuditSettings, Contracts, DuplicateIndex, InvoiceIn, LineIn, ShipmentFacts
from ..services.audit_results import FINDING_CODES
from ..services.rating import ChargeRule, FuelSchedule, Lane, RateCard
from ..services.tolerance import Tolerance

MUNICH = {"country": "DE", "state": "BY", "zip": "80331"}
LYON = {"country": "FR", "zip": "69001"}
DE_FR = Lane(origin_countries="DE", dest_countries="FR")
BREAKS = [(0, "1.50"), (250, "1.20"), (500, "0.95"), (1000, "0.80")]


def make_contracts(**extra):
    values = {
        "rate_cards": [
            RateCard(id="LTL", version=1, carrier="ACME", currency="EUR", basis="kg", rate="2.00", lanes=[DE_FR]),
            RateCard(
                id="LTL",
                version=2,
                carrier="ACME",
                currency="EUR",
                basis="kg",
                weight_breaks=BREAKS,
                minimum_charge="150.00",
                lanes=[DE_FR],
                date_from=date(2026, 1, 1),
                date_to=date(2026, 12, 31),
            ),
        ],
        "fuel_schedules": [
            FuelSchedule(
                id="FSC-ACME",
                carrier="ACME",
                periods=[(date(2026, 1, 1), date(2026, 1, 31), "12.5"), (date(2026, 2, 1), date(2026, 2, 28), "13")],
            )
        ],
        "charge_rules": [
            ChargeRule("400", kind="base"),
            ChargeRule("FSC", kind="fuel"),
            ChargeRule("VAT", kind="tax"),
            ChargeRule("LIFT", authorisation="pre_authorised", rebillable=True),
            ChargeRule("DET", authorisation="up_to_amount", authorised_amount="100.00"),
            ChargeRule("HAZ", authorisation="needs_approval"),
        ],
    }
    values.update(extra)
    return Contracts(**values)


def make_facts(ref="SHP1", **extra):
    values = {
        "ref": ref,
        "delivered": True,
        "pod_complete": True,
        "actual_weight_kg": D("412.5"),
        "ship_date": date(2026, 1, 15),
        "origin": MUNICH,
        "dest": LYON,
    }
    values.update(extra)
    return ShipmentFacts(**values)


def make_settings(**extra):
    values = {
        "require_delivered": True,
        "require_pod": True,
        "weight_tolerance_percent": D("2"),
        "line_tolerance": Tolerance(abs_amount="1.00", percent="1", mode="either"),
        "total_tolerance": Tolerance(abs_amount="4.00"),
    }
    values.update(extra)
    return AuditSettings(**values)


def make_invoice(lines, total=None, number="INV-100", currency="EUR"):
    lines = [LineIn(*line) if isinstance(line, tuple) else line for line in lines]
    if total is None:
        total = sum((line.amount for line in lines), D(0))
    return InvoiceIn(carrier="ACME", invoice_number=number, currency=currency, total=D(total), lines=lines)


@tagged("post_install", "-at_install")
class TestAuditEngine(BaseCase):
    def setUp(self):
        super().setUp()
        self.facts = {"SHP1": make_facts(), "SHP2": make_facts("SHP2", actual_weight_kg=D("300"))}
        self.contracts = make_contracts()
        self.settings = make_settings()
        self.duplicates = DuplicateIndex()

    def run_audit(self, invoice):
        return audit.audit_invoice(invoice, self.facts.get, self.duplicates, self.contracts, self.settings)

    def codes(self, result):
        return sorted(result.codes)

    # ------------------------------------------------------------------
    # A clean invoice
    # ------------------------------------------------------------------
    def test_clean_invoice_is_approved_and_explained(self):
        invoice = make_invoice(
            [
                LineIn("SHP1", "400", D("475.00"), billed_weight=D("412.5"), sequence=1),
                LineIn("SHP1", "FSC", D("59.38"), sequence=2),
                LineIn("SHP1", "LIFT", D("75.00"), sequence=3),
            ]
        )
        result = self.run_audit(invoice)
        # expected 475.00 + 59.38 + 75.00 = 609.38
        self.assertEqual((result.status, result.codes), ("approved", ()))
        self.assertEqual((result.expected_total, result.billed_total), (D("609.38"), D("609.38")))
        base, fuel, lift = result.line_results
        self.assertEqual((base.charge_kind, base.expected, base.variance), ("base", D("475.00"), D("0.00")))
        self.assertEqual((base.rate_card_id, base.rate_card_version), ("LTL", 2))
        self.assertIn(
            "412.5 kg × 1.20/kg (break ≥ 250 kg) = 495.00; deficit weight: 500 kg × 0.95/kg (break ≥ 500 kg) = 475.00 "
            "is cheaper, applied; minimum 150.00 not applied (rate card LTL v2)",
            base.explanation,
        )
        self.assertIn("preferred over rate card LTL v1", base.explanation)
        self.assertEqual((fuel.expected, fuel.fuel_percent), (D("59.38"), D("12.5")))
        self.assertIn(
            "on the expected base of shipment SHP1: 12.5 % (period 2026-01-01..2026-01-31) × base 475.00 = 59.38",
            fuel.explanation,
        )
        # 59.38 / 475.00 = 12.501 % billed
        self.assertIn("billed 59.38 is 12.50 % of the base", fuel.explanation)
        self.assertEqual((lift.expected, lift.rebillable), (D("75.00"), True))
        text = result.explanation()
        self.assertTrue(text.startswith("Audit approved: billed 609.38 EUR, expected 609.38"))
        self.assertIn("Line 3 SHP1 LIFT (accessorial): billed 75.00: pre-authorised (charge rule LIFT)", text)

    # ------------------------------------------------------------------
    # Base freight and tolerances
    # ------------------------------------------------------------------
    def test_rate_variance_on_both_sides_of_the_line_tolerance(self):
        # expected 475.00; limit = max(1.00, 1 % × 475.00 = 4.75) = 4.75; invoice tolerance widened
        # so that only the line tolerance is tested here
        self.settings.total_tolerance = Tolerance(abs_amount="100")
        cases = [
            ("479.75", "approved", []),  # +4.75 inside
            ("479.76", "exception", ["RATE_VARIANCE"]),  # +4.76 outside
            ("470.25", "approved", []),  # -4.75 inside
            ("470.24", "approved", ["UNDERCHARGE"]),  # -4.76 outside, accepted, reported
        ]
        for billed, status, codes in cases:
            with self.subTest(billed=billed):
                result = self.run_audit(make_invoice([("SHP1", "400", D(billed))]))
                self.assertEqual((result.status, self.codes(result)), (status, codes))
        result = self.run_audit(make_invoice([("SHP1", "400", D("479.76"))]))
        finding = result.findings[0]
        self.assertEqual((finding.severity, finding.expected, finding.billed), ("error", D("475.00"), D("479.76")))
        self.assertEqual(finding.source, "rate card LTL v2")
        self.assertEqual(
            finding.message,
            "Base freight of line 1 (SHP1 400): billed 479.76, expected 475.00, variance +4.76 outside "
            "tolerance 1.00 or 1 % (limit 4.75)",
        )
        self.assertEqual(result.findings[0].line_index, 0)
        undercharge = self.run_audit(make_invoice([("SHP1", "400", D("470.24"))])).findings[0]
        self.assertEqual(undercharge.severity, "info")
        self.settings.line_tolerance = Tolerance(abs_amount="1.00", percent="1", accept_undercharge=False)
        result = self.run_audit(make_invoice([("SHP1", "400", D("470.24"))]))
        self.assertEqual((result.status, self.codes(result)), ("exception", ["RATE_VARIANCE"]))

    def test_total_tolerance_on_both_sides(self):
        # One base line, expected 475.00. Line limit 4.75, invoice limit 4.00:
        cases = [
            ("479.00", "approved", []),  # +4.00: inside both
            ("479.01", "exception", ["TOTAL_VARIANCE"]),  # +4.01: inside the line limit, outside the total
            ("471.00", "approved", []),  # -4.00: inside both
            ("470.99", "approved", ["UNDERCHARGE"]),  # -4.01: accepted undercharge on the total
        ]
        for billed, status, codes in cases:
            with self.subTest(billed=billed):
                result = self.run_audit(make_invoice([("SHP1", "400", D(billed))]))
                self.assertEqual((result.status, self.codes(result)), (status, codes))
                self.assertEqual(result.line_results[0].codes, ())
        finding = self.run_audit(make_invoice([("SHP1", "400", D("479.01"))])).invoice_findings[0]
        self.assertEqual(
            finding.message,
            "Invoice total: billed 479.01, expected 475.00, variance +4.01 outside tolerance 4.00 (limit 4.00)",
        )
        self.assertIsNone(finding.line_index)
        # Two shipments each inside the line limit add up outside the invoice limit:
        # SHP1 479.00 (+4.00 ≤ 4.75), SHP2 362.00 (+2.00 ≤ max(1.00, 3.60)); total +6.00 > 4.00
        result = self.run_audit(make_invoice([("SHP1", "400", D("479.00")), ("SHP2", "400", D("362.00"))]))
        self.assertEqual(self.codes(result), ["TOTAL_VARIANCE"])
        # expected 475.00 + 360.00 = 835.00
        self.assertEqual((result.expected_total, result.billed_total), (D("835.00"), D("841.00")))

    def test_deficit_weight_setting(self):
        # Without deficit weight: 412.5 × 1.20 = 495.00 is the contracted base.
        self.settings.use_deficit_weight = False
        result = self.run_audit(make_invoice([("SHP1", "400", D("495.00"))]))
        self.assertEqual((result.status, result.line_results[0].expected), ("approved", D("495.00")))
        self.settings.use_deficit_weight = True
        # With it: 475.00; 495.00 is +20.00, over the line limit of 4.75 and the invoice limit of 4.00.
        result = self.run_audit(make_invoice([("SHP1", "400", D("495.00"))]))
        self.assertEqual(self.codes(result), ["RATE_VARIANCE", "TOTAL_VARIANCE"])

    def test_minimum_charge(self):
        # 80 kg: 80 × 1.50 = 120.00 below the minimum: 150.00 (250 × 1.20 = 300.00 is dearer)
        self.facts["SHP1"] = make_facts(actual_weight_kg=D("80"))
        result = self.run_audit(make_invoice([("SHP1", "400", D("150.00"))]))
        self.assertEqual((result.status, result.line_results[0].expected), ("approved", D("150.00")))
        self.assertIn("minimum 150.00 applied", result.line_results[0].explanation)

    def test_weight_overbilled(self):
        # actual 412.5 kg + 2 % = 420.75 kg allowed
        for billed_weight, codes in (("420.75", ()), ("420.76", ("WEIGHT_OVERBILLED",))):
            with self.subTest(billed_weight=billed_weight):
                line = LineIn("SHP1", "400", D("475.00"), billed_weight=D(billed_weight))
                result = self.run_audit(make_invoice([line]))
                self.assertEqual(result.codes, codes)
                # the base is rated on the actual weight whatever is billed
                self.assertEqual(result.line_results[0].expected, D("475.00"))
        finding = self.run_audit(make_invoice([LineIn("SHP1", "400", D("475.00"), billed_weight=D("450"))])).findings[0]
        self.assertEqual(
            finding.message,
            "line 1 (SHP1 400) bills 450 kg; shipment SHP1 weighs 412.5 kg (limit 412.5 kg + 2 % = 420.75 kg)",
        )

    def test_no_rate_card_and_fuel_on_the_billed_base(self):
        self.facts["SHP1"] = make_facts(dest={"country": "IT", "zip": "20121"})
        result = self.run_audit(make_invoice([("SHP1", "400", D("500.00")), ("SHP1", "FSC", D("62.50"))]))
        self.assertEqual((result.status, self.codes(result)), ("exception", ["NO_RATE_CARD"]))
        base, fuel = result.line_results
        self.assertIsNone(base.expected)
        self.assertEqual(
            result.findings[0].message,
            "Shipment SHP1: No lane of rate card LTL v1, rate card LTL v2 matches DE BY 80331 → IT 20121",
        )
        # the base could not be rated: fuel on the billed base, 12.5 % × 500.00 = 62.50
        self.assertEqual(fuel.expected, D("62.50"))
        self.assertIn("billed base (the base freight could not be rated)", fuel.explanation)
        # an unrated line leaves the expected total incomplete: no total check
        self.assertFalse(result.expected_complete)
        self.assertEqual(result.expected_total, D("62.50"))

    def test_shipment_data_missing(self):
        self.facts["SHP1"] = make_facts(actual_weight_kg=None)
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00"))]))
        self.assertEqual(self.codes(result), ["SHIPMENT_DATA_MISSING"])
        self.assertIn("rate card LTL v2 rates per kg: the shipment has no weight", result.findings[0].message)
        self.facts["SHP1"] = make_facts(ship_date=None)
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00"))]))
        self.assertEqual(self.codes(result), ["SHIPMENT_DATA_MISSING"])
        self.assertIn("no ship date", result.findings[0].message)

    # ------------------------------------------------------------------
    # Fuel
    # ------------------------------------------------------------------
    def test_fuel_on_the_right_base(self):
        lines = [
            ("SHP1", "400", D("475.00")),
            ("SHP1", "FSC", D("59.38")),
            ("SHP2", "400", D("360.00")),
            ("SHP2", "FSC", D("45.00")),
        ]
        # 12.5 % × 475.00 = 59.38 and 12.5 % × 360.00 = 45.00: each on its own shipment's base
        result = self.run_audit(make_invoice(lines))
        self.assertEqual((result.status, result.expected_total), ("approved", D("939.38")))
        # The carrier applies SHP1's fuel to SHP2 too: 59.38 vs 45.00, +14.38 > max(1.00, 0.45)
        wrong = lines[:3] + [("SHP2", "FSC", D("59.38"))]
        result = self.run_audit(make_invoice(wrong, total="953.76"))
        self.assertEqual(self.codes(result), ["FUEL_MISMATCH", "TOTAL_VARIANCE"])
        self.assertEqual(result.line_results[3].codes, ("FUEL_MISMATCH",))
        self.assertEqual(result.line_results[3].expected, D("45.00"))
        # The carrier puts the fuel of the whole invoice on SHP1: 12.5 % × (475.00 + 360.00) = 104.375 -> 104.38
        invoice_wide = [("SHP1", "400", D("475.00")), ("SHP1", "FSC", D("104.38")), ("SHP2", "400", D("360.00"))]
        result = self.run_audit(make_invoice(invoice_wide))
        self.assertEqual(result.line_results[1].codes, ("FUEL_MISMATCH",))
        self.assertEqual(result.line_results[1].variance, D("45.00"))  # 104.38 - 59.38

    def test_fuel_follows_the_expected_base_not_the_overbilled_one(self):
        # base billed 495.00 (no deficit weight) and fuel 12.5 % × 495.00 = 61.875 -> 61.88:
        # the contracted fuel is 59.38; 61.88 - 59.38 = +2.50 > max(1.00, 0.59)
        result = self.run_audit(make_invoice([("SHP1", "400", D("495.00")), ("SHP1", "FSC", D("61.88"))]))
        self.assertEqual([r.codes for r in result.line_results], [("RATE_VARIANCE",), ("FUEL_MISMATCH",)])
        self.assertEqual(result.line_results[1].expected, D("59.38"))

    def test_fuel_line_tolerance_both_sides(self):
        # expected 59.38; limit = max(1.00, 1 % × 59.38 = 0.59) = 1.00
        self.settings.total_tolerance = Tolerance(abs_amount="100")
        cases = [("60.38", ()), ("60.39", ("FUEL_MISMATCH",)), ("58.38", ()), ("58.37", ("UNDERCHARGE",))]
        for billed, codes in cases:
            with self.subTest(billed=billed):
                result = self.run_audit(make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "FSC", D(billed))]))
                self.assertEqual(result.line_results[1].codes, codes)

    def test_fuel_by_index_band_on_base_and_accessorials(self):
        self.contracts = make_contracts(
            fuel_schedules=[
                FuelSchedule(
                    id="DOE",
                    index_bands=[("3.00", "3.50", "10"), ("3.50", "4.00", "11.5")],
                    applies_to="base_and_accessorials",
                )
            ],
            fuel_index=lambda ship_date: D("3.62") if ship_date == date(2026, 1, 15) else None,
        )
        lines = [
            ("SHP1", "400", D("475.00")),
            ("SHP1", "LIFT", D("75.00")),
            ("SHP1", "DET", D("130.00")),
            ("SHP1", "FSC", D("74.75")),
        ]
        result = self.run_audit(make_invoice(lines))
        # index 3.62 is in [3.50, 4.00): 11.5 %; accessorials as expected: LIFT 75.00 + DET capped at 100.00
        # 11.5 % × (475.00 + 175.00 = 650.00) = 74.75
        # (DET is 30.00 over its cap, so the total is 754.75 billed against 724.75 expected)
        self.assertEqual(self.codes(result), ["ACCESSORIAL_OVER_LIMIT", "TOTAL_VARIANCE"])
        fuel = result.line_results[3]
        self.assertEqual((fuel.expected, fuel.fuel_percent, fuel.source), (D("74.75"), D("11.5"), "fuel schedule DOE"))
        self.assertIn("fuel index 3.62 in band 3.5..4", fuel.explanation)
        self.assertIn("(base 475.00 + accessorials 175.00 = 650.00) = 74.75", fuel.explanation)

    def test_fuel_without_base_or_schedule(self):
        result = self.run_audit(make_invoice([("SHP1", "FSC", D("59.38"))]))
        # expected 0.00 (no base to apply fuel to): the line and the total (+59.38) are reported
        self.assertEqual(self.codes(result), ["FUEL_MISMATCH", "TOTAL_VARIANCE"])
        self.assertEqual(result.line_results[0].expected, D("0"))
        self.assertIn(
            "without base freight of shipment SHP1 on this invoice", result.line_results[0].findings[0].message
        )
        self.contracts = make_contracts(fuel_schedules=[])
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "FSC", D("59.38"))]))
        self.assertEqual(self.codes(result), ["NO_FUEL_SCHEDULE"])
        self.contracts = make_contracts()
        self.facts["SHP1"] = make_facts(ship_date=date(2026, 3, 2))
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "FSC", D("59.38"))]))
        self.assertEqual(self.codes(result), ["NO_FUEL_SCHEDULE"])
        self.assertIn("no period covers 2026-03-02", result.findings[0].message)

    # ------------------------------------------------------------------
    # Accessorials and tax
    # ------------------------------------------------------------------
    def test_accessorials(self):
        cases = [
            ("LIFT", "75.00", (), "75.00"),
            ("DET", "100.00", (), "100.00"),  # the cap is inclusive
            ("DET", "100.01", ("ACCESSORIAL_OVER_LIMIT",), "100.00"),  # 0.01 over: capped
            ("HAZ", "40.00", ("ACCESSORIAL_UNAUTHORISED",), "0"),
            ("XYZ", "12.00", ("ACCESSORIAL_UNAUTHORISED",), "0"),  # no charge rule at all
        ]
        for code, billed, codes, expected in cases:
            with self.subTest(code=code, billed=billed):
                lines = [("SHP1", "400", D("475.00")), ("SHP1", code, D(billed))]
                result = self.run_audit(make_invoice(lines))
                self.assertEqual(result.line_results[1].codes, codes)
                self.assertEqual(result.line_results[1].expected, D(expected))
                self.assertEqual(result.line_results[1].charge_kind, "accessorial")
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "DET", D("130.00"))]))
        finding = result.line_results[1].findings[0]
        self.assertEqual(finding.message, "Accessorial DET of shipment SHP1: billed 130.00, authorised 100.00")
        self.assertEqual((finding.expected, finding.source), (D("100.00"), "charge rule DET"))
        # expected 475.00 + 100.00 = 575.00; billed 605.00: +30.00 on the total is reported too
        self.assertEqual(result.expected_total, D("575.00"))
        self.assertEqual(self.codes(result), ["ACCESSORIAL_OVER_LIMIT", "TOTAL_VARIANCE"])
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "XYZ", D("12.00"))]))
        self.assertEqual(
            result.line_results[1].findings[0].message, "Accessorial XYZ of shipment SHP1 (12.00) has no charge rule"
        )

    def test_tax_is_passed_through(self):
        # 19 % × 475.00 = 90.25 is not checked: tax is the accounting's business
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "VAT", D("90.25"))]))
        self.assertEqual((result.status, result.expected_total), ("approved", D("565.25")))
        self.assertIn("not audited", result.line_results[1].explanation)

    # ------------------------------------------------------------------
    # Shipment checks
    # ------------------------------------------------------------------
    def test_unmatched_shipment(self):
        result = self.run_audit(make_invoice([("SHP9", "400", D("475.00")), ("SHP9", "FSC", D("59.38"))]))
        # raised once, on the shipment's first line; nothing can be rated
        self.assertEqual([r.codes for r in result.line_results], [("UNMATCHED_SHIPMENT",), ()])
        self.assertEqual(result.findings[0].message, "No shipment is known under reference 'SHP9'")
        self.assertEqual([r.expected for r in result.line_results], [None, None])
        self.assertFalse(result.expected_complete)
        self.facts["SHP9"] = ShipmentFacts("SHP9", found=False)
        self.assertEqual(self.run_audit(make_invoice([("SHP9", "400", D("1"))])).codes, ("UNMATCHED_SHIPMENT",))

    def test_delivery_and_pod_requirements(self):
        self.facts["SHP1"] = make_facts(delivered=False, pod_complete=False)
        invoice = make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "FSC", D("59.38"))])
        result = self.run_audit(invoice)
        self.assertEqual((result.status, self.codes(result)), ("exception", ["NOT_DELIVERED", "POD_MISSING"]))
        self.assertEqual(result.line_results[0].codes, ("NOT_DELIVERED", "POD_MISSING"))
        self.assertEqual(result.findings[0].source, "company settings")
        self.settings = make_settings(require_delivered=False, require_pod=False)
        self.assertEqual(self.run_audit(invoice).status, "approved")

    def test_currency_mismatch(self):
        # the rate card is in EUR, the invoice in USD: no conversion is guessed
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00"))], currency="USD"))
        self.assertEqual(self.codes(result), ["CURRENCY_MISMATCH"])
        self.assertEqual(result.findings[0].message, "Invoice currency USD is not the currency EUR of rate card LTL v2")
        self.assertIsNone(result.line_results[0].expected)
        # the shipment's own freight currency is checked too
        self.facts["SHP1"] = make_facts(currency="CHF")
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00"))]))
        self.assertEqual(self.codes(result), ["CURRENCY_MISMATCH"])
        self.assertIn("is not the currency CHF of shipment SHP1", result.findings[0].message)

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------
    def test_duplicate_invoice_number(self):
        self.duplicates = DuplicateIndex(invoices=[("acme", " inv-100 ", "BILL/2026/0042")])
        result = self.run_audit(make_invoice([("SHP1", "400", D("475.00"))]))
        self.assertEqual((result.status, self.codes(result)), ("exception", ["DUPLICATE_INVOICE"]))
        self.assertEqual(
            result.invoice_findings[0].message, "Invoice INV-100 of carrier ACME was already billed (BILL/2026/0042)"
        )
        # another carrier may use the same number
        self.duplicates = DuplicateIndex(invoices=[("OTHER", "INV-100")])
        self.assertEqual(self.run_audit(make_invoice([("SHP1", "400", D("475.00"))])).status, "approved")

    def test_duplicate_charge_on_another_invoice(self):
        earlier = make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "FSC", D("59.38"))], number="INV-090")
        self.duplicates.add_invoice_in(earlier)
        invoice = make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "LIFT", D("75.00"))], number="INV-101")
        result = self.run_audit(invoice)
        base, lift = result.line_results
        self.assertEqual((result.status, base.codes, lift.codes), ("exception", ("DUPLICATE_CHARGE",), ()))
        # the duplicate is expected at 0.00 (not paid twice); its rating stays in the explanation
        self.assertEqual((base.expected, base.variance), (D("0"), D("475.00")))
        self.assertIn("500 kg × 0.95/kg", base.explanation)
        self.assertIn("expected 0.00: already billed on invoice INV-090 of carrier ACME", base.explanation)
        self.assertEqual(
            base.findings[0].message,
            "Charge 400 of shipment SHP1 (475.00) was already billed on invoice INV-090 of carrier ACME",
        )
        # expected 0.00 + 75.00 = 75.00 against 550.00 billed: the total is reported as well
        self.assertEqual(result.expected_total, D("75.00"))
        self.assertIn("TOTAL_VARIANCE", result.codes)
        # auditing INV-090 again: its own charges in the index are not duplicates
        self.assertEqual(self.run_audit(earlier).codes, ("DUPLICATE_INVOICE",))

    def test_duplicate_charge_on_the_same_invoice(self):
        lines = [("SHP1", "400", D("475.00")), ("SHP1", "LIFT", D("75.00")), ("SHP1", "lift", D("75.00"))]
        result = self.run_audit(make_invoice(lines))
        self.assertEqual([r.codes for r in result.line_results], [(), (), ("DUPLICATE_CHARGE",)])
        self.assertEqual(
            result.line_results[2].findings[0].message,
            "Charge LIFT of shipment SHP1 (75.00) was already billed on line 2 (SHP1 LIFT)",
        )
        # lines without a charge code are not taken for duplicates of each other
        lines = [("SHP1", "400", D("475.00")), ("SHP1", "", D("5.00")), ("SHP1", "", D("6.00"))]
        result = self.run_audit(make_invoice(lines))
        unauthorised = ("ACCESSORIAL_UNAUTHORISED",)
        self.assertEqual([r.codes for r in result.line_results], [(), unauthorised, unauthorised])
        # a second base line of another code is rated at 0.00: a rate variance
        lines = [("SHP1", "400", D("475.00")), LineIn("SHP1", "LH", D("475.00"), charge_kind="base")]
        result = self.run_audit(make_invoice(lines))
        self.assertEqual(result.line_results[1].codes, ("RATE_VARIANCE",))
        self.assertIn("already rated on line 1 (SHP1 400)", result.line_results[1].explanation)

    # ------------------------------------------------------------------
    # Invoice level
    # ------------------------------------------------------------------
    def test_total_mismatch_and_empty_invoice(self):
        # lines 475.00 + 59.38 = 534.38, header 530.00: difference -4.38
        result = self.run_audit(
            make_invoice([("SHP1", "400", D("475.00")), ("SHP1", "FSC", D("59.38"))], total="530.00")
        )
        self.assertIn("TOTAL_MISMATCH", result.codes)
        finding = result.invoice_findings[0]
        self.assertEqual(finding.message, "Invoice total 530.00 is not the sum of its lines 534.38 (difference -4.38)")
        result = self.run_audit(make_invoice([], total="0"))
        self.assertEqual((result.status, result.codes), ("exception", ("EMPTY_INVOICE",)))

    def test_every_code_is_documented(self):
        raised = {
            "EMPTY_INVOICE", "DUPLICATE_INVOICE", "DUPLICATE_CHARGE", "UNMATCHED_SHIPMENT", "NOT_DELIVERED",
            "POD_MISSING", "CURRENCY_MISMATCH", "NO_RATE_CARD", "SHIPMENT_DATA_MISSING", "RATE_VARIANCE",
            "WEIGHT_OVERBILLED", "ACCESSORIAL_UNAUTHORISED", "ACCESSORIAL_OVER_LIMIT", "NO_FUEL_SCHEDULE",
            "FUEL_MISMATCH", "UNDERCHARGE", "TOTAL_MISMATCH", "TOTAL_VARIANCE", "TAX_MISMATCH",
        }  # fmt: skip
        self.assertEqual(set(FINDING_CODES), raised)

    # ------------------------------------------------------------------
    # Inputs
    # ------------------------------------------------------------------
    def test_invoice_from_parsed_dict(self):
        parsed = {
            "invoice_number": "INV-100",
            "scac": "ACME",
            "invoice_date": date(2026, 1, 20),
            "currency": "EUR",
            "total": D("534.38"),
            "lines": [
                {"sequence": 1, "shipment_reference": "SHP1", "charge_code": "400", "description": "Linehaul",
                 "quantity": D("1"), "amount": D("475.00"), "billed_weight": D("412.5")},
                {"sequence": 2, "shipment_reference": "SHP1", "charge_code": "FUEL", "description": "Fuel",
                 "quantity": D("1"), "amount": D("59.38"), "billed_weight": None},
            ],
        }  # fmt: skip
        invoice = InvoiceIn.from_parsed(parsed, charge_kinds={"FUEL": "fuel"})
        self.assertEqual(
            (invoice.carrier, invoice.invoice_date, invoice.lines[1].charge_kind), ("ACME", date(2026, 1, 20), "fuel")
        )
        result = self.run_audit(invoice)
        self.assertEqual((result.status, result.expected_total), ("approved", D("534.38")))
        self.assertIn("Line 2 SHP1 FUEL (fuel)", result.explanation())
        with self.assertRaisesRegex(PermanentError, "line 3: amount 'abc' is not a number"):
            LineIn("SHP1", "400", "abc", sequence=3)
        # an empty ORM field (False) is "not given"
        self.assertIsNone(LineIn("SHP1", False, "1", charge_kind=False).charge_kind)
        with self.assertRaisesRegex(PermanentError, "charge kind 'misc'"):
            LineIn("SHP1", "400", "1", charge_kind="misc")
        self.assertEqual(LineIn("SHP1", " lift ", "1").charge_code, "LIFT")
