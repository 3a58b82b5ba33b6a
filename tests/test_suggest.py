# SPDX-License-Identifier: GPL-2.0-or-later
"""Active-learning suggestions: the scores, the distance rule, and `stssl suggest` on a small real raster."""
import math

import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
import torch

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.modelfile import load_model
from spatiotemporal_ssl.core.app.pipeline import train_model
from spatiotemporal_ssl.core.data.dataset import build_tileset
from spatiotemporal_ssl.core.data.normalization import normalize_tiles
from spatiotemporal_ssl.core.data.tiling import TileGrid
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.params import RasterInput, TrainOptions, TrainRequest
from spatiotemporal_ssl.core.suggest.diversity import select_diverse
from spatiotemporal_ssl.core.suggest.scores import (
    TileProbabilities, online_student, score_tiles, symmetric_kl, tile_probabilities,
)
from spatiotemporal_ssl.core.suggest.tiles import suggest_tiles, write_suggestions
from spatiotemporal_ssl.tests.rasters import pixel_box, utm_transform, write_labels, write_raster


# --- scores -------------------------------------------------------------------------------------------------
def test_scores_rank_the_uncertain_tile_first():
    student = np.array([[0.98, 0.01, 0.01], [0.40, 0.35, 0.25], [0.50, 0.50, 0.0]])
    probs = TileProbabilities(student=student)
    assert score_tiles(probs, "confidence") == pytest.approx([0.02, 0.60, 0.50], abs=1e-5)
    # Margin: 1 - (top1 - top2); the 50/50 tile is the most ambiguous.
    assert score_tiles(probs, "margin") == pytest.approx([0.03, 0.95, 1.0], abs=1e-5)


def test_symmetric_kl_by_hand_and_disagreement_needs_the_teacher():
    p, q = np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]])
    by_hand = 0.4 * (math.log(0.9 / 0.5)) + (-0.4) * (math.log(0.1 / 0.5))  # sum (q - p)(log q - log p)
    assert symmetric_kl(p, q)[0] == pytest.approx(by_hand, rel=1e-5)
    assert symmetric_kl(q, q)[0] == pytest.approx(0.0, abs=1e-9)
    probs = TileProbabilities(student=np.vstack([p, q]), teacher=np.vstack([q, q]))
    assert score_tiles(probs, "disagreement") == pytest.approx([by_hand, 0.0], abs=1e-6)
    with pytest.raises(InputError, match="teacher"):
        score_tiles(TileProbabilities(student=p), "disagreement")
    with pytest.raises(InputError, match="not known"):
        score_tiles(probs, "entropy!")


def test_multi_label_scores_treat_each_class_as_a_yes_no_question():
    sure = [0.99, 0.01]
    unsure = [0.5, 0.99]  # the first class is a coin toss
    probs = TileProbabilities(student=np.array([sure, unsure]), multi_label=True)
    conf = score_tiles(probs, "confidence")
    assert conf[1] > conf[0] and conf[1] == pytest.approx((0.5 + 0.01) / 2, abs=1e-5)


# --- the distance rule --------------------------------------------------------------------------------------
def test_greedy_selection_keeps_suggestions_apart():
    # A cluster of high scores around (0, 0) and lower scores far away.
    xy = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [10, 10], [20, 0], [0.5, 3]], dtype=float)
    scores = np.array([9, 8, 7, 6, 5, 4, 3], dtype=float)
    top = select_diverse(scores, xy, 3, 0.0).indices
    assert top.tolist() == [0, 1, 2]  # no rule: the cluster
    spread = select_diverse(scores, xy, 4, 2.0)
    assert spread.indices.tolist() == [0, 4, 5, 6]
    chosen = xy[spread.indices]
    gaps = [np.hypot(*(a - b)) for i, a in enumerate(chosen) for b in chosen[i + 1:]]
    assert min(gaps) >= 2.0 and not spread.short
    # Other groups (rasters whose positions cannot be compared) never block each other.
    grouped = select_diverse(scores, xy, 2, 2.0, group=np.array([0, 1, 0, 0, 0, 0, 0]))
    assert grouped.indices.tolist() == [0, 1]
    # Asking for more than the rule allows gives fewer, and says so; NaN scores are never picked.
    few = select_diverse(np.array([1.0, 2.0, np.nan]), np.zeros((3, 2)), 3, 1.0)
    assert few.indices.tolist() == [1] and few.short
    with pytest.raises(InputError, match="at least 1"):
        select_diverse(scores, xy, 0, 1.0)


