"""The freight audit & payment (FAP) provider's REST API.

Plain Python (no ORM). :class:`FapApi` wraps a REST client of the suite (anything with
``request(method, path, json=None, idempotency_key=None)`` returning a response with a
``status`` and its ``json``); the connector's client is used, and :class:`JsonHttpClient`
is a small stand-in with the same interface (timeouts always set).

Endpoints::

    GET  /invoices?since=<cursor>          -> {"invoices": [invoice, ...], "cursor": "..."}
    POST /invoices/<id>/disputes           -> {"dispute_id": "D-1", "status": "open"}
    GET  /disputes/<dispute_id>            -> {"dispute_id": "D-1", "status": "answered",
                                               "answer": "...", "answered_at": "2026-01-25T10:00:00Z"}
    GET  /payments?invoice=<id>            -> {"invoice_id": "F-1", "status": "scheduled" | "paid",
                                               "date": "2026-02-10", "reference": "PAY-9"}

The invoices it returns are read by ``formats/fap_json.py``.
"""

from urllib.parse import quote

from odoo.addons.logistics_connector.services.exceptions import RemoteError, RetryableError

TIMEOUT = (5.0, 30.0)


def _json_of(response):
    data = getattr(response, "json", None)
    if callable(data):
        data = data()
    return data if data is not None else {}


class FapApi:
    """The FAP endpoints on top of a REST client."""

    def __init__(self, client):
        self.client = client

    def _call(self, method, path, json=None, idempotency_key=None):
        response = self.client.request(method, path, json=json, idempotency_key=idempotency_key)
        return _json_of(response)

    def list_invoices(self, since=None):
        path = "/invoices" + (f"?since={quote(str(since))}" if since else "")
        data = self._call("GET", path)
        if isinstance(data, list):
            return data, None
        return list(data.get("invoices") or []), data.get("cursor")

    def create_dispute(self, invoice_id, body, idempotency_key):
        return self._call(
            "POST", f"/invoices/{quote(str(invoice_id), safe='')}/disputes", json=body, idempotency_key=idempotency_key
        )

    def get_dispute(self, dispute_id):
        return self._call("GET", f"/disputes/{quote(str(dispute_id), safe='')}")

    def get_payment(self, invoice_id):
        return self._call("GET", f"/payments?invoice={quote(str(invoice_id), safe='')}")


def _retry_after(value):
    """Seconds of a Retry-After header given in seconds (a date form is ignored)."""
    return int(value) if value and str(value).strip().isdigit() else None


class _Response:
    def __init__(self, status, data):
        self.status = status
        self.json = data


class JsonHttpClient:
    """A minimal JSON-over-HTTP client with the suite's ``request`` interface and errors."""

    def __init__(self, base_url, headers=None, timeout=TIMEOUT):
        self.base_url = (base_url or "").rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout

    def request(self, method, path, json=None, idempotency_key=None):
        import requests

        headers = dict(self.headers, Accept="application/json")
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = requests.request(method, self.base_url + path, json=json, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise RetryableError(f"{method} {path}: {error.__class__.__name__}") from None
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise RetryableError(
                f"{method} {path}: HTTP {response.status_code}",
                delay=_retry_after(response.headers.get("Retry-After")),
                status_code=response.status_code,
            )
        if response.status_code >= 400:
            raise RemoteError(f"{method} {path}: HTTP {response.status_code}", response.status_code, response.text)
        try:
            data = response.json() if response.content else {}
        except ValueError:
            raise RemoteError(f"{method} {path}: the answer is not JSON", response.status_code) from None
        return _Response(response.status_code, data)
