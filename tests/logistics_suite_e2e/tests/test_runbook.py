"""docs/runbook.md followed by a test: the procedures "a webhook secret leaked", "a mapping
missing after go-live" and "a flood of malformed payloads", each step through what the runbook
says to use (the backend's buttons and fields as a system administrator or Logistics Manager,
signed webhooks over real HTTP, the journal's Replay, the Dead Letters badge's count and
``GET /logistics/metrics``), on real Odoo and PostgreSQL."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.shipment_events.tests.common import ShipmentEventsCommon

TOKEN = "runbook-metrics-token"
WEBHOOK_LOGGER = "odoo.addons.shipment_events.controllers.webhook"


@tagged("post_install", "-at_install")
class TestRunbook(ShipmentEventsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        cls.company.sudo().logistics_metrics_token = TOKEN
        cls.admin = new_test_user(
            cls.env,
            login="runbook_admin",
            groups="base.group_user,base.group_system,logistics_connector.group_logistics_manager",
        )
        cls.manager = new_test_user(
            cls.env,
            login="runbook_manager",
            groups="base.group_user,logistics_connector.group_logistics_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.url = f"/logistics/webhook/{cls.backend.code}"

    def post(self, payload, secret, signed=True):
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            timestamp = str(int(time.time()))
            digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
            headers.update({"X-Logistics-Timestamp": timestamp, "X-Logistics-Signature": f"v1={digest}"})
        return self.url_open(self.url, data=body, headers=headers)

    def event(self, event_id, **extra):
        return self.make_event(event_id=event_id, **extra)

    def answers(self, status):
        response = self.url_open("/logistics/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(response.status_code, 200)
        prefix = f'logistics_webhook_responses_total{{endpoint="Webhook",status="{status}"}} '
        lines = [line for line in response.text.splitlines() if line.startswith(prefix)]
        return int(float(lines[0][len(prefix) :])) if lines else 0

    def test_secret_leaked(self):
        backend_admin = self.backend.with_user(self.admin)
        leaked = self.SECRET
        # 1. Rotate Webhook Secret (system administrators).
        backend_admin.action_rotate_webhook_secret()
        new_secret = backend_admin.webhook_secret
        self.assertNotEqual(new_secret, leaked)
        self.assertEqual(backend_admin.webhook_secret_previous, leaked)
        window = backend_admin.webhook_secret_previous_until - fields.Datetime.now()
        self.assertAlmostEqual(window.total_seconds(), 24 * 3600, delta=120)
        # The leaked secret still passes inside the window...
        self.assertEqual(self.post(self.event("RB-LEAK-1"), leaked).status_code, 202)
        # 2. ... so close the window at once: Previous Secret Valid Until = now.
        backend_admin.webhook_secret_previous_until = fields.Datetime.now() - timedelta(seconds=1)
        refused_before = self.answers(401)
        with mute_logger(WEBHOOK_LOGGER):
            refused = self.post(self.event("RB-LEAK-2"), leaked)
        self.assertEqual(refused.status_code, 401)
        self.assertEqual(self.answers(401), refused_before + 1)
        self.assertEqual(self.post(self.event("RB-LEAK-3"), new_secret).status_code, 202)
        # The window can be shortened, never extended again.
        with self.assertRaises(AccessError):
            backend_admin.webhook_secret_previous_until = fields.Datetime.now() + timedelta(days=1)
        # A Logistics Manager can neither rotate nor read the secret.
        with self.assertRaises(AccessError):
            self.backend.with_user(self.manager).action_rotate_webhook_secret()
        keys = self.env["logistics.message"].search([("backend_id", "=", self.backend.id)]).mapped("idempotency_key")
        self.assertIn("event:RB-LEAK-1", keys)
        self.assertIn("event:RB-LEAK-3", keys)
        self.assertNotIn("event:RB-LEAK-2", keys)  # refused: nothing stored

    def test_mapping_missing_after_go_live(self):
        Message = self.env["logistics.message"]
        badge_before = Message.with_user(self.manager).get_problem_badge_count()
        response = self.post(self.event("RB-MAP-1", status=None, status_code="ZZ7"), self.SECRET)
        self.assertEqual(response.status_code, 202, response.text)
        message = Message.browse(response.json()["message_ids"])
        self.process()
        self.assertRecordValues(
            message, [{"state": "needs_mapping", "missing_mapping_type": "status", "missing_mapping_code": "ZZ7"}]
        )
        self.assertIn("ZZ7", message.last_error)
        # It is in Dead Letters & Problems, and on the badge.
        self.assertEqual(Message.with_user(self.manager).get_problem_badge_count(), badge_before + 1)
        self.assertEqual(self.shipment.status, "booked")
        # The Logistics Manager adds the mapping (Configuration > Code Mappings, or the backend's tab).
        self.env["logistics.code.mapping"].with_user(self.manager).create(
            {"backend_id": self.backend.id, "mapping_type": "status", "external_code": "ZZ7", "status": "in_transit"}
        )
        # Saved: the waiting message is queued again by itself, then processed by the journal.
        self.assertEqual(message.state, "queued")
        self.process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.shipment.status, "in_transit")
        self.assertEqual(Message.with_user(self.manager).get_problem_badge_count(), badge_before)

    def test_flood_of_malformed_payloads(self):
        Message = self.env["logistics.message"]
        bad_before = self.answers(400)
        with mute_logger(WEBHOOK_LOGGER):
            answers = [
                self.post({"event_id": f"RB-BAD-{i}", "tracking_ref": "PRO-1001"}, self.SECRET) for i in range(5)
            ]
        self.assertEqual({response.status_code for response in answers}, {400})
        self.assertIn("event_time", answers[0].json()["error"])
        self.assertEqual(self.answers(400), bad_before + 5)
        # Found with the journal's filters: failed, this backend, the last hour.
        since = fields.Datetime.now() - timedelta(hours=1)
        failed = Message.with_user(self.manager).search(
            [("backend_id", "=", self.backend.id), ("state", "=", "failed"), ("create_date", ">=", since)]
        )
        self.assertEqual(len(failed), 5)
        self.assertFalse(any(failed.mapped("next_attempt_at")))  # bad input: no retry
        # Stopped: archive the backend; its senders get the same 401 as an unknown code.
        self.backend.with_user(self.manager).action_archive()
        with mute_logger(WEBHOOK_LOGGER):
            self.assertEqual(self.post(self.event("RB-OFF-1"), self.SECRET).status_code, 401)
        self.backend.with_user(self.manager).action_unarchive()
        self.assertEqual(self.post(self.event("RB-ON-1"), self.SECRET).status_code, 202)
        # Replaying the malformed bodies without a fix fails them again, with the same error.
        failed.action_replay()
        self.assertEqual(set(failed.mapped("state")), {"queued"})
        self.process()
        self.assertEqual(set(failed.mapped("state")), {"failed"})
        self.assertTrue(all("event_time" in error for error in failed.mapped("last_error")))
        self.assertEqual(failed.mapped("replay_count"), [1] * 5)
