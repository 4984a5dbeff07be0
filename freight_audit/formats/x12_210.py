"""X12 210 -- Motor Carrier Freight Details and Invoice (004010 and later).

Plain Python (no ORM). The envelope is read by
``logistics_connector/services/x12/``; this module reads the 210 sets into
invoice dicts. Money is ``decimal.Decimal``; N2 amounts carry two implied
decimals (``15075`` is 150.75, no decimal point allowed).

Segments read (others of the 210 standard are accepted and ignored, segments
foreign to the 210 reject the set)::

    ST*210*0001~
    B3**INV-1001*SHIP-778*PP**20260120*15075**20260118**ABCD~
        B302 invoice number, B303 shipment id, B304 method of payment (PP, CC, TP...),
        B306 invoice date CCYYMMDD, B307 net amount due (N2), B308 correction indicator,
        B309 delivery date; B310/B312 qualifier and date (delivery date when B310 = 035),
        B311 SCAC. Required: B302, B306, B307, B311.
    C3*USD~                             currency (None when absent)
    N9*BM*BOL-1~                        references: N901 qualifier, N902 value
    G62*86*20260117~                    dates: G6201 qualifier, G6202 date (35 = delivered)
    N1*SH*Acme Corp~ N3*1 Main St~ N4*Dallas*TX*75201*US~   parties (SH shipper, CN consignee, BT bill-to)
    LX*1~                               detail loop, one or more
      N9*BM*BOL-1~                      line references
      L5*1*PALLETS OF WIDGETS*100*N~    L501 line, L502 description, L503/L504 commodity code, qualifier
      L0*1*1250*FR*1250*B***10*PLT**L~  L001 line, L002/L003 billed quantity/qualifier, L004 weight,
                                        L005 weight qualifier, L008 lading quantity, L009 packaging,
                                        L011 weight unit (L, K)
      L1*1*12.5*PH*15625****400~        L101 line, L102 rate (R), L103 rate qualifier, L104 charge (N2),
                                        L108 special charge code (400 freight, FUE fuel, DET detention,
                                        LFT liftgate, RES residential, RDL re-delivery, TAX...),
                                        L112 special charge description
      L4*48*40*60*N*1~                  dimensions (length, width, height, unit qualifier, quantity)
    L3*1250*B***17175~                  L301 total weight, L302 qualifier, L305 total charges (N2),
                                        L311 lading quantity, L312 weight unit
    SE*n*0001~

One invoice per transaction set::

    {"transaction_control": "0001", "group_control": "2001", "interchange_control": "000000007",
     "invoice_number": "INV-1001", "shipment_id": "SHIP-778", "payment_method": "PP", "scac": "ABCD",
     "invoice_date": date(2026, 1, 20), "delivery_date": date(2026, 1, 18) or None,
     "net_amount_due": Decimal("150.75"), "correction_indicator": None, "currency": "USD",
     "references": {"BM": "BOL-1"}, "reference_list": [("BM", "BOL-1")], "dates": {"86": date(...)},
     "parties": {"SH": {"name", "id_qualifier", "id", "address", "city", "state", "zip", "country"}},
     "total": Decimal("171.75"), "total_weight": Decimal("1250"), "weight_qualifier": "B",
     "weight_unit": "L", "lading_quantity": None,
     "lines": [{"sequence": 1, "assigned_number": "1", "line_number": 1,
                "description": "PALLETS OF WIDGETS", "commodity_code": "100", "commodity_qualifier": "N",
                "charge_code": "400", "quantity": 10, "packaging": "PLT",
                "billed_quantity": Decimal("1250"), "billed_quantity_qualifier": "FR",
                "rate": Decimal("12.5"), "rate_qualifier": "PH", "amount": Decimal("156.25"),
                "billed_weight": Decimal("1250"), "weight_qualifier": "B", "weight_unit": "L",
                "shipment_reference": "BOL-1", "references": {"BM": "BOL-1"},
                "dimensions": {"length", "width", "height", "unit", "quantity"} or None,
                "special_charge_description": None, "amount_raw": "15625", "is_tax": False, "lx_index": 0}],
     # facts added for real-world 210s (issue 15):
     "currency_given": True,            # False without C3: use the carrier's / company's currency, and say so
     "reference_entries": [{"qualifier": "BM", "value": "BOL-1"}],   # every N9 as sent, empty ones too
     "date_list": [("86", date(...))], "date_qualifier": "035" or None, "b3_date": date or None,  # G62s, B310, B312
     "party_list": [{"entity_code": "SH", "n1_name": ..., ...}],
     "line_total": Decimal("171.75"), "totals_consistent": True,     # sum of L1 charges, L305 == that sum
     "taxes": [{"code": "GST", "amount": Decimal, "percent": None, "source": "L1" or "TXI", "assigned_number"}],
     "lx_loops": [{"assigned_number", "descriptions" (L5), "weight", "weight_qualifier", "lading_quantity",
                   "packaging", "reference_entries", "parties" (N1 loops of the package), "lines"}]}

Tolerated: negative L1 charges, an L3 that leaves out the negative lines or includes the TXI
taxes (noted: AK5 E), N1/N9/CD3 loops inside LX loops, empty N9 (ignored), N9 after L1.

One line per L1 (an LX with freight and fuel has two lines); the L5/L0 of a
line are those of its LX with the same lading line number (L501/L001 =
L101), else the LX's first. Checks: B3 first and complete, every L1 has a
charge (L104), L3 present and L305 = the sum of the L1 charges (or of the positive ones,
or plus the TXI taxes; else ParseError naming both), every amount/date/number well formed.

Nothing half-imported: :func:`read_210` returns the invoices of the valid sets
and one ``SetResult`` per set (for the 997); :func:`parse_210` returns all the
invoices of the interchange or raises ParseError naming every invalid set by
its control number.
"""

