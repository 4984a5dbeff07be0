"""The tolerant X12 reader on the variations real interchanges show (issue 15), one test each:
how the delimiters and line breaks are found, several interchanges in one file, control
number and count anomalies read on as warnings (or refused in strict mode), the 997 that
acknowledges them (AK5/AK9 ``E``), and a received 997 read back.
"""

from datetime import datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.services.exceptions import ParseError

NOW = datetime(2026, 1, 16, 8, 5)
ISA = "ISA*00*          *00*          *ZZ*CARRIER01      *ZZ*SHIPPER01      *260115*1230*U*00401*000000101*0*P*>"
BODY = (
    "GS*QM*CARRIERGS*SHIPPERGS*20260115*1230*1001*X*004010",
    "ST*214*0001",
    "B10*PRO1*SHIP1*ABCD",
    "LX*1",
    "AT7*X6*NS***20260115*1430*ET",
    "SE*5*0001",
    "GE*1*1001",
    "IEA*1*000000101",
)


def interchange(terminator="~", isa=ISA, body=BODY, after=""):
    return "".join(segment + terminator + after for segment in [isa, *body])


def replaced(old, new):
    return [segment.replace(old, new) for segment in BODY]


@tagged("post_install", "-at_install")
class TestX12Variations(BaseCase):
    def read_one(self, data, **kwargs):
        (read,) = x12.read_interchanges(data, **kwargs)
        return read

    def assert_read(self, data, terminator="~", warnings=()):
        read = self.read_one(data)
        self.assertEqual(read.delimiters.segment, terminator)
        self.assertEqual((read.sender_id, read.control_number), ("CARRIER01", "000000101"))
        (tset,) = read.transaction_sets
        self.assertEqual([s.id for s in tset.segments], ["ST", "B10", "LX", "AT7", "SE"])
        self.assertEqual(tset.segments[1].elements, ["PRO1", "SHIP1", "ABCD"])
        self.assertEqual([w.segment for w in read.warnings], list(warnings))
        return read

    # Delimiters and line breaks
    def test_utf8_bom(self):
        self.assert_read(b"\xef\xbb\xbf" + interchange().encode())

    def test_isa_not_fixed_width_is_read_with_a_warning(self):
        trimmed = "ISA*00**00**ZZ*CARRIER01*ZZ*SHIPPER01*260115*1230*U*00401*000000101*0*P*>"
        read = self.assert_read(interchange(isa=trimmed), warnings=["ISA"])
        self.assertIn("ISA02 (authorization information) is 0 characters wide instead of 10", str(read.warnings[0]))
        with self.assertRaisesRegex(ParseError, "ISA02 .* is 0 characters wide"):
            x12.read_interchanges(interchange(isa=trimmed), strict=True)

    def test_hard_wrapped_at_80_columns(self):
        text = interchange()
        wrapped = "\n".join(text[i : i + 80] for i in range(0, len(text), 80))
        self.assertIn("\n", wrapped[:106])  # the break falls inside the ISA
        self.assert_read(wrapped)

    def test_crlf_and_indentation_after_the_terminator(self):
        self.assert_read(interchange(after="\r\n    "))

    def test_newline_only_terminator(self):
        self.assert_read(interchange("\n"), "\n")
        self.assert_read(interchange("\r\n"), "\n")

    def test_pipe_and_period_terminators(self):
        self.assert_read(interchange("|", after="\n"), "|")
        self.assert_read(interchange("."), ".")

    def test_multibyte_terminator(self):
        self.assert_read(interchange("\u2026", after="\n").encode("utf-8"), "\u2026")

    def test_other_element_and_component_separators(self):
        text = interchange().replace("*", "^").replace(">~", ":~")
        read = self.assert_read(text)
        self.assertEqual((read.delimiters.element, read.delimiters.component), ("^", ":"))

    def test_several_interchanges_in_one_file(self):
        second = interchange("|", after="\r\n").replace("000000101", "000000102").replace("PRO1", "PRO2")
        reads = x12.read_interchanges(interchange(after="\n") + "\n" + second)
        self.assertEqual([r.control_number for r in reads], ["000000101", "000000102"])
        self.assertEqual([r.delimiters.segment for r in reads], ["~", "|"])
        self.assertEqual([r.transaction_sets[0].segments[1].get(1) for r in reads], ["PRO1", "PRO2"])
        self.assertEqual(x12.read_interchange(second).control_number, "000000102")
        # The old single-interchange API still refuses a second ISA (strict reading).
        with self.assertRaisesRegex(ParseError, "segment ISA after the IEA trailer"):
            x12.parse_interchange(interchange() + interchange())

    # Control numbers and counts: warnings, refusals in strict mode
    def assert_anomaly(self, body, segment, code, level, pattern):
        text = interchange(body=body)
        read = self.read_one(text)
        self.assertEqual(len(read.transaction_sets), 1)
        (warning,) = read.warnings
        self.assertEqual((warning.segment, warning.code, warning.level), (segment, code, level))
        self.assertRegex(warning.message, pattern)
        with self.assertRaisesRegex(ParseError, pattern) as caught:
            x12.read_interchanges(text, strict=True)
        self.assertIn(f"({segment})", caught.exception.where)
        return read, warning

    def test_se01_count(self):
        read, warning = self.assert_anomaly(replaced("SE*5", "SE*9"), "SE", "4", "set", "SE01 says 9 segments")
        self.assertEqual((warning.set_control, warning.set_position), ("0001", 5))
        ack = x12.build_997(read, control_number=5, now=NOW)
        self.assertIn("AK2*214*0001~AK5*E*4~AK9*E*1*1*1~", ack)

    def test_se02_control(self):
        self.assert_anomaly(replaced("SE*5*0001", "SE*5*0002"), "SE", "3", "set", "SE02 '0002' does not match ST02")

    def test_ge01_count(self):
        read, _warning = self.assert_anomaly(replaced("GE*1", "GE*3"), "GE", "5", "group", "GE01 says 3")
        self.assertIn("AK5*A~AK9*E*3*1*1*5~", x12.build_997(read, control_number=5, now=NOW))

    def test_ge02_against_gs06(self):
        self.assert_anomaly(replaced("GE*1*1001", "GE*1*1002"), "GE", "4", "group", "GE02 '1002' does not match GS06")

    def test_iea02_against_isa13(self):
        self.assert_anomaly(replaced("IEA*1*000000101", "IEA*1*000000100"), "IEA", "", "interchange", "IEA02")

    def test_old_isa_version_next_to_a_newer_gs_version(self):
        read = self.read_one(interchange(isa=ISA.replace("00401", "00400"), body=replaced("004010", "004030")))
        self.assertEqual((read.version, read.groups[0].version, read.warnings), ("00400", "004030", []))

    def test_gs01_not_matching_the_set(self):
        def read_set(tset, group, interchange):
            return tset.control_number

        (read,) = x12.read_interchange_sets(interchange(body=replaced("GS*QM", "GS*IM")), "214", read_set)
        self.assertEqual(read.values, ["0001"])
        (warning,) = read.warnings
        self.assertEqual((warning.segment, warning.level), ("GS", "set"))
        self.assertIn("GS01 'IM' is not the functional identifier of a 214 (QM)", warning.message)
        self.assertIn("AK5*E~AK9*E*1*1*1~", x12.build_997(read.interchange, read.results, now=NOW))

    def test_a_set_without_se_is_still_rejected(self):
        body = [segment for segment in BODY if not segment.startswith("SE")]
        (read,) = x12.read_interchange_sets(interchange(body=body), "214", lambda *args: self.fail("read"))
        (result,) = read.results
        self.assertFalse(result.accepted)
        self.assertIn("has no SE trailer", result.messages[0])
        self.assertIn("AK5*R*2~AK9*R*1*1*0~", x12.build_997(read.interchange, read.results, now=NOW))

    def test_unreadable_isa_is_refused(self):
        for data, pattern in (
            ("ISA*00*too short~", "ISA segment is truncated"),
            ("GS*QM*X~", "does not start with an ISA"),
            (interchange().replace("~", "", 1).replace(">", "A", 1), "not a delimiter"),
            ("", "empty"),
        ):
            with self.subTest(pattern=pattern), self.assertRaisesRegex(ParseError, pattern):
                x12.read_interchanges(data)

    # 997
    def test_997_with_content_notes(self):
        """A set reader's note (x12.note) gives AK3/AK4 and AK5 E; a rejected set stays R; AK9 P."""
        body = [*BODY[:6], "ST*214*0002", "B10*PRO2*SHIP2*ABCD", "SE*3*0002", "GE*2*1001", BODY[-1]]

        def read_set(tset, group, interchange):
            if tset.control_number == "0002":
                raise x12.segment_error(tset.segments[1], "bad", x12.SEGMENT_NOT_IN_SET)
            x12.note(tset, tset.segments[3], "(status code) 'X6' noted", 1, x12.ELEMENT_INVALID_CODE, "1650", "X6")
            return 1

        (read,) = x12.read_interchange_sets(interchange(body=body), "214", read_set)
        self.assertEqual([r.status for r in read.results], ["E", "R"])
        ack = x12.build_997(read.interchange, read.results, control_number=8, now=NOW)
        self.assertIn("AK2*214*0001~AK3*AT7*4**8~AK4*1*1650*7*X6~AK5*E~AK2*214*0002~AK3*B10*2**6~AK5*R*5~", ack)
        self.assertIn("AK9*P*2*2*1~", ack)
        # A clean interchange is still A, and the received 997 reads back.
        clean = x12.build_997(self.read_one(interchange()), control_number=9, now=NOW)
        self.assertIn("AK5*A~AK9*A*1*1*1~", clean)
        back = x12.read_997(ack)
        (group,) = back.acknowledgments
        self.assertEqual((group.functional_id, group.group_control_number, group.status), ("QM", "1001", "P"))
        self.assertEqual(
            [(s.control_number, s.status, s.accepted) for s in group.sets], [("0001", "E", True), ("0002", "R", False)]
        )
        self.assertEqual([(n.segment_id, n.position, n.code) for n in group.sets[1].notes], [("B10", 2, "6")])
        self.assertEqual(back.interchanges[0].receiver_id, "CARRIER01")

    def test_inbound_997_without_envelope_and_broken(self):
        bare = "ST*997*0001\nAK1*QM*1001\nAK2*214*0001\nAK5*A\nAK9*A*1*1*1\nSE*6*0001\n"
        (group,) = x12.read_997(bare).acknowledgments
        self.assertTrue(group.accepted and group.sets[0].accepted)
        self.assertEqual(x12.read_997(bare.replace("SE*6", "SE*7")).warnings[0].segment, "SE")
        with self.assertRaisesRegex(ParseError, "SE01"):
            x12.read_997(bare.replace("SE*6", "SE*7"), strict=True)
        for data, pattern in (("AK1*QM*1~", "starts with ISA or ST"), ("ST*210*1~SE*2*1~", "is not a 997")):
            with self.subTest(pattern=pattern), self.assertRaisesRegex(ParseError, pattern):
                x12.read_997(data)
