"""Poison bodies to the freight invoice webhook, the import wizard and from the FAP poll: a
400 (or a recorded poll error) naming the problem, the body kept as failed, never a 503 a
sender would retry forever nor an invoice half-imported (issue 18)."""

import base64
import json

from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon
from .test_invoice_webhook import TestInvoiceWebhook

POISONS = [
    ("deep", lambda invoice: b'{"a":' * 5000 + invoice + b"}" * 5000, "nested deeper than 64 levels"),
    ("NaN", lambda invoice: invoice[:-1] + b', "fuel_index": NaN}', "NaN is not a JSON number"),
    ("Infinity", lambda invoice: invoice[:-1] + b', "fuel_index": Infinity}', "Infinity is not a JSON number"),
    ("huge integer", lambda invoice: invoice[:-1] + b', "revision": ' + b"7" * 100_000 + b"}", "too large"),
    ("huge float", lambda invoice: invoice[:-1] + b', "fuel_index": 1e999}', "too large for a float"),
    ("invalid UTF-8", lambda invoice: invoice[:-1] + b', "memo": "\xc3\x28"}', "not valid UTF-8"),
    (
        "conflicting keys",
        lambda invoice: b'{"total": "1.00", "total": "2.00", ' + invoice[1:],
        "'total' appears twice in an object, with different values",
    ),
]


@tagged("post_install", "-at_install")
class TestInvoiceWebhookPoison(FreightAuditCommon, AccountTestInvoicingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.fap_backend.webhook_secret = "whsec-fap-0123456789"
        cls.edi_backend.webhook_secret = "whsec-fap-0123456789"
        cls.Message = cls.env["logistics.message"]

    # The signed post of the webhook tests (their functions: their tests are not run again).
    post = TestInvoiceWebhook.post
    messages = TestInvoiceWebhook.messages
    assert_answer = TestInvoiceWebhook.assert_answer
    lines = TestInvoiceWebhook.lines

    def invoice_body(self, number):
        return json.dumps(self.fap_invoice(number, self.lines(), currency=self.currency.name)).encode()

    def test_each_poison_is_400_kept_failed_then_a_good_invoice_is_accepted(self):
        for index, (name, make, fragment) in enumerate(POISONS):
            with self.subTest(poison=name):
                body = make(self.invoice_body(f"POISON-{index}"))
                before = self.messages()
                answer = self.assert_answer(self.post(body), 400, fragment)
                new = self.messages() - before
                self.assertEqual(answer["message_ids"], new.ids)
                self.assertRecordValues(new, [{"state": "failed", "message_type": "freight_invoice_json"}])
                self.assertIn(fragment, new.last_error)
                self.assertEqual(new._get_payload_bytes(), body)
        good = self.assert_answer(self.post(self.invoice_body("AFTER-POISON")), 202)
        self.Message._process_queue()
        self.assertEqual(self.Message.browse(good["message_ids"]).state, "done")
        self.assertEqual(len(self.invoices_named("AFTER-POISON")), 1)
        self.assertFalse(self.env["freight.invoice"].search([("name", "like", "POISON-")]))

    def test_x12_210_poisons_are_400(self):
        for body in (b"ISA*00*\xff\xfe" + b"*" * 200, b"ISA" + b"~" * 5000, b"\x00" * 300):
            with self.subTest(body=body[:12]):
                before = self.messages(self.edi_backend)
                response = self.post(body, backend=self.edi_backend, content_type="application/edi-x12")
                self.assert_answer(response, 400, "malformed X12 210")
                new = (self.messages(self.edi_backend) - before).filtered(lambda m: m.message_type != "x12_997")
                self.assertEqual(new.mapped("state"), ["failed"])

    def test_wizard_file_with_poison_is_kept_failed(self):
        body = POISONS[1][1](self.invoice_body("WIZ-NAN"))
        wizard = self.env["freight.invoice.import"].create(
            {"backend_id": self.fap_backend.id, "file": base64.b64encode(body), "filename": "nan.json"}
        )
        wizard.action_import()
        [message] = self.messages()
        self.assertEqual(message.state, "failed")
        self.assertIn("NaN is not a JSON number", message.last_error)

    def test_fap_poll_answer_with_poison_is_a_poll_error_not_no_invoices(self):
        self.fap.add_invoice(self.fap_invoice("POLL-1", self.lines(), currency=self.currency.name))
        self.fap.answer_raw("/invoices", b'{"invoices": ' + b"[" * 5000 + b"]" * 5000 + b"}")
        self.addCleanup(self.fap.answer_raw, "/invoices", None)
        self.assertEqual(self.fap_backend._cron_fap_pull_invoices(), 0)
        self.assertIn("nested deeper than 64 levels", self.fap_backend.fap_last_poll_error)
        self.assertFalse(self.fap_backend.fap_invoice_cursor, "the cursor does not move past unread invoices")
        self.fap.answer_raw("/invoices", None)
        self.assertEqual(self.fap_backend._cron_fap_pull_invoices(), 1)
        self.assertFalse(self.fap_backend.fap_last_poll_error)
