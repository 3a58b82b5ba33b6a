#!/usr/bin/env bash
# Runs the whole test suite headless against Debian's real QGIS: first the static checks of scripts/check.sh
# (ruff, mypy, Qt 6, the plugins.qgis.org security scan, licence lines), then pytest. Given pytest arguments
# (e.g. one test file), it runs pytest only; STSSL_CHECKS=1 runs the checks then too, STSSL_CHECKS=0 never.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
export QT_QPA_PLATFORM=offscreen
if [ "${STSSL_CHECKS:-$([ $# -eq 0 ] && echo 1 || echo 0)}" = 1 ]; then
    bash scripts/check.sh
fi
exec .venv/bin/python -m pytest -q "$@"
