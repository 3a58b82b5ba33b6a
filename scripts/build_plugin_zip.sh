#!/usr/bin/env bash
# Build the installable QGIS plugin zip: dist/spatiotemporal_ssl-<version>.zip with one top folder
# "spatiotemporal_ssl" (QGIS: Plugins > Manage and Install Plugins > Install from ZIP; or upload it to
# plugins.qgis.org). Compiles the translations first when lrelease is there, then scripts/plugin_zip.py picks
# the files (plugin, engine, LICENSE, icon, sample scene, compiled translations; no tests, benchmarks or
# development files) and refuses binaries, model weights and a zip over 25 MB.
#     bash scripts/build_plugin_zip.sh [--out DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python=python3
if command -v lrelease >/dev/null 2>&1 || [ -x /usr/lib/qt5/bin/lrelease ]; then
    "$python" scripts/update_i18n.py >/dev/null
fi
exec "$python" scripts/plugin_zip.py "$@"
