# SPDX-License-Identifier: GPL-2.0-or-later
"""The cheap baseline scored beside every trained model (core/learning/baseline.py), in the report, the command
line and the dock's report."""
from __future__ import annotations

import numpy as np

from rasters import pixel_box, write_labels, write_raster
from synthetic import training_data

from spatiotemporal_ssl.core.app.pipeline import train_model
from spatiotemporal_ssl.core.learning.baseline import STATS_NAME, baseline_report
from spatiotemporal_ssl.core.params import RasterInput, TrainOptions, TrainRequest


def test_the_tile_statistics_probe_separates_separable_tiles_and_says_who_is_better():
    data = training_data(n=120, labeled_per_class=6)
    assert data.val_images.shape[0] > 0
    opts = TrainOptions(backbone="cnn", device="cpu")
    report = baseline_report(opts, data, model_accuracy=0.5)
    assert report["name"] == STATS_NAME and report["accuracy"] > 0.8  # the classes differ in their band means
    assert report["deep_model_better"] is False and report["n_validation"] == data.val_images.shape[0]
    # A tie is not "better": the user is told the cheap model does as well.
    assert baseline_report(opts, data, model_accuracy=report["accuracy"])["deep_model_better"] is False
    assert baseline_report(opts, data, model_accuracy=report["accuracy"] + 0.01)["deep_model_better"] is True
    # Nothing to compare: no validation tiles, or the run was Quick map itself.
    empty = training_data(n=120, labeled_per_class=6)
    empty.val_images, empty.val_targets = empty.val_images[:0], empty.val_targets[:0]
    assert baseline_report(opts, empty, 0.5) is None
    assert baseline_report(TrainOptions(method="quick", backbone="presto"), data, 0.5) is None


def test_a_training_run_reports_backbone_and_baseline_and_the_dock_shows_them(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(100, 5, (3, 48, 48))
    data[:, :, 24:] -= 60
    raster = write_raster(tmp_path / "scene.tif", data.astype(np.float32), tags={"ACQUISITION_DATE": "2021-07-01"})
    west = [pixel_box(r, c, r + 4, c + 4) for r in (0, 8, 16, 24, 32, 40) for c in (0, 8)]
    east = [pixel_box(r, c, r + 4, c + 4) for r in (0, 8, 16, 24, 32, 40) for c in (32, 40)]
    labels = write_labels(tmp_path / "labels.gpkg", west + east, ["bright"] * len(west) + ["dark"] * len(east))
    opts = TrainOptions(steps=4, batch_size=4, unlabeled_ratio=2, eval_every=2, device="cpu", tile_size_px=4)
    result = train_model(TrainRequest([RasterInput(raster)], labels, "class", str(tmp_path / "m.pt"), opts))
    report = result.report
    assert report["backbone"] == "cnn" and report["backbone_choice"]["automatic"] is True
    assert "1 timestep" in report["backbone_choice"]["reason"]
    base = report["baseline"]
    assert base["name"] == STATS_NAME and base["accuracy"] == 1.0  # bright against dark: one band mean suffices
    assert base["model_accuracy"] == report["accuracy"]

    from spatiotemporal_ssl.plugin.results import report_html

    html = report_html(report, "m.pt")
    assert "Backbone" in html and "chosen automatically" in html and "1 timestep" in html
    assert report["normalization"]["mode"] == "per_raster"  # one single-date raster, read by the CNN
    assert "Normalisation" in html and "Each raster by its own statistics" in html
    assert STATS_NAME + ": 100.0%" in html
