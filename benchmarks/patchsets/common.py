# SPDX-License-Identifier: GPL-2.0-or-later
"""The split rules every set shares: whole locations on one side, k labels per class spread over locations, the
unlabelled pool from the training side only, and the checks that a written set is honest."""
from __future__ import annotations

import collections
import json
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from benchlib import SPLIT_LABELED, SPLIT_TEST, SPLIT_UNLABELED, set_info

# Bump when a rule below changes: existing set files with another version are rebuilt, and cached runs on them are
# redone (run_accuracy.py keys its cache on the set file's content).
BUILD_VERSION = 3

DEFAULT_BUDGETS = (5, 10, 25)
DEFAULT_SEEDS = (0, 1, 2, 3, 4)
# Caps keep one CPU run of one method in the tens of seconds; the unlabelled pool is still > 10x the labels.
DEFAULT_UNLABELED_CAP = 4000
DEFAULT_TEST_CAP = 5000


@dataclass
class Observations:
    """All rows a set may draw from: one image per row, with its true class and where/when it was taken."""

    images: np.ndarray  # (M, C, H, W)
    labels: np.ndarray  # (M,) index into class_names; -1 = not part of this task (never used anywhere)
    location_id: np.ndarray  # (M,)
    lat: np.ndarray
    lon: np.ndarray
    date: np.ndarray  # (M,) 'YYYY-MM-DD' or ''
    class_names: List[str]
    # Time series stacked as channels (date-major): the bands of one timestep and each row's timestep dates
    # (M, T) 'YYYY-MM-DD', so a time-series encoder knows which channel is which band at which date.
    band_names: Optional[List[str]] = None
    timestep_dates: Optional[np.ndarray] = None


def stratified_location_split(location_id: np.ndarray, labels: np.ndarray, test_fraction: float,
                              rng: np.random.Generator) -> np.ndarray:
    """Boolean test mask over rows: whole locations, ``test_fraction`` of each class's locations (at least one)."""
    test_locations = []
    task = labels >= 0
    locations = np.unique(location_id[task])
    location_class = {loc: lab for loc, lab in zip(location_id[task], labels[task])}
    for c in np.unique(labels[task]):
        of_class = np.array([loc for loc in locations if location_class[loc] == c])
        rng.shuffle(of_class)
        n_test = max(1, int(round(test_fraction * len(of_class))))
        test_locations.extend(of_class[:n_test].tolist())
    return np.isin(location_id, test_locations)


