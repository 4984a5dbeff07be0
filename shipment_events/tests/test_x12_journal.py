"""X12 214 on the journal over real HTTP (issue 15): warnings kept on the message, strict backends,
one message and one 997 per interchange of a file, the 997s sent through the journal (a loopback
partner on 127.0.0.1, a retry after a 503) and the partner's 997s matched to what we sent."""

import base64
import hashlib
import hmac
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.logistics_connector.tests.loopback.case import LoopbackCase
from odoo.addons.logistics_connector.tests.loopback.server import Answer, LoopbackServer
from odoo.addons.logistics_connector.tests.x12_corpus import CORPUS, corpus_files, corpus_missing

from ..formats import x12_214
from .common import ShipmentEventsCommon

X12 = "application/edi-x12"


class PartnerEdiServer(LoopbackServer):
    """A partner's EDI endpoint: takes any POST of an X12 body."""

    name = "partner-edi"

    def _route(self, record):
        return Answer(200, b"received", "text/plain")


def partner_997(group_control, status="A", set_status="A", codes=(), control=555):
    """The 997 a partner sends back for our functional group ``group_control`` (one set 0001)."""
    isa = "ISA*00*{:<10}*00*{:<10}*02*{:<15}*ZZ*{:<15}*261120*0900*U*00401*{:09d}*0*P*>~".format(
        "", "", "FASTCARR", "OURCOMPANY", control
    )
    ak9 = "*".join(["AK9", status, "1", "1", "0" if status == "R" else "1", *codes])
    body = [f"AK1*FA*{group_control}", "AK2*997*0001", f"AK5*{set_status}", ak9]
    segments = [isa, f"GS*FA*FASTCARR*OURCOMPANY*20261120*0900*{control}*X*004010~", "ST*997*0001~"]
    segments += [segment + "~" for segment in body]
    segments += [f"SE*{len(body) + 2}*0001~", f"GE*1*{control}~", f"IEA*1*{control:09d}~"]
    return "\n".join(segments).encode()


