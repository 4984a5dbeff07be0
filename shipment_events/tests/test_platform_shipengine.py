"""ShipEngine: RSA-SHA256 against a key set served by a loopback key server (cached, fetched
again for an unknown key id), the replay window, its two payload shapes
(``data/platforms/SOURCES.md``) and the webhook's answers."""

import json
import time
from datetime import datetime
from unittest.mock import patch

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError
from odoo.addons.logistics_connector.tests.loopback import LoopbackCase

from ..formats.platforms import _jwks, shipengine
from .jwks_server import JwksServer
from .platform_common import PlatformCommon, data_bytes

LOGGER = "odoo.addons.shipment_events.controllers.webhook"
UPS = "shipengine_api_track_ups.json"
USPS = "shipengine_api_track_usps_2019.json"


@tagged("post_install", "-at_install")
class TestShipEngineFormat(LoopbackCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = cls.start_server(JwksServer())
        cls.keys.new_key("key-1")

    def setUp(self):
        super().setUp()
        _jwks.clear()
        self.keys.reset()

    def verify(self, headers, body, now=None):
        return shipengine.verify(headers, body, None, time.time() if now is None else now, jwks_url=self.keys.jwks_url)

    def test_signature_cache_and_rotation(self):
        body = data_bytes(UPS)
        self.verify(self.keys.headers("key-1", body), body)
        self.verify(self.keys.headers("key-1", body), body)
        self.assertEqual(self.keys.count(path="/jwks"), 1, "the key set is cached")
        # ShipEngine publishes its next key, then signs with it: an unknown key id fetches again.
        self.keys.new_key("key-2")
        with patch.object(_jwks, "MIN_REFRESH_SECONDS", 0):
            self.verify(self.keys.headers("key-2", body), body)
        self.assertEqual(self.keys.count(path="/jwks"), 2)
        # A key id nobody published: refused, and not fetched again at once.
        self.keys.new_key("rogue", publish=False)
        for _attempt in range(3):
            with self.assertRaisesRegex(SignatureError, "unknown key id"):
                self.verify(self.keys.headers("rogue", body), body)
        self.assertEqual(self.keys.count(path="/jwks"), 2)

    def test_refusals(self):
        body = data_bytes(UPS)
        good = self.keys.headers("key-1", body)
        cases = [
            (good, body + b" ", None, "bad signature"),
            ({k: v for k, v in good.items() if "Signature" not in k}, body, None, "missing signature"),
            ({k: v for k, v in good.items() if "Timestamp" not in k}, body, None, "missing timestamp"),
            (self.keys.headers("key-1", body, timestamp=time.time() - 3600), body, None, "too old"),
            (good, body, time.time() - 3600, "future"),
            (dict(good, **{"X-ShipEngine-RSA-SHA256-Signature": "***"}), body, None, "base64"),
        ]
        for headers, given, now, reason in cases:
            with self.subTest(reason=reason), self.assertRaisesRegex(SignatureError, reason):
                self.verify(headers, given, now)
        with self.assertRaisesRegex(SignatureError, "key set URL"):
            shipengine.verify(good, body, None, time.time(), jwks_url=None)

    def test_two_shapes(self):
        key, events = shipengine.read(data_bytes(UPS))
        self.assertEqual(key, "shipengine:1Z9634841399247181:IT:2025-10-22T20:00:00Z")
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["status_code"], "shipengine:IT")  # the event's null status: the tracking's
        self.assertEqual(events[0]["location"], {"city": "Oakland", "state": "CA", "country": "US", "zip": "94602"})
        self.assertEqual(events[0]["estimated_delivery"], "2025-10-23T00:00:00+00:00")
        _key, events = shipengine.read(data_bytes(USPS))
        self.assertEqual(events[0]["status_code"], "shipengine:DE")
        self.assertEqual(events[0]["event_time"], "2019-04-12T17:45:26.734Z")
        self.assertEqual(events[0]["location"], {"city": "AUSTIN", "state": "TX", "zip": "78721"})
        with self.assertRaises(ParseError):
            shipengine.parse(b'{"resource_type": "API_TRACK", "data": {"events": []}}')


@tagged("post_install", "-at_install")
class TestShipEngineWebhook(LoopbackCase, PlatformCommon, HttpCase):
    PLATFORM = "shipengine"
    PLATFORM_SECRET = False  # public keys: no shared secret

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = cls.start_server(JwksServer())
        cls.keys.new_key("se-1")
        cls.setup_platform(platform_jwks_url=cls.keys.jwks_url)

    def setUp(self):
        super().setUp()
        _jwks.clear()

    def post_signed(self, body, **kwargs):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.post_platform(body, self.keys.headers("se-1", body, **kwargs))

    def test_202_duplicate_and_two_shapes(self):
        ups = self.make_tracked_shipment("1Z9634841399247181")
        usps = self.make_tracked_shipment("9361269903502070406152", status="in_transit")
        self.assertEqual(self.post_signed(data_bytes(UPS)).status_code, 202)
        again = self.post_signed(data_bytes(UPS))
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(self.post_signed(data_bytes(USPS)).status_code, 202)
        self.process()
        self.assertEqual(ups.status, "in_transit")
        self.assertEqual(ups.planned_delivery, datetime(2025, 10, 23))
        self.assertEqual(self.events_of(ups).location_city, "Oakland")
        self.assertEqual(usps.status, "delivered")
        self.assertEqual(self.events_of(usps).reason, "Delivered, Individual Picked Up at Post Office")

    @mute_logger(LOGGER)
    def test_refused_401_and_malformed_400(self):
        body = data_bytes(UPS)
        self.keys.new_key("other", publish=False)
        self.assert_same_401_as_unknown(body, self.keys.headers("other", body))
        self.assert_same_401_as_unknown(body, {})
        self.assert_same_401_as_unknown(body, self.keys.headers("se-1", body, timestamp=time.time() - 3600))
        response = self.post_signed(b'{"resource_type": "API_TRACK", "data": {}}')
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(self.platform_messages().mapped("state"), ["failed"])
