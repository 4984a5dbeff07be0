"""Webhook intake for carrier and TMS milestones: one URL per backend.

Order of operations: backend (404) -> declared size (413) -> content type
(415) -> body read with the size limit (413) -> signature (401, logged with the
source address, nothing stored) -> the body is journaled -> validation (400,
the payload stays in the journal as failed) -> 202/200. Processing continues
through the journal's cron trigger, or inside the request when the backend
asks for synchronous processing. No input ever yields a 500 or a traceback.
"""

import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from odoo.addons.logistics_connector.services.exceptions import PermanentError

_logger = logging.getLogger(__name__)

JSON_TYPES = ("application/json",)
X12_TYPES = ("application/edi-x12", "application/x12", "text/plain")
TIMESTAMP_HEADER = "X-Logistics-Timestamp"
SIGNATURE_HEADER = "X-Logistics-Signature"


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
            with request.env.cr.savepoint():
                return self._webhook(backend_code, state)
        except Exception:
            # Never a 500 nor a traceback to the caller; the details stay in the server log.
            _logger.exception("Webhook %s: unexpected error", backend_code)
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
        user = request.env.ref("shipment_events.user_webhook", raise_if_not_found=False)
        if not user:
            return _answer(503, {"error": "the webhook is not configured on this server"})
        request.update_env(user=user.id)
        backend_sudo = (
            request.env["logistics.backend"]
            .sudo()
            .search([("code", "=", backend_code), ("active", "=", True)], limit=2)
        )
        if len(backend_sudo) != 1:
            return _answer(404, {"error": f"unknown or inactive backend {backend_code!r}"})
        httprequest = request.httprequest
        limit = max(backend_sudo.webhook_max_body_kb or 5120, 1) * 1024
        if httprequest.content_length is not None and httprequest.content_length > limit:
            return _answer(413, {"error": f"the body exceeds {limit // 1024} KiB"})
        mimetype = (httprequest.mimetype or "").lower()
        if mimetype in JSON_TYPES:
            kind = "json"
        elif mimetype in X12_TYPES:
            kind = "x12"
        else:
            return _answer(
                415,
                {
                    "error": f"unsupported content type {mimetype or '(none)'!r}; "
                    "use application/json (canonical events) or application/edi-x12 (X12 214)"
                },
            )
        httprequest.max_content_length = limit
        try:
            body = httprequest.get_data(cache=True)
        except RequestEntityTooLarge:
            return _answer(413, {"error": f"the body exceeds {limit // 1024} KiB"})
        if len(body) > limit:
            return _answer(413, {"error": f"the body exceeds {limit // 1024} KiB"})

        remote_addr = httprequest.remote_addr or "unknown"
        refused = self._check_signature(backend_sudo, body)
        if refused:
            _logger.warning("Webhook %s: request from %s refused (%s)", backend_sudo.code, remote_addr, refused)
            return _answer(401, {"error": refused})

        Message = request.env["logistics.message"]
        source = f"webhook {remote_addr}"
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
        if backend_sudo.process_sync and data.get("message_ids") and status in (200, 202):
            data = Message._webhook_process_sync(data)
        return _answer(status, data)

    def _check_signature(self, backend_sudo, body):
        """None when the request is signed with a valid secret, else the reason it is refused."""
        from odoo.addons.logistics_connector.services import signature

        secrets = backend_sudo._get_webhook_secrets()
        if not secrets:
            return "no webhook secret is configured for this backend"
        headers = request.httprequest.headers
        try:
            signature.verify(
                secrets,
                headers.get(TIMESTAMP_HEADER),
                headers.get(SIGNATURE_HEADER),
                body,
                tolerance=backend_sudo.webhook_tolerance_seconds or 300,
            )
        except PermanentError as error:
            return str(error) or "invalid signature"
        return None


def _answer(status, data):
    return request.make_json_response(data, status=status)
