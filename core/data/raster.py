# SPDX-License-Identifier: GPL-2.0-or-later
"""Opening rasters and reading windows with their nodata masks (rasterio).

Every read goes through :func:`read_block`, which pads outside the raster and reports a validity mask, so
tiles at the edges are padded and masked rather than dropped, and nodata/NaN never reach the network.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
import rasterio
from rasterio.windows import Window

from ..errors import InputError

SUPPORTED_DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64")


@dataclass
class RasterInfo:
    """What the engine needs to know about a raster, read once on open."""

    path: str
    width: int
    height: int
    band_count: int
    dtype: str
    crs: Optional[rasterio.crs.CRS]
    transform: rasterio.Affine
    nodata: Optional[float]
    tags: dict

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


def open_raster_info(path: str, require_crs: bool = True) -> RasterInfo:
    """Read a raster's header and check that the engine can use it.

    Raises :class:`InputError` naming the file for a missing file, an unreadable format, an unsupported
    dtype, or (when ``require_crs``) a missing CRS.
    """
    if not os.path.exists(path):
        raise InputError(f"raster '{path}' does not exist; check the path")
    try:
        with rasterio.open(path) as ds:
            info = RasterInfo(
                path=str(path), width=ds.width, height=ds.height, band_count=ds.count,
                dtype=ds.dtypes[0], crs=ds.crs, transform=ds.transform, nodata=ds.nodata,
                tags=dict(ds.tags()),
            )
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"raster '{path}' cannot be read by GDAL ({exc}); convert it to GeoTIFF") from exc
    if info.dtype not in SUPPORTED_DTYPES:
        raise InputError(
            f"raster '{info.name}' has data type {info.dtype}, which is not supported; convert it to "
            f"one of {', '.join(SUPPORTED_DTYPES)} (e.g. gdal_translate -ot Float32)"
        )
    if require_crs and info.crs is None:
        raise InputError(
            f"raster '{info.name}' has no CRS, so tile locations cannot be computed; assign one "
            "(QGIS: Layer Properties > Source; GDAL: gdal_edit.py -a_srs EPSG:XXXX) or give its location with --lat "
            "and --lon (degrees)"
        )
    return info


def read_block(ds: "rasterio.io.DatasetReader", row_off: int, col_off: int, height: int, width: int,
               per_band: bool = False, timesteps: int = 1) -> Tuple[np.ndarray, ...]:
    """Read a window that may extend past the raster's edges.

    Returns ``(data, valid)``: ``data`` float32 (C, height, width), ``valid`` bool (height, width). A pixel is
    valid when it lies inside the raster, every band is finite and no band equals its nodata value (GDAL's
    per-band masks, which also honour alpha bands and internal masks). With ``per_band`` a third array,
    bool (C, height, width), says which bands have data at each pixel (False outside the raster), so a caller
    can tell which band left a pixel without data.

    ``timesteps`` > 1 reads a stack (core.data.stack: the bands of one timestep, then the next's): a pixel is then
    valid when at least one timestep has data in all its bands, and the bands of a timestep without data there
    (a cloudy or empty date) are NaN in ``data``, so the Presto backbone masks that timestep instead of reading
    zeros; pixels without any timestep stay 0 and invalid.
    """
    data = np.zeros((ds.count, height, width), dtype=np.float32)
    valid = np.zeros((height, width), dtype=bool)
    band_valid = np.zeros((ds.count, height, width), dtype=bool) if per_band else None
    r0, c0 = max(row_off, 0), max(col_off, 0)
    r1, c1 = min(row_off + height, ds.height), min(col_off + width, ds.width)
    if r1 <= r0 or c1 <= c0:
        return (data, valid, band_valid) if band_valid is not None else (data, valid)
    window = Window(c0, r0, c1 - c0, r1 - r0)
    inner = ds.read(window=window, out_dtype="float32")
    masks = ds.read_masks(window=window)
    band_ok = (masks > 0) & np.isfinite(inner)
    dr, dc = r0 - row_off, c0 - col_off
    if timesteps > 1:
        if ds.count % timesteps:
            raise ValueError(f"{ds.count} bands are not {timesteps} timesteps of equal bands")
        step_ok = band_ok.reshape(timesteps, ds.count // timesteps, *band_ok.shape[1:]).all(axis=1)
        ok = step_ok.any(axis=0)
        band_has = np.repeat(step_ok, ds.count // timesteps, axis=0)  # (C, h, w): its timestep has data
        inner = np.where(band_has, inner, np.float32(np.nan))
    else:
        ok = np.all(band_ok, axis=0)
    data[:, dr:dr + inner.shape[1], dc:dc + inner.shape[2]] = np.where(ok[None], inner, 0.0)
    valid[dr:dr + inner.shape[1], dc:dc + inner.shape[2]] = ok
    if band_valid is not None:
        band_valid[:, dr:dr + inner.shape[1], dc:dc + inner.shape[2]] = band_ok
        return data, valid, band_valid
    return data, valid
