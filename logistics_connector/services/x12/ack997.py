"""The 997 Functional Acknowledgment: :class:`SetResult` (how one transaction set was
received), :func:`build_997` (acknowledge a read interchange) and :func:`reject_997`
(reject a malformed one)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..exceptions import ParseError, PermanentError
from .codes import SET_SEGMENTS_IN_ERROR
from .elements import SegmentNote
from .envelope import is_digits
from .reader import scan_interchange
from .writer import OutboundGroup, OutboundSet, write_interchange


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
    warnings: list = field(default_factory=list)  # Anomaly: read on, acknowledged with AK5 E

    @classmethod
    def ok(cls, tset):
        return cls(
            tset.control_number,
            group_control_number=tset.group_control_number,
            id_code=tset.id_code,
            warnings=list(tset.warnings),
        )

    @property
    def status(self):
        """AK501: ``A`` accepted, ``E`` accepted with errors noted, ``R`` rejected."""
        if not self.accepted:
            return "R"
        return "E" if self.warnings else "A"

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


def _ak_segments(group, results, reject_all, delimiters):
    """The AK1..AK9 segments acknowledging one received functional group."""
    segments = [("AK1", [group.functional_id, group.control_number])]
    group_rejected = reject_all or bool(group.errors)
    accepted = noted = 0
    for tset in group.transaction_sets:
        result = results.get((group.control_number, tset.control_number)) or results.get((None, tset.control_number))
        result = result or SetResult.ok(tset)
        codes = list(dict.fromkeys([*tset.errors, *result.error_codes]))
        is_accepted = result.accepted and not codes and not group_rejected
        warnings = list(tset.warnings)
        warnings += [w for w in result.warnings if w not in warnings]
        notes = list(result.segment_notes)
        if is_accepted:
            notes += [w.note for w in warnings if w.note is not None]
            codes = list(dict.fromkeys(w.code for w in warnings if w.code))
        segments.append(("AK2", [tset.id_code, tset.control_number, tset.implementation_reference]))
        for note in notes:
            segments.append(("AK3", [note.segment_id, str(note.position), note.loop_id, note.code]))
            for element in note.elements:
                position = (element.position, element.component) if element.component else element.position
                value = "".join(c for c in element.value if c not in delimiters.chars())[:99]
                segments.append(("AK4", [position, element.reference, element.code, value]))
        status = ("E" if warnings else "A") if is_accepted else "R"
        segments.append(("AK5", [status, *codes[:5]]))
        accepted += is_accepted
        noted += is_accepted and bool(warnings)
    received = len(group.transaction_sets)
    declared = group.ge.get(1) if group.ge is not None else ""
    included = declared if is_digits(declared) else str(received)
    group_codes = list(dict.fromkeys([*group.errors, *(w.code for w in group.warnings if w.code)]))
    if group_rejected or accepted == 0:
        code = "R"
    elif accepted < received:
        code = "P"
    elif noted or group.warnings:
        code = "E"
    else:
        code = "A"
    segments.append(("AK9", [code, included, str(received), str(accepted), *group_codes[:5]]))
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
    * Warnings (:class:`Anomaly`, tolerant reading): a set read with warnings
      (``tset.warnings`` or ``SetResult.warnings``) is AK5 ``E`` with their 718
      codes and the AK3/AK4 notes of the content notes; a group with warnings
      of its own (GE01, GE02...) or with an ``E`` set and none rejected is AK9
      ``E`` with the 716 codes.
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
