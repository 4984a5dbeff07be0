from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..services import tracking
from .common import LogisticsCommon


@tagged("post_install", "-at_install")
class TestTrackingTemplates(TransactionCase):
    """The shipped defaults, found by SCAC or name (plain Python)."""

    def test_defaults_by_scac_and_name(self):
        self.assertEqual(tracking.default_template(scacs=["upsn"]), tracking.DEFAULT_TEMPLATES["ups"])
        self.assertEqual(tracking.default_template(scacs=["FDEG"]), tracking.DEFAULT_TEMPLATES["fedex"])
        dhl_express = tracking.DEFAULT_TEMPLATES["dhl_express"]
        self.assertEqual(tracking.default_template(names=["DHL Express Worldwide"]), dhl_express)
        self.assertEqual(tracking.default_template(names=["DHL"]), tracking.DEFAULT_TEMPLATES["dhl"])
        self.assertEqual(tracking.default_template(names=["UPS Ground"]), tracking.DEFAULT_TEMPLATES["ups"])
        self.assertEqual(tracking.default_template(names=["Canada Post"]), tracking.DEFAULT_TEMPLATES["canada_post"])
        self.assertEqual(tracking.default_template(names=["PostNL"]), tracking.DEFAULT_TEMPLATES["postnl"])
        # A word that only starts like a carrier is not that carrier.
        self.assertIsNone(tracking.default_template(names=["Upstate Movers"]))
        self.assertIsNone(tracking.default_template(scacs=["ZZZZ"], names=["Fast Freight"]))
        for template in tracking.DEFAULT_TEMPLATES.values():
            self.assertIn(tracking.PLACEHOLDER, template)
            self.assertTrue(template.startswith("https://"))

    def test_url_quotes_the_reference(self):
        self.assertEqual(
            tracking.tracking_url("https://t.example/{tracking}", " 1Z 99/9 "), "https://t.example/1Z%2099%2F9"
        )
        self.assertEqual(
            tracking.tracking_url("https://t.example/<shipmenttrackingnumber>", "A1"), "https://t.example/A1"
        )
        self.assertIsNone(tracking.tracking_url("https://t.example/", "A1"))
        self.assertIsNone(tracking.tracking_url("https://t.example/{tracking}", ""))


@tagged("post_install", "-at_install")
class TestShipmentTrackingLink(LogisticsCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_logistics()

    def test_link_from_the_carriers_template(self):
        self.carrier.logistics_tracking_url = "https://fast.example/track?n={tracking}"
        self.shipment.write({"carrier_id": self.carrier.id, "tracking_ref": "FF123"})
        self.assertEqual(self.shipment.tracking_url, "https://fast.example/track?n=FF123")
        # The delivery order and the sale order's deliveries show the same link.
        picking = self.env["stock.picking"].new({"logistics_shipment_id": self.shipment.id})
        self.assertEqual(picking.logistics_tracking_url, "https://fast.example/track?n=FF123")

    def test_no_link_without_reference_or_template(self):
        self.shipment.carrier_id = self.carrier
        self.shipment.tracking_ref = "FF123"
        self.assertFalse(self.shipment.tracking_url)  # "Fast Freight" is no known carrier
        self.shipment.tracking_ref = False
        self.carrier.logistics_tracking_url = "https://fast.example/{tracking}"
        self.assertFalse(self.shipment.tracking_url)

    def test_default_by_name_scac_or_carrier_partner(self):
        ups, _product = self.make_delivery_carrier(product_name="UPS service", name="UPS Ground")
        self.shipment.write({"carrier_id": ups.id, "tracking_ref": "1Z999"})
        self.assertEqual(self.shipment.tracking_url, "https://www.ups.com/track?tracknum=1Z999")
        self.assertEqual(ups.logistics_tracking_url_default, tracking.DEFAULT_TEMPLATES["ups"])
        # By the SCAC a carrier code mapping gives the carrier.
        self.map_carrier(code="FDEG")
        self.shipment.carrier_id = self.carrier
        self.assertEqual(self.shipment.tracking_url, "https://www.fedex.com/fedextrack/?trknbr=1Z999")
        # Only a carrier partner: by its name.
        dpd = self.env["res.partner"].create({"name": "DPD", "is_company": True})
        self.shipment.write({"carrier_id": False, "carrier_partner_id": dpd.id})
        self.assertEqual(self.shipment.tracking_url, "https://tracking.dpd.de/status/en_US/parcel/1Z999")
        # Odoo's own tracking link (with its placeholder) serves when nothing else does.
        other, _product = self.make_delivery_carrier(product_name="Other", name="Local Courier")
        other.tracking_url = "https://courier.example/<shipmenttrackingnumber>"
        self.shipment.write({"carrier_id": other.id, "carrier_partner_id": False})
        self.assertEqual(self.shipment.tracking_url, "https://courier.example/1Z999")

    def test_late_shipments(self):
        Shipment = self.env["logistics.shipment"]
        now = fields.Datetime.now()
        self.shipment.planned_delivery = now - timedelta(hours=2)
        on_time = self.shipment.copy({"planned_delivery": now + timedelta(days=2)})
        undated = self.shipment.copy({"planned_delivery": False})
        self.assertTrue(self.shipment.is_late)
        self.assertFalse(on_time.is_late)
        self.assertFalse(undated.is_late)
        ids = (self.shipment | on_time | undated).ids
        self.assertEqual(Shipment.search([("id", "in", ids), ("is_late", "=", True)]), self.shipment)
        self.assertEqual(Shipment.search([("id", "in", ids), ("is_late", "=", False)]), on_time | undated)
        # Delivered is never late.
        self.shipment._apply_event_status("delivered", now)
        self.assertFalse(self.shipment.is_late)
        self.assertFalse(Shipment.search([("id", "in", ids), ("is_late", "=", True)]))
