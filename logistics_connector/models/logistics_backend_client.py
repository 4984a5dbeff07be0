"""The protocol client of a backend (REST or SOAP) with its authentication, and the connection test."""

import base64
import logging
from http import HTTPStatus

from odoo import _, fields, models

from ..services import privacy
from ..services.exceptions import LogisticsError, PermanentError, RetryableError

_logger = logging.getLogger(__name__)


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"  # pylint: disable=consider-merging-classes-inherited

    def _get_client(self):
        """The protocol client of this backend (REST or SOAP), with its authentication."""
        self.ensure_one()
        from ..services.clients import make_client

        backend_sudo = self.sudo()
        wsdl = None
        if self.protocol == "soap":
            wsdl = base64.b64decode(backend_sudo.wsdl_file) if backend_sudo.wsdl_file else backend_sudo.wsdl_url
        return make_client(
            self.protocol,
            base_url=backend_sudo.base_url,
            wsdl=wsdl,
            auth=self._get_auth(),
            timeout=(self.timeout_connect or 5.0, self.timeout_read or 30.0),
            max_retries=max(self.http_max_retries, 0),
        )

    def _get_auth(self):
        from ..services import auth as auth_mod

        backend_sudo = self.sudo()
        if self.auth_type == "api_key":
            return auth_mod.ApiKeyAuth(self.api_key_header or "X-API-Key", backend_sudo.api_key or "")
        if self.auth_type == "basic":
            return auth_mod.BasicAuth(self.username or "", backend_sudo.password or "")
        if self.auth_type == "oauth2":
            return auth_mod.OAuth2ClientCredentials(
                token_url=self.oauth_token_url,
                client_id=self.oauth_client_id,
                client_secret=backend_sudo.oauth_client_secret or "",
                scope=self.oauth_scope or None,
                timeout=(self.timeout_connect or 5.0, self.timeout_read or 30.0),
                token_cache=_BackendTokenCache(backend_sudo),
            )
        return auth_mod.NoAuth()

    def _check_outbound_allowed(self):
        """Calls that carry this backend's credentials are made for users who may change the
        backend (or by superuser code): checked before any network call."""
        if not self.env.su:
            self.check_access("write")

    @staticmethod
    def _plain_status(status):
        """``HTTP 401 Unauthorized``: the status code and its standard reason, nothing of the body."""
        try:
            return f"HTTP {status} {HTTPStatus(int(status)).phrase}"
        except ValueError:
            return f"HTTP {status}"

    def action_test_connection(self):
        """Ping the backend and say the outcome in plain words: the HTTP status and its
        standard reason, never any part of what the remote answered (a response body could
        be anything the URL serves). Users who cannot write the backend may not call it."""
        self.ensure_one()
        self._check_outbound_allowed()
        try:
            status = self._get_client().ping_status()
            ok = True
            text = _("Connection OK: %s", self._plain_status(status)) if status else _("Connection OK")
        except LogisticsError as error:
            ok = False
            status = getattr(error, "status_code", None)
            if status:
                text = _("Connection failed: %s", self._plain_status(status))
            elif isinstance(error, RetryableError):
                text = _("Connection failed: no answer (timed out or unreachable)")
            elif isinstance(error, PermanentError):
                text = _("Connection failed: the request could not be made (check the endpoint and authentication)")
            else:
                text = _("Connection failed: %s", error.__class__.__name__)
        except Exception as error:
            _logger.info("Test connection of backend %s failed\n%s", self.code, privacy.safe_traceback(error))
            ok, text = False, _("Connection failed: %s", error.__class__.__name__)
        self.sudo().write({"last_test_date": fields.Datetime.now(), "last_test_ok": ok, "last_test_result": text})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Test connection: %s", self.name),
                "message": text,
                "type": "success" if ok else "danger",
                "sticky": not ok,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }


class _BackendTokenCache:
    """OAuth2 token cache stored on the backend record (sudo), shared by all workers."""

    def __init__(self, backend_sudo):
        self.backend_sudo = backend_sudo

    def get(self):
        backend = self.backend_sudo
        if backend.oauth_access_token and backend.oauth_token_expires_at:
            return backend.oauth_access_token, backend.oauth_token_expires_at
        return None

    def set(self, token, expires_at):
        self.backend_sudo.write({"oauth_access_token": token, "oauth_token_expires_at": expires_at})

    def clear(self):
        self.backend_sudo.write({"oauth_access_token": False, "oauth_token_expires_at": False})
