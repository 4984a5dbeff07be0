"""AfterShip Tracking: ``tracking_update`` webhooks, signed with a base64 HMAC-SHA256.

From AfterShip's documentation (https://www.aftership.com/docs/tracking/webhook/webhook-signature):

    "Each webhook request includes a ``aftership-hmac-sha256`` header. The signature is a
    base64-encoded HMAC generated using sha256 algorithm with webhook request body and
    webhook secret of your account. Each webhook request could be verified by comparing the
    computed HMAC digest and the attached HMAC digest in header."

and its webhook specification (https://www.aftership.com/docs/tracking/webhook/webhook-specifications):
the body holds ``ts`` ("UTC unix timestamp that the event occurred"), ``event``,
``event_id`` ("UUID v4 format, to uniquely identify the webhook event") and ``msg``, the
tracking. The signature scheme carries no timestamp (``ts`` is the event's time, resent
unchanged by AfterShip's retries for up to ~68 hours): no replay window; a replayed body
is a duplicate in the journal (its key: the tracking id, tag and ``ts``, else the
event_id).

Every checkpoint of ``msg.checkpoints`` becomes a canonical event, ``status_code``
``aftership:<subtag>`` (``InTransit_001`` ...; ``aftership:<tag>`` when it has none):
the shipped defaults map every documented subtag by its tag, a backend may map a subtag
on its own. A checkpoint time without a UTC offset (AfterShip gives the carrier's local
time) is read as UTC. ``msg.expected_delivery`` / ``aftership_estimated_delivery_date``
ride along as ``estimated_delivery``.
"""

import base64
import hashlib
import hmac
import re

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from . import _common

NAME = "aftership"
# Personal fields (journal data policy) besides the common keys: the tracking's customers
# (names, phones, e-mails), its SMS numbers and the shipping address.
PERSONAL_KEYS = ("customers", "smses", "shipping_address", "destination_raw_location")
PERSONAL_PATHS = ()
SIGNATURE_HEADER = "aftership-hmac-sha256"
TAG_STATUS = {
    "Pending": "booked",
    "InfoReceived": "booked",
    "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery",
    "AttemptFail": "exception",
    "Delivered": "delivered",
    "AvailableForPickup": "out_for_delivery",
    "Exception": "exception",
    "Expired": "exception",
}
# The subtags of AfterShip's delivery sub-statuses, numbered per tag.
SUBTAG_COUNTS = {
    "Pending": 6,
    "InfoReceived": 1,
    "InTransit": 9,
    "OutForDelivery": 4,
    "AttemptFail": 3,
    "Delivered": 4,
    "AvailableForPickup": 1,
    "Exception": 13,
    "Expired": 1,
}
DEFAULT_STATUS_MAP = dict(TAG_STATUS)
DEFAULT_STATUS_MAP.update(
    {f"{tag}_{number:03d}": TAG_STATUS[tag] for tag, count in SUBTAG_COUNTS.items() for number in range(1, count + 1)}
)
TRACKING_EVENTS = ("tracking_update",)
_OFFSET_RE = re.compile(r"([+-]\d{2}:?\d{2}|[Zz])$")


def sign(secret, body):
    return base64.b64encode(hmac.new(_common.secret_bytes(secret), body, hashlib.sha256).digest()).decode()


def verify(headers, body, secret, now=None, **_options):
    """Raise SignatureError unless ``aftership-hmac-sha256`` is the base64 HMAC of ``body``."""
    given = _common.header(headers, SIGNATURE_HEADER)
    if not given:
        raise SignatureError(f"missing signature ({SIGNATURE_HEADER})")
    if not _common.same(sign(secret, body), given):
        raise SignatureError("bad signature")


def _time(value, where):
    text = _common.text(value)
    if not text:
        raise ParseError(f"{where} has no time", where)
    return text if _OFFSET_RE.search(text) else text + "+00:00"


def read(body):
    data = _common.load_json(body, "AfterShip")
    event = data.get("event")
    msg = data.get("msg")
    if not event or not isinstance(msg, dict):
        raise ParseError("not an AfterShip webhook ('event' and 'msg')", "event")
    if event not in TRACKING_EVENTS:
        return f"{NAME}:{event}:{data.get('event_id') or data.get('ts')}", []
    tracking = _common.text(msg.get("tracking_number"))
    if not tracking:
        raise ParseError("msg has no tracking_number", "msg.tracking_number")
    checkpoints = msg.get("checkpoints") or []
    if not isinstance(checkpoints, list):
        raise ParseError("msg.checkpoints must be a list", "msg.checkpoints")
    estimated = _common.text(msg.get("expected_delivery") or msg.get("aftership_estimated_delivery_date"))
    if isinstance(msg.get("aftership_estimated_delivery_date"), dict):
        estimated = _common.text(msg["aftership_estimated_delivery_date"].get("estimated_delivery_date"))
    if estimated and len(estimated) == 10:
        estimated += "T00:00:00+00:00"
    order = _common.text(msg.get("order_number") or msg.get("order_id"))
    events = []
    for index, checkpoint in enumerate(checkpoints):
        where = f"msg.checkpoints[{index}]"
        if not isinstance(checkpoint, dict):
            raise ParseError(f"{where} must be an object", where)
        code = _common.text(checkpoint.get("subtag")) or _common.text(checkpoint.get("tag"))
        if not code:
            raise ParseError(f"{where} has no tag", where)
        country = checkpoint.get("country_region") or checkpoint.get("country_iso3") or checkpoint.get("country_name")
        item = {
            "tracking_ref": tracking,
            "order_ref": order,
            "status_code": f"{NAME}:{code}",
            "event_time": _time(checkpoint.get("checkpoint_time"), where),
            "location": _common.location(
                checkpoint.get("city"),
                checkpoint.get("state"),
                country if country and len(str(country)) == 2 else None,
                checkpoint.get("zip") or checkpoint.get("postal_code"),
                name=checkpoint.get("location"),
            ),
            "reason": _common.text(checkpoint.get("message")),
            "carrier": _common.text(checkpoint.get("slug") or msg.get("slug")),
            "estimated_delivery": estimated,
        }
        if checkpoint.get("tag") == "AttemptFail":
            item["exception"] = {"type": "attempted_delivery"}
        events.append({key: value for key, value in item.items() if value})
    key = f"{NAME}:{msg.get('id') or tracking}:{msg.get('tag') or ''}:{data.get('ts') or data.get('event_id')}"
    return key, events


def parse(body):
    return read(body)[1]
