"""The intake every webhook of the suite shares (no route here: the addons declare theirs).

Order: technical user -> backend -> declared size (413) -> content type (415) -> body read
with the size limit (413) -> signature (401, logged with the source address, nothing stored).
An unknown or inactive backend code goes through the same steps with the default limits and
a secret no one knows, so it gets exactly the 401 (same body) a known code gets for a bad
signature: an unauthenticated caller cannot tell known codes from unknown ones (no 404).
What comes after (journaling, validation, the answer) is the caller's; the technical user
journals as itself, so the journal checks it may read the backend (logistics.message).
"""

import secrets as _secrets
from typing import NamedTuple

from werkzeug.exceptions import RequestEntityTooLarge

from odoo.http import request

from ..models.logistics_backend import WebhookIntake
from ..services import signature
from ..services.exceptions import PermanentError
from ..services.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER

JSON_TYPES = ("application/json",)
X12_TYPES = ("application/edi-x12", "application/x12", "text/plain")


class WebhookRefused(Exception):
    """The request is refused with ``status`` and a message that names the problem."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Received(NamedTuple):
    """An authenticated webhook request."""

    backend: object  # the logistics.backend record, as superuser
    intake: WebhookIntake  # its intake settings (logistics.backend._webhook_intake)
    body: bytes
    mimetype: str
    remote_addr: str


def receive_signed(backend_code, *, user_xmlid, content_types, types_hint, logger, kinds=None):
    """Authenticate a webhook request; returns a :class:`Received`.

    Runs the rest of the request as the technical user ``user_xmlid``. Raises
    :class:`WebhookRefused` (503, 413, 415 or 401) otherwise; never 404 (see the module).
    """
    # Both lookups are on every webhook request, and both come from the registry's caches.
    user_id = request.env["ir.model.data"]._xmlid_to_res_id(user_xmlid, raise_if_not_found=False)
    if not user_id:
        raise WebhookRefused(503, "the webhook is not configured on this server")
    request.update_env(user=user_id)
    intake = request.env["logistics.backend"]._webhook_intake(backend_code, kinds)
    known = bool(intake)
    if not known:
        intake = _unknown_intake(backend_code)
    httprequest = request.httprequest
    limit = max(intake.max_body_kb or 5120, 1) * 1024
    too_large = WebhookRefused(413, f"the body exceeds {limit // 1024} KiB")
    if httprequest.content_length is not None and httprequest.content_length > limit:
        raise too_large
    mimetype = (httprequest.mimetype or "").lower()
    if mimetype not in content_types:
        raise WebhookRefused(415, f"unsupported content type {mimetype or '(none)'!r}; use {types_hint}")
    httprequest.max_content_length = limit
    try:
        body = httprequest.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large from None
    if len(body) > limit:
        raise too_large
    remote_addr = httprequest.remote_addr or "unknown"
    why_unusable = None
    if not known:
        why_unusable = "unknown or inactive backend"
    elif not signature.webhook_secrets(intake.secret, intake.previous_secret, intake.previous_until):
        # A known backend without a secret answers as an unknown code does (the request alone
        # decides the reason given), so a caller cannot find such backends; the log says why.
        why_unusable = "no webhook secret is configured for this backend"
        intake = _unknown_intake(backend_code)
    refused = check_signature(intake, body)
    if why_unusable:
        logger.warning("Webhook %r: request from %s refused (%s)", backend_code, remote_addr, why_unusable)
        raise WebhookRefused(401, refused or "bad signature")
    if refused:
        logger.warning("Webhook %s: request from %s refused (%s)", intake.code, remote_addr, refused)
        raise WebhookRefused(401, refused)
    backend_sudo = request.env["logistics.backend"].sudo().browse(intake.id)
    return Received(backend_sudo, intake, body, mimetype, remote_addr)


def _unknown_intake(code):
    """Stand-in settings for a code that names no active backend: the defaults of a backend,
    and a random secret, so the request is refused by the signature check like any other."""
    return WebhookIntake(
        id=None,
        code=code,
        kind=None,
        company_id=None,
        process_sync=False,
        max_body_kb=5120,
        tolerance_seconds=300,
        secret=_secrets.token_urlsafe(32),
        previous_secret=None,
        previous_until=None,
    )


def check_signature(intake, body):
    """None when the request is signed with a valid secret, else the reason it is refused."""
    secrets = signature.webhook_secrets(intake.secret, intake.previous_secret, intake.previous_until)
    if not secrets:
        return "no webhook secret is configured for this backend"
    headers = request.httprequest.headers
    try:
        signature.verify(
            secrets,
            headers.get(TIMESTAMP_HEADER),
            headers.get(SIGNATURE_HEADER),
            body,
            tolerance=intake.tolerance_seconds or 300,
        )
    except PermanentError as error:
        return str(error) or "invalid signature"
    return None


def answer(status, data):
    return request.make_json_response(data, status=status)
