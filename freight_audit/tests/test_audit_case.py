"""Audit cases: segregation of duties, access per group, multi-company, disputes through the FAP."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestAuditCase(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.company.freight_auto_post_bill = False
        groups = "freight_audit.group_freight_{}"
        cls.auditor = cls.make_user("fa_auditor", groups.format("auditor"), cls.company)
        cls.approver = cls.make_user("fa_approver", groups.format("approver"), cls.company)
        cls.approver_2 = cls.make_user("fa_approver2", groups.format("approver"), cls.company)
        cls.manager = cls.make_user("fa_manager", groups.format("manager"), cls.company)

    def setUp(self):
        super().setUp()
        # 500.01 billed vs 495.00 expected: variance 5.01 > limit 5.00 -> a case.
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-C1", [("SHP-A", "400", 520.00)], currency=self.currency.name),
        )
        self.invoice = self.invoices_named("INV-C1")
        self.case = self.invoice.case_ids
        self.assertEqual(self.case.state, "open")

    def test_auditor_cannot_approve(self):
        case = self.case.with_user(self.auditor)
        case.action_start_review()
        case.line_ids.proposed_amount = 495.00
        with self.assertRaises(AccessError):
            case.action_approve_partial()
        self.assertIn(self.auditor, self.case.edited_by_ids)

    def test_approver_cannot_approve_what_they_edited(self):
        case = self.case.with_user(self.approver)
        case.line_ids.proposed_amount = 495.00
        with self.assertRaises(AccessError):
            case.action_approve_partial()
        # Another approver can: partial approval pays the proposed 495.00 of 520.00.
        self.case.with_user(self.approver_2).action_approve_partial()
        self.assertRecordValues(
            self.case,
            [
                {
                    "state": "approved",
                    "approval_type": "partial",
                    "amount_approved": 495.00,
                    "approved_by_id": self.approver_2.id,
                }
            ],
        )
        self.assertEqual(self.invoice.state, "approved")
        self.assertEqual(self.invoice.amount_approved, 495.00)

    def test_threshold_needs_manager(self):
        # Threshold 500.00: approving 520.00 in full needs a Freight Manager.
        self.company.freight_approval_threshold = 500.0
        with self.assertRaises(AccessError):
            self.case.with_user(self.approver).action_approve_full()
        self.case.with_user(self.manager).action_approve_full()
        self.assertEqual(self.case.amount_approved, 520.00)
        self.assertEqual(self.case.approval_type, "full")

    def test_reject(self):
        with self.assertRaises(AccessError):
            self.case.with_user(self.auditor).action_reject()
        self.case.with_user(self.approver).action_reject()
        self.assertEqual(self.invoice.state, "rejected")
        self.assertEqual(self.invoice.amount_approved, 0.0)
        self.assertFalse(self.invoice.vendor_bill_id)

    def test_access_per_group(self):
        Invoice = self.env["freight.invoice"]
        self.assertTrue(Invoice.with_user(self.auditor).search([("id", "=", self.invoice.id)]))
        with self.assertRaises(AccessError):
            self.rate_card.with_user(self.auditor).write({"minimum_charge": 1.0})
        with self.assertRaises(AccessError):
            self.rate_card.with_user(self.approver).write({"minimum_charge": 1.0})
        self.rate_card.with_user(self.manager).write({"minimum_charge": 150.0})
        outsider = new_test_user(self.env, "fa_outsider", groups="base.group_user", company_id=self.company.id)
        with self.assertRaises(AccessError):
            Invoice.with_user(outsider).search([])
        with self.assertRaises(AccessError):
            self.case.with_user(outsider).read(["state"])

    def test_multi_company_rule(self):
        other = self.setup_other_company()["company"]
        other_invoice = self.env["freight.invoice"].create(
            {
                "name": "OTHER-1",
                "company_id": other.id,
                "carrier_partner_id": self.carrier_partner.id,
                "currency_id": other.currency_id.id,
                "amount_total": 10.0,
            }
        )
        as_auditor = self.env["freight.invoice"].with_user(self.auditor)
        self.assertFalse(as_auditor.search([("id", "=", other_invoice.id)]))
        self.assertTrue(as_auditor.search([("id", "=", self.invoice.id)]))

    def test_dispute_through_fap_and_answer(self):
        case = self.case.with_user(self.auditor)
        case.dispute_text = "Contract rate is 1.20/kg: 495.00."
        case.action_dispute()
        self.assertEqual(self.case.state, "disputed")
        message = self.case.dispute_message_id
        self.assertEqual((message.direction, message.message_type), ("outbound", "fap_dispute"))
        self.env["logistics.message"]._process_queue()
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(self.case.dispute_reference, "D-1")
        posted = self.fap.requests_to("POST", "/invoices/F-INV-C1/disputes")
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted[0][2].get("Idempotency-Key"), message.idempotency_key)
        # Replaying the dispute sends the same idempotency key: the FAP keeps one dispute.
        message.sudo().state = "failed"
        message.action_replay()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(len(self.fap.state.disputes), 1)
        # The carrier answers; the poll records it and the case goes back to review.
        self.assertEqual(self.fap_backend._cron_fap_dispute_answers(), 0)
        self.fap.answer_dispute("D-1", "Agreed, credit note of 25.00 follows.")
        self.assertEqual(self.fap_backend._cron_fap_dispute_answers(), 1)
        self.env["logistics.message"]._process_queue()
        self.assertEqual(self.case.carrier_answer, "Agreed, credit note of 25.00 follows.")
        self.assertEqual(self.case.state, "in_review")
        # The auditor who sent the dispute edited the case; an approver decides.
        self.case.with_user(self.approver).action_approve_partial()
        self.assertEqual(self.case.amount_approved, 495.00)
