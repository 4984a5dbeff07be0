"""Odoo's own delivery counts: a shipment the carrier reports delivered holds its order while its
delivery order is not validated in Odoo (one activity for its responsible), and the company option
that validates delivery orders on the carrier's pickup instead. Real stock moves and quants."""

import datetime

from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common import DELIVERY, BillingReadinessCommon

POD = {"signer": "M. Martin", "time": DELIVERY.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"}
LABEL = "Shipment %s: carrier reports delivered; delivery order not validated in Odoo"


@tagged("post_install", "-at_install")
class TestDeliveryDone(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.storable = cls.env["product.product"].create(
            {"name": "Steel shelving", "is_storable": True, "invoice_policy": "order", "list_price": 250.0}
        )
        cls.responsible = cls.env["res.users"].create(
            {
                "name": "Warehouse Lead",
                "login": "warehouse.lead",
                "email": "warehouse.lead@example.com",
                "groups_id": [Command.set([cls.env.ref("stock.group_stock_user").id])],
            }
        )

    def shipped_order(self, qty=4.0, status="booked"):
        """A confirmed order of a storable product (no stock: its delivery order waits), the delivery
        order on the order's shipment as the automatic transport order links them."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.storable.id, "product_uom_qty": qty})],
            }
        )
        order.action_confirm()
        # Set up in superuser mode: status is a guarded field (its transitions own it).
        self.__class__._counter += 1
        shipment = (
            self.env["logistics.shipment"]
            .sudo()
            .create(
                {
                    "name": f"BRD-{self._counter:04d}",
                    "tracking_ref": f"TRK-BRD-{self._counter:04d}",
                    "sale_id": order.id,
                    "partner_id": order.partner_id.id,
                    "carrier_partner_id": self.carrier_partner.id,
                    "status": status,
                }
            )
            .with_env(self.env)
        )
        picking = order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing" and p.state != "cancel")
        self.assertEqual(len(picking), 1)
        picking.write({"logistics_shipment_id": shipment.id, "user_id": self.responsible.id})
        self.assertEqual(picking.state, "confirmed")  # "Waiting": nothing reserved, nothing done
        return order, shipment, picking

    def activities(self, picking):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "stock.picking"),
                ("res_id", "=", picking.id),
                ("activity_type_id", "=", self.env.ref("billing_readiness.mail_activity_type_validate_delivery").id),
            ]
        )

    def test_delivered_by_carrier_not_validated_holds_once(self):
        order, shipment, picking = self.shipped_order()
        self.receive_event(shipment, "delivered", DELIVERY, pod=POD)
        self.assertEqual(shipment.status, "delivered")
        self.assertTrue(shipment.pod_complete)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(self.reasons(order), ["delivery_not_validated"])
        self.assertEqual(self.reason_names(order), [LABEL % shipment.name])
        reason = order.billing_hold_reason_ids
        self.assertRecordValues(
            reason, [{"code": "delivery_not_validated", "kind": "hold", "shipment_id": shipment.id}]
        )
        # The responsible of the delivery order gets one activity ...
        activity = self.activities(picking)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.responsible)
        self.assertIn(picking.name, activity.summary)
        # ... not one per evaluation or sweep.
        self.env["billing.readiness.dirty"]._mark_orders(order.ids)
        self.evaluate()
        self.env["sale.order"]._cron_billing_sweep()
        order.action_billing_recompute()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(len(self.activities(picking)), 1)
        # Scheduled invoicing leaves it alone: Odoo still counts the goods as on hand.
        self.env["sale.order"]._cron_billing_invoice()
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.order_line.qty_delivered, 0.0)

        # The warehouse validates the delivery order: the order is queued, ready, the activity done.
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 4.0)
        self.assertFalse(self.activities(picking).filtered("active"))
        done = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search([("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)])
        )
        self.assertEqual(len(done), 1)
        self.assertFalse(done.active)  # kept as done (keep_done)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(order.billing_hold_reason_ids)
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(order.invoice_ids.amount_untaxed, 1000.0)  # 4 x 250.00

    def test_rule_off_and_other_statuses(self):
        order, shipment, picking = self.shipped_order()
        # Not delivered yet: waiting for the carrier, not held for the delivery order.
        self.evaluate()
        self.assertEqual(self.reasons(order), ["not_delivered"])
        self.assertFalse(self.activities(picking))
        self.deliver(shipment)
        self.evaluate()
        self.assertEqual(self.reasons(order), ["delivery_not_validated"])
        # The rule is configurable like the others: off, the carrier's word is enough.
        self.rule.require_delivery_done = False
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.rule.require_delivery_done = True
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "on_hold")
        self.assertEqual(len(self.activities(picking)), 1)  # the same fact: no second activity
        # A cancelled delivery order is not waited for.
        picking.action_cancel()
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_customer_rule_overrides_company_rule(self):
        order, shipment, _picking = self.shipped_order()
        self.env["billing.readiness.rule"].create(
            {"company_id": self.company.id, "partner_id": self.customer.id, "require_delivery_done": False}
        )
        self.deliver(shipment)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")

    def test_validate_on_pickup(self):
        self.company.billing_validate_delivery_on_pickup = True
        order, shipment, picking = self.shipped_order(qty=3.0)
        quant = self.env["stock.quant"]._get_available_quantity(self.storable, self.warehouse.lot_stock_id)
        self.assertEqual(quant, 0.0)
        self.receive_event(shipment, "picked_up", DELIVERY - datetime.timedelta(days=1))
        self.assertEqual(shipment.status, "picked_up")
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 3.0)
        self.assertEqual(order.order_line.qty_delivered, 3.0)
        # Odoo's stock follows: the goods left the warehouse (no stock was counted: negative).
        on_hand = sum(
            self.env["stock.quant"]
            .search([("product_id", "=", self.storable.id), ("location_id", "=", self.warehouse.lot_stock_id.id)])
            .mapped("quantity")
        )
        self.assertEqual(on_hand, -3.0)
        note = picking.message_ids.filtered(lambda m: "validated automatically" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(shipment.name, note.body)
        self.assertIn("picked up", note.body)
        self.assertIn("3.0", note.body)
        self.assertTrue(order.message_ids.filtered(lambda m: "validated automatically" in (m.body or "")))
        # Later movements do not validate anything again.
        self.receive_event(shipment, "in_transit", DELIVERY - datetime.timedelta(hours=10))
        self.receive_event(shipment, "delivered", DELIVERY, pod=POD)
        self.assertEqual(len(picking.message_ids.filtered(lambda m: "validated automatically" in (m.body or ""))), 1)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.assertFalse(self.activities(picking))

    def test_validate_on_pickup_off_by_default(self):
        self.assertFalse(self.company.billing_validate_delivery_on_pickup)
        order, shipment, picking = self.shipped_order()
        self.receive_event(shipment, "picked_up", DELIVERY - datetime.timedelta(days=1))
        self.assertEqual(picking.state, "confirmed")
        self.receive_event(shipment, "delivered", DELIVERY, pod=POD)
        self.evaluate()
        self.assertEqual(self.reasons(order), ["delivery_not_validated"])

    def test_validate_on_pickup_failure_is_said(self):
        """A delivery order that cannot be validated (a serial number to give) stays, with the error."""
        self.company.billing_validate_delivery_on_pickup = True
        self.storable.tracking = "serial"
        order, shipment, picking = self.shipped_order(qty=2.0)
        self.receive_event(shipment, "picked_up", DELIVERY - datetime.timedelta(days=1))
        self.assertEqual(shipment.status, "picked_up")
        self.assertNotEqual(picking.state, "done")
        self.assertTrue(picking.message_ids.filtered(lambda m: "could not be validated" in (m.body or "")))
        self.receive_event(shipment, "delivered", DELIVERY, pod=POD)
        self.evaluate()
        self.assertEqual(self.reasons(order), ["delivery_not_validated"])
        self.assertEqual(len(self.activities(picking)), 1)

    def test_sweep_queries_with_delivery_facts(self):
        """The delivery orders are read with the shipments (no query per order), and a sweep that
        finds the same facts again schedules nothing."""
        orders = self.env["sale.order"]
        pickings = self.env["stock.picking"]
        for _index in range(12):
            order, shipment, picking = self.shipped_order(qty=1.0)
            self.deliver(shipment)
            orders |= order
            pickings |= picking
        self.evaluate()
        self.assertEqual(set(orders.mapped("billing_readiness_state")), {"on_hold"})
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "in", pickings.ids)]
        )
        self.assertEqual(len(activities), 12)
        self.assertEqual(set(activities.mapped("res_id")), set(pickings.ids))
        # Only these orders are open (other data of the database is left out of the count).
        self.env.cr.execute(
            "UPDATE sale_order SET billing_readiness_state = 'not_applicable' WHERE id != ALL(%s)", [orders.ids]
        )
        self.env.invalidate_all()
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        self.env["sale.order"]._cron_billing_sweep(batch_size=100)
        self.env.flush_all()
        unchanged = self.env.cr.sql_log_count - start
        self.assertLessEqual(unchanged, 15, f"{unchanged} queries for a sweep of 12 held orders")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "in", pickings.ids)]
        )
        self.assertEqual(len(activities), 12)
