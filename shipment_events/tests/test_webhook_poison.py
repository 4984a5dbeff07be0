"""Poison bodies posted to the real milestone and platform webhooks: each is answered 400 with
a message naming the problem (never a 503 a sender would retry forever), kept in the journal
as failed, and the next good event is accepted (issue 18, "no bad input that loops")."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ShipmentEventsCommon
from .platform_common import data_bytes
from .test_platform_shippo import DOCS
from .test_webhook import LOGGER, TestWebhook

# A body for each reason a JSON body cannot be read; {event} is a good event's JSON object
# without its closing brace, so each poison sits inside an otherwise valid event.
POISONS = [
    ("deep array", lambda event: b"[" * 5000 + b"]" * 5000, "nested deeper than 64 levels"),
    ("deep object", lambda event: b'{"a":' * 3000 + event + b"}" + b"}" * 3000, "nested deeper than 64 levels"),
    ("NaN", lambda event: event[:-1] + b', "location": {"city": "Lyon", "lat": NaN}}', "NaN is not a JSON number"),
    ("Infinity", lambda event: event[:-1] + b', "weight": Infinity}', "Infinity is not a JSON number"),
    ("-Infinity", lambda event: event[:-1] + b', "weight": -Infinity}', "-Infinity is not a JSON number"),
    ("huge integer", lambda event: event[:-1] + b', "weight": ' + b"9" * 100_000 + b"}", "100000 digits is too large"),
    ("huge float", lambda event: event[:-1] + b', "weight": 1e400}', "1e400 is too large for a float"),
    ("invalid UTF-8", lambda event: event[:-1] + b', "reason": "caf\xe9"}', "not valid UTF-8"),
    (
        "conflicting keys",
        lambda event: b'{"ref": "A", "ref": "B", ' + event[1:],
        "'ref' appears twice in an object, with different values",
    ),
    ("NUL", lambda event: event[:-1] + b', "reason": "a\\u0000b"}', "NUL character"),
    ("lone surrogate", lambda event: event[:-1] + b', "reason": "\\ud800"}', "lone surrogate"),
]


class PoisonCommon(ShipmentEventsCommon):
    """The signed ``post`` of the webhook tests (their functions, not their class: its tests
    are not run again here)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        cls.url = f"/logistics/webhook/{cls.backend.code}"

    signature = staticmethod(TestWebhook.signature)
    post = TestWebhook.post
    messages = TestWebhook.messages
    assert_refused = TestWebhook.assert_refused


