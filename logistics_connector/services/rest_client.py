"""JSON-over-HTTP client with timeouts, retries and error mapping (plain Python, no ORM).

* every request has a timeout (``(connect, read)`` seconds);
* connection errors, timeouts, 408, 429 and 5xx are retried ``max_retries`` times with
  exponential backoff and jitter, or after the server's ``Retry-After`` (seconds or an
  HTTP date). A ``Retry-After`` longer than ``max_retry_after`` is not waited for inside
  the call: the call gives up at once with a :class:`RetryableError` carrying that delay,
  so that the journal schedules the next attempt;
* after the retries, :class:`RetryableError` (``delay``: the last ``Retry-After`` or None,
  ``status_code``: the last HTTP status or None);
* other 4xx: :class:`RemoteError` at once (status and a short, redacted body excerpt);
* a 401 makes the authentication ``invalidate()`` itself (OAuth2 fetches a new token) and,
  when it says so, the call is sent once more.
"""

import logging
import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from . import jsonsafe
from .auth import NoAuth
from .exceptions import PermanentError, RemoteError, RetryableError

_logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"odoo-logistics-connector/18.0 python-requests/{requests.__version__}"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_PERMANENT_REQUEST_ERRORS = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidHeader,
    requests.exceptions.URLRequired,
)
EXCERPT_LENGTH = 300
MAX_PAGES = 100


