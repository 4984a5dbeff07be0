"""Browser tour of operations: a sale order, its shipment, the timeline, the exception activity
marked done, and the carrier's tracking link.

The data is built here: a confirmed sale order whose delivery order travels on a shipment
with a carrier whose tracking URL template is set; the carrier's milestones (picked up, in
transit, then an exception: the consignee's address is incomplete) come through the journal,
which opens the exception activity for the order's salesperson. The operations user (Logistics
User, Salesman, Inventory User; no administrator) walks it through; the outcome is read in the
database afterwards.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.logistics_connector.tests.factories import make_backend

TEMPLATE = "https://track.northwind.example/parcel?id={tracking}"
TRACKING = "NW4455-7"


@tagged("post_install", "-at_install")
class TestOperationsTour(HttpCase):
    def setUp(self):
        super().setUp()
        env = self.env
        company = env.company
        company.logistics_environment = "production"
        self.operator = new_test_user(
            env,
            login="tour_operations",
            name="Tour Operations",
            groups="logistics_connector.group_logistics_user,sales_team.group_sale_salesman,stock.group_stock_user",
        )
        backend = make_backend(env, "Northwind events", "tour-northwind", "carrier")
        product = env["product.product"].create({"name": "Northwind road", "type": "service"})
        self.carrier = env["delivery.carrier"].create(
            {
                "name": "Northwind Road",
                "product_id": product.id,
                "delivery_type": "fixed",
                "logistics_tracking_url": TEMPLATE,
            }
        )
        customer = env["res.partner"].create({"name": "Tour Ops Customer", "city": "Lyon", "zip": "69002"})
        goods = env["product.product"].create({"name": "Tour pallet of tiles", "type": "consu"})
        self.order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "user_id": self.operator.id,
                "order_line": [Command.create({"product_id": goods.id, "product_uom_qty": 4})],
            }
        )
        self.order.action_confirm()
        picking = self.order.picking_ids
        self.shipment = picking._logistics_create_shipments()
        self.shipment.write({"name": "SHP-OPS-1", "carrier_id": self.carrier.id, "tracking_ref": TRACKING})
        Message = env["logistics.message"]
        now = fields.Datetime.now().replace(microsecond=0)

        def event(status, hours_ago, city, **extra):
            return {
                "tracking_ref": TRACKING,
                "status": status,
                "event_time": (now - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "location": {"city": city, "country": "FR"},
                **extra,
            }

        Message._journal_canonical_events(
            backend,
            [
                event("picked_up", 30, "Lyon"),
                event("in_transit", 20, "Macon"),
                event("exception", 2, "Dijon", reason_code="AD", reason="Consignee address incomplete"),
            ],
            source="webhook 127.0.0.1 (test)",
        )
        Message._process_queue()
        self.exception = self.shipment.event_ids.filtered("is_exception")
        self.activity = self.exception.activity_id

    def test_sale_order_shipment_timeline_exception_tracking(self):
        # What the tour starts from.
        self.assertEqual(self.order.logistics_shipment_ids, self.shipment)
        self.assertEqual(self.shipment.status, "exception")
        self.assertEqual(len(self.shipment.event_ids), 3)
        self.assertEqual(self.exception.exception_state, "open")
        self.assertRecordValues(
            self.activity,
            [
                {
                    "res_model": "logistics.shipment",
                    "res_id": self.shipment.id,
                    "user_id": self.operator.id,
                    "active": True,
                }
            ],
        )
        self.assertEqual(self.shipment.tracking_url, f"https://track.northwind.example/parcel?id={TRACKING}")
        self.assertFalse(self.operator.has_group("base.group_system"))

        self.start_tour("/odoo", "logistics_operations_tour", login="tour_operations")

        self.env.invalidate_all()
        # The exception activity is done (the type keeps done activities), by the operator,
        # with the feedback the tour typed; the milestone itself is still the carrier's word.
        activity = self.activity.with_context(active_test=False)
        self.assertRecordValues(activity, [{"active": False, "date_done": fields.Date.today()}])
        done_message = self.env["mail.message"].search(
            [
                ("model", "=", "logistics.shipment"),
                ("res_id", "=", self.shipment.id),
                (
                    "mail_activity_type_id",
                    "=",
                    self.env.ref("shipment_events.mail_activity_type_shipment_exception").id,
                ),
            ]
        )
        self.assertEqual(len(done_message), 1)
        self.assertEqual(done_message.author_id, self.operator.partner_id)
        self.assertIn("Address completed with the customer", done_message.body)
        self.assertFalse(self.shipment.activity_ids)
        self.assertEqual(self.exception.exception_state, "open")
