"""Figure 10: lanes: one carrier invoice queued behind 50,000 milestone events, against the
same kind of invoice alone: the time from the invoice journaled to its vendor bill posted and
committed, in this process (one worker, as the journal's cron runs it).

Each side journals one FAP invoice of 5 lines as the FAP pull does, then calls the cron's
``_cron_process_queue`` in batches of 200, each batch on its own cursor and committed, as the
cron runner does, until the invoice is billed (checked after each batch, not timed). The
events (milestones of the 1,000 event shipments) are journaled before the invoice and not
timed. A first invoice, not reported, warms the caches; the events left in the queue at the
end are set aside (marked done) so as not to weigh on what runs next.
"""

import time
from datetime import datetime, timedelta

from benchlib import Figure, log, set_aside_queue
from fig4_freight_audit import fap_invoice
from fixtures import tracking_ref

TARGET_RATIO = 2.0
TARGET_SECONDS = 10.0
# Freight shipments this figure bills (after figure 4's): the warm-up, alone, behind the flood.
INVOICES = 3
START = datetime(2026, 5, 4, 5, 0)
CHUNK = 1_000


def flood_events(count, shipments):
    for index in range(count):
        when = START + timedelta(seconds=index)
        yield {
            "event_id": f"f10-{index}",
            "tracking_ref": tracking_ref(index % shipments),
            "status": "in_transit",
            "event_time": when.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
            "location": {"city": "Lyon", "country": "FR"},
        }


def run(ctx):
    settings, data = ctx.settings, ctx.data
    flood = settings.lane_flood
    figure = Figure("10", f"carrier invoice behind {flood} queued events vs alone", unit="x")
    figure.target, figure.higher_is_better = TARGET_RATIO, False
    names = data["freight_shipment_names"]
    first = len(names) - INVOICES
    with ctx.odoo.env() as env:
        currency = env["res.company"].browse(data["company_id"]).currency_id.name
    # What the figures before left in the queue is not part of this figure.
    set_aside_queue(ctx)
    warm = _until_billed(ctx, first, names[first], currency, settings)
    alone = _until_billed(ctx, first + 1, names[first + 1], currency, settings)
    shipments = min(len(data["event_shipment_ids"]), 1000)
    events = list(flood_events(flood, shipments))
    for start in range(0, len(events), CHUNK):
        with ctx.odoo.env() as env:
            backend = env["logistics.backend"].browse(data["backend_id"])
            env["logistics.message"]._journal_canonical_events(backend, events[start : start + CHUNK], source="bench")
    with ctx.odoo.env() as env:
        env.cr.execute("SELECT count(*) FROM logistics_message WHERE state = 'received' AND lane = 'events'")
        queued = env.cr.fetchone()[0]
    log(f"figure 10: {queued} events queued; the invoice behind them")
    behind = _until_billed(ctx, first + 2, names[first + 2], currency, settings)
    with ctx.odoo.env() as env:
        env.cr.execute(
            "UPDATE logistics_message SET state = 'done'"
            " WHERE state IN ('received', 'queued') AND idempotency_key LIKE 'event:f10-%%'"
        )
        left = env.cr.rowcount
    sides = (("warm-up", warm), ("alone", alone), ("behind", behind))
    problems = [f"{name}: {side['error']}" for name, side in sides if side.get("error")]
    if queued < flood:
        problems.append(f"{queued} of {flood} events queued")
    if problems:
        figure.error = "; ".join(problems)
        return figure
    figure.value = round(behind["seconds"] / alone["seconds"], 2)
    figure.numbers = {
        "behind s": round(behind["seconds"], 3),
        "alone s": round(alone["seconds"], 3),
        "warm-up s": round(warm["seconds"], 3),
        "batches behind": behind["batches"],
        "events processed before it": behind["processed"] - 1,
    }
    figure.extra_targets = [("behind s", round(behind["seconds"], 3), TARGET_SECONDS, False)]
    figure.note = (
        f"{queued} events queued before the invoice, batches of {settings.process_batch}; "
        f"{left} events left in the queue afterwards (set aside)"
    )
    return figure


def _until_billed(ctx, index, shipment_name, currency, settings):
    """Journal invoice ``index`` and run the cron's batches until it is billed (posted)."""
    payload = dict(
        fap_invoice(index, shipment_name, currency), id=f"F-LANE-{index}", invoice_number=f"LANE-{index:05d}"
    )
    number = payload["invoice_number"]
    started = time.perf_counter()
    with ctx.odoo.env() as env:
        backend = env["logistics.backend"].browse(ctx.data["fap_backend_id"])
        env["freight.invoice"]._receive_fap_invoices(backend, [payload], "poll")
    batches = processed = 0
    while True:
        with ctx.odoo.env() as env:
            count = env["logistics.message"]._cron_process_queue(batch_size=settings.process_batch)
        elapsed = time.perf_counter() - started
        batches += 1
        processed += count
        with ctx.odoo.env() as env:
            env.cr.execute(
                "SELECT i.state, m.state FROM freight_invoice i LEFT JOIN account_move m ON m.id = i.vendor_bill_id"
                " WHERE i.name = %s",
                (number,),
            )
            row = env.cr.fetchone()
        if row and row[0] == "billed" and row[1] == "posted":
            return {"seconds": elapsed, "batches": batches, "processed": processed}
        if not count or elapsed > settings.figure_timeout:
            return {"error": f"{number} not billed after {batches} batches ({row}), {elapsed:.1f} s"}
