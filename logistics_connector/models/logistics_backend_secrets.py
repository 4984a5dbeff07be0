"""Credentials and webhook secrets of a backend: who may change them, and the secret rotation.

The secret fields themselves are declared with the model (``logistics_backend.py``, readable
and writable by system administrators only); ``write`` calls :meth:`_check_secret_settings`.
"""

import secrets
from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import AccessError

from ..services.signature import webhook_secrets
from .logistics_backend import ENDPOINT_FIELDS, MAX_ROTATION_HOURS, OUTBOUND_SECRET_FIELDS, SECRET_GROUP


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"  # pylint: disable=consider-merging-classes-inherited

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
