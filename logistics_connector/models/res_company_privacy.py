"""The company's default of the journal's data policy (a backend may set its own,
``models/logistics_backend_privacy.py``)."""

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    logistics_privacy_redact_days = fields.Integer(
        string="Redact Personal Data After (days)",
        default=30,
        help="Personal fields (names, street, phone, e-mail, signature images) of processed journal "
        "payloads are replaced by their hash this many days after processing (0: never).",
    )
