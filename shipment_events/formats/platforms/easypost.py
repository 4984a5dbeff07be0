"""EasyPost: ``Event`` objects whose ``result`` is a ``Tracker`` (``tracker.created``,
``tracker.updated``), signed with HMAC-SHA256.

From EasyPost's documentation (https://docs.easypost.com/docs/webhooks, "Webhook
Authentication", "HMAC Validation"):

    "Include a ``webhook_secret`` when creating or updating a webhook. EasyPost generates a
    signature with this secret, sent via the ``X-Hmac-Signature`` header in each event.
    Validate the signature using ``validate_webhook()`` from EasyPost's client libraries
    [...] If the signature does not match, reject the event to prevent fraudulent data."

What the client libraries' ``validate_webhook`` does (and their shared test vector checks,
EasyPost/examples ``official/fixtures/client-library-fixtures.json`` key
``webhooks.hmac_signature`` over ``official/fixtures/event-body.json`` with the secret
``sécret``): the secret is Unicode NFKD-normalised, then UTF-8 encoded; the header is
``hmac-sha256-hex=`` + the lowercase hex HMAC-SHA256 of the raw body.

The scheme carries no timestamp, so there is no replay window: a replayed body is a
duplicate in the journal (its key: the tracker's id, status and ``updated_at``).

Every tracking detail of the tracker becomes a canonical event (``status_code``
``easypost:<status>``, its time, city, state, country, zip and message); milestones already
received are skipped by their identity. The tracker's ``est_delivery_date`` rides along as
``estimated_delivery`` (the shipment's planned delivery), its ``carrier`` as ``carrier``.
"""

import hashlib
import hmac
import unicodedata

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from . import _common

NAME = "easypost"
# Personal fields (journal data policy, logistics_connector/services/privacy.py) besides the
# common keys: the tracker's signer (``result.signed_by``, a common key).
PERSONAL_KEYS = ()
PERSONAL_PATHS = ()
SIGNATURE_HEADER = "X-Hmac-Signature"
PREFIX = "hmac-sha256-hex="
# The tracker statuses of EasyPost's API reference (Tracker object, ``status``).
STATUSES = (
    "unknown",
    "pre_transit",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "available_for_pickup",
    "return_to_sender",
    "failure",
    "cancelled",
    "error",
)
# The shipped default mappings (status_code -> canonical status); "unknown" is left to map.
DEFAULT_STATUS_MAP = {
    "pre_transit": "booked",  # label created, the carrier has not scanned the parcel yet
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "available_for_pickup": "out_for_delivery",  # waiting at a pick-up point
    "return_to_sender": "exception",
    "failure": "exception",
    "cancelled": "cancelled",
    "error": "exception",
}
TRACKER_EVENTS = ("tracker.created", "tracker.updated")


def sign(secret, body):
    """The ``X-Hmac-Signature`` value of ``body`` with ``secret`` (as EasyPost sends it)."""
    key = unicodedata.normalize("NFKD", secret if isinstance(secret, str) else secret.decode()).encode()
    return PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(headers, body, secret, now=None, **_options):
    """Raise SignatureError unless ``X-Hmac-Signature`` is the HMAC of ``body`` with ``secret``."""
    given = _common.header(headers, SIGNATURE_HEADER)
    if not given:
        raise SignatureError(f"missing signature ({SIGNATURE_HEADER})")
    if not given.lower().startswith(PREFIX):
        raise SignatureError(f"malformed signature (expected {PREFIX}<hex>)")
    _common.secret_bytes(secret)
    if not _common.same(sign(secret, body), PREFIX + given[len(PREFIX) :].lower()):
        raise SignatureError("bad signature")


def read(body):
    """``(journal key, canonical events)`` of an EasyPost event body; ParseError otherwise.

    An event of another kind (``batch.created``, ``refund.successful`` ...) holds no
    milestone: it is journaled, with no events."""
    data = _common.load_json(body, "EasyPost")
    if data.get("object") != "Event" or not isinstance(data.get("result"), dict):
        raise ParseError("not an EasyPost Event (object 'Event' with a 'result')", "object")
    description = data.get("description") or ""
    tracker = data["result"]
    if description not in TRACKER_EVENTS or tracker.get("object") != "Tracker":
        return f"{NAME}:event:{data.get('id') or ''}", []
    tracker_id = _common.text(tracker.get("id"))
    tracking_code = _common.text(tracker.get("tracking_code"))
    if not tracker_id or not tracking_code:
        raise ParseError("the EasyPost tracker has no id or tracking_code", "result")
    details = tracker.get("tracking_details") or []
    if not isinstance(details, list):
        raise ParseError("result.tracking_details must be a list", "result.tracking_details")
    carrier = _common.text(tracker.get("carrier"))
    estimated = _common.text(tracker.get("est_delivery_date"))
    events = []
    for index, detail in enumerate(details):
        where = f"result.tracking_details[{index}]"
        if not isinstance(detail, dict):
            raise ParseError(f"{where} must be an object", where)
        status = _common.text(detail.get("status"))
        if not status or not detail.get("datetime"):
            raise ParseError(f"{where} has no status or datetime", where)
        where_loc = detail.get("tracking_location") or {}
        event = {
            "tracking_ref": tracking_code,
            "status_code": f"{NAME}:{status}",
            "event_time": detail["datetime"],
            "location": _common.location(
                where_loc.get("city"), where_loc.get("state"), where_loc.get("country"), where_loc.get("zip")
            ),
            "reason_code": _common.text(detail.get("status_detail")),
            "reason": _common.text(detail.get("message") or detail.get("description")),
        }
        if carrier:
            event["carrier"] = carrier
        if estimated:
            event["estimated_delivery"] = estimated
        events.append({key: value for key, value in event.items() if value})
    status = tracker.get("status") or ""
    key = f"{NAME}:{tracker_id}:{status}:{tracker.get('updated_at') or data.get('updated_at') or data.get('id')}"
    return key, events


def parse(body):
    """The canonical events of an EasyPost event body (see :func:`read`)."""
    return read(body)[1]
