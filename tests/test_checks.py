# SPDX-License-Identifier: GPL-2.0-or-later
"""The static checks of scripts/check.sh fail on what they are meant to catch: Qt 6 breakage, what the
plugins.qgis.org security scan blocks, and a missing licence line."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import ROOT, load_script

check_qt6 = load_script("check_qt6")
check_spdx = load_script("check_spdx")

QT5_ONLY = textwrap.dedent("""\
    from qgis.core import Qgis, QgsWkbTypes
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QAction, QDialog, QMessageBox
    from PyQt5.QtGui import QColor
    import resources_rc


    def run(dialog, painter, bar):
        painter.drawText(0, 0, 10, 10, Qt.AlignLeft | Qt.AlignVCenter, "x")
        if dialog.exec_() == QDialog.Accepted:
            bar.pushMessage("t", "done", Qgis.Warning)
        return QgsWkbTypes.PolygonGeometry, QMessageBox.Yes
""")

PORTABLE = textwrap.dedent("""\
    from qgis.core import Qgis, QgsWkbTypes
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QDialog, QMessageBox

    try:
        from qgis.PyQt.QtGui import QAction
    except ImportError:
        from qgis.PyQt.QtWidgets import QAction


    def run(dialog, painter, bar, module):
        painter.drawText(0, 0, 10, 10, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "x")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            bar.pushMessage("t", "done", Qgis.MessageLevel.Warning)
        module.exec_module(dialog)  # not Qt's exec_
        return QgsWkbTypes.GeometryType.PolygonGeometry, QMessageBox.StandardButton.Yes, Qt.AlignmentFlag
""")


def test_qt6_check_flags_what_breaks_on_qt6(tmp_path):
    path = tmp_path / "old.py"
    path.write_text(QT5_ONLY, encoding="utf-8")
    found = "\n".join(check_qt6.check([str(path)]))
    for short, scoped in (("Qt.AlignLeft", "Qt.AlignmentFlag.AlignLeft"),
                          ("Qt.AlignVCenter", "Qt.AlignmentFlag.AlignVCenter"),
                          ("QDialog.Accepted", "QDialog.DialogCode.Accepted"),
                          ("Qgis.Warning", "Qgis.MessageLevel.Warning"),
                          ("QgsWkbTypes.PolygonGeometry", "QgsWkbTypes.GeometryType.PolygonGeometry"),
                          ("QMessageBox.Yes", "QMessageBox.StandardButton.Yes")):
        assert f"short enum name '{short}': write '{scoped}'" in found
    assert "old.py:10: 'exec_()' does not exist on Qt 6" in found
    assert "import of 'PyQt5.QtGui'" in found
    assert "import of pyrcc resources 'resources_rc'" in found
    assert "'QAction' is in QtGui on Qt 6" in found


def test_qt6_check_passes_portable_code(tmp_path):
    path = tmp_path / "new.py"
    path.write_text(PORTABLE, encoding="utf-8")
    assert check_qt6.check([str(path)]) == []


def test_qt6_check_fix_rewrites_short_names(tmp_path):
    path = tmp_path / "old.py"
    path.write_text(QT5_ONLY, encoding="utf-8")
    left = check_qt6.check([str(path)], fix=True)
    text = path.read_text(encoding="utf-8")
    assert "Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter" in text
    assert "== QDialog.DialogCode.Accepted" in text and "QMessageBox.StandardButton.Yes" in text
    assert not [line for line in left if "short enum name" in line]
    assert len(left) == 4  # exec_, PyQt5, resources_rc and QAction are for a person to fix


def test_qt6_check_script_fails_on_a_bad_file_and_a_qrc(tmp_path):
    (tmp_path / "old.py").write_text(QT5_ONLY, encoding="utf-8")
    (tmp_path / "resources.qrc").write_text("<RCC/>", encoding="utf-8")
    done = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "check_qt6.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "resources.qrc: a pyrcc resource file" in done.stdout
    assert "finding(s) that break on QGIS 4" in done.stderr


def test_security_scan_finds_what_plugins_qgis_org_blocks(tmp_path):
    security_scan = load_script("security_scan")
    root = tmp_path / "plugin"
    (root / "core").mkdir(parents=True)
    (root / "metadata.txt").write_text("[general]\nname=x\nversion=0.0.1\n", encoding="utf-8")
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "LICENSE").write_text("GPL", encoding="utf-8")
    key = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documentation example key, split so this file holds none
    (root / "core" / "bad.py").write_text(textwrap.dedent(f"""\
        import subprocess
        import torch
        AWS_ACCESS_KEY_ID = "{key}"
        def run(text, path):
            subprocess.call("ls " + text, shell=True)
            assert path
            return eval(text), torch.load(path)
    """), encoding="utf-8")
    (root / "core" / "fine.py").write_text(textwrap.dedent("""\
        import subprocess  # nosec B404  # only runs the fixed command below
        def version(exe):
            return subprocess.run([exe, "--version"], capture_output=True)  # nosec B603  # full path, no shell
    """), encoding="utf-8")
    found = "\n".join(security_scan.scan(str(root)))
    for test_id in ("B602", "B101", "B307", "B614", "B404"):
        assert f"bandit {test_id} " in found, test_id
    assert "core/bad.py" in found and "core/fine.py" not in found
    assert "detect-secrets AWS Access Key: spatiotemporal_ssl/core/bad.py:3" in found


def test_spdx_check_switches_on_once_a_file_has_the_line(tmp_path):
    for rel in ("core/a.py", "plugin/b.py", "scripts/c.py", "__init__.py"):
        os.makedirs(tmp_path / os.path.dirname(rel), exist_ok=True)
        (tmp_path / rel).write_text('"""Doc."""\n', encoding="utf-8")
    (tmp_path / "core" / "notes.txt").write_text("not python", encoding="utf-8")
    root = ["--root", str(tmp_path)]
    assert check_spdx.main(root) == 1  # strict: none has it
    assert check_spdx.main(root + ["--once-started"]) == 0  # not started yet
    (tmp_path / "core" / "a.py").write_text("#!/usr/bin/env python3\n" + check_spdx.HEADER + "\n", encoding="utf-8")
    assert check_spdx.main(root + ["--once-started"]) == 1  # started: the other three lack it
    assert check_spdx.missing(str(tmp_path)) == ["__init__.py", os.path.join("plugin", "b.py"),
                                                 os.path.join("scripts", "c.py")]
    for rel in ("plugin/b.py", "scripts/c.py", "__init__.py"):
        (tmp_path / rel).write_text(check_spdx.HEADER + '\n"""Doc."""\n', encoding="utf-8")
    assert check_spdx.main(root) == 0


def test_every_python_file_names_its_licence():
    assert check_spdx.python_files()
    assert check_spdx.missing() == []
