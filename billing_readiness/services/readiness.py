"""Billing readiness of one sale order from its facts and its rule (plain Python, no ORM).

The model layer (``sale.order._billing_recompute_readiness``) reads the facts of a
batch of orders with a few set-based queries, calls :func:`evaluate` per order and
writes only what changed. Everything here is importable and testable without a
database.

States::

    not_applicable  not a confirmed order, or no outbound shipment to wait for
    waiting         the facts are not in yet (not delivered, waiting period, charges
                    not confirmed, nothing invoiceable yet)
    on_hold         something needs a person (POD missing, delivery order not validated
                    in Odoo, open exception, open audit case, manual hold, invoicing failed)
    ready           the scheduled invoicing may invoice it
    invoiced        everything invoiceable is invoiced
"""

from dataclasses import dataclass, field
from datetime import timedelta

NOT_APPLICABLE = "not_applicable"
WAITING = "waiting"
ON_HOLD = "on_hold"
READY = "ready"
INVOICED = "invoiced"

HOLD = "hold"
WAIT = "wait"
# code -> (kind, English label template; the models translate them for display)
REASONS = {
    "not_delivered": (WAIT, "Shipment %(shipment)s not delivered yet"),
    "waiting_period": (WAIT, "Waiting period after delivery of %(order)s"),
    "charge_unconfirmed": (WAIT, "Rebillable charges of shipment %(shipment)s not confirmed yet"),
    "nothing_to_invoice": (WAIT, "Nothing invoiceable yet on %(order)s"),
    "pod_missing": (HOLD, "POD missing for shipment %(shipment)s"),
    "delivery_not_validated": (
        HOLD,
        "Shipment %(shipment)s: carrier reports delivered; delivery order not validated in Odoo",
    ),
    "exception_open": (HOLD, "Open delivery exception on shipment %(shipment)s"),
    "audit_case_open": (HOLD, "Audit case %(case)s open"),
    "manual": (HOLD, "Put on hold manually: %(order)s"),
    "invoice_error": (HOLD, "Invoicing failed: %(order)s"),
}
# Reasons a release cannot waive (they are cleared by their own action).
NOT_WAIVABLE = ("manual", "invoice_error")
OPEN_CASE_STATES = ("open", "in_review", "disputed")
INVOICED_STATUSES = ("invoiced", "upselling")


@dataclass(frozen=True)
class Rule:
    """The readiness rule of a company or of one customer."""

    require_pod: bool = True
    require_delivery_done: bool = True  # the delivery orders of delivered shipments are done in Odoo
    delivery_policy: str = "all"  # "all" shipments delivered, or "partial": delivered quantities
    require_charges_reconciled: bool = True
    require_no_exception: bool = True
    wait_hours: float = 0.0
    invoice_grouping: str = "order"  # or "customer"
    auto_invoice: bool = True
    auto_post: bool = False


DEFAULT_RULE = Rule()


@dataclass
class ShipmentFact:
    id: int
    name: str
    status: str
    delivered_at: object = None  # naive UTC datetime
    pod_complete: bool = False
    open_exception: bool = False
    billed: bool = False  # delivered goods already on a customer invoice
    delivery_open: bool = False  # one of its delivery orders (outgoing transfers) is not done in Odoo

    @property
    def delivered(self):
        return self.status == "delivered"


@dataclass
class ChargeFact:
    """A rebillable carrier charge on one of the order's shipments."""

    line_id: int
    shipment_id: int
    shipment_name: str
    line_state: str  # new / approved / exception / rejected
    approved_amount: float = 0.0
    rebilled: bool = False  # on the sale order already
    case_id: int = None
    case_name: str = None
    case_state: str = None


@dataclass
class OrderFacts:
    order_id: int
    order_name: str
    confirmed: bool
    invoice_status: str
    shipments: list = field(default_factory=list)
    charges: list = field(default_factory=list)
    manual_hold: bool = False
    invoice_error: bool = False
    already_invoiced_once: bool = False


@dataclass(frozen=True)
class Reason:
    code: str
    key: str
    label: str
    shipment_id: int = None
    case_id: int = None
    order_id: int = None

    @property
    def kind(self):
        return REASONS[self.code][0]


