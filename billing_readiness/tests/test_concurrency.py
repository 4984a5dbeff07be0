"""Two workers (two cursors, two threads) invoice the same ready orders: each order once."""

import datetime
import sys
import threading
import time
import traceback

from odoo import SUPERUSER_ID, Command, api
from odoo.api import Transaction
from odoo.tests import TransactionCase, tagged

N_ORDERS = 12
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


@tagged("post_install", "-at_install")
class TestConcurrentInvoicing(TransactionCase):
    def _committed_setup(self):
        # The workers use their own connections, so the data must be committed: it is created
        # through a separate cursor here and deleted again in cleanup (see _committed_cleanup).
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, QUIET)
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            trigger_floor = cr.fetchone()[0]
            partner = env["res.partner"].create({"name": "Concurrency Customer"})
            product = env["product.product"].create(
                {"name": "Concurrency service", "type": "service", "invoice_policy": "order", "list_price": 10.0}
            )
            orders = env["sale.order"].create(
                [
                    {"partner_id": partner.id, "order_line": [Command.create({"product_id": product.id})]}
                    for _i in range(N_ORDERS)
                ]
            )
            orders.action_confirm()
            when = datetime.datetime(2026, 3, 2, 10, 0)
            shipments = env["logistics.shipment"].create(
                [
                    {
                        "name": f"CONC-BR-{order.id}",
                        "sale_id": order.id,
                        "status": "delivered",
                        "actual_delivery": when,
                        "pod_signer": "J. Doe",
                        "pod_time": when,
                    }
                    for order in orders
                ]
            )
            env["sale.order"]._billing_process_dirty()
            states = set(orders.mapped("billing_readiness_state"))
            ids = {
                "partner": partner.id,
                "product": product.product_tmpl_id.id,
                "orders": orders.ids,
                "shipments": shipments.ids,
                "trigger_floor": trigger_floor,
            }
        self.addCleanup(self._committed_cleanup, ids)
        self.assertEqual(states, {"ready"})
        return ids

    def _committed_cleanup(self, ids):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, QUIET)
            orders = env["sale.order"].browse(ids["orders"])
            moves = orders.invoice_ids
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.unlink()
            orders._action_cancel()
            orders.unlink()
            env["logistics.shipment"].browse(ids["shipments"]).unlink()
            env["product.template"].browse(ids["product"]).unlink()
            env["res.partner"].browse(ids["partner"]).unlink()
            cr.execute("DELETE FROM billing_readiness_dirty WHERE order_id = ANY(%s)", [ids["orders"]])
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [ids["trigger_floor"]])
            cr.execute("DELETE FROM mail_message WHERE model = 'sale.order' AND res_id = ANY(%s)", [ids["orders"]])

    def _ready_left(self, cr, order_ids):
        cr.execute(
            "SELECT count(*) FROM sale_order WHERE id = ANY(%s) AND billing_readiness_state = 'ready'", [order_ids]
        )
        return cr.fetchone()[0]

    def test_two_workers_invoice_each_order_once(self):
        ids = self._committed_setup()
        barrier = threading.Barrier(2)
        claimed = {"w1": 0, "w2": 0}
        errors = []

        def worker(name):
            try:
                with self.registry.cursor() as cr:
                    # The loading thread holds Registry._lock while post-install tests run:
                    # give the cursor its transaction on this registry instead of Registry(dbname).
                    cr.transaction = Transaction(self.registry)
                    # Mails are queued (the mail queue cron sends them), not sent after each commit.
                    env = api.Environment(cr, SUPERUSER_ID, {"mail_notify_force_send": False})
                    barrier.wait(timeout=30)
                    for _round in range(100):
                        count = env["sale.order"]._cron_billing_invoice(limit=3, batch_size=3)
                        # The cron runner commits after each call; this worker plays the runner.
                        cr.commit()  # pylint: disable=invalid-commit
                        claimed[name] += count
                        if not count:
                            if not self._ready_left(cr, ids["orders"]):
                                break
                            time.sleep(0.05)
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=worker, args=(name,)) for name in claimed]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        if any(thread.is_alive() for thread in threads):
            with self.registry.cursor() as cr:
                cr.execute(
                    """SELECT a.pid, a.state, a.wait_event_type, left(a.query, 300), pg_blocking_pids(a.pid)
                         FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid != pg_backend_pid()"""
                )
                activity = cr.fetchall()
            stacks = [
                "".join(traceback.format_stack(sys._current_frames()[thread.ident]))
                for thread in threads
                if thread.is_alive()
            ]
            self.fail(f"workers still running: {activity} {errors} {claimed} {stacks}")
        self.assertFalse(errors)
        # The cron invoices every ready order of the database (ours are N_ORDERS of them).
        self.assertGreaterEqual(sum(claimed.values()), N_ORDERS, claimed)
        self.assertTrue(all(claimed.values()), f"both workers invoiced orders: {claimed}")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["sale.order"].browse(ids["orders"])
            self.assertEqual(set(orders.mapped("billing_readiness_state")), {"invoiced"})
            for order in orders:
                self.assertEqual(len(order.invoice_ids), 1, f"{order.name} invoiced {len(order.invoice_ids)} times")
            self.assertEqual(len(orders.invoice_ids), N_ORDERS)
            cr.execute(
                """SELECT count(*) FROM account_move_line aml
                     JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
                     JOIN sale_order_line sol ON sol.id = rel.order_line_id
                    WHERE sol.order_id = ANY(%s)""",
                [ids["orders"]],
            )
            self.assertEqual(cr.fetchone()[0], N_ORDERS, "one invoice line per order line")
