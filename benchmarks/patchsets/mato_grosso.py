# SPDX-License-Identifier: GPL-2.0-or-later
"""Mato Grosso MODIS sets (and Para): single-date pixels (``mt_*``) and year-long series (``mtts_*``)."""
from __future__ import annotations

import collections
from typing import Dict, List, Tuple

import numpy as np

from benchlib import SHARED_DATA, month_of

from .common import Observations, assemble, stratified_location_split

MT_FILE = SHARED_DATA / "sits_mato_grosso" / "patches.npz"
PARA_FILE = SHARED_DATA / "sits_mato_grosso" / "extra_para_prodes226064_modis.npz"

MT_WET_MONTHS = (10, 11, 12, 1, 2, 3, 4)
MT_DRY_MONTHS = (5, 6, 7, 8, 9)


SOURCES = {
    "mato_grosso": (
        "Mato Grosso MODIS MOD13Q1 samples `samples_mt_9classes` from the `sits` R package (INPE; GPL-2): "
        "R. Simoes et al. (2018), *SITS: Data Analysis and Machine Learning using Satellite Image Time Series*, "
        "https://github.com/e-sensing/sits; samples of Picoli et al. (2018), ISPRS J. Photogramm. Remote Sens. 145. "
        "MODIS reflectances: NASA/USGS."),
    "para": (
        "Para MODIS samples `prodes_226_064` from the `sits` R package (INPE; GPL-2), "
        "https://github.com/e-sensing/sits. MODIS reflectances: NASA/USGS."),
}


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
                           date=np.full(n, "", dtype="<U10"), class_names=names,
                           band_names=[str(b) for b in d["bands"]], timestep_dates=d["ts_dates"])
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
        series_meta = dict(band_names=shared_bands, timestep_dates=np.concatenate([mt["ts_dates"], para["ts_dates"]]))
    else:
        mt_images, para_images = mt["images"][:, mt_band_index], para["images"]
        mt_coarse, para_label = mt["obs_label_coarse"], para["obs_label"]
        mt_location = mt["location_id"][mt["obs_sample"]]
        para_location = para["location_id"][para["obs_sample"]]
        lat = np.concatenate([mt["obs_lat"], para["obs_lat"]])
        lon = np.concatenate([mt["obs_lon"], para["obs_lon"]])
        date = np.concatenate([mt["obs_date"], para["obs_date"]])
        series_meta = {}
    mt_labels = np.where(mt_coarse == mt_forest, 0, 1)
    para_labels = np.array([para_map[int(c)] for c in para_label])
    obs = Observations(
        images=np.concatenate([mt_images, para_images]), labels=np.concatenate([mt_labels, para_labels]),
        location_id=np.concatenate([mt_location.astype(np.int64), para_location.astype(np.int64) + 1_000_000]),
        lat=lat, lon=lon, date=date, class_names=["Forest", "NonForest"], **series_meta)
    in_para = np.arange(len(obs.labels)) >= len(mt_labels)
    info = _mt_info(f"{_prefix(series)}_para", series,
                    "cross-region: train Mato Grosso (Forest vs Cerrado/Pasture/Agriculture), test Para (Forest vs "
                    "Pasture/Deforestation_2014; Deforestation_2015 left out); bands nir, ndvi, evi")
    info.update(dataset="mato_grosso -> para", bands=shared_bands, sources=[SOURCES["mato_grosso"], SOURCES["para"]])
    return obs, in_para, info
