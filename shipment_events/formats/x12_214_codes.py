"""X12 214 code tables and conversions: the AT701 status codes' default mapping to the
canonical statuses, the X12 623 time codes and their UTC offsets, AT7 date/time to a
datetime, MS1 longitude/latitude codes to decimal degrees. Plain Python (no ORM); the
names are re-exported by ``x12_214``."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytz

from odoo.addons.logistics_connector.services import x12

CANONICAL_STATUSES = (
    "draft",
    "tendered",
    "booked",
    "picked_up",
    "in_transit",
    "delayed",
    "customs_hold",
    "out_for_delivery",
    "delivered",
    "exception",
    "cancelled",
)

# AT701 shipment status code (X12 1650) -> canonical status: the default of a backend's status mappings.
DEFAULT_STATUS_MAP = {
    "XB": "tendered",  # Shipment Acknowledged
    "AA": "booked",  # Estimated Pick Up
    "X3": "booked",  # Arrived at Pick-up Location
    "X8": "booked",  # Arrived at Pick-up Location Loading Dock
    "L1": "booked",  # Loading
    "AF": "picked_up",  # Carrier Departed Pick-up Location with Shipment
    "AM": "picked_up",  # Loaded on Truck
    "CP": "picked_up",  # Completed Loading at Pick-up Location
    "P1": "in_transit",  # Departed Terminal Location
    "X4": "in_transit",  # Arrived at Terminal Location
    "X6": "in_transit",  # En Route to Delivery Location
    "AG": "in_transit",  # Estimated Delivery (informational)
    "X2": "in_transit",  # Estimated Date and/or Time of Arrival at Consignee's Location
    "B6": "in_transit",  # Estimated to Arrive at Carrier Terminal
    "C1": "in_transit",  # Estimated to Depart Terminal Location
    "AI": "in_transit",  # Shipment has been Reconsigned
    "AN": "in_transit",  # Diverted to Air Carrier
    "AR": "in_transit",  # Rail Arrival at Destination Intermodal Ramp
    "RL": "in_transit",  # Rail Departure from Origin Intermodal Ramp
    "I1": "in_transit",  # In-Gate
    "OA": "in_transit",  # Out-Gate (not "out for delivery")
    "R1": "in_transit",  # Received from Prior Carrier
    "J1": "in_transit",  # Delivered to Connecting Line
    "BA": "in_transit",  # Connecting Line or Cartage Pick-up
    "CL": "in_transit",  # Trailer Closed Out
    "K1": "in_transit",  # Arrived at Customs
    "AV": "in_transit",  # Available for Delivery (at the destination terminal)
    "X1": "out_for_delivery",  # Arrived at Delivery Location
    "X5": "out_for_delivery",  # Arrived at Delivery Location Loading Dock
    "AJ": "out_for_delivery",  # Tendered for Delivery
    "S1": "out_for_delivery",  # Trailer Spotted at Consignee's Location
    "D1": "delivered",  # Completed Unloading at Delivery Location
    "CD": "delivered",  # Carrier Departed Delivery Location
    "SD": "delayed",  # Shipment Delayed
    "BC": "delayed",  # Storage in Transit
    "PR": "customs_hold",  # U.S. Customs Hold at In-Bond Location
    "AH": "exception",  # Attempted Delivery
    "AP": "exception",  # Delivery Not Completed
    "A7": "exception",  # Refused by Consignee
    "A9": "exception",  # Shipment Damaged
    "A3": "exception",  # Shipment Returned to Shipper
    "OO": "exception",  # Paperwork Received - Did not Receive Shipment or Equipment
    "CA": "cancelled",  # Shipment Cancelled
}

# X12 623 time codes: fixed offsets in hours...
FIXED_OFFSETS = {
    "UT": 0,
    "GM": 0,
    "ES": -5,
    "ED": -4,
    "CS": -6,
    "CD": -5,
    "MS": -7,
    "MD": -6,
    "PS": -8,
    "PD": -7,
    "AS": -9,
    "AD": -8,
    "HS": -10,
    "HD": -9,
    "NS": -3.5,
    "ND": -2.5,
    "TS": -4,
    "TD": -3,
    **{"%02d" % hours: hours for hours in range(1, 13)},  # ISO P01..P12
    **{"%02d" % (25 - hours): -hours for hours in range(1, 13)},  # 13 = M12 ... 24 = M01
}
# ... and zones whose offset depends on daylight saving time at that date.
ZONES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
    "AT": "America/Anchorage",
    "HT": "Pacific/Honolulu",
    "NT": "America/St_Johns",
    "TT": "America/Halifax",
}
LOCAL_TIME_CODES = ("", "LT")


def to_event_time(date_value, time_value, time_code):
    """(date, time, X12 623 time code) -> (datetime, "+HH:MM" offset or None, is_local_time).

    Local time (LT, or no code) gives a naive datetime; every other code an
    aware one in the offset of that code (on that date for ET, CT...).
    Raises KeyError for an unknown time code.
    """
    naive = datetime.combine(date_value, time_value)
    if time_code in LOCAL_TIME_CODES:
        return naive, None, True
    if time_code in FIXED_OFFSETS:
        offset = timedelta(hours=FIXED_OFFSETS[time_code])
    else:
        offset = pytz.timezone(ZONES[time_code]).localize(naive).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    text = "%s%02d:%02d" % ("+" if minutes >= 0 else "-", abs(minutes) // 60, abs(minutes) % 60)
    return naive.replace(tzinfo=timezone(offset) if minutes else UTC), text, False


def to_degrees(segment, index, degree_digits, direction, negative):
    """An X12 longitude (1086, DDDMMSS) or latitude (1087, DDMMSS) code -> signed decimal degrees.

    A value with a decimal point is taken as decimal degrees. ``direction`` (MS106/MS107: E/W, N/S)
    is negative when it is ``negative``. None when empty; SegmentError when not a coordinate.
    """
    value = segment.get(index)
    if not value:
        return None
    limit = 180 if degree_digits == 3 else 90
    if value.isdigit() and len(value) == degree_digits + 5 and value[0] == "0":
        value = value[1:]  # a latitude sent 7 wide (0DDMMSS)
    try:
        if "." in value or value.startswith("-"):
            degrees = Decimal(value)
        elif value.isdigit() and len(value) in (degree_digits + 2, degree_digits + 4):
            whole, minutes = value[:degree_digits], value[degree_digits : degree_digits + 2]
            seconds = value[degree_digits + 2 :]
            if int(minutes) >= 60 or int(seconds or 0) >= 60:
                raise ValueError(value)
            degrees = Decimal(whole) + Decimal(minutes) / 60 + Decimal(seconds or 0) / 3600
        else:
            raise ValueError(value)
        if not degrees.is_finite() or abs(degrees) > limit:
            raise ValueError(value)
    except (ValueError, ArithmeticError):
        raise x12.element_error(
            segment, index, f"{value!r} is not a longitude/latitude code", x12.ELEMENT_INVALID_CHARACTER, "", value
        )
    if direction == negative and degrees > 0:
        degrees = -degrees
    return round(float(degrees), 6)