@tagged("post_install", "-at_install")
class TestX12Journal(LoopbackCase, ShipmentEventsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        cls.url = f"/logistics/webhook/{cls.backend.code}"
        cls.partner = cls.start_server(PartnerEdiServer())
        cls.Message = cls.env["logistics.message"]

    def setUp(self):
        super().setUp()
        self.partner.reset()

    def post(self, body, content_type=X12):
        timestamp = str(int(time.time()))
        digest = hmac.new(self.SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": content_type, "X-Logistics-Timestamp": timestamp}
        headers["X-Logistics-Signature"] = f"v1={digest}"
        return self.url_open(self.url, data=body, headers=headers)

    def answer(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        self.assertNotIn("Traceback", response.text)
        return response.json()

    def interchange(self, control, city="Lyon"):
        return self.x12_214([("AF", "NS", "20261120", "0810", "UT", city)], control=control)

    # ------------------------------------------------------------------
    # Warnings and strict mode
    # ------------------------------------------------------------------
    def test_warnings_kept_on_the_message_and_997_says_e(self):
        data = self.interchange(301).replace(b"SE*7*0001", b"SE*9*0001")
        answer = self.answer(self.post(data), 202)
        message = self.Message.browse(answer["message_ids"])
        self.assertEqual(message.intake_warning_count, 1)
        self.assertIn("SE01", message.intake_warnings)
        self.assertEqual(len(answer["warnings"]), 1)
        self.assertIn("AK5*E*", answer["ack"])
        self.assertIn("AK9*E*", answer["ack"])
        with_warnings = self.Message.search([("intake_warning_count", ">", 0), ("backend_id", "=", self.backend.id)])
        self.assertEqual(with_warnings, message)
        self.Message._process_queue()
        self.assertEqual(message.state, "done", message.last_error)
        self.assertEqual(self.shipment.status, "picked_up")

    def test_strict_backend_refuses_envelope_errors(self):
        self.backend.x12_strict = True
        data = self.interchange(302).replace(b"SE*7*0001", b"SE*9*0001")
        answer = self.answer(self.post(data), 400)
        self.assertIn("malformed X12 interchange", answer["error"])
        self.assertIn("SE01", answer["error"])
        failed = self.Message.browse(answer["message_ids"])
        self.assertRecordValues(failed, [{"state": "failed", "message_type": "x12_214"}])
        self.assertIn("AK9*R", answer["ack"])
        # A correct interchange still gets in.
        self.answer(self.post(self.interchange(303)), 202)

    # ------------------------------------------------------------------
    # Several interchanges in one file
    # ------------------------------------------------------------------
    def test_file_of_two_interchanges_gets_two_messages_and_two_997s(self):
        first, second = self.interchange(311), self.interchange(312, city="Paris")
        data = first + b"\n" + second
        answer = self.answer(self.post(data), 202)
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(len(answer["message_ids"]), 2)
        self.assertEqual([item["status"] for item in answer["interchanges"]], ["accepted", "accepted"])
        messages = self.Message.browse(answer["message_ids"])
        keys = ["x12:FASTCARR:OURCOMPANY:000000311", "x12:FASTCARR:OURCOMPANY:000000312"]
        self.assertEqual(messages.mapped("idempotency_key"), keys)
        self.assertEqual(messages[0]._get_payload_bytes().strip(), first.strip())
        self.assertEqual(messages[1]._get_payload_bytes().strip(), second.strip())
        acks = self.Message.browse(answer["ack_message_ids"])
        self.assertEqual(len(acks), 2)
        self.assertEqual(set(acks.mapped("message_type")), {"x12_997"})
        self.assertIn("AK1*QM*311~", acks[0].payload)
        self.assertIn("AK1*QM*312~", acks[1].payload)
        self.Message._process_queue()
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(len(self.events_of()), 2)
        again = self.answer(self.post(data), 200)
        self.assertEqual(again["status"], "duplicate")
        self.assertEqual(sorted(again["message_ids"]), sorted(messages.ids))

    def test_file_with_one_refused_interchange_is_partial(self):
        refused = self.interchange(322).replace(b"B10*PRO-1001*SHIP-778*FSTC~\n", b"").replace(b"SE*7", b"SE*6")
        answer = self.answer(self.post(self.interchange(321) + b"\n" + refused), 202)
        self.assertEqual(answer["status"], "partial")
        self.assertEqual([item["status"] for item in answer["interchanges"]], ["accepted", "invalid"])
        self.assertIn("no B10 segment", answer["interchanges"][1]["error"])
        self.assertIn("AK9*R", answer["interchanges"][1]["ack"])
        self.assertEqual(len(answer["message_ids"]), 1)

    def test_upload_of_two_interchanges(self):
        data = self.interchange(331) + b"\r\n" + self.interchange(332)
        wizard = self.env["shipment.event.upload"].create(
            {"backend_id": self.backend.id, "file": base64.b64encode(data), "filename": "two.edi"}
        )
        result = wizard._upload()
        self.assertEqual(result.status, "accepted")
        self.assertEqual(len(result.message_ids), 2)
        self.assertEqual(len(result.extra["ack_message_ids"]), 2)

    # ------------------------------------------------------------------
    # 997s sent through the journal
    # ------------------------------------------------------------------
    def test_997_sent_to_the_partner_with_a_retry_after_503(self):
        self.backend.write(
            {"x12_send_997": True, "x12_997_path": "/edi/997", "base_url": self.partner.url, "http_max_retries": 0}
        )
        answer = self.answer(self.post(self.interchange(341)), 202)
        ack = self.Message.browse(answer["ack_message_id"])
        self.assertRecordValues(ack, [{"direction": "outbound", "message_type": "x12_997", "state": "queued"}])
        self.partner.behave("/edi/997", statuses=[503])
        self.Message._process_queue()
        self.assertEqual(ack.state, "failed")
        self.assertIn("503", ack.last_error)
        self.assertTrue(ack.next_attempt_at)
        ack.sudo().next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.Message._process_queue()
        self.assertRecordValues(ack, [{"state": "done", "http_status": 200, "attempts": 2}])
        posts = self.partner.received("/edi/997", "POST")
        self.assertEqual(len(posts), 2)
        self.assertEqual(posts[-1].body.decode(), ack.payload)
        self.assertEqual(posts[-1].headers["Content-Type"], X12)
        self.assertEqual(posts[-1].headers["Idempotency-Key"], ack.idempotency_key)

    def test_997_not_sent_by_default(self):
        answer = self.answer(self.post(self.interchange(342)), 202)
        ack = self.Message.browse(answer["ack_message_id"])
        self.assertEqual(ack.state, "done")
        self.Message._process_queue()
        self.assertEqual(self.partner.count(), 0)

    # ------------------------------------------------------------------
    # The partner's 997s
    # ------------------------------------------------------------------
    def our_997(self, control):
        answer = self.answer(self.post(self.interchange(control)), 202)
        ack = self.Message.browse(answer["ack_message_id"])
        gs06 = ack.x12_group_controls.strip(",")
        self.assertTrue(gs06)
        return ack, gs06

    def test_partner_997_accepts_what_we_sent(self):
        ack, gs06 = self.our_997(351)
        answer = self.answer(self.post(partner_997(gs06)), 202)
        received = self.Message.browse(answer["message_ids"])
        self.assertRecordValues(received, [{"direction": "inbound", "message_type": "x12_997"}])
        self.Message._process_queue()
        self.assertRecordValues(received, [{"state": "done", "ack_state": "accepted"}])
        self.assertRecordValues(ack, [{"ack_state": "accepted", "ack_message_id": received.id}])

    def test_partner_997_rejects_what_we_sent(self):
        ack, gs06 = self.our_997(352)
        self.answer(self.post(partner_997(gs06, "R", "R", codes=["5"], control=556)), 202)
        self.Message._process_queue()
        self.assertRecordValues(ack, [{"ack_state": "rejected", "ack_error_codes": "5"}])
        rejected = self.Message.search([("ack_state", "=", "rejected"), ("direction", "=", "outbound")])
        self.assertEqual(rejected, ack)

    def test_unmatched_partner_997_is_kept(self):
        answer = self.answer(self.post(partner_997("424242", control=557)), 202)
        received = self.Message.browse(answer["message_ids"])
        self.Message._process_queue()
        self.assertRecordValues(received, [{"state": "done", "ack_state": "unmatched"}])
        self.assertFalse(self.Message.search([("ack_message_id", "=", received.id)]))
        again = self.answer(self.post(partner_997("424242", control=557)), 200)
        self.assertEqual(again["status"], "duplicate")

    def test_503_keeps_a_partner_997_as_a_997(self):
        Message = self.registry["logistics.message"]
        data = partner_997("424243", control=559)
        with (
            patch.object(Message, "_x12_receive_997", autospec=True, side_effect=ZeroDivisionError("a bug")),
            self.assertLogs("odoo.addons.shipment_events.controllers.webhook", level="ERROR"),
        ):
            response = self.post(data)
        self.assertEqual(response.status_code, 503, response.text)
        kept = self.Message.search([("backend_id", "=", self.backend.id)])
        self.assertRecordValues(kept, [{"message_type": "x12_997", "direction": "inbound", "state": "received"}])
        self.Message._process_queue()
        self.assertRecordValues(kept, [{"state": "done", "ack_state": "unmatched"}])

    def test_malformed_partner_997_refused(self):
        data = partner_997("1", control=558).replace(b"AK1*FA*1~\n", b"")
        answer = self.answer(self.post(data), 400)
        self.assertIn("997", answer["error"])


@tagged("post_install", "-at_install")
class TestIs997(BaseCase):
    def test_997_told_from_214(self):
        self.assertTrue(x12_214.is_997(partner_997("1")))
        self.assertTrue(x12_214.is_997(b"ST*997*0001~AK1*QM*1~AK9*A*1*1*1~SE*4*0001~"))
        self.assertTrue(x12_214.is_997(partner_997("1").replace(b"*", b"|").replace(b">~", b">~")))
        self.assertFalse(x12_214.is_997(ShipmentEventsCommon.x12_214([("AF", "NS", "20261120", "0810", "UT", "X")])))
        # An element "ST" followed by 997 inside a segment is not a set header.
        self.assertFalse(x12_214.is_997(b"ISA*00~GS*QM*A*B~ST*214*0001~N4*CITY*ST*997~SE*3*0001~"))
        self.assertFalse(x12_214.is_997(b""))


if not corpus_missing(__name__):

    @tagged("post_install", "-at_install", "x12_corpus")
    class TestX12JournalCorpus(ShipmentEventsCommon, HttpCase):
        """A real published 214 (FedEx Ground, GE01 says 237 sets for 1) through the webhook."""

        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            cls.setup_shipment_events()

        def test_real_214_through_the_webhook(self):
            [path] = [p for p in corpus_files("x12_214") if "fedex" in p]
            self.assertTrue(path.startswith(CORPUS))
            with open(path, "rb") as sample:
                data = sample.read()
            timestamp = str(int(time.time()))
            digest = hmac.new(self.SECRET.encode(), f"{timestamp}.".encode() + data, hashlib.sha256).hexdigest()
            headers = {"Content-Type": X12, "X-Logistics-Timestamp": timestamp}
            headers["X-Logistics-Signature"] = f"v1={digest}"
            response = self.url_open(f"/logistics/webhook/{self.backend.code}", data=data, headers=headers)
            self.assertEqual(response.status_code, 202, response.text)
            answer = response.json()
            message = self.env["logistics.message"].browse(answer["message_ids"])
            self.assertEqual(message.message_type, "x12_214")
            self.assertGreaterEqual(message.intake_warning_count, 1)
            self.assertIn("GE01", message.intake_warnings)
            self.assertIn("AK9*E", answer["ack"])
