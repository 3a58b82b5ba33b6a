# SPDX-License-Identifier: GPL-2.0-or-later
"""How much of the mapped area lies farther from every label than the labels lie from each other.

The run's validation accuracy is measured on held-out labelled tiles, which lie among the other labels. It says
nothing about tiles much farther from every label: on the benchmark's Mato Grosso -> Para sets the validation tiles
are all right while the map of Para, hundreds of kilometres from any label, is far worse (docs/benchmarks.md).
The check is the geographic form of the "area of applicability" (Meyer & Pebesma 2021), with distances in
space as in nearest-neighbour distance matching (Mila et al. 2022): a held-out label lies about as far from the
other labels as the labels lie from each other, so the farthest any labelled tile lies from its nearest other
labelled tile is the reach a held-out figure covers. An unlabelled tile of the rasters (the area the map covers)
farther than that from every labelled tile is beyond it. All labels count, not only the run's few validation
tiles, so the reach does not swing with which tiles were held out. It reads only locations, never a pixel or a
class.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

EARTH_RADIUS_KM = 6371.0088
# Above this share of the unlabelled tiles beyond the reach, the report warns: one tile in twenty, the share a
# statement at 95 % leaves out. The figure itself is always in the report.
WARN_FRACTION = 0.05
_CELLS = 1 << 21  # distances per block (16 MB of float64): the memory stays flat however many tiles and labels
# The share beyond is estimated on at most this many unlabelled tiles (a fixed random sample): its standard error
# is under 0.4 points, and a raster of millions of tiles costs no more than this.
MAX_POOL = 20_000


@dataclass(frozen=True)
class LabelReach:
    reach_km: float  # the farthest any labelled tile lies from its nearest other labelled tile
    n_pool: int  # unlabelled tiles with a known location
    n_beyond: int  # of them, farther than reach_km from every labelled tile
    farthest_km: float  # the unlabelled tile farthest from every labelled tile (of the sample, on a large pool)

    @property
    def fraction_beyond(self) -> float:
        return self.n_beyond / self.n_pool if self.n_pool else 0.0

    @property
    def warn(self) -> bool:
        return self.fraction_beyond > WARN_FRACTION

    def to_dict(self) -> dict:
        return {**asdict(self), "fraction_beyond": round(self.fraction_beyond, 4), "warn": self.warn,
                "warn_fraction": WARN_FRACTION}


def _haversine_min(lat: np.ndarray, lon: np.ndarray, to_lat: np.ndarray, to_lon: np.ndarray,
                   exclude_self: bool) -> np.ndarray:
    la, lo = np.radians(np.asarray(lat, np.float64)), np.radians(np.asarray(lon, np.float64))
    tla, tlo = np.radians(np.asarray(to_lat, np.float64)), np.radians(np.asarray(to_lon, np.float64))
    out = np.empty(la.shape[0], dtype=np.float64)
    rows = max(1, _CELLS // max(1, tla.shape[0]))
    for start in range(0, la.shape[0], rows):
        a, b = la[start:start + rows, None], lo[start:start + rows, None]
        h = np.sin((tla[None] - a) / 2) ** 2 + np.cos(a) * np.cos(tla[None]) * np.sin((tlo[None] - b) / 2) ** 2
        if exclude_self:  # row i of this block is target start + i
            own = np.arange(h.shape[0])
            h[own, start + own] = np.inf
        out[start:start + rows] = h.min(axis=1)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(out, 0.0, 1.0)))


def nearest_km(lat: np.ndarray, lon: np.ndarray, to_lat: np.ndarray, to_lon: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) from every (lat, lon) to the nearest of (to_lat, to_lon); degrees in."""
    return _haversine_min(lat, lon, to_lat, to_lon, exclude_self=False)


def nearest_other_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) from every point to the nearest other point of the same set."""
    return _haversine_min(lat, lon, lat, lon, exclude_self=True)


def label_reach(lat: np.ndarray, lon: np.ndarray, labelled_idx: np.ndarray,
                pool_idx: np.ndarray) -> Optional[LabelReach]:
    """The reach of the labels and the unlabelled tiles beyond it, or None where it cannot be told: fewer than
    two labelled tiles or no unlabelled tile with a known place.

    Indices point into ``lat``/``lon`` (degrees; NaN for a tile whose place is unknown, which is left out).
    """
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)

    def known(idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        return idx[np.isfinite(lat[idx]) & np.isfinite(lon[idx])]

    labelled, pool = known(labelled_idx), known(pool_idx)
    if len(labelled) < 2 or len(pool) == 0:
        return None
    reach = float(nearest_other_km(lat[labelled], lon[labelled]).max())
    sample = pool if len(pool) <= MAX_POOL else np.random.default_rng(0).choice(pool, MAX_POOL, replace=False)
    to_label = nearest_km(lat[sample], lon[sample], lat[labelled], lon[labelled])
    n_beyond = int((to_label > reach).sum())
    if len(sample) < len(pool):  # the share of the sample, scaled to the whole pool
        n_beyond = int(round(n_beyond * len(pool) / len(sample)))
    return LabelReach(reach_km=round(reach, 3), n_pool=int(len(pool)), n_beyond=n_beyond,
                      farthest_km=round(float(to_label.max()), 3))
