#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Take the README's screenshot from a real run: the plugin's dock, labelled tiles and the land-cover result.

It loads the bundled Raleigh scene, labels tiles with the plugin's own tile writer from the sample's expert
polygons (every tile a polygon covers by half, as the polygon tool does), clicks Train in the dock, waits for
the worker, and grabs the screen with the land-cover layer over the image and the labelled tiles on top.

Two ways to run it:

* In the real QGIS desktop (under Xvfb when there is no display), with the plugin linked into a profile:

      mkdir -p /tmp/qp/profiles/default/python/plugins
      ln -sfn "$PWD" /tmp/qp/profiles/default/python/plugins/spatiotemporal_ssl
      PYTHONPATH=$PWD/.venv/lib/python3.11/site-packages STSSL_SHOT_STEPS=300 \\
        xvfb-run -a -s "-screen 0 1760x1080x24" qgis --profiles-path /tmp/qp --nologo --code scripts/plugin_screenshot.py

* Offscreen, without the QGIS desktop: a canvas, a Layers panel and the dock in one window:

      QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/plugin_screenshot.py [--steps 300] [--out PATH]

Settings can also come from the environment: STSSL_SHOT_OUT, STSSL_SHOT_STEPS, STSSL_SHOT_TILE, STSSL_SHOT_WORK.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile



def _root() -> str:
    if "__file__" in globals():
        return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # Under `qgis --code` there is no __file__; the plugin package is the repository root.
    import spatiotemporal_ssl

    return os.path.dirname(os.path.abspath(spatiotemporal_ssl.__file__))


ROOT = _root()
SAMPLE_RASTER = os.path.join(ROOT, "resources", "sample", "raleigh_landsat7_2000.tif")
SAMPLE_LABELS = os.path.join(ROOT, "resources", "sample", "raleigh_labels.gpkg")
# The sample's class codes (PROVENANCE.md) with WorldCover-like colours.
CLASSES = [(1, "developed", (250, 0, 0)), (2, "agriculture", (240, 150, 255)), (3, "herbaceous", (255, 255, 76)),
           (4, "shrubland", (255, 187, 34)), (5, "forest", (0, 100, 0)), (6, "water", (0, 100, 200)),
           (7, "sediment", (180, 180, 180))]


def options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=int(os.environ.get("STSSL_SHOT_STEPS", 300)))
    parser.add_argument("--tile-size", type=int, default=int(os.environ.get("STSSL_SHOT_TILE", 4)))
    parser.add_argument("--out", default=os.environ.get("STSSL_SHOT_OUT", os.path.join(ROOT, "resources", "screenshot.png")))
    parser.add_argument("--work", default=os.environ.get("STSSL_SHOT_WORK", ""),
                        help="folder for the labels, model and maps (default: a temp folder)")
    return parser.parse_args(argv)


def natural_colour(image) -> None:
    """Landsat-7 bands 1-3 are blue, green, red: natural colour with a 2-98% stretch."""
    from qgis.core import QgsContrastEnhancement, QgsMultiBandColorRenderer

    provider = image.dataProvider()
    renderer = QgsMultiBandColorRenderer(provider, 3, 2, 1)
    for band, setter in ((3, renderer.setRedContrastEnhancement), (2, renderer.setGreenContrastEnhancement),
                         (1, renderer.setBlueContrastEnhancement)):
        low, high = provider.cumulativeCut(band, 0.02, 0.98)
        enhancement = QgsContrastEnhancement(provider.dataType(band))
        enhancement.setMinimumValue(low)
        enhancement.setMaximumValue(high)
        enhancement.setContrastEnhancementAlgorithm(
            QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum)
        setter(enhancement)
    image.setRenderer(renderer)


