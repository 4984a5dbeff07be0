"""The inputs of the audit engine (``services/audit.py``), built by the Odoo side.

Plain Python (no ORM): the invoice as billed (:class:`InvoiceIn` of :class:`LineIn`), what Odoo
knows of each shipment (:class:`ShipmentFacts`), what was billed before (:class:`DuplicateIndex`),
the contracts in force (:class:`Contracts`) and the company's settings (:class:`AuditSettings`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from odoo.addons.logistics_connector.services.exceptions import PermanentError

from .rating.amounts import DEFAULT_DECIMALS, ZERO, to_decimal
from .rating.charges import CHARGE_KINDS
from .tolerance import Tolerance


@dataclass
class LineIn:
    """One billed charge. ``charge_kind`` may be None: the charge rule's kind is used then."""

    shipment_ref: str
    charge_code: str
    amount: Decimal
    charge_kind: str | None = None
    quantity: Decimal = Decimal(1)
    billed_weight: Decimal | None = None
    description: str = ""
    sequence: int | None = None

    def __post_init__(self):
        self.shipment_ref = str(self.shipment_ref or "").strip()
        self.charge_code = str(self.charge_code or "").strip().upper()
        self.charge_kind = self.charge_kind or None  # False / "" (an empty ORM field): not given
        where = f"line {self.sequence}" if self.sequence is not None else "line"
        self.amount = to_decimal(self.amount, f"{where}: amount", error=PermanentError)
        self.quantity = to_decimal(self.quantity, f"{where}: quantity", error=PermanentError, allow_none=True)
        self.billed_weight = to_decimal(
            self.billed_weight, f"{where}: billed weight", error=PermanentError, allow_none=True
        )
        if self.charge_kind is not None and self.charge_kind not in CHARGE_KINDS:
            raise PermanentError(f"{where}: charge kind {self.charge_kind!r} is not one of {CHARGE_KINDS}")


@dataclass
class InvoiceIn:
    """A carrier invoice as billed. ``expected_tax``: the tax that the accounting computes on its
    charges (None: not checked); the tax lines (kind ``tax``) must bill exactly that."""

    carrier: object
    invoice_number: str
    currency: str
    total: Decimal
    lines: list = field(default_factory=list)
    invoice_date: date | None = None
    expected_tax: Decimal | None = None

    def __post_init__(self):
        self.invoice_number = str(self.invoice_number or "").strip()
        self.currency = str(self.currency or "").strip().upper()
        self.total = to_decimal(self.total, "invoice total", error=PermanentError)
        self.expected_tax = to_decimal(self.expected_tax, "expected tax", error=PermanentError, allow_none=True)
        self.lines = list(self.lines)

    @classmethod
    def from_parsed(cls, invoice, carrier=None, charge_kinds=None):
        """From the dict that the invoice parsers return (``csv_invoice``, X12 210).

        ``carrier`` defaults to the invoice's ``scac``; ``charge_kinds`` optionally maps a
        charge code to its kind (e.g. from the backend's code mappings).
        """
        charge_kinds = charge_kinds or {}
        lines = [
            LineIn(
                shipment_ref=line.get("shipment_reference"),
                charge_code=line.get("charge_code"),
                amount=line.get("amount"),
                charge_kind=line.get("charge_kind") or charge_kinds.get(line.get("charge_code")),
                quantity=line.get("quantity"),
                billed_weight=line.get("billed_weight"),
                description=line.get("description") or "",
                sequence=line.get("sequence"),
            )
            for line in invoice.get("lines") or ()
        ]
        return cls(
            carrier=carrier if carrier is not None else invoice.get("scac"),
            invoice_number=invoice.get("invoice_number"),
            currency=invoice.get("currency"),
            total=invoice.get("total"),
            lines=lines,
            invoice_date=invoice.get("invoice_date"),
        )


@dataclass
class ShipmentFacts:
    """What Odoo knows about a shipment. ``origin`` and ``dest``: dicts with ``country``,
    ``state``, ``zip`` or :class:`~.rating.Address`. ``currency``: the shipment's freight
    currency, if it has one."""

    ref: str
    found: bool = True
    delivered: bool = False
    pod_complete: bool = False
    actual_weight_kg: Decimal | None = None
    pallets: Decimal | None = None
    km: Decimal | None = None
    ship_date: date | None = None
    origin: object = None
    dest: object = None
    service_level: str | None = None
    currency: str | None = None


def charge_key(*parts):
    """The comparison key of an invoice or a charge: blanks and case do not matter."""
    return tuple(str(part if part is not None else "").strip().upper() for part in parts)


class DuplicateIndex:
    """What was billed before: ``(carrier, invoice_number)`` and ``(shipment_ref, charge_code)``
    pairs, each with the invoice that billed it. Comparison ignores case and blanks.

    Build it from the invoices already received (not cancelled); an entry that points to
    the invoice being audited itself is ignored, so that an invoice can be audited again.
    """

    def __init__(self, invoices=(), charges=()):
        self._invoices = {}
        self._charges = {}
        for item in invoices:
            carrier, invoice_number, *billed_by = item
            self.add_invoice(carrier, invoice_number, *billed_by)
        for shipment_ref, charge_code, carrier, invoice_number in charges:
            self.add_charge(shipment_ref, charge_code, carrier, invoice_number)

    def add_invoice(self, carrier, invoice_number, billed_by=None):
        """``billed_by``: how to name the earlier invoice in messages (e.g. its Odoo name)."""
        self._invoices[charge_key(carrier, invoice_number)] = billed_by or str(invoice_number)

    def add_charge(self, shipment_ref, charge_code, carrier, invoice_number):
        self._charges.setdefault(charge_key(shipment_ref, charge_code), (carrier, invoice_number))

    def add_invoice_in(self, invoice):
        """Record an audited :class:`InvoiceIn` (its number and all its charges)."""
        self.add_invoice(invoice.carrier, invoice.invoice_number)
        for line in invoice.lines:
            self.add_charge(line.shipment_ref, line.charge_code, invoice.carrier, invoice.invoice_number)

    def invoice_billed_by(self, carrier, invoice_number):
        return self._invoices.get(charge_key(carrier, invoice_number))

    def charge_billed_by(self, shipment_ref, charge_code):
        """``(carrier, invoice_number)`` of the invoice that billed this charge, or None."""
        return self._charges.get(charge_key(shipment_ref, charge_code))


@dataclass
class Contracts:
    """The contracts in force. ``fuel_index(ship_date)`` optionally returns the fuel price index
    that applies to a ship date (for index-band fuel schedules), or None."""

    rate_cards: list = field(default_factory=list)
    fuel_schedules: list = field(default_factory=list)
    charge_rules: list = field(default_factory=list)
    fuel_index: Callable | None = None


@dataclass
class AuditSettings:
    """Company settings and tolerances. ``currency_decimals``: e.g. ``{"JPY": 0}`` (default 2).

    The default tolerances accept only exact amounts (undercharges are accepted and reported).
    """

    require_delivered: bool = True
    require_pod: bool = False
    weight_tolerance_percent: Decimal = ZERO
    line_tolerance: Tolerance = field(default_factory=Tolerance)
    total_tolerance: Tolerance = field(default_factory=Tolerance)
    use_deficit_weight: bool = True
    currency_decimals: dict = field(default_factory=dict)

    def __post_init__(self):
        self.weight_tolerance_percent = to_decimal(self.weight_tolerance_percent or ZERO, "weight tolerance")

    def decimals_for(self, currency):
        return self.currency_decimals.get(currency, DEFAULT_DECIMALS)
