"""Webhook signatures: HMAC-SHA256 over the timestamp and the raw body.

The scheme (documented for the platforms that call our webhooks)::

    signed   = f"{timestamp}.".encode() + raw_body        # timestamp: Unix seconds
    hex      = HMAC-SHA256(secret, signed).hexdigest()

    X-Logistics-Timestamp: 1718000000
    X-Logistics-Signature: v1=<hex>          (or the bare <hex>)

A Stripe-like single header is accepted too, the timestamp inside it::

    X-Logistics-Signature: t=1718000000,v1=<hex>[,v1=<hex of another secret>]

Requests whose timestamp is further than ``tolerance`` seconds from now (in the past
or the future) are refused, which bounds replays. Several secrets may be valid at
once (rotation): :func:`webhook_secrets` says which are valid now, :func:`verify` which one
matched. Comparisons are constant-time.
"""

import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from typing import NamedTuple

from .exceptions import PermanentError

TIMESTAMP_HEADER = "X-Logistics-Timestamp"
SIGNATURE_HEADER = "X-Logistics-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300

_HEX_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_TIMESTAMP_RE = re.compile(r"^\d{1,12}$")


class SignatureError(PermanentError):
    """The signature of a request is missing or wrong; ``reason`` says which check failed."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(reason)


class PlatformVerifier(NamedTuple):
    """The signature scheme of a platform that posts webhooks its own way (a backend's
    ``platform``): ``verify(headers, body, secret, now, **options)`` raises
    :class:`SignatureError` or returns nothing; ``needs_secret``: False when the scheme has no
    shared secret (public keys), so a backend without one is not refused for that."""

    verify: object
    needs_secret: bool = True


# Platform name -> PlatformVerifier, filled by the addons that read platforms' webhooks (the
# shared intake, controllers/webhook_intake.py, asks it for a backend with a platform).
PLATFORM_VERIFIERS = {}


def register_platform(name, verify, needs_secret=True):
    PLATFORM_VERIFIERS[name] = PlatformVerifier(verify, needs_secret)


def webhook_secrets(secret, previous_secret, previous_until, now=None):
    """The secrets valid now, newest first: the previous one only inside its rotation window.

    :param previous_until: end of the rotation window, a naive UTC datetime (as Odoo stores it)
    :param now: naive UTC datetime to check against (default: now)
    """
    valid = [secret] if secret else []
    if previous_secret and previous_until:
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0) if now is None else now
        if previous_until > now:
            valid.append(previous_secret)
    return valid


def _to_bytes(value):
    return value if isinstance(value, bytes) else str(value).encode()


def sign(secret, timestamp, body):
    """The hex HMAC-SHA256 of ``f"{timestamp}."`` + ``body`` with ``secret`` (str or bytes)."""
    message = f"{timestamp}.".encode() + _to_bytes(body)
    return hmac.new(_to_bytes(secret), message, hashlib.sha256).hexdigest()


def signature_headers(secret, body, timestamp=None, combined=False):
    """The headers a sender puts on a request (for tests, loopback servers and outbound calls)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    digest = sign(secret, timestamp, body)
    if combined:
        return {SIGNATURE_HEADER: f"t={timestamp},{SCHEME}={digest}"}
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: f"{SCHEME}={digest}"}


def parse_signature_header(value):
    """``(timestamp or None, [hex, ...])`` from ``v1=<hex>``, a bare ``<hex>`` or ``t=<ts>,v1=<hex>``.

    Parts of other schemes (``v0=...``) are ignored; a malformed part raises :class:`SignatureError`.
    """
    value = (value or "").strip()
    if not value:
        raise SignatureError("missing signature")
    if "=" not in value:
        parts = [(SCHEME, value)]
    else:
        parts = []
        for part in value.split(","):
            key, sep, item = part.strip().partition("=")
            if not sep:
                raise SignatureError("malformed signature header")
            parts.append((key.strip().lower(), item.strip()))
    timestamp = None
    digests = []
    for key, item in parts:
        if key == "t":
            timestamp = item
        elif key == SCHEME:
            if not _HEX_RE.match(item):
                raise SignatureError("malformed signature (expected 64 hexadecimal characters)")
            digests.append(item.lower())
    if not digests:
        raise SignatureError(f"missing signature (no {SCHEME}= value)")
    return timestamp, digests


def verify(secrets, timestamp_header, signature_header, body, now=None, tolerance=DEFAULT_TOLERANCE):
    """Check a signed request; the index in ``secrets`` of the secret that signed it.

    :param secrets: the valid secrets, newest first (str or bytes; empty ones are skipped)
    :param timestamp_header: value of ``X-Logistics-Timestamp`` (may be None with ``t=`` inside
        the signature header)
    :param signature_header: value of ``X-Logistics-Signature``
    :param body: the raw request body (bytes) exactly as received
    :param now: Unix time to check against (default: now)
    :param tolerance: maximum age, and maximum advance, of the timestamp in seconds
    :raises SignatureError: missing signature, missing or non-numeric timestamp, timestamp
        too old or in the future, bad signature, no secret configured
    """
    if not any(secrets or ()):
        raise SignatureError("no webhook secret is configured")
    inline_timestamp, digests = parse_signature_header(signature_header)
    timestamp = (timestamp_header or "").strip() or inline_timestamp
    if inline_timestamp and timestamp_header and timestamp_header.strip() != inline_timestamp:
        raise SignatureError("timestamp header and signature timestamp differ")
    if not timestamp:
        raise SignatureError("missing timestamp")
    if not _TIMESTAMP_RE.match(timestamp):
        raise SignatureError("timestamp is not a number of seconds")
    now = time.time() if now is None else now
    age = now - int(timestamp)
    if age > tolerance:
        raise SignatureError(f"timestamp is too old (more than {tolerance} s)")
    if -age > tolerance:
        raise SignatureError(f"timestamp is in the future (more than {tolerance} s)")
    for index, secret in enumerate(secrets):
        if not secret:
            continue
        expected = sign(secret, timestamp, body)
        # Every candidate is compared, in constant time, with the expected digest.
        if any(hmac.compare_digest(expected, digest) for digest in digests):
            return index
    raise SignatureError("bad signature")
