"""docker-compose.yml is checked where no Docker engine runs: it parses and names what the README promises."""

import os

import yaml

from odoo.tests import BaseCase, tagged

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SUITE = "logistics_connector,shipment_events,freight_audit,billing_readiness"


@tagged("post_install", "-at_install")
class TestDockerCompose(BaseCase):
    def setUp(self):
        super().setUp()
        with open(os.path.join(REPO, "docker-compose.yml"), encoding="utf-8") as handle:
            self.compose = yaml.safe_load(handle)
        self.services = self.compose["services"]

    def test_images_ports_and_mounts(self):
        self.assertEqual(self.services["db"]["image"], "postgres:16")
        odoo = self.services["odoo"]
        self.assertEqual(odoo["image"], "odoo:18.0")
        self.assertIn("8069:8069", odoo["ports"])
        self.assertIn("./:/mnt/extra-addons:ro", odoo["volumes"])
        self.assertIn("./odoo.conf:/etc/odoo/odoo.conf:ro", odoo["volumes"])
        self.assertEqual(odoo["depends_on"]["db"]["condition"], "service_healthy")
        command = " ".join(odoo["command"])
        self.assertIn(f"--init {SUITE}", command)
        # Demo data is loaded: odoo.conf does not turn it off.
        with open(os.path.join(REPO, "odoo.conf"), encoding="utf-8") as handle:
            self.assertIn("without_demo = False", handle.read())

    def test_test_service_runs_the_suite(self):
        tests = self.services["tests"]
        self.assertEqual(tests["image"], "odoo:18.0")
        self.assertEqual(tests["profiles"], ["test"])
        self.assertIn("scripts/run_tests.py", " ".join(tests["command"]))
        self.assertIn("./:/mnt/extra-addons", tests["volumes"])
