"""The X12 reader: decodes the text, reads the delimiters from the fixed-width ISA, splits
the segments and builds the :class:`~.envelope.Interchange`, checking the envelope
(ISA/GS/ST/SE/GE/IEA, counts and control numbers).

:func:`parse_interchange` is strict (the first problem raises ParseError);
:func:`scan_interchange` is lenient and records the problems with their X12 716/718
codes, to acknowledge a broken interchange.
"""

import re
from datetime import datetime

from ..exceptions import ParseError
from .codes import (
    GROUP_CONTROL_INVALID,
    GROUP_CONTROL_MISMATCH,
    GROUP_CONTROL_NOT_UNIQUE,
    GROUP_COUNT_MISMATCH,
    GROUP_TRAILER_MISSING,
    SET_CONTROL_INVALID,
    SET_CONTROL_MISMATCH,
    SET_CONTROL_NOT_UNIQUE,
    SET_COUNT_MISMATCH,
    SET_ID_INVALID,
    SET_TRAILER_MISSING,
)
from .envelope import (
    ISA_LENGTH,
    ISA_NAMES,
    ISA_WIDTHS,
    Anomaly,
    Delimiters,
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
    is_digits,
)

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


WHERE = re.compile(r"(?:transaction set (?P<set>\S+), )?(?:after )?segment (?P<position>[0-9]+) \((?P<id>[^)]*)\)")
# Problems that leave a transaction set untrustworthy even when reading tolerantly (the set is rejected).
SET_FATAL = {SET_TRAILER_MISSING, SET_ID_INVALID}


def anomaly(message, where, group=None, tset=None, code="", segment_id=None):
    """An :class:`Anomaly` for a problem found at ``where`` (a ``Segment.where`` text); ``segment_id``
    names the segment concerned when it is not the one at ``where`` (a missing trailer)."""
    match = WHERE.search(where or "")
    segment_id = segment_id or (match.group("id") if match else (where or "ISA").split()[0][:3])
    in_set = bool(match and match.group("set"))
    return Anomaly(
        segment=segment_id,
        code=code or "",
        message=message,
        where=where or "",
        group_control=group.control_number if group is not None else "",
        set_control=tset.control_number if tset is not None else "",
        set_position=int(match.group("position")) if in_set else 0,
    )


class _Reader:
    """Builds the Interchange; ``strict`` raises at the first problem, else records it.

    ``tolerant``: the problems are recorded as :class:`Anomaly` warnings (on the
    interchange, and on the group or set concerned) and the data is kept; only
    the problems in :data:`SET_FATAL` still reject their set (``tset.errors``).
    """

    def __init__(self, strict, tolerant=False):
        self.strict = strict
        self.tolerant = tolerant and not strict
        self.problems = []
        self.warnings = []
        self._set_controls = {}  # id(group) -> the ST02 seen in it (duplicates are a problem)

    def problem(self, message, where, group=None, group_code=None, tset=None, set_code=None, segment_id=None):
        error = ParseError(message, where)
        if self.strict:
            raise error
        if self.tolerant:
            code = set_code if tset is not None else group_code
            warning = anomaly(message, where, group, tset, code, segment_id)
            self.warnings.append(warning)
            if tset is not None:
                tset.warnings.append(warning)
                if set_code in SET_FATAL and set_code not in tset.errors:
                    tset.errors.append(set_code)
                    tset.problems.append(str(error))
            elif group is not None:
                group.warnings.append(warning)
            return
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

    def build(self, isa, delimiters, segments):
        """The Interchange of an ISA and the segments after it (already split by the tolerant reader).

        An ISA that is not fixed-width is an anomaly (a refusal in strict mode)."""
        for number, (width, value) in enumerate(zip(ISA_WIDTHS, isa.elements, strict=False), start=1):
            if len(value) != width:
                self.problem(
                    f"ISA{number:02d} ({ISA_NAMES[number - 1]}) is {len(value)} characters wide instead of {width}: "
                    f"the ISA segment is fixed-width ({ISA_LENGTH} characters with its terminator)",
                    self._isa_where(f"ISA{number:02d}"),
                )
                break
        interchange = self._interchange(isa, delimiters)
        self._structure(interchange, segments)
        interchange.problems = self.problems
        interchange.warnings = self.warnings
        return interchange

    def _interchange(self, isa, delimiters):
        def get(index):
            return isa.elements[index].strip(" ")

        version, control, ack, usage = get(11), get(12), get(13), get(14)
        if not (is_digits(control) and len(control) == 9):
            if not self.tolerant or not control:
                raise ParseError(f"ISA13 (interchange control number) {control!r} is not nine digits", "ISA13")
            self.problem(f"ISA13 (interchange control number) {control!r} is not nine digits", "segment 1 (ISA)")
        if not is_digits(version):
            if not self.tolerant:
                raise ParseError(f"ISA12 (interchange control version number) {version!r} is not a version", "ISA12")
            self.problem(f"ISA12 (interchange control version number) {version!r} is not a version", "segment 1 (ISA)")
        try:
            prepared_at = datetime.strptime(get(8) + get(9), "%y%m%d%H%M")
        except ValueError:
            prepared_at = None
            self.problem(
                f"ISA09/ISA10 {get(8)!r}/{get(9)!r} is not a YYMMDD date and HHMM time", self._isa_where("ISA09")
            )
        if ack not in ("0", "1"):
            self.problem(f"ISA14 (acknowledgment requested) {ack!r} must be 0 or 1", self._isa_where("ISA14"))
        if usage not in ("P", "T", "I"):
            self.problem(f"ISA15 (usage indicator) {usage!r} must be P, T or I", self._isa_where("ISA15"))
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

    def _isa_where(self, element):
        return "segment 1 (ISA)" if self.tolerant else element

    def _structure(self, interchange, segments):  # noqa: C901 - one branch per envelope segment (ISA/GS/ST/SE/GE/IEA)
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
            self.problem("the interchange is truncated: no IEA trailer at the end", f"after {last}", segment_id="IEA")
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
        if not (is_digits(group.control_number) and len(group.control_number) <= 9):
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
        elif tset.control_number in self._set_controls.setdefault(id(group), set()):
            self.problem(
                f"transaction set control number {tset.control_number} is used twice in group "
                f"{group.control_number}",
                st.where,
                tset=tset,
                set_code=SET_CONTROL_NOT_UNIQUE,
            )
        self._set_controls.setdefault(id(group), set()).add(tset.control_number)
        return tset

    @staticmethod
    def _append(tset, segment):
        segment.set_position = len(tset.segments) + 1
        segment.set_control = tset.control_number
        tset.segments.append(segment)

    def _close_set(self, group, tset, se):
        self._append(tset, se)
        count, control = se.get(1), se.get(2)
        if not is_digits(count):
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
            segment_id="SE",
        )

    def _close_group(self, group, ge):
        group.ge = ge
        count, control = ge.get(1), ge.get(2)
        if not group.transaction_sets:
            self.problem(f"functional group {group.control_number} holds no transaction set", ge.where, group=group)
        if not is_digits(count):
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
            segment_id="GE",
        )

    def _close_interchange(self, interchange, iea):
        interchange.iea = iea
        count, control = iea.get(1), iea.get(2)
        if not is_digits(count):
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
