"""The freight audit & payment (FAP) provider's REST API and its JSON invoice format.

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

A FAP invoice (JSON)::

    {"id": "F-1", "revision": 1, "carrier_scac": "FFRT", "invoice_number": "INV-1001",
     "invoice_date": "2026-01-20", "due_date": "2026-02-19", "currency": "EUR", "total": "609.38",
     "fuel_index": "3.85",
     "lines": [{"shipment_reference": "SHP001", "charge_code": "400", "description": "Linehaul",
                "quantity": 1, "amount": "475.00", "billed_weight_kg": 412.5}]}

Unlike the X12 210 and CSV readers, a total that is not the sum of the lines is *not* a
parse error here: the FAP relays what the carrier billed, and the audit reports it
(``TOTAL_MISMATCH``) in an audit case.
"""

import json as jsonlib
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from odoo.addons.logistics_connector.services.exceptions import ParseError, RemoteError, RetryableError

TIMEOUT = (5.0, 30.0)


def _decimal(value, where, allow_none=False):
    if value is None or value == "":
        if allow_none:
            return None
        raise ParseError("a number is required", where)
    if isinstance(value, bool):
        raise ParseError(f"{value!r} is not a number", where)
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ParseError(f"{value!r} is not a number", where) from None
    if not result.is_finite():
        raise ParseError(f"{value!r} is not a finite number", where)
    return result


def _date(value, where, allow_none=True):
    if not value:
        if allow_none:
            return None
        raise ParseError("a date is required", where)
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ParseError(f"{value!r} is not a date (YYYY-MM-DD)", where) from None


def parse_fap_invoice(data):
    """One FAP invoice (dict) -> the invoice dict of the suite's readers; ParseError names the field."""
    if not isinstance(data, dict):
        raise ParseError("an invoice must be a JSON object")
    number = str(data.get("invoice_number") or "").strip()
    where = f"invoice {number or data.get('id') or '?'}"
    if not number:
        raise ParseError("invoice_number is required", where)
    scac = str(data.get("carrier_scac") or "").strip().upper()
    if not scac:
        raise ParseError("carrier_scac is required", where)
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ParseError("lines must be a non-empty list", where)
    parsed_lines = []
    for index, line in enumerate(lines, start=1):
        line_where = f"{where}, line {index}"
        if not isinstance(line, dict):
            raise ParseError("a line must be a JSON object", line_where)
        ref = str(line.get("shipment_reference") or "").strip()
        code = str(line.get("charge_code") or "").strip()
        if not ref:
            raise ParseError("shipment_reference is required", line_where)
        if not code:
            raise ParseError("charge_code is required", line_where)
        parsed_lines.append(
            {
                "sequence": index,
                "shipment_reference": ref,
                "charge_code": code,
                "description": str(line.get("description") or ""),
                "quantity": _decimal(line.get("quantity", 1), f"{line_where}: quantity"),
                "amount": _decimal(line.get("amount"), f"{line_where}: amount"),
                "billed_weight": _decimal(line.get("billed_weight_kg"), f"{line_where}: billed_weight_kg", True),
            }
        )
    currency = str(data.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ParseError(f"currency {currency!r} is not an ISO 4217 code", where)
    return {
        "external_id": str(data.get("id") or "") or None,
        "revision": data.get("revision"),
        "invoice_number": number,
        "scac": scac,
        "invoice_date": _date(data.get("invoice_date"), f"{where}: invoice_date", allow_none=False),
        "due_date": _date(data.get("due_date"), f"{where}: due_date"),
        "currency": currency,
        "total": _decimal(data.get("total"), f"{where}: total"),
        "fuel_index": _decimal(data.get("fuel_index"), f"{where}: fuel_index", True),
        "lines": parsed_lines,
    }


def parse_fap_payload(payload):
    """A webhook or poll payload: one invoice, a list, or ``{"invoices": [...]}`` -> invoice dicts."""
    if isinstance(payload, bytes | str):
        try:
            payload = jsonlib.loads(payload)
        except ValueError as error:
            raise ParseError(f"the payload is not valid JSON: {error}") from None
    if isinstance(payload, dict) and "invoices" in payload:
        payload = payload["invoices"]
    items = payload if isinstance(payload, list) else [payload]
    return [parse_fap_invoice(item) for item in items]


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
