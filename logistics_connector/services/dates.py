"""Dates and times received from the outside, as Odoo stores them: naive UTC.

Plain Python (no ORM), the one ISO 8601 reader of the suite: the connector's bookings,
the canonical JSON events of shipment_events and the FAP answers of freight_audit all
read their times here.
"""

from datetime import UTC, datetime


def parse_datetime_offset(value):
    """ISO 8601 text -> ``(naive UTC datetime, the UTC offset it gave such as '+01:00')``.

    A trailing ``Z`` (or ``z``) is UTC. A text without an offset is taken as UTC already and
    its offset is None: callers that require one refuse None. Microseconds are kept.

    :raises ValueError: the text is not an ISO 8601 date and time
    """
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed, None
    return parsed.astimezone(UTC).replace(tzinfo=None), offset_text(parsed.utcoffset())


def parse_datetime(value):
    """ISO 8601 text (with or without an offset) -> naive UTC datetime; False when empty.

    :raises ValueError: the text is not an ISO 8601 date and time
    """
    if not value:
        return False
    return parse_datetime_offset(value)[0]


def offset_text(offset):
    """A UTC offset (``timedelta``) as ``+HH:MM`` / ``-HH:MM`` (seconds are dropped)."""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return "%s%02d:%02d" % (sign, abs(minutes) // 60, abs(minutes) % 60)
