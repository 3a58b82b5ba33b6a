# SPDX-License-Identifier: GPL-2.0-or-later
"""The prediction-time estimate (core.app.predict_time): measured on a sample of the raster, extrapolated to the
prediction's tiles, and printed by `stssl predict` when it is long."""
from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio
from presto_sample import make_sample, needs_shared, train_quick_model

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app import predict_time
from spatiotemporal_ssl.core.app.modelfile import load_model
from spatiotemporal_ssl.core.app.predict import predict_raster
from spatiotemporal_ssl.core.app.predict_time import (estimate_prediction, format_duration, grid_tiles,
                                                      long_prediction_note, stride_alternative)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    folder = tmp_path_factory.mktemp("presto_time")
    paths = make_sample(folder / "sample")
    model_path = train_quick_model(paths, str(folder / "quick.pt"))
    return paths, model_path, load_model(model_path, device="cpu")


def _tiled(path: str, out: str, times: int) -> str:
    """The raster repeated ``times`` x ``times`` (same bands and descriptions): a larger raster of the same pixels."""
    with rasterio.open(path) as src:
        data, profile, descriptions = src.read(), src.profile, src.descriptions
    big = np.tile(data, (1, times, times))
    with rasterio.open(out, "w", **dict(profile, height=big.shape[1], width=big.shape[2])) as dst:
        dst.write(big)
        for i, d in enumerate(descriptions):
            dst.set_band_description(i + 1, d)
    return out


def test_format_duration():
    assert [format_duration(s) for s in (4.2, 600, 3 * 3600 + 20 * 60)] == ["4 s", "10 min", "3 h 20 min"]


@needs_shared
def test_the_estimate_is_measured_and_scales_with_the_raster(quick, tmp_path):
    paths, _, model = quick
    small = estimate_prediction(model, paths["stack"])
    assert math.isfinite(small.seconds) and small.seconds > 0 and small.seconds_per_tile > 0
    assert small.seconds == pytest.approx(small.tiles * small.seconds_per_tile)
    # The tiles are those the prediction classifies (the sample has no nodata, so every tile of the grid).
    result = predict_raster(model, paths["stack"], str(tmp_path / "c.tif"))
    assert small.tiles == result.tiles == grid_tiles(12, 12, 2, 1, "pixel") == 13 * 13
    big = estimate_prediction(model, _tiled(paths["stack"], str(tmp_path / "big.tif"), 4))
    assert big.tiles == grid_tiles(48, 48, 2, 1, "pixel") == 49 * 49
    assert big.seconds > small.seconds  # 14 times the tiles: more than any timing noise between the two runs


@needs_shared
def test_the_stride_alternative_reads_every_pixel_once(quick, tmp_path, monkeypatch):
    paths, _, model = quick
    assert stride_alternative(model) == ("stride", 2)
    faster = estimate_prediction(model, paths["stack"], *stride_alternative(model))
    result = predict_raster(model, paths["stack"], str(tmp_path / "s.tif"), resolution="stride", stride_px=2)
    assert faster.tiles == result.tiles == 6 * 6 and (result.width, result.height) == (6, 6)
    monkeypatch.setattr(predict_time, "SAMPLE_PIXELS", 40)
    note = long_prediction_note(model, paths["stack"], threshold_s=0)
    assert "on the CPU" in note and "--resolution stride --stride 2" in note
    assert long_prediction_note(model, paths["stack"], threshold_s=1e9) is None


@needs_shared
def test_stssl_predict_prints_a_long_estimate(quick, tmp_path, capsys, monkeypatch):
    paths, model_path, _ = quick
    monkeypatch.setattr(predict_time, "LONG_PREDICTION_S", 0.0)
    monkeypatch.setattr(predict_time, "SAMPLE_PIXELS", 40)  # a smaller sample: the same code, a faster test
    assert cli.main(["predict", model_path, paths["stack"], "--out", str(tmp_path / "c.tif"), "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert "stssl: note: this prediction will take about" in err and "--stride 2" in err
