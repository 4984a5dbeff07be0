"""Figure 6: the scale curve: intake and processing with the journal holding 10,000, 100,000 and
1,000,000 old done messages, as after months of traffic; then the retention purge of them all
while the webhook takes events.

The old messages are copies of one real milestone message (journaled through the webhook's own
method and processed, so every column any addon adds is filled as in production), written with
one SQL ``INSERT ... SELECT generate_series`` per step: each its own event id, idempotency key,
content hash and payload, done, created between 95 days and about 10 months ago (so all of them
are past the default 90-day retention), then ``VACUUM ANALYZE`` as autovacuum would have done.

At each size, measured in turn:
- intake: figure 1's single-event webhook (wrk, distinct signed events) on its own server
  (``--workers=2``, crons off), with ``/web/health`` alternated beside it for context;
- processing: figure 3's kind of work, events journaled (not timed) over distinct shipments, then
  the journal's cron method ``_cron_process_queue`` in batches of 200 in this process, one cursor
  and commit per batch: events/s and queries/event.
The values are rate at the largest size / rate at the smallest (target >= 0.9 each).

The purge: the retention cron's method ``_cron_purge`` called as the cron runner calls it (one
batch per call, each call on its own cursor, committed) in a thread of this process until it
has nothing left, while wrk sends webhook events; intake during the purge / intake without it
(the runs just before and just after, averaged) is the third value (target >= 0.8).
"""

import os
import threading
import time
from datetime import datetime, timedelta

import psycopg2
from benchlib import Figure, OdooServer, log, pg_args, run_wrk, write_pool
from fixtures import tracking_ref
from senders import WEBHOOK_PATH, single_event_requests

TARGET_SCALE = 0.9
TARGET_PURGE = 0.8
SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [2_000, 10_000, 50_000]
PROCESS_EVENTS = 3_000
QUICK_PROCESS_EVENTS = 1_000
FILL_CHUNK = 100_000  # rows per INSERT ... SELECT (one transaction each)
START = datetime(2026, 6, 1, 5, 0)


def _connect(db):
    args = dict(zip(pg_args()[::2], pg_args()[1::2], strict=True))
    conn = psycopg2.connect(
        dbname=db,
        host=args["--db_host"],
        port=args["--db_port"],
        user=args["--db_user"],
        password=None if args["--db_password"] == "False" else args["--db_password"],
    )
    conn.autocommit = True
    return conn


def _template_message(ctx):
    """One real milestone message, journaled by the webhook's own method and processed."""
    event = {
        "event_id": "f6tpl-0",
        "tracking_ref": tracking_ref(0),
        "status": "in_transit",
        "event_time": "2026-01-05T10:00:00+00:00",
        "location": {"city": "Lyon", "country": "FR"},
    }
    with ctx.odoo.env() as env:
        backend = env["logistics.backend"].browse(ctx.data["backend_id"])
        result = env["logistics.message"]._journal_canonical_events(backend, [event], source="webhook 127.0.0.1")
        message_id = result[0][1].id
    with ctx.odoo.env() as env:
        env["logistics.message"]._claim(1, ids=[message_id])._process_claimed()
    with ctx.odoo.env() as env:
        message = env["logistics.message"].browse(message_id)
        if message.state != "done":
            raise RuntimeError(f"the template message {message_id} is {message.state}, not done")
    return message_id


def _fill(conn, template_id, first, last, total):
    """Copies number ``first`` to ``last`` of the template: old, done, each its own event."""
    with conn.cursor() as cr:
        cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'logistics_message' AND table_schema = current_schema() AND column_name <> 'id'"
        )
        columns = [row[0] for row in cr.fetchall()]
        special = {
            "idempotency_key": "'event:f6old-' || g",
            "payload": "replace(t.payload, 'f6tpl-0', 'f6old-' || g)",
            "content_hash": "md5(g::text) || md5('f6old-' || g)",
            # between 95 days and about 10 months ago, the oldest first
            "create_date": "d.created",
            "write_date": "d.created + interval '1 second'",
            "processed_at": "d.created + interval '1 second'",
        }
        select = ", ".join(special.get(column, f"t.{column}") for column in columns)
        names = ", ".join(f'"{column}"' for column in columns)
        for start in range(first, last + 1, FILL_CHUNK):
            end = min(start + FILL_CHUNK - 1, last)
            # The column names come from the catalogue; the values are parameters.
            cr.execute(
                f"INSERT INTO logistics_message ({names})"
                f" SELECT {select}"
                "   FROM logistics_message t, generate_series(%s, %s) g,"
                "        LATERAL (SELECT (now() AT TIME ZONE 'UTC') - interval '95 days'"
                "                        - (%s - g) * interval '25 seconds' AS created) d"
                "  WHERE t.id = %s",
                (start, end, total, template_id),
            )
        cr.execute("VACUUM ANALYZE logistics_message")


