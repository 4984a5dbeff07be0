import hashlib
import hmac
import json
import time
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ShipmentEventsCommon

LOGGER = "odoo.addons.shipment_events.controllers.webhook"


@tagged("post_install", "-at_install")
class TestWebhook(ShipmentEventsCommon, HttpCase):
    """Real HTTP requests to /logistics/webhook/<code>, and what they leave in the database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        cls.url = f"/logistics/webhook/{cls.backend.code}"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @staticmethod
    def signature(secret, timestamp, body):
        """The documented scheme: HMAC-SHA256 hex over "<timestamp>." + raw body."""
        return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()

    def post(self, body, secret=None, timestamp=None, content_type="application/json", url=None, headers=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
        all_headers = {"Content-Type": content_type}
        if secret is not False:
            all_headers.update(
                {
                    "X-Logistics-Timestamp": timestamp,
                    "X-Logistics-Signature": "v1=" + self.signature(secret or self.SECRET, timestamp, body),
                }
            )
        all_headers.update(headers or {})
        return self.url_open(url or self.url, data=body, headers=all_headers)

    def messages(self):
        return self.env["logistics.message"].search([("backend_id", "=", self.backend.id)], order="id")

    def assert_refused(self, response, status, fragment):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        answer = response.json()
        self.assertIn(fragment, answer["error"])
        self.assertNotIn("Traceback", response.text)
        return answer

    # ------------------------------------------------------------------
    # 202 / 200
    # ------------------------------------------------------------------
    def test_202_event_journaled_then_processed(self):
        event = self.make_event(status="picked_up", event_id="HTTP-1")
        body = json.dumps(event).encode()
        response = self.post(body)
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "accepted")
        message = self.messages()
        self.assertEqual(answer["message_ids"], message.ids)
        self.assertRecordValues(
            message,
            [
                {
                    "message_type": "shipment_event",
                    "direction": "inbound",
                    "state": "received",
                    "idempotency_key": "event:HTTP-1",
                    "content_type": "application/json",
                    "source": "webhook 127.0.0.1",
                }
            ],
        )
        self.assertEqual(message._get_payload_bytes(), body)
        self.assertEqual(message.create_uid, self.env.ref("shipment_events.user_webhook"))
        self.assertFalse(self.events_of())
        self.env["logistics.message"]._process_queue()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.shipment.status, "picked_up")
        self.assertEqual(self.events_of().channel, "webhook")

    def test_200_duplicate_and_replay_within_tolerance(self):
        body = json.dumps(self.make_event(event_id="HTTP-DUP")).encode()
        timestamp = int(time.time())
        first = self.post(body, timestamp=timestamp)
        self.assertEqual(first.status_code, 202)
        # The very same signed request replayed inside the tolerance window: a duplicate, nothing new.
        second = self.post(body, timestamp=timestamp)
        self.assertEqual(second.status_code, 200, second.text)
        self.assertEqual(second.json(), {"status": "duplicate", "message_ids": first.json()["message_ids"]})
        messages = self.messages()
        self.assertEqual(messages.mapped("state"), ["received", "duplicate"])
        self.assertEqual(messages[1].duplicate_of_id, messages[0])
        self.env["logistics.message"]._process_queue()
        self.assertEqual(len(self.events_of()), 1)

    def test_duplicate_without_event_id_uses_identifying_fields(self):
        event = self.make_event(status="in_transit")
        self.assertEqual(self.post(event).status_code, 202)
        again = self.post(dict(event, reason="same event, other text"))
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["status"], "duplicate")
        other = self.post(self.make_event(status="in_transit", minutes=5))
        self.assertEqual(other.status_code, 202)

    def test_202_batch_with_per_event_statuses(self):
        self.post({"events": [self.make_event(event_id="B-0")]})
        body = {
            "events": [
                self.make_event(event_id="B-0"),
                self.make_event(status="out_for_delivery", minutes=30, event_id="B-1"),
                {"tracking_ref": "PRO-1001", "status": "delivered", "event_time": "yesterday"},
            ]
        }
        response = self.post(body)
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "partial")
        self.assertEqual([e["status"] for e in answer["events"]], ["duplicate", "accepted", "invalid"])
        self.assertIn("events[2].event_time", answer["events"][2]["error"])
        batch = self.env["logistics.message"].browse(answer["batch_message_id"])
        self.assertRecordValues(batch, [{"message_type": "shipment_event_batch", "state": "done"}])
        self.assertEqual(json.loads(batch._get_payload_bytes()), body)
        invalid = self.env["logistics.message"].browse(answer["events"][2]["message_id"])
        self.assertEqual(invalid.state, "failed")
        self.assertIn("event_time", invalid.last_error)
        self.assertEqual(json.loads(invalid.payload)["event_time"], "yesterday")
        self.env["logistics.message"]._process_queue()
        self.assertEqual(self.shipment.status, "out_for_delivery")

    def test_sync_processing_backend(self):
        self.backend.process_sync = True
        response = self.post(self.make_event(status="delivered", event_id="SYNC-1"))
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertTrue(answer["processed"])
        self.assertEqual(list(answer["states"].values()), ["done"])
        self.assertEqual(self.shipment.status, "delivered")

    # ------------------------------------------------------------------
    # 400
    # ------------------------------------------------------------------
    def test_400_malformed_json_kept_as_failed(self):
        body = b'{"tracking_ref": "PRO-1001", "status": '
        response = self.post(body)
        answer = self.assert_refused(response, 400, "not valid JSON")
        message = self.messages()
        self.assertEqual(answer["message_ids"], message.ids)
        self.assertRecordValues(message, [{"state": "failed", "message_type": "shipment_event"}])
        self.assertIn("not valid JSON", message.last_error)
        self.assertEqual(message._get_payload_bytes(), body)
        self.assertFalse(self.env["logistics.shipment.event"].search([("backend_id", "=", self.backend.id)]))

    def test_400_invalid_event_names_the_problem(self):
        cases = [
            ({"tracking_ref": "PRO-1001", "status": "in_transit"}, "'event_time' is a required property"),
            (self.make_event(event_time="2026-11-20T08:00:00"), "has no UTC offset"),
            (self.make_event(status="teleported"), "status"),
            ({"status": "in_transit", "event_time": "2026-11-20T08:00:00Z"}, "At least one shipment reference"),
            (self.make_event(location={"city": "Lyon", "lat": 123}), "location.lat"),
            ([1, 2], "must be an event object"),
            ({"events": []}, "'events' is empty"),
        ]
        for body, fragment in cases:
            with self.subTest(fragment=fragment):
                before = len(self.messages())
                self.assert_refused(self.post(body), 400, fragment)
                new = self.messages()[before:]
                self.assertEqual(new.mapped("state"), ["failed"])

    # ------------------------------------------------------------------
    # 401
    # ------------------------------------------------------------------
    def _assert_401_nothing_stored(self, response, fragment):
        self.assert_refused(response, 401, fragment)
        self.assertFalse(self.messages())

    def test_401_missing_signature_logged_with_source_address(self):
        with self.assertLogs(LOGGER, level="WARNING") as logs:
            response = self.post(self.make_event(), secret=False)
        self._assert_401_nothing_stored(response, "")
        self.assertIn("127.0.0.1", logs.output[0])

    def test_401_bad_signature(self):
        with self.assertLogs(LOGGER, level="WARNING"):
            self._assert_401_nothing_stored(self.post(self.make_event(), secret="not-the-secret"), "")
        body = json.dumps(self.make_event()).encode()
        timestamp = str(int(time.time()))
        headers = {
            "X-Logistics-Timestamp": timestamp,
            "X-Logistics-Signature": "v1=" + self.signature(self.SECRET, timestamp, body + b" "),
        }
        with self.assertLogs(LOGGER, level="WARNING"):
            response = self.url_open(self.url, data=body, headers=dict(headers, **{"Content-Type": "application/json"}))
        self._assert_401_nothing_stored(response, "")

    def test_401_stale_and_future_timestamps(self):
        now = int(time.time())
        # Well outside the 300 s default: a request takes time, and the integer timestamp truncates.
        for timestamp in (now - 360, now + 360, "not-a-time"):
            with self.subTest(timestamp=timestamp), self.assertLogs(LOGGER, level="WARNING"):
                self._assert_401_nothing_stored(self.post(self.make_event(), timestamp=timestamp), "")
        # The tolerance is the backend's.
        self.backend.webhook_tolerance_seconds = 900
        self.assertEqual(self.post(self.make_event(), timestamp=now - 600).status_code, 202)

    def test_401_replay_outside_tolerance(self):
        body = json.dumps(self.make_event(event_id="REPLAY")).encode()
        old = int(time.time()) - 3600
        with self.assertLogs(LOGGER, level="WARNING"):
            self._assert_401_nothing_stored(self.post(body, timestamp=old), "")

    def test_rotated_secret_accepted_expired_refused(self):
        self.backend.write(
            {
                "webhook_secret": "whsec-brand-new",
                "webhook_secret_previous": self.OLD_SECRET,
                "webhook_secret_previous_until": fields.Datetime.now() + timedelta(hours=1),
            }
        )
        self.assertEqual(self.post(self.make_event(minutes=1), secret=self.OLD_SECRET).status_code, 202)
        self.assertEqual(self.post(self.make_event(minutes=2), secret="whsec-brand-new").status_code, 202)
        self.backend.webhook_secret_previous_until = fields.Datetime.now() - timedelta(minutes=1)
        with self.assertLogs(LOGGER, level="WARNING"):
            response = self.post(self.make_event(minutes=3), secret=self.OLD_SECRET)
        self.assert_refused(response, 401, "")
        self.assertEqual(len(self.messages()), 2)

    def test_401_no_secret_configured(self):
        """Refused, logged with the reason, and answered exactly as an unknown code is (a caller
        cannot tell a backend without a secret from no backend at all)."""
        self.backend.webhook_secret = False
        event = self.make_event()
        with self.assertLogs(LOGGER, level="WARNING") as logs:
            response = self.post(event)
        self._assert_401_nothing_stored(response, "")
        self.assertIn("no webhook secret is configured", logs.output[0])
        with self.assertLogs(LOGGER, level="WARNING"):
            unknown = self.post(event, url="/logistics/webhook/no-such-backend")
        self.assertEqual((unknown.status_code, unknown.json()), (response.status_code, response.json()))

    # ------------------------------------------------------------------
    # X12 214
    # ------------------------------------------------------------------
    def test_x12_202_with_997_and_duplicate(self):
        data = self.x12_214([("AF", "NS", "20261120", "0810", "UT", "Lyon")], control=201)
        response = self.post(data, content_type="application/edi-x12")
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "accepted")
        self.assertIn("AK9*A*1*1*1~", answer["ack"])
        message = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertRecordValues(
            message, [{"message_type": "x12_214", "state": "received", "source": "webhook 127.0.0.1"}]
        )
        self.assertEqual(message._get_payload_bytes(), data)
        ack = self.env["logistics.message"].browse(answer["ack_message_id"])
        self.assertEqual(ack.payload, answer["ack"])
        again = self.post(data, content_type="text/plain")
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["status"], "duplicate")
        self.env["logistics.message"]._process_queue()
        self.assertEqual(self.shipment.status, "picked_up")
        self.assertEqual(self.events_of().channel, "webhook")

    def test_x12_400_malformed_kept_failed(self):
        data = b"ISA*00*this is not an interchange~"
        response = self.post(data, content_type="application/edi-x12")
        answer = self.assert_refused(response, 400, "malformed X12 interchange")
        self.assertIn("ISA", answer["error"])
        message = self.messages()
        self.assertRecordValues(message, [{"state": "failed", "message_type": "x12_214"}])
        self.assertEqual(message._get_payload_bytes(), data)

    def test_x12_400_every_set_rejected_with_ak_segments(self):
        isa_only = self.x12_214([("AF", "NS", "20261120", "0810", "UT", "Lyon")], control=202)
        data = isa_only.replace(b"B10*PRO-1001*SHIP-778*FSTC~\n", b"").replace(b"SE*7*0001", b"SE*6*0001")
        response = self.post(data, content_type="application/edi-x12")
        answer = self.assert_refused(response, 400, "no B10 segment")
        self.assertIn("AK3*", answer["ack"])
        self.assertIn("AK5*R", answer["ack"])
        self.assertIn("AK9*R", answer["ack"])
        failed = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertEqual(failed.state, "failed")

    # ------------------------------------------------------------------
    # 404 / 413 / 415 / method
    # ------------------------------------------------------------------
    def test_404_unknown_or_inactive_backend(self):
        self.assert_refused(self.post(self.make_event(), url="/logistics/webhook/nope"), 401, "bad signature")
        self.backend.active = False
        self.assert_refused(self.post(self.make_event()), 401, "bad signature")
        self.assertFalse(self.env["logistics.message"].search([("backend_id", "=", self.backend.id)]))

    def test_backend_changes_apply_to_the_next_request(self):
        """The intake settings are cached per worker (logistics.backend._webhook_intake): a
        change of the backend clears them, so the next request already obeys it."""
        self.assertEqual(self.post(self.make_event(minutes=1)).status_code, 202)
        self.backend.webhook_secret = "whsec-changed"
        with self.assertLogs(LOGGER, level="WARNING"):
            self.assert_refused(self.post(self.make_event(minutes=2)), 401, "")
        self.assertEqual(self.post(self.make_event(minutes=3), secret="whsec-changed").status_code, 202)
        self.backend.action_archive()
        self.assert_refused(self.post(self.make_event(minutes=4), secret="whsec-changed"), 401, "bad signature")
        self.backend.action_unarchive()
        self.backend.process_sync = True
        answer = self.post(self.make_event(minutes=5), secret="whsec-changed").json()
        self.assertTrue(answer.get("processed"), answer)
        # A second backend with the same code (another company) is refused: a code names one backend.
        other_company = self.env["res.company"].create({"name": "Other logistics company"})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.backend.copy({"company_id": other_company.id, "code": self.backend.code})
        self.assertEqual(self.post(self.make_event(minutes=6), secret="whsec-changed").status_code, 202)

    def test_503_unexpected_error_keeps_the_body_and_nothing_else(self):
        Message = self.registry["logistics.message"]

        def broken(model, backend, body, source):
            # Something is written, then something unexpected breaks the intake.
            model._journal(
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": "shipment_event",
                    "payload": body,
                    "idempotency_key": "half-done",
                }
            )
            # The message is built at run time: the log shows source lines, never the message.
            raise ZeroDivisionError(" ".join(("an", "unexpected", "bug")))

        event = self.make_event(event_id="BROKEN-1")
        body = json.dumps(event).encode()
        with (
            patch.object(Message, "_webhook_receive_json", autospec=True, side_effect=broken),
            self.assertLogs(LOGGER, level="ERROR") as logs,
        ):
            response = self.post(body)
        self.assertEqual(response.status_code, 503, response.text)
        self.assertIn("please retry later", response.json()["error"])
        self.assertNotIn("Traceback", response.text)
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
                    "message_type": "shipment_event_batch",
                    "state": "received",
                    "idempotency_key": False,
                    "payload": body.decode(),
                    "source": "webhook 127.0.0.1",
                }
            ],
        )
        self.assertIn("unexpected error at intake", message.last_error)
        # The queue turns it into the event it is.
        self.env["logistics.message"]._process_queue()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.events_of().channel, "webhook")
        self.assertEqual(self.shipment.status, "in_transit")

    def test_413_oversized_body(self):
        self.backend.webhook_max_body_kb = 1
        event = self.make_event(reason="x" * 1500)
        self.assert_refused(self.post(event), 413, "1 KiB")
        self.assertFalse(self.messages())
        self.backend.webhook_max_body_kb = 8
        self.assertEqual(self.post(event).status_code, 202)

    def test_415_unsupported_content_type(self):
        response = self.post(b"<event/>", content_type="application/xml")
        self.assert_refused(response, 415, "application/xml")
        self.assertFalse(self.messages())

    def test_get_is_not_allowed(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 405)
        self.assertNotIn("Traceback", response.text)
