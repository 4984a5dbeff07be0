"""Tax billed by carriers, plain Python: the engine's tax check (to the cent) and the tax lines of
the FAP JSON and CSV readers. The accounting side (real bills on a real chart of accounts) is
tested in ``test_taxes_currencies.py`` and the end-to-end addon's ``test_freight_vat.py``."""

from decimal import Decimal as D

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..formats.csv_invoice import parse_csv
from ..formats.fap_json import parse_fap_invoice
from ..services import audit
from ..services.audit_inputs import DuplicateIndex, InvoiceIn, LineIn
from .test_audit_engine import make_contracts, make_facts, make_settings

# 475.00 base + 59.38 fuel = 534.38; 21 % VAT = 112.22 (112.2198)
LINES = [("SHP1", "400", D("475.00")), ("SHP1", "FSC", D("59.38")), ("SHP1", "VAT", D("112.22"))]


def invoice_of(lines, expected_tax=None, number="INV-T1"):
    lines = [LineIn(*line) for line in lines]
    total = sum((line.amount for line in lines), D(0))
    return InvoiceIn("ACME", number, "EUR", total, lines, expected_tax=expected_tax)


@tagged("post_install", "-at_install")
class TestTaxCheck(BaseCase):
    def run_audit(self, invoice, duplicates=None):
        return audit.audit_invoice(
            invoice, {"SHP1": make_facts()}.get, duplicates or DuplicateIndex(), make_contracts(), make_settings()
        )

    def test_tax_equal_to_the_cent_is_approved(self):
        result = self.run_audit(invoice_of(LINES, expected_tax=D("112.22")))
        self.assertEqual((result.status, result.codes), ("approved", ()))
        self.assertEqual(result.expected_total, D("646.60"))

    def test_one_cent_of_difference_is_a_finding(self):
        result = self.run_audit(invoice_of(LINES, expected_tax=D("112.21")))
        self.assertEqual((result.status, result.codes), ("exception", ("TAX_MISMATCH",)))
        tax = result.line_results[2]
        self.assertEqual((tax.expected, tax.variance), (D("112.21"), D("0.01")))
        self.assertEqual(
            tax.findings[0].message,
            "Tax billed 112.22 is not the tax computed on the charges 112.21 (difference +0.01)",
        )

    def test_tax_missing_on_the_invoice(self):
        result = self.run_audit(invoice_of(LINES[:2], expected_tax=D("112.22")))
        self.assertEqual(result.codes, ("TAX_MISMATCH",))
        finding = result.invoice_findings[0]
        self.assertEqual((finding.expected, finding.billed), (D("112.22"), D("0")))

    def test_not_checked_without_expected_tax(self):
        self.assertEqual(self.run_audit(invoice_of(LINES)).status, "approved")

    def test_tax_is_never_a_duplicate_charge(self):
        duplicates = DuplicateIndex()
        duplicates.add_invoice_in(invoice_of(LINES, number="INV-T0"))
        result = self.run_audit(invoice_of([("SHP1", "LIFT", D("75.00")), ("SHP1", "VAT", D("15.75"))]), duplicates)
        self.assertEqual(result.codes, ())


@tagged("post_install", "-at_install")
class TestTaxLinesOfFormats(BaseCase):
    def test_fap_tax_lines(self):
        data = {
            "id": "F-9",
            "carrier_scac": "FFRT",
            "invoice_number": "INV-9",
            "invoice_date": "2026-01-20",
            "currency": "EUR",
            "total": "658.85",
            "lines": [
                {"shipment_reference": "SHP-A", "charge_code": "400", "amount": "495.00"},
                {"shipment_reference": "SHP-A", "charge_code": "FSC", "amount": "49.50"},
                {"shipment_reference": "SHP-A", "charge_code": "VATL", "amount": "100.00", "is_tax": True},
            ],
            "taxes": [{"code": "VAT", "amount": "14.35"}],
        }
        parsed = parse_fap_invoice(data)
        kinds = [(line["charge_code"], line.get("charge_kind"), line["amount"]) for line in parsed["lines"]]
        self.assertEqual(
            kinds,
            [
                ("400", None, D("495.00")),
                ("FSC", None, D("49.50")),
                ("VATL", "tax", D("100.00")),
                ("VAT", "tax", D("14.35")),
            ],
        )
        self.assertEqual(parsed["lines"][3]["shipment_reference"], "SHP-A")
        self.assertEqual(parsed["lines"][3]["sequence"], 4)
        with self.assertRaises(ParseError):
            parse_fap_invoice(dict(data, taxes=[{"amount": "1.00"}]))
        with self.assertRaises(ParseError):
            parse_fap_invoice(dict(data, taxes="VAT"))

    def test_csv_tax_column(self):
        text = (
            "carrier_scac,invoice_number,invoice_date,currency,invoice_total,shipment_reference,charge_code,amount,"
            "tax_code,tax_amount\n"
            "FFRT,INV-C,2026-01-20,EUR,658.85,SHP-A,400,495.00,VAT,103.95\n"
            "FFRT,INV-C,2026-01-20,EUR,658.85,SHP-A,FSC,49.50,,10.40\n"
            "FFRT,INV-C,2026-01-20,EUR,658.85,SHP-A,LFT,0.00,,\n"
        )
        (invoice,) = parse_csv(text)
        rows = [(x["sequence"], x["charge_code"], x.get("charge_kind"), x["amount"]) for x in invoice["lines"]]
        self.assertEqual(
            rows,
            [
                (1, "400", None, D("495.00")),
                (2, "VAT", "tax", D("103.95")),
                (3, "FSC", None, D("49.50")),
                (4, "TAX", "tax", D("10.40")),
                (5, "LFT", None, D("0.00")),
            ],
        )
        # The total is the charges and their tax.
        with self.assertRaises(ParseError) as caught:
            parse_csv(text.replace("658.85", "544.50"))
        self.assertIn("is not the sum of its amounts 658.85 (3 rows)", str(caught.exception))
