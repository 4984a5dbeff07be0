"""Figure 2: batch webhook intake (batches of 500 events) in events/s, against the same kind of
events created one JSON-RPC ``create`` call per event (what a middleware integrator would do
with Odoo's standard external API), alternated round by round in the same server."""

import os

from benchlib import Figure, log, run_wrk, write_pool
from senders import WEBHOOK_PATH, batch_requests, rpc_create_requests

TARGET = 40.0
RPC_POOL = 40_000  # one JSON-RPC create is far slower than this many per run
BATCH_POOL_EVENTS = 200_000  # distinct events prepared for one batch run


def run(ctx):
    settings, server, data = ctx.settings, ctx.server, ctx.data
    size = settings.batch_events
    figure = Figure("2", f"batch webhook ({size} events/request) vs JSON-RPC create per event", unit="x")
    figure.target = TARGET
    batch_runs, rpc_runs = [], []
    for round_number in range(settings.http_rounds):
        prefix = f"f2r{round_number}"
        pool = write_pool(
            os.path.join(ctx.tmp, "fig2-rpc.pool"), rpc_create_requests(ctx.db, data, f"rpc{round_number}", RPC_POOL)
        )
        rpc = run_wrk(f"{server.url}/jsonrpc", settings, settings.http_seconds, pool)
        rpc_runs.append(rpc)
        batches = max(BATCH_POOL_EVENTS // size, settings.wrk_threads * 4)
        pool = write_pool(
            os.path.join(ctx.tmp, "fig2-batch.pool"), batch_requests(data["secret"], prefix, batches, size)
        )
        batch = run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, settings.http_seconds, pool)
        batch_runs.append(batch)
        log(
            f"figure 2 round {round_number + 1}: JSON-RPC create {rpc.rate:.0f} events/s {rpc.statuses}, "
            f"batches {batch.rate * size:.0f} events/s {batch.statuses}"
        )
    problems = []
    in_flight = settings.wrk_connections * settings.http_rounds  # answered after wrk stopped counting
    accepted_batches = sum(run.count(202) for run in batch_runs)
    if accepted_batches != sum(sum(run.statuses.values()) for run in batch_runs):
        problems.append(f"some batch answers were not 202: {[run.statuses for run in batch_runs]}")
    if sum(run.wrapped for run in batch_runs + rpc_runs):
        problems.append("a request pool ran out (duplicates were sent)")
    batch_events = accepted_batches * size
    journaled = ctx.count_messages("shipment_event", "event:f2r%")
    if not batch_events <= journaled <= batch_events + in_flight * size:
        problems.append(f"{batch_events} events accepted but {journaled} journaled")
    rpc_answers = sum(run.count(200) for run in rpc_runs)
    created = ctx.count_rpc_events()
    if not rpc_answers <= created <= rpc_answers + in_flight:
        problems.append(f"{rpc_answers} JSON-RPC answers but {created} events created (RPC errors?)")
    # Rates count what was answered inside wrk's time window.
    batch_rate = batch_events / sum(run.seconds for run in batch_runs)
    rpc_rate = rpc_answers / sum(run.seconds for run in rpc_runs)
    figure.numbers = {"batch events/s": round(batch_rate, 1), "JSON-RPC create events/s": round(rpc_rate, 1)}
    figure.value = round(batch_rate / rpc_rate, 2) if rpc_rate else None
    figure.note = (
        f"wrk -t{settings.wrk_threads} -c{settings.wrk_connections}, {settings.http_rounds}x"
        f"{settings.http_seconds}s each side; {batch_events} events accepted, {rpc_answers} created by JSON-RPC"
    )
    if problems:
        figure.error = "; ".join(problems)
    return figure
