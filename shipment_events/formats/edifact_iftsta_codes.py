"""UN/EDIFACT IFTSTA code tables and conversions: the default mapping of the common UN/ECE
Recommendation 24 status codes (data element 4405 of STS) to the canonical statuses, the
exception types some of them carry, and DTM values (data element 2380) by their format
qualifier (2379) to a datetime. Plain Python (no ORM); the names are re-exported by
``edifact_iftsta``.

Status codes: UN/ECE Recommendation 24, "Trade and Transport Status Codes", revision 6
(code list published by UN/CEFACT, ``uncefact/vocab-codes``, ``CLR/Rec24``). Only the codes
that name a step of a shipment's journey are mapped; the others (equipment, port operations,
passengers...) stay unmapped and go to *Needs Mapping* as any unknown code.
"""

import re
from datetime import UTC, datetime, timedelta, timezone

# Rec 24 code -> canonical status (comment: the Rec 24 name).
DEFAULT_STATUS_MAP = {
    "1": "in_transit",  # Arrival, completed
    "3": "exception",  # Arrival, in defective condition
    "6": "booked",  # Booking, completed
    "7": "cancelled",  # Booking, cancelled
    "8": "in_transit",  # Cleared, import restrictions
    "9": "in_transit",  # Cleared, export restrictions
    "12": "in_transit",  # Cleared, by customs
    "13": "picked_up",  # Collection/pick-up, completed
    "16": "in_transit",  # Crossed border
    "17": "customs_hold",  # Customs clearance, refused
    "18": "exception",  # Damaged in the course of transportation
    "20": "delayed",  # Delayed, in the course of transportation
    "21": "delivered",  # Delivery, completed
    "22": "delivered",  # Delivery, completed as per instruction
    "23": "exception",  # Delivery, not completed
    "24": "in_transit",  # Departure, completed
    "25": "delayed",  # Departure, delayed
    "27": "in_transit",  # Despatch, completed
    "29": "in_transit",  # Unloaded
    "31": "in_transit",  # En route
    "35": "in_transit",  # Forwarded to destination
    "40": "in_transit",  # Arrival, at port
    "48": "in_transit",  # Loading, completed onto a means of transport
    "49": "exception",  # Lost
    "53": "exception",  # Collection/pick-up, not completed
    "71": "booked",  # Ready for transportation
    "74": "picked_up",  # Received
    "82": "exception",  # Returned
    "100": "in_transit",  # Transshipment
    "101": "delayed",  # Delayed in transit
    "104": "exception",  # Delivery refused, to be re-arranged
    "105": "delayed",  # Delivery, postponed
    "106": "exception",  # Delivery refused
    "109": "exception",  # Delivery, impossible, delivery notice left
    "110": "exception",  # Delivery, impossible, no delivery notice left
    "112": "exception",  # Held, at consignee's disposal
    "113": "out_for_delivery",  # Delivery, in progress
    "126": "customs_hold",  # Customs clearance, in progress
    "127": "in_transit",  # Departed, completed on a means of transport
    "128": "customs_hold",  # Awaiting customs import release
    "130": "picked_up",  # Consignment received from shipper
}

# Rec 24 codes that also say which kind of exception happened.
EXCEPTION_TYPES = {
    "3": "damaged",
    "18": "damaged",
    "49": "lost",
    "104": "refused",
    "106": "refused",
    "109": "attempted_delivery",
    "110": "attempted_delivery",
}

# DTM 2379 format qualifier -> (strptime pattern, length of the date-time part). The part
# after it (formats 303, 304, 205) is the time zone.
DATE_FORMATS = {
    "101": ("%y%m%d", 6),
    "102": ("%Y%m%d", 8),
    "201": ("%y%m%d%H%M", 10),
    "202": ("%y%m%d%H%M%S", 12),
    "203": ("%Y%m%d%H%M", 12),
    "204": ("%Y%m%d%H%M%S", 14),
    "205": ("%Y%m%d%H%M", 12),  # CCYYMMDDHHMMZHHMM: Z is the sign of the offset
    "303": ("%Y%m%d%H%M", 12),  # CCYYMMDDHHMMZZZ: ZZZ the time zone
    "304": ("%Y%m%d%H%M%S", 14),  # CCYYMMDDHHMMSSZZZ
    "718": ("%Y%m%d", 8),  # CCYYMMDD-CCYYMMDD: the start of the period is read
    "719": ("%Y%m%d%H%M", 12),  # CCYYMMDDHHMM-CCYYMMDDHHMM
}
ZONE_FORMATS = {"205", "303", "304"}
# Time zones written as names in ZZZ.
ZONE_NAMES = {"UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180, "WET": 0}
_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})?$")


class DateError(ValueError):
    """A DTM value that is not a date of its format (impossible day or month, wrong length...)."""


def parse_zone(text):
    """The ZZZ / ZHHMM part of a DTM value -> a ``timezone``; raises DateError."""
    text = (text or "").strip().upper()
    if text in ZONE_NAMES:
        return UTC if not ZONE_NAMES[text] else timezone(timedelta(minutes=ZONE_NAMES[text]))
    match = _OFFSET.match(text)
    if not match:
        raise DateError(f"time zone {text!r} is not readable")
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta > timedelta(hours=14):
        raise DateError(f"time zone {text!r} is out of range")
    return timezone(-delta if sign == "-" else delta)


def to_datetime(value, format_code):
    """DTM 2380 ``value`` in the 2379 ``format_code`` -> ``(datetime, is_local_time)``: aware when
    the format carries a zone, naive local time otherwise. Raises DateError."""
    format_code = format_code or "102"
    if format_code not in DATE_FORMATS:
        raise DateError(f"date format {format_code} is not supported")
    pattern, length = DATE_FORMATS[format_code]
    value = (value or "").strip()
    head, tail = value[:length], value[length:]
    if len(head) != length or not head.isdigit():
        raise DateError(f"{value!r} is not a date of format {format_code}")
    try:
        moment = datetime.strptime(head, pattern)
    except ValueError as error:
        raise DateError(f"{value!r} is not a date of format {format_code} ({error})") from None
    if format_code in ZONE_FORMATS:
        if not tail:
            return moment, True
        return moment.replace(tzinfo=parse_zone(tail)), False
    if tail and not (format_code in ("718", "719") and tail.startswith("-")):
        raise DateError(f"{value!r} is too long for format {format_code}")
    return moment, True
