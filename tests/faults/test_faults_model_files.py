# SPDX-License-Identifier: GPL-2.0-or-later
"""Damaged model files and pickles that would run code: through `predict`, `train --resume` and
`--init-weights` each gets one clear message naming the file (ModelFileError), never a KeyError, and no code
ever runs (weights_only=True on every path; .npz with allow_pickle=False)."""
from __future__ import annotations

import copy
import os
import pickle
import shutil
import zipfile

import numpy as np
import pytest
import torch

from faultkit import SAMPLE_LABELS, expect_refusal, run_cli

TRAIN_FAST = ["--steps", "1", "--batch-size", "4", "--unlabeled-ratio", "1", "--tile-size", "4", "--device", "cpu"]
# The options the session's model_file was trained with (tests/faults/conftest.py): a resume must repeat them.
RESUME_FAST = ["--steps", "3", "--batch-size", "8", "--unlabeled-ratio", "1", "--tile-size", "4", "--device", "cpu"]


def _set(path, value):
    def change(blob):
        node = blob
        for key in path[:-1]:
            node = node[key]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value(node[path[-1]]) if callable(value) else value
        return blob
    return change


_DELETE = object()

BLOB_DAMAGE = [
    ("no-config", _set(["config"], _DELETE), "'config'"),
    ("format-version-abc", _set(["format_version"], "abc"), "format_version"),
    ("format-version-missing", _set(["format_version"], _DELETE), "format_version"),
    ("format-version-newer", _set(["format_version"], 99), "newer version"),
    ("format-version-zero", _set(["format_version"], 0), "format_version"),
    ("format-tag-foreign", _set(["format"], "something-else"), "not a Spatiotemporal SSL model"),
    ("no-band-stats", _set(["config", "band_stats"], _DELETE), "band_stats"),
    ("band-stats-short", _set(["config", "band_stats", "mean"], lambda v: v[:2]), "band_stats.mean"),
    ("band-stats-text", _set(["config", "band_stats", "std"], lambda v: ["x"] * len(v)), "band_stats.std"),
    ("band-stats-zero-std", _set(["config", "band_stats", "std"], lambda v: [0.0] * len(v)), "band_stats.std"),
    ("band-stats-nan", _set(["config", "band_stats", "mean"], lambda v: [float("nan")] * len(v)), "band_stats.mean"),
    ("no-band-count", _set(["config", "band_count"], _DELETE), "band_count"),
    ("band-count-text", _set(["config", "band_count"], "6"), "band_count"),
    ("tile-size-zero", _set(["config", "tile_size_px"], 0), "tile_size_px"),
    ("stride-past-tile", _set(["config", "stride_px"], 99), "stride_px"),
    ("no-classes", _set(["config", "classes"], []), "classes"),
    ("class-value-text", _set(["config", "classes", 0, "value"], "forest"), "classes[0].value"),
    ("class-value-repeated", lambda b: _set(["config", "classes", 1, "value"], b["config"]["classes"][0]["value"])(b),
     "classes[1].value"),
    ("class-colour-short", _set(["config", "classes", 0, "color"], [1, 2]), "classes[0].color"),
    ("class-name-missing", _set(["config", "classes", 0, "name"], _DELETE), "classes[0].name"),
    ("metadata-mode-bogus", _set(["config", "metadata_mode"], "bogus"), "metadata_mode"),
    ("multi-label-text", _set(["config", "multi_label"], "yes"), "multi_label"),
    ("encoding-bogus", _set(["config", "encoding", "name"], "bogus"), "encoding"),
    ("encoding-degree-text", _set(["config", "encoding", "sh_degree"], "3"), "sh_degree"),
    ("no-student-config", _set(["config", "student_config"], _DELETE), "student_config"),
    ("student-config-extra-key", _set(["config", "student_config", "wings"], 2), "student_config"),
    ("student-config-bands", _set(["config", "student_config", "in_channels"], 3), "in_channels"),
    ("student-backbone-bogus", _set(["config", "student_config", "backbone"], "rnn"), "backbone"),
    ("student-size-bogus", _set(["config", "student_config", "size"], "huge"), "damaged"),
    ("no-student", _set(["student"], _DELETE), "'student'"),
    ("student-not-tensors", _set(["student"], lambda s: {k: 1.0 for k in s}), "student"),
    ("student-wrong-shape", _set(["student"], lambda s: {k: torch.zeros(1) for k in s}), "damaged"),
    ("student-missing-weight", _set(["student"], lambda s: dict(list(s.items())[1:])), "damaged"),
    ("student-nan", _set(["student"], lambda s: {k: v.float() * float("nan") for k, v in s.items()}), "non-finite"),
    ("teacher-without-config", _set(["config", "teacher_config"], None), "teacher_config"),
    ("training-state-no-optimizer", _set(["training_state", "optimizer"], _DELETE), "training_state.optimizer"),
    ("training-state-step-text", _set(["training_state", "step"], "ten"), "training_state.step"),
    ("report-not-a-table", _set(["config", "report"], [1, 2]), "config.report"),
]