def _process_events(stage, count, shipments):
    base = START + timedelta(days=30 * stage)
    for index in range(count):
        yield {
            "event_id": f"f6p{stage}-{index}",
            "tracking_ref": tracking_ref(index % shipments),
            "status": "in_transit",
            # distinct per shipment and stage (an event's identity holds its time to the minute)
            "event_time": (base + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00",
            "location": {"city": "Dijon", "country": "FR"},
        }


def _set_aside(ctx):
    """What the webhook runs left in the queue is not part of the processing measurement."""
    with ctx.odoo.env() as env:
        env.cr.execute("UPDATE logistics_message SET state = 'done' WHERE state IN ('received', 'queued', 'failed')")


def _processing(ctx, stage, count):
    _set_aside(ctx)
    shipments = len(ctx.data["event_shipment_ids"])
    events = list(_process_events(stage, count, shipments))
    for start in range(0, len(events), 500):
        with ctx.odoo.env() as env:
            backend = env["logistics.backend"].browse(ctx.data["backend_id"])
            env["logistics.message"]._journal_canonical_events(backend, events[start : start + 500], source="bench")
    processed = queries = 0
    started = time.perf_counter()
    while True:
        with ctx.odoo.env() as env:
            before = env.cr.sql_log_count
            done = env["logistics.message"]._cron_process_queue(batch_size=ctx.settings.process_batch)
            queries += env.cr.sql_log_count - before
        if not done:
            break
        processed += done
        if time.perf_counter() - started > ctx.settings.figure_timeout:
            raise RuntimeError(f"processing stopped after {ctx.settings.figure_timeout} s ({processed}/{count})")
    elapsed = time.perf_counter() - started
    with ctx.odoo.env() as env:
        env.cr.execute(
            "SELECT count(*) FROM logistics_message WHERE state = 'done' AND idempotency_key LIKE %s",
            (f"event:f6p{stage}-%",),
        )
        done = env.cr.fetchone()[0]
    if done != count:
        raise RuntimeError(f"stage {stage}: {done} of {count} events processed")
    return {"rate": processed / elapsed, "queries/event": queries / processed}


def _intake(ctx, server, prefix, seconds, rounds):
    """Webhook and /web/health, alternated; returns (webhook req/s, health req/s)."""
    settings, secret = ctx.settings, ctx.data["secret"]
    webhook_runs, health_runs = [], []
    for round_number in range(rounds):
        health = run_wrk(f"{server.url}/web/health", settings, seconds)
        count = int(health.rate * seconds * 1.5) + 2000
        pool = write_pool(
            os.path.join(ctx.tmp, "fig6.pool"), single_event_requests(secret, f"{prefix}r{round_number}", count)
        )
        webhook = run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, seconds, pool)
        _check_run(webhook, 202)
        health_runs.append(health)
        webhook_runs.append(webhook)
    return _rate(webhook_runs, 202), _rate(health_runs, 200)


def _rate(runs, status):
    return sum(run.count(status) for run in runs) / sum(run.seconds for run in runs)


def _check_run(run, status):
    if run.wrapped:
        raise RuntimeError("the request pool ran out (duplicates were sent)")
    if run.count(status) != sum(run.statuses.values()):
        raise RuntimeError(f"answers other than {status}: {run.statuses}")


