# SPDX-License-Identifier: GPL-2.0-or-later
"""Whole-raster prediction on small real GeoTIFFs with a tiny stand-in model.

The stand-in has the attributes of :func:`core.app.modelfile.load_model`'s result: a 1x1 convolution and a mean
over the tile give tile-level class probabilities that vary across the raster, and a teacher that also sees
latitude, longitude and day of year. A slow, obvious reference (one tile at a time) defines what the fast
block-wise prediction must produce.
"""
from __future__ import annotations

import json
import math
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import rasterio
import torch
from rasterio.transform import from_origin

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.data.geo import tile_centres_latlon
from spatiotemporal_ssl.core.data.normalization import BandStats, normalize_tiles
from spatiotemporal_ssl.core.params import ClassSpec
from spatiotemporal_ssl.core.app.predict import predict_raster
from spatiotemporal_ssl.core.errors import PredictionCancelled
from spatiotemporal_ssl.core.data.raster import read_block

WIDTH, HEIGHT, BANDS = 70, 53, 3
NODATA = -9999.0
CLASSES = [ClassSpec(1, "Tree cover", (0, 100, 0)), ClassSpec(2, "Water", (0, 100, 200)),
           ClassSpec(4, "Cropland", (240, 150, 255)), ClassSpec(7, "Built-up", (250, 0, 0))]


class FakeModel:
    """Same attributes as a loaded model; records the metadata the networks were given."""

    def __init__(self, band_count: int = BANDS, tile_size_px: int = 8, stride_px: int = 4,
                 has_teacher: bool = False, stats: BandStats = None, student_needs_metadata: bool = False):
        generator = torch.Generator().manual_seed(0)
        self.band_count = band_count
        self.tile_size_px = tile_size_px
        self.stride_px = stride_px
        self.band_stats = stats if stats is not None else BandStats(np.zeros(band_count), np.ones(band_count))
        self.classes = list(CLASSES)
        self.multi_label = False
        self.has_teacher = has_teacher
        self.student_needs_metadata = student_needs_metadata
        self.device = torch.device("cpu")
        self.path = "fake_model.pt"
        self.weight = torch.randn(len(CLASSES), band_count, generator=generator) * 3.0
        self.meta_weight = torch.randn(len(CLASSES), 3, generator=generator)
        self.metadata_seen = {"student": [], "teacher": []}

    def probabilities(self, images, lat=None, lon=None, doy=None, network="student"):
        assert images.dtype == torch.float32 and images.shape[1:] == (self.band_count, self.tile_size_px,
                                                                      self.tile_size_px)
        logits = torch.einsum("kc,bchw->bk", self.weight, images) / images.shape[-1] ** 2
        if network == "teacher" or self.student_needs_metadata:
            self.metadata_seen[network].append((lat.clone(), lon.clone(), doy.clone()))
            meta = torch.stack([lat / 90.0, lon / 180.0, torch.nan_to_num(doy) / 365.0], dim=1)
            logits = logits + 5.0 * meta @ self.meta_weight.T
        else:
            assert lat is None and lon is None and doy is None
        return torch.softmax(logits, dim=1)


def write_raster(path, bands: int = BANDS, with_nodata: bool = True) -> np.ndarray:
    """A UTM raster with smooth structure (so classes form regions), a nodata patch and scattered nodata pixels.

    Returns the validity mask as read_block will report it.
    """
    rng = np.random.default_rng(1)
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    data = np.stack([np.sin(cols / 9.0) + 0.1 * rng.standard_normal((HEIGHT, WIDTH)),
                     np.cos(rows / 7.0) * np.sin(cols / 13.0),
                     rng.standard_normal((HEIGHT, WIDTH)) * 0.3] + [rows / HEIGHT] * (bands - 3)).astype(np.float32)
    valid = np.ones((HEIGHT, WIDTH), dtype=bool)
    if with_nodata:
        valid[20:30, 40:55] = False  # a cloud
        valid[0, 0] = valid[HEIGHT - 1, 5] = valid[11, WIDTH - 1] = False  # stray pixels, some at the edges
        data[:, ~valid] = NODATA
    profile = dict(driver="GTiff", width=WIDTH, height=HEIGHT, count=bands, dtype="float32",
                   crs="EPSG:32633", transform=from_origin(500000.0, 5000000.0, 10.0, 10.0), nodata=NODATA)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    return valid


