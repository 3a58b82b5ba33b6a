# SPDX-License-Identifier: GPL-2.0-or-later
"""The maps the dock makes right after training: with a Presto model on the CPU that would take long, training
ends without them and the dock asks, as Predict does, instead of starting an hours-long job unasked."""
from __future__ import annotations

import os

import pytest
from presto_sample import SOURCE, WEIGHTS, make_sample

from qgis.PyQt.QtWidgets import QMessageBox

from spatiotemporal_ssl.core.app import predict_time
from spatiotemporal_ssl.core.params import PredictRequest, RasterInput, TrainOptions, TrainRequest
from spatiotemporal_ssl.plugin.worker import PredictJobSpec, train_and_classify_work


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A Quick map trained by the dock's own training job, with its after-training map asked for, when every
    prediction counts as long."""
    if not (os.path.isfile(WEIGHTS) and os.path.isfile(SOURCE)):
        pytest.skip("Presto weights or the Mato Grosso samples not found in ../shared")
    folder = tmp_path_factory.mktemp("after_training")
    paths = make_sample(folder / "sample")
    model = str(folder / "quick.pt")
    opts = TrainOptions(method="quick", backbone="presto", pretrained=WEIGHTS, tile_size_px=2, val_fraction=0.0,
                        device="cpu")
    request = TrainRequest([RasterInput(paths["stack"])], paths["labels"], None, model, opts, min_coverage=0.25)
    spec = PredictJobSpec(PredictRequest(model_path=model, raster_path=paths["stack"], device="cpu",
                                         out_classes=str(folder / "classes.tif")), "stack")
    patch = pytest.MonkeyPatch()
    patch.setattr(predict_time, "LONG_PREDICTION_S", 0.0)
    patch.setattr(predict_time, "SAMPLE_PIXELS", 40)
    try:
        job = train_and_classify_work(request, [spec])(lambda _p: None, lambda: False)
    finally:
        patch.undo()
    return job, folder


def test_training_ends_without_the_long_maps_and_keeps_them_pending(trained):
    job, folder = trained
    assert job.train_result is not None and os.path.isfile(job.model_path)
    assert job.predictions == [] and not os.path.exists(folder / "classes.tif")
    assert job.long_prediction_s is not None and job.long_prediction_s > 0 and len(job.pending) == 1


@pytest.mark.parametrize("answer, starts", [(QMessageBox.StandardButton.Ok, True),
                                            (QMessageBox.StandardButton.Cancel, False)])
def test_the_dock_asks_and_starts_the_maps_only_when_told(dock, trained, monkeypatch, answer, starts):
    job, _folder = trained
    monkeypatch.setattr(predict_time, "SAMPLE_PIXELS", 40)
    asked, started = [], []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or answer)
    monkeypatch.setattr(dock.controller, "start_prediction", lambda specs, force=False: started.append(specs))
    dock.controller._succeeded(job)
    assert len(asked) == 1 and "will take about" in asked[0]
    assert bool(started) is starts
    if not starts:
        assert "No map yet" in dock.run.status.text()


def test_the_dock_trains_presto_spatiotemporal_ssl_on_a_stack(dock, project, qtbot, tmp_path, monkeypatch):
    """Teacher and student from the pretrained weights, through the dock: the backbone 'auto' picks Presto for the
    23-timestep stack, and the report says so."""
    if not (os.path.isfile(WEIGHTS) and os.path.isfile(SOURCE)):
        pytest.skip("Presto weights or the Mato Grosso samples not found in ../shared")
    from presto_sample import write_label_points

    from qgis.core import (QgsCategorizedSymbolRenderer, QgsMarkerSymbol, QgsRasterLayer, QgsRendererCategory,
                           QgsVectorLayer)

    monkeypatch.setenv("STSSL_PRESTO_WEIGHTS", WEIGHTS)
    paths = make_sample(tmp_path / "sample")
    project.addMapLayer(QgsRasterLayer(paths["stack"], "stack"))
    labels = QgsVectorLayer(write_label_points(paths, str(tmp_path / "points.gpkg")), "points", "ogr")
    colours = ["#006400", "#ffbb22", "#f096ff", "#0064c8"]
    values = sorted({f["label"] for f in labels.getFeatures()})
    labels.setRenderer(QgsCategorizedSymbolRenderer("label", [
        QgsRendererCategory(v, QgsMarkerSymbol.createSimple({"color": c}), f"class {v}") for v, c in zip(values, colours)]))
    project.addMapLayer(labels)
    assert dock.classes.import_from_layer(labels)
    dock.labels.set_label_layer(labels, "label")
    assert dock.options.backbone.currentData() == "auto" and dock.options.teacher.isChecked()
    dock.options.tile_size.setValue(1)
    dock.options.steps.setValue(3)
    dock.options.device.setCurrentIndex(dock.options.device.findData("cpu"))
    dock.options.set_output_dir(str(tmp_path / "out"))
    dock.labels.update_counts()
    with qtbot.waitSignal(dock.controller.jobFinished, timeout=600_000) as finished:
        assert dock.train()
    train = finished.args[0].train_result
    assert train.report["backbone"] == "presto" and train.backbone_choice.automatic
    assert "23-timestep series" in dock.run.report.toPlainText()
