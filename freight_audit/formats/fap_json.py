"""The FAP (freight audit & payment provider) JSON invoice format.

Plain Python (no ORM). A FAP invoice (JSON)::

    {"id": "F-1", "revision": 1, "carrier_scac": "FFRT", "invoice_number": "INV-1001",
     "invoice_date": "2026-01-20", "due_date": "2026-02-19", "currency": "EUR", "total": "609.38",
     "fuel_index": "3.85",
     "lines": [{"shipment_reference": "SHP001", "charge_code": "400", "description": "Linehaul",
                "quantity": 1, "amount": "475.00", "billed_weight_kg": 412.5}]}

Tax billed by the carrier (VAT, GST) comes either as lines flagged ``"is_tax": true`` (or
``"type": "tax"``), or in a ``"taxes"`` list of the invoice::

    "taxes": [{"code": "VAT", "amount": "121.80", "shipment_reference": "SHP001"}]

(``shipment_reference`` defaults to the first line's). Both become lines of ``charge_kind``
``tax``: the backend's charge code mapping gives their Tax charge type, the bill their tax.

Unlike the X12 210 and CSV readers, a total that is not the sum of the lines is *not* a
parse error here: the FAP relays what the carrier billed, and the audit reports it
(``TOTAL_MISMATCH``) in an audit case. A credit memo has ``"type": "credit_memo"`` (or a
negative total) and names the invoice it credits in ``original_invoice_number``. The FAP's
REST API is ``services/fap_api.py``.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from odoo.addons.logistics_connector.services import jsonsafe, privacy
from odoo.addons.logistics_connector.services.exceptions import ParseError

# Personal and banking fields of the FAP's messages (invoices, payment statuses, funding
# requests, dispute answers) for the journal (logistics_connector/services/privacy.py): the
# common personal keys plus the remit-to and contact names; banking references (IBAN, account
# numbers, anywhere in the body, e.g. ``remit_to.iban`` or ``payments[].account_number``) are
# masked on intake but for their last 4 characters. The reader reads none of them.
PRIVACY_RULES = privacy.json_rules(
    personal_paths=("remit_to.name", "contact.name", "payee.name", "payments.*.payee.name"),
    banking_keys=(*privacy.COMMON_BANKING_KEYS, "remit_to_iban", "remit_to_account", "payee_iban", "payee_account"),
)


def _decimal(value, where, allow_none=False):
    if value is None or value == "":
        if allow_none:
            return None
        raise ParseError("a number is required", where)
    if isinstance(value, bool):
        raise ParseError(f"{value!r} is not a number", where)
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ParseError(f"{value!r} is not a number", where) from None
    if not result.is_finite():
        raise ParseError(f"{value!r} is not a finite number", where)
    return result


def _date(value, where, allow_none=True):
    if not value:
        if allow_none:
            return None
        raise ParseError("a date is required", where)
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ParseError(f"{value!r} is not a date (YYYY-MM-DD)", where) from None


def _tax_lines(taxes, where, lines):
    """The ``taxes`` list of an invoice -> lines of kind tax, after ``lines``."""
    if taxes in (None, []):
        return []
    if not isinstance(taxes, list):
        raise ParseError("taxes must be a list", where)
    result = []
    for index, tax in enumerate(taxes, start=1):
        tax_where = f"{where}, tax {index}"
        if not isinstance(tax, dict):
            raise ParseError("a tax must be a JSON object", tax_where)
        code = str(tax.get("code") or tax.get("charge_code") or "").strip()
        if not code:
            raise ParseError("code is required", tax_where)
        result.append(
            {
                "sequence": len(lines) + index,
                "shipment_reference": (
                    str(tax.get("shipment_reference") or "").strip() or lines[0]["shipment_reference"]
                ),
                "charge_code": code,
                "charge_kind": "tax",
                "description": str(tax.get("description") or code),
                "quantity": Decimal(1),
                "amount": _decimal(tax.get("amount"), f"{tax_where}: amount"),
                "billed_weight": None,
            }
        )
    return result


def parse_fap_invoice(data):
    """One FAP invoice (dict) -> the invoice dict of the suite's readers; ParseError names the field."""
    if not isinstance(data, dict):
        raise ParseError("an invoice must be a JSON object")
    number = str(data.get("invoice_number") or "").strip()
    where = f"invoice {number or data.get('id') or '?'}"
    if not number:
        raise ParseError("invoice_number is required", where)
    scac = str(data.get("carrier_scac") or "").strip().upper()
    if not scac:
        raise ParseError("carrier_scac is required", where)
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ParseError("lines must be a non-empty list", where)
    parsed_lines = []
    for index, line in enumerate(lines, start=1):
        line_where = f"{where}, line {index}"
        if not isinstance(line, dict):
            raise ParseError("a line must be a JSON object", line_where)
        ref = str(line.get("shipment_reference") or "").strip()
        code = str(line.get("charge_code") or "").strip()
        if not ref:
            raise ParseError("shipment_reference is required", line_where)
        if not code:
            raise ParseError("charge_code is required", line_where)
        parsed_lines.append(
            {
                "sequence": index,
                "shipment_reference": ref,
                "charge_code": code,
                "description": str(line.get("description") or ""),
                "quantity": _decimal(line.get("quantity", 1), f"{line_where}: quantity"),
                "amount": _decimal(line.get("amount"), f"{line_where}: amount"),
                "billed_weight": _decimal(line.get("billed_weight_kg"), f"{line_where}: billed_weight_kg", True),
            }
        )
        if line.get("is_tax") is True or str(line.get("type") or "").lower() == "tax":
            parsed_lines[-1]["charge_kind"] = "tax"
    parsed_lines += _tax_lines(data.get("taxes"), where, parsed_lines)
    currency = str(data.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ParseError(f"currency {currency!r} is not an ISO 4217 code", where)
    return {
        "external_id": str(data.get("id") or "") or None,
        "revision": data.get("revision"),
        "invoice_number": number,
        "scac": scac,
        "invoice_date": _date(data.get("invoice_date"), f"{where}: invoice_date", allow_none=False),
        "due_date": _date(data.get("due_date"), f"{where}: due_date"),
        "currency": currency,
        "total": _decimal(data.get("total"), f"{where}: total"),
        "fuel_index": _decimal(data.get("fuel_index"), f"{where}: fuel_index", True),
        "lines": parsed_lines,
        # A credit memo (a negative total is one too): credited against the invoice it names.
        "is_credit": str(data.get("type") or "").lower() in ("credit", "credit_memo", "correction"),
        "original_invoice_number": str(data.get("original_invoice_number") or "").strip() or None,
    }


def parse_fap_payload(payload):
    """A webhook or poll payload: one invoice, a list, or ``{"invoices": [...]}`` -> invoice dicts."""
    if isinstance(payload, bytes | str):
        try:
            payload = jsonsafe.loads_strict(payload)
        except jsonsafe.PayloadError as error:
            raise ParseError(f"the payload is not valid JSON: {error}") from None
    if isinstance(payload, dict) and "invoices" in payload:
        payload = payload["invoices"]
    items = payload if isinstance(payload, list) else [payload]
    return [parse_fap_invoice(item) for item in items]