def _purge(ctx, server):
    """The retention purge in a thread while wrk sends webhook events; returns its numbers."""
    settings, secret = ctx.settings, ctx.data["secret"]
    seconds = max(3, settings.http_seconds // 2)
    before, health = _intake(ctx, server, "f6b", seconds, 1)
    count = int(max(before, health) * seconds * 2) + 2000  # enough distinct events for one run
    state = {"purged": 0, "batches": 0, "error": None, "seconds": None}

    def purge():
        started = time.perf_counter()
        try:
            while True:
                with ctx.odoo.env() as env:
                    purged = env["logistics.message"]._cron_purge()
                if not purged:
                    break
                state["purged"] += purged
                state["batches"] += 1
        except Exception as error:  # reported by the figure
            state["error"] = f"{type(error).__name__}: {error}"
        state["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=purge, name="fig6-purge", daemon=True)
    during_runs = []
    thread.start()
    number = 0
    while thread.is_alive():
        pool = write_pool(os.path.join(ctx.tmp, "fig6.pool"), single_event_requests(secret, f"f6d{number}", count))
        run = run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, seconds, pool)
        _check_run(run, 202)
        if thread.is_alive() or not during_runs:
            # a run that ended after the purge still counts if it is the only one (short purge)
            during_runs.append(run)
        number += 1
    thread.join()
    after, _health = _intake(ctx, server, "f6a", seconds, 1)
    if state["error"]:
        raise RuntimeError(f"the purge failed: {state['error']}")
    return {
        "without": (before + after) / 2,
        "during": _rate(during_runs, 202),
        "runs": len(during_runs),
        **state,
    }


def run(ctx):
    settings = ctx.settings
    sizes = QUICK_SIZES if settings.quick else SIZES
    sizes = [int(size) for size in os.environ.get("BENCH_SCALE_SIZES", "").split(",") if size.strip()] or sizes
    count = int(os.environ.get("BENCH_SCALE_EVENTS") or (QUICK_PROCESS_EVENTS if settings.quick else PROCESS_EVENTS))
    figure = Figure("6", f"scale curve: journal of {sizes[0]:,} to {sizes[-1]:,} old rows", unit="x")
    figure.target = TARGET_SCALE
    template_id = _template_message(ctx)
    conn = _connect(ctx.db)
    server = OdooServer(ctx.db, workers=2, name="fig6").start()
    curve = []
    try:
        filled = 0
        for stage, size in enumerate(sizes):
            started = time.monotonic()
            _fill(conn, template_id, filled + 1, size, sizes[-1])
            filled = size
            log(f"figure 6: journal filled to {size:,} old done rows in {time.monotonic() - started:.0f} s")
            # the first stage warms the server's workers up first (not counted)
            if stage == 0:
                _intake(ctx, server, "f6w", 2, 1)
            webhook, health = _intake(ctx, server, f"f6i{stage}", settings.http_seconds, settings.http_rounds)
            processing = _processing(ctx, stage, count)
            point = {
                "old rows": size,
                "intake req/s": round(webhook, 1),
                "/web/health req/s": round(health, 1),
                "processing events/s": round(processing["rate"], 1),
                "queries/event": round(processing["queries/event"], 3),
            }
            curve.append(point)
            log(f"figure 6: {point}")
        purge = _purge(ctx, server)
        log(f"figure 6: purge {purge}")
    finally:
        server.stop()
        conn.close()
    first, last = curve[0], curve[-1]
    intake_ratio = last["intake req/s"] / first["intake req/s"]
    processing_ratio = last["processing events/s"] / first["processing events/s"]
    purge_ratio = purge["during"] / purge["without"] if purge["without"] else None
    figure.value = round(intake_ratio, 3)
    figure.extra_targets = [
        ("processing ratio", round(processing_ratio, 3), TARGET_SCALE, True),
        ("intake during purge ratio", round(purge_ratio, 3) if purge_ratio else None, TARGET_PURGE, True),
    ]
    figure.numbers = {
        f"intake req/s at {first['old rows']:,}": first["intake req/s"],
        f"intake req/s at {last['old rows']:,}": last["intake req/s"],
        f"events/s at {first['old rows']:,}": first["processing events/s"],
        f"events/s at {last['old rows']:,}": last["processing events/s"],
        "purged rows": purge["purged"],
        "purge s": round(purge["seconds"], 1),
        "intake req/s during purge": round(purge["during"], 1),
        "intake req/s without": round(purge["without"], 1),
    }
    figure.details = {"curve": curve}
    figure.note = (
        f"value: intake at {last['old rows']:,} / at {first['old rows']:,}; {count} events processed per size; "
        f"purge in {purge['batches']} batches, {purge['runs']} wrk run(s) of intake during it"
    )
    if purge["purged"] < sizes[-1]:
        figure.error = f"the purge deleted {purge['purged']} of {sizes[-1]} old rows"
    return figure
