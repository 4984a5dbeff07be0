"""Personal data of milestones: logs never carry a body, the journal's payloads are redacted by
the data policy (the records keep what the business needs), and the dedup still works."""

import base64
import hashlib
import hmac
import json
import logging
import time

from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.logistics_connector.services import privacy

from .common import ShipmentEventsCommon

PERSONAL = "Zyxwvut Quimbleworth"
EMAIL = "zyxwvut.quimbleworth@example.org"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@tagged("post_install", "-at_install")
class TestEventsPrivacy(ShipmentEventsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        cls.url = f"/logistics/webhook/{cls.backend.code}"

    def post(self, body, content_type="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        timestamp = str(int(time.time()))
        digest = hmac.new(self.SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": content_type,
            "X-Logistics-Timestamp": timestamp,
            "X-Logistics-Signature": "v1=" + digest,
        }
        return self.url_open(self.url, data=body, headers=headers)

    def pod_event(self, event_id="EV-POD-1"):
        return self.make_event(
            "delivered",
            minutes=30,
            event_id=event_id,
            pod={"signer": PERSONAL, "document_base64": self.pdf_base64(), "filename": "pod.pdf"},
            recipient={"email": EMAIL, "phone": "+33 6 12 34 56 78"},
        )

    def age(self, messages, days=40):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_message SET processed_at = processed_at - %s * interval '1 day' WHERE id = ANY(%s)",
            [days, messages.ids],
        )
        messages.invalidate_recordset()

    def test_logs_never_carry_payload_values(self):
        capture = _Capture()
        root = logging.getLogger()
        addons = logging.getLogger("odoo.addons")
        old_level = addons.level
        root.addHandler(capture)
        addons.setLevel(logging.DEBUG)
        try:
            # A valid body, a malformed one and one the schema refuses, each with the value.
            self.assertEqual(self.post(self.pod_event()).status_code, 202)
            malformed = b'{"tracking_ref": "PRO-1001", "pod": {"signer": "' + PERSONAL.encode() + b'"'
            self.assertEqual(self.post(malformed).status_code, 400)
            refused = self.make_event("delivered", event_time=PERSONAL)
            self.assertEqual(self.post(refused).status_code, 400)
            # A message that fails in processing with the value in its error.
            message, _original = self.env["logistics.message"]._journal(
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "shipment_event",
                    "payload": {"tracking_ref": "PRO-1001", "status": "delivered", "event_time": PERSONAL},
                }
            )
            self.process()
            self.assertIn(message.state, ("failed", "dead"))
            self.assertIn(PERSONAL, message.last_error, "the message keeps its error for the manager")
        finally:
            root.removeHandler(capture)
            addons.setLevel(old_level)
        output = "\n".join(capture.lines)
        self.assertIn(f"Message {message.id}: ", output, "the failure was logged, without its body")
        self.assertNotIn(PERSONAL, output)
        self.assertNotIn("Quimbleworth", output)
        self.assertNotIn(EMAIL, output)

    def test_pod_payload_redacted_records_kept_and_duplicate_recognised(self):
        body = json.dumps(self.pod_event()).encode()
        self.assertEqual(self.post(body).status_code, 202)
        self.process()
        message = self.env["logistics.message"].search(
            [("backend_id", "=", self.backend.id), ("message_type", "=", "shipment_event")]
        )
        self.assertEqual(message.state, "done", message.last_error)
        event = self.events_of().filtered("pod_signer")
        self.assertEqual(event.pod_signer, PERSONAL)
        self.age(message)
        self.env["logistics.message"]._cron_redact_personal_data()
        self.assertTrue(message.redacted_at)
        stored = message.sudo().payload
        for value in (PERSONAL, EMAIL, self.pdf_base64(), "12 34 56 78"):
            self.assertNotIn(value, stored)
        data = json.loads(stored)
        self.assertEqual(data["pod"]["signer"], privacy.hash_token(PERSONAL, message._privacy_secret()))
        self.assertEqual(data["tracking_ref"], "PRO-1001")
        self.assertEqual(data["location"], {"city": "Lyon", "country": "FR"})
        # The milestone keeps what the business needs until Forget this contact.
        self.assertEqual(event.pod_signer, PERSONAL)
        self.assertEqual(base64.b64decode(self.pdf_base64()), event.pod_attachment_id.raw)
        # The carrier sends the same body again: a duplicate of the redacted message.
        response = self.post(body)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "duplicate")
        self.assertEqual(len(self.events_of().filtered("pod_signer")), 1)

    def test_x12_214_and_edifact_payloads_redacted(self):
        body = self.x12_214([("D1", "NS", "20261120", "1400", "LT", "Lyon")])
        body = body.replace(b"LX*1~", b"N1*CN*" + PERSONAL.encode() + b"~\nN3*1 Secret Lane~\nLX*1~")
        body = body.replace(b"SE*7*0001", b"SE*9*0001")
        message, _original = self.env["logistics.message"]._journal(
            {
                "backend_id": self.backend.id,
                "direction": "inbound",
                "message_type": "x12_214",
                "payload": body,
                "state": "done",
                "processed_at": "2026-01-01 00:00:00",
            }
        )
        self.env["logistics.message"]._cron_redact_personal_data()
        stored = message._get_payload_bytes()
        self.assertTrue(message.redacted_at)
        self.assertNotIn(PERSONAL.encode(), stored)
        self.assertNotIn(b"Secret Lane", stored)
        self.assertIn(b"MS1*Lyon**FR~", stored)


