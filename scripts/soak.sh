#!/usr/bin/env bash
# `make soak`: ten minutes (SOAK_SECONDS) of mixed traffic, duplicates and bad inputs against a
# multi-worker Odoo with its crons running, on a throw-away database, to 127.0.0.1 only; then
# checks that every acknowledged event was journaled and processed exactly once, that no
# worker's memory grew by more than 20 % and that the server log has no ERROR. Not part of
# `make test`. Exits non-zero on any failure (see tests/soak/soak.py).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_odoo_src
ensure_venv
ensure_pg_role

export ODOO_SRC DATA_DIR
exec "$VENV/bin/python" "$REPO_ROOT/tests/soak/soak.py" "$@"
