"""Alerts of a backend: thresholds (overriding the company's), the cron that judges them, and
the one activity and e-mail a breach opens.

The cron (:meth:`_cron_check_alerts`) reads the journal's figures of every active backend with
two SQL aggregates (one GROUP BY backend, one GROUP BY backend and lane), so its number of
queries does not grow with the number of backends; the judgement is plain Python
(``services/alerts.py``). A breach opens ONE to-do activity for the backend's responsible (or
the company's) and sends one e-mail (``mail_template_logistics_alert``); while it lasts nothing
more is sent (an activity marked done by hand is an acknowledgement); when every condition
clears, the activity is marked done with a note and the backend's alert is cleared.
"""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..services import alerts
from .logistics_message import READY_STATES

_logger = logging.getLogger(__name__)

SETTLED_STATES = ("done", "failed", "dead", "needs_mapping")
# A backend "usually sends" when it sent something in this many days.
USUAL_SENDER_DAYS = 30
THRESHOLD_HELP = " 0: the company's default (Settings > Companies > Logistics)."


def _html(text):
    return Markup("<br/>").join(text.split("\n"))


class LogisticsBackend(models.Model):
    _name = "logistics.backend"
    _inherit = ["logistics.backend", "mail.activity.mixin"]

    alert_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        help="Receives this backend's alerts (an activity and an e-mail); empty: the company's "
        "integration responsible.",
    )
    alert_max_dead = fields.Integer(
        string="Max Dead Letters", help="Alert above this many dead messages." + THRESHOLD_HELP
    )
    alert_max_age_minutes = fields.Integer(
        string="Max Waiting Age (min)",
        help="Alert when the oldest waiting message of a lane is older than this." + THRESHOLD_HELP,
    )
    alert_max_failure_rate = fields.Float(
        string="Max Failure Rate (%)", help="Alert above this failure rate over the last hour." + THRESHOLD_HELP
    )
    alert_silent_hours = fields.Integer(
        string="Silent Feed (hours)", help="Alert when nothing was received for this many hours." + THRESHOLD_HELP
    )
    alert_message = fields.Text(string="Alert", readonly=True, copy=False, help="The thresholds breached now.")
    alert_since = fields.Datetime(readonly=True, copy=False)
    alert_activity_id = fields.Many2one("mail.activity", readonly=True, copy=False, ondelete="set null")
    has_alert = fields.Boolean(compute="_compute_has_alert", search="_search_has_alert")

    @api.depends("alert_message")
    def _compute_has_alert(self):
        for backend in self:
            backend.has_alert = bool(backend.alert_message)

    def _search_has_alert(self, operator, value):
        positive = (operator == "=") == bool(value)
        return [("alert_message", "!=" if positive else "=", False)]

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------
    @api.model
    def _journal_lane_column(self):
        """The journal's column that names a lane: its ``lane`` once it has one, else the type."""
        lane = self.env["logistics.message"]._fields.get("lane")
        return "lane" if lane is not None and lane.store else "message_type"

    @api.model
    def _journal_waiting_by_lane(self, backend_ids=None):
        """``{(backend_id, lane): (count, oldest create_date)}`` of the waiting messages: one query.

        Waiting: received, queued, or failed with a next attempt (retrying). A failed message
        without one (bad input) waits for a person, not for the queue: it is a problem
        (Dead Letters & Problems), not queue depth, and never ages a lane."""
        where = SQL("(state IN %s OR (state = 'failed' AND next_attempt_at IS NOT NULL))", READY_STATES)
        if backend_ids is not None:
            where = SQL("%s AND backend_id = ANY(%s)", where, list(backend_ids))
        self.env.cr.execute(
            SQL(
                "SELECT backend_id, %(lane)s, count(*), min(create_date) FROM logistics_message"
                " WHERE %(where)s GROUP BY 1, 2",
                lane=SQL.identifier(self._journal_lane_column()),
                where=where,
            )
        )
        return {(backend_id, lane): (count, oldest) for backend_id, lane, count, oldest in self.env.cr.fetchall()}

    @api.model
    def _alert_figures(self, backend_ids):
        """``{backend_id: alerts.Figures}`` of the backends: two queries, whatever their number."""
        now = fields.Datetime.now()
        hour_ago = now - timedelta(hours=1)
        self.env.cr.execute(
            SQL(
                """
                SELECT backend_id,
                       count(*) FILTER (WHERE state = 'dead'),
                       count(*) FILTER (WHERE state IN ('failed', 'dead') AND write_date >= %(hour)s),
                       count(*) FILTER (WHERE state IN %(settled)s AND write_date >= %(hour)s),
                       max(create_date) FILTER (WHERE direction = 'inbound' AND create_date >= %(usual)s)
                  FROM logistics_message
                 WHERE backend_id = ANY(%(ids)s)
                 GROUP BY backend_id
                """,
                hour=hour_ago,
                settled=SETTLED_STATES,
                usual=now - timedelta(days=USUAL_SENDER_DAYS),
                ids=list(backend_ids),
            )
        )
        figures = {backend_id: alerts.Figures() for backend_id in backend_ids}
        for backend_id, dead, failed, settled, last_inbound in self.env.cr.fetchall():
            figures[backend_id] = alerts.Figures(
                dead=dead,
                failed_hour=failed,
                settled_hour=settled,
                last_inbound_age_hours=(now - last_inbound).total_seconds() / 3600 if last_inbound else None,
            )
        for (backend_id, group), (_count, oldest) in self._journal_waiting_by_lane(backend_ids).items():
            ages = figures[backend_id].oldest_age_minutes
            lane = alerts.lane_of(group)
            ages[lane] = max(ages.get(lane, 0), (now - oldest).total_seconds() / 60)
        return figures

    def _alert_thresholds(self):
        self.ensure_one()
        company = self.company_id
        return alerts.Thresholds(
            max_dead=alerts.effective(self.alert_max_dead, company.logistics_alert_max_dead),
            max_age_minutes=alerts.effective(self.alert_max_age_minutes, company.logistics_alert_max_age_minutes),
            max_failure_rate=alerts.effective(self.alert_max_failure_rate, company.logistics_alert_max_failure_rate),
            silent_hours=alerts.effective(self.alert_silent_hours, company.logistics_alert_silent_hours),
        )

    def _alert_responsible(self):
        self.ensure_one()
        return self.alert_user_id or self.company_id.logistics_alert_user_id

    def _alert_text(self, found):
        _ = self.env._
        texts = {
            "dead": lambda v: _("%(count)s dead letters (limit %(limit)s)", **v),
            "age": lambda v: _("lane %(lane)s: oldest waiting message %(minutes)s min old (limit %(limit)s)", **v),
            "failure_rate": lambda v: _("failure rate %(rate)s%% over the last hour (limit %(limit)s%%)", **v),
            "silent": lambda v: _("nothing received for %(hours)s hours (limit %(limit)s)", **v),
        }
        return "\n".join(texts[code](values) for code, values in found)

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_alerts(self):
        backends = self.sudo().search([])
        if not backends:
            return
        figures = self._alert_figures(backends.ids)
        for backend in backends:
            text = backend._alert_text(alerts.breaches(figures[backend.id], backend._alert_thresholds()))
            if text and not backend.alert_message:
                backend._alert_open(text)
            elif text and text != backend.alert_message:
                backend._alert_update(text)
            elif not text and backend.alert_message:
                backend._alert_clear()

    def _alert_open(self, text):
        self.ensure_one()
        _logger.warning("Logistics backend %s: alert opened (%s)", self.code, text.replace("\n", "; "))
        vals = {"alert_message": text, "alert_since": fields.Datetime.now(), "alert_activity_id": False}
        user = self._alert_responsible()
        if user:
            vals["alert_activity_id"] = self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Integration alert: %s", self.name),
                note=_html(text),
                user_id=user.id,
            ).id
        self.write(vals)
        self.env.ref("logistics_connector.mail_template_logistics_alert").send_mail(self.id)

    def _alert_update(self, text):
        self.ensure_one()
        self.alert_message = text
        activity = self.alert_activity_id
        if activity and activity.active:
            activity.note = _html(text)

    def _alert_clear(self):
        self.ensure_one()
        activity = self.alert_activity_id
        note = self.env._("Cleared: the thresholds are met again.")
        if activity and activity.active:
            activity.action_feedback(feedback=note)
        else:
            self.message_post(body=note)
        self.write({"alert_message": False, "alert_since": False, "alert_activity_id": False})
