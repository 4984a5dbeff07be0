#!/bin/bash
# Entrypoint of the suite's image (Dockerfile, stage `runtime`), as the `odoo` user:
#  1. writes Odoo's configuration: /etc/odoo/odoo.conf (the repository's odoo.conf) with the database
#     connection (DB_HOST, DB_PORT, DB_USER, DB_PASSWORD; the official image's HOST, PORT, USER, PASSWORD
#     also work), the master password `admin_passwd` from ODOO_ADMIN_PASSWD and `list_db` from
#     ODOO_LIST_DB (default False). Without ODOO_ADMIN_PASSWD a random master password is generated
#     once into /var/lib/odoo/.master-password (the data volume) and reused; "admin" is refused.
#  2. waits for PostgreSQL;
#  3. database ODOO_DB (default logistics): when it does not exist or the four addons are not all
#     installed: `odoo -i` of the four with demo data (odoo.conf: without_demo = False); when a
#     manifest's version is newer than the version installed in the database, or ODOO_FORCE_UPDATE=1:
#     `odoo -u` of the four; otherwise nothing. A failing install or upgrade stops the container
#     (no server without the suite);
#  4. runs Odoo on that database only (--db-filter), with the container's arguments added.
set -euo pipefail

SUITE="logistics_connector,shipment_events,freight_audit,billing_readiness"
DB="${ODOO_DB:-logistics}"
SOURCE_CONF="${ODOO_SOURCE_CONF:-/etc/odoo/odoo.conf}"
DATA_DIR="${ODOO_DATA_DIR:-/var/lib/odoo}"
# Rewritten at every start (it holds the master password; readable by the odoo user only).
RC="${ODOO_SUITE_RC:-/tmp/odoo-suite.conf}"
log() { echo "suite-entrypoint: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

DB_HOST="${DB_HOST:-${HOST:-db}}"
DB_PORT="${DB_PORT:-${PORT:-5432}}"
DB_USER="${DB_USER:-${USER:-odoo}}"
DB_PASSWORD="${DB_PASSWORD:-${PASSWORD:-odoo}}"

# 1. Master password and database manager.
if [ -z "${ODOO_ADMIN_PASSWD:-}" ]; then
    secret_file="$DATA_DIR/.master-password"
    if [ ! -s "$secret_file" ]; then
        (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(24))' >"$secret_file")
        log "ODOO_ADMIN_PASSWD is not set: generated a random master password into $secret_file" \
            "(read it with: docker compose exec odoo cat $secret_file)"
    fi
    ODOO_ADMIN_PASSWD="$(cat "$secret_file")"
fi
[ "$ODOO_ADMIN_PASSWD" != "admin" ] || die "ODOO_ADMIN_PASSWD=admin is Odoo's well-known default; choose another (see .env.example)"
case "${ODOO_LIST_DB:-False}" in
    True | False) ;;
    *) die "ODOO_LIST_DB must be True or False, not '${ODOO_LIST_DB}'" ;;
esac
[ -f "$SOURCE_CONF" ] || die "no $SOURCE_CONF"
rm -f "$RC"
(umask 077 && : >"$RC")
# Our settings right after [options]; the same keys of the source file are dropped. (Values go
# through ENVIRON, which, unlike awk -v, keeps backslashes as they are.)
S_PASSWD="$ODOO_ADMIN_PASSWD" S_LISTDB="${ODOO_LIST_DB:-False}" S_HOST="$DB_HOST" S_PORT="$DB_PORT" \
    S_USER="$DB_USER" S_PASSWORD="$DB_PASSWORD" awk '
    /^[[:space:]]*(admin_passwd|list_db|db_host|db_port|db_user|db_password)[[:space:]]*=/ { next }
    { print }
    /^\[options\]/ {
        print "admin_passwd = " ENVIRON["S_PASSWD"]
        print "list_db = " ENVIRON["S_LISTDB"]
        print "db_host = " ENVIRON["S_HOST"]
        print "db_port = " ENVIRON["S_PORT"]
        print "db_user = " ENVIRON["S_USER"]
        print "db_password = " ENVIRON["S_PASSWORD"]
    }' "$SOURCE_CONF" >"$RC"
