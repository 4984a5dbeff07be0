"""GET /logistics/metrics and /logistics/health: a real scrape over HTTP, parsed by
prometheus_client's own text parser (a test dependency, requirements.txt)."""

import uuid
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from odoo import fields
from odoo.tests import HttpCase, tagged

from ..services import metrics
from .common import LogisticsCommon

TOKEN = "metrics-token-5f0c2a"


@tagged("post_install", "-at_install")
class TestMetrics(LogisticsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()
        cls.company.sudo().logistics_metrics_token = TOKEN
        Message = cls.env["logistics.message"].sudo()

        def journal(state, message_type="transport_order", processing_ms=None, age_minutes=0):
            message = Message.create(
                {
                    "backend_id": cls.backend.id,
                    "direction": "inbound",
                    "message_type": message_type,
                    "idempotency_key": uuid.uuid4().hex,
                    "state": state,
                    **({"processing_time_ms": processing_ms} if processing_ms else {}),
                    **Message._payload_vals("{}"),
                }
            )
            if age_minutes:
                cls.env.flush_all()
                cls.env.cr.execute(
                    "UPDATE logistics_message SET create_date = %s WHERE id = %s",
                    (fields.Datetime.now() - timedelta(minutes=age_minutes), message.id),
                )
            return message

        journal("queued", age_minutes=90)
        journal("received")
        journal("queued", message_type="booking_confirmation")
        journal("dead")
        for ms in (5, 200, 3000):
            journal("done", processing_ms=ms)
        # Another company's backend: never in company A's metrics.
        other = cls.env["res.company"].create({"name": "Metrics Other Co"})
        cls.other_backend = cls.make_backend("Other TMS", "other-metrics-tms", "tms", company_id=other.id)
        Message.create(
            {
                "backend_id": cls.other_backend.id,
                "direction": "inbound",
                "message_type": "transport_order",
                "idempotency_key": uuid.uuid4().hex,
                "state": "dead",
                **Message._payload_vals("{}"),
            }
        )
        cls.env.flush_all()

    def _get(self, path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.url_open(path, headers=headers)

    def _scrape(self):
        response = self._get("/logistics/metrics", TOKEN)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        samples = {}
        families = {}
        for family in text_string_to_metric_families(response.text):
            families[family.name] = family.type
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return families, samples

    def test_token_is_required(self):
        for token in (None, "", "wrong-token", TOKEN + "x"):
            response = self._get("/logistics/metrics", token)
            self.assertEqual(response.status_code, 401, token)
            self.assertNotIn("logistics_queue_depth", response.text)
        response = self.url_open("/logistics/metrics", headers={"Authorization": f"Basic {TOKEN}"})
        self.assertEqual(response.status_code, 401)

    def test_no_token_set_serves_nothing(self):
        self.company.sudo().logistics_metrics_token = False
        self.assertEqual(self._get("/logistics/metrics", TOKEN).status_code, 401)

    def test_scrape_parsed_by_prometheus_client(self):
        families, samples = self._scrape()
        code = self.backend.code
        self.assertEqual(families["logistics_queue_depth"], "gauge")
        self.assertEqual(families["logistics_processing_seconds"], "histogram")
        # Transport orders and booking confirmations share the journal's lane "transport".
        self.assertEqual(samples[("logistics_queue_depth", (("backend", code), ("lane", "transport")))], 3)
        oldest = samples[("logistics_queue_oldest_age_seconds", (("backend", code), ("lane", "transport")))]
        self.assertGreaterEqual(oldest, 90 * 60)
        self.assertLess(oldest, 100 * 60)
        self.assertEqual(samples[("logistics_messages", (("backend", code), ("state", "done")))], 3)
        self.assertEqual(samples[("logistics_dead_letters", (("backend", code),))], 1)
        # The histogram: 5 ms, 200 ms and 3 s.
        bucket = "logistics_processing_seconds_bucket"
        self.assertEqual(samples[(bucket, (("backend", code), ("le", "0.01")))], 1)
        self.assertEqual(samples[(bucket, (("backend", code), ("le", "0.25")))], 2)
        self.assertEqual(samples[(bucket, (("backend", code), ("le", "5.0")))], 3)
        self.assertEqual(samples[(bucket, (("backend", code), ("le", "+Inf")))], 3)
        self.assertEqual(samples[("logistics_processing_seconds_count", (("backend", code),))], 3)
        self.assertAlmostEqual(samples[("logistics_processing_seconds_sum", (("backend", code),))], 3.205)
        # Company A's token never shows another company's backends.
        self.assertFalse([key for key in samples if ("backend", self.other_backend.code) in key[1]])

    def test_webhook_answers_by_status(self):
        metrics.count_webhook_answer("Test webhook", 401)
        metrics.count_webhook_answer("Test webhook", 401)
        families, samples = self._scrape()
        self.assertEqual(families["logistics_webhook_responses"], "counter")
        key = ("logistics_webhook_responses_total", (("endpoint", "Test webhook"), ("status", "401")))
        self.assertGreaterEqual(samples[key], 2)

    def test_health(self):
        response = self._get("/logistics/health")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})
        self.assertEqual(self._get("/logistics/health", "wrong").json(), {"status": "ok"})
        health = self._get("/logistics/health", TOKEN).json()
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["queue_depth"], 3)
        self.assertEqual(health["dead_letters"], 1)
        self.assertGreaterEqual(health["oldest_age_seconds"], 90 * 60)
        self.assertEqual(health["backends"][self.backend.code]["queue_depth"], 3)
        self.assertNotIn(self.other_backend.code, health["backends"])
