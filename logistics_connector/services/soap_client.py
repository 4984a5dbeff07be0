"""SOAP client on zeep with timeouts, retries and error mapping (plain Python, no ORM).

The WSDL comes from a URL (``https://tms/soap?wsdl``), a local file path, or bytes (a WSDL
uploaded on the backend). Bytes are parsed in memory; when they import other documents
with relative locations, pass ``wsdl_base_url`` so that zeep can resolve them.

Error mapping of :meth:`SoapClient.call`:

* SOAP Fault with a ``Client``/``Sender`` fault code -> :class:`RemoteError` (the request is wrong);
* any other SOAP Fault -> :class:`RetryableError` when the HTTP status is 5xx (SOAP 1.1 servers
  answer faults with 500), else :class:`RemoteError`; faults are not retried inside the call;
* HTTP 408/429/5xx without a SOAP envelope, timeouts, connection errors -> retried
  ``max_retries`` times (like :class:`~.rest_client.RestClient`), then :class:`RetryableError`;
* HTTP 401 -> the authentication ``invalidate()``s itself and the call is sent once more
  (OAuth2), else :class:`RemoteError`; other 4xx -> :class:`RemoteError`;
* an unusable WSDL, an unknown operation or arguments that do not fit the WSDL ->
  :class:`PermanentError`.
"""

import io
import logging
import random
import re
import threading
import time
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal

import requests
import zeep
from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.helpers import serialize_object
from zeep.transports import Transport
from zeep.wsdl import Document

from .auth import NoAuth
from .exceptions import PermanentError, RemoteError, RetryableError
from .rest_client import (
    DEFAULT_USER_AGENT,
    describe_url,
    excerpt,
    format_timeout,
    is_retryable_status,
    parse_retry_after,
)

_logger = logging.getLogger(__name__)

CLIENT_FAULT_CODES = frozenset({"client", "sender"})


