"""The company's defaults of the journal's alerts, and the token of ``/logistics/metrics``.

Who may set them: the company form is written by Settings administrators (Odoo's access to
``res.company``); the metrics token is a system administrator's field (``groups``), so nobody
else reads or writes it. A backend overrides each threshold (Logistics Managers,
``models/logistics_backend_alert.py``).
"""

from odoo import fields, models


class ResCompany(models.Model):
    # The alerts' concern of res.company, in its own file (see res_company.py).
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    logistics_alert_user_id = fields.Many2one(
        "res.users",
        string="Integration Responsible",
        help="Receives the alerts (an activity and an e-mail) of backends that name no responsible.",
    )
    logistics_alert_max_dead = fields.Integer(
        string="Alert: Max Dead Letters",
        default=10,
        help="Alert when a backend has more dead messages than this (0: no alert).",
    )
    logistics_alert_max_age_minutes = fields.Integer(
        string="Alert: Max Waiting Age (min)",
        default=120,
        help="Alert when the oldest message waiting in a lane (message type) of a backend is older "
        "than this, in minutes (0: no alert).",
    )
    logistics_alert_max_failure_rate = fields.Float(
        string="Alert: Max Failure Rate (%)",
        default=25.0,
        help="Alert when more than this share of a backend's messages settled in the last hour "
        "failed (judged over at least 10 messages; 0: no alert).",
    )
    logistics_alert_silent_hours = fields.Integer(
        string="Alert: Silent Feed (hours)",
        default=24,
        help="Alert when a backend that sent messages in the last 30 days has sent none for this "
        "many hours (0: no alert).",
    )
    logistics_metrics_token = fields.Char(
        string="Metrics Bearer Token",
        groups="base.group_system",
        copy=False,
        help="Monitoring reads GET /logistics/metrics and /logistics/health with the header "
        "'Authorization: Bearer <token>'. Empty: the metrics are not served.",
    )
