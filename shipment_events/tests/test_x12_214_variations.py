"""The X12 214 reader on the variations real carriers send (issue 15), one test each, on
small fixtures written here and on real published messages kept in ``tests/data``:

* ``ngl_214_two_interchanges.edi``: two interchanges concatenated, from the unit tests of
  Next Generation Logistics' TMS EDI intake (VB.NET, public on GitHub); SE01 104 for 14
  segments, SE02 0010 for ST02 0001, IEA02 000000000 for ISA13 000000001, ``AT7*X3*AM*  *  *``
  (space-filled appointment elements), L11 after AT7/MS1/MS2 inside the LX loop.
* ``nmtf_214_empty_l11.edi``: same source, carrier NMTF: ``L11**BM`` (empty reference),
  several AT7 per LX, MS1 without country, GE01 ``001``.
* ``budt_214_no_group_trailer.edi``: same source, carrier BUDT: no GE/IEA at the end,
  SE01 18 for 17 segments, N4 postal code with a leading space.
"""

import os
from datetime import UTC, datetime, timedelta, timezone

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..formats import x12_214
from .test_x12_214 import interchange_of, one_set

DATA = os.path.join(os.path.dirname(__file__), "data")
B10 = "B10*PRO1*SHIP1*ABCD"


def sample(name):
    with open(os.path.join(DATA, name), "rb") as data:
        return data.read()


