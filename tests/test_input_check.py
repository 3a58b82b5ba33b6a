# SPDX-License-Identifier: GPL-2.0-or-later
"""Input checks before a map is written: differently scaled rasters are caught (core and `stssl predict`), and a
prediction says how many pixels nodata left unclassified, and in which band."""
from __future__ import annotations

import types

import numpy as np
import pytest
import rasterio
import torch

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.input_check import FAR_SIGMA, compare_with_training
from spatiotemporal_ssl.core.app.predict import check_input_scale, predict_raster
from spatiotemporal_ssl.core.data.dataset import compute_band_stats, sample_raster_pixels
from spatiotemporal_ssl.core.data.normalization import BandStats
from spatiotemporal_ssl.core.params import ClassSpec

from rasters import SAMPLE_IMAGE, write_raster

CROP = (slice(150, 320), slice(150, 350))  # rows, cols of the sample with every class and no nodata


@pytest.fixture(scope="module")
def sample_stats():
    return compute_band_stats([SAMPLE_IMAGE])


@pytest.fixture(scope="module")
def sample_pixels():
    return sample_raster_pixels(SAMPLE_IMAGE, 20_000, np.random.default_rng(0))


def collection2_style(pixels: np.ndarray) -> np.ndarray:
    """The issue's rescaling: the same values as Collection-2-style uint16 (x 100 + 7273)."""
    return (pixels.astype(np.float64) * 100 + 7273).astype(np.uint16)


def test_the_training_scene_itself_passes(sample_pixels, sample_stats):
    check = compare_with_training(sample_pixels, sample_stats, "raleigh.tif")
    assert check.ok and check.sampled == 20_000 and check.message() == ""
    assert all(b.far_fraction < 0.05 for b in check.bands)


def test_rescaled_uint16_sample_is_flagged_in_every_band(sample_pixels, sample_stats):
    check = compare_with_training(collection2_style(sample_pixels), sample_stats, "rescaled.tif",
                                  ["B1", "B2", "B3", "B4", "B5", "B7"])
    assert not check.ok
    assert [b.band for b in check.flagged] == [1, 2, 3, 4, 5, 6]
    text = check.message()
    assert "rescaled.tif" in text and "bands 1 (B1), 2 (B2), 3 (B3), 4 (B4), 5 (B5) and 6 (B7)" in text
    assert "100%" in text and "scaling" in text


def test_only_the_rescaled_band_is_named(sample_pixels, sample_stats):
    pixels = sample_pixels.astype(np.float64).copy()
    pixels[:, 2] = pixels[:, 2] * 100 + 7273
    check = compare_with_training(pixels, sample_stats, "one_band.tif")
    assert [b.band for b in check.flagged] == [3]
    assert "in band 3, most pixels" in check.message()


def test_a_brighter_scene_of_the_same_kind_passes(sample_pixels, sample_stats):
    """Another date or a hazier day shifts the values a little: that is not a scaling problem."""
    check = compare_with_training(sample_pixels * 1.15 + 8, sample_stats, "hazy.tif")
    assert check.ok


def test_threshold_is_most_pixels_far_away():
    stats = BandStats(np.array([0.0]), np.array([1.0]))
    far = FAR_SIGMA + 1
    assert compare_with_training(np.array([[far]] * 4 + [[0.0]] * 6), stats).ok  # 40 % far: passes
    assert not compare_with_training(np.array([[far]] * 6 + [[0.0]] * 4), stats).ok  # 60 % far: flagged
    with pytest.raises(ValueError):
        compare_with_training(np.zeros((3, 2)), stats)


def _write_sample(path, data: np.ndarray, dtype: str) -> str:
    with rasterio.open(SAMPLE_IMAGE) as src:
        profile = src.profile
        window = rasterio.windows.Window(CROP[1].start, CROP[0].start, CROP[1].stop - CROP[1].start,
                                         CROP[0].stop - CROP[0].start)
        profile.update(width=window.width, height=window.height, transform=src.window_transform(window),
                       dtype=dtype, compress="deflate", predictor=1)
        descriptions = src.descriptions
    with rasterio.open(str(path), "w", **profile) as dst:
        dst.write(data.astype(dtype))
        for band, text in enumerate(descriptions, start=1):
            dst.set_band_description(band, text)
    return str(path)


def test_check_reads_a_real_raster(tmp_path, sample_stats):
    with rasterio.open(SAMPLE_IMAGE) as src:
        crop = src.read()[:, CROP[0], CROP[1]]
    same = _write_sample(tmp_path / "same.tif", crop, "uint8")
    rescaled = _write_sample(tmp_path / "rescaled.tif", crop.astype(np.float64) * 100 + 7273, "uint16")
    model = types.SimpleNamespace(band_count=6, band_stats=sample_stats)
    assert check_input_scale(model, same).ok
    check = check_input_scale(model, rescaled)
    assert [b.name for b in check.flagged] == ["B1", "B2", "B3", "B4", "B5", "B7"]


