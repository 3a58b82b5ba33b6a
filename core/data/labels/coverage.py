# SPDX-License-Identifier: GPL-2.0-or-later
"""Per-tile class coverage from label vectors: the fraction of each tile's valid pixels that each class covers,
rasterised at the raster's own resolution in strips of bounded memory, so a polygon drawn a little past a field edge
does not mislabel the neighbouring tile."""
from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np
import rasterio
import rasterio.features
import shapely

from ...params import ClassSpec
from ..tiling import TileGrid
from .classes import class_indices
from .vectors import POINT_TYPES, POLYGON_TYPES, LabelShapes

# Memory for one rasterised strip of labels (bytes); strips keep memory flat on large rasters.
_STRIP_BYTES = 16 * 1024 * 1024

def tile_positions(grid: TileGrid, rows: Optional[np.ndarray],
                   cols: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    if rows is None or cols is None:
        return grid.origins()
    return np.asarray(rows, dtype=np.int64).ravel(), np.asarray(cols, dtype=np.int64).ravel()


def inside_masks(grid: TileGrid, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Valid masks when none are given: every pixel inside the raster counts."""
    t = grid.tile_size_px
    r = rows[:, None, None] + np.arange(t)[None, :, None]
    c = cols[:, None, None] + np.arange(t)[None, None, :]
    return (r < grid.height) & (c < grid.width)


def strips(rows: np.ndarray, t: int, width: int) -> Iterable[Tuple[np.ndarray, int, int]]:
    """Groups of tiles (indices into rows) lying in horizontal strips of bounded size: (sel, top, bottom)."""
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    strip_height = max(t, _STRIP_BYTES // max(width + t, 1))
    start = 0
    while start < len(order):
        top = int(sorted_rows[start])
        stop = max(int(np.searchsorted(sorted_rows, top + strip_height - t, side="right")), start + 1)
        sel = order[start:stop]
        yield sel, top, int(rows[sel].max()) + t
        start = stop


def window_sums(image: np.ndarray, r: np.ndarray, c: np.ndarray, t: int, valid: np.ndarray) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(image, (t, t))[r, c]
    return np.count_nonzero(windows & valid, axis=(1, 2))


def _flatten(geometries: np.ndarray, class_index: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Single-part geometries with the class index of the feature they came from."""
    geoms, idx = geometries, class_index
    for _ in range(3):  # collections of multi-parts need more than one pass
        parts, src = shapely.get_parts(geoms, return_index=True)
        parts_idx = idx[src]
        if len(parts) == len(geoms) and np.all(shapely.get_type_id(parts) == shapely.get_type_id(geoms)):
            break
        geoms, idx = parts, parts_idx
    return geoms, idx


def tile_class_coverage(
    shapes: LabelShapes,
    classes: Sequence[ClassSpec],
    transform: rasterio.Affine,
    grid: TileGrid,
    valid_masks: Optional[np.ndarray] = None,
    rows: Optional[np.ndarray] = None,
    cols: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Fraction of each tile's valid pixels covered by each class: float64 (N_tiles, K).

    ``shapes`` must be in the raster's CRS. Tiles are all of ``grid`` in :meth:`TileGrid.origins` order, or the
    origins ``rows``/``cols``. ``valid_masks`` (N_tiles, T, T) are the tiles' validity masks (as from
    :func:`core.data.tiling.extract_tiles`); nodata pixels count neither as covered nor in the denominator. Without
    them every pixel inside the raster counts.

    Polygons are rasterised at pixel resolution with GDAL's pixel-centre rule (``all_touched=False``), one class
    at a time, so overlapping polygons of different classes each count their own coverage. A point labels the
    tile(s) containing it with coverage 1, provided its pixel is valid.
    """
    rows, cols = tile_positions(grid, rows, cols)
    t = grid.tile_size_px
    valid = inside_masks(grid, rows, cols) if valid_masks is None else np.asarray(valid_masks, dtype=bool)
    if valid.shape != (len(rows), t, t):
        raise ValueError(f"valid_masks must have shape {(len(rows), t, t)}, got {valid.shape}")
    n_classes = len(classes)
    coverage = np.zeros((len(rows), n_classes), dtype=np.float64)
    if len(rows) == 0 or len(shapes) == 0:
        return coverage
    class_index = class_indices(shapes.values, classes, f"label file '{shapes.name}'")
    geoms, idx = _flatten(shapes.geometries, class_index)
    types = shapely.get_type_id(geoms)
    is_poly = np.isin(types, POLYGON_TYPES)
    is_point = np.isin(types, POINT_TYPES)
    poly_geoms, poly_idx = geoms[is_poly], idx[is_poly]
    poly_bounds = shapely.bounds(poly_geoms) if len(poly_geoms) else np.zeros((0, 4))
    n_valid = valid.sum(axis=(1, 2))
    for sel, top, bottom in strips(rows, t, int(cols.max()) + t - int(cols.min())):
        left, right = int(cols[sel].min()), int(cols[sel].max()) + t
        strip_transform = transform @ rasterio.Affine.translation(left, top)
        xmin, ymin, xmax, ymax = _window_bounds(strip_transform, bottom - top, right - left)
        near = ((poly_bounds[:, 0] <= xmax) & (poly_bounds[:, 2] >= xmin)
                & (poly_bounds[:, 1] <= ymax) & (poly_bounds[:, 3] >= ymin))
        r, c = rows[sel] - top, cols[sel] - left
        for k in np.unique(poly_idx[near]):
            burned = rasterio.features.rasterize(
                [(g, 1) for g in poly_geoms[near & (poly_idx == k)]],
                out_shape=(bottom - top, right - left), transform=strip_transform,
                fill=0, all_touched=False, dtype="uint8",
            ).astype(bool)
            coverage[sel, k] = window_sums(burned, r, c, t, valid[sel])

    coverage = np.divide(coverage, n_valid[:, None], out=np.zeros_like(coverage), where=n_valid[:, None] > 0)

    if np.any(is_point):
        _add_points(coverage, geoms[is_point], idx[is_point], transform, grid, rows, cols, valid)
    return coverage


def _window_bounds(transform: rasterio.Affine, height: int, width: int) -> Tuple[float, float, float, float]:
    corners = [transform @ (c, r) for r in (0, height) for c in (0, width)]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _add_points(coverage: np.ndarray, points: np.ndarray, class_index: np.ndarray, transform: rasterio.Affine,
                grid: TileGrid, rows: np.ndarray, cols: np.ndarray, valid: np.ndarray) -> None:
    """Set coverage 1 for each point's class in every requested tile holding the point on a valid pixel."""
    t, s = grid.tile_size_px, grid.stride_px
    position = {(int(r), int(c)): i for i, (r, c) in enumerate(zip(rows, cols))}
    xy = shapely.get_coordinates(points)
    inverse = ~transform
    for (x, y), k in zip(xy, class_index):
        col_f, row_f = inverse @ (x, y)
        pr, pc = int(math.floor(row_f)), int(math.floor(col_f))
        if not (0 <= pr < grid.height and 0 <= pc < grid.width):
            continue
        # Origins i*s with i*s <= p < i*s + t.
        for i in range(max(0, -(-(pr - t + 1) // s)), min(pr // s, grid.n_rows - 1) + 1):
            for j in range(max(0, -(-(pc - t + 1) // s)), min(pc // s, grid.n_cols - 1) + 1):
                n = position.get((i * s, j * s))
                if n is not None and valid[n, pr - i * s, pc - j * s]:
                    coverage[n, k] = 1.0
