"""Database-free tests of the CSV carrier invoice layout (formats/csv_invoice.py)."""

from datetime import date
from decimal import Decimal as D

from odoo.tests import BaseCase, tagged

from odoo.addons.logistics_connector.services.exceptions import ParseError

from ..formats import csv_invoice
from ..services import audit
from ..services.audit_inputs import InvoiceIn
from .test_audit_engine import make_contracts, make_facts, make_settings

HEADER = (
    "carrier_scac,invoice_number,invoice_date,currency,invoice_total,shipment_reference,"
    "charge_code,description,quantity,amount,billed_weight_kg"
)
# Two invoices of ACME, interleaved, and one of BEST with the same number as ACME's first:
# ACME INV-1: 475.00 + 59.38 + 75.00 = 609.38; ACME INV-2: 360.00; BEST INV-1: 120.00
ROWS = [
    "ACME,INV-1,2026-01-20,EUR,609.38,SHP1,400,Linehaul,1,475.00,412.5",
    "ACME,INV-2,2026-01-21,EUR,360.00,SHP2,400,Linehaul,1,360.00,300",
    'ACME,INV-1,2026-01-20,EUR,609.38,SHP1,fsc,"Fuel surcharge, 12.5 %",1,59.38,',
    "ACME,INV-1,2026-01-20,EUR,609.38,SHP1,LIFT,Liftgate,,75.00,",
    "BEST,INV-1,2026-01-22,EUR,120.00,SHP3,400,Linehaul,1,120.00,80",
]


def csv_text(rows=None, header=HEADER, delimiter=","):
    lines = [header] + (ROWS if rows is None else rows)
    return "\r\n".join(line.replace(",", delimiter) if delimiter != "," else line for line in lines) + "\r\n"


