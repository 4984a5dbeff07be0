#!/usr/bin/env bash
# Create (or refresh) the project's virtualenv from requirements.txt.
# Re-running is cheap: it only reinstalls when requirements.txt changed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

pick_python() {
    if [ -n "$PYTHON_BIN" ]; then echo "$PYTHON_BIN"; return; fi
    for candidate in python3.11 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then
            local version
            version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
            case "$version" in 3.11|3.12) echo "$candidate"; return ;; esac
        fi
    done
    die "Python 3.11 or 3.12 is needed for Odoo 18.0 (set PYTHON_BIN)"
}

stamp="$VENV/.requirements.sha256"
wanted=$(sha256sum "$REPO_ROOT/requirements.txt" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    exit 0
fi
python=$(pick_python)
echo "Creating virtualenv $VENV with $python ..."
"$python" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade "pip<25" "setuptools<70" wheel
PIP_CONSTRAINT="$REPO_ROOT/scripts/build-constraints.txt" "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REPO_ROOT/requirements.txt"
echo "$wanted" > "$stamp"
echo "Virtualenv ready: $VENV"
