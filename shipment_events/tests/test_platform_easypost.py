"""EasyPost: its published signature vector, its payloads (two published shapes, sources in
``data/platforms/SOURCES.md``), the webhook's answers and a tracker from pre_transit to
delivered, against real Odoo and PostgreSQL."""

import copy
import json
from datetime import datetime

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from ..formats.platforms import easypost
from .platform_common import PlatformCommon, data_bytes, data_json

CORPUS = "easypost_tracker_updated_fedex_event_body.json"
LOGGER = "odoo.addons.shipment_events.controllers.webhook"


def corpus_body():
    """The signed bytes of EasyPost's vector: the fixture without its trailing LF."""
    return data_bytes(CORPUS).rstrip(b"\n")


def usps_event(description="tracker.created"):
    """EasyPost's API reference Tracker (trackers-create.json) in the Event EasyPost posts."""
    return {
        "object": "Event",
        "id": "evt_usps_1",
        "mode": "test",
        "description": description,
        "status": "pending",
        "created_at": "2022-10-17T17:51:58Z",
        "updated_at": "2022-10-17T17:51:58Z",
        "result": data_json("easypost_tracker_create_usps.json"),
    }


@tagged("post_install", "-at_install")
class TestEasyPostFormat(TransactionCase):
    """The plain-Python module: signature and parsing."""

    def test_published_vector(self):
        expected = data_json(CORPUS + ".expected.json")["signature_test_vector"]
        headers = {"X-Hmac-Signature": expected["value"]}
        self.assertEqual(len(corpus_body()), 3550)
        easypost.verify(headers, corpus_body(), expected["secret"], None)
        # The secret is NFKD-normalised first: its decomposed spelling signs the same.
        easypost.verify(headers, corpus_body(), "se\u0301cret", None)
        self.assertEqual(easypost.sign("sécret", corpus_body()), expected["value"])

    def test_bad_missing_malformed(self):
        value = data_json(CORPUS + ".expected.json")["signature_test_vector"]["value"]
        cases = [
            ({"X-Hmac-Signature": value}, "secret", "bad signature"),
            ({"X-Hmac-Signature": value}, "sécret ", "bad signature"),
            ({}, "sécret", "missing signature"),
            ({"X-Hmac-Signature": value.split("=", 1)[1]}, "sécret", "malformed"),
        ]
        for headers, secret, reason in cases:
            with self.subTest(reason=reason, secret=secret), self.assertRaisesRegex(SignatureError, reason):
                easypost.verify(headers, corpus_body(), secret, None)
        with self.assertRaisesRegex(SignatureError, "bad signature"):
            easypost.verify({"X-Hmac-Signature": value}, corpus_body() + b" ", "sécret", None)

    def test_fedex_tracker_updated(self):
        """Every fact of the corpus' .expected.json that the canonical events carry."""
        facts = data_json(CORPUS + ".expected.json")["expected"]
        key, events = easypost.read(corpus_body())
        self.assertEqual(key, "easypost:trk_1:in_transit:2024-08-02T19:26:51Z")
        self.assertEqual(len(events), facts["event_count"])
        for event, detail in zip(events, facts["events"], strict=True):
            self.assertEqual(event["tracking_ref"], facts["tracking_number"])
            self.assertEqual(event["carrier"], facts["carrier"])
            self.assertEqual(event["status_code"], "easypost:" + detail["status"])
            self.assertEqual(event["event_time"], detail["datetime"])
            self.assertEqual(event["reason"], detail["message"])
            self.assertEqual(event["reason_code"], detail["status_detail"])
            self.assertEqual(event["estimated_delivery"], facts["est_delivery_date"])
            location = event["location"]
            for name in ("city", "state", "country", "zip"):
                self.assertEqual(location.get(name), detail[name], name)

    def test_usps_tracker_created(self):
        """The API reference's test tracker: null locations, no country."""
        key, events = easypost.read(json.dumps(usps_event()).encode())
        self.assertEqual(key, "easypost:trk_52af8b25ec1a4ca687a9691e0dc2198b:pre_transit:2022-10-17T17:51:57Z")
        self.assertEqual([e["status_code"] for e in events], ["easypost:pre_transit"] * 2)
        self.assertNotIn("location", events[0])  # every field of its location is null
        self.assertEqual(events[1]["location"], {"city": "HOUSTON", "state": "TX", "zip": "77063"})
        self.assertEqual(events[1]["reason"], "Shipping Label Created")

    def test_other_events_and_malformed(self):
        other = usps_event("batch.created")
        other["result"] = {"object": "Batch", "id": "batch_1"}
        self.assertEqual(easypost.read(json.dumps(other).encode()), ("easypost:event:evt_usps_1", []))
        broken = usps_event()
        broken["result"]["tracking_details"][0].pop("datetime")
        for body in (b"not json", b"[]", b'{"object": "Shipment"}', json.dumps(broken).encode()):
            with self.subTest(body=body[:20]), self.assertRaises(ParseError):
                easypost.parse(body)


