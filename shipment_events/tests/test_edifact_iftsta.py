"""The IFTSTA reader (formats/edifact_iftsta.py) on small interchanges of our own, one per
variation: UNA absent or present with other separators, release characters, D96A and D04A,
EANCOM, time zones, an impossible date, UNT/UNZ mismatches."""

from datetime import UTC, datetime, timedelta, timezone

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..formats import edifact_iftsta
from ..formats.edifact_iftsta_codes import DateError, to_datetime


def interchange(*messages, una="", control="REF42", unz_count=None, unz_ref=None, syntax="UNOC:3"):
    """An interchange of ``messages`` (each a list of segments without UNH/UNT)."""
    parts = [f"{una}UNB+{syntax}+CARRIER:ZZZ+OURCOMPANY:ZZZ+261120:0800+{control}'"]
    for index, (header, body) in enumerate(messages, start=1):
        segments = [f"UNH+{index}+{header}"] + body
        parts += [f"{segment}'" for segment in segments] + [f"UNT+{len(segments) + 1}+{index}'"]
    parts.append(f"UNZ+{unz_count if unz_count is not None else len(messages)}+{unz_ref or control}'")
    return "\n".join(parts).encode("latin-1")


D04A = "IFTSTA:D:04A:UN"
D96A = "IFTSTA:D:96A:UN"
EANCOM = "IFTSTA:D:01B:UN:EAN003"


def body(status="21", date="202611201040", fmt="203", cni="PRO-1001", extra=()):
    return [
        "BGM+23+DOC-1+9",
        "DTM+137:202611200800:203",
        f"CNI+1+{cni}",
        "RFF+BM:BOL-1001",
        f"STS+1+{status}::6:Delivered",
        "RFF+CU:CUST-7",
        f"DTM+334:{date}:{fmt}",
        "LOC+14+FRLYS:139:6:Lyon",
        "EQD+CN+MSKU1234567+42G1",
        *extra,
    ]


