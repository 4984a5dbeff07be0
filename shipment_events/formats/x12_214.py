"""X12 214 -- Transportation Carrier Shipment Status Message (004010 and later).

Plain Python (no ORM). The envelope is read by
``logistics_connector/services/x12/``; this module reads the 214 sets and
returns one normalised event per AT7 status. Status codes are *not* mapped
here (the backend's code mappings do it); :data:`DEFAULT_STATUS_MAP` is the
suggested starting point for those mappings.

Segments read (position in the set; others of the 214 standard are accepted and
ignored, segments foreign to the 214 reject the set)::

    ST*214*0001~
    B10*PRO12345*SHIP-778*ABCD~        B1001 carrier's reference (PRO), B1002 shipment id, B1003 SCAC (required)
    L11*BOL-1*BM~                       header references: L1101 value, L1102 qualifier (BM, PO, CR...)
    N1*SH*Acme Corp*93*ACME01~          N1 loops: N101 entity (SH shipper, CN consignee...), N102 name
    N3*1 Main St~  N4*Dallas*TX*75201*US~
    MS3 ...                             ignored
    LX*1~                               detail loop, one or more
    AT7*X6*NS***20260115*1430*ET~       AT701 status, AT702 reason, AT703/AT704 appointment status/reason,
                                        AT705 date CCYYMMDD (required), AT706 time HHMM[SS] (required),
                                        AT707 time code (LT or none: local time)
    MS1*Memphis*TN*US~                  location of the AT7 before it: city, state, country (MS108 postal code)
    MS2*ABCD*TRL5501~                   equipment of the AT7 before it: owner SCAC, number
    L11*PO-9*PO~                        references of this LX (they complete the header's)
    AT8*G*L*1250*10~                    AT801 weight qualifier, AT802 unit (L, K), AT803 weight, AT804 lading qty
    SE*n*0001~

Output of :func:`parse_214`: ``(interchange, events, results)``. Each event
is a dict::

    {"transaction_control": "0001", "group_control": "1001", "interchange_control": "000000001",
     "carrier_reference": "PRO12345", "shipment_id": "SHIP-778", "scac": "ABCD",
     "references": {"BM": "BOL-1", "PO": "PO-9"}, "reference_list": [("BM", "BOL-1"), ("PO", "PO-9")],
     "parties": {"SH": {"name", "id_qualifier", "id", "address", "city", "state", "zip", "country"}},
     "assigned_number": "1",
     "status_code": "X6", "reason_code": "NS",
     "appointment_status_code": None, "appointment_reason_code": None,
     "event_time": datetime(2026, 1, 15, 14, 30, tzinfo=UTC-05:00),   # naive when local time
     "time_code": "ET", "utc_offset": "-05:00", "is_local_time": False,
     "location": {"city": "Memphis", "state": "TN", "country": "US", "postal_code": None},
     "equipment": {"owner_scac": "ABCD", "number": "TRL5501"} or None,
     "weight": Decimal("1250"), "weight_qualifier": "G", "weight_unit": "L", "lading_quantity": 10,
     "segment_position": 6,            # AT7 position in its set (ST = 1)
     # facts added for real-world 214s (issue 15):
     "reference_entries": [{"qualifier": "BM", "value": "BOL-1", "scope": "heading"},
                           {"qualifier": "PO", "value": "PO-9", "scope": "LX 1"}],   # empty ones too (value "")
     "party_list": [{"entity_code": "SH", "n1_name": "Acme Corp", ...}],             # every N1, in order
     "date_sent": "20260115", "time_sent": "1430",                                   # AT705/AT706 as sent
     # location also has "latitude"/"longitude" (MS104..MS107, decimal degrees), equipment "type" (MS203)
    }

Tolerated (read on): L11 and AT8 anywhere in the LX loop (MS1/MS2 describe the last AT7
before them), empty references (``L11**PO``: ignored), several interchanges in one file
(:func:`read_214`), envelope anomalies (warnings, see ``x12.read_interchanges``).

Time codes (X12 623): LT (or none) -> naive local time, ``is_local_time``;
UT/GM -> UTC; ES/ED, CS/CD, MS/MD, PS/PD, AS/AD, HS/HD, NS/ND, TS/TD -> fixed
offsets; ET, CT, MT, PT, AT (Alaska), HT (Hawaii), NT, TT (Atlantic) -> the
offset in force on that date in America/New_York, Chicago, Denver,
Los_Angeles, Anchorage, Pacific/Honolulu, America/St_Johns, Halifax; 01..12
-> UTC+1..+12, 13..24 -> UTC-12..-1 (ISO P01.., M12..).

``results`` holds one :class:`~odoo.addons.logistics_connector.services.x12.SetResult`
per set: a set with a semantic problem (no B10, AT7 without date, segment out
of order, unknown time code...) is rejected (AK3/AK4 note for the 997) and
yields no event, while the other sets of the interchange still yield theirs.
A broken envelope raises ParseError (nothing is read).
"""

