"""Database-free tests of the X12 214 reader (formats/x12_214.py).

The interchanges are written by hand from the 214 (004010) segment layout.
"""

import contextlib
import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.services.exceptions import ParseError
from odoo.addons.logistics_connector.tests.test_x12 import isa

from ..formats import x12_214
from ..services import events as event_lib

NOW = datetime(2026, 1, 21, 9, 0)
CST = timezone(timedelta(hours=-6))
CDT = EST = timezone(timedelta(hours=-5))

# ISA: carrier CARRIER01 -> shipper SHIPPER01, control 201 (106 characters, see test_x12.isa).
ISA = "ISA*00*          *00*          *ZZ*CARRIER01      *ZZ*SHIPPER01      *260115*1500*U*00401*000000201*0*P*>~"

SET_1 = """ST*214*0001~
B10*PRO12345*SHIP-778*ABCD~
L11*BOL-1*BM~
L11*PO-9*PO~
L11*CUST-55*CR~
N1*SH*Acme Corp*93*ACME01~
N3*1 Main St~
N4*Dallas*TX*75201*US~
N1*CN*Widget Store~
N4*Memphis*TN*38103*US~
LX*1~
AT7*AF*NS***20260115*0815*CT~
MS1*Dallas*TX*US~
MS2*ABCD*TRL5501~
AT8*G*L*1250*10~
LX*2~
AT7*X6*NS***20260116*143000*ET~
MS1*Little Rock*AR*US~
AT7*AG*NS***20260117*1000*LT~
L11*PO-10*PO~
AT8*G*K*567.5*10~
LX*3~
AT7*D1*NS***20260717*1430*CT~
MS1*Memphis*TN*US~
SE*25*0001~
"""

SET_2 = """ST*214*0002~
B10*PRO777**EFGH~
LX*1~
AT7***AB*NA*20260120*0900*UT~
AT7*SD*AO***20260120*093015*ES~
MS1*Chicago*IL*US~
SE*7*0002~
"""

GOOD = (
    ISA + "\nGS*QM*ABCDGS*SHIPPERGS*20260115*1500*2001*X*004010~\n" + SET_1 + SET_2 + "GE*2*2001~\nIEA*1*000000201~\n"
)

# Facts added by the readers of real-world X12 (issue 15), checked in test_x12_*_corpus and
# test_x12_variations; left out here where whole dicts of the earlier facts are compared.
NEW_KEYS = {
    "reference_entries",
    "party_list",
    "n1_name",
    "date_sent",
    "time_sent",
    "currency_given",
    "date_list",
    "date_qualifier",
    "b3_date",
    "line_total",
    "totals_consistent",
    "taxes",
    "lx_loops",
    "special_charge_description",
    "amount_raw",
    "is_tax",
    "lx_index",
    "type",
}


def earlier(value):
    """``value`` without the facts in NEW_KEYS (recursively)."""
    if isinstance(value, dict):
        return {key: earlier(item) for key, item in value.items() if key not in NEW_KEYS}
    if isinstance(value, list):
        return [earlier(item) for item in value]
    return value


def interchange_of(*sets, control=202, terminator="~", group="3001"):
    """An interchange around hand-written sets (``~`` terminated), re-terminated if asked."""
    text = (
        isa(control=control)
        + f"GS*QM*ABCDGS*SHIPPERGS*20260115*1500*{group}*X*004010~"
        + "".join(sets).replace("\n", "")
        + f"GE*{len(sets)}*{group}~IEA*1*{control:09d}~"
    )
    return text.replace("~", terminator)


def one_set(segments, control="0001"):
    """A set around ``segments`` (a list of hand-written segments without terminators), SE01 counted."""
    return "".join(f"{s}~" for s in [f"ST*214*{control}", *segments, f"SE*{len(segments) + 2}*{control}"])


