# SPDX-License-Identifier: GPL-2.0-or-later
"""The backbone "auto" (core/app/backbone_choice.py): Presto where the input suits it, the CNN otherwise, always with
the reason; never from labels."""
from __future__ import annotations

import dataclasses
import importlib.util
import os

import numpy as np
import pytest

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.backbone_choice import (CPU_PIXELS_PER_STEP, PRESTO_BATCH_SIZE,
                                                         PRESTO_UNLABELED_STEPS, choose_backbone, resolve_backbone)
from spatiotemporal_ssl.core.app.modelfile import load_model
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.params import TrainOptions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.normpath(os.path.join(ROOT, "..", "shared", "pretrained", "presto", "default_model.pt"))
SOURCE = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "sits_mato_grosso", "patches.npz"))
needs_weights = pytest.mark.skipif(not os.path.isfile(WEIGHTS), reason="Presto weights not found in ../shared")
MODIS = ["blue", "red", "nir", "mir", "ndvi", "evi"]  # the Mato Grosso series' bands
REFLECTANCE = np.full((100, 6), 0.2)


def _opts(**values) -> TrainOptions:
    return dataclasses.replace(TrainOptions(pretrained=WEIGHTS, tile_size_px=1), **values)


@needs_weights
def test_a_readable_year_long_series_gets_presto_with_the_benchmarked_batch():
    choice = choose_backbone(MODIS, 23, _opts(), on_gpu=False, sample=REFLECTANCE, dtype=np.float32)
    assert choice.backbone == "presto" and choice.automatic
    assert "23-timestep series" in choice.reason
    opts = resolve_backbone(_opts(), choice)
    assert (opts.backbone, opts.batch_size, opts.unlabeled_ratio) == ("presto", PRESTO_BATCH_SIZE, 3)
    # A batch the user set is kept.
    mine = resolve_backbone(_opts(batch_size=16), choose_backbone(MODIS, 23, _opts(batch_size=16), False))
    assert mine.batch_size == 16


@needs_weights
def test_an_automatic_presto_run_learns_from_the_unlabelled_tiles_in_its_first_steps_only():
    long_run = _opts(steps=PRESTO_UNLABELED_STEPS * 2)
    choice = choose_backbone(MODIS, 23, long_run, on_gpu=False, sample=REFLECTANCE, dtype=np.float32)
    assert resolve_backbone(long_run, choice).unlabeled_steps == PRESTO_UNLABELED_STEPS
    assert f"first {PRESTO_UNLABELED_STEPS} of its {PRESTO_UNLABELED_STEPS * 2} steps" in choice.reason
    # A run no longer than the cut says nothing of it (it trains as without one).
    short = _opts(steps=PRESTO_UNLABELED_STEPS)
    assert "first" not in choose_backbone(MODIS, 23, short, on_gpu=False).reason
    # The user's setting is kept, and a Presto the user chose keeps every step unless told otherwise.
    mine = _opts(steps=2000, unlabeled_steps=1500)
    assert resolve_backbone(mine, choose_backbone(MODIS, 23, mine, False)).unlabeled_steps == 1500
    chosen = _opts(backbone="presto", steps=2000)
    assert resolve_backbone(chosen, choose_backbone(MODIS, 23, chosen, False)).unlabeled_steps is None


def test_the_cnn_chosen_automatically_learns_from_the_unlabelled_tiles_at_every_step():
    opts = _opts(steps=2000)
    cnn = resolve_backbone(opts, choose_backbone(MODIS, 1, opts, on_gpu=False))
    assert (cnn.backbone, cnn.unlabeled_steps) == ("cnn", None)


@pytest.mark.parametrize("names, timesteps, dtype, expected", [
    (MODIS, 1, np.float32, "1 timestep"),  # a single date
    (["band1", "band2", "band3", "band4", "band5", "band6"], 12, np.float32, "band 1 'band1'"),  # roles unknown
    (["blue", "green", "red"], 12, np.float32, "no band is near infrared"),  # no vegetation signal
    (MODIS, 12, np.uint8, "8-bit"),  # not reflectance
])
def test_inputs_presto_cannot_read_get_the_cnn_and_say_why(names, timesteps, dtype, expected):
    choice = choose_backbone(names, timesteps, _opts(), on_gpu=False, dtype=dtype)
    assert choice.backbone == "cnn" and choice.automatic
    assert expected in choice.reason


def test_without_weights_the_cnn_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.delenv("STSSL_PRESTO_WEIGHTS", raising=False)
    choice = choose_backbone(MODIS, 23, _opts(pretrained=str(tmp_path / "none.pt")), on_gpu=False)
    assert choice.backbone == "cnn" and "none.pt" in choice.reason and "not found" in choice.reason


@needs_weights
def test_large_tiles_on_a_cpu_are_too_slow_for_presto_but_not_on_a_gpu():
    opts = _opts(tile_size_px=8)
    cpu = choose_backbone(MODIS, 23, opts, on_gpu=False)
    assert cpu.backbone == "cnn" and f"{8 * 4 * 64:,} pixel series" in cpu.reason
    assert str(CPU_PIXELS_PER_STEP) in cpu.reason
    assert choose_backbone(MODIS, 23, opts, on_gpu=True).backbone == "presto"


def test_a_chosen_backbone_is_kept_and_quick_map_needs_presto():
    choice = choose_backbone(MODIS, 1, _opts(backbone="cnn"), on_gpu=False)
    assert (choice.backbone, choice.automatic) == ("cnn", False)
    quick = _opts(method="quick")
    with pytest.raises(InputError, match="Quick map needs the Presto backbone"):
        resolve_backbone(quick, choose_backbone(MODIS, 1, quick, on_gpu=False))


def test_an_explicit_backbone_is_never_auto_in_a_model_file():
    from spatiotemporal_ssl.core.params import BACKBONES

    assert "auto" not in BACKBONES and TrainOptions().backbone == "auto"


@pytest.mark.skipif(not (os.path.isfile(WEIGHTS) and os.path.isfile(SOURCE)),
                    reason="Presto weights or the Mato Grosso samples not found in ../shared")
def test_stssl_train_on_a_stack_picks_presto_and_records_why(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STSSL_PRESTO_WEIGHTS", WEIGHTS)
    spec = importlib.util.spec_from_file_location("make_stack_sample", os.path.join(ROOT, "scripts",
                                                                                    "make_stack_sample.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = module.make_stack_sample(str(tmp_path / "sample"), side=12, labels_per_class=5)
    out = str(tmp_path / "auto.pt")
    common = ["--labels", paths["labels"], "--tile-size", "1", "--device", "cpu", "--eval-every", "10"]
    assert cli.main(["train", paths["stack"], *common, "--method", "supervised", "--steps", "3", "--out", out]) == 0
    printed = capsys.readouterr().out
    assert "backbone: Presto (pretrained): a 23-timestep series with bands it can read" in printed
    model = load_model(out, device="cpu")
    assert model.config["student_config"]["backbone"] == "presto" and model.config["options"]["backbone"] == "presto"
    assert model.config["report"]["backbone_choice"]["automatic"] is True
