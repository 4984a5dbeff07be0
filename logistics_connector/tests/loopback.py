"""Real HTTP servers on 127.0.0.1 that play a TMS (REST and SOAP) and an OAuth2 token endpoint.

Test utilities, importable by any addon's tests::

    from odoo.addons.logistics_connector.tests.loopback import (
        LoopbackCase, OAuthServer, SoapTmsServer, TmsServer,
    )

Every server listens on an ephemeral port of 127.0.0.1 (``ThreadingHTTPServer`` in a daemon
thread, HTTP/1.1 keep-alive), is a context manager (``with TmsServer() as tms:``) or
``start()``/``stop()``-ed explicitly, and stops itself after ``max_lifetime`` seconds
(600) if a test forgets to. Delays are capped (``max_delay``, 30 s) and cut short by
``stop()``. Bodies above 1 MiB are refused (413).

**Odoo test cases block or slow HTTP.** ``BaseCase`` patches ``requests.Session.send``:
timeouts under 10 s become 10 s and a ``(connect, read)`` tuple timeout raises a
``TypeError``. Put :class:`LoopbackCase` first in the bases: calls to 127.0.0.1/localhost
go through untouched, everything else stays blocked::

    class TestSend(LoopbackCase, TransactionCase):
        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            cls.oauth = cls.start_server(OAuthServer(client_id="odoo", client_secret="s3cret"))
            cls.tms = cls.start_server(TmsServer(oauth=cls.oauth))   # or api_key=/basic=
            cls.soap = cls.start_server(SoapTmsServer(api_key=("X-API-Key", "k")))

        def setUp(self):
            super().setUp()
            self.tms.reset()                      # records, behaviours, bookings

        def test_send(self):
            self.backend.base_url = self.tms.url  # REST API root
            self.soap.wsdl_url                    # http://127.0.0.1:<port>/soap?wsdl
            self.soap.wsdl_bytes()                # the same document, for a WSDL upload
            self.oauth.token_url                  # http://127.0.0.1:<port>/token

Knobs shared by all servers
---------------------------
* ``server.behave(key, statuses=[503, 503, 200], retry_after=1, delay=0.3, times=None,
  method=None, body=None, headers=None, fault=None)``: for requests whose path (SOAP: the
  operation name) matches the glob ``key``: wait ``delay`` seconds (a hang if longer than
  the client's read timeout), then answer the next scripted status (a status below 300
  or ``None`` means "answer normally"), with ``Retry-After`` and ``body`` (a dict as JSON,
  bytes as they are) on scripted errors. A behaviour applies ``times`` times (default: as
  many as ``statuses``, once for a ``fault``, forever for a ``delay`` alone); the first
  matching active behaviour wins. ``fault=("Client", "Unknown carrier")`` makes the SOAP
  server answer a SOAP Fault (HTTP 500); ``statuses=[401]`` forces a token refresh.
* auth the API demands: ``api_key=("X-API-Key", "k")``, ``basic=("user", "pw")``,
  ``oauth=<OAuthServer>`` (a bearer token it issued and did not revoke); constructor
  arguments or attributes; a wrong or missing credential gets 401.
* records: ``server.received(path=None, method=None)`` -> list of :class:`Recorded`
  (``method, path, query, headers, body, json, operation, params``), thread-safe;
  ``server.count(path=None, method=None)``; ``server.connections`` (TCP connections
  accepted: one for many calls shows the session is reused); ``server.auth_failures``.
* ``server.reset()`` forgets records, behaviours and the server's state.

TmsServer (REST, canonical JSON)
--------------------------------
``GET /ping`` -> ``{"status": "ok"}``; ``POST /transport-orders`` -> 201 booking (422 without
``reference``); ``PUT /transport-orders/{id}`` -> 200 booking; ``POST
/transport-orders/{id}/cancel`` -> 200 ``{"booking_id", "reference", "status": "cancelled"}``;
``GET /transport-orders/{id}`` -> 200 booking; ``{id}`` is a booking id or our reference,
unknown ones get 404. A booking is ``{"booking_id": "BK-00001", "reference", "revision",
"status": "booked", "tracking_reference": "TRK-00001", "planned_pickup",
"planned_delivery"}`` plus ``tms.booking_extra`` (e.g. ``{"carrier_scac": "ABCD"}``).
Idempotency: a repeated ``Idempotency-Key`` gets the first answer again (header
``Idempotent-Replayed: true``) and creates nothing; ``tms.creations`` counts bookings
created, ``tms.bookings`` holds them by booking id.

OAuthServer
-----------
``POST /token`` (form ``grant_type=client_credentials``, client id/secret in the form or as
HTTP basic) -> ``{"access_token", "token_type": "Bearer", "expires_in"}``; wrong client ->
401 ``invalid_client``, other grant -> 400 ``unsupported_grant_type``. Knobs:
``expires_in`` (seconds, server side too), ``tokens_issued``, ``current_token``,
``revoke()`` (every token issued so far becomes invalid: the API answers 401),
``is_valid(token)``.

SoapTmsServer (SOAP 1.1, document/literal)
------------------------------------------
``GET /soap?wsdl`` serves :func:`tms_wsdl` with this server's address; ``POST /soap``
answers SubmitTransportOrder, UpdateTransportOrder, CancelTransportOrder, GetBooking and Ping
(same bookings, idempotency and counters as the REST server). ``behave("Submit*",
fault=("Client", "Unknown carrier"))`` answers a SOAP Fault, ``statuses=[503]`` an HTML 503.
Records carry ``operation`` and ``params`` (element name -> text).
"""

