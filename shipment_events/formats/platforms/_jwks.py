"""Public keys of a JWKS URL (RFC 7517), kept per worker and fetched again for a key id not
seen yet (a platform publishes its next key before it signs with it).

A fetch uses ``requests`` with a timeout; a failing URL, or an unknown key id, is fetched at
most once every ``MIN_REFRESH_SECONDS`` (a caller cannot make this worker hammer the key
server with random key ids). RSA keys only (``kty`` RSA: ``n``, ``e`` in base64url), as
the platforms publish them; verification with ``cryptography`` (one of Odoo's own
dependencies)."""

import base64
import threading
import time

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from odoo.addons.logistics_connector.services.signature import SignatureError

TIMEOUT = (3.05, 5)
MAX_AGE_SECONDS = 6 * 3600
MIN_REFRESH_SECONDS = 30
_lock = threading.Lock()
# url -> {"keys": {kid: public key}, "fetched": monotonic time, "tried": monotonic time}
_cache = {}


def _b64url_int(value):
    padded = value + "=" * (-len(value) % 4)
    return int.from_bytes(base64.urlsafe_b64decode(padded), "big")


def _load(url):
    response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    response.raise_for_status()
    keys = {}
    for jwk in response.json().get("keys") or []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("kid"):
            continue
        try:
            numbers = rsa.RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"]))
            keys[str(jwk["kid"])] = numbers.public_key(default_backend())
        except (KeyError, ValueError, TypeError):
            continue
    return keys


def public_key(url, kid):
    """The public key ``kid`` of the key set at ``url``; SignatureError when there is none."""
    if not url:
        raise SignatureError("no key set URL is configured for this backend")
    now = time.monotonic()
    with _lock:
        entry = _cache.get(url)
        if entry and kid in entry["keys"] and now - entry["fetched"] < MAX_AGE_SECONDS:
            return entry["keys"][kid]
        if entry and now - entry["tried"] < MIN_REFRESH_SECONDS:
            # Fetched a moment ago: an unknown key id now is not worth another fetch.
            if kid in entry["keys"]:
                return entry["keys"][kid]
            raise SignatureError("unknown key id")
        entry = entry or {"keys": {}, "fetched": 0.0, "tried": 0.0}
        entry["tried"] = now
        _cache[url] = entry
    try:
        keys = _load(url)
    except (requests.RequestException, ValueError) as error:
        raise SignatureError(f"the key set could not be fetched ({type(error).__name__})") from None
    with _lock:
        _cache[url] = {"keys": keys, "fetched": time.monotonic(), "tried": time.monotonic()}
    if kid not in keys:
        raise SignatureError("unknown key id")
    return keys[kid]


def verify_rsa_sha256(key, signature, message):
    """RSASSA-PKCS1-v1_5 with SHA-256; SignatureError when it does not verify."""
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("bad signature") from None


def clear():
    """Forget every cached key set (tests)."""
    with _lock:
        _cache.clear()
