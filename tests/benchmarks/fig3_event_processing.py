"""Figure 3: event processing from the journal to shipments and their timeline, in this process
(one worker, as the journal's cron runs it): events/s and SQL queries per event.

The figure: 10,000 events over 10,000 distinct shipments (one milestone each, as a carrier
platform sends the day's updates of many shipments: picked up, in transit, out for delivery,
delivered with a proof of delivery signer, in turn), one shipment in fifty receiving a
milestone older than the one it already has (out of order: kept in its timeline as outdated).
Reported next to it, not timed against the target: 10 milestones for each of 1,000 shipments,
interleaved across shipments, one in fifty with two of them out of order (the figure before
issue 18). The events are journaled first (not timed); the timed part is the cron's
``_cron_process_queue`` in batches of 200, each batch on its own cursor and committed, as
the cron runner does. Queries are counted on each cursor (``cr.sql_log_count``).
"""

import time
from datetime import datetime, timedelta

from benchlib import Figure, log, set_aside_queue
from fixtures import tracking_ref

TARGET_RATE = 1000.0
TARGET_QUERIES = 0.15
MILESTONES = ["picked_up"] + ["in_transit"] * 7 + ["out_for_delivery", "delivered"]
CITIES = ["Lyon", "Macon", "Chalon", "Beaune", "Dijon", "Troyes", "Sens", "Melun", "Paris", "Paris"]
START = datetime(2026, 4, 6, 5, 0)
DISTINCT_PREFIX = "BENCH-F3D-"


def distinct_ref(index):
    return f"{DISTINCT_PREFIX}{index:06d}"


def _event(event_id, ref, step, when, index):
    status = MILESTONES[step % len(MILESTONES)]
    event = {
        "event_id": event_id,
        "tracking_ref": ref,
        "status": status,
        "event_time": when.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
        "location": {"city": CITIES[step % len(CITIES)], "country": "FR"},
    }
    if status == "delivered":
        event["pod"] = {"signer": f"Receiver {index}", "time": event["event_time"]}
    return event


def milestone_events(shipments, per_shipment):
    """The events of the 10-per-shipment part, in arrival order."""
    rounds = []
    for step in range(per_shipment):
        round_events = []
        for index in range(shipments):
            when = START + timedelta(minutes=index % 60, hours=3 * step)
            round_events.append(_event(f"f3-{index}-{step}", tracking_ref(index), step, when, index))
        rounds.append(round_events)
    # One shipment in fifty gets its 4th milestone before its 3rd (out of order).
    if per_shipment >= 4:
        for index in range(0, shipments, 50):
            rounds[2][index], rounds[3][index] = rounds[3][index], rounds[2][index]
    return [event for round_events in rounds for event in round_events]


def distinct_events(count):
    """``(earlier, events)``: the figure's events, one per shipment, the step of shipment
    ``index`` being ``index % 10``; ``earlier``: for one shipment in fifty, a later milestone
    processed before the timed part, so that the timed one arrives out of order."""
    events, earlier = [], []
    for index in range(count):
        step = index % len(MILESTONES)
        when = START + timedelta(minutes=index % 60, hours=3 * step)
        events.append(_event(f"f3d-{index}", distinct_ref(index), step, when, index))
        if index % 50 == 25:
            later = min(step + 1, len(MILESTONES) - 2)  # a later milestone, not the delivery
            later_when = when + timedelta(hours=3 * (later - step) + 1)
            earlier.append(_event(f"f3d-pre-{index}", distinct_ref(index), later, later_when, index))
    return earlier, events


def make_shipments(ctx, count):
    """``count`` shipments of the bench carrier's customer, created through the ORM (not timed)."""
    with ctx.odoo.env() as env:
        template = env["logistics.shipment"].browse(ctx.data["event_shipment_ids"][0])
        partner_id, carrier_id = template.partner_id.id, template.carrier_partner_id.id
    Shipment = None
    for start in range(0, count, 1000):
        with ctx.odoo.env() as env:
            Shipment = env["logistics.shipment"].with_context(tracking_disable=True, mail_create_nolog=True)
            Shipment.create(
                [
                    {
                        "name": f"BENCH-F3D-SHP-{index:06d}",
                        "tracking_ref": distinct_ref(index),
                        "partner_id": partner_id,
                        "carrier_partner_id": carrier_id,
                        "status": "booked",
                    }
                    for index in range(start, min(start + 1000, count))
                ]
            )


def journal(ctx, events):
    backend_id = ctx.data["backend_id"]
    for start in range(0, len(events), 500):
        with ctx.odoo.env() as env:
            backend = env["logistics.backend"].browse(backend_id)
            env["logistics.message"]._journal_canonical_events(
                backend, events[start : start + 500], source="webhook 127.0.0.1"
            )


