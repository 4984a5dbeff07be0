"""*Forget this contact* across the suite: the contact's personal data leave the milestones, the
proofs of delivery and the journal's payloads; the financial records stay exactly as they were
(carrier invoice, audit case, vendor bill, customer invoice: amounts and states)."""

import base64

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.billing_readiness.tests.common import DELIVERY, BillingReadinessCommon

PERSON = "Quorra Privacyson"
EMAIL = "quorra.privacyson@example.org"
PDF = b"%PDF-1.4 signed by Quorra Privacyson"


@tagged("post_install", "-at_install")
class TestForgetContact(BillingReadinessCommon, AccountTestInvoicingCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        env = cls.env
        cls.person = env["res.partner"].create(
            {"name": PERSON, "email": EMAIL, "phone": "+33 6 99 88 77 66", "street": "7 Hidden Street"}
        )
        cls.manager = cls.make_user(
            "forget.manager", "base.group_user,logistics_connector.group_logistics_manager", cls.company
        )
        cls.logistics_user = cls.make_user(
            "forget.user", "base.group_user,logistics_connector.group_logistics_user", cls.company
        )

    def financial_snapshot(self, order, invoices):
        moves = invoices.vendor_bill_id | order.invoice_ids
        return (
            invoices.read(["amount_total", "amount_expected", "state", "audit_status", "is_duplicate"]),
            invoices.case_ids.read(["state", "reason", "amount_billed", "amount_expected", "amount_variance"]),
            moves.read(["amount_total", "amount_untaxed", "state", "partner_id", "payment_state"]),
            [line.read(["debit", "credit", "account_id", "partner_id"]) for line in moves.line_ids],
        )

    def test_forget_erases_personal_data_and_keeps_the_money(self):
        order, shipment = self.make_order(partner=self.person)
        # The carrier's POD, signed by the contact, through the webhook journal.
        self.receive_event(
            shipment,
            "delivered",
            DELIVERY,
            pod={"signer": PERSON, "document_base64": base64.b64encode(PDF).decode(), "filename": "pod.pdf"},
            recipient={"name": PERSON, "email": EMAIL},
        )
        event = shipment.event_ids.filtered("pod_signer")
        self.assertEqual((event.pod_signer, shipment.pod_signer), (PERSON, PERSON))
        self.assertEqual(event.pod_attachment_id.raw, PDF)
        self.assertTrue(shipment.pod_complete)
        # The carrier bills (one line over the contract: an audit case), the customer is invoiced.
        good = self.carrier_invoice("INV-FG1", [(shipment.name, "400", 495.00)])
        disputed = self.carrier_invoice("INV-FG2", [(shipment.name, "DET", 150.00)])
        invoices = good | disputed
        self.assertEqual(len(invoices), 2)
        self.assertTrue(invoices.vendor_bill_id or invoices.case_ids, "financial records to keep")
        self.evaluate()
        self.env["sale.order"]._cron_billing_invoice()
        before = self.financial_snapshot(order, invoices)
        messages = self.env["logistics.message"].sudo().search([("payload", "ilike", PERSON)])
        self.assertTrue(messages)

        with self.assertRaises(AccessError):
            self.person.with_user(self.logistics_user).action_logistics_forget()
        self.assertEqual(event.pod_signer, PERSON, "nothing erased by a refused call")

        self.person.with_user(self.manager).action_logistics_forget()
        self.env.invalidate_all()
        self.assertEqual(event.pod_signer, "[forgotten]")
        self.assertEqual(shipment.pod_signer, "[forgotten]")
        self.assertNotIn(b"Quorra", event.pod_attachment_id.raw)
        self.assertTrue(shipment.pod_complete, "the POD was received: readiness does not change")
        self.assertFalse(self.env["logistics.message"].sudo().search([("payload", "ilike", "Quorra")]))
        self.assertFalse(self.env["logistics.message"].sudo().search([("payload", "ilike", EMAIL)]))
        self.assertTrue(all(messages.mapped("redacted_at")))
        # The financial records are exactly as they were.
        self.assertEqual(self.financial_snapshot(order, invoices), before)
        # A trace of who forgot whom and when, without the data.
        note = self.person.message_ids[0]
        self.assertIn(self.manager.name, note.body)
        self.assertNotIn(EMAIL, note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)
