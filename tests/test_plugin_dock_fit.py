# SPDX-License-Identifier: GPL-2.0-or-later
"""The dock at QGIS's default dock width, the active class in sight, and new layers at the top of the tree.

The width tested is 300 px with the test application's font (DejaVu Sans 12 pt at 100 dpi, larger than the
9-11 pt of desktop QGIS), so what fits here fits the desktop.
"""
from __future__ import annotations

import pytest
from conftest import mouse_event, show_canvas_on
from crop_model import sample_labels_layer, write_window

from qgis.core import QgsLayerTreeRegistryBridge, QgsRasterLayer
from qgis.PyQt.QtWidgets import QApplication, QTableWidget, QToolTip

from spatiotemporal_ssl.core.params import ClassSpec

DEFAULT_DOCK_WIDTH = 300


def show_at(dock, width: int = DEFAULT_DOCK_WIDTH, height: int = 1400):
    dock.resize(width, height)
    dock.show()
    for _ in range(3):  # wrapped rows settle in a couple of layout passes
        QApplication.processEvents()


@pytest.fixture
def scene(project, tmp_path):
    layer = QgsRasterLayer(write_window(tmp_path / "raleigh_crop_with_a_rather_long_file_name.tif"),
                           "raleigh_landsat7_2000_crop_with_a_long_layer_name")
    project.addMapLayer(layer)
    return layer


def test_dock_fits_the_default_width(dock, scene, project, tmp_path):
    """§1.4: no part of the dock is wider than the dock, and no column header is cut off."""
    labels = sample_labels_layer(project, tmp_path)
    dock.classes.import_from_layer(labels)
    dock.labels.set_label_layer(labels, "label")
    dock.labels.update_counts()
    show_at(dock)
    scroll = dock.widget()
    assert scroll.horizontalScrollBar().maximum() == 0, "the dock's content is wider than the dock"
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
    tables = dock.findChildren(QTableWidget)
    assert {dock.imagery.table, dock.classes.table, dock.labels.counts_table} <= set(tables)
    for table in tables:
        if not table.isVisible():
            continue
        header = table.horizontalHeader()
        assert header.length() <= table.viewport().width(), table
        for col in range(table.columnCount()):
            text = table.horizontalHeaderItem(col).text()
            if table.isColumnHidden(col) or not text:
                continue
            assert header.fontMetrics().horizontalAdvance(text) + 8 <= header.sectionSize(col), (text, table)
    # The raster's name keeps a useful share of the row; the whole of it is in the tooltip.
    assert dock.imagery.table.columnWidth(0) >= 0.4 * dock.imagery.table.viewport().width()
    assert scene.name() in dock.imagery.table.item(0, 0).toolTip()
    assert dock.labels.counts_table.horizontalHeaderItem(1).text() == "Tiles"


def test_class_list_shows_the_sample_classes_and_scrolls_to_the_selected_one(dock, scene, project, tmp_path):
    labels = sample_labels_layer(project, tmp_path)
    dock.classes.import_from_layer(labels)
    show_at(dock)
    table = dock.classes.table
    for row in range(table.rowCount()):  # all 7 classes of the sample are in sight: none hides under a scroll
        rect = table.visualItemRect(table.item(row, 1))
        assert table.viewport().rect().contains(rect), table.item(row, 1).text()

    # With WorldCover's 11 classes the list scrolls, and the selected class is always the one in sight.
    from spatiotemporal_ssl.plugin.palette import default_palette

    dock.classes.set_palette(default_palette())
    QApplication.processEvents()
    assert table.verticalScrollBar().maximum() > 0
    for value in (100, 10, 95):
        dock.classes.set_current_value(value)
        QApplication.processEvents()
        row = table.currentRow()
        assert table.viewport().rect().contains(table.visualItemRect(table.item(row, 1)))


