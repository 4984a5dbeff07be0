"""The canonical JSON shipment event: parsing, validation, normalisation and identity.

Plain Python (no ORM) so that it can be unit-tested without a database. The
JSON Schema lives in ``shipment_events/schemas/shipment_event.schema.json``.
"""

import base64
import binascii
import functools
import hashlib
import json
import os
import re
from datetime import UTC

import jsonschema
import pytz

from odoo.addons.logistics_connector.services import dates, jsonsafe, privacy
from odoo.addons.logistics_connector.services.exceptions import ParseError

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "schemas", "shipment_event.schema.json")
REFERENCE_KEYS = ("shipment_id", "tracking_ref", "bill_of_lading", "order_ref", "reference")
# Reference of an event -> keys understood by logistics.shipment._find_by_references.
FIND_KEYS = {
    "shipment_id": "external_id",
    "tracking_ref": "tracking_ref",
    "bill_of_lading": "bill_of_lading",
    "order_ref": "order_ref",
    "reference": "name",
}
# The reference that names a shipment in the channel-independent identity, best first.
IDENTITY_REF_ORDER = ("tracking_ref", "bill_of_lading", "shipment_id", "reference", "order_ref")

EXCEPTION_STATUSES = ("delayed", "customs_hold", "exception")
PROGRESS_STATUSES = ("picked_up", "in_transit", "out_for_delivery", "delivered")
BILLING_STATUSES = ("delivered",)
# Exception kinds carried by an event whatever its status (e.g. attempted delivery while out for delivery).
EXCEPTION_TYPES = ("refused", "damaged", "attempted_delivery", "lost", "address_issue")
MAX_BATCH_EVENTS = 10_000

# Personal fields of a canonical event body (one event or {"events": [...]}) for the journal's
# data policy (logistics_connector/services/privacy.py): the POD's signer (a common key) and
# its document (a signature image or a scan), besides the common names, streets, phones, e-mails.
PRIVACY_RULES = privacy.json_rules(personal_keys=("document_base64",))


@functools.cache
def get_validator():
    with open(SCHEMA_PATH, encoding="utf-8") as schema_file:
        schema = json.load(schema_file)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    return validator_cls(schema)


def parse_datetime(value, where="event_time"):
    """ISO 8601 with an offset -> (naive UTC datetime to the second, offset text such as '+01:00')."""
    if not isinstance(value, str):
        raise ParseError(f"{where} must be an ISO 8601 string", where)
    try:
        parsed, offset = dates.parse_datetime_offset(value)
    except ValueError:
        raise ParseError(f"{where} {value!r} is not an ISO 8601 date and time", where)
    if offset is None:
        raise ParseError(f"{where} {value!r} has no UTC offset (e.g. +01:00 or Z)", where)
    return parsed.replace(microsecond=0), offset


def localize(naive_local, tz_name):
    """A local time without offset (X12 'LT') in the zone ``tz_name`` -> (naive UTC, offset text)."""
    zone = pytz.timezone(tz_name or "UTC")
    aware = zone.localize(naive_local)
    return aware.astimezone(UTC).replace(tzinfo=None, microsecond=0), dates.offset_text(aware.utcoffset())


def _path(prefix, error_path):
    text = prefix
    for part in error_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "event"


# JSON Schema keywords that only annotate (they never make an instance invalid here).
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "contentEncoding"})
_JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
}


def is_certainly_valid(schema, value):
    """True only when ``value`` certainly satisfies ``schema`` (False means "not sure").

    A small interpreter of the keywords our event schema uses, many times faster than the
    generic validator on a valid event. It is conservative: any keyword it does not know,
    and any doubt, answers False, and the full validator (which also names the problem)
    decides. So it never accepts what the schema refuses. (The schema compiled each time:
    :func:`validate_event` keeps the event schema's compiled once.)
    """
    return compile_certainly_valid(schema)(value)


def _never(_value):
    return False


def _always(_value):
    return True


