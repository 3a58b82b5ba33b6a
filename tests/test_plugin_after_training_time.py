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
