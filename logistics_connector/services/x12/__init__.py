"""ANSI ASC X12 interchanges: reader, writer and the 997 functional acknowledgment.

Plain Python (no ORM), shared by the suite's transaction-set parsers
(``shipment_events/formats/x12_214.py``, ``freight_audit/formats/x12_210.py``),
which import this package (``from odoo.addons.logistics_connector.services import x12``)
and use the names re-exported here.

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
* Every problem raises :class:`~..exceptions.ParseError` (never another exception
  type) naming the problem and where: ``segment 12 (SE)`` for the envelope,
  ``transaction set 0002, segment 5 (AT7)`` inside a set.

Modules
-------
* ``envelope`` -- the data model (:class:`Interchange`, :class:`FunctionalGroup`,
  :class:`TransactionSet`, :class:`Segment`, :class:`Delimiters`).
* ``codes`` -- the X12 716/718/720/723 error codes reported in the 997.
* ``reader`` -- :func:`parse_interchange` (strict: the whole envelope is
  checked, the first problem raises ParseError), :func:`scan_interchange`
  (lenient: records the problems on the interchange, its groups and its sets,
  to acknowledge a broken interchange; raises only when the ISA itself is
  unreadable), :func:`read_delimiters`.
* ``sets`` -- :func:`read_sets`, the walk over the transaction sets that the
  214 and 210 readers share (one :class:`SetResult` per set).
* ``elements`` -- element helpers for transaction-set parsers: :func:`require`,
  :func:`to_date`, :func:`to_time`, :func:`to_n2`, :func:`to_decimal`,
  :func:`to_int`, :func:`read_party`; they raise :class:`SegmentError`, a
  ParseError carrying the AK3/AK4 note of the 997 (:func:`element_error`,
  :func:`segment_error`, :func:`missing_segment`, :func:`out_of_order`).
* ``ack997`` -- :func:`build_997` / :func:`reject_997`, the 997 Functional
  Acknowledgment (ISA/GS FA/ST 997/AK1/AK2/[AK3/AK4]/AK5/AK9/SE/GE/IEA), sender
  and receiver swapped, and :class:`SetResult`.
* ``writer`` -- :func:`write_interchange` / :func:`format_segment` /
  :func:`isa_segment`.
* ``tolerant`` -- :func:`read_interchanges` (every interchange of a file, read
  as carriers send them: delimiters from the data, line breaks that are not
  terminators removed, envelope and count anomalies recorded as
  :class:`Anomaly` warnings; ``strict=True`` refuses them) and
  :func:`read_interchange` (the first one), :func:`interchange_texts` (the text of
  each interchange, to journal them one by one).
* ``sets`` -- also :func:`read_interchange_sets`: one :class:`InterchangeRead`
  (interchange, values, results, warnings) per interchange of a file.
* ``elements`` -- also :func:`note`: a content anomaly that does not stop the
  reading (an :class:`Anomaly` with its AK3/AK4 note, AK5 ``E`` in the 997).
* ``inbound997`` -- :func:`read_997`, a 997 received from a partner (with or
  without envelope) -> :class:`Read997` (:class:`GroupAck`, :class:`SetAck`).
"""

