# SPDX-License-Identifier: GPL-2.0-or-later
"""The options vocabulary (core/params.py): one table, one adapter, every range checked once, named as the user
gave the option."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.params import (
    ENCODINGS, METADATA_MODES, METHODS, RESOLUTIONS, TRAIN_OPTIONS, PredictRequest, TrainOptions, option,
)

from rasters import pixel_box, write_labels, write_raster

# (option, a value just outside its range, the nearest valid value): every number the trainer takes.
OUT_OF_RANGE = [
    ("tile_size_px", 0, 1), ("stride_px", 0, 1), ("steps", 0, 1), ("batch_size", 0, 1), ("unlabeled_ratio", 0, 1),
    ("sh_degree", -1, 0), ("lr", 0.0, 1e-9), ("lr", -1.0, 1e-3), ("weight_decay", -0.1, 0.0),
    ("ema_momentum", 0.0, 0.5), ("ema_momentum", 1.0, 0.99), ("threshold", -0.1, 0.0), ("threshold", 1.1, 1.0),
    ("lambda_u", -1.0, 0.0), ("unlabeled_steps", 0, 1), ("lambda_d", -0.5, 0.0), ("meta_dropout", -0.1, 0.0),
    ("meta_dropout", 1.5, 1.0),
    ("meta_warmup_steps", -1, 0), ("val_fraction", -0.1, 0.0), ("val_fraction", 1.0, 0.95), ("eval_every", 0, 1),
    ("patience_steps", -1, 0), ("checkpoint_every", -1, 0), ("seed", -1, 0), ("seed", 2 ** 32, 2 ** 32 - 1),
]


def test_the_table_covers_every_option_with_a_label_help_and_valid_default():
    assert [spec.name for spec in TRAIN_OPTIONS] == [f.name for f in dataclasses.fields(TrainOptions)]
    for spec in TRAIN_OPTIONS:
        assert spec.label and spec.help, spec.name
        assert spec.flag.startswith("--") and " " not in spec.flag
        if spec.kind == "choice":
            default = getattr(TrainOptions(), spec.name)
            assert (default in spec.values or (default is None and spec.optional)) and all(c.label for c in spec.choices)
        if spec.kind in ("int", "float"):
            assert spec.bounds is not None, f"{spec.name} has no valid range"
    TrainOptions().validate()
    # The choice lists other modules import are the table's.
    assert METHODS == option("method").values and METADATA_MODES == ("none", "input", "teacher")
    from spatiotemporal_ssl.core.data.encoding import ENCODINGS as ENCODER_NAMES

    assert ENCODER_NAMES is ENCODINGS and RESOLUTIONS == ("pixel", "stride")


@pytest.mark.parametrize("name,bad,good", OUT_OF_RANGE)
def test_each_range_is_checked_and_named(name, bad, good):
    TrainOptions(**{name: good}).validate()
    spec = option(name)
    for named_by, called in (("field", name), ("flag", spec.flag), ("label", spec.label)):
        with pytest.raises(InputError) as raised:
            TrainOptions(**{name: bad}).validate(named_by)
        message = str(raised.value)
        assert message.startswith(f"{called} must be "), message
        assert f"(got {bad:g})" in message if isinstance(bad, float) else f"(got {bad})" in message
        assert "; use e.g. " in message or "; give " in message  # and the fix


@pytest.mark.parametrize("values,message", [
    ({"lr": "fast"}, "lr must be a number > 0 (got 'fast')"),
    ({"steps": 2.5}, "steps must be a whole number >= 1 (got 2.5); use e.g. 1000"),
    ({"steps": True}, "steps must be a whole number >= 1 (got True)"),
    ({"lr": float("nan")}, "lr must be > 0 (got nan)"),
    ({"method": "meanteacher"}, "method 'meanteacher' is not supported; choose one of: supervised, fixmatch"),
    ({"encoding": "cube"}, "encoding 'cube' is not supported; choose one of: paper, sphere, season"),
    ({"amp": "yes"}, "amp must be true or false (got 'yes')"),
    ({"device": ""}, "device must be non-empty text (got '')"),
])
def test_wrong_kinds_of_value_are_input_errors(values, message):
    with pytest.raises(InputError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        TrainOptions.from_mapping(values)


def test_from_mapping_refuses_unknown_keys_and_reads_none_as_default():
    with pytest.raises(InputError, match="'learning_rate' is not a training option; known options: method, "):
        TrainOptions.from_mapping({"learning_rate": 0.01})
    options = TrainOptions.from_mapping({"lr": None, "patience_steps": None, "steps": 7, "metadata": "input"})
    assert options == TrainOptions(steps=7, metadata="input")


def test_derived_values():
    assert TrainOptions(tile_size_px=8).training_stride_px == 8
    assert TrainOptions(tile_size_px=8, stride_px=3).training_stride_px == 3
    assert [TrainOptions(tile_size_px=t).prediction_stride_px for t in (1, 2, 7, 8)] == [1, 1, 3, 4]
    assert TrainOptions().has_teacher and TrainOptions().distills
    assert not TrainOptions(lambda_d=0.0).distills and not TrainOptions(distill_loss="none").distills
    assert TrainOptions(metadata="input").student_reads_metadata and not TrainOptions(metadata="input").distills


@pytest.mark.parametrize("name,bad,good", [row for row in OUT_OF_RANGE if row[0] != "seed" or row[1] == -1])
def test_the_command_line_names_its_flag_and_leaks_no_traceback(name, bad, good, tmp_path, capsys):
    flag = option(name).flag
    argv = ["train", str(tmp_path / "missing.tif"), "--labels", str(tmp_path / "missing.gpkg"), "--out",
            str(tmp_path / "m.pt"), flag, str(bad)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    shown = f"{bad:g}" if isinstance(bad, float) else str(bad)
    assert err.startswith(f"stssl: error: {flag} must be ") and f"(got {shown})" in err
    assert "Traceback" not in err and "does not exist" not in err  # refused before any file is opened


def test_stssl_train_lr_minus_one(tmp_path, capsys):
    assert cli.main(["train", "a.tif", "--labels", "l.gpkg", "--out", str(tmp_path / "m.pt"), "--lr", "-1"]) == 2
    assert capsys.readouterr().err == "stssl: error: --lr must be > 0 (got -1); use e.g. 0.001\n"


def test_evaluate_names_its_flags_too(tmp_path, capsys):
    assert cli.main(["evaluate", "--patches", str(tmp_path / "set.npz"), "--meta-dropout", "2"]) == 2
    assert "stssl: error: --meta-dropout must be between 0 and 1 (got 2)" in capsys.readouterr().err


def test_every_table_option_is_a_flag_of_train_and_evaluate():
    parser = cli.build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    train_flags = {s for a in subcommands["train"]._actions for s in a.option_strings}
    evaluate_flags = {s for a in subcommands["evaluate"]._actions for s in a.option_strings}
    for spec in TRAIN_OPTIONS:
        assert spec.flag in train_flags, spec.flag
        assert spec.flag in evaluate_flags or spec.name in ("tile_size_px", "stride_px", "multi_label"), spec.flag
    args = parser.parse_args(["train", "a.tif", "--labels", "l", "--out", "m.pt", "--tile-size", "16", "--no-amp"])
    options = cli._options_from(args)
    assert (options.tile_size_px, options.amp, options.stride_px, options.steps) == (16, False, None, 1000)
    assert cli._options_from(parser.parse_args(["evaluate", "--patches", "p.npz"])).steps == 500


def _tiny_job(tmp_path):
    data = np.random.default_rng(0).integers(1, 200, (3, 16, 16)).astype(np.uint8)
    raster = write_raster(tmp_path / "scene.tif", data)
    labels = write_labels(tmp_path / "labels.gpkg", [pixel_box(0, 0, 4, 8), pixel_box(8, 8, 12, 16)],
                          ["forest", "water"])
    return raster, labels


def test_one_training_run_validates_its_options_once(tmp_path, monkeypatch, capsys):
    from spatiotemporal_ssl.core.app.modelfile import read_model_blob

    calls = []
    original = TrainOptions.validate
    monkeypatch.setattr(TrainOptions, "validate", lambda self, *a, **k: (calls.append(1), original(self, *a, **k)))
    raster, labels = _tiny_job(tmp_path)
    out = str(tmp_path / "m.pt")
    assert cli.main(["train", raster, "--labels", labels, "--class-field", "class", "--out", out, "--tile-size", "4",
                     "--steps", "2", "--batch-size", "2", "--unlabeled-ratio", "1", "--device", "cpu"]) == 0
    assert len(calls) == 1
    config = read_model_blob(out)["config"]
    # The prediction stride is half a tile; the teacher choice is in the options, no longer a key of its own.
    assert config["stride_px"] == 2 and config["options"]["metadata"] == "teacher" and "metadata_mode" not in config
    assert config["student_config"]["metadata_role"] == "token" and config["teacher_config"]["metadata_role"] == "input"


def test_the_trainer_trusts_validated_options(monkeypatch):
    from spatiotemporal_ssl.core.learning.trainer import Trainer

    from synthetic import training_data

    def refuse(self, *args, **kwargs):
        raise AssertionError("the trainer validated the options again")

    options = TrainOptions.from_mapping({"steps": 1, "batch_size": 2, "unlabeled_ratio": 1, "device": "cpu"})
    monkeypatch.setattr(TrainOptions, "validate", refuse)
    assert Trainer(options).fit(training_data()).steps_done == 1


def test_model_files_from_before_the_renames_still_load(tmp_path):
    """Older files: the teacher choice under 'metadata_mode', network roles under 'meta_mode' ('metadata')."""
    from spatiotemporal_ssl.core.app.modelfile import load_model

    from synthetic import training_data
    from spatiotemporal_ssl.core.learning.trainer import Trainer

    result = Trainer(TrainOptions(metadata="input", steps=1, batch_size=2, unlabeled_ratio=1, device="cpu")).fit(
        training_data())
    student = result.model.student
    config = {k: v for k, v in student.config.to_dict().items() if k != "metadata_role"}
    config["meta_mode"] = "metadata"
    from spatiotemporal_ssl.core.app.modelfile import FORMAT, FORMAT_VERSION

    blob = {"format": FORMAT, "format_version": FORMAT_VERSION, "training_state": None, "teacher": None,
            "student": student.state_dict(),
            "config": {"band_count": 3, "tile_size_px": 4, "stride_px": 2, "multi_label": False,
                       "classes": [{"value": v, "name": f"c{v}", "color": [v, v, v]} for v in (1, 2, 3)],
                       "band_stats": {"mean": [0.0] * 3, "std": [1.0] * 3},
                       "encoding": {"name": "paper", "sh_degree": 3}, "metadata_mode": "input",
                       "student_config": config, "teacher_config": None, "options": {}}}
    path = tmp_path / "old.pt"
    torch.save(blob, path)
    model = load_model(str(path), device="cpu")
    assert model.student_needs_metadata and model.student.config.metadata_role == "input"
    x = torch.randn(2, 3, 4, 4)
    lat, lon, doy = torch.full((2,), 45.0), torch.full((2,), 7.0), torch.full((2,), 150.0)
    assert model.probabilities(x, lat, lon, doy).shape == (2, 3)


def test_predict_request_defaults_are_the_command_lines():
    args = cli.build_parser().parse_args(["predict", "m.pt", "r.tif", "--out", "c.tif"])
    request = PredictRequest(model_path="m.pt", raster_path="r.tif", out_classes="c.tif")
    assert (args.resolution, args.batch_size, args.device, args.stride) == (
        request.resolution, request.batch_size, request.device, request.stride_px)
