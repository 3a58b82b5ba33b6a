# SPDX-License-Identifier: GPL-2.0-or-later
"""The dock's "Accuracy assessment" section on real QGIS: choose map, reference and field, click, read."""
from __future__ import annotations

import json
import os

import numpy as np
from conftest import bar_texts
from qgis.core import QgsRasterLayer, QgsVectorLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QFontMetrics

from rasters import pixel_point, to_crs, write_labels, write_raster
from spatiotemporal_ssl.plugin.assess_panel import REPORT_MAX_HEIGHT, REPORT_MIN_HEIGHT


def _inputs(tmp_path, project):
    grid = np.ones((20, 20), dtype=np.uint8)
    grid[10:] = 2
    path = write_raster(tmp_path / "landcover.tif", grid, nodata=0,
                        tags={"CLASS_NAMES": json.dumps({"1": "forest", "2": "water"})})
    points = [pixel_point(r, c) for r in range(0, 20, 3) for c in range(0, 20, 4)]
    truth = ["forest" if r < 10 else "water" for r in range(0, 20, 3) for _ in range(0, 20, 4)]
    truth[0] = "water"  # one disagreement
    ref = write_labels(tmp_path / "truth.gpkg", to_crs(points, "EPSG:32617", "EPSG:3857"), truth, field="truth",
                       crs="EPSG:3857")
    layer = QgsRasterLayer(path, "landcover")
    reference = QgsVectorLayer(ref, "truth")
    assert layer.isValid() and reference.isValid()
    project.addMapLayers([layer, reference])
    return layer, reference, len(points)


def test_assess_section_runs_and_reports(dock, qtbot, tmp_path, project):
    panel = dock.assess
    assert dock.sections[panel].title() == "Accuracy assessment"
    layer, reference, n = _inputs(tmp_path, project)
    panel.map_combo.setLayer(layer)
    panel.reference_combo.setLayer(reference)
    panel.field_combo.setField("truth")
    with qtbot.waitSignal(panel.finished, timeout=30000) as finished:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert finished.args == [True]
    text = panel.report.toPlainText()
    assert f"{n} sample unit(s)" in text and "overall accuracy (area-adjusted)" in text
    assert "forest" in text and "water" in text
    csv_path, html_path = (str(tmp_path / "landcover_accuracy.csv"), str(tmp_path / "landcover_accuracy.html"))
    assert os.path.exists(csv_path) and os.path.exists(html_path)
    assert html_path in panel.status.text()
    # The box grows to show the whole report instead of scrolling it in a few lines.
    lines = panel.report.toPlainText().count("\n") + 1
    needed = lines * QFontMetrics(panel.report.font()).lineSpacing()
    assert panel.report.minimumHeight() >= min(needed, REPORT_MAX_HEIGHT) > REPORT_MIN_HEIGHT

    # Running again writes new files beside the first ones; an existing chosen file is refused.
    with qtbot.waitSignal(panel.finished, timeout=30000):
        panel.start()
    assert os.path.exists(str(tmp_path / "landcover_accuracy_2.html"))
    panel.csv_file.setFilePath(csv_path)
    assert not panel.start()
    assert "exists" in panel.status.text()


def test_assess_section_names_what_is_missing(dock, qtbot, tmp_path, project, message_bar):
    panel = dock.assess
    layer, reference, _ = _inputs(tmp_path, project)
    panel.map_combo.setLayer(layer)
    assert not panel.start()
    assert "Choose the reference layer" in bar_texts(message_bar)[-1]
    panel.reference_combo.setLayer(reference)
    panel.field_combo.setField("fid")
    # A field without the classes: the engine's message reaches the dock, not a traceback.
    with qtbot.waitSignal(panel.finished, timeout=30000) as finished:
        panel.start()
    assert finished.args == [False]
    assert "Traceback" not in panel.status.text() and "truth.gpkg" in panel.status.text()
