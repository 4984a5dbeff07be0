"""UN/EDIFACT IFTSTA -- International multimodal status report (D96A to D04A, and EANCOM).

Plain Python (no ORM). The syntax (UNA service string advice or the default ``:+.? '``,
release character ``?``, UNOA..UNOC and UNOW/UNOY character sets) is read by ``pydifact``;
this module walks the segments and returns one event per STS status. Status codes are *not*
mapped here (the backend's code mappings do it); :data:`DEFAULT_STATUS_MAP` holds the
defaults shipped for the common UN/ECE Recommendation 24 codes.

Segments read::

    UNB+UNOC:3+SENDER:14+RECIPIENT:ZZZ+260115:1430+REF42'   syntax, sender, recipient, date, reference
    UNH+1+IFTSTA:D:04A:UN:BIG07'                              message reference, type, version, association
    BGM+77+DOC-1+9'  DTM+137:202601151430:203'                document code, number, function; its date
    NAD+CZ+ID::87'                                            parties (qualifier -> id and name)
    CNI+1+CONSIGNMENT-1'                                      a consignment (its number is the tracking reference)
    RFF+BM:BOL-1'  DTM+...  LOC+...                           before the first STS: the consignment's
    STS+1+21::6:Delivered+reason::87:text'                    a status: code, list, agency, text; reasons
    RFF+CU:REF'  DTM+334:202601151430:203'  LOC+14+FRLYS:139:6:Lyon+FR'
    EQD+CN+MSKU1234567+42G1'  GID+1+1'  PCI+30+MARK'          equipment and packages of that status
    UNT+n+1'  UNZ+count+REF42'

Dates (DTM C507: qualifier, value, format 2379): 101, 102, 201..204 (local time), 205, 303,
304 (with a zone: ``+01``, ``+0100``, ``UTC``...), 718/719 (the start of the period). The
event's time is the first of DTM 334 (status change), 78, 7, 178, 9, 11, 8, 132/17 of the
status, or of its consignment when the status has none.

Output of :func:`parse_iftsta`: ``(interchange, events, results)``:

* ``interchange``: :class:`Interchange` (UNB and UNZ, ``warnings`` of the envelope: UNZ count
  or reference mismatch, missing UNZ, impossible UNB date);
* ``events``: one dict per STS of the accepted messages (see :func:`to_canonical` for the keys
  the models use; every fact read is in it);
* ``results``: one :class:`MessageResult` per UNH..UNT. A problem of one message (impossible
  event date, UNT count, a message that is not an IFTSTA) is reported on that message only:
  an event whose date is impossible is left out with an error, a message without any readable
  event is rejected (``accepted=False``), and the other messages keep their events.

An unreadable interchange (no UNB, broken syntax) raises ParseError (nothing is read).
"""

import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC

from odoo.addons.logistics_connector.services import privacy
from odoo.addons.logistics_connector.services.exceptions import ParseError

from .edifact_iftsta_codes import (  # noqa: F401 - re-exported: the models and the tests use edifact_iftsta.<name>
    DEFAULT_STATUS_MAP,
    EXCEPTION_TYPES,
    DateError,
    to_datetime,
)

# pydifact logs the syntax of every interchange it reads at INFO: kept out of the server log.
logging.getLogger("pydifact.parser").setLevel(logging.WARNING)

# Versions read as documented (D96A to D04A); others are read too, with a warning.
KNOWN_VERSIONS = {
    f"D:{year}{release}" for year in ("96", "97", "98", "99", "00", "01", "02", "03", "04") for release in "AB"
} - {"D:04B"}
EVENT_DATE_QUALIFIERS = ("334", "78", "7", "178", "9", "11", "8", "132", "17")
LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
# Personal elements (journal data policy, logistics_connector/services/privacy.py): the NAD's
# name and address lines (C058), party name (C080) and street (C059), a CTA's contact name and
# a COM's number (phone, e-mail).
PRIVACY_RULES = privacy.PayloadRules(
    "edifact",
    personal_elements={
        "NAD": tuple((element, component) for element in (3, 4, 5) for component in range(1, 6)),
        "CTA": ((2, 2),),
        "COM": ((1, 1),),
    },
)
CHARSETS = {"UNOA": "ascii", "UNOB": "ascii", "UNOW": "utf-8", "UNOY": "utf-8"}


