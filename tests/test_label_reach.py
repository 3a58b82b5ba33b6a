# SPDX-License-Identifier: GPL-2.0-or-later
"""The label reach (core/learning/label_reach.py): how much of the raster lies farther from every label than the
labels lie from each other, in the run's report, `stssl evaluate`'s result, the command line and the dock."""
from __future__ import annotations

import numpy as np
import pytest

from rasters import pixel_box, write_labels, write_raster

from spatiotemporal_ssl.core.app.pipeline import train_model
from spatiotemporal_ssl.core.learning import label_reach as reach_module
from spatiotemporal_ssl.core.learning.label_reach import (WARN_FRACTION, label_reach, nearest_km,
                                                          nearest_other_km, touching_distance_km)
from spatiotemporal_ssl.core.params import RasterInput, TrainOptions, TrainRequest


def test_distances_are_great_circle_kilometres():
    # One degree of latitude is 111.2 km anywhere; one of longitude shrinks with the cosine of the latitude.
    assert nearest_km(np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([0.0]))[0] == pytest.approx(111.19, abs=0.05)
    at_60 = nearest_km(np.array([60.0]), np.array([1.0]), np.array([60.0]), np.array([0.0]))[0]
    assert at_60 == pytest.approx(111.19 * 0.5, rel=0.01)
    # The nearest of several, and never a point to itself.
    assert nearest_km(np.array([0.0]), np.array([0.0]), np.array([5.0, 0.5]), np.array([0.0, 0.0]))[0] == \
        pytest.approx(55.6, abs=0.1)
    assert nearest_other_km(np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.0, 0.0])) == pytest.approx(
        [111.19, 111.19, 222.39], abs=0.05)


def test_the_distance_blocks_give_the_same_answer_as_one_block(monkeypatch):
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-10, 10, 50), rng.uniform(-10, 10, 50)
    whole = nearest_other_km(lat, lon), nearest_km(lat[:20], lon[:20], lat[20:], lon[20:])
    monkeypatch.setattr(reach_module, "_CELLS", 7 * 30)  # blocks of 7 rows against 30 targets: not dividing 50
    assert np.allclose(nearest_other_km(lat, lon), whole[0])
    assert np.allclose(nearest_km(lat[:20], lon[:20], lat[20:], lon[20:]), whole[1])


def _grid(lat0: float, lon0: float, n: int, step: float):
    lat, lon = np.meshgrid(lat0 + step * np.arange(n), lon0 + step * np.arange(n))
    return lat.ravel(), lon.ravel()


def test_a_pool_far_from_the_labels_is_beyond_the_reach_and_warns():
    lab_lat, lab_lon = _grid(0.0, 0.0, 4, 0.1)  # labels 0.1 degrees (11 km) apart
    near_lat, near_lon = _grid(0.05, 0.05, 3, 0.1)  # between them
    far_lat, far_lon = _grid(5.0, 5.0, 3, 0.1)  # 700 km away
    lat = np.concatenate([lab_lat, near_lat, far_lat])
    lon = np.concatenate([lab_lon, near_lon, far_lon])
    labelled, near, far = np.arange(16), np.arange(16, 25), np.arange(25, 34)

    reach = label_reach(lat, lon, labelled, near)
    assert reach.reach_km == pytest.approx(11.1, abs=0.1) and reach.n_beyond == 0 and not reach.warn
    reach = label_reach(lat, lon, labelled, np.concatenate([near, far]))
    assert reach.n_pool == 18 and reach.n_beyond == 9 and reach.fraction_beyond == 0.5 and reach.warn
    assert reach.farthest_km > 700
    record = reach.to_dict()
    assert record["fraction_beyond"] == 0.5 and record["warn"] is True and record["warn_fraction"] == WARN_FRACTION


def test_a_large_pool_is_estimated_on_a_sample(monkeypatch):
    rng = np.random.default_rng(1)
    lab_lat, lab_lon = _grid(0.0, 0.0, 4, 0.1)
    pool_lat = np.r_[rng.uniform(0.0, 0.3, 3000), rng.uniform(4.0, 5.0, 1000)]  # a quarter far away
    pool_lon = rng.uniform(0.0, 0.3, 4000)
    lat, lon = np.r_[lab_lat, pool_lat], np.r_[lab_lon, pool_lon]
    exact = label_reach(lat, lon, np.arange(16), np.arange(16, 4016))
    monkeypatch.setattr(reach_module, "MAX_POOL", 800)
    sampled = label_reach(lat, lon, np.arange(16), np.arange(16, 4016))
    assert exact.n_beyond == 1000 and sampled.n_pool == 4000
    assert abs(sampled.fraction_beyond - 0.25) < 0.05 and sampled.reach_km == exact.reach_km


