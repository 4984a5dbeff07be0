"""Database-free tests of the shipment status rules (services/status.py) and of the one
ISO 8601 reader of the suite (services/dates.py)."""

import itertools
from datetime import datetime, timedelta

from odoo.tests import BaseCase, tagged

from ..services import dates
from ..services.status import (
    MANUAL_TRANSITIONS,
    PLANNING_STATUSES,
    SHIPMENT_STATUSES,
    STATUS_RANK,
    TERMINAL_STATUSES,
    fold_events,
    status_beats,
)

T = datetime(2026, 11, 20, 10, 0)
H = timedelta(hours=1)
STATUSES = [code for code, _label in SHIPMENT_STATUSES]


@tagged("post_install", "-at_install")
class TestStatusRules(BaseCase):
    def test_constants_agree(self):
        self.assertEqual(set(STATUS_RANK), set(STATUSES))
        self.assertEqual(set(MANUAL_TRANSITIONS), set(STATUSES))
        for targets in MANUAL_TRANSITIONS.values():
            self.assertLessEqual(targets, set(STATUSES))
        for status in TERMINAL_STATUSES:
            self.assertEqual(MANUAL_TRANSITIONS[status], set(), f"{status} is final")
        self.assertLessEqual(set(PLANNING_STATUSES), set(STATUSES))

    def test_status_beats(self):
        self.assertTrue(status_beats("in_transit", T + H, "picked_up", T))
        self.assertFalse(status_beats("in_transit", T - H, "picked_up", T), "older event")
        self.assertFalse(status_beats("in_transit", T + H, "delivered", T), "delivered is final")
        self.assertFalse(status_beats("booked", T + H, "cancelled", T), "cancelled is final")
        # Same time: the higher rank wins.
        self.assertTrue(status_beats("delivered", T, "out_for_delivery", T))
        self.assertFalse(status_beats("in_transit", T, "out_for_delivery", T))
        self.assertFalse(status_beats("in_transit", T, "in_transit", T), "the same status at the same time")
        # The same status later only moves its time.
        self.assertTrue(status_beats("in_transit", T + H, "in_transit", T))
        # Planning is stamped when Odoo learnt it: movement beats it whatever its time, never the reverse.
        self.assertTrue(status_beats("picked_up", T - H, "booked", T))
        self.assertFalse(status_beats("booked", T + H, "picked_up", T))
        self.assertFalse(status_beats(None, T, "draft", None))
        self.assertTrue(status_beats("in_transit", T, "draft", None), "no time yet")

    def test_fold_in_event_time_order(self):
        """Events arrive out of order; they are folded by event time, then rank, then key."""
        fold = fold_events(
            "booked",
            T + 5 * H,  # a booking processed late
            [(3, "delivered", T + 4 * H), (1, "picked_up", T), (2, "in_transit", T + 2 * H), (4, "in_transit", T + H)],
        )
        self.assertEqual(fold.status, "delivered")
        self.assertEqual(fold.status_time, T + 4 * H)
        self.assertEqual(fold.applied, [1, 4, 2, 3])
        self.assertEqual(fold.outdated, [])
        self.assertEqual(fold.pickup_time, T)

    def test_fold_outdated_and_ties(self):
        fold = fold_events(
            "out_for_delivery",
            T,
            [(1, "in_transit", T - H), (2, "in_transit", T), (3, "delayed", T + H), (4, "in_transit", T + H)],
        )
        # in_transit (rank 40) before delayed (41) at the same time: delayed wins the tie.
        self.assertEqual((fold.status, fold.status_time), ("delayed", T + H))
        self.assertEqual(fold.applied, [4, 3])
        self.assertEqual(fold.outdated, [1, 2])
        self.assertIsNone(fold.pickup_time)

    def test_fold_of_nothing_keeps_the_status(self):
        self.assertEqual(fold_events("in_transit", T, []), ("in_transit", T, [], [], None))
        fold = fold_events("delivered", T, [(1, "in_transit", T + H)])
        self.assertEqual((fold.status, fold.status_time, fold.outdated), ("delivered", T, [1]))

    def test_batch_fold_equals_one_event_at_a_time(self):
        """Folding a batch gives the status and time that folding each event in turn gives,
        and a status that beats (or extends) the one it started from: the shipment writes
        the batch's result without deciding again."""
        times = [T, T + H, T + 2 * H]
        event_statuses = [s for s in STATUSES if s != "draft"]
        candidates = list(itertools.product(event_statuses, times))
        for (start, start_time), pair in itertools.product(
            itertools.product(STATUSES, [None, *times]), itertools.product(candidates, repeat=2)
        ):
            events = [(key, status, time) for key, (status, time) in enumerate(pair)]
            batch = fold_events(start, start_time, events)
            status, status_time = start, start_time
            for event in sorted(events, key=lambda e: (e[2], STATUS_RANK[e[1]], e[0])):
                one = fold_events(status, status_time, [event])
                status, status_time = one.status, one.status_time
            self.assertEqual((batch.status, batch.status_time), (status, status_time), (start, start_time, events))
            if batch.status != start:
                self.assertTrue(status_beats(batch.status, batch.status_time, start, start_time))

    def test_one_event_without_time(self):
        fold = fold_events("in_transit", T, [(None, "delivered", None)])
        self.assertEqual((fold.status, fold.status_time, fold.applied), ("delivered", None, [None]))


@tagged("post_install", "-at_install")
class TestDates(BaseCase):
    def test_parse_datetime_to_naive_utc(self):
        self.assertEqual(dates.parse_datetime("2026-11-20T10:05:30+02:00"), datetime(2026, 11, 20, 8, 5, 30))
        self.assertEqual(dates.parse_datetime("2026-11-20T08:05:30Z"), datetime(2026, 11, 20, 8, 5, 30))
        self.assertEqual(dates.parse_datetime(" 2026-11-20T08:05:30z "), datetime(2026, 11, 20, 8, 5, 30))
        self.assertEqual(
            dates.parse_datetime("2026-11-20T08:05:30.250-05:30"), datetime(2026, 11, 20, 13, 35, 30, 250000)
        )
        # Without an offset the text is UTC already.
        self.assertEqual(dates.parse_datetime("2026-11-20 08:05:30"), datetime(2026, 11, 20, 8, 5, 30))
        self.assertIs(dates.parse_datetime(""), False)
        self.assertIs(dates.parse_datetime(None), False)
        with self.assertRaises(ValueError):
            dates.parse_datetime("20/11/2026")

    def test_parse_datetime_offset(self):
        self.assertEqual(
            dates.parse_datetime_offset("2026-11-20T10:05:30+02:00"), (datetime(2026, 11, 20, 8, 5, 30), "+02:00")
        )
        self.assertEqual(dates.parse_datetime_offset("2026-11-20T08:05Z"), (datetime(2026, 11, 20, 8, 5), "+00:00"))
        self.assertEqual(dates.parse_datetime_offset("2026-11-20T03:05-05:30")[1], "-05:30")
        self.assertEqual(dates.parse_datetime_offset("2026-11-20T03:05"), (datetime(2026, 11, 20, 3, 5), None))

    def test_offset_text(self):
        self.assertEqual(dates.offset_text(timedelta(0)), "+00:00")
        self.assertEqual(dates.offset_text(timedelta(hours=5, minutes=45)), "+05:45")
        self.assertEqual(dates.offset_text(-timedelta(hours=3, minutes=30)), "-03:30")
