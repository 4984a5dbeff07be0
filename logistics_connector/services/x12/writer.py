"""The X12 writer: formats segments and writes whole interchanges (ISA, GS, ST ... SE, GE,
IEA) with their control numbers and counts computed."""

from dataclasses import dataclass
from datetime import UTC, datetime

from ..exceptions import PermanentError
from .envelope import ISA_WIDTHS, Delimiters

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