def _all_of(checks):
    """A check that passes when each of ``checks`` does (in order, the first failure stops)."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(value):
        for one in checks:
            if not one(value):
                return False
        return True

    return check


def compile_certainly_valid(schema):  # noqa: C901 - one flat branch per JSON-schema keyword, read as a table
    """``schema`` turned into the check :func:`is_certainly_valid` makes: a function of a value,
    True only when the value certainly satisfies the schema. Each keyword becomes a small
    function, chosen once (a schema with a keyword it does not know never passes), instead of
    a walk of the schema's keywords for every value: the webhook checks every event of a batch
    with the event schema's."""
    checks = []
    for keyword, rule in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "type":
            types = rule if isinstance(rule, list) else [rule]
            tests = [_JSON_TYPES.get(name, _never) for name in types]
            if types == ["string"]:
                checks.append(lambda v: isinstance(v, str))
            elif types == ["object"]:
                checks.append(lambda v: isinstance(v, dict))
            else:
                checks.append(lambda v, tests=tests: any(test(v) for test in tests))
        elif keyword == "enum":
            items = list(rule)
            if all(type(item) is str for item in items):
                texts = frozenset(items)
                checks.append(lambda v, texts=texts: type(v) is str and v in texts)
            else:
                checks.append(lambda v, items=items: any(type(v) is type(item) and v == item for item in items))
        elif keyword == "minLength":
            checks.append(lambda v, rule=rule: not isinstance(v, str) or len(v) >= rule)
        elif keyword == "maxLength":
            checks.append(lambda v, rule=rule: not isinstance(v, str) or len(v) <= rule)
        elif keyword == "minimum":
            checks.append(lambda v, rule=rule: not _JSON_TYPES["number"](v) or v >= rule)
        elif keyword == "maximum":
            checks.append(lambda v, rule=rule: not _JSON_TYPES["number"](v) or v <= rule)
        elif keyword == "required":
            names = list(rule)
            checks.append(lambda v, names=names: not isinstance(v, dict) or all(name in v for name in names))
        elif keyword == "properties":
            subs = [(name, compile_certainly_valid(sub)) for name, sub in rule.items()]

            def properties(value, subs=subs):
                if isinstance(value, dict):
                    for name, sub in subs:
                        if name in value and not sub(value[name]):
                            return False
                return True

            checks.append(properties)
        elif keyword == "additionalProperties":
            if rule is True:
                continue
            known = frozenset(schema.get("properties", {}))
            extra_check = None if rule is False else compile_certainly_valid(rule)

            def additional(value, known=known, extra_check=extra_check):
                if not isinstance(value, dict):
                    return True
                extra = [name for name in value if name not in known]
                if not extra:
                    return True
                return extra_check is not None and all(extra_check(value[name]) for name in extra)

            checks.append(additional)
        elif keyword == "allOf":
            checks.append(_all_of([compile_certainly_valid(sub) for sub in rule]))
        elif keyword == "anyOf":
            subs = [compile_certainly_valid(sub) for sub in rule]
            checks.append(lambda v, subs=subs: any(sub(v) for sub in subs))
        else:
            return _never  # a keyword this interpreter does not know: let the full validator decide
    return _all_of(checks)


@functools.cache
def _schema():
    with open(SCHEMA_PATH, encoding="utf-8") as schema_file:
        return json.load(schema_file)


@functools.cache
def _event_certainly_valid():
    """The event schema's fast check (:func:`compile_certainly_valid`), compiled once."""
    return compile_certainly_valid(_schema())


