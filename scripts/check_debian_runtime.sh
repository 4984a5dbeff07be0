#!/usr/bin/env bash
# Proof without a Docker engine that the suite's image has what the four addons need at run time.
#
# The image (Dockerfile) is odoo:18.0, i.e. Odoo's Debian package with the dependencies its
# debian/control names, plus the packages of docker/apt-runtime.txt (and docker/pip-runtime.txt:
# pydifact). This script builds the same Python environment on this Debian 12 machine:
#   - the SYSTEM interpreter /usr/bin/python3 (no virtualenv: the .venv of `make test` is not used);
#   - Odoo 18's Debian dependencies installed with apt-get, read from $ODOO_SRC/debian/control
#     (Depends of the `odoo` package; for "a | b" the first one this distribution has), or from
#     the list below when that file is missing;
#   - the very list files the Dockerfile installs (docker/apt-runtime.txt, docker/pip-runtime.txt);
#     pip only for what pip-runtime.txt names, as the Dockerfile does.
# Then it installs the four addons with demo data into a throw-away database (as the image's first
# start does), starts the server, checks /web/health, and drops the database.
# A runtime dependency missing from those lists fails here, as it would fail `docker compose up`.
#
# apt-get runs only when dpkg says a package is missing (a second run installs nothing), and the
# downloaded .deb files are kept in $APT_CACHE_DIR for the next machine or container that mounts it.
# Needs root (or sudo) only when something must be installed. Run by .ci/run after `make test`.
#
# The image itself is Ubuntu 24.04 (Python 3.12) underneath; this is Debian 12 (Python 3.11) with the
# same package names. What it proves: the package lists are complete for the suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check_odoo_src

PY=/usr/bin/python3
APT_CACHE_DIR="${APT_CACHE_DIR:-/var/cache/apt/logistics-suite}"
CHECK_DB="lfs_debrt_$$"
started=$SECONDS
log() { echo "check_debian_runtime: $*"; }

[ -x "$PY" ] || die "no system interpreter $PY (install Debian's python3)"
log "interpreter $PY -> $(readlink -f "$PY") ($("$PY" --version 2>&1))"

# Odoo 18.0's debian/control, Depends of the `odoo` package (odoo/odoo, branch 18.0, file
# debian/control), used only when $ODOO_SRC/debian/control is missing.
FALLBACK_ODOO_DEPENDS="adduser
fonts-dejavu-core | fonts-freefont-ttf | fonts-freefont-otf | fonts-noto-core
fonts-inconsolata
fonts-font-awesome
fonts-roboto-unhinted
gsfonts
libjs-underscore
lsb-base
postgresql-client
python3-asn1crypto
python3-babel
python3-cbor2
python3-chardet
python3-cryptography
python3-dateutil
python3-decorator
python3-docutils
python3-freezegun
python3-geoip2
python3-gevent
python3-greenlet
python3-idna
python3-pil
python3-jinja2
python3-libsass
python3-lxml-html-clean | python3-lxml
python3-markupsafe
python3-num2words
python3-ofxparse
python3-openpyxl
python3-passlib
python3-polib
python3-psutil
python3-psycopg2
python3-openssl
python3-pypdf2
python3-rjsmin
python3-qrcode
python3-renderpm
python3-reportlab
python3-requests
python3-stdnum
python3-tz
python3-urllib3
python3-vobject
python3-werkzeug
python3-xlsxwriter
python3-xlrd
python3-zeep"

odoo_depends() {
    # One dependency a line ("a | b" kept as one line), without versions and substitution variables.
    local control="$ODOO_SRC/debian/control"
    if [ -f "$control" ]; then
        log "Odoo's Debian dependencies from $control" >&2
        awk '
            /^Package: odoo$/ { in_pkg = 1; next }
            /^Package:/ { in_pkg = 0 }
            in_pkg && /^Depends:/ { in_dep = 1; sub(/^Depends:/, ""); }
            in_pkg && in_dep && /^[A-Za-z-]+:/ && !/^Depends:/ { in_dep = 0 }
            in_pkg && in_dep && !/^#/ { print }
        ' "$control" | tr ',' '\n'
    else
        log "no $control: Odoo's Debian dependencies from the list in this script (odoo 18.0 debian/control)" >&2
        echo "$FALLBACK_ODOO_DEPENDS"
    fi | sed -e 's/([^)]*)//g' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v -e '^$' -e '\${'
}

list_file() {
    # The packages of one of docker/*.txt: comments and blank lines dropped.
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$REPO_ROOT/docker/$1" | grep -v '^$' || true
}

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

has_candidate() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

apt_updated=""
apt_update() {
    [ -n "$apt_updated" ] && return 0
    log "apt-get update ..."
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
}

resolve() {
    # "a | b": the first alternative installed, else the first this distribution has.
    local line="$1" alt
    IFS='|' read -ra alts <<<"$line"
    for alt in "${alts[@]}"; do
        alt="$(echo "$alt" | xargs)"
        if installed "$alt"; then echo "$alt"; return 0; fi
    done
    for alt in "${alts[@]}"; do
        alt="$(echo "$alt" | xargs)"
        if has_candidate "$alt"; then echo "$alt"; return 0; fi
    done
    # Nothing known (no package lists yet?): update once and try again.
    if [ -z "$apt_updated" ]; then
        apt_update >&2
        for alt in "${alts[@]}"; do
            alt="$(echo "$alt" | xargs)"
            if has_candidate "$alt"; then echo "$alt"; return 0; fi
        done
    fi
    die "no package of \"$line\" is available from apt here"
}

