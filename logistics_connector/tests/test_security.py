"""Access rights: secrets for system administrators only, records per company, groups per role."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import LogisticsCommon


@tagged("post_install", "-at_install")
class TestSecurity(LogisticsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()
        cls.backend.write({"webhook_secret": "whsec-abc", "password": "pw-1"})
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.other_backend = cls.env["logistics.backend"].create(
            {"name": "Other TMS", "code": "other-tms", "kind": "tms", "company_id": cls.other_company.id}
        )
        cls.other_shipment = cls.env["logistics.shipment"].create(
            {"backend_id": cls.other_backend.id, "company_id": cls.other_company.id}
        )
        cls.user = new_test_user(
            cls.env, login="lc_user", groups="base.group_user,logistics_connector.group_logistics_user"
        )
        cls.manager = new_test_user(
            cls.env, login="lc_manager", groups="base.group_user,logistics_connector.group_logistics_manager"
        )
        cls.admin = new_test_user(
            cls.env,
            login="lc_admin",
            groups="base.group_user,base.group_system,logistics_connector.group_logistics_manager",
        )

    def test_secrets_only_for_system_administrators(self):
        for user in (self.user, self.manager):
            backend = self.backend.with_user(user)
            self.assertEqual(backend.name, "Acme TMS")
            for secret in ("api_key", "password", "webhook_secret", "oauth_client_secret", "oauth_access_token"):
                with self.assertRaises(AccessError, msg=f"{user.login} must not read {secret}"):
                    backend.read([secret])
        # The manager still edits the settings that are not secrets.
        self.backend.with_user(self.manager).timeout_read = 12.0
        with self.assertRaises(AccessError):
            self.backend.with_user(self.manager).write({"api_key": "stolen"})
        admin_backend = self.backend.with_user(self.admin)
        self.assertEqual(admin_backend.api_key, "test-key-123")
        admin_backend.api_key = "rotated-key"
        self.assertEqual(self.backend.api_key, "rotated-key")

    def test_secrets_are_not_in_the_form_for_non_administrators(self):
        arch = (
            self.env["logistics.backend"].with_user(self.manager).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn('name="api_key"', arch)
        self.assertNotIn('name="webhook_secret"', arch)
        admin_arch = (
            self.env["logistics.backend"].with_user(self.admin).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="api_key"', admin_arch)

    def test_users_see_only_their_companies(self):
        Shipment = self.env["logistics.shipment"].with_user(self.user)
        self.assertIn(self.shipment, Shipment.search([]))
        self.assertNotIn(self.other_shipment, Shipment.search([]))
        with self.assertRaises(AccessError):
            self.other_shipment.with_user(self.user).read(["name"])
        self.assertNotIn(self.other_backend, self.env["logistics.backend"].with_user(self.user).search([]))
        # Given the other company too, the user sees both.
        self.user.company_ids |= self.other_company
        both = Shipment.with_context(allowed_company_ids=[self.company.id, self.other_company.id]).search([])
        self.assertIn(self.other_shipment, both)

    def test_users_operate_shipments_but_not_configuration(self):
        shipment = self.env["logistics.shipment"].with_user(self.user).create({"backend_id": self.backend.id})
        self.assertEqual(shipment.status, "draft")
        with self.assertRaises(AccessError):
            self.env["logistics.backend"].with_user(self.user).create({"name": "X", "code": "x", "kind": "tms"})
        with self.assertRaises(AccessError):
            self.env["logistics.code.mapping"].with_user(self.user).create(
                {"backend_id": self.backend.id, "mapping_type": "carrier", "external_code": "X"}
            )
        with self.assertRaises(AccessError):
            self.env["logistics.message"].with_user(self.user).create(
                {"backend_id": self.backend.id, "direction": "inbound", "message_type": "x"}
            )
        # The manager configures.
        mapping = (
            self.env["logistics.code.mapping"]
            .with_user(self.manager)
            .create(
                {
                    "backend_id": self.backend.id,
                    "mapping_type": "carrier",
                    "external_code": "MGR",
                    "carrier_id": self.carrier.id,
                }
            )
        )
        self.assertTrue(mapping)
