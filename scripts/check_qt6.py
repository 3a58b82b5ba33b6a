#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail on code that runs on QGIS 3 (Qt 5) but not on QGIS 4 (Qt 6).

PyQt6 only knows fully scoped enum members (``Qt.AlignmentFlag.AlignLeft``, not ``Qt.AlignLeft``), has no
``exec_()``, moved ``QAction`` (and a few others) from QtWidgets to QtGui, and QGIS 4 has no pyrcc resource
modules. PyQt5 5.15 (QGIS 3.22) already takes the scoped forms, so code written that way runs on both and the
QGIS 3.22 tests cover it. Checked here:

- short enum names: every ``A.B`` (or ``A.b.C``) whose root is imported from ``qgis.*`` and whose value is an
  enum member reached other than through its own enum type. The check imports the real classes, so it knows
  every enum QGIS and Qt have, and says the scoped name to write (one that resolves on this PyQt5 too);
- ``exec_`` anywhere (``exec()`` is the name on both);
- imports of ``PyQt5``/``PyQt6``/``sip`` directly instead of through ``qgis.PyQt``;
- imports from ``qgis.PyQt.QtWidgets`` of what Qt 6 moved to QtGui, unless inside ``try: ... except ImportError``;
- pyrcc resources: ``*.qrc`` files and ``*_rc`` module imports.

    python scripts/check_qt6.py                    # plugin/, tests/, scripts/plugin_screenshot.py, __init__.py
    python scripts/check_qt6.py PATH [PATH ...]    # these files or folders
    python scripts/check_qt6.py --fix [PATH ...]   # also rewrite short enum names to the scoped ones, in place
"""
from __future__ import annotations

import argparse
import ast
import enum
import importlib
import os
import re
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PATHS = ("plugin", "tests", os.path.join("scripts", "plugin_screenshot.py"), "__init__.py")
# In Qt 6 these live in QtGui; qgis.PyQt.QtWidgets does not re-export them there.
MOVED_TO_QTGUI = {"QAction", "QActionGroup", "QShortcut", "QUndoCommand", "QUndoGroup", "QUndoStack",
                  "QFileSystemModel"}
_MISSING = object()


def _is_enum_member(value: Any) -> bool:
    """A member of a Qt/QGIS enum: a sip enum (PyQt5) or a Python enum (PyQt6, and QGIS's own on both)."""
    if isinstance(value, enum.Enum):
        return True
    kind = type(type(value))
    return kind.__name__ == "enumtype" and kind.__module__ in ("sip", "PyQt5.sip", "PyQt6.sip")


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str):
        self.path = path
        self.found: List[Tuple[int, str]] = []
        self.renames: List[Tuple[int, str, str]] = []  # (line, short name, scoped name) for --fix
        self.names: Dict[str, Any] = {}  # local name -> imported object (classes and modules from qgis.*)
        self._guarded = 0  # depth of `try:` blocks whose handlers catch ImportError

    def report(self, node: ast.AST, message: str) -> None:
        self.found.append((getattr(node, "lineno", 0), message))

    # Imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
            if alias.name.startswith("qgis") and alias.asname:
                self._bind(alias.asname, alias.name, None)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0:
            self._check_module(node, module)
        for alias in node.names:
            if alias.name.endswith("_rc"):
                self.report(node, f"import of pyrcc resources '{alias.name}': load files by path instead")
            if node.level == 0 and module == "qgis.PyQt.QtWidgets" and alias.name in MOVED_TO_QTGUI \
                    and not self._guarded:
                self.report(node, f"'{alias.name}' is in QtGui on Qt 6: import it with "
                                  "'try: from qgis.PyQt.QtGui import ... except ImportError: from "
                                  "qgis.PyQt.QtWidgets import ...'")
            if node.level == 0 and module.startswith("qgis") and alias.name != "*":
                self._bind(alias.asname or alias.name, module, alias.name)

    def _check_module(self, node: ast.AST, module: str) -> None:
        top = module.split(".")[0]
        if top in ("PyQt5", "PyQt6", "sip"):
            self.report(node, f"import of '{module}': import it from qgis.PyQt (e.g. qgis.PyQt.QtCore)")
        if module.split(".")[-1].endswith("_rc"):
            self.report(node, f"import of pyrcc resources '{module}': load files by path instead")

    def _bind(self, local: str, module: str, attr: Optional[str]) -> None:
        try:
            obj: Any = importlib.import_module(module)
            if attr is not None:
                obj = getattr(obj, attr, _MISSING)
                if obj is _MISSING:
                    obj = importlib.import_module(f"{module}.{attr}")
        except ImportError:
            return
        self.names[local] = obj

    def visit_Try(self, node: ast.Try) -> None:
        # try: <Qt 6 import> except ImportError: <Qt 5 import> -- both branches are the portable pattern.
        catches = any(h.type is None or "ImportError" in ast.dump(h.type) or "ModuleNotFoundError" in ast.dump(h.type)
                      for h in node.handlers)
        self._guarded += catches
        for child in node.body + node.handlers:
            self.visit(child)
        self._guarded -= catches
        for child in node.orelse + node.finalbody:
            self.visit(child)

    # Names and attributes
    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "exec_":
            self.report(node, "'exec_' does not exist on Qt 6: use 'exec'")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "exec_":
            self.report(node, "'exec_()' does not exist on Qt 6: use 'exec()'")
        chain = _dotted(node)
        if chain is not None and chain[0] in self.names:
            self._check_enum(node, chain)
        self.generic_visit(node)

    def _check_enum(self, node: ast.Attribute, chain: List[str]) -> None:
        parent = self.names[chain[0]]
        for name in chain[1:-1]:
            parent = getattr(parent, name, _MISSING)
            if parent is _MISSING:
                return
        member = getattr(parent, chain[-1], _MISSING)
        if member is _MISSING or not _is_enum_member(member) or isinstance(parent, type) and isinstance(member, parent):
            return
        enum_type = type(member)
        short = ".".join(chain)
        if getattr(parent, enum_type.__name__, None) is enum_type:
            scoped = ".".join(chain[:-1] + [enum_type.__name__, chain[-1]])
        else:
            scoped = f"{enum_type.__qualname__}.{chain[-1]}"
        self.report(node, f"short enum name '{short}': write '{scoped}' (Qt 6 knows only the scoped form)")
        self.renames.append((node.lineno, short, scoped))