from decimal import Decimal

from odoo.addons.logistics_connector.services import privacy, x12
from odoo.addons.logistics_connector.services.exceptions import ParseError

IGNORED_HEADER = {"ITD", "R3", "H3", "K1", "N7", "M7", "S5", "H6", "G61", "NTE", "N8", "F9", "D9"}
IGNORED_DETAIL = {"L7", "H1", "H2", "K1", "L9", "NTE", "MEA"}
PARTY_SEGMENTS = {"N2", "N3", "N4", "N9", "G61"}
# L108 special charge codes of tax lines (GST, HST, QST, PST: Canada; TAX, VAT).
# Personal elements (journal data policy, logistics_connector/services/privacy.py): party names
# (N102, N201-02), streets (N301-02) and contacts (PER02 name, PER04/06/08 numbers).
PRIVACY_RULES = privacy.PayloadRules(
    "x12", personal_elements={"N1": (2,), "N2": (1, 2), "N3": (1, 2), "PER": (2, 4, 6, 8)}
)
TAX_CODES = {"GST", "HST", "QST", "PST", "TAX", "VAT", "TX"}


def _n9(segment):
    """(qualifier, value) of an N9; None for an empty value (``N9*IT*``: ignored)."""
    if not segment.get(2):
        return None
    qualifier = x12.require(segment, 1, "reference identification qualifier", "128")
    return qualifier, segment.get(2)


def _n9_entry(segment):
    """An N9 as sent (value untrimmed, empty ones included); ``elements`` when it has more than two."""
    entry = {"qualifier": segment.get(1) or None, "value": segment.elements[1] if len(segment.elements) > 1 else ""}
    if len(segment.elements) > 2:
        entry["elements"] = list(segment.elements)
    return entry


def _first_by_key(pairs):
    result = {}
    for key, value in pairs:
        result.setdefault(key, value)
    return result


