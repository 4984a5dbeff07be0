"""Database-free tests of the X12 reader, set walk, writer and 997 builder (services/x12/).

The sample interchanges are written by hand from the X12 envelope layout.
"""

import contextlib
import random
from datetime import date, datetime, time
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.services.exceptions import ParseError, PermanentError

NOW = datetime(2026, 1, 16, 8, 5)


def isa(
    control=101,
    sender="CARRIER01",
    receiver="SHIPPER01",
    element="*",
    component=">",
    terminator="~",
    version="00401",
    standards="U",
    usage="P",
    ack="0",
):
    """A valid ISA segment: every element padded to its fixed width, 106 characters with the terminator."""
    fields = [
        "00",  # ISA01 2
        " " * 10,  # ISA02 10
        "00",  # ISA03 2
        " " * 10,  # ISA04 10
        "ZZ",  # ISA05 2
        sender.ljust(15),  # ISA06 15
        "ZZ",  # ISA07 2
        receiver.ljust(15),  # ISA08 15
        "260115",  # ISA09 6 YYMMDD
        "1230",  # ISA10 4 HHMM
        standards,  # ISA11 1
        version,  # ISA12 5
        "%09d" % control,  # ISA13 9
        ack,  # ISA14 1
        usage,  # ISA15 1
        component,  # ISA16 1
    ]
    segment = element.join(["ISA", *fields]) + terminator
    assert len(segment) == 106, len(segment)
    return segment


# Written by hand: one interchange, two functional groups, three transaction sets.
ISA_LITERAL = (
    "ISA*00*          *00*          *ZZ*CARRIER01      *ZZ*SHIPPER01      *260115*1230*U*00401*000000101*0*P*>~"
)
TWO_GROUPS = (
    ISA_LITERAL + "\n"
    "GS*QM*CARRIERGS*SHIPPERGS*20260115*1230*1001*X*004010~\n"
    "ST*214*0001~\n"
    "B10*PRO1*SHIP1*ABCD~\n"
    "LX*1~\n"
    "AT7*X6*NS***20260115*1430*ET~\n"
    "SE*5*0001~\n"
    "ST*214*0002~\n"
    "B10*PRO2*SHIP2*ABCD~\n"
    "SE*3*0002~\n"
    "GE*2*1001~\n"
    "GS*IM*CARRIERGS*SHIPPERGS*20260115*1231*1002*X*004010~\n"
    "ST*210*0001~\n"
    "B3**INV1*SHIP1*PP**20260115*1000****ABCD~\n"
    "SE*3*0001~\n"
    "GE*1*1002~\n"
    "IEA*2*000000101~\n"
)

# One group, two 214 sets: the smallest interchange used by the 997 tests.
ONE_GROUP = (
    ISA_LITERAL + "GS*QM*CARRIERGS*SHIPPERGS*20260115*1230*1001*X*004010~"
    "ST*214*0001~B10*PRO1*SHIP1*ABCD~SE*3*0001~"
    "ST*214*0002~B10*PRO2*SHIP2*ABCD~LX*1~AT7*X6*NS***20261345*1430*ET~SE*5*0002~"
    "GE*2*1001~IEA*1*000000101~"
)


def body(text):
    """The segments of every set of ``text`` as (id, elements) pairs, to compare interchanges."""
    interchange = x12.parse_interchange(text)
    return [[(s.id, s.elements) for s in tset.segments] for tset in interchange.transaction_sets]


