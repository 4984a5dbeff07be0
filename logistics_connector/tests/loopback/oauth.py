"""The loopback OAuth2 token endpoint (client credentials grant)."""

import base64
import hmac
import secrets
import time
from urllib.parse import parse_qs

from .server import LoopbackServer, json_answer


class OAuthServer(LoopbackServer):
    """An OAuth2 token endpoint (client credentials grant) at ``/token``."""

    name = "oauth"
    token_path = "/token"

    def __init__(self, client_id="loopback-client", client_secret="loopback-secret", expires_in=3600, **kwargs):
        self.client_id = client_id
        self.client_secret = client_secret
        self.expires_in = expires_in
        super().__init__(**kwargs)

    def _reset_state(self):
        self._tokens = {}  # token -> monotonic expiry
        self.tokens_issued = 0
        self.current_token = None

    @property
    def token_url(self):
        return self.url + self.token_path

    def is_valid(self, token):
        with self._lock:
            expiry = self._tokens.get(token) if token else None
            return expiry is not None and time.monotonic() < expiry

    def revoke(self):
        """Every token issued so far becomes invalid."""
        with self._lock:
            self._tokens.clear()

    def _is_public(self, record):
        return True

    def _route(self, record):
        if record.path != self.token_path:
            return super()._route(record)
        if record.method != "POST":
            return json_answer(405, {"error": "invalid_request"})
        form = {key: values[-1] for key, values in parse_qs(record.body.decode("utf-8", "replace")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        authorization = record.headers.get("Authorization", "")
        if authorization[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                decoded = ":"
            client_id, _sep, client_secret = decoded.partition(":")
        if form.get("grant_type") != "client_credentials":
            return json_answer(400, {"error": "unsupported_grant_type"})
        if not (
            hmac.compare_digest((client_id or "").encode(), self.client_id.encode())
            and hmac.compare_digest((client_secret or "").encode(), self.client_secret.encode())
        ):
            with self._lock:
                self.auth_failures += 1
            return json_answer(401, {"error": "invalid_client"}, {"WWW-Authenticate": 'Basic realm="token"'})
        token = "tok-" + secrets.token_urlsafe(16)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.expires_in
            self.tokens_issued += 1
            self.current_token = token
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        if form.get("scope"):
            answer["scope"] = form["scope"]
        return json_answer(200, answer, {"Cache-Control": "no-store"})