@dataclass
class Interchange:
    syntax: str = ""
    syntax_version: str = ""
    sender: str = ""
    sender_qualifier: str = ""
    recipient: str = ""
    recipient_qualifier: str = ""
    date: str = ""
    time: str = ""
    control_reference: str = ""
    has_una: bool = False
    unz_count: str | None = None
    unz_reference: str | None = None
    warnings: list = field(default_factory=list)

    @property
    def envelope(self):
        """The journal's key parts: UNB sender, recipient and control reference."""
        return {"sender": self.sender, "recipient": self.recipient, "reference": self.control_reference}


@dataclass
class MessageResult:
    reference: str
    message_type: str = ""
    version: str = ""
    association: str = ""
    accepted: bool = True
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    events: int = 0
    bgm: dict = field(default_factory=dict)
    document_date_raw: str | None = None
    document_date: object = None
    parties: dict = field(default_factory=dict)
    unt_count: str | None = None

    @property
    def messages(self):
        return self.errors + self.warnings


def components(value):
    """A data element as a list of its components (pydifact gives a str for a simple one)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def comp(segment, index, position=0):
    """Component ``position`` of data element ``index`` of ``segment`` ('' when absent)."""
    elements = segment.elements
    if index >= len(elements):
        return ""
    parts = components(elements[index])
    return (parts[position] if position < len(parts) else "") or ""


def _segments(data):
    """The segments of ``data`` (bytes or text), with pydifact; raises ParseError."""
    from pydifact.exceptions import EDISyntaxError, ValidationError
    from pydifact.parser import Parser
    from pydifact.segments import Segment

    class _Factory:  # no validation against pydifact's directories: the reading is ours
        @staticmethod
        def create_segment(name, *elements, **_kwargs):
            if not name or not isinstance(name, str) or not name.isalnum():
                raise EDISyntaxError(f"invalid segment tag {name!r}")
            return Segment(name, *elements)

    if isinstance(data, bytes):
        data = data.removeprefix(b"\xef\xbb\xbf")
        found = re.search(rb"UNB.(UNO[A-Z])", data[:400])
        charset = CHARSETS.get(found.group(1).decode() if found else "", "latin-1")
        try:
            data = data.decode(charset)
        except UnicodeDecodeError:
            data = data.decode("latin-1")
    text = data.lstrip("\ufeff").strip()
    if not text.startswith(("UNA", "UNB")):
        raise ParseError("not an EDIFACT interchange: it must start with UNA or UNB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            segments = list(Parser(factory=_Factory()).parse(text))
    except (EDISyntaxError, ValidationError, IndexError, ValueError, RecursionError) as error:
        # ValidationError: a UNA shorter than its six service characters (found by fuzzing:
        # it escaped as a 503 the sender would retry forever).
        raise ParseError(f"unreadable EDIFACT syntax: {error}") from None
    for segment in segments:
        segment.tag = segment.tag.strip().upper()
    return segments


def _read_unb(unb, interchange):
    interchange.syntax, interchange.syntax_version = comp(unb, 0), comp(unb, 0, 1)
    interchange.sender, interchange.sender_qualifier = comp(unb, 1), comp(unb, 1, 1)
    interchange.recipient, interchange.recipient_qualifier = comp(unb, 2), comp(unb, 2, 1)
    interchange.date, interchange.time = comp(unb, 3), comp(unb, 3, 1)
    interchange.control_reference = comp(unb, 4)
    if not interchange.sender or not interchange.control_reference:
        raise ParseError("UNB without sender or control reference")
    if interchange.date:
        try:
            to_datetime(interchange.date + interchange.time, "201" if len(interchange.date) == 6 else "203")
        except DateError as error:
            interchange.warnings.append(f"UNB date/time is impossible: {error}")


class _Message:
    """Reads one UNH..UNT; the events it yields and its result."""

    def __init__(self, unh, interchange, position):
        self.interchange = interchange
        self.result = MessageResult(
            reference=comp(unh, 0),
            message_type=comp(unh, 1),
            version=":".join(components(unh.elements[1])[1:4]) if len(unh.elements) > 1 else "",
            association=comp(unh, 1, 4),
        )
        self.segments = [unh]
        self.position = position
        self.consignment = None
        self.status = None
        self.events = []
        self.offset = 0
        self.references = []  # RFF of the heading (before any CNI): every consignment's

    def add(self, segment):
        self.segments.append(segment)

    def run(self, unt):
        result = self.result
        if unt is None:
            result.warnings.append(f"message {result.reference}: no UNT")
        else:
            self.segments.append(unt)
            result.unt_count = comp(unt, 0)
            if comp(unt, 0) != str(len(self.segments)):
                result.warnings.append(
                    f"message {result.reference}: UNT counts {comp(unt, 0)} segments, {len(self.segments)} sent"
                )
            if comp(unt, 1) != result.reference:
                result.warnings.append(f"message {result.reference}: UNT reference {comp(unt, 1)!r} differs")
        if result.message_type != "IFTSTA":
            result.accepted = False
            result.errors.append(f"message {result.reference}: {result.message_type or '?'} is not an IFTSTA")
            return []
        if result.version[:5] not in KNOWN_VERSIONS:
            result.warnings.append(f"message {result.reference}: version {result.version} read as D04A")
        body = self.segments[1:-1] if unt is not None else self.segments[1:]
        for offset, segment in enumerate(body, start=1):
            self.offset = offset
            getattr(self, f"_{segment.tag.lower()}", self._other)(segment)
        self._close_status()
        events = [event for event in self.events if event is not None]
        result.events = len(events)
        if result.errors and not events:
            result.accepted = False
        return events

    # -- heading
    def _bgm(self, segment):
        self.result.bgm = {"code": comp(segment, 0), "number": comp(segment, 1), "function": comp(segment, 2)}

    def _dtm(self, segment):
        entry = {"qualifier": comp(segment, 0), "value": comp(segment, 0, 1), "format": comp(segment, 0, 2)}
        target = self.status or self.consignment
        if target is not None:
            target["dates"].append(entry)
            return
        if entry["qualifier"] == "137":
            self.result.document_date_raw = entry["value"]
            try:
                self.result.document_date = to_datetime(entry["value"], entry["format"] or "203")[0]
            except DateError as error:
                self.result.warnings.append(f"message {self.result.reference}: document date (DTM 137): {error}")

    def _nad(self, segment):
        party = {"id": comp(segment, 1) or None, "name": comp(segment, 3) or comp(segment, 2) or None}
        target = self.status or self.consignment
        (target["parties"] if target is not None else self.result.parties)[comp(segment, 0)] = party

    def _cni(self, segment):
        self._close_status()
        self._new_consignment(comp(segment, 0), comp(segment, 1))

    def _new_consignment(self, sequence, number):
        self.consignment = {
            "sequence": sequence,
            "number": number,
            "dates": [],
            "references": [],
            "locations": [],
            "parties": {},
        }

    # -- status
    def _sts(self, segment):
        self._close_status()
        if self.consignment is None:  # a status outside any CNI: its own consignment
            self._new_consignment("", "")
        codes = [components(element) for element in segment.elements[1:]]
        first = codes[0] if codes else []
        self.status = {
            "event_type": comp(segment, 0),
            "status_code": (first[0] if first else "") or None,
            "status_code_list": (first[1] if len(first) > 1 else "") or None,
            "status_agency": (first[2] if len(first) > 2 else "") or None,
            "status_text": (first[3] if len(first) > 3 else "") or None,
            "reasons": [
                {"code": (c[0] if c else "") or None, "text": (c[3] if len(c) > 3 else "") or None} for c in codes[1:]
            ],
            "dates": [],
            "references": [],
            "locations": [],
            "parties": {},
            "equipment": [],
            "packages": [],
            "texts": [],
            "segment_position": self.position + self.offset,
        }

    def _rff(self, segment):
        target = self.status or self.consignment
        reference = (comp(segment, 0), comp(segment, 0, 1))
        (target["references"] if target is not None else self.references).append(reference)

    def _loc(self, segment):
        target = self.status or self.consignment
        if target is None:
            return
        code, code_list, agency, name = (comp(segment, 1, i) for i in range(4))
        related = comp(segment, 2)
        is_locode = code_list == "139" or agency == "6" or (not code_list and bool(LOCODE.match(code)))
        country = code[:2] if is_locode and code else (related if re.match(r"^[A-Z]{2}$", related) else None)
        target["locations"].append(
            {
                "qualifier": comp(segment, 0),
                "code": code or None,
                "code_list": code_list or None,
                "agency": agency or None,
                "locode": code if is_locode and code else None,
                "name": name or None,
                "city": name or None,
                "postal_code": code if code and not is_locode else None,
                "country": country or None,
                "related": related or None,
            }
        )

    def _eqd(self, segment):
        if self.status is not None:
            self.status["equipment"].append(
                {
                    "qualifier": comp(segment, 0),
                    "number": comp(segment, 1) or None,
                    "size_type": comp(segment, 2) or None,
                }
            )

    def _pci(self, segment):
        if self.status is not None and comp(segment, 1):
            self.status["packages"].append({"qualifier": comp(segment, 0), "marks": comp(segment, 1)})

    def _ftx(self, segment):
        if self.status is not None:
            self.status["texts"].append(" ".join(components(segment.elements[3])) if len(segment.elements) > 3 else "")

    def _other(self, segment):
        """Other segments of the IFTSTA (TSR, TDT, GID, MEA...) are accepted and not read."""

    def _close_status(self):
        status, consignment = self.status, self.consignment
        self.status = None
        if status is None:
            return
        result = self.result
        dates = status["dates"] or consignment["dates"]
        chosen = next(
            (d for qualifier in EVENT_DATE_QUALIFIERS for d in dates if d["qualifier"] == qualifier),
            dates[0] if dates else None,
        )
        where = f"message {result.reference}, status {status['status_code']}"
        if chosen is None:
            result.errors.append(f"{where}: no date (DTM)")
            self.events.append(None)
            return
        try:
            moment, is_local = to_datetime(chosen["value"], chosen["format"] or "203")
        except DateError as error:
            result.errors.append(f"{where}: DTM {chosen['qualifier']}: {error}")
            self.events.append(None)
            return
        references = self.references + consignment["references"] + status["references"]
        locations = status["locations"] or consignment["locations"]
        location = next((loc for loc in locations if loc["qualifier"] in ("14", "175", "11", "7")), None)
        location = location or (locations[0] if locations else None)
        interchange = self.interchange
        event = dict(
            status,
            interchange_reference=interchange.control_reference,
            sender=interchange.sender,
            message_reference=result.reference,
            message_version=result.version,
            document_number=result.bgm.get("number"),
            consignment_number=consignment["number"] or None,
            consignment_sequence=consignment["sequence"] or None,
            references=dict(references),
            reference_list=references,
            locations=locations,
            location=location or {},
            parties={**result.parties, **consignment["parties"], **status["parties"]},
            date_qualifier=chosen["qualifier"],
            date_format=chosen["format"] or "203",
            date_sent=chosen["value"],
            event_time=moment,
            is_local_time=is_local,
            utc_offset=None if is_local else _offset_text(moment),
        )
        self.events.append(event)


def _offset_text(moment):
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_iftsta(data):
    """Parse an IFTSTA interchange -> ``(interchange, events, results)`` (see the module)."""
    segments = _segments(data)
    interchange = Interchange()
    index = 0
    if segments and segments[0].tag == "UNA":
        interchange.has_una = True
        index = 1
    if index >= len(segments) or segments[index].tag != "UNB":
        raise ParseError("not an EDIFACT interchange: no UNB segment")
    _read_unb(segments[index], interchange)
    events, results = [], []
    current = None
    unz = None
    for position, segment in enumerate(segments[index + 1 :], start=2):
        tag = segment.tag
        if tag == "UNH":
            if current is not None:
                events += current.run(None)
                results.append(current.result)
            current = _Message(segment, interchange, position)
        elif tag == "UNT":
            if current is None:
                interchange.warnings.append("UNT without UNH")
                continue
            events += current.run(segment)
            results.append(current.result)
            current = None
        elif tag == "UNZ":
            unz = segment
            break
        elif tag in ("UNG", "UNE"):
            continue
        elif current is not None:
            current.add(segment)
        else:
            interchange.warnings.append(f"segment {tag} outside any message")
    if current is not None:
        events += current.run(None)
        results.append(current.result)
    if not results:
        raise ParseError("the interchange holds no message (UNH)")
    if unz is None:
        interchange.warnings.append("no UNZ: the interchange is not closed")
    else:
        interchange.unz_count, interchange.unz_reference = comp(unz, 0), comp(unz, 1)
        if interchange.unz_count != str(len(results)):
            interchange.warnings.append(f"UNZ counts {interchange.unz_count} messages, {len(results)} sent")
        if interchange.unz_reference != interchange.control_reference:
            interchange.warnings.append(
                f"UNZ reference {interchange.unz_reference!r} differs from UNB {interchange.control_reference!r}"
            )
    return interchange, events, results


def to_canonical(event):
    """An IFTSTA event -> the normalised event of ``shipment_events/services/events.py``
    (without ``status``). References: the CNI consignment number (or RFF CN, AAS) ->
    ``tracking_ref``, RFF BM -> ``bill_of_lading``, ON -> ``order_ref``, CU -> ``reference``,
    SRN -> ``shipment_id``. ``event_time`` is naive UTC with ``event_tz`` the offset; for a
    local time it is the naive local time and ``event_tz`` is None."""
    references = event.get("references") or {}
    refs = {
        "tracking_ref": event.get("consignment_number") or references.get("CN") or references.get("AAS"),
        "shipment_id": references.get("SRN"),
        "bill_of_lading": references.get("BM"),
        "order_ref": references.get("ON"),
        "reference": references.get("CU"),
    }
    event_time = event["event_time"]
    if event_time.tzinfo is not None:
        event_time = event_time.astimezone(UTC).replace(tzinfo=None)
    location = event.get("location") or {}
    reasons = event.get("reasons") or []
    return {
        "event_id": None,
        "refs": {key: value for key, value in refs.items() if value},
        "status_code": event.get("status_code"),
        "status": None,
        "reason_code": reasons[0]["code"] if reasons else None,
        "reason": reasons[0]["text"] if reasons else None,
        "exception_type": EXCEPTION_TYPES.get(event.get("status_code"))
        if event.get("status_agency") in (None, "6")
        else None,
        "event_time": event_time,
        "event_tz": event.get("utc_offset"),
        "is_local_time": event.get("is_local_time", False),
        "location": {
            "name": location.get("locode") or location.get("name"),
            "city": location.get("city"),
            "state": None,
            "country": (location.get("country") or "").upper() or None,
            "zip": location.get("postal_code"),
            "lat": None,
            "lon": None,
        },
        "pod": None,
    }
