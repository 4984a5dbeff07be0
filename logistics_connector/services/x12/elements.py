"""Element helpers for transaction-set parsers (214, 210...): read an element as a date,
a time, an N2 amount, a decimal or an integer, read an N1 party loop, and raise a
:class:`SegmentError` carrying the 997 AK3/AK4 note of the segment or element in error.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from ..exceptions import ParseError
from .codes import (
    ELEMENT_INVALID_CHARACTER,
    ELEMENT_INVALID_DATE,
    ELEMENT_INVALID_TIME,
    ELEMENT_MANDATORY_MISSING,
    SEGMENT_HAS_ELEMENT_ERRORS,
    SEGMENT_MANDATORY_MISSING,
    SEGMENT_OUT_OF_SEQUENCE,
)
from .envelope import Anomaly, is_digits


@dataclass
class ElementNote:
    """A data element in error (997 AK4)."""

    position: int  # AK401: element position in the segment (01 = first)
    code: str  # AK403: X12 723 code
    reference: str = ""  # AK402: data element reference number, e.g. "373" (date)
    component: int | None = None  # component position inside a composite
    value: str = ""  # AK404: copy of the bad data element


@dataclass
class SegmentNote:
    """A segment in error (997 AK3), with its element notes (AK4)."""

    segment_id: str  # AK301
    position: int  # AK302: position in the transaction set (ST = 1)
    code: str = SEGMENT_HAS_ELEMENT_ERRORS  # AK304: X12 720 code
    loop_id: str = ""  # AK303
    elements: list[ElementNote] = field(default_factory=list)


class SegmentError(ParseError):
    """A segment of a transaction set is wrong; ``note`` is its 997 AK3 (and AK4) note."""

    def __init__(self, message, note, where=None):
        self.note = note
        super().__init__(message, where)


def element_error(segment, index, message, code, reference="", value=""):
    """A :class:`SegmentError` for element ``index`` of ``segment`` (AK3 code 8 + AK4)."""
    note = SegmentNote(
        segment.id,
        segment.set_position,
        SEGMENT_HAS_ELEMENT_ERRORS,
        elements=[ElementNote(index, code, reference, value=value[:99])],
    )
    return SegmentError(f"{segment.id}{index:02d} {message}", note, segment.where)


def segment_error(segment, message, code, segment_id=None):
    """A :class:`SegmentError` about a whole segment (AK3 only): out of sequence, unexpected, missing..."""
    note = SegmentNote(segment_id or segment.id, segment.set_position, code)
    return SegmentError(message, note, segment.where)


def missing_segment(segment, segment_id, message):
    """A :class:`SegmentError` for a mandatory segment ``segment_id`` missing where ``segment`` stands."""
    return segment_error(segment, message, SEGMENT_MANDATORY_MISSING, segment_id=segment_id)


def out_of_order(segment, message):
    """A :class:`SegmentError` for ``segment`` out of sequence."""
    return segment_error(segment, message, SEGMENT_OUT_OF_SEQUENCE)


def note(tset, segment, message, index=0, code=ELEMENT_INVALID_CHARACTER, reference="", value=""):
    """Record on ``tset`` a content anomaly of ``segment`` that does not stop the reading -> the Anomaly.

    It carries the 997 AK3 note (and AK4 for element ``index``) that a 997 with
    AK5 ``E`` reports.
    """
    elements = [ElementNote(index, code, reference, value=value[:99])] if index else []
    segment_note = SegmentNote(segment.id, segment.set_position, SEGMENT_HAS_ELEMENT_ERRORS, elements=elements)
    where = segment.where
    warning = Anomaly(
        segment.id,
        "",
        f"{segment.id}{index:02d} {message}" if index else message,
        where,
        tset.group_control_number,
        tset.control_number,
        segment.set_position,
        index,
        segment_note,
    )
    tset.warnings.append(warning)
    return warning


def require(segment, index, name, reference=""):
    """Element ``index`` of ``segment``; SegmentError (mandatory element missing) when empty."""
    value = segment.get(index)
    if not value:
        raise element_error(segment, index, f"({name}) is missing", ELEMENT_MANDATORY_MISSING, reference)
    return value


def to_date(segment, index, name, reference="373", required=False):
    """A CCYYMMDD element -> ``date`` (None when empty and not required)."""
    value = require(segment, index, name, reference) if required else segment.get(index)
    if not value:
        return None
    try:
        if len(value) != 8 or not is_digits(value):
            raise ValueError(value)
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise element_error(
            segment, index, f"({name}) {value!r} is not a CCYYMMDD date", ELEMENT_INVALID_DATE, reference, value
        )


def to_time(segment, index, name, reference="337", required=False):
    """An HHMM, HHMMSS, HHMMSSD or HHMMSSDD element -> ``time`` (None when empty and not required)."""
    value = require(segment, index, name, reference) if required else segment.get(index)
    if not value:
        return None
    try:
        if len(value) not in (4, 6, 7, 8) or not is_digits(value):
            raise ValueError(value)
        fraction = value[6:]
        microsecond = int(fraction.ljust(6, "0")) if fraction else 0
        return time(int(value[0:2]), int(value[2:4]), int(value[4:6] or 0), microsecond)
    except ValueError:
        raise element_error(
            segment, index, f"({name}) {value!r} is not an HHMM[SS] time", ELEMENT_INVALID_TIME, reference, value
        )


N2 = re.compile(r"-?[0-9]{1,18}\Z")
R = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)\Z")
N0 = re.compile(r"-?[0-9]{1,18}\Z")


def to_n2(segment, index, name, reference="", required=False):
    """An N2 amount (implied two decimals, no decimal point: ``12345`` is 123.45) -> ``Decimal``."""
    value = require(segment, index, name, reference) if required else segment.get(index)
    if not value:
        return None
    if not N2.match(value):
        raise element_error(
            segment,
            index,
            f"({name}) {value!r} is not an N2 amount (digits with two implied decimals, no decimal point)",
            ELEMENT_INVALID_CHARACTER,
            reference,
            value,
        )
    return Decimal(value).scaleb(-2)


def to_decimal(segment, index, name, reference="", required=False):
    """An R (decimal number, explicit point) element -> ``Decimal``."""
    value = require(segment, index, name, reference) if required else segment.get(index)
    if not value:
        return None
    if not R.match(value):
        raise element_error(
            segment, index, f"({name}) {value!r} is not a decimal number", ELEMENT_INVALID_CHARACTER, reference, value
        )
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise element_error(
            segment, index, f"({name}) {value!r} is not a decimal number", ELEMENT_INVALID_CHARACTER, reference, value
        )


def to_int(segment, index, name, reference="", required=False):
    """An N0 (integer) element -> ``int``."""
    value = require(segment, index, name, reference) if required else segment.get(index)
    if not value:
        return None
    if not N0.match(value):
        raise element_error(
            segment, index, f"({name}) {value!r} is not a whole number", ELEMENT_INVALID_CHARACTER, reference, value
        )
    return int(value)


def read_party(segments, start):
    """An N1 loop (N1, N2, N3, N4, and other segments up to the next N1) -> (code, party dict).

    ``segments[start]`` is the N1. The party: ``name``, ``id_qualifier``,
    ``id``, ``address`` (N3 lines), ``city``, ``state``, ``zip``, ``country``.
    """
    n1 = segments[start]
    party = {
        "name": n1.get(2) or None,
        "n1_name": n1.get(2) or None,  # N102 alone (``name`` adds the N2 lines)
        "id_qualifier": n1.get(3) or None,
        "id": n1.get(4) or None,
        "address": [],
        "city": None,
        "state": None,
        "zip": None,
        "country": None,
    }
    for segment in segments[start + 1 :]:
        if segment.id == "N2":
            party["name"] = " ".join(filter(None, [party["name"], segment.get(1), segment.get(2)])) or None
        elif segment.id == "N3":
            party["address"].extend(filter(None, [segment.get(1), segment.get(2)]))
        elif segment.id == "N4":
            party.update(city=segment.get(1) or None, state=segment.get(2) or None)
            party.update(zip=segment.get(3) or None, country=segment.get(4) or None)
        else:
            break
    return n1.get(1), party
