# SPDX-License-Identifier: GPL-2.0-or-later
"""The normalisation "auto" (core/app/scene_normalization.py): single-date rasters read by the CNN are scaled by
their own statistics, so a raster whose values shifted (another season, another calibration) maps as its source
would; Presto, series and tiny scenes keep one scale from the training rasters."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import rasterio

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.backbone_choice import choose_backbone
from spatiotemporal_ssl.core.app.evaluate import evaluate_patchset
from spatiotemporal_ssl.core.app.modelfile import load_model, read_model_blob
from spatiotemporal_ssl.core.app.modelschema import validate_model_blob
from spatiotemporal_ssl.core.app.predict import check_input_scale, predict_raster
from spatiotemporal_ssl.core.app.scene_normalization import (MIN_SCENE_PIXELS, choose_normalization,
                                                             normalize_by_scene)
from spatiotemporal_ssl.core.data.normalization import BandStats, normalize_tiles
from spatiotemporal_ssl.core.errors import InputError, ModelFileError
from spatiotemporal_ssl.core.params import TrainOptions
from spatiotemporal_ssl.core.app.demo import sample_paths

from rasters import sample_tiles

BIG = [MIN_SCENE_PIXELS * 4]


def test_the_rule_scales_single_dates_by_their_own_statistics_and_says_why():
    auto = TrainOptions()
    choice = choose_normalization(auto, "cnn", 1, BIG * 3)
    assert choice.mode == "per_raster" and choice.automatic and "single-date" in choice.reason
    assert choose_normalization(auto, "presto", 1, BIG).mode == "training"
    series = choose_normalization(auto, "cnn", 12, BIG)
    assert series.mode == "training" and "12 timesteps" in series.reason
    # A patch set whose dates are scattered points (Mato Grosso dates: a few pixels a date) has no scenes.
    small = choose_normalization(auto, "cnn", 1, [9, 12, MIN_SCENE_PIXELS * 10])
    assert small.mode == "training" and "12 valid pixels" in small.reason
    for mode in ("training", "per_raster"):
        kept = choose_normalization(dataclasses.replace(auto, normalization=mode), "cnn", 12, [1])
        assert (kept.mode, kept.automatic) == (mode, False)


def test_per_raster_is_refused_for_presto_and_keeps_auto_on_the_cnn():
    with pytest.raises(InputError, match="normalization 'per_raster' is for the CNN"):
        TrainOptions(backbone="presto", normalization="per_raster").validate()
    with pytest.raises(InputError, match="Normalisation 'per_raster'"):
        TrainOptions(method="quick", normalization="per_raster").validate("label")
    choice = choose_backbone(["nir", "ndvi"], 23, TrainOptions(normalization="per_raster"), False)
    assert choice.backbone == "cnn" and "per_raster" in choice.reason


def _tiles(rng, n=80, bands=2, side=4):
    images = rng.normal(size=(n, bands, side, side)).astype(np.float32) + np.arange(bands)[None, :, None, None]
    return images, np.ones((n, side, side), dtype=bool)


def test_each_scene_is_scaled_by_its_own_statistics_so_a_shifted_scene_reads_the_same():
    rng = np.random.default_rng(0)
    images, valid = _tiles(rng)
    shifted = images * np.array([3.0, 0.5], dtype=np.float32)[None, :, None, None] + 50.0
    both = np.concatenate([images, shifted])
    scenes = np.array(["summer"] * 80 + ["winter"] * 80)
    fallback = BandStats(np.zeros(2), np.ones(2))
    out, small = normalize_by_scene(both, np.concatenate([valid, valid]), scenes, fallback, seed=0)
    assert small == 0
    np.testing.assert_allclose(out[80:], out[:80], atol=1e-4)
    one_scale = normalize_tiles(both, np.concatenate([valid, valid]), fallback)
    assert np.abs(one_scale[80:] - one_scale[:80]).mean() > 10  # what the training scale makes of the shift
    # A scene of a few pixels keeps the fallback scale, and is counted.
    tiny_scene = np.array(["summer"] * 159 + ["cloudy"])
    out, small = normalize_by_scene(both, np.concatenate([valid, valid]), tiny_scene, fallback, seed=0)
    assert small == 1
    np.testing.assert_allclose(out[159], normalize_tiles(both[159:], valid[:1], fallback)[0])


def _shifted_copy(src_path, dst_path, scale=2.0, offset=300.0):
    with rasterio.open(src_path) as src:
        profile = src.profile
        data = src.read(masked=True).astype(np.float32)
    profile.update(dtype="float32", nodata=-9999.0)
    with rasterio.open(dst_path, "w", **profile) as dst:
        dst.write(np.ma.filled(data * scale + offset, -9999.0).astype(np.float32))
        dst.descriptions = tuple(f"band {i + 1}" for i in range(data.shape[0]))
    return str(dst_path)


def _train(tmp_path, name, *extra):
    p = sample_paths()
    out = str(tmp_path / f"{name}.pt")
    argv = ["train", p["image"], "--labels", p["labels"], "--class-field", "label", "--out", out, "--steps", "60",
            "--tile-size", "4", "--device", "cpu", "--method", "supervised", "--metadata", "none", *extra]
    assert cli.main(argv) == 0
    return out


def _map(model_path, raster, out):
    predict_raster(load_model(model_path, device="cpu"), raster, str(out), resolution="stride")
    with rasterio.open(out) as ds:
        return ds.read(1)


def test_a_per_raster_model_maps_a_shifted_raster_as_its_source_and_one_scale_does_not(tmp_path, capsys):
    image = sample_paths()["image"]
    shifted = _shifted_copy(image, tmp_path / "shifted.tif")
    auto = _train(tmp_path, "auto")
    assert "normalisation: each raster scaled by its own statistics" in capsys.readouterr().out
    blob = read_model_blob(auto)
    assert blob["config"]["normalization"]["mode"] == "per_raster"
    assert blob["config"]["report"]["normalization"]["automatic"] is True
    same = (_map(auto, image, tmp_path / "a.tif") == _map(auto, shifted, tmp_path / "b.tif")).mean()
    assert same > 0.99
    # The shifted raster is far outside the training range, which only matters to a one-scale model.
    assert check_input_scale(load_model(auto, device="cpu"), shifted).ok
    fixed = _train(tmp_path, "fixed", "--normalization", "training")
    assert read_model_blob(fixed)["config"]["normalization"]["mode"] == "training"
    assert not check_input_scale(load_model(fixed, device="cpu"), shifted).ok
    moved = (_map(fixed, image, tmp_path / "c.tif") == _map(fixed, shifted, tmp_path / "d.tif")).mean()
    assert moved < 0.9


def test_a_model_file_with_an_unknown_normalisation_is_refused(tmp_path):
    path = _train(tmp_path, "m", "--steps", "2")
    blob = read_model_blob(path)
    blob["config"]["normalization"] = {"mode": "per_planet"}
    with pytest.raises(ModelFileError, match="config.normalization"):
        validate_model_blob(blob, "m.pt")


def _dated_patch_set(path, scale_test: float, offset_test: float, seed: int = 0):
    """4 x 4 tiles of the bundled sample: training tiles dated in June, test tiles in January with their values
    moved by ``scale_test`` and ``offset_test`` (a season's shift of every band)."""
    tiles, y, _ = sample_tiles(4)
    rng = np.random.default_rng(seed)
    split = np.array(["unlabeled"] * len(y), dtype="<U9")
    order = rng.permutation(len(y))
    split[order[: len(y) // 3]] = "test"
    for c in range(3):
        split[[i for i in order[len(y) // 3:] if y[i] == c][:10]] = "labeled"
    test = split == "test"
    tiles[test] = tiles[test] * scale_test + offset_test
    n = len(y)
    np.savez(path, images=tiles, labels=np.where(split == "unlabeled", -1, y), split=split,
             lat=np.full(n, 35.8), lon=np.full(n, -78.7), date=np.where(test, "2002-01-15", "2002-06-15"),
             class_names=np.array(["developed", "herbaceous", "forest"]))
    return str(path)


def test_evaluate_treats_each_date_as_a_scene(tmp_path):
    path = _dated_patch_set(tmp_path / "set.npz", 0.3, 120.0)
    common = dict(method="supervised", metadata="none", steps=60, device="cpu", val_fraction=0.0)
    auto = evaluate_patchset(path, **common)
    fixed = evaluate_patchset(path, normalization="training", **common)
    assert auto["normalization"]["mode"] == "per_raster" and auto["normalization"]["scenes"] == 2
    assert fixed["normalization"]["mode"] == "training"
    # On the unshifted set both reach about 0.6; shifted, one scale calls nearly every test tile one class.
    assert auto["balanced_accuracy"] > 0.5 and fixed["balanced_accuracy"] < 0.4
    assert auto["accuracy"] > fixed["accuracy"] + 0.3


def test_a_scene_with_training_tiles_is_scaled_by_them_and_a_test_only_scene_by_its_own_pixels():
    rng = np.random.default_rng(1)
    images, valid = _tiles(rng, n=200)
    images[120:] += 100.0  # test tiles of the same scene that look different: they must not move its scale
    fit = np.arange(200) < 120
    fallback = BandStats(np.zeros(2), np.ones(2))
    out, _ = normalize_by_scene(images, valid, np.array(["one"] * 200), fallback, seed=0, fit=fit)
    assert abs(out[:120].mean()) < 0.1 and out[120:].mean() > 20
    alone, small = normalize_by_scene(images[120:], valid[120:], np.array(["later"] * 80), fallback, seed=0,
                                      fit=np.zeros(80, bool))
    assert small == 0 and abs(alone.mean()) < 0.1  # 80 tiles x 16 px: enough on their own
