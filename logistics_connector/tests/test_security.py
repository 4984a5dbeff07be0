"""Access rights: secrets for system administrators only, records per company, groups per role.

Every finding of issue 12 that concerns the connector has its regression test here, written as
the attacker's calls: real users of each group (and of a second company B with its own backend),
only public methods reachable over RPC (create, write, unlink, action_*), and the refusal
asserted together with what must not have changed. The legitimate path of the right group
follows each refusal.
"""

from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LogisticsCommon
from .loopback import LoopbackCase, TmsServer

USER = "base.group_user,logistics_connector.group_logistics_user"
MANAGER = "base.group_user,logistics_connector.group_logistics_manager"
STOCK = "base.group_user,stock.group_stock_user"
SYSTEM = "base.group_user,base.group_system,logistics_connector.group_logistics_manager"


class SecurityCommon(LogisticsCommon):
    """Company A (the test company) and company B, each with its TMS backend, and a user of
    each role; messages of company A in each state."""

    @classmethod
    def setup_security(cls):
        cls.setup_logistics()
        cls.backend.write({"webhook_secret": "whsec-abc", "password": "pw-1"})
        cls.other_company = cls.env["res.company"].create({"name": "Other Co", "logistics_environment": "production"})
        cls.other_backend = cls.env["logistics.backend"].create(
            {
                "name": "Other TMS",
                "code": "other-tms",
                "kind": "tms",
                "environment": "production",
                "company_id": cls.other_company.id,
            }
        )
        cls.other_shipment = cls.env["logistics.shipment"].create(
            {"backend_id": cls.other_backend.id, "company_id": cls.other_company.id}
        )
        cls.user = new_test_user(cls.env, login="lc_user", groups=USER)
        cls.manager = new_test_user(cls.env, login="lc_manager", groups=MANAGER)
        cls.stock_user = new_test_user(cls.env, login="lc_stock", groups=STOCK)
        cls.admin = new_test_user(cls.env, login="lc_admin", groups=SYSTEM)
        b = {"company_id": cls.other_company.id, "company_ids": [Command.set(cls.other_company.ids)]}
        cls.user_b = new_test_user(cls.env, login="lc_user_b", groups=USER, **b)
        cls.manager_b = new_test_user(cls.env, login="lc_manager_b", groups=MANAGER, **b)

    def failed_booking(self, booking_id="BK-F"):
        """A booking confirmation of company A that failed (no shipment matches it)."""
        messages, _duplicates = self.journal_booking(booking_id, reference="NO-SUCH-SHIPMENT")
        messages.sudo().write({"state": "failed", "last_error": "No shipment matches", "attempts": 1})
        return messages


