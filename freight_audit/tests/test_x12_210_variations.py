"""The X12 210 reader on the variations real carrier invoices show (issue 15), one test each,
on small fixtures written here and on a real published message kept in ``tests/data``:

* ``ups_210_masked_trimmed_isa.edi``: a UPS (UPSN) small-package 210, values masked with X/0
  by its publisher (the test data of a Stedi "bootstrap" split-loop handler, public on
  GitHub): ISA13 ``1`` (ISA not fixed-width), GS05 ``133500``, SE01 29 for 42 segments,
  package N1 and CD3 loops inside the LX loops.
"""

import os
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services import x12
from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..formats import x12_210
from .test_x12_210 import interchange_of, one_set

DATA = os.path.join(os.path.dirname(__file__), "data")


def b3(invoice="INV-1", amount="10000"):
    return f"B3**{invoice}*SHIP-1*PP**20260120*{amount}****ABCD"


@tagged("post_install", "-at_install")
class TestX12_210Variations(BaseCase):
    def invoice_of(self, *segments):
        (invoice,) = x12_210.parse_210(interchange_of(one_set(list(segments), "0009")))
        return invoice

    def test_negative_n2_amounts(self):
        invoice = self.invoice_of(
            b3(amount="11237"), "LX*1", "L1*1***56186****400", "LX*2", "L1*2***-44949****DSC", "L3*****11237"
        )
        self.assertEqual([line["amount"] for line in invoice["lines"]], [Decimal("561.86"), Decimal("-449.49")])
        self.assertEqual((invoice["total"], invoice["totals_consistent"]), (Decimal("112.37"), True))

    def test_rates_with_a_decimal_point_next_to_implied_decimal_amounts(self):
        invoice = self.invoice_of(b3(amount="56186"), "LX*1", "L1*1*41.93*PH*56186", "L3*****56186")
        (line,) = invoice["lines"]
        self.assertEqual(
            (line["rate"], line["rate_qualifier"], line["amount"]), (Decimal("41.93"), "PH", Decimal("561.86"))
        )
        self.assertEqual(line["amount_raw"], "56186")

    def test_usd_and_cad_invoices_in_one_file(self):
        usd = one_set([b3("INV-US"), "C3*USD", "LX*1", "L1*1***10000****400", "L3*****10000"], "0001")
        cad = one_set([b3("INV-CA"), "C3*CAD", "LX*1", "L1*1***10000****400", "L3*****10000"], "0002")
        invoices = x12_210.parse_210(interchange_of(usd, cad))
        self.assertEqual(
            [(i["invoice_number"], i["currency"]) for i in invoices], [("INV-US", "USD"), ("INV-CA", "CAD")]
        )

    def test_invoice_without_c3(self):
        invoice = self.invoice_of(b3(), "LX*1", "L1*1***10000****400", "L3*****10000")
        self.assertEqual((invoice["currency"], invoice["currency_given"]), (None, False))

    def test_tax_lines(self):
        invoice = self.invoice_of(
            b3(amount="11300"),
            "C3*CAD",
            "LX*1",
            "L1*1***10000****400",
            "LX*2",
            "L1*2***500****GST",
            "L1*2***800****QST",
            "L3*****11300",
        )
        self.assertEqual(
            [(t["code"], t["amount"], t["source"]) for t in invoice["taxes"]],
            [("GST", Decimal("5.00"), "L1"), ("QST", Decimal("8.00"), "L1")],
        )
        self.assertEqual([line["is_tax"] for line in invoice["lines"]], [False, True, True])
        with_txi = self.invoice_of(b3(amount="10500"), "LX*1", "L1*1***10000****400", "TXI*GS*5.00*5", "L3*****10500")
        self.assertEqual(
            [(t["code"], t["amount"], t["percent"]) for t in with_txi["taxes"]], [("GS", Decimal("5.00"), Decimal("5"))]
        )
        self.assertFalse(with_txi["totals_consistent"])

    def test_l3_that_leaves_out_the_negative_lines_is_read_with_a_note(self):
        text = interchange_of(
            one_set([b3(amount="10000"), "LX*1", "L1*1***10000****400", "L1*1***-1000****DSC", "L3*****10000"], "0009")
        )
        interchange, (invoice,), (result,) = x12_210.read_210(text)
        self.assertEqual((invoice["total"], invoice["line_total"]), (Decimal("100.00"), Decimal("90.00")))
        self.assertEqual(result.status, "E")
        self.assertIn("leaves out the negative L1 lines", result.warnings[0].message)
        self.assertIn("AK3*L3*6**8~AK4*5**6~AK5*E~", x12.build_997(interchange, [result], control_number=4))

    def test_l3_total_beyond_the_negative_lines_is_refused(self):
        text = interchange_of(
            one_set([b3(), "LX*1", "L1*1***10000****400", "L1*1***-1000****DSC", "L3*****9500"], "0009")
        )
        with self.assertRaisesRegex(
            ParseError, r"L305 total charges 95.00 does not equal the sum of the L1 charges 90.00"
        ):
            x12_210.parse_210(text)

    def test_missing_invoice_number_is_refused(self):
        text = interchange_of(
            one_set(["B3***SHIP-1*PP**20260120*10000****ABCD", "LX*1", "L1*1***10000", "L3*****10000"])
        )
        with self.assertRaisesRegex(
            ParseError, r"B302 \(invoice number\) is missing \(transaction set 0001, segment 2 \(B3\)\)"
        ):
            x12_210.parse_210(text)

    def test_empty_n9_is_ignored(self):
        invoice = self.invoice_of(b3(), "N9*IT*", "N9*BM*BOL-1", "LX*1", "L1*1***10000****400", "L3*****10000")
        self.assertEqual(invoice["references"], {"BM": "BOL-1"})
        self.assertEqual([e["qualifier"] for e in invoice["reference_entries"]], ["IT", "BM"])

    def test_real_ups_invoice_with_a_trimmed_isa(self):
        with open(os.path.join(DATA, "ups_210_masked_trimmed_isa.edi"), "rb") as data:
            text = data.read()
        (read,) = x12_210.read_210_interchanges(text)
        (invoice,) = read.values
        self.assertEqual(
            (invoice["invoice_number"], invoice["currency"], invoice["total"]), ("XX", "USD", Decimal("0.00"))
        )
        self.assertEqual([loop["assigned_number"] for loop in invoice["lx_loops"]], ["00002", "00003"])
        self.assertEqual([line["charge_code"] for line in invoice["lines"]], ["LDG", "LDG"])
        self.assertEqual(
            [e["qualifier"] for e in invoice["lx_loops"][0]["reference_entries"]], ["ZZ", "2I"]
        )  # the N9*CR of the package's N1 loop is the party's
        self.assertEqual(invoice["lx_loops"][0]["parties"][0]["references"][0]["qualifier"], "CR")
        self.assertEqual(read.interchange.control_number, "1")
        self.assertEqual(sorted({w.segment for w in read.warnings}), ["ISA", "SE"])
        with self.assertRaisesRegex(ParseError, "ISA13 .* is 1 characters wide"):
            x12_210.parse_210(text, strict=True)
