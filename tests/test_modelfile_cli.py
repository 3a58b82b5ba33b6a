# SPDX-License-Identifier: GPL-2.0-or-later
"""Model file round trip and refusal of pickles; evaluate on a real patch set; the command line end to end."""
import json
import os
import pickle

import numpy as np
import pytest
import rasterio
import torch

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.demo import run_demo, sample_paths
from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.app.evaluate import evaluate_patchset
from spatiotemporal_ssl.core.app.modelfile import load_model, save_model
from spatiotemporal_ssl.core.data.normalization import BandStats
from spatiotemporal_ssl.core.params import ClassSpec, TrainOptions
from spatiotemporal_ssl.core.learning.trainer import Trainer

from rasters import sample_tiles
from synthetic import training_data


@pytest.fixture(scope="module")
def trained():
    return Trainer(TrainOptions(steps=4, batch_size=4, unlabeled_ratio=2, eval_every=2, device="cpu",
                                encoding="sphere", sh_degree=3)).fit(training_data(encoding="sphere"))


def _save(path, trained, **kw):
    classes = [ClassSpec(1, "forest", (0, 100, 0)), ClassSpec(2, "water", (0, 100, 200)), ClassSpec(5, "urban", (250, 0, 0))]
    return save_model(str(path), student=trained.model.student, teacher=trained.model.teacher, classes=classes,
                      band_stats=BandStats(np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.5, 0.5])), tile_size_px=4,
                      stride_px=2, encoder=MetadataEncoder("sphere", 3), multi_label=False,
                      options=TrainOptions().to_dict(), provenance=[{"path": "x.tif", "acquisition_date": "2020-06-01"}],
                      report={"accuracy": 0.5}, training_state=trained.training_state, **kw)


def test_model_file_round_trip_gives_the_same_predictions(tmp_path, trained):
    path = _save(tmp_path / "m.pt", trained)
    model = load_model(path, device="cpu")
    assert model.band_count == 3 and model.tile_size_px == 4 and model.stride_px == 2
    assert [c.value for c in model.classes] == [1, 2, 5] and model.classes[1].color == (0, 100, 200)
    assert model.encoder.name == "sphere" and model.encoder.sh_degree == 3 and model.has_teacher
    x = torch.randn(5, 3, 4, 4)
    expected = torch.softmax(trained.model.student(x).logits, 1)
    assert torch.allclose(model.probabilities(x), expected, atol=1e-6)
    lat, lon, doy = torch.full((5,), 45.0), torch.full((5,), 7.0), torch.full((5,), 150.0)
    t = model.probabilities(x, lat, lon, doy, network="teacher")
    assert t.shape == (5, 3) and torch.allclose(t.sum(1), torch.ones(5))


def test_the_version_is_written_once_in_metadata_txt(tmp_path, trained):
    import configparser
    import importlib.metadata

    from spatiotemporal_ssl.core import __version__
    from spatiotemporal_ssl.core.app.modelfile import read_model_blob

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(os.path.dirname(os.path.dirname(__file__)), "metadata.txt"), encoding="utf-8")
    assert __version__ == parser["general"]["version"]
    assert importlib.metadata.version("spatiotemporal-ssl") == __version__  # pyproject.toml reads it (dynamic)
    software = read_model_blob(_save(tmp_path / "m.pt", trained))["config"]["software"]
    assert software == f"spatiotemporal_ssl {__version__}, torch {torch.__version__}"


def test_existing_model_file_is_not_overwritten_silently(tmp_path, trained):
    path = _save(tmp_path / "m.pt", trained)
    before = open(path, "rb").read()
    with pytest.raises(InputError, match="exists"):
        _save(tmp_path / "m.pt", trained)
    assert open(path, "rb").read() == before
    _save(tmp_path / "m.pt", trained, overwrite=True)


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_pickle_with_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as fh:
        pickle.dump({"format": "spatiotemporal-ssl-model", "x": Payload()}, fh)
    with pytest.raises(InputError, match="not a readable Spatiotemporal SSL model"):
        load_model(str(path), device="cpu")


def test_foreign_and_corrupt_files_are_refused(tmp_path):
    foreign = tmp_path / "other.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, foreign)
    with pytest.raises(InputError, match="not a Spatiotemporal SSL model"):
        load_model(str(foreign), device="cpu")
    corrupt = tmp_path / "cut.pt"
    corrupt.write_bytes(open(foreign, "rb").read()[:40])
    with pytest.raises(InputError):
        load_model(str(corrupt), device="cpu")


