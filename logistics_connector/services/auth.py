"""Authentication strategies of the protocol clients (plain Python, no ORM).

Each strategy is a :class:`requests.auth.AuthBase`: pass it as ``auth=`` of a request or
set it as ``session.auth`` (the SOAP transport does so). Besides that it offers:

* ``invalidate()``: the server answered 401; forget cached credentials and say whether a
  second try can succeed (only OAuth2 can: it fetches a new token);
* ``redact(text)``: ``text`` with every secret it holds replaced by ``***``, for error
  messages that quote a remote answer.

Secrets are never part of ``str()``/``repr()``, of raised errors or of log lines.
"""

import base64
import logging
import threading
from datetime import UTC, datetime, timedelta

import requests
from requests.auth import AuthBase

from .exceptions import RemoteError, RetryableError

_logger = logging.getLogger(__name__)

REDACTED = "***"


def utcnow():
    """Naive UTC now, as Odoo stores datetimes."""
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(value):
    """A token expiry as a naive UTC datetime (accepts aware datetimes and Unix timestamps)."""
    if value is None or value is False:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


class Auth(AuthBase):
    """Base strategy: adds nothing."""

    def __call__(self, request):
        return request

    def invalidate(self):
        """Called after a 401. True when retrying the call once may succeed."""
        return False

    def _secrets(self):
        return ()

    def redact(self, text):
        """``text`` without any secret of this strategy."""
        if not text:
            return text
        for secret in self._secrets():
            if secret and len(secret) >= 4:
                text = text.replace(secret, REDACTED)
        return text

    def __repr__(self):
        return f"<{self.__class__.__name__}>"

    __str__ = __repr__


class NoAuth(Auth):
    """No credentials at all (public or network-protected endpoints)."""


class ApiKeyAuth(Auth):
    """A static API key in a request header (``X-API-Key`` by default)."""

    def __init__(self, header_name, key):
        self.header_name = header_name or "X-API-Key"
        self._key = key or ""

    def __call__(self, request):
        request.headers[self.header_name] = self._key
        return request

    def _secrets(self):
        return (self._key,)

    def __repr__(self):
        return f"<ApiKeyAuth header={self.header_name!r}>"

    __str__ = __repr__


class BasicAuth(Auth):
    """HTTP basic authentication."""

    def __init__(self, user, password):
        self.user = user or ""
        self._password = password or ""

    def _header_value(self):
        pair = f"{self.user}:{self._password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def __call__(self, request):
        request.headers["Authorization"] = self._header_value()
        return request

    def _secrets(self):
        return (self._password, self._header_value()[len("Basic ") :])

    def __repr__(self):
        return f"<BasicAuth user={self.user!r}>"

    __str__ = __repr__


class MemoryTokenCache:
    """The default OAuth2 token cache: one token, in this process only.

    A cache is any object with ``get() -> (token, expires_at) | None``,
    ``set(token, expires_at)`` and optionally ``clear()``; ``expires_at`` is a naive UTC
    datetime after which the token is not used any more (the safety margin is already
    deducted). The Odoo backend stores it on its record so that every worker shares it.
    """

    def __init__(self):
        self._value = None

    def get(self):
        return self._value

    def set(self, token, expires_at):
        self._value = (token, expires_at) if token else None

    def clear(self):
        self._value = None

    def __repr__(self):
        return "<MemoryTokenCache>"