@tagged("post_install", "-at_install")
class TestPlatformPrivacyRules(TransactionCase):
    """The platforms' bodies and an IFTSTA: the rules each message type is given."""

    def test_platform_bodies(self):
        rules = self.env["logistics.message"]._payload_privacy_rules()["platform_event"]
        sendcloud = {
            "action": "parcel_status_changed",
            "parcel": {
                "id": 1,
                "name": PERSONAL,
                "address": "1 Secret Lane",
                "telephone": "+33612345678",
                "email": EMAIL,
                "city": "Lyon",
                "tracking_number": "TRK-1",
                "status": {"id": 11, "message": "Delivered"},
            },
        }
        aftership = {
            "event": "tracking_update",
            "msg": {
                "tracking_number": "TRK-2",
                "customers": [{"name": PERSONAL, "phone_number": "+33612345678", "email": EMAIL}],
                "signed_by": PERSONAL,
                "checkpoints": [{"city": "Lyon", "tag": "Delivered"}],
            },
        }
        easypost = {"result": {"object": "Tracker", "signed_by": PERSONAL, "tracking_code": "TRK-3"}}
        for body in (sendcloud, aftership, easypost):
            redacted, count = privacy.redact(json.dumps(body).encode(), rules, "secret")
            self.assertTrue(count)
            self.assertNotIn(PERSONAL.encode(), redacted)
            self.assertNotIn(EMAIL.encode(), redacted)
            self.assertIn(b"TRK-", redacted)
        self.assertIn(b'"city": "Lyon"', privacy.redact(json.dumps(sendcloud).encode(), rules, "secret")[0])

    def test_iftsta(self):
        rules = self.env["logistics.message"]._payload_privacy_rules()["edifact_iftsta"]
        body = (
            "UNB+UNOC:3+SENDER+RECEIVER+261120:0800+1'UNH+1+IFTSTA:D:04A:UN'"
            f"NAD+CN+ID::87++{PERSONAL}+1 Secret Lane+Lyon++69001+FR'CTA+IC+:{PERSONAL}'COM+{EMAIL}:EM'"
            "UNT+5+1'UNZ+1+1'"
        ).encode()
        redacted, count = privacy.redact(body, rules, "secret")
        self.assertEqual(count, 4)
        for value in (PERSONAL, EMAIL, "Secret Lane"):
            self.assertNotIn(value.encode(), redacted)
        self.assertIn(b"+Lyon++69001+FR'", redacted)
