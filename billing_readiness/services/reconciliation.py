"""Comparing what Odoo holds with what a TMS or FAP reports (plain Python, no ORM).

Each function returns :class:`Difference` items; the model turns them into report lines
with the records behind them.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Odoo carrier invoice state -> the FAP statuses that agree with it.
INVOICE_STATUS_AGREES = {
    "draft": {"received", "new", "in_audit"},
    "exception": {"received", "in_audit", "disputed", "exception"},
    "approved": {"approved"},
    "billed": {"approved", "billed", "paid"},
    "rejected": {"rejected"},
    "cancel": {"cancelled", "canceled", "rejected"},
}
PAID = {"paid"}


@dataclass
class Difference:
    kind: str  # missing_in_odoo, missing_in_backend, status_differs, amount_differs, payment_differs
    reference: str
    odoo_status: str = ""
    backend_status: str = ""
    odoo_value: float = 0.0
    backend_value: float = 0.0
    odoo_id: int = None  # the Odoo record behind it (shipment or carrier invoice)
    detail: str = ""


def _money(value):
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        return None


def compare_shipments(odoo, remote, delivered_in_period):
    """``odoo``: {reference: (id, status, [external ids])} of our shipments of the backend, ``remote``: the TMS
    rows, ``delivered_in_period``: references Odoo says were delivered in the period.

    A shipment the TMS reports and Odoo does not hold, a shipment Odoo delivered in the
    period that the TMS does not report, and a status that differs are differences.
    """
    differences = []
    seen = set()
    aliases = {}
    for reference, (_record_id, _status, external_ids) in odoo.items():
        for external_id in external_ids:
            aliases.setdefault(external_id, reference)
    for row in remote:
        reference = str(row.get("reference") or "").strip()
        if reference not in odoo:
            reference = aliases.get(str(row.get("shipment_id") or "").strip(), reference)
        status = str(row.get("status") or "").strip().lower()
        if reference not in odoo:
            differences.append(
                Difference(
                    "missing_in_odoo",
                    reference or str(row.get("shipment_id") or "?"),
                    backend_status=status,
                    detail="reported by the TMS, unknown in Odoo",
                )
            )
            continue
        seen.add(reference)
        record_id, odoo_status, _external = odoo[reference]
        if status and status != odoo_status:
            differences.append(
                Difference(
                    "status_differs",
                    reference,
                    odoo_status=odoo_status,
                    backend_status=status,
                    odoo_id=record_id,
                    detail=f"Odoo: {odoo_status}, TMS: {status}",
                )
            )
    for reference in sorted(delivered_in_period - seen):
        record_id, odoo_status, _external = odoo[reference]
        differences.append(
            Difference(
                "missing_in_backend",
                reference,
                odoo_status=odoo_status,
                odoo_id=record_id,
                detail="delivered in Odoo, not reported by the TMS",
            )
        )
    return differences


def compare_invoices(odoo, remote):
    """``odoo``: {key: dict(id, number, external_id, state, amount, paid)} of our carrier invoices of
    the backend (key: the FAP id, else the invoice number); ``remote``: the FAP rows."""
    differences = []
    by_number = {values["number"].strip().upper(): key for key, values in odoo.items()}
    seen = set()
    for row in remote:
        fap_id = str(row.get("id") or "").strip()
        number = str(row.get("invoice_number") or "").strip()
        key = fap_id if fap_id in odoo else by_number.get(number.upper())
        status = str(row.get("status") or "").strip().lower()
        amount = _money(row.get("amount"))
        if key is None:
            differences.append(
                Difference(
                    "missing_in_odoo",
                    number or fap_id or "?",
                    backend_status=status,
                    backend_value=float(amount or 0),
                    detail="reported by the FAP, not received in Odoo",
                )
            )
            continue
        seen.add(key)
        ours = odoo[key]
        label = ours["number"]
        if status and status not in INVOICE_STATUS_AGREES.get(ours["state"], {ours["state"]}):
            differences.append(
                Difference(
                    "status_differs",
                    label,
                    odoo_status=ours["state"],
                    backend_status=status,
                    odoo_id=ours["id"],
                    detail=f"Odoo: {ours['state']}, FAP: {status}",
                )
            )
        ours_amount = _money(ours["amount"])
        if amount is not None and ours_amount is not None and amount != ours_amount:
            differences.append(
                Difference(
                    "amount_differs",
                    label,
                    odoo_value=float(ours_amount),
                    backend_value=float(amount),
                    odoo_id=ours["id"],
                    detail=f"Odoo: {ours_amount}, FAP: {amount}",
                )
            )
        payment = str(row.get("payment_status") or "").strip().lower()
        if payment and (payment in PAID) != bool(ours["paid"]):
            differences.append(
                Difference(
                    "payment_differs",
                    label,
                    odoo_status="paid" if ours["paid"] else "not paid",
                    backend_status=payment,
                    odoo_id=ours["id"],
                    detail="paid at the FAP, not in Odoo" if payment in PAID else "paid in Odoo, not at the FAP",
                )
            )
    for key in sorted(set(odoo) - seen, key=str):
        ours = odoo[key]
        differences.append(
            Difference(
                "missing_in_backend",
                ours["number"],
                odoo_status=ours["state"],
                odoo_value=float(ours["amount"] or 0),
                odoo_id=ours["id"],
                detail="received in Odoo, not reported by the FAP",
            )
        )
    return differences