@tagged("post_install", "-at_install")
class TestX12_214Variations(BaseCase):
    def events_of(self, *segments):
        _interchange, events, results = x12_214.parse_214(interchange_of(one_set(list(segments), "0007")))
        self.assertEqual([r.messages for r in results if not r.accepted], [])
        return events

    def test_empty_reference_elements_are_ignored(self):
        (event,) = self.events_of(B10, "L11**PO", "L11*BOL-1*BM", "LX*1", "AT7*X6*NS***20260115*1430*ET", "L11**CR")
        self.assertEqual(event["references"], {"BM": "BOL-1"})
        self.assertEqual(
            [(e["qualifier"], e["value"], e["scope"]) for e in event["reference_entries"]],
            [("PO", "", "heading"), ("BM", "BOL-1", "heading"), ("CR", "", "LX 1")],
        )

    def test_numeric_time_codes(self):
        for code, offset in (("01", "+01:00"), ("12", "+12:00"), ("13", "-12:00"), ("20", "-05:00"), ("24", "-01:00")):
            with self.subTest(code=code):
                (event,) = self.events_of(B10, "LX*1", f"AT7*X6*NS***20220929*0355*{code}")
                self.assertEqual(event["utc_offset"], offset)
                hours = int(offset[:3])
                self.assertEqual(
                    event["event_time"], datetime(2022, 9, 29, 3, 55, tzinfo=timezone(timedelta(hours=hours)))
                )

    def test_eight_digit_times(self):
        (event,) = self.events_of(B10, "LX*1", "AT7*X6*NS***20260115*14302599*UT")
        self.assertEqual(event["event_time"], datetime(2026, 1, 15, 14, 30, 25, 990000, tzinfo=UTC))
        self.assertEqual(event["time_sent"], "14302599")

    def test_at7_with_only_an_appointment_status(self):
        (event,) = self.events_of(B10, "LX*1", "AT7***AA*NA*20260115*0900*LT")
        self.assertEqual((event["status_code"], event["appointment_status_code"]), (None, "AA"))
        self.assertEqual(event["appointment_reason_code"], "NA")
        self.assertEqual(x12_214.to_canonical(event)["status_code"], "AA")

    def test_l11_after_at7_inside_the_lx_loop(self):
        first, second = self.events_of(
            B10,
            "L11*BOL-1*BM",
            "LX*1",
            "AT7*X3*NS***20260115*0900*ET",
            "L11*PO-1*PO",
            "LX*2",
            "AT7*X6*NS***20260115*1200*ET",
            "MS1*Memphis*TN*US",
            "AT8*G*L*10*1",
            "L11*PO-2*PO",
        )
        self.assertEqual(first["references"], {"BM": "BOL-1", "PO": "PO-1"})
        self.assertEqual(second["references"], {"BM": "BOL-1", "PO": "PO-2"})

    def test_ms1_with_longitude_and_latitude(self):
        (event,) = self.events_of(B10, "LX*1", "AT7*X6*NS***20260115*1430*CT", "MS1****0873744*414640*W*N")
        location = event["location"]
        self.assertEqual((location["city"], location["state"]), (None, None))
        self.assertEqual((location["longitude"], location["latitude"]), (-87.628889, 41.777778))
        canonical = x12_214.to_canonical(event)["location"]
        self.assertEqual((canonical["lat"], canonical["lon"]), (41.777778, -87.628889))
        (east,) = self.events_of(B10, "LX*1", "AT7*X6*NS***20260115*1430*UT", "MS1*Lyon**FR*0045000*0454500*E*N")
        self.assertEqual((east["location"]["longitude"], east["location"]["latitude"]), (4.833333, 45.75))

    def test_no_ms1(self):
        (event,) = self.events_of(B10, "LX*1", "AT7*AG*NS***20260115*0000")
        self.assertEqual(set(event["location"].values()), {None})
        self.assertTrue(event["is_local_time"])

    def test_space_padded_b10(self):
        (event,) = self.events_of(
            "B10*4343638097845589              *SHIP1   *CPCC", "LX*1", "AT7*XB*NS***20191103*1534"
        )
        self.assertEqual((event["carrier_reference"], event["shipment_id"]), ("4343638097845589", "SHIP1"))

    def test_an_event_without_a_date_is_refused(self):
        _interchange, events, (result,) = x12_214.parse_214(
            interchange_of(one_set([B10, "LX*1", "AT7*X6*NS****1430*ET"], "0007"))
        )
        self.assertEqual(events, [])
        self.assertRegex(result.messages[0], r"AT705 \(date\) is missing \(transaction set 0007, segment 4 \(AT7\)\)")

    def test_real_two_interchanges_with_control_anomalies(self):
        reads = x12_214.read_214(sample("ngl_214_two_interchanges.edi"))
        self.assertEqual(len(reads), 2)
        self.assertEqual(
            [(e["status_code"], e["event_time"], e["location"]["city"]) for r in reads for e in r.values],
            [("X3", datetime(2019, 6, 19, 13, 15), "FARMINGTON"), ("X1", datetime(2019, 6, 19, 13, 16), "FARMINGTON")],
        )
        first = reads[0]
        self.assertEqual(first.values[0]["references"], {"19": "003", "ON": "LVV214Testz-0"})
        self.assertEqual(first.values[0]["shipment_id"], "CNS-2-1363")
        self.assertEqual((first.values[0]["weight"], first.values[0]["lading_quantity"]), (5000, 5))
        self.assertEqual([(w.segment, w.code) for w in first.warnings], [("SE", "4"), ("SE", "3"), ("IEA", "")])
        ack = x12.build_997(first.interchange, first.results, control_number=3)
        self.assertIn("AK2*214*0001~AK5*E*4*3~AK9*E*1*1*1~", ack)
        _interchange, events, results = x12_214.parse_214(sample("ngl_214_two_interchanges.edi"))
        self.assertEqual((len(events), len(results)), (2, 2))
        with self.assertRaisesRegex(ParseError, "SE01 says 104 segments"):
            x12_214.parse_214(sample("ngl_214_two_interchanges.edi"), strict=True)

    def test_real_empty_l11_and_several_at7_per_lx(self):
        _interchange, events, _results = x12_214.parse_214(sample("nmtf_214_empty_l11.edi"))
        self.assertEqual(
            [(e["assigned_number"], e["status_code"], e["event_time"].strftime("%Y%m%d %H%M")) for e in events],
            [("1", "X3", "20191218 0000"), ("1", "AF", "20191218 0000"), ("2", "X1", "20191219 1004")]
            + [("2", "D1", "20191219 1004"), ("2", "CD", "20191219 1004")],
        )
        self.assertEqual(
            {(e["location"]["city"], e["location"]["state"], e["location"]["country"]) for e in events},
            {("SUN PRAIRIE", "WI", None), ("GRANGER", "IA", None)},
        )
        self.assertEqual(events[0]["references"], {})
        self.assertEqual(events[0]["reference_entries"], [{"qualifier": "BM", "value": "", "scope": "heading"}])
        self.assertEqual([p["entity_code"] for p in events[0]["party_list"]], ["SF", "ST", "BT"])

    def test_real_missing_group_and_interchange_trailers(self):
        (read,) = x12_214.read_214(sample("budt_214_no_group_trailer.edi"))
        (event,) = read.values
        self.assertEqual((event["carrier_reference"], event["status_code"]), ("VJI755907", "X3"))
        self.assertEqual(event["references"], {"19": "003", "QN": "1", "ON": "EDITestM-2"})
        self.assertEqual(event["parties"]["ST"]["zip"], "30083")
        self.assertEqual(sorted(w.segment for w in read.warnings), ["GE", "IEA", "SE"])