@tagged("post_install", "-at_install")
class TestX12Reader(BaseCase):
    def test_isa_is_106_characters_wide(self):
        self.assertEqual(len(ISA_LITERAL), 106)
        self.assertEqual(isa(), ISA_LITERAL)
        self.assertEqual(ISA_LITERAL[3], "*")
        self.assertEqual(ISA_LITERAL[104:106], ">~")

    def test_parse_two_groups_and_several_sets(self):
        interchange = x12.parse_interchange(TWO_GROUPS)
        self.assertEqual(interchange.delimiters, x12.Delimiters("*", ">", "~", None))
        self.assertEqual(
            (interchange.sender_qualifier, interchange.sender_id, interchange.receiver_qualifier),
            ("ZZ", "CARRIER01", "ZZ"),
        )
        self.assertEqual(interchange.receiver_id, "SHIPPER01")
        self.assertEqual(interchange.control_number, "000000101")
        self.assertEqual(interchange.prepared_at, datetime(2026, 1, 15, 12, 30))
        self.assertEqual((interchange.version, interchange.usage, interchange.ack_requested), ("00401", "P", False))
        self.assertEqual(interchange.envelope, {"sender": "CARRIER01", "receiver": "SHIPPER01", "control": "000000101"})
        self.assertEqual(interchange.problems, [])
        self.assertEqual([g.functional_id for g in interchange.groups], ["QM", "IM"])
        first, second = interchange.groups
        self.assertEqual(
            (first.sender_code, first.receiver_code, first.date, first.time, first.control_number, first.version),
            ("CARRIERGS", "SHIPPERGS", "20260115", "1230", "1001", "004010"),
        )
        self.assertEqual(
            [(t.id_code, t.control_number) for t in first.transaction_sets], [("214", "0001"), ("214", "0002")]
        )
        self.assertEqual([(t.id_code, t.control_number) for t in second.transaction_sets], [("210", "0001")])
        tset = first.transaction_sets[0]
        self.assertEqual([s.id for s in tset.segments], ["ST", "B10", "LX", "AT7", "SE"])
        self.assertEqual([s.id for s in tset.body], ["B10", "LX", "AT7"])
        self.assertEqual(tset.group_control_number, "1001")
        at7 = tset.segments[3]
        self.assertEqual(at7.elements, ["X6", "NS", "", "", "20260115", "1430", "ET"])
        self.assertEqual(
            (at7.get(1), at7.get(3), at7.get(7), at7.get(9), at7.get(9, "none")), ("X6", "", "ET", "", "none")
        )
        self.assertEqual((at7.position, at7.set_position, at7.set_control), (6, 4, "0001"))
        self.assertEqual(at7.where, "transaction set 0001, segment 4 (AT7)")
        self.assertEqual(second.transaction_sets[0].segments[1].position, 14)
        self.assertEqual(interchange.iea.elements, ["2", "000000101"])
        self.assertEqual(len(interchange.transaction_sets), 3)

    def test_delimiters_and_terminators(self):
        expected = body(TWO_GROUPS)
        cases = [
            ("*", ">", "~", ""),
            ("*", ">", "~", "\n"),
            ("*", ">", "~", "\r\n"),
            ("*", ":", "\n", ""),
            ("*", ":", "\r", "\n"),
            ("|", "^", "'", ""),
            ("|", ">", "'", "\r\n"),
            ("^", ":", "~", ""),
            ("\x1d", "\x1f", "\x1c", ""),
        ]
        segments = TWO_GROUPS.splitlines()[1:]
        for element, component, terminator, line_end in cases:
            text = isa(element=element, component=component, terminator=terminator) + line_end
            for segment in segments:
                text += segment[:-1].replace("*", element) + terminator + line_end
            with self.subTest(element=element, component=component, terminator=terminator, line_end=line_end):
                self.assertEqual(x12.read_delimiters(text), x12.Delimiters(element, component, terminator, None))
                self.assertEqual(body(text), expected)

    def test_repetition_separator_from_version_00402(self):
        text = ONE_GROUP.replace(ISA_LITERAL, isa(version="00501", standards="^"))
        self.assertEqual(x12.read_delimiters(text), x12.Delimiters("*", ">", "~", "^"))
        self.assertEqual(x12.read_delimiters(ONE_GROUP).repetition, None)

    def test_bytes_bom_and_leading_blank_lines(self):
        expected = body(TWO_GROUPS)
        self.assertEqual(body(TWO_GROUPS.encode()), expected)
        self.assertEqual(body("\ufeff\r\n  " + TWO_GROUPS), expected)
        latin = TWO_GROUPS.replace("B10*PRO1", "B10*PRÖ1").encode("latin-1")
        self.assertEqual(x12.parse_interchange(latin).transaction_sets[0].segments[1].get(1), "PRÖ1")

    def assertParseError(self, text, pattern, where=None):
        with self.assertRaisesRegex(ParseError, pattern) as caught:
            x12.parse_interchange(text)
        if where is not None:
            self.assertEqual(caught.exception.where, where)
        return caught.exception

    def test_malformed_input_names_the_problem_and_where(self):
        ok = TWO_GROUPS
        cases = [
            ("", "the interchange is empty", "ISA"),
            (b"", "the interchange is empty", "ISA"),
            (" \r\n\t", "the interchange is empty", "ISA"),
            (None, "the interchange is empty", "ISA"),
            (12, "text, not int", "ISA"),
            (ok[107:], r"does not start with an ISA segment \(it starts with 'GS\*QM\*CARR'\)", "ISA"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "does not start with an ISA segment", "ISA"),
            (bytes(range(256)), "does not start with an ISA segment", "ISA"),
            ("ISA", r"truncated \(3 characters, 106 expected\)", "ISA"),
            ("ISA*00*          *00*", r"the ISA segment is truncated \(21 characters, 106 expected\)", "ISA"),
            (ISA_LITERAL[:-1], r"truncated \(105 characters, 106 expected\)", "ISA"),
            (ok.replace("CARRIER01      ", "CARRIER01"), "ISA06 .* is 9 characters wide instead of 15", "ISA06"),
            (ok.replace("*00*    ", "*0*     ", 1), "ISA01 .* is 1 characters wide instead of 2", "ISA01"),
            (ok.replace("ISA*", "ISAX", 1), r"element separator .* 'X' is not a delimiter", "ISA"),
            (ok.replace("*P*>~", "*P*~~", 1), "must be three different characters", "ISA16"),
            (ok.replace("*P*>~", "*P*>A", 1), "segment terminator 'A' is not a delimiter", "ISA16"),
            (ok.replace("000000101*0", "00000010X*0", 1), "ISA13 .* is not nine digits", "ISA13"),
            (ok.split("IEA")[0], "truncated: no IEA trailer", "after segment 16 (GE)"),
            (ok.split("SE*3*0001")[0], "truncated: no IEA trailer", "after transaction set 0001, segment 2 (B3)"),
            (ok.replace("SE*5*0001", "SE*6*0001"), "SE01 says 6 segments but transaction set 0001 has 5", None),
            (ok.replace("SE*5*0001", "SE*five*0001"), "SE01 .* 'five' is not a number", None),
            (ok.replace("SE*5*0001", "SE*\u00b2*0001"), "SE01 .* '\u00b2' is not a number", None),
            (ok.replace("GE*2*1001", "GE*\u00b2*1001"), "GE01 .* '\u00b2' is not a number", None),
            (ok.replace("IEA*2", "IEA*\u00b2"), "IEA01 .* '\u00b2' is not a number", None),
            (ok.replace("SE*5*0001", "SE*5*0009"), "SE02 '0009' does not match ST02 '0001'", None),
            (ok.replace("GE*2*1001", "GE*3*1001"), "GE01 says 3 transaction sets but group 1001 has 2", None),
            (ok.replace("GE*2*1001", "GE*2*1009"), "GE02 '1009' does not match GS06 '1001'", None),
            (ok.replace("IEA*2", "IEA*3"), "IEA01 says 3 functional groups but the interchange has 2", None),
            (ok.replace("IEA*2*000000101", "IEA*2*000000999"), "IEA02 '000000999' does not match ISA13", None),
            (ok.replace("SE*3*0002~\n", ""), r"transaction set 0002 \(214\) has no SE trailer", "segment 10 (GE)"),
            (ok.replace("GE*1*1002~\n", ""), r"functional group 1002 \(IM\) has no GE trailer", "segment 16 (IEA)"),
            (
                ok.replace("GS*QM*CARRIERGS*SHIPPERGS*20260115*1230*1001*X*004010~\n", ""),
                "ST outside a functional group",
                "segment 2 (ST)",
            ),
            (ok.replace("ST*214*0002~\n", ""), "segment B10 outside a transaction set", "segment 8 (B10)"),
            (ok.replace("SE*3*0002", "XX*3*0002"), r"set 0002 \(214\) has no SE trailer", "segment 11 (GE)"),
            (ok + "ST*214*0003~", "segment ST after the IEA trailer", "segment 18 (ST)"),
            (ok + ISA_LITERAL, "segment ISA after the IEA trailer", "segment 18 (ISA)"),
            (ok.replace("IEA*2", ISA_LITERAL + "IEA*2"), "a second ISA segment", "segment 17 (ISA)"),
            (ok.replace("ST*214*0002", "ST*214*0001"), "control number 0001 is used twice in group 1001", None),
            (ok.replace("ST*214*0002", "ST*21X*0002"), "ST01 .* '21X' is not a 3-digit code", None),
            (ok.replace("ST*214*0002~", "ST*214*02~").replace("SE*3*0002", "SE*3*02"), "ST02 .* must be 4 to 9", None),
            (ok.replace("*1002*X*004010", "*1002*X"), "GS is missing GS08", "segment 12 (GS)"),
            (ok.replace("*1002*X*004010", "*10A2*X*004010"), "GS06 .* '10A2' is not a number", None),
            (
                ok.replace("*1002*X*004010", "*1001*X*004010").replace("GE*1*1002", "GE*1*1001"),
                "1001 is used twice",
                None,
            ),
            (ok.replace("B10*PRO2", "B10*PR\x00"), r"binary data \(byte 0x00\)", "segment 9 (B10)"),
            # Wrong delimiters: the ISA says '*' and '~', the body uses '|' or line breaks.
            (ok.replace("B10*PRO1*SHIP1*ABCD", "B10|PRO1|SHIP1|ABCD"), "wrong delimiters or damaged data", "segment 4"),
            (ISA_LITERAL + ok[106:].replace("~", ""), "contains a line break", "segment 2 (GS)"),
            (
                isa(terminator="'") + ok[106:],
                r"contains a line break: the segment terminator declared in ISA is \"'\"",
                None,
            ),
            (ISA_LITERAL + "IEA*0*000000101~", "holds no functional group", "ISA"),
            (
                ISA_LITERAL + "GS*QM*A*B*20260115*1230*7*X*004010~GE*0*7~IEA*1*000000101~",
                "holds no transaction set",
                None,
            ),
            (ok.replace("*260115*1230*", "*261315*1230*"), "ISA09/ISA10 .* is not a YYMMDD date", "ISA09"),
            (ok.replace("*0*P*>", "*2*P*>"), "ISA14 .* must be 0 or 1", "ISA14"),
            (ok.replace("*0*P*>", "*0*X*>"), "ISA15 .* must be P, T or I", "ISA15"),
        ]
        for text, pattern, where in cases:
            with self.subTest(pattern=pattern, text=repr(text)[:60]):
                self.assertParseError(text, pattern, where)

    def test_where_names_segment_numbers(self):
        error = self.assertParseError(TWO_GROUPS.replace("SE*5*0001", "SE*6*0001"), "SE01")
        self.assertEqual(error.where, "transaction set 0001, segment 5 (SE)")
        self.assertEqual(
            str(error),
            "SE01 says 6 segments but transaction set 0001 has 5 (ST and SE included) "
            "(transaction set 0001, segment 5 (SE))",
        )
        error = self.assertParseError(TWO_GROUPS.replace("GE*2*1001", "GE*3*1001"), "GE01")
        self.assertEqual(error.where, "segment 11 (GE)")

    def test_every_truncation_raises_parse_error(self):
        text = ONE_GROUP
        for cut in range(len(text) - 1):
            with self.subTest(cut=cut), self.assertRaises(ParseError):
                x12.parse_interchange(text[:cut])
        # The last terminator is optional.
        self.assertEqual(len(x12.parse_interchange(text[:-1]).transaction_sets), 2)

    def test_corrupted_bytes_raise_only_parse_error(self):
        rng = random.Random(214)
        text = TWO_GROUPS
        alphabet = "*~>|^:'\n\r\x00\xff\u00b2 AZ09-.ISAGSEST"
        failures = 0
        for _round in range(600):
            chars = list(text)
            for _hit in range(rng.randint(1, 3)):
                chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            corrupted = "".join(chars)
            with contextlib.suppress(ParseError):
                x12.parse_interchange(corrupted)
                x12.scan_interchange(corrupted)
                continue
            failures += 1
        self.assertGreater(failures, 300)

    def test_scan_records_problems_with_x12_codes(self):
        text = ONE_GROUP.replace("SE*3*0001", "SE*4*0001").replace("GE*2*1001", "GE*2*1009")
        interchange = x12.scan_interchange(text)
        self.assertEqual(
            [str(p) for p in interchange.problems],
            [
                "SE01 says 4 segments but transaction set 0001 has 3 (ST and SE included) "
                "(transaction set 0001, segment 3 (SE))",
                "GE02 '1009' does not match GS06 '1001' (segment 11 (GE))",
            ],
        )
        group = interchange.groups[0]
        self.assertEqual(group.errors, [x12.GROUP_CONTROL_MISMATCH])
        self.assertEqual([t.errors for t in group.transaction_sets], [[x12.SET_COUNT_MISMATCH], []])
        truncated = x12.scan_interchange(ONE_GROUP.split("SE*5*0002")[0])
        self.assertEqual(truncated.groups[0].errors, [x12.GROUP_TRAILER_MISSING])
        self.assertEqual(truncated.transaction_sets[1].errors, [x12.SET_TRAILER_MISSING])
        self.assertIn("truncated", str(truncated.problems[0]))
        with self.assertRaisesRegex(ParseError, "does not start with an ISA"):
            x12.scan_interchange("hello")


