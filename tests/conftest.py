# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared fixtures. QGIS starts lazily: only tests that ask for ``qgis_app`` (or pytest-qt's ``qtbot``,
through ``qapp``) start it, so the engine's tests never need QGIS."""
from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE_DIR = os.path.join(ROOT, "resources", "sample")
SAMPLE_RASTER = os.path.join(SAMPLE_DIR, "raleigh_landsat7_2000.tif")
SAMPLE_LABELS = os.path.join(SAMPLE_DIR, "raleigh_labels.gpkg")
QGIS_PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"


@pytest.fixture(scope="session")
def qgis_app():
    """A real QgsApplication (headless), with QGIS Processing initialised."""
    from qgis.testing import start_app

    app = start_app()
    from osgeo import gdal

    # No .aux.xml statistics caches written beside the bundled sample while tests render it.
    gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
    if QGIS_PROCESSING_PLUGINS not in sys.path and os.path.isdir(QGIS_PROCESSING_PLUGINS):
        sys.path.append(QGIS_PROCESSING_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    yield app


@pytest.fixture(scope="session")
def qapp(qgis_app):
    """pytest-qt's application fixture, served by QGIS's application so qtbot works next to real QGIS."""
    return qgis_app


@pytest.fixture
def project(qgis_app):
    """The QGIS project, empty before and after the test."""
    from qgis.core import QgsProject

    proj = QgsProject.instance()
    proj.clear()
    yield proj
    proj.clear()


@pytest.fixture
def sample_layer(project):
    """The bundled Raleigh Landsat-7 scene as a raster layer in the project."""
    from qgis.core import QgsRasterLayer

    layer = QgsRasterLayer(SAMPLE_RASTER, "raleigh")
    assert layer.isValid()
    project.addMapLayer(layer)
    return layer


@pytest.fixture
def canvas(qgis_app):
    """A real map canvas, 600 x 600 px, shown offscreen."""
    from qgis.gui import QgsMapCanvas

    widget = QgsMapCanvas()
    widget.resize(600, 600)
    widget.show()
    yield widget
    widget.hide()
    widget.deleteLater()


@pytest.fixture
def message_bar(qgis_app):
    from qgis.gui import QgsMessageBar

    bar = QgsMessageBar()
    yield bar
    bar.deleteLater()


def bar_texts(bar) -> list:
    """Texts of the messages in a QgsMessageBar, newest last."""
    return [item.text() for item in bar.items()]


def label_tiles(dock, gpkg_path, tiles):
    """A new label layer at ``gpkg_path`` for the dock, with ``tiles`` = [(row, col, ClassSpec), ...] labelled in one
    edit session, as the tile tool would. Returns the layer."""
    from spatiotemporal_ssl.plugin.label_layer import TileEditSession

    layer = dock.labels.create_layer(str(gpkg_path))
    session = TileEditSession(layer, dock.labels.tile_grid(), "test")
    for row, col, spec in tiles:
        session.label_tile(row, col, spec)
    assert session.finish()
    return layer


@pytest.fixture
def dock(project, canvas, message_bar):
    """The plugin's dock on a real canvas and message bar, with the engine's dependencies present."""
    from spatiotemporal_ssl.plugin.dock import SpatiotemporalSSLDock

    widget = SpatiotemporalSSLDock(canvas, message_bar, project)
    widget.resize(420, 900)
    yield widget
    widget.shutdown()
    widget.deleteLater()


def show_canvas_on(canvas, layer, extent=None):
    """Put ``layer`` on the canvas in its own CRS and zoom to ``extent`` (default: the layer)."""
    canvas.setDestinationCrs(layer.crs())
    canvas.setLayers([layer])
    canvas.setExtent(extent or layer.extent())
    canvas.refresh()


def mouse_event(canvas, kind, map_point, button=None, modifiers=None):
    """A QgsMapMouseEvent at a map point (canvas CRS), as a user's click would make it."""
    from qgis.core import QgsPointXY
    from qgis.gui import QgsMapMouseEvent
    from qgis.PyQt.QtCore import QEvent, QPoint, Qt

    pixel = canvas.getCoordinateTransform().transform(QgsPointXY(map_point))
    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    button = Qt.MouseButton.LeftButton if button is None else button
    buttons = Qt.MouseButton.NoButton if kind == "release" else button
    return QgsMapMouseEvent(canvas, types[kind], QPoint(int(round(pixel.x())), int(round(pixel.y()))), button,
                            buttons, Qt.KeyboardModifier.NoModifier if modifiers is None else modifiers)


def click(tool, canvas, map_point, button=None, modifiers=None):
    for kind in ("press", "release"):
        event = mouse_event(canvas, kind, map_point, button, modifiers)
        getattr(tool, {"press": "canvasPressEvent", "release": "canvasReleaseEvent"}[kind])(event)


def load_script(name):
    """A module of scripts/ (not a package), loaded from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
