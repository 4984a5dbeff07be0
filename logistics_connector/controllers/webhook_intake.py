"""The intake every webhook of the suite shares: :class:`WebhookIntakeMixin`, the whole request
flow, which each webhook's controller mixes in (no route here: the addons declare theirs).

Order: technical user -> backend -> declared size (413) -> content type (415) -> body read
with the size limit (413) -> signature (401, logged with the source address, nothing stored)
-> the body given to the controller's model method (``_intake_body``), which journals it
and returns a plain :class:`~odoo.addons.logistics_connector.services.intake.IntakeResult`
-> the answer: 202 accepted or partial, 200 duplicate, 400 invalid (the body kept in the
journal as failed), to which a webhook may add (the milestone webhook processes inside the
request for backends that ask for it).

An unknown or inactive backend code goes through the same steps with the default limits and
a secret no one knows, so it gets exactly the 401 (same body) a known code gets for a bad
signature: an unauthenticated caller cannot tell known codes from unknown ones (no 404).
The technical user journals as itself, so the journal checks it may read the backend
(logistics.message).

What the body itself causes is a 400, never a 503 (a sender retries a 503, and the same body
would fail the same way forever): the intakes read JSON with the suite's strict reader
(``services/jsonsafe.py``: depth capped before parsing, no NaN, no huge numbers, UTF-8, no key
twice with different values) and turn its ``ParseError`` into an invalid result; should a
``ParseError``, a ``RecursionError`` or a ``UnicodeError`` still escape an intake, the
transaction is rolled back, the authenticated body is journaled as failed (for inspection and
replay) and the answer is a 400 naming the problem.

A 503 is only for what a retry can fix: the database unreachable (``OperationalError``), a
serialization failure that outlived Odoo's own retries, and a genuine bug, which a fix
followed by the sender's retry cures. Then the transaction is rolled back (nothing of the
request is kept), the authenticated body is journaled again on its own
(``_intake_kept_message`` says as what) for the journal's queue, and the answer is a 503:
never a 500 nor a traceback.

Why a mixin, not a base ``http.Controller``: Odoo treats a subclass of a controller as an
extension of it (the routing merges every subclass of a controller into one class), so each
webhook is its own ``http.Controller`` that mixes in :class:`WebhookIntakeMixin`.
"""

import logging
import secrets as _secrets
import time
from typing import NamedTuple

from werkzeug.exceptions import RequestEntityTooLarge

from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..models.logistics_backend import WebhookIntake as IntakeSettings  # the backend's settings
from ..services import privacy, signature
from ..services.exceptions import ParseError, PermanentError
from ..services.intake import ACCEPTED, DUPLICATE, INVALID, PARTIAL, RETRY_LATER, WEBHOOK_MARK, JournalItem
from ..services.metrics import count_webhook_answer
from ..services.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER

_logger = logging.getLogger(__name__)

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
    intake: IntakeSettings  # its intake settings (logistics.backend._webhook_intake)
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
    elif _needs_secret(intake) and not signature.webhook_secrets(
        intake.secret, intake.previous_secret, intake.previous_until
    ):
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
        if intake.platform:
            # A platform's own reasons would tell its backends from unknown codes: the answer
            # is the one an unknown code gets for this request (the log has the real reason).
            refused = check_signature(_unknown_intake(backend_code), body) or "bad signature"
        raise WebhookRefused(401, refused)
    backend_sudo = request.env["logistics.backend"].sudo().browse(intake.id)
    return Received(backend_sudo, intake, body, mimetype, remote_addr)


