#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the installable plugin zip and refuse one that plugins.qgis.org would reject.

The zip has one top folder ``spatiotemporal_ssl`` holding the plugin and the engine, the licence, the icon,
the sample scene and the compiled translations; never the tests, benchmarks, development scripts or files
that only a developer needs. The repository lists what goes in (``INCLUDE``); everything else stays out.

Before writing, every file is checked: no compiled binaries or libraries (.so, .dll, .pyd, .exe, also by their
magic bytes), no model weights (torch.save files are zip or pickle streams), and the whole zip must stay under
plugins.qgis.org's upload limit. ``scripts/build_plugin_zip.sh`` compiles the translations and then runs this;
``scripts/check.sh`` runs it into a scratch folder and scans the unpacked contents with bandit.

    python scripts/plugin_zip.py                 # dist/spatiotemporal_ssl-<version>.zip
    python scripts/plugin_zip.py --out DIR       # DIR/spatiotemporal_ssl-<version>.zip
"""
from __future__ import annotations

import argparse
import configparser
import os
import sys
import zipfile
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP = "spatiotemporal_ssl"
# What the installed plugin needs. Tests, benchmarks, scripts/, .ci/, pyproject.toml and requirements files are
# development files and are left out by not being listed here.
INCLUDE = ("__init__.py", "metadata.txt", "README.md", "LICENSE", "core", "plugin", "resources", "i18n")
SKIP_DIRS = {"__pycache__"}
# .ts: translation sources (the .qm files are what QGIS loads); screenshot.png: for the README only.
SKIP_SUFFIXES = (".pyc", ".pyo", ".aux.xml", ".ts", "screenshot.png")
# Binaries, libraries and scripts plugins.qgis.org flags as suspicious, and the usual model-weight files: never
# shipped (a model is trained by the user, the plugin has no weights of its own).
FORBIDDEN_SUFFIXES = (".so", ".dll", ".pyd", ".exe", ".dylib", ".bat", ".cmd", ".ps1", ".sh", ".bin", ".pt", ".pth",
                      ".ckpt", ".safetensors", ".onnx", ".pkl", ".pickle", ".npy", ".npz")
# File signatures: ELF, Windows PE, Mach-O (both byte orders, 32/64 bit, universal), and zip, which is what
# torch.save writes (a file renamed away from .pt is still caught).
FORBIDDEN_MAGIC = {b"\x7fELF": "ELF executable or library", b"MZ": "Windows executable or DLL",
                   b"\xfe\xed\xfa\xce": "Mach-O binary", b"\xfe\xed\xfa\xcf": "Mach-O binary",
                   b"\xce\xfa\xed\xfe": "Mach-O binary", b"\xcf\xfa\xed\xfe": "Mach-O binary",
                   b"\xca\xfe\xba\xbe": "Mach-O universal binary",
                   b"PK\x03\x04": "zip archive (torch.save writes one: model weights?)"}
# plugins.qgis.org refuses uploads above 25 MB.
MAX_BYTES = 25 * 1024 * 1024


class ZipRefused(Exception):
    """The files or the zip break a rule of plugins.qgis.org (or of this project): nothing is kept."""


def version(root: str = ROOT) -> str:
    """The plugin version, from metadata.txt (the file QGIS and plugins.qgis.org read)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(root, "metadata.txt"), encoding="utf-8")
    return parser["general"]["version"].strip()


def members(root: str = ROOT) -> List[str]:
    """Paths (relative to ``root``, with /) of the files that go into the zip, sorted."""
    found: List[str] = []
    for item in INCLUDE:
        path = os.path.join(root, item)
        if os.path.isfile(path):
            found.append(item)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in files:
                rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
                if not name.startswith(".") and not rel.endswith(SKIP_SUFFIXES):
                    found.append(rel)
    return sorted(found)


def problems(root: str, paths: List[str]) -> List[str]:
    """Why these files must not be shipped: one line per offending file; empty when all are fine."""
    found = []
    for rel in paths:
        if rel.lower().endswith(FORBIDDEN_SUFFIXES):
            found.append(f"{rel}: a binary or model-weight file type ({os.path.splitext(rel)[1]})")
            continue
        with open(os.path.join(root, rel), "rb") as fh:
            head = fh.read(4)
        for magic, what in FORBIDDEN_MAGIC.items():
            if head.startswith(magic):
                found.append(f"{rel}: {what}")
                break
    for required in ("metadata.txt", "__init__.py", "LICENSE"):
        if required not in paths:
            found.append(f"{required}: missing (plugins.qgis.org requires it at the top of the plugin folder)")
    return found


def build(out_dir: str, root: str = ROOT) -> str:
    """Write ``out_dir/spatiotemporal_ssl-<version>.zip`` and return its path; raise ZipRefused when a rule is
    broken (the zip is then not left behind)."""
    paths = members(root)
    found = problems(root, paths)
    if found:
        raise ZipRefused("not writing the plugin zip:\n  " + "\n  ".join(found))
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"{TOP}-{version(root)}.zip")
    part = out + ".part"
    try:
        with zipfile.ZipFile(part, "w") as zf:
            for rel in paths:
                info = zipfile.ZipInfo.from_file(os.path.join(root, rel), f"{TOP}/{rel}")
                # rw-r--r-- whatever the checkout says: plugins.qgis.org flags executable .py files.
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(os.path.join(root, rel), "rb") as fh:
                    zf.writestr(info, fh.read())
        size = os.path.getsize(part)
        if size > MAX_BYTES:
            raise ZipRefused(f"not writing the plugin zip: {size / 2**20:.1f} MB is over plugins.qgis.org's "
                             f"limit of {MAX_BYTES / 2**20:.0f} MB")
        os.replace(part, out)
    finally:
        if os.path.exists(part):
            os.remove(part)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "dist"), help="folder for the zip (default: dist/)")
    args = parser.parse_args(argv)
    try:
        out = build(args.out)
    except ZipRefused as exc:
        print(exc, file=sys.stderr)
        return 1
    with zipfile.ZipFile(out) as zf:
        count = len(zf.namelist())
    print(f"{out}: {count} files, {os.path.getsize(out) / 2**20:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
