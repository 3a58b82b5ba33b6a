# SPDX-License-Identifier: GPL-2.0-or-later
"""The Imagery list: raster layers of the project, their CRS and detected dates, kept up to date."""
from __future__ import annotations

import shutil

from conftest import SAMPLE_RASTER

from qgis.core import QgsRasterLayer, QgsVectorLayer
from qgis.PyQt.QtCore import Qt

from spatiotemporal_ssl.plugin.imagery_panel import COL_CRS, COL_DATE, COL_LAYER, COL_SOURCE


def rows(dock):
    table = dock.imagery.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_lists_rasters_with_detected_dates(dock, project, sample_layer, tmp_path):
    # The same scene under a Landsat product id: the date comes from the name.
    dated = tmp_path / "LE07_L1TP_016035_20000423_20170210_01_T1.tif"
    shutil.copy(SAMPLE_RASTER, dated)
    project.addMapLayer(QgsRasterLayer(str(dated), "dated scene"))
    project.addMapLayer(QgsVectorLayer("Point?crs=EPSG:4326", "points", "memory"))  # not a raster: not listed

    listed = {row[COL_LAYER]: row for row in rows(dock)}
    assert set(listed) == {"raleigh", "dated scene"}
    assert listed["dated scene"][COL_DATE] == "2000-04-23"
    assert listed["dated scene"][COL_SOURCE] == "filename:landsat"
    assert listed["raleigh"][COL_DATE] == "unknown"  # the sample's day is not documented: never invented
    assert listed["raleigh"][COL_CRS].startswith("EPSG:32119")
    inputs = {r.path: r.acquisition_date for r in dock.imagery.raster_inputs()}
    assert inputs == {SAMPLE_RASTER: "unknown", str(dated): "2000-04-23"}


def test_list_follows_layers_added_and_removed(dock, project, sample_layer, tmp_path):
    assert [r[COL_LAYER] for r in rows(dock)] == ["raleigh"]
    copy = tmp_path / "scene_20210704.tif"
    shutil.copy(SAMPLE_RASTER, copy)
    layer = QgsRasterLayer(str(copy), "july")
    project.addMapLayer(layer)
    assert sorted(r[COL_LAYER] for r in rows(dock)) == ["july", "raleigh"]
    project.removeMapLayer(sample_layer.id())
    assert [r[COL_LAYER] for r in rows(dock)] == ["july"]
    assert rows(dock)[0][COL_DATE] == "2021-07-04"


def test_date_is_editable_and_bad_dates_are_refused(dock, sample_layer):
    table = dock.imagery.table
    table.item(0, COL_DATE).setText("2000-05-02")
    assert dock.imagery.date_for(sample_layer.id()) == "2000-05-02"
    assert rows(dock)[0][COL_SOURCE] == "entered"
    table.item(0, COL_DATE).setText("2000-13-45")  # refused: the previous date stays
    assert dock.imagery.date_for(sample_layer.id()) == "2000-05-02"
    assert "2000-13-45" in table.item(0, COL_DATE).toolTip()
    table.item(0, COL_DATE).setText("unknown")  # legal
    assert dock.imagery.date_for(sample_layer.id()) == "unknown"


def test_unticked_rasters_are_not_trained_on(dock, sample_layer):
    item = dock.imagery.table.item(0, COL_LAYER)
    assert item.checkState() == Qt.CheckState.Checked
    item.setCheckState(Qt.CheckState.Unchecked)
    assert dock.imagery.checked_layers() == []
    assert dock.imagery.raster_inputs() == []
