"""Manual override: a Billing Manager holds or releases orders, with a reason kept in the chatter."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, tagged

from .common import DELIVERY, BillingReadinessCommon


@tagged("post_install", "-at_install")
class TestOverride(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        cls.clerk = cls.env["res.users"].create(
            {
                "name": "Logistics Clerk",
                "login": "billing.clerk",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("logistics_connector.group_logistics_user").id,
                            cls.env.ref("sales_team.group_sale_salesman_all_leads").id,
                        ]
                    )
                ],
            }
        )

    def _wizard(self, orders, mode, reason):
        action = orders.action_billing_hold() if mode == "hold" else orders.action_billing_release()
        form = Form(self.env["billing.hold.wizard"].with_context(**action["context"]))
        form.reason = reason
        return form.save()

    def test_manual_hold_and_release(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self._wizard(order, "hold", "Customer disputes the price").action_apply()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reason_names(order), [f"Put on hold manually: {order.name}"])
        self.assertIn("Customer disputes the price", order.message_ids[0].body)
        self.assertFalse(order.billing_ready_time)
        # The sweep keeps a manual hold.
        self.env["sale.order"]._cron_billing_sweep()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self._wizard(order, "release", "Price agreed on the phone").action_apply()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.billing_manual_hold)
        self.assertIn("Price agreed on the phone", order.message_ids[0].body)

    def test_release_wizard_shows_the_current_reasons(self):
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        form = Form(self.env["billing.hold.wizard"].with_context(**order.action_billing_release()["context"]))
        self.assertEqual(len(form.current_reason_ids), 1, "the dialog shows what the release releases")
        self.assertEqual(form.current_reason_ids[0].code, "pod_missing")

    def test_release_waives_current_reasons_only(self):
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        self.assertEqual(self.reasons(order), ["pod_missing"])
        self._wizard(order, "release", "Customer confirmed receipt by mail").action_apply()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertEqual(order.billing_waived_reason_ids.code, "pod_missing")
        message = order.message_ids[0].body
        self.assertIn("Customer confirmed receipt by mail", message)
        self.assertIn(f"POD missing for shipment {shipment.name}", message)
        # Evaluated again: the waived POD no longer holds...
        self.env["sale.order"]._cron_billing_sweep()
        self.assertEqual(order.billing_readiness_state, "ready")
        # ...but a new fact does.
        self.receive_event(shipment, "delivered", DELIVERY.replace(hour=11), exception={"type": "damaged"})
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reasons(order), ["exception_open"])

    def test_only_billing_managers(self):
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        with self.assertRaises(AccessError):
            order.with_user(self.clerk).action_billing_release()
        with self.assertRaises(AccessError):
            order.with_user(self.clerk)._billing_hold("no")
        with self.assertRaises(UserError):
            order._billing_hold("  ")
        self.assertEqual(order.billing_readiness_state, "on_hold")
        # A salesperson reads the state and the reasons.
        self.assertEqual(order.with_user(self.clerk).billing_hold_reason_ids.mapped("code"), ["pod_missing"])