@tagged("post_install", "-at_install")
class TestX12Elements(BaseCase):
    def segment(self, text):
        interchange = x12.parse_interchange(
            ISA_LITERAL + f"GS*QM*A*B*20260115*1230*7*X*004010~ST*214*0001~{text}~SE*3*0001~GE*1*7~IEA*1*000000101~"
        )
        return interchange.transaction_sets[0].segments[1]

    def test_typed_values(self):
        segment = self.segment("ZZ*20240229*0930*-15075*12.5*-3*093015*09301525*.5")
        self.assertEqual(x12.to_date(segment, 1, "date"), date(2024, 2, 29))
        self.assertEqual(x12.to_time(segment, 2, "time"), time(9, 30))
        self.assertEqual(x12.to_n2(segment, 3, "amount"), Decimal("-150.75"))
        self.assertEqual(x12.to_decimal(segment, 4, "rate"), Decimal("12.5"))
        self.assertEqual(x12.to_int(segment, 5, "count"), -3)
        self.assertEqual(x12.to_time(segment, 6, "time"), time(9, 30, 15))
        self.assertEqual(x12.to_time(segment, 7, "time"), time(9, 30, 15, 250000))
        self.assertEqual(x12.to_decimal(segment, 8, "rate"), Decimal("0.5"))
        self.assertIsNone(x12.to_date(segment, 12, "date"))
        self.assertIsNone(x12.to_n2(segment, 12, "amount"))
        self.assertEqual(x12.require(segment, 1, "date"), "20240229")

    def test_leap_day_and_bad_values_give_ak4_notes(self):
        segment = self.segment("ZZ*20260229*2460*150.75*1,5*3.0*")
        cases = [
            (lambda: x12.to_date(segment, 1, "date", "373"), r"ZZ01 \(date\) '20260229' is not a CCYYMMDD date", "8"),
            (lambda: x12.to_time(segment, 2, "time", "337"), r"ZZ02 \(time\) '2460' is not an HHMM\[SS\] time", "9"),
            (lambda: x12.to_n2(segment, 3, "charge", "58"), r"'150.75' is not an N2 amount", "6"),
            (lambda: x12.to_decimal(segment, 4, "rate", "60"), r"'1,5' is not a decimal number", "6"),
            (lambda: x12.to_int(segment, 5, "count", "80"), r"'3.0' is not a whole number", "6"),
            (lambda: x12.require(segment, 6, "name", "93"), r"ZZ06 \(name\) is missing", "1"),
            (lambda: x12.to_date(segment, 9, "date", required=True), r"ZZ09 \(date\) is missing", "1"),
        ]
        for call, pattern, code in cases:
            with self.subTest(pattern=pattern), self.assertRaisesRegex(x12.SegmentError, pattern) as caught:
                call()
            error = caught.exception
            self.assertIsInstance(error, ParseError)
            self.assertEqual(error.where, "transaction set 0001, segment 2 (ZZ)")
            self.assertEqual((error.note.segment_id, error.note.position, error.note.code), ("ZZ", 2, "8"))
            self.assertEqual(error.note.elements[0].code, code)
        with self.assertRaises(x12.SegmentError) as caught:
            x12.to_date(segment, 1, "date", "373")
        note = caught.exception.note.elements[0]
        self.assertEqual((note.position, note.reference, note.code, note.value), (1, "373", "8", "20260229"))

    def test_read_party(self):
        interchange = x12.parse_interchange(
            ISA_LITERAL + "GS*QM*A*B*20260115*1230*7*X*004010~ST*214*0001~"
            "N1*SH*Acme Corp*93*ACME01~N2*Shipping Dept~N3*1 Main St*Suite 4~N4*Dallas*TX*75201*US~N1*CN*Bob~"
            "SE*7*0001~GE*1*7~IEA*1*000000101~"
        )
        segments = interchange.transaction_sets[0].body
        self.assertEqual(
            x12.read_party(segments, 0),
            (
                "SH",
                {
                    "name": "Acme Corp Shipping Dept",
                    "n1_name": "Acme Corp",
                    "id_qualifier": "93",
                    "id": "ACME01",
                    "address": ["1 Main St", "Suite 4"],
                    "city": "Dallas",
                    "state": "TX",
                    "zip": "75201",
                    "country": "US",
                },
            ),
        )
        self.assertEqual(x12.read_party(segments, 4)[1]["name"], "Bob")


