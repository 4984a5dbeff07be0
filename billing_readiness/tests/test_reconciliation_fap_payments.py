"""The reconciliation's section on payments through the FAP: paid vs funded per currency, the
clearing account, and the differences the FAP's reports left (real payments and bills)."""

import datetime

from odoo.tests import TransactionCase, tagged

from .common import BillingReadinessCommon

FEBRUARY = (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))


@tagged("post_install", "-at_install")
class TestReconciliationFapPayments(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        fap_partner = cls.env["res.partner"].create({"name": "FAP Ltd", "is_company": True})
        cls.company.write({"freight_payment_mode": "fap", "freight_fap_partner_id": fap_partner.id})

    def report_paid(self, fap_id, amount, reference):
        self.journal(
            self.fap_backend,
            "fap_payment_status",
            {"invoice_id": fap_id, "status": "paid", "reference": reference, "amount": amount, "date": "2026-02-10"},
            key=f"pay-{fap_id}",
        )

    def test_fap_payment_section(self):
        invoice = self.carrier_invoice("INV-RF1", [("SHP-A", "400", 495.00)])
        self.assertEqual(invoice.vendor_bill_id.state, "posted")
        self.report_paid(invoice.external_id, "490.00", "PAY-1")  # another amount
        self.report_paid("F-NOPE", "100.00", "PAY-2")  # an unknown bill
        self.env["freight.fap.funding"]._receive_fap_funding(
            self.fap_backend,
            {"id": "FR-1", "date": "2026-02-15", "currency": self.currency.name, "amount": "490.00"},
            "upload",
        )
        self.env["logistics.message"]._process_queue()
        run = self.env["billing.reconciliation.run"]._run(
            self.company, *FEBRUARY, kind="custom", backends=self.env["logistics.backend"]
        )
        lines = run.line_ids.filtered(lambda line: line.section == "fap_payment")
        summary = lines.filtered(lambda line: line.line_type == "summary")
        self.assertEqual(len(summary), 2, summary.mapped("name"))
        paid = summary.filtered(lambda line: self.currency.name in line.name and "funding" in line.name)
        self.assertRecordValues(paid, [{"odoo_value": 490.0, "backend_value": 490.0, "difference": 0.0}])
        clearing = summary - paid
        self.assertEqual(clearing.odoo_value, 0.0, "paid 490.00, funded 490.00: the clearing account is at zero")
        differences = lines.filtered(lambda line: line.line_type == "difference")
        self.assertRecordValues(
            differences.sorted("reference"),
            [
                {"difference_kind": "amount_differs", "reference": invoice.external_id, "backend_value": 490.0},
                {"difference_kind": "missing_in_odoo", "reference": "F-NOPE", "backend_value": 100.0},
            ],
        )
        self.assertEqual(differences.filtered("freight_invoice_ids").freight_invoice_ids, invoice)
