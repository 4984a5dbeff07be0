"""X12 210 on the journal over real HTTP (issue 15): a 997 for each interchange, journaled as
outbound; warnings kept on the message; strict backends; one message per interchange of a file,
by the webhook and the import wizard."""

import base64
import hashlib
import hmac
import time

from odoo.tests import HttpCase, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.logistics_connector.tests.loopback.server import Answer, LoopbackServer
from odoo.addons.logistics_connector.tests.x12_corpus import corpus_files, corpus_missing

from .common import FreightAuditCommon

SECRET = "whsec-edi-0123456789"
X12 = "application/edi-x12"


class CarrierEdiServer(LoopbackServer):
    """A carrier's EDI endpoint: takes any POST of an X12 body."""

    name = "carrier-edi"

    def _route(self, record):
        return Answer(202, b"", "text/plain")


class X12PostMixin:
    def post(self, body):
        timestamp = str(int(time.time()))
        digest = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": X12, "X-Logistics-Timestamp": timestamp, "X-Logistics-Signature": f"v1={digest}"}
        return self.url_open(f"/logistics/freight/{self.edi_backend.code}/invoices", data=body, headers=headers)

    def answer(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        self.assertNotIn("Traceback", response.text)
        return response.json()


@tagged("post_install", "-at_install")
class TestX12_210Journal(X12PostMixin, FreightAuditCommon, AccountTestInvoicingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_freight()
        cls.edi_backend.webhook_secret = SECRET
        cls.Message = cls.env["logistics.message"]

    def invoice(self, number, control, total=None):
        lines = [("SHP-A", "400", 495.00), ("SHP-A", "FUE", 49.50)]
        return self.x12_invoice(number, lines, self.currency.name, total=total, control=control)

    def test_997_answered_and_journaled_outbound(self):
        answer = self.answer(self.post(self.invoice("J210-1", 41)), 202)
        self.assertEqual(answer["status"], "accepted")
        self.assertIn("AK1*IM*41~", answer["ack"])
        self.assertIn("AK5*A~", answer["ack"])
        self.assertIn("AK9*A*1*1*1~", answer["ack"])
        ack = self.Message.browse(answer["ack_message_id"])
        self.assertRecordValues(ack, [{"direction": "outbound", "message_type": "x12_997", "state": "done"}])
        self.assertTrue(ack.x12_group_controls)
        message = self.Message.browse(answer["message_ids"])
        self.assertFalse(message.intake_warning_count)
        self.Message._process_queue()
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(self.invoices_named("J210-1").amount_total, 544.50)

    def test_warnings_on_the_message_and_997_e(self):
        body = self.invoice("J210-2", 42).replace(b"SE*11*0001", b"SE*13*0001")
        answer = self.answer(self.post(body), 202)
        message = self.Message.browse(answer["message_ids"])
        self.assertEqual(message.intake_warning_count, 1)
        self.assertIn("SE01", message.intake_warnings)
        self.assertIn("AK5*E*", answer["ack"])
        self.assertIn("AK9*E*", answer["ack"])
        self.Message._process_queue()
        self.assertEqual(message.state, "done", message.last_error)

    def test_strict_backend_refuses_envelope_errors(self):
        self.edi_backend.x12_strict = True
        body = self.invoice("J210-3", 43).replace(b"SE*11*0001", b"SE*13*0001")
        answer = self.answer(self.post(body), 400)
        self.assertIn("malformed X12 210", answer["error"])
        self.assertEqual(self.Message.browse(answer["message_ids"]).state, "failed")
        self.assertIn("AK9*R", answer["ack"])

    def test_invalid_invoice_refused_with_rejecting_997(self):
        answer = self.answer(self.post(self.invoice("J210-4", 44, total=600.00)), 400)
        self.assertIn("nothing is imported", answer["error"])
        self.assertIn("AK5*R", answer["ack"])
        self.assertIn("AK9*R", answer["ack"])
        self.assertEqual(self.Message.browse(answer["message_ids"]).state, "failed")

    def test_997_sent_to_the_carrier_when_the_backend_says_so(self):
        carrier = self.start_server(CarrierEdiServer())
        self.edi_backend.write(
            {"x12_send_997": True, "x12_997_path": "/x12/acks", "base_url": carrier.url, "protocol": "rest"}
        )
        answer = self.answer(self.post(self.invoice("J210-8", 48)), 202)
        ack = self.Message.browse(answer["ack_message_id"])
        self.assertEqual(ack.state, "queued")
        self.Message._process_queue()
        self.assertRecordValues(ack, [{"state": "done", "http_status": 202}])
        [sent] = carrier.received("/x12/acks", "POST")
        self.assertEqual(sent.body.decode(), ack.payload)
        self.assertIn("AK1*IM*48~", sent.body.decode())
        self.assertEqual(self.invoices_named("J210-8").amount_total, 544.50)

    def test_file_of_two_interchanges_by_webhook_and_wizard(self):
        first, second = self.invoice("J210-5", 45), self.invoice("J210-6", 46)
        answer = self.answer(self.post(first + b"\n" + second), 202)
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(len(answer["message_ids"]), 2)
        self.assertEqual(len(answer["ack_message_ids"]), 2)
        messages = self.Message.browse(answer["message_ids"])
        self.assertEqual(messages[0]._get_payload_bytes().strip(), first)
        self.assertEqual(messages[1]._get_payload_bytes().strip(), second)
        self.Message._process_queue()
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(len(self.invoices_named("J210-5") | self.invoices_named("J210-6")), 2)
        # The same file again: both interchanges are duplicates.
        self.assertEqual(self.answer(self.post(first + b"\n" + second), 200)["status"], "duplicate")
        # Uploaded: a new file of one known and one new interchange.
        third = self.invoice("J210-7", 47)
        wizard = self.env["freight.invoice.import"].create(
            {"backend_id": self.edi_backend.id, "file": base64.b64encode(first + third), "filename": "two.edi"}
        )
        action = wizard.action_import()
        self.assertEqual(len(action["domain"][0][2]), 2)
        self.assertEqual(len(self.invoices_named("J210-7")), 1)
        self.assertEqual(len(self.invoices_named("J210-5")), 1)


if not corpus_missing(__name__):

    @tagged("post_install", "-at_install", "x12_corpus")
    class TestX12_210JournalCorpus(X12PostMixin, FreightAuditCommon, AccountTestInvoicingCommon, HttpCase):
        """A real published 210 (UPS, SE01 says 46 segments for 48) through the webhook."""

        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            cls.setup_freight()
            cls.edi_backend.webhook_secret = SECRET

        def test_real_210_through_the_webhook(self):
            [path] = [p for p in corpus_files("x12_210") if "ups" in p]
            with open(path, "rb") as sample:
                data = sample.read()
            answer = self.answer(self.post(data), 202)
            message = self.env["logistics.message"].browse(answer["message_ids"])
            self.assertEqual(message.message_type, "x12_210")
            self.assertGreaterEqual(message.intake_warning_count, 1)
            self.assertIn("SE01", message.intake_warnings)
            self.assertIn("AK5*E", answer["ack"])
            self.assertIn("AK9*E", answer["ack"])