class LoggingSafeTransport(Transport):
    """zeep transport that logs no bodies and remembers the last HTTP answer's status and headers."""

    def __init__(self, session, timeout, operation_timeout, user_agent=DEFAULT_USER_AGENT):
        super().__init__(session=session, timeout=timeout, operation_timeout=operation_timeout)
        # zeep sets its own User-Agent on the session.
        self.session.headers["User-Agent"] = user_agent
        self._local = threading.local()

    @property
    def last_status_code(self):
        return getattr(self._local, "status_code", None)

    @property
    def last_headers(self):
        return getattr(self._local, "headers", None) or {}

    def post(self, address, message, headers):
        self._local.status_code = None
        self._local.headers = {}
        started = time.monotonic()
        response = self.session.post(address, data=message, headers=headers, timeout=self.operation_timeout)
        self._local.status_code = response.status_code
        self._local.headers = dict(response.headers)
        _logger.debug(
            "SOAP POST %s -> HTTP %s in %.0f ms",
            describe_url(address),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response


def to_plain(value):
    """zeep objects -> dicts and lists (Python values kept: datetime, Decimal, ...)."""
    value = serialize_object(value, target_cls=dict)

    def walk(item):
        if isinstance(item, dict):
            return {key: walk(val) for key, val in item.items()}
        if isinstance(item, list | tuple):
            return [walk(val) for val in item]
        return item

    return walk(value)


def to_json_safe(value):
    """:func:`to_plain` output made JSON-serialisable: ISO 8601 dates, Decimals as strings, bytes as text."""
    if isinstance(value, dict):
        return {key: to_json_safe(val) for key, val in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_safe(val) for val in value]
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


class SoapClient:
    """The SOAP service described by a WSDL.

    :param wsdl: URL, local file path, or the WSDL document as bytes
    :param auth: an :mod:`.auth` strategy, set as the session's auth (WSDL loading included)
    :param timeout: ``(connect, read)`` seconds for loading the WSDL and its imports
    :param operation_timeout: ``(connect, read)`` seconds for operations (default: ``timeout``)
    :param endpoint: address to call instead of the WSDL's ``soap:address``
    :param wsdl_base_url: base location for relative imports of a WSDL given as bytes
    :param session: a :class:`requests.Session` (default: a new one; its ``auth`` is set)

    The WSDL is loaded at the first call, not in the constructor.
    """

    def __init__(
        self,
        wsdl,
        auth=None,
        timeout=(5.0, 30.0),
        operation_timeout=None,
        max_retries=3,
        backoff_base=0.5,
        max_retry_after=30,
        session=None,
        endpoint=None,
        wsdl_base_url=None,
        user_agent=DEFAULT_USER_AGENT,
        sleep=time.sleep,
    ):
        if not wsdl:
            raise PermanentError("The SOAP client needs a WSDL (URL, file or content).")
        if not timeout:
            raise ValueError("A timeout is required")
        self.wsdl = bytes(wsdl) if isinstance(wsdl, bytearray | memoryview) else wsdl
        self.auth = auth or NoAuth()
        self.timeout = timeout
        self.operation_timeout = operation_timeout or timeout
        self.max_retries = max(int(max_retries or 0), 0)
        self.backoff_base = backoff_base
        self.max_retry_after = max_retry_after
        self.endpoint = endpoint or None
        self.wsdl_base_url = wsdl_base_url
        self._owns_session = session is None
        self.session = session or requests.Session()
        self.session.auth = self.auth
        self.transport = LoggingSafeTransport(
            self.session, timeout=self.timeout, operation_timeout=self.operation_timeout, user_agent=user_agent
        )
        self.settings = zeep.Settings(strict=True, xml_huge_tree=False)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._client = None
        self._service = None

    def __repr__(self):
        return f"<SoapClient {self.wsdl_location} auth={self.auth!r}>"

    @property
    def wsdl_location(self):
        if isinstance(self.wsdl, bytes):
            return f"WSDL content ({len(self.wsdl)} bytes)"
        if self.wsdl.startswith(("http://", "https://")):
            return describe_url(self.wsdl)
        return self.wsdl

    # WSDL ------------------------------------------------------------------
    def _load(self):
        if isinstance(self.wsdl, bytes):
            document = Document(io.BytesIO(self.wsdl), self.transport, base=self.wsdl_base_url, settings=self.settings)
        else:
            document = self.wsdl
        return zeep.Client(document, transport=self.transport, settings=self.settings)

    def _load_with_errors_mapped(self):
        where = f"WSDL {self.wsdl_location}"
        for attempt in (1, 2):
            try:
                return self._load()
            except requests.HTTPError as error:
                status = error.response.status_code if error.response is not None else None
                if status == 401 and attempt == 1 and self.auth.invalidate():
                    continue
                if status and is_retryable_status(status):
                    raise RetryableError(f"{where}: HTTP {status}", status_code=status) from None
                raise RemoteError(f"{where}: HTTP {status}", status_code=status) from None
            except requests.Timeout:
                raise RetryableError(f"{where}: timed out (timeout {format_timeout(self.timeout)})") from None
            except requests.RequestException as error:
                raise RetryableError(f"{where}: unreachable ({error.__class__.__name__})") from None
            except (ZeepError, etree.LxmlError, OSError, ValueError) as error:
                raise PermanentError(f"{where} is not usable: {excerpt(str(error), 200)}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def get_client(self):
        """The loaded :class:`zeep.Client` (loads the WSDL once)."""
        with self._lock:
            if self._client is None:
                client = self._load_with_errors_mapped()
                if self.endpoint:
                    service = client.create_service(self._first_binding_name(client), self.endpoint)
                else:
                    try:
                        service = client.service
                    except (ZeepError, ValueError) as error:
                        raise PermanentError(
                            f"WSDL {self.wsdl_location} defines no usable service; set an endpoint ({error})"
                        ) from None
                self._client, self._service = client, service
            return self._client

    @staticmethod
    def _first_binding_name(client):
        for service in client.wsdl.services.values():
            for port in service.ports.values():
                return str(port.binding.name)
        bindings = list(client.wsdl.bindings)
        if not bindings:
            raise PermanentError("The WSDL defines no binding.")
        return str(bindings[0])

    @property
    def service(self):
        self.get_client()
        return self._service

    def operations(self):
        """Names of the operations of the service."""
        return sorted(self.service._binding._operations)

    # Calls -------------------------------------------------------------------
    def call(self, operation, _idempotency_key=None, _headers=None, **kwargs):
        """Call ``operation`` with ``kwargs``; its answer as a plain dict.

        An answer with a single element (``<Status>``) becomes ``{"Status": value}``; an
        empty answer ``{}``. ``_idempotency_key`` is sent as the ``Idempotency-Key``
        HTTP header, ``_headers`` as extra HTTP headers.
        """
        client = self.get_client()
        try:
            method = getattr(self._service, operation)
        except AttributeError:
            raise PermanentError(f"The WSDL has no operation {operation}") from None
        where = f"SOAP {operation} at {self._address()}"
        headers = dict(_headers or {})
        if _idempotency_key:
            headers["Idempotency-Key"] = str(_idempotency_key)
        attempt = 0
        reauthenticated = False
        while True:
            retry_after = status = None
            try:
                with client.settings(extra_http_headers=headers or None):
                    result = method(**kwargs)
            except Fault as fault:
                status = self.transport.last_status_code
                if fault.code or not status or status < 400:
                    raise self._fault_error(where, fault) from None
                # An error page that happens to be XML but no SOAP Fault: an HTTP error.
                content = _decode(fault.detail) if isinstance(fault.detail, str | bytes) else ""
            except TransportError as error:
                status = error.status_code or self.transport.last_status_code
                if not status:
                    raise RemoteError(f"{where}: unusable answer") from None
                content = _decode(error.content)
            except requests.Timeout:
                problem = f"timed out (timeout {format_timeout(self.operation_timeout)})"
            except requests.RequestException as error:
                problem = f"connection failed ({error.__class__.__name__})"
            except (TypeError, ZeepError) as error:
                # Arguments that do not match the WSDL, or an answer zeep cannot read.
                raise PermanentError(f"{where}: {excerpt(self.auth.redact(str(error)), 200)}") from None
            else:
                return self._result_dict(operation, result)
            if status is not None:
                if status == 401 and not reauthenticated and self.auth.invalidate():
                    reauthenticated = True
                    continue
                if not is_retryable_status(status):
                    body = excerpt(self.auth.redact(_strip_tags(content)))
                    raise RemoteError(f"{where} refused: HTTP {status}: {body}", status_code=status, body=body)
                retry_after = parse_retry_after(self.transport.last_headers.get("Retry-After"))
                problem = f"HTTP {status}"
            if retry_after is not None and retry_after > self.max_retry_after:
                raise RetryableError(f"{where}: {problem}, retry after {retry_after:.0f} s", retry_after, status)
            if attempt >= self.max_retries:
                _logger.info("%s: %s after %d attempt(s); giving up", where, problem, attempt + 1)
                raise RetryableError(
                    f"{where}: {problem} after {attempt + 1} attempt(s)", delay=retry_after, status_code=status
                )
            wait = retry_after if retry_after is not None else self._backoff(attempt)
            _logger.info("%s: %s; retry %d/%d in %.2f s", where, problem, attempt + 1, self.max_retries, wait)
            self._sleep(wait)
            attempt += 1

    def _backoff(self, attempt):
        delay = self.backoff_base * (2**attempt) * (0.5 + random.random() / 2)  # jitter, not cryptography
        return min(delay, self.max_retry_after)

    def _address(self):
        try:
            return describe_url(self._service._binding_options["address"])
        except (AttributeError, KeyError, TypeError):
            return "?"

    def _fault_error(self, where, fault):
        code = (fault.code or "").rpartition(":")[2]
        detail = ""
        if fault.detail is not None:
            try:
                detail = " ".join(fault.detail.itertext())
            except AttributeError:
                detail = str(fault.detail)
        text = self.auth.redact(fault.message or "no fault string")
        body = excerpt(self.auth.redact(f"{text} {detail}".strip()), 2000)
        status = self.transport.last_status_code
        code_text = f" {fault.code}" if fault.code else ""
        message = f"{where}: SOAP Fault{code_text}: {excerpt(text, 300)}"
        if code.split(".")[0].lower() not in CLIENT_FAULT_CODES and status and status >= 500:
            return RetryableError(message, status_code=status)
        return RemoteError(message, status_code=status, body=body)

    def _result_dict(self, operation, result):
        plain = to_plain(result)
        if plain is None:
            return {}
        if isinstance(plain, dict):
            return plain
        name = self._single_output_name(operation)
        return {name or "result": plain}

    def _single_output_name(self, operation):
        try:
            output = self._service._binding._operations[operation].output
            elements = output.body.type.elements
        except (AttributeError, KeyError, TypeError):
            return None
        return elements[0][0] if len(elements) == 1 else None

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


def _strip_tags(text):
    """The text of an (X)HTML or XML error page, roughly."""
    return re.sub(r"<[^>]*>", " ", text or "")


def _decode(content):
    if not content:
        return ""
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return str(content)
