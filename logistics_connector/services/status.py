"""The shipment statuses and the rules that move a shipment from one to another.

Plain Python (no ORM): the canonical statuses every addon of the suite speaks, the explicit
transitions of actions taken in Odoo, and the rule for events from carriers and TMSs
(:func:`status_beats`), folded over a batch of events by :func:`fold_events`, the one place
that decides a shipment's status from events (logistics.shipment._apply_event_status for one
event, logistics.shipment.event._apply_to_shipments for the milestones of shipment_events).
"""

from typing import NamedTuple

# The canonical statuses: one selection used by every addon of the suite.
SHIPMENT_STATUSES = [
    ("draft", "Draft"),
    ("tendered", "Tendered"),
    ("booked", "Booked"),
    ("picked_up", "Picked Up"),
    ("in_transit", "In Transit"),
    ("delayed", "Delayed"),
    ("customs_hold", "Customs Hold"),
    ("out_for_delivery", "Out for Delivery"),
    ("delivered", "Delivered"),
    ("exception", "Exception"),
    ("cancelled", "Cancelled"),
]
# Progress rank: breaks ties between events of the same time. Exceptions and
# delays sit at the level of the leg they happen on.
STATUS_RANK = {
    "draft": 0,
    "tendered": 10,
    "booked": 20,
    "picked_up": 30,
    "in_transit": 40,
    "delayed": 41,
    "customs_hold": 42,
    "exception": 43,
    "out_for_delivery": 50,
    "delivered": 90,
    "cancelled": 100,
}
TERMINAL_STATUSES = ("delivered", "cancelled")
# Statuses that describe our planning, not the goods' movement: they are set with the
# time Odoo learnt them (a booking processed late, after an outage, is stamped later
# than the carrier's pickup), so any movement event beats them whatever its time.
PLANNING_STATUSES = ("draft", "tendered", "booked")
# The shipment fields only its transitions write (the status and its time, the TMS state, the
# proof of delivery): logistics.shipment's ``_guarded_fields`` (logistics.guarded.mixin). An
# addon that guards more of the shipment declares only its own: the mixin merges them.
SHIPMENT_GUARDED_FIELDS = dict.fromkeys(
    (
        "status",
        "status_event_time",
        "tms_state",
        "transport_order_revision",
        "pod_signer",
        "pod_time",
        "pod_attachment_id",
    )
)

# Explicit transitions for actions taken in Odoo (events from carriers follow
# the event-time rule of status_beats).
MANUAL_TRANSITIONS = {
    "draft": {"tendered", "booked", "cancelled"},
    "tendered": {"booked", "cancelled", "draft"},
    "booked": {"picked_up", "in_transit", "cancelled", "tendered"},
    "picked_up": {"in_transit", "delivered", "exception"},
    "in_transit": {"delayed", "customs_hold", "out_for_delivery", "delivered", "exception"},
    "delayed": {"in_transit", "out_for_delivery", "delivered", "exception"},
    "customs_hold": {"in_transit", "out_for_delivery", "exception"},
    "out_for_delivery": {"delivered", "exception", "in_transit"},
    "exception": {"in_transit", "out_for_delivery", "delivered", "cancelled"},
    "delivered": set(),
    "cancelled": set(),
}


def status_beats(status, event_time, current_status, current_time):
    """Does an event (``status`` at ``event_time``) replace the current status?

    Delivered and cancelled are final; a movement event always beats a planning
    status and a planning status never replaces a movement; otherwise the latest
    event time decides, and for equal times the higher rank wins. A late 'in transit'
    therefore never overwrites 'delivered', nor a newer 'out for delivery'.
    """
    if not status or current_status in TERMINAL_STATUSES:
        return False
    if (current_status in PLANNING_STATUSES) != (status in PLANNING_STATUSES):
        return status not in PLANNING_STATUSES  # the goods moved: planning never takes them back
    if current_time and event_time:
        if event_time < current_time:
            return False
        if event_time == current_time and STATUS_RANK[status] <= STATUS_RANK[current_status]:
            return False
    return status != current_status or not current_time or bool(event_time and event_time > current_time)


class StatusFold(NamedTuple):
    """What a batch of events does to a shipment (see :func:`fold_events`)."""

    status: str  # the shipment's status after the events
    status_time: object  # the event time (naive UTC datetime) of that status
    applied: list  # keys of the events that counted, in the order they were applied
    outdated: list  # keys of the events older than the status they met (kept in the timeline only)
    pickup_time: object  # time of the first 'picked up' event that counted, or None


def fold_events(status, status_time, events):
    """Fold events into a shipment's status: the one rule of the suite for events.

    :param status: the shipment's current status
    :param status_time: the event time of the current status (naive UTC datetime or None)
    :param events: iterable of ``(key, status, event_time)``; ``key`` (an event id, say)
        breaks ties of time and rank and names the event in the result
    :returns: :class:`StatusFold`

    Events are taken in event-time order (then rank, then key), each one applied when it
    beats the status reached so far (:func:`status_beats`), else outdated. A planning
    status was stamped when Odoo learnt it, so the event that replaces it brings its own
    time; otherwise the status time only moves forward. Applying events one by one or
    folding them as a batch gives the same status and time.
    """
    applied, outdated = [], []
    pickup_time = None
    for key, event_status, event_time in sorted(events, key=lambda e: (e[2], STATUS_RANK.get(e[1], 0), e[0])):
        if not status_beats(event_status, event_time, status, status_time):
            outdated.append(key)
            continue
        applied.append(key)
        if status in PLANNING_STATUSES or not status_time or not event_time:
            status_time = event_time  # planning was stamped when Odoo learnt it
        else:
            status_time = max(status_time, event_time)
        status = event_status
        if event_status == "picked_up" and not pickup_time:
            pickup_time = event_time
    return StatusFold(status, status_time, applied, outdated, pickup_time)