@tagged("post_install", "-at_install")
class TestX12Writer(BaseCase):
    def test_format_segment(self):
        self.assertEqual(x12.format_segment("AK5", ["R", "5", "", None]), "AK5*R*5~")
        self.assertEqual(x12.format_segment("AK3", ["AT7", 5, "", "8"]), "AK3*AT7*5**8~")
        delimiters = x12.Delimiters("|", "^", "'", None)
        self.assertEqual(x12.format_segment("N1", ["SH", "A B"], delimiters), "N1|SH|A B'")
        self.assertEqual(x12.format_segment("AK4", [(3, 2), "", "1"], delimiters), "AK4|3^2||1'")
        self.assertEqual(x12.format_segment("AK4", [(3, None), "", "1"]), "AK4*3**1~")
        for value in ("A*B", "A~B", "A>B", "A\nB", ("A", "B*")):
            with self.subTest(value=value), self.assertRaisesRegex(PermanentError, "contains an X12 delimiter"):
                x12.format_segment("N1", ["SH", value])

    def test_isa_segment(self):
        segment = x12.isa_segment("ZZ", "CARRIER01", "ZZ", "SHIPPER01", 101, datetime(2026, 1, 15, 12, 30))
        self.assertEqual(segment, ISA_LITERAL)
        with self.assertRaisesRegex(PermanentError, "ISA06 .* is longer than 15"):
            x12.isa_segment("ZZ", "A" * 16, "ZZ", "B", 1, NOW)
        with self.assertRaisesRegex(PermanentError, "ISA13"):
            x12.isa_segment("ZZ", "A", "ZZ", "B", 10**9, NOW)

    def test_write_interchange_round_trip(self):
        groups = [
            x12.OutboundGroup(
                "SM",
                "SHIPPERGS",
                "CARRIERGS",
                [
                    x12.OutboundSet("204", [("B2", ["", "ABCD", "", "SHIP1"]), ("L11", ["BOL1", "BM"])]),
                    x12.OutboundSet("204", [("B2", ["", "ABCD", "", "SHIP2"])]),
                ],
            ),
            x12.OutboundGroup("SM", "SHIPPERGS", "CARRIERGS", [x12.OutboundSet("204", [("B2", ["", "EFGH"])])]),
        ]
        text = x12.write_interchange(("ZZ", "SHIPPER01"), ("ZZ", "CARRIER01"), 55, groups, now=NOW)
        self.assertEqual(
            text,
            "ISA*00*          *00*          *ZZ*SHIPPER01      *ZZ*CARRIER01      *260116*0805*U*00401*000000055*0*P*>~"
            "GS*SM*SHIPPERGS*CARRIERGS*20260116*0805*55*X*004010~"
            "ST*204*0001~B2**ABCD**SHIP1~L11*BOL1*BM~SE*4*0001~"
            "ST*204*0002~B2**ABCD**SHIP2~SE*3*0002~"
            "GE*2*55~"
            "GS*SM*SHIPPERGS*CARRIERGS*20260116*0805*56*X*004010~"
            "ST*204*0001~B2**EFGH~SE*3*0001~"
            "GE*1*56~"
            "IEA*2*000000055~",
        )
        interchange = x12.parse_interchange(text)
        self.assertEqual([g.control_number for g in interchange.groups], ["55", "56"])
        self.assertEqual(interchange.transaction_sets[0].segments[1].elements, ["", "ABCD", "", "SHIP1"])


