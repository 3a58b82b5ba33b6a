# SPDX-License-Identifier: GPL-2.0-or-later
"""`stssl evaluate` patch sets: every malformed key is a clear error naming the file and the key (these raised
tracebacks or were accepted silently); tiles without a valid pixel are left out and counted in the JSON."""
from __future__ import annotations

import json

import numpy as np
import pytest

from faultkit import expect_refusal, patch_set_arrays, record, run_cli

N = 36


def _with(key, fn):
    a = patch_set_arrays()
    return {key: fn(a[key])}


def _label(i, value):
    def change(labels):
        labels = labels.copy()
        labels[i] = value
        return labels
    return change


CASES = [
    # (id, changed keys, words in the message besides the file name)
    ("object-images", {"images": np.array([None] * N, dtype=object)}, ["'images'", "object array"]),
    ("object-lat", {"lat": np.array([35.8] * N, dtype=object)}, ["'lat'", "object array"]),
    ("string-labels", _with("labels", lambda v: np.array(["x"] * N)), ["'labels'", "class_names"]),
    ("string-lat", {"lat": np.array(["35.8N"] * N)}, ["'lat'", "degrees"]),
    ("split-2d", _with("split", lambda v: np.stack([v, v], axis=1)), ["'split'", "shape"]),
    ("split-numbers", {"split": np.zeros(N, dtype=np.int64)}, ["'split'", "int64 values"]),
    ("split-unknown-value", _with("split", lambda v: np.where(v == "test", "testing", v)), ["'split'", "testing"]),
    ("all-nan-images", _with("images", lambda v: np.full_like(v, np.nan)), ["'images'", "no valid pixel"]),
    ("zero-by-zero-images", _with("images", lambda v: np.zeros((N, 3, 0, 0), np.float32)), ["'images'", "1 x 1"]),
    ("no-bands", _with("images", lambda v: np.zeros((N, 0, 4, 4), np.float32)), ["'images'"]),
    ("no-tiles", {k: v[:0] for k, v in patch_set_arrays().items() if k != "class_names"}, ["'images'"]),
    ("images-3d", _with("images", lambda v: v[:, 0]), ["'images'", "(N, C, H, W)"]),
    ("images-not-square", _with("images", lambda v: v[:, :, :, :3]), ["'images'", "square"]),
    ("complex-images", _with("images", lambda v: v.astype(np.complex64)), ["'images'", "complex"]),
    ("text-images", _with("images", lambda v: np.full(v.shape, "a")), ["'images'", "numbers"]),
    ("label-99-beyond-class-names", _with("labels", _label(0, 99)), ["'labels'", "99", "class_names"]),
    ("label-99-without-class-names", dict(_with("labels", _label(0, 99)), class_names=None), ["'labels'", "99"]),
    ("label-minus-7", _with("labels", _label(0, -7)), ["'labels'", "-7", "-1"]),
    ("float-labels", _with("labels", lambda v: v.astype(np.float64) + 0.5), ["'labels'", "whole"]),
    ("nan-label", _with("labels", lambda v: np.where(np.arange(N) == 0, np.nan, v.astype(np.float64))), ["'labels'"]),
    ("labels-wrong-length", _with("labels", lambda v: v[:-1]), ["'labels'"]),
    ("multi-hot-3", {"labels": np.where(np.arange(N)[:, None] == 0, 3, np.eye(3, dtype=np.int64)[np.arange(N) % 3])},
     ["'labels'", "multi-hot", "3"]),
    ("multi-hot-names-mismatch", {"labels": np.eye(4, dtype=np.int64)[np.arange(N) % 4]}, ["'class_names'", "4"]),
    ("lon-500", _with("lon", lambda v: np.where(np.arange(N) == 0, 500.0, v)), ["'lon'", "500"]),
    ("lon-wrong-length", _with("lon", lambda v: v[:5]), ["'lon'", "5 entries"]),
    ("lat-missing", {"lat": None}, ["lat"]),
    ("date-bad", _with("date", lambda v: np.where(np.arange(N) == 0, "2000-02-30", v)), ["2000-02-30"]),
    ("class-names-2d", {"class_names": np.array([["a", "b", "c"]])}, ["'class_names'"]),
    ("diagnostic-labels-float", {"diagnostic_labels": np.full(N, 0.5)}, ["'diagnostic_labels'"]),
    ("one-class-only", _with("labels", lambda v: np.where(v >= 0, 0, v)), ["one class"]),
    ("labelled-tiles-all-nan", {"images": np.where((patch_set_arrays()["split"] == "labeled")[:, None, None, None],
                                                   np.nan, patch_set_arrays()["images"]).astype(np.float32)},
     ["no labelled tile"]),
]


