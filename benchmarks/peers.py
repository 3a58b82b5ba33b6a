# SPDX-License-Identifier: GPL-2.0-or-later
"""Peer rows: what other QGIS tools give, on the same set files and seeds as the engine's rows.

    python benchmarks/peers.py --sets mtts_random,mtts_blocks,mtts_west_east --budgets 10 --seeds 0,1,2,3,4

Every run is a JSON file beside the engine's: ``benchmarks/runs/<variant>/<set>_k<k>_s<seed>/<row>.json``, with
the keys of `stssl evaluate`'s JSON (accuracy, balanced_accuracy, macro_f1, per_class_f1, n_labeled, ...) and the
same ``bench`` block as run_accuracy.py's runs (a rerun skips runs whose set file and settings are unchanged).
Missing set files are built with make_splits.py first. Rows (hyper-parameters fixed before any run, never tuned on
test labels; classifiers see only the labelled rows, feature standardisation the labelled and unlabelled rows):

- ``peer_rf``: random forest on the pixel values, what dzetsaka / the Semi-Automatic Classification Plugin give:
  500 trees, scikit-learn defaults otherwise, ``random_state`` = the seed; a 1x1 px row gives its channels, a larger
  tile the per-channel mean, std, min and max over its pixels.
- ``peer_presto_lr``: the frozen Presto encoder's embedding + logistic regression (C = 1), what feature-extraction
  plugins such as iamap give: the series' real months, no location token.
- ``peer_presto_lr_student``: the same with a constant month (the engine's pixel-only student view of Presto).
- ``peer_presto_lr_teacher``: the same with the location token and the real months (the teacher's view).
The Presto rows run only on sets whose bands map to Presto's channels (core/data/band_roles.py); the others are listed as
not applicable, with the reason. A tile larger than 1 px is the mean of its pixels' embeddings.

Series layout: an ``mtts_*`` row is a year-long series stacked as channels (dates x bands, date-major; the band
names are in the set's ``set_info``). The set files carry no dates for a series (the engine's teacher sees the
location only), so the dates are looked up in the source file by the series' values: a user's raster stack has them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from benchlib import (REPO_ROOT, SPLIT_LABELED, SPLIT_TEST, SPLIT_UNLABELED, classification_metrics, fmt_mean_std,
                      load_patch_set, set_info, set_path)

import make_splits
from patchsets.mato_grosso import MT_FILE, PARA_FILE
from run_accuracy import Row, cached, file_sha1, run_path

PRESTO_DIR = (REPO_ROOT / ".." / "shared" / "pretrained" / "presto").resolve()
RF_TREES = 500
LR_C = 1.0
LR_MAX_ITER = 5000
BATCH = 4096
PEER_VERSION = 1  # bump when a row's definition changes: cached runs are redone
PRESTO_VIEWS = {"peer_presto_lr": (False, True), "peer_presto_lr_student": (False, False),
                "peer_presto_lr_teacher": (True, True)}  # row -> (location token, real months)
PEER_ROWS = ["peer_rf"] + list(PRESTO_VIEWS)
DEFAULT_SETS = ["mtts_random", "mtts_blocks", "mtts_west_east", "mtts_para", "mtts_para_target", "mt_random",
                "mt_wet_dry", "slo_summer_winter", "slo_summer_summer", "raleigh"]
SOURCE_FILES = {"mato_grosso": [MT_FILE],
                "mato_grosso -> para": [MT_FILE, PARA_FILE]}


@dataclass
class SeriesView:
    """A patch set's pixels as time series: values (rows, pixels, T, bands) and dates (rows, T)."""

    values: np.ndarray
    dates: np.ndarray
    band_names: List[str]


