"""The backend model: one external system, its settings, code mappings and environment.

The other concerns of the same model are in their own files (``_inherit``):
``logistics_backend_secrets.py`` (who may change credentials, webhook secret rotation),
``logistics_backend_client.py`` (the protocol client, authentication, the connection test) and
``logistics_backend_webhook.py`` (the per-worker cache of the webhook intake settings).
"""

from collections import namedtuple

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services.exceptions import NeedsMappingError, PermanentError

SECRET_GROUP = "base.group_system"
# Outbound credentials, and the settings that say where (and how) they are sent: a user who may
# not read the credentials may not redirect them either (see _check_secret_settings).
OUTBOUND_SECRET_FIELDS = ("api_key", "password", "oauth_client_secret", "oauth_access_token", "oauth_token_expires_at")
ENDPOINT_FIELDS = ("base_url", "oauth_token_url", "wsdl_url", "wsdl_file", "protocol", "auth_type")
MAX_ROTATION_HOURS = 7 * 24
# What a webhook request needs of its backend (see _webhook_intake), and the fields it comes from.
WebhookIntake = namedtuple(
    "WebhookIntake",
    "id code kind company_id process_sync max_body_kb tolerance_seconds secret previous_secret previous_until"
    " platform platform_options",
    # platform, platform_options: the signature profile of the backend, filled by the addons that
    # add one (``_webhook_intake_profile``); None is the suite's own scheme (services/signature.py).
    defaults=(None, None),
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
    # Create and write: the secret settings' checks (logistics_backend_secrets.py) and the
    # webhook intake cache (logistics_backend_webhook.py)
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
