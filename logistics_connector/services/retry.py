"""When a failed message is tried again: exponential backoff with jitter, the delay the remote
asked for (Retry-After) first, and no further attempt once the backend's maximum is reached.

Plain Python, no ORM: logistics.message's ``_record_failure`` calls :func:`next_attempt_at`
with the backend's settings (``retry_base_delay``, ``retry_max_delay``, ``max_attempts``;
an empty setting means the default below).
"""

import random
from datetime import timedelta

DEFAULT_BASE_DELAY = 60  # seconds before the first retry
DEFAULT_MAX_DELAY = 6 * 3600  # no retry waits longer, Retry-After included
DEFAULT_MAX_ATTEMPTS = 6
JITTER = 0.25  # up to 25 % added to a backoff delay, so that retries do not come in waves


def backoff_delay(attempts, base_delay=None, max_delay=None, retry_after=None, jitter=JITTER, rng=random):
    """Seconds to wait after the ``attempts``-th failed attempt (1 for the first).

    A delay the remote asked for (``retry_after``, seconds) wins, capped at ``max_delay``;
    otherwise ``base_delay`` doubled at each attempt, capped at ``max_delay``, plus up to
    ``jitter`` of it at random (``rng.uniform``).
    """
    max_delay = max_delay or DEFAULT_MAX_DELAY
    if retry_after:
        return min(float(retry_after), max_delay)
    base = base_delay or DEFAULT_BASE_DELAY
    delay = min(base * (2 ** max(attempts - 1, 0)), max_delay)
    return delay * (1 + rng.uniform(0, jitter))


def is_dead(attempts, max_attempts=None):
    """Whether no attempt is left after ``attempts`` failed attempts."""
    return attempts >= (max_attempts or DEFAULT_MAX_ATTEMPTS)


def next_attempt_at(now, attempts, max_attempts=None, base_delay=None, max_delay=None, retry_after=None, rng=random):
    """When to try again after the ``attempts``-th failed attempt at ``now`` (a datetime);
    None when the message is dead (``max_attempts`` reached)."""
    if is_dead(attempts, max_attempts):
        return None
    delay = backoff_delay(attempts, base_delay, max_delay, retry_after=retry_after, rng=rng)
    return now + timedelta(seconds=delay)
