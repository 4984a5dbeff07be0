from datetime import datetime

from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, tagged

from .common import LogisticsCommon


@tagged("post_install", "-at_install")
class TestShipmentStatus(LogisticsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()

    def test_reference_from_sequence(self):
        self.assertTrue(self.shipment.name.startswith("SHP/"))

    def test_late_event_never_moves_status_backwards(self):
        shipment = self.shipment
        t = datetime(2026, 11, 20, 10, 0)
        self.assertTrue(shipment._apply_event_status("picked_up", t))
        self.assertEqual(shipment.actual_pickup, t)
        self.assertTrue(shipment._apply_event_status("delivered", t.replace(hour=18)))
        self.assertEqual(shipment.actual_delivery, t.replace(hour=18))
        # An older 'in transit' arriving late changes nothing.
        self.assertFalse(shipment._apply_event_status("in_transit", t.replace(hour=12)))
        # Even a newer one: delivered is final.
        self.assertFalse(shipment._apply_event_status("in_transit", t.replace(hour=20)))
        self.assertEqual(shipment.status, "delivered")

    def test_latest_event_time_wins_then_rank(self):
        shipment = self.shipment
        t = datetime(2026, 11, 20, 10, 0)
        shipment._apply_event_status("out_for_delivery", t)
        self.assertFalse(shipment._apply_event_status("in_transit", t.replace(hour=9)))
        self.assertEqual(shipment.status, "out_for_delivery")
        # Same time: the higher rank wins.
        self.assertFalse(shipment._apply_event_status("in_transit", t))
        self.assertTrue(shipment._apply_event_status("delivered", t))
        self.assertEqual(shipment.status, "delivered")

    def test_movement_beats_a_booking_learnt_later(self):
        """The TMS booking was processed after an outage; the carrier's pickup happened before."""
        shipment = self.shipment
        shipment._apply_event_status("booked", datetime(2026, 11, 20, 12, 0))
        self.assertTrue(shipment._apply_event_status("picked_up", datetime(2026, 11, 20, 9, 0)))
        self.assertEqual(shipment.actual_pickup, datetime(2026, 11, 20, 9, 0))
        # The other way round a booking never takes the goods back.
        self.assertFalse(shipment._apply_event_status("booked", datetime(2026, 11, 20, 13, 0)))
        self.assertEqual(shipment.status, "picked_up")

    def test_newer_exception_then_recovery(self):
        shipment = self.shipment
        t = datetime(2026, 11, 20, 10, 0)
        shipment._apply_event_status("in_transit", t)
        self.assertTrue(shipment._apply_event_status("customs_hold", t.replace(hour=11)))
        self.assertTrue(shipment._apply_event_status("in_transit", t.replace(hour=15)))
        self.assertEqual(shipment.status, "in_transit")

    def test_manual_transitions_are_explicit(self):
        shipment = self.shipment
        shipment._set_status("tendered")
        with self.assertRaises(UserError):
            shipment._set_status("delivered")
        shipment._set_status("booked")
        shipment._set_status("cancelled")
        with self.assertRaises(UserError):
            shipment._set_status("booked")

    def test_find_by_references(self):
        other = self.env["logistics.shipment"].create({"backend_id": self.backend.id, "tracking_ref": "1Z999"})
        third = self.env["logistics.shipment"].create({"backend_id": self.backend.id, "bill_of_lading": "BOL-7"})
        self.shipment._set_external_ref(self.backend, "TMS-42")
        found = self.env["logistics.shipment"]._find_by_references(
            self.backend,
            [
                {"external_id": "TMS-42"},
                {"tracking_ref": "1Z999"},
                {"bill_of_lading": "BOL-7"},
                {"name": self.shipment.name},
                {"tracking_ref": "nothing"},
            ],
        )
        self.assertEqual(found[0], self.shipment)
        self.assertEqual(found[1], other)
        self.assertEqual(found[2], third)
        self.assertEqual(found[3], self.shipment)
        self.assertFalse(found[4])


@tagged("post_install", "-at_install")
class TestShipmentFromOrders(LogisticsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()
        cls.product = cls.env["product.product"].create(
            {"name": "Pallet of widgets", "is_storable": True, "weight": 12.5}
        )

    def _sale(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "carrier_id": self.carrier.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 4})],
            }
        )
        order.action_confirm()
        return order

    def test_confirmed_delivery_queues_one_transport_order(self):
        order = self._sale()
        shipment = order.logistics_shipment_ids
        self.assertEqual(len(shipment), 1)
        self.assertEqual(order.logistics_shipment_count, 1)
        self.assertEqual(shipment.picking_ids, order.picking_ids)
        self.assertEqual(shipment.backend_id, self.backend)
        self.assertEqual(shipment.carrier_id, self.carrier)
        self.assertEqual(shipment.status, "tendered")
        self.assertEqual(shipment.tms_state, "queued")
        self.assertAlmostEqual(shipment.weight, 50.0)  # 4 x 12.5 kg
        message = shipment.journal_message_ids
        self.assertEqual(message.message_type, "transport_order")
        self.assertEqual(message.state, "queued")
        body = message._get_payload_json()
        self.assertEqual(body["reference"], shipment.name)
        self.assertEqual(body["order_reference"], order.name)
        self.assertEqual(body["destination"]["city"], "Lyon")
        self.assertEqual(body["lines"][0]["quantity"], 4)
        # Asking again sends nothing twice.
        with self.assertRaises(UserError):
            shipment.action_send_transport_order()
        picking_action = order.picking_ids.action_view_logistics_shipment()
        self.assertEqual(picking_action["res_id"], shipment.id)

    def test_test_backend_gets_no_production_traffic(self):
        self.backend.environment = "test"
        order = self._sale()
        self.assertFalse(order.logistics_shipment_ids, "no production TMS: nothing automatic")
        shipment = order.picking_ids._logistics_create_shipments(self.backend)
        with self.assertRaisesRegex(UserError, "gets no traffic from this company"):
            shipment.action_send_transport_order()

    def test_cancel_queues_cancellation_in_order(self):
        order = self._sale()
        shipment = order.logistics_shipment_ids
        shipment.action_cancel()
        self.assertEqual(shipment.status, "cancelled")
        self.assertEqual(shipment.tms_state, "cancel_queued")
        types = shipment.journal_message_ids.sorted("id").mapped("message_type")
        self.assertEqual(types, ["transport_order", "transport_cancel"])
        self.assertEqual(len(set(shipment.journal_message_ids.mapped("sequence_key"))), 1)

    def test_receipt_with_a_carrier_queues_an_inbound_transport_order(self):
        vendor = self.env["res.partner"].create({"name": "Widget Factory", "city": "Turin"})
        order = self.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_qty": 10, "price_unit": 5.0})],
            }
        )
        order.button_confirm()
        receipt = order.picking_ids
        self.assertEqual(receipt.picking_type_code, "incoming")
        self.assertFalse(order.logistics_shipment_ids, "no carrier yet: the vendor may deliver itself")
        receipt.carrier_id = self.carrier
        shipment = order.logistics_shipment_ids
        self.assertEqual(len(shipment), 1)
        self.assertRecordValues(
            shipment, [{"direction": "inbound", "purchase_id": order.id, "status": "tendered", "tms_state": "queued"}]
        )
        self.assertEqual(order.logistics_shipment_count, 1)
        self.assertEqual(order.action_view_logistics_shipments()["res_id"], shipment.id)
        # Setting the carrier again queues nothing more.
        receipt.carrier_id = self.carrier
        self.assertEqual(len(shipment.journal_message_ids), 1)

    def test_group_pickings_into_one_shipment(self):
        self.backend.auto_send_transport_orders = False
        orders = self._sale() | self._sale()
        action = orders.picking_ids.action_logistics_create_shipment()
        shipment = self.env["logistics.shipment"].browse(action["res_id"])
        self.assertEqual(shipment.picking_ids, orders.picking_ids)
        self.assertEqual(shipment.status, "draft")

    def test_backend_form_and_rotation(self):
        form = Form(self.env["logistics.backend"])
        form.name = "Carrier platform"
        form.code = "carrier-x"
        form.kind = "carrier"
        backend = form.save()
        self.assertEqual(backend.environment, "test", "new backends start as test backends")
        backend.action_rotate_webhook_secret()
        first = backend.webhook_secret
        backend.action_rotate_webhook_secret()
        self.assertEqual(backend._get_webhook_secrets(), [backend.webhook_secret, first])
        backend.webhook_secret_previous_until = datetime(2000, 1, 1)
        self.assertEqual(backend._get_webhook_secrets(), [backend.webhook_secret])

    def test_webhook_intake_cache_is_cleared_after_the_commit_too(self):
        """A thread of the same process may cache the settings still committed between a
        change and its commit: the commit clears them once more (registry signalling does
        not clear the process that sent it)."""
        Backend = self.env["logistics.backend"]
        self.backend.webhook_secret = "secret-a"
        self.assertEqual(Backend._webhook_intake(self.backend.code).secret, "secret-a")
        # Stands for that other thread: the database changes without the ORM (no clear) ...
        self.env.flush_all()
        self.env.cr.execute("UPDATE logistics_backend SET webhook_secret = 'secret-b' WHERE id = %s", [self.backend.id])
        self.backend.invalidate_recordset(["webhook_secret"])
        self.assertEqual(Backend._webhook_intake(self.backend.code).secret, "secret-a", "served from the cache")
        # ... and what the commit runs afterwards (the test cursor never commits) clears it.
        self.env.cr.postcommit.run()
        self.assertEqual(Backend._webhook_intake(self.backend.code).secret, "secret-b")
        self.assertIsNone(Backend._webhook_intake("no-such-backend"))