def series_view(patch_set: Dict[str, np.ndarray]) -> SeriesView:
    info = set_info(patch_set)
    images = patch_set["images"].astype(np.float32)
    m, c, h, w = images.shape
    bands = [str(b) for b in info.get("bands", [])]
    if not bands or c % len(bands):
        raise ValueError(f"set {info.get('set')}: {c} channels do not split into its bands {bands}")
    t = c // len(bands)
    values = images.reshape(m, t, len(bands), h * w).transpose(0, 3, 1, 2)  # (rows, pixels, T, bands)
    if t == 1:
        return SeriesView(values, patch_set["date"].astype("<U10").reshape(m, 1), bands)
    if "timestep_dates" in patch_set:  # set files of BUILD_VERSION 3 on carry the dates of every timestep
        return SeriesView(values, patch_set["timestep_dates"].astype("<U10"), bands)
    return SeriesView(values, series_dates(images.reshape(m, c), bands, info.get("dataset", "")), bands)


def series_dates(flat: np.ndarray, bands: List[str], dataset: str) -> np.ndarray:
    """The dates (rows, T) of stacked series, found in the source files by the series' exact values."""
    lookup: Dict[bytes, np.ndarray] = {}
    for path in SOURCE_FILES.get(dataset, []):
        with np.load(path, allow_pickle=False) as npz:
            source_bands = [str(b) for b in npz["bands"]]
            ts = npz["ts"][:, :, [source_bands.index(b) for b in bands]].astype(np.float32)
            for row, dates in zip(ts.reshape(len(ts), -1), npz["ts_dates"]):
                lookup.setdefault(row.tobytes(), dates)
    try:
        return np.stack([lookup[row.tobytes()] for row in flat])
    except KeyError:
        raise ValueError(f"a series of dataset '{dataset}' is not in its source files; rebuild the sets") from None


def tile_features(images: np.ndarray) -> np.ndarray:
    """The random forest's features: the channels of a 1x1 px row, or per-channel mean/std/min/max of a tile."""
    m, c, h, w = images.shape
    flat = images.reshape(m, c, h * w).astype(np.float64)
    if h * w == 1:
        return flat[:, :, 0]
    with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        return np.concatenate([np.nanmean(flat, 2), np.nanstd(flat, 2), np.nanmin(flat, 2), np.nanmax(flat, 2)], 1)


