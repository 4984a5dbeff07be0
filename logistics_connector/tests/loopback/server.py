"""The base of every loopback server: lifecycle, records, scripted behaviours, auth checks."""

import base64
import collections
import fnmatch
import hmac
import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from requests.structures import CaseInsensitiveDict

_logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
MAX_BODY = 1024 * 1024
MAX_RECORDS = 1000


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
