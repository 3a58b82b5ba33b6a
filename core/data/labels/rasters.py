# SPDX-License-Identifier: GPL-2.0-or-later
"""Class rasters as labels: reading their codes and nodata, and per-tile class coverage from them."""
from __future__ import annotations

import math
import os
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import rasterio
import rasterio.warp
import shapely
from rasterio.windows import Window

from ...errors import InputError
from ...params import ClassSpec
from ..raster import RasterInfo
from ..tiling import TileGrid
from .classes import class_indices
from .coverage import inside_masks, strips, tile_positions, window_sums
from .vectors import clean_value, raster_footprint

def class_raster_nodata(path: str, class_nodata: Optional[float] = None) -> Tuple[float, ...]:
    """The values that mean 'no label' in a class raster: the file's nodata (GDAL says it is not data) and
    ``class_nodata`` when given; with neither, 0 (the usual 'no data' code of class rasters such as ESA
    WorldCover)."""
    with rasterio.open(path) as ds:
        values = [float(ds.nodata)] if ds.nodata is not None else []
    if class_nodata is not None:
        values.append(float(class_nodata))
    return tuple(values) if values else (0.0,)


def read_class_raster_codes(path: str, class_nodata: Optional[float] = None) -> List[Any]:
    """The distinct class codes in a class raster (block by block; 'no label' pixels excluded)."""
    _check_class_raster(path)
    nodata = class_raster_nodata(path, class_nodata)
    codes: set = set()
    with rasterio.open(path) as ds:
        for _, window in ds.block_windows(1):
            block = ds.read(1, window=window)
            codes.update(np.unique(block).tolist())
    found = [clean_value(v) for v in codes if v not in nodata and not (isinstance(v, float) and math.isnan(v))]
    if not found:
        raise InputError(f"class raster '{os.path.basename(path)}' holds no class (every pixel is 'no label': "
                         f"{', '.join(f'{v:g}' for v in nodata)}); check the file or its nodata value")
    return found


def _check_class_raster(path: str) -> None:
    if not os.path.exists(path):
        raise InputError(f"class raster '{path}' does not exist; check the path")
    try:
        with rasterio.open(path) as ds:
            count = ds.count
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"class raster '{os.path.basename(path)}' cannot be read by GDAL ({exc}); "
                         "for vector labels give the class field") from exc
    if count != 1:
        raise InputError(f"class raster '{os.path.basename(path)}' has {count} bands; a class raster needs exactly one "
                         "band of class codes")


def class_raster_overlaps(path: str, info: RasterInfo) -> bool:
    """Whether a class raster's extent touches a raster's (after reprojection to the raster's CRS)."""
    with rasterio.open(path) as src:
        bounds = src.bounds
        src_crs = src.crs
    if src_crs is not None and info.crs is not None and src_crs != info.crs:
        bounds = rasterio.warp.transform_bounds(src_crs, info.crs, *bounds)
    return bool(shapely.intersects(shapely.box(*bounds), raster_footprint(info)))


def tile_class_coverage_from_raster(
    class_raster_path: str,
    info: RasterInfo,
    grid: TileGrid,
    classes: Sequence[ClassSpec],
    class_nodata: Optional[float] = None,
    valid_masks: Optional[np.ndarray] = None,
    rows: Optional[np.ndarray] = None,
    cols: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Per-tile class coverage (N_tiles, K) from a class raster, as :func:`tile_class_coverage` does for shapes.

    A class raster on the image's grid is read as is; one on another grid or CRS is resampled to the image
    grid with nearest neighbour (class codes must not be averaged). Pixels equal to the file's nodata or to
    ``class_nodata`` (0 when neither is set) are unlabelled.
    """
    _check_class_raster(class_raster_path)
    name = os.path.basename(class_raster_path)
    rows, cols = tile_positions(grid, rows, cols)
    t = grid.tile_size_px
    valid = inside_masks(grid, rows, cols) if valid_masks is None else np.asarray(valid_masks, dtype=bool)
    coverage = np.zeros((len(rows), len(classes)), dtype=np.float64)
    if len(rows) == 0:
        return coverage
    nodata = class_raster_nodata(class_raster_path, class_nodata)
    n_valid = valid.sum(axis=(1, 2))
    with rasterio.open(class_raster_path) as src:
        same_grid = (src.transform == info.transform and src.width == info.width and src.height == info.height
                     and (src.crs == info.crs or src.crs is None or info.crs is None))
        if not same_grid and (src.crs is None or info.crs is None):
            raise InputError(
                f"class raster '{name}' is not on the grid of raster '{info.name}' and one of them has no CRS, so it "
                "cannot be resampled; assign both a CRS or align the class raster to the image"
            )
        span_width = int(cols.max()) + t - int(cols.min())
        for sel, top, bottom in strips(rows, t, span_width):
            left, right = int(cols[sel].min()), int(cols[sel].max()) + t
            height, width = bottom - top, right - left
            codes = np.full((height, width), np.nan, dtype=np.float64)
            if same_grid:
                r0, c0 = max(top, 0), max(left, 0)
                r1, c1 = min(bottom, src.height), min(right, src.width)
                if r1 > r0 and c1 > c0:
                    block = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0)).astype(np.float64)
                    codes[r0 - top:r1 - top, c0 - left:c1 - left] = block
            else:
                rasterio.warp.reproject(
                    source=rasterio.band(src, 1), destination=codes,
                    src_transform=src.transform, src_crs=src.crs, src_nodata=nodata[0],
                    dst_transform=info.transform @ rasterio.Affine.translation(left, top), dst_crs=info.crs,
                    dst_nodata=np.nan, resampling=rasterio.warp.Resampling.nearest,
                )
            codes[np.isin(codes, nodata)] = np.nan
            present = [v for v in np.unique(codes) if not np.isnan(v)]
            if not present:
                continue
            columns = class_indices(present, classes, f"class raster '{name}'")
            r, c = rows[sel] - top, cols[sel] - left
            for code, k in zip(present, columns):
                coverage[sel, k] += window_sums(codes == code, r, c, t, valid[sel])
    return np.divide(coverage, n_valid[:, None], out=np.zeros_like(coverage), where=n_valid[:, None] > 0)


# ------------------------------------------------------------------------------------------ tile labels