class _Set210:
    """Reads one 210 transaction set; raises SegmentError / ParseError at its first problem."""

    def __init__(self, tset, group, interchange):
        self.tset = tset
        self.group = group
        self.interchange = interchange
        self.invoice = {}
        self.references = []
        self.dates = {}
        self.parties = {}
        self.loops = []
        self.l3 = None
        self.currency = None
        self.party_list = []
        self.reference_entries = []
        self.date_list = []
        self.taxes = []

    def run(self):  # noqa: C901 - a state machine over the 210 segments, one branch per segment id
        if self.tset.id_code != "210":
            raise ParseError(f"transaction set {self.tset.id_code} is not a 210", self.tset.segments[0].where)
        body = self.tset.body
        se = self.tset.segments[-1]
        if not body or body[0].id != "B3":
            found = body[0] if body else se
            if any(segment.id == "B3" for segment in body):
                raise x12.out_of_order(found, "B3 must be the first segment after ST")
            raise x12.missing_segment(
                found, "B3", "the 210 has no B3 segment (beginning segment for carrier's invoice)"
            )
        self._b3(body[0])
        state, loop = "header", None
        for index, segment in enumerate(body[1:], start=1):
            kind = segment.id
            if kind == "B3":
                raise x12.segment_error(segment, "a second B3 segment", x12.SEGMENT_EXCEEDS_MAXIMUM_USE)
            if state == "summary":
                raise x12.out_of_order(segment, f"{kind} after the L3 totals (only SE may follow L3)")
            if kind == "LX":
                loop = {"lx": segment, "references": [], "entries": [], "l5": [], "l0": [], "l1": [], "l4": None}
                loop.update(parties=[], closed=False, txi=[])
                self.loops.append(loop)
                state = "detail"
            elif kind == "L3":
                self.l3 = segment
                state = "summary"
            elif state == "detail":
                self._detail(loop, segment, body, index)
            elif kind in ("L5", "L0", "L1", "L4"):
                raise x12.out_of_order(segment, f"{kind} outside an LX loop")
            elif kind == "N1":
                code, party = x12.read_party(body, index)
                self.parties.setdefault(code, party)
                self.party_list.append({"entity_code": code, **party})
                state = "party"
            elif state == "party":
                if kind not in PARTY_SEGMENTS | IGNORED_HEADER:
                    raise self._unexpected(segment, "in an N1 loop")
            elif kind == "C3":
                if self.currency is not None:
                    raise x12.segment_error(segment, "a second C3 segment", x12.SEGMENT_EXCEEDS_MAXIMUM_USE)
                self.currency = x12.require(segment, 1, "currency code", "100")
            elif kind == "N9":
                self.reference_entries.append(_n9_entry(segment))
                if _n9(segment):
                    self.references.append(_n9(segment))
            elif kind == "G62":
                qualifier = x12.require(segment, 1, "date qualifier", "432")
                self.dates.setdefault(qualifier, x12.to_date(segment, 2, "date", "373", required=True))
                self.date_list.append((qualifier, self.dates[qualifier]))
            elif kind == "TXI":
                self.taxes.append(self._txi(segment, None))
            elif kind not in IGNORED_HEADER:
                raise self._unexpected(segment, "in the 210 heading")
        if not any(loop["l1"] for loop in self.loops):
            raise x12.missing_segment(
                self.l3 or se, "L1", "the 210 has no L1 charge (LX loop with L1 rate and charges)"
            )
        if self.l3 is None:
            raise x12.missing_segment(se, "L3", "the 210 has no L3 total charges")
        return self._invoice()

    @staticmethod
    def _unexpected(segment, where):
        known = {"C3", "N9", "G62", "N1", "LX", "L5", "L0", "L1", "L4", "L3"}
        known |= IGNORED_HEADER | IGNORED_DETAIL | PARTY_SEGMENTS
        if segment.id in known:
            return x12.out_of_order(segment, f"{segment.id} is not allowed {where}")
        return x12.segment_error(segment, f"{segment.id} is not a segment of the 210", x12.SEGMENT_NOT_IN_SET)

    def _b3(self, b3):
        invoice_date = x12.to_date(b3, 6, "invoice date", "373", required=True)
        delivery_date = x12.to_date(b3, 9, "delivery date", "32")
        self.date_qualifier = b3.get(10) or None
        self.b3_date = x12.to_date(b3, 12, "date", "373")
        if delivery_date is None and b3.get(10) == "035":
            delivery_date = self.b3_date
        self.invoice = {
            "invoice_number": x12.require(b3, 2, "invoice number", "76"),
            "shipment_id": b3.get(3) or None,
            "payment_method": b3.get(4) or None,
            "scac": x12.require(b3, 11, "standard carrier alpha code", "140"),
            "invoice_date": invoice_date,
            "delivery_date": delivery_date,
            "net_amount_due": x12.to_n2(b3, 7, "net amount due", "193", required=True),
            "correction_indicator": b3.get(8) or None,
        }

    def _txi(self, segment, loop):
        """A TXI tax line: TXI01 tax type (GS = GST...), TXI02 amount (R), TXI03 percent."""
        return {
            "code": x12.require(segment, 1, "tax type code", "963"),
            "amount": x12.to_decimal(segment, 2, "monetary amount", "782"),
            "percent": x12.to_decimal(segment, 3, "percent", "954"),
            "assigned_number": loop["lx"].get(1) if loop else None,
            "source": "TXI",
        }

    def _detail(self, loop, segment, body, index):
        """A segment of an LX loop. N1 loops inside it (per package parties, their N9) and CD3 loops
        are kept apart; the order of N9, L5, L0, L1 is tolerated."""
        kind = segment.id
        if loop["closed"]:  # in an N1 loop of the package: its N2/N3/N4/N9 are the party's
            if kind == "N9" and loop["parties"]:
                loop["parties"][-1].setdefault("references", []).append(_n9_entry(segment))
            if kind not in ("L5", "L0", "L1", "L4", "TXI", "CD3", "N1"):
                return
            loop["closed"] = False
        if kind == "N9":
            loop["entries"].append(_n9_entry(segment))
            if _n9(segment):
                loop["references"].append(_n9(segment))
        elif kind == "N1":
            code, party = x12.read_party(body, index)
            loop["parties"].append({"entity_code": code, **party})
            loop["closed"] = True
        elif kind == "CD3":
            pass  # the package's carton details: its N9 are the line's references
        elif kind == "TXI":
            self.taxes.append(self._txi(segment, loop))
        elif kind == "L5":
            loop["l5"].append(segment)
        elif kind == "L0":
            loop["l0"].append(segment)
        elif kind == "L1":
            loop["l1"].append(segment)
        elif kind == "L4":
            if loop["l4"] is None:
                loop["l4"] = segment
        elif kind not in IGNORED_DETAIL:
            raise self._unexpected(segment, "in an LX loop")

    @staticmethod
    def _matching(segments, line_number):
        """The L5/L0 of the LX with lading line number ``line_number`` (element 01), else the first."""
        for segment in segments:
            if line_number and segment.get(1) == line_number:
                return segment
        return segments[0] if segments else None

    @staticmethod
    def _tax_lines(lines):
        return [
            {"code": line["charge_code"], "amount": line["amount"], "percent": None, "source": "L1"}
            | {"assigned_number": line["assigned_number"]}
            for line in lines
            if line["is_tax"]
        ]

    def _lines(self):
        lines = []
        for lx_index, loop in enumerate(self.loops):
            references = _first_by_key(loop["references"])
            dimensions = None
            if loop["l4"] is not None:
                l4 = loop["l4"]
                dimensions = {
                    "length": x12.to_decimal(l4, 1, "length", "82"),
                    "width": x12.to_decimal(l4, 2, "width", "189"),
                    "height": x12.to_decimal(l4, 3, "height", "65"),
                    "unit": l4.get(4) or None,
                    "quantity": x12.to_decimal(l4, 5, "quantity", "380"),
                }
            for l1 in loop["l1"]:
                line_number = l1.get(1)
                l5 = self._matching(loop["l5"], line_number)
                l0 = self._matching(loop["l0"], line_number)
                lines.append(
                    {
                        "sequence": len(lines) + 1,
                        "assigned_number": loop["lx"].get(1) or None,
                        "line_number": x12.to_int(l1, 1, "lading line item number", "213"),
                        "description": l1.get(12) or (l5.get(2) if l5 else "") or None,
                        "commodity_code": (l5.get(3) or None) if l5 else None,
                        "commodity_qualifier": (l5.get(4) or None) if l5 else None,
                        "charge_code": l1.get(8) or None,
                        "special_charge_description": l1.get(12) or None,
                        "amount_raw": l1.get(4),
                        "is_tax": (l1.get(8) or "").upper() in TAX_CODES,
                        "quantity": x12.to_int(l0, 8, "lading quantity", "80") if l0 else None,
                        "packaging": (l0.get(9) or None) if l0 else None,
                        "billed_quantity": x12.to_decimal(l0, 2, "billed/rated-as quantity", "220") if l0 else None,
                        "billed_quantity_qualifier": (l0.get(3) or None) if l0 else None,
                        "rate": x12.to_decimal(l1, 2, "freight rate", "60"),
                        "rate_qualifier": l1.get(3) or None,
                        "amount": self._amount(l1, 4, "charge", "58"),
                        "billed_weight": x12.to_decimal(l0, 4, "weight", "81") if l0 else None,
                        "weight_qualifier": (l0.get(5) or None) if l0 else None,
                        "weight_unit": (l0.get(11) or None) if l0 else None,
                        "shipment_reference": next(iter(references.values()), None),
                        "references": dict(references),
                        "dimensions": dict(dimensions) if dimensions else None,
                        "lx_index": lx_index,
                    }
                )
        return lines

    def _amount(self, segment, index, name, reference):
        """An N2 amount (implied decimals: an amount with a decimal point is refused, it is ambiguous)."""
        return x12.to_n2(segment, index, name, reference, required=True)

    def _loops(self, lines):
        loops = []
        for loop in self.loops:
            l0 = loop["l0"][0] if loop["l0"] else None
            number = loop["lx"].get(1) or None
            loops.append(
                {
                    "assigned_number": number,
                    "descriptions": [l5.get(2) for l5 in loop["l5"] if l5.get(2)],
                    "weight": x12.to_decimal(l0, 4, "weight", "81") if l0 else None,
                    "weight_qualifier": (l0.get(5) or None) if l0 else None,
                    "lading_quantity": x12.to_int(l0, 8, "lading quantity", "80") if l0 else None,
                    "packaging": (l0.get(9) or None) if l0 else None,
                    "reference_entries": list(loop["entries"]),
                    "parties": list(loop["parties"]),
                    "lines": [line for line in lines if line["lx_index"] == len(loops)],
                }
            )
        return loops

    def _invoice(self):
        lines = self._lines()
        l3 = self.l3
        total = self._amount(l3, 5, "charge (total charges)", "58")
        computed = sum((line["amount"] for line in lines), start=Decimal(0))
        taxes = sum((tax["amount"] or 0 for tax in self.taxes), start=Decimal(0))
        positive = sum((line["amount"] for line in lines if line["amount"] > 0), start=Decimal(0))
        if total == computed + taxes and taxes:
            x12.note(self.tset, l3, f"L305 {total:.2f} includes the TXI taxes {taxes:.2f}", 5)
        elif total == positive and total != computed:
            x12.note(
                self.tset,
                l3,
                f"L305 total charges {total:.2f} leaves out the negative L1 lines (sum {computed:.2f})",
                5,
            )
        elif total != computed:
            raise x12.segment_error(
                l3,
                f"L305 total charges {total:.2f} does not equal the sum of the L1 charges {computed:.2f} "
                f"(difference {total - computed:.2f})",
                x12.SEGMENT_HAS_ELEMENT_ERRORS,
            )
        dates = dict(self.dates)
        delivery_date = self.invoice["delivery_date"] or dates.get("35")
        return {
            "transaction_control": self.tset.control_number,
            "group_control": self.group.control_number,
            "interchange_control": self.interchange.control_number,
            **self.invoice,
            "delivery_date": delivery_date,
            "currency": self.currency,
            "currency_given": self.currency is not None,
            "references": _first_by_key(self.references),
            "reference_list": list(self.references),
            "reference_entries": list(self.reference_entries),
            "dates": dates,
            "date_list": list(self.date_list),
            "date_qualifier": self.date_qualifier,
            "b3_date": self.b3_date,
            "parties": dict(self.parties),
            "party_list": list(self.party_list),
            "total": total,
            "line_total": computed,
            "totals_consistent": total == computed,
            "taxes": [*self.taxes, *self._tax_lines(lines)],
            "lx_loops": self._loops(lines),
            "total_weight": x12.to_decimal(l3, 1, "weight", "81"),
            "weight_qualifier": l3.get(2) or None,
            "weight_unit": l3.get(12) or None,
            "lading_quantity": x12.to_int(l3, 11, "lading quantity", "80"),
            "lines": lines,
        }


