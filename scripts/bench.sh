#!/usr/bin/env bash
# `make bench`: the performance figures of the suite (see the Performance section of README.md).
# A throw-away database, Odoo with --workers=2 on 127.0.0.1, wrk as the load generator;
# prints one line per figure, then a JSON summary on the last line.
# BENCH_QUICK=1 runs smaller sizes (a few minutes); the default uses the issue's sizes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_odoo_src
ensure_venv
ensure_pg_role

if ! command -v wrk >/dev/null 2>&1; then
    echo "Installing wrk (the HTTP load generator) from the distribution's packages ..." >&2
    if [ "$(id -u)" = "0" ]; then
        apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get install -y -q wrk >/dev/null || { sudo apt-get update -q >/dev/null && sudo apt-get install -y -q wrk >/dev/null; }
    fi
    command -v wrk >/dev/null 2>&1 || die "wrk is needed: install it (Debian/Ubuntu: apt-get install wrk)"
fi

export ODOO_SRC DATA_DIR
exec "$VENV/bin/python" "$REPO_ROOT/tests/benchmarks/run_bench.py" "$@"
