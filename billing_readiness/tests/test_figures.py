"""The lag figures on a worked example (exact numbers), POD share, holds by reason, invoices waiting."""

import datetime

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from .common import DELIVERY, BillingReadinessCommon

H = datetime.timedelta(hours=1)


@tagged("post_install", "-at_install")
class TestFigures(BillingReadinessCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()

    def report(self, orders):
        self.env.flush_all()
        return self.env["billing.readiness.report"].search([("order_id", "in", orders.ids)])

    def test_worked_example(self):
        """
        Order A: delivered 2026-03-02 10:00 without POD; POD at 16:30 -> ready 16:30 (6.5 h);
                 invoiced by the cron 2026-03-03 08:00 (15.5 h).
        Order B: delivered 12:00 with POD, evaluated 14:00 -> ready (2.0 h); invoiced 08:00 (18.0 h).
        Order C: delivered 12:00 without POD, still on hold (no lag yet).
        Order D: in transit (not delivered).
        Averages: delivery->ready (6.5 + 2.0) / 2 = 4.25 h; ready->invoiced (15.5 + 18.0) / 2 = 16.75 h;
        delivered without POD: 1 of 3 delivered orders (C) = 33.33 %.
        """
        order_a, ship_a = self.make_order()
        order_b, ship_b = self.make_order()
        order_c, ship_c = self.make_order()
        order_d, _ship_d = self.make_order()
        self.deliver(ship_a, when=DELIVERY, pod=False)
        self.deliver(ship_b | ship_c, when=DELIVERY + 2 * H)
        ship_c.write({"pod_signer": False, "pod_time": False})
        with freeze_time(DELIVERY + 4 * H):  # 14:00
            self.evaluate()
        self.assertEqual(order_a.billing_readiness_state, "on_hold")
        self.assertEqual(order_b.billing_readiness_state, "ready")
        self.assertEqual(order_b.billing_ready_time, DELIVERY + 4 * H)
        with freeze_time(DELIVERY + 6.5 * H):  # 16:30
            ship_a.write({"pod_signer": "J. Doe", "pod_time": DELIVERY + 6 * H})
            self.evaluate()
        self.assertEqual(order_a.billing_readiness_state, "ready")
        self.assertEqual(order_a.billing_ready_time, DELIVERY + 6.5 * H)
        with freeze_time(DELIVERY + 22 * H):  # 2026-03-03 08:00
            self.env["sale.order"]._cron_billing_invoice()
        self.assertRecordValues(
            order_a | order_b,
            [
                {
                    "billing_readiness_state": "invoiced",
                    "billing_delivery_time": DELIVERY,
                    "billing_ready_time": DELIVERY + 6.5 * H,
                    "billing_invoiced_time": DELIVERY + 22 * H,
                    "billing_ready_lag_hours": 6.5,
                    "billing_invoice_lag_hours": 15.5,
                },
                {
                    "billing_readiness_state": "invoiced",
                    "billing_delivery_time": DELIVERY + 2 * H,
                    "billing_ready_time": DELIVERY + 4 * H,
                    "billing_invoiced_time": DELIVERY + 22 * H,
                    "billing_ready_lag_hours": 2.0,
                    "billing_invoice_lag_hours": 18.0,
                },
            ],
        )
        orders = order_a | order_b | order_c | order_d
        rows = self.report(orders)
        self.assertEqual(len(rows), 4)
        Report = self.env["billing.readiness.report"]
        [totals] = Report.read_group(
            [("order_id", "in", orders.ids)],
            [
                "ready_lag_hours:avg",
                "invoice_lag_hours:avg",
                "delivery_to_invoice_hours:avg",
                "pod_missing_percent:avg",
                "delivered_count:sum",
                "pod_missing_count:sum",
                "order_count:sum",
            ],
            [],
        )
        self.assertAlmostEqual(totals["ready_lag_hours"], 4.25, places=6)
        self.assertAlmostEqual(totals["invoice_lag_hours"], 16.75, places=6)
        self.assertAlmostEqual(totals["delivery_to_invoice_hours"], (22 + 20) / 2, places=6)
        self.assertAlmostEqual(totals["pod_missing_percent"], 100.0 / 3, places=6)
        self.assertEqual(totals["delivered_count"], 3)
        self.assertEqual(totals["pod_missing_count"], 1)
        self.assertEqual(totals["order_count"], 4)
        by_state = {
            g["state"]: g["state_count"]
            for g in Report.read_group([("order_id", "in", orders.ids)], ["state"], ["state"])
        }
        self.assertEqual(by_state, {"invoiced": 2, "on_hold": 1, "waiting": 1})
        # Draft invoices created by the cron, waiting to be posted.
        [draft] = Report.read_group([("order_id", "in", orders.ids)], ["draft_invoice_count:sum"], [])
        self.assertEqual(draft["draft_invoice_count"], 2)

    def test_holds_by_reason_and_invoices_waiting(self):
        order_1, ship_1 = self.make_order()
        order_2, ship_2 = self.make_order()
        order_3, ship_3 = self.make_order(shipments=2)
        order_4, ship_4 = self.make_order(price=250.0)
        self.deliver(ship_1 | ship_2, pod=False)
        self.deliver(ship_3[0])
        self.deliver(ship_4)
        self.evaluate()
        orders = order_1 | order_2 | order_3 | order_4
        self.env.flush_all()
        groups = self.env["billing.hold.report"].read_group(
            [("order_id", "in", orders.ids)], ["hold_count:sum"], ["code"]
        )
        self.assertEqual({g["code"]: g["hold_count"] for g in groups}, {"pod_missing": 2, "not_delivered": 1})
        [waiting] = self.env["billing.readiness.report"].read_group(
            [("order_id", "in", orders.ids)],
            ["waiting_invoice_count:sum", "waiting_invoice_amount:sum", "hold_count:sum"],
            [],
        )
        self.assertEqual(waiting["waiting_invoice_count"], 1)
        self.assertEqual(waiting["waiting_invoice_amount"], 250.0)
        self.assertEqual(waiting["hold_count"], 2)
