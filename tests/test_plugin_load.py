# SPDX-License-Identifier: GPL-2.0-or-later
"""The plugin loads through classFactory with a minimal iface, with and without the engine's packages."""
from __future__ import annotations

import os

import pytest
from conftest import ROOT

from qgis.core import QgsApplication
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import QObject
from qgis.PyQt.QtWidgets import QMainWindow, QPushButton


class MinimalIface(QObject):
    """The part of QgisInterface the plugin uses, on real Qt/QGIS widgets."""

    def __init__(self):
        super().__init__()
        self.window = QMainWindow()
        self.canvas = QgsMapCanvas(self.window)
        self.bar = QgsMessageBar(self.window)
        self.toolbar_actions = []
        self.menu_actions = []
        self.docks = []

    def mainWindow(self):  # noqa: N802
        return self.window

    def mapCanvas(self):  # noqa: N802
        return self.canvas

    def messageBar(self):  # noqa: N802
        return self.bar

    def addToolBarIcon(self, action):  # noqa: N802
        self.toolbar_actions.append(action)

    def removeToolBarIcon(self, action):  # noqa: N802
        self.toolbar_actions.remove(action)

    def addPluginToRasterMenu(self, menu, action):  # noqa: N802
        self.menu_actions.append((menu, action))

    def removePluginRasterMenu(self, menu, action):  # noqa: N802
        self.menu_actions.remove((menu, action))

    def addDockWidget(self, area, dock):  # noqa: N802
        self.docks.append(dock)
        self.window.addDockWidget(area, dock)

    def removeDockWidget(self, dock):  # noqa: N802
        self.docks.remove(dock)
        self.window.removeDockWidget(dock)


@pytest.fixture
def iface(qgis_app, project):
    fake = MinimalIface()
    fake.window.show()
    yield fake
    fake.window.deleteLater()


def load_plugin(iface):
    import spatiotemporal_ssl

    plugin = spatiotemporal_ssl.classFactory(iface)
    plugin.initGui()
    return plugin


def test_loads_and_unloads_through_class_factory(iface):
    plugin = load_plugin(iface)
    try:
        assert len(iface.toolbar_actions) == 1 and len(iface.menu_actions) == 1
        registry = QgsApplication.processingRegistry()
        provider = registry.providerById("spatiotemporal_ssl")
        assert provider is not None
        assert {a.id() for a in provider.algorithms()} == {"spatiotemporal_ssl:train_model",
                                                            "spatiotemporal_ssl:classify_raster",
                                                            "spatiotemporal_ssl:create_validation_sample",
                                                            "spatiotemporal_ssl:assess_accuracy"}
        assert iface.bar.items() == []  # nothing missing here: no warning
        iface.toolbar_actions[0].trigger()  # the toolbar button opens the dock
        assert len(iface.docks) == 1 and iface.docks[0].isVisible()
        assert iface.docks[0].windowTitle() == "Spatiotemporal SSL"
        iface.toolbar_actions[0].trigger()
        assert not iface.docks[0].isVisible()
    finally:
        plugin.unload()
    assert iface.toolbar_actions == [] and iface.menu_actions == [] and iface.docks == []
    assert QgsApplication.processingRegistry().providerById("spatiotemporal_ssl") is None


def test_missing_torch_still_loads_and_offers_install(iface, monkeypatch):
    """Without torch: the plugin loads, labelling opens, and the message bar offers the install dialog."""
    from spatiotemporal_ssl.plugin import dependencies, main

    missing = [dependencies.DependencyStatus(dependencies.REQUIREMENTS[0], None)]
    monkeypatch.setattr(main, "missing_dependencies", lambda: missing)
    opened = []
    monkeypatch.setattr(main.InstallDialog, "show", lambda self: opened.append(self))
    plugin = load_plugin(iface)
    try:
        items = iface.bar.items()
        assert len(items) == 1
        assert "not installed: torch." in items[0].text()
        button = [w for w in items[0].findChildren(QPushButton) if w.text() == "Install…"][0]
        button.click()
        assert len(opened) == 1
        dialog = opened[0]
        assert dialog.process is None  # shown, not started: nothing installs without the Install click
        assert "torch" in dialog.log.toPlainText()
        # Train in the dock explains instead of starting.
        plugin.show_dock(True)
        assert not plugin.dock.train()
        assert not plugin.dock.controller.is_running()
    finally:
        plugin.unload()


SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter QGIS embeds on Debian; it has no torch of its own


@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason="needs Debian's QGIS Python")
def test_loads_in_qgis_python_without_the_engine_packages(tmp_path):
    """In QGIS's own Python, where torch and rasterio are not installed: the plugin loads, says what is
    missing, and the dock opens (labelling needs none of them)."""
    import subprocess
    import textwrap

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    os.symlink(ROOT, plugins / "spatiotemporal_ssl")
    code = textwrap.dedent(f"""
        import importlib.util, sys
        if importlib.util.find_spec("torch") is not None:
            print("SKIP: torch is installed for this Python"); sys.exit(0)
        sys.path.insert(0, {str(plugins)!r})
        from qgis.testing import start_app
        app = start_app()
        from qgis.gui import QgsMapCanvas, QgsMessageBar
        from qgis.PyQt.QtWidgets import QMainWindow

        class Iface:
            def __init__(self):
                self.window, self.canvas, self.bar = QMainWindow(), QgsMapCanvas(), QgsMessageBar()
            def mainWindow(self): return self.window
            def mapCanvas(self): return self.canvas
            def messageBar(self): return self.bar
            def addToolBarIcon(self, action): pass
            def removeToolBarIcon(self, action): pass
            def addPluginToRasterMenu(self, menu, action): pass
            def removePluginRasterMenu(self, menu, action): pass
            def addDockWidget(self, area, dock): self.window.addDockWidget(area, dock)
            def removeDockWidget(self, dock): self.window.removeDockWidget(dock)

        import spatiotemporal_ssl
        iface = Iface()
        plugin = spatiotemporal_ssl.classFactory(iface)
        plugin.initGui()
        print("MESSAGE:", iface.bar.items()[0].text())
        plugin.show_dock(True)
        print("DOCK:", plugin.dock.windowTitle(), plugin.dock.classes.palette()[0].name)
        print("TRAIN:", plugin.dock.train())
        plugin.unload()
        print("UNLOADED")
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([SYSTEM_PYTHON, "-s", "-c", code], capture_output=True, text=True, timeout=300,
                          env=env, cwd=str(tmp_path))
    if "SKIP:" in done.stdout:
        pytest.skip("torch is installed for QGIS's own Python here")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if ":" in line}
    assert "torch" in lines["MESSAGE"] and "rasterio" in lines["MESSAGE"]
    assert lines["DOCK"] == "Spatiotemporal SSL Tree cover"
    assert lines["TRAIN"] == "False"
    assert "UNLOADED" in done.stdout
