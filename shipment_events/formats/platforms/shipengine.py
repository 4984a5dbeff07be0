"""ShipEngine (ShipStation API): ``API_TRACK`` webhooks, signed with RSA-SHA256 and checked
against the platform's published key set (JWKS).

From ShipEngine's documentation (https://www.shipengine.com/docs/webhooks/, "Webhook
Validation", now https://docs.shipstation.com/apis/shipengine/docs/guides/webhooks-validation):

    "ShipStation includes a digital signature (RSA-SHA256) in all outgoing webhooks. This
    allows you to ensure requests received at your webhook URL were sent from
    ShipStation API [...]"

The request carries ``X-ShipEngine-RSA-SHA256-Key-ID`` (the ``kid`` of a key of the set at
``https://api.shipengine.com/jwks``), ``X-ShipEngine-RSA-SHA256-Signature`` (base64) and
``X-ShipEngine-Timestamp`` (ISO 8601); the signature is RSASSA-PKCS1-v1_5 SHA-256 over
``"<timestamp>.<raw body>"``. The key-set URL is configured on the backend (``Key Set
URL``); keys are cached per worker and fetched again for an unknown key id
(``_jwks.py``). The timestamp must be inside the backend's tolerance (replay window). No
shared secret: a ShipEngine backend needs none.

An ``API_TRACK`` body (``data``: the tracking information) becomes one canonical event per
``data.events`` entry, ``status_code`` ``shipengine:<status_code>`` (``AC`` accepted, ``IT``
in transit, ``DE`` delivered, ``EX`` exception, ``UN`` unknown, ``AT`` delivery attempt,
``NY`` not yet in system, ``SP`` delivered to a collection point) taken from the event, else
from the tracking (``data.status_code``); ``estimated_delivery_date`` is the estimated
delivery.
"""

import base64
import binascii
import calendar
import re

from odoo.addons.logistics_connector.services import dates
from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from . import _common, _jwks

NAME = "shipengine"
# Personal fields (journal data policy) besides the common keys: the events' ``signer`` is one.
PERSONAL_KEYS = ()
PERSONAL_PATHS = ()
NEEDS_SECRET = False
KEY_ID_HEADER = "X-ShipEngine-RSA-SHA256-Key-ID"
SIGNATURE_HEADER = "X-ShipEngine-RSA-SHA256-Signature"
TIMESTAMP_HEADER = "X-ShipEngine-Timestamp"
DEFAULT_JWKS_URL = "https://api.shipengine.com/jwks"
DEFAULT_STATUS_MAP = {
    "AC": "picked_up",  # Accepted
    "IT": "in_transit",  # In Transit
    "DE": "delivered",  # Delivered
    "EX": "exception",  # Exception
    "AT": "exception",  # Delivery Attempt
    "NY": "booked",  # Not Yet In System
    "SP": "delivered",  # Delivered To Collection Location
}
# UN (Unknown) is left to map.
TRACK_RESOURCES = ("API_TRACK",)
_OFFSET_RE = re.compile(r"([+-]\d{2}:?\d{2}|[Zz])$")


def verify(headers, body, secret=None, now=None, tolerance=300, jwks_url=None, **_options):
    kid = _common.header(headers, KEY_ID_HEADER)
    signature = _common.header(headers, SIGNATURE_HEADER)
    timestamp = _common.header(headers, TIMESTAMP_HEADER)
    if not kid or not signature:
        raise SignatureError(f"missing signature ({SIGNATURE_HEADER}, {KEY_ID_HEADER})")
    if not timestamp:
        raise SignatureError(f"missing timestamp ({TIMESTAMP_HEADER})")
    try:
        signed_at, _offset = dates.parse_datetime_offset(timestamp)
    except ValueError:
        raise SignatureError("timestamp is not an ISO 8601 date and time") from None
    _common.check_window(calendar.timegm(signed_at.timetuple()), now, tolerance)
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("malformed signature (not base64)") from None
    key = _jwks.public_key(jwks_url, kid)
    _jwks.verify_rsa_sha256(key, raw, timestamp.encode() + b"." + body)


def read(body):
    data = _common.load_json(body, "ShipEngine")
    resource = data.get("resource_type")
    track = data.get("data")
    if not resource or not isinstance(track, dict):
        raise ParseError("not a ShipEngine webhook ('resource_type' and 'data')", "resource_type")
    if resource not in TRACK_RESOURCES:
        return f"{NAME}:{resource}:{data.get('resource_url') or ''}", []
    tracking = _common.text(track.get("tracking_number"))
    if not tracking:
        raise ParseError("data has no tracking_number", "data.tracking_number")
    entries = track.get("events") or []
    if not isinstance(entries, list):
        raise ParseError("data.events must be a list", "data.events")
    estimated = _common.text(track.get("estimated_delivery_date"))
    if estimated and not _OFFSET_RE.search(estimated):
        estimated += "+00:00"  # ShipEngine gives the estimated date without an offset
    events = []
    for index, entry in enumerate(entries):
        where = f"data.events[{index}]"
        if not isinstance(entry, dict):
            raise ParseError(f"{where} must be an object", where)
        code = _common.text(entry.get("status_code")) or _common.text(track.get("status_code"))
        occurred = entry.get("occurred_at") or entry.get("event_date")  # event_date: the 2019 shape
        if not code or not occurred:
            raise ParseError(f"{where} has no status_code or occurred_at", where)
        event = {
            "tracking_ref": tracking,
            "status_code": f"{NAME}:{code}",
            "event_time": occurred,
            "location": _common.location(
                entry.get("city_locality"),
                entry.get("state_province"),
                entry.get("country_code"),
                entry.get("postal_code"),
                name=entry.get("company_name"),
            ),
            "reason_code": _common.text(entry.get("event_code") or entry.get("carrier_status_code")),
            "reason": _common.text(entry.get("description") or entry.get("carrier_status_description")),
            "carrier": _common.text(track.get("carrier_code")),
            "estimated_delivery": estimated,
        }
        if entry.get("signer"):
            event["pod"] = {"signer": str(entry["signer"])[:200], "time": occurred}
        events.append({key: value for key, value in event.items() if value})
    if not events and track.get("status_code") and (track.get("actual_delivery_date") or track.get("ship_date")):
        # No event list: the tracking's own status, at its delivery (or ship) date.
        events.append(
            {
                "tracking_ref": tracking,
                "status_code": f"{NAME}:{track['status_code']}",
                "event_time": track.get("actual_delivery_date") or track.get("ship_date"),
                "reason": _common.text(track.get("status_description")),
            }
        )
    key = ":".join(
        [
            NAME,
            tracking,
            str(track.get("status_code") or ""),
            str((entries[-1].get("occurred_at") or entries[-1].get("event_date")) if entries else ""),
        ]
    )
    return key, events


def parse(body):
    return read(body)[1]
