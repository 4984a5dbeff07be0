"""Carrier invoices pushed to us: FAP JSON invoices and X12 210 interchanges, one URL per backend.

``POST /logistics/freight/<backend code>/invoices``, signed like every webhook of the suite
(``X-Logistics-Timestamp`` and ``X-Logistics-Signature: v1=<HMAC-SHA256 hex of
"<timestamp>." + body>`` with the backend's webhook secret; the previous secret stays valid
during a rotation). Bodies: ``application/json`` (one FAP invoice, or ``{"invoices": [...]}``)
or ``application/edi-x12`` (an X12 210 interchange), journaled by ``freight.invoice``'s
intake (``models/freight_invoice_intake.py``), as the import wizard and the FAP poll journal
them.

The request flow is the shared intake's (``logistics_connector/controllers/webhook_intake.py``).
Answers: 202 with the journal ids; 200 ``duplicate`` when every invoice was received before
(the same FAP id and revision, pulled or pushed; the same interchange); 400 naming the
problem (the body is kept in the journal as failed); 401 bad or missing signature, or
unknown backend (logged with the source address, nothing stored); 413 too large; 415 other
content types; 503 when something unexpected happens: nothing of the request is kept but its
body, journaled for the queue.
The invoices are imported and audited by the journal's queue, like the pulled ones.
"""

import logging

from odoo import http
from odoo.http import request

from odoo.addons.logistics_connector.controllers.webhook_intake import JSON_TYPES, X12_TYPES, WebhookIntakeMixin

_logger = logging.getLogger(__name__)


class FreightInvoiceWebhook(WebhookIntakeMixin, http.Controller):
    _intake_user_xmlid = "freight_audit.user_invoice_webhook"
    _intake_kinds = ("fap", "carrier")
    _intake_content_types = JSON_TYPES + X12_TYPES
    _intake_types_hint = "application/json (FAP invoices) or application/edi-x12 (X12 210)"
    _intake_logger = _logger
    _intake_label = "Freight invoice webhook"

    @http.route(
        "/logistics/freight/<string:backend_code>/invoices",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # the journal writes
    )
    def freight_invoice_webhook(self, backend_code, **_kwargs):
        return self._intake_request(backend_code)

    def _intake_body(self, backend_sudo, body, kind, source, intake=None):
        Invoice = request.env["freight.invoice"]
        if kind == "json":
            return Invoice._receive_fap_json(backend_sudo, body, source)
        return Invoice._receive_x12_210(backend_sudo, body, source)

    def _intake_kept_message(self, kind, body):
        if kind == "json":
            # Kept whole: its handler reads one invoice or {"invoices": [...]}, and an invoice
            # received again (the sender's retry) is not imported twice (same FAP id).
            return "freight_invoice_json", None
        # The key of the interchange: the sender's retry is answered as a duplicate.
        return "x12_210", request.env["freight.invoice"]._file_key("x12_210", body)
