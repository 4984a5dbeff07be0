import base64
import logging
import secrets
from collections import namedtuple
from datetime import timedelta

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..services.exceptions import LogisticsError, NeedsMappingError

_logger = logging.getLogger(__name__)

SECRET_GROUP = "base.group_system"
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


def webhook_secrets(secret, previous_secret, previous_until):
    """The secrets valid now, newest first: the previous one only inside its rotation window."""
    valid = [secret] if secret else []
    if previous_secret and previous_until and previous_until > fields.Datetime.now():
        valid.append(previous_secret)
    return valid


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
        help="A test backend never receives production traffic: automatic outbound messages only go "
        "to backends of the company's logistics environment.",
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
        help="During a rotation both the new and the previous secret are accepted until this time.",
    )
    webhook_rotation_hours = fields.Integer(string="Rotation Window (hours)", default=24)
    webhook_tolerance_seconds = fields.Integer(
        string="Timestamp Tolerance (s)", default=300, help="Signed requests older or newer than this are refused."
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

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "The backend code must be unique per company."),
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

    def action_rotate_webhook_secret(self):
        """Start a rotation: a new secret, the old one still valid for the rotation window."""
        for backend in self:
            backend_sudo = backend.sudo()
            hours = backend.webhook_rotation_hours or 24
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

    def action_test_connection(self):
        """Ping the backend and say the outcome in plain words."""
        self.ensure_one()
        try:
            answer = self._get_client().ping()
            ok, text = True, _("Connection OK: %s", answer or _("the backend answered"))
        except LogisticsError as error:
            ok, text = False, _("Connection failed: %s", error)
        except Exception as error:
            _logger.info("Test connection of backend %s failed", self.code, exc_info=True)
            ok, text = False, _("Connection failed: %s", error.__class__.__name__)
        self.write({"last_test_date": fields.Datetime.now(), "last_test_ok": ok, "last_test_result": text})
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
        vals_list = super().copy_data(default=default)
        for backend, vals in zip(self, vals_list, strict=False):
            vals.setdefault("code", f"{backend.code}-copy")
            vals.setdefault("name", _("%s (copy)", backend.name))
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
        result = super().write(vals)
        if INTAKE_FIELDS.intersection(vals):
            self._clear_webhook_intake()
        return result

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