class PrestoFeatures:
    """Frozen Presto embeddings of a patch set's rows, cached by content across sets and seeds."""

    def __init__(self, weights: Optional[str], threads: int) -> None:
        import torch

        from spatiotemporal_ssl.core.models.presto import PrestoEncoder, find_presto_weights, verify_sha256

        torch.set_num_threads(threads)
        path = find_presto_weights(weights, search_dirs=[PRESTO_DIR])
        verify_sha256(path)
        self.torch = torch
        self.encoder = PrestoEncoder.from_file(path)
        self.cache: Dict[Tuple[bytes, bool, bool], np.ndarray] = {}
        self.seconds = 0.0
        self.pixels = 0

    def prepare(self, patch_set: Dict[str, np.ndarray]):
        """(series, roles, scaling); InputError where the bands do not map to Presto (the row is not applicable)."""
        from spatiotemporal_ssl.core.data.band_roles import detect_band_roles
        from spatiotemporal_ssl.core.data.presto_input import detect_scaling

        series = series_view(patch_set)
        roles = detect_band_roles(series.band_names, sensor="modis" if "mato_grosso" in str(
            set_info(patch_set).get("dataset")) else None)
        sample = series.values.reshape(-1, len(series.band_names))
        scaling = detect_scaling(sample[:: max(1, len(sample) // 20000)], roles, patch_set["images"].dtype)
        return series, roles, scaling

    def embed(self, prepared, rows: np.ndarray, lat: np.ndarray, lon: np.ndarray, location: bool,
              real_months: bool) -> np.ndarray:
        from spatiotemporal_ssl.core.data.presto_input import build_presto_input
        from spatiotemporal_ssl.core.models.presto import PIXEL_ONLY_MONTH

        series, roles, scaling = prepared
        out = np.empty((len(rows), 128), dtype=np.float32)
        todo = []
        for i, r in enumerate(rows):
            key = (series.values[r].tobytes() + series.dates[r].tobytes()
                   + (np.array([lat[r], lon[r]]).tobytes() if location else b""), location, real_months)
            if key in self.cache:
                out[i] = self.cache[key]
            else:
                todo.append((i, r, key))
        torch = self.torch
        n_pixels = series.values.shape[1]
        rows_per_batch = max(1, BATCH // n_pixels)
        for start in range(0, len(todo), rows_per_batch):
            chunk = todo[start:start + rows_per_batch]
            r_idx = np.array([r for _, r, _ in chunk])
            values = series.values[r_idx].reshape(-1, *series.values.shape[2:])
            dates = np.repeat(series.dates[r_idx], n_pixels, axis=0)
            inp = build_presto_input(values, dates, roles, scaling)
            t0 = time.perf_counter()
            with torch.no_grad():
                latlon = (torch.from_numpy(np.repeat(np.stack([lat[r_idx], lon[r_idx]], 1), n_pixels, 0))
                          if location else None)
                result = self.encoder(torch.from_numpy(inp.x), torch.from_numpy(inp.mask),
                                      months=torch.from_numpy(inp.months) if real_months else PIXEL_ONLY_MONTH,
                                      latlon=latlon)
            self.seconds += time.perf_counter() - t0
            self.pixels += len(values)
            per_row = result.embedding.numpy().reshape(len(chunk), n_pixels, -1)
            with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
                sup.filter(RuntimeWarning)
                embedded = np.nanmean(per_row, 1)  # a tile: the mean over its observed pixels
            for (i, _r, key), vector in zip(chunk, embedded):
                out[i] = self.cache[key] = vector
        return out


def fit_predict(row: str, train_x: np.ndarray, train_y: np.ndarray, side_x: np.ndarray, test_x: np.ndarray,
                seed: int) -> np.ndarray:
    if row == "peer_rf":
        from sklearn.ensemble import RandomForestClassifier

        forest = RandomForestClassifier(n_estimators=RF_TREES, random_state=seed, n_jobs=1)
        return forest.fit(train_x, train_y).predict(test_x)
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.nan_to_num(side_x))
    model = LogisticRegression(C=LR_C, max_iter=LR_MAX_ITER)
    model.fit(scaler.transform(np.nan_to_num(train_x)), train_y)
    return model.predict(scaler.transform(np.nan_to_num(test_x)))


def run_one(patches: Path, row: str, seed: int, presto: Optional[PrestoFeatures]) -> dict:
    started = time.perf_counter()
    ps = load_patch_set(patches)
    split, labels = ps["split"], ps["labels"].astype(np.int64)
    labeled, test = np.flatnonzero(split == SPLIT_LABELED), np.flatnonzero((split == SPLIT_TEST) & (labels >= 0))
    side = np.flatnonzero((split == SPLIT_LABELED) | (split == SPLIT_UNLABELED))
    class_names = [str(n) for n in ps["class_names"]]
    details: dict = {}
    if row == "peer_rf":
        features = tile_features(ps["images"])
        train_x, side_x, test_x = features[labeled], features[side], features[test]
        details = {"classifier": f"RandomForestClassifier(n_estimators={RF_TREES}, random_state={seed})",
                   "features": "channels" if ps["images"].shape[2:] == (1, 1) else "per-channel mean/std/min/max"}
    else:
        location, real_months = PRESTO_VIEWS[row]
        prepared = presto.prepare(ps)
        side_x, train_x, test_x = (presto.embed(prepared, rows, ps["lat"], ps["lon"], location, real_months)
                                   for rows in (side, labeled, test))  # labelled rows come from the cache
        _series, roles, scaling = prepared
        details = {"classifier": f"StandardScaler + LogisticRegression(C={LR_C})", "location_token": location,
                   "months": "real" if real_months else "constant", "presto_groups": roles.groups(),
                   "band_roles": roles.describe(), "scaling": scaling}
    predicted = fit_predict(row, train_x, labels[labeled], side_x, test_x, seed)
    return {"method": row, "metadata": "teacher" if row == "peer_presto_lr_teacher" else "none",
            "encoding": "", "peer": details,
            **classification_metrics(labels[test], predicted, class_names, len(class_names)),
            "n_labeled": int(len(labeled)), "n_unlabeled": int((split == SPLIT_UNLABELED).sum()),
            "n_test": int(len(test)), "steps": 0, "device": "cpu", "train_seconds": time.perf_counter() - started}


def config_hash() -> str:
    text = json.dumps([PEER_VERSION, RF_TREES, LR_C, LR_MAX_ITER, PRESTO_VIEWS])
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS))
    parser.add_argument("--rows", default=",".join(PEER_ROWS))
    parser.add_argument("--budgets", default="10")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--variant", default="full", help="the runs folder the engine's rows of these sets are in")
    parser.add_argument("--weights", help=f"Presto weights (default: {PRESTO_DIR}/default_model.pt)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the engine's runs use 1)")
    args = parser.parse_args(argv)
    sets, rows = args.sets.split(","), args.rows.split(",")
    budgets, seeds = [int(b) for b in args.budgets.split(",")], [int(s) for s in args.seeds.split(",")]
    unknown = [r for r in rows if r not in PEER_ROWS] + [s for s in sets if s not in make_splits.BUILDERS]
    if unknown:
        parser.error(f"unknown row(s) or set(s) {unknown}; rows: {PEER_ROWS}, sets: {list(make_splits.BUILDERS)}")
    presto = PrestoFeatures(args.weights, args.threads) if any(r in PRESTO_VIEWS for r in rows) else None
    results: Dict[Tuple[str, int, str], List[dict]] = {}
    not_applicable: Dict[str, str] = {}
    for set_name in sets:
        make_splits.build([set_name], budgets, seeds, make_splits.DEFAULT_UNLABELED_CAP,
                          make_splits.DEFAULT_TEST_CAP, verbose=False)
        for k in budgets:
            for seed in seeds:
                patches = set_path(set_name, k, seed)
                if not patches.exists():
                    continue
                for row in rows:
                    if row in PRESTO_VIEWS and set_name in not_applicable:
                        continue
                    out = run_path(args.variant, set_name, k, seed, Row(row, row))
                    expected = {"set_sha1": file_sha1(patches), "row": row, "steps": 0, "extra_args": [],
                                "peer_config": config_hash()}
                    if cached(out, expected):
                        result = json.loads(out.read_text())
                    else:
                        t0 = time.perf_counter()
                        try:
                            result = run_one(patches, row, seed, presto)
                        except Exception as exc:  # noqa: BLE001 - InputError: the bands do not fit Presto
                            if row not in PRESTO_VIEWS or type(exc).__name__ != "InputError":
                                raise
                            not_applicable[set_name] = str(exc)
                            continue
                        result["bench"] = dict(expected, set=set_name, labels_per_class=k, seed=seed,
                                               command=["benchmarks/peers.py", row, str(patches)],
                                               wall_seconds=time.perf_counter() - t0, variant=args.variant,
                                               threads=args.threads, jobs=1)
                        out.parent.mkdir(parents=True, exist_ok=True)
                        tmp = out.with_suffix(".tmp")
                        tmp.write_text(json.dumps(result, indent=1))
                        tmp.replace(out)
                        print(f"  {set_name} k={k} s={seed} {row:24s} acc {result['accuracy']:.3f} "
                              f"bal {result['balanced_accuracy']:.3f} ({result['bench']['wall_seconds']:.1f} s)",
                              flush=True)
                    results.setdefault((set_name, k, row), []).append(result)
    print("\n| set | k | row | accuracy | balanced acc. | macro F1 | seeds |\n|---|---|---|---|---|---|---|")
    for (set_name, k, row), found in results.items():
        cells = [fmt_mean_std([r[m] for r in found]) for m in ("accuracy", "balanced_accuracy", "macro_f1")]
        print(f"| {set_name} | {k} | {row} | " + " | ".join(cells) + f" | {len(found)} |")
    for set_name, reason in not_applicable.items():
        print(f"\n{set_name}: Presto rows not applicable: {reason}")
    if presto is not None and presto.pixels:
        print(f"\nPresto: {presto.pixels} pixels embedded in {presto.seconds:.1f} s "
              f"({presto.pixels / max(presto.seconds, 1e-9):.0f} pixels/s, {args.threads} thread(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
