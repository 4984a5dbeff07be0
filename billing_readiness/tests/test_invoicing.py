"""Scheduled invoicing: micro-batches, grouping, posting, rebilled freight, failures isolated per order."""

from odoo import Command
from odoo.tests import Form, TransactionCase, tagged

from .common import DELIVERY, BillingReadinessCommon


@tagged("post_install", "-at_install")
class TestScheduledInvoicing(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()

    def ready_orders(self, count, partner=None):
        orders = self.env["sale.order"]
        for _index in range(count):
            order, shipment = self.make_order(partner=partner)
            self.deliver(shipment)
            orders |= order
        self.evaluate()
        self.assertEqual(set(orders.mapped("billing_readiness_state")), {"ready"})
        return orders

    def test_one_invoice_per_order_with_rebilled_freight(self):
        order, shipment = self.make_order()
        self.deliver(shipment)
        self.carrier_invoice("INV-I1", [(shipment.name, "400", 495.00), (shipment.name, "DET", 80.00)])
        other = self.ready_orders(1)
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        done = self.env["sale.order"]._cron_billing_invoice(batch_size=1)
        self.assertEqual(done, 2)
        for record in order | other:
            self.assertEqual(record.billing_readiness_state, "invoiced")
            self.assertEqual(len(record.invoice_ids), 1)
            self.assertEqual(record.invoice_ids.state, "draft")
            self.assertTrue(record.billing_invoiced_time)
        detention = order.invoice_ids.invoice_line_ids.filtered(lambda line: line.product_id == self.product_rebill)
        self.assertEqual(detention.price_unit, 80.00, "the rebilled detention is on the customer invoice")
        self.assertEqual(order.invoice_ids.amount_untaxed, 1080.00)
        self.assertTrue(shipment.billing_invoiced)
        # Nothing more to do, nothing invoiced twice.
        self.assertEqual(self.env["sale.order"]._cron_billing_invoice(), 0)
        self.assertEqual(len(order.invoice_ids), 1)

    def test_grouped_per_customer_and_posted(self):
        self.rule.write({"invoice_grouping": "customer", "auto_post": True})
        orders = self.ready_orders(3)
        other = self.ready_orders(1, partner=self.customer2)
        self.env["sale.order"]._cron_billing_invoice()
        invoice = orders.invoice_ids
        self.assertEqual(len(invoice), 1, "one invoice for the three orders of the customer")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, 3000.0)
        self.assertEqual(len(other.invoice_ids), 1)
        self.assertNotEqual(other.invoice_ids, invoice)
        self.assertEqual(set((orders | other).mapped("billing_readiness_state")), {"invoiced"})

    def test_not_automatic_for_customer(self):
        self.env["billing.readiness.rule"].create(
            {"company_id": self.company.id, "partner_id": self.customer2.id, "auto_invoice": False}
        )
        manual = self.ready_orders(1, partner=self.customer2)
        auto = self.ready_orders(1)
        self.env["sale.order"]._cron_billing_invoice()
        self.assertFalse(manual.invoice_ids)
        self.assertEqual(manual.billing_readiness_state, "ready")
        self.assertTrue(auto.invoice_ids)
        manual.action_billing_invoice_now()
        self.assertEqual(manual.billing_readiness_state, "invoiced")

    def test_facts_checked_again_before_invoicing(self):
        order = self.ready_orders(1)
        shipment = order.logistics_shipment_ids
        # The POD is withdrawn; the dirty queue is not processed yet when the invoicing runs.
        shipment.write({"pod_signer": False})
        self.env["sale.order"]._cron_billing_invoice()
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.billing_readiness_state, "on_hold")

    def test_failure_isolated_per_order(self):
        orders = self.ready_orders(3)
        bad = orders[1]
        invoice_address = self.env["res.partner"].create(
            {"name": "Old billing address", "type": "invoice", "parent_id": self.customer.id}
        )
        bad.partner_invoice_id = invoice_address
        invoice_address.active = False
        self.env["sale.order"]._cron_billing_invoice(batch_size=10)
        good = orders - bad
        self.assertEqual(set(good.mapped("billing_readiness_state")), {"invoiced"})
        self.assertEqual(len(good.invoice_ids), 2)
        self.assertFalse(bad.invoice_ids)
        self.assertEqual(bad.billing_readiness_state, "on_hold")
        self.assertIn("archived", bad.billing_invoice_error)
        self.assertEqual(self.reason_names(bad), [f"Invoicing failed: {bad.name}"])
        self.assertIn("Scheduled invoicing failed", bad.message_ids[0].body)
        # The next run leaves it alone; fixed and released, it is invoiced.
        self.assertEqual(self.env["sale.order"]._cron_billing_invoice(), 0)
        invoice_address.active = True
        bad._billing_release("Invoice address restored")
        self.assertEqual(bad.billing_readiness_state, "ready")
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(bad.billing_readiness_state, "invoiced")

    def test_failure_isolated_inside_a_customer_group(self):
        self.rule.write({"invoice_grouping": "customer"})
        orders = self.ready_orders(3)
        bad = orders[0]
        invoice_address = self.env["res.partner"].create(
            {"name": "Closed office", "type": "invoice", "parent_id": self.customer.id, "active": True}
        )
        bad.partner_invoice_id = invoice_address
        orders[1].partner_invoice_id = invoice_address
        invoice_address.active = False
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(orders[2].billing_readiness_state, "invoiced")
        self.assertEqual((orders[0] | orders[1]).mapped("billing_readiness_state"), ["on_hold", "on_hold"])
        self.assertTrue(all(orders[:2].mapped("billing_invoice_error")))

    def test_posting_failure_keeps_the_draft(self):
        self.rule.write({"auto_post": True})
        # A credit order (negative total): the invoice is created, posting it is refused.
        order, shipment = self.make_order(price=-1000.0)
        self.deliver(shipment)
        self.evaluate()
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(order.invoice_ids.state, "draft")
        self.assertEqual(order.billing_readiness_state, "invoiced")
        self.assertIn("could not be posted", order.billing_invoice_error)

    def test_partial_invoicing_of_delivered_quantities(self):
        self.rule.delivery_policy = "partial"
        order, shipments = self.make_order(shipments=2, qty=10.0, price=100.0)
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        picking.move_ids.quantity = 4.0
        action = picking.button_validate()
        Form(self.env[action["res_model"]].with_context(**action["context"])).save().process()
        backorder = order.picking_ids - picking
        picking.logistics_shipment_id = shipments[0]
        backorder.logistics_shipment_id = shipments[1]
        self.deliver(shipments[0])
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.env["sale.order"]._cron_billing_invoice()
        first = order.invoice_ids
        self.assertEqual(first.invoice_line_ids.quantity, 4.0, "only what the delivered shipment carried")
        self.assertEqual(order.billing_readiness_state, "waiting")
        self.assertEqual(self.reasons(order), ["not_delivered"])
        backorder.move_ids.quantity = 6.0
        backorder.button_validate()
        self.deliver(shipments[1], when=DELIVERY.replace(hour=15))
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.env["sale.order"]._cron_billing_invoice()
        second = order.invoice_ids - first
        self.assertEqual(second.invoice_line_ids.quantity, 6.0)
        self.assertEqual(order.billing_readiness_state, "invoiced")

    def test_invoice_cron_triggered_when_ready(self):
        cron = self.env.ref("billing_readiness.ir_cron_billing_invoice")
        before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.env.cr.flush()  # a new transaction (its precommit hooks run): its own cron trigger
        self.ready_orders(1)
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), before)

    def test_new_rebill_line_after_invoice_makes_it_ready_again(self):
        order = self.ready_orders(1)
        shipment = order.logistics_shipment_ids
        self.env["sale.order"]._cron_billing_invoice()
        first_time = order.billing_invoiced_time
        # A late detention arrives after the invoice: a supplementary invoice, figures unchanged.
        self.carrier_invoice("INV-I9", [(shipment.name, "400", 495.00), (shipment.name, "DET", 60.00)])
        self.evaluate()
        self.assertEqual(order.billing_readiness_state, "ready")
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(len(order.invoice_ids), 2)
        self.assertEqual(order.billing_invoiced_time, first_time)
        self.assertEqual(order.billing_readiness_state, "invoiced")

    def test_draft_cancelled_order_line_command(self):
        # An order confirmed with a note line and a section: invoiced normally.
        order, shipment = self.make_order()
        order.order_line = [Command.create({"display_type": "line_note", "name": "Deliver to dock 3"})]
        self.deliver(shipment)
        self.evaluate()
        self.env["sale.order"]._cron_billing_invoice()
        self.assertEqual(order.billing_readiness_state, "invoiced")
