import contextlib
import time
from datetime import datetime, timedelta

import psycopg2.errors
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.logistics_connector.services.exceptions import RetryableError
from odoo.addons.logistics_connector.services.intake import JournalItem

from .common import CronWakeups, LogisticsCommon


@tagged("post_install", "-at_install")
class TestJournal(LogisticsCommon, TransactionCase):
    """The journal, on its fast insert; test_journal_plain.py runs the same tests on the
    switch's ORM ``create`` path."""

    plain_create = False  # the value of logistics_connector.journal_plain_create

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "logistics_connector.journal_plain_create", "1" if cls.plain_create else False
        )
        cls.setup_logistics()
        cls.Message = cls.env["logistics.message"]

    def test_the_path_taken(self):
        self.assertEqual(self.Message._journal_plain_create(), self.plain_create)

    def test_stored_before_processing_with_hash_and_payload(self):
        messages, duplicates = self.journal_booking()
        self.assertEqual(duplicates, [False])
        self.assertEqual(messages.state, "received")
        self.assertIn('"booking_id": "BK-1"', messages.payload)
        self.assertEqual(len(messages.content_hash), 64)
        self.assertIn('"carrier_scac": "FFRT"', messages.payload_pretty)
        # The cron is woken up (ir.cron.trigger) instead of waiting for its interval.
        cron = self.env.ref("logistics_connector.ir_cron_process_messages")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

    def test_large_and_binary_payloads_kept_byte_for_byte(self):
        raw = b"\x00\xffISA" + b"x" * 300_000
        messages, _dups = self.Message._journal_many(
            [
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "payload": raw,
                    "idempotency_key": "big",
                }
            ]
        )
        self.assertFalse(messages.payload)
        self.assertTrue(messages.payload_attachment_id)
        self.assertEqual(messages._get_payload_bytes(), raw)
        self.assertEqual(messages.payload_size, len(raw))

    def test_idempotency_key_unique_per_backend_and_direction(self):
        first, _dups = self.journal_booking()
        again, duplicates = self.journal_booking()
        self.assertFalse(again)
        self.assertEqual(duplicates, [first])
        duplicate_row = self.Message.search([("duplicate_of_id", "=", first.id)])
        self.assertEqual(duplicate_row.state, "duplicate")
        self.assertFalse(duplicate_row.idempotency_key)
        # Same key outbound, or on another backend, is another message.
        other = self.backend.copy({"code": "other-tms"})
        messages, duplicates = self.Message._journal_many(
            [
                {
                    "backend_id": other.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "payload": {},
                    "idempotency_key": "booking:BK-1",
                },
                {
                    "backend_id": self.backend.id,
                    "direction": "outbound",
                    "message_type": "transport_order",
                    "payload": {},
                    "idempotency_key": "booking:BK-1",
                },
            ]
        )
        self.assertEqual(len(messages), 2)
        self.assertEqual(duplicates, [False, False])

    def test_database_enforces_the_key(self):
        first, _dups = self.journal_booking()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint():
            self.Message.create(
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "idempotency_key": first.idempotency_key,
                }
            )

    def test_same_key_twice_in_one_batch(self):
        vals = {
            "backend_id": self.backend.id,
            "direction": "inbound",
            "message_type": "booking_confirmation",
            "payload": {"booking_id": "X"},
            "idempotency_key": "same",
        }
        messages, duplicates = self.Message._journal_many([vals, vals])
        self.assertEqual(len(messages), 1)
        self.assertEqual(duplicates, [False, messages])

    def test_booking_confirmation_applied_and_linked(self):
        self.map_carrier()
        messages, _dups = self.journal_booking()
        self.assertEqual(self.Message._process_queue(), 1)
        self.assertEqual(messages.state, "done")
        self.assertEqual(messages.attempts, 1)
        shipment = self.shipment
        self.assertEqual(shipment.carrier_id, self.carrier)
        self.assertEqual(shipment.carrier_partner_id, self.carrier_partner)
        self.assertEqual(shipment.tracking_ref, "TRK-BK-1")
        self.assertEqual(shipment.planned_pickup, datetime(2026, 11, 23, 7, 0))  # 08:00+01:00 in UTC
        self.assertEqual(shipment.status, "booked")
        self.assertEqual(shipment._get_external_ref(self.backend, "booking"), "BK-1")
        self.assertEqual(messages.shipment_ids, shipment)
        self.assertEqual(messages.link_ids.mapped("res_model"), ["logistics.shipment"])

    def test_unmapped_code_waits_then_completes_when_mapped(self):
        messages, _dups = self.journal_booking(scac="ZZZZ")
        self.Message._process_queue()
        self.assertEqual(messages.state, "needs_mapping")
        self.assertEqual((messages.missing_mapping_type, messages.missing_mapping_code), ("carrier", "ZZZZ"))
        self.assertIn("No carrier mapping for code 'ZZZZ'", messages.last_error)
        self.assertFalse(self.shipment.carrier_id, "nothing is guessed")
        self.map_carrier("ZZZZ")
        self.assertEqual(messages.state, "queued")
        self.Message._process_queue()
        self.assertEqual(messages.state, "done")
        self.assertEqual(self.shipment.carrier_id, self.carrier)

    def test_add_missing_mapping_from_the_message(self):
        """ "Add Mapping" on a parked message: a mapping form for its backend, type and code;
        saved by a Logistics Manager, the message goes back to the queue. Others may not."""
        messages, _dups = self.journal_booking(scac="QQQQ")
        self.Message._process_queue()
        self.assertEqual(messages.state, "needs_mapping")
        manager = self.make_user("journal_mapper", "logistics_connector.group_logistics_manager", self.company)
        # The delivery method a carrier code maps to can be picked in the mapping's form.
        carriers = self.env["delivery.carrier"].with_user(manager).name_search(self.carrier.name)
        self.assertIn(self.carrier.id, [carrier_id for carrier_id, _name in carriers])
        action = messages.with_user(manager).action_add_missing_mapping()
        self.assertEqual((action["res_model"], action["target"]), ("logistics.code.mapping", "new"))
        self.assertEqual(
            action["context"],
            {"default_backend_id": self.backend.id, "default_mapping_type": "carrier", "default_external_code": "QQQQ"},
        )
        Mapping = self.env["logistics.code.mapping"].with_user(manager).with_context(**action["context"])
        mapping = Mapping.create({"carrier_id": self.carrier.id})
        self.assertRecordValues(
            mapping, [{"backend_id": self.backend.id, "mapping_type": "carrier", "external_code": "QQQQ"}]
        )
        self.assertEqual(messages.state, "queued")
        with self.assertRaisesRegex(UserError, "waits for no mapping"):
            messages.with_user(manager).action_add_missing_mapping()
        user = self.make_user("journal_reader", "logistics_connector.group_logistics_user", self.company)
        with self.assertRaises(AccessError):
            messages.with_user(user).action_add_missing_mapping()
        self.Message._process_queue()
        self.assertEqual(messages.state, "done")
        self.assertEqual(self.shipment.carrier_id, self.carrier)

    def test_bad_input_fails_without_retry_and_keeps_payload(self):
        messages, _dups = self.Message._journal_many(
            [
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "payload": b"{not json",
                    "idempotency_key": "bad",
                }
            ]
        )
        self.Message._process_queue()
        self.assertEqual(messages.state, "failed")
        self.assertFalse(messages.next_attempt_at)
        self.assertIn("not valid JSON", messages.last_error)
        self.assertEqual(messages.payload, "{not json")

    def test_one_bad_message_never_blocks_or_rolls_back_others(self):
        self.map_carrier()
        other = self.env["logistics.shipment"].create({"backend_id": self.backend.id})
        good1, _d = self.journal_booking("BK-1")
        bad, _d = self.Message._journal_many(
            [
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "message_type": "booking_confirmation",
                    "payload": {"booking_id": "nope", "reference": "UNKNOWN"},
                    "idempotency_key": "bad",
                }
            ]
        )
        good2, _d = self.journal_booking("BK-2", shipment=other)
        self.Message._process_queue()
        self.assertEqual((good1.state, bad.state, good2.state), ("done", "failed", "done"))
        self.assertIn("No shipment matches booking nope", bad.last_error)
        self.assertEqual(other.tracking_ref, "TRK-BK-2")

    def test_backoff_then_dead_letter_then_replay(self):
        self.map_carrier()
        messages, _dups = self.journal_booking()
        messages.state = "processing"
        start = datetime(2026, 11, 22, 12, 0, 0)
        with freeze_time(start):
            messages._record_failure(RetryableError("TMS answered 503"), 12)
        self.assertEqual(messages.state, "failed")
        self.assertEqual(messages.attempts, 1)
        # First retry after the base delay (60 s) plus at most 25 % jitter.
        delay = (messages.next_attempt_at - start).total_seconds()
        self.assertTrue(60 <= delay <= 75, delay)
        with freeze_time(start):
            messages._record_failure(RetryableError("TMS answered 503"), 12)
        delay = (messages.next_attempt_at - start).total_seconds()
        self.assertTrue(120 <= delay <= 150, delay)  # doubled
        # Not picked before its time.
        with freeze_time(start + timedelta(seconds=30)):
            self.assertFalse(self.Message._claim(10, ids=messages.ids))
        # A Retry-After from the remote wins over the backoff.
        with freeze_time(start):
            messages._record_failure(RetryableError("429", delay=7), 1)
        self.assertEqual(messages.state, "dead")  # third attempt of max_attempts=3
        self.assertIn("Gave up after 3 attempts", messages.last_error)
        self.assertFalse(messages.next_attempt_at)
        messages.action_replay()
        self.assertEqual((messages.state, messages.attempts, messages.replay_count), ("queued", 0, 1))
        self.Message._process_queue()
        self.assertEqual(messages.state, "done")
        # Replaying again applies nothing twice: the booking reference is still unique.
        refs = self.env["logistics.shipment.ref"].search([("shipment_id", "=", self.shipment.id)])
        self.assertEqual(len(refs), 1)
        with self.assertRaises(UserError):
            messages.action_replay()

    def test_retry_after_delay_used(self):
        messages, _dups = self.journal_booking()
        start = datetime(2026, 11, 22, 12, 0, 0)
        with freeze_time(start):
            messages._record_failure(RetryableError("429 Too Many Requests", delay=7), 1)
        self.assertEqual(messages.next_attempt_at, start + timedelta(seconds=7))

    def test_unexpected_error_kept_with_traceback_and_retried(self):
        messages, _dups = self.journal_booking()
        messages._record_failure(ZeroDivisionError("division by zero"), 3)
        self.assertEqual(messages.state, "failed")
        self.assertTrue(messages.next_attempt_at)
        self.assertIn("Unexpected error: division by zero", messages.last_error)
        self.assertIn("ZeroDivisionError", messages.error_details)

    def test_messages_of_one_shipment_in_order(self):
        first, _d = self.journal_booking("BK-1", key="k1")
        second, _d = self.journal_booking("BK-2", key="k2")
        (first | second).write({"sequence_key": "shipment:%s" % self.shipment.id})
        first.write({"state": "failed", "next_attempt_at": datetime(2099, 1, 1)})
        # The second waits while the first is retrying.
        self.assertFalse(self.Message._claim(10, ids=second.ids))
        first.write({"state": "dead", "next_attempt_at": False})
        self.assertEqual(self.Message._claim(10, ids=second.ids), second)

    def test_retention_purges_done_keeps_failed(self):
        done, _d = self.journal_booking("BK-1", key="old-done")
        failed, _d = self.journal_booking("BK-2", key="old-failed")
        recent, _d = self.journal_booking("BK-3", key="recent-done")
        done.state = "done"
        failed.state = "failed"
        recent.state = "done"
        self.backend.journal_retention_days = 30
        old = datetime.now() - timedelta(days=31)
        self.env.cr.execute("UPDATE logistics_message SET create_date = %s WHERE id IN %s", (old, (done.id, failed.id)))
        purged = self.Message._cron_purge()
        self.assertGreaterEqual(purged, 1)
        self.assertFalse(done.exists())
        self.assertTrue(failed.exists())
        self.assertTrue(recent.exists())

    def test_retention_purges_in_batches_and_reports_progress(self):
        """One batch per call, the oldest first, as the cron runner calls a job that reports
        its progress: a full batch says more remains (the runner commits and calls again)."""
        old = datetime.now() - timedelta(days=91)
        messages = self.Message
        for number in range(5):
            message, _d = self.journal_booking(f"BK-P{number}", key=f"purge-{number}")
            messages |= message
        failed, _d = self.journal_booking("BK-PF", key="purge-failed")
        messages.write({"state": "done"})
        failed.write({"state": "failed"})
        self.env.cr.execute(
            "UPDATE logistics_message SET create_date = %s WHERE id IN %s", (old, tuple((messages | failed).ids))
        )
        cron = self.env.ref("logistics_connector.ir_cron_purge_messages")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        Message = self.Message.with_context(ir_cron_progress_id=progress.id)
        self.assertEqual(Message._cron_purge(batch_size=2), 2)
        self.assertEqual((progress.done, progress.remaining), (2, 1))
        self.assertEqual(len(messages.exists()), 3)
        self.assertNotIn(messages[0], messages.exists(), "the oldest (lowest id) go first")
        purged = 2
        while Message._cron_purge(batch_size=2) == 2:
            purged += 2
        self.assertEqual(progress.remaining, 0)
        self.assertFalse(messages.exists())
        self.assertTrue(failed.exists(), "failed messages are kept")
        # The retention of the backend counts: 91 days old is kept at 120 days.
        kept, _d = self.journal_booking("BK-PK", key="purge-kept")
        kept.write({"state": "done"})
        self.env.cr.execute("UPDATE logistics_message SET create_date = %s WHERE id = %s", (old, kept.id))
        self.backend.journal_retention_days = 120
        Message._cron_purge(batch_size=2)
        self.assertTrue(kept.exists())
        self.backend.journal_retention_days = 30
        Message._cron_purge(batch_size=2)
        self.assertFalse(kept.exists())

    def test_retention_purge_rests_between_full_batches(self):
        """After a full batch the next call rests purge_pause_ratio times as long as that batch
        took, before it touches a row (the intake keeps its cores); a short batch, the last,
        leaves nothing to rest for; a ratio of 0 never rests."""
        from odoo.addons.logistics_connector.models import logistics_message_processing as module

        dbname = self.env.cr.dbname
        old = datetime.now() - timedelta(days=91)
        messages = self.Message
        for number in range(3):
            message, _d = self.journal_booking(f"BK-R{number}", key=f"rest-{number}")
            messages |= message
        messages.write({"state": "done"})
        self.env.cr.execute("UPDATE logistics_message SET create_date = %s WHERE id IN %s", (old, tuple(messages.ids)))
        self.env["ir.config_parameter"].sudo().set_param("logistics_connector.purge_pause_ratio", "3")
        module._LAST_PURGE.pop(dbname, None)
        self.assertEqual(self.Message._cron_purge(batch_size=2), 2)
        ended, took = module._LAST_PURGE[dbname]
        self.assertGreater(took, 0)
        # The last batch "took" 0.1 s: the next call rests about 0.3 s first.
        module._LAST_PURGE[dbname] = (time.monotonic(), 0.1)
        started = time.monotonic()
        rested = self.Message._purge_pause(3.0)
        self.assertGreater(rested, 0.2)
        self.assertLessEqual(rested, 0.3)
        self.assertGreaterEqual(time.monotonic() - started, rested)
        self.assertEqual(self.Message._purge_pause(0), 0.0, "a ratio of 0 never rests")
        # Time already gone since the batch counts; the rest never exceeds PURGE_PAUSE_MAX.
        module._LAST_PURGE[dbname] = (time.monotonic() - 1.0, 0.1)
        self.assertEqual(self.Message._purge_pause(3.0), 0.0)
        module._LAST_PURGE[dbname] = (time.monotonic(), 0.0)
        self.assertEqual(self.Message._purge_pause(3.0), 0.0)
        # The short (last) batch: nothing to rest for afterwards.
        module._LAST_PURGE.pop(dbname, None)
        self.assertEqual(self.Message._cron_purge(batch_size=2), 1)
        self.assertNotIn(dbname, module._LAST_PURGE)
        self.assertFalse(messages.exists())

    def test_cron_reports_progress(self):
        self.map_carrier()
        self.journal_booking("BK-1")
        processed = self.Message._cron_process_queue(batch_size=10)
        self.assertEqual(processed, 1)
        self.assertEqual(self.Message._count_ready(), 0)

    def test_cron_counts_what_remains_up_to_ten_batches(self):
        """The runner is told that work remains, counted up to ten batches (not the whole
        queue after each batch); a failed message counts once its retry is due."""
        self.map_carrier()
        before = self.Message._count_ready()  # what the class's fixtures left ready
        for number in range(5):
            self.journal_booking(f"BK-C{number}", key=f"count-{number}")
        failed, _d = self.journal_booking("BK-CF", key="count-failed")
        failed.write({"state": "failed", "next_attempt_at": datetime.now() + timedelta(hours=1)})
        self.assertEqual(self.Message._count_ready(), before + 5)
        self.assertEqual(self.Message._count_ready(limit=3), 3)
        failed.write({"next_attempt_at": datetime.now() - timedelta(minutes=1)})
        self.assertEqual(self.Message._count_ready(), before + 6)
        cron = self.env.ref("logistics_connector.ir_cron_process_messages")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        Message = self.Message.with_context(ir_cron_progress_id=progress.id)
        self.assertEqual(Message._cron_process_queue(batch_size=1), 1)
        self.assertEqual((progress.done, progress.remaining), (1, before + 5))
        self.assertEqual(Message._cron_process_queue(batch_size=2), 2)
        self.assertEqual(progress.remaining, before + 3, "up to ten batches of 2: all that is left")
        self.assertEqual(Message._cron_process_queue(batch_size=1), 1)
        self.assertEqual(progress.remaining, min(before + 2, 10), "counted up to ten batches of 1")

    def test_cron_wakes_itself_again_while_a_backlog_remains(self):
        """A batch that leaves ready work behind records a trigger for the journal's cron and
        wakes its workers (the runner stops a run after ten batches and would otherwise sleep
        until its next poll); the last batch, or one that could claim nothing, does not."""
        from odoo.addons.logistics_connector.models import logistics_message_processing as module

        self.map_carrier()
        self.Message._process_queue()  # what the class's fixtures left ready
        cron = self.env.ref("logistics_connector.ir_cron_process_messages")

        def triggers():
            return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

        notifies = self.enterContext(CronWakeups(self.env)).count
        for number in range(3):
            self.journal_booking(f"BK-W{number}", key=f"wake-{number}")
        self.env.cr.postcommit.run()
        self.env.cr.flush()  # a new transaction for the cron's batch, as the runner gives it
        module._LAST_NOTIFY.pop(self.env.cr.dbname, None)
        self.env.cr.precommit.data.pop("logistics_journal_triggered", None)
        before, notifies_before = triggers(), notifies()
        self.assertEqual(self.Message._cron_process_queue(batch_size=2), 2)
        self.assertEqual(triggers(), before + 1, "work remains: the cron is triggered again")
        self.assertEqual(notifies(), notifies_before + 1, "and its workers woken")
        self.env.cr.precommit.data.pop("logistics_journal_triggered", None)
        self.assertEqual(self.Message._cron_process_queue(batch_size=2), 1)
        self.assertEqual(triggers(), before + 1, "the last batch leaves nothing to wake for")
        # Ready work that cannot be claimed (behind its sequence's retry) wakes nothing.
        first, _d = self.journal_booking("BK-W8", key="wake-8")
        second, _d = self.journal_booking("BK-W9", key="wake-9")
        (first | second).write({"sequence_key": "shipment:wake"})
        first.write({"state": "failed", "next_attempt_at": datetime(2099, 1, 1)})
        self.env.cr.precommit.data.pop("logistics_journal_triggered", None)
        count = triggers()
        self.assertEqual(self.Message._cron_process_queue(batch_size=2), 0)
        self.assertEqual(triggers(), count)

    def test_new_work_wakes_the_cron_without_a_connection_per_message(self):
        from odoo.addons.logistics_connector.models import logistics_message_processing as module

        cron = self.env.ref("logistics_connector.ir_cron_process_messages")
        Trigger = self.env["ir.cron.trigger"]
        dbname = self.env.cr.dbname
        module._LAST_NOTIFY.pop(dbname, None)

        def triggers():
            return Trigger.search_count([("cron_id", "=", cron.id)])

        # The NOTIFYs that wake the cron workers, received by a listener as the workers do.
        notifies = self.enterContext(CronWakeups(self.env)).count

        before, notifies_before = triggers(), notifies()
        self.journal_booking("BK-N1")
        self.assertEqual(triggers(), before + 1)
        self.assertEqual(notifies(), notifies_before + 1, "the first one wakes the workers")
        # More work in the same transaction: its trigger commits with it, nothing more.
        self.journal_booking("BK-N2")
        self.assertEqual(triggers(), before + 1)
        # Another transaction (what its commit runs first: the cursor's flush) records its
        # own trigger, committed after whatever cron run may be going on, which therefore
        # runs again; but no second NOTIFY connection within the interval.
        self.env.cr.flush()
        self.journal_booking("BK-N3")
        self.assertEqual(triggers(), before + 2)
        self.assertEqual(notifies(), notifies_before + 1)
        # After the interval the workers are woken again.
        module._LAST_NOTIFY[dbname] -= module.NOTIFY_INTERVAL
        self.env.cr.flush()
        self.journal_booking("BK-N4")
        self.assertEqual(triggers(), before + 3)
        self.assertEqual(notifies(), notifies_before + 2)

    def test_the_trigger_is_written_by_the_journal_insert(self):
        """Issue 18: the first message of a transaction and the cron's trigger are written by
        one statement (one round trip per webhook request); a body journaled again (a
        duplicate) wakes nothing."""
        from odoo.addons.logistics_connector.models import logistics_message_processing as module

        cron = self.env.ref("logistics_connector.ir_cron_process_messages")
        Trigger = self.env["ir.cron.trigger"]
        dbname = self.env.cr.dbname
        module._LAST_NOTIFY[dbname] = time.monotonic()  # no NOTIFY due: the insert's path

        def triggers():
            return Trigger.search_count([("cron_id", "=", cron.id)])

        def journal(key):
            return self.Message._journal_many(
                [
                    {
                        "backend_id": self.backend.id,
                        "direction": "inbound",
                        "message_type": "booking_confirmation",
                        "payload": {"booking_id": key},
                        "idempotency_key": key,
                    }
                ]
            )

        self.assertTrue(self.backend.company_id)  # the backend in the cache, as in a webhook request
        journal("BK-T0")
        self.env.cr.flush()  # a new transaction
        before = triggers()
        self.env.flush_all()
        if self.plain_create:
            first, _duplicates = journal("BK-T1")
        else:
            with self.assertQueryCount(1, flush=False):  # the row and the trigger
                first, _duplicates = journal("BK-T1")
        self.assertEqual(first.state, "received")
        self.assertEqual(triggers(), before + 1)
        trigger = Trigger.search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertLessEqual(trigger.call_at, fields.Datetime.now())
        # The same transaction journals more: no second trigger.
        journal("BK-T2")
        self.assertEqual(triggers(), before + 1)
        # A new transaction that only journals a duplicate records no trigger.
        self.env.cr.flush()
        messages, duplicates = journal("BK-T1")
        self.assertFalse(messages)
        self.assertEqual(duplicates[0].id, first.id)
        self.assertEqual(triggers(), before + 1)
        # Nor does a message journaled as done, and the next ready one still does.
        self.env.cr.flush()
        self.Message._journal_many(
            [
                {
                    "backend_id": self.backend.id,
                    "direction": "outbound",
                    "message_type": "booking_confirmation",
                    "payload": {"booking_id": "BK-T3"},
                    "idempotency_key": "BK-T3",
                    "state": "done",
                }
            ]
        )
        self.assertEqual(triggers(), before + 1)
        journal("BK-T4")
        self.assertEqual(triggers(), before + 2)

    def test_a_trigger_rolled_back_with_a_savepoint_is_recorded_again(self):
        cron = self.env.ref("logistics_connector.ir_cron_process_messages")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        with contextlib.suppress(ZeroDivisionError), self.env.cr.savepoint():
            self.journal_booking("BK-R1")
            raise ZeroDivisionError  # the journaled message and its trigger are rolled back
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)
        self.journal_booking("BK-R2")
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_journal_rows_are_the_rows_orm_create_writes(self):
        """The journal writes its rows with one SQL statement (_journal_insert): every stored
        field must hold what ORM create would have written for the same values."""
        shipment = self.shipment
        given = {
            "backend_id": self.backend.id,
            "direction": "outbound",
            "message_type": "transport_order",
            "content_type": "application/json",
            "sequence_key": f"shipment:{shipment.id}",
            "source": "odoo",
            "shipment_ids": [Command.link(shipment.id)],
            **self.Message._payload_vals({"order": "T-1"}),
        }
        by_orm = self.Message.sudo().create(dict(given, state="queued", idempotency_key="parity-orm"))
        [message_id] = self.Message._journal_insert([dict(given, state="queued", idempotency_key="parity-sql")])
        by_sql = self.Message.browse(message_id)
        stored = [
            name
            for name, field in self.Message._fields.items()
            if field.store and name not in ("id", "idempotency_key", "display_name")
        ]
        with self.assertQueryCount(0):  # the new row is in the cache, as after create
            cached_values = by_sql.read(stored)[0]
        self.env.invalidate_all()
        orm_values, sql_values = by_orm.read(stored)[0], by_sql.read(stored)[0]
        for name in stored:
            self.assertEqual(sql_values[name], orm_values[name], f"field {name}")
            self.assertEqual(cached_values[name], sql_values[name], f"cached field {name}")
        self.assertEqual(by_sql.company_id, self.backend.company_id)
        self.assertEqual(by_sql.shipment_ids, shipment)
        self.assertIn(by_sql, shipment.journal_message_ids, "the other side of the link")
        self.assertEqual(by_sql.create_uid, self.env.user)
        self.assertTrue(by_sql.create_date)
        # A field that is not a journal column is refused, not dropped.
        with self.assertRaises(ValueError):
            self.Message._journal_insert([dict(given, idempotency_key="parity-bad", display_ref="x")])

    def test_journal_batch_rows_are_the_rows_orm_create_writes(self):
        """Several rows in one insert (their shared values written once, the others per row;
        or every value of every row when a row lacks a column): each stored field holds what
        ORM create writes for the same values, row by row, in the order given."""
        shipment = self.shipment
        now = fields.Datetime.now()
        common = {
            "backend_id": self.backend.id,
            "direction": "inbound",
            "message_type": "booking_confirmation",
            "content_type": "application/json",
            "source": "webhook 127.0.0.1",
        }
        batches = {
            # each row with every column (shared values, per-row payloads, keys, states, errors)
            "complete": [
                dict(common, state="received", last_error=False, processed_at=False, sequence_key=False),
                dict(common, state="failed", last_error="bad event", processed_at=now, sequence_key="seq-1"),
                dict(common, state="received", last_error=False, processed_at=False, sequence_key=False),
            ],
            # a row without a column another row has (DEFAULT), and a shipment link
            "partial": [
                dict(common, state="received", shipment_ids=[Command.link(shipment.id)]),
                dict(common, state="failed", last_error="bad event", processed_at=now),
            ],
        }
        stored = [
            name
            for name, field in self.Message._fields.items()
            if field.store and name not in ("id", "idempotency_key", "display_name")
        ]
        for label, given in batches.items():
            with self.subTest(label):
                rows = [
                    dict(row, **self.Message._payload_vals({"booking_id": f"{label}-{index}", "n": index}))
                    for index, row in enumerate(given)
                ]
                by_orm = self.Message.sudo().create(
                    [dict(row, idempotency_key=f"parity-orm-{label}-{index}") for index, row in enumerate(rows)]
                )
                ids = self.Message._journal_insert(
                    [dict(row, idempotency_key=f"parity-sql-{label}-{index}") for index, row in enumerate(rows)]
                )
                by_sql = self.Message.browse(ids)
                self.assertEqual(len(by_sql), len(rows))
                self.assertEqual(
                    by_sql.mapped("idempotency_key"), [f"parity-sql-{label}-{i}" for i in range(len(rows))]
                )
                with self.assertQueryCount(0):  # the new rows are in the cache, as after create
                    cached_values = by_sql.read(stored)
                self.env.invalidate_all()
                for orm_values, sql_values, cached in zip(
                    by_orm.read(stored), by_sql.read(stored), cached_values, strict=True
                ):
                    for name in stored:
                        self.assertEqual(sql_values[name], orm_values[name], f"field {name}")
                        self.assertEqual(cached[name], sql_values[name], f"cached field {name}")
                self.assertEqual(by_sql.company_id, self.backend.company_id)

    def test_a_batch_is_one_statement(self):
        # This transaction has journaled already (so its trigger is recorded), and the
        # backend and the cron's id are in the caches, as in a webhook request.
        self.journal_booking("BK-Q")
        self.assertTrue(self.backend.company_id)
        vals_list = [
            {
                "backend_id": self.backend.id,
                "direction": "inbound",
                "message_type": "booking_confirmation",
                "payload": {"booking_id": f"Q-{index}"},
                "idempotency_key": f"one-statement-{index}",
            }
            for index in range(50)
        ]
        self.env.flush_all()
        if self.plain_create:  # ORM create: one search for the keys, then create's queries
            messages, duplicates = self.Message._journal_many(vals_list)
        else:
            with self.assertQueryCount(1, flush=False):  # a flush of the cursor ends a transaction
                messages, duplicates = self.Message._journal_many(vals_list)
            with self.assertQueryCount(0, flush=False):
                self.env.flush_all()  # nothing was left to write
        self.assertEqual(len(messages), 50)
        self.assertEqual(duplicates, [False] * 50)
        self.assertEqual(set(messages.mapped("state")), {"received"})

    def test_keys_already_journaled_inside_a_batch(self):
        first, _dups = self.journal_booking("BK-D")
        vals = {
            "backend_id": self.backend.id,
            "direction": "inbound",
            "message_type": "booking_confirmation",
            "payload": {"booking_id": "BK-D"},
            "idempotency_key": first.idempotency_key,
        }
        new = dict(vals, idempotency_key="booking:BK-E")
        messages, duplicates = self.Message._journal_many([vals, new, vals, new])
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages.idempotency_key, "booking:BK-E")
        self.assertEqual(duplicates, [first, False, first, messages])
        rows = self.Message.search([("duplicate_of_id", "in", (first | messages).ids)])
        self.assertEqual(len(rows), 3, "every duplicate is kept as a row")
        self.assertEqual(set(rows.mapped("state")), {"duplicate"})

    # ------------------------------------------------------------------
    # The journal API (_journal_inbound / _journal_outbound), links, _mark_done
    # ------------------------------------------------------------------
    def test_journal_inbound_items_in_one_call(self):
        items = [
            JournalItem({"booking_id": "BK-API-1"}, key="api-1", shipment_ids=(self.shipment.id,)),
            {"booking_id": "BK-API-2"},  # a bare payload: no key
            JournalItem(b"{broken", error="not JSON"),
            JournalItem({"booking_id": "BK-API-1"}, key="api-1"),  # the first one again
        ]
        messages, duplicates = self.Message._journal_inbound(
            self.backend, "booking_confirmation", items, content_type="application/json", source="api test"
        )
        self.assertEqual(len(messages), 3)
        self.assertEqual(duplicates[:3], [False, False, False])
        self.assertEqual(duplicates[3], messages[0])
        self.assertRecordValues(
            messages,
            [
                {"direction": "inbound", "idempotency_key": "api-1", "state": "received", "last_error": False},
                {"direction": "inbound", "idempotency_key": False, "state": "received", "last_error": False},
                {"direction": "inbound", "idempotency_key": False, "state": "failed", "last_error": "not JSON"},
            ],
        )
        self.assertEqual(set(messages.mapped("source")), {"api test"})
        self.assertEqual(set(messages.mapped("content_type")), {"application/json"})
        self.assertEqual(messages[0].shipment_ids, self.shipment)
        self.assertTrue(messages[2].processed_at)
        self.assertFalse(messages[0].processed_at)
        result = self.Message._intake_result(messages[:1], duplicates[:1])
        self.assertEqual((result.status, result.message_ids), ("accepted", tuple(messages[:1].ids)))
        result = self.Message._intake_result(messages.browse(), [messages[0]])
        self.assertEqual(result.answer(), {"status": "duplicate", "message_ids": messages[:1].ids})

    def test_journal_outbound_done_and_per_item_backend(self):
        other = self.backend.copy({"code": "other-out"})
        messages, _duplicates = self.Message._journal_outbound(
            None,
            "transport_order",
            [
                JournalItem({"reference": "A"}, key="out-a", state="done", backend_id=self.backend.id),
                JournalItem({"reference": "B"}, key="out-b", sequence_key="seq-b", backend_id=other.id),
            ],
        )
        self.assertRecordValues(
            messages,
            [
                {"backend_id": self.backend.id, "direction": "outbound", "state": "done", "sequence_key": False},
                {"backend_id": other.id, "direction": "outbound", "state": "queued", "sequence_key": "seq-b"},
            ],
        )
        self.assertEqual(set(messages.mapped("source")), {"odoo"})
        self.assertTrue(messages[0].processed_at)

    def test_link_records_many_in_one_batch(self):
        first, _dups = self.journal_booking("BK-L1")
        second, _dups = self.journal_booking("BK-L2")
        other_shipment = self.shipment.copy()
        links = [
            (first, self.shipment | other_shipment, "updated"),
            (second, self.shipment, "updated"),
            (first, self.backend, "created"),
            (first, self.shipment, "updated"),  # given twice: linked once
        ]
        self.Message._link_records_many(links)
        self.Message._link_records_many(links[:1])  # again: the many2many keeps one pair
        self.assertEqual(first.shipment_ids, self.shipment | other_shipment)
        self.assertEqual(self.shipment.journal_message_ids, first | second)
        self.assertEqual(
            sorted((link.res_model, link.res_id, link.role) for link in first.link_ids),
            sorted(
                [
                    ("logistics.shipment", self.shipment.id, "updated"),
                    ("logistics.shipment", other_shipment.id, "updated"),
                    ("logistics.backend", self.backend.id, "created"),
                    ("logistics.shipment", self.shipment.id, "updated"),
                    ("logistics.shipment", other_shipment.id, "updated"),
                ]
            ),
        )
        # A shipment of another company is never linked to the message.
        company_b = self.env["res.company"].create({"name": "Link company B"})
        foreign = self.env["logistics.shipment"].create({"company_id": company_b.id})
        with self.assertRaises(UserError):
            self.Message._link_records_many([(second, foreign, "updated")])
        self.assertNotIn(foreign, second.shipment_ids)

    def test_mark_done_without_counting_an_attempt(self):
        messages, _dups = self.journal_booking("BK-DONE")
        messages._mark_done(count_attempt=False)
        self.assertRecordValues(messages, [{"state": "done", "attempts": 0, "processing_time_ms": 0}])
        self.assertTrue(messages.processed_at)
        messages._mark_done(12)
        self.assertRecordValues(messages, [{"state": "done", "attempts": 1, "processing_time_ms": 12}])
