# SPDX-License-Identifier: GPL-2.0-or-later
"""What the dock says and keeps around a run: cancel, the model field, the report, nodata, the scale question,
and the label tools' grid and tile layer."""
from __future__ import annotations

import os

import pytest
from conftest import bar_texts, show_canvas_on
from crop_model import FRAME_WINDOW, sample_labels_layer, train_crop_model, write_rescaled, write_window

from qgis.core import QgsRasterLayer
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QMessageBox

from spatiotemporal_ssl.plugin.label_layer import is_tile_label_layer
from qgis_helpers import tick_raster


@pytest.fixture
def ready_dock(dock, project, tmp_path):
    """The crop ticked, the sample's labels (categorised) as label layer and palette, 4 px tiles, a few steps."""
    scene = QgsRasterLayer(write_window(tmp_path / "raleigh_crop.tif"), "raleigh crop")
    project.addMapLayer(scene)
    labels = sample_labels_layer(project, tmp_path)
    assert dock.classes.import_from_layer(labels)
    dock.labels.set_label_layer(labels, "label")
    dock.options.tile_size.setValue(4)
    dock.options.steps.setValue(6)
    dock.options.batch_size.setValue(16)
    dock.options.device.setCurrentIndex(dock.options.device.findData("cpu"))
    dock.options.set_output_dir(str(tmp_path / "out"))
    dock.labels.update_counts()
    return dock


@pytest.fixture(scope="module")
def crop_model(tmp_path_factory):
    return train_crop_model(tmp_path_factory.mktemp("model"))


def train(dock, qtbot, cancel: bool = False):
    if cancel:
        dock.options.steps.setValue(100_000)

    def on_progress(progress):
        if getattr(progress, "phase", "") == "training":
            dock.run.cancel_button.click()

    with qtbot.waitSignal(dock.controller.jobFinished, timeout=600_000) as finished:
        assert dock.train()
        if cancel:
            dock.controller.job.progress.connect(on_progress)
    return finished.args[0]


def predict(dock, qtbot, layer, signal="jobFinished"):
    dock.run.predict_layer.setLayer(layer)
    with qtbot.waitSignal(getattr(dock.controller, signal), timeout=600_000) as done:
        assert dock.predict()
    return done.args[0]


@pytest.mark.slow
def test_cancel_resets_the_button_and_keeps_the_predict_model(ready_dock, qtbot):
    dock = ready_dock
    first = train(dock, qtbot)
    assert dock.run.model_file.filePath() == first.model_path
    report = dock.run.report.toPlainText()

    cancelled = train(dock, qtbot, cancel=True)
    assert cancelled.cancelled and os.path.exists(cancelled.model_path)
    # The run is over: Cancel is the Cancel button again (idle, so disabled), Train and Predict are enabled.
    assert dock.run.cancel_button.text() == "Cancel" and not dock.run.cancel_button.isEnabled()
    assert dock.run.train_button.isEnabled() and dock.run.predict_button.isEnabled()
    # Predict keeps the model of the finished run, not the cancelled run's checkpoint.
    assert dock.run.model_file.filePath() == first.model_path
    assert "cancelled" in dock.run.report.toPlainText() and dock.run.report.toPlainText() != report


@pytest.mark.slow
def test_predict_replaces_the_report_a_failed_run_keeps_it_and_nodata_is_explained(ready_dock, project, qtbot,
                                                                                   tmp_path):
    dock = ready_dock
    train(dock, qtbot)
    assert "Confusion matrix" in dock.run.report.toPlainText()

    # A failed training run (a ticked raster the engine cannot read: complex values) keeps the last report.
    import numpy as np
    from osgeo import gdal, osr

    complex_path = str(tmp_path / "complex.tif")
    ds = gdal.GetDriverByName("GTiff").Create(complex_path, 40, 40, 6, gdal.GDT_CFloat32)
    ds.SetGeoTransform((634809.0, 28.5, 0.0, 223839.0, 0.0, -28.5))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32119)
    ds.SetProjection(srs.ExportToWkt())
    for band in range(6):
        ds.GetRasterBand(band + 1).WriteArray(np.ones((40, 40), dtype=np.complex64))
    ds = None
    broken = QgsRasterLayer(complex_path, "complex")
    project.addMapLayer(broken)
    tick_raster(dock.imagery, broken.id(), True)
    with qtbot.waitSignal(dock.controller.jobFailed, timeout=600_000):
        assert dock.train()
    assert "Confusion matrix" in dock.run.report.toPlainText() and "Stopped" in dock.run.status.text()
    tick_raster(dock.imagery, broken.id(), False)

    # A failed prediction (a raster of 1 band for a 6-band model) leaves it where it was too.

    one_band = str(tmp_path / "one_band.tif")
    gdal.Translate(one_band, write_window(tmp_path / "src.tif"), bandList=[1])
    one_band_layer = QgsRasterLayer(one_band, "one band")
    project.addMapLayer(one_band_layer)
    message = predict(dock, qtbot, one_band_layer, "jobFailed")
    assert "6 bands" in message
    assert "Confusion matrix" in dock.run.report.toPlainText()

    # Predict on the scene's corner, where band 6 (ETM+ band 7) has a wide nodata frame: the training report is
    # replaced by the prediction's, which says how many pixels nodata left out and in which band.
    corner = QgsRasterLayer(write_window(tmp_path / "corner.tif", FRAME_WINDOW), "corner")
    project.addMapLayer(corner)
    job = predict(dock, qtbot, corner)
    prediction = job.predictions[0]
    assert prediction.nodata_pixels > 0 and prediction.nodata_by_band[5] == max(prediction.nodata_by_band)
    report = dock.run.report.toPlainText()
    assert "Confusion matrix" not in report and "Classified 'corner'" in report
    pct = f"{100.0 * prediction.nodata_pixels / prediction.pixels:.1f} %"
    assert f"{pct} of the pixels ({prediction.nodata_pixels} of 12000)" in report
    assert "most of them in band 6 (B7)" in report
    assert "band 6 (B7)" in dock.run.status.text() and "band 6 (B7)" in " ".join(bar_texts(dock.message_bar))
    assert dock.run.model_label.text() == f"Classified with: {job.model_path}"

    # Long paths in the status do not widen the dock.
    dock.resize(300, 1400)
    dock.show()
    QApplication.processEvents()
    assert dock.widget().horizontalScrollBar().maximum() == 0


