# SPDX-License-Identifier: GPL-2.0-or-later
"""Slovenia Sentinel-2 NDVI patches: summer -> winter (seasonal shift) and summer -> summer (reference)."""
from __future__ import annotations

from typing import Dict

import numpy as np

from benchlib import SHARED_DATA, month_of

from .common import Observations, assemble, stratified_location_split

SLO_FILE = SHARED_DATA / "eolearn_slovenia" / "patches.npz"

SLO_SUMMER_MONTHS = (6, 7, 8)
SLO_WINTER_MONTHS = (12, 1, 2)
SLO_MAX_CLOUD_FRAC = 0.05


SOURCE = (
        "Slovenia Sentinel-2 NDVI example patch of eo-learn (Sinergise; MIT), https://github.com/sentinel-hub/eo-learn; "
        "contains modified Copernicus Sentinel data 2015-2017; labels from the Slovenian MKGP RABA land-use register.")


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
            "sources": [SOURCE]}
    return assemble(obs, ~test & summer, test & test_season, k, seed, ucap, tcap, info)


def build_slo_summer_winter(k: int, seed: int, ucap: int, tcap: int) -> Dict[str, np.ndarray]:
    return _slovenia(SLO_WINTER_MONTHS, "slo_summer_winter", k, seed, ucap, tcap)


def build_slo_summer_summer(k: int, seed: int, ucap: int, tcap: int) -> Dict[str, np.ndarray]:
    return _slovenia(SLO_SUMMER_MONTHS, "slo_summer_summer", k, seed, ucap, tcap)