class Shot:
    """Set up, train through the dock, then frame the map and save the picture; ``done(ok)`` at the end."""

    def __init__(self, args, dock, canvas, grab, done, before_grab=None):
        self.args, self.dock, self.canvas, self.grab, self.done = args, dock, canvas, grab, done
        self.before_grab = before_grab
        self.work = args.work or tempfile.mkdtemp(prefix="stssl_screenshot_")
        os.makedirs(self.work, exist_ok=True)

    def start(self) -> None:
        from qgis.core import QgsCoordinateTransform, QgsGeometry, QgsProject, QgsVectorLayer

        from spatiotemporal_ssl.core.params import ClassSpec
        from spatiotemporal_ssl.plugin.label_layer import TileEditSession

        dock, project = self.dock, QgsProject.instance()
        self.image = dock.imagery.reference_layer()
        palette = [ClassSpec(v, n, c) for v, n, c in CLASSES]
        dock.classes.set_palette(palette, current_value=5)
        dock.options.tile_size.setValue(self.args.tile_size)
        dock.options.steps.setValue(self.args.steps)
        dock.options.set_output_dir(os.path.join(self.work, "outputs"))

        # Tiles from the expert polygons, written by the same code the polygon tool uses.
        labels_path = os.path.join(self.work, "raleigh_tiles.gpkg")
        if os.path.exists(labels_path):
            os.remove(labels_path)
        self.labels = dock.labels.create_layer(labels_path)
        source = QgsVectorLayer(SAMPLE_LABELS, "expert polygons", "ogr")
        grid = dock.labels.tile_grid()
        to_grid = QgsCoordinateTransform(source.crs(), grid.crs, project)
        by_name = {spec.name: spec for spec in palette}
        session = TileEditSession(self.labels, grid, "labels from the sample polygons")
        for feature in source.getFeatures():
            geometry = QgsGeometry(feature.geometry())
            geometry.transform(to_grid)
            for tile in grid.tiles_covered(geometry, 0.5):
                session.label_tile(*tile, by_name[feature["label"]])
        session.finish()
        dock.labels.update_counts()
        dock.labels.tile_button.setChecked(True)

        dock.controller.jobFinished.connect(self.trained)
        dock.controller.jobFailed.connect(lambda message: self.finish(False, "training failed: " + message))
        print(f"training {self.args.steps} steps; outputs in {self.work}", flush=True)
        if not dock.train():
            self.finish(False, "training did not start: " + " | ".join(i.text() for i in dock.message_bar.items()))

    def trained(self, _result) -> None:
        from qgis.core import QgsProject, QgsRectangle

        root = QgsProject.instance().layerTreeRoot()
        group = root.findGroups()[0]
        land_cover = group.findLayers()[0].layer()
        # The labelled tiles on top of the new land-cover group.
        node = root.findLayer(self.labels.id())
        root.insertChildNode(0, node.clone())
        node.parent().removeChildNode(node)
        land_cover.renderer().setOpacity(0.6)  # the image shows through the land-cover map
        land_cover.triggerRepaint()
        # Room for the training panel: the imagery and class lists fold up (the legend shows the classes).
        self.dock.sections[self.dock.imagery].setCollapsed(True)
        self.dock.sections[self.dock.classes].setCollapsed(True)
        extent = self.image.extent()
        self.canvas.setExtent(QgsRectangle(
            extent.xMinimum() + 0.30 * extent.width(), extent.yMinimum() + 0.22 * extent.height(),
            extent.xMinimum() + 0.72 * extent.width(), extent.yMinimum() + 0.64 * extent.height()))
        self.canvas.mapCanvasRefreshed.connect(self.rendered)
        self.canvas.refresh()

    def rendered(self) -> None:
        from qgis.PyQt.QtCore import QTimer

        self.canvas.mapCanvasRefreshed.disconnect(self.rendered)
        self.dock.labels.redraw_grid()
        QTimer.singleShot(1500, self.save)  # let the dock and the legend repaint

    def save(self) -> None:
        if self.before_grab is not None:
            self.before_grab()
        ok = self.grab().save(self.args.out)
        self.finish(ok, f"wrote {self.args.out}" if ok else f"could not write {self.args.out}")

    def finish(self, ok: bool, message: str) -> None:
        print(message, flush=True)
        self.done(ok)