def _map_files(folder) -> list:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tif")) if os.path.isdir(folder) else []


@pytest.mark.slow
def test_differently_scaled_raster_is_asked_about_before_its_map_is_written(ready_dock, project, crop_model, qtbot,
                                                                            tmp_path):
    """§1.3: the rescaled scene (x 100 + 7273, uint16) used to come out 100 % one class, without a word."""
    dock = ready_dock
    dock.run.model_file.setFilePath(crop_model)
    rescaled = QgsRasterLayer(write_rescaled(tmp_path / "rescaled.tif"), "rescaled scene")
    project.addMapLayer(rescaled)
    asked = []
    dock.controller.confirm = lambda title, text: asked.append((title, text)) or False
    job = predict(dock, qtbot, rescaled)
    assert len(asked) == 1
    title, text = asked[0]
    assert title == "Classify anyway?" and "rescaled scene" in text
    assert "band 1 (B1)" in text and "band 6 (B7)" in text and "scaling" in text
    assert job.predictions == [] and _map_files(tmp_path / "out") == []  # nothing was written
    assert project.layerTreeRoot().findGroups() == []
    assert "Not classified" in bar_texts(dock.message_bar)[-1] and "Not classified" in dock.run.status.text()

    # "Yes": the map is written after all.
    asked.clear()
    dock.controller.confirm = lambda title, text: asked.append((title, text)) or True
    finished = []
    dock.controller.jobFinished.connect(finished.append)
    dock.run.predict_layer.setLayer(rescaled)
    assert dock.predict()
    qtbot.waitUntil(lambda: bool(finished), timeout=600_000)
    assert len(asked) == 1 and len(finished) == 1 and len(finished[0].predictions) == 1
    assert os.path.exists(finished[0].predictions[0].classes_path)

    # A raster of the training kind is not asked about.
    asked.clear()
    predict(dock, qtbot, project.mapLayersByName("raleigh crop")[0])
    assert asked == []


def test_the_question_is_a_modal_dialog_with_no_as_default(ready_dock, qtbot):
    from spatiotemporal_ssl.plugin.runs import ask_yes_no

    seen = {}

    def answer():
        box = QApplication.activeModalWidget()
        seen.update(title=box.windowTitle(), text=box.text(),
                    default=box.defaultButton() is box.button(QMessageBox.StandardButton.No))
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(50, answer)
    assert ask_yes_no(ready_dock.run, "Classify anyway?", "Raster 'x' does not look like ...")
    assert seen == {"title": "Classify anyway?", "text": "Raster 'x' does not look like ...", "default": True}


def test_tile_grid_can_be_hidden(ready_dock, canvas, project):
    dock = ready_dock
    scene = project.mapLayersByName("raleigh crop")[0]
    dock.options.tile_size.setValue(20)
    show_canvas_on(canvas, scene)
    dock.labels.tile_button.setEnabled(True)
    canvas.setMapTool(dock.labels.tile_tool)
    assert dock.labels.tile_tool.grid_line_count() > 0
    dock.labels.grid_check.setChecked(False)
    assert dock.labels.tile_tool.grid_line_count() == 0
    canvas.refresh()
    dock.labels.grid_check.setChecked(True)
    assert dock.labels.tile_tool.grid_line_count() > 0
    canvas.unsetMapTool(dock.labels.tile_tool)


def test_polygon_layer_becomes_the_editable_tile_layer(ready_dock, project, tmp_path):
    dock = ready_dock
    polygons = dock.labels.any_label_layer()
    assert not is_tile_label_layer(polygons)
    assert not dock.labels.tile_button.isEnabled() and dock.labels.convert_button.isEnabled()
    before = dict(dock.labels.counts)

    layer = dock.labels.convert_to_tile_layer(str(tmp_path / "tiles.gpkg"))
    assert layer is not None and is_tile_label_layer(layer)
    assert dock.labels.any_label_layer() is layer and dock.labels.class_field() == "class_value"
    assert dock.labels.tile_button.isEnabled() and not dock.labels.convert_button.isEnabled()
    assert project.layerTreeRoot().children()[0].layerId() == layer.id()
    # Tile for tile what the polygons labelled (the same rule), now one editable polygon per tile.
    dock.labels.update_counts()
    assert dock.labels.counts == before and sum(before.values()) == layer.featureCount() > 0
    assert polygons.featureCount() > 0 and os.path.exists(polygons.source().split("|")[0])  # the source is kept


@pytest.mark.parametrize("student_rate,expected", [(0.6, "pseudo-labels used 80%, by the student 60%"),
                                                   (None, "pseudo-labels used 80%")])
def test_the_status_shows_the_share_of_pseudo_labels_the_student_learns_from(dock, student_rate, expected):
    """With the student's option 'agreed' it learns from fewer tiles than the teacher's confident ones."""
    from spatiotemporal_ssl.core.learning.trainer import TrainProgress

    dock.run.show_train_progress(TrainProgress(phase="training", step=5, total_steps=10, mask_rate=0.8,
                                               student_mask_rate=student_rate))
    status = dock.run.status.text()
    assert expected in status and ("student" in status) == (student_rate is not None)