# --- `stssl predict` ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A real model file (3 bands, statistics mean 1, 2, 3 and std 0.5) with an untrained tiny CNN."""
    from spatiotemporal_ssl.core.app.modelfile import save_model
    from spatiotemporal_ssl.core.models.network import LandCoverNet, NetworkConfig

    torch.manual_seed(0)
    student = LandCoverNet(NetworkConfig("cnn", "tiny", in_channels=3, tile_size_px=4, num_classes=3))
    path = str(tmp_path_factory.mktemp("model") / "m.pt")
    classes = [ClassSpec(1, "forest", (0, 100, 0)), ClassSpec(2, "water", (0, 100, 200)),
               ClassSpec(5, "urban", (250, 0, 0))]
    return save_model(path, student=student, teacher=None, classes=classes,
                      band_stats=BandStats(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.5, 0.5])), tile_size_px=4,
                      stride_px=2, encoder=None, multi_label=False, options={}, provenance=[],
                      report={})


def _scene(tmp_path, name: str, scale: float = 1.0, offset: float = 0.0, dtype: str = "float32") -> str:
    rng = np.random.default_rng(3)
    data = np.array([1.0, 2.0, 3.0])[:, None, None] + 0.5 * rng.standard_normal((3, 24, 30))
    return write_raster(tmp_path / name, (data * scale + offset).astype(dtype))


def test_cli_predict_refuses_a_rescaled_raster_without_force(model_file, tmp_path, capsys):
    rescaled = _scene(tmp_path, "rescaled.tif", 100, 7273, "uint16")
    out = tmp_path / "classes.tif"
    assert cli.main(["predict", model_file, rescaled, "--out", str(out), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "rescaled.tif" in err and "far outside the training range" in err and "--force" in err
    assert "normalisation 'per_raster'" in err  # the remedy for a raster of another season
    assert not out.exists()

    assert cli.main(["predict", model_file, rescaled, "--out", str(out), "--device", "cpu", "--force"]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and "bands 1, 2 and 3" in captured.err
    assert out.exists()


def test_cli_predict_of_a_matching_raster_reports_nodata(model_file, tmp_path, capsys):
    path = _scene(tmp_path, "scene.tif")
    with rasterio.open(path, "r+") as ds:
        ds.nodata = -9999.0
        band = ds.read(2)
        band[:4] = -9999.0  # 4 rows of 30 px without data in band 2
        ds.write(band, 2)
    assert cli.main(["predict", model_file, path, "--out", str(tmp_path / "c.tif"), "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err
    assert "nodata: 120 of 720 pixels (16.7%) were left unclassified as nodata; nodata per band: band 2 16.7%" \
        in captured.out


def test_cli_predict_block_px_bounds_memory_and_keeps_the_map(model_file, tmp_path, capsys):
    path = _scene(tmp_path, "scene.tif")
    maps = []
    for block in ("1024", "8"):
        out = tmp_path / f"classes_{block}.tif"
        assert cli.main(["predict", model_file, path, "--out", str(out), "--device", "cpu", "--block-px", block]) == 0
        with rasterio.open(out) as ds:
            maps.append(ds.read(1))
    np.testing.assert_array_equal(maps[0], maps[1])
    assert cli.main(["predict", model_file, path, "--out", str(tmp_path / "x.tif"), "--device", "cpu",
                     "--block-px", "0"]) == 2
    assert "--block-px 512" in capsys.readouterr().err


# --- nodata counted by band in predict_raster ------------------------------------------------------------

class _TinyModel:
    """What predict_raster needs of a loaded model: a fixed linear tile classifier."""

    band_count, tile_size_px, stride_px = 3, 8, 4
    multi_label = has_teacher = student_needs_metadata = False
    device = torch.device("cpu")
    path = "tiny.pt"
    classes = [ClassSpec(1, "a", (0, 0, 0)), ClassSpec(2, "b", (9, 9, 9))]
    band_stats = BandStats(np.zeros(3), np.ones(3))

    def probabilities(self, images, lat=None, lon=None, doy=None, network="student"):
        mean = images.mean(dim=(2, 3))
        return torch.softmax(torch.stack([mean[:, 0], mean[:, 2]], dim=1), dim=1)


@pytest.mark.parametrize("resolution, block_px", [("pixel", 16), ("pixel", 1024), ("stride", 16)])
def test_prediction_counts_nodata_pixels_per_band(tmp_path, resolution, block_px):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3, 30, 40)).astype(np.float32)
    data[1, 0:5, :] = -9999.0  # band 2: a 5-row frame without data (200 px)
    data[0, 10, 10:12] = np.nan  # band 1: two NaN pixels
    data[1, 10, 11] = -9999.0  # one of them also lacks band 2
    path = write_raster(tmp_path / "frame.tif", data, nodata=-9999.0)
    with rasterio.open(path, "r+") as ds:
        ds.set_band_description(2, "B7")
    result = predict_raster(_TinyModel(), path, str(tmp_path / "c.tif"), resolution=resolution, block_px=block_px)
    assert result.pixels == 1200
    assert result.nodata_pixels == 202  # every pixel once, however the raster is cut into blocks
    assert result.nodata_by_band == [2, 201, 0]
    assert result.band_names == ["", "B7", ""]
    assert result.nodata_summary() == ("202 of 1200 pixels (16.8%) were left unclassified as nodata; nodata per band: "
                                       "band 1 0.2%, band 2 (B7) 16.8%")
    if resolution == "pixel":
        with rasterio.open(result.classes_path) as ds:
            assert int((ds.read(1) == ds.nodata).sum()) == result.nodata_pixels