@pytest.fixture
def damaged(tmp_path, model_blob):
    def write(change, name="damaged.pt") -> str:
        blob = change(copy.deepcopy(model_blob))
        path = str(tmp_path / name)
        torch.save(blob, path)
        return path
    return write


@pytest.mark.parametrize("case,change,words", BLOB_DAMAGE, ids=[c[0] for c in BLOB_DAMAGE])
def test_damaged_model_file_gives_one_clear_message(damaged, scene, tmp_path, capsys, case, change, words):
    path = damaged(change)
    expect_refusal(f"model file {case} (predict)", ["predict", path, scene, "--out", str(tmp_path / "c.tif")],
                   capsys, ["damaged.pt"], words=[words], watch=[str(tmp_path)])


RAW_DAMAGE = [
    ("truncated", lambda good: good[:len(good) // 2]),
    ("first-100-bytes", lambda good: good[:100]),
    ("empty", lambda good: b""),
    ("random-bytes", lambda good: np.random.default_rng(0).bytes(5000)),
    ("text", lambda good: b"this is not a model\n"),
    ("flipped-bytes", lambda good: good[:2000] + bytes(b ^ 0xFF for b in good[2000:2400]) + good[2400:]),
]


@pytest.mark.parametrize("case,damage", RAW_DAMAGE, ids=[c[0] for c in RAW_DAMAGE])
def test_corrupt_model_file_bytes(model_file, scene, tmp_path, capsys, case, damage):
    good = open(model_file, "rb").read()
    path = tmp_path / "broken.pt"
    path.write_bytes(damage(good))
    expect_refusal(f"model file {case} (predict)", ["predict", str(path), scene, "--out", str(tmp_path / "c.tif")],
                   capsys, ["broken.pt"], watch=[str(tmp_path)])


def test_a_zip_that_is_not_a_model(scene, tmp_path, capsys):
    path = tmp_path / "other.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    expect_refusal("model file foreign zip (predict)", ["predict", str(path), scene, "--out", str(tmp_path / "c.tif")],
                   capsys, ["other.pt"], watch=[str(tmp_path)])


def test_a_plain_state_dict_is_not_a_model(scene, tmp_path, capsys):
    path = tmp_path / "weights.pt"
    torch.save({"conv.weight": torch.zeros(3)}, path)
    expect_refusal("model file plain state dict (predict)", ["predict", str(path), scene, "--out",
                                                              str(tmp_path / "c.tif")],
                   capsys, ["weights.pt", "not a Spatiotemporal SSL model"], watch=[str(tmp_path)])


# ----------------------------------------------------------------------------------------------- resume

def _train_argv(scene, labels, out, *extra):
    return ["train", scene, "--labels", labels, "--class-field", "label", "--out", out, *TRAIN_FAST, *extra]


def _resume_argv(scene, labels, out, resume, *extra):
    return ["train", scene, "--labels", labels, "--class-field", "label", "--out", out, *RESUME_FAST,
            "--resume", resume, *extra]


def _labels(tmp_path) -> str:
    labels = str(tmp_path / "labels.gpkg")
    shutil.copy(SAMPLE_LABELS, labels)
    return labels


@pytest.mark.parametrize("case,change,words", [
    ("no-config", _set(["config"], _DELETE), "'config'"),
    ("no-training-state", _set(["training_state"], None), "no training state"),
    ("training-state-no-model", _set(["training_state", "model"], _DELETE), "training_state.model"),
    ("training-state-wrong-shapes", _set(["training_state", "model"], lambda s: {k: torch.zeros(2) for k in s}),
     "another network"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_damaged_resume_file(damaged, scene, tmp_path, capsys, case, change, words):
    path = damaged(change, "resume.pt")
    expect_refusal(f"--resume {case}", _resume_argv(scene, _labels(tmp_path), str(tmp_path / "m.pt"), path), capsys,
                   ["resume.pt"], words=[words], watch=[str(tmp_path)])


@pytest.mark.parametrize("extra,words", [
    (["--metadata", "none"], ["--metadata 'teacher' (now 'none')"]),
    (["--student-targets", "teacher"], ["--student-targets 'agreed' (now 'teacher')"]),
    (["--lr", "0.01"], ["--lr 0.001 (now 0.01)"]),
], ids=["metadata", "student-targets", "lr"])
def test_resume_with_other_options_is_refused_before_training(model_file, scene, tmp_path, capsys, extra, words):
    resume = str(tmp_path / "resume.pt")
    shutil.copy(model_file, resume)
    expect_refusal(f"--resume with other options ({extra[0]})",
                   _resume_argv(scene, _labels(tmp_path), str(tmp_path / "m.pt"), resume, *extra),
                   capsys, ["resume.pt"], words=words, watch=[str(tmp_path)])


def test_resume_of_a_file_older_than_the_student_targets_option(damaged, scene, tmp_path, capsys):
    """A file written before ``student_targets`` existed trained the student on all the teacher's pseudo-labels
    (the paper's rule); resumed under today's default it would switch rules halfway, so it is refused, and it
    resumes with the rule it ran under."""
    old = damaged(_set(["config", "options", "student_targets"], _DELETE), "old.pt")
    labels = _labels(tmp_path)
    out = str(tmp_path / "m.pt")
    expect_refusal("--resume of a file from before student_targets", _resume_argv(scene, labels, out, old), capsys,
                   ["old.pt"], words=["--student-targets 'teacher' (now 'agreed')"], watch=[str(tmp_path)])
    result = run_cli(_resume_argv(scene, labels, out, old, "--student-targets", "teacher"), capsys)
    assert result.rc == 0 and result.traceback is None, result.text
    assert os.path.exists(out)


def test_init_weights_without_tensors(scene, tmp_path, capsys):
    labels = str(tmp_path / "labels.gpkg")
    shutil.copy(SAMPLE_LABELS, labels)
    weights = tmp_path / "w.pt"
    torch.save({"student": {"a": 1, "b": "text"}}, weights)
    expect_refusal("--init-weights without tensors", _train_argv(scene, labels, str(tmp_path / "m.pt"),
                                                                 "--init-weights", str(weights)),
                   capsys, ["w.pt"], watch=[str(tmp_path)])


# ------------------------------------------------------------------------------------- pickles running code

class _Payload:
    """Unpickling this calls os.mkdir(marker): the evidence that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _evil_pickle(path, marker, zipped=True):
    blob = {"format": "spatiotemporal-ssl-model", "format_version": 1, "config": _Payload(marker)}
    if zipped:  # torch's own container, as a real model file is
        torch.save(blob, path, pickle_module=pickle)
    else:
        with open(path, "wb") as f:
            pickle.dump(blob, f)


@pytest.mark.parametrize("zipped", [True, False], ids=["torch-zip", "raw-pickle"])
@pytest.mark.parametrize("route", ["predict", "resume", "init-weights"])
def test_a_pickle_that_runs_code_never_runs(scene, tmp_path, capsys, route, zipped):
    marker = str(tmp_path / "pwned")
    evil = str(tmp_path / "evil.pt")
    _evil_pickle(evil, marker, zipped)
    labels = str(tmp_path / "labels.gpkg")
    shutil.copy(SAMPLE_LABELS, labels)
    if route == "predict":
        argv = ["predict", evil, scene, "--out", str(tmp_path / "c.tif")]
    elif route == "resume":
        argv = _train_argv(scene, labels, str(tmp_path / "m.pt"), "--resume", evil)
    else:
        argv = _train_argv(scene, labels, str(tmp_path / "m.pt"), "--init-weights", evil)
    expect_refusal(f"malicious pickle via {route} ({'zip' if zipped else 'raw'})", argv, capsys, ["evil.pt"],
                   watch=[str(tmp_path)])
    assert not os.path.exists(marker), "the pickle ran code"


def test_a_patch_set_with_a_pickled_object_never_runs(tmp_path, capsys, write_patch_set):
    marker = str(tmp_path / "pwned")
    path = write_patch_set("evil.npz", labels=np.array([_Payload(marker)] * 36, dtype=object))
    expect_refusal("malicious pickle via .npz", ["evaluate", "--patches", path, "--steps", "1", "--device", "cpu"],
                   capsys, ["evil.npz", "'labels'", "object array"], watch=[str(tmp_path)])
    assert not os.path.exists(marker), "the pickle ran code"
