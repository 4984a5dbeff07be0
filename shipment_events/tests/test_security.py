"""Security regressions of shipment_events (issue 12), written as the attacker's RPC calls.

Company A is the test company with its production carrier backend and shipment (common.py);
company B has its own users, backend and shipment. Every attack is followed by what must not
have changed; every finding has its legitimate path next to it.
"""

import base64
import hashlib
import hmac
import json
import time

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.logistics_connector.controllers.webhook_intake import http_answer

from .common import ShipmentEventsCommon

# AccessError (record rules, access rights, guarded fields) or UserError (check_company):
# Odoo's assertRaises takes one class, and AccessError is a UserError.
REFUSED = UserError


@tagged("post_install", "-at_install")
class TestShipmentEventsSecurity(ShipmentEventsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        env = cls.env
        cls.company_a = cls.company
        cls.setup_company_b()
        cls.user_a = cls.make_user("events_user_a", "logistics_connector.group_logistics_user", cls.company_a)
        cls.manager_a = cls.make_user("events_manager_a", "logistics_connector.group_logistics_manager", cls.company_a)
        cls.inventory_a = cls.make_user("events_inventory_a", "stock.group_stock_user", cls.company_a)
        cls.user_b = cls.make_user("events_user_b", "logistics_connector.group_logistics_user", cls.company_b)
        cls.manager_b = cls.make_user("events_manager_b", "logistics_connector.group_logistics_manager", cls.company_b)
        # Company A's confidential document, on a partner that only company A can read.
        cls.lawyer_a = env["res.partner"].create({"name": "A's lawyer", "company_id": cls.company_a.id})
        cls.board_minutes = env["ir.attachment"].create(
            {
                "name": "board-minutes.pdf",
                "raw": b"%PDF-1.4 board minutes of company A",
                "res_model": "res.partner",
                "res_id": cls.lawyer_a.id,
            }
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def delivered_with_pod(self, ref="PRO-1001", event_id="ATTACK-1", signer="Mallory"):
        return self.make_event(
            status="delivered",
            ref=ref,
            minutes=100,
            event_id=event_id,
            pod={
                "signer": signer,
                "time": "2026-11-20T09:40:00+00:00",
                "document_base64": self.pdf_base64(),
                "filename": "pod.pdf",
            },
        )

    def upload_as(self, user, backend, data, **extra):
        """The attacker's two RPC calls: create the wizard, then action_upload."""
        Upload = self.env["shipment.event.upload"].with_user(user)
        wizard = Upload.create(
            dict(
                {
                    "backend_id": backend.id,
                    "file": base64.b64encode(data),
                    "filename": "events.json",
                    "file_format": "json",
                    "process_now": True,
                },
                **extra,
            )
        )
        return wizard.action_upload()

    def assert_shipment_untouched(self, shipment, status):
        shipment.invalidate_recordset()
        self.assertRecordValues(
            shipment, [{"status": status, "pod_signer": False, "pod_time": False, "pod_attachment_id": False}]
        )

    def journal_of(self, backend):
        return self.env["logistics.message"].search([("backend_id", "=", backend.id)])

    # ------------------------------------------------------------------
    # C1: upload onto another company's backend
    # ------------------------------------------------------------------
    def _event_vals(self, backend, shipment, number):
        return {
            "company_id": backend.company_id.id,
            "backend_id": backend.id,
            "shipment_id": shipment.id,
            "status": "in_transit",
            "event_time": "2026-11-20 08:%02d:00" % number,
            "identity": f"company-check-{number}",
        }

    def test_company_check_of_a_batch_is_odoo_check(self):
        """Milestones are checked against their companies per company, not record by record
        (logistics.company.check.mixin): a batch of consistent ones passes; one linked to
        another company's shipment is refused with Odoo's own error, which names it, even
        among consistent ones and with several companies in the batch."""
        Event = self.env["logistics.shipment.event"].sudo()
        fine = Event.create(
            [self._event_vals(self.backend, self.shipment, 1), self._event_vals(self.backend, self.shipment, 2)]
            + [self._event_vals(self.backend_b, self.shipment_b, 3)]
        )
        self.assertEqual(fine.mapped("company_id"), self.company_a | self.company_b)
        with self.assertRaisesRegex(UserError, "Incompatible companies on records") as caught:
            Event.create(
                [
                    self._event_vals(self.backend, self.shipment, 4),
                    self._event_vals(self.backend, self.shipment_b, 5),  # A's backend, B's shipment
                    self._event_vals(self.backend_b, self.shipment_b, 6),
                ]
            )
        self.assertIn(self.shipment_b.display_name, str(caught.exception))
        self.assertIn("Shipment", str(caught.exception))
        # One record alone goes through Odoo's check itself: the same refusal.
        with self.assertRaisesRegex(UserError, "Incompatible companies on records"):
            Event.create(self._event_vals(self.backend_b, self.shipment, 7))
        # And on write, the grouped check too.
        with self.assertRaisesRegex(UserError, "Incompatible companies on records"):
            fine.write({"shipment_id": self.shipment_b.id})

    def test_c1_user_of_b_cannot_upload_onto_backend_of_a(self):
        data = json.dumps(self.delivered_with_pod()).encode()
        with self.assertRaises(REFUSED):
            self.upload_as(self.user_b, self.backend, data)
        # The wizard's company given as A: company A is not one of the user's companies.
        with self.assertRaises(REFUSED):
            self.upload_as(self.user_b, self.backend, data, company_id=self.company_a.id)
        self.assert_shipment_untouched(self.shipment, "booked")
        self.assertFalse(self.events_of())
        self.assertFalse(self.journal_of(self.backend))

    def test_c1_user_of_a_uploads_onto_backend_of_a(self):
        self.upload_as(self.user_a, self.backend, json.dumps(self.delivered_with_pod(signer="J. Doe")).encode())
        self.shipment.invalidate_recordset()
        self.assertEqual(self.shipment.status, "delivered")
        self.assertEqual(self.shipment.pod_signer, "J. Doe")
        self.assertRecordValues(
            self.shipment.pod_attachment_id, [{"res_model": "logistics.shipment", "res_id": self.shipment.id}]
        )
        self.assertEqual(self.journal_of(self.backend).mapped("state"), ["done"])

    def test_c1_user_of_b_uploads_onto_own_backend_only(self):
        # An X12 214 file (its 997 is journaled as the user too), then a JSON event with a POD.
        data = self.x12_214([("AF", "", "20261120", "0900", "UT", "Lyon")], control=301, pro="PRO-B-1")
        self.upload_as(self.user_b, self.backend_b, data, filename="status.edi", file_format="x12")
        self.assertEqual(self.shipment_b.status, "picked_up")
        data = json.dumps(self.delivered_with_pod(ref="PRO-B-1", signer="B. Signer")).encode()
        self.upload_as(self.user_b, self.backend_b, data)
        self.assertRecordValues(self.shipment_b, [{"status": "delivered", "pod_signer": "B. Signer"}])
        self.assert_shipment_untouched(self.shipment, "booked")

    def test_c1_inventory_user_cannot_upload(self):
        with self.assertRaises(AccessError):
            self.upload_as(self.inventory_a, self.backend, json.dumps(self.delivered_with_pod()).encode())
        self.assert_shipment_untouched(self.shipment, "booked")

    # ------------------------------------------------------------------
    # Webhook technical user: journal for any company's backend, nothing else
    # ------------------------------------------------------------------
    def test_webhook_user_journals_for_every_company_and_has_no_other_right(self):
        webhook_user = self.env.ref("shipment_events.user_webhook")
        self.assertIn(self.company_b, webhook_user.company_ids)
        Message = self.env["logistics.message"].with_user(webhook_user)
        body = json.dumps(self.make_event(status="delivered", ref="PRO-B-1", event_id="WH-B")).encode()
        # As the controller calls it: the backend found by the intake (superuser), the user's env.
        status, answer = http_answer(Message._webhook_receive_json(self.backend_b.sudo(), body, "webhook test"))
        self.assertEqual(status, 202, answer)
        Message._webhook_process_sync(answer)
        self.assertEqual(self.shipment_b.status, "delivered")
        # Nothing beyond reading backends and journaling.
        for model in ("logistics.shipment", "logistics.shipment.event", "logistics.shipment.notification"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(webhook_user).check_access("read")
        for operation in ("write", "create", "unlink"):
            with self.assertRaises(AccessError, msg=operation):
                self.backend.with_user(webhook_user).check_access(operation)
        # The journal is written by its own method (which checks the backend and the message
        # type's group), not by access rights on the journal model.
        for operation in ("read", "write", "create", "unlink"):
            with self.assertRaises(AccessError, msg=operation):
                self.env["logistics.message"].with_user(webhook_user).check_access(operation)
        # Its groups: the technical one and what it implies (Odoo adds the multi-company
        # display group to every user of several companies; it carries no access right).
        self.assertEqual(
            webhook_user.groups_id - self.env.ref("base.group_multi_company"),
            self.env.ref("shipment_events.group_webhook") | self.env.ref("shipment_events.group_milestone_intake"),
        )
        self.assertFalse(self.env.ref("base.group_multi_company").model_access)

    # ------------------------------------------------------------------
    # H1: an attachment designated as a POD
    # ------------------------------------------------------------------
    def _pod_of_a(self):
        self.receive(self.delivered_with_pod(event_id="POD-A", signer="J. Doe"))
        self.process()
        attachment = self.shipment.pod_attachment_id
        self.assertRecordValues(attachment, [{"res_model": "logistics.shipment", "res_id": self.shipment.id}])
        return attachment

    def test_h1_manager_of_b_cannot_take_attachments_of_a(self):
        pod_a = self._pod_of_a()
        Event = self.env["logistics.shipment.event"].with_user(self.manager_b)
        for index, attachment in enumerate((self.board_minutes, pod_a)):
            owner = (attachment.res_model, attachment.res_id)
            with self.assertRaises(AccessError):
                event = Event.create(
                    {
                        "company_id": self.company_b.id,
                        "backend_id": self.backend_b.id,
                        "shipment_id": self.shipment_b.id,
                        "status": "delivered",
                        "event_time": "2026-11-20 10:00:00",
                        "ref_tracking": "PRO-B-1",
                        "identity": f"attack-{index}",
                        "pod_attachment_id": attachment.id,
                    }
                )
                event.action_rematch()
            # Or an event of their own, then the attachment written onto it.
            event = Event.create(
                {
                    "company_id": self.company_b.id,
                    "backend_id": self.backend_b.id,
                    "status": "delivered",
                    "event_time": "2026-11-20 10:00:00",
                    "ref_tracking": "PRO-B-1",
                    "identity": f"attack-write-{index}",
                }
            )
            with self.assertRaises(AccessError):
                event.write({"pod_attachment_id": attachment.id})
            event.action_rematch()
            self.assertRecordValues(attachment, [{"res_model": owner[0], "res_id": owner[1]}])
            self.assertFalse(self.shipment_b.pod_attachment_id)
            with self.assertRaises(AccessError):
                attachment.with_user(self.manager_b).read(["raw"])
        self.assertEqual(self.shipment.pod_attachment_id, pod_a)

    def test_h1_foreign_attachment_never_moved_even_in_superuser_mode(self):
        # Say a milestone pointed at an attachment that processing did not make for it (data
        # written in superuser mode by some other code): matching it leaves the attachment alone.
        stray = self.env["ir.attachment"].create(
            {
                "name": "contract.pdf",
                "raw": b"%PDF-1.4 contract",
                "res_model": "res.partner",
                "res_id": self.lawyer_a.id,
                "company_id": False,
            }
        )
        event = (
            self.env["logistics.shipment.event"]
            .sudo()
            .create(
                {
                    "company_id": self.company_b.id,
                    "backend_id": self.backend_b.id,
                    "status": "delivered",
                    "event_time": "2026-11-20 10:00:00",
                    "ref_tracking": "PRO-B-1",
                    "identity": "stray-pod",
                    "pod_signer": "Mallory",
                    "pod_attachment_id": stray.id,
                }
            )
        )
        with self.assertLogs("odoo.addons.shipment_events.models.logistics_shipment_event_pod", "WARNING") as logs:
            event.with_user(self.manager_b).action_rematch()
        self.assertIn("left alone", logs.output[0])
        self.assertEqual(event.state, "applied")
        self.assertRecordValues(stray, [{"res_model": "res.partner", "res_id": self.lawyer_a.id}])
        self.assertRecordValues(self.shipment_b, [{"status": "delivered", "pod_attachment_id": False}])

    # ------------------------------------------------------------------
    # M6: match again, by group and company; processing writes the guarded shipment fields
    # ------------------------------------------------------------------
    def _unmatched_event_of_a(self):
        self.receive(self.make_event(status="in_transit", ref="PRO-LATER-A", minutes=30, event_id="LATE-A"))
        self.process()
        event = self.env["logistics.shipment.event"].search([("event_ref", "=", "LATE-A")])
        self.assertEqual(event.state, "unmatched")
        # The shipment appears without triggering the automatic matching (as after an import).
        shipment = (
            self.env["logistics.shipment"]
            .with_context(shipment_events_no_rematch=True)
            .create({"partner_id": self.customer.id, "tracking_ref": "PRO-LATER-A", "status": "booked"})
        )
        return event, shipment

    def test_m6_rematch_refused_to_other_company_and_other_groups(self):
        event, shipment = self._unmatched_event_of_a()
        for attacker in (self.manager_b, self.user_b, self.inventory_a):
            with self.assertRaises(AccessError, msg=attacker.login):
                event.with_user(attacker).action_rematch()
        event.invalidate_recordset()
        self.assertEqual(event.state, "unmatched")
        self.assertFalse(event.shipment_id)
        self.assertEqual(shipment.status, "booked")

    def test_m6_manager_and_user_rematch_within_their_company(self):
        event, shipment = self._unmatched_event_of_a()
        event.with_user(self.manager_a).action_rematch()
        self.assertRecordValues(event, [{"state": "applied", "shipment_id": shipment.id}])
        self.assertEqual(shipment.status, "in_transit")
        self.assertIn(shipment, event.message_id.shipment_ids)
        # A Logistics User too, and a shipment of theirs that gets its reference later.
        self.receive(self.make_event(status="picked_up", ref="PRO-USER-A", minutes=10, event_id="LATE-U"))
        self.process()
        other = self.env["logistics.shipment"].create({"partner_id": self.customer.id, "status": "booked"})
        other.with_user(self.user_a).write({"tracking_ref": "PRO-USER-A"})
        self.assertEqual(other.status, "picked_up")

    def test_m6_pod_verdict_and_picking_copies_are_not_writable(self):
        picking_type = self.env.ref("stock.picking_type_out")
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": self.customer.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "logistics_shipment_id": self.shipment.id,
            }
        )
        for user in (self.user_a, self.manager_a):
            with self.assertRaises(AccessError):
                self.shipment.with_user(user).write({"pod_complete": True})
        for vals in ({"logistics_shipment_status": "delivered"}, {"logistics_delivered_date": "2026-11-20 10:00:00"}):
            with self.assertRaises(AccessError):
                picking.with_user(self.inventory_a).write(vals)
        self.assertFalse(self.shipment.pod_complete)
        self.assertRecordValues(picking, [{"logistics_shipment_status": "booked", "logistics_delivered_date": False}])
        # Processing still moves them.
        self.receive(self.delivered_with_pod(event_id="PICK-1", signer="J. Doe"))
        self.process()
        self.assertTrue(self.shipment.pod_complete)
        self.assertEqual(picking.logistics_shipment_status, "delivered")

    def test_m6_processing_fields_of_events_are_not_writable(self):
        self.receive(self.make_event(status=None, status_code="DY", minutes=20, event_id="EXC-1"))
        self.process()
        delay = self.events_of()
        self.assertEqual(delay.exception_state, "open")
        for vals in (
            {"exception_state": "resolved"},
            {"state": "outdated"},
            {"activity_id": False},
            {"message_id": self.journal_of(self.backend)[:1].id},
        ):
            with self.assertRaises(AccessError, msg=vals):
                delay.with_user(self.manager_a).write(vals)
        # Nor deleted: the open exception is what holds the shipment's billing.
        with self.assertRaises(AccessError):
            delay.with_user(self.manager_a).unlink()
        self.assertRecordValues(delay, [{"exception_state": "open", "state": "applied"}])
        self.assertTrue(self.shipment.has_open_exception)
        # An event that never applied to anything may be cleaned up.
        self.receive(self.make_event(status="in_transit", ref="NOWHERE", event_id="JUNK"))
        self.process()
        junk = self.env["logistics.shipment.event"].search([("event_ref", "=", "JUNK")])
        self.assertEqual(junk.state, "unmatched")
        junk.with_user(self.manager_a).unlink()
        self.assertFalse(junk.exists())

    # ------------------------------------------------------------------
    # Events created over RPC: company and processing checks
    # ------------------------------------------------------------------
    def test_rpc_events_cannot_move_another_companys_shipment(self):
        Event = self.env["logistics.shipment.event"].with_user(self.manager_b)
        base = {
            "status": "delivered",
            "event_time": "2026-11-20 10:00:00",
            "ref_tracking": "PRO-1001",
            "pod_signer": "Mallory",
        }
        attempts = [
            {"company_id": self.company_b.id, "backend_id": self.backend_b.id, "shipment_id": self.shipment.id},
            {"company_id": self.company_a.id, "backend_id": self.backend.id, "shipment_id": self.shipment.id},
            {"company_id": self.company_b.id, "backend_id": self.backend.id},
            {"company_id": self.company_b.id, "backend_id": self.backend_b.id, "state": "applied"},
            {"company_id": self.company_b.id, "backend_id": self.backend_b.id, "message_id": self._message_of_a().id},
        ]
        for index, vals in enumerate(attempts):
            with self.assertRaises(REFUSED, msg=vals):
                event = Event.create(dict(base, identity=f"rpc-{index}", **vals))
                event.action_rematch()
        # An event of their own company, then moved to company A.
        event = Event.create(
            dict(base, identity="rpc-move", company_id=self.company_b.id, backend_id=self.backend_b.id)
        )
        for vals in (
            {"company_id": self.company_a.id, "backend_id": self.backend.id, "shipment_id": self.shipment.id},
            {"shipment_id": self.shipment.id},
            {"backend_id": self.backend.id},
        ):
            with self.assertRaises(REFUSED, msg=vals):
                event.write(vals)
                event.action_rematch()
        # Matching again only looks for shipments of the event's backend's company.
        event.action_rematch()
        self.assertEqual(event.state, "unmatched")
        self.assert_shipment_untouched(self.shipment, "booked")
        self.assertFalse(self.events_of())

    def _message_of_a(self):
        self.receive(self.make_event(status="picked_up", ref="NOPE", event_id="MSG-A"))
        return self.journal_of(self.backend)[:1]

    def test_rpc_event_of_own_company_passes_the_same_checks_as_an_upload(self):
        event = (
            self.env["logistics.shipment.event"]
            .with_user(self.manager_b)
            .create(
                {
                    "company_id": self.company_b.id,
                    "backend_id": self.backend_b.id,
                    "status": "delivered",
                    "event_time": "2026-11-20 10:00:00",
                    "ref_tracking": "PRO-B-1",
                    "pod_signer": "B. Signer",
                    "identity": "rpc-own",
                }
            )
        )
        event.action_rematch()
        self.assertRecordValues(self.shipment_b, [{"status": "delivered", "pod_signer": "B. Signer"}])

    # ------------------------------------------------------------------
    # L3: carrier text in exception activities
    # ------------------------------------------------------------------
    def test_l3_carrier_text_escaped_in_exception_activity(self):
        reason = '<img src=x onerror="alert(1)"><a href="https://evil.example">Pay here</a> & more'
        self.receive(
            self.make_event(
                status=None,
                status_code="DY",
                minutes=20,
                event_id="XSS-1",
                reason=reason,
                location={"city": "<b>Lyon</b>", "country": "FR"},
            )
        )
        self.process()
        note = str(self.events_of().activity_id.note)
        self.assertNotIn("<img", note)
        self.assertNotIn("<a ", note)
        self.assertNotIn("<b>", note)
        self.assertIn("&lt;img", note)
        self.assertIn("&lt;a href=", note)
        self.assertNotIn("<a", note)  # not even a link made of the carrier's URL
        self.assertIn("&lt;b&gt;Lyon", note)

    # ------------------------------------------------------------------
    # Rule 7: test backends never move production shipments
    # ------------------------------------------------------------------
    def test_rule7_test_backend_parsed_and_recorded_not_applied(self):
        test_backend = self.env["logistics.backend"].create(
            {
                "name": "Carrier sandbox",
                "code": "fastcarrier-sandbox",
                "kind": "carrier",
                "environment": "test",
                "auth_type": "none",
            }
        )
        self.env["logistics.code.mapping"].create(
            {"backend_id": test_backend.id, "mapping_type": "status", "external_code": "DY", "status": "delayed"}
        )
        self.receive([self.delivered_with_pod(event_id="SANDBOX-1")], backend=test_backend)
        self.receive(
            self.make_event(status=None, status_code="DY", minutes=120, event_id="SANDBOX-2"), backend=test_backend
        )
        # An unknown code waits for its mapping, as on a production backend.
        self.receive(
            self.make_event(status=None, status_code="QQ", minutes=130, event_id="SANDBOX-3"), backend=test_backend
        )
        self.upload_as(
            self.user_a, test_backend, json.dumps(self.make_event(status="out_for_delivery", minutes=90)).encode()
        )
        self.process()
        messages = self.journal_of(test_backend).filtered(lambda m: m.message_type == "shipment_event")
        self.assertEqual(sorted(messages.mapped("state")), ["done", "done", "done", "needs_mapping"])
        events = self.env["logistics.shipment.event"].search([("backend_id", "=", test_backend.id)])
        self.assertEqual(len(events), 3)
        self.assertEqual(set(events.mapped("state")), {"test"})
        self.assertFalse(events.shipment_id)
        pod_event = events.filtered("pod_attachment_id")
        self.assertRecordValues(
            pod_event.pod_attachment_id, [{"res_model": "logistics.shipment.event", "res_id": pod_event.id}]
        )
        self.assertFalse(events.filtered("exception_state"))
        self.assert_shipment_untouched(self.shipment, "booked")
        self.assertFalse(self.shipment.activity_ids)
        # Never matched later: neither by Match Again nor by a new shipment with the reference.
        events.with_user(self.manager_a).action_rematch()
        self.env["logistics.shipment"].create({"partner_id": self.customer.id, "tracking_ref": "PRO-1001"})
        self.assertEqual(set(events.mapped("state")), {"test"})
        self.assertFalse(events.shipment_id)
        self.assertEqual(self.shipment.status, "booked")

    def test_rule7_test_company_applies_its_test_backend(self):
        self.company_b.logistics_environment = "test"
        self.backend_b.environment = "test"
        self.receive(self.make_event(status="delivered", ref="PRO-B-1", event_id="B-TEST"), backend=self.backend_b)
        self.process()
        self.assertEqual(self.shipment_b.status, "delivered")


@tagged("post_install", "-at_install")
class TestWebhookOtherCompany(ShipmentEventsCommon, HttpCase):
    """The webhook's technical user journals for a backend of any company, over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        cls.setup_company_b(code="fastcarrier-b-http", secret="whsec-company-b-http", process_sync=True)

    def test_webhook_of_a_company_b_backend(self):
        body = json.dumps(self.make_event(status="delivered", ref="PRO-B-1", event_id="HTTP-B")).encode()
        timestamp = str(int(time.time()))
        signature = hmac.new(b"whsec-company-b-http", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        response = self.url_open(
            f"/logistics/webhook/{self.backend_b.code}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Logistics-Timestamp": timestamp,
                "X-Logistics-Signature": f"v1={signature}",
            },
        )
        self.assertEqual(response.status_code, 202, response.text)
        self.assertTrue(response.json()["processed"])
        self.assertEqual(self.shipment_b.status, "delivered")
        message = self.env["logistics.message"].search([("backend_id", "=", self.backend_b.id)])
        self.assertRecordValues(message, [{"state": "done", "company_id": self.company_b.id}])
