# SPDX-License-Identifier: GPL-2.0-or-later
"""Small real rasters and label files for tests, written with rasterio and pyogrio into a temporary folder.

The default raster is in UTM zone 17N (EPSG:32617) with 10 m pixels and its top-left corner at
(500000 E, 4000000 N), about 36.1 N 81 W, so pixel (row, col) covers x in [500000 + 10 col, +10] and
y in [4000000 - 10 (row + 1), 4000000 - 10 row].
"""
from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np
import pyogrio
import rasterio
import shapely
from rasterio.transform import from_origin

UTM_CRS = "EPSG:32617"
ORIGIN_X, ORIGIN_Y, PIXEL = 500000.0, 4000000.0, 10.0
SAMPLE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "sample")
SAMPLE_IMAGE = os.path.join(SAMPLE_DIR, "raleigh_landsat7_2000.tif")
SAMPLE_LABELS = os.path.join(SAMPLE_DIR, "raleigh_labels.gpkg")
SAMPLE_REFERENCE = os.path.join(SAMPLE_DIR, "raleigh_landcover_reference.tif")


def utm_transform(origin_x: float = ORIGIN_X, origin_y: float = ORIGIN_Y, pixel: float = PIXEL) -> rasterio.Affine:
    return from_origin(origin_x, origin_y, pixel, pixel)


def write_raster(path, data: np.ndarray, crs: Optional[str] = UTM_CRS, transform: Optional[rasterio.Affine] = None,
                 nodata: Optional[float] = None, tags: Optional[dict] = None) -> str:
    """Write ``data`` (C, H, W) or (H, W) as a GeoTIFF in its own dtype; returns the path as str."""
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    count, height, width = data.shape
    profile = dict(driver="GTiff", width=width, height=height, count=count, dtype=data.dtype.name,
                   transform=transform if transform is not None else utm_transform(), nodata=nodata)
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(str(path), "w", **profile) as ds:
        ds.write(data)
        if tags:
            ds.update_tags(**tags)
    return str(path)


def pixel_box(row0: float, col0: float, row1: float, col1: float, transform: Optional[rasterio.Affine] = None) -> shapely.Polygon:
    """A rectangle covering pixel rows [row0, row1) and columns [col0, col1) in map coordinates."""
    t = transform if transform is not None else utm_transform()
    x0, y0 = t @ (col0, row0)
    x1, y1 = t @ (col1, row1)
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def pixel_point(row: float, col: float, transform: Optional[rasterio.Affine] = None) -> shapely.Point:
    """The centre of pixel (row, col) in map coordinates."""
    t = transform if transform is not None else utm_transform()
    return shapely.Point(*(t @ (col + 0.5, row + 0.5)))


def write_labels(path, geometries: Sequence[shapely.Geometry], values: Sequence, field: str = "class",
                 crs: Optional[str] = UTM_CRS, extra: Optional[dict] = None, layer: Optional[str] = None) -> str:
    """Write a GeoPackage (or any OGR format by extension) of labels with one class field (+ ``extra`` fields)."""
    geometries = list(geometries)
    values = list(values)
    kinds = {g.geom_type for g in geometries if g is not None}
    geometry_type = kinds.pop() if len(kinds) == 1 else "Unknown"
    if all(isinstance(v, (int, np.integer)) for v in values):
        column = np.asarray(values, dtype=np.int32)
    else:
        column = np.asarray(values, dtype=object)
    fields, field_data = [field], [column]
    for name, col in (extra or {}).items():
        fields.append(name)
        field_data.append(np.asarray(col))
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geometries], dtype=object)
    driver = "GPKG" if str(path).endswith(".gpkg") else None
    pyogrio.raw.write(str(path), geometry=wkb, field_data=field_data, fields=fields, crs=crs,
                      geometry_type=geometry_type, driver=driver, layer=layer)
    return str(path)


def to_crs(geometries: Sequence[shapely.Geometry], src: str, dst: str) -> list:
    """Reproject shapely geometries (for writing labels in another CRS than the raster's)."""
    import pyproj

    transformer = pyproj.Transformer.from_crs(src, dst, always_xy=True)

    def _project(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return list(shapely.transform(np.asarray(geometries, dtype=object), _project))


def sample_tiles(tile: int = 4, classes: Sequence[int] = (1, 3, 5)):
    """The bundled Landsat sample cut into ``tile`` px tiles labelled by the majority of the dense reference:
    (tiles (N, 6, tile, tile) float32, class index (N,) into ``classes``, every pixel valid (N,)), the tiles whose
    majority is one of ``classes`` (default developed, herbaceous, forest)."""
    with rasterio.open(SAMPLE_IMAGE) as ds:
        img = ds.read().astype(np.float32)
        valid = ds.read_masks(1) > 0
    with rasterio.open(SAMPLE_REFERENCE) as ds:
        ref = ds.read(1)
    t, bands = tile, img.shape[0]
    h, w = (img.shape[1] // t) * t, (img.shape[2] // t) * t
    tiles = img[:, :h, :w].reshape(bands, h // t, t, w // t, t).transpose(1, 3, 0, 2, 4).reshape(-1, bands, t, t)
    ok = valid[:h, :w].reshape(h // t, t, w // t, t).transpose(0, 2, 1, 3).reshape(-1, t * t).all(1)
    lab = ref[:h, :w].reshape(h // t, t, w // t, t).transpose(0, 2, 1, 3).reshape(-1, t * t)
    major = np.array([np.bincount(r, minlength=max(classes) + 1).argmax() for r in lab])
    keep = np.isin(major, list(classes))
    return tiles[keep], np.searchsorted(list(classes), major[keep]), ok[keep]