@tagged("post_install", "-at_install")
class TestSecurity(SecurityCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_security()

    # ------------------------------------------------------------------
    # Existing guarantees
    # ------------------------------------------------------------------
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
        self.assertNotIn('name="webhook_secret_previous_until"', arch)
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
                {"backend_id": self.backend.id, "direction": "inbound", "message_type": "booking_confirmation"}
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

    # ------------------------------------------------------------------
    # C1: journaling for a backend of another company
    # ------------------------------------------------------------------
    def test_c1_no_journal_message_for_a_backend_the_caller_cannot_read(self):
        Message = self.env["logistics.message"]
        before = Message.search_count([])
        payload = '{"booking_id": "EVIL", "reference": "%s", "carrier_scac": "FFRT"}' % self.shipment.name
        vals = {
            "backend_id": self.backend.id,  # company A's backend
            "direction": "inbound",
            "message_type": "booking_confirmation",
            "payload": payload,
        }
        for attacker in (self.manager_b, self.user_b):
            with self.subTest(attacker=attacker.login), self.assertRaises(AccessError):
                Message.with_user(attacker).create(dict(vals))
        # Nor by moving a message of their own company onto A's backend.
        own = Message.with_user(self.manager_b).create(dict(vals, backend_id=self.other_backend.id))
        with self.assertRaises(AccessError):
            own.write({"backend_id": self.backend.id})
        self.assertEqual(own.sudo().backend_id, self.other_backend)
        self.assertEqual(Message.search_count([]), before + 1)
        Message._process_queue()
        self.assertEqual(self.shipment.tms_state, "none")
        self.assertFalse(self.shipment._get_external_ref(self.backend, "booking"))
        # The manager of company A journals for A's backend.
        mine = Message.with_user(self.manager).create(dict(vals))
        self.assertEqual((mine.state, mine.company_id), ("received", self.company))

    def test_c1_readable_backends_cache_follows_companies_and_backends(self):
        """The answer 'this user may journal for this backend' is cached per user and companies
        (the webhook's hot path); every change that may alter it is seen by the next message."""
        Message = self.env["logistics.message"]
        vals = {"direction": "inbound", "message_type": "booking_confirmation", "payload": "{}"}
        manager = Message.with_user(self.manager)
        manager.create(dict(vals, backend_id=self.backend.id))  # cached: readable
        # The backend moves to company B: the next message of A's manager is refused.
        self.backend.company_id = self.other_company
        with self.assertRaises(AccessError):
            manager.create(dict(vals, backend_id=self.backend.id))
        # A's manager is given company B: allowed again.
        self.manager.write({"company_ids": [Command.link(self.other_company.id)]})
        manager.with_context(allowed_company_ids=[self.company.id, self.other_company.id]).create(
            dict(vals, backend_id=self.backend.id)
        )
        # Working in company A only (the companies are part of the key): refused.
        with self.assertRaises(AccessError):
            manager.with_context(allowed_company_ids=[self.company.id]).create(dict(vals, backend_id=self.backend.id))
        # Taken out of company B again: refused whatever the context says.
        self.manager.write({"company_ids": [Command.unlink(self.other_company.id)]})
        with self.assertRaises(AccessError):
            manager.with_context(allowed_company_ids=[self.company.id, self.other_company.id]).create(
                dict(vals, backend_id=self.backend.id)
            )

    def test_c1_no_processing_state_nor_foreign_file_given_at_creation(self):
        Message = self.env["logistics.message"].with_user(self.manager)
        attachment = self.env["ir.attachment"].create({"name": "board minutes", "raw": b"secret minutes"})
        base = {"backend_id": self.backend.id, "direction": "inbound", "message_type": "booking_confirmation"}
        for extra in ({"state": "queued"}, {"payload_attachment_id": attachment.id}, {"attempts": 3}):
            with self.subTest(extra=extra), self.assertRaises(AccessError):
                Message.create(dict(base, **extra))
        self.assertFalse(self.env["logistics.message"].search([("payload_attachment_id", "=", attachment.id)]))

    # ------------------------------------------------------------------
    # M3: Replay and Process Now are for Logistics Managers, server-side
    # ------------------------------------------------------------------
    def test_m3_replay_and_process_now_refused_to_users_and_inventory_users(self):
        message = self.failed_booking()
        queued, _duplicates = self.journal_booking("BK-Q", reference="NOPE")
        for attacker in (self.user, self.stock_user, self.manager_b):
            for action in ("action_replay", "action_process_now"):
                target = message if action == "action_replay" else queued
                with self.subTest(attacker=attacker.login, action=action), self.assertRaises(AccessError):
                    getattr(target.with_user(attacker), action)()
        self.assertEqual((message.state, message.replay_count, message.attempts), ("failed", 0, 1))
        self.assertEqual(queued.state, "received")
        # Nor by writing the state directly.
        for attacker in (self.manager, self.user):
            with self.subTest(attacker=attacker.login), self.assertRaises(AccessError):
                message.with_user(attacker).write({"state": "queued"})
        self.assertEqual(message.state, "failed")
        # Nor delete it, nor forge the records it touched.
        for attacker in (self.user, self.stock_user, self.manager_b):
            with self.subTest(attacker=attacker.login, action="unlink"), self.assertRaises(AccessError):
                message.with_user(attacker).unlink()
        with self.assertRaises(AccessError):
            self.env["logistics.message.link"].with_user(self.manager).create(
                {"message_id": message.id, "res_model": "logistics.shipment", "res_id": self.shipment.id}
            )
        self.assertTrue(message.exists())
        # The Logistics Manager replays and processes.
        message.with_user(self.manager).action_replay()
        self.assertEqual((message.state, message.replay_count), ("queued", 1))
        queued.with_user(self.manager).action_process_now()
        self.assertEqual(queued.state, "failed")  # processed (no shipment matches)

    # ------------------------------------------------------------------
    # M5: message-type rights (the hook _message_type_groups)
    # ------------------------------------------------------------------
    def test_m5_manager_without_the_type_group_cannot_create_replay_or_process(self):
        message = self.failed_booking()
        Message = self.registry["logistics.message"]
        original = Message._message_type_groups

        def restricted(model):
            return dict(original(model), booking_confirmation="base.group_system")

        vals = {"backend_id": self.backend.id, "direction": "inbound", "message_type": "booking_confirmation"}
        with patch.object(Message, "_message_type_groups", restricted):
            with self.assertRaises(AccessError):
                self.env["logistics.message"].with_user(self.manager).create(dict(vals))
            with self.assertRaises(AccessError):
                message.with_user(self.manager).action_replay()
            with self.assertRaises(AccessError):
                message.with_user(self.manager).action_process_now()
            self.assertEqual((message.state, message.replay_count), ("failed", 0))
            # The group of the type (here the system administrators') may.
            created = self.env["logistics.message"].with_user(self.admin).create(dict(vals))
            self.assertEqual(created.state, "received")
            message.with_user(self.admin).action_replay()
            self.assertEqual(message.state, "queued")

    # ------------------------------------------------------------------
    # M4: webhook secret rotation and the previous secret's validity
    # ------------------------------------------------------------------
    def test_m4_rotation_and_previous_secret_validity_for_system_administrators(self):
        backend = self.backend
        with self.assertRaises(AccessError):
            backend.with_user(self.manager).action_rotate_webhook_secret()
        self.assertEqual(backend.webhook_secret, "whsec-abc")
        for field_name, value in (
            ("webhook_secret_previous_until", "2099-01-01 00:00:00"),
            ("webhook_rotation_hours", 876000),
            ("webhook_tolerance_seconds", 10 * 365 * 86400),  # a signature valid for ten years
        ):
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                backend.with_user(self.manager).write({field_name: value})
        self.assertFalse(backend.webhook_secret_previous_until)
        # The system administrator rotates; the window set then cannot be stretched afterwards.
        backend.with_user(self.admin).action_rotate_webhook_secret()
        self.assertNotEqual(backend.webhook_secret, "whsec-abc")
        until = backend.webhook_secret_previous_until
        self.assertLessEqual(until, fields.Datetime.now() + timedelta(hours=24, minutes=1))
        rotated_out = backend.webhook_secret_previous
        for vals in (
            {"webhook_secret_previous_until": "2099-01-01 00:00:00"},
            {"webhook_secret_previous": rotated_out, "webhook_secret_previous_until": "2099-01-01 00:00:00"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                backend.with_user(self.admin).write(vals)
        self.assertEqual(backend.webhook_secret_previous_until, until)
        earlier = until - timedelta(hours=12)
        backend.with_user(self.admin).write({"webhook_secret_previous_until": earlier})
        self.assertEqual(backend.webhook_secret_previous_until, earlier)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            backend.with_user(self.admin).write({"webhook_rotation_hours": 876000})
            backend.flush_recordset()

    # ------------------------------------------------------------------
    # M1: backend codes name one backend across all companies
    # ------------------------------------------------------------------
    def test_m1_backend_code_unique_across_companies(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env["logistics.backend"].with_user(self.manager_b).create(
                {"name": "Copycat", "code": self.backend.code, "kind": "tms", "company_id": self.other_company.id}
            )
        self.assertEqual(self.env["logistics.backend"]._webhook_intake(self.backend.code).id, self.backend.id)
        # A manager's copy gets a code of its own (and no secret).
        copy = self.backend.with_user(self.manager).copy()
        self.assertEqual(copy.code, "acme-tms-copy")
        self.assertFalse(copy.sudo().webhook_secret)
        # Another code is fine, and the intake finds it at once.
        own = (
            self.env["logistics.backend"]
            .with_user(self.manager_b)
            .create({"name": "Own", "code": "own-tms", "kind": "tms", "company_id": self.other_company.id})
        )
        self.assertEqual(self.env["logistics.backend"]._webhook_intake("own-tms").id, own.id)
        self.assertIsNone(self.env["logistics.backend"]._webhook_intake("OWN-TMS"))

    # ------------------------------------------------------------------
    # M6: shipment status, TMS state and proof of delivery only through transitions
    # ------------------------------------------------------------------
    def test_m6_status_tms_state_and_pod_not_written_directly(self):
        shipment = self.shipment
        attachment = self.env["ir.attachment"].create({"name": "fake POD", "raw": b"%PDF fake"})
        forged = {
            "status": "delivered",
            "tms_state": "booked",
            "pod_signer": "Mallory",
            "pod_time": "2026-11-24 10:00:00",
            "pod_attachment_id": attachment.id,
            "status_event_time": "2099-01-01 00:00:00",
        }
        for attacker in (self.user, self.stock_user, self.manager):
            for name, value in forged.items():
                with self.subTest(attacker=attacker.login, field=name), self.assertRaises(AccessError):
                    shipment.with_user(attacker).write({name: value})
            with self.subTest(attacker=attacker.login, create=True), self.assertRaises(AccessError):
                self.env["logistics.shipment"].with_user(attacker).create(
                    {"backend_id": self.backend.id, "status": "delivered", "pod_signer": "Mallory"}
                )
        self.assertRecordValues(
            shipment, [{"status": "draft", "tms_state": "none", "pod_signer": False, "pod_attachment_id": False}]
        )
        # Another company's user cannot run the transitions either.
        with self.assertRaises(AccessError):
            shipment.with_user(self.user_b).action_cancel()
        sales_reader = new_test_user(self.env, login="lc_sales", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            shipment.with_user(sales_reader).action_cancel()
        self.assertEqual(shipment.status, "draft")
        # The transitions work for the users who operate shipments.
        shipment.with_user(self.user).action_send_transport_order()
        self.assertRecordValues(shipment, [{"status": "tendered", "tms_state": "queued"}])
        self.assertEqual(shipment.journal_message_ids.message_type, "transport_order")
        shipment.with_user(self.stock_user).action_cancel()
        self.assertRecordValues(shipment, [{"status": "cancelled", "tms_state": "cancel_queued"}])

    # ------------------------------------------------------------------
    # M7: shared default mappings belong to the system administrators
    # ------------------------------------------------------------------
    def test_m7_default_mappings_for_system_administrators_only(self):
        Mapping = self.env["logistics.code.mapping"]
        default = Mapping.create(
            {"mapping_type": "status", "external_code": "SEC-D1", "status": "delivered"}  # no backend: every company
        )
        for attacker in (self.manager, self.manager_b):
            with self.subTest(attacker=attacker.login):
                self.assertIn(default, Mapping.with_user(attacker).search([]))  # read, as everyone
                with self.assertRaises(AccessError):
                    default.with_user(attacker).write({"status": "cancelled"})
                with self.assertRaises(AccessError):
                    default.with_user(attacker).unlink()
                with self.assertRaises(AccessError):
                    Mapping.with_user(attacker).create(
                        {"mapping_type": "status", "external_code": "SEC-D2", "status": "cancelled"}
                    )
        self.assertRecordValues(default, [{"status": "delivered"}])
        self.assertFalse(Mapping.search([("external_code", "=", "SEC-D2")]))
        # A manager of B cannot touch A's mappings either; A's manager can.
        own = self.map_carrier("OWN1")
        with self.assertRaises(AccessError):
            own.with_user(self.manager_b).write({"description": "hijacked"})
        own.with_user(self.manager).write({"description": "ours"})
        # The system administrator manages the shared defaults.
        default.with_user(self.admin).write({"status": "in_transit"})
        created = Mapping.with_user(self.admin).create(
            {"mapping_type": "status", "external_code": "SEC-D3", "status": "delivered"}
        )
        created.with_user(self.admin).unlink()
        self.assertEqual(default.status, "in_transit")

    # ------------------------------------------------------------------
    # L1: payloads for Logistics Managers
    # ------------------------------------------------------------------
    def test_l1_payloads_readable_by_managers_only(self):
        message = self.failed_booking()
        message.sudo().write({"response_payload": '{"answer": "confidential"}'})
        for attacker in (self.user, self.stock_user):
            with self.subTest(attacker=attacker.login):
                mine = message.with_user(attacker)
                self.assertRecordValues(mine, [{"state": "failed", "last_error": "No shipment matches"}])
                for name in ("payload", "payload_pretty", "payload_attachment_id", "response_payload"):
                    with self.assertRaises(AccessError):
                        mine.read([name])
                with self.assertRaises(AccessError):
                    mine.action_download_payload()
                with self.assertRaises(AccessError):
                    self.env["logistics.message"].with_user(attacker).search([("payload", "ilike", "NO-SUCH")])
        self.assertIn("NO-SUCH-SHIPMENT", message.with_user(self.manager).payload)

    # ------------------------------------------------------------------
    # L2: links per company
    # ------------------------------------------------------------------
    def test_l2_message_links_per_company(self):
        messages, _duplicates = self.journal_booking("BK-L")
        self.map_carrier("FFRT")
        self.env["logistics.message"]._process_queue()
        link = messages.link_ids
        self.assertTrue(link)
        self.assertEqual(link.company_id, self.company)
        self.assertFalse(self.env["logistics.message.link"].with_user(self.user_b).search([("id", "=", link.id)]))
        with self.assertRaises(AccessError):
            link.with_user(self.user_b).read(["res_model"])
        self.assertEqual(link.with_user(self.user).res_model, "logistics.shipment")

    # ------------------------------------------------------------------
    # Rule 3: cross-record fields of one company
    # ------------------------------------------------------------------
    def test_rule3_relations_stay_in_their_company(self):
        Message = self.env["logistics.message"].with_user(self.manager)
        with self.assertRaises(UserError):
            Message.create(
                {
                    "backend_id": self.backend.id,
                    "direction": "outbound",
                    "message_type": "transport_update",
                    "shipment_ids": [Command.link(self.other_shipment.id)],  # company B's shipment
                }
            )
        with self.assertRaises(UserError):
            self.env["logistics.shipment.ref"].with_user(self.manager).create(
                {"shipment_id": self.shipment.id, "backend_id": self.other_backend.id, "external_id": "X-1"}
            )
        partner_b = self.env["res.partner"].create({"name": "B only", "company_id": self.other_company.id})
        with self.assertRaises(UserError):
            self.env["logistics.shipment.leg"].with_user(self.user).create(
                {"shipment_id": self.shipment.id, "carrier_partner_id": partner_b.id}
            )
        self.assertFalse(self.shipment.leg_ids)

    # ------------------------------------------------------------------
    # Rule 7: a test backend gets no production traffic and changes no production record
    # ------------------------------------------------------------------
    def test_rule7_test_backend_neither_sent_to_nor_applied(self):
        test_backend = self.env["logistics.backend"].create(
            {"name": "Sandbox TMS", "code": "sandbox-tms", "kind": "tms", "environment": "test", "auth_type": "none"}
        )
        self.map_carrier("FFRT", backend=test_backend)
        booking = {"booking_id": "SBX-1", "reference": self.shipment.name, "carrier_scac": "FFRT"}
        messages, _duplicates = self.env["logistics.message"]._journal_many(
            [
                {
                    "backend_id": test_backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "payload": booking,
                },
                {  # an outbound order somebody put in the journal by hand
                    "backend_id": test_backend.id,
                    "direction": "outbound",
                    "message_type": "transport_order",
                    "payload": {"reference": self.shipment.name},
                    "shipment_ids": [Command.link(self.shipment.id)],
                },
            ]
        )
        self.env["logistics.message"]._process_queue()
        self.assertEqual(messages.mapped("state"), ["failed", "failed"])
        self.assertIn("test backend", messages[0].last_error)
        self.assertRecordValues(self.shipment, [{"status": "draft", "tms_state": "none"}])
        self.shipment.sudo().backend_id = test_backend
        with self.assertRaises(UserError):
            self.shipment.with_user(self.user).action_send_transport_order()


@tagged("post_install", "-at_install")
class TestBackendCallsSecurity(LoopbackCase, SecurityCommon, TransactionCase):
    """H2 and L6: where the credentials go, what Test Connection shows, who may call out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_security()
        cls.tms = cls.start_server(TmsServer())
        cls.listener = cls.start_server(TmsServer())  # the attacker's
        cls.backend.write({"base_url": cls.tms.url, "timeout_connect": 2.0, "timeout_read": 5.0, "http_max_retries": 0})
        cls.tms.api_key = ("X-API-Key", "test-key-123")

    def setUp(self):
        super().setUp()
        self.tms.reset()
        self.listener.reset()

    def secrets(self):
        backend = self.backend.sudo()
        return (backend.api_key, backend.password, backend.oauth_client_secret)

    def test_h2_endpoint_change_by_a_manager_clears_the_credentials(self):
        self.backend.sudo().oauth_client_secret = "oauth-s3cret"
        self.backend.with_user(self.manager).write({"base_url": self.listener.url})
        self.assertEqual(self.secrets(), (False, False, False))
        self.backend.with_user(self.manager).action_test_connection()
        sent = self.listener.received("/ping")
        self.assertEqual(len(sent), 1)
        self.assertNotIn("test-key-123", str(dict(sent[0].headers)))
        # Each endpoint setting does the same.
        for vals in (
            {"oauth_token_url": self.listener.url + "/token"},
            {"auth_type": "basic"},
            {"protocol": "soap", "wsdl_url": self.listener.url + "/wsdl"},
        ):
            with self.subTest(vals=vals):
                self.backend.sudo().write({"api_key": "k", "password": "p", "oauth_client_secret": "s"})
                self.backend.with_user(self.manager).write(vals)
                self.assertEqual(self.secrets(), (False, False, False))
        # A system administrator changes the endpoint and keeps the credentials.
        self.backend.sudo().write({"protocol": "rest", "auth_type": "api_key", "api_key": "test-key-123"})
        self.backend.with_user(self.admin).write({"base_url": self.tms.url + "/"})
        self.assertEqual(self.backend.sudo().api_key, "test-key-123")

    def test_h2_test_connection_never_echoes_the_answer(self):
        self.tms.behave("/ping", statuses=[200], body=b"internal-page: root password is hunter2")
        self.backend.with_user(self.manager).action_test_connection()
        self.assertEqual(self.backend.last_test_result, "Connection OK: HTTP 200 OK")
        self.tms.behave("/ping", statuses=[403], body=b"forbidden: internal details hunter2")
        self.backend.with_user(self.manager).action_test_connection()
        self.assertEqual(self.backend.last_test_result, "Connection failed: HTTP 403 Forbidden")
        self.assertNotIn("hunter2", self.backend.last_test_result)

    def test_l6_read_only_users_make_no_call(self):
        for attacker in (self.user, self.stock_user, self.manager_b):
            with self.subTest(attacker=attacker.login), self.assertRaises(AccessError):
                self.backend.with_user(attacker).action_test_connection()
        self.assertEqual(self.tms.count(), 0, "no request left the server")
        self.assertFalse(self.backend.last_test_date)
        self.backend.with_user(self.manager).action_test_connection()
        self.assertEqual(self.tms.count("/ping"), 1)
        self.assertTrue(self.backend.last_test_ok)


@tagged("post_install", "-at_install")
class TestPayloadDownload(SecurityCommon, HttpCase):
    """Functional: Download Payload works for Logistics Managers, payload files stay closed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_security()

    def test_download_payload_for_managers(self):
        raw = b"\x00binary payload\xff" * 10
        messages, _duplicates = self.env["logistics.message"]._journal_many(
            [
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "payload": raw,
                }
            ]
        )
        message = messages.sudo()
        self.assertTrue(message.payload_attachment_id)
        url = message.with_user(self.manager).action_download_payload()["url"]
        self.authenticate("lc_manager", "lc_manager")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, raw)
        # The payload file itself stays closed to the manager; other groups get nothing.
        response = self.url_open(f"/web/content/{message.payload_attachment_id.id}")
        self.assertNotEqual(response.status_code, 200)
        for login in ("lc_user", "lc_manager_b"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                with mute_logger("odoo.http"):
                    response = self.url_open(url)
                self.assertEqual(response.status_code, 403)
                self.assertNotIn(b"binary payload", response.content)

    def test_inline_payload_download(self):
        messages, _duplicates = self.journal_booking("BK-D")
        self.authenticate("lc_manager", "lc_manager")
        response = self.url_open(messages.with_user(self.manager).action_download_payload()["url"])
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"BK-D", response.content)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertFalse(
            self.env["ir.attachment"].search([("res_model", "=", "logistics.message"), ("res_id", "=", messages.id)])
        )
