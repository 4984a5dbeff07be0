#!/usr/bin/env bash
# `make serve`: Odoo 18.0 on port 8069 with the four addons and demo data.
# First run: creates the database and installs the addons; later runs reuse it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_odoo_src
ensure_venv
ensure_pg_role
SERVE_DB="${SERVE_DB:-logistics}"
HTTP_PORT="${HTTP_PORT:-8069}"
mkdir -p "$DATA_DIR"
args=(
    --config "$REPO_ROOT/odoo.conf"
    --addons-path "$ADDONS_PATH"
    --data-dir "$DATA_DIR"
    --db_host "$PGHOST" --db_port "$PGPORT" --db_user "$PGUSER" --db_password "${PGPASSWORD:-False}"
    --database "$SERVE_DB" --db-filter "^${SERVE_DB}\$"
    --http-port "$HTTP_PORT"
)
installed=$(psql -d "$SERVE_DB" -tAc \
    "select count(*) from ir_module_module where state = 'installed' and name in ('logistics_connector','shipment_events','freight_audit','billing_readiness')" \
    2>/dev/null || echo 0)
if [ "$installed" != "4" ]; then
    echo "Installing the suite with demo data into database $SERVE_DB (first run; this takes a few minutes) ..."
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "${args[@]}" -i "$SUITE_MODULES" --stop-after-init
fi
echo "Odoo: http://127.0.0.1:$HTTP_PORT (database $SERVE_DB, login admin / admin)"
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "${args[@]}" "$@"
