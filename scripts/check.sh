#!/usr/bin/env bash
# The static checks; scripts/test.sh runs them before pytest, so CI does too. Each runs even when an earlier
# one failed, and the script fails when any did:
#   ruff      lint of core/ (pyproject.toml [tool.ruff])
#   mypy      types of core/ (pyproject.toml [tool.mypy])
#   qt6       no short enum names, exec_(), direct PyQt5 imports or pyrcc resources in the plugin, its tests
#             and scripts/plugin_screenshot.py: the code must run on QGIS 4 / Qt 6 (scripts/check_qt6.py)
#   security  the plugins.qgis.org upload scan (bandit, detect-secrets) on the plugin zip's contents
#             (scripts/security_scan.py)
#   spdx      every .py file names its licence (scripts/check_spdx.py); passes while no file has the line yet
# The checkers are pinned in requirements-dev.txt and installed into .venv on first use.
#     bash scripts/check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -x .venv/bin/python ] || bash scripts/setup.sh
py=.venv/bin/python

stamp=.venv/.stssl-dev-installed
want="$(sha256sum requirements-dev.txt | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[check] installing the checkers of requirements-dev.txt into .venv"
    "$py" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$stamp"
fi

export QT_QPA_PLATFORM=offscreen
failed=()
run() {
    local name="$1" start end
    shift
    start="$EPOCHREALTIME"
    if "$@"; then
        end="$EPOCHREALTIME"
        awk -v n="$name" -v a="$start" -v b="$end" 'BEGIN { printf "[check] %s: ok (%.1f s)\n", n, b - a }'
    else
        echo "[check] $name: FAILED"
        failed+=("$name")
    fi
}
run ruff "$py" -m ruff check --quiet core
run mypy "$py" -m mypy
run qt6 "$py" scripts/check_qt6.py
run security "$py" scripts/security_scan.py
run spdx "$py" scripts/check_spdx.py --once-started
if [ "${#failed[@]}" -gt 0 ]; then
    echo "[check] failed: ${failed[*]}" >&2
    exit 1
fi
