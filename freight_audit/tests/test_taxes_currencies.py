"""Taxes of a US company without sales tax; tolerances and caps of another currency converted at the
invoice date with Odoo's rates. Real posted bills, amounts to the cent.

The VAT case (a Belgian company on Odoo's Belgian chart of accounts) is in the end-to-end addon
(``logistics_suite_e2e/tests/test_freight_vat.py``), which installs ``l10n_be``.
"""

import datetime

from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestUsCompanyNoSalesTax(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        usa = cls.env.ref("base.us")
        cls.company.account_fiscal_country_id = usa
        cls.carrier_partner.country_id = usa
        # A tax charge type without a tax: a US carrier billing "sales tax" on freight is a finding.
        cls.product_tax = cls.env["product.product"].create(
            {"name": "Tax billed by a carrier", "type": "service", "supplier_taxes_id": [Command.clear()]}
        )
        cls.ct_tax = cls.env["freight.charge.type"].create(
            {"name": "Sales tax", "code": "STX", "kind": "tax", "product_id": cls.product_tax.id}
        )
        cls.env["logistics.code.mapping"].create(
            {
                "backend_id": cls.fap_backend.id,
                "mapping_type": "charge_code",
                "external_code": "STX",
                "charge_type_id": cls.ct_tax.id,
            }
        )

    def import_fap(self, number, lines, **kw):
        kw.setdefault("currency", self.currency.name)
        self.journal(self.fap_backend, "freight_invoice_json", self.fap_invoice(number, lines, **kw), key=number)
        return self.invoices_named(number)

    def test_default_taxes_are_the_products_vendor_taxes(self):
        product = self.env["product.product"].create(
            {"name": "Taxed freight", "type": "service", "supplier_taxes_id": [Command.set(self.tax_purchase_a.ids)]}
        )
        form = Form(self.env["freight.charge.type"])
        form.name = "Taxed base"
        form.code = "TXB"
        form.kind = "base"
        form.product_id = product
        charge_type = form.save()
        self.assertEqual(charge_type.tax_ids, self.tax_purchase_a)
        # Mapped by the carrier's fiscal position.
        position = self.env["account.fiscal.position"].create(
            {
                "name": "Carrier abroad",
                "tax_ids": [
                    Command.create({"tax_src_id": self.tax_purchase_a.id, "tax_dest_id": self.tax_purchase_b.id})
                ],
            }
        )
        self.assertEqual(charge_type._purchase_taxes(position), self.tax_purchase_b)

    def test_bill_without_tax_equals_carrier_total(self):
        # The products of the charge types carry the chart's default vendor tax; the charge types
        # (created without taxes) do not: a US freight bill has no tax.
        self.assertTrue(self.product_freight.supplier_taxes_id)
        self.assertFalse(self.ct_base.tax_ids)
        invoice = self.import_fap(
            "US-1", [("SHP-A", "400", 495.00, 412.5), ("SHP-A", "FSC", 49.50), ("SHP-A", "LFT", 35.00)]
        )
        self.assertEqual(invoice.state, "billed")
        self.assertFalse(invoice.finding_ids.filtered(lambda f: f.code == "TAX_MISMATCH"))
        bill = invoice.vendor_bill_id
        self.assertEqual(bill.state, "posted")
        self.assertFalse(bill.line_ids.filtered("tax_line_id"))
        self.assertFalse(bill.invoice_line_ids.tax_ids)
        self.assertRecordValues(bill, [{"amount_untaxed": 579.50, "amount_tax": 0.0, "amount_total": 579.50}])
        self.assertEqual(bill.amount_total, invoice.amount_total)
        payable = bill.line_ids.filtered(lambda line: line.account_type == "liability_payable")
        self.assertEqual(payable.balance, -579.50)

    def test_tax_billed_without_a_tax_is_a_finding(self):
        invoice = self.import_fap("US-2", [("SHP-A", "400", 495.00, 412.5), ("SHP-A", "STX", 10.00)])
        self.assertEqual(invoice.state, "exception")
        self.assertFalse(invoice.vendor_bill_id)
        finding = invoice.finding_ids.filtered(lambda f: f.code == "TAX_MISMATCH")
        self.assertEqual(len(finding), 1)
        self.assertRecordValues(finding, [{"severity": "error", "expected_amount": 0.0, "billed_amount": 10.0}])
        self.assertEqual(finding.line_id.charge_code, "STX")
        self.assertIn("Tax billed 10.00 is not the tax computed on the charges 0.00", finding.message)
        # The base freight is not held by the tax: only the tax line is in the audit case.
        self.assertEqual(invoice.case_ids.line_ids, finding.line_id)

    def test_tax_line_must_map_to_a_tax_charge_type(self):
        data = self.fap_invoice("US-3", [("SHP-A", "400", 495.00, 412.5)], currency=self.currency.name)
        data["lines"].append({"shipment_reference": "SHP-A", "charge_code": "LFT", "amount": "10.00", "is_tax": True})
        data["total"] = "505.00"
        messages, _dup = self.journal(self.fap_backend, "freight_invoice_json", data, key="US-3")
        self.assertEqual(messages.state, "failed")
        self.assertIn("tax line LFT is not mapped to a Tax charge type", messages.last_error)
        self.assertFalse(self.invoices_named("US-3"))


@tagged("post_install", "-at_install")
class TestForeignCurrencyTolerances(FreightAuditCommon, AccountTestInvoicingCommon):
    """The company's tolerances (5.00 or 1 %) and the detention cap (100.00) are in the company's
    currency; the invoices and the rate card are in another currency, worth 2.0 per unit of the
    company's currency in January 2026 and 4.0 from February: 5.00 -> 10.00, 100.00 -> 200.00 in
    January, 400.00 in February."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        code = "EUR" if cls.currency.name != "EUR" else "USD"
        cls.other = cls.setup_other_currency(code, rates=[("2026-01-01", 2.0), ("2026-02-01", 4.0)])
        cls.rate_card.currency_id = cls.other

    def import_fap(self, number, lines, **kw):
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice(number, lines, currency=self.other.name, **kw),
            key=number,
        )
        return self.invoices_named(number)

    def test_absolute_tolerance_converted(self):
        # Expected 495.00 (412.5 kg x 1.20); billed 504.00: +9.00, inside 10.00 (5.00 at 2.0), not inside 5.00.
        invoice = self.import_fap("FX-1", [("SHP-A", "400", 504.00, 412.5)])
        self.assertEqual(invoice.audit_status, "approved")
        self.assertIn("(limit 10.00)", invoice.line_ids.explanation)
        self.assertEqual(invoice.state, "billed")
        bill = invoice.vendor_bill_id
        self.assertRecordValues(bill, [{"currency_id": self.other.id, "amount_total": 504.00, "state": "posted"}])
        payable = bill.line_ids.filtered(lambda line: line.account_type == "liability_payable")
        self.assertRecordValues(payable, [{"amount_currency": -504.00, "balance": -252.00}])

    def test_absolute_tolerance_converted_outside(self):
        invoice = self.import_fap("FX-2", [("SHP-A", "400", 506.00, 412.5)])
        self.assertEqual(invoice.state, "exception")
        finding = invoice.finding_ids.filtered(lambda f: f.code == "RATE_VARIANCE")
        self.assertIn("variance +11.00", finding.message)
        self.assertIn("(limit 10.00)", finding.message)

    def test_cap_converted(self):
        invoice = self.import_fap("FX-3", [("SHP-A", "400", 495.00, 412.5), ("SHP-A", "DET", 180.00)])
        self.assertEqual(invoice.audit_status, "approved")  # 180.00 is within 200.00 (100.00 at 2.0)
        self.make_shipment("SHP-B", weight=412.5)
        over = self.import_fap("FX-4", [("SHP-B", "400", 495.00, 412.5), ("SHP-B", "DET", 230.00)])
        finding = over.finding_ids.filtered(lambda f: f.code == "ACCESSORIAL_OVER_LIMIT")
        self.assertRecordValues(finding, [{"expected_amount": 200.00, "billed_amount": 230.00}])
        self.assertIn("authorised 200.00", finding.message)

    def test_rate_of_the_invoice_date(self):
        # Invoiced in February: 100.00 at 4.0 = 400.00.
        self.make_shipment("SHP-F", weight=412.5)
        invoice = self.import_fap(
            "FX-5",
            [("SHP-F", "400", 495.00, 412.5), ("SHP-F", "DET", 380.00)],
            invoice_date=str(datetime.date(2026, 2, 10)),
        )
        self.assertFalse(invoice.finding_ids.filtered(lambda f: f.code == "ACCESSORIAL_OVER_LIMIT"))
        self.assertEqual(invoice.line_ids.filtered(lambda line: line.charge_code == "DET").expected_amount, 380.00)