grep -q '^admin_passwd = ' "$RC" || die "$SOURCE_CONF has no [options] section"
export ODOO_RC="$RC"

# 2. PostgreSQL (wait-for-psql.py comes with the official image and reads ODOO_RC).
wait-for-psql.py --timeout=60

# 3. Install or upgrade.
state="$(SUITE="$SUITE" DB="$DB" python3 - <<'PY'
"""Print 'init', 'update' or 'none' (and why, on stderr) for the suite in database DB."""
import ast
import configparser
import os
import sys

import psycopg2

conf = configparser.RawConfigParser()
conf.read(os.environ["ODOO_RC"])
options = dict(conf.items("options"))
suite = os.environ["SUITE"].split(",")
db = os.environ["DB"]
connect = dict(host=options["db_host"], port=options["db_port"], user=options["db_user"], password=options["db_password"])


def manifest_version(module):
    for path in options.get("addons_path", "").split(","):
        manifest = os.path.join(path.strip(), module, "__manifest__.py")
        if os.path.isfile(manifest):
            with open(manifest, encoding="utf-8") as handle:
                version = ast.literal_eval(handle.read()).get("version", "1.0")
            # As odoo.modules.module.adapt_version does.
            return version if version.startswith("18.0.") else "18.0." + version
    sys.exit(f"suite-entrypoint: ERROR: {module} is not in the addons path {options.get('addons_path')}")


def as_tuple(version):
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


with psycopg2.connect(dbname="postgres", **connect) as conn, conn.cursor() as cr:
    cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
    exists = bool(cr.fetchone())
conn.close()
installed = {}
if exists:
    with psycopg2.connect(dbname=db, **connect) as conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module')")
        if cr.fetchone()[0]:
            cr.execute("SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' AND name IN %s", (tuple(suite),))
            installed = dict(cr.fetchall())
    conn.close()
missing = [module for module in suite if module not in installed]
if missing:
    print(f"suite-entrypoint: {db}: {', '.join(missing)} not installed", file=sys.stderr)
    print("init")
    sys.exit()
newer = [m for m in suite if as_tuple(manifest_version(m)) > as_tuple(installed[m] or "0")]
older = [m for m in suite if as_tuple(manifest_version(m)) < as_tuple(installed[m] or "0")]
for module in older:
    print(f"suite-entrypoint: WARNING: {db} has {module} {installed[module]}, newer than the code's {manifest_version(module)}", file=sys.stderr)
if newer:
    print("suite-entrypoint: " + ", ".join(f"{m} {installed[m]} -> {manifest_version(m)}" for m in newer), file=sys.stderr)
    print("update")
else:
    print("none")
PY
)"
if [ "$state" = none ] && [ "${ODOO_FORCE_UPDATE:-0}" = 1 ]; then
    log "ODOO_FORCE_UPDATE=1"
    state=update
fi
case "$state" in
    init)
        log "installing $SUITE with demo data into database $DB (first start; a few minutes) ..."
        odoo --database "$DB" --init "$SUITE" --stop-after-init --no-http \
            || die "the install of the suite into $DB failed (see the log above)"
        ;;
    update)
        log "upgrading $SUITE in database $DB (-u) ..."
        odoo --database "$DB" --update "$SUITE" --stop-after-init --no-http \
            || die "the upgrade of the suite in $DB failed (see the log above)"
        ;;
    none) log "database $DB has the suite at the code's versions" ;;
    *) die "could not read the state of database $DB" ;;
esac

# 4. The server, for this database only.
exec odoo --database "$DB" --db-filter "^${DB}\$" "$@"