@tagged("post_install", "-at_install")
class TestEasyPostWebhook(PlatformCommon, HttpCase):
    """Real HTTP requests from an EasyPost account to its backend's URL."""

    PLATFORM = "easypost"
    PLATFORM_SECRET = "sécret"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_platform()

    def signed(self, body):
        return {"X-Hmac-Signature": easypost.sign(self.PLATFORM_SECRET, body)}

    def post_easypost(self, body):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.post_platform(body, self.signed(body))

    def test_good_signature_202_then_duplicate_200(self):
        shipment = self.make_tracked_shipment("1")
        response = self.post_platform(corpus_body(), {"X-Hmac-Signature": easypost.sign("sécret", corpus_body())})
        self.assertEqual(response.status_code, 202, response.text)
        message = self.platform_messages()
        self.assertRecordValues(
            message, [{"message_type": "platform_event", "state": "received", "direction": "inbound"}]
        )
        self.assertEqual(response.json()["message_ids"], message.ids)
        again = self.post_platform(corpus_body(), {"X-Hmac-Signature": easypost.sign("sécret", corpus_body())})
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["status"], "duplicate")
        messages = self.platform_messages()
        self.assertEqual(messages.mapped("state"), ["received", "duplicate"])
        self.assertEqual(messages[1].duplicate_of_id, message)
        self.process()
        self.assertEqual(message.state, "done")
        events = self.events_of(shipment)
        self.assertEqual(len(events), 7)
        self.assertEqual(shipment.status, "in_transit")
        self.assertEqual(shipment.planned_delivery, datetime(2024, 8, 5))
        last = events[-1]
        self.assertRecordValues(
            last,
            [
                {
                    "external_code": "easypost:in_transit",
                    "reason": "Arrived at FedEx location",
                    "location_city": "EDISON",
                    "location_state": "NJ",
                    "location_country": "US",
                    "location_zip": "08817",
                    "event_time": datetime(2024, 8, 2, 18, 50),
                    "channel": "webhook",
                }
            ],
        )
        self.assertEqual(events[0].status, "booked")  # pre_transit, the shipped default mapping

    @mute_logger(LOGGER)
    def test_bad_or_missing_signature_401(self):
        body = corpus_body()
        self.assert_same_401_as_unknown(body, {"X-Hmac-Signature": easypost.sign("not the secret", body)})
        self.assert_same_401_as_unknown(body, {})
        # The suite's own scheme does not open a platform backend either.
        self.assert_same_401_as_unknown(body, {"X-Logistics-Signature": "v1=" + "0" * 64})

    def test_malformed_400_kept_as_failed(self):
        broken = usps_event()
        broken["result"]["tracking_details"][1]["datetime"] = "yesterday"
        for body in (b"{not json", json.dumps(broken).encode()):
            response = self.post_easypost(body)
            self.assertEqual(response.status_code, 400, response.text)
            self.assertIn("error", response.json())
        messages = self.platform_messages()
        self.assertEqual(messages.mapped("state"), ["failed", "failed"])
        self.assertEqual(messages[0].payload, "{not json")

    def test_second_shape_and_unmapped_status(self):
        shipment = self.make_tracked_shipment("EZ1000000001", status="draft")
        self.assertEqual(self.post_easypost(usps_event()).status_code, 202)
        self.process()
        self.assertEqual(self.events_of(shipment).mapped("location_city"), [False, "HOUSTON"])
        self.assertEqual(shipment.status, "booked")
        # "unknown" has no shipped default: the message waits in Needs Mapping, as any code.
        unknown = usps_event("tracker.updated")
        unknown["result"]["status"] = "unknown"
        unknown["result"]["updated_at"] = "2022-10-18T10:00:00Z"
        unknown["result"]["tracking_details"].append(
            dict(unknown["result"]["tracking_details"][1], status="unknown", datetime="2022-10-18T09:00:00Z")
        )
        self.assertEqual(self.post_easypost(unknown).status_code, 202)
        self.process()
        waiting = self.platform_messages()[-1]
        self.assertEqual(waiting.state, "needs_mapping")
        self.assertEqual(waiting.missing_mapping_code, "easypost:unknown")

    def test_pre_transit_to_delivered(self):
        """End to end: one tracker's updates move its shipment to delivered, with its
        timeline (every tracking detail once, however many times it was sent)."""
        shipment = self.make_tracked_shipment("1")
        full = json.loads(corpus_body())
        details = full["result"]["tracking_details"]

        def update(count, status, updated_at, extra=()):
            event = copy.deepcopy(full)
            event["result"]["tracking_details"] = copy.deepcopy(details[:count]) + list(extra)
            event["result"]["status"] = status
            event["result"]["updated_at"] = updated_at
            return event

        edison = {"object": "TrackingLocation", "city": "BROOKLYN", "state": "NY", "country": "US", "zip": "11201"}
        out = dict(
            details[-1],
            status="out_for_delivery",
            message="On FedEx vehicle for delivery",
            datetime="2024-08-05T12:10:00Z",
            tracking_location=edison,
        )
        delivered = dict(out, status="delivered", message="Delivered", datetime="2024-08-05T16:42:00Z")
        updates = [
            update(1, "pre_transit", "2024-07-31T15:05:00Z"),
            update(4, "in_transit", "2024-08-01T15:00:00Z"),
            update(7, "in_transit", "2024-08-02T19:26:51Z"),
            update(7, "out_for_delivery", "2024-08-05T12:15:00Z", [out]),
            update(7, "delivered", "2024-08-05T16:45:00Z", [out, delivered]),
        ]
        statuses = []
        for event in updates:
            self.assertEqual(self.post_easypost(event).status_code, 202)
            self.process()
            statuses.append(shipment.status)
        self.assertEqual(statuses, ["booked", "in_transit", "in_transit", "out_for_delivery", "delivered"])
        timeline = self.events_of(shipment)
        self.assertEqual(len(timeline), 9)
        self.assertEqual(timeline.mapped("status"), ["booked"] + ["in_transit"] * 6 + ["out_for_delivery", "delivered"])
        self.assertEqual(timeline[-1].location_city, "BROOKLYN")
        self.assertEqual(self.platform_messages().mapped("state"), ["done"] * 5)
        self.assertEqual(shipment.actual_delivery, datetime(2024, 8, 5, 16, 42))
