"""Sendcloud and AfterShip: their documented signature schemes (Sendcloud's published
vector), their published payloads (``data/platforms/SOURCES.md``) and the webhook's
answers, against real Odoo and PostgreSQL."""

import copy
import json
from datetime import datetime

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from ..formats.platforms import aftership, sendcloud
from .platform_common import PlatformCommon, data_bytes, data_json

LOGGER = "odoo.addons.shipment_events.controllers.webhook"
SENDCLOUD = "sendcloud_parcel_status_changed_v2.json"
AFTERSHIP_SPEC = "aftership_tracking_update_2026_07.json"
AFTERSHIP_USPS = "aftership_tracking_update_usps_legacy.json"


@tagged("post_install", "-at_install")
class TestPlatformFormats(TransactionCase):
    def test_sendcloud_documented_vector(self):
        # sendcloud.dev "Webhooks overview": {"key": "value"} signed with "secretkey".
        digest = "1eed4b3d41f4653ac64fd56f1bf1cbfd349e4482cbc11dff7134bd93e5da4b0a"
        body = b'{"key": "value"}'
        sendcloud.verify({"Sendcloud-Signature": digest}, body, "secretkey", None)
        sendcloud.verify({"sendcloud-signature": digest.upper()}, body, "secretkey", None)
        for headers, secret in (({"Sendcloud-Signature": digest}, "secretkey2"), ({}, "secretkey")):
            with self.subTest(headers=headers), self.assertRaises(SignatureError):
                sendcloud.verify(headers, body, secret, None)
        with self.assertRaises(ParseError):
            sendcloud.parse(body)  # signed, but no webhook action

    def test_sendcloud_parcel_status_changed(self):
        key, events = sendcloud.read(data_bytes(SENDCLOUD))
        self.assertEqual(key, "sendcloud:1:1:123")
        event = events[0]
        self.assertEqual(
            (event["tracking_ref"], event["order_ref"], event["status_code"], event["reason"]),
            ("3SYZXG132912330", "ORD12334", "sendcloud:1", "Ready to send"),
        )
        self.assertEqual(event["event_time"], "1970-01-01T00:02:03+00:00")  # the docs' timestamp 123
        other = {"action": "integration_updated", "timestamp": 1525271885993, "integration": {"id": 7}}
        self.assertEqual(sendcloud.read(json.dumps(other).encode())[1], [])
        broken = data_json(SENDCLOUD)
        broken["parcel"]["status"] = {"message": "no id"}
        with self.assertRaises(ParseError):
            sendcloud.parse(json.dumps(broken).encode())

    def test_aftership_signature(self):
        body = data_bytes(AFTERSHIP_SPEC)
        value = aftership.sign("aftership-secret", body)
        aftership.verify({"aftership-hmac-sha256": value}, body, "aftership-secret", None)
        aftership.verify({"Aftership-Hmac-Sha256": value}, body, "aftership-secret", None)
        for headers, given_body in (({"aftership-hmac-sha256": value}, body + b"\n"), ({}, body)):
            with self.subTest(headers=headers), self.assertRaises(SignatureError):
                aftership.verify(headers, given_body, "aftership-secret", None)

    def test_aftership_two_shapes(self):
        key, events = aftership.read(data_bytes(AFTERSHIP_SPEC))
        self.assertEqual(key, "aftership:00000000000000000000000000000000:InTransit:1712741696")
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["status_code"], "aftership:InTransit_001")
        self.assertEqual(events[0]["event_time"], "2021-01-14T00:52:00+00:00")  # no offset given: UTC
        self.assertEqual(events[0]["tracking_ref"], "0000000000000000")
        key, events = aftership.read(data_bytes(AFTERSHIP_USPS))
        self.assertEqual(len(events), 7)
        self.assertEqual(
            [e["status_code"] for e in events],
            ["aftership:InfoReceived_001", "aftership:InTransit_002"]
            + ["aftership:InTransit_003", "aftership:InTransit_007"] * 2
            + ["aftership:InTransit_003"],
        )
        self.assertEqual(events[0]["location"]["city"], "BOCA RATON")
        self.assertEqual(events[0]["location"]["zip"], "33487")
        self.assertNotIn("country", events[0]["location"])  # an ISO alpha-3 code is not kept as one
        self.assertEqual(events[-1]["estimated_delivery"], "2022-01-03T00:00:00+00:00")
        for mapped in [e["status_code"].split(":", 1)[1] for e in events]:
            self.assertIn(mapped, aftership.DEFAULT_STATUS_MAP)


class _PlatformWebhook(PlatformCommon, HttpCase):
    def sign(self, body):
        raise NotImplementedError

    def post_signed(self, body):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.post_platform(body, self.sign(body))