@tagged("post_install", "-at_install")
class TestEdifactIftsta(BaseCase):
    def test_d96a_without_una(self):
        data = interchange((D96A, body()))
        inter, events, results = edifact_iftsta.parse_iftsta(data)
        self.assertFalse(inter.has_una)
        self.assertEqual(inter.envelope, {"sender": "CARRIER", "recipient": "OURCOMPANY", "reference": "REF42"})
        self.assertEqual((inter.syntax, inter.syntax_version), ("UNOC", "3"))
        self.assertEqual(inter.warnings, [])
        self.assertEqual(
            [(r.reference, r.version, r.accepted, r.warnings) for r in results], [("1", "D:96A:UN", True, [])]
        )
        [event] = events
        self.assertEqual(event["status_code"], "21")
        self.assertEqual(event["status_agency"], "6")
        self.assertEqual(event["status_text"], "Delivered")
        self.assertEqual(event["consignment_number"], "PRO-1001")
        self.assertEqual(event["references"], {"BM": "BOL-1001", "CU": "CUST-7"})
        self.assertEqual(event["event_time"], datetime(2026, 11, 20, 10, 40))
        self.assertTrue(event["is_local_time"])
        self.assertEqual(event["location"]["locode"], "FRLYS")
        self.assertEqual(event["location"]["country"], "FR")
        self.assertEqual(event["location"]["city"], "Lyon")
        self.assertEqual(event["equipment"], [{"qualifier": "CN", "number": "MSKU1234567", "size_type": "42G1"}])
        norm = edifact_iftsta.to_canonical(event)
        self.assertEqual(
            norm["refs"], {"tracking_ref": "PRO-1001", "bill_of_lading": "BOL-1001", "reference": "CUST-7"}
        )
        self.assertEqual(norm["location"]["name"], "FRLYS")
        self.assertIsNone(norm["event_tz"])

    def test_d04a_and_eancom_with_una_other_separators_and_release(self):
        # UNA with '*' as component separator, '|' as element separator and '!' as terminator,
        # '?' releasing separators inside the status text.
        text = (
            b"UNA*|.? !UNB|UNOA*2|CARRIER*14|OURCOMPANY*14|261120*0800|77!"
            b"UNH|1|IFTSTA*D*01B*UN*EAN003!BGM|23|DOC?|1|9!CNI|1|PRO?!9!"
            b"STS|1|21**6*Delivered?! signed ?*OK?? yes!DTM|334*202611201040*203!UNT|6|1!UNZ|1|77!"
        )
        inter, events, results = edifact_iftsta.parse_iftsta(text)
        self.assertTrue(inter.has_una)
        self.assertEqual((inter.syntax, inter.sender), ("UNOA", "CARRIER"))
        self.assertEqual((results[0].version, results[0].association), ("D:01B:UN", "EAN003"))
        self.assertEqual(results[0].warnings, [])
        self.assertEqual(results[0].bgm["number"], "DOC|1")
        self.assertEqual(events[0]["consignment_number"], "PRO!9")
        self.assertEqual(events[0]["status_text"], "Delivered! signed *OK? yes")
        d04a = edifact_iftsta.parse_iftsta(interchange((D04A, body()), (EANCOM, body(cni="PRO-2"))))
        self.assertEqual([r.version for r in d04a[2]], ["D:04A:UN", "D:01B:UN"])
        self.assertEqual([e["consignment_number"] for e in d04a[1]], ["PRO-1001", "PRO-2"])

    def test_time_zones_and_formats(self):
        cases = {
            ("20261120", "102"): (datetime(2026, 11, 20), True),
            ("2611201040", "201"): (datetime(2026, 11, 20, 10, 40), True),
            ("20261120104059", "204"): (datetime(2026, 11, 20, 10, 40, 59), True),
            ("202611201040UTC", "303"): (datetime(2026, 11, 20, 10, 40, tzinfo=UTC), False),
            ("202611201040+01", "303"): (datetime(2026, 11, 20, 10, 40, tzinfo=timezone(timedelta(hours=1))), False),
            ("202611201040-0530", "205"): (
                datetime(2026, 11, 20, 10, 40, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
                False,
            ),
            ("20261120104000+02:00", "304"): (
                datetime(2026, 11, 20, 10, 40, tzinfo=timezone(timedelta(hours=2))),
                False,
            ),
            ("20261120-20261122", "718"): (datetime(2026, 11, 20), True),
        }
        for (value, fmt), (moment, local) in cases.items():
            with self.subTest(value=value, fmt=fmt):
                got = to_datetime(value, fmt)
                self.assertEqual(got, (moment, local))
                self.assertEqual(got[0].utcoffset(), moment.utcoffset())
        for value, fmt in (("20261348", "102"), ("202611481040", "203"), ("202611201040XYZ", "303"), ("2026", "102")):
            with self.subTest(bad=value), self.assertRaises(DateError):
                to_datetime(value, fmt)
        _inter, [event], _results = edifact_iftsta.parse_iftsta(
            interchange((D04A, body(date="202611201040?+01", fmt="303")))  # "+" released
        )
        self.assertEqual(event["utc_offset"], "+01:00")
        norm = edifact_iftsta.to_canonical(event)
        self.assertEqual(norm["event_time"], datetime(2026, 11, 20, 9, 40))
        self.assertEqual(norm["event_tz"], "+01:00")

    def test_impossible_date_is_an_error_of_its_message_only(self):
        data = interchange((D04A, body(date="202611481040")), (D04A, body(cni="PRO-2")))
        inter, events, results = edifact_iftsta.parse_iftsta(data)
        self.assertEqual([e["consignment_number"] for e in events], ["PRO-2"])
        self.assertFalse(results[0].accepted)
        self.assertIn("DTM 334", results[0].errors[0])
        self.assertIn("202611481040", results[0].errors[0])
        self.assertTrue(results[1].accepted)
        self.assertEqual(results[1].errors, [])
        # a second status of the same message with a good date is kept
        two = body(date="202611481040") + ["STS+1+24::6", "DTM+334:202611200900:203"]
        _inter, events, results = edifact_iftsta.parse_iftsta(interchange((D04A, two)))
        self.assertEqual([e["status_code"] for e in events], ["24"])
        self.assertTrue(results[0].accepted)
        self.assertEqual(len(results[0].errors), 1)

    def test_unz_and_unt_mismatches_are_warnings(self):
        data = interchange((D04A, body()), unz_count=3, unz_ref="OTHER")
        inter, events, results = edifact_iftsta.parse_iftsta(data)
        self.assertEqual(len(events), 1)
        self.assertEqual(len(inter.warnings), 2)
        self.assertIn("UNZ counts 3 messages, 1 sent", inter.warnings[0])
        self.assertIn("UNZ reference 'OTHER'", inter.warnings[1])
        broken_unt = interchange((D04A, body())).replace(b"UNT+11+1", b"UNT+9+7")
        _inter, events, results = edifact_iftsta.parse_iftsta(broken_unt)
        self.assertEqual(len(events), 1)
        self.assertEqual(len(results[0].warnings), 2)
        no_unz = interchange((D04A, body())).rsplit(b"\nUNZ", 1)[0]
        inter, events, _results = edifact_iftsta.parse_iftsta(no_unz)
        self.assertEqual(inter.warnings, ["no UNZ: the interchange is not closed"])

    def test_a_message_other_than_iftsta_is_rejected(self):
        data = interchange(("IFTMIN:D:04A:UN", body()), (D04A, body(cni="PRO-2")))
        _inter, events, results = edifact_iftsta.parse_iftsta(data)
        self.assertEqual([r.accepted for r in results], [False, True])
        self.assertIn("IFTMIN is not an IFTSTA", results[0].errors[0])
        self.assertEqual(len(events), 1)

    def test_unreadable_interchanges_raise_parse_error(self):
        for data in (b"", b"hello", b"UNH+1+IFTSTA:D:04A:UN'", b"UNB+UNOC:3+A+B+261120:0800+1'UNZ+0+1'", b"UNB+'"):
            with self.subTest(data=data), self.assertRaises(ParseError):
                edifact_iftsta.parse_iftsta(data)

    def test_default_status_map(self):
        from odoo.addons.logistics_connector.services.status import STATUS_RANK

        self.assertTrue(set(edifact_iftsta.DEFAULT_STATUS_MAP.values()) <= set(STATUS_RANK) - {"draft"})
        self.assertEqual(
            {code: edifact_iftsta.DEFAULT_STATUS_MAP[code] for code in ("13", "21", "24", "113", "20")},
            {"13": "picked_up", "21": "delivered", "24": "in_transit", "113": "out_for_delivery", "20": "delayed"},
        )

    def test_published_ocean_container_status_d99b(self):
        """A published IFTSTA D99B of an ocean carrier (vessel departure of a container):
        the constant ``CT`` of ``com.cargosmart.b2b.edi.snippets.PartnerId`` (CargoSmart's B2B
        EDI snippets, a public GitHub repository). Heading references, no consignment number,
        a status of the carrier's own list, UN/LOCODEs, TDT and equipment."""
        data = (
            b"UNB+UNOC:2+IITTRR:ZZZ+999999:ZZZ+110419:0540+6771'UNH+1+IFTSTA:D:99B:UN'BGM+23+315+9'"
            b"DTM+137:209904172300:203'NAD+CA+ABCD:160:87'RFF+BN:1234567890AB'RFF+BM:1234567890AB'CNI+1'"
            b"STS+1+VD::22'DTM+334:209904172300:203'LOC+175+CNXGG:139:6:XINGANG'"
            b"TDT+20+9996R+1++:172+++9999999:146:11:DUMP VESSEL'LOC+9+CNXGG:139:6'DTM+133:209904170000:203'"
            b"LOC+11+USLGB:139:6'DTM+132:209905120000:203'LOC+7+USHOU:139:6'EQD+CN+ABCD1234567+42G0:102:5+++5'"
            b"UNT+18+1'UNZ+1+6771'"
        )
        inter, [event], [result] = edifact_iftsta.parse_iftsta(data)
        self.assertEqual(inter.envelope, {"sender": "IITTRR", "recipient": "999999", "reference": "6771"})
        self.assertEqual(inter.warnings, [])
        self.assertEqual((result.version, result.accepted, result.warnings), ("D:99B:UN", True, []))
        self.assertEqual(result.parties["CA"]["id"], "ABCD")
        self.assertEqual((event["status_code"], event["status_agency"]), ("VD", "22"))
        self.assertEqual(event["date_qualifier"], "334")
        self.assertEqual(event["event_time"], datetime(2099, 4, 17, 23, 0))
        self.assertEqual(event["location"]["locode"], "CNXGG")
        self.assertEqual(event["location"]["name"], "XINGANG")
        self.assertEqual([loc["locode"] for loc in event["locations"]], ["CNXGG", "CNXGG", "USLGB", "USHOU"])
        self.assertEqual(event["equipment"], [{"qualifier": "CN", "number": "ABCD1234567", "size_type": "42G0"}])
        self.assertEqual(event["references"], {"BN": "1234567890AB", "BM": "1234567890AB"})
        self.assertEqual(edifact_iftsta.to_canonical(event)["refs"], {"bill_of_lading": "1234567890AB"})