from .ack997 import SetResult, build_997, reject_997
from .codes import (
    ELEMENT_CONDITIONAL_MISSING,
    ELEMENT_INVALID_CHARACTER,
    ELEMENT_INVALID_CODE,
    ELEMENT_INVALID_DATE,
    ELEMENT_INVALID_TIME,
    ELEMENT_MANDATORY_MISSING,
    ELEMENT_TOO_LONG,
    ELEMENT_TOO_MANY,
    ELEMENT_TOO_SHORT,
    GROUP_CONTROL_INVALID,
    GROUP_CONTROL_MISMATCH,
    GROUP_CONTROL_NOT_UNIQUE,
    GROUP_COUNT_MISMATCH,
    GROUP_TRAILER_MISSING,
    SEGMENT_EXCEEDS_MAXIMUM_USE,
    SEGMENT_HAS_ELEMENT_ERRORS,
    SEGMENT_MANDATORY_MISSING,
    SEGMENT_NOT_IN_SET,
    SEGMENT_OUT_OF_SEQUENCE,
    SEGMENT_UNEXPECTED,
    SEGMENT_UNRECOGNIZED,
    SET_CONTROL_INVALID,
    SET_CONTROL_MISMATCH,
    SET_CONTROL_NOT_UNIQUE,
    SET_COUNT_MISMATCH,
    SET_ID_INVALID,
    SET_NOT_SUPPORTED,
    SET_SEGMENTS_IN_ERROR,
    SET_TRAILER_MISSING,
)
from .elements import (
    ElementNote,
    SegmentError,
    SegmentNote,
    element_error,
    missing_segment,
    note,
    out_of_order,
    read_party,
    require,
    segment_error,
    to_date,
    to_decimal,
    to_int,
    to_n2,
    to_time,
)
from .envelope import Anomaly, Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet
from .inbound997 import GroupAck, Read997, SetAck, read_997
from .reader import parse_interchange, read_delimiters, scan_interchange
from .sets import FUNCTIONAL_IDS, InterchangeRead, read_interchange_sets, read_sets
from .tolerant import interchange_texts, read_interchange, read_interchanges
from .writer import DEFAULT_DELIMITERS, OutboundGroup, OutboundSet, format_segment, isa_segment, write_interchange

__all__ = [
    "DEFAULT_DELIMITERS",
    "ELEMENT_CONDITIONAL_MISSING",
    "ELEMENT_INVALID_CHARACTER",
    "ELEMENT_INVALID_CODE",
    "ELEMENT_INVALID_DATE",
    "ELEMENT_INVALID_TIME",
    "ELEMENT_MANDATORY_MISSING",
    "ELEMENT_TOO_LONG",
    "ELEMENT_TOO_MANY",
    "ELEMENT_TOO_SHORT",
    "FUNCTIONAL_IDS",
    "GROUP_CONTROL_INVALID",
    "GROUP_CONTROL_MISMATCH",
    "GROUP_CONTROL_NOT_UNIQUE",
    "GROUP_COUNT_MISMATCH",
    "GROUP_TRAILER_MISSING",
    "SEGMENT_EXCEEDS_MAXIMUM_USE",
    "SEGMENT_HAS_ELEMENT_ERRORS",
    "SEGMENT_MANDATORY_MISSING",
    "SEGMENT_NOT_IN_SET",
    "SEGMENT_OUT_OF_SEQUENCE",
    "SEGMENT_UNEXPECTED",
    "SEGMENT_UNRECOGNIZED",
    "SET_CONTROL_INVALID",
    "SET_CONTROL_MISMATCH",
    "SET_CONTROL_NOT_UNIQUE",
    "SET_COUNT_MISMATCH",
    "SET_ID_INVALID",
    "SET_NOT_SUPPORTED",
    "SET_SEGMENTS_IN_ERROR",
    "SET_TRAILER_MISSING",
    "Anomaly",
    "Delimiters",
    "ElementNote",
    "FunctionalGroup",
    "GroupAck",
    "Interchange",
    "InterchangeRead",
    "OutboundGroup",
    "OutboundSet",
    "Read997",
    "Segment",
    "SegmentError",
    "SegmentNote",
    "SetAck",
    "SetResult",
    "TransactionSet",
    "build_997",
    "element_error",
    "format_segment",
    "interchange_texts",
    "isa_segment",
    "missing_segment",
    "note",
    "out_of_order",
    "parse_interchange",
    "read_997",
    "read_delimiters",
    "read_interchange",
    "read_interchange_sets",
    "read_interchanges",
    "read_party",
    "read_sets",
    "reject_997",
    "require",
    "scan_interchange",
    "segment_error",
    "to_date",
    "to_decimal",
    "to_int",
    "to_n2",
    "to_time",
    "write_interchange",
]