@tagged("post_install", "-at_install")
class TestWebhookPoison(PoisonCommon, HttpCase):
    def good_event(self, event_id):
        return json.dumps(self.make_event(event_id=event_id, minutes=len(self.messages()))).encode()

    def assert_poison_refused(self, body, fragment):
        before = self.messages()
        response = self.post(body)
        answer = self.assert_refused(response, 400, fragment)
        new = self.messages() - before
        self.assertEqual(answer["message_ids"], new.ids)
        self.assertRecordValues(new, [{"state": "failed", "message_type": "shipment_event"}])
        self.assertIn(fragment, new.last_error)
        self.assertEqual(new._get_payload_bytes(), body, "the body is kept as received, for inspection")
        return new

    def test_each_poison_is_400_kept_failed_then_a_good_event_is_accepted(self):
        for index, (name, make, fragment) in enumerate(POISONS):
            with self.subTest(poison=name):
                event = json.dumps(self.make_event(event_id=f"POISON-{index}")).encode()
                self.assert_poison_refused(make(event), fragment)
                good = self.post(self.good_event(f"GOOD-{index}"))
                self.assertEqual(good.status_code, 202, good.text)
        # Nothing of the poisons reached a shipment; the good events are processed.
        self.process()
        self.assertEqual(len(self.events_of()), len(POISONS))
        failed = self.messages().filtered(lambda message: message.state == "failed")
        self.assertEqual(len(failed), len(POISONS), "the failed bodies stay failed after the queue ran")

    def test_poison_inside_a_batch_refuses_the_whole_body(self):
        batch = json.dumps({"events": [self.make_event(event_id="B-1"), self.make_event(event_id="B-2")]})
        body = batch[:-2].encode() + b', {"weight": NaN}]}'
        self.assert_poison_refused(body, "NaN is not a JSON number")
        self.assertEqual(len(self.messages()), 1, "no event of a poisoned batch is journaled")

    def test_repeated_key_with_the_same_value_is_accepted_with_a_warning(self):
        event = json.dumps(self.make_event(event_id="TWICE")).encode()
        response = self.post(event[:-1] + b', "status": "in_transit"}')
        self.assertEqual(response.status_code, 202, response.text)
        message = self.messages()
        self.assertEqual(message.state, "received")
        self.assertEqual(message.intake_warning_count, 1)
        self.assertIn("repeated with the same value: 'status'", message.intake_warnings)

    def test_brackets_and_escapes_in_strings_are_not_nesting(self):
        reason = "[" * 200 + '{"\\" \\\\ [' * 50
        response = self.post(self.make_event(event_id="STRINGS", reason=reason))
        self.assertEqual(response.status_code, 202, response.text)
        self.process()
        self.assertEqual(self.events_of().reason, reason)

    def test_x12_and_edifact_poisons_are_400(self):
        cases = [
            (b"ISA*00*\xff\xfe" + b"*" * 200, "application/edi-x12"),
            (b"ISA" + b"~" * 5000, "application/edi-x12"),
            (b"\x00" * 300, "application/edi-x12"),
            (b"UNB+UNOA:2+" + b"'" * 3000, "application/edifact"),
            (b"UNA:+.? 'UNB+" + b"?" * 3000, "application/edifact"),
            (b"UNA:", "application/edifact"),
            (b"UNA:+.", "application/edifact"),
        ]
        for body, content_type in cases:
            with self.subTest(body=body[:20], content_type=content_type):
                before = self.messages()
                response = self.post(body, content_type=content_type)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertNotIn("Traceback", response.text)
                new = (self.messages() - before).filtered(lambda message: message.message_type != "x12_997")
                self.assertEqual(new.mapped("state"), ["failed"])
        self.assertEqual(self.post(self.good_event("AFTER-EDI")).status_code, 202)

    def test_body_error_escaping_an_intake_is_400_and_kept_failed(self):
        Message = self.registry["logistics.message"]
        for error, fragment in [
            (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
            (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not valid UTF-8"),
        ]:
            with self.subTest(error=type(error).__name__):
                before = self.messages()
                with (
                    patch.object(Message, "_webhook_receive_json", autospec=True, side_effect=error),
                    self.assertLogs(LOGGER, level="WARNING") as logs,
                ):
                    response = self.post(self.make_event(event_id=f"ESCAPED-{type(error).__name__}"))
                answer = self.assert_refused(response, 400, fragment)
                self.assertIn("body refused", "\n".join(logs.output))
                new = self.messages() - before
                self.assertEqual(answer["message_ids"], new.ids)
                self.assertRecordValues(new, [{"state": "failed", "message_type": "shipment_event_batch"}])
                self.assertIn(fragment, new.last_error)

    def test_serialization_failure_after_odoo_retries_is_503(self):
        Message = self.registry["logistics.message"]

        def conflict(model, backend, body, source):
            model.env.cr.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$"
            )

        # One try instead of Odoo's five (with their waits): the failure outlives the retries.
        with (
            patch("odoo.service.model.MAX_TRIES_ON_CONCURRENCY_FAILURE", 1),
            patch.object(Message, "_webhook_receive_json", autospec=True, side_effect=conflict),
            mute_logger("odoo.http", "odoo.service.model", "odoo.sql_db"),
        ):
            response = self.post(self.make_event(event_id="CONFLICT"))
        self.assertEqual(response.status_code, 503, response.text)
        self.assertIn("please retry later", response.json()["error"])
        self.assertEqual(response.headers.get("Retry-After"), "5")
        self.assertEqual(self.post(self.make_event(event_id="CONFLICT")).status_code, 202)


@tagged("post_install", "-at_install")
class TestPlatformWebhookPoison(PoisonCommon, HttpCase):
    """The same poisons through a carrier platform's webhook (Shippo, signed by its URL token)."""

    PLATFORM_SECRET = "shippo-token-8f1e2d"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.platform_backend = cls.make_carrier_backend(
            "shippo account", "shippo-poison", cls.PLATFORM_SECRET, platform="shippo", auto_send_transport_orders=False
        )

    def post_shippo(self, body):
        url = f"/logistics/webhook/{self.platform_backend.code}?token={self.PLATFORM_SECRET}"
        return self.url_open(url, data=body, headers={"Content-Type": "application/json"})

    def test_each_poison_is_400_kept_failed_then_a_good_body_is_accepted(self):
        Message = self.env["logistics.message"]
        good = json.loads(data_bytes(DOCS))
        good_text = json.dumps(good).encode()
        for name, make, fragment in POISONS:
            with self.subTest(poison=name):
                body = make(good_text[:-1] + b"}")
                before = Message.search([("backend_id", "=", self.platform_backend.id)])
                response = self.post_shippo(body)
                answer = self.assert_refused(response, 400, fragment)
                new = Message.search([("backend_id", "=", self.platform_backend.id)]) - before
                self.assertEqual(answer["message_ids"], new.ids)
                self.assertEqual(new.mapped("state"), ["failed"])
                self.assertEqual(new._get_payload_bytes(), body)
        accepted = self.post_shippo(good_text)
        self.assertEqual(accepted.status_code, 202, accepted.text)
