from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ShipmentEventsCommon

POD_A = b"%PDF-1.4 proof of delivery A"
POD_B = b"%PDF-1.4 proof of delivery B"


@tagged("post_install", "-at_install")
class TestShipmentPortal(ShipmentEventsCommon, HttpCase):
    """Each customer sees their own shipment's page and POD, and nothing of another customer's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shipment_events()
        env = cls.env
        cls.customer_b = env["res.partner"].create({"name": "Customer B", "email": "b@example.com"})
        cls.sale_b = env["sale.order"].create(
            {
                "partner_id": cls.customer_b.id,
                "order_line": [fields.Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
        cls.shipment_a = cls.shipment
        cls.shipment_b = env["logistics.shipment"].create(
            {"partner_id": cls.customer_b.id, "sale_id": cls.sale_b.id, "tracking_ref": "PRO-B-2002"}
        )
        deliveries = ((cls.shipment_a, POD_A, "Left at door A"), (cls.shipment_b, POD_B, "Left at door B"))
        for shipment, pod, reason in deliveries:
            attachment = env["ir.attachment"].create(
                {
                    "name": f"pod-{shipment.tracking_ref}.pdf",
                    "raw": pod,
                    "res_model": "logistics.shipment",
                    "res_id": shipment.id,
                    "mimetype": "application/pdf",
                }
            )
            env["logistics.shipment.event"].create(
                {
                    "company_id": shipment.company_id.id,
                    "backend_id": cls.backend.id,
                    "shipment_id": shipment.id,
                    "status": "delivered",
                    "state": "applied",
                    "event_time": "2026-11-20 15:00:00",
                    "reason": reason,
                    "identity": f"portal-test-{shipment.tracking_ref}",
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
        cls.user_a = new_test_user(env, login="portal_ship_a", groups="base.group_portal", partner_id=cls.customer.id)
        cls.user_b = new_test_user(env, login="portal_ship_b", groups="base.group_portal", partner_id=cls.customer_b.id)
        cls.token_a = cls.shipment_a._portal_ensure_token()
        cls.token_b = cls.shipment_b._portal_ensure_token()

    def _get(self, shipment_or_id, suffix="", token=None):
        shipment_id = getattr(shipment_or_id, "id", shipment_or_id)
        url = f"/my/shipments/{shipment_id}{suffix}"
        if token is not None:
            url += f"?access_token={token}"
        return self.url_open(url, allow_redirects=False)

    def _assert_page(self, response, shipment, reason):
        self.assertEqual(response.status_code, 200)
        self.assertIn(shipment.name, response.text)
        self.assertIn(reason, response.text)  # the timeline
        self.assertIn(f"/my/shipments/{shipment.id}/pod", response.text)

    def test_each_customer_sees_their_own(self):
        for login, own, own_pod, reason in (
            ("portal_ship_a", self.shipment_a, POD_A, "Left at door A"),
            ("portal_ship_b", self.shipment_b, POD_B, "Left at door B"),
        ):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self._assert_page(self._get(own), own, reason)
                pod = self._get(own, "/pod")
                self.assertEqual(pod.status_code, 200)
                self.assertEqual(pod.content, own_pod)
                self.assertIn("attachment", pod.headers.get("Content-Disposition", ""))

    def test_nothing_of_another_customer(self):
        self.authenticate("portal_ship_a", "portal_ship_a")
        for token in (None, self.token_a, "wrong-token", ""):
            with self.subTest(token=token):
                response = self._get(self.shipment_b, token=token)
                self.assertEqual(response.status_code, 403)
                self.assertNotIn("Left at door B", response.text)
                pod = self._get(self.shipment_b, "/pod", token=token)
                self.assertEqual(pod.status_code, 403)
                self.assertNotIn(POD_B, pod.content)
        self.authenticate("portal_ship_b", "portal_ship_b")
        self.assertEqual(self._get(self.shipment_a).status_code, 403)
        self.assertEqual(self._get(self.shipment_a, "/pod", token=self.token_b).status_code, 403)
        # A shipment that does not exist is a 404, with or without a token.
        missing = self.shipment_b.id + 10000
        self.assertEqual(self._get(missing).status_code, 404)
        self.assertEqual(self._get(missing, token=self.token_b).status_code, 404)

    def test_token_link_from_the_email(self):
        # Not logged in: the token of the link opens the page and the POD; no or a wrong token does not.
        self.assertEqual(self._get(self.shipment_a).status_code, 403)
        self.assertEqual(self._get(self.shipment_a, token="wrong-token").status_code, 403)
        self.assertEqual(self._get(self.shipment_a, token=self.token_b).status_code, 403)
        self.assertEqual(self._get(self.shipment_a, "/pod", token="wrong-token").status_code, 403)
        self._assert_page(self._get(self.shipment_a, token=self.token_a), self.shipment_a, "Left at door A")
        self.assertEqual(self._get(self.shipment_a, "/pod", token=self.token_a).content, POD_A)
        # The status email carries that tokenised link.
        template = self.env.ref("shipment_events.mail_template_shipment_status")
        body = template._render_field("body_html", self.shipment_a.ids)[self.shipment_a.id]
        self.assertIn(f"/my/shipments/{self.shipment_a.id}?access_token={self.token_a}", body)

    def test_pod_only_once_delivered(self):
        self.shipment_b.write({"status": "out_for_delivery"})
        self.authenticate("portal_ship_b", "portal_ship_b")
        page = self._get(self.shipment_b)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(f"/my/shipments/{self.shipment_b.id}/pod", page.text)
        self.assertEqual(self._get(self.shipment_b, "/pod").status_code, 404)

    def test_reached_from_the_portal_sale_order(self):
        self.authenticate("portal_ship_a", "portal_ship_a")
        response = self.url_open(self.sale.get_portal_url(), allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"/my/shipments/{self.shipment_a.id}?access_token={self.token_a}", response.text)
        self.assertNotIn(f"/my/shipments/{self.shipment_b.id}", response.text)
        # The other customer's order is not theirs either.
        self.assertNotEqual(self.url_open(f"/my/orders/{self.sale_b.id}", allow_redirects=False).status_code, 200)
