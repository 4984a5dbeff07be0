"""Audit rules through the ORM: a few representative end-to-end cases with hand-worked figures.

The engine's own unit tests (test_audit_engine) cover the arithmetic in depth.
"""

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestAuditRules(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.company.freight_auto_post_bill = False

    def import_fap(self, number, lines, **kw):
        kw.setdefault("currency", self.currency.name)
        self.journal(self.fap_backend, "freight_invoice_json", self.fap_invoice(number, lines, **kw), key=number)
        invoice = self.invoices_named(number)
        self.assertTrue(invoice, "the invoice was imported")
        return invoice

    def codes(self, invoice):
        """Blocking findings of the lines (an outside line usually puts the total outside too)."""
        findings = invoice.finding_ids.filtered(lambda f: f.severity == "error" and f.line_id)
        return sorted(set(findings.mapped("code")))

    def test_weight_break_and_tolerance_boundary(self):
        # Expected base 495.00 (412.5 kg x 1.20). Line tolerance: max(5.00, 1 % of 495.00 = 4.95) = 5.00.
        inside = self.import_fap("INV-A1", [("SHP-A", "400", 500.00)])
        line = inside.line_ids
        self.assertEqual(line.expected_amount, 495.00)
        self.assertEqual(line.variance, 5.00)
        self.assertEqual(line.rate_card_id, self.rate_card)
        self.assertEqual(line.rate_card_version, 1)
        self.assertIn("412.5 kg", line.explanation)
        self.assertIn("1.20/kg", line.explanation)
        self.assertEqual(inside.state, "approved", "variance 5.00 = the limit: inside, approved automatically")
        self.assertFalse(inside.case_ids)
        self.assertEqual(inside.amount_approved, 500.00)
        shipment_b = self.make_shipment("SHP-B", weight=412.5)
        outside = self.import_fap("INV-A2", [("SHP-B", "400", 500.01)])
        self.assertEqual(outside.line_ids.variance, 5.01)
        self.assertEqual(self.codes(outside), ["RATE_VARIANCE"])
        self.assertEqual(outside.state, "exception")
        case = outside.case_ids
        self.assertEqual(case.state, "open")
        self.assertEqual(case.reason, "RATE_VARIANCE")
        self.assertEqual(case.line_ids, outside.line_ids)
        finding = outside.line_ids.finding_ids
        self.assertEqual(finding.rate_card_id, self.rate_card, "the finding names the contract version")
        self.assertEqual(finding.rate_card_version, 1)
        self.assertEqual(shipment_b.freight_invoice_line_ids, outside.line_ids)

    def test_minimum_charge_and_deficit_weight(self):
        # 80 kg x 1.50 = 120.00 < minimum 150.00 -> 150.00.
        self.make_shipment("SHP-MIN", weight=80)
        invoice = self.import_fap("INV-B1", [("SHP-MIN", "400", 150.00)])
        self.assertEqual(invoice.line_ids.expected_amount, 150.00)
        self.assertIn("minimum 150.00 applied", invoice.line_ids.explanation)
        # 480 kg x 1.20 = 576.00; deficit weight 500 kg x 1.00 = 500.00 is cheaper -> 500.00.
        self.make_shipment("SHP-DEF", weight=480)
        invoice = self.import_fap("INV-B2", [("SHP-DEF", "400", 576.00)])
        self.assertEqual(invoice.line_ids.expected_amount, 500.00)
        self.assertEqual(invoice.line_ids.variance, 76.00)
        self.assertEqual(self.codes(invoice), ["RATE_VARIANCE"])

    def test_fuel_on_base_and_new_contract_version(self):
        # Fuel 10 % of the expected base 495.00 = 49.50; billed 60.00 -> variance 10.50 > 5.00.
        invoice = self.import_fap("INV-C1", [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 60.00)])
        fuel = invoice.line_ids.filtered(lambda line: line.charge_type_id == self.ct_fuel)
        self.assertEqual(fuel.expected_amount, 49.50)
        self.assertEqual(fuel.fuel_percent, 10.0)
        self.assertEqual(self.codes(invoice), ["FUEL_MISMATCH"])
        self.assertIn("fuel schedule", fuel.audit_source)
        # A new version of the rate card (1.30 from 250 kg, 1.40 from 500 kg) is preferred:
        # 412.5 x 1.30 = 536.25; deficit weight 500 x 1.40 = 700.00 is not cheaper.
        version_2 = self.rate_card.copy({"version": 2, "name": "FFRT road 2026"})
        version_2.break_ids.filtered(lambda b: b.min_kg == 250).rate = 1.30
        version_2.break_ids.filtered(lambda b: b.min_kg == 500).rate = 1.40
        self.make_shipment("SHP-V2", weight=412.5)
        invoice = self.import_fap("INV-C2", [("SHP-V2", "400", 536.25)])
        self.assertRecordValues(
            invoice.line_ids, [{"expected_amount": 536.25, "rate_card_id": version_2.id, "rate_card_version": 2}]
        )
        self.assertEqual(invoice.state, "approved")

    def test_accessorials(self):
        # Liftgate pre-authorised 75.00 (ok); detention 120.00 > authorised 100.00; residential needs approval.
        invoice = self.import_fap(
            "INV-D1",
            [("SHP-A", "400", 495.00), ("SHP-A", "LFT", 75.00), ("SHP-A", "DET", 120.00)],
        )
        detention = invoice.line_ids.filtered(lambda line: line.charge_type_id == self.ct_detention)
        self.assertEqual(detention.expected_amount, 100.00)
        self.assertEqual(self.codes(invoice), ["ACCESSORIAL_OVER_LIMIT"])
        self.assertEqual(invoice.case_ids.line_ids, detention, "only the detention line is in review")
        liftgate = invoice.line_ids.filtered(lambda line: line.charge_type_id == self.ct_liftgate)
        self.assertEqual((liftgate.state, liftgate.approved_amount), ("approved", 75.00))
        self.make_shipment("SHP-RES", weight=412.5)
        csv = self.csv_invoice("INV-D2", [("SHP-RES", "400", 495.00), ("SHP-RES", "RES", 40.00)], self.currency.name)
        self.journal(self.edi_backend, "freight_invoice_csv", csv, key="d2")
        self.assertEqual(self.codes(self.invoices_named("INV-D2")), ["ACCESSORIAL_UNAUTHORISED"])

    def test_shipment_checks(self):
        # Unknown reference, not delivered, POD missing (when required), weight billed above actual + 2 %.
        invoice = self.import_fap("INV-E1", [("NOPE-1", "400", 100.00)])
        self.assertEqual(self.codes(invoice), ["UNMATCHED_SHIPMENT"])
        self.make_shipment("SHP-TRANSIT", weight=412.5, status="in_transit")
        invoice = self.import_fap("INV-E2", [("SHP-TRANSIT", "400", 495.00)])
        self.assertEqual(self.codes(invoice), ["NOT_DELIVERED"])
        self.company.freight_require_pod = True
        self.make_shipment("SHP-NOPOD", weight=412.5, pod_signer=False)
        invoice = self.import_fap("INV-E3", [("SHP-NOPOD", "400", 495.00)])
        self.assertEqual(self.codes(invoice), ["POD_MISSING"])
        self.company.freight_require_pod = False
        # 412.5 kg + 2 % = 420.75 kg: billed 420.75 is fine, 421 is overbilled.
        self.make_shipment("SHP-W1", weight=412.5)
        invoice = self.import_fap("INV-E4", [("SHP-W1", "400", 495.00, 420.75)])
        self.assertEqual(invoice.state, "approved")
        self.make_shipment("SHP-W2", weight=412.5)
        invoice = self.import_fap("INV-E5", [("SHP-W2", "400", 495.00, 421)])
        self.assertEqual(self.codes(invoice), ["WEIGHT_OVERBILLED"])

    def test_currency_and_total_mismatch(self):
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", ("EUR", "USD")), ("id", "!=", self.currency.id)], limit=1)
        )
        other.active = True
        invoice = self.import_fap("INV-F1", [("SHP-A", "400", 495.00)], currency=other.name)
        self.assertEqual(self.codes(invoice), ["CURRENCY_MISMATCH"])
        # The FAP relays a total that is not the sum of the lines: 495.00 + 49.50 = 544.50, total 600.00.
        self.make_shipment("SHP-T", weight=412.5)
        invoice = self.import_fap("INV-F2", [("SHP-T", "400", 495.00), ("SHP-T", "FSC", 49.50)], total="600.00")
        self.assertIn("TOTAL_MISMATCH", invoice.finding_ids.mapped("code"))
        self.assertEqual(invoice.case_ids.reason, "TOTAL_MISMATCH")
        self.assertEqual(invoice.state, "exception")

    def test_carrier_tolerance_overrides_company(self):
        # Carrier tolerance 0 / 0: only exact amounts; 495.01 goes to a case.
        self.env["freight.tolerance"].create(
            {"carrier_partner_id": self.carrier_partner.id, "line_abs": 0.0, "line_percent": 0.0}
        )
        invoice = self.import_fap("INV-G1", [("SHP-A", "400", 495.01)])
        self.assertEqual(self.codes(invoice), ["RATE_VARIANCE"])

    def test_reaudit_after_contract_fix(self):
        self.make_shipment("SHP-H", weight=412.5)
        invoice = self.import_fap("INV-H1", [("SHP-H", "400", 536.25)])
        self.assertEqual(invoice.state, "exception")
        # The contract is corrected (1.30 from 250 kg, 1.40 from 500 kg: 412.5 x 1.30 = 536.25):
        # the audit again approves it and closes the case.
        self.rate_card.break_ids.filtered(lambda b: b.min_kg == 250).rate = 1.30
        self.rate_card.break_ids.filtered(lambda b: b.min_kg == 500).rate = 1.40
        invoice.action_audit()
        self.assertEqual(invoice.state, "approved")
        self.assertEqual(invoice.case_ids.state, "closed")
        self.assertEqual(len(invoice.finding_ids), 0)
