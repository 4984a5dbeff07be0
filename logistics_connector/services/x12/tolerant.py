"""The tolerant X12 reader: interchanges as carriers actually send them.

:func:`read_interchanges` reads a file holding one or several interchanges and
returns one :class:`~.envelope.Interchange` per ISA ... IEA, each with its
``warnings`` (:class:`~.envelope.Anomaly`). What it tolerates:

* delimiters read from the data, not from byte offsets: the ISA may be trimmed
  or collapsed (``ISA*00**00**ZZ*SENDER*...``); the element separator is the
  4th character, ISA16 the component separator, the character after ISA16 the
  segment terminator (any character: ``~``, ``|``, ``.``, ``'``, U+2026 ``…``),
  or a line break (then every line is a segment);
* a UTF-8 byte order mark, blank lines and spaces before the ISA;
* line breaks that are not terminators: removed wherever they are (files
  hard-wrapped at 80 columns, with breaks inside elements; ``~`` followed by
  CRLF and indentation);
* several interchanges concatenated in one file (each with its own delimiters);
* envelope and count anomalies (SE01, SE02, GE01, GE02 vs GS06, IEA01, IEA02
  vs ISA13, duplicate control numbers, missing GE/IEA trailers, an ISA13 that
  is not nine digits, segments outside a set): recorded as warnings, the data
  is kept. Only a set without its SE trailer or with an invalid ST01 is still
  rejected (its content may be cut).

``strict=True`` turns every envelope anomaly back into a :class:`ParseError`
naming the segment (the "reject interchanges with envelope errors" option);
the delimiter and line-break tolerance stays. Whatever the mode, an
unreadable ISA, a segment that does not start with a segment id or binary
data raise ParseError: only ParseError ever comes out.
"""

import re

from ..exceptions import ParseError
from .envelope import Delimiters, Segment
from .reader import CONTROL_CHARS, SEGMENT_ID, _Reader, _text

LINE_BREAKS = re.compile(r"[\r\n]+")
ISA_ELEMENTS = 16
MAX_SEGMENTS = 1_000_000


def _isa_delimiters(text, start):
    """(element separator, component separator, segment terminator) declared by the ISA at ``start``.

    ``terminator`` is ``"\\n"`` when segments end with a line break.
    """
    if not text.startswith("ISA", start):
        raise ParseError(
            f"the interchange does not start with an ISA segment (it starts with {text[start : start + 10]!r})", "ISA"
        )
    separator = text[start + 3 : start + 4]
    if not separator or separator.isalnum() or separator in " \t\r\n":
        raise ParseError(f"the element separator (4th character of ISA) {separator!r} is not a delimiter", "ISA")
    position, count = start + 3, 1  # the 4th character is the first of the 16 separators
    while count < ISA_ELEMENTS:
        position = text.find(separator, position + 1)
        if position < 0:
            raise ParseError(
                f"the ISA segment is truncated: {count} of its {ISA_ELEMENTS} element separators found", "ISA"
            )
        count += 1
    cursor = position + 1
    while cursor < len(text) and text[cursor] in "\r\n":
        cursor += 1
    component = text[cursor : cursor + 1]
    cursor += 1
    breaks = cursor
    while cursor < len(text) and text[cursor] in "\r\n":
        cursor += 1
    following = text[cursor : cursor + 1]
    if cursor > breaks and (not following or following.isalpha()):
        terminator = "\n"  # the ISA (and every segment) ends with a line break
    else:
        terminator = following
    for name, char in (("component separator (ISA16)", component), ("segment terminator", terminator)):
        if not char or (char.isalnum() and name != "segment terminator") or char == " ":
            raise ParseError(f"the {name} {char!r} is not a delimiter", "ISA16")
    if terminator.isalnum() or len({separator, component, terminator}) < 3:
        raise ParseError(
            f"the element separator {separator!r}, component separator {component!r} and segment terminator "
            f"{terminator!r} must be three different characters",
            "ISA16",
        )
    return separator, component, terminator


def _pieces(text, start, terminator):
    """Yield (segment text, its start index, end index) from ``start``; line breaks that are not
    terminators are removed, and the blanks before a segment."""
    position = start
    length = len(text)
    while position < length:
        if terminator == "\n":
            match = LINE_BREAKS.search(text, position)
            end, after = (match.start(), match.end()) if match else (length, length)
        else:
            end = text.find(terminator, position)
            if end < 0:
                end = length
            after = min(end + len(terminator), length)
        raw = text[position:end]
        stripped = raw.lstrip(" \t\r\n")
        piece_start = position + len(raw) - len(stripped)
        piece = stripped
        if terminator != "\n" and ("\n" in stripped or "\r" in stripped):
            piece = LINE_BREAKS.sub("", stripped)
        position = after
        if piece.strip(" \t"):
            yield piece, piece_start, position


