"""Alert thresholds of a backend, judged on the journal's aggregates (plain Python, no ORM).

The model (``logistics_connector/models/logistics_backend_alert.py``) reads the aggregates of
every backend with two SQL queries and hands each backend's figures and thresholds here.

Lanes: the journal is grouped by *lane*. Until the journal carries its own lane, a message's
lane is its message type (:func:`lane_of`); when ``logistics.message`` gains a stored ``lane``
field, the queries group by it instead and nothing here changes.
"""

from dataclasses import dataclass, field

# A failure rate is judged only over at least this many messages settled in the last hour.
FAILURE_RATE_MIN_SAMPLE = 10


def lane_of(message_type, lanes=None):
    """The lane of a message type: ``lanes`` (a mapping) when it names it, else the type itself."""
    return (lanes or {}).get(message_type, message_type)


@dataclass
class Thresholds:
    """0 (or None) switches a threshold off."""

    max_dead: int = 0
    max_age_minutes: int = 0
    max_failure_rate: float = 0.0  # percent
    silent_hours: int = 0


@dataclass
class Figures:
    dead: int = 0
    failed_hour: int = 0
    settled_hour: int = 0
    last_inbound_age_hours: float | None = None  # None: nothing received lately
    oldest_age_minutes: dict = field(default_factory=dict)  # lane -> minutes


def effective(backend_value, company_value):
    """The backend's threshold when it sets one (> 0), else the company's."""
    return backend_value if backend_value and backend_value > 0 else (company_value or 0)


def breaches(figures, thresholds):
    """The list of ``(code, values)`` breached; empty when all is well."""
    found = []
    if thresholds.max_dead and figures.dead > thresholds.max_dead:
        found.append(("dead", {"count": figures.dead, "limit": thresholds.max_dead}))
    if thresholds.max_age_minutes:
        for lane, minutes in sorted(figures.oldest_age_minutes.items()):
            if minutes > thresholds.max_age_minutes:
                found.append(("age", {"lane": lane, "minutes": int(minutes), "limit": thresholds.max_age_minutes}))
    if thresholds.max_failure_rate and figures.settled_hour >= FAILURE_RATE_MIN_SAMPLE:
        rate = 100.0 * figures.failed_hour / figures.settled_hour
        if rate > thresholds.max_failure_rate:
            found.append(("failure_rate", {"rate": round(rate, 1), "limit": thresholds.max_failure_rate}))
    if (
        thresholds.silent_hours
        and figures.last_inbound_age_hours is not None
        and figures.last_inbound_age_hours > thresholds.silent_hours
    ):
        found.append(("silent", {"hours": int(figures.last_inbound_age_hours), "limit": thresholds.silent_hours}))
    return found
