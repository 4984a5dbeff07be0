"""Webhook answers counted across processes (services/webhook_counts.py): forked processes
stand in for Odoo's prefork workers (each counts into its own mapped file), and one reader
sums them, also after they have exited (their files folded into retired.json)."""

import os
import shutil
import tempfile

from odoo.tests import BaseCase, tagged

from ..services import webhook_counts
from ..services.webhook_counts import RETIRED, SharedCounters


def _in_child(function):
    """Run ``function`` in a forked process (as a prefork worker is) and wait for it."""
    pid = os.fork()
    if pid == 0:  # the child: count, then leave without running the parent's exit handlers
        code = 0
        try:
            function()
        except BaseException:  # reported to the parent by the exit code
            code = 1
        os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@tagged("post_install", "-at_install")
class TestWebhookCounts(BaseCase):
    def setUp(self):
        super().setUp()
        self.base = tempfile.mkdtemp(prefix="lfs-webhook-counts-")
        self.addCleanup(shutil.rmtree, self.base, True)
        self.counters = SharedCounters(base_dir=self.base, server_pid=os.getpid())

    def test_counts_of_every_worker_are_summed(self):
        self.counters.count("Webhook", 202)

        def worker():
            for _index in range(50):
                self.counters.count("Webhook", 401)
            self.counters.count("Freight invoice webhook", 413)

        for _worker in range(3):
            self.assertEqual(_in_child(worker), 0)
        totals = self.counters.totals()
        self.assertEqual(
            totals,
            {("Webhook", 202): 1, ("Webhook", 401): 150, ("Freight invoice webhook", 413): 3},
        )
        # The exited workers' files were folded into one file; the counts stay.
        names = sorted(os.listdir(self.counters.directory()))
        self.assertEqual(names, [".lock", f"{os.getpid()}.counts", RETIRED])
        self.assertEqual(self.counters.totals(), totals)
        # Counting goes on in this process, on top of the retired counts.
        self.counters.count("Webhook", 401)
        self.assertEqual(self.counters.totals()[("Webhook", 401)], 151)

    def test_a_live_worker_is_read_while_it_runs(self):
        read_fd, write_fd = os.pipe()
        go_fd, wait_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            os.close(wait_fd)
            for _index in range(7):
                self.counters.count("Webhook", 400)
            os.write(write_fd, b"x")
            os.read(go_fd, 1)  # stay alive until the parent has read the counts
            os._exit(0)
        os.close(write_fd)
        os.close(go_fd)
        try:
            self.assertEqual(os.read(read_fd, 1), b"x")
            self.assertEqual(self.counters.totals(), {("Webhook", 400): 7})
            # Its file is not folded while it runs.
            self.assertIn(f"{pid}.counts", os.listdir(self.counters.directory()))
        finally:
            os.write(wait_fd, b"x")
            os.waitpid(pid, 0)
            os.close(read_fd)
            os.close(wait_fd)
        self.assertEqual(self.counters.totals(), {("Webhook", 400): 7})

    def test_directories_of_stopped_servers_are_removed(self):
        # A directory of a server whose pid does not exist any more (beyond pid_max).
        stale = os.path.join(self.base, "999999999")
        os.makedirs(stale)
        self.counters.count("Webhook", 202)
        self.assertEqual(self.counters.totals(), {("Webhook", 202): 1})
        self.assertFalse(os.path.exists(stale))
        self.assertTrue(os.path.isdir(self.counters.directory()))

    def test_slots_overflow_into_one_key(self):
        for status in range(webhook_counts.SLOTS + 10):
            self.counters.count("Webhook", 1000 + status)
        totals = self.counters.totals()
        self.assertEqual(len(totals), webhook_counts.SLOTS)
        self.assertEqual(totals[webhook_counts.OVERFLOW_KEY], 11)
        self.assertEqual(sum(totals.values()), webhook_counts.SLOTS + 10)

    def test_without_any_answer(self):
        self.assertEqual(self.counters.totals(), {})
