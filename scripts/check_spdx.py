#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that every Python file of the project names its licence: ``# SPDX-License-Identifier: GPL-2.0-or-later``.

Checked: every .py file under core/, plugin/, tests/, benchmarks/ and scripts/, and the top-level __init__.py.
The line must be one of the first five (after a shebang or an encoding line, if any).

    python scripts/check_spdx.py                  # exit 1, listing the files without the line
    python scripts/check_spdx.py --once-started   # pass while no file has it yet; once one has, all must

scripts/check.sh runs it with --once-started, so the check switches itself on when the headers are added;
drop the flag there to require them whatever happens.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = "# SPDX-License-Identifier: GPL-2.0-or-later"
FOLDERS = ("core", "plugin", "tests", "benchmarks", "scripts")
TOP_FILES = ("__init__.py",)
HEAD_LINES = 5


def python_files(root: str = ROOT) -> List[str]:
    """Paths (relative to ``root``) of the files that must carry the header, sorted."""
    found = [name for name in TOP_FILES if os.path.isfile(os.path.join(root, name))]
    for folder in FOLDERS:
        for path, dirs, files in os.walk(os.path.join(root, folder)):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".") and d != "out"]
            found += [os.path.relpath(os.path.join(path, f), root) for f in files if f.endswith(".py")]
    return sorted(found)


def has_header(path: str) -> bool:
    with open(path, encoding="utf-8") as fh:
        head = [fh.readline().rstrip("\r\n") for _ in range(HEAD_LINES)]
    return HEADER in head


def missing(root: str = ROOT) -> List[str]:
    return [rel for rel in python_files(root) if not has_header(os.path.join(root, rel))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--once-started", action="store_true",
                        help="pass while no file has the header yet (before the headers are added)")
    parser.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    files = python_files(args.root)
    lacking = missing(args.root)
    if args.once_started and files and len(lacking) == len(files):
        print(f"check_spdx: no file has '{HEADER}' yet; the check starts once one has")
        return 0
    for rel in lacking:
        print(f"{rel}: lacks '{HEADER}' in its first {HEAD_LINES} lines")
    if lacking:
        print(f"check_spdx: {len(lacking)} of {len(files)} files lack the licence line", file=sys.stderr)
        return 1
    print(f"check_spdx: all {len(files)} files carry '{HEADER}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
