"""The sweep costs a bounded number of queries per batch, whatever the number of orders in it."""

import logging

from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common import DELIVERY, BillingReadinessCommon

_logger = logging.getLogger(__name__)

BATCH = 100
# Queries of one batch that changes every order (reads, reason records, lock, grouped writes,
# links, savepoints): a constant, so 1000-order batches cost ~0.035 queries per order.
PER_BATCH = 35


@tagged("post_install", "-at_install")
class TestSweepQueries(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        cls.service = cls.env["product.product"].create(
            {"name": "Transport service", "type": "service", "invoice_policy": "order", "list_price": 10.0}
        )

    def make_orders(self, count):
        """``count`` confirmed orders, in every situation the sweep meets."""
        orders = self.env["sale.order"].create(
            [
                {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": self.service.id})]}
                for _i in range(count)
            ]
        )
        orders.action_confirm()
        vals = []
        for index, order in enumerate(orders):
            kind = index % 4
            shipment = {"sale_id": order.id, "status": "in_transit", "name": f"Q-{order.id}"}
            if kind in (1, 2, 3):
                shipment.update(status="delivered", actual_delivery=DELIVERY)
            if kind in (1, 3):
                shipment.update(pod_signer="J. Doe", pod_time=DELIVERY)
            vals.append(shipment)
            if kind == 3:
                vals.append({"sale_id": order.id, "status": "booked", "name": f"Q-{order.id}-2"})
        self.env["logistics.shipment"].create(vals)
        return orders

    def sweep_queries(self, orders):
        """Queries of one full sweep evaluating ``orders`` for the first time (every row changes)."""
        self.env.cr.flush()  # the marks pending in this transaction are queued now
        self.env["billing.readiness.dirty"].search([]).unlink()
        # Only these orders are open (other data of the database is left out of the count).
        self.env.cr.execute(
            "UPDATE sale_order SET billing_readiness_state = 'not_applicable' WHERE id != ALL(%s)", [orders.ids]
        )
        self.env.cr.execute(
            "UPDATE sale_order SET billing_readiness_state = 'waiting' WHERE id = ANY(%s)", [orders.ids]
        )
        self.env.invalidate_all()
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        processed = self.env["sale.order"]._cron_billing_sweep(batch_size=BATCH)
        self.env.flush_all()
        used = self.env.cr.sql_log_count - start
        return processed, used

    def test_queries_bounded_per_batch(self):
        orders = self.make_orders(2 * BATCH)
        processed, used = self.sweep_queries(orders)
        self.assertGreaterEqual(processed, 2 * BATCH)
        states = {state: len(group) for state, group in orders.grouped("billing_readiness_state").items()}
        self.assertEqual(states, {"waiting": 2 * BATCH // 2, "ready": BATCH // 2, "on_hold": BATCH // 2})
        # Two batches of 100 orders (plus the empty claim and the rule lookup): bounded by
        # batches, not by orders.
        _logger.info("Sweep: %s queries for %s orders in batches of %s", used, processed, BATCH)
        self.assertLessEqual(used, 2 * PER_BATCH, f"{used} queries for {processed} orders")
        # Again with nothing changed: fewer queries still (only the reads).
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        self.env["sale.order"]._cron_billing_sweep(batch_size=BATCH)
        unchanged = self.env.cr.sql_log_count - start
        _logger.info("Sweep, nothing changed: %s queries for %s orders", unchanged, processed)
        self.assertLessEqual(unchanged, 2 * 15, f"{unchanged} queries when nothing changed")

    def test_queries_do_not_grow_with_the_batch(self):
        small = self.make_orders(BATCH // 4)
        _processed, used_small = self.sweep_queries(small)
        large = self.make_orders(BATCH)
        self.env["sale.order"]._cron_billing_sweep(batch_size=BATCH)  # small ones settled
        _processed, used_large = self.sweep_queries(large | small)
        # 125 orders in two batches vs 25 orders in one: at most one batch's worth more.
        _logger.info("Sweep: %s queries for 25 orders, %s for 125 orders", used_small, used_large)
        self.assertLessEqual(used_large - used_small, PER_BATCH, (used_small, used_large))
