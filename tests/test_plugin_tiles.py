# SPDX-License-Identifier: GPL-2.0-or-later
"""The tile label tools on a real canvas over the sample raster, and the tile grid they use."""
from __future__ import annotations

import pytest
from conftest import SAMPLE_RASTER, click, mouse_event, show_canvas_on

from qgis.core import QgsCoordinateReferenceSystem, QgsPointXY, QgsRectangle, QgsVectorLayer
from qgis.PyQt.QtCore import Qt



def pixel_centre(layer, row, col):
    extent = layer.extent()
    px = extent.width() / layer.width()
    py = extent.height() / layer.height()
    return QgsPointXY(extent.xMinimum() + (col + 0.5) * px, extent.yMaximum() - (row + 0.5) * py)


def gdal_tile_bounds(row_off, col_off, size):
    """Tile bounds straight from the file's geotransform (GDAL), independent of the plugin's arithmetic."""
    from osgeo import gdal

    ds = gdal.Open(SAMPLE_RASTER)
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    return (x0 + col_off * dx, y0 + (row_off + size) * dy, x0 + (col_off + size) * dx, y0 + row_off * dy)


def reread(path):
    """The label GeoPackage as a fresh reader sees it on disk."""
    layer = QgsVectorLayer(f"{path}|layername=labels", "check", "ogr")
    assert layer.isValid()
    return list(layer.getFeatures())


@pytest.fixture
def labelling(dock, canvas, sample_layer, tmp_path):
    """Dock with the sample raster selected, tile size 8, a fresh label GeoPackage, class 'Tree cover'."""
    show_canvas_on(canvas, sample_layer)
    dock.options.tile_size.setValue(8)
    dock.imagery.select_layer(sample_layer.id())
    path = str(tmp_path / "labels.gpkg")
    dock.labels.create_layer(path)
    dock.classes.set_current_value(10)
    return dock, path


