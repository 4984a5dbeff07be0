"""A backend's data policy: after how many days the personal fields of its processed journal
payloads are replaced by their hash (``logistics_message_privacy.py``), over the company's
default (``res_company_privacy.py``)."""

from odoo import fields, models


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"  # pylint: disable=consider-merging-classes-inherited

    privacy_policy = fields.Selection(
        [
            ("company", "Company default"),
            ("days", "Redact after N days"),
            ("keep", "Keep personal data"),
        ],
        string="Personal Data",
        default="company",
        required=True,
        help="What becomes of the personal fields (names, street, phone, e-mail, signatures) of this "
        "backend's processed journal payloads (done, duplicate): replaced by their hash after the "
        "company's delay, after this backend's own, or kept until retention purges the messages.",
    )
    privacy_redact_days = fields.Integer(
        string="Redact After (days)",
        default=30,
        help="With 'Redact after N days': days after processing (0: never).",
    )

    def _privacy_redact_days(self):
        """Days after processing before payloads are redacted (0: never)."""
        self.ensure_one()
        if self.privacy_policy == "keep":
            return 0
        if self.privacy_policy == "days":
            return max(self.privacy_redact_days, 0)
        return max(self.company_id.logistics_privacy_redact_days if self.company_id else 30, 0)
