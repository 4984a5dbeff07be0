import base64
import json

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.logistics_connector.controllers.webhook_intake import http_answer

from .common import ShipmentEventsCommon


@tagged("post_install", "-at_install")
class TestShipmentEvents(ShipmentEventsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()

    # ------------------------------------------------------------------
    # Applying events
    # ------------------------------------------------------------------
    def test_event_applied_with_mapping_location_and_category(self):
        status, answer = self.receive(
            self.make_event(status=None, status_code="IT", event_id="E-1", reason="left the hub", minutes=5)
        )
        self.assertEqual(status, 202)
        self.assertEqual(answer["status"], "accepted")
        message = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertRecordValues(
            message, [{"message_type": "shipment_event", "state": "received", "idempotency_key": "event:E-1"}]
        )
        self.process()
        self.assertEqual(message.state, "done")
        event = self.events_of()
        self.assertRecordValues(
            event,
            [
                {
                    "status": "in_transit",
                    "external_code": "IT",
                    "reason": "left the hub",
                    "state": "applied",
                    "category": "informational",
                    "location_city": "Lyon",
                    "location_country": "FR",
                    "event_time": fields.Datetime.from_string("2026-11-20 08:05:00"),
                    "event_tz": "+00:00",
                    "channel": "webhook",
                    "message_id": message.id,
                }
            ],
        )
        self.assertEqual(self.shipment.status, "in_transit")
        self.assertEqual(self.shipment.status_event_time, fields.Datetime.from_string("2026-11-20 08:05:00"))
        self.assertIn(self.shipment, message.shipment_ids)
        self.assertEqual(self.shipment.event_count, 1)

    def test_time_zone_offset_converted_to_utc(self):
        event = self.make_event(event_id="TZ-1")
        event["event_time"] = "2026-11-20T10:30:00+02:00"
        self.receive(event)
        self.process()
        self.assertRecordValues(
            self.events_of(), [{"event_time": fields.Datetime.from_string("2026-11-20 08:30:00"), "event_tz": "+02:00"}]
        )

    def test_out_of_order_delivered_then_late_in_transit(self):
        self.receive(self.make_event(status="delivered", minutes=120, event_id="D"))
        self.process()
        self.assertEqual(self.shipment.status, "delivered")
        self.assertEqual(self.shipment.actual_delivery, fields.Datetime.from_string("2026-11-20 10:00:00"))
        # A late 'in transit' (older event time, arriving after) never overwrites 'delivered'.
        self.receive(self.make_event(status="in_transit", minutes=30, event_id="T"))
        self.process()
        self.assertEqual(self.shipment.status, "delivered")
        events = self.events_of()
        self.assertEqual(events.mapped("status"), ["in_transit", "delivered"])
        self.assertEqual(events.mapped("state"), ["outdated", "applied"])

    def test_out_of_order_within_one_batch(self):
        # Newest first in the batch: the status is decided by event time, not arrival order.
        self.receive(
            [
                self.make_event(status="out_for_delivery", minutes=90, event_id="O"),
                self.make_event(status="picked_up", minutes=10, event_id="P"),
                self.make_event(status="in_transit", minutes=40, event_id="I"),
            ]
        )
        self.process()
        self.assertEqual(self.shipment.status, "out_for_delivery")
        self.assertEqual(self.shipment.actual_pickup, fields.Datetime.from_string("2026-11-20 08:10:00"))
        self.assertEqual(self.events_of().mapped("state"), ["applied", "applied", "applied"])
        # An older in-transit afterwards is outdated; a newer one applies.
        self.receive([self.make_event(status="in_transit", minutes=60, event_id="I2")])
        self.process()
        self.assertEqual(self.shipment.status, "out_for_delivery")
        self.assertEqual(self.events_of().filtered(lambda e: e.event_ref == "I2").state, "outdated")

    def test_same_time_higher_rank_wins(self):
        self.receive([self.make_event(status="delivered", minutes=50, event_id="A")])
        self.receive([self.make_event(status="out_for_delivery", minutes=50, event_id="B", location={"city": "Bron"})])
        self.process()
        self.assertEqual(self.shipment.status, "delivered")

    def test_duplicates_never_create_a_second_event(self):
        event = self.make_event(status="picked_up", event_id="DUP-1")
        self.assertEqual(self.receive(event)[0], 202)
        status, answer = self.receive(event)
        self.assertEqual(status, 200)
        self.assertEqual(answer["status"], "duplicate")
        # Same milestone without the sender's id (another idempotency key): same identity, one event.
        self.receive(self.make_event(status="picked_up"))
        self.process()
        self.assertEqual(len(self.events_of()), 1)
        duplicates = self.env["logistics.message"].search(
            [("backend_id", "=", self.backend.id), ("state", "=", "duplicate")]
        )
        self.assertEqual(len(duplicates), 1)

    def test_duplicate_across_channels_webhook_and_file(self):
        self.receive(self.make_event(status="delivered", event_id="WH-1", minutes=100))
        self.process()
        # The same milestone arrives in an uploaded file (different message, no event id).
        upload = self.env["shipment.event.upload"].create(
            {
                "backend_id": self.backend.id,
                "file": base64.b64encode(
                    json.dumps({"events": [self.make_event(status="delivered", minutes=100)]}).encode()
                ),
                "filename": "events.json",
            }
        )
        status, answer = http_answer(upload._upload())
        self.assertEqual(status, 202)
        file_message = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertTrue(file_message.source.startswith("file"))
        self.process()
        self.assertEqual(file_message.state, "done")
        self.assertEqual(len(self.events_of()), 1)
        self.assertEqual(self.events_of().channel, "webhook")

    def test_batch_handler_falls_back_to_one_by_one(self):
        # One event has an unmapped code: the others are applied, it waits for its mapping.
        status, answer = self.receive(
            [
                self.make_event(status=None, status_code="PU", minutes=1, event_id="B1"),
                self.make_event(status=None, status_code="ZZ", minutes=2, event_id="B2"),
                self.make_event(status=None, status_code="IT", minutes=3, event_id="B3"),
            ]
        )
        self.assertEqual(status, 202)
        self.process()
        messages = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertEqual(messages.mapped("state"), ["done", "needs_mapping", "done"])
        self.assertEqual(messages[1].missing_mapping_code, "ZZ")
        self.assertEqual(self.shipment.status, "in_transit")
        self.env["logistics.code.mapping"].create(
            {"backend_id": self.backend.id, "mapping_type": "status", "external_code": "ZZ", "status": "in_transit"}
        )
        self.assertEqual(messages[1].state, "queued")
        self.process()
        self.assertEqual(messages[1].state, "done")
        self.assertEqual(len(self.events_of()), 3)
        # The ZZ event (time +2) arrived after the +3 event: kept in the timeline as outdated.
        self.assertEqual(self.events_of()[1].state, "outdated")

    def test_batch_processing_query_budget(self):
        shipments = self.env["logistics.shipment"].create(
            [{"partner_id": self.customer.id, "tracking_ref": f"BULK-{i}", "status": "booked"} for i in range(50)]
        )
        self.receive(
            [self.make_event(status="in_transit", ref=f"BULK-{i}", minutes=i, event_id=f"BULK-{i}") for i in range(50)]
        )
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(50):  # 50 events: at most one query per event
            self.process()
        self.assertEqual(set(shipments.mapped("status")), {"in_transit"})
        self.assertEqual(self.env["logistics.shipment.event"].search_count([("shipment_id", "in", shipments.ids)]), 50)

    def test_distinct_shipments_query_budget(self):
        """Issue 18: events of as many distinct shipments (picked up, in transit, delivered
        with a proof of delivery, one out of order) cost a fixed number of queries for the
        batch, not one or more per shipment: the events are created with their states, the
        shipments written by the ORM's batched flush, the links by one insert."""
        count = 60
        statuses = ["picked_up", "in_transit", "delivered"]
        shipments = self.env["logistics.shipment"].create(
            [{"partner_id": self.customer.id, "tracking_ref": f"DIST-{i}", "status": "booked"} for i in range(count)]
        )
        # Shipment 0 knows a later milestone already: its event below arrives out of order.
        self.receive(self.make_event(status="out_for_delivery", ref="DIST-0", minutes=500, event_id="DIST-PRE"))
        self.process()
        events = []
        for i in range(count):
            extra = {}
            if statuses[i % 3] == "delivered":
                extra["pod"] = {"signer": f"Receiver {i}"}
            events.append(
                self.make_event(status=statuses[i % 3], ref=f"DIST-{i}", minutes=i, event_id=f"DIST-{i}", **extra)
            )
        self.receive(events)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(27):  # 60 events over 60 shipments (24 measured), not one per shipment
            self.process()
        created = self.env["logistics.shipment.event"].search(
            [("shipment_id", "in", shipments.ids), ("event_ref", "like", "DIST-%"), ("event_ref", "!=", "DIST-PRE")]
        )
        self.assertEqual(len(created), count)
        late = created.filtered(lambda e: e.shipment_id == shipments[0])
        self.assertEqual(late.state, "outdated")
        self.assertEqual(set((created - late).mapped("state")), {"applied"})
        self.assertEqual(shipments[0].status, "out_for_delivery")
        for i, shipment in enumerate(shipments[1:], start=1):
            self.assertEqual(shipment.status, statuses[i % 3])
        delivered = shipments.filtered(lambda s: s.status == "delivered")
        self.assertEqual(len(delivered), count // 3)
        self.assertTrue(all(delivered.mapped("pod_signer")))
        self.assertTrue(all(shipments[3::3].mapped("actual_pickup")))
        links = self.env["logistics.message.link"].search([("message_id", "in", created.message_id.ids)])
        self.assertEqual(len(links), count)
        self.assertEqual(links.company_id, self.backend.company_id)
        self.assertEqual(created.message_id.shipment_ids, shipments)

    # ------------------------------------------------------------------
    # Unmatched events
    # ------------------------------------------------------------------
    def test_unmatched_then_matched_by_tracking_ref(self):
        self.receive(self.make_event(status="in_transit", ref="PRO-LATER", minutes=20, event_id="U1"))
        self.receive(self.make_event(status="picked_up", ref="PRO-LATER", minutes=10, event_id="U2"))
        self.process()
        waiting = self.env["logistics.shipment.event"].search([("ref_tracking", "=", "PRO-LATER")])
        self.assertEqual(len(waiting), 2)
        self.assertEqual(set(waiting.mapped("state")), {"unmatched"})
        self.assertFalse(waiting.shipment_id)
        shipment = self.env["logistics.shipment"].create(
            {"partner_id": self.customer.id, "status": "booked", "tracking_ref": "PRO-LATER"}
        )
        self.assertEqual(waiting.shipment_id, shipment)
        self.assertEqual(set(waiting.mapped("state")), {"applied"})
        self.assertEqual(shipment.status, "in_transit")
        self.assertEqual(shipment.actual_pickup, fields.Datetime.from_string("2026-11-20 08:10:00"))

    def test_unmatched_then_matched_by_external_id_and_later_tracking_ref(self):
        self.receive(self.make_event(status="delivered", ref=None, shipment_id="EXT-77", minutes=5, event_id="X1"))
        self.receive(self.make_event(status="picked_up", ref="PRO-88", minutes=1, event_id="X2"))
        self.process()
        shipment = self.env["logistics.shipment"].create({"partner_id": self.customer.id, "status": "booked"})
        self.assertEqual(shipment.event_count, 0)
        shipment._set_external_ref(self.backend, "EXT-77")
        self.assertEqual(shipment.status, "delivered")
        shipment.tracking_ref = "PRO-88"
        self.assertEqual(shipment.event_count, 2)
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(self.env["logistics.shipment.event"].search([("event_ref", "=", "X2")]).state, "outdated")

    # ------------------------------------------------------------------
    # Proof of delivery
    # ------------------------------------------------------------------
    def test_pod_completeness(self):
        self.company.shipment_pod_require_document = True
        self.receive(
            self.make_event(
                status="delivered",
                minutes=100,
                event_id="POD-1",
                pod={"signer": "J. Doe", "time": "2026-11-20T09:41:00+00:00"},
            )
        )
        self.process()
        self.assertEqual(self.shipment.status, "delivered")
        self.assertEqual(self.shipment.pod_signer, "J. Doe")
        self.assertEqual(self.shipment.pod_time, fields.Datetime.from_string("2026-11-20 09:41:00"))
        self.assertFalse(self.shipment.pod_complete)
        self.assertEqual(self.shipment._get_missing_pod_fields(), ["document"])
        self.assertFalse(self.shipment._is_delivered_with_pod())
        event = self.events_of()
        self.assertEqual(event.category, "billing")
        # The carrier sends the signed document later.
        self.receive(
            self.make_event(
                status="delivered",
                minutes=130,
                event_id="POD-2",
                pod={
                    "signer": "J. Doe",
                    "time": "2026-11-20T09:41:00+00:00",
                    "document_base64": self.pdf_base64(),
                    "filename": "pod.pdf",
                    "mimetype": "application/pdf",
                },
            )
        )
        self.process()
        attachment = self.shipment.pod_attachment_id
        self.assertRecordValues(
            attachment, [{"name": "pod.pdf", "res_model": "logistics.shipment", "res_id": self.shipment.id}]
        )
        self.assertEqual(attachment.raw, base64.b64decode(self.pdf_base64()))
        self.assertTrue(self.shipment.pod_complete)
        self.assertTrue(self.shipment._is_delivered_with_pod())
        # Relaxing / tightening the company requirements recomputes the stored flag.
        self.company.shipment_pod_require_document = False
        self.shipment.pod_signer = False
        self.assertFalse(self.shipment.pod_complete)
        self.company.shipment_pod_require_signer = False
        self.assertTrue(self.shipment.pod_complete)

    def test_pod_on_unmatched_event_follows_the_shipment(self):
        self.receive(
            self.make_event(
                status="delivered",
                ref="PRO-POD",
                event_id="PU1",
                pod={"signer": "A. B", "document_base64": self.pdf_base64(), "filename": "pod.pdf"},
            )
        )
        self.process()
        event = self.env["logistics.shipment.event"].search([("event_ref", "=", "PU1")])
        self.assertEqual(event.pod_attachment_id.res_model, "logistics.shipment.event")
        shipment = self.env["logistics.shipment"].create({"partner_id": self.customer.id, "tracking_ref": "PRO-POD"})
        self.assertEqual(shipment.pod_attachment_id, event.pod_attachment_id)
        self.assertEqual(event.pod_attachment_id.res_model, "logistics.shipment")
        self.assertEqual(event.pod_attachment_id.res_id, shipment.id)
        self.assertEqual(shipment.pod_time, fields.Datetime.from_string("2026-11-20 08:00:00"))
        self.assertTrue(shipment.pod_complete)

    # ------------------------------------------------------------------
    # Exceptions
    # ------------------------------------------------------------------
    def _exception_activities(self, shipment=None, active=True):
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "logistics.shipment"),
                    ("res_id", "=", (shipment or self.shipment).id),
                    ("activity_type_id", "=", self.env.ref("shipment_events.mail_activity_type_shipment_exception").id),
                    ("active", "=", active),
                ]
            )
        )

    def test_exception_activity_opened_and_closed(self):
        self.receive(self.make_event(status="in_transit", minutes=10, event_id="E0"))
        self.receive(
            self.make_event(
                status=None, status_code="DY", minutes=20, event_id="E1", reason_code="AO", reason="Snow storm"
            )
        )
        self.process()
        self.assertEqual(self.shipment.status, "delayed")
        activity = self._exception_activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("Snow storm", str(activity.note))
        self.assertIn("AO", str(activity.note))
        delay = self.events_of().filtered(lambda e: e.event_ref == "E1")
        self.assertRecordValues(
            delay, [{"exception_state": "open", "activity_id": activity.id, "category": "actionable"}]
        )
        self.assertTrue(self.shipment.has_open_exception)
        self.assertEqual(self.shipment._get_open_exceptions(), delay)
        self.assertIn(self.shipment, self.env["logistics.shipment"].search([("has_open_exception", "=", True)]))
        # A later progress event resolves the exception and closes the activity.
        self.receive(self.make_event(status="out_for_delivery", minutes=60, event_id="E2"))
        self.process()
        self.assertFalse(self._exception_activities())
        done = self._exception_activities(active=False)
        self.assertEqual(done, activity)
        self.assertEqual(done.state, "done")
        self.assertRecordValues(delay, [{"exception_state": "resolved", "resolved_by_id": self.events_of()[-1].id}])
        self.assertFalse(self.shipment.has_open_exception)
        self.assertNotIn(self.shipment, self.env["logistics.shipment"].search([("has_open_exception", "=", True)]))

    def test_refused_attempted_delivery_exception_type(self):
        self.backend.event_responsible_user_id = self.env.ref("base.user_admin")
        self.shipment.sale_id = False
        self.receive(
            self.make_event(
                status="out_for_delivery",
                minutes=30,
                event_id="R1",
                exception={"type": "attempted_delivery", "description": "Nobody home"},
            )
        )
        self.process()
        activity = self._exception_activities()
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        self.assertIn("Nobody home", str(activity.note))
        self.assertEqual(self.events_of().exception_type, "attempted_delivery")
        self.receive(self.make_event(status="delivered", minutes=90, event_id="R2"))
        self.process()
        self.assertFalse(self._exception_activities())

    def test_late_exception_older_than_progress_opens_nothing(self):
        self.receive(self.make_event(status="out_for_delivery", minutes=60, event_id="P1"))
        self.process()
        self.receive(self.make_event(status="delayed", minutes=20, event_id="L1"))
        self.process()
        self.assertEqual(self.shipment.status, "out_for_delivery")
        self.assertFalse(self._exception_activities())
        late = self.events_of().filtered(lambda e: e.event_ref == "L1")
        self.assertRecordValues(late, [{"state": "outdated", "exception_state": "resolved"}])

    # ------------------------------------------------------------------
    # Customer notifications
    # ------------------------------------------------------------------
    def _mails(self):
        return self.env["mail.mail"].search([("model", "=", "logistics.shipment"), ("res_id", "=", self.shipment.id)])

    def test_notification_sent_once_per_status(self):
        self.company.write({"shipment_notify_shipped": True, "shipment_notify_delivered": True})
        self.receive(self.make_event(status="picked_up", minutes=10, event_id="N1"))
        self.process()
        mails = self._mails()
        self.assertEqual(len(mails), 1)
        self.assertIn(self.customer, mails.recipient_ids)
        self.assertIn("Picked Up", mails.subject)
        # in transit is "shipped" too: not sent again.
        self.receive(self.make_event(status="in_transit", minutes=20, event_id="N2"))
        self.process()
        self.assertEqual(len(self._mails()), 1)
        self.receive(self.make_event(status="delivered", minutes=90, event_id="N3"))
        self.process()
        self.assertEqual(len(self._mails()), 2)
        # A second 'delivered' event (another time, e.g. corrected) sends nothing more.
        self.receive(self.make_event(status="delivered", minutes=95, event_id="N4"))
        self.process()
        self.assertEqual(len(self._mails()), 2)
        self.assertEqual(sorted(self.shipment.notification_ids.mapped("status")), ["delivered", "shipped"])
        delivered_mail = self.shipment.notification_ids.filtered(lambda n: n.status == "delivered").mail_id
        self.assertIn("Delivered", delivered_mail.subject)
        self.assertTrue(
            self.env["mail.message"].search_count(
                [("model", "=", "logistics.shipment"), ("res_id", "=", self.shipment.id), ("body", "ilike", "notified")]
            )
        )

    def test_notification_not_configured_or_outdated(self):
        self.company.shipment_notify_delayed = True
        self.receive(self.make_event(status="in_transit", minutes=50, event_id="Q1"))
        self.receive(self.make_event(status="delayed", minutes=10, event_id="Q2"))  # older: outdated
        self.process()
        self.assertFalse(self._mails())
        self.receive(self.make_event(status="delayed", minutes=70, event_id="Q3"))
        self.process()
        self.assertEqual(len(self._mails()), 1)

    # ------------------------------------------------------------------
    # Picking and sale order
    # ------------------------------------------------------------------
    def test_picking_delivered_date_and_smart_buttons(self):
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
        self.receive(self.make_event(status="delivered", minutes=100, event_id="PK"))
        self.process()
        self.assertEqual(picking.logistics_shipment_status, "delivered")
        self.assertEqual(picking.logistics_delivered_date, fields.Datetime.from_string("2026-11-20 09:40:00"))
        self.assertEqual(picking.logistics_event_count, 1)
        action = picking.action_view_shipment_events()
        self.assertEqual(self.env["logistics.shipment.event"].search(action["domain"]), self.events_of())
        self.assertEqual(self.sale.logistics_event_count, 1)
        action = self.sale.action_view_shipment_events()
        self.assertEqual(self.env["logistics.shipment.event"].search(action["domain"]), self.events_of())