def test_active_class_is_shown_in_the_dock_on_the_cursor_and_at_the_tile(dock, scene, canvas, project, tmp_path):
    labels = sample_labels_layer(project, tmp_path)
    dock.classes.import_from_layer(labels)
    names = [spec.name for spec in dock.classes.palette()]
    dock.classes.set_current_value(dock.classes.palette()[names.index("water")].value)
    assert "Active class: water" in dock.labels.active_class.text()
    assert "#0064c8" in dock.labels.active_class.text()

    dock.labels.create_layer(str(tmp_path / "tiles.gpkg"))
    dock.options.tile_size.setValue(8)
    show_canvas_on(canvas, scene)
    dock.labels.tile_button.setChecked(True)
    tool = dock.labels.tile_tool
    assert canvas.mapTool() is tool
    # The canvas cursor carries a square of the class colour.
    image = canvas.cursor().pixmap().toImage()
    assert image.pixelColor(24, 24).name() == "#0064c8"
    # Hovering a tile shows what a click paints there.
    canvas.show()
    tool.canvasMoveEvent(mouse_event(canvas, "move", scene.extent().center()))
    assert QToolTip.text() == "Label as: water"
    dock.classes.set_current_value(dock.classes.palette()[names.index("forest")].value)
    assert canvas.cursor().pixmap().toImage().pixelColor(24, 24).name() == "#006400"
    tool.canvasMoveEvent(mouse_event(canvas, "move", scene.extent().center()))
    assert QToolTip.text() == "Label as: forest"


@pytest.fixture
def hidden_group_selected(project):
    """What the desktop does when a hidden group is selected in the Layers panel: new layers go into it.
    The insertion point goes back to the root afterwards (the group dies with the project)."""
    root = project.layerTreeRoot()
    group = root.insertGroup(0, "old results (hidden)")
    group.setItemVisibilityChecked(False)
    bridge = project.layerTreeRegistryBridge()
    bridge.setLayerInsertionPoint(QgsLayerTreeRegistryBridge.InsertionPoint(group, 0))
    yield group
    bridge.setLayerInsertionPoint(QgsLayerTreeRegistryBridge.InsertionPoint(root, 0))


def test_label_layer_goes_to_the_top_of_the_tree_not_into_the_selected_hidden_group(dock, scene, project,
                                                                                      hidden_group_selected):
    """§1.5: the auto-created Labels layer went into a hidden result group, so painted tiles were invisible."""
    group = hidden_group_selected
    dock.labels.tile_button.setChecked(True)  # the first click on a tool creates the label layer
    layer = dock.labels.any_label_layer()
    assert layer is not None
    node = project.layerTreeRoot().findLayer(layer.id())
    assert node.parent() is project.layerTreeRoot()
    assert project.layerTreeRoot().children()[0] is node
    assert node.isVisible() and not group.findLayers()
    dock.labels.tile_button.setChecked(False)


def test_result_groups_go_to_the_top_with_distinct_names(project, tmp_path, hidden_group_selected):
    from spatiotemporal_ssl.core.app.predict import PredictResult
    from spatiotemporal_ssl.plugin.results import add_result_layers
    from spatiotemporal_ssl.core.params import PredictRequest
    from spatiotemporal_ssl.plugin.worker import JobResult, PredictJobSpec

    from osgeo import gdal

    hidden = hidden_group_selected
    classes = str(tmp_path / "classes.tif")
    gdal.Translate(classes, write_window(tmp_path / "src.tif"), bandList=[1])
    prediction = PredictResult(classes_path=classes, confidence_path=None, teacher_path=None, width=200, height=170,
                               resolution="pixel", seconds=1.0, tiles=10)
    job = JobResult(model_path=str(tmp_path / "model_a.pt"), predictions=[prediction],
                    prediction_specs=[PredictJobSpec(PredictRequest(model_path="m.pt", raster_path="x.tif", out_classes=classes),
                                                    layer_name="scene")],
                    model_classes=[ClassSpec(1, "forest", (0, 100, 0))])
    first = add_result_layers(job, project=project)[0]
    second = add_result_layers(job, project=project)[0]
    root = project.layerTreeRoot()
    assert root.children()[:2] == [second, first] and hidden.findLayers() == []
    assert first.parent() is root and first.isVisible() and second.isVisible()
    assert first.name().startswith("Land cover: scene (model_a, ") and second.name() != first.name()