# 1. The packages: Odoo's Debian dependencies + what the Dockerfile installs.
packages=()
while IFS= read -r dep; do
    pkg="$(resolve "$dep")"
    [[ " ${packages[*]} " == *" $pkg "* ]] || packages+=("$pkg")
done < <(odoo_depends; list_file apt-runtime.txt)
missing=()
for pkg in "${packages[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
    log "all ${#packages[@]} packages installed (dpkg); apt-get not run"
else
    log "installing ${#missing[@]} of ${#packages[@]} packages: ${missing[*]}"
    apt_update
    as_root mkdir -p "$APT_CACHE_DIR/partial"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dir::Cache::Archives="$APT_CACHE_DIR" "${missing[@]}" >/dev/null
    log "installed; .deb files kept in $APT_CACHE_DIR"
fi

# 2. pip, only for what the Dockerfile installs with pip (docker/pip-runtime.txt).
mapfile -t pip_reqs < <(list_file pip-runtime.txt)
if [ "${#pip_reqs[@]}" -gt 0 ]; then
    log "pip (as the Dockerfile): ${pip_reqs[*]}"
    as_root "$PY" -m pip install --quiet --no-cache-dir --break-system-packages --no-deps "${pip_reqs[@]}"
fi

# 3. Every external dependency of the manifests imports in the system interpreter, from the
#    distribution's directory (or /usr/local, where pip puts what pip-runtime.txt names).
REPO_ROOT="$REPO_ROOT" "$PY" - "${#pip_reqs[@]}" <<'EOF'
import ast, glob, importlib, importlib.metadata, os, sys
repo = os.environ["REPO_ROOT"]
pip_used = int(sys.argv[1]) > 0
allowed = ["/usr/lib/python3/dist-packages/"] + (["/usr/local/lib/"] if pip_used else [])
names = set()
for path in glob.glob(os.path.join(repo, "*", "__manifest__.py")):
    with open(path, encoding="utf-8") as handle:
        names.update(ast.literal_eval(handle.read()).get("external_dependencies", {}).get("python", []))
bad = []
for name in sorted(names):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        bad.append(f"{name}: cannot be imported ({exc})")
        continue
    where = getattr(module, "__file__", "") or ""
    if not any(where.startswith(prefix) for prefix in allowed):
        bad.append(f"{name}: imported from {where}, not from the distribution's packages")
    else:
        top = importlib.metadata.packages_distributions().get(name, [name])[0]
        print(f"check_debian_runtime: {name} {importlib.metadata.version(top)} from {os.path.dirname(where)}")
if bad:
    sys.exit("check_debian_runtime: ERROR: " + "; ".join(bad))
EOF

# 4. Install the four addons with demo data into a throw-away database, then serve it.
ensure_pg_role
DATA="$(mktemp -d -t lfs-debrt-XXXXXX)"
mkdir -p "$REPO_ROOT/.var/log"
LOG="$REPO_ROOT/.var/log/$CHECK_DB.log"
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
GEVENT_PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
args=(
    --config "$REPO_ROOT/odoo.conf"
    --addons-path "$ADDONS_PATH"
    --data-dir "$DATA"
    --db_host "$PGHOST" --db_port "$PGPORT" --db_user "$PGUSER" --db_password "${PGPASSWORD:-False}"
    --database "$CHECK_DB" --db-filter "^${CHECK_DB}\$"
    --http-interface 127.0.0.1 --http-port "$PORT" --gevent-port "$GEVENT_PORT"
    --max-cron-threads 0 --workers 0
)
server=""
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    dropdb --if-exists "$CHECK_DB" 2>/dev/null || psql -d postgres -qc "DROP DATABASE IF EXISTS \"$CHECK_DB\"" || true
    rm -rf "$DATA"
}
trap cleanup EXIT

log "packages ready in $((SECONDS - started))s"
log "installing $SUITE_MODULES with demo data into $CHECK_DB (log $LOG) ..."
if ! "$PY" "$ODOO_SRC/odoo-bin" "${args[@]}" -i "$SUITE_MODULES" --stop-after-init >"$LOG" 2>&1; then
    tail -n 40 "$LOG"
    die "the install failed with the system interpreter (log $LOG)"
fi
if grep -E " (ERROR|CRITICAL) " "$LOG" >/dev/null; then
    grep -E " (ERROR|CRITICAL) " "$LOG" | head -n 20
    die "the install logged errors (log $LOG)"
fi
installed_count=$(psql -d "$CHECK_DB" -tAc "select count(*) from ir_module_module where state = 'installed' and name in ('logistics_connector','shipment_events','freight_audit','billing_readiness')")
[ "$installed_count" = "4" ] || die "$installed_count of the 4 addons installed (log $LOG)"
log "the four addons are installed ($((SECONDS - started))s so far); starting the server on :$PORT ..."

"$PY" "$ODOO_SRC/odoo-bin" "${args[@]}" >>"$LOG" 2>&1 &
server=$!
deadline=$((SECONDS + ${CHECK_TIMEOUT:-120}))
until health=$(curl -fsS "http://127.0.0.1:$PORT/web/health" 2>/dev/null); do
    kill -0 "$server" 2>/dev/null || { tail -n 40 "$LOG"; die "the server stopped before answering"; }
    [ "$SECONDS" -lt "$deadline" ] || die "no answer from /web/health in time (log $LOG)"
    sleep 1
done
[[ "$health" == *'"pass"'* ]] || die "/web/health answered $health"
log "/web/health -> $health"
if grep -E " (ERROR|CRITICAL) " "$LOG" >/dev/null; then
    grep -E " (ERROR|CRITICAL) " "$LOG" | head -n 20
    die "the server logged errors (log $LOG)"
fi
log "OK in $((SECONDS - started))s: the Debian runtime ($PY, apt packages only) installs and serves the suite"