@tagged("post_install", "-at_install")
class TestShipmentEventsX12(ShipmentEventsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()

    def upload(self, data, filename="status.edi"):
        wizard = self.env["shipment.event.upload"].create(
            {"backend_id": self.backend.id, "file": base64.b64encode(data), "filename": filename}
        )
        return http_answer(wizard._upload())  # as the webhook would answer

    def test_default_at7_mappings_shipped(self):
        from ..formats.platforms import default_status_mappings
        from ..formats.x12_214 import DEFAULT_STATUS_MAP

        defaults = self.env["logistics.code.mapping"].search(
            [("backend_id", "=", False), ("mapping_type", "=", "status")]
        )
        # The AT7 defaults, next to the carrier platforms' and IFTSTA's (issue 16), each told
        # by its description or its code.
        at7 = defaults.filtered(lambda m: m.description == "X12 AT7 default")
        self.assertEqual({m.external_code: m.status for m in at7}, DEFAULT_STATUS_MAP)
        platforms = {code: status for code, status, _text in default_status_mappings()}
        self.assertEqual({m.external_code: m.status for m in defaults if m.external_code in platforms}, platforms)

    def test_x12_file_applies_events_and_acknowledges(self):
        data = self.x12_214(
            [("AF", "NS", "20261120", "0810", "UT", "Lyon"), ("D1", "", "20261120", "1040", "ET", "Lyon")]
        )
        status, answer = self.upload(data)
        self.assertEqual(status, 202)
        self.assertEqual(answer["events"], 2)
        message = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertRecordValues(
            message,
            [
                {
                    "message_type": "x12_214",
                    "state": "received",
                    "idempotency_key": "x12:FASTCARR:OURCOMPANY:000000101",
                    "source": "file status.edi",
                }
            ],
        )
        ack = self.env["logistics.message"].browse(answer["ack_message_id"])
        self.assertRecordValues(ack, [{"message_type": "x12_997", "direction": "outbound", "state": "done"}])
        self.assertIn("AK1*QM*101~", ack.payload)
        self.assertIn("AK5*A~", ack.payload)
        self.assertIn("AK9*A*1*1*1~", ack.payload)
        self.process()
        self.assertEqual(message.state, "done")
        events = self.events_of()
        self.assertRecordValues(
            events,
            [
                {
                    "status": "picked_up",
                    "external_code": "AF",
                    "reason_code": "NS",
                    "channel": "file",
                    "event_time": fields.Datetime.from_string("2026-11-20 08:10:00"),
                    "event_tz": "+00:00",
                    "ref_bill_of_lading": "BOL-1001",
                    "ref_external_id": "SHIP-778",
                },
                {
                    "status": "delivered",
                    "external_code": "D1",
                    "reason_code": False,
                    "channel": "file",
                    # 10:40 Eastern time in November is 15:40 UTC.
                    "event_time": fields.Datetime.from_string("2026-11-20 15:40:00"),
                    "event_tz": "-05:00",
                    "ref_bill_of_lading": "BOL-1001",
                    "ref_external_id": "SHIP-778",
                },
            ],
        )
        self.assertEqual(events[1].category, "billing")
        self.assertEqual(self.shipment.status, "delivered")
        # The same interchange again (same ISA13): a duplicate.
        status, answer = self.upload(data)
        self.assertEqual(status, 200)
        self.assertEqual(answer["message_ids"], message.ids)

    def test_same_event_by_webhook_json_and_x12_file_counts_once(self):
        self.receive(self.make_event(status="delivered", minutes=100, event_id="JSON-D1"))
        self.process()
        # 09:40 UTC, Lyon, PRO-1001, D1 (delivered): the same milestone in X12.
        self.upload(self.x12_214([("D1", "", "20261120", "0940", "UT", "LYON")], control=102))
        self.process()
        events = self.events_of()
        self.assertEqual(len(events), 1)
        self.assertEqual(events.channel, "webhook")
        x12_message = self.env["logistics.message"].search([("message_type", "=", "x12_214")])
        self.assertEqual(x12_message.state, "done")

    def test_x12_refused_opens_exception_and_keeps_reason(self):
        self.upload(self.x12_214([("A7", "AO", "20261120", "1200", "UT", "Lyon")], control=103))
        self.process()
        event = self.events_of()
        self.assertRecordValues(
            event,
            [
                {
                    "status": "exception",
                    "external_code": "A7",
                    "reason_code": "AO",
                    "exception_type": "refused",
                    "exception_state": "open",
                }
            ],
        )
        self.assertEqual(self.shipment.status, "exception")
        self.assertEqual(event.activity_id.user_id, self.salesman)
        self.assertIn("AO", str(event.activity_id.note))

    def test_x12_local_time_uses_company_time_zone(self):
        self.company.partner_id.tz = "Europe/Paris"
        self.upload(self.x12_214([("X6", "NS", "20261120", "1000", "LT", "Lyon")], control=104))
        self.process()
        self.assertRecordValues(
            self.events_of(),
            [{"event_time": fields.Datetime.from_string("2026-11-20 09:00:00"), "event_tz": "+01:00"}],
        )

    def test_x12_unmapped_backend_code_waits_for_mapping(self):
        self.upload(self.x12_214([("ZX", "NS", "20261120", "1000", "UT", "Lyon")], control=105))
        self.process()
        message = self.env["logistics.message"].search([("message_type", "=", "x12_214")])
        self.assertRecordValues(
            message, [{"state": "needs_mapping", "missing_mapping_type": "status", "missing_mapping_code": "ZX"}]
        )
        self.env["logistics.code.mapping"].create(
            {"backend_id": self.backend.id, "mapping_type": "status", "external_code": "ZX", "status": "in_transit"}
        )
        self.process()
        self.assertEqual(message.state, "done")
        self.assertEqual(self.shipment.status, "in_transit")

    def test_x12_malformed_kept_failed_with_rejecting_997(self):
        # An IEA01 mismatch is now read on (a warning, issue 15): the set without its SE trailer is still refused.
        data = self.x12_214([("AF", "NS", "20261120", "0810", "UT", "Lyon")], control=106).replace(b"SE*", b"XE*")
        status, answer = self.upload(data)
        self.assertEqual(status, 400)
        self.assertIn("has no SE trailer", answer["error"])
        message = self.env["logistics.message"].browse(answer["message_ids"])
        self.assertRecordValues(message, [{"state": "failed", "message_type": "x12_214"}])
        self.assertEqual(message._get_payload_bytes(), data)
        ack = self.env["logistics.message"].browse(answer["ack_message_id"])
        self.assertIn("AK9*R", ack.payload)
        self.assertFalse(self.events_of())
