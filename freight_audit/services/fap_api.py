"""The freight audit & payment (FAP) provider's REST API.

Plain Python (no ORM). :class:`FapApi` wraps the connector's REST client
(``logistics_connector/services/rest_client.py``: timeouts, retries, authentication and the
suite's errors), built by the backend (``logistics.backend._freight_fap_api``).

Endpoints::

    GET  /invoices?since=<cursor>          -> {"invoices": [invoice, ...], "cursor": "..."}
    POST /invoices/<id>/disputes           -> {"dispute_id": "D-1", "status": "open"}
    GET  /disputes/<dispute_id>            -> {"dispute_id": "D-1", "status": "answered",
                                               "answer": "...", "answered_at": "2026-01-25T10:00:00Z"}
    GET  /payments?invoice=<id>            -> {"invoice_id": "F-1", "status": "scheduled" | "paid",
                                               "date": "2026-02-10", "reference": "PAY-9"}
    GET  /funding?since=<cursor>           -> {"funding": [{"id": "FR-1", "date": "2026-02-15",
                                               "currency": "EUR", "amount": "544.50",
                                               "payments": [{"invoice_id": "F-1", "reference": "PAY-9",
                                                             "amount": "544.50"}]}], "cursor": "..."}
    GET  /reconciliation/invoices?from=<date>&to=<date>[&cursor=<c>]
        -> {"invoices": [{"id": "F-1", "invoice_number": "INV-1", "carrier_scac": "FFRT",
                          "status": "approved", "amount": "609.38", "currency": "EUR",
                          "payment_status": "paid"}], "cursor": null}

Period report dates are ``YYYY-MM-DD``, both inclusive; a ``cursor`` asks for the next page.

The invoices it returns are read by ``formats/fap_json.py``.
"""

from urllib.parse import quote

from odoo.addons.logistics_connector.services.exceptions import ParseError, PermanentError


class FapApi:
    """The FAP endpoints on top of a REST client."""

    invoice_statuses_path = "/reconciliation/invoices"

    def __init__(self, client):
        self.client = client

    def _call(self, method, path, json=None, idempotency_key=None):
        response = self.client.request(method, path, json=json, idempotency_key=idempotency_key)
        if getattr(response, "json_error", None):
            # Not "no invoices": an answer that cannot be read is an error of the poll.
            raise ParseError(f"the FAP answered {method} {path} with a body that is not JSON: {response.json_error}")
        body = response.json_body
        return body if body is not None else {}

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

    def list_funding_requests(self, since=None):
        """The FAP's funding requests after ``since``: (requests, cursor)."""
        data = self._call("GET", "/funding" + (f"?since={quote(str(since))}" if since else ""))
        if isinstance(data, list):
            return data, None
        return list(data.get("funding") or []), data.get("cursor")

    def list_invoice_statuses(self, date_from, date_to):
        """Carrier invoices the FAP knows for the period: id, invoice_number, status, amount, payment_status."""
        if not hasattr(self.client, "get_pages"):
            raise PermanentError("This backend's protocol cannot report statuses for a period (REST only).")
        params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
        return self.client.get_pages(self.invoice_statuses_path, "invoices", params=params)
