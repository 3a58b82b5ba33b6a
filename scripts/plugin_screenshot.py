#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Take the README's screenshots from a real run: the plugin's dock, labelled and suggested tiles, the
land-cover result and its accuracy assessment.

It loads the bundled Raleigh scene, labels tiles with the plugin's own tile writer from the sample's expert
polygons (every tile a polygon covers by half, as the polygon tool does), clicks Train in the dock, waits for
the worker and for the "Suggested tiles" that follow every training run, then assesses the new land-cover
map in the dock's Accuracy assessment section. The reference for that is a stratified random sample of the
map (core.assessment.sample, as `stssl sample` draws it) whose points are labelled from the sample's dense
reference raster (raleigh_landcover_reference.tif, held out from training); points in labelled tiles are
dropped, so only places the model was not trained on are counted.

Two pictures: ``--out`` (the labelling and training sections, the suggested tiles on the map) and
``--out-assess`` (the accuracy assessment section with its report, the validation points on the map).

Two ways to run it:

* In the real QGIS desktop (under Xvfb when there is no display), with the plugin linked into a profile:

      mkdir -p /tmp/qp/profiles/default/python/plugins
      ln -sfn "$PWD" /tmp/qp/profiles/default/python/plugins/spatiotemporal_ssl
      PYTHONPATH=$PWD/.venv/lib/python3.11/site-packages STSSL_SHOT_STEPS=300 \\
        xvfb-run -a -s "-screen 0 1760x1200x24" qgis --profiles-path /tmp/qp --nologo --code scripts/plugin_screenshot.py

* Offscreen, without the QGIS desktop: a canvas, a Layers panel and the dock in one window:

      QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/plugin_screenshot.py [--steps 300] [--out PATH]

Settings can also come from the environment: STSSL_SHOT_OUT, STSSL_SHOT_OUT_ASSESS, STSSL_SHOT_STEPS,
STSSL_SHOT_TILE, STSSL_SHOT_WORK.
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
SAMPLE_REFERENCE = os.path.join(ROOT, "resources", "sample", "raleigh_landcover_reference.tif")
POINTS_PER_CLASS = 30  # validation points drawn per mapped class (before those in labelled tiles are dropped)
# The sample's class codes (PROVENANCE.md) with WorldCover-like colours.
CLASSES = [(1, "developed", (250, 0, 0)), (2, "agriculture", (240, 150, 255)), (3, "herbaceous", (255, 255, 76)),
           (4, "shrubland", (255, 187, 34)), (5, "forest", (0, 100, 0)), (6, "water", (0, 100, 200)),
           (7, "sediment", (180, 180, 180))]


