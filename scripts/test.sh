#!/usr/bin/env bash
# Runs the whole test suite headless against Debian's real QGIS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
