"""Shippo: the URL token and the HMAC header (with its replay window), its two documented
payload shapes (``data/platforms/SOURCES.md``) and the webhook's answers."""

import json
import time
from datetime import datetime

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from ..formats.platforms import shippo
from .platform_common import PlatformCommon, data_bytes

LOGGER = "odoo.addons.shipment_events.controllers.webhook"
DOCS = "shippo_track_updated_docs.json"
SDK = "shippo_track_updated_sdk_no_history.json"


@tagged("post_install", "-at_install")
class TestShippoFormat(TransactionCase):
    def test_hmac_and_token(self):
        body = data_bytes(DOCS)
        now = 1688493073
        header = shippo.signature_header("whsec", body, now)
        shippo.verify({"Shippo-Auth-Signature": header}, body, "whsec", now + 10)
        cases = [
            ({"Shippo-Auth-Signature": header}, body, now + 301, "too old"),
            ({"Shippo-Auth-Signature": header}, body, now - 301, "future"),
            ({"Shippo-Auth-Signature": header}, body + b" ", now, "bad signature"),
            ({"Shippo-Auth-Signature": "v1=" + "0" * 64}, body, now, "timestamp"),
            ({}, body, now, "missing signature"),
        ]
        for headers, given, at, reason in cases:
            with self.subTest(reason=reason), self.assertRaisesRegex(SignatureError, reason):
                shippo.verify(headers, given, "whsec", at)
        shippo.verify({}, body, "whsec", now, query={"token": "whsec"})
        with self.assertRaisesRegex(SignatureError, "bad token"):
            shippo.verify({}, body, "whsec", now, query={"token": "guess"})

    def test_two_documented_shapes(self):
        key, events = shippo.read(data_bytes(DOCS))
        self.assertEqual(key, "shippo:9205590164917312751089:string:2019-08-24T14:15:22Z")
        self.assertEqual(len(events), 1)
        event = events[0]
        self.assertEqual(event["status_code"], "shippo:DELIVERED")
        self.assertEqual(event["event_time"], "2016-07-23T00:00:00Z")
        self.assertEqual(event["location"], {"city": "Las Vegas", "state": "NV", "country": "US", "zip": "89101"})
        self.assertEqual(event["reason"], "Your shipment has been delivered at the destination mailbox.")
        self.assertEqual(event["estimated_delivery"], "2019-08-24T14:15:22Z")
        _key, events = shippo.read(data_bytes(SDK))  # no history: the current status
        self.assertEqual([e["status_code"] for e in events], ["shippo:DELIVERED"])
        self.assertNotIn("estimated_delivery", events[0])
        for body in (b'{"event": "track_updated"}', b'{"event": "track_updated", "data": {}}', b"[1]"):
            with self.subTest(body=body), self.assertRaises(ParseError):
                shippo.parse(body)


@tagged("post_install", "-at_install")
class TestShippoWebhook(PlatformCommon, HttpCase):
    PLATFORM = "shippo"
    PLATFORM_SECRET = "shippo-token-8f1e2d"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_platform()

    def transit_then_delivered(self):
        transit = json.loads(data_bytes(DOCS))
        data = transit["data"]
        data["tracking_history"][0].update(status="TRANSIT", status_date="2016-07-21T10:00:00Z", object_id="s1")
        data["tracking_status"] = dict(data["tracking_history"][0])
        delivered = json.loads(data_bytes(DOCS))
        delivered["data"]["tracking_history"].insert(0, dict(data["tracking_history"][0]))
        return transit, delivered

    def test_token_and_hmac_202_duplicate_200(self):
        shipment = self.make_tracked_shipment("9205590164917312751089")
        transit, delivered = self.transit_then_delivered()
        url = f"{self.platform_url}?token={self.PLATFORM_SECRET}"
        self.assertEqual(self.post_platform(transit, {}, url=url).status_code, 202)
        again = self.post_platform(transit, {}, url=url)
        self.assertEqual(again.status_code, 200, again.text)
        body = json.dumps(delivered).encode()
        signed = {"Shippo-Auth-Signature": shippo.signature_header(self.PLATFORM_SECRET, body, time.time())}
        self.assertEqual(self.post_platform(body, signed).status_code, 202)
        self.process()
        timeline = self.events_of(shipment)
        self.assertEqual(timeline.mapped("external_code"), ["shippo:TRANSIT", "shippo:DELIVERED"])
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(shipment.planned_delivery, datetime(2019, 8, 24, 14, 15, 22))

    @mute_logger(LOGGER)
    def test_refused_401_and_malformed_400(self):
        body = data_bytes(SDK)
        self.assert_same_401_as_unknown(body, {})
        self.assert_same_401_as_unknown(
            body, {"Shippo-Auth-Signature": shippo.signature_header(self.PLATFORM_SECRET, body, time.time() - 3600)}
        )
        refused = self.post_platform(body, {}, url=f"{self.platform_url}?token=wrong")
        self.assertEqual(refused.status_code, 401)
        response = self.post_platform(
            b'{"event": "track_updated", "data": {}}', {}, url=f"{self.platform_url}?token={self.PLATFORM_SECRET}"
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self.platform_messages().mapped("state"), ["failed"])