def options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=int(os.environ.get("STSSL_SHOT_STEPS", 300)))
    parser.add_argument("--tile-size", type=int, default=int(os.environ.get("STSSL_SHOT_TILE", 4)))
    parser.add_argument("--out", default=os.environ.get("STSSL_SHOT_OUT", os.path.join(ROOT, "resources", "screenshot.png")))
    parser.add_argument("--out-assess", default=os.environ.get(
        "STSSL_SHOT_OUT_ASSESS", os.path.join(ROOT, "resources", "screenshot_assess.png")))
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

    def __init__(self, args, dock, canvas, grab, done, before_grab=None, resize_dock=None, show_legend=None):
        self.args, self.dock, self.canvas, self.grab, self.done = args, dock, canvas, grab, done
        self.before_grab = before_grab
        self.resize_dock = resize_dock or (lambda width: None)
        self.show_legend = show_legend or (lambda on: None)
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

        dock.controller.jobFinished.connect(self.trained)
        dock.controller.jobFailed.connect(lambda message: self.finish(False, "training failed: " + message))
        print(f"training {self.args.steps} steps; outputs in {self.work}", flush=True)
        if not dock.train():
            self.finish(False, "training did not start: " + " | ".join(i.text() for i in dock.message_bar.items()))

    def trained(self, _result) -> None:
        from qgis.core import QgsProject

        root = QgsProject.instance().layerTreeRoot()
        group = root.findGroups()[0]
        self.land_cover = group.findLayers()[0].layer()
        # The labelled tiles on top of the new land-cover group.
        node = root.findLayer(self.labels.id())
        root.insertChildNode(0, node.clone())
        node.parent().removeChildNode(node)
        self.land_cover.renderer().setOpacity(0.6)  # the image shows through the land-cover map
        self.land_cover.triggerRepaint()
        # The dock starts the suggestions job after every training run ("After training" is on by default).
        if not self.dock.suggest.runner.is_running():
            self.finish(False, "no suggestions job started after training")
            return
        print("training done; waiting for the suggested tiles", flush=True)
        self.dock.suggest.finished.connect(self.suggested)

    def suggested(self, ok: bool) -> None:
        if not ok:
            self.finish(False, "suggestions failed: " + self.dock.suggest.status.text())
            return
        print(self.dock.suggest.status.text(), flush=True)
        try:
            sample = self.validation_sample()
        except Exception as exc:  # noqa: BLE001 - a screenshot script: say what failed and stop
            self.finish(False, f"validation sample failed: {exc}")
            return
        assess = self.dock.assess
        assess.map_combo.setLayer(self.land_cover)
        assess.reference_combo.setLayer(sample)
        assess.field_combo.setField("reference")
        assess.finished.connect(self.assessed)
        if not assess.start():
            self.finish(False, "assessment did not start: " + assess.status.text())

    def validation_sample(self):
        """A stratified random sample of the new map, labelled from the held-out reference raster."""
        from qgis.core import (QgsCoordinateTransform, QgsGeometry, QgsMarkerSymbol, QgsProject, QgsRasterLayer,
                               QgsSingleSymbolRenderer, QgsVectorLayer)

        from spatiotemporal_ssl.core.assessment.sample import create_sample

        project = QgsProject.instance()
        path = os.path.join(self.work, "validation_sample.gpkg")
        if os.path.exists(path):
            os.remove(path)
        map_path = self.land_cover.source().split("|")[0]
        create_sample(map_path, path, per_class=POINTS_PER_CLASS, seed=0)
        layer = QgsVectorLayer(path, "Validation points", "ogr")
        reference = QgsRasterLayer(SAMPLE_REFERENCE, "reference", "gdal")
        if not layer.isValid() or not reference.isValid():
            raise OSError(f"cannot open {path} or {SAMPLE_REFERENCE}")
        to_reference = QgsCoordinateTransform(layer.crs(), reference.crs(), project)
        to_points = QgsCoordinateTransform(self.labels.crs(), layer.crs(), project)
        labelled = []
        for feature in self.labels.getFeatures():
            geometry = QgsGeometry(feature.geometry())
            geometry.transform(to_points)
            labelled.append(geometry)
        labelled_area = QgsGeometry.unaryUnion(labelled)
        field = layer.fields().indexOf("reference")
        values, drop = {}, []
        for feature in layer.getFeatures():
            point = feature.geometry()
            value, found = reference.dataProvider().sample(to_reference.transform(point.asPoint()), 1)
            if not found or int(value) == 0 or labelled_area.intersects(point):
                drop.append(feature.id())
            else:
                values[feature.id()] = {field: int(value)}
        provider = layer.dataProvider()
        if not provider.changeAttributeValues(values) or (drop and not provider.deleteFeatures(drop)):
            raise OSError(f"cannot write the reference labels into {path}")
        layer.reload()
        print(f"validation sample: {len(values)} points ({len(drop)} dropped: in labelled tiles or no reference)",
              flush=True)
        symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": "255,255,255", "size": "1.6",
                                               "outline_color": "0,0,0", "outline_width": "0.3"})
        layer.setRenderer(QgsSingleSymbolRenderer(symbol))
        project.addMapLayer(layer, False)
        project.layerTreeRoot().insertLayer(0, layer)
        project.layerTreeRoot().findLayer(layer.id()).setItemVisibilityChecked(False)  # shown in the second picture
        self.sample = layer
        return layer

    def assessed(self, ok: bool) -> None:
        if not ok:
            self.finish(False, "assessment failed: " + self.dock.assess.status.text())
            return
        print("assessment done", flush=True)
        self.views = [self.training_view, self.assessment_view]
        self.next_view()

    # --- the pictures -----------------------------------------------------------------------------------
    def frame(self, left: float, bottom: float, right: float, top: float) -> None:
        from qgis.core import QgsRectangle

        extent = self.image.extent()
        self.canvas.setExtent(QgsRectangle(
            extent.xMinimum() + left * extent.width(), extent.yMinimum() + bottom * extent.height(),
            extent.xMinimum() + right * extent.width(), extent.yMinimum() + top * extent.height()))

    def show_sections(self, *open_panels) -> None:
        for panel, box in self.dock.sections.items():
            box.setCollapsed(panel not in open_panels)
        self.dock.widget().verticalScrollBar().setValue(0)  # the first open section at the top

    def show_layers(self, **visible) -> None:
        from qgis.core import QgsProject

        root = QgsProject.instance().layerTreeRoot()
        for layer, on in ((self.labels, visible.get("labels", True)), (self.sample, visible.get("sample", False)),
                          (self.dock.suggest.layer(), visible.get("suggestions", True))):
            root.findLayer(layer.id()).setItemVisibilityChecked(on)

    def training_view(self) -> str:
        """Labelling (with the suggestions row) and Train open; the suggested tiles over the land cover."""
        self.show_legend(True)
        self.resize_dock(520)
        self.show_sections(self.dock.labels, self.dock.run)
        self.show_layers()
        self.frame(0.25, 0.20, 0.75, 0.68)
        return self.args.out

    def assessment_view(self) -> str:
        """Accuracy assessment open with its report; the validation points over the land cover."""
        # The report's table lines do not wrap: the dock gets the Layers panel's width (the first picture
        # has the legend).
        self.show_legend(False)
        self.resize_dock(900)
        self.show_sections(self.dock.assess)
        self.show_layers(labels=False, suggestions=False, sample=True)
        self.frame(0.12, 0.12, 0.88, 0.90)
        return self.args.out_assess

    def next_view(self) -> None:
        if not self.views:
            self.finish(True, "done")
            return
        from qgis.PyQt.QtCore import QTimer

        self.current_out = self.views.pop(0)()
        self.canvas.mapCanvasRefreshed.connect(self.rendered)
        QTimer.singleShot(300, self.canvas.refresh)  # after the dock's new width has reached the canvas

    def rendered(self) -> None:
        from qgis.PyQt.QtCore import QTimer

        self.canvas.mapCanvasRefreshed.disconnect(self.rendered)
        self.dock.labels.redraw_grid()
        QTimer.singleShot(1500, self.save)  # let the dock and the legend repaint

    def save(self) -> None:
        if self.before_grab is not None:
            self.before_grab()
        out = self.current_out
        if not self.grab().save(out):
            self.finish(False, f"could not write {out}")
            return
        print(f"wrote {out}", flush=True)
        self.next_view()

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
    layers = window.findChild(QDockWidget, "Layers")
    if layers is not None:
        window.resizeDocks([layers], [310], Qt.Orientation.Horizontal)  # the group names fit

    def resize_dock(width: int) -> None:
        window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)

    def show_legend(on: bool) -> None:
        if layers is not None:
            layers.setVisible(on)
            if on:
                window.resizeDocks([layers], [310], Qt.Orientation.Horizontal)

    resize_dock(500)
    for item in iface.messageBar().items():
        iface.messageBar().popWidget(item)

    def done(ok: bool) -> None:
        QgsProject.instance().setDirty(False)  # no "save changes?" question on the way out
        QTimer.singleShot(500, iface.actionExit().trigger)
        QTimer.singleShot(5000, lambda: QApplication.exit(0 if ok else 1))  # when a question keeps QGIS open

    def before_grab() -> None:
        iface.layerTreeView().expandAll()
        bar = iface.messageBar()
        for item in bar.items():  # the dock says the same, in full; a bar line would be cut off
            bar.popWidget(item)

    shot = Shot(args, dock, iface.mapCanvas(), window.grab, done, before_grab=before_grab, resize_dock=resize_dock,
                show_legend=show_legend)
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
    window.resize(1760, 1200)
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

    shot = Shot(args, dock, canvas, window.grab, done, before_grab=tree.expandAll,
                resize_dock=lambda width: window.resizeDocks([dock], [width], Qt.Orientation.Horizontal),
                show_legend=tree.setVisible)
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
