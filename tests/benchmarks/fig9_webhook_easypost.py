"""Figure 9: an EasyPost tracker update at the webhook vs a canonical event, in requests/s,
alternated round by round (what a platform profile costs: its signature scheme, its JSON
read into canonical events, the same journal write and 202).

Both sides post the same milestone (shipment, time, city) to two backends of the same
company: the canonical side to the carrier backend (``X-Logistics-Signature``), the EasyPost
side to a backend whose platform is EasyPost (``X-Hmac-Signature``, a ``tracker.updated``
Event with one tracking detail). The value is canonical req/s / EasyPost req/s: how many
times a canonical event an EasyPost event costs (target <= 1.2). Reported, not a gate."""

import os

from benchlib import Figure, log, run_wrk, write_pool
from senders import EASYPOST_PATH, WEBHOOK_PATH, easypost_requests, single_event_requests

TARGET = 1.2


def run(ctx):
    settings, server = ctx.settings, ctx.server
    figure = Figure("9", "EasyPost event vs canonical event at the webhook", unit="x", target=TARGET)
    figure.higher_is_better = False
    secret = ctx.data["secret"]
    canonical_runs, easypost_runs = [], []
    count = 20000 if settings.quick else 60000

    def canonical_run(prefix, seconds):
        pool = write_pool(os.path.join(ctx.tmp, "fig9-canonical.pool"), single_event_requests(secret, prefix, count))
        return run_wrk(f"{server.url}{WEBHOOK_PATH}", settings, seconds, pool)

    def easypost_run(prefix, seconds):
        pool = write_pool(os.path.join(ctx.tmp, "fig9-easypost.pool"), easypost_requests(secret, prefix, count))
        return run_wrk(f"{server.url}{EASYPOST_PATH}", settings, seconds, pool)

    # Both routes warmed up first (workers' caches, the platform's code paths), not counted;
    # then the side that goes first alternates round by round.
    canonical_run("f9cw", 2)
    easypost_run("f9ew", 2)
    for round_number in range(max(settings.http_rounds, 2)):
        if round_number % 2:
            easypost = easypost_run(f"f9e{round_number}", settings.http_seconds)
            canonical = canonical_run(f"f9c{round_number}", settings.http_seconds)
        else:
            canonical = canonical_run(f"f9c{round_number}", settings.http_seconds)
            easypost = easypost_run(f"f9e{round_number}", settings.http_seconds)
        canonical_runs.append(canonical)
        easypost_runs.append(easypost)
        log(
            f"figure 9 round {round_number + 1}: canonical {canonical.rate:.0f} req/s {canonical.statuses}, "
            f"EasyPost {easypost.rate:.0f} req/s {easypost.statuses}"
        )

    def rate(runs):
        return sum(run.count(202) for run in runs) / sum(run.seconds for run in runs)

    canonical_rate, easypost_rate = rate(canonical_runs), rate(easypost_runs)
    problems = []
    if sum(run.wrapped for run in canonical_runs + easypost_runs):
        problems.append("the request pool ran out (duplicates were sent)")
    for name, runs in (("canonical", canonical_runs), ("EasyPost", easypost_runs)):
        answered = sum(sum(run.statuses.values()) for run in runs)
        accepted = sum(run.count(202) for run in runs)
        if answered != accepted:
            problems.append(f"{answered - accepted} {name} answers were not 202: {runs[-1].statuses}")
    figure.numbers = {"canonical req/s": round(canonical_rate, 1), "EasyPost req/s": round(easypost_rate, 1)}
    figure.value = round(canonical_rate / easypost_rate, 3) if easypost_rate else None
    figure.note = (
        f"wrk -t{settings.wrk_threads} -c{settings.wrk_connections}, {len(canonical_runs)}x{settings.http_seconds}s "
        "each side after a warm-up, alternating which goes first; one milestone per request on both sides"
    )
    if problems:
        figure.error = "; ".join(problems)
    return figure
