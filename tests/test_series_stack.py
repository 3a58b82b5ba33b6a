# SPDX-License-Identifier: GPL-2.0-or-later
"""Several single-date rasters of one place as one time series (core/app/series_stack.py, stssl --series)."""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
import rasterio
import torch

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.modelfile import load_model
from spatiotemporal_ssl.core.app.series_stack import check_series, series_stack
from spatiotemporal_ssl.core.data.dataset import compute_band_stats
from spatiotemporal_ssl.core.data.normalization import normalize_tiles
from spatiotemporal_ssl.core.data.raster import read_block
from spatiotemporal_ssl.core.data.stack import read_stack_layout
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.models.presto_backbone import PrestoBackbone, make_presto_spec

from rasters import utm_transform, write_raster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.normpath(os.path.join(ROOT, "..", "shared", "pretrained", "presto", "default_model.pt"))
SOURCE = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "sits_mato_grosso", "patches.npz"))
needs_shared = pytest.mark.skipif(not (os.path.isfile(WEIGHTS) and os.path.isfile(SOURCE)),
                                  reason="Presto weights or the Mato Grosso samples not found in ../shared")
BANDS = ("B2", "B3", "B4", "B8")
NODATA = -1.0
CLOUD = (slice(0, 2), slice(0, 3))  # the pixels without data on the cloudy date


def _date_raster(path, value: float, cloudy: bool = False, transform=None, bands=BANDS, dtype="float32",
                 descriptions=True) -> str:
    data = np.full((len(bands), 6, 6), value, dtype=dtype)
    data += (np.arange(len(bands), dtype=dtype) * np.asarray(0.01, dtype=dtype))[:, None, None]
    if cloudy:
        data[(slice(None),) + CLOUD] = NODATA
    write_raster(path, data, transform=transform, nodata=NODATA)
    if descriptions:
        with rasterio.open(path, "r+") as ds:
            ds.descriptions = tuple(bands)
    return str(path)


def _series(tmp_path):
    """Three dates (dated by their file names), listed out of order; April is cloudy in the top-left corner."""
    return [_date_raster(tmp_path / "S2_20210510.tif", 0.3), _date_raster(tmp_path / "S2_20210310.tif", 0.1),
            _date_raster(tmp_path / "S2_20210410.tif", 0.2, cloudy=True)]


def test_series_is_one_stack_in_date_order_with_band_names(tmp_path):
    paths = _series(tmp_path)
    with series_stack(paths) as stack:
        assert stack.layout.dates == ("2021-03-10", "2021-04-10", "2021-05-10")
        assert stack.layout.band_names == BANDS and stack.layout.timesteps == 3
        assert [os.path.basename(p) for p in stack.sources] == ["S2_20210310.tif", "S2_20210410.tif",
                                                                 "S2_20210510.tif"]
        assert read_stack_layout(stack.path) == stack.layout  # the stack reader reads the VRT unchanged
        with rasterio.open(stack.path) as ds:
            assert ds.count == 12 and ds.descriptions[4] == "2021-04-10 B2"
            assert ds.crs == rasterio.crs.CRS.from_string("EPSG:32617") and ds.transform == utm_transform()
            values = ds.read()
        assert values[0, 3, 3] == pytest.approx(0.1) and values[11, 3, 3] == pytest.approx(0.33)
        folder = os.path.dirname(stack.path)
    assert not os.path.exists(folder)  # the VRT lives as long as the run that reads it


def test_given_dates_win_over_detected_ones(tmp_path):
    paths = _series(tmp_path)
    with series_stack(paths, ["2022-01-01", "2022-03-01", "2022-02-01"]) as stack:
        assert stack.layout.dates == ("2022-01-01", "2022-02-01", "2022-03-01")
        assert os.path.basename(stack.sources[1]) == "S2_20210410.tif"