@tagged("post_install", "-at_install")
class TestSendcloudWebhook(_PlatformWebhook):
    PLATFORM = "sendcloud"
    PLATFORM_SECRET = "sendcloud-signature-key"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_platform()

    def sign(self, body):
        return {"Sendcloud-Signature": sendcloud.sign(self.PLATFORM_SECRET, body)}

    def status_changed(self, status_id, message, stamp_ms):
        body = data_json(SENDCLOUD)
        body["timestamp"] = body["carrier_status_change_timestamp"] = stamp_ms
        body["parcel"]["status"] = {"id": status_id, "message": message}
        return body

    def test_announced_to_delivered_with_duplicate(self):
        shipment = self.make_tracked_shipment("3SYZXG132912330")
        first = self.status_changed(1, "Announced", 1764662400000)  # 2025-12-02 08:00 UTC
        self.assertEqual(self.post_signed(first).status_code, 202)
        again = self.post_signed(first)
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["status"], "duplicate")
        for status_id, message, stamp in (
            (22, "Shipment picked up by driver", 1764669600000),
            (11, "Delivered", 1764756000000),
        ):
            self.assertEqual(self.post_signed(self.status_changed(status_id, message, stamp)).status_code, 202)
        self.process()
        timeline = self.events_of(shipment)
        self.assertEqual(timeline.mapped("external_code"), ["sendcloud:1", "sendcloud:22", "sendcloud:11"])
        self.assertEqual(timeline.mapped("status"), ["booked", "picked_up", "delivered"])
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(shipment.actual_delivery, datetime(2025, 12, 3, 10, 0))

    @mute_logger(LOGGER)
    def test_bad_missing_401_malformed_400(self):
        body = json.dumps(self.status_changed(11, "Delivered", 1764756000000)).encode()
        self.assert_same_401_as_unknown(body, {"Sendcloud-Signature": sendcloud.sign("wrong", body)})
        self.assert_same_401_as_unknown(body, {})
        response = self.post_signed(b'{"key": "value"}')
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self.platform_messages().mapped("state"), ["failed"])


@tagged("post_install", "-at_install")
class TestAfterShipWebhook(_PlatformWebhook):
    PLATFORM = "aftership"
    PLATFORM_SECRET = "aftership-webhook-secret"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_platform()

    def sign(self, body):
        return {"aftership-hmac-sha256": aftership.sign(self.PLATFORM_SECRET, body)}

    def test_usps_tracking_update_and_delivered(self):
        shipment = self.make_tracked_shipment("9405516902697649303570")
        legacy = data_bytes(AFTERSHIP_USPS)
        self.assertEqual(self.post_signed(legacy).status_code, 202)
        self.assertEqual(self.post_signed(legacy).status_code, 200)
        delivered = json.loads(legacy)
        delivered["msg"]["tag"], delivered["msg"]["subtag"] = "Delivered", "Delivered_001"
        delivered["ts"] = 1621338000
        delivered["msg"]["checkpoints"].append(
            dict(
                copy.deepcopy(delivered["msg"]["checkpoints"][-1]),
                tag="Delivered",
                subtag="Delivered_001",
                message="Delivered, In/At Mailbox",
                checkpoint_time="2021-05-18T11:40:00",
            )
        )
        self.assertEqual(self.post_signed(delivered).status_code, 202)
        self.process()
        timeline = self.events_of(shipment)
        self.assertEqual(len(timeline), 8)  # the 7 checkpoints received twice count once
        self.assertEqual(timeline[0].status, "booked")
        self.assertEqual(timeline[-1].reason, "Delivered, In/At Mailbox")
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(shipment.planned_delivery, datetime(2022, 1, 3))

    def test_spec_sample_matched_by_tracking_number(self):
        shipment = self.make_tracked_shipment("0000000000000000")
        self.assertEqual(self.post_signed(data_bytes(AFTERSHIP_SPEC)).status_code, 202)
        self.process()
        self.assertEqual(self.events_of(shipment).external_code, "aftership:InTransit_001")
        self.assertEqual(shipment.status, "in_transit")

    @mute_logger(LOGGER)
    def test_bad_missing_401_malformed_400(self):
        body = data_bytes(AFTERSHIP_SPEC)
        self.assert_same_401_as_unknown(body, {"aftership-hmac-sha256": aftership.sign("wrong", body)})
        self.assert_same_401_as_unknown(body, {})
        broken = json.loads(body)
        broken["msg"]["checkpoints"][0].pop("checkpoint_time")
        response = self.post_signed(broken)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self.platform_messages().mapped("state"), ["failed"])
