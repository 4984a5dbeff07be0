"""Credit notes: carrier credit memos, FAP revisions, disputes settled after approval.

Real accounting: posted moves, payable lines reconciled, amounts to the cent (the contract of
``common.py``: SHP-A, 412.5 kg, base 495.00 expected, fuel 10 % = 49.50)."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestCreditNotes(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        groups = "freight_audit.group_freight_{}"
        cls.auditor = cls.make_user("cn_auditor", groups.format("auditor"), cls.company)
        cls.approver = cls.make_user("cn_approver", groups.format("approver"), cls.company)

    def import_fap(self, number, lines, key=None, **kw):
        kw.setdefault("currency", self.currency.name)
        self.journal(self.fap_backend, "freight_invoice_json", self.fap_invoice(number, lines, **kw), key=key or number)
        return self.invoices_named(number)

    def assert_cents(self, first, second, msg=None):
        self.assertEqual(self.currency.compare_amounts(first, second), 0, msg or f"{first} != {second}")

    def payable(self, move):
        return move.line_ids.filtered(lambda line: line.account_id.account_type == "liability_payable")

    def assert_credit_note(self, credit, amount, bill, bill_residual):
        move = credit.move_id
        self.assertRecordValues(
            move,
            [
                {
                    "move_type": "in_refund",
                    "state": "posted",
                    "freight_credit_id": credit.id,
                    "reversed_entry_id": bill.id,
                }
            ],
        )
        self.assertEqual(move.freight_credited_invoice_id, credit.invoice_id)
        self.assert_cents(move.amount_total, amount)
        self.assert_cents(self.payable(move).balance, amount)  # a debit on the payable
        self.assertTrue(self.payable(move).reconciled)
        self.assertEqual(self.payable(move).matched_credit_ids.credit_move_id.move_id, bill)
        self.assert_cents(bill.amount_residual, bill_residual)

    # ------------------------------------------------------------------
    def test_credit_memo_after_the_bill(self):
        invoice = self.import_fap("INV-CM1", [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)])
        bill = invoice.vendor_bill_id
        self.assertEqual((invoice.state, bill.state), ("billed", "posted"))
        self.assert_cents(bill.amount_total, 544.50)
        # The carrier credits 10.00 of fuel: a negative invoice naming the original.
        memo = self.fap_invoice("CM-77", [("SHP-A", "FSC", -10.00)], currency=self.currency.name)
        memo["original_invoice_number"] = "INV-CM1"
        self.journal(self.fap_backend, "freight_invoice_json", memo, key="CM-77")
        self.assertFalse(self.invoices_named("CM-77"), "a credit memo is not a carrier invoice to pay")
        credit = invoice.credit_note_ids
        self.assertRecordValues(credit, [{"origin": "memo", "state": "credited", "reference": "CM-77", "amount": 10.0}])
        self.assert_credit_note(credit, 10.00, bill, 534.50)
        self.assertEqual(credit.move_id.invoice_line_ids.account_id, self.account_fuel)
        # Received again (another journal key, another channel): no second credit note.
        self.journal(self.fap_backend, "freight_invoice_json", memo, key="CM-77-again")
        self.assertEqual(len(invoice.credit_note_ids), 1)
        self.assertEqual(self.env["account.move"].search_count([("freight_credit_id", "!=", False)]), 1)

    def test_credit_memo_before_the_invoice(self):
        memo = self.fap_invoice("CM-78", [("SHP-A", "400", 20.00)], currency=self.currency.name, type="credit_memo")
        memo["original_invoice_number"] = "INV-CM2"
        self.journal(self.fap_backend, "freight_invoice_json", memo, key="CM-78")
        credit = self.env["freight.credit.note"].search([("reference", "=", "CM-78")])
        self.assertRecordValues(credit, [{"state": "pending", "invoice_id": False, "amount": 20.0}])
        invoice = self.import_fap("INV-CM2", [("SHP-A", "400", 495.00)])
        self.assertEqual(credit.invoice_id, invoice)
        self.assertEqual(credit.state, "credited")
        self.assert_credit_note(credit, 20.00, invoice.vendor_bill_id, 475.00)
        # Posting the pending credits again changes nothing.
        credit.sudo()._try_post()
        self.env["freight.credit.note"].sudo()._post_pending_for(invoice)
        self.assertEqual(self.env["account.move"].search_count([("freight_credit_id", "=", credit.id)]), 1)

    def test_revision_lowering_then_raising(self):
        lines = [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)]
        invoice = self.import_fap("INV-RV1", lines, fap_id="F-RV1")
        bill = invoice.vendor_bill_id
        # Revision 2 lowers the fuel to 40.00: a credit note of 9.50 on the fuel account.
        rev2 = [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 40.00)]
        self.import_fap("INV-RV1", rev2, fap_id="F-RV1", revision=2, key="F-RV1:2")
        credit = invoice.credit_note_ids
        self.assertRecordValues(credit, [{"origin": "revision", "state": "credited", "amount": 9.5}])
        self.assert_credit_note(credit, 9.50, bill, 535.00)
        self.assertEqual(credit.move_id.invoice_line_ids.account_id, self.account_fuel)
        # The same revision again (a replayed poll): nothing more.
        self.import_fap("INV-RV1", rev2, fap_id="F-RV1", revision=2, key="F-RV1:2-again")
        self.assertEqual(len(invoice.credit_note_ids), 1)
        # Revision 3 raises the base to 499.00 (inside the 5.00 tolerance): a new version,
        # audited in full, billed for the 4.00 difference only.
        rev3 = [("SHP-A", "400", 499.00), ("SHP-A", "FSC", 40.00)]
        self.import_fap("INV-RV1", rev3, fap_id="F-RV1", revision=3, key="F-RV1:3")
        version = self.invoices_named("INV-RV1 R3")
        self.assertRecordValues(version, [{"revision_of_id": invoice.id, "state": "billed", "fap_revision": 3}])
        self.assertFalse(version.finding_ids.filtered(lambda f: f.code == "DUPLICATE_CHARGE"))
        self.assert_cents(version.amount_approved, 539.00)
        version_bill = version.vendor_bill_id
        self.assertEqual(version_bill.state, "posted")
        self.assert_cents(version_bill.amount_total, 4.00)
        self.assertEqual(version_bill.invoice_line_ids.account_id, self.account_freight)
        # What we owe the carrier in all: 544.50 - 9.50 + 4.00 = 539.00, the latest revision.
        moves = bill | credit.move_id | version_bill
        self.assert_cents(-sum(self.payable(moves).mapped("balance")), 539.00)
        self.assertEqual(invoice.state, "billed", "the first version stays billed")

    def test_revision_before_billing_is_re_audited(self):
        # 600.00 billed for 495.00 expected: an audit case, no bill.
        invoice = self.import_fap("INV-RV2", [("SHP-A", "400", 600.00)], fap_id="F-RV2")
        self.assertEqual(invoice.state, "exception")
        case = invoice.case_ids
        self.import_fap("INV-RV2", [("SHP-A", "400", 495.00)], fap_id="F-RV2", revision=2, key="F-RV2:2")
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(case.state, "closed")
        version = self.invoices_named("INV-RV2 R2")
        self.assertEqual(version.state, "billed")
        self.assert_cents(version.vendor_bill_id.amount_total, 495.00)
        self.assertFalse(invoice.credit_note_ids)

    def test_dispute_settled_after_approval(self):
        invoice = self.import_fap("INV-DS1", [("SHP-A", "400", 520.00)], fap_id="F-DS1")
        case = invoice.case_ids
        case.with_user(self.auditor).write({"dispute_text": "Contract rate is 1.20/kg: 495.00."})
        case.with_user(self.auditor).action_dispute()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(case.dispute_reference, "D-1")
        # The approver pays the carrier as billed, on time, while the dispute runs.
        case.with_user(self.approver).action_approve_full()
        bill = invoice.vendor_bill_id
        self.assertEqual(bill.state, "posted")
        self.assert_cents(bill.amount_total, 520.00)
        # The carrier agrees: 25.00 back.
        self.fap.answer_dispute("D-1", "Agreed, 25.00 credited.", outcome="accepted", credit_amount="25.00")
        self.assertEqual(self.fap_backend._cron_fap_dispute_answers(), 1)
        self.env["logistics.message"]._process_queue()
        credit = case.credit_note_ids
        self.assertRecordValues(credit, [{"origin": "dispute", "invoice_id": invoice.id, "amount": 25.0}])
        self.assert_credit_note(credit, 25.00, bill, 495.00)
        # The same answer polled again: no second credit note.
        self.fap_backend._cron_fap_dispute_answers()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(len(invoice.credit_note_ids), 1)
        self.assertEqual(self.env["account.move"].search_count([("freight_credit_id", "=", credit.id)]), 1)

    def test_credit_memo_by_csv_and_x12_credits_the_shipments_bill(self):
        invoice = self.import_fap("INV-CM4", [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)])
        bill = invoice.vendor_bill_id
        # A negative CSV invoice that names no original: it credits the carrier's bill of SHP-A.
        body = self.csv_invoice("CM-CSV1", [("SHP-A", "400", -12.00)], self.currency.name)
        self.journal(self.edi_backend, "freight_invoice_csv", body, key="cm-csv1")
        self.assertFalse(self.invoices_named("CM-CSV1"))
        credit = invoice.credit_note_ids
        self.assertRecordValues(credit, [{"reference": "CM-CSV1", "state": "credited"}])
        self.assert_credit_note(credit, 12.00, bill, 532.50)
        # A negative X12 210 (a correction): the same.
        body = self.x12_invoice("CM-X12", [("SHP-A", "FUE", -4.50)], self.currency.name, control=9)
        self.journal(self.edi_backend, "x12_210", body, key="cm-x12")
        credit = invoice.credit_note_ids.filtered(lambda c: c.reference == "CM-X12")
        self.assert_credit_note(credit, 4.50, bill, 528.00)
        self.assertEqual(credit.move_id.invoice_line_ids.account_id, self.account_fuel)

    def test_credits_are_not_written_by_hand(self):
        invoice = self.import_fap("INV-CM3", [("SHP-A", "400", 495.00)])
        memo = self.fap_invoice("CM-79", [("SHP-A", "400", -5.00)], currency=self.currency.name)
        memo["original_invoice_number"] = "INV-CM3"
        self.journal(self.fap_backend, "freight_invoice_json", memo, key="CM-79")
        credit = invoice.credit_note_ids
        with self.assertRaises(AccessError):
            credit.with_user(self.approver).write({"amount": 1.0})
        with self.assertRaises(AccessError):
            credit.move_id.with_user(self.approver).write({"freight_credit_id": False})
