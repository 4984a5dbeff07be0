"""Carriers reuse tracking numbers: when several shipments carry the tracking number of an
event, the event's carrier (``carrier_scac`` of a canonical event, ``carrier`` of a platform's)
picks the shipment, through the backend's carrier mappings or by the carrier's name; without
a carrier, or with one that names none of them, the newest shipment, as before."""

from odoo.tests import TransactionCase, tagged

from .common import ShipmentEventsCommon


@tagged("post_install", "-at_install")
class TestCarrierMatching(ShipmentEventsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        Partner = cls.env["res.partner"]
        cls.ups = Partner.create({"name": "UPS", "is_company": True})
        cls.fedex = Partner.create({"name": "FedEx Ground", "is_company": True})
        cls.shipment.carrier_partner_id = cls.ups
        cls.fedex_shipment = cls.env["logistics.shipment"].create(
            {
                "partner_id": cls.customer.id,
                "tracking_ref": "PRO-1001",
                "status": "booked",
                "carrier_partner_id": cls.fedex.id,
            }
        )
        cls.env["logistics.code.mapping"].create(
            {
                "backend_id": cls.backend.id,
                "mapping_type": "carrier",
                "external_code": "FDEG",
                "carrier_partner_id": cls.fedex.id,
            }
        )

    def deliver(self, **carrier):
        status, answer = self.receive(self.make_event("delivered", **carrier))
        self.assertEqual(status, 202, answer)
        self.process()
        return self.env["logistics.shipment.event"].search([("message_id", "in", answer["message_ids"])])

    def test_mapped_carrier_code_picks_its_shipment(self):
        event = self.deliver(carrier_scac="FDEG")
        self.assertEqual(event.shipment_id, self.fedex_shipment)
        self.assertEqual((self.fedex_shipment.status, self.shipment.status), ("delivered", "booked"))

    def test_carrier_name_picks_its_shipment(self):
        # The older shipment is UPS's: without the carrier the newest (FedEx's) would be taken.
        event = self.deliver(carrier="ups")
        self.assertEqual(event.shipment_id, self.shipment)
        self.assertEqual((self.shipment.status, self.fedex_shipment.status), ("delivered", "booked"))

    def test_no_or_unknown_carrier_keeps_the_newest(self):
        self.assertEqual(self.deliver().shipment_id, self.fedex_shipment)
        self.assertEqual(self.deliver(carrier="DHL", minutes=5).shipment_id, self.fedex_shipment)

    def test_a_single_shipment_is_found_whatever_the_carrier_says(self):
        self.fedex_shipment.tracking_ref = "PRO-2002"
        self.assertEqual(self.deliver(carrier="DHL").shipment_id, self.shipment)