def _sample_patch_set(path, seed=0):
    """A real patch set: 4 x 4 tiles of the bundled Landsat sample, labelled by the dense reference."""
    tiles, y, ok = sample_tiles(4)
    tiles, y = tiles[ok], y[ok]
    rng = np.random.default_rng(seed)
    split = np.array(["unlabeled"] * len(y), dtype="<U9")
    order = rng.permutation(len(y))
    split[order[: len(y) // 3]] = "test"
    for c in range(3):
        idx = [i for i in order[len(y) // 3:] if y[i] == c][:8]
        split[idx] = "labeled"
    labels = np.where(split == "unlabeled", -1, y)
    n = len(y)
    np.savez(path, images=tiles.astype(np.uint8), labels=labels, split=split, lat=np.full(n, 35.8),
             lon=np.full(n, -78.7), date=np.array([""] * n), class_names=np.array(["developed", "herbaceous", "forest"]))
    return path


def test_evaluate_on_a_real_patch_set_reports_the_contract(tmp_path):
    path = _sample_patch_set(tmp_path / "set.npz")
    r = evaluate_patchset(str(path), method="fixmatch", metadata="teacher", steps=30, device="cpu",
                          batch_size=8, unlabeled_ratio=2, eval_every=10)
    for key in ("method", "metadata", "accuracy", "balanced_accuracy", "macro_f1", "per_class_f1", "n_labeled",
                "n_unlabeled", "n_test", "steps", "train_seconds", "device", "teacher_accuracy"):
        assert key in r, key
    split = np.load(path)["split"]
    assert r["n_test"] == int((split == "test").sum())
    assert r["n_labeled"] + r["n_validation"] == 24 and r["steps"] == 30
    assert r["accuracy"] > 0.5  # three distinct land covers from real pixels, far above chance (0.33)


def test_evaluate_command_writes_json(tmp_path, capsys):
    path = _sample_patch_set(tmp_path / "set.npz")
    out = tmp_path / "r.json"
    rc = cli.main(["evaluate", "--patches", str(path), "--method", "supervised", "--metadata", "input",
                   "--steps", "6", "--batch-size", "8", "--device", "cpu", "--json", str(out)])
    assert rc == 0
    r = json.loads(out.read_text())
    assert r["method"] == "supervised" and r["metadata"] == "input" and 0.0 <= r["accuracy"] <= 1.0


@pytest.mark.parametrize("argv,message", [
    (["train", "{image}", "--labels", "{labels}", "--class-field", "nope", "--out", "{tmp}/m.pt"], "class"),
    (["train", "{image}", "--labels", "{labels}", "--class-field", "label", "--out", "{tmp}/m.pt", "--date", "2000-13-40"], "2000-13-40"),
    (["train", "{image}", "--labels", "{labels}", "--class-field", "label", "--out", "{tmp}/m.pt", "--tile-size", "600"], "larger than raster"),
    (["train", "{image}", "--labels", "{labels}", "--class-field", "label", "--out", "/nonexistent-dir/m.pt"], "nonexistent-dir"),
    (["predict", "{tmp}/missing.pt", "{image}", "--out", "{tmp}/c.tif"], "does not exist"),
])
def test_bad_input_gives_a_clear_message_and_exit_code_2(tmp_path, capsys, argv, message):
    p = sample_paths()
    argv = [a.format(image=p["image"], labels=p["labels"], tmp=tmp_path) for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("stssl: error:") and message in err
    assert not os.path.exists(tmp_path / "m.pt")


@pytest.mark.slow
def test_demo_quick_end_to_end(tmp_path):
    result = run_demo(str(tmp_path / "demo"), quick=True, device="cpu", steps=30)
    for key in ("classes", "confidence", "teacher", "model", "preview", "metrics"):
        assert os.path.exists(result["paths"][key]), key
    with rasterio.open(result["paths"]["classes"]) as ds:
        assert ds.dtypes[0] == "uint8" and ds.nodata == 0
        cmap = ds.colormap(1)
        data = ds.read(1)
    assert cmap[5][:3] == (0, 100, 0) or cmap[5] != (0, 0, 0, 0)  # forest has its palette colour
    assert set(np.unique(data)) <= {0, 1, 2, 3, 4, 5, 6, 7}
    m = result["metrics"]
    assert m["held_out_pixels"] > 50_000 and m["held_out_pixel_accuracy"] > 0.4
    reach = m["label_reach"]  # the report's label reach travels into the demo's metrics
    assert reach["n_pool"] == m["n_unlabeled_tiles"] and 0 <= reach["fraction_beyond"] <= 1
    assert reach["warn"] == (reach["fraction_beyond"] > reach["warn_fraction"])


def test_train_command_says_how_many_tiles_validation_needs(tmp_path, capsys):
    # At a held-out fraction of 1 %, a class needs 150 labelled tiles (round(1.5) = 2): more than the sample has.
    p = sample_paths()
    rc = cli.main(["train", p["image"], "--labels", p["labels"], "--class-field", "label", "--out",
                   str(tmp_path / "m.pt"), "--steps", "2", "--tile-size", "4", "--device", "cpu",
                   "--val-fraction", "0.01"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "no held-out validation: at --val-fraction 0.01 a class needs 150 labelled tiles before 2 are held out" in out