def test_the_tiles_of_one_polygon_count_as_one_sample():
    # A grid of tiles 0.01 degrees (1.1 km) apart; two labelled 3 x 3 patches (polygons) 10 tiles apart.
    lat, lon = _grid(0.0, 0.0, 30, 0.01)
    cell = (np.round(lat / 0.01).astype(int), np.round(lon / 0.01).astype(int))
    labelled = np.flatnonzero(((cell[0] < 3) | ((cell[0] >= 13) & (cell[0] < 16))) & (cell[1] < 3))
    pool = np.setdiff1d(np.arange(len(lat)), labelled)
    touching = touching_distance_km(lat, lon)
    assert touching == pytest.approx(1.5 * 1.112, rel=0.01)
    by_tile = label_reach(lat, lon, labelled, pool)  # each tile a sample: its neighbour is one tile away
    by_polygon = label_reach(lat, lon, labelled, pool, touching)
    assert by_tile.reach_km == pytest.approx(1.11, abs=0.01) and by_tile.fraction_beyond > 0.9
    assert by_polygon.reach_km == pytest.approx(11 * 1.112, rel=0.01)  # from one patch's edge to the other's
    assert by_polygon.fraction_beyond < by_tile.fraction_beyond
    # One patch only: its own spread (one tile) is all a held-out tile of it can show.
    one = label_reach(lat, lon, labelled[cell[0][labelled] < 3], pool, touching)
    assert one.reach_km == pytest.approx(1.11, abs=0.01)


def test_unknown_places_are_left_out_and_too_few_labels_give_no_reach():
    lat = np.array([0.0, 0.1, np.nan, 0.05, np.nan])
    lon = np.array([0.0, 0.0, 0.0, 0.0, np.nan])
    reach = label_reach(lat, lon, np.array([0, 1, 2]), np.array([3, 4]))
    assert reach.n_pool == 1 and reach.n_beyond == 0  # the tile of unknown place counts neither way
    assert label_reach(lat, lon, np.array([0, 2]), np.array([3])) is None  # one known label: no distance between
    assert label_reach(lat, lon, np.array([0, 1]), np.array([4])) is None  # no pool tile with a known place


def test_a_run_labelled_in_one_corner_says_how_much_of_the_raster_is_beyond_its_labels(tmp_path, capsys):
    rng = np.random.default_rng(0)
    data = rng.normal(100, 5, (3, 48, 48))
    data[:, :, 24:] -= 60
    raster = write_raster(tmp_path / "scene.tif", data.astype(np.float32), tags={"ACQUISITION_DATE": "2021-07-01"})
    # Four bright and four dark 4 px tiles, all in the raster's north-west quarter.
    bright = [pixel_box(r, c, r + 4, c + 4) for r in (0, 4) for c in (0, 4)]
    dark = [pixel_box(r, c, r + 4, c + 4) for r in (8, 12) for c in (0, 4)]
    labels = write_labels(tmp_path / "labels.gpkg", bright + dark, ["bright"] * 4 + ["dark"] * 4)
    opts = TrainOptions(steps=2, batch_size=4, unlabeled_ratio=2, eval_every=2, device="cpu", tile_size_px=4)
    result = train_model(TrainRequest([RasterInput(raster)], labels, "class", str(tmp_path / "m.pt"), opts))
    reach = result.report["label_reach"]
    assert reach["n_pool"] > 100 and reach["fraction_beyond"] > 0.5 and reach["warn"] is True

    from spatiotemporal_ssl.plugin.results import reach_html, report_html

    html = report_html(result.report, "m.pt")
    assert "farther from every label" in html and "does not speak for them" in html and "<b>" in reach_html(reach)
    quiet = dict(reach, fraction_beyond=0.01, warn=False)
    assert "does not speak" not in reach_html(quiet) and "1 %" in reach_html(quiet)
    assert reach_html(None) == ""

    from spatiotemporal_ssl.core import cli

    assert cli.main(["train", str(raster), "--labels", str(labels), "--class-field", "class", "--out",
                     str(tmp_path / "cli.pt"), "--steps", "2", "--tile-size", "4", "--device", "cpu",
                     "--batch-size", "4", "--unlabeled-ratio", "2"]) == 0
    out = capsys.readouterr().out
    assert "label reach: " in out and "% of the" in out and "does not speak for them: label tiles there" in out


def test_stssl_evaluate_reports_the_reach_of_its_pool_and_of_its_test_tiles(tmp_path):
    from spatiotemporal_ssl.core.app.evaluate import patch_set_reach

    lab_lat, lab_lon = _grid(0.0, 0.0, 4, 0.1)
    lat = np.concatenate([lab_lat, [0.05, 0.15, 5.0], [0.05, 6.0, 6.1, 6.2]])
    lon = np.concatenate([lab_lon, [0.05, 0.15, 5.0], [0.05, 6.0, 6.1, 6.2]])
    split = np.array(["labeled"] * 16 + ["unlabeled"] * 3 + ["test"] * 4)
    ps = {"split": split, "labels": np.r_[np.arange(16) % 2, [-1] * 3, [0, 1, 0, 1]], "multi_label": False,
          "has_data": np.ones(23, bool), "lat": lat, "lon": lon}
    out = patch_set_reach(ps)
    assert out["label_reach"]["n_pool"] == 3 and out["label_reach"]["n_beyond"] == 1
    assert out["test_beyond_reach"] == 0.75  # three of the four test tiles are 700 km from every label
