"""Database-free tests of the retry decision (services/retry.py)."""

from datetime import datetime, timedelta

from odoo.tests import BaseCase, tagged

from ..services import retry

T = datetime(2026, 11, 22, 12, 0)


class FixedRandom:
    """``rng`` drawing always the same fraction of the range."""

    def __init__(self, fraction):
        self.fraction = fraction

    def uniform(self, low, high):
        return low + (high - low) * self.fraction


@tagged("post_install", "-at_install")
class TestRetry(BaseCase):
    def test_exponential_from_the_base_delay(self):
        no_jitter = FixedRandom(0)
        delays = [retry.backoff_delay(n, base_delay=60, max_delay=3600, rng=no_jitter) for n in range(1, 8)]
        self.assertEqual(delays, [60, 120, 240, 480, 960, 1920, 3600])
        self.assertEqual(retry.backoff_delay(0, base_delay=60, rng=no_jitter), 60)

    def test_jitter_adds_up_to_a_quarter(self):
        self.assertEqual(retry.backoff_delay(2, base_delay=60, rng=FixedRandom(1)), 150)
        for _i in range(200):
            self.assertTrue(60 <= retry.backoff_delay(1, base_delay=60) <= 75)

    def test_jitter_not_added_to_the_cap(self):
        # The cap is applied before the jitter, as the journal always did.
        self.assertEqual(retry.backoff_delay(20, base_delay=60, max_delay=100, rng=FixedRandom(1)), 125)

    def test_retry_after_wins_capped_at_the_max_delay(self):
        self.assertEqual(retry.backoff_delay(5, base_delay=60, retry_after=7), 7)
        self.assertEqual(retry.backoff_delay(1, max_delay=30, retry_after=7200), 30)

    def test_empty_settings_mean_the_defaults(self):
        no_jitter = FixedRandom(0)
        self.assertEqual(retry.backoff_delay(1, base_delay=0, max_delay=0, rng=no_jitter), retry.DEFAULT_BASE_DELAY)
        self.assertEqual(retry.backoff_delay(30, rng=no_jitter), retry.DEFAULT_MAX_DELAY)
        self.assertFalse(retry.is_dead(retry.DEFAULT_MAX_ATTEMPTS - 1, 0))
        self.assertTrue(retry.is_dead(retry.DEFAULT_MAX_ATTEMPTS, None))

    def test_next_attempt_then_dead(self):
        no_jitter = FixedRandom(0)
        self.assertEqual(
            retry.next_attempt_at(T, 1, max_attempts=3, base_delay=60, rng=no_jitter), T + timedelta(seconds=60)
        )
        self.assertEqual(
            retry.next_attempt_at(T, 2, max_attempts=3, base_delay=60, rng=no_jitter), T + timedelta(seconds=120)
        )
        self.assertEqual(retry.next_attempt_at(T, 2, max_attempts=3, retry_after=7), T + timedelta(seconds=7))
        self.assertIsNone(retry.next_attempt_at(T, 3, max_attempts=3, retry_after=7))
