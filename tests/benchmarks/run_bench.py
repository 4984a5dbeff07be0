#!/usr/bin/env python3
"""`make bench`: the suite's performance figures against real Odoo and PostgreSQL.

1. a throw-away database ``lfs_bench_<pid>_<time>`` with the four addons, without demo data;
2. the benchmark data (fixtures.py), created in this process through Odoo's registry;
3. Odoo started with ``--workers=2 --max-cron-threads=0`` on 127.0.0.1 (a free port), and the
   HTTP figures 1, 2, 8 and 9 measured with wrk, each side by side with its reference;
4. the server stopped, the cron-side figures 3, 4, 5 and 10 measured in this process (one worker);
5. figures 6 (scale curve) and 7 (two servers), which start servers of their own;
6. one line per figure, all of them again in order, then a JSON summary on the last line, also
   written to .var/bench/summary-<time>.json and .var/bench/latest.json (BENCH_OUT_DIR; and to
   BENCH_SUMMARY=<path> when set), with the chart of figure 6's curves (bench_chart.py) in
   docs/bench/scale_curves.png (BENCH_CHART); the database is dropped.

Environment: BENCH_QUICK=1 (smaller sizes), BENCH_ONLY=1,3 (some figures), KEEP_DB=1,
BENCH_TEMPLATE_DB=lfs_bench_tmpl (developers: install the suite once, copy it for each run),
BENCH_STRICT=1 (exit 1 when a figure misses its target); sizes and durations: see
benchlib.Settings.from_env and the figures' modules. Exit status: 0 when every figure ran, 1
otherwise, 2 when the environment is not usable.
"""

import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback

import bench_chart
import benchlib
import fig1_webhook_single
import fig2_webhook_batch
import fig3_event_processing
import fig4_freight_audit
import fig5_readiness_sweep
import fig6_scale_curve
import fig7_two_servers
import fig8_latency
import fig9_webhook_easypost
import fig10_lanes
import fixtures
from benchlib import Figure, log, out

HTTP_FIGURES = [
    ("1", fig1_webhook_single),
    ("2", fig2_webhook_batch),
    ("8", fig8_latency),
    ("9", fig9_webhook_easypost),
]
PROCESS_FIGURES = [
    ("3", fig3_event_processing),
    ("4", fig4_freight_audit),
    ("5", fig5_readiness_sweep),
    ("10", fig10_lanes),
]
# Figures that start servers of their own (after the others: figure 6 fills the journal with a
# million rows, figure 7 runs two servers with their crons on).
OWN_SERVER_FIGURES = [("6", fig6_scale_curve), ("7", fig7_two_servers)]
ORDER = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]


class Context:
    """What every figure gets: settings, database, in-process Odoo, server, fixture data."""

    def __init__(self, settings, db, tmp):
        self.settings = settings
        self.db = db
        self.tmp = tmp
        self.odoo = None
        self.server = None
        self.data = {}

    def count_messages(self, message_type, key_like):
        with self.odoo.env() as env:
            env.cr.execute(
                "SELECT count(*) FROM logistics_message WHERE message_type = %s AND idempotency_key LIKE %s",
                (message_type, key_like),
            )
            return env.cr.fetchone()[0]

    def count_rpc_events(self):
        with self.odoo.env() as env:
            env.cr.execute("SELECT count(*) FROM logistics_shipment_event WHERE identity LIKE 'rpc:%%'")
            return env.cr.fetchone()[0]