@dataclass
class Verdict:
    state: str
    reasons: list
    delivery_time: object = None
    wait_until: object = None
    pod_missing: bool = False
    covered_shipment_ids: tuple = ()


def reason(code, order=None, shipment=None, case_id=None, case_name=None):
    """The one reason record key of a fact: shared by every order it concerns."""
    if code == "audit_case_open":
        key = f"{code}:c{case_id}"
        params = {"case": case_name}
        return Reason(code, key, REASONS[code][1] % params, case_id=case_id)
    if shipment is not None:
        key = f"{code}:s{shipment.id}"
        return Reason(code, key, REASONS[code][1] % {"shipment": shipment.name}, shipment_id=shipment.id)
    key = f"{code}:o{order.order_id}"
    return Reason(code, key, REASONS[code][1] % {"order": order.order_name}, order_id=order.order_id)


def covered_shipments(facts, rule):
    """The shipments the next invoice is about, and the ones the order waits for."""
    shipments = facts.shipments
    pending = [s for s in shipments if not s.delivered]
    if rule.delivery_policy == "partial":
        fresh = [s for s in shipments if s.delivered and not s.billed]
        if fresh:
            return fresh, []
        if not pending:
            return list(shipments), []
        return [], pending
    return list(shipments), pending


def evaluate(facts, rule, now, waived_keys=frozenset()):
    """The :class:`Verdict` of one order at ``now`` (naive UTC)."""
    if not facts.confirmed or not facts.shipments:
        return Verdict(NOT_APPLICABLE, [])
    covered, pending = covered_shipments(facts, rule)
    delivered = [s for s in facts.shipments if s.delivered]
    times = [s.delivered_at for s in delivered if s.delivered_at]
    delivery_time = max(times) if times else None
    pod_missing = any(not s.pod_complete for s in delivered)
    if facts.invoice_status in INVOICED_STATUSES:
        return Verdict(INVOICED, [], delivery_time=delivery_time, pod_missing=pod_missing)

    reasons = [reason("not_delivered", shipment=s) for s in pending]
    covered_delivered = [s for s in covered if s.delivered]
    if rule.require_pod:
        reasons += [reason("pod_missing", shipment=s) for s in covered_delivered if not s.pod_complete]
    if rule.require_delivery_done:
        reasons += [reason("delivery_not_validated", shipment=s) for s in covered_delivered if s.delivery_open]
    if rule.require_no_exception:
        reasons += [reason("exception_open", shipment=s) for s in covered if s.open_exception]
    if rule.require_charges_reconciled:
        cases, unconfirmed = {}, {}
        for charge in facts.charges:
            if charge.case_id and charge.case_state in OPEN_CASE_STATES:
                cases.setdefault(charge.case_id, charge.case_name)
            elif charge.line_state == "new" or (
                charge.line_state == "approved" and charge.approved_amount and not charge.rebilled
            ):
                unconfirmed.setdefault(charge.shipment_id, charge.shipment_name)
        reasons += [reason("audit_case_open", case_id=cid, case_name=name) for cid, name in sorted(cases.items())]
        reasons += [
            reason("charge_unconfirmed", shipment=ShipmentFact(sid, name, ""))
            for sid, name in sorted(unconfirmed.items())
        ]
    wait_until = None
    if not pending and rule.wait_hours and covered_delivered:
        last = max((s.delivered_at for s in covered_delivered if s.delivered_at), default=None)
        if last is not None:
            until = last + timedelta(hours=rule.wait_hours)
            if now < until:
                wait_until = until
                reasons.append(reason("waiting_period", order=facts))
    reasons = [r for r in reasons if r.key not in waived_keys]
    if facts.manual_hold:
        reasons.append(reason("manual", order=facts))
    if facts.invoice_error:
        reasons.append(reason("invoice_error", order=facts))
    if not reasons and facts.invoice_status != "to invoice":
        reasons.append(reason("nothing_to_invoice", order=facts))
    if any(r.kind == HOLD for r in reasons):
        state = ON_HOLD
    elif reasons:
        state = WAITING
    else:
        state = READY
    return Verdict(
        state,
        reasons,
        delivery_time=delivery_time,
        wait_until=wait_until,
        pod_missing=pod_missing,
        covered_shipment_ids=tuple(s.id for s in covered_delivered),
    )
