#!/usr/bin/env python3
"""The chart of figure 6's scale curves, from a `make bench` JSON summary (matplotlib, PNG).

``run_bench.py`` draws it at the end of a run that measured figure 6; to draw it again from a
kept summary: ``.venv/bin/python tests/benchmarks/bench_chart.py .var/bench/latest.json
docs/bench/scale_curves.png``.
"""

import json
import os
import sys


def draw(summary, path):
    """Intake (webhook req/s) and processing (events/s) against the number of old rows in the
    journal (log scale), each relative to its rate at the smallest size, with the 0.9 target."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    from matplotlib import pyplot

    figure6 = summary["figures"]["6"]
    curve = figure6["details"]["curve"]
    rows = [point["old rows"] for point in curve]
    series = [
        ("intake (single-event webhook)", "intake req/s", "o-"),
        ("processing (journal cron)", "processing events/s", "s-"),
    ]
    fig, (absolute, relative) = pyplot.subplots(1, 2, figsize=(10, 4), dpi=100)
    for label, key, style in series:
        values = [point[key] for point in curve]
        absolute.plot(rows, values, style, label=label)
        relative.plot(rows, [value / values[0] for value in values], style, label=label)
    for axis in (absolute, relative):
        axis.set_xscale("log")
        axis.set_xlabel("old done rows in the journal")
        axis.grid(True, which="both", alpha=0.3)
    absolute.set_ylabel("per second")
    absolute.set_ylim(bottom=0)
    absolute.set_title("rates")
    health = [point.get("/web/health req/s") for point in curve]
    if all(health):
        # The machine at the same moments: a busier machine, not a bigger journal, when it moves too.
        relative.plot(rows, [value / health[0] for value in health], ":", color="grey", label="/web/health (context)")
    relative.axhline(0.9, color="grey", linestyle="--", label="target 0.9")
    purge = (figure6.get("extra_targets") or {}).get("intake during purge ratio", {}).get("value")
    if purge is not None:
        relative.plot([rows[-1]], [purge], "r^", label=f"intake during the purge ({purge:.2f}, target 0.8)")
    relative.set_ylim(0, max(1.2, relative.get_ylim()[1]))
    relative.set_ylabel(f"rate / rate at {rows[0]:,} rows")
    relative.set_title("relative to the smallest journal")
    relative.legend(fontsize="small", loc="lower left")
    when = summary.get("finished", "")
    commit = summary.get("commit") or ""
    fig.suptitle(f"make bench figure 6: scale curves ({when} {commit}, {summary['machine'].get('cores')} cores)")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, format="png")
    pyplot.close(fig)
    return path


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as summary_file:
        summary = json.load(summary_file)
    draw(summary, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
