"""Freight bills of a company in a VAT country: a Belgian company on Odoo's Belgian chart of
accounts (``l10n_be``, installed by this addon's manifest). Tax billed by the carrier (FAP JSON
tax lines, X12 210 GST charge, CSV tax column) becomes the bill's tax, never an expense; the
bill's total is the carrier's to the cent, and a difference is an audit finding.

The contract of ``freight_audit/tests/common.py``: SHP-A, 412.5 kg, base 495.00, fuel 10 % 49.50.
VAT 21 %: 495.00 x 21 % = 103.95, 49.50 x 21 % = 10.395 -> 10.40; 114.35 in all; total 658.85.
"""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.freight_audit.tests.common import FreightAuditCommon

BASE_FUEL = [("SHP-A", "400", 495.00, 412.5), ("SHP-A", "FSC", 49.50)]


@tagged("post_install", "-at_install")
class TestFreightVat(FreightAuditCommon, AccountTestInvoicingCommon):
    country_code = "BE"  # the company is created on the Belgian chart of accounts (be_comp)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        env = cls.env
        assert cls.company.chart_template == "be_comp", cls.company.chart_template
        chart = env["account.chart.template"].with_company(cls.company)
        cls.vat21 = chart.ref("attn_VAT-IN-V82-21-S")
        cls.vat6 = chart.ref("attn_VAT-IN-V81-06")  # active (the 6 % services tax is not)
        cls.carrier_partner.country_id = env.ref("base.be")
        for charge_type in (cls.ct_base, cls.ct_fuel, cls.ct_liftgate, cls.ct_detention, cls.ct_residential):
            charge_type.tax_ids = cls.vat21
        cls.product_vat = env["product.product"].create(
            {"name": "VAT billed by carriers", "type": "service", "supplier_taxes_id": [Command.clear()]}
        )
        cls.ct_vat = env["freight.charge.type"].create(
            {
                "name": "VAT",
                "code": "VAT",
                "kind": "tax",
                "product_id": cls.product_vat.id,
                "tax_ids": [Command.set(cls.vat21.ids)],
            }
        )
        env["logistics.code.mapping"].create(
            [
                {
                    "backend_id": backend.id,
                    "mapping_type": "charge_code",
                    "external_code": code,
                    "charge_type_id": cls.ct_vat.id,
                }
                for backend, code in ((cls.fap_backend, "VAT"), (cls.edi_backend, "GST"), (cls.edi_backend, "VAT"))
            ]
        )
        cls.deductible_vat = cls.vat21.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id

    def import_fap(self, number, lines, taxes, total):
        data = self.fap_invoice(number, lines, currency=self.currency.name, total=total, taxes=taxes)
        self.journal(self.fap_backend, "freight_invoice_json", data, key=number)
        return self.invoices_named(number)

    def assert_vat_bill(self, invoice, tax=114.35, total=658.85, taxes=None):
        """The posted bill: the charges on their expense accounts with their taxes, the tax on the
        deductible VAT account (not an expense), the carrier owed the carrier's total."""
        self.assertEqual(invoice.state, "billed", invoice.audit_explanation)
        bill = invoice.vendor_bill_id
        self.assertEqual(bill.state, "posted")
        self.assertRecordValues(bill, [{"amount_untaxed": 544.50, "amount_tax": tax, "amount_total": total}])
        self.assertEqual(bill.amount_total, invoice.amount_total)
        self.assertEqual(bill.invoice_line_ids.tax_ids, taxes or self.vat21)
        self.assertRecordValues(
            bill.invoice_line_ids.sorted("balance"),
            [
                {"account_id": self.account_fuel.id, "balance": 49.50},
                {"account_id": self.account_freight.id, "balance": 495.00},
            ],
        )
        tax_lines = bill.line_ids.filtered("tax_line_id")
        self.assertEqual(tax_lines.tax_line_id, taxes or self.vat21)
        self.assertEqual(tax_lines.account_id.account_type, "asset_current")
        self.assertAlmostEqual(sum(tax_lines.mapped("balance")), tax, places=2)
        payable = bill.line_ids.filtered(lambda line: line.account_type == "liability_payable")
        self.assertEqual(payable.balance, -total)
        self.assertFalse(bill.line_ids.filtered(lambda line: line.product_id == self.product_vat))
        return bill

    def test_fap_tax_lines_become_tax(self):
        invoice = self.import_fap("BE-1", BASE_FUEL, [{"code": "VAT", "amount": "114.35"}], "658.85")
        self.assertEqual(invoice.line_ids.filtered(lambda line: line.charge_kind == "tax").amount, 114.35)
        bill = self.assert_vat_bill(invoice)
        self.assertEqual(bill.line_ids.filtered("tax_line_id").account_id, self.deductible_vat)
        self.assertEqual(bill.fiscal_position_id, invoice._freight_fiscal_position(invoice._freight_fiscal_positions()))

    def test_one_cent_of_tax_difference_is_a_finding(self):
        invoice = self.import_fap("BE-2", BASE_FUEL, [{"code": "VAT", "amount": "114.34"}], "658.84")
        self.assertEqual(invoice.state, "exception")
        self.assertFalse(invoice.vendor_bill_id)
        finding = invoice.finding_ids.filtered(lambda f: f.code == "TAX_MISMATCH")
        self.assertRecordValues(finding, [{"severity": "error", "expected_amount": 114.35, "billed_amount": 114.34}])
        self.assertEqual(finding.line_id.charge_code, "VAT")
        self.assertIn("difference -0.01", finding.message)

    def test_x12_210_gst_charge_becomes_tax(self):
        lines = [("SHP-A", "400", 495.00), ("SHP-A", "FUE", 49.50), ("SHP-A", "GST", 114.35)]
        self.journal(self.edi_backend, "x12_210", self.x12_invoice("BE-3", lines, self.currency.name))
        invoice = self.invoices_named("BE-3")
        self.assertEqual(invoice.line_ids.filtered(lambda line: line.charge_code == "GST").charge_kind, "tax")
        self.assert_vat_bill(invoice)

    def test_csv_tax_column_becomes_tax(self):
        header = "carrier_scac,invoice_number,invoice_date,currency,invoice_total,shipment_reference,charge_code,amount"
        rows = [
            f"{header},billed_weight_kg,tax_code,tax_amount",
            "FFRT,BE-4,2026-01-20,EUR,658.85,SHP-A,400,495.00,412.5,VAT,103.95",
            "FFRT,BE-4,2026-01-20,EUR,658.85,SHP-A,FUE,49.50,,VAT,10.40",
        ]
        self.journal(self.edi_backend, "freight_invoice_csv", ("\n".join(rows) + "\n").encode(), key="be-4")
        invoice = self.invoices_named("BE-4")
        taxes = invoice.line_ids.filtered(lambda line: line.charge_kind == "tax")
        self.assertEqual(sorted(taxes.mapped("amount")), [10.40, 103.95])
        self.assert_vat_bill(invoice)

    def test_fiscal_position_maps_the_taxes(self):
        # A carrier whose fiscal position maps 21 % to 6 %: 495.00 x 6 % = 29.70, 49.50 x 6 % = 2.97.
        position = self.env["account.fiscal.position"].create(
            {
                "name": "Reduced rate",
                "tax_ids": [Command.create({"tax_src_id": self.vat21.id, "tax_dest_id": self.vat6.id})],
            }
        )
        self.carrier_partner.with_company(self.company).property_account_position_id = position
        invoice = self.import_fap("BE-5", BASE_FUEL, [{"code": "VAT", "amount": "32.67"}], "577.17")
        bill = self.assert_vat_bill(invoice, tax=32.67, total=577.17, taxes=self.vat6)
        self.assertEqual(bill.fiscal_position_id, position)

    def test_bill_total_is_checked_at_posting(self):
        self.company.freight_auto_post_bill = False
        invoice = self.import_fap("BE-6", BASE_FUEL, [{"code": "VAT", "amount": "114.35"}], "658.85")
        self.assertEqual((invoice.state, invoice.amount_approved), ("approved", 658.85))
        # The taxes are changed after the approval: the bill would not be the approved amount.
        (self.ct_base | self.ct_fuel | self.ct_vat).tax_ids = self.vat6
        self.company.freight_auto_post_bill = True
        self.env["freight.invoice"]._cron_post_approved()
        self.assertFalse(invoice.vendor_bill_id)
        self.assertEqual(invoice.state, "approved")
        self.assertIn("would total", invoice.posting_error)
        finding = invoice.finding_ids.filtered(lambda f: f.code == "BILL_TOTAL_MISMATCH")
        self.assertRecordValues(finding, [{"expected_amount": 658.85, "billed_amount": 577.17, "severity": "error"}])

    def test_partial_approval_takes_the_tax_of_the_approved_charges(self):
        # Base billed 520.00 against 495.00 contracted: a case. VAT billed on the billed charges:
        # 520.00 x 21 % = 109.20, 49.50 x 21 % = 10.40 -> 119.60; total 689.10. The approver pays
        # the contracted base: the tax becomes that of 495.00 and 49.50, 114.35; the bill 658.85.
        groups = "freight_audit.group_freight_{}"
        auditor = self.make_user("vat_auditor", groups.format("auditor"), self.company)
        approver = self.make_user("vat_approver", groups.format("approver"), self.company)
        lines = [("SHP-A", "400", 520.00, 412.5), ("SHP-A", "FSC", 49.50)]
        invoice = self.import_fap("BE-7", lines, [{"code": "VAT", "amount": "119.60"}], "689.10")
        self.assertEqual(invoice.state, "exception")
        self.assertFalse(invoice.finding_ids.filtered(lambda f: f.code == "TAX_MISMATCH"))
        case = invoice.case_ids
        case.with_user(auditor).action_propose_expected()
        case.with_user(approver).action_approve_partial()
        tax_line = invoice.line_ids.filtered(lambda line: line.charge_kind == "tax")
        self.assertEqual(tax_line.approved_amount, 114.35)
        self.assertEqual(invoice.amount_approved, 658.85)
        bodies = invoice.message_ids.mapped("body")
        self.assertTrue(any("Tax adjusted to the approved charges" in body for body in bodies))
        self.assertEqual(invoice.approval_ids.amount, 658.85)
        self.assertEqual(invoice.state, "billed", invoice.audit_explanation)
        bill = invoice.vendor_bill_id
        self.assertRecordValues(bill, [{"state": "posted", "amount_untaxed": 544.50, "amount_tax": 114.35}])
        self.assertEqual(bill.amount_total, invoice.amount_approved)
        self.assertFalse(invoice.finding_ids.filtered(lambda f: f.code == "BILL_TOTAL_MISMATCH"))