from datetime import UTC

from odoo.addons.logistics_connector.services import privacy, x12
from odoo.addons.logistics_connector.services.exceptions import ParseError

from .x12_214_codes import (  # noqa: F401 - re-exported: the models and the tests use x12_214.<name>
    CANONICAL_STATUSES,
    DEFAULT_STATUS_MAP,
    FIXED_OFFSETS,
    LOCAL_TIME_CODES,
    ZONES,
    to_degrees,
    to_event_time,
)

# Segments of the 214 standard that are accepted and not interpreted.
IGNORED_HEADER = {"MAN", "K1", "G62", "MS3", "L10", "NTE"}
IGNORED_DETAIL = {"MAN", "Q7", "K1", "AT5", "CD3", "NM1", "N1", "N2", "N3", "N4", "G62", "H6", "POD", "SPO", "NTE"}
PARTY_SEGMENTS = {"N2", "N3", "N4", "G61"}
# Personal elements (journal data policy, logistics_connector/services/privacy.py): party names
# (N102, N201-02, NM103-05), streets (N301-02), contacts (PER02 name, PER04/06/08 numbers) and
# the POD's signer (POD03).
PRIVACY_RULES = privacy.PayloadRules(
    "x12",
    personal_elements={
        "N1": (2,),
        "N2": (1, 2),
        "N3": (1, 2),
        "NM1": (3, 4, 5),
        "PER": (2, 4, 6, 8),
        "POD": (3,),
    },
)


