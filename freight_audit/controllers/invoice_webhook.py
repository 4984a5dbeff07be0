"""Carrier invoices pushed to us: FAP JSON invoices and X12 210 interchanges, one URL per backend.

``POST /logistics/freight/<backend code>/invoices``, signed like every webhook of the suite
(``X-Logistics-Timestamp`` and ``X-Logistics-Signature: v1=<HMAC-SHA256 hex of
"<timestamp>." + body>`` with the backend's webhook secret; the previous secret stays valid
during a rotation). Bodies: ``application/json`` (one FAP invoice, or ``{"invoices": [...]}``)
or ``application/edi-x12`` (an X12 210 interchange).

Answers: 202 with the journal ids; 200 ``duplicate`` when every invoice was received before
(the same FAP id and revision, pulled or pushed; the same interchange); 400 naming the
problem (the body is kept in the journal as failed); 401 bad or missing signature (logged
with the source address, nothing stored); 404 unknown backend; 413 too large; 415 other
content types; 503 with nothing lost when something unexpected happens.
The invoices are imported and audited by the journal's queue, like the pulled ones.
"""

import hashlib
import json
import logging

from odoo import http
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.logistics_connector.controllers import webhook_intake as intake
from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..formats import fap_json, x12_210

_logger = logging.getLogger(__name__)

JSON_TYPES, X12_TYPES = intake.JSON_TYPES, intake.X12_TYPES


class FreightInvoiceWebhook(http.Controller):
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
        try:
            with request.env.cr.savepoint():
                return self._receive(backend_code)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # The same invoice journaled by a concurrent request (the journal's unique key):
            # Odoo replays this request on a new snapshot, which answers it as a duplicate.
            raise
        except Exception:
            # Never a 500 nor a traceback to the caller; the details stay in the server log.
            _logger.exception("Freight invoice webhook %s: unexpected error", backend_code)
            return _answer(503, {"error": "temporary problem while receiving the request; please retry later"})

    def _receive(self, backend_code):
        try:
            received = intake.receive_signed(
                backend_code,
                user_xmlid="freight_audit.user_invoice_webhook",
                content_types=JSON_TYPES + X12_TYPES,
                types_hint="application/json (FAP invoices) or application/edi-x12 (X12 210)",
                logger=_logger,
                kinds=("fap", "carrier"),
            )
        except intake.WebhookRefused as refused:
            return _answer(refused.status, {"error": refused.message})
        source = f"webhook {received.remote_addr}"
        if received.mimetype in JSON_TYPES:
            return self._receive_json(received.backend, received.body, source)
        return self._receive_x12(received.backend, received.body, source)

    def _journal(self, vals_list):
        return request.env["logistics.message"]._journal_many(vals_list)

    def _failed(self, backend, message_type, body, content_type, source, error):
        """A malformed body stays in the journal as failed, for inspection; the answer names the problem."""
        messages = request.env["logistics.message"]._journal_failed_body(
            backend, message_type, body, content_type, source, error
        )
        return _answer(400, {"error": str(error), "message_ids": messages.ids})

    def _receive_json(self, backend, body, source):
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError) as error:
            return self._failed(
                backend,
                "freight_invoice_json",
                body,
                "application/json",
                source,
                f"the body is not valid JSON: {error}",
            )
        invoices = data.get("invoices") if isinstance(data, dict) and "invoices" in data else [data]
        try:
            if not isinstance(invoices, list) or not invoices:
                raise ParseError("'invoices' must be a non-empty list")
            for index, invoice in enumerate(invoices):
                try:
                    fap_json.parse_fap_invoice(invoice)
                except ParseError as error:
                    raise ParseError(f"invoice {index + 1}: {error}") from None
        except ParseError as error:
            return self._failed(backend, "freight_invoice_json", body, "application/json", source, error)
        messages, duplicates = self._journal(
            [
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": "freight_invoice_json",
                    "payload": invoice,
                    "content_type": "application/json",
                    "idempotency_key": backend._freight_invoice_key(invoice),
                    "source": source,
                }
                for invoice in invoices
            ]
        )
        return self._accepted(messages, duplicates)

    def _receive_x12(self, backend, body, source):
        try:
            x12_210.parse_210(body)
        except ParseError as error:
            return self._failed(
                backend, "x12_210", body, "application/edi-x12", source, f"malformed X12 210 interchange: {error}"
            )
        messages, duplicates = self._journal(
            [
                {
                    "backend_id": backend.id,
                    "direction": "inbound",
                    "message_type": "x12_210",
                    "payload": body,
                    "content_type": "application/edi-x12",
                    # the same key as an upload of the same file: posted and uploaded count once
                    "idempotency_key": f"upload:x12_210:{hashlib.sha256(body).hexdigest()}",
                    "source": source,
                }
            ]
        )
        return self._accepted(messages, duplicates)

    @staticmethod
    def _accepted(messages, duplicates):
        originals = [original for original in duplicates if original]
        if originals and len(originals) == len(duplicates):
            ids = [original.id for original in originals]
            return _answer(200, {"status": "duplicate", "message_ids": ids})
        return _answer(202, {"status": "accepted", "message_ids": messages.ids})


_answer = intake.answer
