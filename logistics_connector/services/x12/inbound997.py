"""Reading a 997 Functional Acknowledgment received from a partner: which of the groups and
transaction sets we sent were accepted or rejected, and why.

:func:`read_997` accepts a whole interchange (ISA ... IEA, several interchanges
too) or bare transaction sets (ST*997 ... SE, as some tools and guides show
them). It returns a :class:`Read997` with one :class:`GroupAck` per 997 set
(AK1 ... AK9), each with one :class:`SetAck` per AK2 loop (AK3/AK4 notes as
:class:`~.elements.SegmentNote`, AK5). Only ParseError comes out.
"""

from dataclasses import dataclass, field

from ..exceptions import ParseError
from .elements import ElementNote, SegmentNote
from .envelope import Anomaly, Delimiters, Interchange, TransactionSet
from .reader import _text, anomaly
from .tolerant import _pieces, _segment, read_interchanges

ACCEPTED = ("A", "E")  # AK501 / AK901: accepted, accepted with errors noted


@dataclass
class SetAck:
    """One AK2 loop: how the partner received one of our transaction sets."""

    id_code: str  # AK201, e.g. 214
    control_number: str  # AK202: our ST02
    status: str = ""  # AK501: A, E, M, R, W, X
    error_codes: list[str] = field(default_factory=list)  # AK502..AK506: X12 718 codes
    notes: list[SegmentNote] = field(default_factory=list)  # AK3 (+ AK4)

    @property
    def accepted(self):
        return self.status in ACCEPTED


@dataclass
class GroupAck:
    """One 997 transaction set: the acknowledgment of one of our functional groups."""

    st_control_number: str  # ST02 of the 997
    functional_id: str  # AK101
    group_control_number: str  # AK102: our GS06
    sets: list[SetAck] = field(default_factory=list)
    status: str = ""  # AK901: A, E, P, R, M, W, X
    included: str = ""  # AK902
    received: str = ""  # AK903
    accepted_count: str = ""  # AK904
    error_codes: list[str] = field(default_factory=list)  # AK905..AK909: X12 716 codes

    @property
    def accepted(self):
        """The group as a whole: A or E (P is partial: look at ``sets``)."""
        return self.status in ACCEPTED


@dataclass
class Read997:
    """The 997s of a received file: ``interchanges`` (empty for bare sets), ``acknowledgments``, ``warnings``."""

    acknowledgments: list[GroupAck] = field(default_factory=list)
    interchanges: list[Interchange] = field(default_factory=list)
    warnings: list[Anomaly] = field(default_factory=list)


def _bare_sets(text):
    """The transaction sets of ST ... SE text without an envelope (delimiters read from the ST)."""
    if not text.startswith("ST") or len(text) < 4 or text[2].isalnum() or text[2] in " \r\n":
        raise ParseError(f"a 997 starts with ISA or ST (it starts with {text[:10]!r})", "ST")
    element = text[2]
    terminator = ""
    for char in text[3:]:
        if not (char.isalnum() or char in (element, " ")):
            terminator = "\n" if char in "\r\n" else char
            break
    if not terminator:
        raise ParseError("no segment terminator after the ST segment", "ST")
    delimiters = Delimiters(element, "\x1f" if terminator != "\x1f" else "\x1e", terminator)
    sets, tset, warnings = [], None, []
    for position, (piece, _start, _end) in enumerate(_pieces(text, 0, terminator), start=1):
        segment = _segment(piece, delimiters, position)
        if segment.id == "ST":
            tset = TransactionSet(segment.get(1), segment.get(2), [])
            sets.append(tset)
        if tset is None:
            raise ParseError(f"segment {segment.id} before any ST", segment.where)
        segment.set_position = len(tset.segments) + 1
        segment.set_control = tset.control_number
        tset.segments.append(segment)
        if segment.id == "SE":
            count = segment.get(1)
            if count != str(len(tset.segments)) and count.lstrip("0") != str(len(tset.segments)):
                warnings.append(
                    anomaly(
                        f"SE01 says {count!r} segments but transaction set {tset.control_number} has "
                        f"{len(tset.segments)}",
                        segment.where,
                        tset=tset,
                        code="4",
                    )
                )
            tset = None
    return sets, warnings


def _note(ak3):
    return SegmentNote(ak3.get(1), int(ak3.get(2)) if ak3.get(2).isdigit() else 0, ak3.get(4), ak3.get(3))


def _element_note(ak4, component_separator):
    position = ak4.get(1)
    element, _sep, component = position.partition(component_separator) if component_separator else (position, "", "")
    return ElementNote(
        int(element) if element.isdigit() else 0,
        ak4.get(3),
        ak4.get(2),
        int(component) if component.isdigit() else None,
        ak4.elements[3] if len(ak4.elements) >= 4 else "",
    )


def _group_ack(tset, component_separator):
    if tset.id_code != "997":
        raise ParseError(f"transaction set {tset.id_code} is not a 997", tset.segments[0].where)
    ack = None
    current = None
    for segment in tset.segments[1:]:
        kind = segment.id
        if kind == "AK1":
            ack = GroupAck(tset.control_number, segment.get(1), segment.get(2))
        elif ack is None and kind != "SE":
            raise ParseError(f"{kind} before the AK1 segment", segment.where)
        elif kind == "AK2":
            current = SetAck(segment.get(1), segment.get(2))
            ack.sets.append(current)
        elif kind == "AK3":
            if current is None:
                raise ParseError("AK3 outside an AK2 loop", segment.where)
            current.notes.append(_note(segment))
        elif kind == "AK4":
            if current is None or not current.notes:
                raise ParseError("AK4 without its AK3", segment.where)
            current.notes[-1].elements.append(_element_note(segment, component_separator))
        elif kind == "AK5":
            if current is None:
                raise ParseError("AK5 outside an AK2 loop", segment.where)
            current.status = segment.get(1)
            current.error_codes = [segment.get(n) for n in range(2, 7) if segment.get(n)]
        elif kind == "AK9":
            ack.status, ack.included, ack.received, ack.accepted_count = (segment.get(n) for n in range(1, 5))
            ack.error_codes = [segment.get(n) for n in range(5, 10) if segment.get(n)]
    if ack is None:
        raise ParseError("the 997 has no AK1 segment", tset.where)
    if not ack.status:
        raise ParseError("the 997 has no AK9 segment", tset.where)
    return ack


def read_997(data, strict=False):
    """A received 997 (``str`` or ``bytes``, with or without its envelope) -> :class:`Read997`.

    ``strict``: envelope anomalies raise ParseError (see ``read_interchanges``).
    """
    text = _text(data)
    result = Read997()
    if text.startswith("ISA"):
        result.interchanges = read_interchanges(text, strict=strict)
        for interchange in result.interchanges:
            result.warnings.extend(interchange.warnings)
            for tset in interchange.transaction_sets:
                result.acknowledgments.append(_group_ack(tset, interchange.delimiters.component))
        return result
    sets, warnings = _bare_sets(text)
    if strict and warnings:
        raise ParseError(warnings[0].message, warnings[0].where)
    result.warnings = warnings
    result.acknowledgments = [_group_ack(tset, None) for tset in sets]
    return result
