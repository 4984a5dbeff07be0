"""Browser tour of the customer's path: a password login on the portal, the customer's order,
its shipment's page (status, timeline) and the download of the proof of delivery.

The data: two customers, each with a confirmed order whose shipment was delivered with a POD
(an attachment), and a portal user each. The tour logs in through ``/web/login`` as the first
customer, goes from *My Account* to the order and its shipment, and fetches the POD link the
page offers with the browser's session (status and content checked in the browser). The test
then checks, in Python with that user's session, that the same link answers 200 with this
customer's POD, and that the other customer's page and POD answer 403.
"""

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.shipment_events.tests.common import ShipmentEventsCommon

POD_TOUR = b"%PDF-1.4 proof of delivery of the tour customer"
POD_OTHER = b"%PDF-1.4 proof of delivery of the other customer"
PASSWORD = "tour-portal-Pw-2026!"


@tagged("post_install", "-at_install")
class TestCustomerTour(ShipmentEventsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        env = cls.env
        cls.portal_customer = env["res.partner"].create(
            {"name": "Portal Tour Customer", "email": "portal.tour@example.com", "city": "Paris"}
        )
        cls.other_customer = env["res.partner"].create(
            {"name": "Portal Other Customer", "email": "portal.other@example.com", "city": "Lille"}
        )
        cls.order, cls.ship = cls._delivered_order(cls.portal_customer, "PRO-TOUR-1", POD_TOUR, "Left at reception")
        cls.other_order, cls.other_ship = cls._delivered_order(
            cls.other_customer, "PRO-OTHER-1", POD_OTHER, "Left with the neighbour"
        )
        cls.portal_user = new_test_user(
            env,
            login="tour_portal",
            name="Portal Tour Customer",
            password=PASSWORD,
            groups="base.group_portal",
            partner_id=cls.portal_customer.id,
        )
        new_test_user(
            env,
            login="tour_portal_other",
            password=PASSWORD + "-other",
            groups="base.group_portal",
            partner_id=cls.other_customer.id,
        )

    @classmethod
    def _delivered_order(cls, partner, tracking_ref, pod, reason):
        env = cls.env
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [fields.Command.create({"product_id": cls.product.id, "product_uom_qty": 2})],
            }
        )
        order.action_confirm()
        shipment = env["logistics.shipment"].create(
            {"partner_id": partner.id, "sale_id": order.id, "tracking_ref": tracking_ref, "status": "booked"}
        )
        attachment = env["ir.attachment"].create(
            {
                "name": f"pod-{tracking_ref}.pdf",
                "raw": pod,
                "res_model": "logistics.shipment",
                "res_id": shipment.id,
                "mimetype": "application/pdf",
            }
        )
        for status, when, where, details in (
            ("picked_up", "2026-11-19 08:00:00", "Lyon", ""),
            ("delivered", "2026-11-20 15:00:00", "Paris", reason),
        ):
            env["logistics.shipment.event"].create(
                {
                    "company_id": shipment.company_id.id,
                    "backend_id": cls.backend.id,
                    "shipment_id": shipment.id,
                    "status": status,
                    "state": "applied",
                    "event_time": when,
                    "location_city": where,
                    "location_country": "FR",
                    "reason": details,
                    "identity": f"tour-{tracking_ref}-{status}",
                }
            )
        shipment.write(
            {
                "status": "delivered",
                "actual_delivery": "2026-11-20 15:00:00",
                "pod_signer": "J. Doe",
                "pod_attachment_id": attachment.id,
            }
        )
        return order, shipment

    def test_portal_login_order_shipment_pod(self):
        # What the tour starts from: the order is the customer's, the shipment delivered with its POD.
        self.assertIn(self.portal_customer, self.order.message_partner_ids)
        self.assertTrue(self.ship._portal_pod_available())
        self.assertNotIn(self.portal_customer, self.other_order.message_partner_ids)

        self.start_tour("/web/login", "logistics_suite_customer_tour")

        # The tour logged in through the password form (an interactive login leaves its log).
        self.env.invalidate_all()
        self.assertTrue(self.env["res.users.log"].search([("create_uid", "=", self.portal_user.id)]))
        # The link the tour followed, with the portal user's session: this customer's POD.
        self.authenticate("tour_portal", PASSWORD)
        page = self.url_open(f"/my/shipments/{self.ship.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="/my/shipments/{self.ship.id}/pod"', page.text)
        pod = self.url_open(f"/my/shipments/{self.ship.id}/pod")
        self.assertEqual(pod.status_code, 200)
        self.assertEqual(pod.content, POD_TOUR)
        self.assertIn("attachment", pod.headers.get("Content-Disposition", ""))
        self.assertIn("pod-PRO-TOUR-1.pdf", pod.headers.get("Content-Disposition", ""))
        # Nothing of the other customer's.
        for url in (f"/my/shipments/{self.other_ship.id}", f"/my/shipments/{self.other_ship.id}/pod"):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 403, url)
            self.assertNotIn(POD_OTHER, response.content)
