"""A loopback key server (JWKS, RFC 7517) on 127.0.0.1 that plays ShipEngine's
``https://api.shipengine.com/jwks``, and signs requests as ShipEngine does."""

import base64
import time
from datetime import UTC, datetime

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from odoo.addons.logistics_connector.tests.loopback import LoopbackServer, json_answer


def _b64url(number):
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class JwksServer(LoopbackServer):
    """``GET /jwks`` -> ``{"keys": [...]}`` of the keys published now (``publish``)."""

    name = "jwks"
    path = "/jwks"

    def __init__(self, **kwargs):
        self.private_keys = {}
        self.published = []
        super().__init__(**kwargs)

    @property
    def jwks_url(self):
        return self.url + self.path

    def new_key(self, kid, publish=True):
        self.private_keys[kid] = rsa.generate_private_key(65537, 2048, default_backend())
        if publish:
            self.published.append(kid)
        return kid

    def _is_public(self, record):
        return True

    def _route(self, record):
        if record.path != self.path:
            return super()._route(record)
        keys = []
        for kid in list(self.published):
            numbers = self.private_keys[kid].public_key().public_numbers()
            keys.append(
                {
                    "kty": "RSA",
                    "kid": kid,
                    "use": "sig",
                    "alg": "RS256",
                    "n": _b64url(numbers.n),
                    "e": _b64url(numbers.e),
                }
            )
        return json_answer(200, {"keys": keys})

    def headers(self, kid, body, timestamp=None):
        """The headers ShipEngine puts on a webhook request signed with key ``kid``."""
        moment = datetime.fromtimestamp(time.time() if timestamp is None else timestamp, UTC)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        signature = self.private_keys[kid].sign(stamp.encode() + b"." + body, padding.PKCS1v15(), hashes.SHA256())
        return {
            "X-ShipEngine-RSA-SHA256-Key-ID": kid,
            "X-ShipEngine-RSA-SHA256-Signature": base64.b64encode(signature).decode(),
            "X-ShipEngine-Timestamp": stamp,
        }
