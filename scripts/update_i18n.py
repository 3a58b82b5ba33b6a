#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Refresh the plugin's translation files from its source, then compile them.

Every user-visible string in ``plugin/`` is a literal passed to ``tr(...)`` or ``tr_noop(...)`` (see
``plugin/i18n.py``); the engine marks the texts the plugin shows of it (option labels and help, a few messages)
with ``tr_noop(...)`` in ``core/`` (see ``core/i18n.py``). This script finds them with Python's own parser (no pylupdate5 needed), merges them
into each ``i18n/spatiotemporal_ssl_<locale>.ts`` keeping the translations already there, marks new strings
unfinished, drops strings the source no longer has, and runs ``lrelease`` (Debian: qttools5-dev-tools) to
write the ``.qm`` files the plugin loads.

    python scripts/update_i18n.py            # update .ts and compile .qm
    python scripts/update_i18n.py --check    # exit 1 if a .ts lacks a string or a translation (CI)
"""
from __future__ import annotations

import argparse
import ast
import glob
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTEXT = "SpatiotemporalSSL"
FUNCTIONS = ("tr", "tr_noop")


def source_strings(root: str = ROOT) -> List[Tuple[str, str, int]]:
    """(text, file, line) of every literal passed to tr()/tr_noop() under plugin/ and core/, in source order,
    unique."""
    found: Dict[str, Tuple[str, str, int]] = {}
    paths = [path for folder in ("plugin", "core")
             for path in sorted(glob.glob(os.path.join(root, folder, "**", "*.py"), recursive=True))]
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in FUNCTIONS:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                rel = os.path.relpath(path, root)
                found.setdefault(arg.value, (arg.value, rel, node.lineno))
    return sorted(found.values(), key=lambda item: (item[1], item[2]))


def read_ts(path: str) -> Dict[str, str]:
    """source -> translation (finished ones only) of an existing .ts file."""
    if not os.path.exists(path):
        return {}
    translations = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if source is None or translation is None:
            continue
        if translation.get("type") in ("unfinished", "obsolete", "vanished") or not (translation.text or "").strip():
            continue
        translations[source] = translation.text
    return translations


def write_ts(path: str, language: str, strings: List[Tuple[str, str, int]], translations: Dict[str, str]) -> int:
    """Write the .ts; returns how many strings lack a translation."""
    ts = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(ts, "context")
    ET.SubElement(context, "name").text = CONTEXT
    missing = 0
    for text, filename, line in strings:
        message = ET.SubElement(context, "message")
        # No line numbers: they would change the .ts on every unrelated edit of the source.
        ET.SubElement(message, "location", filename=f"../{filename}")
        ET.SubElement(message, "source").text = text
        translation = ET.SubElement(message, "translation")
        if text in translations:
            translation.text = translations[text]
        else:
            translation.set("type", "unfinished")
            missing += 1
    ET.indent(ts, space="    ")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        fh.write(ET.tostring(ts, encoding="unicode"))
        fh.write("\n")
    return missing


def lrelease() -> str:
    for name in ("lrelease", "lrelease-qt5", "lrelease5"):
        exe = shutil.which(name)
        if exe:
            return exe
    qt5 = "/usr/lib/qt5/bin/lrelease"
    return qt5 if os.path.exists(qt5) else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that every .ts is complete")
    args = parser.parse_args(argv)
    strings = source_strings()
    ts_files = sorted(glob.glob(os.path.join(ROOT, "i18n", "spatiotemporal_ssl_*.ts")))
    status = 0
    for path in ts_files:
        language = os.path.basename(path)[len("spatiotemporal_ssl_"):-len(".ts")]
        translations = read_ts(path)
        if args.check:
            missing = [text for text, _, _ in strings if text not in translations]
            if missing:
                status = 1
                print(f"{os.path.relpath(path, ROOT)}: {len(missing)} untranslated, e.g. {missing[0]!r}")
            continue
        missing = write_ts(path, language, strings, translations)
        print(f"{os.path.relpath(path, ROOT)}: {len(strings)} strings, {missing} untranslated")
        exe = lrelease()
        if not exe:
            print("lrelease not found (Debian: apt-get install qttools5-dev-tools); .qm not rebuilt", file=sys.stderr)
            status = 1
            continue
        subprocess.run([exe, "-silent", path, "-qm", path[:-3] + ".qm"], check=True,
                       env={**os.environ, "QT_SELECT": os.environ.get("QT_SELECT", "qt5")})
    return status


if __name__ == "__main__":
    sys.exit(main())