def test_a_cloudy_date_is_masked_at_its_timestep_not_zeros(tmp_path):
    with series_stack(_series(tmp_path)) as stack, rasterio.open(stack.path) as ds:
        data, valid = read_block(ds, 0, 0, 6, 6, timesteps=3)
        _, whole_pixel = read_block(ds, 0, 0, 6, 6)  # without timesteps: a pixel needs every band
        stats = compute_band_stats([stack.path], timesteps=3)
    corner = (slice(None),) + CLOUD
    assert valid.all() and not whole_pixel[CLOUD].any() and whole_pixel[3:, 3:].all()
    assert np.isnan(data[4:8][corner]).all()  # April's bands: missing, not 0 or -1
    assert data[0:4][corner] == pytest.approx(np.broadcast_to(data[0:4, 5:6, 5:6], data[0:4][corner].shape))
    assert np.isfinite(data[4:8, 2:, :]).all() and np.isfinite(stats.mean).all()
    assert stats.mean[4] == pytest.approx(0.2)  # April's statistics from April's observed pixels only

    # What Presto receives: April is missing (NaN, masked by the encoder) where it was cloudy, observed elsewhere.
    spec = make_presto_spec(BANDS, 3, stats.mean, stats.std, scaling="reflectance")
    tiles = normalize_tiles(data[None], valid[None], stats)
    x = PrestoBackbone(spec, "student").presto_channels(torch.from_numpy(tiles)).reshape(6, 6, 3, -1)
    b2 = 0  # Presto's channel order starts with the Sentinel-1 bands; find B2 by a finite observed value
    observed = torch.isfinite(x[5, 5, 1])
    assert observed.any()
    b2 = int(torch.nonzero(observed)[0])
    assert torch.isnan(x[0, 0, 1]).all() and torch.isfinite(x[0, 0, 0, b2]) and torch.isfinite(x[5, 5, 1, b2])


def test_an_internal_mask_of_a_date_stays_its_own(tmp_path):
    clear = write_raster(tmp_path / "x_20200101.tif", np.ones((2, 4, 4), np.float32))
    masked = write_raster(tmp_path / "x_20200201.tif", np.full((2, 4, 4), 2.0, np.float32))
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(masked, "r+") as ds:
        mask = np.full((4, 4), 255, np.uint8)
        mask[0, 0] = 0
        ds.write_mask(mask)
    with series_stack([clear, masked]) as stack, rasterio.open(stack.path) as ds:
        assert list(ds.read_masks()[:, 0, 0]) == [255, 255, 0, 0]
        data, valid = read_block(ds, 0, 0, 4, 4, timesteps=2)
    assert valid.all() and list(data[:2, 0, 0]) == [1.0, 1.0] and np.isnan(data[2:, 0, 0]).all()


@pytest.mark.parametrize("change, message", [
    ("grid", "not on the grid of 'S2_20210310.tif'.*gdalwarp -t_srs EPSG:32617 -tr 10 10 -te 500000 3999940 500060 "
             "4000000"),
    ("bands", "has 3 bands, 'S2_20210310.tif' 4"),
    ("dtype", "data type float64, not float32.*-ot Float32"),
    ("date", "have the same date 2021-03-10"),
    ("undated", "has no acquisition date.*--date once per raster"),
])
def test_mismatched_series_rasters_are_clear_errors(tmp_path, change, message):
    first = _date_raster(tmp_path / "S2_20210310.tif", 0.1)
    other = {
        "grid": lambda: _date_raster(tmp_path / "S2_20210410.tif", 0.2, transform=utm_transform(500005.0)),
        "bands": lambda: _date_raster(tmp_path / "S2_20210410.tif", 0.2, bands=BANDS[:3]),
        "dtype": lambda: _date_raster(tmp_path / "S2_20210410.tif", 0.2, dtype="float64"),
        "date": lambda: _date_raster(tmp_path / "copy_2021-03-10.tif", 0.2),
        "undated": lambda: _date_raster(tmp_path / "later.tif", 0.2),
    }[change]()
    with pytest.raises(InputError, match=message):
        check_series([first, other])


