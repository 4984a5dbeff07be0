"""X12 options of a backend: strict envelopes, and sending our 997 acknowledgments."""

from odoo import fields, models


class LogisticsBackend(models.Model):
    # One class per concern of logistics.backend (see logistics_backend.py): X12 options here.
    _inherit = "logistics.backend"  # pylint: disable=consider-merging-classes-inherited

    x12_strict = fields.Boolean(
        "Reject interchanges with envelope errors",
        help="Refuse an X12 interchange whose envelope or counts do not match (SE01, GE01, IEA02...) "
        "instead of reading it on with warnings (the 997 then says E).",
    )
    x12_send_997 = fields.Boolean(
        "Send 997 acknowledgments",
        help="Send the 997 of each X12 interchange received to the partner's endpoint (below), through "
        "the journal (retries, dead letters). Off: the 997 is in the webhook's answer and the journal.",
    )
    x12_997_path = fields.Char(
        "997 endpoint path", default="/edi/997", help="Path of the partner's REST API that receives our 997s."
    )