class _Set214:
    """Reads one 214 transaction set; raises SegmentError / ParseError at its first problem."""

    def __init__(self, tset, group, interchange):
        self.tset = tset
        self.group = group
        self.interchange = interchange
        self.header = {}
        self.references = []
        self.parties = {}
        self.party_list = []
        self.entries = []  # every L11 with its scope ("heading" or "LX <LX01>"), empty ones included
        self.loops = []  # {"lx": LX, "at7": [[AT7, MS1, MS2]], "references": [(qualifier, value)], "at8": AT8}

    def run(self):
        if self.tset.id_code != "214":
            raise ParseError(f"transaction set {self.tset.id_code} is not a 214", self.tset.segments[0].where)
        body = self.tset.body
        se = self.tset.segments[-1]
        if not body or body[0].id != "B10":
            found = body[0] if body else se
            if any(segment.id == "B10" for segment in body):
                raise x12.out_of_order(found, "B10 must be the first segment after ST")
            raise x12.missing_segment(found, "B10", "the 214 has no B10 segment (carrier reference, shipment id, SCAC)")
        self._b10(body[0])
        state = "header"
        loop = None
        for index, segment in enumerate(body[1:], start=1):
            kind = segment.id
            if kind == "B10":
                raise x12.segment_error(segment, "a second B10 segment", x12.SEGMENT_EXCEEDS_MAXIMUM_USE)
            if kind == "LX":
                loop = self._lx(loop, segment)
                state = "detail"
            elif state == "header":
                if kind == "L11":
                    self._heading_l11(segment)
                elif kind == "N1":
                    self._party(body, index)
                    state = "party"
                elif kind in ("AT7", "MS1", "MS2", "AT8"):
                    raise x12.out_of_order(segment, f"{kind} before any LX loop")
                elif kind not in IGNORED_HEADER:
                    raise self._unknown(segment)
            elif state == "party":
                if kind == "N1":
                    self._party(body, index)
                elif kind == "L11":
                    raise x12.out_of_order(segment, "L11 of the heading must come before the N1 loops")
                elif kind in ("AT7", "MS1", "MS2", "AT8"):
                    raise x12.out_of_order(segment, f"{kind} before any LX loop")
                elif kind not in PARTY_SEGMENTS | IGNORED_HEADER:
                    raise self._unknown(segment)
            else:
                self._detail(loop, segment)
        if loop is None:
            raise x12.missing_segment(se, "LX", "the 214 has no LX loop with an AT7 status")
        self._check_loop(loop, se)
        return self._events()

    def _heading_l11(self, segment):
        reference = self._l11(segment, "heading")
        if reference:
            self.references.append(reference)

    def _party(self, body, index):
        code, party = x12.read_party(body, index)
        self.parties.setdefault(code, party)
        self.party_list.append({"entity_code": code, **party})

    def _unknown(self, segment):
        known = {"L11", "N1", "LX", "AT7", "MS1", "MS2", "AT8"} | IGNORED_HEADER | IGNORED_DETAIL | PARTY_SEGMENTS
        if segment.id in known:
            return x12.out_of_order(segment, f"{segment.id} is not allowed here")
        return x12.segment_error(segment, f"{segment.id} is not a segment of the 214", x12.SEGMENT_NOT_IN_SET)

    def _b10(self, b10):
        self.header = {
            "carrier_reference": b10.get(1) or None,
            "shipment_id": b10.get(2) or None,
            "scac": x12.require(b10, 3, "standard carrier alpha code", "140"),
        }
        if not (self.header["carrier_reference"] or self.header["shipment_id"]):
            raise x12.element_error(
                b10,
                1,
                "(reference identification) or B1002 (shipment identification number) is required",
                x12.ELEMENT_CONDITIONAL_MISSING,
                "127",
            )

    def _l11(self, segment, scope):
        """The (qualifier, value) of an L11, None for an empty one (``L11**PO``: ignored, kept in the entries)."""
        value = segment.get(1)
        if not value:
            self.entries.append({"qualifier": segment.get(2) or None, "value": "", "scope": scope})
            return None
        qualifier = x12.require(segment, 2, "reference identification qualifier", "128")
        self.entries.append({"qualifier": qualifier, "value": value, "scope": scope})
        return qualifier, value

    def _lx(self, loop, lx):
        if loop is not None:
            self._check_loop(loop, lx)
        loop = {"lx": lx, "at7": [], "references": [], "at8": None, "closed": False, "stage": 0, "last": "LX"}
        self.loops.append(loop)
        return loop

    @staticmethod
    def _check_loop(loop, next_segment):
        if not loop["at7"]:
            raise x12.missing_segment(next_segment, "AT7", f"LX {loop['lx'].get(1)} has no AT7 status")

    def _detail(self, loop, segment):
        """A segment of an LX loop. The order is tolerated (L11 and AT8 anywhere in the loop, L11 after
        AT7 as many carriers send it); MS1/MS2 describe the last AT7 before them."""
        kind = segment.id
        if loop["closed"]:
            # Segments after a CD3 belong to its carton loop: not interpreted.
            if kind in ("AT7", "MS1", "MS2"):
                raise x12.out_of_order(segment, f"{kind} after a CD3 carton loop")
            if kind == "CD3" or kind in IGNORED_DETAIL or kind in ("L11", "AT8"):
                return
            raise self._unknown(segment)
        if kind == "AT7":
            loop["at7"].append([segment, None, None])
        elif kind in ("MS1", "MS2"):
            if not loop["at7"]:
                raise x12.out_of_order(segment, f"{kind} must follow its AT7 (AT7, MS1, MS2)")
            loop["at7"][-1][1 if kind == "MS1" else 2] = segment
        elif kind == "L11":
            reference = self._l11(segment, f"LX {loop['lx'].get(1)}")
            if reference:
                loop["references"].append(reference)
        elif kind == "AT8":
            if loop["at8"] is None:
                loop["at8"] = segment
        elif kind == "CD3":
            loop["closed"] = True
        elif kind not in IGNORED_DETAIL:
            raise self._unknown(segment)
        loop["last"] = kind

    def _events(self):
        header_refs = {}
        for qualifier, value in self.references:
            header_refs.setdefault(qualifier, value)
        events = []
        for loop in self.loops:
            references = dict(header_refs)
            loop_refs = {}
            for qualifier, value in loop["references"]:
                loop_refs.setdefault(qualifier, value)
            references.update(loop_refs)
            weight = self._weight(loop["at8"])
            for at7, ms1, ms2 in loop["at7"]:
                event = {
                    "transaction_control": self.tset.control_number,
                    "group_control": self.group.control_number,
                    "interchange_control": self.interchange.control_number,
                    **self.header,
                    "references": dict(references),
                    "reference_list": self.references + loop["references"],
                    "reference_entries": [
                        entry for entry in self.entries if entry["scope"] in ("heading", f"LX {loop['lx'].get(1)}")
                    ],
                    "parties": dict(self.parties),
                    "party_list": list(self.party_list),
                    "assigned_number": loop["lx"].get(1) or None,
                    **self._status(at7),
                    "location": self._location(ms1),
                    "equipment": self._equipment(ms2),
                    **weight,
                    "segment_position": at7.set_position,
                }
                events.append(event)
        return events

    @staticmethod
    def _status(at7):
        status_code, appointment_code = at7.get(1), at7.get(3)
        if not (status_code or appointment_code):
            raise x12.element_error(
                at7,
                1,
                "(shipment status code) or AT703 (appointment status code) is required",
                x12.ELEMENT_CONDITIONAL_MISSING,
                "1650",
            )
        event_date = x12.to_date(at7, 5, "date", "373", required=True)
        event_clock = x12.to_time(at7, 6, "time", "337", required=True)
        time_code = at7.get(7)
        try:
            event_time, offset, is_local = to_event_time(event_date, event_clock, time_code)
        except KeyError:
            raise x12.element_error(
                at7, 7, f"(time code) {time_code!r} is not an X12 time code", x12.ELEMENT_INVALID_CODE, "623", time_code
            )
        return {
            "status_code": status_code or None,
            "reason_code": at7.get(2) or None,
            "appointment_status_code": appointment_code or None,
            "appointment_reason_code": at7.get(4) or None,
            "event_time": event_time,
            "date_sent": at7.get(5),
            "time_sent": at7.get(6),
            "time_code": time_code or None,
            "utc_offset": offset,
            "is_local_time": is_local,
        }

    @staticmethod
    def _equipment(ms2):
        if ms2 is None:
            return None
        return {"owner_scac": ms2.get(1) or None, "number": ms2.get(2) or None, "type": ms2.get(3) or None}

    @staticmethod
    def _location(ms1):
        """MS1: city/state/country, or longitude/latitude (MS104/MS105 with MS106/MS107 E/W, N/S)."""
        location = {"city": None, "state": None, "country": None, "postal_code": None}
        location.update(latitude=None, longitude=None)
        if ms1 is None:
            return location
        location.update(
            city=ms1.get(1) or None,
            state=ms1.get(2) or None,
            country=ms1.get(3) or None,
            postal_code=ms1.get(8) or None,
        )
        longitude = to_degrees(ms1, 4, 3, ms1.get(6) or "W", "W")
        latitude = to_degrees(ms1, 5, 2, ms1.get(7) or "N", "S")
        if longitude is not None and latitude is not None:
            location.update(latitude=latitude, longitude=longitude)
        return location

    @staticmethod
    def _weight(at8):
        if at8 is None:
            return {"weight": None, "weight_qualifier": None, "weight_unit": None, "lading_quantity": None}
        return {
            "weight": x12.to_decimal(at8, 3, "weight", "81"),
            "weight_qualifier": at8.get(1) or None,
            "weight_unit": at8.get(2) or None,
            "lading_quantity": x12.to_int(at8, 4, "lading quantity", "80"),
        }


