"""Credit notes of VAT bills (issue 14): a Belgian company on Odoo's Belgian chart of accounts.
A credit takes back its share of the VAT the bill charged: the credit note carries the bill's
taxes, its VAT is on the deductible VAT account, and its total is the carrier's to the cent.

SHP-A: base 495.00, fuel 49.50, VAT 21 %: 114.35; the bill 658.85. Credits of 10.00 fuel:
10.00 + 2.10 VAT = 12.10.
"""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.freight_audit.tests.common import FreightAuditCommon

BASE_FUEL = [("SHP-A", "400", 495.00, 412.5), ("SHP-A", "FSC", 49.50)]


@tagged("post_install", "-at_install")
class TestFreightVatCredits(FreightAuditCommon, AccountTestInvoicingCommon):
    country_code = "BE"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        env = cls.env
        cls.vat21 = env["account.chart.template"].with_company(cls.company).ref("attn_VAT-IN-V82-21-S")
        cls.carrier_partner.country_id = env.ref("base.be")
        for charge_type in (cls.ct_base, cls.ct_fuel):
            charge_type.tax_ids = cls.vat21
        product_vat = env["product.product"].create(
            {"name": "VAT billed by carriers", "type": "service", "supplier_taxes_id": [Command.clear()]}
        )
        cls.ct_vat = env["freight.charge.type"].create(
            {
                "name": "VAT",
                "code": "VAT",
                "kind": "tax",
                "product_id": product_vat.id,
                "tax_ids": [Command.set(cls.vat21.ids)],
            }
        )
        env["logistics.code.mapping"].create(
            {
                "backend_id": cls.fap_backend.id,
                "mapping_type": "charge_code",
                "external_code": "VAT",
                "charge_type_id": cls.ct_vat.id,
            }
        )
        cls.deductible_vat = cls.vat21.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id

    def receive(self, number, lines, vat, total, key=None, **extra):
        data = self.fap_invoice(
            number, lines, currency=self.currency.name, total=total, taxes=[{"code": "VAT", "amount": vat}], **extra
        )
        self.journal(self.fap_backend, "freight_invoice_json", data, key=key or number)
        return self.invoices_named(number)

    def assert_vat_credit(self, credit, bill, residual):
        move = credit.move_id
        self.assertRecordValues(
            move,
            [
                {
                    "move_type": "in_refund",
                    "state": "posted",
                    "amount_untaxed": 10.00,
                    "amount_tax": 2.10,
                    "amount_total": 12.10,
                }
            ],
        )
        self.assertEqual(move.invoice_line_ids.tax_ids, self.vat21)
        self.assertEqual(move.invoice_line_ids.account_id, self.account_fuel)
        tax_line = move.line_ids.filtered("tax_line_id")
        self.assertEqual(tax_line.account_id, self.deductible_vat)
        self.assertAlmostEqual(tax_line.balance, -2.10, places=2)
        self.assertEqual(bill.amount_residual, residual)

    def test_credit_memo_with_vat(self):
        invoice = self.receive("BE-C1", BASE_FUEL, "114.35", "658.85")
        bill = invoice.vendor_bill_id
        self.assertRecordValues(bill, [{"state": "posted", "amount_total": 658.85}])
        self.receive(
            "BE-CM1",
            [("SHP-A", "FSC", -10.00)],
            "-2.10",
            "-12.10",
            type="credit_memo",
            original_invoice_number="BE-C1",
        )
        self.assert_vat_credit(invoice.credit_note_ids, bill, 646.75)

    def test_lowering_revision_with_vat(self):
        invoice = self.receive("BE-R1", BASE_FUEL, "114.35", "658.85", fap_id="F-BE-R1")
        bill = invoice.vendor_bill_id
        # Revision 2: fuel 39.50, VAT 103.95 + 8.30 = 112.25, total 646.75.
        lowered = [("SHP-A", "400", 495.00, 412.5), ("SHP-A", "FSC", 39.50)]
        self.receive("BE-R1", lowered, "112.25", "646.75", fap_id="F-BE-R1", revision=2, key="BE-R1:2")
        self.assert_vat_credit(invoice.credit_note_ids, bill, 646.75)