class OAuth2ClientCredentials(Auth):
    """OAuth2 client-credentials grant with a cached bearer token.

    The token is fetched with ``POST token_url`` (form ``grant_type=client_credentials``,
    ``scope`` if given; client id and secret in the form, or as HTTP basic with
    ``client_auth="basic"``), cached until ``expires_in`` minus a safety margin
    (``min(expiry_margin, expires_in / 2)``), fetched again when expired, and once more
    when the API answers 401 (see :meth:`invalidate`).

    :param timeout: ``(connect, read)`` seconds for the token request (always passed)
    :param token_cache: see :class:`MemoryTokenCache` (default: a new one)
    :param clock: callable returning naive UTC now (tests inject one)
    :raises RemoteError: the token endpoint refused the credentials (4xx) or answered
        without a token
    :raises RetryableError: the token endpoint timed out, was unreachable, answered 429/5xx
    """

    def __init__(
        self,
        token_url,
        client_id,
        client_secret,
        scope=None,
        timeout=(5.0, 30.0),
        token_cache=None,
        expiry_margin=60,
        default_expires_in=300,
        client_auth="body",
        session=None,
        clock=None,
    ):
        if client_auth not in ("body", "basic"):
            raise ValueError("client_auth must be 'body' or 'basic'")
        self.token_url = token_url
        self.client_id = client_id or ""
        self._client_secret = client_secret or ""
        self.scope = scope or None
        self.timeout = timeout
        self.token_cache = token_cache if token_cache is not None else MemoryTokenCache()
        self.expiry_margin = expiry_margin
        self.default_expires_in = default_expires_in
        self.client_auth = client_auth
        self.clock = clock or utcnow
        self._session = session
        self._owns_session = session is None
        self._lock = threading.RLock()
        self._last_token = None
        self.tokens_fetched = 0

    # requests.auth protocol -----------------------------------------------
    def __call__(self, request):
        request.headers["Authorization"] = "Bearer " + self.get_token()
        return request

    def invalidate(self):
        """The API refused the token: drop it so the next call fetches a new one."""
        with self._lock:
            clear = getattr(self.token_cache, "clear", None)
            if clear:
                clear()
            else:
                self.token_cache.set(None, None)
        _logger.info("OAuth2 token of client %s refused by the API; a new one will be fetched", self.client_id)
        return True

    # Tokens -----------------------------------------------------------------
    def get_token(self, force=False):
        """A valid access token, from the cache or freshly fetched."""
        with self._lock:
            if not force:
                cached = self.token_cache.get()
                if cached and cached[0]:
                    token, expires_at = cached
                    expires_at = _naive_utc(expires_at)
                    if expires_at and self.clock() < expires_at:
                        self._last_token = token
                        return token
            token, expires_at = self._fetch_token()
            self.token_cache.set(token, expires_at)
            self._last_token = token
            return token

    def close(self):
        """Close the connections of the token session this object created."""
        if self._session is not None and self._owns_session:
            self._session.close()

    def _get_session(self):
        if self._session is None:
            self._session = requests.Session()
        return self._session

    def _fetch_token(self):
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        auth = None
        if self.client_auth == "basic":
            auth = (self.client_id, self._client_secret)
        else:
            form.update(client_id=self.client_id, client_secret=self._client_secret)
        where = f"OAuth2 token endpoint {self.token_url}"
        try:
            response = self._get_session().post(
                self.token_url,
                data=form,
                auth=auth,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise RetryableError(f"{where} timed out") from None
        except requests.RequestException as error:
            raise RetryableError(f"{where} unreachable ({error.__class__.__name__})") from None
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if status == 429 or status >= 500:
            raise RetryableError(f"{where} answered HTTP {status}", status_code=status)
        if status >= 400:
            reason = " ".join(str(data.get(key)) for key in ("error", "error_description") if data.get(key))
            reason = self.redact(reason[:200]) or "no reason given"
            raise RemoteError(
                f"{where} refused client {self.client_id} (HTTP {status}: {reason})",
                status_code=status,
                body=self.redact(response.text[:500]),
            )
        token = data.get("access_token")
        if not token or not isinstance(token, str):
            raise RemoteError(f"{where} answered without an access_token (HTTP {status})", status_code=status)
        try:
            expires_in = float(data.get("expires_in") or self.default_expires_in)
        except (TypeError, ValueError):
            expires_in = float(self.default_expires_in)
        margin = min(self.expiry_margin, expires_in / 2)
        expires_at = self.clock() + timedelta(seconds=expires_in - margin)
        self.tokens_fetched += 1
        _logger.info("OAuth2 token fetched for client %s, valid for %d s", self.client_id, int(expires_in))
        return token, expires_at

    def _secrets(self):
        cached = None
        try:
            cached = self.token_cache.get()
        except Exception:  # a broken cache must not hide the redaction of other secrets
            _logger.debug("Token cache unreadable while redacting", exc_info=True)
        tokens = (self._last_token, cached[0] if cached else None)
        return (self._client_secret, *(token for token in tokens if token))

    def __repr__(self):
        return f"<OAuth2ClientCredentials client_id={self.client_id!r} token_url={self.token_url!r}>"

    __str__ = __repr__
