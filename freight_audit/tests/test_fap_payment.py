"""Payment through the FAP, against the loopback FAP: the FAP's 'paid' settles the carrier's bill
from the FAP clearing journal (once), its funding request is one bill to the FAP on the
clearing account, which nets to zero; differences are recorded. Real accounting throughout."""

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon


@tagged("post_install", "-at_install")
class TestFapPayment(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.shipment_b = cls.make_shipment("SHP-B", weight=412.5)
        cls.fap_partner = cls.env["res.partner"].create({"name": "Loopback FAP Ltd", "is_company": True})
        cls.company.write({"freight_payment_mode": "fap", "freight_fap_partner_id": cls.fap_partner.id})

    def import_fap(self, number, lines):
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice(number, lines, currency=self.currency.name),
            key=number,
        )
        return self.invoices_named(number)

    def poll_payments(self):
        self.fap_backend._cron_fap_payment_status()
        self.env["logistics.message"]._process_queue()

    def assert_cents(self, first, second):
        self.assertEqual(self.currency.compare_amounts(first, second), 0, f"{first} != {second}")

    def clearing_balance(self):
        account = self.company.freight_fap_journal_id.default_account_id
        lines = self.env["account.move.line"].search([("account_id", "=", account.id), ("parent_state", "=", "posted")])
        return sum(lines.mapped("balance"))

    def payable_balance(self, partner):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_id.account_type", "=", "liability_payable"),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def test_paid_by_the_fap_then_funded(self):
        first = self.import_fap("INV-FP1", [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)])
        second = self.import_fap("INV-FP2", [("SHP-B", "400", 495.00)])
        self.assertEqual((first.vendor_bill_id.state, second.vendor_bill_id.state), ("posted", "posted"))
        # Billed, not paid: the carrier is owed both bills.
        self.assert_cents(self.payable_balance(self.carrier_partner), -1039.50)
        # The FAP pays the first bill in full, the second for 490.00 only.
        self.fap.set_payment("F-INV-FP1", "paid", date="2026-02-10", reference="PAY-1", amount="544.50")
        self.fap.set_payment("F-INV-FP2", "paid", date="2026-02-10", reference="PAY-2", amount="490.00")
        self.poll_payments()
        journal = self.company.freight_fap_journal_id
        self.assertEqual(journal.type, "bank")
        payment = first.fap_payment_id
        self.assertRecordValues(
            payment,
            [
                {
                    "journal_id": journal.id,
                    "partner_id": self.carrier_partner.id,
                    "payment_type": "outbound",
                    "memo": "PAY-1",
                    "freight_fap_invoice_id": first.id,
                    "date": fields.Date.to_date("2026-02-10"),
                }
            ],
        )
        self.assert_cents(payment.amount, 544.50)
        self.assertEqual(first.vendor_bill_id.payment_state, "paid")
        self.assert_cents(first.vendor_bill_id.amount_residual, 0.0)
        self.assert_cents(second.fap_payment_id.amount, 490.00)
        self.assert_cents(second.vendor_bill_id.amount_residual, 5.00)
        difference = self.env["freight.fap.difference"].search([("invoice_id", "=", second.id)])
        self.assertRecordValues(difference, [{"kind": "amount", "amount_expected": 495.0, "amount_reported": 490.0}])
        self.assert_cents(self.clearing_balance(), -1034.50)
        # Reported again (polled again, the message replayed): still one payment each.
        self.poll_payments()
        message = self.env["logistics.message"].search(
            [("message_type", "=", "fap_payment_status"), ("payload", "ilike", "PAY-1")], limit=1
        )
        message.sudo().state = "failed"
        message.action_replay()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(self.env["account.payment"].search_count([("freight_fap_invoice_id", "=", first.id)]), 1)
        self.assertEqual(len(self.env["freight.fap.difference"].search([("invoice_id", "=", second.id)])), 1)
        # The FAP asks to be funded for what it paid: one bill to the FAP on the clearing account.
        self.fap.add_funding(
            {
                "id": "FR-1",
                "date": "2026-02-15",
                "currency": self.currency.name,
                "amount": "1034.50",
                "payments": [
                    {"invoice_id": "F-INV-FP1", "reference": "PAY-1", "amount": "544.50"},
                    {"invoice_id": "F-INV-FP2", "reference": "PAY-2", "amount": "490.00"},
                ],
            }
        )
        self.assertEqual(self.fap_backend._cron_fap_funding(), 1)
        self.env["logistics.message"]._process_queue()
        funding = self.env["freight.fap.funding"].search([("name", "=", "FR-1")])
        bill = funding.bill_id
        self.assertRecordValues(
            bill, [{"move_type": "in_invoice", "partner_id": self.fap_partner.id, "state": "posted", "ref": "FR-1"}]
        )
        self.assert_cents(bill.amount_total, 1034.50)
        self.assertEqual(bill.invoice_line_ids.account_id, journal.default_account_id)
        self.assert_cents(self.clearing_balance(), 0.0)
        self.assertFalse(self.env["freight.fap.difference"].search([("funding_id", "=", funding.id)]))
        # Polled again, or the same file imported: one funding, one bill.
        self.fap_backend.fap_funding_cursor = False
        self.fap_backend._cron_fap_funding()
        self.env["logistics.message"]._process_queue()
        self.assertEqual(self.env["freight.fap.funding"].search_count([]), 1)
        self.assertEqual(self.env["account.move"].search_count([("partner_id", "=", self.fap_partner.id)]), 1)
        # We pay the FAP from the bank: nothing owed to the FAP, the clearing account stays at zero.
        bank = self.company_data["default_journal_bank"]
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=bill.ids).create(
            {"journal_id": bank.id, "payment_date": "2026-02-20"}
        )._create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assert_cents(self.payable_balance(self.fap_partner), 0.0)
        self.assert_cents(self.clearing_balance(), 0.0)
        self.assert_cents(self.payable_balance(self.carrier_partner), -5.00)

    def test_unknown_bill_and_funding_differences(self):
        self.journal(
            self.fap_backend,
            "fap_payment_status",
            {"invoice_id": "F-NOPE", "status": "paid", "reference": "PAY-X", "amount": "100.00", "date": "2026-02-10"},
            key="pay-unknown",
        )
        message = self.env["logistics.message"].search([("idempotency_key", "=", "pay-unknown")])
        self.assertEqual(message.state, "done", message.last_error)
        unknown = self.env["freight.fap.difference"].search([("kind", "=", "unknown_invoice")])
        self.assertRecordValues(
            unknown, [{"fap_reference": "F-NOPE", "payment_reference": "PAY-X", "amount_reported": 100.0}]
        )
        # A funding request that funds that unknown payment, and a total that is not its sum.
        self.env["freight.fap.funding"]._receive_fap_funding(
            self.fap_backend,
            b'{"id": "FR-9", "date": "2026-02-15", "amount": "120.00",'
            b' "payments": [{"invoice_id": "F-NOPE", "reference": "PAY-X", "amount": "100.00"}]}',
            "upload",
        )
        self.env["logistics.message"]._process_queue()
        funding = self.env["freight.fap.funding"].search([("name", "=", "FR-9")])
        self.assert_cents(funding.bill_id.amount_total, 120.00)
        kinds = self.env["freight.fap.difference"].search([("funding_id", "=", funding.id)])
        self.assertEqual(sorted(kinds.mapped("fap_reference")), ["F-NOPE", "FR-9"])

    def test_paid_before_the_bill_is_posted(self):
        self.company.freight_auto_post_bill = False
        invoice = self.import_fap("INV-FP3", [("SHP-A", "400", 495.00)])
        self.assertEqual(invoice.state, "approved")
        self.journal(
            self.fap_backend,
            "fap_payment_status",
            {"invoice_id": "F-INV-FP3", "status": "paid", "reference": "PAY-3", "date": "2026-02-10"},
            key="pay-3",
        )
        self.assertEqual(invoice.fap_payment_state, "paid")
        self.assertFalse(invoice.fap_payment_id)
        invoice.action_create_bill()
        invoice.vendor_bill_id.action_post()
        self.assertEqual(invoice.fap_payment_id.memo, "PAY-3")
        self.assert_cents(invoice.fap_payment_id.amount, 495.00)
        self.assertEqual(invoice.vendor_bill_id.payment_state, "paid")

    def test_revised_invoice_paid_once_for_all_its_versions(self):
        lines = [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)]
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-FP5", lines, currency=self.currency.name),
            key="fp5:1",
        )
        invoice = self.invoices_named("INV-FP5")
        # Revision 2 raises the base by 4.00 (inside tolerance): a version billed for 4.00.
        raised = [("SHP-A", "400", 499.00), ("SHP-A", "FSC", 49.50)]
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-FP5", raised, currency=self.currency.name, revision=2),
            key="fp5:2",
        )
        version = self.invoices_named("INV-FP5 R2")
        self.assert_cents(version.vendor_bill_id.amount_total, 4.00)
        # The FAP pays the revised invoice, 548.50, once: one payment settles both bills.
        self.fap.set_payment("F-INV-FP5", "paid", date="2026-02-10", reference="PAY-5", amount="548.50")
        self.poll_payments()
        payment = invoice.fap_payment_id
        self.assert_cents(payment.amount, 548.50)
        bills = invoice.vendor_bill_id | version.vendor_bill_id
        self.assertEqual(set(bills.mapped("payment_state")), {"paid"})
        self.assertFalse(self.env["freight.fap.difference"].search([("invoice_id", "=", invoice.id)]))
        self.assert_cents(self.payable_balance(self.carrier_partner), 0.0)

    def test_superseded_invoice_paid_on_its_new_version(self):
        # 600.00 for 495.00 expected: an audit case, no bill; revision 2 bills 495.00 and replaces it.
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-FP6", [("SHP-A", "400", 600.00)], currency=self.currency.name),
            key="fp6:1",
        )
        self.journal(
            self.fap_backend,
            "freight_invoice_json",
            self.fap_invoice("INV-FP6", [("SHP-A", "400", 495.00)], currency=self.currency.name, revision=2),
            key="fp6:2",
        )
        first, version = self.invoices_named("INV-FP6"), self.invoices_named("INV-FP6 R2")
        self.assertEqual((first.state, version.state), ("cancel", "billed"))
        # The FAP reports its invoice (F-INV-FP6) paid: polled, and the new version's bill settled.
        self.fap.set_payment("F-INV-FP6", "paid", date="2026-02-10", reference="PAY-6")
        self.poll_payments()
        self.assertEqual(first.fap_payment_state, "paid")
        self.assertEqual(first.fap_payment_id.reconciled_bill_ids, version.vendor_bill_id)
        self.assertEqual(version.vendor_bill_id.payment_state, "paid")

    def test_direct_payment_leaves_the_bill_open(self):
        self.company.freight_payment_mode = "direct"
        invoice = self.import_fap("INV-FP4", [("SHP-A", "400", 495.00)])
        self.fap.set_payment("F-INV-FP4", "paid", date="2026-02-10", reference="PAY-4")
        self.poll_payments()
        self.assertEqual(invoice.fap_payment_state, "paid")
        self.assertFalse(invoice.fap_payment_id)
        self.assertEqual(invoice.vendor_bill_id.payment_state, "not_paid")