# --- on a raster --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """A 32 x 32 px, 3-band raster: a bright west half and a dark east half, two labelled tiles of each, and
    a model trained for a few steps (teacher mode, so every score has its networks)."""
    folder = tmp_path_factory.mktemp("suggest")
    rng = np.random.default_rng(0)
    data = rng.normal(100, 5, (3, 32, 32))
    data[:, :, 16:] -= 60
    raster = write_raster(folder / "scene.tif", data.astype(np.float32), tags={"ACQUISITION_DATE": "2021-07-01"})
    geoms = [pixel_box(0, 0, 4, 4), pixel_box(4, 4, 8, 8), pixel_box(0, 28, 4, 32), pixel_box(28, 28, 32, 32)]
    labels = write_labels(folder / "labels.gpkg", geoms, ["bright", "bright", "dark", "dark"])
    opts = TrainOptions(steps=6, batch_size=4, unlabeled_ratio=2, eval_every=3, device="cpu", tile_size_px=4,
                        val_fraction=0.0)
    model = str(folder / "model.pt")
    train_model(TrainRequest([RasterInput(raster)], labels, "class", model, opts))
    return {"raster": raster, "labels": labels, "model": model, "folder": folder}


def test_suggestions_skip_labelled_tiles_and_use_the_prediction_code(scene):
    model = load_model(scene["model"], device="cpu")
    s = suggest_tiles(model, [RasterInput(scene["raster"])], scene["labels"], "class", n=10, score="confidence",
                      min_distance=2.0)
    assert len(s) == 10 and s.candidates == 64 - 4 and s.labelled == 4
    labelled = {(0, 0), (4, 4), (0, 28), (28, 28)}
    assert not labelled & set(zip(s.row.tolist(), s.col.tolist()))
    assert np.all(np.diff(s.score) <= 0)  # ranked, best first
    tiles_xy = np.stack([s.col, s.row], axis=1) / 4.0
    assert min(np.hypot(*(a - b)) for i, a in enumerate(tiles_xy) for b in tiles_xy[i + 1:]) >= 2.0
    # The scores are 1 - max probability of LoadedModel.probabilities on those tiles, normalised as predict does.
    tiles, _, _ = build_tileset([RasterInput(scene["raster"])], scene["labels"], "class", 4, 4,
                                classes=model.classes)
    k = [int(np.flatnonzero((tiles.row == r) & (tiles.col == c))[0]) for r, c in zip(s.row[:3], s.col[:3])]
    x = torch.from_numpy(normalize_tiles(tiles.images[k], tiles.valid[k], model.band_stats))
    direct = model.probabilities(x).numpy()
    assert s.score[:3] == pytest.approx(1 - direct.max(axis=1), abs=1e-5)
    assert s.class_index[:3].tolist() == direct.argmax(axis=1).tolist()


def test_every_score_runs_and_the_online_student_comes_from_the_training_state(scene):
    model = load_model(scene["model"], device="cpu")
    online = online_student(model)
    assert online is not None and online.teacher is None
    ema = dict(model.student.state_dict())
    assert any(not torch.equal(v, online.student.state_dict()[k]) for k, v in ema.items())  # really another net
    for score in ("confidence", "margin", "disagreement", "ema"):
        s = suggest_tiles(model, [RasterInput(scene["raster"])], scene["labels"], "class", n=5, score=score)
        assert len(s) == 5 and np.all(np.isfinite(s.score)) and s.teacher_index is not None
    x = np.zeros((2, 3, 4, 4), np.float32)
    probs = tile_probabilities(model, x, np.full(2, 36.1), np.full(2, -81.0), np.full(2, 182.0), ("teacher", "online"))
    assert probs.teacher.shape == probs.online.shape == probs.student.shape == (2, 2)


def test_geopackage_has_tile_polygons_ranks_and_classes(scene):
    model = load_model(scene["model"], device="cpu")
    s = suggest_tiles(model, [RasterInput(scene["raster"])], scene["labels"], "class", n=6)
    out = str(scene["folder"] / "suggestions.gpkg")
    write_suggestions(s, out)
    meta, _, geometry, fields = pyogrio.raw.read(out, layer="suggestions")
    row = dict(zip(meta["fields"], fields))
    assert row["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert set(row["class_name"]) <= {"bright", "dark"} and set(row["class_value"]) <= {1, 2}
    assert "32617" in meta["crs"]
    with rasterio.open(scene["raster"]) as ds:
        grid, transform = TileGrid(ds.width, ds.height, 4, 4), ds.transform
    for g, r, c in zip(geometry, row["row_off"], row["col_off"]):
        assert shapely.from_wkb(g).bounds == pytest.approx(grid.tile_bounds(transform, int(r), int(c)))
    # Never overwritten silently.
    with pytest.raises(InputError, match="exists"):
        write_suggestions(s, out)


def test_stssl_suggest_end_to_end_and_clear_errors(scene, capsys):
    out = str(scene["folder"] / "cli.gpkg")
    argv = ["suggest", scene["model"], scene["raster"], "--labels", scene["labels"], "--class-field", "class",
            "--n", "4", "--score", "margin", "--out", out, "--device", "cpu"]
    assert cli.main(argv) == 0
    assert "4 tiles of 60 unlabelled" in capsys.readouterr().out
    assert cli.main(argv) == 2
    assert "exists" in capsys.readouterr().err
    bad = argv[:-4] + ["--out", str(scene["folder"] / "x.shp")]
    assert cli.main(bad) == 2 and "GeoPackage" in capsys.readouterr().err
    other = write_raster(scene["folder"] / "five.tif", np.zeros((5, 8, 8), np.float32))
    bad = ["suggest", scene["model"], other, "--labels", scene["labels"], "--class-field", "class",
           "--out", str(scene["folder"] / "y.gpkg")]
    assert cli.main(bad) == 2 and "5 bands" in capsys.readouterr().err


def test_the_same_place_on_two_dates_is_one_place(tmp_path):
    """Tile positions are taken in the first raster's CRS: a second date of the same scene lands on the same spots
    (so the distance rule never suggests one place twice), a raster without a CRS is a group of its own."""
    from spatiotemporal_ssl.core.data.raster import open_raster_info
    from spatiotemporal_ssl.core.suggest.tiles import _tile_positions

    data = np.zeros((1, 16, 16), np.float32)
    a = open_raster_info(write_raster(tmp_path / "a.tif", data))
    b = open_raster_info(write_raster(tmp_path / "b.tif", data))
    c = open_raster_info(write_raster(tmp_path / "c.tif", data, crs=None), require_crs=False)
    rows, cols = np.array([0, 4, 0, 4, 0]), np.array([0, 8, 0, 8, 0])
    xy, group = _tile_positions([a, b, c], np.array([0, 0, 1, 1, 2]), rows, cols, 4)
    assert xy[0] == pytest.approx(xy[2]) and xy[1] == pytest.approx(xy[3])
    assert xy[1] - xy[0] == pytest.approx([2.0, -1.0])  # two tiles east, one tile south (y grows north)
    assert group[:4].tolist() == [0, 0, 0, 0] and group[4] != 0
    picked = select_diverse(np.array([5.0, 4.0, 3.0, 2.0, 1.0]), xy, 5, 1.0, group).indices
    assert sorted(picked.tolist()) == [0, 1, 4]
