"""Helpers shared by the platform modules (plain Python)."""

import hmac

from odoo.addons.logistics_connector.services import jsonsafe
from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.services.signature import SignatureError


def load_json(body, platform):
    """The JSON object of a platform's body (read by the suite's strict reader,
    ``jsonsafe.loads_strict``), or ParseError."""
    try:
        data = jsonsafe.loads_strict(body)
    except jsonsafe.PayloadError as error:
        raise ParseError(f"the {platform} body is not JSON: {error}", "body") from None
    if not isinstance(data, dict):
        raise ParseError(f"the {platform} body must be a JSON object, not a JSON {type(data).__name__}", "body")
    return data


def header(headers, name):
    """A header's value, stripped ('' when absent); ``headers`` is any case-insensitive mapping
    (werkzeug's) or a plain dict (tests)."""
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        lowered = {key.lower(): item for key, item in headers.items()}
        value = lowered.get(name.lower())
    return (value or "").strip()


def secret_bytes(secret):
    if not secret:
        raise SignatureError("no webhook secret is configured")
    return secret if isinstance(secret, bytes) else str(secret).encode()


def same(expected, given):
    """Constant-time comparison of two texts."""
    return hmac.compare_digest(expected.encode(), given.encode())


def check_window(timestamp, now, tolerance, name="timestamp"):
    """Refuse a timestamp further than ``tolerance`` seconds from ``now`` (replays)."""
    if now is None:
        return
    age = now - timestamp
    if age > tolerance:
        raise SignatureError(f"{name} is too old (more than {tolerance} s)")
    if -age > tolerance:
        raise SignatureError(f"{name} is in the future (more than {tolerance} s)")


def text(value):
    """A non-empty string or None."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def location(city=None, state=None, country=None, zip_code=None, name=None):
    loc = {
        "name": text(name),
        "city": text(city),
        "state": text(state),
        "country": (text(country) or "").upper()[:2] or None,
        "zip": text(zip_code),
    }
    return {key: value for key, value in loc.items() if value}