@tagged("post_install", "-at_install")
class TestX12Acknowledgment(BaseCase):
    def segments(self, text):
        """The 997 parsed back (its counts and control numbers are checked by the reader)."""
        interchange = x12.parse_interchange(text)
        return interchange, [
            interchange.delimiters.element.join([s.id, *s.elements])
            for tset in interchange.transaction_sets
            for s in tset.segments
        ]

    def test_all_accepted(self):
        interchange = x12.parse_interchange(ONE_GROUP.replace("20261345", "20260115"))
        text = x12.build_997(interchange, control_number=42, now=NOW)
        self.assertEqual(
            text,
            "ISA*00*          *00*          *ZZ*SHIPPER01      *ZZ*CARRIER01      *260116*0805*U*00401*000000042*0*P*>~"
            "GS*FA*SHIPPERGS*CARRIERGS*20260116*0805*42*X*004010~"
            "ST*997*0001~"
            "AK1*QM*1001~"
            "AK2*214*0001~AK5*A~"
            "AK2*214*0002~AK5*A~"
            "AK9*A*2*2*2~"
            "SE*8*0001~"
            "GE*1*42~"
            "IEA*1*000000042~",
        )
        ack, _segments = self.segments(text)
        self.assertEqual((ack.sender_id, ack.receiver_id, ack.control_number), ("SHIPPER01", "CARRIER01", "000000042"))

    def test_partial_acceptance_with_ak3_ak4(self):
        interchange = x12.parse_interchange(ONE_GROUP)
        rejected = x12.SetResult(
            "0002",
            accepted=False,
            error_codes=[x12.SET_SEGMENTS_IN_ERROR],
            segment_notes=[
                x12.SegmentNote(
                    "AT7",
                    4,
                    x12.SEGMENT_HAS_ELEMENT_ERRORS,
                    elements=[x12.ElementNote(5, "8", "373", value="20261345")],
                )
            ],
            group_control_number="1001",
        )
        text = x12.build_997(interchange, [x12.SetResult("0001"), rejected], control_number=43, now=NOW)
        _ack, segments = self.segments(text)
        self.assertEqual(
            segments,
            [
                "ST*997*0001",
                "AK1*QM*1001",
                "AK2*214*0001",
                "AK5*A",
                "AK2*214*0002",
                "AK3*AT7*4**8",
                "AK4*5*373*8*20261345",
                "AK5*R*5",
                "AK9*P*2*2*1",
                "SE*10*0001",
            ],
        )
        self.assertIn("GE*1*43~IEA*1*000000043~", text)

    def test_all_rejected_and_component_position(self):
        interchange = x12.parse_interchange(ONE_GROUP)
        note = x12.SegmentNote("B10", 2, "8", elements=[x12.ElementNote(3, "1", "140", component=2, value="A>B")])
        results = [
            x12.SetResult("0001", accepted=False, error_codes=["5"], segment_notes=[note]),
            x12.SetResult("0002", accepted=False, error_codes=["1"]),
        ]
        _ack, segments = self.segments(x12.build_997(interchange, results, control_number=44, now=NOW))
        self.assertEqual(
            segments[2:-1],
            ["AK2*214*0001", "AK3*B10*2**8", "AK4*3>2*140*1*AB", "AK5*R*5", "AK2*214*0002", "AK5*R*1", "AK9*R*2*2*0"],
        )

    def test_one_997_per_received_group(self):
        interchange = x12.parse_interchange(TWO_GROUPS)
        results = [x12.SetResult("0001", accepted=False, error_codes=["5"], group_control_number="1002")]
        ack, segments = self.segments(x12.build_997(interchange, results, control_number=45, now=NOW))
        self.assertEqual(len(ack.groups), 1)
        self.assertEqual(ack.groups[0].ge.elements, ["2", "45"])
        self.assertEqual(
            segments,
            [
                "ST*997*0001",
                "AK1*QM*1001",
                "AK2*214*0001",
                "AK5*A",
                "AK2*214*0002",
                "AK5*A",
                "AK9*A*2*2*2",
                "SE*8*0001",
                "ST*997*0002",
                "AK1*IM*1002",
                "AK2*210*0001",
                "AK5*R*5",
                "AK9*R*1*1*0",
                "SE*6*0002",
            ],
        )
        # Groups from different application senders are answered in separate FA groups.
        other = TWO_GROUPS.replace("GS*IM*CARRIERGS", "GS*IM*OTHERGS")
        ack = x12.parse_interchange(x12.build_997(x12.parse_interchange(other), control_number=46, now=NOW))
        self.assertEqual(
            [(g.functional_id, g.sender_code, g.receiver_code, g.control_number) for g in ack.groups],
            [("FA", "SHIPPERGS", "CARRIERGS", "46"), ("FA", "SHIPPERGS", "OTHERGS", "47")],
        )

    def test_keeps_the_received_delimiters_and_version(self):
        received = isa(element="|", component="^", terminator="'", version="00501", standards="!") + "\n"
        received += (
            "GS|QM|CARRIERGS|SHIPPERGS|20260115|1230|9|X|005010'\n"
            "ST|214|0001|X214'\nB10|PRO1|SHIP1|ABCD'\nSE|3|0001'\nGE|1|9'\nIEA|1|000000101'\n"
        )
        interchange = x12.parse_interchange(received)
        self.assertEqual(interchange.delimiters, x12.Delimiters("|", "^", "'", "!"))
        text = x12.build_997(interchange, control_number=7, now=NOW)
        self.assertEqual(
            text,
            "ISA|00|          |00|          |ZZ|SHIPPER01      |ZZ|CARRIER01      |260116|0805|!|00501|000000007|0|P|^'"
            "GS|FA|SHIPPERGS|CARRIERGS|20260116|0805|7|X|005010'"
            "ST|997|0001'AK1|QM|9'AK2|214|0001|X214'AK5|A'AK9|A|1|1|1'SE|6|0001'GE|1|7'IEA|1|000000007'",
        )

    def test_reject_997_for_a_malformed_interchange(self):
        cases = [
            (ONE_GROUP.replace("SE*3*0001", "SE*4*0001"), ["AK5*R*4", "AK5*R", "AK9*R*2*2*0"]),
            (ONE_GROUP.replace("SE*5*0002", "SE*5*0003"), ["AK5*R", "AK5*R*3", "AK9*R*2*2*0"]),
            (ONE_GROUP.replace("GE*2*1001", "GE*3*1001"), ["AK5*R", "AK5*R", "AK9*R*3*2*0*5"]),
            (ONE_GROUP.replace("GE*2*1001", "GE*2*1002"), ["AK5*R", "AK5*R", "AK9*R*2*2*0*4"]),
            (ONE_GROUP.replace("IEA*1", "IEA*2"), ["AK5*R", "AK5*R", "AK9*R*2*2*0"]),
            (ONE_GROUP.split("SE*5*0002")[0], ["AK5*R", "AK5*R*2", "AK9*R*2*2*0*3"]),
        ]
        for text, expected in cases:
            with self.subTest(expected=expected):
                ack, segments = self.segments(x12.reject_997(text, control_number=50, now=NOW))
                self.assertEqual([s for s in segments if s.startswith(("AK5", "AK9"))], expected)
                self.assertEqual(ack.receiver_id, "CARRIER01")
        with self.assertRaisesRegex(ParseError, "nothing to acknowledge"):
            x12.reject_997(ISA_LITERAL + "IEA*0*000000101~", control_number=51, now=NOW)
        with self.assertRaisesRegex(ParseError, "does not start with an ISA"):
            x12.reject_997("garbage", control_number=52, now=NOW)
        # A group control number holding the component separator cannot be echoed in AK1.
        broken = ONE_GROUP.replace("*1001*X*", "*10>1*X*")
        with self.assertRaisesRegex(ParseError, "the 997 cannot be written: AK102 '10>1' contains an X12 delimiter"):
            x12.reject_997(broken, control_number=53, now=NOW)

    def test_set_result_helpers(self):
        interchange = x12.parse_interchange(ONE_GROUP)
        tset = interchange.transaction_sets[1]
        segment = tset.segments[3]
        error = x12.element_error(segment, 5, "(date) '20261345' is not a CCYYMMDD date", "8", "373", "20261345")
        result = x12.SetResult.rejected(tset, error)
        self.assertEqual(
            (result.control_number, result.accepted, result.error_codes, result.group_control_number, result.id_code),
            ("0002", False, ["5"], "1001", "214"),
        )
        self.assertEqual(
            result.messages,
            ["AT705 (date) '20261345' is not a CCYYMMDD date (transaction set 0002, segment 4 (AT7))"],
        )
        self.assertEqual(result.segment_notes[0].position, 4)
        plain = x12.SetResult.rejected(tset, ParseError("not a 214"), codes=["1"])
        self.assertEqual((plain.error_codes, plain.segment_notes), (["1"], []))
        self.assertTrue(x12.SetResult.ok(tset).accepted)