@tagged("post_install", "-at_install")
class TestCsvInvoice(BaseCase):
    def assertParseError(self, data, message, where, **kwargs):
        with self.assertRaises(ParseError) as caught:
            csv_invoice.parse_csv(data, **kwargs)
        self.assertIn(message, str(caught.exception))
        self.assertEqual(caught.exception.where, where)
        return caught.exception

    def test_several_invoices_grouped_by_carrier_and_number(self):
        invoices = csv_invoice.parse_csv(csv_text().encode())
        self.assertEqual(
            [(i["scac"], i["invoice_number"]) for i in invoices],
            [("ACME", "INV-1"), ("ACME", "INV-2"), ("BEST", "INV-1")],
        )
        first = invoices[0]
        self.assertEqual(
            {key: value for key, value in first.items() if key != "lines"},
            {
                "invoice_number": "INV-1",
                "scac": "ACME",
                "invoice_date": date(2026, 1, 20),
                "currency": "EUR",
                "total": D("609.38"),
            },
        )
        self.assertEqual(
            first["lines"],
            [
                {"sequence": 1, "shipment_reference": "SHP1", "charge_code": "400", "description": "Linehaul",
                 "quantity": D("1"), "amount": D("475.00"), "billed_weight": D("412.5")},
                {"sequence": 2, "shipment_reference": "SHP1", "charge_code": "FSC",
                 "description": "Fuel surcharge, 12.5 %", "quantity": D("1"), "amount": D("59.38"),
                 "billed_weight": None},
                # an empty quantity is 1
                {"sequence": 3, "shipment_reference": "SHP1", "charge_code": "LIFT", "description": "Liftgate",
                 "quantity": D("1"), "amount": D("75.00"), "billed_weight": None},
            ],
        )  # fmt: skip
        self.assertEqual([line["amount"] for line in invoices[2]["lines"]], [D("120.00")])

    def test_delimiters_bom_and_encodings(self):
        expected = csv_invoice.parse_csv(csv_text())
        rows = [row.replace('"Fuel surcharge, 12.5 %"', "Fuel surcharge") for row in ROWS]
        for name, data in (
            ("UTF-8 BOM", b"\xef\xbb\xbf" + csv_text().encode()),
            ("text BOM", "\ufeff" + csv_text()),
            ("UTF-16", csv_text().encode("utf-16")),
            ("semicolon", csv_text(rows, delimiter=";").encode()),
            ("tab", csv_text(rows, delimiter="\t").encode()),
            ("pipe", csv_text(rows, delimiter="|").encode()),
            ("LF only", csv_text().replace("\r\n", "\n").encode()),
        ):
            with self.subTest(name=name):
                invoices = csv_invoice.parse_csv(data)
                self.assertEqual([i["total"] for i in invoices], [i["total"] for i in expected])
                self.assertEqual(invoices[0]["scac"], "ACME")
        # header names: case, blanks and extra columns do not matter
        header = HEADER.upper().replace("CARRIER_SCAC", " Carrier SCAC ") + ",remarks"
        invoices = csv_invoice.parse_csv(csv_text([row + ",x" for row in ROWS], header=header))
        self.assertEqual(len(invoices), 3)

    def test_optional_columns_may_be_absent(self):
        header = "carrier_scac,invoice_number,invoice_date,currency,invoice_total,shipment_reference,charge_code,amount"
        invoices = csv_invoice.parse_csv(csv_text(["ACME,INV-9,2026-01-20,EUR,10.00,SHP1,DET,10.00"], header=header))
        self.assertEqual(
            invoices[0]["lines"][0],
            {"sequence": 1, "shipment_reference": "SHP1", "charge_code": "DET", "description": "",
             "quantity": D("1"), "amount": D("10.00"), "billed_weight": None},
        )  # fmt: skip

    def test_file_level_errors(self):
        self.assertParseError(b"", "The file is empty", "row 1")
        self.assertParseError(b" \r\n\r\n", "The file is empty", "row 1")
        self.assertParseError(b"\r\n" + csv_text().encode(), "The first row must be the header row", "row 1")
        self.assertParseError(csv_text([]), "header row but no charge rows", "row 2")
        self.assertParseError(csv_text(ROWS, header=ROWS[0]), "is not a header row", "row 1")
        self.assertParseError("caf\xe9".encode("latin-1"), "is not UTF-8 text", "byte 3")
        self.assertParseError(
            csv_text(header=HEADER.replace(",amount", "")), "lacks the required column(s) amount", "row 1"
        )
        self.assertParseError(csv_text(header=HEADER + ",amount"), "repeats column(s) amount", "row 1")

    def test_wrong_delimiter(self):
        semicolons = csv_text([row.replace('"Fuel surcharge, 12.5 %"', "Fuel") for row in ROWS], delimiter=";")
        error = self.assertParseError(semicolons, "does not split on the comma delimiter", "row 1", delimiter=",")
        self.assertIn("seems to use the semicolon delimiter", str(error))
        # a delimiter guessed from the header that breaks the rows: an unquoted comma in a value
        rows = ["ACME,INV-1,2026-01-20,EUR,10.00,SHP1,DET,Detention, 2 hours,1,10.00,"]
        self.assertParseError(csv_text(rows), "row 2: has 12 cells but the header has 11", "row 2")

    def test_cell_errors_name_row_and_column(self):
        good = dict(zip(HEADER.split(","), ROWS[0].split(","), strict=True))
        cases = [
            # a decimal comma (quoted so that the delimiter is not in doubt)
            ("amount", '"475,00"', "'475,00': write numbers with a decimal point and no thousands separator"),
            ("amount", "abc", "'abc' is not a number"),
            ("amount", "", "is empty"),
            ("invoice_total", "1e3", "'1e3' is not a number"),
            ("invoice_date", "20/01/2026", "'20/01/2026' is not a date written YYYY-MM-DD"),
            ("invoice_date", "2026-02-30", "'2026-02-30' is not a valid date"),
            ("currency", "EURO", "'EURO' is not an ISO 4217 currency code"),
            ("carrier_scac", "ACME1", "'ACME1' is not a SCAC (2 to 4 letters)"),
            ("invoice_number", "", "is empty"),
            ("shipment_reference", "", "is empty"),
            ("charge_code", "", "is empty"),
            ("billed_weight_kg", "-5", "'-5' cannot be negative"),
            ("quantity", "two", "'two' is not a number"),
        ]
        for column, value, message in cases:
            with self.subTest(column=column, value=value):
                row = ",".join(value if name == column else cell for name, cell in good.items())
                where = f"row 2, column {column}"
                self.assertParseError(csv_text([row]), f"{where}: {message}", where)

    def test_invoice_fields_must_agree(self):
        rows = list(ROWS)
        rows[2] = rows[2].replace("EUR", "USD")  # row 4 (header = row 1)
        error = self.assertParseError(
            csv_text(rows), "'USD' differs from EUR on row 2 for invoice INV-1 of ACME", "row 4, column currency"
        )
        self.assertIn("1 error,", str(error))
        rows = list(ROWS)
        rows[3] = rows[3].replace("2026-01-20", "2026-01-19").replace("609.38", "609.39")  # row 5
        error = self.assertParseError(
            csv_text(rows), "row 5, column invoice_date: '2026-01-19' differs", "row 5, column invoice_date"
        )
        self.assertIn("row 5, column invoice_total: '609.39' differs from 609.38", str(error))

    def test_total_must_be_the_sum_of_the_lines(self):
        rows = [row.replace("609.38", "600.00") for row in ROWS]
        # 475.00 + 59.38 + 75.00 = 609.38, not 600.00; named on the invoice's first row
        self.assertParseError(
            csv_text(rows),
            "invoice INV-1 of ACME: invoice_total 600.00 is not the sum of its amounts 609.38 (3 rows)",
            "row 2, column invoice_total",
        )

    def test_nothing_is_half_imported_and_every_error_is_listed(self):
        rows = list(ROWS)
        rows[1] = rows[1].replace("360.00,300", "abc,300")  # row 3: ACME INV-2 amount
        rows[4] = rows[4].replace("2026-01-22", "22.01.2026")  # row 6: BEST INV-1 date
        # ACME INV-1 is fine, but nothing is returned; INV-2's total is not checked (a row is unreadable)
        error = self.assertParseError(csv_text(rows), "2 errors, nothing is imported", "row 3, column amount")
        self.assertIn("row 6, column invoice_date", str(error))
        self.assertNotIn("invoice_total", str(error))
        many = ["ACME,INV-1,2026-01-20,EUR,1.00,SHP1,400,x,1,abc,"] * 25
        self.assertIn("; and 5 more", str(self.assertParseError(csv_text(many), "25 errors", "row 2, column amount")))

    def test_parsed_invoice_goes_through_the_audit(self):
        invoice = csv_invoice.parse_csv(csv_text())[0]
        facts = {"SHP1": make_facts()}
        result = audit.audit_invoice(InvoiceIn.from_parsed(invoice), facts.get, None, make_contracts(), make_settings())
        # 475.00 base (deficit weight), 59.38 fuel (12.5 % of 475.00), 75.00 liftgate: as contracted
        self.assertEqual(
            (result.status, result.expected_total, result.billed_total), ("approved", D("609.38"), D("609.38"))
        )
