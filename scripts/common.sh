#!/usr/bin/env bash
# Shared settings for the suite's scripts (sourced, never run).
# Everything can be overridden from the environment.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-/opt/odoo18}"
VENV="${VENV:-$REPO_ROOT/.venv}"
PYTHON_BIN="${PYTHON_BIN:-}"
export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-odoo}"
export PGPASSWORD="${PGPASSWORD:-}"
DATA_DIR="${DATA_DIR:-$REPO_ROOT/.var/data}"
ADDONS_PATH="$REPO_ROOT,$ODOO_SRC/odoo/addons"
TEST_ADDONS_PATH="$REPO_ROOT,$REPO_ROOT/tests,$ODOO_SRC/odoo/addons"
SUITE_MODULES="logistics_connector,shipment_events,freight_audit,billing_readiness"

die() { echo "ERROR: $*" >&2; exit 2; }

check_odoo_src() {
    local release="$ODOO_SRC/odoo/release.py"
    if [ ! -f "$release" ] || [ ! -f "$ODOO_SRC/odoo-bin" ]; then
        die "no Odoo source at ODOO_SRC=$ODOO_SRC (expected $release and $ODOO_SRC/odoo-bin).
Put an Odoo 18.0 Community tree there (its odoo/ package and odoo-bin), or set ODOO_SRC
to where you have one, e.g.: git clone --depth 1 -b 18.0 <odoo community repository> /opt/odoo18"
    fi
    if ! grep -Eq "^version_info = \(18, 0," "$release"; then
        die "$ODOO_SRC does not hold Odoo 18.0 ($(grep -E '^version_info' "$release" || echo 'no version_info in release.py')).
Point ODOO_SRC at an Odoo 18.0 Community tree."
    fi
}

ensure_venv() {
    "$REPO_ROOT/scripts/make_venv.sh"
}

pg_ready() {
    # psql as the database superuser: local trust socket first, then TCP.
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL is not answering on $PGHOST:$PGPORT"
    fi
}

ensure_pg_role() {
    # Odoo refuses the 'postgres' role; the suite uses its own role with CREATEDB.
    pg_ready
    if psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
        return 0
    fi
    local admin=""
    for candidate in "sudo -u postgres psql" "psql -U postgres -h $PGHOST -p $PGPORT" "psql -U postgres"; do
        if $candidate -d postgres -tAc "select 1" >/dev/null 2>&1; then admin="$candidate"; break; fi
    done
    [ -n "$admin" ] || die "cannot connect to PostgreSQL as $PGUSER, nor as postgres to create that role"
    $admin -d postgres -tAc "CREATE ROLE \"$PGUSER\" LOGIN CREATEDB" >/dev/null
    echo "Created PostgreSQL role $PGUSER (LOGIN CREATEDB)."
}

odoo_cmd() {
    echo "$VENV/bin/python" "$ODOO_SRC/odoo-bin"
}