@pytest.fixture
def scene(tmp_path):
    path = tmp_path / "scene.tif"
    valid = write_raster(path)
    out = tmp_path / "out"
    out.mkdir()
    return str(path), valid, out


def read(path):
    with rasterio.open(path) as ds:
        return ds.read(1)


def reference(model, raster_path, resolution: str, stride: int, network: str = "student", doy: float = math.nan):
    """Average of the probabilities of every tile (one at a time) that covers each output value."""
    tile = model.tile_size_px
    scale = 1 if resolution == "pixel" else stride
    out_h, out_w = -(-HEIGHT // scale), -(-WIDTH // scale)
    sums = np.zeros((len(model.classes), out_h, out_w))
    count = np.zeros((out_h, out_w))
    first = -((tile - 1) // stride)
    with rasterio.open(raster_path) as ds:
        for i in range(first, (HEIGHT - 1) // stride + 1):
            for j in range(first, (WIDTH - 1) // stride + 1):
                data, valid = read_block(ds, i * stride, j * stride, tile, tile)
                if not valid.any():
                    continue
                image = torch.from_numpy(normalize_tiles(data[None], valid[None], model.band_stats))
                kwargs = {}
                if network == "teacher":
                    lat, lon = tile_centres_latlon(ds.transform, ds.crs, [i * stride], [j * stride], tile)
                    kwargs = dict(lat=torch.tensor(lat, dtype=torch.float32),
                                  lon=torch.tensor(lon, dtype=torch.float32),
                                  doy=torch.tensor([doy], dtype=torch.float32))
                probs = model.probabilities(image, network=network, **kwargs)[0].double().numpy()
                if resolution == "pixel":
                    r0, r1 = max(i * stride, 0), min(i * stride + tile, HEIGHT)
                    c0, c1 = max(j * stride, 0), min(j * stride + tile, WIDTH)
                else:  # every stride cell the tile overlaps
                    r0, r1 = max(i, 0), min(i + -(-tile // stride), out_h)
                    c0, c1 = max(j, 0), min(j + -(-tile // stride), out_w)
                sums[:, r0:r1, c0:c1] += probs[:, None, None]
                count[r0:r1, c0:c1] += 1
    mean = sums / np.maximum(count, 1)
    values = np.array([c.value for c in model.classes])
    return values[mean.argmax(axis=0)], mean.max(axis=0), count


@pytest.mark.parametrize("resolution,stride", [("pixel", 4), ("stride", 4), ("pixel", 3), ("stride", 3),
                                               ("pixel", 8)])
def test_matches_tile_by_tile_reference_in_one_block_and_many(scene, resolution, stride):
    raster, valid, out = scene
    model = FakeModel()
    expected_classes, expected_conf, count = reference(model, raster, resolution, stride)
    maps = {}
    for block_px in (4096, 16):
        result = predict_raster(model, raster, str(out / f"c{block_px}.tif"), str(out / f"p{block_px}.tif"),
                                resolution=resolution, stride_px=stride, block_px=block_px, batch_size=37)
        maps[block_px] = read(result.classes_path), read(result.confidence_path)
    (one_c, one_p), (many_c, many_p) = maps[4096], maps[16]
    np.testing.assert_array_equal(one_c, many_c)
    np.testing.assert_allclose(one_p, many_p, atol=1e-5)

    if resolution == "pixel":
        has_data = valid
    else:
        padded = np.zeros((-(-HEIGHT // stride) * stride, -(-WIDTH // stride) * stride), dtype=bool)
        padded[:HEIGHT, :WIDTH] = valid
        has_data = padded.reshape(padded.shape[0] // stride, stride, padded.shape[1] // stride, stride).any(axis=(1, 3))
    assert one_c.shape == has_data.shape
    np.testing.assert_array_equal(one_c, np.where(has_data, expected_classes, 0))
    np.testing.assert_allclose(one_p, np.where(has_data, expected_conf, -1.0), atol=1e-5)
    assert len(np.unique(one_c[has_data])) >= 3  # the map is not one flat class


def test_stride_resolution_grid_is_coarser_and_aligned(scene):
    raster, _, out = scene
    result = predict_raster(FakeModel(), raster, str(out / "c.tif"), resolution="stride", stride_px=4)
    assert (result.width, result.height, result.resolution) == (18, 14, "stride")
    with rasterio.open(raster) as src, rasterio.open(result.classes_path) as ds:
        assert (ds.width, ds.height) == (18, 14)
        assert ds.transform == src.transform @ rasterio.Affine.scale(4, 4)
        assert ds.crs == src.crs


def test_nodata_stays_nodata_and_every_valid_pixel_is_classified(scene):
    raster, valid, out = scene
    result = predict_raster(FakeModel(), raster, str(out / "c.tif"), str(out / "p.tif"))
    classes, conf = read(result.classes_path), read(result.confidence_path)
    np.testing.assert_array_equal(classes == 0, ~valid)
    np.testing.assert_array_equal(conf == -1.0, ~valid)
    # No edge strips: the outermost rows and columns are classified like the interior.
    for edge in (classes[0], classes[-1], classes[:, 0], classes[:, -1]):
        assert np.isin(edge[edge != 0], [1, 2, 4, 7]).all() and (edge != 0).sum() >= len(edge) - 1
    with rasterio.open(result.confidence_path) as ds:
        assert ds.nodata == -1.0 and ds.dtypes[0] == "float32"
    inside = conf[valid]
    assert inside.min() >= 1.0 / len(CLASSES) - 1e-6 and inside.max() <= 1.0


def test_class_map_carries_palette_names_and_style(scene):
    raster, _, out = scene
    result = predict_raster(FakeModel(), raster, str(out / "classes.tif"), str(out / "confidence.tif"))
    with rasterio.open(result.classes_path) as ds:
        assert ds.dtypes[0] == "uint8" and ds.nodata == 0
        assert ds.profile["tiled"] and ds.compression == rasterio.enums.Compression.deflate
        colormap = ds.colormap(1)
        assert colormap[1] == (0, 100, 0, 255) and colormap[7] == (250, 0, 0, 255)
        tags = ds.tags()
        assert json.loads(tags["CLASS_NAMES"]) == {"1": "Tree cover", "2": "Water", "4": "Cropland", "7": "Built-up"}
        assert tags["CLASS_4"] == "Cropland" and tags["NETWORK"] == "student"
    palette = [(e.get("value"), e.get("label"), e.get("color"))
               for e in ET.parse(out / "classes.qml").getroot().iter("paletteEntry")]
    assert palette == [("1", "Tree cover", "#006400"), ("2", "Water", "#0064c8"), ("4", "Cropland", "#f096ff"),
                       ("7", "Built-up", "#fa0000")]
    assert ET.parse(out / "confidence.qml").getroot().find("pipe/rasterrenderer").get("type") == "singlebandpseudocolor"
    assert sorted(os.listdir(out)) == ["classes.qml", "classes.tif", "confidence.qml", "confidence.tif"]


def test_class_values_above_255_use_uint16(scene):
    raster, _, out = scene
    model = FakeModel()
    model.classes = [ClassSpec(100, "a", (1, 2, 3)), ClassSpec(300, "b", (4, 5, 6)),
                     ClassSpec(301, "c", (7, 8, 9)), ClassSpec(302, "d", (9, 9, 9))]
    result = predict_raster(model, raster, str(out / "c.tif"))
    with rasterio.open(result.classes_path) as ds:
        assert ds.dtypes[0] == "uint16" and ds.nodata == 0
        assert set(np.unique(ds.read(1))) <= {0, 100, 300, 301, 302}


def test_band_count_mismatch_names_the_raster(scene):
    raster, _, out = scene
    with pytest.raises(InputError, match=r"model expects 4 bands but raster 'scene.tif' has 3; use a raster"):
        predict_raster(FakeModel(band_count=4), raster, str(out / "c.tif"))
    assert os.listdir(out) == []


def test_existing_output_is_refused_then_replaced_with_overwrite(scene):
    raster, _, out = scene
    classes, conf = out / "c.tif", out / "p.tif"
    conf.write_bytes(b"old")
    with pytest.raises(InputError, match=r"'p.tif' exists"):
        predict_raster(FakeModel(), raster, str(classes), str(conf))
    assert conf.read_bytes() == b"old" and not classes.exists()  # checked before any work
    predict_raster(FakeModel(), raster, str(classes), str(conf), overwrite=True)
    assert read(conf).shape == (HEIGHT, WIDTH)


def test_output_in_missing_folder_is_refused(scene):
    raster, _, out = scene
    with pytest.raises(InputError, match=r"folder .*missing.* does not exist"):
        predict_raster(FakeModel(), raster, str(out / "c.tif"), str(out / "missing" / "p.tif"))
    assert os.listdir(out) == []


def test_output_over_the_input_is_refused(scene):
    raster, _, _ = scene
    with pytest.raises(InputError, match="same file as the input raster"):
        predict_raster(FakeModel(), raster, raster, overwrite=True)


def test_cancel_leaves_no_files(scene):
    raster, _, out = scene
    (out / "c.tif").write_bytes(b"old")
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(PredictionCancelled):
        predict_raster(FakeModel(), raster, str(out / "c.tif"), str(out / "p.tif"), batch_size=16, block_px=32,
                       overwrite=True, should_stop=should_stop)
    assert len(calls) == 4
    assert sorted(os.listdir(out)) == ["c.tif"] and (out / "c.tif").read_bytes() == b"old"


def test_progress_rises_to_one(scene):
    raster, _, out = scene
    seen = []
    result = predict_raster(FakeModel(), raster, str(out / "c.tif"), batch_size=50, block_px=32,
                            progress=seen.append)
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == 1.0 and 0.0 <= seen[0] < 0.5
    assert result.tiles > 0 and result.seconds > 0


def test_teacher_map_needs_a_teacher(scene):
    raster, _, out = scene
    with pytest.raises(InputError, match="no metadata teacher"):
        predict_raster(FakeModel(has_teacher=False), raster, str(out / "c.tif"), out_teacher=str(out / "t.tif"))
    assert os.listdir(out) == []


def test_teacher_map_gets_tile_locations_and_day_of_year(scene):
    raster, valid, out = scene
    model = FakeModel(has_teacher=True)
    result = predict_raster(model, raster, str(out / "c.tif"), out_teacher=str(out / "t.tif"),
                            acquisition_date="2021-06-15", block_px=16)
    lat = torch.cat([t[0] for t in model.metadata_seen["teacher"]])
    lon = torch.cat([t[1] for t in model.metadata_seen["teacher"]])
    doy = torch.cat([t[2] for t in model.metadata_seen["teacher"]])
    # UTM 33N, easting 500 km, northing 5000 km: the central meridian (15 E) at about 45.1 N.
    assert 45.1 < float(lat.min()) < float(lat.max()) < 45.16
    assert 14.99 < float(lon.min()) < float(lon.max()) < 15.01
    assert torch.all(doy == 166.0)
    teacher = read(result.teacher_path)
    expected, _, _ = reference(model, raster, "pixel", 4, network="teacher", doy=166.0)
    np.testing.assert_array_equal(teacher, np.where(valid, expected, 0))
    assert (teacher != read(result.classes_path)).any()  # the metadata changes the map
    with rasterio.open(result.teacher_path) as ds:
        assert ds.tags()["NETWORK"] == "teacher" and ds.tags()["DAY_OF_YEAR"] == "166"
        assert ds.colormap(1)[2] == (0, 100, 200, 255)
    assert os.path.exists(out / "t.qml")


def test_unknown_date_reaches_the_teacher_as_nan(scene):
    raster, _, out = scene
    model = FakeModel(has_teacher=True)
    predict_raster(model, raster, str(out / "c.tif"), out_teacher=str(out / "t.tif"), acquisition_date="unknown")
    assert torch.isnan(torch.cat([t[2] for t in model.metadata_seen["teacher"]])).all()


def test_metadata_as_input_student_gets_location_and_date(scene):
    raster, _, out = scene
    model = FakeModel(student_needs_metadata=True)
    result = predict_raster(model, raster, str(out / "c.tif"), acquisition_date="2021-02-01")
    seen = model.metadata_seen["student"]
    assert sum(len(t[0]) for t in seen) == result.tiles
    assert 45.1 < float(torch.cat([t[0] for t in seen]).min()) and torch.all(torch.cat([t[2] for t in seen]) == 32.0)
    with rasterio.open(result.classes_path) as ds:
        assert ds.tags()["DAY_OF_YEAR"] == "32"
