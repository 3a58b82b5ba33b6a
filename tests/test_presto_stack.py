# SPDX-License-Identifier: GPL-2.0-or-later
"""Time-series stack rasters (bands grouped by date) with the Presto backbone: layout, train, predict."""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.modelfile import load_model
from spatiotemporal_ssl.core.data.stack import read_stack_layout
from spatiotemporal_ssl.core.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.normpath(os.path.join(ROOT, "..", "shared", "pretrained", "presto", "default_model.pt"))
SOURCE = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "sits_mato_grosso", "patches.npz"))
needs_shared = pytest.mark.skipif(not (os.path.isfile(WEIGHTS) and os.path.isfile(SOURCE)),
                                  reason="Presto weights or the Mato Grosso samples not found in ../shared")


def _raster(path, descriptions, tags=None):
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=len(descriptions), dtype="float32",
                       crs="EPSG:4326", transform=from_origin(-55, -12, 0.01, 0.01)) as dst:
        dst.write(np.full((len(descriptions), 2, 2), 0.1, np.float32))
        for i, d in enumerate(descriptions):
            dst.set_band_description(i + 1, d)
        for band, value in (tags or {}).items():
            dst.update_tags(band, DATE=value)
    return str(path)


def test_stack_layout_from_descriptions_tags_or_given_dates(tmp_path):
    layout = read_stack_layout(_raster(tmp_path / "a.tif", ["2020-01-15 B04", "2020-01-15 B08", "B04_20200215",
                                                            "B08_20200215"]))
    assert layout.band_names == ("B04", "B08") and layout.dates == ("2020-01-15", "2020-02-15")
    tagged = read_stack_layout(_raster(tmp_path / "b.tif", ["red", "nir", "red", "nir"],
                                       {1: "2021-03-01", 2: "2021-03-01", 3: "2021-04-01", 4: "2021-04-01"}))
    assert tagged.band_names == ("red", "nir") and tagged.timesteps == 2
    given = read_stack_layout(_raster(tmp_path / "c.tif", ["red", "nir", "red", "nir"]),
                              timestep_dates=["2021-03-01", "2021-04-01"])
    assert given.band_names == ("red", "nir") and given.source == "given"
    single = read_stack_layout(_raster(tmp_path / "d.tif", ["red", "nir"]), acquisition_date="2021-06-05")
    assert single.dates == ("2021-06-05",) and single.band_names == ("red", "nir")


@pytest.mark.parametrize("descriptions, message", [
    (["2020-01-15 red", "nir", "2020-02-15 red", "2020-02-15 nir"], "no date"),
    (["2020-01-15 red", "2020-01-15 nir", "2020-02-15 red"], "hold 1, 2 bands"),
    (["2020-01-15 red", "2020-01-15 nir", "2020-02-15 nir", "2020-02-15 red"], "same bands in the same order"),
])
def test_stack_layout_errors_say_how_to_fix(tmp_path, descriptions, message):
    with pytest.raises(InputError, match=message):
        read_stack_layout(_raster(tmp_path / "e.tif", descriptions))
    with pytest.raises(InputError, match="whole number"):
        read_stack_layout(_raster(tmp_path / "f.tif", ["a", "b", "c"]), timestep_dates=["2020-01-01", "2020-02-01"])


def _sample(tmp_path):
    spec = importlib.util.spec_from_file_location("make_stack_sample", os.path.join(ROOT, "scripts",
                                                                                    "make_stack_sample.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_stack_sample(str(tmp_path / "sample"), side=12, labels_per_class=5)


@needs_shared
def test_train_and_predict_a_real_stack_with_presto(tmp_path, capsys):
    paths = _sample(tmp_path)
    common = ["--labels", paths["labels"], "--backbone", "presto", "--tile-size", "1", "--device", "cpu",
              "--pretrained", WEIGHTS, "--batch-size", "8", "--eval-every", "10"]
    quick = str(tmp_path / "quick.pt")
    assert cli.main(["train", paths["stack"], *common, "--method", "quick", "--steps", "60", "--out", quick]) == 0
    model = load_model(quick, device="cpu")
    assert model.presto_spec["timesteps"] == 23 and model.presto_spec["band_names"][:2] == ["blue", "red"]
    assert model.config["provenance"][0]["timestep_dates_source"] == "band descriptions"
    out = str(tmp_path / "classes.tif")
    assert cli.main(["predict", quick, paths["stack"], "--out", out, "--device", "cpu"]) == 0
    with rasterio.open(out) as predicted, rasterio.open(paths["truth"]) as truth:
        accuracy = float((predicted.read(1) == truth.read(1)).mean())
    assert accuracy > 0.6  # four land covers from 5 labels each; chance is 0.25

    ssl = str(tmp_path / "ssl.pt")
    assert cli.main(["train", paths["stack"], *common, "--method", "fixmatch", "--metadata", "teacher", "--steps", "3",
                     "--unlabeled-ratio", "1", "--out", ssl]) == 0
    teacher = str(tmp_path / "teacher.tif")
    assert cli.main(["predict", ssl, paths["stack"], "--out", str(tmp_path / "s.tif"), "--teacher", teacher,
                     "--device", "cpu"]) == 0
    with rasterio.open(teacher) as t:
        assert t.read(1).shape == (12, 12) and t.tags()["NETWORK"] == "teacher"
    capsys.readouterr()


@needs_shared
def test_presto_on_a_raster_without_band_roles_is_a_clear_error(tmp_path, capsys):
    paths = _sample(tmp_path)
    with rasterio.open(paths["stack"]) as src:
        data, profile = src.read(), src.profile
    plain = str(tmp_path / "plain.tif")
    with rasterio.open(plain, "w", **dict(profile, count=6)) as dst:
        dst.write(data[:6])  # one timestep, no band descriptions
    code = cli.main(["train", plain, "--labels", paths["labels"], "--backbone", "presto", "--tile-size", "1",
                     "--device", "cpu", "--pretrained", WEIGHTS, "--steps", "2", "--out", str(tmp_path / "m.pt")])
    assert code == 2
    err = capsys.readouterr().err
    assert "band 1 'band1'" in err and "1=B2" in err
