"""What the TMS and the FAP report for a period, through the backend's REST client (plain Python).

Endpoints (canonical JSON, dates ``YYYY-MM-DD``, both inclusive)::

    GET /reconciliation/shipments?from=<date>&to=<date>[&cursor=<c>]
        -> {"shipments": [{"reference": "SHP-1", "shipment_id": "BK-1", "status": "delivered",
                           "delivered_at": "2026-01-16T10:00:00Z"}], "cursor": null}
    GET /reconciliation/invoices?from=<date>&to=<date>[&cursor=<c>]
        -> {"invoices": [{"id": "F-1", "invoice_number": "INV-1", "carrier_scac": "FFRT",
                          "status": "approved", "amount": "609.38", "currency": "EUR",
                          "payment_status": "paid"}], "cursor": null}

A ``cursor`` in the answer asks for the next page (at most ``MAX_PAGES`` pages).
"""

from odoo.addons.logistics_connector.services.exceptions import PermanentError

MAX_PAGES = 100


class ReconciliationApi:
    """Period reports of a TMS or FAP on top of the suite's REST client (anything with ``get``)."""

    shipments_path = "/reconciliation/shipments"
    invoices_path = "/reconciliation/invoices"

    def __init__(self, client):
        if not hasattr(client, "get"):
            raise PermanentError("This backend's protocol cannot report statuses for a period (REST only).")
        self.client = client

    def _pages(self, path, key, date_from, date_to):
        params = {"from": date_from.isoformat(), "to": date_to.isoformat()}
        items = []
        for _page in range(MAX_PAGES):
            response = self.client.get(path, params=params)
            body = response.json_body if hasattr(response, "json_body") else response.json()
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

    def list_shipment_statuses(self, date_from, date_to):
        """Shipments the TMS knows for the period: dicts with reference, shipment_id, status, delivered_at."""
        return self._pages(self.shipments_path, "shipments", date_from, date_to)

    def list_invoice_statuses(self, date_from, date_to):
        """Carrier invoices the FAP knows for the period: id, invoice_number, status, amount, payment_status."""
        return self._pages(self.invoices_path, "invoices", date_from, date_to)
