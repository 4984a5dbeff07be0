"""Carrier invoices as CSV: the layout is documented in ``freight_audit/readme/CSV_LAYOUT.md``.

Plain Python (no ORM). One row per charge; a header row is required; several invoices
may share a file, grouped by ``(carrier_scac, invoice_number)``. :func:`parse_csv` returns
the same invoice dicts as the X12 210 reader (``x12_210.parse_210``), reduced to (a row with a
``tax_amount`` adds a line of ``charge_kind`` ``tax`` under its ``tax_code``, default ``TAX``)::

    {"invoice_number": "INV-1001", "scac": "ACME", "invoice_date": date(2026, 1, 20),
     "currency": "EUR", "total": Decimal("609.38"),
     "lines": [{"sequence": 1, "shipment_reference": "SHP1", "charge_code": "400",
                "description": "Linehaul", "quantity": Decimal("1"), "amount": Decimal("475.00"),
                "billed_weight": Decimal("412.5") or None}]}

Nothing is half-imported: every problem of the file is collected and one
:class:`ParseError` is raised before anything is returned; its ``where`` names the
first problem's row (the header is row 1) and column.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from odoo.addons.logistics_connector.services import privacy
from odoo.addons.logistics_connector.services.exceptions import ParseError

REQUIRED_COLUMNS = (
    "carrier_scac",
    "invoice_number",
    "invoice_date",
    "currency",
    "invoice_total",
    "shipment_reference",
    "charge_code",
    "amount",
)
OPTIONAL_COLUMNS = ("description", "quantity", "billed_weight_kg", "tax_code", "tax_amount")
COLUMNS = REQUIRED_COLUMNS[:7] + ("description", "quantity", "amount", "billed_weight_kg")
# Invoice-level columns (and their key in the invoice dict): the same value on every row of an invoice.
INVOICE_COLUMNS = (("invoice_date", "invoice_date"), ("currency", "currency"), ("invoice_total", "total"))
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
MAX_REPORTED_ERRORS = 20
# Columns a carrier may add that the journal's data policy redacts (personal) or that are masked
# on intake (banking; logistics_connector/services/privacy.py). The reader ignores them.
PRIVACY_RULES = privacy.PayloadRules(
    "csv",
    personal_columns=frozenset(
        {"contact_name", "contact_email", "contact_phone", "consignee_name", "consignee_street", "shipper_street"}
    ),
    banking_columns=frozenset({"iban", "account_number", "bank_account", "remit_to_iban", "remit_to_account"}),
)

NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
SCAC_RE = re.compile(r"[A-Z]{2,4}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")


class _CellError(Exception):
    pass


def _decode(data):
    """Bytes -> text: UTF-8 (with or without BOM) or UTF-16 with its BOM; nothing else is guessed."""
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ParseError(
            f"The file is not {encoding.upper().replace('-SIG', '')} text: save it as 'CSV UTF-8'",
            f"byte {error.start}",
        )


def _column_name(cell):
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _split_header(line, delimiter):
    try:
        cells = next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return []
    return [_column_name(cell) for cell in cells]


def _choose_delimiter(header_line, delimiter):
    """The delimiter that splits the header into the documented columns (or ParseError)."""
    known = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    scores = {
        candidate: len(known.intersection(_split_header(header_line, candidate)))
        for candidate in DELIMITERS + ((delimiter,) if delimiter and delimiter not in DELIMITERS else ())
    }
    best = max(scores, key=scores.get)
    if delimiter:
        if scores[delimiter] < len(REQUIRED_COLUMNS) and scores[best] > scores[delimiter]:
            raise ParseError(
                f"The header row does not split on the {DELIMITER_NAMES.get(delimiter, repr(delimiter))} "
                f"delimiter; the file seems to use the {DELIMITER_NAMES[best]} delimiter",
                "row 1",
            )
        return delimiter
    if scores[best] == 0:
        raise ParseError(
            "The first row is not a header row with the documented columns "
            f"({', '.join(COLUMNS)}), whichever delimiter is tried (comma, semicolon, tab, pipe)",
            "row 1",
        )
    return best


def _text(value, _name):
    if not value:
        raise _CellError("is empty")
    return value


def _scac(value, _name):
    code = value.upper()
    if not SCAC_RE.fullmatch(code):
        raise _CellError(f"{value!r} is not a SCAC (2 to 4 letters)")
    return code


def _currency(value, _name):
    code = value.upper()
    if not CURRENCY_RE.fullmatch(code):
        raise _CellError(f"{value!r} is not an ISO 4217 currency code")
    return code


def _date(value, _name):
    if not DATE_RE.fullmatch(value):
        raise _CellError(f"{value!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _CellError(f"{value!r} is not a valid date")


def _number(value, _name):
    if not value:
        raise _CellError("is empty")
    if not NUMBER_RE.fullmatch(value):
        if re.fullmatch(r"-?[\d.,\s']+", value) and "," in value:
            raise _CellError(f"{value!r}: write numbers with a decimal point and no thousands separator (1234.56)")
        raise _CellError(f"{value!r} is not a number")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already refuses these
        raise _CellError(f"{value!r} is not a number")


def _optional_number(value, name, default=None):
    if not value:
        return default
    number = _number(value, name)
    if number < 0:
        raise _CellError(f"{value!r} cannot be negative")
    return number


CELL_READERS = {
    "carrier_scac": _scac,
    "invoice_number": _text,
    "invoice_date": _date,
    "currency": _currency,
    "invoice_total": _number,
    "shipment_reference": _text,
    "charge_code": lambda value, name: _text(value, name).upper(),
    "description": lambda value, _name: value,
    "quantity": lambda value, name: _optional_number(value, name, Decimal(1)),
    "amount": _number,
    "billed_weight_kg": _optional_number,
    "tax_code": lambda value, _name: value.upper(),
    "tax_amount": lambda value, name: _number(value, name) if value else None,
}
DEFAULT_TAX_CODE = "TAX"


class _Errors:
    def __init__(self):
        self.items = []

    def add(self, row, column, message):
        where = f"row {row}, column {column}" if column else f"row {row}"
        self.items.append((where, f"{where}: {message}"))

    def raise_if_any(self):
        if not self.items:
            return
        shown = [message for _where, message in self.items[:MAX_REPORTED_ERRORS]]
        more = len(self.items) - len(shown)
        count = "1 error" if len(self.items) == 1 else f"{len(self.items)} errors"
        text = f"The CSV invoice file has {count}, nothing is imported: " + "; ".join(shown)
        if more:
            text += f"; and {more} more"
        raise ParseError(text, self.items[0][0])


def _read_rows(text, delimiter, errors):
    """(row number, {column: cell text}) for each non-blank data row, and the header columns."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise ParseError(f"The header row cannot be read: {error}", "row 1")
    columns = [_column_name(cell) for cell in header]
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        raise ParseError(f"The header row repeats column(s) {', '.join(duplicates)}", "row 1")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ParseError(
            f"The header row lacks the required column(s) {', '.join(missing)} "
            f"(delimiter: {DELIMITER_NAMES.get(delimiter, repr(delimiter))})",
            "row 1",
        )
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.add(row_number + 1, None, f"cannot be read as CSV ({error})")
            break
        row_number += 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            errors.add(
                row_number,
                None,
                f"has {len(cells)} cells but the header has {len(columns)} (an unquoted delimiter in a value?)",
            )
            continue
        values = {name: cells[index].strip() if index < len(cells) else "" for index, name in enumerate(columns)}
        rows.append((row_number, values))
    return rows


