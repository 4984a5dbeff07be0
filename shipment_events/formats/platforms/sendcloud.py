"""Sendcloud: ``parcel_status_changed`` webhooks, signed with HMAC-SHA256 hex.

From Sendcloud's documentation (https://sendcloud.dev/api/v2/webhooks, "Webhooks overview";
the same text in API v3):

    "To verify a request is coming from Sendcloud, Sendcloud signs each request that we send
    to your endpoint using a HMAC signature (Hash-based Message Authentication Code) with
    SHA256 algorithm and the ``Secret Key`` or the ``Webhook Signature Key`` as secret,
    depending on your integration type. For your store to validate that the webhook is
    coming from us, you should hash the message received from us using your secret and
    compare against the ``Sendcloud-Signature`` header received from us."

Its documented vector: ``{"key": "value"}`` with the secret ``secretkey`` gives
``1eed4b3d41f4653ac64fd56f1bf1cbfd349e4482cbc11dff7134bd93e5da4b0a`` (tested).

The scheme carries no timestamp (the body's ``timestamp``, milliseconds since the epoch, is
when the status changed, sent again unchanged by a retry): no replay window, which would
refuse Sendcloud's own retries; a replayed body is a duplicate in the journal (its key:
the parcel id, the status id and that timestamp).

A ``parcel_status_changed`` body becomes one canonical event: the parcel's tracking number
(and order number), ``status_code`` ``sendcloud:<parcel status id>`` (the ids of
``GET /parcels/statuses``), at ``carrier_status_change_timestamp`` (else ``timestamp``).
Other actions (``integration_updated`` ...) carry no milestone: journaled, no events.
"""

import hashlib
import hmac
from datetime import UTC, datetime

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from . import _common

NAME = "sendcloud"
# Personal fields (journal data policy) besides the common keys: the parcel's recipient.
PERSONAL_KEYS = ()
PERSONAL_PATHS = ("parcel.name", "parcel.address", "parcel.house_number", "parcel.address_divided")
SIGNATURE_HEADER = "Sendcloud-Signature"
# Parcel status id -> canonical status (Sendcloud's parcel statuses; the others wait for a mapping).
DEFAULT_STATUS_MAP = {
    "1000": "booked",  # Ready to send
    "1001": "booked",  # Being announced
    "1": "booked",  # Announced
    "13": "booked",  # Announced: not collected
    "22": "picked_up",  # Shipment picked up by driver
    "3": "in_transit",  # En route to sorting center
    "5": "in_transit",  # Sorted
    "7": "in_transit",  # Being sorted
    "91": "in_transit",  # Parcel en route
    "62990": "in_transit",  # At sorting centre
    "62989": "customs_hold",  # At Customs
    "4": "delayed",  # Delivery delayed
    "92": "out_for_delivery",  # Driver en route
    "12": "out_for_delivery",  # Awaiting customer pickup
    "11": "delivered",  # Delivered
    "93": "delivered",  # Shipment collected by customer
    "6": "exception",  # Not sorted
    "8": "exception",  # Delivery attempt failed
    "15": "exception",  # Error collecting
    "80": "exception",  # Unable to deliver
    "1002": "exception",  # Announcement failed
    "62991": "exception",  # Refused by recipient
    "62992": "exception",  # Returned to sender
    "62996": "exception",  # Exception
    "62997": "exception",  # Address invalid
    "2000": "cancelled",  # Cancelled
    "1998": "cancelled",  # Cancelled upstream
}


def sign(secret, body):
    return hmac.new(_common.secret_bytes(secret), body, hashlib.sha256).hexdigest()


def verify(headers, body, secret, now=None, **_options):
    """Raise SignatureError unless ``Sendcloud-Signature`` is the hex HMAC-SHA256 of ``body``."""
    given = _common.header(headers, SIGNATURE_HEADER).lower()
    if not given:
        raise SignatureError(f"missing signature ({SIGNATURE_HEADER})")
    if not _common.same(sign(secret, body), given):
        raise SignatureError("bad signature")


def _seconds(stamp):
    """Sendcloud's timestamps are milliseconds; a value small enough to be seconds is seconds."""
    if isinstance(stamp, bool) or not isinstance(stamp, int | float | str):
        return None
    try:
        value = float(stamp)
    except ValueError:
        return None
    return value / 1000 if value > 10**11 else value


def _iso(stamp, where):
    seconds = _seconds(stamp)
    if seconds is None:
        raise ParseError(f"{where} is not a timestamp", where)
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ParseError(f"{where} is out of range", where) from None
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def read(body):
    data = _common.load_json(body, "Sendcloud")
    action = data.get("action")
    if not action:
        raise ParseError("not a Sendcloud webhook (no 'action')", "action")
    if action != "parcel_status_changed":
        return f"{NAME}:{action}:{data.get('timestamp')}", []
    parcel = data.get("parcel")
    if not isinstance(parcel, dict):
        raise ParseError("parcel_status_changed without a parcel", "parcel")
    status = parcel.get("status") if isinstance(parcel.get("status"), dict) else {}
    status_id = status.get("id")
    if status_id is None or isinstance(status_id, bool):
        raise ParseError("the parcel has no status id", "parcel.status.id")
    tracking = _common.text(parcel.get("tracking_number"))
    order = _common.text(parcel.get("order_number"))
    if not tracking and not order:
        raise ParseError("the parcel has neither tracking_number nor order_number", "parcel")
    stamp = data.get("carrier_status_change_timestamp") or data.get("timestamp")
    if stamp is None:
        raise ParseError("no timestamp", "timestamp")
    event_time = _iso(stamp, "timestamp")
    carrier = parcel.get("carrier") if isinstance(parcel.get("carrier"), dict) else {}
    country = parcel.get("country") if isinstance(parcel.get("country"), dict) else {}
    event = {
        "tracking_ref": tracking,
        "order_ref": order,
        "status_code": f"{NAME}:{status_id}",
        "event_time": event_time,
        "reason": _common.text(status.get("message")),
        "location": {},
        "carrier": _common.text(carrier.get("code")),
    }
    if country.get("iso_2"):
        # The parcel's (destination) country, not where the status happened: kept out of the
        # location, which is the event's.
        event["destination_country"] = country["iso_2"]
    event = {key: value for key, value in event.items() if value or key == "location"}
    key = f"{NAME}:{parcel.get('id')}:{status_id}:{data.get('timestamp')}"
    return key, [event]


def parse(body):
    return read(body)[1]
