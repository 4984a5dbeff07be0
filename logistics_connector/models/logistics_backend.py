import base64
import logging
import secrets
from collections import namedtuple
from datetime import timedelta
from http import HTTPStatus

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from ..services.exceptions import LogisticsError, NeedsMappingError, PermanentError, RetryableError
from ..services.signature import webhook_secrets

_logger = logging.getLogger(__name__)

SECRET_GROUP = "base.group_system"
# Outbound credentials, and the settings that say where (and how) they are sent: a user who may
# not read the credentials may not redirect them either (see write).
OUTBOUND_SECRET_FIELDS = ("api_key", "password", "oauth_client_secret", "oauth_access_token", "oauth_token_expires_at")
ENDPOINT_FIELDS = ("base_url", "oauth_token_url", "wsdl_url", "wsdl_file", "protocol", "auth_type")
MAX_ROTATION_HOURS = 7 * 24
# What a webhook request needs of its backend (see _webhook_intake), and the fields it comes from.
WebhookIntake = namedtuple(
    "WebhookIntake",
    "id code kind company_id process_sync max_body_kb tolerance_seconds secret previous_secret previous_until",
)
INTAKE_FIELDS = {
    "code",
    "kind",
    "active",
    "company_id",
    "process_sync",
    "webhook_max_body_kb",
    "webhook_tolerance_seconds",
    "webhook_secret",
    "webhook_secret_previous",
    "webhook_secret_previous_until",
}