def process(ctx):
    """Run the journal's cron until the queue is empty; (processed, queries, batches, seconds, timed out)."""
    settings = ctx.settings
    processed = queries = batches = 0
    timed_out = False
    started = time.perf_counter()
    while True:
        with ctx.odoo.env() as env:
            before = env.cr.sql_log_count
            count = env["logistics.message"]._cron_process_queue(batch_size=settings.process_batch)
            queries += env.cr.sql_log_count - before
        if not count:
            break
        processed += count
        batches += 1
        if time.perf_counter() - started > settings.figure_timeout:
            timed_out = True
            break
    return processed, queries, batches, time.perf_counter() - started, timed_out


def check(ctx, key_like, refs):
    """(journaled, done, events created, applied, outdated, shipments delivered) of a part."""
    with ctx.odoo.env() as env:
        env.cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM logistics_message"
            " WHERE message_type = 'shipment_event' AND idempotency_key LIKE %s",
            (key_like,),
        )
        journaled, done = env.cr.fetchone()
        env.cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE e.state = 'applied'), count(*) FILTER (WHERE e.state = 'outdated')"
            "  FROM logistics_shipment_event e JOIN logistics_message m ON m.id = e.message_id"
            " WHERE m.idempotency_key LIKE %s",
            (key_like,),
        )
        created, applied, outdated = env.cr.fetchone()
        env.cr.execute(
            "SELECT count(*) FROM logistics_shipment WHERE tracking_ref = ANY(%s) AND status = 'delivered'",
            (refs,),
        )
        delivered = env.cr.fetchone()[0]
    return journaled, done, created, applied, outdated, delivered


def run(ctx):
    settings = ctx.settings
    total = settings.process_events
    title = f"processing {total} events over {total} shipments journal -> shipments"
    figure = Figure("3", title, unit=" events/s", target=TARGET_RATE)
    # What figures 1 and 2 left in the queue is not part of this figure.
    set_aside_queue(ctx)
    problems = []
    # The figure: one event per shipment, over distinct shipments.
    make_shipments(ctx, total)
    earlier, events = distinct_events(total)
    journal(ctx, earlier)
    process(ctx)  # the later milestones of one shipment in fifty, before the figure (not timed)
    journal(ctx, events)
    log(f"figure 3: {len(events)} events journaled for {total} distinct shipments; processing")
    processed, queries, batches, elapsed, timed_out = process(ctx)
    refs = [distinct_ref(index) for index in range(total)]
    journaled, done, created, applied, outdated, delivered = check(ctx, "event:f3d-%", refs)
    created -= len(earlier)
    applied_early = len(earlier)  # each earlier milestone applied to its shipment
    if timed_out:
        problems.append(f"stopped after {settings.figure_timeout} s with {processed}/{len(events)} processed")
    if done != journaled or created != len(events):
        problems.append(f"{journaled} journaled, {done} done, {created} events created of {len(events)}")
    rate = created / elapsed if elapsed else 0.0
    per_event = queries / created if created else None
    figure.value = round(rate, 1)
    figure.numbers = {"events": created, "seconds": round(elapsed, 2), "queries": queries, "batches": batches}
    figure.extra_targets = [
        ("queries/event", round(per_event, 3) if per_event is not None else None, TARGET_QUERIES, False)
    ]
    note = f"{applied - applied_early} applied, {outdated} outdated, {delivered}/{total} shipments delivered"
    # Reported next to it: 10 milestones for each of 1,000 shipments (the figure before issue 18).
    shipments = min(len(ctx.data["event_shipment_ids"]), max(total // len(MILESTONES), 1))
    per_shipment = -(-total // shipments)
    events = milestone_events(shipments, per_shipment)[:total]
    journal(ctx, events)
    log(f"figure 3: {len(events)} events journaled for {shipments} shipments ({per_shipment} each); processing")
    processed, queries, batches, elapsed, timed_out = process(ctx)
    refs = [tracking_ref(index) for index in range(shipments)]
    journaled, done, created, applied, outdated, delivered = check(ctx, "event:f3-%", refs)
    if timed_out:
        problems.append(f"stopped after {settings.figure_timeout} s with {processed}/{len(events)} processed")
    if done != journaled or created != len(events):
        problems.append(f"{journaled} journaled, {done} done, {created} events created of {len(events)}")
    figure.numbers[f"{per_shipment} per shipment: events/s"] = round(created / elapsed, 1) if elapsed else 0
    figure.numbers[f"{per_shipment} per shipment: queries/event"] = round(queries / created, 3) if created else None
    note += (
        f"; {per_shipment} per shipment: {applied} applied, {outdated} outdated,"
        f" {delivered}/{shipments} shipments delivered"
    )
    figure.note = note
    if problems:
        figure.error = "; ".join(problems)
    return figure
