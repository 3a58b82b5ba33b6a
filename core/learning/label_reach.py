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
tiles, so the reach does not swing with which tiles were held out. The tiles of one labelled polygon touch, and
count as one sample: the reach is then how far polygons lie apart, as a leave-one-polygon-out validation would
measure it. It reads only locations, never a pixel or a class.
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


def _distance_blocks(lat: np.ndarray, lon: np.ndarray, to_lat: np.ndarray, to_lon: np.ndarray):
    """Yield (first row, great-circle km from those rows to every target), a block of rows at a time."""
    la, lo = np.radians(np.asarray(lat, np.float64)), np.radians(np.asarray(lon, np.float64))
    tla, tlo = np.radians(np.asarray(to_lat, np.float64)), np.radians(np.asarray(to_lon, np.float64))
    rows = max(1, _CELLS // max(1, tla.shape[0]))
    for start in range(0, la.shape[0], rows):
        a, b = la[start:start + rows, None], lo[start:start + rows, None]
        h = np.sin((tla[None] - a) / 2) ** 2 + np.cos(a) * np.cos(tla[None]) * np.sin((tlo[None] - b) / 2) ** 2
        yield start, 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def nearest_km(lat: np.ndarray, lon: np.ndarray, to_lat: np.ndarray, to_lon: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) from every (lat, lon) to the nearest of (to_lat, to_lon); degrees in."""
    out = np.empty(len(lat), dtype=np.float64)
    for start, d in _distance_blocks(lat, lon, to_lat, to_lon):
        out[start:start + d.shape[0]] = d.min(axis=1)
    return out


def nearest_other_km(lat: np.ndarray, lon: np.ndarray, groups: Optional[np.ndarray] = None) -> np.ndarray:
    """Great-circle distance (km) from every point to the nearest point of another group of the same set (each
    point its own group when ``groups`` is None)."""
    groups = np.arange(len(lat)) if groups is None else np.asarray(groups)
    out = np.empty(len(lat), dtype=np.float64)
    for start, d in _distance_blocks(lat, lon, lat, lon):
        d[groups[start:start + d.shape[0], None] == groups[None]] = np.inf
        out[start:start + d.shape[0]] = d.min(axis=1)
    return out


def touching_groups(lat: np.ndarray, lon: np.ndarray, within_km: float) -> np.ndarray:
    """Group ids joining points closer than ``within_km`` (chains included): the tiles of one labelled polygon,
    which a held-out tile of the same polygon sits next to, count as one sample."""
    parent = np.arange(len(lat))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if within_km > 0:
        for start, d in _distance_blocks(lat, lon, lat, lon):
            for i, j in zip(*np.nonzero(d < within_km)):
                a, b = root(start + int(i)), root(int(j))
                if a != b:
                    parent[a] = b
    return np.array([root(i) for i in range(len(lat))])


def touching_distance_km(lat: np.ndarray, lon: np.ndarray) -> float:
    """How close two labelled tiles of these tiles must be to count as one sample: 1.5 x the tile spacing, which
    joins a tile to its eight neighbours (the diagonal ones lie 1.41 spacings away) and no farther."""
    known = np.isfinite(lat) & np.isfinite(lon)
    return 1.5 * grid_spacing_km(np.asarray(lat)[known], np.asarray(lon)[known])


def grid_spacing_km(lat: np.ndarray, lon: np.ndarray, probes: int = 200) -> float:
    """The typical distance between neighbouring tiles: the median distance from a few tiles (a fixed sample) to
    their nearest other tile."""
    n = len(lat)
    if n < 2:
        return 0.0
    pick = np.random.default_rng(0).choice(n, min(probes, n), replace=False)
    d = np.empty(len(pick), dtype=np.float64)
    for start, block in _distance_blocks(lat[pick], lon[pick], lat, lon):
        block[np.arange(block.shape[0]), pick[start:start + block.shape[0]]] = np.inf
        d[start:start + block.shape[0]] = block.min(axis=1)
    return float(np.median(d))


def _known(lat: np.ndarray, lon: np.ndarray, idx: np.ndarray) -> np.ndarray:
    idx = np.asarray(idx, dtype=np.int64)
    return idx[np.isfinite(lat[idx]) & np.isfinite(lon[idx])]


def reach_km(lat: np.ndarray, lon: np.ndarray, labelled_idx: np.ndarray, touching_km: float = 0.0) -> Optional[float]:
    """The reach of the labels (km), or None with fewer than two labelled tiles of known place.

    Labelled tiles closer than ``touching_km`` to each other (a polygon's tiles; 0: none) are one sample, and the
    reach is the farthest one such sample lies from the next; where all labels form one sample, from the next tile.
    """
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    labelled = _known(lat, lon, labelled_idx)
    if len(labelled) < 2:
        return None
    groups = touching_groups(lat[labelled], lon[labelled], touching_km)
    if len(np.unique(groups)) < 2:
        groups = np.arange(len(labelled))  # one patch of labels: its own spread is all a held-out tile can show
    to_other = nearest_other_km(lat[labelled], lon[labelled], groups)
    # A sample's distance to the next is that of its closest tile; the reach is the largest such distance.
    _, of_sample = np.unique(groups, return_inverse=True)
    per_sample = np.full(of_sample.max() + 1, np.inf)
    np.minimum.at(per_sample, of_sample, to_other)
    return float(per_sample.max())


def beyond_reach(lat: np.ndarray, lon: np.ndarray, labelled_idx: np.ndarray, pool_idx: np.ndarray,
                 reach: Optional[float]) -> Optional[LabelReach]:
    """The tiles of ``pool_idx`` farther than ``reach`` km from every labelled tile, or None where it cannot be
    told (no reach, or no pool tile of known place). Indices point into ``lat``/``lon`` (degrees; NaN for a tile
    whose place is unknown, which is left out)."""
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    labelled, pool = _known(lat, lon, labelled_idx), _known(lat, lon, pool_idx)
    if reach is None or len(pool) == 0:
        return None
    sample = pool if len(pool) <= MAX_POOL else np.random.default_rng(0).choice(pool, MAX_POOL, replace=False)
    to_label = nearest_km(lat[sample], lon[sample], lat[labelled], lon[labelled])
    n_beyond = int((to_label > reach).sum())
    if len(sample) < len(pool):  # the share of the sample, scaled to the whole pool
        n_beyond = int(round(n_beyond * len(pool) / len(sample)))
    return LabelReach(reach_km=round(reach, 3), n_pool=int(len(pool)), n_beyond=n_beyond,
                      farthest_km=round(float(to_label.max()), 3))


def label_reach(lat: np.ndarray, lon: np.ndarray, labelled_idx: np.ndarray, pool_idx: np.ndarray,
                touching_km: float = 0.0) -> Optional[LabelReach]:
    """The reach of the labels (:func:`reach_km`) and the unlabelled tiles beyond it (:func:`beyond_reach`), or None
    where it cannot be told: fewer than two labelled tiles or no unlabelled tile with a known place."""
    return beyond_reach(lat, lon, labelled_idx, pool_idx, reach_km(lat, lon, labelled_idx, touching_km))


def reach_line(reach: dict) -> str:
    """The command line's sentence for a report's ``label_reach`` record (the dock words it in plugin/results.py)."""
    line = (f"label reach: {100 * reach['fraction_beyond']:.0f}% of the {reach['n_pool']} unlabelled tiles lie farther "
            f"from every label than {reach['reach_km']:.3g} km, the farthest a label lies from the next")
    if reach["warn"]:
        line += "; the validation accuracy does not speak for them: label tiles there"
    return line
