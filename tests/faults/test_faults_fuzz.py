# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzzed inputs (hypothesis): random rasters, label geometries, patch sets and model files.

Every outcome must be a success or a clear InputError (ModelFileError for model files); any other exception
is the traceback a user would see, and fails the test. Examples are few (the suite runs in CI) and, under CI,
derandomised so a run is repeatable; locally each run draws new ones.
"""
from __future__ import annotations

import copy
import os
import warnings

import numpy as np
import shapely
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faultkit import patch_set_arrays, record
from rasters import pixel_box, pixel_point, utm_transform, write_labels, write_raster

from spatiotemporal_ssl.core.errors import InputError, ModelFileError

FUZZ = settings(max_examples=int(os.environ.get("STSSL_FUZZ_EXAMPLES", "25")), deadline=None, database=None,
                derandomize=bool(os.environ.get("CI")), print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

RASTER_DTYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64", "complex64", "int64"]


def _outcome(case: str, fn):
    """Run ``fn``; a clear InputError counts as handled. Anything else propagates (and fails)."""
    try:
        fn()
    except InputError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        record(case, "clear")
        return exc
    record(case, "ok")
    return None


@st.composite
def rasters(draw):
    bands = draw(st.sampled_from([6, 6, 6, 1, 3]))
    h, w = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    dtype = draw(st.sampled_from(RASTER_DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if dtype.startswith("complex"):
        data = (rng.normal(size=(bands, h, w)) + 1j).astype(dtype)
    elif dtype.startswith("float"):
        data = rng.normal(100, 50, size=(bands, h, w)).astype(dtype)
        pattern = draw(st.sampled_from(["none", "all", "some", "one-band", "inf"]))
        if pattern == "all":
            data[:] = np.nan
        elif pattern == "some":
            data[:, rng.random((h, w)) < 0.5] = np.nan
        elif pattern == "one-band":
            data[0] = np.nan
        elif pattern == "inf":
            data[:, 0, 0] = np.inf
    else:
        info = np.iinfo(dtype)
        data = rng.integers(max(info.min, -1000), min(info.max, 1000), size=(bands, h, w), endpoint=True).astype(dtype)
    nodata = draw(st.sampled_from([None, 0, "first", "nan"]))
    if nodata == "first":
        nodata = data.flat[0].item() if not dtype.startswith("complex") else None
    elif nodata == "nan":
        nodata = float("nan") if dtype.startswith("float") else None
    crs = draw(st.sampled_from(["EPSG:32617", "EPSG:32617", None]))
    return data, nodata, crs


@FUZZ
@given(raster=rasters(), teacher=st.booleans())
def test_predict_on_random_rasters(raster, teacher, model_file, tmp_path_factory):
    from spatiotemporal_ssl.core.app.predict import predict_raster

    data, nodata, crs = raster
    folder = tmp_path_factory.mktemp("fuzz-predict")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = write_raster(folder / "r.tif", data, crs=crs, nodata=nodata)
    model = _loaded(model_file)
    out = str(folder / "c.tif")

    def run():
        predict_raster(model, path, out, out_teacher=str(folder / "t.tif") if teacher else None, stride_px=4,
                       acquisition_date="2000-06-01")

    error = _outcome("fuzz: predict on a random raster", run)
    if error is None:  # a success writes a complete class map
        import rasterio

        with rasterio.open(out) as ds:
            assert (ds.width, ds.height) == (data.shape[2], data.shape[1])
    else:
        assert not os.path.exists(out)
    assert not [n for n in os.listdir(folder) if ".tmp-" in n]


_MODELS = {}


def _loaded(path):
    from spatiotemporal_ssl.core.app.modelfile import load_model

    if path not in _MODELS:
        _MODELS[path] = load_model(path, "cpu")
    return _MODELS[path]


@FUZZ
@given(raster=rasters(), tile=st.integers(1, 8))
def test_tiling_random_rasters(raster, tile, tmp_path_factory):
    """What `stssl train` does before the first step, on random rasters: tiles, labels and band statistics."""
    from spatiotemporal_ssl.core.data.dataset import build_tileset, compute_band_stats
    from spatiotemporal_ssl.core.params import RasterInput

    data, nodata, crs = raster
    folder = tmp_path_factory.mktemp("fuzz-tiles")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = write_raster(folder / "r.tif", data, crs=crs, nodata=nodata)
    h, w = data.shape[1:]
    labels = write_labels(folder / "l.gpkg", [pixel_box(0, 0, h / 2, w / 2), pixel_box(h / 2, w / 2, h, w)],
                          ["a", "b"])
    location = None if crs else (35.0, -80.0)

    def run():
        rasters_in = [RasterInput(path, "2000-06-01", location)]
        build_tileset(rasters_in, labels, "class", tile, min_coverage=0.3)
        compute_band_stats(rasters_in)

    _outcome("fuzz: tiling a random raster", run)


def _geometries(draw):
    kinds = st.sampled_from(["box", "bowtie", "outside", "point", "line", "empty", "collection", "sliver", "multi",
                             "none", "huge"])
    out = []
    for kind in draw(st.lists(kinds, min_size=1, max_size=5)):
        r, c = draw(st.integers(0, 30)), draw(st.integers(0, 30))
        if kind == "box":
            out.append(pixel_box(r, c, r + draw(st.integers(1, 20)), c + draw(st.integers(1, 20))))
        elif kind == "bowtie":
            t = utm_transform()
            pts = [t @ (c, r), t @ (c + 10, r + 10), t @ (c + 10, r), t @ (c, r + 10)]
            out.append(shapely.Polygon(pts))
        elif kind == "outside":
            out.append(pixel_box(r + 5000, c + 5000, r + 5010, c + 5010))
        elif kind == "point":
            out.append(pixel_point(r, c))
        elif kind == "line":
            out.append(shapely.LineString([pixel_point(r, c), pixel_point(r + 5, c + 5)]))
        elif kind == "empty":
            out.append(shapely.Polygon())
        elif kind == "collection":
            out.append(shapely.GeometryCollection([pixel_box(r, c, r + 4, c + 4), pixel_point(r, c)]))
        elif kind == "sliver":
            t = utm_transform()
            out.append(shapely.Polygon([t @ (c, r), t @ (c + 5, r), t @ (c + 10, r)]))
        elif kind == "multi":
            out.append(shapely.MultiPolygon([pixel_box(r, c, r + 3, c + 3), pixel_box(r + 5, c + 5, r + 9, c + 9)]))
        elif kind == "none":
            out.append(None)
        else:
            out.append(pixel_box(-1000, -1000, 1000, 1000))
    return out


@FUZZ
@given(data=st.data())
def test_random_label_geometries(data, tmp_path_factory):
    from spatiotemporal_ssl.core.data.dataset import build_tileset
    from spatiotemporal_ssl.core.params import RasterInput

    geometries = _geometries(data.draw)
    values = data.draw(st.lists(st.sampled_from(["forest", "water", "3", "", "urban"]), min_size=len(geometries),
                                max_size=len(geometries)))
    folder = tmp_path_factory.mktemp("fuzz-labels")
    raster = write_raster(folder / "r.tif", np.random.default_rng(0).integers(1, 200, (3, 32, 32)).astype(np.uint8))
    try:
        labels = write_labels(folder / "l.gpkg", geometries, values)
    except Exception:  # noqa: BLE001 - some mixes cannot even be written as a GeoPackage; nothing to test
        return
    _outcome("fuzz: random label geometries",
             lambda: build_tileset([RasterInput(raster, "2000-06-01")], labels, "class", 4, min_coverage=0.3))


_KEYS = ["images", "labels", "split", "lat", "lon", "date", "class_names", "diagnostic_labels"]


@st.composite
def patch_sets(draw):
    arrays = patch_set_arrays()
    n = arrays["images"].shape[0]
    for key in draw(st.lists(st.sampled_from(_KEYS), max_size=3, unique=True)):
        action = draw(st.sampled_from(["drop", "dtype", "shape", "values", "length"]))
        if action == "drop":
            arrays.pop(key, None)
        elif action == "dtype":
            dtype = draw(st.sampled_from(["U3", "float32", "int8", "bool", "complex64", "uint64", "float16"]))
            base = arrays.get(key, np.zeros(n))
            try:
                arrays[key] = base.astype(dtype)
            except (ValueError, TypeError):
                arrays[key] = np.zeros(base.shape, dtype=dtype)
        elif action == "shape":
            base = arrays.get(key, np.zeros(n))
            arrays[key] = base.reshape(-1) if base.ndim > 1 else np.stack([base, base], axis=-1)
        elif action == "length":
            arrays[key] = arrays.get(key, np.zeros(n))[:draw(st.integers(0, n - 1))]
        else:
            base = np.asarray(arrays.get(key, np.zeros(n)))
            if base.dtype.kind in "iuf":
                noise = draw(st.sampled_from([np.nan, -7, 99, 1e30, -1e30, 0.5, 3]))
                with np.errstate(all="ignore"):
                    values = base.astype(np.float64)
                    values[draw(st.integers(0, max(0, len(values) - 1)))] = noise
                arrays[key] = values.astype(base.dtype) if base.dtype.kind == "f" else values
            else:
                arrays[key] = np.full(base.shape, draw(st.sampled_from(["", "labeled", "x", "2000-01-01", "test"])))
    return arrays


@FUZZ
@given(arrays=patch_sets())
def test_random_patch_sets(arrays, tmp_path_factory):
    from spatiotemporal_ssl.core.app.evaluate import evaluate_patchset, load_patch_set

    folder = tmp_path_factory.mktemp("fuzz-sets")
    path = str(folder / "set.npz")
    np.savez(path, **arrays)

    def run():
        load_patch_set(path)
        evaluate_patchset(path, method="fixmatch", metadata="teacher", steps=1, device="cpu", batch_size=2,
                          unlabeled_ratio=1, eval_every=1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _outcome("fuzz: random patch set", run)


@FUZZ
@given(data=st.data())
def test_random_bytes_and_truncations_of_model_files(data, model_file, tmp_path_factory):
    from spatiotemporal_ssl.core.app.modelfile import load_model

    good = open(model_file, "rb").read()
    kind = data.draw(st.sampled_from(["truncate", "flip", "random", "splice"]))
    if kind == "truncate":
        blob = good[:data.draw(st.integers(0, len(good) - 1))]
    elif kind == "flip":
        at = data.draw(st.integers(0, len(good) - 64))
        blob = good[:at] + bytes(b ^ data.draw(st.integers(1, 255)) for b in good[at:at + 64]) + good[at + 64:]
    elif kind == "random":
        blob = data.draw(st.binary(min_size=0, max_size=4096))
    else:
        at = data.draw(st.integers(0, len(good)))
        blob = good[:at] + data.draw(st.binary(min_size=1, max_size=256)) + good[at:]
    path = str(tmp_path_factory.mktemp("fuzz-model") / "m.pt")
    with open(path, "wb") as f:
        f.write(blob)

    def run():
        load_model(path, "cpu")

    error = _outcome("fuzz: damaged model file bytes", run)
    assert error is None or isinstance(error, ModelFileError)


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=5),
                    st.lists(st.integers(-1, 300), max_size=4), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                                max_size=2))


def _paths(blob, prefix=()):
    if isinstance(blob, dict):
        for k, v in blob.items():
            if isinstance(v, torch.Tensor):
                continue
            yield prefix + (k,)
            if k not in ("training_state", "provenance", "options", "report"):
                yield from _paths(v, prefix + (k,))
    elif isinstance(blob, list):
        for i, v in enumerate(blob[:3]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


@FUZZ
@given(data=st.data())
def test_random_values_in_model_files(data, model_blob, tmp_path_factory):
    from spatiotemporal_ssl.core.app.modelfile import load_model

    blob = copy.deepcopy(model_blob)
    paths = sorted(set(_paths(blob)), key=repr)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        node = blob
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = data.draw(_VALUES)
        except (KeyError, IndexError, TypeError):
            continue
    path = str(tmp_path_factory.mktemp("fuzz-blob") / "m.pt")
    torch.save(blob, path)
    error = _outcome("fuzz: random values in a model file", lambda: load_model(path, "cpu"))
    assert error is None or isinstance(error, ModelFileError)
