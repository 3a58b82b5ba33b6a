#!/usr/bin/env bash
# One-shot set-up on Debian/Ubuntu: Debian's QGIS, a venv at .venv that sees it, the pinned pip packages,
# and the `stssl` console script. Safe to re-run: each step is skipped when it is already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

sudo_cmd=""
if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi

# 1. QGIS from Debian (its Python bindings belong to /usr/bin/python3, so the venv is built on that interpreter),
#    and the venv module of that interpreter.
need_apt=()
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || need_apt+=(qgis python3-qgis qgis-providers)
/usr/bin/python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need_apt+=(python3-venv python3-pip)
# QGIS's own pip, which the plugin's Install… button runs (tests/test_installer_real.py runs it for real).
/usr/bin/python3 -c "import pip" >/dev/null 2>&1 || need_apt+=(python3-pip)
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "[setup] installing Debian packages: ${need_apt[*]} (QGIS is about 225 packages, 1-2 minutes)"
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

# 2. The venv, with system site-packages so that `import qgis` works inside it.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import qgis.core" >/dev/null 2>&1; then
    echo "[setup] creating .venv (system site-packages: sees QGIS)"
    rm -rf .venv
    /usr/bin/python3 -m venv --system-site-packages .venv
fi

# 3. Pinned packages and the editable install (console script `stssl`). A stamp skips this when nothing changed
# (metadata.txt included: the installed package's version is read from it).
stamp=.venv/.stssl-installed
want="$(cat requirements.txt pyproject.toml metadata.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x .venv/bin/stssl ]; then
    echo "[setup] installing pinned Python packages into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
    echo "$want" > "$stamp"
fi
echo "[setup] ready: $root/.venv (stssl: $root/.venv/bin/stssl)"
