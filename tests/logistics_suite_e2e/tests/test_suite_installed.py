from odoo.tests import HttpCase, tagged

SUITE = ("logistics_connector", "shipment_events", "freight_audit", "billing_readiness")


@tagged("post_install", "-at_install")
class TestSuiteInstalled(HttpCase):
    def test_four_addons_installed_and_server_answers(self):
        modules = self.env["ir.module.module"].search([("name", "in", SUITE)])
        self.assertEqual(set(modules.mapped("name")), set(SUITE))
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        health = self.url_open("/web/health")
        self.assertEqual(health.status_code, 200)
        self.assertEqual(health.json().get("status"), "pass")
        login = self.url_open("/web/login")
        self.assertEqual(login.status_code, 200)
        self.assertIn("oe_login_form", login.text)