def is_retryable_status(status_code):
    return status_code in RETRY_STATUSES or status_code >= 500


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` value (delta seconds or HTTP date); None if unusable."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        now = now or datetime.now(UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def excerpt(text, limit=EXCERPT_LENGTH):
    """The start of a body, on one line."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_url(url):
    """``scheme://host[:port]/path`` without query string or credentials (for messages and logs)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def format_timeout(timeout):
    """``(5, 30)`` -> ``"connect 5 s, read 30 s"``."""
    if isinstance(timeout, tuple | list):
        return f"connect {timeout[0]:g} s, read {timeout[1]:g} s"
    return f"{timeout:g} s"


@dataclass
class ClientResponse:
    """A successful (< 400) answer."""

    status_code: int
    headers: CaseInsensitiveDict
    json_body: object = None
    text: str = ""
    elapsed: float = 0.0
    attempts: int = 1
    extra: dict = field(default_factory=dict)
    # Why a body that looks like JSON could not be read (jsonsafe.loads_strict), else None.
    json_error: str | None = None

    @property
    def ok(self):
        return self.status_code < 400

    def json(self):
        return self.json_body


class RestClient:
    """A JSON REST API behind ``base_url``.

    :param base_url: ``https://host/api/v1``; paths are appended to it
    :param auth: an :mod:`.auth` strategy (default :class:`~.auth.NoAuth`)
    :param timeout: ``(connect, read)`` seconds, or one number for both
    :param max_retries: retries after the first attempt on retryable failures
    :param backoff_base: first backoff in seconds, doubled at each retry, with jitter
    :param max_retry_after: longest wait inside one call, in seconds
    :param session: a :class:`requests.Session` to reuse (default: a new one per client)
    :param sleep: the sleeping function (tests may inject one)
    """

    def __init__(
        self,
        base_url,
        auth=None,
        timeout=(5.0, 30.0),
        max_retries=3,
        backoff_base=0.5,
        max_retry_after=30,
        session=None,
        user_agent=DEFAULT_USER_AGENT,
        sleep=time.sleep,
    ):
        if not base_url:
            raise PermanentError("The REST client needs a base URL.")
        if not timeout:
            raise ValueError("A timeout is required")
        self.base_url = base_url.rstrip("/")
        self.auth = auth or NoAuth()
        self.timeout = timeout
        self.max_retries = max(int(max_retries or 0), 0)
        self.backoff_base = backoff_base
        self.max_retry_after = max_retry_after
        self._owns_session = session is None
        self.session = session or requests.Session()
        self.user_agent = user_agent
        self._sleep = sleep

    def __repr__(self):
        return f"<RestClient {describe_url(self.base_url)} auth={self.auth!r}>"

    # ------------------------------------------------------------------
    def url(self, path):
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def backoff(self, attempt):
        """Seconds before retry number ``attempt`` (0-based): base * 2**attempt, jittered, capped."""
        delay = self.backoff_base * (2**attempt)
        delay *= 0.5 + random.random() / 2  # jitter, not cryptography
        return min(delay, self.max_retry_after)

    def request(self, method, path, json=None, data=None, params=None, headers=None, idempotency_key=None):
        """Send one call (with its retries) and return a :class:`ClientResponse`.

        :raises RetryableError: connection error, timeout, 408/429/5xx after the retries
        :raises RemoteError: any other 4xx (a 401 after one fresh token for OAuth2)
        :raises PermanentError: the URL or a header is invalid
        """
        method = method.upper()
        url = self.url(path)
        where = f"{method} {describe_url(url)}"
        all_headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        all_headers.update(headers or {})
        if idempotency_key:
            all_headers["Idempotency-Key"] = str(idempotency_key)
        attempt = 0
        reauthenticated = False
        while True:
            started = time.monotonic()
            status = retry_after = None
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    data=data,
                    params=params,
                    headers=all_headers,
                    auth=self.auth,
                    timeout=self.timeout,
                )
            except _PERMANENT_REQUEST_ERRORS as error:
                raise PermanentError(f"{where}: invalid request ({error.__class__.__name__})") from None
            except requests.Timeout:
                problem = f"timed out (timeout {format_timeout(self.timeout)})"
            except requests.RequestException as error:
                problem = f"connection failed ({error.__class__.__name__})"
            else:
                elapsed = time.monotonic() - started
                status = response.status_code
                _logger.debug("%s -> HTTP %s in %.0f ms (attempt %d)", where, status, elapsed * 1000, attempt + 1)
                if status == 401 and not reauthenticated and self.auth.invalidate():
                    reauthenticated = True
                    continue
                if status < 400:
                    return self._client_response(response, elapsed, attempt + 1)
                if not is_retryable_status(status):
                    body = self.auth.redact(response.text or "")
                    raise RemoteError(
                        f"{where} refused: HTTP {status}: {excerpt(body) or response.reason}",
                        status_code=status,
                        body=excerpt(body, 2000),
                    )
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                problem = f"HTTP {status}"
            if retry_after is not None and retry_after > self.max_retry_after:
                _logger.info("%s: %s, Retry-After %.0f s is too long to wait; giving up", where, problem, retry_after)
                raise RetryableError(f"{where}: {problem}, retry after {retry_after:.0f} s", retry_after, status)
            if attempt >= self.max_retries:
                _logger.info("%s: %s after %d attempt(s); giving up", where, problem, attempt + 1)
                raise RetryableError(
                    f"{where}: {problem} after {attempt + 1} attempt(s)", delay=retry_after, status_code=status
                )
            wait = retry_after if retry_after is not None else self.backoff(attempt)
            _logger.info("%s: %s; retry %d/%d in %.2f s", where, problem, attempt + 1, self.max_retries, wait)
            self._sleep(wait)
            attempt += 1

    def _client_response(self, response, elapsed, attempts):
        text = response.text or ""
        json_body = json_error = None
        if text.strip():
            content_type = response.headers.get("Content-Type", "")
            if "json" in content_type or text.lstrip()[:1] in ("{", "["):
                # The suite's strict reader: a remote's body too deep, with NaN or huge numbers
                # is refused the same way a partner's webhook body is.
                try:
                    json_body = jsonsafe.loads_strict(response.content)
                except jsonsafe.PayloadError as error:
                    json_error = str(error)
        return ClientResponse(
            status_code=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            json_body=json_body,
            json_error=json_error,
            text=text,
            elapsed=elapsed,
            attempts=attempts,
        )

    # Conveniences -------------------------------------------------------
    def get(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers)

    def post(self, path, json=None, data=None, params=None, headers=None, idempotency_key=None):
        return self.request(
            "POST", path, json=json, data=data, params=params, headers=headers, idempotency_key=idempotency_key
        )

    def put(self, path, json=None, data=None, params=None, headers=None, idempotency_key=None):
        return self.request(
            "PUT", path, json=json, data=data, params=params, headers=headers, idempotency_key=idempotency_key
        )

    def delete(self, path, params=None, headers=None, idempotency_key=None):
        return self.request("DELETE", path, params=params, headers=headers, idempotency_key=idempotency_key)

    def get_pages(self, path, key, params=None, max_pages=MAX_PAGES):
        """GET a report page by page: the items of ``key`` of every page, in order.

        An answer is ``{key: [item, ...], "cursor": c}`` (a ``cursor`` asks for the next page,
        sent back as the ``cursor`` parameter; at most ``max_pages`` pages) or a plain list;
        items that are not JSON objects are left out of a page.
        """
        params = dict(params or {})
        items = []
        for _page in range(max_pages):
            body = self.get(path, params=params).json_body
            if isinstance(body, list):
                items.extend(body)
                break
            if not isinstance(body, dict):
                raise PermanentError(f"GET {path}: the answer is not a JSON object.")
            page = body.get(key) or []
            if not isinstance(page, list):
                raise PermanentError(f"GET {path}: '{key}' is not a list.")
            items.extend(item for item in page if isinstance(item, dict))
            cursor = body.get("cursor")
            if not cursor:
                break
            params["cursor"] = cursor
        return items

    def close(self):
        """Close the connections (of a session this client created) and those of the auth."""
        if self._owns_session:
            self.session.close()
        close_auth = getattr(self.auth, "close", None)
        if close_auth:
            close_auth()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