def in_qgis_desktop(args) -> None:
    """Run inside QGIS (``qgis --code``): the real main window, iface, Layers panel and message bar."""
    from qgis.core import QgsProject, QgsRasterLayer
    from qgis.PyQt.QtCore import Qt, QTimer
    from qgis.PyQt.QtWidgets import QApplication, QDockWidget
    from qgis.utils import iface, loadPlugin, plugins, startPlugin

    if "spatiotemporal_ssl" not in plugins:
        loadPlugin("spatiotemporal_ssl")
        startPlugin("spatiotemporal_ssl")
    plugin = plugins["spatiotemporal_ssl"]
    image = QgsRasterLayer(SAMPLE_RASTER, "Raleigh, Landsat-7 (2000)")
    natural_colour(image)
    QgsProject.instance().addMapLayer(image)
    window = iface.mainWindow()
    window.setGeometry(QApplication.primaryScreen().geometry())  # no window manager under Xvfb to maximise
    browser = window.findChild(QDockWidget, "Browser")
    if browser is not None:
        browser.hide()  # the Layers panel gets the height, for the legend
    plugin.show_dock(True)
    dock = plugin.dock
    iface.mainWindow().resizeDocks([dock], [500], Qt.Orientation.Horizontal)
    for item in iface.messageBar().items():
        iface.messageBar().popWidget(item)

    def done(ok: bool) -> None:
        QgsProject.instance().setDirty(False)  # no "save changes?" question on the way out
        QTimer.singleShot(500, iface.actionExit().trigger)

    def before_grab() -> None:
        iface.layerTreeView().expandAll()
        bar = iface.messageBar()
        for item in bar.items():
            if item is not bar.currentItem():
                bar.popWidget(item)

    shot = Shot(args, dock, iface.mapCanvas(), window.grab, done, before_grab=before_grab)
    QTimer.singleShot(1500, shot.start)
    globals()["_shot"] = shot  # keep it alive after this script returns


def offscreen(args) -> int:
    """A window of our own: Layers panel, canvas and dock, as QGIS lays them out."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.testing import start_app

    app = start_app()
    from qgis.core import QgsLayerTreeModel, QgsProject, QgsRasterLayer
    from qgis.gui import QgsLayerTreeMapCanvasBridge, QgsLayerTreeView, QgsMapCanvas, QgsMessageBar
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QHBoxLayout, QMainWindow, QVBoxLayout, QWidget

    from spatiotemporal_ssl.plugin.dock import SpatiotemporalSSLDock

    project = QgsProject.instance()
    image = QgsRasterLayer(SAMPLE_RASTER, "Raleigh, Landsat-7 (2000)")
    natural_colour(image)
    project.addMapLayer(image)
    window = QMainWindow()
    window.resize(1760, 1080)
    central = QWidget()
    bar = QgsMessageBar()
    canvas = QgsMapCanvas()
    canvas.setDestinationCrs(image.crs())
    tree = QgsLayerTreeView()
    tree_model = QgsLayerTreeModel(project.layerTreeRoot(), window)  # parented: the view does not own it
    tree.setModel(tree_model)
    tree.setFixedWidth(270)
    bridge = QgsLayerTreeMapCanvasBridge(project.layerTreeRoot(), canvas, window)  # layer order = canvas order
    row = QHBoxLayout()
    row.addWidget(tree)
    row.addWidget(canvas, 1)
    layout = QVBoxLayout(central)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(bar)
    layout.addLayout(row, 1)
    window.setCentralWidget(central)
    dock = SpatiotemporalSSLDock(canvas, bar, project)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.resizeDocks([dock], [500], Qt.Orientation.Horizontal)
    window.show()
    canvas.setExtent(image.extent())
    result = {}

    def done(ok: bool) -> None:
        result["ok"] = ok
        app.quit()

    shot = Shot(args, dock, canvas, window.grab, done, before_grab=tree.expandAll)
    shot.start()
    if "ok" not in result:
        app.exec()
    del bridge
    return 0 if result.get("ok") else 1


def _inside_qgis() -> bool:
    try:
        from qgis.utils import iface
    except ImportError:
        return False
    return iface is not None


if _inside_qgis():
    in_qgis_desktop(options([]))
elif __name__ == "__main__":
    sys.exit(offscreen(options()))
