# SPDX-License-Identifier: GPL-2.0-or-later
"""Repairing invalid label polygons (self-intersecting "bowties", rings that touch themselves).

Rasterising an invalid polygon gives whatever the even-odd rule makes of it, silently. shapely's
``make_valid`` (GEOS MakeValid) splits a bowtie into its two triangles and keeps all the area that was drawn;
only the polygonal parts of its result are kept (a collapsed spike can come back as a line, which covers no
area). The caller reports how many features were repaired, so the user can check them.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np
import shapely

_POLYGONAL = (3, 6)  # Polygon, MultiPolygon


def _polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry:
    parts = shapely.get_parts(geometry)
    polygons = [p for p in parts if shapely.get_type_id(p) in _POLYGONAL and not p.is_empty]
    if not polygons:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(
        [q for p in polygons for q in shapely.get_parts(p)])


def repair_polygons(geometries: np.ndarray) -> Tuple[np.ndarray, List[int], List[int]]:
    """Return ``(geometries, repaired, collapsed)``: invalid (multi)polygons made valid, the indices of those
    repaired, and of those that kept no area (a polygon of zero area, or one that collapsed to lines)."""
    types = shapely.get_type_id(geometries)
    invalid = np.flatnonzero(np.isin(types, _POLYGONAL) & ~shapely.is_valid(geometries))
    if invalid.size == 0:
        return geometries, [], []
    out = geometries.copy()
    collapsed: List[int] = []
    for i, fixed in zip(invalid, shapely.make_valid(geometries[invalid])):
        fixed = _polygonal_part(fixed)
        if fixed.is_empty or fixed.area == 0:
            collapsed.append(int(i))
        out[i] = fixed
    return out, [int(i) for i in invalid if int(i) not in collapsed], collapsed
