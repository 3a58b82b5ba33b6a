# SPDX-License-Identifier: GPL-2.0-or-later
"""Where tiles are on Earth: pixel coordinates -> map coordinates -> latitude/longitude (WGS 84).

The teacher's location encoding needs degrees, whatever CRS the raster is in, so every conversion goes through
one cached pyproj transformer per CRS. Points that cannot be placed on Earth come back as NaN, which the
metadata encoder treats as "location unknown" rather than as a place.
"""
from __future__ import annotations

import functools
from typing import Any, Tuple, Union

import numpy as np
import pyproj
from affine import Affine

from ..errors import InputError

ArrayLike = Union[float, int, np.ndarray, list, tuple]

_NO_CRS_FIX = (
    "assign one (QGIS: Layer Properties > Source; GDAL: gdal_edit.py -a_srs EPSG:XXXX) "
    "or give its location with --lat and --lon (degrees)"
)


def require_crs(crs: Any, name: str) -> pyproj.CRS:
    """The raster's CRS as a :class:`pyproj.CRS`, or :class:`InputError` naming the raster when it has none.

    ``crs`` may be a rasterio CRS, a pyproj CRS, or anything pyproj accepts (``'EPSG:32633'``, WKT, an EPSG
    code). An empty rasterio CRS counts as missing, because GDAL reports "no CRS" that way.
    """
    if crs is None or (hasattr(crs, "to_wkt") and not crs.to_wkt()):
        raise InputError(f"raster '{name}' has no CRS, so tile locations cannot be computed; {_NO_CRS_FIX}")
    try:
        return _as_pyproj(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(
            f"raster '{name}' has a CRS that PROJ does not understand ({exc}); {_NO_CRS_FIX}"
        ) from exc


def describe_crs(crs: Any) -> str:
    """A short label for messages and reports: ``'EPSG:32633 - WGS 84 / UTM zone 33N'``.

    Geographic CRSs get ``'(geographic, degrees)'`` appended, because pixel sizes in degrees surprise users
    who expect metres; a CRS without an EPSG code is described by its name; a missing one by ``'no CRS'``.
    """
    if crs is None or (hasattr(crs, "to_wkt") and not crs.to_wkt()):
        return "no CRS"
    pcrs = _as_pyproj(crs)
    code = pcrs.to_epsg()
    label = f"EPSG:{code} - {pcrs.name}" if code is not None else pcrs.name
    if pcrs.is_geographic:
        label += " (geographic, degrees)"
    return label


def lonlat_from_xy(xs: ArrayLike, ys: ArrayLike, crs: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Map coordinates in ``crs`` -> ``(lat, lon)`` in degrees (WGS 84), as float64 arrays of the input's shape.

    Works for projected and geographic CRSs alike. Points outside the projection's domain come back as NaN
    (unknown location), never as infinities that would poison the encoder.
    """
    pcrs = require_crs(crs, "coordinates")
    try:
        transformer = _to_wgs84(pcrs.to_wkt())
    except pyproj.exceptions.ProjError as exc:
        raise InputError(
            f"CRS '{describe_crs(pcrs)}' cannot be converted to latitude/longitude ({exc}); "
            "reproject the raster to an Earth CRS or give its location with --lat and --lon"
        ) from exc
    xs_arr, ys_arr = np.broadcast_arrays(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
    if xs_arr.size == 1:
        # pyproj takes one-element arrays down its scalar path, which numpy >= 1.25 warns about.
        lon, lat = transformer.transform(float(xs_arr.item()), float(ys_arr.item()), errcheck=False)
    else:
        lon, lat = transformer.transform(np.ravel(xs_arr), np.ravel(ys_arr), errcheck=False)
    lat = np.asarray(lat, dtype=np.float64).reshape(xs_arr.shape)
    lon = np.asarray(lon, dtype=np.float64).reshape(xs_arr.shape)
    bad = ~(np.isfinite(lat) & np.isfinite(lon))
    if bad.any():
        lat = np.where(bad, np.nan, lat)
        lon = np.where(bad, np.nan, lon)
    return lat, lon


def pixel_centres_xy(transform: Affine, rows: ArrayLike, cols: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Map coordinates of fractional pixel positions.

    ``rows``/``cols`` are positions in pixel space, where pixel (r, c) covers [r, r+1) x [c, c+1), so the
    centre of pixel (r, c) is (r + 0.5, c + 0.5): callers pass that, and the same function places tile
    centres. Rotated geotransforms are honoured because the full affine is applied.
    """
    rows_arr = np.asarray(rows, dtype=np.float64)
    cols_arr = np.asarray(cols, dtype=np.float64)
    xs = transform.a * cols_arr + transform.b * rows_arr + transform.c
    ys = transform.d * cols_arr + transform.e * rows_arr + transform.f
    return xs, ys


def tile_centres_latlon(
    transform: Affine, crs: Any, rows: ArrayLike, cols: ArrayLike, tile_size_px: int
) -> Tuple[np.ndarray, np.ndarray]:
    """``(lat, lon)`` of the centres of square tiles whose top-left pixel is (row, col).

    The centre sits at pixel position (row + tile_size_px / 2, col + tile_size_px / 2); for a one-pixel
    tile that is the pixel's own centre.
    """
    if tile_size_px < 1:
        raise InputError(f"tile size {tile_size_px} px is not positive; use a tile size of at least 1 pixel")
    half = tile_size_px / 2.0
    xs, ys = pixel_centres_xy(transform, np.asarray(rows, dtype=np.float64) + half,
                              np.asarray(cols, dtype=np.float64) + half)
    return lonlat_from_xy(xs, ys, crs)


def _as_pyproj(crs: Any) -> pyproj.CRS:
    if isinstance(crs, pyproj.CRS):
        return crs
    if hasattr(crs, "to_wkt"):  # rasterio CRS: go through WKT so no rasterio/pyproj version coupling
        return pyproj.CRS.from_user_input(crs.to_wkt())
    return pyproj.CRS.from_user_input(crs)


@functools.lru_cache(maxsize=32)
def _to_wgs84(wkt: str) -> pyproj.Transformer:
    # Building a transformer costs milliseconds; tiling calls this once per raster, not once per tile.
    return pyproj.Transformer.from_crs(pyproj.CRS.from_wkt(wkt), pyproj.CRS.from_epsg(4326), always_xy=True)
