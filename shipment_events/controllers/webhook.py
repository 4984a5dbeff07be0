"""Webhook intake for carrier and TMS milestones: one URL per backend.

Order of operations: backend (404) -> declared size (413) -> content type
(415) -> body read with the size limit (413) -> signature (401, logged with the
source address, nothing stored) -> the body is journaled -> validation (400,
the payload stays in the journal as failed) -> 202/200. Processing continues
through the journal's cron trigger, or inside the request when the backend
asks for synchronous processing. No input ever yields a 500 or a traceback.
"""

import logging

from odoo import http
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.logistics_connector.controllers import webhook_intake as intake

_logger = logging.getLogger(__name__)

JSON_TYPES, X12_TYPES = intake.JSON_TYPES, intake.X12_TYPES


class LogisticsWebhookController(http.Controller):
    @http.route(
        "/logistics/webhook/<string:backend_code>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # auth="none" routes default to a read-only cursor; the journal writes
    )
    def logistics_webhook(self, backend_code, **_kwargs):
        state = {}
        try:
            return self._webhook(backend_code, state)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # The same event journaled by a concurrent request (the journal's unique key):
            # Odoo replays this request on a new snapshot, which answers it as a duplicate.
            raise
        except Exception:
            # Never a 500 nor a traceback to the caller; the details stay in the server log.
            _logger.exception("Webhook %s: unexpected error", backend_code)
            # Nothing of this request is kept (no savepoint around the intake: it would cost
            # two round trips on every request), then its authenticated body is.
            request.env.cr.rollback()
            self._keep_body_after_error(state)
            return _answer(503, {"error": "temporary problem while receiving the request; please retry later"})

    def _keep_body_after_error(self, state):
        """An authenticated body is journaled even when its intake failed unexpectedly: the
        journal's queue processes it later (a JSON body through the batch handler, which
        splits single events and batches alike)."""
        if not state.get("authenticated"):
            return
        try:
            with request.env.cr.savepoint():
                request.env["logistics.message"]._journal(
                    {
                        "backend_id": state["backend"].id,
                        "direction": "inbound",
                        "message_type": "shipment_event_batch" if state["kind"] == "json" else "x12_214",
                        "payload": state["body"],
                        "content_type": state["content_type"],
                        "source": state["source"],
                        "last_error": "unexpected error at intake (see the server log); queued again",
                    }
                )
        except Exception:
            _logger.exception("Webhook: the body could not be journaled either")

    def _webhook(self, backend_code, state):
        try:
            received = intake.receive_signed(
                backend_code,
                user_xmlid="shipment_events.user_webhook",
                content_types=JSON_TYPES + X12_TYPES,
                types_hint="application/json (canonical events) or application/edi-x12 (X12 214)",
                logger=_logger,
            )
        except intake.WebhookRefused as refused:
            return _answer(refused.status, {"error": refused.message})
        backend_sudo, body = received.backend, received.body
        kind = "json" if received.mimetype in JSON_TYPES else "x12"
        Message = request.env["logistics.message"]
        source = f"webhook {received.remote_addr}"
        state.update(
            authenticated=True,
            backend=backend_sudo,
            body=body,
            source=source,
            kind=kind,
            content_type="application/json" if kind == "json" else "application/edi-x12",
        )
        if kind == "json":
            status, data = Message._webhook_receive_json(backend_sudo, body, source)
        else:
            status, data = Message._webhook_receive_x12(backend_sudo, body, source)
        if received.intake.process_sync and data.get("message_ids") and status in (200, 202):
            data = Message._webhook_process_sync(data)
        return _answer(status, data)


_answer = intake.answer