def read_210_set(tset, group, interchange):
    """The invoice of one 210 transaction set; raises ParseError (a SegmentError when a segment is named)."""
    return _Set210(tset, group, interchange).run()


def read_210_interchanges(data, strict=False):
    """Every interchange of ``data`` -> list of ``x12.InterchangeRead`` (``values`` are the invoices)."""
    return x12.read_interchange_sets(data, "210", read_210_set, strict=strict)


def read_210(data, strict=False):
    """Read an X12 210 interchange -> ``(interchange, invoices, results)``, set errors collected.

    ``invoices`` holds the invoices of the valid sets only; ``results`` one
    ``SetResult`` per set (``accepted=False`` with its message and AK3/AK4
    note for an invalid one), for ``x12.build_997``. A broken envelope
    raises ParseError.
    """
    return x12.read_sets(data, "210", read_210_set, strict=strict)


def parse_210(data, strict=False):
    """All the invoices of an X12 210 interchange, or ParseError: nothing is half-imported.

    The error names every invalid set by its control number (ST02) and says why.
    """
    _interchange, invoices, results = read_210(data, strict=strict)
    rejected = [result for result in results if not result.accepted]
    if rejected:
        details = "; ".join(result.messages[0] for result in rejected)
        raise ParseError(
            f"{len(rejected)} of {len(results)} invoice transaction sets are invalid, nothing is imported: {details}",
            f"transaction set {rejected[0].control_number}",
        )
    return invoices
