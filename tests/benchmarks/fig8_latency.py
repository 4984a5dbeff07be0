"""Figure 8: latency of the single-event webhook at 8 concurrent senders: p50 and p99 from wrk's
latency distribution (``wrk --latency``), with the same run's ``/web/health`` p50 and p99 beside
it, alternated round by round.

Each wrk connection is one sender that sends its next request when the answer to the previous one
has come (8 connections: 8 concurrent senders); every request is a distinct signed event, as in
figure 1. The value is the webhook's worst p99 over the rounds (target <= 50 ms on this machine);
``/web/health`` (no database) is what the same server and machine give for a request that does
nothing, at the same moment."""

import os

from benchlib import Figure, log, run_wrk, write_pool
from senders import WEBHOOK_PATH, single_event_requests

TARGET_P99_MS = 50.0


def run(ctx):
    settings, server = ctx.settings, ctx.server
    figure = Figure("8", f"single-event webhook latency at {settings.wrk_connections} senders", unit=" ms p99")
    figure.target, figure.higher_is_better = TARGET_P99_MS, False
    secret = ctx.data["secret"]
    health_runs, webhook_runs = [], []
    # The workers' first webhook requests (caches, the webhook user's environment) are not counted.
    warm = write_pool(os.path.join(ctx.tmp, "fig8.pool"), single_event_requests(secret, "f8w", 20_000))
    run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, 3, warm)
    for round_number in range(settings.http_rounds):
        health = run_wrk(f"{server.url}/web/health", settings, settings.http_seconds, latency=True)
        count = int(health.rate * settings.http_seconds * 1.5) + 2000
        pool = write_pool(
            os.path.join(ctx.tmp, "fig8.pool"), single_event_requests(secret, f"f8r{round_number}", count)
        )
        webhook = run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, settings.http_seconds, pool, latency=True)
        health_runs.append(health)
        webhook_runs.append(webhook)
        log(
            f"figure 8 round {round_number + 1}: webhook p50 {webhook.latency_ms[50]} ms p99 "
            f"{webhook.latency_ms[99]} ms ({webhook.rate:.0f} req/s {webhook.statuses}); /web/health p50 "
            f"{health.latency_ms[50]} ms p99 {health.latency_ms[99]} ms"
        )
    worst = max(webhook_runs, key=lambda run: run.latency_ms[99])
    worst_health = max(health_runs, key=lambda run: run.latency_ms[99])
    problems = []
    if not all(run.requests for run in webhook_runs + health_runs):
        problems.append("a run got no answer at all within its time")
    if sum(run.wrapped for run in webhook_runs):
        problems.append("the request pool ran out (duplicates were sent)")
    for name, runs, status in (("webhook", webhook_runs, 202), ("/web/health", health_runs, 200)):
        answered = sum(sum(run.statuses.values()) for run in runs)
        expected = sum(run.count(status) for run in runs)
        if answered != expected:
            problems.append(f"{answered - expected} {name} answers were not {status}: {runs[-1].statuses}")
    figure.value = worst.latency_ms[99]
    figure.numbers = {
        "webhook p50 ms": max(run.latency_ms[50] for run in webhook_runs),
        "webhook p90 ms": max(run.latency_ms[90] for run in webhook_runs),
        "webhook p99 ms": worst.latency_ms[99],
        "/web/health p50 ms": max(run.latency_ms[50] for run in health_runs),
        "/web/health p99 ms": worst_health.latency_ms[99],
        "webhook req/s": round(sum(run.count(202) for run in webhook_runs) / sum(r.seconds for r in webhook_runs), 1),
    }
    figure.note = (
        f"wrk --latency -t{settings.wrk_threads} -c{settings.wrk_connections}, {settings.http_rounds}x"
        f"{settings.http_seconds}s each side, alternated; the worst round's percentiles"
    )
    if problems:
        figure.error = "; ".join(problems)
    return figure
