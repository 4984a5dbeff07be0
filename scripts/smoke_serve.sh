#!/usr/bin/env bash
# Smoke test of `make serve`: on a throw-away database, start the suite the way a
# user does (first run: install with demo data), then check that the server answers
# /web/health and /web/login and that the four addons are installed. Drops the
# database afterwards. Used by .ci/run; runs by hand as scripts/smoke_serve.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_odoo_src
ensure_pg_role

export SERVE_DB="lfs_smoke_$$"
export HTTP_PORT="${HTTP_PORT:-$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
LOG="$REPO_ROOT/.var/log/$SERVE_DB.log"
mkdir -p "$REPO_ROOT/.var/log"
url="http://127.0.0.1:$HTTP_PORT"

"$REPO_ROOT/scripts/serve.sh" --http-interface 127.0.0.1 --max-cron-threads 0 >"$LOG" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    pkill -f -- "--database $SERVE_DB " 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    dropdb --if-exists "$SERVE_DB" 2>/dev/null || psql -d postgres -qc "DROP DATABASE IF EXISTS \"$SERVE_DB\"" || true
    rm -rf "$DATA_DIR/filestore/$SERVE_DB"
}
trap cleanup EXIT

echo "smoke: make serve on $url (database $SERVE_DB, log $LOG) ..."
deadline=$((SECONDS + ${SMOKE_TIMEOUT:-900}))
until curl -fsS "$url/web/health" >/dev/null 2>&1; do
    if ! kill -0 "$server" 2>/dev/null; then
        tail -n 40 "$LOG"
        die "the server stopped before answering"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "no answer from $url/web/health in time"
    sleep 2
done
health=$(curl -fsS "$url/web/health")
echo "smoke: /web/health -> $health"
[[ "$health" == *'"pass"'* ]] || die "/web/health did not pass"
# The page is read whole before it is searched: `curl | grep -q` fails under pipefail when grep
# stops at the first match and curl is cut off writing the rest (curl: (23)).
login_page="$(curl -fsS "$url/web/login")" || die "/web/login did not answer"
grep -q "oe_login_form" <<<"$login_page" || die "/web/login has no login form"
echo "smoke: /web/login -> login form"
installed=$(psql -d "$SERVE_DB" -tAc "select count(*) from ir_module_module where state = 'installed' and name in ('logistics_connector','shipment_events','freight_audit','billing_readiness')")
[ "$installed" = "4" ] || die "$installed of the 4 addons installed"
demo=$(psql -d "$SERVE_DB" -tAc "select count(*) from ir_module_module where name = 'base' and demo")
[ "$demo" = "1" ] || die "demo data not loaded"
if grep -E " (ERROR|CRITICAL) " "$LOG" >/dev/null; then
    grep -E " (ERROR|CRITICAL) " "$LOG" | head -n 20
    die "the server logged errors"
fi
echo "smoke: the four addons are installed with demo data; make serve works"
