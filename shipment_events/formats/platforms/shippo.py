"""Shippo: ``track_updated`` webhooks, authenticated by an HMAC signature when Shippo has
provisioned one for the account, else by a self-generated token in the URL.

From Shippo's documentation (https://docs.goshippo.com/docs/tracking/webhooksecurity,
"Webhook security"):

    "Shippo has three options that you can use to help you protect the integrity of your
    webhook [...] Inbound IP allowlist, Self-generated tokens, HMAC. [...] You can add
    self-generated tokens to the end of the request URL query parameter like
    https://myurl.com/?token=123abc when you create your webhook using the Shippo webapp.
    [...] You will be able to see the same token as a query parameter returned in your
    webhook POST call. This method is secure as long as you protect the storage of the
    expected token."

The HMAC option (provisioned by Shippo's team on request): header ``Shippo-Auth-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with the webhook secret, as
Stripe's. The backend's webhook secret is both: a request with ``Shippo-Auth-Signature`` is
checked as HMAC (the timestamp inside the backend's tolerance: replay window); a request
without it must carry ``?token=<the secret>`` (constant-time comparison; no timestamp, no
replay window: a replayed body is a duplicate in the journal).

A ``track_updated`` body (``data``: the Track object) becomes one canonical event per entry
of ``tracking_history`` (else of ``tracking_status``): ``status_code`` ``shippo:<status>``
(``PRE_TRANSIT``, ``TRANSIT``, ``DELIVERED``, ``RETURNED``, ``FAILURE``, ``UNKNOWN``),
``status_date``, the location and ``status_details``; ``eta`` is the estimated delivery.
"""

import hashlib
import hmac
import re

from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError

from . import _common

NAME = "shippo"
# Personal fields (journal data policy) besides the common keys: the addresses' names.
PERSONAL_KEYS = ()
PERSONAL_PATHS = ("data.address_from.name", "data.address_to.name")
SIGNATURE_HEADER = "Shippo-Auth-Signature"
TOKEN_PARAMETER = "token"
DEFAULT_STATUS_MAP = {
    "PRE_TRANSIT": "booked",
    "TRANSIT": "in_transit",
    "DELIVERED": "delivered",
    "RETURNED": "exception",
    "FAILURE": "exception",
}
# UNKNOWN (no tracking information yet, or none the carrier could give) is left to map.
TRACK_EVENTS = ("track_updated",)
_PART_RE = re.compile(r"^\s*([a-z0-9]+)=(.*)$")


def sign(secret, body, timestamp):
    message = f"{int(timestamp)}.".encode() + body
    return hmac.new(_common.secret_bytes(secret), message, hashlib.sha256).hexdigest()


def signature_header(secret, body, timestamp):
    return f"t={int(timestamp)},v1={sign(secret, body, timestamp)}"


def verify(headers, body, secret, now=None, tolerance=300, query=None, **_options):
    """HMAC (``Shippo-Auth-Signature``, with its replay window) when the header is there,
    else the URL token (``?token=``); SignatureError otherwise."""
    given = _common.header(headers, SIGNATURE_HEADER)
    if given:
        return _verify_hmac(given, body, secret, now, tolerance)
    token = (query or {}).get(TOKEN_PARAMETER) if query is not None else None
    if not token:
        raise SignatureError(f"missing signature ({SIGNATURE_HEADER}) and no ?{TOKEN_PARAMETER}=")
    _common.secret_bytes(secret)
    if not _common.same(str(secret), str(token)):
        raise SignatureError("bad token")
    return None


def _verify_hmac(given, body, secret, now, tolerance):
    parts = {}
    for part in given.split(","):
        match = _PART_RE.match(part)
        if not match:
            raise SignatureError("malformed signature header")
        parts.setdefault(match.group(1), []).append(match.group(2).strip().lower())
    timestamp = (parts.get("t") or [""])[0]
    if not timestamp.isdigit():
        raise SignatureError("missing timestamp (t=)")
    if not parts.get("v1"):
        raise SignatureError("missing signature (no v1= value)")
    _common.check_window(int(timestamp), now, tolerance)
    expected = sign(secret, body, timestamp)
    if not any(_common.same(expected, digest) for digest in parts["v1"]):
        raise SignatureError("bad signature")


def _event(track, status, where):
    code = _common.text(status.get("status"))
    if not code or not status.get("status_date"):
        raise ParseError(f"{where} has no status or status_date", where)
    location = status.get("location") if isinstance(status.get("location"), dict) else {}
    substatus = status.get("substatus") if isinstance(status.get("substatus"), dict) else {}
    event = {
        "tracking_ref": _common.text(track.get("tracking_number")),
        "status_code": f"{NAME}:{code}",
        "event_time": status["status_date"],
        "location": _common.location(
            location.get("city"), location.get("state"), location.get("country"), location.get("zip")
        ),
        "reason_code": _common.text(substatus.get("code")),
        "reason": _common.text(status.get("status_details")),
        "carrier": _common.text(track.get("carrier")),
        "estimated_delivery": _common.text(track.get("eta")),
    }
    return {key: value for key, value in event.items() if value}


def read(body):
    data = _common.load_json(body, "Shippo")
    event = data.get("event")
    track = data.get("data")
    if not event or not isinstance(track, dict):
        raise ParseError("not a Shippo webhook ('event' and 'data')", "event")
    if event not in TRACK_EVENTS:
        return f"{NAME}:{event}:{track.get('object_id') or ''}", []
    if not _common.text(track.get("tracking_number")):
        raise ParseError("data has no tracking_number", "data.tracking_number")
    history = track.get("tracking_history") or []
    if not isinstance(history, list):
        raise ParseError("data.tracking_history must be a list", "data.tracking_history")
    current = track.get("tracking_status") if isinstance(track.get("tracking_status"), dict) else None
    entries = [(f"data.tracking_history[{i}]", s) for i, s in enumerate(history)]
    if not entries and current:
        entries = [("data.tracking_status", current)]
    events = []
    for where, status in entries:
        if not isinstance(status, dict):
            raise ParseError(f"{where} must be an object", where)
        events.append(_event(track, status, where))
    current = current or {}
    key = ":".join(
        [
            NAME,
            str(track.get("tracking_number")),
            str(current.get("object_id") or current.get("status") or ""),
            str(current.get("object_updated") or current.get("status_date") or ""),
        ]
    )
    return key, events


def parse(body):
    return read(body)[1]
