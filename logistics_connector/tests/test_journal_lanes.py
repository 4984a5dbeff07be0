"""The journal's lanes (models/logistics_message_lanes.py): each message's lane set when it is
journaled (by type, or by its backend), on the fast insert and on ORM ``create``, and the cron's
claim per lane (a fair share of the batch, a capacity per lane, the order per sequence key).

The flood of milestones in front of a carrier invoice, processed for real, is in
tests/logistics_suite_e2e/tests/test_journal_lanes.py (it needs both addons)."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import LogisticsCommon


@tagged("post_install", "-at_install")
class TestJournalLanes(LogisticsCommon, TransactionCase):
    plain_create = False  # the value of logistics_connector.journal_plain_create

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "logistics_connector.journal_plain_create", "1" if cls.plain_create else False
        )
        cls.setup_logistics()
        cls.Message = cls.env["logistics.message"]
        # Nothing else in the queue: the tests count what the claim takes.
        cls.env.cr.execute(
            "UPDATE logistics_message SET state = 'done' WHERE state IN ('received', 'queued', 'failed')"
        )

    def journal(self, message_type, count=1, prefix="m", backend=None, **vals):
        messages, _dups = self.Message._journal_many(
            [
                dict(
                    {
                        "backend_id": (backend or self.backend).id,
                        "direction": "inbound",
                        "message_type": message_type,
                        "payload": {"n": index},
                        "idempotency_key": f"{prefix}-{index}",
                    },
                    **vals,
                )
                for index in range(count)
            ]
        )
        return messages

    def stored_lanes(self, messages):
        """The lanes as stored in the rows (not the cache)."""
        self.env.flush_all()
        self.env.cr.execute("SELECT id, lane FROM logistics_message WHERE id IN %s", (tuple(messages.ids),))
        return dict(self.env.cr.fetchall())

    def test_the_path_taken(self):
        self.assertEqual(self.Message._journal_plain_create(), self.plain_create)

    def test_lane_from_the_message_type(self):
        bookings = self.journal("booking_confirmation", 2)
        ack = self.journal("x12_997", prefix="ack")
        self.assertEqual(bookings.mapped("lane"), ["transport", "transport"])
        self.assertEqual(ack.lane, "acks")
        self.assertEqual(set(self.stored_lanes(bookings).values()), {"transport"})
        self.assertEqual(self.stored_lanes(ack), {ack.id: "acks"})
        # Outbound transport orders too, whatever journals them.
        order = self.journal("transport_order", prefix="to", direction="outbound")
        self.assertEqual(self.stored_lanes(order), {order.id: "transport"})

    def test_backend_lane_overrides_the_type(self):
        self.backend.journal_lane = "payments"
        bookings = self.journal("booking_confirmation", 2)
        self.assertEqual(bookings.mapped("lane"), ["payments", "payments"])
        self.assertEqual(set(self.stored_lanes(bookings).values()), {"payments"})
        # A lane given explicitly wins over both.
        given = self.journal("booking_confirmation", prefix="given", lane="acks")
        self.assertEqual(self.stored_lanes(given), {given.id: "acks"})
        self.backend.journal_lane = False
        later = self.journal("booking_confirmation", prefix="later")
        self.assertEqual(self.stored_lanes(later), {later.id: "transport"})

    def test_orm_create_sets_the_lane(self):
        message = self.Message.sudo().create(
            {"backend_id": self.backend.id, "direction": "inbound", "message_type": "x12_997", "payload": "x"}
        )
        self.assertEqual(self.stored_lanes(message), {message.id: "acks"})

    def test_a_flood_in_one_lane_leaves_a_share_to_the_others(self):
        flood = self.journal("booking_confirmation", 30, prefix="flood")
        ack = self.journal("x12_997", prefix="ack")
        self.assertGreater(ack.id, max(flood.ids))
        claimed = self.Message._claim_lanes(10)
        # Two lanes with work: half of the batch each; the 997 lane needs one.
        self.assertIn(ack, claimed)
        self.assertEqual(claimed - ack, flood.sorted("id")[:5], "the flood's share, in its order")
        self.assertEqual(set(claimed.mapped("state")), {"processing"})
        # The flood alone then gets the whole batch.
        self.assertEqual(self.Message._claim_lanes(10), flood.sorted("id")[5:15])

    def test_one_lane_alone_gets_the_whole_batch(self):
        flood = self.journal("booking_confirmation", 30, prefix="flood")
        self.assertEqual(self.Message._claim_lanes(25), flood.sorted("id")[:25])

    def test_capacity_per_lane(self):
        self.env["ir.config_parameter"].sudo().set_param("logistics_connector.lane_capacity.transport", "4")
        flood = self.journal("booking_confirmation", 30, prefix="flood")
        self.assertEqual(self.Message._claim_lanes(200), flood.sorted("id")[:4])

    def test_messages_without_a_lane_are_still_claimed(self):
        message = self.journal("booking_confirmation", prefix="old")
        self.env.cr.execute("UPDATE logistics_message SET lane = NULL WHERE id = %s", (message.id,))
        message.invalidate_recordset(["lane"])
        self.assertEqual(self.Message._claim_lanes(10), message)

    def test_order_per_sequence_key_across_lanes(self):
        first = self.journal("booking_confirmation", prefix="first", sequence_key="shipment:1")
        second = self.journal("x12_997", prefix="second", sequence_key="shipment:1")
        self.assertEqual((first.lane, second.lane), ("transport", "acks"))
        # The 997 waits for the earlier message of its key, in another lane.
        self.assertEqual(self.Message._claim_lanes(10), first)
        self.assertFalse(self.Message._claim_lanes(10))
        first._mark_done()
        self.assertEqual(self.Message._claim_lanes(10), second)

    def test_lane_is_set_by_the_journal_only(self):
        message = self.journal("booking_confirmation")
        self.assertIn("lane", self.Message._guarded_fields)
        manager = self.make_user(
            "lane.manager", "base.group_user,logistics_connector.group_logistics_manager", self.company
        )
        with self.assertRaises(AccessError):
            message.with_user(manager).write({"lane": "events"})


@tagged("post_install", "-at_install")
class TestJournalLanesPlain(TestJournalLanes):
    """The same, with the journal's rows written by ORM ``create`` (the switch)."""

    allow_inherited_tests_method = True  # Odoo's loader runs only a class's own tests otherwise
    plain_create = True