def machine():
    info = {"cores": os.cpu_count(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            kib = int(meminfo.readline().split()[1])
            info["ram_gib"] = round(kib / 1024 / 1024, 1)
    except OSError as error:
        log(f"machine details not readable: {error}")
    return info


def postgres_version():
    conn = benchlib.psql_admin()
    try:
        with conn.cursor() as cr:
            cr.execute("SHOW server_version")
            return cr.fetchone()[0]
    finally:
        conn.close()


def write_summary(summary):
    """The JSON summary in BENCH_OUT_DIR (default .var/bench): summary-<time>.json and
    latest.json; BENCH_SUMMARY=<path> writes one more copy there (e.g. docs/bench/latest.json
    when the lead publishes a run); then the chart of the scale curves (figure 6), when there
    is one, to BENCH_CHART (default docs/bench/scale_curves.png)."""
    if summary["figures"].get("6", {}).get("details", {}).get("curve"):
        chart = os.environ.get("BENCH_CHART") or os.path.join(benchlib.REPO, "docs", "bench", "scale_curves.png")
        try:
            bench_chart.draw(summary, chart)
            summary["chart"] = os.path.relpath(chart, benchlib.REPO)
            log(f"chart of the scale curves: {chart}")
        except Exception as error:  # the figures are printed all the same
            traceback.print_exc(file=sys.stderr)
            summary["chart_error"] = f"{type(error).__name__}: {error}"
    out_dir = os.environ.get("BENCH_OUT_DIR") or os.path.join(benchlib.REPO, ".var", "bench")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    paths = [os.path.join(out_dir, f"summary-{stamp}.json"), os.path.join(out_dir, "latest.json")]
    if os.environ.get("BENCH_SUMMARY"):
        paths.append(os.environ["BENCH_SUMMARY"])
    for path in paths:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as summary_file:
            json.dump(summary, summary_file, indent=1)
            summary_file.write("\n")
    log(f"summary: {', '.join(paths)}")


def run_figure(key, module, ctx):
    started = time.monotonic()
    log(f"figure {key}: {module.__doc__.strip().splitlines()[0]}")
    try:
        figure = module.run(ctx)
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        figure = Figure(key, module.__name__, error=f"{type(error).__name__}: {error}")
    figure.numbers.setdefault("wall s", round(time.monotonic() - started, 1))
    out(figure.line())
    return figure


def main():  # noqa: PLR0915 (the run's steps, in order)
    settings = benchlib.Settings.from_env()
    only = {key.strip() for key in os.environ.get("BENCH_ONLY", "").split(",") if key.strip()}
    keep = os.environ.get("KEEP_DB") == "1"
    db = f"lfs_bench_{os.getpid()}_{int(time.time())}"
    tmp = tempfile.mkdtemp(prefix="lfs_bench_")
    ctx = Context(settings, db, tmp)
    figures = []
    started = time.monotonic()
    summary = {"database": db, "quick": settings.quick, "machine": machine()}
    try:
        summary["machine"]["postgresql"] = postgres_version()
        template = os.environ.get("BENCH_TEMPLATE_DB")
        if template:
            # Developer shortcut: the suite installed once (no demo data) and copied for each run.
            if not benchlib.database_exists(template):
                log(f"installing the suite without demo data into the template {template} ...")
                benchlib.install_suite(template)
            benchlib.copy_database(template, db)
            missing = benchlib.missing_bench_addons(db)
            if missing:
                log(f"installing {', '.join(missing)} (not in the template {template}) ...")
                benchlib.install_suite(db, modules=missing)
        else:
            log(f"installing the suite without demo data into {db} ...")
            summary["install_seconds"] = round(benchlib.install_suite(db), 1)
        ctx.odoo = benchlib.OdooInProcess(db)
        log("creating the benchmark data ...")
        with ctx.odoo.env() as env:
            # Figure 10 bills a few invoices of its own after figure 4's.
            ctx.data = fixtures.setup_all(env, invoices=settings.invoices + fig10_lanes.INVOICES)
        http = [(key, module) for key, module in HTTP_FIGURES if not only or key in only]
        if http:
            ctx.server = benchlib.OdooServer(db, workers=2).start()
            log(f"Odoo --workers=2 on {ctx.server.url}")
            try:
                figures += [run_figure(key, module, ctx) for key, module in http]
            finally:
                ctx.server.stop()
        figures += [run_figure(key, module, ctx) for key, module in PROCESS_FIGURES if not only or key in only]
        figures += [run_figure(key, module, ctx) for key, module in OWN_SERVER_FIGURES if not only or key in only]
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        summary["error"] = f"{type(error).__name__}: {error}"
    finally:
        if ctx.server:
            ctx.server.stop()
        if ctx.odoo:
            ctx.odoo.close()
        if keep:
            log(f"database kept: {db}")
        else:
            try:
                benchlib.drop_database(db)
            except Exception as error:  # the summary still gets printed
                log(f"could not drop {db}: {error}")
        shutil.rmtree(tmp, ignore_errors=True)
    summary["seconds"] = round(time.monotonic() - started, 1)
    figures.sort(key=lambda figure: ORDER.index(figure.key) if figure.key in ORDER else len(ORDER))
    summary["figures"] = {figure.key: figure.as_dict() for figure in figures}
    summary["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    summary["commit"] = benchlib.git_commit()
    if len(figures) > 1:
        # Every figure again, in their order, above the JSON summary.
        out("")
        for figure in figures:
            out(figure.line())
    write_summary(summary)
    out(json.dumps(summary, sort_keys=False))
    if summary.get("error") or any(figure.status in ("ERROR",) for figure in figures):
        return 1
    if os.environ.get("BENCH_STRICT") == "1" and any(figure.status == "MISS" for figure in figures):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