def read_214_set(tset, group, interchange):
    """The events of one 214 transaction set; raises ParseError (a SegmentError when a segment is named)."""
    return _Set214(tset, group, interchange).run()


def read_214(data, strict=False):
    """Every interchange of ``data`` -> list of ``x12.InterchangeRead`` (interchange, events, results,
    warnings), one per interchange (a file may hold several). ``values`` are the events.
    ``strict``: envelope anomalies raise ParseError (nothing is read)."""
    reads = x12.read_interchange_sets(data, "214", read_214_set, strict=strict)
    for read in reads:
        read.values = [event for set_events in read.values for event in set_events]
    return reads


def parse_214(data, strict=False):
    """Parse an X12 214 interchange -> ``(interchange, events, results)``.

    * ``interchange``: :class:`~odoo.addons.logistics_connector.services.x12.Interchange`
      (raises ParseError when the envelope is broken: nothing is read then).
    * ``events``: the events of the accepted sets, in file order (see the module docstring).
    * ``results``: one ``SetResult`` per transaction set; a rejected set has
      ``accepted=False``, its AK5 codes, its AK3/AK4 note and a readable message.
      Pass them to ``x12.build_997`` for the acknowledgment (AK9 A, E, P or R).

    The reading is tolerant (``x12.read_interchanges``): envelope and count
    anomalies are warnings (``interchange.warnings``, ``SetResult.warnings``).
    A file with several interchanges: ``interchange`` is the first, ``events``
    and ``results`` those of all (:func:`read_214` keeps them apart).
    """
    reads = read_214(data, strict=strict)
    events = [event for read in reads for event in read.values]
    return reads[0].interchange, events, [result for read in reads for result in read.results]