def _dotted(node: ast.AST) -> Optional[List[str]]:
    """['Qt', 'AlignmentFlag', 'AlignLeft'] for Qt.AlignmentFlag.AlignLeft; None when the root is no plain name."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def python_files(paths: List[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.join(folder, name)


def qrc_files(paths: List[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for folder, _dirs, files in os.walk(path):
                for name in files:
                    if name.endswith(".qrc"):
                        yield os.path.join(folder, name)


def _rewrite(path: str, text: str, renames: List[Tuple[int, str, str]]) -> None:
    """Replace each short enum name by its scoped one on the line where it was found."""
    lines = text.splitlines(keepends=True)
    for line, short, scoped in renames:
        pattern = r"(?<![\w.])" + re.escape(short) + r"(?!\w)"
        lines[line - 1] = re.sub(pattern, scoped, lines[line - 1])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("".join(lines))


def check(paths: List[str], fix: bool = False) -> List[str]:
    """Every finding in these files or folders, as 'path:line: message', sorted. With ``fix``, short enum names
    are rewritten first and only what is left is returned."""
    found = []
    for path in python_files(paths):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        checker = _Checker(path)
        checker.visit(ast.parse(text, path))
        if fix and checker.renames:
            _rewrite(path, text, checker.renames)
            with open(path, encoding="utf-8") as fh:
                checker = _Checker(path)
                checker.visit(ast.parse(fh.read(), path))
        found += [f"{path}:{line}: {message}" for line, message in sorted(checker.found)]
    found += [f"{path}: a pyrcc resource file: ship the files and load them by path" for path in qrc_files(paths)]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="files or folders (default: the plugin, its tests and scripts)")
    parser.add_argument("--fix", action="store_true", help="rewrite short enum names to the scoped ones")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    paths = args.paths or [os.path.join(ROOT, p) for p in DEFAULT_PATHS]
    found = check(paths, fix=args.fix)
    for line in found:
        print(line)
    if found:
        print(f"check_qt6: {len(found)} finding(s) that break on QGIS 4 (Qt 6)", file=sys.stderr)
        return 1
    print(f"check_qt6: no Qt 6 problems in {', '.join(os.path.relpath(p, ROOT) for p in paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
