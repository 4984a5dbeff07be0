"""Banking references masked on intake, and the audit and the duplicate checks on redacted
carrier invoice messages (the journal's data policy, logistics_connector/services/privacy.py)."""

import json
import re

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.logistics_connector.services import privacy

from .common import FreightAuditCommon

IBAN = "FR7630006000011234567890189"


@tagged("post_install", "-at_install")
class TestFreightPrivacy(FreightAuditCommon, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()

    def lines(self):
        return [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50), ("SHP-A", "LFT", 75.00)]

    def fap_body(self, number, **extra):
        invoice = self.fap_invoice(
            number,
            self.lines(),
            currency=self.currency.name,
            remit_to={"name": "Jane Remit", "iban": IBAN},
            contact={"name": "Jane Remit", "email": "jane.remit@example.com"},
            **extra,
        )
        return json.dumps(invoice).encode()

    def receive(self, body):
        return self.env["freight.invoice"]._receive_fap_json(self.fap_backend, body, "webhook 127.0.0.1")

    def age(self, messages, days=40):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_message SET processed_at = processed_at - %s * interval '1 day' WHERE id = ANY(%s)",
            [days, messages.ids],
        )
        messages.invalidate_recordset()

    def test_iban_masked_on_intake_invoice_audited_and_billed(self):
        result = self.receive(self.fap_body("INV-P1"))
        self.assertEqual(result.status, "accepted")
        message = self.env["logistics.message"].browse(result.message_ids)
        stored = message.sudo().payload
        self.assertNotIn(IBAN, stored)
        self.assertNotIn(IBAN[:-4], stored)
        self.assertEqual(json.loads(stored)["remit_to"]["iban"], "*" * (len(IBAN) - 4) + IBAN[-4:])
        self.assertEqual(message.idempotency_key, "fap_invoice:F-INV-P1:1", "the key is the FAP's, as before")
        self.env["logistics.message"]._process_queue()
        self.assertEqual(message.state, "done", message.last_error)
        invoice = self.invoices_named("INV-P1")
        self.assertRecordValues(invoice, [{"state": "billed", "amount_total": 619.50, "amount_expected": 619.50}])
        # The same body again (the sender's retry): a duplicate, counted on the original.
        again = self.receive(self.fap_body("INV-P1"))
        self.assertEqual(again.status, "duplicate")
        self.assertEqual(again.message_ids, (message.id,))

    def test_malformed_fap_body_masked_too(self):
        body = b'{"id": "F-X", "remit_to": {"iban": "' + IBAN.encode() + b'"}, "lines": ['
        result = self.receive(body)
        self.assertEqual(result.status, "invalid")
        message = self.env["logistics.message"].browse(result.message_ids)
        self.assertNotIn(IBAN, message.sudo().payload)
        self.assertIn(IBAN[-4:], message.sudo().payload)

    def test_payment_status_from_the_fap_masked(self):
        messages, _duplicates = self.env["logistics.message"]._journal_inbound(
            self.fap_backend,
            "fap_payment_status",
            [{"invoice_id": "F-1", "status": "paid", "payee": {"account_number": "000123456789"}}],
            content_type="application/json",
            source="poll",
        )
        self.assertEqual(json.loads(messages.sudo().payload)["payee"]["account_number"], "********6789")

    def test_redacted_messages_keep_the_audit_and_the_duplicate_checks(self):
        message = self.env["logistics.message"].browse(self.receive(self.fap_body("INV-P2")).message_ids)
        self.env["logistics.message"]._process_queue()
        invoice = self.invoices_named("INV-P2")
        self.assertEqual(invoice.state, "billed")
        before = invoice.read(["amount_total", "amount_expected", "audit_status", "state", "vendor_bill_id"])
        bill_total = invoice.vendor_bill_id.amount_total
        self.age(message)
        self.env["logistics.message"]._cron_redact_personal_data()
        self.assertTrue(message.redacted_at)
        stored = json.loads(message.sudo().payload)
        self.assertTrue(privacy.is_token(stored["remit_to"]["name"]))
        self.assertTrue(privacy.is_token(stored["contact"]["email"]))
        self.assertNotIn("Jane", message.sudo().payload)
        self.assertEqual(stored["total"], "619.50", "amounts and references are not personal")
        self.assertEqual(stored["lines"][0]["shipment_reference"], "SHP-A")
        self.assertEqual(
            invoice.read(["amount_total", "amount_expected", "audit_status", "state", "vendor_bill_id"]), before
        )
        self.assertEqual(invoice.vendor_bill_id.amount_total, bill_total)
        # Re-sent after redaction: still the same message (its key did not change).
        self.assertEqual(self.receive(self.fap_body("INV-P2")).status, "duplicate")
        # The same invoice under another FAP id: imported, flagged duplicate, never billed twice.
        self.receive(self.fap_body("INV-P2", id="F-OTHER-P2"))
        self.env["logistics.message"]._process_queue()
        invoices = self.invoices_named("INV-P2")
        self.assertEqual(len(invoices), 2)
        duplicate = invoices - invoice
        self.assertTrue(duplicate.is_duplicate)
        self.assertEqual(duplicate.duplicate_of_id, invoice)
        self.assertEqual(len(self.env["account.move"].search([("freight_invoice_id", "in", invoices.ids)])), 1)

    def test_x12_210_and_csv_redacted(self):
        x12_body = self.x12_invoice("INV-P3", [("SHP-A", "400", 495.00)], self.currency.name)
        currency = self.currency.name.encode()
        x12_body = x12_body.replace(
            b"C3*" + currency + b"~", b"C3*" + currency + b"~N1*RE*Jane Remit~N3*1 Secret Lane~"
        )
        segment_count = int(re.search(rb"SE\*(\d+)\*", x12_body).group(1))
        x12_body = re.sub(rb"SE\*\d+\*", b"SE*%d*" % (segment_count + 2), x12_body)
        csv_body = self.csv_invoice("INV-P4", [("SHP-A", "400", 495.00)], self.currency.name)
        rows = csv_body.decode().splitlines()
        csv_body = "\n".join([rows[0] + ",contact_name,iban", rows[1] + f",Jane Remit,{IBAN}"]).encode() + b"\n"
        messages = self.env["logistics.message"]
        for message_type, body in (("x12_210", x12_body), ("freight_invoice_csv", csv_body)):
            message, _dup = self.journal(self.edi_backend, message_type, body, key=f"privacy-{message_type}")
            self.assertEqual(message.state, "done", message.last_error)
            messages |= message
        self.assertNotIn(IBAN[:-4], messages[1].sudo().payload, "the CSV's IBAN column was masked on intake")
        self.assertEqual(self.invoices_named("INV-P4").amount_total, 495.00)
        self.age(messages)
        self.env["logistics.message"]._cron_redact_personal_data()
        for message in messages:
            payload = message._get_payload_bytes()
            self.assertTrue(message.redacted_at)
            self.assertNotIn(b"Jane", payload)
        self.assertNotIn(b"Secret Lane", messages[0]._get_payload_bytes())
        self.assertIn(b"C3*" + self.currency.name.encode(), messages[0]._get_payload_bytes())