@tagged("post_install", "-at_install")
class TestX12Sets(BaseCase):
    """``read_sets``: the walk over the transaction sets shared by the 214 and 210 readers."""

    def test_read_sets_collects_values_and_results(self):
        seen = []

        def read_set(tset, group, interchange):
            seen.append((group.control_number, tset.control_number, interchange.control_number))
            if tset.id_code != "214":
                raise ParseError(f"transaction set {tset.id_code} is not a 214", tset.segments[0].where)
            if tset.control_number == "0002":
                raise x12.segment_error(tset.segments[1], "a bad B10", x12.SEGMENT_NOT_IN_SET)
            return tset.segments[1].get(1)

        interchange, values, results = x12.read_sets(TWO_GROUPS, "214", read_set)
        self.assertEqual(
            seen, [("1001", "0001", "000000101"), ("1001", "0002", "000000101"), ("1002", "0001", "000000101")]
        )
        self.assertEqual(values, ["PRO1"])
        self.assertEqual(
            [(r.group_control_number, r.control_number, r.accepted, r.error_codes) for r in results],
            [("1001", "0001", True, []), ("1001", "0002", False, ["5"]), ("1002", "0001", False, ["1"])],
        )
        self.assertEqual(results[1].segment_notes[0].code, x12.SEGMENT_NOT_IN_SET)
        self.assertIn("AK9*P*2*2*1~", x12.build_997(interchange, results, control_number=9, now=NOW))

    def test_read_sets_broken_envelope_reads_nothing(self):
        with self.assertRaises(ParseError):
            x12.read_sets(
                ONE_GROUP.replace("IEA*1*", "IEA*2*"), "214", lambda *args: self.fail("read a set"), strict=True
            )
        # Tolerant (the default): the IEA01 anomaly is a warning, the sets are read.
        interchange, values, _results = x12.read_sets(ONE_GROUP.replace("IEA*1*", "IEA*2*"), "214", lambda *a: 1)
        self.assertTrue(values)
        self.assertEqual([(w.segment, w.level) for w in interchange.warnings], [("IEA", "interchange")])