def validate_event(event, where="event"):
    """Raise :class:`ParseError` naming the first problem of ``event`` (schema, dates, base64)."""
    if not isinstance(event, dict):
        raise ParseError(f"{where} must be a JSON object, not {type(event).__name__}", where)
    error = None
    if not _event_certainly_valid()(event):
        error = jsonschema.exceptions.best_match(get_validator().iter_errors(event))
    if error is not None:
        path = _path(where, error.absolute_path)
        if error.validator == "anyOf" and error.schema.get("description"):
            raise ParseError(f"{error.schema['description']}", path)
        raise ParseError(error.message, path)
    parse_datetime(event["event_time"], f"{where}.event_time")
    pod = event.get("pod") or {}
    if pod.get("time"):
        parse_datetime(pod["time"], f"{where}.pod.time")
    if pod.get("document_base64"):
        try:
            base64.b64decode(pod["document_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ParseError("pod.document_base64 is not valid base64", f"{where}.pod.document_base64")


def split_body(raw, warnings=None):
    """The events of a canonical JSON request body: (events, is_batch).

    Raises :class:`ParseError` when the body is not JSON (read by the suite's one strict
    reader, ``logistics_connector/services/jsonsafe.py``: too deep, NaN, huge numbers, invalid
    UTF-8, a key twice with different values are refused too), not an event object nor a batch
    ``{"events": [...]}``. Events are not validated here (see :func:`validate_event`): a batch
    can hold good and bad events. ``warnings``, a list, receives what was read on (a key
    repeated with the same value).
    """
    data, read_warnings = jsonsafe.loads_checked(raw)
    if warnings is not None:
        warnings.extend(read_warnings)
    if isinstance(data, dict) and "events" in data:
        events = data["events"]
        if not isinstance(events, list):
            raise ParseError("'events' must be a list of event objects", "events")
        if not events:
            raise ParseError("'events' is empty", "events")
        if len(events) > MAX_BATCH_EVENTS:
            raise ParseError(f"a batch holds at most {MAX_BATCH_EVENTS} events ({len(events)} given)", "events")
        return events, True
    if isinstance(data, dict):
        return [data], False
    raise ParseError(
        f"the body must be an event object or {{'events': [...]}}, not a JSON {type(data).__name__}", "body"
    )


def _norm(value):
    return re.sub(r"[^0-9A-Z]", "", str(value or "").upper())


def idempotency_key(event):
    """The journal key of an event: the sender's event id, else a hash of its identifying fields."""
    if event.get("event_id"):
        return f"event:{event['event_id']}"
    try:
        event_time = parse_datetime(event.get("event_time"))[0].isoformat()
    except ParseError:
        event_time = str(event.get("event_time"))
    location = event.get("location") or {}
    fields = [
        *(f"{key}={event.get(key) or ''}" for key in REFERENCE_KEYS),
        f"code={event.get('status_code') or ''}",
        f"status={event.get('status') or ''}",
        f"time={event_time}",
        f"loc={_norm(location.get('city'))}/{_norm(location.get('country'))}",
    ]
    return "event-hash:" + hashlib.sha256("|".join(fields).encode()).hexdigest()[:40]


def event_identity(refs, status, event_time, city):
    """Channel-independent identity of a milestone: the same event received over the
    webhook and in an uploaded X12 file has the same identity.

    ``refs`` holds canonical reference keys (tracking_ref, bill_of_lading,
    shipment_id, reference, order_ref); ``event_time`` is naive UTC (compared to
    the minute, as X12 carries no seconds).
    """
    ref = next((f"{key}:{_norm(refs[key])}" for key in IDENTITY_REF_ORDER if refs.get(key)), "")
    minute = event_time.replace(second=0, microsecond=0).isoformat() if event_time else ""
    text = "|".join([ref, status or "", minute, _norm(city)])
    return hashlib.sha256(text.encode()).hexdigest()


def normalize_event(event):
    """A validated canonical JSON event -> the dict the event model consumes."""
    event_time, event_tz = parse_datetime(event["event_time"])
    location = event.get("location") or {}
    pod = event.get("pod") or None
    if pod:
        pod = dict(pod)
        pod["time"] = parse_datetime(pod["time"], "pod.time")[0] if pod.get("time") else None
        if pod.get("document_base64"):
            pod["document"] = base64.b64decode(pod.pop("document_base64"))
    exception = event.get("exception") or {}
    return {
        "event_id": event.get("event_id"),
        "refs": {key: str(event[key]).strip() for key in REFERENCE_KEYS if event.get(key)},
        "status_code": event.get("status_code"),
        "status": event.get("status"),
        "reason_code": event.get("reason_code") or None,
        "reason": event.get("reason") or exception.get("description") or None,
        "exception_type": exception.get("type") or None,
        "event_time": event_time,
        "event_tz": event_tz,
        "location": {
            "name": location.get("name"),
            "city": location.get("city"),
            "state": location.get("state"),
            "country": (location.get("country") or "").upper() or None,
            "zip": location.get("zip"),
            "lat": location.get("lat"),
            "lon": location.get("lon"),
        },
        "pod": pod,
        # the carrier as the sender names it: tells apart shipments sharing a tracking number
        "carrier": event.get("carrier_scac") or event.get("carrier") or None,
    }


def classify(status, has_pod=False, exception_type=None):
    """informational / actionable / billing (delivered and proof of delivery are billing-relevant)."""
    if status in BILLING_STATUSES or has_pod:
        return "billing"
    if status in EXCEPTION_STATUSES or exception_type in EXCEPTION_TYPES:
        return "actionable"
    return "informational"
