"""Shared fixtures of the carrier platform tests: published payloads (``data/platforms/``,
sources in its SOURCES.md), a backend per platform, signed posts to the webhook."""

import json
import os

from .common import ShipmentEventsCommon

DATA = os.path.join(os.path.dirname(__file__), "data", "platforms")


def data_bytes(name):
    with open(os.path.join(DATA, name), "rb") as handle:
        return handle.read()


def data_json(name):
    return json.loads(data_bytes(name))


class PlatformCommon(ShipmentEventsCommon):
    PLATFORM = None
    PLATFORM_SECRET = "platform-secret-0123"

    @classmethod
    def setup_platform(cls, **vals):
        cls.setup_shipment_events()
        cls.platform_backend = cls.make_carrier_backend(
            f"{cls.PLATFORM} account",
            f"{cls.PLATFORM}-acct",
            cls.PLATFORM_SECRET,
            platform=cls.PLATFORM,
            auto_send_transport_orders=False,
            **vals,
        )
        cls.platform_url = f"/logistics/webhook/{cls.platform_backend.code}"

    def make_tracked_shipment(self, tracking_ref, status="booked"):
        return self.env["logistics.shipment"].create(
            {"partner_id": self.customer.id, "tracking_ref": tracking_ref, "status": status}
        )

    def post_platform(self, body, headers, url=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.url_open(
            url or self.platform_url, data=body, headers={"Content-Type": "application/json", **headers}
        )

    def platform_messages(self):
        return self.env["logistics.message"].search([("backend_id", "=", self.platform_backend.id)], order="id")

    def assert_same_401_as_unknown(self, body, headers):
        """A refused platform request gets exactly the answer an unknown code gets."""
        refused = self.post_platform(body, headers)
        unknown = self.post_platform(body, headers, url="/logistics/webhook/no-such-backend")
        self.assertEqual(refused.status_code, 401, refused.text)
        self.assertEqual(unknown.status_code, 401, unknown.text)
        self.assertEqual(refused.json(), unknown.json())
        self.assertFalse(self.platform_messages(), "nothing is journaled for a refused request")
