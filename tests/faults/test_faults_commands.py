# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad inputs to `stssl train` and `stssl predict`: each gets exit status 2 and a message that names the input,
no traceback, and leaves every file as it was. The reproductions of issue 14, and the existing bad-input cases."""
from __future__ import annotations

import os
import shutil

import pytest

from faultkit import SAMPLE_LABELS, crop_sample, expect_refusal, file_digest, record, run_cli

TRAIN_FAST = ["--steps", "1", "--batch-size", "4", "--unlabeled-ratio", "1", "--tile-size", "4", "--device", "cpu"]


@pytest.fixture
def work(tmp_path, scene, model_file):
    """A folder with copies of the scene, the labels and the model, which a faulty command could destroy."""
    paths = {"scene": str(tmp_path / "scene.tif"), "labels": str(tmp_path / "labels.gpkg"),
             "model": str(tmp_path / "model.pt"), "tmp": str(tmp_path)}
    shutil.copy(scene, paths["scene"])
    shutil.copy(SAMPLE_LABELS, paths["labels"])
    shutil.copy(model_file, paths["model"])
    os.chmod(paths["model"], 0o644)
    return paths


def _fmt(argv, paths):
    return [a.format(**paths) for a in argv]


TRAIN_CASES = [
    # (id, argv after 'train {scene} --labels {labels}', names in the message)
    ("out-on-proc", ["--class-field", "label", "--out", "/proc/x.pt"], ["x.pt", "/proc"]),
    ("out-on-sys", ["--class-field", "label", "--out", "/sys/x.pt"], ["x.pt", "/sys"]),
    ("out-is-the-raster", ["--class-field", "label", "--out", "{scene}", "--overwrite"], ["scene.tif", "training raster"]),
    ("out-is-the-labels", ["--class-field", "label", "--out", "{labels}", "--overwrite"], ["labels.gpkg", "label file"]),
    ("out-exists", ["--class-field", "label", "--out", "{model}"], ["model.pt", "--overwrite"]),
    ("out-folder-missing", ["--class-field", "label", "--out", "/nonexistent-dir/m.pt"], ["nonexistent-dir"]),
    ("out-is-a-folder", ["--class-field", "label", "--out", "{tmp}"], ["folder"]),
    ("lat-without-lon", ["--class-field", "label", "--out", "{tmp}/m.pt", "--lat", "35.8"], ["--lat", "--lon"]),
    ("lon-without-lat", ["--class-field", "label", "--out", "{tmp}/m.pt", "--lon", "-78"], ["--lon", "--lat"]),
    ("lat-out-of-range", ["--class-field", "label", "--out", "{tmp}/m.pt", "--lat", "135", "--lon", "0"], ["135", "latitude"]),
    ("class-field-missing", ["--class-field", "nope", "--out", "{tmp}/m.pt"], ["nope", "labels.gpkg"]),
    ("bad-date", ["--class-field", "label", "--out", "{tmp}/m.pt", "--date", "2000-13-40"], ["2000-13-40"]),
    ("too-many-dates", ["--class-field", "label", "--out", "{tmp}/m.pt", "--date", "2000-01-01", "--date", "2000-02-01"],
     ["--date"]),
    ("tile-larger-than-raster", ["--class-field", "label", "--out", "{tmp}/m.pt", "--tile-size", "600"], ["larger than raster"]),
    ("resume-missing", ["--class-field", "label", "--out", "{tmp}/m.pt", "--resume", "{tmp}/none.pt"], ["none.pt"]),
    ("init-weights-missing", ["--class-field", "label", "--out", "{tmp}/m.pt", "--init-weights", "{tmp}/w.pt"], ["w.pt"]),
]


@pytest.mark.parametrize("case,argv,names", TRAIN_CASES, ids=[c[0] for c in TRAIN_CASES])
def test_train_refuses_before_work(work, capsys, case, argv, names):
    argv = ["train", "{scene}", "--labels", "{labels}", *TRAIN_FAST, *argv]
    expect_refusal(f"train {case}", _fmt(argv, work), capsys, _fmt(names, work), watch=[work["tmp"]])


def test_train_output_on_proc_is_refused_before_tiling(work, capsys):
    """os.access says yes to root on /proc; the folder is now probed by writing, so the refusal comes before the
    raster is even read (no 'tiling' progress, no training)."""
    result = expect_refusal("train out-on-proc, before tiling", _fmt(
        ["train", "{scene}", "--labels", "{labels}", "--class-field", "label", "--out", "/proc/x.pt", *TRAIN_FAST],
        work), capsys, ["/proc"], watch=[work["tmp"]])
    assert "train [" not in result.err and "does not accept new files" in result.err


def test_train_all_nan_raster_says_it_has_no_valid_pixels(work, capsys, tmp_path):
    nan = crop_sample(str(tmp_path / "nan.tif"), dtype="float32", fill=float("nan"), nodata=None)
    result = expect_refusal("train all-NaN raster", ["train", nan, "--labels", work["labels"], "--class-field", "label",
                                                     "--out", str(tmp_path / "m.pt"), *TRAIN_FAST],
                            capsys, ["nan.tif"], words=["has no valid pixels"], watch=[work["tmp"]])
    assert "min_coverage" not in result.err  # the old, wrong advice


def test_train_all_nodata_raster_says_it_has_no_valid_pixels(work, capsys, tmp_path):
    zero = crop_sample(str(tmp_path / "zeros.tif"), fill=0)  # the sample's nodata is 0
    expect_refusal("train all-nodata raster", ["train", zero, "--labels", work["labels"], "--class-field", "label",
                                               "--out", str(tmp_path / "m.pt"), *TRAIN_FAST],
                   capsys, ["zeros.tif"], words=["has no valid pixels", "nodata (0)"], watch=[work["tmp"]])


def test_raster_without_geotransform_given_lat_lon_gets_a_precise_message(work, capsys, tmp_path):
    bare = crop_sample(str(tmp_path / "bare.tif"), georeferenced=False)
    expect_refusal("train no geotransform + --lat/--lon", [
        "train", bare, "--labels", work["labels"], "--class-field", "label", "--out", str(tmp_path / "m.pt"),
        "--lat", "35.8", "--lon", "-78.6", *TRAIN_FAST], capsys, ["bare.tif", "labels.gpkg"],
        words=["no georeferencing", "Georeferencer"], watch=[work["tmp"]])


def test_raster_without_crs_names_lat_lon(work, capsys, tmp_path):
    bare = crop_sample(str(tmp_path / "nocrs.tif"), crs=False)
    expect_refusal("train no CRS", ["train", bare, "--labels", work["labels"], "--class-field", "label",
                                    "--out", str(tmp_path / "m.pt"), *TRAIN_FAST],
                   capsys, ["nocrs.tif"], words=["--lat", "--lon"], watch=[work["tmp"]])


# --------------------------------------------------------------------------------------------------- predict

PREDICT_CASES = [
    ("out-is-the-model", ["{model}", "{scene}", "--out", "{model}", "--overwrite"], ["model.pt", "model file"]),
    ("confidence-is-the-model", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--confidence", "{model}", "--overwrite"],
     ["model.pt", "model file"]),
    ("teacher-is-the-model", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--teacher", "{model}", "--overwrite"],
     ["model.pt", "model file"]),
    ("out-is-the-raster", ["{model}", "{scene}", "--out", "{scene}", "--overwrite"], ["scene.tif", "input raster"]),
    ("two-outputs-one-file", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--confidence", "{tmp}/c.tif"], ["c.tif"]),
    ("out-on-proc", ["{model}", "{scene}", "--out", "/proc/c.tif"], ["c.tif", "/proc"]),
    ("out-exists", ["{model}", "{scene}", "--out", "{labels}"], ["labels.gpkg", "--overwrite"]),
    ("model-missing", ["{tmp}/missing.pt", "{scene}", "--out", "{tmp}/c.tif"], ["missing.pt", "does not exist"]),
    ("model-is-a-folder", ["{tmp}", "{scene}", "--out", "{tmp}/c.tif"], ["folder"]),
    ("raster-missing", ["{model}", "{tmp}/none.tif", "--out", "{tmp}/c.tif"], ["none.tif"]),
    ("raster-is-the-labels", ["{model}", "{labels}", "--out", "{tmp}/c.tif"], ["labels.gpkg"]),
    ("stride-larger-than-tile", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--stride", "9"], ["stride", "9"]),
    ("stride-zero", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--stride", "0"], ["stride"]),
    ("batch-size-zero", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--batch-size", "0"], ["batch_size"]),
    ("lon-without-lat", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--teacher", "{tmp}/t.tif", "--lon", "-78"],
     ["--lon", "--lat"]),
    ("lat-out-of-range", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--teacher", "{tmp}/t.tif", "--lat", "95",
                          "--lon", "0"], ["scene.tif", "latitude"]),
    ("bad-date", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--teacher", "{tmp}/t.tif", "--date", "June"],
     ["June"]),
    ("device-cuda-without-gpu", ["{model}", "{scene}", "--out", "{tmp}/c.tif", "--device", "cuda:7"], ["cuda"]),
]


@pytest.mark.parametrize("case,argv,names", PREDICT_CASES, ids=[c[0] for c in PREDICT_CASES])
def test_predict_refuses_before_work(work, capsys, case, argv, names):
    if case == "device-cuda-without-gpu":
        import torch

        if torch.cuda.is_available() and torch.cuda.device_count() > 7:
            pytest.skip("this machine has a cuda:7")
    expect_refusal(f"predict {case}", _fmt(["predict", *argv], work), capsys, _fmt(names, work), watch=[work["tmp"]])


def test_predict_out_model_overwrite_keeps_the_model(work, capsys):
    """Issue 14, data loss 5: `predict --out model.pt --overwrite` used to replace the model with a GeoTIFF."""
    before = file_digest(work["model"])
    expect_refusal("predict --out model.pt --overwrite (model kept)", _fmt(
        ["predict", "{model}", "{scene}", "--out", "{model}", "--overwrite"], work), capsys, ["model.pt"],
        watch=[work["tmp"]])
    assert file_digest(work["model"]) == before


def test_predict_band_mismatch(work, capsys, tmp_path):
    from rasters import write_raster
    import numpy as np

    three = write_raster(tmp_path / "three.tif", np.ones((3, 20, 20), np.uint8))
    expect_refusal("predict band count", ["predict", work["model"], three, "--out", str(tmp_path / "c.tif")], capsys,
                   ["three.tif", "6 bands"], watch=[work["tmp"]])


def test_predict_teacher_on_raster_without_crs_advises_lat_lon_and_they_work(work, capsys, tmp_path):
    bare = crop_sample(str(tmp_path / "nocrs.tif"), window=(150, 150, 48, 40), crs=False)
    expect_refusal("predict --teacher, raster without CRS", [
        "predict", work["model"], bare, "--out", str(tmp_path / "c.tif"), "--teacher", str(tmp_path / "t.tif")],
        capsys, ["nocrs.tif"], words=["--lat", "--lon"], watch=[work["tmp"]])
    result = run_cli(["predict", work["model"], bare, "--out", str(tmp_path / "c.tif"), "--teacher",
                      str(tmp_path / "t.tif"), "--lat", "35.8", "--lon", "-78.6", "--date", "2000-06-01",
                      "--device", "cpu", "--stride", "4"], capsys)
    assert result.rc == 0 and result.traceback is None, result.text
    assert os.path.exists(tmp_path / "t.tif") and os.path.exists(tmp_path / "c.tif")
    record("predict --teacher + --lat/--lon on a raster without CRS (runs)", "ok")


def test_predict_teacher_without_date_uses_unknown_and_says_so(work, capsys, tmp_path):
    """Chosen behaviour: the teacher was trained with metadata dropout, so 'date unknown' is a state it knows;
    the map is made and the user is told the date was taken as unknown and how to give it."""
    import rasterio

    small = crop_sample(str(tmp_path / "small.tif"), window=(150, 150, 48, 40))
    result = run_cli(["predict", work["model"], small, "--out", str(tmp_path / "c.tif"), "--teacher",
                      str(tmp_path / "t.tif"), "--device", "cpu", "--stride", "4"], capsys)
    assert result.rc == 0 and result.traceback is None, result.text
    assert "no acquisition date found for raster 'small.tif'" in result.err and "--date" in result.err
    with rasterio.open(tmp_path / "t.tif") as ds:
        assert ds.tags()["DAY_OF_YEAR"] == "unknown"
    # Stating it is not warned about.
    result = run_cli(["predict", work["model"], small, "--out", str(tmp_path / "c2.tif"), "--teacher",
                      str(tmp_path / "t2.tif"), "--date", "unknown", "--device", "cpu", "--stride", "4"], capsys)
    assert result.rc == 0 and "no acquisition date" not in result.err
    record("predict --teacher without a date (runs, says 'unknown')", "ok")


# ----------------------------------------------------------------------- numeric ranges (core/params.py's table)

NUMERIC = [("--lr", "-1"), ("--lr", "0"), ("--threshold", "1.5"), ("--threshold", "-0.1"), ("--lambda-d", "-1"),
           ("--meta-dropout", "2"), ("--meta-dropout", "-1"), ("--patience", "-1"), ("--checkpoint-every", "-1"),
           ("--meta-warmup-steps", "-5")]


@pytest.mark.parametrize("option,value", NUMERIC, ids=[f"{o}={v}" for o, v in NUMERIC])
def test_numeric_training_options_out_of_range_are_refused(work, capsys, option, value):
    argv = ["train", work["scene"], "--labels", work["labels"], "--class-field", "label", "--out",
            os.path.join(work["tmp"], "m.pt"), *TRAIN_FAST, option, value]  # the option last: it wins
    result = run_cli(argv, capsys)
    assert result.traceback is None, result.traceback
    assert result.rc == 2 and option.lstrip("-").replace("-", "_")[:4] in result.err.replace("-", "_"), result.text
    assert not os.path.exists(os.path.join(work["tmp"], "m.pt"))
