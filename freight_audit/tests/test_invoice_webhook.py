"""Carrier invoices pushed over real HTTP: FAP JSON and X12 210, every answer, what is stored."""

import base64
import hashlib
import hmac
import json
import time
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import FreightAuditCommon

SECRET = "whsec-fap-0123456789"
LOGGER = "odoo.addons.freight_audit.controllers.invoice_webhook"


@tagged("post_install", "-at_install")
class TestInvoiceWebhook(FreightAuditCommon, AccountTestInvoicingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.fap_backend.webhook_secret = SECRET
        cls.edi_backend.webhook_secret = SECRET
        cls.Message = cls.env["logistics.message"]

    def post(self, body, backend=None, secret=SECRET, content_type="application/json", timestamp=None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
        headers = {"Content-Type": content_type}
        if secret:
            digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
            headers.update({"X-Logistics-Timestamp": timestamp, "X-Logistics-Signature": f"v1={digest}"})
        code = (backend or self.fap_backend).code
        return self.url_open(f"/logistics/freight/{code}/invoices", data=raw, headers=headers)

    def messages(self, backend=None):
        return self.Message.search([("backend_id", "=", (backend or self.fap_backend).id)], order="id")

    def assert_answer(self, response, status, fragment=None):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertNotIn("Traceback", response.text)
        answer = response.json()
        if fragment:
            self.assertIn(fragment, answer["error"])
        return answer

    def lines(self):
        # 412.5 kg -> 495.00 base; fuel 10 % = 49.50 (hand-worked in common.py).
        return [("SHP-A", "400", 495.00), ("SHP-A", "FSC", 49.50)]

    def test_json_invoice_pushed_imported_audited_and_billed_once(self):
        invoice = self.fap_invoice("PUSH-1", self.lines(), currency=self.currency.name)
        answer = self.assert_answer(self.post(invoice), 202)
        [message] = self.messages()
        self.assertEqual(answer["message_ids"], message.ids)
        self.assertRecordValues(
            message,
            [
                {
                    "message_type": "freight_invoice_json",
                    "state": "received",
                    "idempotency_key": "fap_invoice:F-PUSH-1:1",
                }
            ],
        )
        self.Message._process_queue()
        pushed = self.invoices_named("PUSH-1")
        self.assertRecordValues(pushed, [{"amount_total": 544.50, "state": "billed", "message_id": message.id}])
        self.assertEqual(pushed.vendor_bill_id.amount_total, 544.50)
        # Pushed again, and pulled by the cron: the same FAP id and revision, received once.
        again = self.assert_answer(self.post(invoice), 200)
        self.assertEqual(again["status"], "duplicate")
        self.assertEqual(again["message_ids"], message.ids)
        self.fap.add_invoice(invoice)
        self.fap_backend._cron_fap_pull_invoices()
        self.Message._process_queue()
        self.assertEqual(len(self.invoices_named("PUSH-1")), 1)
        self.assertEqual(self.env["account.move"].search_count([("freight_invoice_id", "=", pushed.id)]), 1)

    def test_batch_of_invoices(self):
        first = self.fap_invoice("PUSH-2", self.lines(), currency=self.currency.name)
        shipment_b = self.make_shipment("SHP-B", weight=412.5)
        second = self.fap_invoice("PUSH-3", [(shipment_b.name, "400", 495.00)], currency=self.currency.name)
        answer = self.assert_answer(self.post({"invoices": [first, second]}), 202)
        self.assertEqual(len(answer["message_ids"]), 2)
        self.Message._process_queue()
        self.assertEqual(self.invoices_named("PUSH-2").state, "billed")
        self.assertEqual(self.invoices_named("PUSH-3").state, "billed")
        # One new among known ones: accepted, the known one recorded as a duplicate row.
        third = self.fap_invoice("PUSH-4", [(shipment_b.name, "FSC", 49.50)], currency=self.currency.name)
        self.assert_answer(self.post({"invoices": [first, third]}), 202)

    def test_x12_210_posted_then_uploaded_counts_once(self):
        body = self.x12_invoice("PUSH-210", [("SHP-A", "400", 495.00), ("SHP-A", "FUE", 49.50)], self.currency.name)
        answer = self.assert_answer(self.post(body, backend=self.edi_backend, content_type="application/edi-x12"), 202)
        self.Message._process_queue()
        message = self.Message.browse(answer["message_ids"])
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(self.invoices_named("PUSH-210").amount_total, 544.50)
        again = self.post(body, backend=self.edi_backend, content_type="application/edi-x12")
        self.assertEqual(self.assert_answer(again, 200)["status"], "duplicate")
        wizard = self.env["freight.invoice.import"].create(
            {"backend_id": self.edi_backend.id, "file": base64.b64encode(body), "filename": "p.edi"}
        )
        wizard.action_import()
        self.assertEqual(len(self.invoices_named("PUSH-210")), 1)

    def test_400_names_the_problem_and_keeps_the_body(self):
        cases = [
            (b"{not json", "application/json", self.fap_backend, "not valid JSON"),
            (
                {"invoice_number": "X", "carrier_scac": "FFRT", "lines": []},
                "application/json",
                self.fap_backend,
                "lines",
            ),
            ({"invoices": []}, "application/json", self.fap_backend, "non-empty list"),
            (b"ISA*00*broken", "application/edi-x12", self.edi_backend, "malformed X12 210"),
        ]
        for body, content_type, backend, fragment in cases:
            with self.subTest(fragment=fragment):
                before = len(self.messages(backend))
                self.assert_answer(self.post(body, backend=backend, content_type=content_type), 400, fragment)
                new = self.messages(backend)[before:]
                self.assertEqual(new.mapped("state"), ["failed"])
                self.assertIn(fragment, new.last_error)
        self.assertFalse(self.env["freight.invoice"].search([("name", "=", "X")]))

    def test_401_404_413_415(self):
        invoice = self.fap_invoice("PUSH-9", self.lines(), currency=self.currency.name)
        with self.assertLogs(LOGGER, level="WARNING") as logs:
            self.assert_answer(self.post(invoice, secret="wrong-secret"), 401)
        self.assertIn("127.0.0.1", logs.output[0])
        with self.assertLogs(LOGGER, level="WARNING"):
            self.assert_answer(self.post(invoice, secret=False), 401)
        with self.assertLogs(LOGGER, level="WARNING"):
            self.assert_answer(self.post(invoice, timestamp=int(time.time()) - 3600), 401, "too old")
        self.assertFalse(self.messages(), "nothing stored for an unauthenticated request")
        response = self.url_open(
            "/logistics/freight/no-such-backend/invoices", data=b"{}", headers={"Content-Type": "application/json"}
        )
        self.assert_answer(response, 401, "missing signature")
        self.assert_answer(self.post(invoice, content_type="text/html"), 415, "text/html")
        self.fap_backend.webhook_max_body_kb = 1
        self.assert_answer(self.post({"invoices": [invoice] * 20}), 413, "1 KiB")
        self.assertFalse(self.messages())

    def test_rotated_secret_accepted_during_the_window(self):
        self.fap_backend.action_rotate_webhook_secret()
        self.assertNotEqual(self.fap_backend.webhook_secret, SECRET)
        invoice = self.fap_invoice("PUSH-R", self.lines(), currency=self.currency.name)
        self.assert_answer(self.post(invoice, secret=SECRET), 202)
        self.assert_answer(
            self.post(
                self.fap_invoice("PUSH-R2", self.lines(), currency=self.currency.name),
                secret=self.fap_backend.webhook_secret,
            ),
            202,
        )

    # ------------------------------------------------------------------
    # 503: something unexpected
    # ------------------------------------------------------------------
    def broken_intake(self, method):
        """``method`` of freight.invoice journals something, then an unexpected bug breaks it."""

        def broken(model, backend, body, source):
            model.env["logistics.message"]._journal(
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": "freight_invoice_json",
                    "payload": body,
                    "idempotency_key": "half-done",
                }
            )
            # The message is built at run time: the log shows source lines, never the message.
            raise ZeroDivisionError(" ".join(("an", "unexpected", "bug")))

        return patch.object(self.registry["freight.invoice"], method, autospec=True, side_effect=broken)

    def test_503_unexpected_error_keeps_the_body_and_nothing_else(self):
        invoice = self.fap_invoice("BROKEN-1", self.lines(), currency=self.currency.name)
        body = json.dumps(invoice).encode()
        with self.broken_intake("_receive_fap_json"), self.assertLogs(LOGGER, level="ERROR") as logs:
            response = self.post(body)
        answer = self.assert_answer(response, 503)
        self.assertIn("please retry later", answer["error"])
        # The log has the frames and the error's class, never its message (it may quote the body).
        self.assertIn("ZeroDivisionError (message withheld from the log)", "\n".join(logs.output))
        self.assertNotIn("an unexpected bug", "\n".join(logs.output))
        # The half-done write is gone; the authenticated body is kept, queued for the cron.
        message = self.messages()
        self.assertEqual(len(message), 1)
        self.assertRecordValues(
            message,
            [
                {
                    "message_type": "freight_invoice_json",
                    "state": "received",
                    "idempotency_key": False,
                    "payload": body.decode(),
                    "source": "webhook 127.0.0.1",
                }
            ],
        )
        self.assertIn("unexpected error at intake", message.last_error)
        # The queue imports the invoice it holds; the sender's retry does not import it twice.
        self.Message._process_queue()
        self.assertEqual(message.state, "done", message.last_error)
        self.assertRecordValues(self.invoices_named("BROKEN-1"), [{"state": "billed", "message_id": message.id}])
        self.assert_answer(self.post(body), 202)
        self.Message._process_queue()
        self.assertEqual(len(self.invoices_named("BROKEN-1")), 1)

    def test_503_x12_210_body_kept_under_its_key(self):
        body = self.x12_invoice("BROKEN-210", [("SHP-A", "400", 495.00)], self.currency.name)
        with self.broken_intake("_receive_x12_210"), self.assertLogs(LOGGER, level="ERROR"):
            response = self.post(body, backend=self.edi_backend, content_type="application/edi-x12")
        self.assert_answer(response, 503)
        message = self.messages(self.edi_backend)
        self.assertRecordValues(
            message,
            [
                {
                    "message_type": "x12_210",
                    "state": "received",
                    "idempotency_key": f"upload:x12_210:{hashlib.sha256(body).hexdigest()}",
                    "content_type": "application/edi-x12",
                }
            ],
        )
        # The sender's retry is the same interchange: a duplicate of the kept body.
        again = self.assert_answer(self.post(body, backend=self.edi_backend, content_type="application/edi-x12"), 200)
        self.assertEqual(again, {"status": "duplicate", "message_ids": message.ids})
        self.Message._process_queue()
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(len(self.invoices_named("BROKEN-210")), 1)
