"""The backend's journal lane: empty, each message of the backend goes to the lane of its type
(``logistics.message._message_type_lanes``); set, every message of the backend goes to that lane
(see ``logistics_message_lanes.py``)."""

from odoo import fields, models

# The journal's lanes (logistics_message_lanes.py), here because this file is loaded first.
LANES = [
    ("events", "Events"),
    ("invoices", "Invoices"),
    ("transport", "Transport orders"),
    ("payments", "Payments and disputes"),
    ("acks", "Acknowledgments"),
]


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"

    journal_lane = fields.Selection(
        LANES,
        tracking=True,
        help="The processing lane of every message of this backend. Empty: each message goes to the lane "
        "of its type (milestones to Events, carrier invoices to Invoices, transport orders and bookings to "
        "Transport orders, FAP payments and disputes to Payments and disputes, 997s to Acknowledgments). "
        "Applies to messages journaled from now on.",
    )
