"""Webhook intake for carrier and TMS milestones: one URL per backend.

``POST /logistics/webhook/<backend code>``, signed like every webhook of the suite; the
request flow (technical user, limits, signature, answers, the 503 that keeps the body) is the
shared intake's (``logistics_connector/controllers/webhook_intake.py``). Bodies: canonical
JSON events (``application/json``: one event or ``{"events": [...]}``) or an X12 214
interchange (``application/edi-x12``), journaled by ``logistics.message._webhook_receive_json``
/ ``_webhook_receive_x12`` (``models/logistics_message.py``), or a UN/EDIFACT IFTSTA
interchange (``application/edifact``), by ``_webhook_receive_edifact``
(``models/logistics_message_edifact.py``); a backend with a platform
profile (EasyPost, Shippo, ShipEngine, AfterShip, Sendcloud: ``formats/platforms/``) gets its
platform's JSON, signed the platform's way, journaled by ``_webhook_receive_platform``
(``models/logistics_message_platform.py``). Processing continues through
the journal's cron trigger, or inside the request when the backend asks for synchronous
processing. No input ever yields a 500 or a traceback.
"""

import logging

from odoo import http
from odoo.http import request

from odoo.addons.logistics_connector.controllers.webhook_intake import JSON_TYPES, X12_TYPES, WebhookIntakeMixin

from ..formats import x12_214

_logger = logging.getLogger(__name__)

EDIFACT_TYPES = ("application/edifact",)


class LogisticsWebhookController(WebhookIntakeMixin, http.Controller):
    _intake_user_xmlid = "shipment_events.user_webhook"
    _intake_content_types = JSON_TYPES + X12_TYPES + EDIFACT_TYPES
    _intake_types_hint = (
        "application/json (canonical events), application/edi-x12 (X12 214) or application/edifact (IFTSTA)"
    )
    _intake_logger = _logger
    _intake_label = "Webhook"

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
        return self._intake_request(backend_code)

    def _intake_body(self, backend_sudo, body, kind, source, intake=None):
        Message = request.env["logistics.message"]
        # The platform from the cached intake settings: no read of the backend per request.
        platform = intake.platform if intake is not None else backend_sudo._webhook_platform()
        if kind == "json" and platform:
            # A carrier platform's own JSON (EasyPost, Shippo...): models/logistics_message_platform.py.
            return Message._webhook_receive_platform(backend_sudo, body, source, platform=platform)
        if kind == "json":
            return Message._webhook_receive_json(backend_sudo, body, source)
        if request.httprequest.mimetype in EDIFACT_TYPES:
            return Message._webhook_receive_edifact(backend_sudo, body, source)
        return Message._webhook_receive_x12(backend_sudo, body, source)

    def _intake_kept_message(self, kind, body):
        # A JSON body is kept whole, for the batch handler, which splits single events and
        # batches alike into per-event messages (their keys make a resent body a duplicate).
        if kind == "json":
            return "shipment_event_batch", None
        if request.httprequest.mimetype in EDIFACT_TYPES:
            return "edifact_iftsta", None
        return ("x12_997" if x12_214.is_997(body) else "x12_214"), None

    def _intake_answer(self, received, result):
        status, data = super()._intake_answer(received, result)
        if received.intake.process_sync and result.message_ids and not result.is_refused:
            # The backend asks for synchronous processing: done inside the request.
            data = request.env["logistics.message"]._webhook_process_sync(data)
        return status, data
