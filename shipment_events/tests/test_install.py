from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_menu_under_logistics_app(self):
        menu = self.env.ref("shipment_events.menu_shipment_events")
        root = self.env.ref("logistics_connector.menu_logistics_root")
        self.assertEqual(menu.parent_id.parent_id, root)
        module = self.env["ir.module.module"].search([("name", "=", "shipment_events")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.latest_version, "18.0.1.2.0")
