"""Database-free tests of the canonical JSON event (services/events.py)."""

from datetime import datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..services import events


@tagged("post_install", "-at_install")
class TestEventFormat(BaseCase):
    def event(self, **extra):
        base = {"tracking_ref": "PRO-1", "status": "in_transit", "event_time": "2026-11-20T10:05:30+02:00"}
        base.update(extra)
        return {key: value for key, value in base.items() if value is not None}

    def test_parse_datetime_keeps_offset_and_converts_to_utc(self):
        self.assertEqual(
            events.parse_datetime("2026-11-20T10:05:30+02:00"), (datetime(2026, 11, 20, 8, 5, 30), "+02:00")
        )
        self.assertEqual(events.parse_datetime("2026-11-20T08:05:30Z"), (datetime(2026, 11, 20, 8, 5, 30), "+00:00"))
        self.assertEqual(events.parse_datetime("2026-11-20T03:05-05:30")[1], "-05:30")
        with self.assertRaisesRegex(ParseError, "no UTC offset"):
            events.parse_datetime("2026-11-20T08:05:30")
        with self.assertRaisesRegex(ParseError, "not an ISO 8601"):
            events.parse_datetime("20/11/2026")

    def test_split_body(self):
        self.assertEqual(events.split_body(b'{"a": 1}'), ([{"a": 1}], False))
        self.assertEqual(events.split_body(b'{"events": [{"a": 1}, {"b": 2}]}'), ([{"a": 1}, {"b": 2}], True))
        for body, fragment in (
            (b"", "empty"),
            (b"\xff\xfe", "UTF-8"),
            (b"{oops", "not valid JSON"),
            (b'"text"', "event object"),
            (b'{"events": {}}', "must be a list"),
            (b'{"events": []}', "is empty"),
        ):
            with self.subTest(body=body), self.assertRaisesRegex(ParseError, fragment):
                events.split_body(body)

    def test_validate_names_the_problem(self):
        events.validate_event(self.event())
        events.validate_event(self.event(status=None, status_code="X6"))
        cases = [
            ({"event_time": None}, "event_time. is a required property"),
            ({"status": "flying"}, r"event\.status"),
            ({"location": {"lat": 91}}, r"event\.location\.lat"),
            ({"pod": {"document_base64": "***"}}, r"pod\.document_base64"),
            ({"pod": {"time": "noon"}}, r"pod\.time"),
        ]
        for extra, pattern in cases:
            event = self.event(**extra)
            with self.subTest(extra=extra), self.assertRaisesRegex(ParseError, pattern):
                events.validate_event(event)
        with self.assertRaisesRegex(ParseError, "At least one shipment reference"):
            events.validate_event({"status": "in_transit", "event_time": "2026-11-20T10:05:30Z"})
        with self.assertRaisesRegex(ParseError, r"events\[3\]"):
            events.validate_event({"status": "in_transit"}, "events[3]")

    def test_identity_is_channel_independent(self):
        # The same milestone: seconds, offsets and case of the city do not matter.
        a = events.event_identity({"tracking_ref": "pro-1"}, "delivered", datetime(2026, 11, 20, 8, 5, 30), "Lyon")
        b = events.event_identity(
            {"tracking_ref": "PRO1", "shipment_id": "X"}, "delivered", datetime(2026, 11, 20, 8, 5), "LYON "
        )
        self.assertEqual(a, b)
        c = events.event_identity({"tracking_ref": "PRO1"}, "in_transit", datetime(2026, 11, 20, 8, 5), "Lyon")
        self.assertNotEqual(a, c)

    def test_idempotency_key(self):
        self.assertEqual(events.idempotency_key(self.event(event_id="E-9")), "event:E-9")
        same = events.idempotency_key(self.event(event_time="2026-11-20T08:05:30Z", reason="other words"))
        self.assertEqual(events.idempotency_key(self.event()), same)
        self.assertNotEqual(events.idempotency_key(self.event(status="delivered")), same)

    def test_normalize_and_classify(self):
        norm = events.normalize_event(
            self.event(
                reason_code="AO",
                location={"city": "Lyon", "country": "fr"},
                pod={"signer": "J", "document_base64": "UE9E", "time": "2026-11-20T09:00:00Z"},
            )
        )
        self.assertEqual(norm["refs"], {"tracking_ref": "PRO-1"})
        self.assertEqual(norm["location"]["country"], "FR")
        self.assertEqual(norm["pod"]["document"], b"POD")
        self.assertEqual(norm["pod"]["time"], datetime(2026, 11, 20, 9, 0))
        self.assertEqual(events.classify("delivered"), "billing")
        self.assertEqual(events.classify("in_transit", has_pod=True), "billing")
        self.assertEqual(events.classify("customs_hold"), "actionable")
        self.assertEqual(events.classify("out_for_delivery", exception_type="refused"), "actionable")
        self.assertEqual(events.classify("in_transit"), "informational")


class TestFastValidation(BaseCase):
    """The fast path accepts only what the JSON Schema accepts; everything else goes to the validator."""

    BASE = {
        "event_id": "e1",
        "tracking_ref": "T1",
        "status": "in_transit",
        "event_time": "2026-11-20T10:00:00Z",
        "location": {"city": "Lyon", "country": "FR", "lat": 45.7, "lon": 4.8},
    }

    def test_agrees_with_the_schema(self):
        import copy
        import random

        schema, validator = events._schema(), events.get_validator()
        self.assertTrue(events.is_certainly_valid(schema, self.BASE))
        for bad in (
            dict(self.BASE, status="nope"),
            dict(self.BASE, location={"lat": 123}),
            dict(self.BASE, location={"lat": True}),
            dict(self.BASE, event_id=""),
            dict(self.BASE, reason="x" * 2001),
            {key: value for key, value in self.BASE.items() if key != "tracking_ref"},
            dict(self.BASE, exception={"type": "weather"}),
        ):
            self.assertFalse(validator.is_valid(bad))
            self.assertFalse(events.is_certainly_valid(schema, bad), bad)
        values = ["", "x", 1, 1.5, True, None, {}, [], "in_transit", {"city": 5}, {"lat": 200}, {"type": "lost"}]
        keys = [*schema["properties"], "unknown"]
        rng = random.Random(7)
        accepted = 0
        for _i in range(3000):
            event = copy.deepcopy(self.BASE)
            for _j in range(rng.randint(1, 3)):
                key = rng.choice(keys)
                if rng.random() < 0.2:
                    event.pop(key, None)
                else:
                    event[key] = rng.choice(values)
            if events.is_certainly_valid(schema, event):
                accepted += 1
                self.assertTrue(validator.is_valid(event), event)
        self.assertGreater(accepted, 100, "the fast path is used")

    def test_unknown_keywords_are_left_to_the_validator(self):
        self.assertFalse(events.is_certainly_valid({"pattern": "^a$"}, "a"))
        self.assertTrue(events.is_certainly_valid({"type": ["string", "null"], "maxLength": 3}, None))
