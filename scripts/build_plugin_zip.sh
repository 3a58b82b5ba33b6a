#!/usr/bin/env bash
# Build the installable QGIS plugin zip: dist/spatiotemporal_ssl-<version>.zip with one top folder
# "spatiotemporal_ssl" (QGIS: Plugins > Manage and Install Plugins > Install from ZIP).
# It holds the plugin and the engine, the icon, the sample scene and the compiled translations; not the tests,
# benchmarks or development scripts. Compiles the translations first when lrelease is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python=python3
if command -v lrelease >/dev/null 2>&1 || [ -x /usr/lib/qt5/bin/lrelease ]; then
    "$python" scripts/update_i18n.py >/dev/null
fi
version="$(sed -n 's/^version=//p' metadata.txt)"
mkdir -p dist
out="dist/spatiotemporal_ssl-${version}.zip"
rm -f "$out"
"$python" - "$out" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
include = ["__init__.py", "metadata.txt", "README.md", "LICENSE", "core", "plugin", "resources", "i18n"]
skip_dirs = {"__pycache__"}
skip_ext = (".pyc", ".aux.xml", ".ts", "screenshot.png")
count = 0
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
    for item in include:
        if not os.path.exists(item):
            continue
        paths = [item] if os.path.isfile(item) else [
            os.path.join(d, f) for d, dirs, files in os.walk(item)
            for f in files if not (dirs.__setitem__(slice(None), [x for x in dirs if x not in skip_dirs]))]
        for path in sorted(paths):
            if path.endswith(skip_ext) or os.path.basename(path).startswith("."):
                continue
            zf.write(path, os.path.join("spatiotemporal_ssl", path))
            count += 1
print(f"{out}: {count} files")
PY