def _unknown_intake(code):
    """Stand-in settings for a code that names no active backend: the defaults of a backend,
    and a random secret, so the request is refused by the signature check like any other."""
    return IntakeSettings(
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


def _platform_verifier(intake):
    """The registered verifier of the backend's platform, or None (the suite's own scheme)."""
    return signature.PLATFORM_VERIFIERS.get(intake.platform) if intake.platform else None


def _needs_secret(intake):
    verifier = _platform_verifier(intake)
    return verifier is None or verifier.needs_secret


def check_signature(intake, body):
    """None when the request is signed with a valid secret, else the reason it is refused.

    A backend with a platform profile (``intake.platform``) is checked by the platform's
    verifier (``services/signature.PLATFORM_VERIFIERS``), with each valid secret in turn."""
    verifier = _platform_verifier(intake)
    if verifier is not None:
        return _check_platform_signature(verifier, intake, body)
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


def _check_platform_signature(verifier, intake, body):
    secrets = signature.webhook_secrets(intake.secret, intake.previous_secret, intake.previous_until)
    if verifier.needs_secret and not secrets:
        return "no webhook secret is configured for this backend"
    httprequest = request.httprequest
    options = dict(intake.platform_options or {})
    options.update(tolerance=intake.tolerance_seconds or 300, query=httprequest.args)
    now = time.time()
    reason = None
    for secret in secrets if verifier.needs_secret else [None]:
        try:
            verifier.verify(httprequest.headers, body, secret, now, **options)
        except PermanentError as error:
            reason = reason or str(error) or "invalid signature"
            continue
        return None
    return reason or "invalid signature"


def answer(status, data):
    return request.make_json_response(data, status=status)


# The HTTP status of each result of an intake (services/intake.py).
HTTP_STATUS = {ACCEPTED: 202, PARTIAL: 202, DUPLICATE: 200, INVALID: 400}
# Errors the body itself causes, whatever the code that met them: the same body fails the same
# way again, so they are answered 400 (and the body kept as failed), never 503.
BODY_ERRORS = (ParseError, RecursionError, UnicodeError)


def http_answer(result):
    """(HTTP status, JSON answer) of an :class:`IntakeResult`."""
    return HTTP_STATUS[result.status], result.answer()


def _kept_content_type(state):
    """The content type a body kept after an unexpected error is journaled with: the
    request's, with the X12 aliases as the journal's X12 type."""
    if state["kind"] == "json":
        return "application/json"
    mimetype = state.get("mimetype")
    return "application/edi-x12" if not mimetype or mimetype in X12_TYPES else mimetype


class WebhookIntakeMixin:
    """The request flow of a signed webhook, mixed into each webhook's ``http.Controller``.

    A webhook declares its route, which calls :meth:`_intake_request`, and says:

    - ``_intake_user_xmlid``: its technical user; ``_intake_kinds``: the backend kinds it
      serves (None: any); ``_intake_content_types`` and ``_intake_types_hint``;
    - ``_intake_logger`` and ``_intake_label``: where and how its refusals and errors are
      logged;
    - :meth:`_intake_body`: the model method that journals a body (returns an IntakeResult);
    - :meth:`_intake_kept_message`: as what a body is kept after an unexpected error;
    - optionally :meth:`_intake_answer`, to add to the answer (e.g. processing inside the
      request).
    """

    _intake_user_xmlid = None
    _intake_kinds = None
    _intake_content_types = JSON_TYPES + X12_TYPES
    _intake_types_hint = ""
    _intake_logger = _logger
    _intake_label = "Webhook"

    def _intake_body(self, backend_sudo, body, kind, source, intake=None):
        """Journal ``body`` (``kind``: json or x12) for the backend; returns an IntakeResult.
        ``intake``: the backend's cached intake settings (``WebhookIntake``), to decide by them
        without reading the backend again."""
        raise NotImplementedError

    def _intake_kept_message(self, kind, body):
        """``(message type, idempotency key or None)`` of a body kept after an unexpected error."""
        raise NotImplementedError

    def _intake_request(self, backend_code):
        """The whole request: the answer to send, whatever happens (see the module)."""
        request.httprequest.environ[WEBHOOK_MARK] = True
        response = self._intake_answered(backend_code)
        # Counted in this process, no query (GET /logistics/metrics, controllers/metrics.py).
        count_webhook_answer(self._intake_label, response.status_code)
        return response

    def _intake_answered(self, backend_code):
        state = {}
        try:
            return self._intake_flow(backend_code, state)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # The same body journaled by a concurrent request (the journal's unique key):
            # Odoo replays this request on a new snapshot, which answers it as a duplicate.
            raise
        except BODY_ERRORS as error:
            reason = _body_error_text(error)
            self._intake_logger.warning("%s %s: body refused (%s)", self._intake_label, backend_code, reason)
            request.env.cr.rollback()
            message_ids = self._keep_body_after_error(state, refused=reason)
            return answer(400, {"status": INVALID, "message_ids": message_ids, "error": reason})
        except Exception as error:
            # Never a 500 nor a traceback to the caller; the details stay in the server log
            # (its frames only: the error's message may quote the body).
            self._intake_logger.error(
                "%s %s: unexpected error\n%s", self._intake_label, backend_code, privacy.safe_traceback(error)
            )
            # Nothing of this request is kept (no savepoint around the intake: it would cost
            # two round trips on every request), then its authenticated body is.
            request.env.cr.rollback()
            self._keep_body_after_error(state)
            return answer(503, {"error": RETRY_LATER})

    def _intake_flow(self, backend_code, state):
        try:
            received = receive_signed(
                backend_code,
                user_xmlid=self._intake_user_xmlid,
                content_types=self._intake_content_types,
                types_hint=self._intake_types_hint,
                logger=self._intake_logger,
                kinds=self._intake_kinds,
            )
        except WebhookRefused as refused:
            return answer(refused.status, {"error": refused.message})
        kind = "json" if received.mimetype in JSON_TYPES else "x12"
        source = f"webhook {received.remote_addr}"
        state.update(backend=received.backend, body=received.body, kind=kind, source=source, mimetype=received.mimetype)
        result = self._intake_body(received.backend, received.body, kind, source, intake=received.intake)
        return answer(*self._intake_answer(received, result))

    def _intake_answer(self, received, result):
        """(HTTP status, JSON answer) of the intake's result for this request."""
        return http_answer(result)

    def _keep_body_after_error(self, state, refused=None):
        """An authenticated body is journaled even when its intake failed: after an unexpected
        error, queued for the journal's queue (as ``_intake_kept_message`` says); ``refused``
        (the body's own problem), as failed with that error. Returns the ids journaled."""
        if not state:
            return []
        try:
            message_type, key = self._intake_kept_message(state["kind"], state["body"])
            if refused:
                item = JournalItem(state["body"], error=f"refused at intake: {refused}")
            else:
                item = JournalItem(
                    state["body"],
                    key=key,
                    state="received",
                    error="unexpected error at intake (see the server log); queued again",
                )
            with request.env.cr.savepoint():
                messages, _duplicates = request.env["logistics.message"]._journal_inbound(
                    state["backend"],
                    message_type,
                    [item],
                    content_type=_kept_content_type(state),
                    source=state["source"],
                )
        except Exception as error:
            self._intake_logger.error(
                "%s: the body could not be journaled either\n%s", self._intake_label, privacy.safe_traceback(error)
            )
            return []
        return messages.ids


def _body_error_text(error):
    """What the answer says of an error the body caused."""
    if isinstance(error, RecursionError):
        return "the body is nested too deeply to be read"
    if isinstance(error, UnicodeError):
        return f"the body holds text that is not valid UTF-8: {error}"
    return str(error) or "the body cannot be read"
