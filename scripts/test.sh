#!/usr/bin/env bash
# `make test`: every test of the suite against real Odoo 18.0 and PostgreSQL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_odoo_src
ensure_venv
ensure_pg_role
exec "$VENV/bin/python" "$REPO_ROOT/scripts/run_tests.py" "$@"
