"""Figure 1: single-event webhook intake (signature check, journal write, 202) in requests/s,
against Odoo's own /web/health in the same server, alternated round by round.

A third side, the floor, puts the figure in context: the same requests to a route of the
benchmark's own addon (addons/logistics_bench_floor) that only writes one journal row and
commits it before its 202. No webhook that journals before it answers can be faster than
that floor in the same server: the figure is webhook / floor (issue 18 re-based it on the
floor, since /web/health touches no database and only a non-durable intake could approach
it); webhook / health and floor / health are reported beside it for context."""

import os

from benchlib import Figure, log, run_wrk, write_pool
from senders import FLOOR_PATH, WEBHOOK_PATH, single_event_requests

TARGET = 0.9


def run(ctx):
    settings, server = ctx.settings, ctx.server
    figure = Figure("1", "single-event webhook vs the durable journal floor", unit="x", target=TARGET)
    health_runs, floor_runs, webhook_runs = [], [], []
    for round_number in range(settings.http_rounds):
        health = run_wrk(f"{server.url}/web/health", settings, settings.http_seconds)
        health_runs.append(health)
        # Enough distinct events for the run: the webhook cannot be faster than /web/health.
        count = int(health.rate * settings.http_seconds * 1.5) + 2000
        secret = ctx.data["secret"]
        floor_pool = write_pool(
            os.path.join(ctx.tmp, "fig1-floor.pool"),
            single_event_requests(secret, f"f1f{round_number}", count, path=FLOOR_PATH),
        )
        floor = run_wrk(f"{server.url}{FLOOR_PATH}", settings, settings.http_seconds, floor_pool)
        floor_runs.append(floor)
        prefix = f"f1r{round_number}"
        pool = write_pool(os.path.join(ctx.tmp, "fig1.pool"), single_event_requests(secret, prefix, count))
        webhook = run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, settings.http_seconds, pool)
        webhook_runs.append(webhook)
        log(
            f"figure 1 round {round_number + 1}: /web/health {health.rate:.0f} req/s, "
            f"journal floor {floor.rate:.0f} req/s {floor.statuses}, "
            f"webhook {webhook.rate:.0f} req/s {webhook.statuses}"
        )

    def rate(runs, status):
        return sum(run.count(status) for run in runs) / sum(run.seconds for run in runs)

    health_rate, floor_rate, webhook_rate = rate(health_runs, 200), rate(floor_runs, 202), rate(webhook_runs, 202)
    problems = []
    if sum(run.wrapped for run in webhook_runs + floor_runs):
        problems.append("the request pool ran out (duplicates were sent)")
    sides = (("webhook", webhook_runs, 202), ("floor", floor_runs, 202), ("/web/health", health_runs, 200))
    for name, runs, status in sides:
        answered = sum(sum(run.statuses.values()) for run in runs)
        expected = sum(run.count(status) for run in runs)
        if expected != answered:
            problems.append(f"{answered - expected} {name} answers were not {status}: {runs[-1].statuses}")
    accepted = sum(run.count(202) for run in webhook_runs)
    journaled = ctx.count_messages("shipment_event", "event:f1r%")
    if not accepted <= journaled <= accepted + settings.wrk_connections * settings.http_rounds:
        problems.append(f"{accepted} accepted but {journaled} journaled")
    figure.numbers = {
        "webhook req/s": round(webhook_rate, 1),
        "/web/health req/s": round(health_rate, 1),
        "journal floor req/s": round(floor_rate, 1),
        "floor / health": round(floor_rate / health_rate, 3) if health_rate else None,
        "webhook / health": round(webhook_rate / health_rate, 3) if health_rate else None,
    }
    figure.value = round(webhook_rate / floor_rate, 3) if floor_rate else None
    figure.note = (
        f"wrk -t{settings.wrk_threads} -c{settings.wrk_connections}, "
        f"{settings.http_rounds}x{settings.http_seconds}s each side; {accepted} events journaled; "
        "floor = one bare journal INSERT and its commit per request"
    )
    if problems:
        figure.error = "; ".join(problems)
    return figure
