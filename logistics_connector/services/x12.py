"""ANSI ASC X12 interchanges: reader, writer and the 997 functional acknowledgment.

Plain Python (no ORM), shared by the suite's transaction-set parsers
(``shipment_events/formats/x12_214.py``, ``freight_audit/services/x12_210.py``).

Envelope layout read and written here (X12 004010 and later)::

    ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260115*1230*U*00401*000000001*0*P*>~
    GS*QM*SENDERGS*RECEIVERGS*20260115*1230*1001*X*004010~       functional group (GS06 control number)
    ST*214*0001~                                                 transaction set (ST02 control number)
    ...                                                          the set's segments
    SE*6*0001~                                                   SE01 = segments in the set, ST and SE included
    GE*1*1001~                                                   GE01 = transaction sets in the group
    IEA*1*000000001~                                             IEA01 = functional groups, IEA02 = ISA13

* The ISA segment is fixed-width: 106 characters with its terminator. Its
  4th character is the element separator, ISA16 the component separator, the
  character right after ISA16 the segment terminator (``~``, ``'``, a newline,
  ...). ISA11 is the repetition separator from version 00402 on (``U`` before).
  Line breaks after a terminator are ignored.
* Several functional groups per interchange, several transaction sets per group.
* Every problem raises :class:`~.exceptions.ParseError` (never another exception
  type) naming the problem and where: ``segment 12 (SE)`` for the envelope,
  ``transaction set 0002, segment 5 (AT7)`` inside a set.

Public API
----------
* :func:`parse_interchange` -- strict: the whole envelope is checked, the first
  problem raises ParseError.
* :func:`scan_interchange` -- lenient: reads as much as it can and records the
  problems on the interchange, its groups (X12 716 codes) and its sets (X12 718
  codes), to acknowledge a broken interchange. Raises only when the ISA itself
  is unreadable.
* :func:`build_997` / :func:`reject_997` -- the 997 Functional Acknowledgment
  (ISA/GS FA/ST 997/AK1/AK2/[AK3/AK4]/AK5/AK9/SE/GE/IEA), sender and receiver
  swapped.
* :func:`write_interchange` / :func:`format_segment` -- the writer.
* Element helpers for transaction-set parsers: :func:`require`, :func:`to_date`,
  :func:`to_time`, :func:`to_n2`, :func:`to_decimal`, :func:`to_int`; they raise
  :class:`SegmentError`, a ParseError carrying the AK3/AK4 note of the 997.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation

from .exceptions import ParseError, PermanentError

# ISA01..ISA16 widths: the ISA is 3 + 16 separators + 86 + 1 terminator = 106 characters.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ISA_NAMES = (
    "authorization information qualifier",
    "authorization information",
    "security information qualifier",
    "security information",
    "interchange sender id qualifier",
    "interchange sender id",
    "interchange receiver id qualifier",
    "interchange receiver id",
    "interchange date",
    "interchange time",
    "repetition separator / standards identifier",
    "interchange control version number",
    "interchange control number",
    "acknowledgment requested",
    "usage indicator",
    "component element separator",
)
ISA_LENGTH = 106
SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
DIGITS = re.compile(r"[0-9]+\Z")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# X12 718 -- transaction set syntax error codes (AK502..AK506).
SET_NOT_SUPPORTED = "1"
SET_TRAILER_MISSING = "2"
SET_CONTROL_MISMATCH = "3"
SET_COUNT_MISMATCH = "4"
SET_SEGMENTS_IN_ERROR = "5"
SET_ID_INVALID = "6"
SET_CONTROL_INVALID = "7"
SET_CONTROL_NOT_UNIQUE = "23"
# X12 716 -- functional group syntax error codes (AK905..AK909).
GROUP_TRAILER_MISSING = "3"
GROUP_CONTROL_MISMATCH = "4"
GROUP_COUNT_MISMATCH = "5"
GROUP_CONTROL_INVALID = "6"
GROUP_CONTROL_NOT_UNIQUE = "19"
# X12 720 -- segment syntax error codes (AK304).
SEGMENT_UNRECOGNIZED = "1"
SEGMENT_UNEXPECTED = "2"
SEGMENT_MANDATORY_MISSING = "3"
SEGMENT_EXCEEDS_MAXIMUM_USE = "5"
SEGMENT_NOT_IN_SET = "6"
SEGMENT_OUT_OF_SEQUENCE = "7"
SEGMENT_HAS_ELEMENT_ERRORS = "8"
# X12 723 -- data element syntax error codes (AK403).
ELEMENT_MANDATORY_MISSING = "1"
ELEMENT_CONDITIONAL_MISSING = "2"
ELEMENT_TOO_MANY = "3"
ELEMENT_TOO_SHORT = "4"
ELEMENT_TOO_LONG = "5"
ELEMENT_INVALID_CHARACTER = "6"
ELEMENT_INVALID_CODE = "7"
ELEMENT_INVALID_DATE = "8"
ELEMENT_INVALID_TIME = "9"


def _digits(value):
    """ASCII digits only (``str.isdigit`` also accepts '²', which ``int`` refuses)."""
    return bool(DIGITS.match(value))


# ----------------------------------------------------------------------
# Data model
# ----------------------------------------------------------------------
@dataclass
class Delimiters:
    """The separators of an interchange (read from its ISA segment)."""

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None  # ISA11 from version 00402 on

    def chars(self):
        return {c for c in (self.element, self.component, self.segment, self.repetition) if c}


@dataclass
class Segment:
    """One segment: ``id`` and its elements; ``elements[0]`` is element 01.

    ``position`` counts segments in the interchange (ISA = 1); ``set_position``
    counts them in their transaction set (ST = 1, 0 outside a set), as the 997
    AK302 does; ``set_control`` is the ST02 of the set holding the segment.
    """

    id: str
    elements: list[str]
    position: int = 0
    set_position: int = 0
    set_control: str = ""

    def get(self, index, default=""):
        """Element ``index`` counted from 1 as X12 does (``B10.get(3)`` is B1003), ``default`` when absent."""
        if 1 <= index <= len(self.elements):
            return self.elements[index - 1].strip() or default
        return default

    @property
    def where(self):
        if self.set_position:
            return f"transaction set {self.set_control}, segment {self.set_position} ({self.id})"
        return f"segment {self.position} ({self.id})"


@dataclass
class TransactionSet:
    """ST ... SE. ``segments`` holds ST and SE too, so ``segments[n - 1].set_position == n``."""

    id_code: str
    control_number: str
    segments: list[Segment]
    implementation_reference: str = ""  # ST03 (005010 on)
    group_control_number: str = ""
    errors: list[str] = field(default_factory=list)  # X12 718 codes found by the envelope check
    problems: list[str] = field(default_factory=list)

    @property
    def body(self):
        """The segments between ST and SE."""
        end = -1 if len(self.segments) > 1 and self.segments[-1].id == "SE" else len(self.segments)
        return self.segments[1:end]

    @property
    def where(self):
        return f"transaction set {self.control_number}"


@dataclass
class FunctionalGroup:
    """GS ... GE."""

    functional_id: str  # GS01, e.g. QM (214), IM (210), FA (997)
    sender_code: str  # GS02
    receiver_code: str  # GS03
    date: str  # GS04 CCYYMMDD
    time: str  # GS05
    control_number: str  # GS06
    agency: str  # GS07 (X)
    version: str  # GS08, e.g. 004010
    transaction_sets: list[TransactionSet] = field(default_factory=list)
    gs: Segment | None = None
    ge: Segment | None = None
    errors: list[str] = field(default_factory=list)  # X12 716 codes found by the envelope check
    problems: list[str] = field(default_factory=list)


@dataclass
class Interchange:
    """ISA ... IEA."""

    delimiters: Delimiters
    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06 (padding stripped)
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08
    prepared_at: datetime | None  # ISA09 + ISA10, naive (the sender's clock)
    standards_id: str  # ISA11 ("U", or the repetition separator)
    version: str  # ISA12, e.g. 00401
    control_number: str  # ISA13, nine digits
    ack_requested: bool  # ISA14
    usage: str  # ISA15: P production, T test, I information
    groups: list[FunctionalGroup] = field(default_factory=list)
    isa: Segment | None = None
    iea: Segment | None = None
    problems: list[ParseError] = field(default_factory=list)  # scan_interchange only

    @property
    def transaction_sets(self):
        return [tset for group in self.groups for tset in group.transaction_sets]

    @property
    def envelope(self):
        """Sender, receiver and control number (the journal's idempotency key)."""
        return {"sender": self.sender_id, "receiver": self.receiver_id, "control": self.control_number}


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


@dataclass
class SetResult:
    """How one transaction set was received: the AK2/AK3/AK4/AK5 of the 997."""

    control_number: str  # ST02
    accepted: bool = True
    error_codes: list[str] = field(default_factory=list)  # AK502..AK506: X12 718 codes
    segment_notes: list[SegmentNote] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    group_control_number: str = ""  # GS06 (set control numbers are unique per group only)
    id_code: str = ""  # ST01

    @classmethod
    def ok(cls, tset):
        return cls(tset.control_number, group_control_number=tset.group_control_number, id_code=tset.id_code)

    @classmethod
    def rejected(cls, tset, error, codes=None):
        """A set rejected for ``error`` (a ParseError; a :class:`SegmentError` adds its AK3/AK4 note)."""
        note = getattr(error, "note", None)
        if codes is None:
            codes = [SET_SEGMENTS_IN_ERROR] if note else []
        return cls(
            tset.control_number,
            accepted=False,
            error_codes=list(codes),
            segment_notes=[note] if note else [],
            messages=[str(error)],
            group_control_number=tset.group_control_number,
            id_code=tset.id_code,
        )


class SegmentError(ParseError):
    """A segment of a transaction set is wrong; ``note`` is its 997 AK3 (and AK4) note."""

    def __init__(self, message, note, where=None):
        self.note = note
        super().__init__(message, where)


# ----------------------------------------------------------------------
# Element helpers for transaction-set parsers
# ----------------------------------------------------------------------
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
        if len(value) != 8 or not _digits(value):
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
        if len(value) not in (4, 6, 7, 8) or not _digits(value):
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


# ----------------------------------------------------------------------
# Reader
# ----------------------------------------------------------------------
def _text(data):
    if data is None:
        raise ParseError("the interchange is empty", "ISA")
    if isinstance(data, bytes | bytearray | memoryview):
        data = bytes(data)
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("latin-1")
    if not isinstance(data, str):
        raise ParseError(f"an X12 interchange is text, not {type(data).__name__}", "ISA")
    text = data.lstrip("\ufeff\r\n\t ")
    if not text:
        raise ParseError("the interchange is empty", "ISA")
    return text


def read_delimiters(data):
    """The :class:`Delimiters` declared by the ISA segment at the start of ``data``."""
    return _read_isa(_text(data))[1]


def _read_isa(text):
    """(ISA segment, delimiters) of ``text``; ParseError when the fixed-width ISA is wrong."""
    if not text.startswith("ISA"):
        raise ParseError(f"the interchange does not start with an ISA segment (it starts with {text[:10]!r})", "ISA")
    if len(text) < 4:
        raise ParseError(f"the ISA segment is truncated ({len(text)} characters, {ISA_LENGTH} expected)", "ISA")
    separator = text[3]
    if separator.isalnum() or separator in " \t\r\n":
        raise ParseError(f"the element separator (4th character of ISA) {separator!r} is not a delimiter", "ISA")
    parts = text[4:ISA_LENGTH].split(separator, 15)
    for number, (width, part) in enumerate(zip(ISA_WIDTHS, parts[:15], strict=False), start=1):
        if len(part) != width and (number < len(parts) or len(text) >= ISA_LENGTH):
            raise ParseError(
                f"ISA{number:02d} ({ISA_NAMES[number - 1]}) is {len(part)} characters wide instead of {width}: "
                f"the ISA segment is fixed-width ({ISA_LENGTH} characters with its terminator)",
                f"ISA{number:02d}",
            )
    if len(text) < ISA_LENGTH or len(parts) < 16:
        raise ParseError(
            f"the ISA segment is truncated ({min(len(text), ISA_LENGTH)} characters, {ISA_LENGTH} expected)", "ISA"
        )
    component, terminator = text[104], text[105]
    for name, char in (("component separator (ISA16)", component), ("segment terminator", terminator)):
        if char.isalnum() or char == " ":
            raise ParseError(f"the {name} {char!r} is not a delimiter", "ISA16")
    if len({separator, component, terminator}) < 3:
        raise ParseError(
            f"the element separator {separator!r}, component separator {component!r} and segment terminator "
            f"{terminator!r} must be three different characters",
            "ISA16",
        )
    elements = parts[:15] + [component]
    version = elements[11]
    repetition = elements[10]
    if version < "00402" or repetition.isalnum() or repetition in {" ", separator, component, terminator}:
        repetition = None
    delimiters = Delimiters(separator, component, terminator, repetition)
    return Segment("ISA", elements, position=1), delimiters


def _split_segments(rest, delimiters, first_position):
    """The segments after the ISA: split, line breaks trimmed, each id checked."""
    terminator = delimiters.segment
    segments = []
    position = first_position
    for raw in rest.split(terminator):
        piece = raw.strip("\r\n")
        if not piece.strip(" \t\r\n"):
            continue
        position += 1
        elements = piece.split(delimiters.element)
        segment_id = elements[0].strip(" \t")
        where = f"segment {position} ({segment_id[:3] or '?'})"
        if not SEGMENT_ID.match(segment_id):
            raise ParseError(
                f"{piece[:20]!r} does not start with a segment id followed by the element separator "
                f"{delimiters.element!r} declared in ISA: wrong delimiters or damaged data",
                f"segment {position}",
            )
        if "\n" in piece or "\r" in piece:
            raise ParseError(
                f"segment {segment_id} contains a line break: the segment terminator declared in ISA is "
                f"{terminator!r}, is the file split on another character?",
                where,
            )
        for control in CONTROL_CHARS.findall(piece):
            if control not in delimiters.chars():
                raise ParseError(f"binary data (byte 0x{ord(control):02x}) in segment {segment_id}", where)
        segments.append(Segment(segment_id, elements[1:], position=position))
    return segments


class _Reader:
    """Builds the Interchange; ``strict`` raises at the first problem, else records it."""

    def __init__(self, strict):
        self.strict = strict
        self.problems = []

    def problem(self, message, where, group=None, group_code=None, tset=None, set_code=None):
        error = ParseError(message, where)
        if self.strict:
            raise error
        self.problems.append(error)
        if group is not None:
            group.problems.append(str(error))
            if group_code and group_code not in group.errors:
                group.errors.append(group_code)
        if tset is not None:
            tset.problems.append(str(error))
            if set_code and set_code not in tset.errors:
                tset.errors.append(set_code)

    def run(self, data):
        text = _text(data)
        isa, delimiters = _read_isa(text)
        interchange = self._interchange(isa, delimiters)
        segments = _split_segments(text[ISA_LENGTH:], delimiters, 1)
        self._structure(interchange, segments)
        interchange.problems = self.problems
        return interchange

    def _interchange(self, isa, delimiters):
        get = isa.elements.__getitem__
        version, control, ack, usage = get(11), get(12), get(13), get(14)
        if not (_digits(control) and len(control) == 9):
            raise ParseError(f"ISA13 (interchange control number) {control!r} is not nine digits", "ISA13")
        if not _digits(version):
            raise ParseError(f"ISA12 (interchange control version number) {version!r} is not a version", "ISA12")
        try:
            prepared_at = datetime.strptime(get(8) + get(9), "%y%m%d%H%M")
        except ValueError:
            prepared_at = None
            self.problem(f"ISA09/ISA10 {get(8)!r}/{get(9)!r} is not a YYMMDD date and HHMM time", "ISA09")
        if ack not in ("0", "1"):
            self.problem(f"ISA14 (acknowledgment requested) {ack!r} must be 0 or 1", "ISA14")
        if usage not in ("P", "T", "I"):
            self.problem(f"ISA15 (usage indicator) {usage!r} must be P, T or I", "ISA15")
        return Interchange(
            delimiters=delimiters,
            sender_qualifier=get(4).strip(),
            sender_id=get(5).strip(),
            receiver_qualifier=get(6).strip(),
            receiver_id=get(7).strip(),
            prepared_at=prepared_at,
            standards_id=get(10),
            version=version,
            control_number=control,
            ack_requested=ack == "1",
            usage=usage,
            isa=isa,
        )

    def _structure(self, interchange, segments):
        group = tset = None
        for segment in segments:
            if interchange.iea is not None:
                self.problem(f"segment {segment.id} after the IEA trailer", segment.where)
                break
            kind = segment.id
            if kind == "ISA":
                self.problem("a second ISA segment: one interchange per file", segment.where)
                break
            if kind in ("GS", "GE", "IEA") and tset is not None:
                self._missing_se(tset, segment, group)
                tset = None
            if kind in ("GS", "IEA") and group is not None:
                self._missing_ge(group, segment)
                group = None
            if kind == "GS":
                group = self._open_group(interchange, segment)
            elif kind == "ST":
                if tset is not None:
                    self._missing_se(tset, segment, group)
                if group is None:
                    self.problem("ST outside a functional group (no GS before it)", segment.where)
                    tset = None
                    continue
                tset = self._open_set(group, segment)
            elif kind == "SE":
                if tset is None:
                    self.problem("SE without a transaction set header (ST)", segment.where, group=group)
                    continue
                self._close_set(group, tset, segment)
                tset = None
            elif kind == "GE":
                if group is None:
                    self.problem("GE without a functional group header (GS)", segment.where)
                    continue
                self._close_group(group, segment)
                group = None
            elif kind == "IEA":
                self._close_interchange(interchange, segment)
            elif tset is None:
                self.problem(
                    f"segment {kind} outside a transaction set (not between ST and SE)", segment.where, group=group
                )
            else:
                self._append(tset, segment)
        if interchange.iea is None:
            last = segments[-1].where if segments else "ISA"
            self.problem("the interchange is truncated: no IEA trailer at the end", f"after {last}")
            if tset is not None:
                self._missing_se(tset, None, group)
            if group is not None:
                self._missing_ge(group, None)
        if not interchange.groups:
            self.problem("the interchange holds no functional group (GS)", "ISA")

    def _open_group(self, interchange, gs):
        values = [gs.get(n) for n in range(1, 9)]
        group = FunctionalGroup(*values, gs=gs)
        interchange.groups.append(group)
        missing = [f"GS{n:02d}" for n, value in enumerate(values, start=1) if not value]
        if missing:
            self.problem(f"GS is missing {', '.join(missing)}", gs.where, group=group)
        if not (_digits(group.control_number) and len(group.control_number) <= 9):
            self.problem(
                f"GS06 (group control number) {group.control_number!r} is not a number of at most 9 digits",
                gs.where,
                group=group,
                group_code=GROUP_CONTROL_INVALID,
            )
        elif [g.control_number for g in interchange.groups].count(group.control_number) > 1:
            self.problem(
                f"group control number {group.control_number} is used twice in the interchange",
                gs.where,
                group=group,
                group_code=GROUP_CONTROL_NOT_UNIQUE,
            )
        return group

    def _open_set(self, group, st):
        tset = TransactionSet(st.get(1), st.get(2), [], st.get(3), group_control_number=group.control_number)
        self._append(tset, st)
        group.transaction_sets.append(tset)
        if not re.fullmatch(r"[0-9]{3}", tset.id_code):
            self.problem(
                f"ST01 (transaction set identifier) {tset.id_code!r} is not a 3-digit code",
                st.where,
                tset=tset,
                set_code=SET_ID_INVALID,
            )
        if not 4 <= len(tset.control_number) <= 9:
            self.problem(
                f"ST02 (transaction set control number) {tset.control_number!r} must be 4 to 9 characters",
                st.where,
                tset=tset,
                set_code=SET_CONTROL_INVALID,
            )
        elif [t.control_number for t in group.transaction_sets].count(tset.control_number) > 1:
            self.problem(
                f"transaction set control number {tset.control_number} is used twice in group "
                f"{group.control_number}",
                st.where,
                tset=tset,
                set_code=SET_CONTROL_NOT_UNIQUE,
            )
        return tset

    @staticmethod
    def _append(tset, segment):
        segment.set_position = len(tset.segments) + 1
        segment.set_control = tset.control_number
        tset.segments.append(segment)

    def _close_set(self, group, tset, se):
        self._append(tset, se)
        count, control = se.get(1), se.get(2)
        if not _digits(count):
            self.problem(
                f"SE01 (number of included segments) {count!r} is not a number",
                se.where,
                tset=tset,
                set_code=SET_COUNT_MISMATCH,
            )
        elif int(count) != len(tset.segments):
            self.problem(
                f"SE01 says {int(count)} segments but transaction set {tset.control_number} has "
                f"{len(tset.segments)} (ST and SE included)",
                se.where,
                tset=tset,
                set_code=SET_COUNT_MISMATCH,
            )
        if control != tset.control_number:
            self.problem(
                f"SE02 {control!r} does not match ST02 {tset.control_number!r}",
                se.where,
                tset=tset,
                set_code=SET_CONTROL_MISMATCH,
            )

    def _missing_se(self, tset, at_segment, group):
        where = at_segment.where if at_segment else "end of data"
        self.problem(
            f"transaction set {tset.control_number} ({tset.id_code}) has no SE trailer",
            where,
            group=group,
            tset=tset,
            set_code=SET_TRAILER_MISSING,
        )

    def _close_group(self, group, ge):
        group.ge = ge
        count, control = ge.get(1), ge.get(2)
        if not group.transaction_sets:
            self.problem(f"functional group {group.control_number} holds no transaction set", ge.where, group=group)
        if not _digits(count):
            self.problem(
                f"GE01 (number of transaction sets) {count!r} is not a number",
                ge.where,
                group=group,
                group_code=GROUP_COUNT_MISMATCH,
            )
        elif int(count) != len(group.transaction_sets):
            self.problem(
                f"GE01 says {int(count)} transaction sets but group {group.control_number} has "
                f"{len(group.transaction_sets)}",
                ge.where,
                group=group,
                group_code=GROUP_COUNT_MISMATCH,
            )
        if control != group.control_number:
            self.problem(
                f"GE02 {control!r} does not match GS06 {group.control_number!r}",
                ge.where,
                group=group,
                group_code=GROUP_CONTROL_MISMATCH,
            )

    def _missing_ge(self, group, at_segment):
        where = at_segment.where if at_segment else "end of data"
        self.problem(
            f"functional group {group.control_number} ({group.functional_id}) has no GE trailer",
            where,
            group=group,
            group_code=GROUP_TRAILER_MISSING,
        )

    def _close_interchange(self, interchange, iea):
        interchange.iea = iea
        count, control = iea.get(1), iea.get(2)
        if not _digits(count):
            self.problem(f"IEA01 (number of functional groups) {count!r} is not a number", iea.where)
        elif int(count) != len(interchange.groups):
            self.problem(
                f"IEA01 says {int(count)} functional groups but the interchange has {len(interchange.groups)}",
                iea.where,
            )
        if control != interchange.control_number:
            self.problem(f"IEA02 {control!r} does not match ISA13 {interchange.control_number!r}", iea.where)


def parse_interchange(data):
    """Parse and check a whole interchange (``str`` or ``bytes``) -> :class:`Interchange`.

    Raises :class:`ParseError` at the first problem of the envelope (counts,
    control numbers, missing or misplaced ISA/GS/ST/SE/GE/IEA, delimiters).
    The content of the transaction sets is not interpreted here.
    """
    return _Reader(strict=True).run(data)


def scan_interchange(data):
    """Read an interchange leniently -> :class:`Interchange` with its problems recorded.

    ``interchange.problems`` lists the ParseErrors, ``group.errors`` and
    ``tset.errors`` the X12 716/718 codes that a 997 reports. Raises
    ParseError only when the ISA segment (and so the delimiters) is unreadable
    or a segment cannot be split.
    """
    return _Reader(strict=False).run(data)


# ----------------------------------------------------------------------
# Writer
# ----------------------------------------------------------------------
DEFAULT_DELIMITERS = Delimiters("*", ">", "~", None)


def format_segment(segment_id, elements, delimiters=DEFAULT_DELIMITERS):
    """``segment_id`` and its elements -> segment text with its terminator (trailing empty elements dropped).

    Elements are strings (None is empty); a tuple is a composite element, its
    components joined with the component separator. A value containing a
    delimiter raises PermanentError.
    """
    reserved = delimiters.chars() | {"\r", "\n"}
    values = []
    for index, value in enumerate(elements, start=1):
        components = value if isinstance(value, tuple) else (value,)
        texts = ["" if component is None else str(component) for component in components]
        for text in texts:
            if reserved & set(text):
                raise PermanentError(f"{segment_id}{index:02d} {text!r} contains an X12 delimiter")
        while len(texts) > 1 and texts[-1] == "":
            texts.pop()
        values.append(delimiters.component.join(texts))
    while values and values[-1] == "":
        values.pop()
    return delimiters.element.join([segment_id, *values]) + delimiters.segment


@dataclass
class OutboundSet:
    """A transaction set to write: ST01 and the segments between ST and SE as (id, [elements])."""

    id_code: str
    segments: list[tuple[str, list]]
    implementation_reference: str = ""


@dataclass
class OutboundGroup:
    """A functional group to write (GS01..GS03, GS08); control numbers are assigned by the writer."""

    functional_id: str
    sender_code: str
    receiver_code: str
    transaction_sets: list[OutboundSet]
    version: str = "004010"


def isa_segment(
    sender_qualifier,
    sender_id,
    receiver_qualifier,
    receiver_id,
    control_number,
    now,
    delimiters=DEFAULT_DELIMITERS,
    version="00401",
    usage="P",
    ack_requested=False,
):
    """The fixed-width ISA segment (106 characters with its terminator)."""
    standards_id = delimiters.repetition if version >= "00402" and delimiters.repetition else "U"
    values = [
        "00",
        "",
        "00",
        "",
        sender_qualifier,
        sender_id,
        receiver_qualifier,
        receiver_id,
        now.strftime("%y%m%d"),
        now.strftime("%H%M"),
        standards_id,
        version,
        "%09d" % int(control_number),
        "1" if ack_requested else "0",
        usage,
        delimiters.component,
    ]
    for number, (width, value) in enumerate(zip(ISA_WIDTHS, values, strict=True), start=1):
        if len(value) > width:
            raise PermanentError(f"ISA{number:02d} {value!r} is longer than {width} characters")
    padded = [value.ljust(width) for width, value in zip(ISA_WIDTHS, values, strict=True)]
    return delimiters.element.join(["ISA", *padded]) + delimiters.segment


def write_interchange(
    sender,
    receiver,
    control_number,
    groups,
    now=None,
    delimiters=DEFAULT_DELIMITERS,
    version="00401",
    usage="P",
    group_control_start=None,
    ack_requested=False,
):
    """A whole interchange as text.

    ``sender``/``receiver`` are (qualifier, id) pairs for ISA05/06 and ISA07/08;
    ``control_number`` (int) is ISA13; groups are numbered from
    ``group_control_start`` (default: ``control_number``), sets from 0001 in
    each group. Counts (SE01, GE01, IEA01) are computed.
    """
    now = now or datetime.now(UTC)
    group_control = int(control_number if group_control_start is None else group_control_start)
    parts = [
        isa_segment(*sender, *receiver, control_number, now, delimiters, version, usage, ack_requested),
    ]
    for group in groups:
        parts.append(
            format_segment(
                "GS",
                [
                    group.functional_id,
                    group.sender_code,
                    group.receiver_code,
                    now.strftime("%Y%m%d"),
                    now.strftime("%H%M"),
                    str(group_control),
                    "X",
                    group.version,
                ],
                delimiters,
            )
        )
        for number, tset in enumerate(group.transaction_sets, start=1):
            set_control = "%04d" % number
            parts.append(format_segment("ST", [tset.id_code, set_control, tset.implementation_reference], delimiters))
            parts.extend(format_segment(seg_id, elements, delimiters) for seg_id, elements in tset.segments)
            parts.append(format_segment("SE", [str(len(tset.segments) + 2), set_control], delimiters))
        parts.append(format_segment("GE", [str(len(group.transaction_sets)), str(group_control)], delimiters))
        group_control += 1
    parts.append(format_segment("IEA", [str(len(groups)), "%09d" % int(control_number)], delimiters))
    return "".join(parts)


# ----------------------------------------------------------------------
# 997 Functional Acknowledgment
# ----------------------------------------------------------------------
def _ak_segments(group, results, reject_all, delimiters):
    """The AK1..AK9 segments acknowledging one received functional group."""
    segments = [("AK1", [group.functional_id, group.control_number])]
    group_rejected = reject_all or bool(group.errors)
    accepted = 0
    for tset in group.transaction_sets:
        result = results.get((group.control_number, tset.control_number)) or results.get((None, tset.control_number))
        result = result or SetResult.ok(tset)
        codes = list(dict.fromkeys([*tset.errors, *result.error_codes]))
        is_accepted = result.accepted and not codes and not group_rejected
        segments.append(("AK2", [tset.id_code, tset.control_number, tset.implementation_reference]))
        for note in result.segment_notes:
            segments.append(("AK3", [note.segment_id, str(note.position), note.loop_id, note.code]))
            for element in note.elements:
                position = (element.position, element.component) if element.component else element.position
                value = "".join(c for c in element.value if c not in delimiters.chars())[:99]
                segments.append(("AK4", [position, element.reference, element.code, value]))
        segments.append(("AK5", ["A" if is_accepted else "R", *codes[:5]]))
        accepted += is_accepted
    received = len(group.transaction_sets)
    declared = group.ge.get(1) if group.ge is not None else ""
    included = declared if _digits(declared) else str(received)
    if group_rejected or accepted == 0:
        code = "R"
    elif accepted == received:
        code = "A"
    else:
        code = "P"
    segments.append(("AK9", [code, included, str(received), str(accepted), *group.errors[:5]]))
    return segments


def build_997(interchange, results=(), control_number=1, now=None, reject_all=False, group_control_number=None):
    """The 997 interchange acknowledging ``interchange`` -> text.

    * ``results``: :class:`SetResult` per transaction set (matched on GS06 +
      ST02, or ST02 alone when ``group_control_number`` is empty). A set
      without a result is acknowledged as accepted unless the envelope check
      recorded errors for it (``scan_interchange``): the 997 is a syntax
      acknowledgment and such a set was read.
    * One ST 997 per received functional group (AK1 = its GS01/GS06), one AK2
      + AK5 per transaction set (AK3/AK4 for the notes of a rejected set), and
      AK9 = A (all accepted), P (some rejected) or R (all rejected, or the
      group's envelope is wrong: AK905.. carry the X12 716 codes).
    * ``reject_all``: every set is rejected (the interchange as a whole was
      refused, e.g. a wrong IEA).
    * The answer goes back to the sender: ISA05/06 <-> ISA07/08 and GS02 <->
      GS03 swapped; the received delimiters, ISA11, ISA12 and ISA15 are kept.
      ``control_number`` is ISA13 (and GS06 unless ``group_control_number``);
      sets are numbered 0001, 0002... Received groups with different GS
      sender/receiver pairs get one FA group each.
    """
    if not interchange.groups:
        raise ParseError("nothing to acknowledge: the interchange holds no functional group", "GS")
    indexed = {}
    for result in results:
        indexed[(result.group_control_number or None, result.control_number)] = result
    now = now or datetime.now(UTC)
    delimiters = interchange.delimiters
    outbound = {}
    for group in interchange.groups:
        segments = _ak_segments(group, indexed, reject_all, delimiters)
        key = (group.receiver_code, group.sender_code, group.version or "004010")
        if key not in outbound:
            outbound[key] = OutboundGroup("FA", key[0], key[1], [], key[2])
        outbound[key].transaction_sets.append(OutboundSet("997", segments))
    try:
        return write_interchange(
            (interchange.receiver_qualifier, interchange.receiver_id),
            (interchange.sender_qualifier, interchange.sender_id),
            control_number,
            list(outbound.values()),
            now=now,
            delimiters=delimiters,
            version=interchange.version,
            usage=interchange.usage or "P",
            group_control_start=group_control_number,
        )
    except PermanentError as error:
        # A received identifier echoed in the 997 holds one of its delimiters: it cannot be written back.
        raise ParseError(f"the 997 cannot be written: {error}", "997")


def reject_997(data, control_number=1, now=None):
    """The 997 rejecting a malformed interchange (every set R, AK9 R with the 716 codes found) -> text.

    The envelope is read leniently (:func:`scan_interchange`). Raises
    ParseError when there is nothing to acknowledge (unreadable ISA, no GS)
    or a received identifier cannot be echoed.
    """
    interchange = scan_interchange(data)
    return build_997(interchange, (), control_number=control_number, now=now, reject_all=True)