def _argv(path, tmp_path):
    return ["evaluate", "--patches", path, "--steps", "2", "--batch-size", "4", "--unlabeled-ratio", "1", "--device",
            "cpu", "--json", str(tmp_path / "result.json")]


@pytest.mark.parametrize("case,changes,words", CASES, ids=[c[0] for c in CASES])
def test_malformed_patch_set_gives_a_clear_error(write_patch_set, tmp_path, capsys, case, changes, words):
    path = write_patch_set("set.npz", **changes)
    expect_refusal(f"evaluate {case}", _argv(path, tmp_path), capsys, ["set.npz"], words=words, watch=[str(tmp_path)])


def test_not_an_npz(tmp_path, capsys):
    path = tmp_path / "set.npz"
    path.write_bytes(np.random.default_rng(0).bytes(3000))
    expect_refusal("evaluate random bytes", _argv(str(path), tmp_path), capsys, ["set.npz", "numpy.savez"],
                   watch=[str(tmp_path)])


def test_json_result_is_not_the_patch_set(write_patch_set, tmp_path, capsys):
    path = write_patch_set("set.npz")
    argv = _argv(path, tmp_path)
    argv[-1] = path
    expect_refusal("evaluate --json is the patch set", argv, capsys, ["set.npz", "patch set"], watch=[str(tmp_path)])


def test_nan_tiles_are_masked_and_counted(write_patch_set, tmp_path, capsys):
    """Issue 14: NaN in every test image used to be scored (accuracy 0.233). Tiles without one valid pixel are
    now left out of training and scoring, and the JSON says how many per split."""
    arrays = patch_set_arrays()
    images, split = arrays["images"].copy(), arrays["split"]
    test = np.flatnonzero(split == "test")
    unlabeled = np.flatnonzero(split == "unlabeled")
    images[test[:4]] = np.nan  # four test tiles without any valid pixel
    images[unlabeled[:2]] = np.nan
    images[test[4], :, 0, 0] = np.nan  # one pixel of another: masked, the tile still counts
    path = write_patch_set("set.npz", images=images)
    result = run_cli(_argv(path, tmp_path), capsys)
    assert result.rc == 0 and result.traceback is None, result.text
    report = json.loads((tmp_path / "result.json").read_text())
    assert report["n_tiles_no_data"] == {"labeled": 0, "unlabeled": 2, "test": 4}
    assert report["n_test"] == len(test) - 4
    assert report["n_unlabeled"] == len(unlabeled) - 2
    record("evaluate NaN tiles masked and counted", "ok")


def test_every_test_tile_nan_is_an_error_not_a_score(write_patch_set, tmp_path, capsys):
    arrays = patch_set_arrays()
    images = np.where((arrays["split"] == "test")[:, None, None, None], np.nan, arrays["images"]).astype(np.float32)
    path = write_patch_set("set.npz", images=images)
    expect_refusal("evaluate every test tile NaN", _argv(path, tmp_path), capsys, ["set.npz"],
                   words=["no 'test' tile", "valid pixels"], watch=[str(tmp_path)])
