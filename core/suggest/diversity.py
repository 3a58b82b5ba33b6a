# SPDX-License-Identifier: GPL-2.0-or-later
"""Picking suggestions that are not neighbours of one another.

The highest-scoring tiles of a map usually sit together (one confusing field gives a cluster of uncertain
tiles), and labelling twenty of them teaches the model what one of them would. The rule here is greedy:
walk the tiles from the best score down and keep a tile only when it is at least ``min_distance`` (in tile
widths, centre to centre) from every tile kept so far. Candidates are binned into square cells of
``min_distance``, so each check looks at the kept tiles of 9 cells only, whatever the map's size.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..errors import InputError


@dataclass
class Selection:
    """Indices of the chosen tiles, best first, and why there may be fewer than asked for."""

    indices: np.ndarray  # int64 (n,) into the candidates, in rank order
    asked: int
    min_distance: float
    candidates: int

    @property
    def short(self) -> bool:
        return len(self.indices) < min(self.asked, self.candidates)


def select_diverse(scores: np.ndarray, xy: np.ndarray, n: int, min_distance: float,
                   group: Optional[np.ndarray] = None) -> Selection:
    """Greedy selection of up to ``n`` tiles by descending score, at least ``min_distance`` apart.

    ``xy`` (N, 2) are tile centres in tile widths; tiles of different ``group`` (e.g. rasters whose positions
    cannot be compared) never exclude each other. ``min_distance`` 0 keeps the plain top ``n``. Ties in the
    score keep the candidates' order, so the result is deterministic. Non-finite scores are never chosen.
    """
    scores = np.asarray(scores, dtype=np.float64)
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if xy.shape[0] != scores.shape[0]:
        raise ValueError("scores and xy must have one row per candidate")
    if int(n) < 1:
        raise InputError(f"the number of suggestions must be at least 1 (got {n})")
    if not (min_distance >= 0 and math.isfinite(min_distance)):
        raise InputError(f"the minimum distance between suggestions must be 0 or more tiles (got {min_distance})")
    groups = [0] * len(scores) if group is None else np.asarray(group).tolist()
    usable = np.flatnonzero(np.isfinite(scores) & np.all(np.isfinite(xy), axis=1))
    order = usable[np.argsort(-scores[usable], kind="stable")]
    if min_distance == 0:
        return Selection(order[:n].astype(np.int64), int(n), 0.0, len(usable))
    cells: Dict[Tuple, List[Tuple[float, float]]] = defaultdict(list)
    chosen: List[int] = []
    limit = min_distance * min_distance
    for i in order:
        x, y = xy[i]
        cx, cy = math.floor(x / min_distance), math.floor(y / min_distance)
        g = groups[i]
        near = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for px, py in cells.get((g, cx + dx, cy + dy), ()):
                    if (px - x) ** 2 + (py - y) ** 2 < limit:
                        near = True
                        break
                if near:
                    break
            if near:
                break
        if near:
            continue
        cells[(g, cx, cy)].append((x, y))
        chosen.append(int(i))
        if len(chosen) >= n:
            break
    return Selection(np.asarray(chosen, dtype=np.int64), int(n), float(min_distance), len(usable))
