"""Figure 1: single-event webhook intake (signature check, journal write, 202) in requests/s,
against Odoo's own /web/health in the same server, alternated round by round."""

import os

from benchlib import Figure, log, run_wrk, write_pool
from senders import WEBHOOK_PATH, single_event_requests

TARGET = 0.6


def run(ctx):
    settings, server = ctx.settings, ctx.server
    figure = Figure("1", "single-event webhook vs /web/health", unit="x", target=TARGET)
    health_runs, webhook_runs = [], []
    for round_number in range(settings.http_rounds):
        health = run_wrk(f"{server.url}/web/health", settings, settings.http_seconds)
        health_runs.append(health)
        # Enough distinct events for the run: the webhook cannot be faster than /web/health.
        count = int(health.rate * settings.http_seconds * 1.5) + 2000
        prefix = f"f1r{round_number}"
        pool = write_pool(os.path.join(ctx.tmp, "fig1.pool"), single_event_requests(ctx.data["secret"], prefix, count))
        webhook = run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, settings.http_seconds, pool)
        webhook_runs.append(webhook)
        log(
            f"figure 1 round {round_number + 1}: /web/health {health.rate:.0f} req/s, "
            f"webhook {webhook.rate:.0f} req/s {webhook.statuses}"
        )
    health_rate = sum(run.count(200) for run in health_runs) / sum(run.seconds for run in health_runs)
    webhook_rate = sum(run.count(202) for run in webhook_runs) / sum(run.seconds for run in webhook_runs)
    problems = []
    if sum(run.wrapped for run in webhook_runs):
        problems.append("the request pool ran out (duplicates were sent)")
    accepted = sum(run.count(202) for run in webhook_runs)
    answered = sum(sum(run.statuses.values()) for run in webhook_runs)
    if accepted != answered:
        problems.append(f"{answered - accepted} webhook answers were not 202: {webhook_runs[-1].statuses}")
    if sum(run.count(200) for run in health_runs) != sum(sum(run.statuses.values()) for run in health_runs):
        problems.append("some /web/health answers were not 200")
    journaled = ctx.count_messages("shipment_event", "event:f1r%")
    if not accepted <= journaled <= accepted + settings.wrk_connections * settings.http_rounds:
        problems.append(f"{accepted} accepted but {journaled} journaled")
    figure.numbers = {
        "webhook req/s": round(webhook_rate, 1),
        "/web/health req/s": round(health_rate, 1),
    }
    figure.value = round(webhook_rate / health_rate, 3) if health_rate else None
    figure.note = (
        f"wrk -t{settings.wrk_threads} -c{settings.wrk_connections}, "
        f"{settings.http_rounds}x{settings.http_seconds}s each side; {accepted} events journaled"
    )
    if problems:
        figure.error = "; ".join(problems)
    return figure
