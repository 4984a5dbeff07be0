"""The platform profile of a carrier backend: which platform posts its webhooks (EasyPost,
Shippo, ShipEngine, AfterShip, Sendcloud, or the suite's canonical JSON), hence how the
shared webhook intake checks their signature (``formats/platforms/``) and how their bodies
become milestones (``logistics_message_platform.py``). The URL stays
``/logistics/webhook/<code>``; the form shows it, to paste into the platform."""

from odoo import api, fields, models

from ..formats import platforms

PLATFORM_SELECTION = [
    ("canonical", "Canonical JSON (this suite's)"),
    ("easypost", "EasyPost"),
    ("shippo", "Shippo"),
    ("shipengine", "ShipEngine"),
    ("aftership", "AfterShip"),
    ("sendcloud", "Sendcloud"),
]
# The fields the intake settings of a platform backend are read from (see _webhook_intake_profile).
PLATFORM_INTAKE_FIELDS = {"platform", "platform_jwks_url"}


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"  # pylint: disable=consider-merging-classes-inherited

    platform = fields.Selection(
        PLATFORM_SELECTION,
        string="Webhook Platform",
        default="canonical",
        required=True,
        help="Carrier platforms: who posts to this backend's webhook. The platform decides how the "
        "signature is checked and how its bodies become milestones (see the module's README).",
    )
    # Whoever sets the key set decides which signatures pass: system administrators only, as
    # the webhook secrets (logistics_connector's SECRET_GROUP).
    platform_jwks_url = fields.Char(
        string="Key Set URL",
        groups="base.group_system",
        help="ShipEngine: the URL of the platform's published public keys (JWKS) that its webhook "
        "signatures are checked against (https://api.shipengine.com/jwks).",
    )
    webhook_url = fields.Char(compute="_compute_webhook_url", string="Webhook URL")

    @api.depends("code")
    def _compute_webhook_url(self):
        for backend in self:
            backend.webhook_url = backend._webhook_url() if backend.code else False

    def _webhook_platform(self):
        """The platform whose webhooks this backend receives, or False (canonical JSON)."""
        self.ensure_one()
        if self.kind == "carrier" and self.platform and self.platform != "canonical":
            return self.platform
        return False

    def _webhook_intake_profile(self):
        profile = super()._webhook_intake_profile()
        platform = self._webhook_platform()
        if platform and platform in platforms.PLATFORMS:
            profile.update(platform=platform, platform_options={"jwks_url": self.platform_jwks_url or None})
        return profile

    def write(self, vals):
        result = super().write(vals)
        if PLATFORM_INTAKE_FIELDS.intersection(vals):
            self._clear_webhook_intake()
        return result
