"""Browser tour of the billing clerk's path: the readiness board, an order on hold and its
reason, the release, and the scheduled invoicing that then invoices the order.

The data is built with billing_readiness's test mixin (``BillingReadinessCommon``): two
orders delivered without a proof of delivery (both on hold, *POD missing*). The tour, as a
Billing Manager who created none of it, releases one of them with a reason; the test then runs
the scheduled action *Billing Readiness: invoice ready orders* as the scheduler would, and
checks in the database that the released order, and only it, is invoiced, and who released
the hold and when (the chatter note). Needs Chromium (Debian's ``chromium``).
"""

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.billing_readiness.tests.common import BillingReadinessCommon


@tagged("post_install", "-at_install")
class TestBillingTour(BillingReadinessCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_billing()
        env = cls.env
        cls.tour_customer = env["res.partner"].create({"name": "Billing Tour Customer", "country_id": cls.france.id})
        cls.other_customer = env["res.partner"].create({"name": "Billing Tour Other", "country_id": cls.france.id})
        cls.order, cls.order_shipment = cls.make_order(partner=cls.tour_customer, price=1250.0)
        cls.other, other_shipment = cls.make_order(partner=cls.other_customer, price=800.0)
        cls.deliver(cls.order_shipment | other_shipment, pod=False)
        env["sale.order"]._billing_process_dirty()
        cls.clerk = new_test_user(
            env,
            login="tour_billing",
            name="Tour Billing Clerk",
            groups="base.group_user,billing_readiness.group_billing_manager",
        )

    def test_release_then_scheduled_invoicing(self):
        # What the tour starts from: both orders on hold for the missing POD, nothing invoiced.
        for order, shipment in ((self.order, self.order_shipment), (self.other, self.other.logistics_shipment_ids)):
            self.assertEqual(order.billing_readiness_state, "on_hold")
            self.assertEqual(self.reason_names(order), [f"POD missing for shipment {shipment.name}"])
            self.assertFalse(order.invoice_ids)
        self.assertNotEqual(self.order.create_uid, self.clerk)
        started = fields.Datetime.now().replace(microsecond=0)

        self.start_tour("/odoo", "logistics_suite_billing_tour", login="tour_billing")

        self.env.invalidate_all()
        # The release: the reason is waived, the order is ready, the chatter says who and when.
        self.assertEqual(self.order.billing_readiness_state, "ready")
        self.assertFalse(self.order.billing_hold_reason_ids)
        self.assertEqual(self.order.billing_waived_reason_ids.mapped("code"), ["pod_missing"])
        note = self.order.message_ids.filtered(lambda m: "Billing hold released by" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.clerk.partner_id)
        self.assertEqual(note.create_uid, self.clerk)
        self.assertGreaterEqual(note.date, started)
        self.assertIn("Receipt confirmed by the customer on the phone", note.body)
        self.assertIn(f"POD missing for shipment {self.order_shipment.name}", note.body)
        # The other order was not touched.
        self.assertEqual(self.other.billing_readiness_state, "on_hold")

        # The scheduled invoicing, as the scheduler runs it (the cron's own server action).
        cron = self.env.ref("billing_readiness.ir_cron_billing_invoice")
        cron.method_direct_trigger()
        self.env.invalidate_all()
        invoice = self.order.invoice_ids
        self.assertEqual(len(invoice), 1, "one customer invoice for the released order")
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",  # the rule does not post (auto_post is off)
                    "partner_id": self.tour_customer.id,
                    "amount_untaxed": 1250.0,
                }
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids.order_id, self.order)
        self.assertEqual(self.order.billing_readiness_state, "invoiced")
        self.assertTrue(self.order.billing_invoiced_time)
        # The order still on hold is not invoiced; a second run invoices nothing twice.
        self.assertFalse(self.other.invoice_ids)
        self.assertEqual(self.other.billing_readiness_state, "on_hold")
        cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(self.order.invoice_ids, invoice)
