"""Figure 3: event processing from the journal to shipments and their timeline, in this process
(one worker, as the journal's cron runs it): events/s and SQL queries per event.

The events: ten milestones for each of 1,000 shipments (picked up, seven in transit at
successive places, out for delivery, delivered with a proof of delivery signer), arriving
interleaved across shipments as a carrier platform sends them, with one shipment in fifty
receiving two of its milestones out of order. They are journaled first (not timed); the timed
part is the cron's ``_cron_process_queue`` in batches of 200, each batch on its own cursor and
committed, as the cron runner does. Queries are counted on each cursor (``cr.sql_log_count``).
"""

import time
from datetime import datetime, timedelta

from benchlib import Figure, log
from fixtures import tracking_ref

TARGET_RATE = 500.0
TARGET_QUERIES = 3.0
MILESTONES = ["picked_up"] + ["in_transit"] * 7 + ["out_for_delivery", "delivered"]
CITIES = ["Lyon", "Macon", "Chalon", "Beaune", "Dijon", "Troyes", "Sens", "Melun", "Paris", "Paris"]
START = datetime(2026, 4, 6, 5, 0)


def milestone_events(shipments, per_shipment):
    """The events, in arrival order."""
    rounds = []
    for step in range(per_shipment):
        status = MILESTONES[step % len(MILESTONES)]
        round_events = []
        for index in range(shipments):
            when = START + timedelta(minutes=index % 60, hours=3 * step)
            event = {
                "event_id": f"f3-{index}-{step}",
                "tracking_ref": tracking_ref(index),
                "status": status,
                "event_time": when.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
                "location": {"city": CITIES[step % len(CITIES)], "country": "FR"},
            }
            if status == "delivered":
                event["pod"] = {"signer": f"Receiver {index}", "time": event["event_time"]}
            round_events.append(event)
        rounds.append(round_events)
    # One shipment in fifty gets its 4th milestone before its 3rd (out of order).
    if per_shipment >= 4:
        for index in range(0, shipments, 50):
            rounds[2][index], rounds[3][index] = rounds[3][index], rounds[2][index]
    return [event for round_events in rounds for event in round_events]


def run(ctx):
    settings = ctx.settings
    total = settings.process_events
    shipments = min(len(ctx.data["event_shipment_ids"]), max(total // len(MILESTONES), 1))
    per_shipment = -(-total // shipments)
    events = milestone_events(shipments, per_shipment)[:total]
    figure = Figure("3", f"processing {total} events journal -> shipments", unit=" events/s", target=TARGET_RATE)
    with ctx.odoo.env() as env:
        # What figures 1 and 2 left in the queue is not part of this figure.
        env.cr.execute("UPDATE logistics_message SET state = 'done' WHERE state IN ('received', 'queued', 'failed')")
    backend_id = ctx.data["backend_id"]
    for start in range(0, len(events), 500):
        with ctx.odoo.env() as env:
            backend = env["logistics.backend"].browse(backend_id)
            env["logistics.message"]._journal_canonical_events(
                backend, events[start : start + 500], source="webhook 127.0.0.1"
            )
    log(f"figure 3: {len(events)} events journaled for {shipments} shipments; processing")
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
    elapsed = time.perf_counter() - started
    with ctx.odoo.env() as env:
        env.cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM logistics_message"
            " WHERE message_type = 'shipment_event' AND idempotency_key LIKE 'event:f3-%%'"
        )
        journaled, done = env.cr.fetchone()
        env.cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE e.state = 'applied'), count(*) FILTER (WHERE e.state = 'outdated')"
            "  FROM logistics_shipment_event e JOIN logistics_message m ON m.id = e.message_id"
            " WHERE m.idempotency_key LIKE 'event:f3-%%'"
        )
        created, applied, outdated = env.cr.fetchone()
        env.cr.execute(
            "SELECT count(*) FROM logistics_shipment WHERE tracking_ref = ANY(%s) AND status = 'delivered'",
            ([tracking_ref(index) for index in range(shipments)],),
        )
        delivered = env.cr.fetchone()[0]
    rate = created / elapsed if elapsed else 0.0
    per_event = queries / created if created else None
    figure.value = round(rate, 1)
    figure.numbers = {
        "events": created,
        "seconds": round(elapsed, 2),
        "queries": queries,
        "batches": batches,
    }
    figure.extra_targets = [
        ("queries/event", round(per_event, 3) if per_event is not None else None, TARGET_QUERIES, False)
    ]
    figure.note = f"{applied} applied, {outdated} outdated, {delivered}/{shipments} shipments delivered"
    problems = []
    if timed_out:
        problems.append(f"stopped after {settings.figure_timeout} s with {processed}/{len(events)} processed")
    if done != journaled or created != len(events):
        problems.append(f"{journaled} journaled, {done} done, {created} events created of {len(events)}")
    if problems:
        figure.error = "; ".join(problems)
    return figure
