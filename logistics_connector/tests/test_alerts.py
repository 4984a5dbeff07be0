"""Alerts: thresholds per backend over the company's defaults, one activity and one e-mail per
breach, cleared with the condition, and a cron whose queries do not grow with the backends."""

import uuid
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import LogisticsCommon


@tagged("post_install", "-at_install")
class TestAlerts(LogisticsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()
        cls.responsible = cls.make_user("alert_owner", "logistics_connector.group_logistics_manager", cls.company)
        cls.responsible.email = "alerts@example.com"
        cls.company.write(
            {
                "logistics_alert_user_id": cls.responsible.id,
                "logistics_alert_max_dead": 2,
                "logistics_alert_max_age_minutes": 120,
                "logistics_alert_max_failure_rate": 25.0,
                "logistics_alert_silent_hours": 24,
            }
        )
        cls.template = cls.env.ref("logistics_connector.mail_template_logistics_alert")

    def _messages(
        self, state, count=1, backend=None, age_minutes=0, direction="inbound", message_type="transport_order"
    ):
        Message = self.env["logistics.message"].sudo()
        messages = Message.create(
            [
                {
                    "backend_id": (backend or self.backend).id,
                    "direction": direction,
                    "message_type": message_type,
                    "idempotency_key": uuid.uuid4().hex,
                    "state": state,
                    **Message._payload_vals("{}"),
                }
                for _i in range(count)
            ]
        )
        if age_minutes:
            self.env.flush_all()
            when = fields.Datetime.now() - timedelta(minutes=age_minutes)
            self.env.cr.execute(
                "UPDATE logistics_message SET create_date = %s, write_date = %s WHERE id = ANY(%s)",
                (when, when, messages.ids),
            )
            messages.invalidate_recordset()
        return messages

    def _check(self):
        self.env["logistics.backend"]._cron_check_alerts()
        self.env.flush_all()
        self.backend.invalidate_recordset()

    def _alert_mails(self, backend=None):
        backend = backend or self.backend
        return self.env["mail.mail"].search([("model", "=", "logistics.backend"), ("res_id", "=", backend.id)])

    def _open_activities(self, backend=None):
        return (backend or self.backend).activity_ids

    def test_dead_letters_open_one_activity_one_mail_then_clear(self):
        dead = self._messages("dead", count=3)
        self._check()
        self.assertIn("3 dead letters", self.backend.alert_message)
        self.assertTrue(self.backend.has_alert)
        activity = self._open_activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.responsible)
        self.assertEqual(self.backend.alert_activity_id, activity)
        mails = self._alert_mails()
        self.assertEqual(len(mails), 1)
        self.assertIn(self.responsible.partner_id, mails.recipient_ids)
        self.assertIn("dead letters", mails.body_html)

        # The breach lasts, even grows: still one activity and one e-mail.
        self._messages("dead", count=2)
        self._check()
        self.assertIn("5 dead letters", self.backend.alert_message)
        self.assertEqual(len(self._open_activities()), 1)
        self.assertIn("5 dead letters", str(self._open_activities().note))
        self.assertEqual(len(self._alert_mails()), 1)
        self.assertEqual(self.backend.search_count([("has_alert", "=", True), ("id", "=", self.backend.id)]), 1)

        # The dead letters replayed: the alert clears itself, with a note.
        self.env.cr.execute("UPDATE logistics_message SET state = 'done' WHERE backend_id = %s", (self.backend.id,))
        self.env.invalidate_all()
        self.assertTrue(dead)
        self._check()
        self.assertFalse(self.backend.alert_message)
        self.assertFalse(self.backend.has_alert)
        self.assertFalse(self._open_activities())
        self.assertFalse(self.backend.alert_activity_id)
        self.assertTrue(
            any("Cleared" in (message.body or "") for message in self.backend.message_ids),
            "the chatter says the alert cleared",
        )

    def test_acknowledged_alert_is_not_sent_again(self):
        self._messages("dead", count=3)
        self._check()
        self._open_activities().action_done()
        self._check()
        self.assertTrue(self.backend.alert_message)
        self.assertFalse(self._open_activities(), "an activity marked done is an acknowledgement")
        self.assertEqual(len(self._alert_mails()), 1)

    def test_backend_threshold_overrides_company(self):
        self.backend.alert_max_dead = 5
        self._messages("dead", count=3)
        self._check()
        self.assertFalse(self.backend.alert_message)
        self.assertFalse(self._alert_mails())

    def test_backend_responsible_overrides_company(self):
        owner = self.make_user("backend_owner", "logistics_connector.group_logistics_user", self.company)
        self.backend.alert_user_id = owner
        self._messages("dead", count=3)
        self._check()
        self.assertEqual(self._open_activities().user_id, owner)

    def test_oldest_waiting_message_per_lane(self):
        self._messages("queued", age_minutes=200, message_type="transport_order")
        self._messages("queued", age_minutes=10, message_type="booking_confirmation")
        self._check()
        self.assertIn("lane transport:", self.backend.alert_message)
        self.assertNotIn("booking_confirmation", self.backend.alert_message)
        self.assertNotIn("dead", self.backend.alert_message)

    def test_failed_without_retry_is_a_problem_not_waiting(self):
        """A message failed for bad input (no next attempt) waits for a person: it is in Dead
        Letters & Problems, not in the queue, and never ages its lane (runbook: a flood of
        malformed payloads)."""
        self._messages("failed", count=3, age_minutes=300)
        retrying = self._messages("failed", age_minutes=200)
        retrying.sudo().write({"next_attempt_at": fields.Datetime.now() + timedelta(minutes=5)})
        self.env.flush_all()  # the figures are read with SQL
        waiting = self.env["logistics.backend"]._journal_waiting_by_lane(self.backend.ids)
        self.assertEqual(list(waiting), [(self.backend.id, "transport")])
        count, oldest = waiting[(self.backend.id, "transport")]
        self.assertEqual(count, 1)
        self.assertAlmostEqual((fields.Datetime.now() - oldest).total_seconds(), 200 * 60, delta=120)
        self._check()
        self.assertIn("lane transport:", self.backend.alert_message)
        retrying.sudo().write({"state": "done", "next_attempt_at": False})
        self.env.flush_all()
        self._check()
        self.assertFalse(self.backend.alert_message)

    def test_failure_rate_over_the_last_hour(self):
        self._messages("done", count=6, age_minutes=5)
        self._messages("failed", count=4, age_minutes=5)
        # Failures older than an hour do not count.
        self._messages("done", count=20, age_minutes=120)
        self._check()
        self.assertIn("failure rate 40.0%", self.backend.alert_message)

    def test_failure_rate_needs_a_sample(self):
        self._messages("failed", count=3, age_minutes=5)
        self._check()
        self.assertFalse(self.backend.alert_message)

    def test_silent_feed(self):
        self._messages("done", age_minutes=30 * 60)
        self._check()
        self.assertIn("nothing received for 30 hours", self.backend.alert_message)
        # A message arrives: the feed speaks again, the alert clears.
        self._messages("done")
        self._check()
        self.assertFalse(self.backend.alert_message)

    def test_backend_that_never_sends_is_not_silent(self):
        self._messages("done", direction="outbound", age_minutes=30 * 60)
        self._check()
        self.assertFalse(self.backend.alert_message)

    def _cron_queries(self):
        self.env.invalidate_all()
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.env["logistics.backend"]._cron_check_alerts()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_cron_queries_do_not_grow_with_backends(self):
        """In steady state (alerts open and lasting, others quiet) the cron runs the same few
        queries for 2 backends as for 10."""
        first = self.make_backend("Alert A", "alert-a", "carrier")
        self._messages("dead", count=3, backend=first)
        self._messages("queued", backend=first, age_minutes=500)
        self._cron_queries()  # opens the alerts
        few = self._cron_queries()
        for index in range(8):
            backend = self.make_backend(f"Alert {index}", f"alert-n{index}", "carrier")
            self._messages("dead", count=3, backend=backend)
            self._messages("done", backend=backend)
        self._cron_queries()
        many = self._cron_queries()
        self.assertEqual(many, few)
        self.assertLessEqual(many, 6)