def sample_labeled(obs: Observations, train_rows: np.ndarray, labels_per_class: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Row indices of k labelled observations per class, spread over as many training locations as possible."""
    chosen: List[int] = []
    for c in range(len(obs.class_names)):
        rows = np.flatnonzero(train_rows & (obs.labels == c))
        if len(rows) == 0:
            continue
        by_location: Dict[int, List[int]] = collections.defaultdict(list)
        for r in rows:
            by_location[int(obs.location_id[r])].append(int(r))
        locations = np.array(sorted(by_location))
        rng.shuffle(locations)
        for loc in locations:
            rng.shuffle(by_location[loc])
        taken = 0
        round_index = 0
        while taken < labels_per_class and taken < len(rows):
            for loc in locations:
                if taken >= labels_per_class:
                    break
                if round_index < len(by_location[loc]):
                    chosen.append(by_location[loc][round_index])
                    taken += 1
            round_index += 1
    return np.asarray(chosen, dtype=np.int64)


def assemble(obs: Observations, train_rows: np.ndarray, test_rows: np.ndarray, labels_per_class: int, seed: int,
             unlabeled_cap: int, test_cap: int, info: dict,
             extra_unlabeled_rows: Optional[np.ndarray] = None) -> Dict[str, np.ndarray]:
    """``extra_unlabeled_rows``: rows outside the training domain that join the unlabelled pool only (never
    labelled, never tested; their locations must not be test locations)."""
    rng = np.random.default_rng([seed, labels_per_class, 7919])
    train_rows = train_rows & (obs.labels >= 0)
    test_rows = test_rows & (obs.labels >= 0)
    train_locations = set(np.unique(obs.location_id[train_rows]).tolist())
    test_locations = set(np.unique(obs.location_id[test_rows]).tolist())
    overlap = train_locations & test_locations
    if overlap:
        raise AssertionError(f"{info['set']}: {len(overlap)} locations on both sides of the split")

    labeled = sample_labeled(obs, train_rows, labels_per_class, rng)
    pool = np.setdiff1d(np.flatnonzero(train_rows), labeled)
    if extra_unlabeled_rows is not None:
        extra = np.flatnonzero(extra_unlabeled_rows & (obs.labels >= 0))
        if set(np.unique(obs.location_id[extra]).tolist()) & test_locations:
            raise AssertionError(f"{info['set']}: unlabelled rows at test locations")
        pool = np.concatenate([pool, extra])
    unlabeled = rng.permutation(pool)[:unlabeled_cap]
    test = rng.permutation(np.flatnonzero(test_rows))[:test_cap]
    order = np.concatenate([labeled, np.sort(unlabeled), np.sort(test)])
    split = np.array([SPLIT_LABELED] * len(labeled) + [SPLIT_UNLABELED] * len(unlabeled) + [SPLIT_TEST] * len(test))
    true_labels = obs.labels[order].astype(np.int64)
    visible_labels = np.where(split == SPLIT_UNLABELED, -1, true_labels)

    info = dict(info, labels_per_class=labels_per_class, seed=seed, unlabeled_cap=unlabeled_cap, test_cap=test_cap,
                build_version=BUILD_VERSION, n_train_locations=len(train_locations),
                n_test_locations=len(test_locations))
    return {
        "images": np.ascontiguousarray(obs.images[order]).astype(np.float32),
        "labels": visible_labels,
        "split": split,
        "lat": obs.lat[order].astype(np.float64),
        "lon": obs.lon[order].astype(np.float64),
        "date": obs.date[order].astype("<U10"),
        "class_names": np.array(obs.class_names),
        "location_id": obs.location_id[order].astype(np.int64),
        "diagnostic_labels": true_labels,
        "set_info": np.array(json.dumps(info)),
        **({"band_names": np.array(obs.band_names), "timestep_dates": obs.timestep_dates[order].astype("<U10")}
           if obs.band_names is not None and obs.timestep_dates is not None else {}),
    }


def summarize(name: str, patch_set: Dict[str, np.ndarray]) -> str:
    names = [str(n) for n in patch_set["class_names"]]
    truth = patch_set["diagnostic_labels"]
    lines = [f"{name}: {patch_set['images'].shape[1:]} per patch; "
             f"{set_info(patch_set).get('n_train_locations')} train / {set_info(patch_set).get('n_test_locations')} "
             f"test locations"]
    for split in (SPLIT_LABELED, SPLIT_UNLABELED, SPLIT_TEST):
        rows = patch_set["split"] == split
        counts = collections.Counter(truth[rows].tolist())
        per_class = ", ".join(f"{names[c]} {counts.get(c, 0)}" for c in range(len(names)))
        n_loc = len(np.unique(patch_set["location_id"][rows]))
        lines.append(f"    {split:9s} {int(rows.sum()):5d} rows, {n_loc:4d} locations  [{per_class}]")
    return "\n".join(lines)


def check_honest(patch_set: Dict[str, np.ndarray], name: str) -> None:
    split, location = patch_set["split"], patch_set["location_id"]
    test_locations = set(location[split == SPLIT_TEST].tolist())
    train_locations = set(location[split != SPLIT_TEST].tolist())
    if test_locations & train_locations:
        raise AssertionError(f"{name}: test locations also on the training side")
    if np.any(patch_set["labels"][split == SPLIT_UNLABELED] != -1):
        raise AssertionError(f"{name}: the unlabelled pool carries labels")