import base64
import collections
import fnmatch
import hmac
import itertools
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from lxml import etree
from requests.structures import CaseInsensitiveDict

_logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_BODY = 1024 * 1024
MAX_RECORDS = 1000

try:  # the unpatched requests.Session.send (Odoo's BaseCase patches it while tests run)
    from odoo.tests.common import _super_send
except ImportError:  # pragma: no cover - outside Odoo
    _super_send = requests.Session.send


class LoopbackCase:
    """Mixin for Odoo test cases (first in the bases): HTTP to 127.0.0.1 keeps its own timeouts.

    Odoo's ``BaseCase._request_handler`` raises timeouts under 10 s to 10 s and fails on
    ``(connect, read)`` tuples; calls to other hosts stay blocked as Odoo wants.
    """

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname in LOOPBACK_HOSTS:
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @classmethod
    def start_server(cls, server):
        """Start ``server`` for the whole class; it is stopped by a class cleanup."""
        server.start()
        cls.addClassCleanup(server.stop)
        return server


@dataclass
class Recorded:
    """One request a loopback server received."""

    method: str
    path: str  # decoded (%2F -> /); ``raw_path`` keeps the encoding
    query: dict
    headers: CaseInsensitiveDict
    body: bytes
    json: object = None
    operation: str = None
    params: dict = field(default_factory=dict)
    raw_path: str = ""


