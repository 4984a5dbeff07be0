"""A loopback FAP (freight audit & payment provider) for tests: a real HTTP server on 127.0.0.1.

Ephemeral port, daemon thread, bounded (request count and socket timeouts). It serves::

    GET  /invoices?since=<cursor>   the invoices added with ``add_invoice`` after the cursor
    POST /invoices/<id>/disputes    a dispute id (the same for the same Idempotency-Key)
    GET  /disputes/<id>             the dispute, with the answer once ``answer_dispute`` was called
    GET  /payments?invoice=<id>     the payment status set with ``set_payment``
    GET  /funding?since=<cursor>    the funding requests added with ``add_funding`` after the cursor
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

MAX_REQUESTS = 500


class FapState:
    def __init__(self):
        self.lock = threading.Lock()
        self.invoices = []  # (sequence, invoice)
        self.disputes = {}  # dispute id -> dict
        self.dispute_keys = {}  # idempotency key -> dispute id
        self.payments = {}  # invoice id -> dict
        self.funding = []  # (sequence, funding request)
        self.requests = []  # (method, path, headers, body)
        self.raw_answers = {}  # path -> bytes answered as they are to a GET (hostile answers)


class _Handler(BaseHTTPRequestHandler):
    server_version = "LoopbackFAP/1.0"
    timeout = 10

    def log_message(self, *args):  # keep the test output quiet
        return

    @property
    def state(self):
        return self.server.state

    def _reply(self, status, data):
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self, body=None):
        with self.state.lock:
            self.state.requests.append((self.command, self.path, dict(self.headers), body))
            return len(self.state.requests) <= MAX_REQUESTS

    def do_GET(self):
        if not self._record():
            return self._reply(429, {"error": "too many requests"})
        url = urlparse(self.path)
        query = parse_qs(url.query)
        raw = self.state.raw_answers.get(url.path)
        if raw is not None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return None
        if url.path == "/invoices":
            since = int(query.get("since", ["0"])[0] or 0)
            with self.state.lock:
                items = [invoice for seq, invoice in self.state.invoices if seq > since]
                cursor = max([seq for seq, _invoice in self.state.invoices] or [since])
            return self._reply(200, {"invoices": items, "cursor": str(cursor)})
        if url.path == "/funding":
            since = int(query.get("since", ["0"])[0] or 0)
            with self.state.lock:
                items = [request for seq, request in self.state.funding if seq > since]
                cursor = max([seq for seq, _request in self.state.funding] or [since])
            return self._reply(200, {"funding": items, "cursor": str(cursor)})
        if url.path.startswith("/disputes/"):
            dispute = self.state.disputes.get(unquote(url.path.rsplit("/", 1)[1]))
            return self._reply(200, dispute) if dispute else self._reply(404, {"error": "unknown dispute"})
        if url.path == "/payments":
            invoice_id = query.get("invoice", [""])[0]
            payment = self.state.payments.get(invoice_id)
            return self._reply(200, payment or {"invoice_id": invoice_id, "status": "open"})
        return self._reply(404, {"error": "not found"})

    def do_POST(self):
        length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self._record(body):
            return self._reply(429, {"error": "too many requests"})
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "invoices" and parts[2] == "disputes":
            key = self.headers.get("Idempotency-Key") or ""
            with self.state.lock:
                dispute_id = self.state.dispute_keys.get(key)
                if not dispute_id:
                    dispute_id = f"D-{len(self.state.disputes) + 1}"
                    self.state.disputes[dispute_id] = {
                        "dispute_id": dispute_id,
                        "invoice_id": unquote(parts[1]),
                        "status": "open",
                        "message": body.get("message"),
                    }
                    if key:
                        self.state.dispute_keys[key] = dispute_id
            return self._reply(201, {"dispute_id": dispute_id, "status": "open"})
        return self._reply(404, {"error": "not found"})


class LoopbackFap:
    """Start with ``start()``, stop with ``stop()`` (tests: ``addClassCleanup(fap.stop)``)."""

    def __init__(self):
        self.state = FapState()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.state = self.state
        self.server.timeout = 10
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def reset(self):
        self.server.state = self.state = FapState()

    def answer_raw(self, path, body):
        """Answer ``body`` (bytes, as they are) to every GET of ``path``; None: as before."""
        with self.state.lock:
            if body is None:
                self.state.raw_answers.pop(path, None)
            else:
                self.state.raw_answers[path] = body

    def add_invoice(self, invoice):
        with self.state.lock:
            self.state.invoices.append((len(self.state.invoices) + 1, invoice))

    def answer_dispute(self, dispute_id, answer, answered_at="2026-01-25T10:00:00Z", **settlement):
        """``settlement``: e.g. ``outcome="accepted", credit_amount="25.00"``."""
        with self.state.lock:
            self.state.disputes[dispute_id].update(
                status="answered", answer=answer, answered_at=answered_at, **settlement
            )

    def set_payment(self, invoice_id, status, date=None, reference=None, amount=None):
        with self.state.lock:
            self.state.payments[invoice_id] = {
                "invoice_id": invoice_id,
                "status": status,
                "date": date,
                "reference": reference,
            }
            if amount is not None:
                self.state.payments[invoice_id]["amount"] = amount

    def add_funding(self, request):
        with self.state.lock:
            self.state.funding.append((len(self.state.funding) + 1, request))

    def requests_to(self, method, prefix):
        return [r for r in self.state.requests if r[0] == method and r[1].startswith(prefix)]