def _segment(piece, delimiters, position, check_controls=True):
    elements = piece.split(delimiters.element)
    segment_id = elements[0].strip(" \t")
    if not SEGMENT_ID.match(segment_id):
        raise ParseError(
            f"{piece[:20]!r} does not start with a segment id followed by the element separator "
            f"{delimiters.element!r} declared in ISA: wrong delimiters or damaged data",
            f"segment {position}",
        )
    for control in CONTROL_CHARS.findall(piece) if check_controls else ():
        if control not in delimiters.chars():
            raise ParseError(
                f"binary data (byte 0x{ord(control):02x}) in segment {segment_id}", f"segment {position} ({segment_id})"
            )
    return Segment(segment_id, elements[1:], position=position)


def _isa(piece, delimiters):
    """The ISA segment (its elements as sent: the width is checked by the reader) and the delimiters."""
    elements = piece.split(delimiters.element)[1:]
    if len(elements) != ISA_ELEMENTS:
        raise ParseError(f"the ISA segment has {len(elements)} elements instead of {ISA_ELEMENTS}", "ISA")
    elements[15] = delimiters.component
    version, repetition = elements[11], elements[10]
    reserved = {delimiters.element, delimiters.component, delimiters.segment, " ", ""}
    if version < "00402" or len(repetition) != 1 or repetition.isalnum() or repetition in reserved:
        repetition = None
    return Segment("ISA", elements, position=1), Delimiters(
        delimiters.element, delimiters.component, delimiters.segment, repetition
    )


def _split(text):
    """Yield (ISA segment, delimiters, segments after it) for each interchange of ``text``."""
    for isa, delimiters, segments, _start, _end in _split_spans(text):
        yield isa, delimiters, segments


def _split_spans(text):
    """:func:`_split`, with where each interchange starts and ends in ``text``."""
    check_controls = CONTROL_CHARS.search(text) is not None  # binary data is rare: one search for the file
    start = 0
    while start < len(text):
        separator, component, terminator = _isa_delimiters(text, start)
        delimiters = Delimiters(separator, component, terminator)
        isa = segments = None
        position = 0
        cursor = len(text)
        for piece, piece_start, end in _pieces(text, start, terminator):
            position += 1
            if position > MAX_SEGMENTS:
                raise ParseError(f"more than {MAX_SEGMENTS} segments in one interchange", "ISA")
            if isa is None:
                isa, delimiters = _isa(piece, delimiters)
                segments = []
                continue
            if piece.startswith("ISA") and piece[3:4] and not piece[3:4].isalnum():
                cursor = piece_start  # the next interchange
                break
            segment = _segment(piece, delimiters, position, check_controls)
            segments.append(segment)
            if segment.id == "IEA":
                cursor = end
                break
        if isa is None:
            raise ParseError("the ISA segment is empty", "ISA")
        yield isa, delimiters, segments, start, cursor
        start = cursor
        while start < len(text) and text[start] in " \t\r\n\ufeff\x1a":
            start += 1


def read_interchanges(data, strict=False):
    """Every interchange of ``data`` (``str`` or ``bytes``) -> list of :class:`Interchange`.

    Each interchange carries ``warnings`` (a list of :class:`Anomaly`); its
    groups and sets carry their own too. ``strict``: the first envelope anomaly
    raises ParseError naming the segment instead.
    """
    text = _text(data)
    interchanges = []
    for isa, delimiters, segments in _split(text):
        reader = _Reader(strict=strict, tolerant=True)
        interchanges.append(reader.build(isa, delimiters, segments))
    return interchanges


def interchange_texts(data):
    """The text of each interchange of ``data`` (``str`` or ``bytes``), in file order -> list of str:
    what to journal when a file holding several interchanges gets one message each."""
    text = _text(data)
    return [text[start:end] for _isa, _delimiters, _segments, start, end in _split_spans(text)]


def read_interchange(data, strict=False):
    """The first interchange of ``data`` (see :func:`read_interchanges`)."""
    return read_interchanges(data, strict=strict)[0]
