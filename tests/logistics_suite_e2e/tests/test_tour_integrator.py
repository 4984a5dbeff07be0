"""Browser tour of the integrator: a message waiting for a mapping, and a dead letter replayed.

The integrator is a Logistics Manager and nothing more (no administrator, no stock or sales
rights). The journal holds, built here through the journal's own processing:

* a booking confirmation from the TMS naming a carrier SCAC (``NEWC``) no mapping knows: parked
  in *Needs Mapping*; the integrator reads the error, adds the carrier mapping from the message
  (*Add Mapping*) and processes it: the shipment gets its carrier, tracking and booking;
* a transport order the TMS (a real HTTP server on 127.0.0.1) refused twice with 503: a dead
  letter after the backend's two attempts; the TMS is back, the integrator replays it and it
  books the shipment, once.
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.logistics_connector.tests.common import LogisticsCommon
from odoo.addons.logistics_connector.tests.loopback import LoopbackCase, TmsServer


@tagged("post_install", "-at_install")
class TestIntegratorTour(LoopbackCase, LogisticsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tms = cls.start_server(TmsServer(booking_extra={"carrier_scac": "FFRT"}))

    def setUp(self):
        super().setUp()
        self.tms.reset()
        env = self.env
        self.setup_logistics()
        self.map_carrier("FFRT")
        self.tms.api_key = ("X-API-Key", "test-key-123")
        self.backend.write(
            {
                "name": "Tour TMS",
                "protocol": "rest",
                "base_url": self.tms.url,
                "max_attempts": 2,
                "http_max_retries": 0,
                "timeout_connect": 2.0,
                "timeout_read": 5.0,
            }
        )
        Message = env["logistics.message"]
        # The booking confirmation of a carrier nobody mapped yet.
        self.shipment.name = "SHP-INT-1"
        self.new_carrier, _product = self.make_delivery_carrier(product_name="Northwind road", name="Northwind Road")
        self.waiting, _duplicates = Message._journal_many(
            [
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "idempotency_key": "booking:BK-INT-1",
                    "source": "webhook 127.0.0.1 (test)",
                    "payload": {
                        "booking_id": "BK-INT-1",
                        "reference": "SHP-INT-1",
                        "carrier_scac": "NEWC",
                        "tracking_reference": "NW-778899",
                        "planned_pickup": "2026-11-23T08:00:00+01:00",
                        "planned_delivery": "2026-11-24T17:30:00Z",
                    },
                }
            ]
        )
        Message._process_queue()
        # A transport order the TMS refused with 503 until the backend gave up.
        self.sent = env["logistics.shipment"].create(
            {
                "name": "SHP-INT-2",
                "backend_id": self.backend.id,
                "partner_id": self.customer.id,
                "destination_partner_id": self.customer.id,
                "origin_partner_id": self.company.partner_id.id,
                "weight": 80.0,
            }
        )
        self.tms.behave("/transport-orders", statuses=[503, 503])
        self.dead = self.sent._queue_transport_order()
        Message._process_queue()
        self.dead.write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
        Message._process_queue()
        self.integrator = self.make_user("tour_integrator", "logistics_connector.group_logistics_manager", self.company)

    def test_needs_mapping_and_dead_letter(self):
        # What the tour starts from.
        self.assertRecordValues(
            self.waiting,
            [{"state": "needs_mapping", "missing_mapping_type": "carrier", "missing_mapping_code": "NEWC"}],
        )
        self.assertFalse(self.shipment.carrier_id)
        self.assertRecordValues(self.dead, [{"state": "dead", "attempts": 2, "replay_count": 0}])
        self.assertIn("Gave up after 2 attempts", self.dead.last_error)
        self.assertEqual(self.tms.creations, 0)
        self.assertEqual(self.sent.tms_state, "queued")
        integrator = self.integrator
        self.assertFalse(integrator.has_group("base.group_system"))
        self.assertFalse(integrator.has_group("stock.group_stock_user"))

        self.start_tour("/odoo", "logistics_integrator_tour", login="tour_integrator")

        self.env.invalidate_all()
        # The mapping the integrator added, and the message it released.
        mapping = self.env["logistics.code.mapping"].search(
            [("backend_id", "=", self.backend.id), ("mapping_type", "=", "carrier"), ("external_code", "=", "NEWC")]
        )
        self.assertRecordValues(mapping, [{"carrier_id": self.new_carrier.id, "create_uid": integrator.id}])
        self.assertRecordValues(self.waiting, [{"state": "done", "last_error": False, "missing_mapping_code": False}])
        self.assertRecordValues(
            self.shipment,
            [
                {
                    "carrier_id": self.new_carrier.id,
                    "tracking_ref": "NW-778899",
                    "status": "booked",
                    "tms_state": "booked",
                }
            ],
        )
        self.assertEqual(self.shipment._get_external_ref(self.backend, "booking"), "BK-INT-1")
        # The dead letter, replayed once, booked the shipment once.
        self.assertRecordValues(self.dead, [{"state": "done", "replay_count": 1, "http_status": 201}])
        self.assertEqual(self.tms.creations, 1)
        self.assertEqual(len(self.tms.received("/transport-orders", "POST")), 3)
        self.assertRecordValues(self.sent, [{"tms_state": "booked", "status": "booked"}])
        self.assertEqual(self.sent._get_external_ref(self.backend, "booking"), "BK-00001")
