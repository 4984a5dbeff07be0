"""Holds block manual invoicing: sale's standard *Create Invoice* on an order on hold refuses with
the hold reasons; a Billing Manager may invoice anyway, with a reason in the chatter; ready orders
are invoiced by the standard button and the scheduled invoicing as before. Real invoices."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .test_security import BillingSecurityCommon


@tagged("post_install", "-at_install")
class TestManualInvoicing(BillingSecurityCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_security()

    def held_order(self):
        order, shipment = self.make_order()
        self.deliver(shipment, pod=False)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reasons(order), ["pod_missing"])
        return order, shipment

    def create_invoice_button(self, order, user, **context):
        """Sale's standard *Create Invoice* (regular invoice), as ``user``."""
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_user(user)
            .with_context(active_model="sale.order", active_ids=order.ids, **context)
            .create({"advance_payment_method": "delivered"})
        )
        return wizard.create_invoices()

    def test_held_order_refuses_create_invoice(self):
        order, shipment = self.held_order()
        with self.assertRaises(UserError) as refused:
            self.create_invoice_button(order, self.salesman_a)
        message = str(refused.exception)
        self.assertIn(order.name, message)
        self.assertIn(f"POD missing for shipment {shipment.name}", message)
        # A Billing Manager too: the override is its own action, with a reason.
        with self.assertRaises(UserError) as refused:
            order.with_user(self.billing_a)._create_invoices()
        self.assertIn(f"POD missing for shipment {shipment.name}", str(refused.exception))
        # No context key switches the check off, whoever sends it.
        with self.assertRaises(UserError):
            order.with_user(self.billing_a).with_context(
                billing_readiness_caps={line.id: 1.0 for line in order.order_line},
                billing_override=True,
                skip_billing_hold=True,
            )._create_invoices()
        order.invalidate_recordset()
        self.assertFalse(order.invoice_ids)

    def test_facts_evaluated_before_refusing(self):
        """The hold is read after a fresh evaluation: a POD that just arrived lets the button work."""
        order, shipment = self.held_order()
        self.deliver(shipment, pod=True)  # queued, not evaluated yet
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.create_invoice_button(order, self.salesman_a)
        order.invalidate_recordset()
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(order.invoice_ids.amount_untaxed, 1000.0)

    def test_manager_override_with_reason(self):
        order, shipment = self.held_order()
        action = order.with_user(self.billing_a).action_billing_invoice_override()
        self.assertEqual(action["res_model"], "billing.hold.wizard")
        self.assertEqual(action["context"]["default_mode"], "invoice")
        Wizard = self.env["billing.hold.wizard"].with_user(self.billing_a)
        with self.assertRaises(UserError):
            Wizard.create({"mode": "invoice", "order_ids": [Command.set(order.ids)], "reason": "  "}).action_apply()
        wizard = Wizard.create(
            {
                "mode": "invoice",
                "order_ids": [Command.set(order.ids)],
                "reason": "Customer signed the delivery note; the carrier's POD will follow.",
            }
        )
        result = wizard.action_apply()
        order.invalidate_recordset()
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(result["domain"], [("id", "in", invoice.ids)])
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        self.assertEqual(invoice.state, "draft")
        note = order.message_ids.filtered(lambda m: "despite the billing hold" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("Customer signed the delivery note", note.body)
        self.assertIn(f"POD missing for shipment {shipment.name}", note.body)
        self.assertIn(self.billing_a.name, note.body)
        self.assertIn(invoice.display_name, note.body)
        self.assertEqual(order.invoice_status, "invoiced")

    def test_override_refused_to_others(self):
        order, _shipment = self.held_order()
        for user in (self.salesman_a, self.logistics_manager_a):
            with self.assertRaises(AccessError):
                order.with_user(user).action_billing_invoice_override()
            with self.assertRaises(AccessError):
                order.with_user(user)._billing_invoice_override("I want it invoiced")
            with self.assertRaises(AccessError):
                self.env["billing.hold.wizard"].with_user(user).create(
                    {"mode": "invoice", "order_ids": [Command.set(order.ids)], "reason": "I want it invoiced"}
                ).action_apply()
        # A Billing Manager of another company.
        with self.assertRaises(AccessError):
            order.with_user(self.billing_b).action_billing_invoice_override()
        with self.assertRaises(AccessError):
            self.env["billing.hold.wizard"].with_user(self.billing_b).create(
                {"mode": "invoice", "order_ids": [Command.set(order.ids)], "reason": "cross-company"}
            ).action_apply()
        order.invalidate_recordset()
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.billing_readiness_state, "on_hold")

    def test_ready_orders_invoice_as_before(self):
        scheduled, _s1 = self.ready_order()
        by_hand, _s2 = self.ready_order()
        # The standard button on a ready order.
        self.create_invoice_button(by_hand, self.salesman_a)
        by_hand.invalidate_recordset()
        self.assertEqual(len(by_hand.invoice_ids), 1)
        # The scheduled invoicing of ready orders.
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(len(scheduled.invoice_ids), 1)
        self.assertEqual(scheduled.invoice_ids.amount_untaxed, 1000.0)
        self.assertEqual(scheduled.billing_readiness_state, "invoiced")
        # An order waiting for its carrier is not on hold: the standard button is not refused.
        waiting, _s3 = self.make_order(status="in_transit")
        self.evaluate()
        self.assertEqual(waiting.billing_readiness_state, "waiting")
        self.create_invoice_button(waiting, self.salesman_a)
        waiting.invalidate_recordset()
        self.assertEqual(len(waiting.invoice_ids), 1)