def test_series_of_stacks_or_of_one_raster_is_refused(tmp_path):
    one = _date_raster(tmp_path / "S2_20210310.tif", 0.1)
    with pytest.raises(InputError, match="at least two rasters"):
        check_series([one])
    stack = write_raster(tmp_path / "stack.tif", np.ones((2, 3, 3), np.float32))
    with rasterio.open(stack, "r+") as ds:
        ds.descriptions = ("2020-01-01 red", "2020-02-01 red")
    with pytest.raises(InputError, match="already a stack of 2 dates"):
        check_series([one, stack])


def test_predict_refuses_several_rasters_without_series(tmp_path, capsys):
    paths = _series(tmp_path)
    code = cli.main(["predict", str(tmp_path / "m.pt"), *paths[:2], "--out", str(tmp_path / "c.tif")])
    assert code == 2 and "--series" in capsys.readouterr().err


def _split_stack(tmp_path, dates_kept=6):
    """The real Mato Grosso stack as single-date rasters (dated by file name), one date cloudy in a corner."""
    spec = importlib.util.spec_from_file_location("make_stack_sample", os.path.join(ROOT, "scripts",
                                                                                    "make_stack_sample.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = module.make_stack_sample(str(tmp_path / "sample"), side=12, labels_per_class=5)
    layout = read_stack_layout(paths["stack"])
    bands = len(layout.band_names)
    with rasterio.open(paths["stack"]) as src:
        data, profile = src.read(), src.profile
    step = len(layout.dates) // dates_kept
    singles = []
    for k, t in enumerate(range(0, step * dates_kept, step)):
        date_data = data[t * bands:(t + 1) * bands].copy()
        if k == 2:
            date_data[:, :4, :4] = -9999.0  # a cloudy date over 16 pixels
        path = str(tmp_path / f"modis_{layout.dates[t]}.tif")
        with rasterio.open(path, "w", **dict(profile, count=bands, nodata=-9999.0)) as dst:
            dst.write(date_data)
            dst.descriptions = layout.band_names
        singles.append(path)
    return paths, singles[::-1]  # given newest first: the series puts them in date order


@needs_shared
def test_stssl_train_and_predict_on_a_series_with_presto(tmp_path, capsys):
    paths, singles = _split_stack(tmp_path)
    model_path = str(tmp_path / "series.pt")
    assert cli.main(["train", "--series", *singles, "--labels", paths["labels"], "--backbone", "presto",
                     "--tile-size", "1", "--device", "cpu", "--pretrained", WEIGHTS, "--batch-size", "8",
                     "--unlabeled-ratio", "1", "--steps", "4", "--eval-every", "2", "--out", model_path]) == 0
    out = capsys.readouterr().out
    assert "series of 6 dates of bands blue, red, nir, mir" in out
    model = load_model(model_path, device="cpu")
    assert model.presto_spec["timesteps"] == 6 and model.presto_spec["band_names"][:2] == ["blue", "red"]
    assert model.config["provenance"][0]["timestep_dates"][0] < model.config["provenance"][0]["timestep_dates"][1]
    # The stack was a temporary VRT: the model file names the rasters it stacked, in date order.
    sources = model.config["provenance"][0]["series_sources"]
    assert sorted(os.path.basename(p) for p in sources) == sorted(os.path.basename(p) for p in singles)

    classes = str(tmp_path / "classes.tif")
    assert cli.main(["predict", model_path, "--series", *singles, "--out", classes, "--device", "cpu",
                     "--teacher", str(tmp_path / "teacher.tif")]) == 0
    with rasterio.open(classes) as c:
        values = c.read(1)
        assert values.shape == (12, 12)
        assert (values != c.nodata).all()  # the cloudy corner is classified from its other dates
    # Another order of the same dates classifies the same.
    again = str(tmp_path / "again.tif")
    assert cli.main(["predict", model_path, "--series", *singles[::-1], "--out", again, "--device", "cpu"]) == 0
    with rasterio.open(again) as a:
        assert (a.read(1) == values).all()
    capsys.readouterr()