@tagged("post_install", "-at_install")
class TestX12_214(BaseCase):
    def test_isa_width(self):
        self.assertEqual(len(ISA), 106)

    def test_events_of_several_sets_and_lx_loops(self):
        interchange, events, results = x12_214.parse_214(GOOD)
        self.assertEqual(interchange.control_number, "000000201")
        self.assertEqual([(r.control_number, r.accepted) for r in results], [("0001", True), ("0002", True)])
        self.assertEqual(
            [(e["transaction_control"], e["status_code"], e["segment_position"]) for e in events],
            [("0001", "AF", 12), ("0001", "X6", 17), ("0001", "AG", 19), ("0001", "D1", 23), ("0002", None, 4)]
            + [("0002", "SD", 5)],
        )
        self.assertEqual(
            earlier(events[0]),
            {
                "transaction_control": "0001",
                "group_control": "2001",
                "interchange_control": "000000201",
                "carrier_reference": "PRO12345",
                "shipment_id": "SHIP-778",
                "scac": "ABCD",
                "references": {"BM": "BOL-1", "PO": "PO-9", "CR": "CUST-55"},
                "reference_list": [("BM", "BOL-1"), ("PO", "PO-9"), ("CR", "CUST-55")],
                "parties": {
                    "SH": {
                        "name": "Acme Corp",
                        "id_qualifier": "93",
                        "id": "ACME01",
                        "address": ["1 Main St"],
                        "city": "Dallas",
                        "state": "TX",
                        "zip": "75201",
                        "country": "US",
                    },
                    "CN": {
                        "name": "Widget Store",
                        "id_qualifier": None,
                        "id": None,
                        "address": [],
                        "city": "Memphis",
                        "state": "TN",
                        "zip": "38103",
                        "country": "US",
                    },
                },
                "assigned_number": "1",
                "status_code": "AF",
                "reason_code": "NS",
                "appointment_status_code": None,
                "appointment_reason_code": None,
                "event_time": datetime(2026, 1, 15, 8, 15, tzinfo=CST),
                "time_code": "CT",
                "utc_offset": "-06:00",
                "is_local_time": False,
                "location": {
                    "city": "Dallas",
                    "state": "TX",
                    "country": "US",
                    "postal_code": None,
                    "latitude": None,
                    "longitude": None,
                },
                "equipment": {"owner_scac": "ABCD", "number": "TRL5501"},
                "weight": Decimal("1250"),
                "weight_qualifier": "G",
                "weight_unit": "L",
                "lading_quantity": 10,
                "segment_position": 12,
            },
        )
        self.assertEqual(events[0]["event_time"], datetime(2026, 1, 15, 14, 15, tzinfo=UTC))

        en_route, estimated, delivered, appointment, delayed = events[1:]
        # The second LX: its own L11 PO replaces the heading's, its AT8 applies to both of its AT7.
        self.assertEqual(en_route["references"], {"BM": "BOL-1", "PO": "PO-10", "CR": "CUST-55"})
        self.assertEqual(en_route["event_time"], datetime(2026, 1, 16, 14, 30, tzinfo=EST))
        self.assertEqual(en_route["utc_offset"], "-05:00")
        self.assertEqual(en_route["location"]["city"], "Little Rock")
        self.assertIsNone(en_route["equipment"])
        self.assertEqual((en_route["weight"], en_route["weight_unit"]), (Decimal("567.5"), "K"))
        self.assertEqual(estimated["weight"], Decimal("567.5"))
        # LT: naive local time, flagged; no MS1: empty location.
        self.assertEqual(estimated["event_time"], datetime(2026, 1, 17, 10, 0))
        self.assertIsNone(estimated["event_time"].tzinfo)
        self.assertEqual(
            (estimated["is_local_time"], estimated["utc_offset"], estimated["time_code"]), (True, None, "LT")
        )
        self.assertEqual(
            estimated["location"],
            {"city": None, "state": None, "country": None, "postal_code": None, "latitude": None, "longitude": None},
        )
        # CT in July is daylight time.
        self.assertEqual(delivered["event_time"], datetime(2026, 7, 17, 14, 30, tzinfo=CDT))
        self.assertEqual(delivered["utc_offset"], "-05:00")
        self.assertEqual(delivered["references"]["PO"], "PO-9")
        self.assertIsNone(delivered["weight"])
        self.assertEqual(delivered["assigned_number"], "3")
        # Second set: appointment status only, no shipment id, UT; then HHMMSS in ES.
        self.assertEqual(
            (
                appointment["appointment_status_code"],
                appointment["appointment_reason_code"],
                appointment["reason_code"],
            ),
            ("AB", "NA", None),
        )
        self.assertEqual((appointment["scac"], appointment["shipment_id"]), ("EFGH", None))
        self.assertEqual(appointment["event_time"], datetime(2026, 1, 20, 9, 0, tzinfo=UTC))
        self.assertEqual(appointment["utc_offset"], "+00:00")
        self.assertEqual((appointment["references"], appointment["parties"]), ({}, {}))
        self.assertEqual((delayed["status_code"], delayed["reason_code"]), ("SD", "AO"))
        self.assertEqual(delayed["event_time"], datetime(2026, 1, 20, 9, 30, 15, tzinfo=EST))
        self.assertEqual(delayed["location"]["city"], "Chicago")

    def test_the_parser_does_not_map_statuses(self):
        _interchange, events, _results = x12_214.parse_214(GOOD)
        self.assertTrue(all("status" not in event for event in events))

    def test_other_delimiters_and_newline_terminator(self):
        expected = x12_214.parse_214(GOOD)[1]
        lines = GOOD.splitlines()
        variants = {
            "pipe, caret, apostrophe": (isa(control=201, element="|", component="^", terminator="'"), "|", "'", ""),
            "star, colon, newline": (isa(control=201, component=":", terminator="\n"), "*", "\n", ""),
            "tilde and CRLF": (isa(control=201), "*", "~", "\r\n"),
        }
        for name, (header, element, terminator, line_end) in variants.items():
            text = header.replace("260115*1230", "260115*1500").replace("260115|1230", "260115|1500") + line_end
            for line in lines[1:]:
                text += line[:-1].replace("*", element) + terminator + line_end
            with self.subTest(name):
                interchange, events, results = x12_214.parse_214(text)
                self.assertEqual(interchange.delimiters.element, element)
                self.assertTrue(all(r.accepted for r in results))
                self.assertEqual(events, expected)

    def test_same_instant_same_identity(self):
        central = one_set(["B10*PRO1*SHIP1*ABCD", "LX*1", "AT7*X1*NS***20260115*0815*CS", "MS1*Memphis*TN*US"])
        universal = one_set(["B10*PRO1*SHIP1*ABCD", "LX*1", "AT7*X1*NS***20260115*1415*UT", "MS1*MEMPHIS*TN*US"])
        other = one_set(["B10*PRO1*SHIP1*ABCD", "LX*1", "AT7*D1*NS***20260115*1415*UT", "MS1*MEMPHIS*TN*US"])
        # The identity the event model stores (services/events.event_identity), of the canonical events.
        identities = []
        for text in (central, universal, other):
            (event,) = x12_214.parse_214(interchange_of(text))[1]
            norm = x12_214.to_canonical(event)
            status = x12_214.DEFAULT_STATUS_MAP[norm["status_code"]]
            identities.append(
                event_lib.event_identity(norm["refs"], status, norm["event_time"], norm["location"]["city"])
            )
        self.assertEqual(identities[0], identities[1])
        self.assertNotEqual(identities[1], identities[2])

    def test_partial_acceptance_and_997(self):
        good = one_set(["B10*PRO1*SHIP1*ABCD", "LX*1", "AT7*X3*NS***20260115*0700*ET"], "0001")
        no_date = one_set(["B10*PRO2*SHIP2*ABCD", "LX*1", "AT7*X3*NS****0700*ET"], "0002")
        no_b10 = one_set(["L11*BOL-3*BM", "LX*1", "AT7*X3*NS***20260115*0700*ET"], "0003")
        interchange, events, results = x12_214.parse_214(interchange_of(good, no_date, no_b10))
        self.assertEqual([(e["transaction_control"], e["status_code"]) for e in events], [("0001", "X3")])
        self.assertEqual([r.accepted for r in results], [True, False, False])
        self.assertEqual(results[1].messages, ["AT705 (date) is missing (transaction set 0002, segment 4 (AT7))"])
        self.assertEqual(
            results[2].messages,
            [
                "the 214 has no B10 segment (carrier reference, shipment id, SCAC) "
                "(transaction set 0003, segment 2 (L11))"
            ],
        )
        ack = x12.build_997(interchange, results, control_number=900, now=NOW)
        self.assertEqual(
            ack,
            "ISA*00*          *00*          *ZZ*SHIPPER01      *ZZ*CARRIER01      *260121*0900*U*00401*000000900*0*P*>~"
            "GS*FA*SHIPPERGS*ABCDGS*20260121*0900*900*X*004010~"
            "ST*997*0001~"
            "AK1*QM*3001~"
            "AK2*214*0001~AK5*A~"
            "AK2*214*0002~AK3*AT7*4**8~AK4*5*373*1~AK5*R*5~"
            "AK2*214*0003~AK3*B10*2**3~AK5*R*5~"
            "AK9*P*3*3*1~"
            "SE*13*0001~"
            "GE*1*900~"
            "IEA*1*000000900~",
        )
        all_bad = x12_214.parse_214(interchange_of(no_date, no_b10))
        self.assertEqual(all_bad[1], [])
        self.assertIn("AK9*R*2*2*0~", x12.build_997(all_bad[0], all_bad[2], control_number=901, now=NOW))

    def test_semantic_problems_reject_the_set(self):
        b10 = "B10*PRO1*SHIP1*ABCD"
        at7 = "AT7*X6*NS***20260115*1430*ET"
        cases = [
            # (segments, message, (AK301, AK302, AK304), AK4 (position, reference, code, value) or None)
            (["LX*1", at7], "the 214 has no B10 segment", ("B10", 2, "3"), None),
            ([], "the 214 has no B10 segment", ("B10", 2, "3"), None),
            (["L11*BOL-1*BM", b10, "LX*1", at7], "B10 must be the first segment after ST", ("L11", 2, "7"), None),
            ([b10, b10, "LX*1", at7], "a second B10 segment", ("B10", 3, "5"), None),
            (["B10*PRO1*SHIP1", "LX*1", at7], r"B1003 \(standard carrier alpha code\) is missing", ("B10", 2, "8"))
            + ((3, "140", "1", ""),),
            (["B10***ABCD", "LX*1", at7], "B1001 .* or B1002 .* is required", ("B10", 2, "8"), (1, "127", "2", "")),
            ([b10, "LX*1", "AT7*X6*NS****1430*ET"], r"AT705 \(date\) is missing", ("AT7", 4, "8"), (5, "373", "1", "")),
            ([b10, "LX*1", "AT7*X6*NS***20260230*1430*ET"], "'20260230' is not a CCYYMMDD", ("AT7", 4, "8"))
            + ((5, "373", "8", "20260230"),),
            ([b10, "LX*1", "AT7*X6*NS***20260115**ET"], r"AT706 \(time\) is missing", ("AT7", 4, "8"))
            + ((6, "337", "1", ""),),
            ([b10, "LX*1", "AT7*X6*NS***20260115*2575*ET"], "'2575' is not an HHMM", ("AT7", 4, "8"))
            + ((6, "337", "9", "2575"),),
            ([b10, "LX*1", "AT7*X6*NS***20260115*1430*XX"], "AT707 .* 'XX' is not an X12 time code", ("AT7", 4, "8"))
            + ((7, "623", "7", "XX"),),
            ([b10, "LX*1", "AT7*****20260115*1430*ET"], "AT701 .* or AT703 .* is required", ("AT7", 4, "8"))
            + ((1, "1650", "2", ""),),
            ([b10, at7, "LX*1", at7], "AT7 before any LX loop", ("AT7", 3, "7"), None),
            ([b10, "LX*1", "MS1*Dallas*TX*US", at7], "MS1 must follow its AT7", ("MS1", 4, "7"), None),
            (
                [b10, "N1*SH*Acme", "L11*BOL-1*BM", "LX*1", at7],
                "L11 of the heading must come before",
                ("L11", 4, "7"),
                None,
            ),
            ([b10, "N3*1 Main St", "LX*1", at7], "N3 is not allowed here", ("N3", 3, "7"), None),
            ([b10, "LX*1", "L11*A*BM", "LX*2", at7], "LX 1 has no AT7 status", ("AT7", 5, "3"), None),
            ([b10, "LX*1"], "LX 1 has no AT7 status", ("AT7", 4, "3"), None),
            ([b10, "L11*BOL-1*BM"], "the 214 has no LX loop", ("LX", 4, "3"), None),
            ([b10, "ZZZ*1", "LX*1", at7], "ZZZ is not a segment of the 214", ("ZZZ", 3, "6"), None),
            ([b10, "LX*1", at7, "B3*X"], "B3 is not a segment of the 214", ("B3", 5, "6"), None),
            ([b10, "LX*1", at7, "AT8*G*L*12,5*3"], "AT803 .* '12,5' is not a decimal", ("AT8", 5, "8"))
            + ((3, "81", "6", "12,5"),),
            ([b10, "LX*1", at7, "AT8*G*L*12*3.5"], "AT804 .* '3.5' is not a whole", ("AT8", 5, "8"))
            + ((4, "80", "6", "3.5"),),
            (
                [b10, "L11*BOL-1", "LX*1", at7],
                r"L1102 \(reference identification qualifier\) is missing",
                ("L11", 3, "8"),
            )
            + ((2, "128", "1", ""),),
            ([b10, "LX*1", at7, "CD3*1", at7], "AT7 after a CD3 carton loop", ("AT7", 6, "7"), None),
        ]
        for segments, pattern, ak3, ak4 in cases:
            with self.subTest(pattern=pattern, segments=segments):
                _interchange, events, results = x12_214.parse_214(interchange_of(one_set(segments, "0007")))
                self.assertEqual(events, [])
                (result,) = results
                self.assertFalse(result.accepted)
                self.assertEqual(result.error_codes, ["5"])
                self.assertRegex(result.messages[0], pattern)
                self.assertIn("transaction set 0007, segment", result.messages[0])
                (note,) = result.segment_notes
                self.assertEqual((note.segment_id, note.position, note.code), ak3)
                self.assertEqual(
                    [(e.position, e.reference, e.code, e.value) for e in note.elements], [ak4] if ak4 else []
                )

    def test_tolerated_order_in_the_lx_loop(self):
        """MS1 after MS2 or AT8, L11 after AT8: read (carriers send them so), not rejected."""
        b10 = "B10*PRO1*SHIP1*ABCD"
        at7 = "AT7*X6*NS***20260115*1430*ET"
        for segments, check in (
            ([b10, "LX*1", at7, "MS2*ABCD*T1", "MS1*Dallas*TX"], ("location", "city", "Dallas")),
            ([b10, "LX*1", at7, "AT8*G*L*10*1", "MS1*Dallas"], ("location", "city", "Dallas")),
            ([b10, "LX*1", at7, "AT8*G*L*10*1", "L11*X*PO"], ("references", "PO", "X")),
        ):
            with self.subTest(segments=segments):
                _interchange, (event,), (result,) = x12_214.parse_214(interchange_of(one_set(segments, "0007")))
                self.assertTrue(result.accepted)
                self.assertEqual(event[check[0]][check[1]], check[2])

    def test_ignored_segments_of_the_standard_are_accepted(self):
        text = one_set(
            [
                "B10*PRO1*SHIP1*ABCD",
                "MAN*GM*LABEL1",
                "K1*REMARK",
                "N1*SH*Acme",
                "G61*IC*Bob*TE*5551234",
                "MS3*EFGH*1**M",
                "LX*1",
                "AT7*X6*NS***20260115*1430*ET",
                "MS1*Dallas*TX*US",
                "L11*PO-1*PO",
                "Q7*A*3",
                "AT8*G*L*10*1",
                "CD3*1",
                "L11*CARTON*CN",
                "AT8*G*L*5*1",
            ]
        )
        _interchange, events, results = x12_214.parse_214(interchange_of(text))
        self.assertTrue(results[0].accepted, results[0].messages)
        (event,) = events
        self.assertEqual(event["references"], {"PO": "PO-1"})
        self.assertEqual(event["weight"], Decimal("10"))
        self.assertEqual(event["parties"]["SH"]["name"], "Acme")

    def test_postal_code_of_ms1(self):
        text = one_set(["B10*PRO1*SHIP1*ABCD", "LX*1", "AT7*X6*NS***20260115*1430*ET", "MS1*Dallas*TX*US*****75201"])
        (event,) = x12_214.parse_214(interchange_of(text))[1]
        self.assertEqual(
            event["location"],
            {
                "city": "Dallas",
                "state": "TX",
                "country": "US",
                "postal_code": "75201",
                "latitude": None,
                "longitude": None,
            },
        )

    def test_a_set_other_than_214_is_not_supported(self):
        text = interchange_of(
            "ST*210*0001~B3**INV1*SHIP1*PP**20260115*1000****ABCD~SE*3*0001~",
            one_set(["B10*PRO1*SHIP1*ABCD", "LX*1", "AT7*X6*NS***20260115*1430*ET"], "0002"),
        )
        interchange, events, results = x12_214.parse_214(text)
        self.assertEqual(len(events), 1)
        self.assertEqual((results[0].accepted, results[0].error_codes), (False, ["1"]))
        self.assertEqual(
            results[0].messages, ["transaction set 210 is not a 214 (transaction set 0001, segment 1 (ST))"]
        )
        ack = x12.build_997(interchange, results, control_number=5, now=NOW)
        self.assertIn("AK2*210*0001~AK5*R*1~AK2*214*0002~AK5*A~AK9*P*2*2*1~", ack)

    def test_broken_envelope_raises(self):
        cases = [
            (GOOD.replace("SE*25*0001", "SE*24*0001"), "SE01 says 24 segments but transaction set 0001 has 25"),
            (GOOD.replace("GE*2*2001", "GE*1*2001"), "GE01 says 1 transaction sets but group 2001 has 2"),
            (GOOD.split("SE*7*0002")[0], "truncated: no IEA trailer"),
            (GOOD[:80], "ISA segment is truncated"),
            ("", "the interchange is empty"),
            (b"\x00\x01\x02binary", "does not start with an ISA segment"),
            (GOOD.replace("CARRIER01      ", "CARRIER01 "), "ISA06 .* is 10 characters wide instead of 15"),
        ]
        for text, pattern in cases:
            with self.subTest(pattern=pattern), self.assertRaisesRegex(ParseError, pattern):
                x12_214.parse_214(text, strict=True)
        # Read tolerantly (the default), the envelope anomalies are warnings and the events are kept.
        for text, pattern in cases[:2] + cases[-1:]:
            with self.subTest(tolerant=pattern):
                interchange, events, results = x12_214.parse_214(text)
                self.assertTrue(events)
                self.assertRegex(" ".join(str(w) for w in interchange.warnings), pattern)
        for text, pattern in cases[3:6]:
            with self.subTest(refused=pattern), self.assertRaisesRegex(ParseError, pattern):
                x12_214.parse_214(text)

    def test_corrupted_interchanges_raise_only_parse_error(self):
        rng = random.Random(214)
        alphabet = "*~>\n\x00\u00b2 AZ09-.LXAT7MS1B10"
        outcomes = {"read": 0, "refused": 0}
        for _round in range(400):
            chars = list(GOOD)
            for _hit in range(rng.randint(1, 3)):
                chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            with contextlib.suppress(ParseError):
                interchange, _events, results = x12_214.parse_214("".join(chars))
                x12.build_997(interchange, results, control_number=1, now=NOW)
                outcomes["read"] += 1
                continue
            outcomes["refused"] += 1
        self.assertGreater(outcomes["read"], 50)
        self.assertGreater(outcomes["refused"], 50)

    def test_time_codes(self):
        day, summer = datetime(2026, 1, 15).date(), datetime(2026, 7, 15).date()
        noon = datetime(2026, 1, 15, 12, 0).time()
        cases = [
            (day, "UT", "+00:00"),
            (day, "GM", "+00:00"),
            (day, "ET", "-05:00"),
            (summer, "ET", "-04:00"),
            (day, "ES", "-05:00"),
            (summer, "ES", "-05:00"),
            (day, "ED", "-04:00"),
            (day, "CT", "-06:00"),
            (summer, "CT", "-05:00"),
            (day, "CD", "-05:00"),
            (day, "MT", "-07:00"),
            (summer, "MT", "-06:00"),
            (day, "MS", "-07:00"),
            (day, "PT", "-08:00"),
            (summer, "PT", "-07:00"),
            (day, "PD", "-07:00"),
            (day, "AT", "-09:00"),
            (summer, "AT", "-08:00"),
            (day, "HT", "-10:00"),
            (summer, "HT", "-10:00"),
            (day, "NT", "-03:30"),
            (summer, "NT", "-02:30"),
            (day, "NS", "-03:30"),
            (day, "TT", "-04:00"),
            (summer, "TT", "-03:00"),
            (day, "01", "+01:00"),
            (day, "12", "+12:00"),
            (day, "13", "-12:00"),
            (day, "24", "-01:00"),
        ]
        for when, code, offset in cases:
            with self.subTest(code=code, when=when):
                event_time, text, is_local = x12_214.to_event_time(when, noon, code)
                self.assertEqual((text, is_local), (offset, False))
                self.assertEqual(event_time.strftime("%z"), offset.replace(":", ""))
                self.assertEqual(event_time.replace(tzinfo=None), datetime(when.year, when.month, when.day, 12))
        for code in ("LT", ""):
            self.assertEqual(x12_214.to_event_time(day, noon, code), (datetime(2026, 1, 15, 12, 0), None, True))
        with self.assertRaises(KeyError):
            x12_214.to_event_time(day, noon, "ZZ")

    def test_default_status_map(self):
        self.assertTrue(set(x12_214.DEFAULT_STATUS_MAP.values()) <= set(x12_214.CANONICAL_STATUSES))
        self.assertNotIn("draft", x12_214.DEFAULT_STATUS_MAP.values())
        expected = {
            "XB": "tendered",
            "X3": "booked",
            "AF": "picked_up",
            "CP": "picked_up",
            "X6": "in_transit",
            "P1": "in_transit",
            "AG": "in_transit",
            "OA": "in_transit",
            "X1": "out_for_delivery",
            "X5": "out_for_delivery",
            "D1": "delivered",
            "CD": "delivered",
            "SD": "delayed",
            "PR": "customs_hold",
            "AH": "exception",
            "A7": "exception",
            "A9": "exception",
            "CA": "cancelled",
        }
        self.assertEqual({code: x12_214.DEFAULT_STATUS_MAP[code] for code in expected}, expected)

    def test_to_canonical(self):
        _interchange, events, _results = x12_214.parse_214(GOOD)
        canonical = x12_214.to_canonical(events[0])
        self.assertEqual(
            canonical["refs"],
            {
                "tracking_ref": "PRO12345",
                "shipment_id": "SHIP-778",
                "bill_of_lading": "BOL-1",
                "order_ref": "PO-9",
                "reference": "CUST-55",
            },
        )
        self.assertEqual((canonical["event_time"], canonical["event_tz"]), (datetime(2026, 1, 15, 14, 15), "-06:00"))
        self.assertEqual((canonical["status_code"], canonical["status"], canonical["reason_code"]), ("AF", None, "NS"))
        self.assertEqual(canonical["location"]["city"], "Dallas")
        local = x12_214.to_canonical(events[2])
        self.assertEqual(
            (local["event_time"], local["event_tz"], local["is_local_time"]), (datetime(2026, 1, 17, 10), None, True)
        )
        appointment = x12_214.to_canonical(events[4])
        self.assertEqual((appointment["status_code"], appointment["refs"]), ("AB", {"tracking_ref": "PRO777"}))