def to_canonical(event):
    """A 214 event -> the normalised event of ``shipment_events/services/events.py`` (without ``status``).

    References: B1001 (PRO) -> ``tracking_ref``, B1002 -> ``shipment_id``,
    L11 BM -> ``bill_of_lading``, PO -> ``order_ref``, CR -> ``reference``.
    ``event_time`` is naive UTC with ``event_tz`` the offset; for a local time
    (``is_local_time``) it is the naive local time and ``event_tz`` is None.
    """
    references = event.get("references") or {}
    refs = {
        "tracking_ref": event.get("carrier_reference"),
        "shipment_id": event.get("shipment_id"),
        "bill_of_lading": references.get("BM"),
        "order_ref": references.get("PO"),
        "reference": references.get("CR"),
    }
    event_time = event["event_time"]
    if event_time.tzinfo is not None:
        event_time = event_time.astimezone(UTC).replace(tzinfo=None)
    location = event.get("location") or {}
    return {
        "event_id": None,
        "refs": {key: value for key, value in refs.items() if value},
        "status_code": event.get("status_code") or event.get("appointment_status_code"),
        "status": None,
        "reason_code": event.get("reason_code"),
        "reason": None,
        "exception_type": None,
        "event_time": event_time,
        "event_tz": event.get("utc_offset"),
        "is_local_time": event.get("is_local_time", False),
        "location": {
            "name": None,
            "city": location.get("city"),
            "state": location.get("state"),
            "country": (location.get("country") or "").upper() or None,
            "zip": location.get("postal_code"),
            "lat": location.get("latitude"),
            "lon": location.get("longitude"),
        },
        "pod": None,
    }


def is_997(body):
    """Whether an X12 body is a 997 (a set ST 997 at a segment's start), without reading it all:
    a partner's acknowledgment posted where 214s are, journaled as such (not read as a 214)."""
    head = bytes(body[:4096]) if isinstance(body, bytes | bytearray | memoryview) else str(body[:4096]).encode()
    head = head.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if head.startswith((b"ST*997", b"GS*FA")):
        return True
    separator = head[3:4] if head.startswith(b"ISA") else b""
    if not separator or separator.isalnum():
        return False
    needle = b"ST" + separator + b"997"
    index = head.find(needle)
    while index != -1:
        before = head[:index].rstrip(b"\r\n\t ")
        if before[-1:] != separator:
            return True
        index = head.find(needle, index + 1)
    return False