@dataclass
class Behaviour:
    key: str
    statuses: list
    retry_after: object = None
    delay: float = 0.0
    times: int = None
    method: str = None
    body: object = None
    headers: dict = None
    fault: object = None
    used: int = 0

    def matches(self, method, key):
        if self.method and self.method.upper() != method:
            return False
        if self.times is not None and self.used >= self.times:
            return False
        return fnmatch.fnmatchcase(key, self.key)


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def json_answer(status, data, headers=None):
    return Answer(status, json.dumps(data).encode(), "application/json", dict(headers or {}))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    owner = None

    def handle_error(self, request, client_address):
        # A client that gave up (timeout) closes the socket under a slow handler: not an error.
        _logger.debug("Loopback connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LoopbackTMS/1.0"
    timeout = 30  # idle keep-alive connections end

    def setup(self):
        super().setup()
        self.server.owner._connection_opened()

    def log_message(self, format, *args):  # BaseHTTPRequestHandler's signature
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug("loopback %s: %s", self.address_string(), format % args)

    def _handle(self):
        self.server.owner._dispatch(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


class LoopbackServer:
    """Base of the loopback servers: lifecycle, records, scripted behaviours, auth checks."""

    name = "loopback"

    def __init__(self, api_key=None, basic=None, oauth=None, max_lifetime=600, max_delay=30):
        self.api_key = api_key
        self.basic = basic
        self.oauth = oauth
        self.max_lifetime = max_lifetime
        self.max_delay = max_delay
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None
        self._timer = None
        self._records = collections.deque(maxlen=MAX_RECORDS)
        self._behaviours = []
        self.connections = 0
        self.auth_failures = 0
        self._reset_state()

    # Lifecycle ------------------------------------------------------------
    def start(self):
        if self._httpd:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((HOST, 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{self.name}-{self.port}", daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self):
        httpd, self._httpd = self._httpd, None
        if not httpd:
            return
        self._stopping.set()
        if self._timer and self._timer is not threading.current_thread():
            self._timer.cancel()
        httpd.shutdown()
        httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        if not self._httpd:
            raise RuntimeError(f"{self.name} server is not started")
        return self._httpd.server_address[1]

    @property
    def url(self):
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://{HOST}:{self.port}"

    def __repr__(self):
        where = self.url if self._httpd else "stopped"
        return f"<{self.__class__.__name__} {where}>"

    # Knobs ------------------------------------------------------------------
    def behave(
        self,
        key,
        statuses=(),
        retry_after=None,
        delay=0.0,
        times=None,
        method=None,
        body=None,
        headers=None,
        fault=None,
    ):
        """Script the answers for requests whose path (SOAP: operation) matches the glob ``key``."""
        statuses = list(statuses)
        if times is None and (statuses or fault):
            times = max(len(statuses), 1)
        behaviour = Behaviour(key, statuses, retry_after, delay, times, method, body, headers, fault)
        with self._lock:
            self._behaviours.append(behaviour)
        return behaviour

    def clear_behaviours(self):
        with self._lock:
            self._behaviours.clear()

    def reset(self):
        """Forget records, behaviours and state (bookings, tokens, counters)."""
        with self._lock:
            self._records.clear()
            self._behaviours.clear()
            self.auth_failures = 0
            self.connections = 0
            self._reset_state()

    def _reset_state(self):
        pass

    # Records ----------------------------------------------------------------
    def received(self, path=None, method=None):
        """Requests received, oldest first, filtered by path glob (or SOAP operation) and method."""
        with self._lock:
            records = list(self._records)
        return [
            record
            for record in records
            if (method is None or record.method == method.upper())
            and (path is None or fnmatch.fnmatchcase(record.operation or record.path, path))
        ]

    def count(self, path=None, method=None):
        return len(self.received(path, method))

    def _connection_opened(self):
        with self._lock:
            self.connections += 1

    # Dispatch ---------------------------------------------------------------
    def _dispatch(self, handler):
        try:
            answer = self._answer(handler)
        except Exception:
            _logger.exception("Loopback %s failed to answer", self.name)
            answer = json_answer(500, {"error": "loopback server error"})
        if answer is None:  # the server is stopping
            handler.close_connection = True
            return
        self._send(handler, answer)

    def _answer(self, handler):
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            handler.close_connection = True
            return json_answer(413, {"error": "body too large"})
        body = handler.rfile.read(length) if length else b""
        record = Recorded(
            method=handler.command,
            path=unquote(parts.path),
            query={key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()},
            headers=CaseInsensitiveDict(handler.headers.items()),
            body=body,
            raw_path=parts.path,
        )
        if body and "json" in record.headers.get("Content-Type", ""):
            try:
                record.json = json.loads(body)
            except ValueError:
                record.json = None
        self._parse(record)
        with self._lock:
            self._records.append(record)
            behaviour = self._next_behaviour(record)
        if behaviour:
            scripted = self._apply(behaviour, record)
            if scripted is not False:
                return scripted
        refused = self._check_auth(record)
        if refused:
            with self._lock:
                self.auth_failures += 1
            return refused
        return self._route(record)

    def _next_behaviour(self, record):
        key = record.operation or record.path
        for behaviour in self._behaviours:
            if behaviour.matches(record.method, key):
                behaviour.used += 1
                status = behaviour.statuses.pop(0) if behaviour.statuses else None
                return behaviour, status
        return None

    def _apply(self, behaviour_status, record):
        """The scripted answer, None when stopping, False to answer normally."""
        behaviour, status = behaviour_status
        if behaviour.delay:
            if self._stopping.wait(min(behaviour.delay, self.max_delay)):
                return None
        if behaviour.fault:
            return self._fault_answer(behaviour, record)
        if not status or status < 300:
            return False
        headers = dict(behaviour.headers or {})
        if behaviour.retry_after is not None:
            headers["Retry-After"] = str(behaviour.retry_after)
        if isinstance(behaviour.body, bytes):
            return Answer(status, behaviour.body, "text/plain", headers)
        return json_answer(status, behaviour.body or {"error": f"scripted HTTP {status}"}, headers)

    def _fault_answer(self, behaviour, record):
        return json_answer(500, {"error": "fault"})

    def _send(self, handler, answer):
        body = b"" if handler.command == "HEAD" else answer.body
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True  # the client went away (it timed out)

    # Hooks ------------------------------------------------------------------
    def _parse(self, record):
        pass

    def _is_public(self, record):
        return False

    def _check_auth(self, record):
        if self._is_public(record):
            return None
        headers = record.headers
        if self.api_key:
            header, expected = self.api_key
            if not hmac.compare_digest(headers.get(header, "").encode(), expected.encode()):
                return json_answer(401, {"error": f"missing or wrong {header}"})
        authorization = headers.get("Authorization", "")
        if self.basic:
            expected = "Basic " + base64.b64encode(("%s:%s" % self.basic).encode()).decode()
            if not hmac.compare_digest(authorization.encode(), expected.encode()):
                return json_answer(401, {"error": "wrong user or password"}, {"WWW-Authenticate": 'Basic realm="tms"'})
        if self.oauth:
            token = authorization[7:] if authorization[:7].lower() == "bearer " else ""
            if not self.oauth.is_valid(token):
                return json_answer(
                    401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
        return None

    def _route(self, record):
        return json_answer(404, {"error": f"no route {record.method} {record.path}"})


class BookingStore:
    """Bookings shared by the REST and SOAP servers, with idempotency keys."""

    def __init__(self):
        self.bookings = {}
        self.creations = 0
        self._by_key = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def find(self, external_id):
        with self._lock:
            booking = self.bookings.get(external_id)
            if booking is None:
                booking = next((b for b in self.bookings.values() if b["reference"] == external_id), None)
            return dict(booking) if booking else None

    def replay(self, key):
        with self._lock:
            return self._by_key.get(key) if key else None

    def remember(self, key, answer):
        if key:
            with self._lock:
                self._by_key.setdefault(key, answer)

    def book(self, payload, extra=None):
        with self._lock:
            number = next(self._numbers)
            booking = {
                "booking_id": f"BK-{number:05d}",
                "reference": payload.get("reference"),
                "revision": payload.get("revision"),
                "status": "booked",
                "tracking_reference": f"TRK-{number:05d}",
                "planned_pickup": payload.get("planned_pickup"),
                "planned_delivery": payload.get("planned_delivery"),
                **(extra or {}),
            }
            self.bookings[booking["booking_id"]] = booking
            self.creations += 1
            return dict(booking)

    def update(self, external_id, payload):
        with self._lock:
            booking = self.bookings.get(external_id) or next(
                (b for b in self.bookings.values() if b["reference"] == external_id), None
            )
            if booking is None:
                return None
            for key in ("revision", "planned_pickup", "planned_delivery"):
                if payload.get(key) is not None:
                    booking[key] = payload[key]
            return dict(booking)

    def cancel(self, external_id):
        with self._lock:
            booking = self.bookings.get(external_id) or next(
                (b for b in self.bookings.values() if b["reference"] == external_id), None
            )
            if booking is None:
                return None
            booking["status"] = "cancelled"
            return dict(booking)


class TmsServer(LoopbackServer):
    """A TMS speaking the canonical JSON API (see the module documentation)."""

    name = "tms"

    def __init__(self, *args, booking_extra=None, **kwargs):
        self.booking_extra = dict(booking_extra or {})
        super().__init__(*args, **kwargs)

    def _reset_state(self):
        self.store = BookingStore()

    @property
    def creations(self):
        return self.store.creations

    @property
    def bookings(self):
        return dict(self.store.bookings)

    def _is_public(self, record):
        return False

    def _route(self, record):
        segments = [unquote(s) for s in record.raw_path.strip("/").split("/") if s]
        method = record.method
        if segments == ["ping"] and method in ("GET", "HEAD"):
            return json_answer(200, {"status": "ok", "service": "loopback-tms"})
        if not segments or segments[0] != "transport-orders" or len(segments) > 3:
            return super()._route(record)
        key = record.headers.get("Idempotency-Key")
        if method in ("POST", "PUT") and key:
            replayed = self.store.replay(key)
            if replayed:
                return Answer(replayed.status, replayed.body, replayed.content_type, {"Idempotent-Replayed": "true"})
        answer = self._transport_orders(method, segments[1:], record)
        if key and method in ("POST", "PUT") and answer.status < 500:
            self.store.remember(key, answer)
        return answer

    def _transport_orders(self, method, rest, record):
        payload = record.json if isinstance(record.json, dict) else {}
        if not rest:
            if method != "POST":
                return json_answer(405, {"error": "method not allowed"})
            if not payload.get("reference"):
                return json_answer(422, {"error": "reference is required"})
            return json_answer(201, self.store.book(payload, self.booking_extra))
        external_id = rest[0]
        if len(rest) == 2:
            if rest[1] != "cancel" or method != "POST":
                return super()._route(record)
            booking = self.store.cancel(external_id)
            if not booking:
                return json_answer(404, {"error": f"unknown transport order {external_id}"})
            return json_answer(
                200, {"booking_id": booking["booking_id"], "reference": booking["reference"], "status": "cancelled"}
            )
        if method == "GET":
            booking = self.store.find(external_id)
        elif method == "PUT":
            booking = self.store.update(external_id, payload)
        else:
            return json_answer(405, {"error": "method not allowed"})
        if not booking:
            return json_answer(404, {"error": f"unknown transport order {external_id}"})
        return json_answer(200, booking)


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


# ----------------------------------------------------------------------------
# SOAP
# ----------------------------------------------------------------------------
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TMS_NS = "urn:logistics-finance:tms:v1"

_WSDL_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="LoopbackTms" targetNamespace="urn:logistics-finance:tms:v1"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:logistics-finance:tms:v1">
  <wsdl:types>
    <xsd:schema targetNamespace="urn:logistics-finance:tms:v1" elementFormDefault="qualified">
      <xsd:complexType name="BookingConfirmation">
        <xsd:sequence>
          <xsd:element name="BookingId" type="xsd:string"/>
          <xsd:element name="TrackingReference" type="xsd:string" minOccurs="0"/>
          <xsd:element name="PlannedPickup" type="xsd:dateTime" minOccurs="0"/>
          <xsd:element name="PlannedDelivery" type="xsd:dateTime" minOccurs="0"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="SubmitTransportOrder">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="ShipmentReference" type="xsd:string"/>
            <xsd:element name="Carrier" type="xsd:string" minOccurs="0"/>
            <xsd:element name="Payload" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="SubmitTransportOrderResponse" type="tns:BookingConfirmation"/>
      <xsd:element name="UpdateTransportOrder">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
            <xsd:element name="Payload" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="UpdateTransportOrderResponse" type="tns:BookingConfirmation"/>
      <xsd:element name="CancelTransportOrder">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
            <xsd:element name="Reason" type="xsd:string" minOccurs="0"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="CancelTransportOrderResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Status" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="GetBooking">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="GetBookingResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
            <xsd:element name="ShipmentReference" type="xsd:string"/>
            <xsd:element name="Status" type="xsd:string"/>
            <xsd:element name="TrackingReference" type="xsd:string" minOccurs="0"/>
            <xsd:element name="PlannedPickup" type="xsd:dateTime" minOccurs="0"/>
            <xsd:element name="PlannedDelivery" type="xsd:dateTime" minOccurs="0"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="Ping">
        <xsd:complexType>
          <xsd:sequence/>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="PingResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Status" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </wsdl:types>
{messages}
  <wsdl:portType name="TmsPortType">
{port_operations}
  </wsdl:portType>
  <wsdl:binding name="TmsBinding" type="tns:TmsPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
{binding_operations}
  </wsdl:binding>
  <wsdl:service name="TmsService">
    <wsdl:port name="TmsPort" binding="tns:TmsBinding">
      <soap:address location="{address}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""

SOAP_OPERATIONS = ("SubmitTransportOrder", "UpdateTransportOrder", "CancelTransportOrder", "GetBooking", "Ping")


def tms_wsdl(address):
    """Our TMS WSDL (document/literal, SOAP 1.1) with ``address`` as its ``soap:address``, as bytes."""
    messages, port_operations, binding_operations = [], [], []
    for op in SOAP_OPERATIONS:
        messages.append(
            f'  <wsdl:message name="{op}Request"><wsdl:part name="parameters" element="tns:{op}"/></wsdl:message>\n'
            f'  <wsdl:message name="{op}Response">'
            f'<wsdl:part name="parameters" element="tns:{op}Response"/></wsdl:message>'
        )
        port_operations.append(
            f'    <wsdl:operation name="{op}">\n'
            f'      <wsdl:input message="tns:{op}Request"/>\n'
            f'      <wsdl:output message="tns:{op}Response"/>\n'
            f"    </wsdl:operation>"
        )
        binding_operations.append(
            f'    <wsdl:operation name="{op}">\n'
            f'      <soap:operation soapAction="{TMS_NS}/{op}" style="document"/>\n'
            f'      <wsdl:input><soap:body use="literal"/></wsdl:input>\n'
            f'      <wsdl:output><soap:body use="literal"/></wsdl:output>\n'
            f"    </wsdl:operation>"
        )
    text = _WSDL_TEMPLATE.format(
        messages="\n".join(messages),
        port_operations="\n".join(port_operations),
        binding_operations="\n".join(binding_operations),
        address=address,
    )
    return text.encode()


def _xsd_datetime(value):
    return str(value).replace(" ", "T") if value else None


def soap_envelope(operation_response, fields):
    """A SOAP 1.1 envelope with ``<tns:{operation_response}>`` holding ``fields`` (None skipped)."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "tms": TMS_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    response = etree.SubElement(body, f"{{{TMS_NS}}}{operation_response}")
    for name, value in fields:
        if value is not None:
            etree.SubElement(response, f"{{{TMS_NS}}}{name}").text = str(value)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def soap_fault(code, message, detail=None):
    """A SOAP 1.1 Fault envelope; ``code`` ``Client`` or ``Server`` (prefixed with ``soap:``)."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = code if ":" in code else f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = message
    if detail:
        etree.SubElement(etree.SubElement(fault, "detail"), "message").text = detail
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


class SoapTmsServer(LoopbackServer):
    """Our SOAP TMS: WSDL at ``/soap?wsdl``, operations posted to ``/soap``."""

    name = "soap-tms"
    soap_path = "/soap"

    def __init__(self, *args, booking_extra=None, protect_wsdl=False, **kwargs):
        self.booking_extra = dict(booking_extra or {})
        self.protect_wsdl = protect_wsdl
        super().__init__(*args, **kwargs)

    def _reset_state(self):
        self.store = BookingStore()

    @property
    def creations(self):
        return self.store.creations

    @property
    def bookings(self):
        return dict(self.store.bookings)

    @property
    def address(self):
        return self.url + self.soap_path

    @property
    def wsdl_url(self):
        return self.address + "?wsdl"

    def wsdl_bytes(self):
        return tms_wsdl(self.address)

    def _is_public(self, record):
        return record.method == "GET" and not self.protect_wsdl

    def _parse(self, record):
        if record.method != "POST" or not record.body:
            return
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            envelope = etree.fromstring(record.body, parser=parser)
        except etree.XMLSyntaxError:
            return
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        if body is None or not len(body):
            return
        operation = body[0]
        record.operation = etree.QName(operation).localname
        record.params = {etree.QName(child).localname: child.text for child in operation}

    def _fault_answer(self, behaviour, record):
        fault = behaviour.fault
        code, message = (fault, "scripted fault") if isinstance(fault, str) else fault
        return Answer(500, soap_fault(code, message), "text/xml; charset=utf-8")

    def _apply(self, behaviour_status, record):
        answer = super()._apply(behaviour_status, record)
        if answer and not behaviour_status[0].fault and answer.content_type == "application/json":
            # A gateway in front of a SOAP service answers HTML, not JSON.
            answer = Answer(answer.status, b"<html><body>Service error<br></body></html>", "text/html", answer.headers)
        return answer

    def _route(self, record):
        if record.path != self.soap_path:
            return super()._route(record)
        if record.method == "GET" and "wsdl" in {key.lower() for key in record.query}:
            return Answer(200, self.wsdl_bytes(), "text/xml; charset=utf-8")
        if record.method != "POST":
            return json_answer(405, {"error": "method not allowed"})
        if not record.operation:
            return Answer(500, soap_fault("Client", "not a SOAP envelope"), "text/xml; charset=utf-8")
        handler = getattr(self, f"_op_{record.operation}", None)
        if handler is None:
            return Answer(500, soap_fault("Client", f"unknown operation {record.operation}"), "text/xml")
        key = record.headers.get("Idempotency-Key")
        replayed = self.store.replay(key) if key else None
        if replayed:
            return Answer(replayed.status, replayed.body, replayed.content_type, {"Idempotent-Replayed": "true"})
        answer = handler(record.params)
        if key and record.operation in ("SubmitTransportOrder", "UpdateTransportOrder") and answer.status < 500:
            self.store.remember(key, answer)
        return answer

    @staticmethod
    def _xml(operation, fields):
        return Answer(200, soap_envelope(f"{operation}Response", fields), "text/xml; charset=utf-8")

    def _confirmation(self, operation, booking):
        return self._xml(
            operation,
            [
                ("BookingId", booking["booking_id"]),
                ("TrackingReference", booking.get("tracking_reference")),
                ("PlannedPickup", _xsd_datetime(booking.get("planned_pickup"))),
                ("PlannedDelivery", _xsd_datetime(booking.get("planned_delivery"))),
            ],
        )

    @staticmethod
    def _payload(params):
        try:
            payload = json.loads(params.get("Payload") or "{}")
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def _op_SubmitTransportOrder(self, params):
        payload = self._payload(params)
        if payload is None:
            return Answer(500, soap_fault("Client", "Payload is not a JSON object"), "text/xml")
        payload.setdefault("reference", params.get("ShipmentReference"))
        if not payload.get("reference"):
            return Answer(500, soap_fault("Client", "ShipmentReference is required"), "text/xml")
        return self._confirmation("SubmitTransportOrder", self.store.book(payload, self.booking_extra))

    def _op_UpdateTransportOrder(self, params):
        booking = self.store.update(params.get("BookingId"), self._payload(params) or {})
        if not booking:
            return Answer(500, soap_fault("Client", f"unknown booking {params.get('BookingId')}"), "text/xml")
        return self._confirmation("UpdateTransportOrder", booking)

    def _op_CancelTransportOrder(self, params):
        booking = self.store.cancel(params.get("BookingId"))
        if not booking:
            return Answer(500, soap_fault("Client", f"unknown booking {params.get('BookingId')}"), "text/xml")
        return self._xml("CancelTransportOrder", [("Status", "CANCELLED")])

    def _op_GetBooking(self, params):
        booking = self.store.find(params.get("BookingId"))
        if not booking:
            return Answer(500, soap_fault("Client", f"unknown booking {params.get('BookingId')}"), "text/xml")
        return self._xml(
            "GetBooking",
            [
                ("BookingId", booking["booking_id"]),
                ("ShipmentReference", booking["reference"]),
                ("Status", booking["status"].upper()),
                ("TrackingReference", booking.get("tracking_reference")),
                ("PlannedPickup", _xsd_datetime(booking.get("planned_pickup"))),
                ("PlannedDelivery", _xsd_datetime(booking.get("planned_delivery"))),
            ],
        )

    def _op_Ping(self, params):
        return self._xml("Ping", [("Status", "OK")])