class LogisticsBackend(models.Model):
    """One external system: a TMS, a freight audit & payment provider or a carrier platform."""

    _name = "logistics.backend"
    _description = "Logistics Backend"
    _inherit = ["mail.thread"]
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Short technical code; it is part of the webhook URLs (/logistics/webhook/<code>).",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    kind = fields.Selection(
        [("tms", "TMS"), ("fap", "Freight Audit & Payment"), ("carrier", "Carrier / Visibility Platform")],
        required=True,
        default="tms",
        tracking=True,
    )
    protocol = fields.Selection(
        [("rest", "REST (JSON)"), ("soap", "SOAP (WSDL)")], required=True, default="rest", tracking=True
    )
    environment = fields.Selection(
        [("production", "Production"), ("test", "Test")],
        required=True,
        default="test",
        tracking=True,
        help="A test backend is for trying a connection and its formats. Its company's production "
        "records never meet it: outbound messages (transport orders, changes, cancellations) only go "
        "to backends of the company's logistics environment; inbound messages of a backend of another "
        "environment are read and checked but never change production records (milestones are kept "
        "as not applied, booking confirmations fail, carrier invoices are audited but never billed).",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)

    # Endpoint
    base_url = fields.Char(string="Base URL", tracking=True)
    wsdl_url = fields.Char(string="WSDL URL", tracking=True)
    wsdl_file = fields.Binary(string="WSDL File", attachment=True)
    wsdl_filename = fields.Char()

    # Authentication (secrets are readable and writable by system administrators only)
    auth_type = fields.Selection(
        [
            ("none", "None"),
            ("api_key", "API key header"),
            ("basic", "HTTP basic"),
            ("oauth2", "OAuth2 client credentials"),
        ],
        required=True,
        default="api_key",
        tracking=True,
    )
    api_key_header = fields.Char(default="X-API-Key")
    api_key = fields.Char(groups=SECRET_GROUP, copy=False)
    username = fields.Char()
    password = fields.Char(groups=SECRET_GROUP, copy=False)
    oauth_token_url = fields.Char(string="Token URL")
    oauth_client_id = fields.Char(string="Client ID")
    oauth_client_secret = fields.Char(string="Client Secret", groups=SECRET_GROUP, copy=False)
    oauth_scope = fields.Char(string="Scope")
    oauth_access_token = fields.Char(groups=SECRET_GROUP, copy=False, readonly=True)
    oauth_token_expires_at = fields.Datetime(groups=SECRET_GROUP, copy=False, readonly=True)

    # Webhooks
    webhook_secret = fields.Char(groups=SECRET_GROUP, copy=False)
    webhook_secret_previous = fields.Char(groups=SECRET_GROUP, copy=False)
    webhook_secret_previous_until = fields.Datetime(
        string="Previous Secret Valid Until",
        copy=False,
        groups=SECRET_GROUP,
        help="During a rotation both the new and the previous secret are accepted until this time. "
        "It is set by the rotation and can only be brought forward afterwards.",
    )
    webhook_rotation_hours = fields.Integer(
        string="Rotation Window (hours)",
        default=24,
        copy=False,
        groups=SECRET_GROUP,
        help="How long the previous secret stays valid after a rotation (at most a week).",
    )
    webhook_tolerance_seconds = fields.Integer(
        string="Timestamp Tolerance (s)",
        default=300,
        copy=False,
        groups=SECRET_GROUP,
        help="Signed requests older or newer than this are refused (how long a signature stays valid).",
    )
    webhook_max_body_kb = fields.Integer(string="Max Body Size (KiB)", default=5120)
    process_sync = fields.Boolean(
        string="Process Synchronously",
        help="Process webhook messages inside the request instead of through the journal's cron trigger.",
    )

    # Calls and retries
    timeout_connect = fields.Float(string="Connect Timeout (s)", default=5.0)
    timeout_read = fields.Float(string="Read Timeout (s)", default=30.0)
    http_max_retries = fields.Integer(
        string="Immediate Retries", default=2, help="Retries within one call on 429, 5xx and connection errors."
    )
    max_attempts = fields.Integer(
        default=6, help="Processing attempts of a journal message before it goes to the dead letters."
    )
    retry_base_delay = fields.Integer(string="First Retry Delay (s)", default=60)
    retry_max_delay = fields.Integer(string="Max Retry Delay (s)", default=6 * 3600)
    journal_retention_days = fields.Integer(
        default=90, help="Done and duplicate messages older than this are purged; failed and dead ones are kept."
    )
    auto_send_transport_orders = fields.Boolean(
        default=True, help="Send transport orders to this TMS when deliveries are confirmed."
    )

    # Diagnostics
    last_test_date = fields.Datetime(readonly=True, copy=False)
    last_test_ok = fields.Boolean(readonly=True, copy=False)
    last_test_result = fields.Text(readonly=True, copy=False)

    mapping_ids = fields.One2many("logistics.code.mapping", "backend_id", string="Mappings")
    message_count = fields.Integer(compute="_compute_message_counts")
    message_problem_count = fields.Integer(compute="_compute_message_counts")
    is_test = fields.Boolean(compute="_compute_is_test")

    # The code is the backend's name in its webhook URLs: unique across every company (and exact,
    # as the webhook intake compares it), so a URL always names one backend.
    _sql_constraints = [
        ("code_uniq", "unique(code)", "The backend code must be unique across all companies."),
        (
            "rotation_hours_range",
            f"CHECK(webhook_rotation_hours IS NULL OR webhook_rotation_hours BETWEEN 0 AND {MAX_ROTATION_HOURS})",
            "The webhook secret rotation window is at most a week.",
        ),
        ("max_attempts_positive", "CHECK(max_attempts > 0)", "The maximum number of attempts must be positive."),
    ]

    @api.depends("environment")
    def _compute_is_test(self):
        for backend in self:
            backend.is_test = backend.environment == "test"

    def _compute_message_counts(self):
        Message = self.env["logistics.message"]
        counts = dict.fromkeys(self.ids, 0)
        problems = dict.fromkeys(self.ids, 0)
        for backend, state, count in Message._read_group(
            [("backend_id", "in", self.ids)], ["backend_id", "state"], ["__count"]
        ):
            counts[backend.id] += count
            if state in ("failed", "dead", "needs_mapping"):
                problems[backend.id] += count
        for backend in self:
            backend.message_count = counts.get(backend.id, 0)
            backend.message_problem_count = problems.get(backend.id, 0)

    @api.constrains("code")
    def _check_code(self):
        for backend in self:
            if not backend.code or not all(c.isalnum() or c in "-_" for c in backend.code):
                raise ValidationError(
                    _("The backend code %s may only hold letters, digits, '-' and '_'.", backend.code)
                )

    @api.constrains("protocol", "base_url", "wsdl_url", "wsdl_file")
    def _check_endpoint(self):
        for backend in self:
            if backend.protocol == "soap" and not (backend.wsdl_url or backend.wsdl_file):
                raise ValidationError(_("The SOAP backend %s needs a WSDL URL or a WSDL file.", backend.name))

    # ------------------------------------------------------------------
    # Secrets
    # ------------------------------------------------------------------
    def _get_webhook_secrets(self):
        """Secrets valid now, newest first (the previous one only inside its rotation window)."""
        self.ensure_one()
        backend = self.sudo()
        previous, until = backend.webhook_secret_previous, backend.webhook_secret_previous_until
        return webhook_secrets(backend.webhook_secret, previous, until)

    def _check_system(self, what):
        """Refuse ``what`` to anyone but a system administrator (or superuser code)."""
        if not self.env.su and not self.env.user.has_group(SECRET_GROUP):
            raise AccessError(_("Only system administrators may %s.", what))

    def action_rotate_webhook_secret(self):
        """Start a rotation: a new secret, the old one still valid for the rotation window.

        System administrators only (they own the secrets); the rotated-out secret's expiry
        is set here and can only be brought forward afterwards (see write)."""
        self._check_system(_("rotate a webhook secret"))
        self.check_access("write")
        for backend in self:
            backend_sudo = backend.sudo()
            hours = min(backend_sudo.webhook_rotation_hours or 24, MAX_ROTATION_HOURS)
            backend_sudo.write(
                {
                    "webhook_secret_previous": backend_sudo.webhook_secret or False,
                    "webhook_secret_previous_until": fields.Datetime.now() + timedelta(hours=hours)
                    if backend_sudo.webhook_secret
                    else False,
                    "webhook_secret": secrets.token_urlsafe(32),
                }
            )
            backend.message_post(body=_("Webhook secret rotated; the previous secret stays valid for %s hours.", hours))
        return True

    # ------------------------------------------------------------------
    # Clients
    # ------------------------------------------------------------------
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
            _logger.info("Test connection of backend %s failed", self.code, exc_info=True)
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

    # ------------------------------------------------------------------
    # Mappings
    # ------------------------------------------------------------------
    def _map_codes(self, mapping_type, codes):
        """Map several external codes in one query: {code: mapping record}.

        Backend-specific mappings win over the shipped defaults (mappings without
        a backend). Codes without any mapping are absent from the result.
        """
        self.ensure_one()
        codes = {c for c in codes if c}
        if not codes:
            return {}
        mappings = (
            self.env["logistics.code.mapping"]
            .sudo()
            .search(
                [
                    ("mapping_type", "=", mapping_type),
                    ("external_code", "in", list(codes)),
                    "|",
                    ("backend_id", "=", self.id),
                    ("backend_id", "=", False),
                ],
                order="backend_id nulls last, id",
            )
        )
        result = {}
        for mapping in mappings:
            result.setdefault(mapping.external_code, mapping)
        return result

    def _map_code(self, mapping_type, code):
        """The mapping of one external code, or :class:`NeedsMappingError` (never a guess)."""
        mapping = self._map_codes(mapping_type, [code]).get(code)
        if not mapping:
            raise NeedsMappingError(mapping_type, code, self.name)
        return mapping

    # ------------------------------------------------------------------
    # Misc
    # ------------------------------------------------------------------
    def _is_allowed_for_company_traffic(self, company):
        """Automatic traffic of ``company`` may only go to backends of its environment."""
        self.ensure_one()
        return self.active and self.environment == (company.logistics_environment or "production")

    def _check_environment(self, company):
        """Processing of a journal message: a backend outside ``company``'s logistics
        environment (a test backend of a company working in production, or the reverse) is
        never sent the company's messages, and its messages are never applied to the
        company's records: they stay in the journal as failed (PermanentError)."""
        self.ensure_one()
        company_environment = company.logistics_environment or "production"
        if self.environment != company_environment:
            raise PermanentError(
                _(
                    "Backend %(backend)s is a %(env)s backend and company %(company)s works in "
                    "%(company_env)s: its messages are kept in the journal, neither sent nor applied.",
                    backend=self.name,
                    env=self.environment,
                    company=company.name,
                    company_env=company_environment,
                )
            )

    @api.model
    def _get_default_tms(self, company):
        return self.search(
            [
                ("kind", "=", "tms"),
                ("company_id", "=", company.id),
                ("environment", "=", company.logistics_environment or "production"),
                ("auto_send_transport_orders", "=", True),
            ],
            limit=1,
        )

    def action_open_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("logistics_connector.logistics_message_action")
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action

    def copy_data(self, default=None):
        """A copy gets a code of its own (codes are unique across companies) unless one is given."""
        default = dict(default or {})
        vals_list = super().copy_data(default=default)
        for backend, vals in zip(self, vals_list, strict=False):
            if "code" not in default:
                vals["code"] = f"{backend.code}-copy"
            if "name" not in default:
                vals["name"] = _("%s (copy)", backend.name)
        return vals_list

    def unlink(self):
        if self.env["logistics.message"].sudo().search_count([("backend_id", "in", self.ids)], limit=1):
            raise UserError(_("A backend with journal messages cannot be deleted; archive it instead."))
        self._clear_webhook_intake()
        return super().unlink()

    # ------------------------------------------------------------------
    # Webhook intake
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        self._clear_webhook_intake()  # a code may now be ambiguous
        return backends

    def write(self, vals):
        if not self.env.su:
            vals = self._check_secret_settings(vals)
        result = super().write(vals)
        if INTAKE_FIELDS.intersection(vals):
            self._clear_webhook_intake()
        return result

    def _check_secret_settings(self, vals):
        """What a user who is not a system administrator may change around the secrets.

        Changing where or how the outbound credentials are sent (ENDPOINT_FIELDS) clears them:
        the credentials of one endpoint never go to another one set by someone who may not
        read them. The expiry of the secret a rotation put aside can only be brought forward,
        by anyone (its field is for system administrators only): it never outlives the window
        set at rotation. (A system administrator who enters another previous secret with its
        expiry configures a new one, as they may enter the secret itself.)"""
        if vals.get("webhook_secret_previous_until"):
            until = fields.Datetime.to_datetime(vals["webhook_secret_previous_until"])
            for backend in self.sudo():
                new_previous = vals.get("webhook_secret_previous", backend.webhook_secret_previous)
                if new_previous != backend.webhook_secret_previous:
                    continue  # another previous secret, entered by a system administrator
                if not backend.webhook_secret_previous_until or until > backend.webhook_secret_previous_until:
                    raise AccessError(
                        _(
                            "The previous webhook secret of %s cannot be kept valid beyond the rotation window.",
                            backend.name,
                        )
                    )
        if self.env.user.has_group(SECRET_GROUP):
            return vals
        changed = self.filtered(
            lambda backend: any(
                name in vals and backend._fields[name].convert_to_write(backend.sudo()[name], backend) != vals[name]
                for name in ENDPOINT_FIELDS
                if name != "wsdl_file"
            )
            or ("wsdl_file" in vals and vals["wsdl_file"] != backend.sudo().wsdl_file)
        )
        if changed:
            # a separate write: the secrets are system-only fields the user's own write may not name
            changed.sudo().write(dict.fromkeys(OUTBOUND_SECRET_FIELDS, False))
            for backend in changed:
                backend.message_post(
                    body=_(
                        "The endpoint or authentication settings were changed: the stored credentials "
                        "were cleared. A system administrator enters them again."
                    )
                )
        return vals

    def _clear_webhook_intake(self):
        """Forget the cached intake settings (_webhook_intake) in every worker: now (other
        workers at the commit, through the registry's signalling) and once more after the
        commit in this process, where another thread may have cached the settings still
        committed before it (the signalling does not clear the process that sent it)."""
        self.env.registry.clear_cache()
        self.env.cr.postcommit.add(self.env.registry.clear_cache)

    @api.model
    def _webhook_intake(self, code, kinds=None):
        """The intake settings of the one active backend ``code`` (of one of ``kinds``),
        or None. Every webhook request reads them, so they are kept in the registry's
        cache (as ir.config_parameter keeps its values), which a change of one of
        INTAKE_FIELDS, a new or a deleted backend clears in every worker. An unknown code
        is not cached: requests to random codes cannot fill the cache."""
        try:
            return self._webhook_intake_cached(code, tuple(sorted(kinds or ())))
        except KeyError:
            return None

    @api.model
    @tools.ormcache("code", "kinds")
    def _webhook_intake_cached(self, code, kinds):
        # The lookup compares the code exactly, as the database's unique(code) does: one code,
        # one backend across all companies, hence one cache entry per code and kinds.
        domain = [("code", "=", code), ("active", "=", True)]
        if kinds:
            domain.append(("kind", "in", list(kinds)))
        fnames = sorted(INTAKE_FIELDS - {"active"})
        backends = self.sudo().with_context(active_test=False).search_fetch(domain, fnames, limit=2)
        if len(backends) != 1:
            raise KeyError(code)  # not cached
        return WebhookIntake(
            id=backends.id,
            code=backends.code,
            kind=backends.kind,
            company_id=backends.company_id.id,
            process_sync=backends.process_sync,
            max_body_kb=backends.webhook_max_body_kb,
            tolerance_seconds=backends.webhook_tolerance_seconds,
            secret=backends.webhook_secret or None,
            previous_secret=backends.webhook_secret_previous or None,
            previous_until=backends.webhook_secret_previous_until or None,
        )


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