def _parse_row(row, values, errors):
    """The typed values of one row, or None when a cell is wrong (recorded in ``errors``)."""
    parsed = {}
    ok = True
    for name, read in CELL_READERS.items():
        try:
            parsed[name] = read(values.get(name, ""), name)
        except _CellError as error:
            errors.add(row, name, str(error))
            ok = False
    return parsed if ok else None


def parse_csv(data, delimiter=None):
    """Every invoice of a CSV carrier invoice file -> list of invoice dicts, or ParseError.

    ``data``: bytes (UTF-8 with or without BOM, or UTF-16 with BOM) or text. ``delimiter``:
    None to detect it from the header row (comma, semicolon, tab or pipe).
    """
    text = _decode(data)
    if not text.strip():
        raise ParseError("The file is empty", "row 1")
    header_line = text.splitlines()[0]
    if not header_line.strip():
        raise ParseError("The first row must be the header row; it is blank", "row 1")
    delimiter = _choose_delimiter(header_line, delimiter)
    errors = _Errors()
    rows = _read_rows(text, delimiter, errors)
    if not rows and not errors.items:
        raise ParseError("The file has a header row but no charge rows", "row 2")

    invoices = {}
    # invoices with a row that could not be read: their total cannot be checked
    incomplete = set()
    for row, values in rows:
        parsed = _parse_row(row, values, errors)
        if parsed is None:
            incomplete.add((values.get("carrier_scac", "").upper(), values.get("invoice_number", "")))
            continue
        key = (parsed["carrier_scac"], parsed["invoice_number"])
        invoice = invoices.get(key)
        if invoice is None:
            invoice = invoices[key] = {
                "invoice_number": parsed["invoice_number"],
                "scac": parsed["carrier_scac"],
                "invoice_date": parsed["invoice_date"],
                "currency": parsed["currency"],
                "total": parsed["invoice_total"],
                "lines": [],
                "_first_row": row,
                "_rows": 0,
            }
        else:
            for name, key_name in INVOICE_COLUMNS:
                if parsed[name] != invoice[key_name]:
                    errors.add(
                        row,
                        name,
                        f"{values[name]!r} differs from {invoice[key_name]} on row {invoice['_first_row']} "
                        f"for invoice {parsed['invoice_number']} of {parsed['carrier_scac']}",
                    )
        invoice["_rows"] += 1
        invoice["lines"].append(
            {
                "sequence": len(invoice["lines"]) + 1,
                "shipment_reference": parsed["shipment_reference"],
                "charge_code": parsed["charge_code"],
                "description": parsed["description"],
                "quantity": parsed["quantity"],
                "amount": parsed["amount"],
                "billed_weight": parsed["billed_weight_kg"],
            }
        )
        if parsed["tax_amount"]:
            # The tax billed on this row's charge: a line of its own, of kind tax (never an expense).
            tax_code = parsed["tax_code"] or DEFAULT_TAX_CODE
            invoice["lines"].append(
                {
                    "sequence": len(invoice["lines"]) + 1,
                    "shipment_reference": parsed["shipment_reference"],
                    "charge_code": tax_code,
                    "charge_kind": "tax",
                    "description": f"{tax_code} on {parsed['charge_code']}",
                    "quantity": Decimal(1),
                    "amount": parsed["tax_amount"],
                    "billed_weight": None,
                }
            )

    for key, invoice in invoices.items():
        if key in incomplete:
            continue
        lines_sum = sum((line["amount"] for line in invoice["lines"]), Decimal(0))
        if lines_sum != invoice["total"]:
            errors.add(
                invoice["_first_row"],
                "invoice_total",
                f"invoice {invoice['invoice_number']} of {invoice['scac']}: invoice_total {invoice['total']} "
                f"is not the sum of its amounts {lines_sum} ({invoice['_rows']} rows)",
            )
    errors.raise_if_any()
    for invoice in invoices.values():
        del invoice["_first_row"], invoice["_rows"]
    return list(invoices.values())
