"""The data model of an interchange: delimiters, segments, transaction sets, functional
groups and the interchange itself (ISA ... IEA), as the reader builds them.

Also the fixed widths of the ISA segment, shared by the reader and the writer.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..exceptions import ParseError

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
DIGITS = re.compile(r"[0-9]+\Z")


def is_digits(value):
    """ASCII digits only (``str.isdigit`` also accepts '²', which ``int`` refuses)."""
    return bool(DIGITS.match(value))


@dataclass(frozen=True)
class Anomaly:
    """An envelope, count or content anomaly found while reading on (a warning, not a refusal).

    * ``segment``: the id of the segment concerned (``SE``, ``GE``, ``IEA``, ``GS``, ``L11``...).
    * ``code``: the X12 code a 997 reports: a 718 code (AK5) when ``set_control`` is
      set and the anomaly is the set's, a 716 code (AK9) when it is the group's,
      ``""`` when no code applies (interchange level, or a content note).
    * ``message``: readable, names the numbers involved.
    * ``where``: ``segment 12 (SE)`` or ``transaction set 0001, segment 5 (L11)``.
    * ``group_control`` / ``set_control``: GS06 / ST02 of the group / set concerned.
    * ``set_position``: AK302, the segment's position in its set (0 outside a set);
      ``element``: AK401 (0 when the whole segment is concerned).
    """

    segment: str
    code: str
    message: str
    where: str = ""
    group_control: str = ""
    set_control: str = ""
    set_position: int = 0
    element: int = 0
    note: object = None  # a SegmentNote (AK3/AK4 of the 997) for a content note of a set reader

    @property
    def level(self):
        """``set``, ``group`` or ``interchange``: which AK segment of the 997 reports it."""
        if self.set_control:
            return "set"
        return "group" if self.group_control else "interchange"

    def __str__(self):
        return f"{self.message} (at {self.where})" if self.where else self.message


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
    warnings: list[Anomaly] = field(default_factory=list)  # read on (tolerant reading, set readers' notes)

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
    warnings: list[Anomaly] = field(default_factory=list)  # the group's own anomalies (GE01, GE02...)


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
    warnings: list[Anomaly] = field(default_factory=list)  # every anomaly of the interchange (read_interchanges)

    @property
    def transaction_sets(self):
        return [tset for group in self.groups for tset in group.transaction_sets]

    @property
    def envelope(self):
        """Sender, receiver and control number (the journal's idempotency key)."""
        return {"sender": self.sender_id, "receiver": self.receiver_id, "control": self.control_number}