def test_layer_grid_matches_engine_grid(sample_layer):
    """The plugin's grid and core.data.tiling.TileGrid put every tile in the same place."""
    import rasterio
    from spatiotemporal_ssl.core.data.tiling import TileGrid
    from spatiotemporal_ssl.plugin.tile_grid import LayerTileGrid

    grid = LayerTileGrid.from_layer(sample_layer, 16)
    with rasterio.open(SAMPLE_RASTER) as ds:
        engine = TileGrid(ds.width, ds.height, 16, 16)
        transform = ds.transform
    assert (grid.n_rows, grid.n_cols, grid.count) == (engine.n_rows, engine.n_cols, engine.count) == (28, 31, 868)
    rows, cols = engine.origins()
    for row_off, col_off in list(zip(rows, cols))[::37]:
        rect = grid.tile_rect(row_off // 16, col_off // 16)
        expected = engine.tile_bounds(transform, int(row_off), int(col_off))
        assert (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum()) == pytest.approx(expected, abs=1e-6)
    # A pixel and the tile that holds it, both ways.
    centre = pixel_centre(sample_layer, 100, 200)
    assert grid.tile_at(centre.x(), centre.y()) == (6, 12)
    assert engine.tile_at_pixel(100, 200) == (96, 192)
    outside = pixel_centre(sample_layer, -1, 5)
    assert grid.tile_at(outside.x(), outside.y()) is None


def test_click_writes_tile_polygon_of_class_and_extent(labelling, canvas, sample_layer):
    dock, path = labelling
    tool = dock.labels.tile_tool
    dock.labels.tile_button.click()
    assert canvas.mapTool() is tool
    click(tool, canvas, pixel_centre(sample_layer, 100, 200))

    features = reread(path)
    assert len(features) == 1
    feature = features[0]
    assert feature["class_value"] == 10 and feature["class_name"] == "Tree cover"
    box = feature.geometry().boundingBox()
    expected = gdal_tile_bounds(96, 200, 8)
    assert (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()) == pytest.approx(expected, abs=1e-3)
    assert feature.geometry().area() == pytest.approx((8 * 28.5) ** 2, rel=1e-6)
    dock.labels.update_counts()
    assert dock.labels.counts[10] == 1
    assert dock.labels.unlabelled == 56 * 62 - 1  # ceil(443/8) x ceil(489/8) tiles


def test_click_in_other_canvas_crs_lands_on_same_tile(labelling, canvas, sample_layer):
    """The canvas in WGS 84: the click is transformed to the raster's CRS, the tile is still pixel-aligned."""
    from qgis.core import QgsCoordinateTransform, QgsProject

    dock, path = labelling
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    to_wgs84 = QgsCoordinateTransform(sample_layer.crs(), wgs84, QgsProject.instance())
    canvas.setDestinationCrs(wgs84)
    canvas.setExtent(to_wgs84.transformBoundingBox(sample_layer.extent()))
    click(dock.labels.tile_tool, canvas, to_wgs84.transform(pixel_centre(sample_layer, 203, 50)))
    box = reread(path)[0].geometry().boundingBox()
    assert (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()) == pytest.approx(
        gdal_tile_bounds(200, 48, 8), abs=1e-3)


def test_drag_paints_tiles_and_right_click_erases(labelling, canvas, sample_layer):
    dock, path = labelling
    tool = dock.labels.tile_tool
    canvas.setMapTool(tool)
    # Drag along row 100 from column 200 to 239: five tiles of 8 px.
    tool.canvasPressEvent(mouse_event(canvas, "press", pixel_centre(sample_layer, 100, 200)))
    for col in range(200, 240, 2):
        tool.canvasMoveEvent(mouse_event(canvas, "move", pixel_centre(sample_layer, 100, col)))
    tool.canvasReleaseEvent(mouse_event(canvas, "release", pixel_centre(sample_layer, 100, 239)))
    assert len(reread(path)) == 5
    # Painting a labelled tile with another class changes it instead of stacking a second polygon.
    dock.classes.set_current_value(80)
    click(tool, canvas, pixel_centre(sample_layer, 101, 201))
    values = sorted(f["class_value"] for f in reread(path))
    assert values == [10, 10, 10, 10, 80]
    # Right-click erases one tile; Shift + left click erases another.
    click(tool, canvas, pixel_centre(sample_layer, 100, 210), button=Qt.MouseButton.RightButton)
    click(tool, canvas, pixel_centre(sample_layer, 100, 218), modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert sorted(f["class_value"] for f in reread(path)) == [10, 10, 80]


def test_stroke_is_one_undo_step_when_user_is_editing(labelling, canvas, sample_layer):
    """With the layer in edit mode, a drag goes into QGIS's undo stack as one command and Undo removes it."""
    dock, path = labelling
    layer = dock.labels.label_layer()
    layer.startEditing()
    tool = dock.labels.tile_tool
    tool.canvasPressEvent(mouse_event(canvas, "press", pixel_centre(sample_layer, 20, 20)))
    tool.canvasMoveEvent(mouse_event(canvas, "move", pixel_centre(sample_layer, 20, 30)))
    tool.canvasReleaseEvent(mouse_event(canvas, "release", pixel_centre(sample_layer, 20, 30)))
    assert layer.featureCount() == 2 and len(reread(path)) == 0  # still in the edit buffer
    layer.undoStack().undo()
    assert layer.featureCount() == 0
    layer.undoStack().redo()
    assert layer.commitChanges()
    assert len(reread(path)) == 2


def test_polygon_tool_labels_tiles_covered_by_half(labelling, canvas, sample_layer):
    dock, path = labelling
    tool = dock.labels.polygon_tool
    dock.labels.polygon_button.click()
    assert canvas.mapTool() is tool
    dock.classes.set_current_value(80)  # Permanent water bodies
    # A rectangle over pixel rows 16..43 and columns 8..29, with tiles of 8 px: tile rows 2-4 are covered
    # fully and row 5 (40..48) only 3/8; tile columns 1-2 fully and column 3 (24..32) 5/8, so it counts.
    ext = sample_layer.extent()
    px = ext.width() / sample_layer.width()
    py = ext.height() / sample_layer.height()
    canvas.setExtent(QgsRectangle(ext.xMinimum(), ext.yMaximum() - 60 * py, ext.xMinimum() + 60 * px, ext.yMaximum()))
    x0, x1 = ext.xMinimum() + 8 * px, ext.xMinimum() + 29 * px
    y0, y1 = ext.yMaximum() - 43 * py, ext.yMaximum() - 16 * py
    for x, y in ((x0, y1), (x1, y1), (x1, y0), (x0, y0)):
        tool.canvasPressEvent(mouse_event(canvas, "press", QgsPointXY(x, y)))
    tool.canvasPressEvent(mouse_event(canvas, "press", QgsPointXY(x0, y0), button=Qt.MouseButton.RightButton))
    features = reread(path)
    # 3 tile rows x 3 tile columns.
    assert len(features) == 9
    assert {f["class_name"] for f in features} == {"Permanent water bodies"}
    lefts = sorted({round(f.geometry().boundingBox().xMinimum(), 3) for f in features})
    assert lefts == pytest.approx([ext.xMinimum() + c * 8 * px for c in (1, 2, 3)], abs=1e-3)
    dock.labels.update_counts()
    assert dock.labels.counts[80] == 9


def test_polygon_less_than_half_a_tile_labels_nothing(labelling, canvas, sample_layer):
    dock, path = labelling
    tool = dock.labels.polygon_tool
    ext = sample_layer.extent()
    px = ext.width() / sample_layer.width()
    # A 3 x 3 pixel triangle inside one 8 x 8 tile covers 7% of it.
    a = pixel_centre(sample_layer, 50, 50)
    for point in (a, QgsPointXY(a.x() + 3 * px, a.y()), QgsPointXY(a.x(), a.y() - 3 * px)):
        tool.canvasPressEvent(mouse_event(canvas, "press", point))
    assert tool.finish_polygon() == 0
    assert reread(path) == []


def test_grid_is_drawn_only_when_zoomed_in(labelling, canvas, sample_layer):
    dock, _ = labelling
    tool = dock.labels.tile_tool
    canvas.setMapTool(tool)
    dock.options.tile_size.setValue(4)  # 123 x 111 tiles: about 5 screen px each over the whole raster
    canvas.setExtent(sample_layer.extent())
    tool.draw_grid()
    assert tool.grid_line_count() == 0
    centre = pixel_centre(sample_layer, 200, 200)
    ext = sample_layer.extent()
    px = ext.width() / sample_layer.width()
    canvas.setExtent(QgsRectangle(centre.x() - 40 * px, centre.y() - 40 * px, centre.x() + 40 * px, centre.y() + 40 * px))
    tool.draw_grid()
    # 80 px across at 4 px per tile: about 20 vertical and 20 horizontal lines.
    assert 36 <= tool.grid_line_count() <= 46
