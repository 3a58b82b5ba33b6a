# SPDX-License-Identifier: GPL-2.0-or-later
"""The classified map as an assessment sees it: its class table, its pixels strip by strip, its area per class.

A class map is read in strips of whole rows of bounded size, so memory stays flat on any raster and the
order of pixels is always row-major (the sampler relies on that to be reproducible). Mapped area is counted
from the pixels, in pixels, in map units squared and in hectares: from the pixel size for a projected CRS
(metres, feet, ...) and from the geodesic area of each row's pixels for a geographic CRS (degrees).
"""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET  # nosec B405  # parses only a map's own .qml style (see _names_from_qml)
from dataclasses import dataclass
from typing import Dict, Iterator, Optional, Tuple

import numpy as np
import pyproj
import rasterio
from rasterio.windows import Window

from ..errors import InputError
from ..app.outputs import qml_path_for
from ..data.raster import RasterInfo, open_raster_info

STRIP_BYTES = 16 * 1024 * 1024  # one strip of class values (int64) read at a time
_SQ_M_PER_HA = 10_000.0


@dataclass
class ClassMap:
    """A classified raster (band 1 holds integer class codes) and the names of its classes where known."""

    info: RasterInfo
    class_names: Dict[int, str]  # from the raster's CLASS_NAMES tag or its .qml palette; may be empty

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def path(self) -> str:
        return self.info.path

    @property
    def pixel_area(self) -> float:
        """Area of one pixel in map units squared (also right for rotated geotransforms)."""
        t = self.info.transform
        return abs(t.a * t.e - t.b * t.d)

    @property
    def crs(self) -> Optional[pyproj.CRS]:
        if self.info.crs is None or not self.info.crs.to_wkt():
            return None
        return pyproj.CRS.from_wkt(self.info.crs.to_wkt())

    def class_name(self, value: int) -> str:
        return self.class_names.get(int(value), str(int(value)))


def _names_from_tags(tags: dict) -> Dict[int, str]:
    """Class names from GDAL tags: CLASS_NAMES = {"value": "name", ...}, which core.predict writes into every
    class map, or CLASSES = "1=developed; 2=forest", as the bundled sample reference map has."""
    try:
        table = json.loads(tags.get("CLASS_NAMES", "") or "{}")
        names = {int(k): str(v) for k, v in table.items()}
    except (ValueError, TypeError, AttributeError):
        names = {}
    if not names and tags.get("CLASSES"):
        for item in str(tags["CLASSES"]).split(";"):
            code, sep, name = item.partition("=")
            if sep and code.strip().lstrip("-").isdigit() and name.strip():
                names[int(code)] = name.strip()
    return names


def _names_from_qml(path: str) -> Dict[int, str]:
    """Class labels of a paletted QGIS style (``<paletteEntry value=".." label=".."/>``) beside the raster."""
    qml = qml_path_for(path)
    if not os.path.isfile(qml):
        return {}
    # The .qml is a local style that QGIS or this plugin wrote. xml.etree fetches no external entities or DTDs,
    # and expat 2.4+ (in Python since 3.9.7) stops entity-expansion bombs, so no defusedxml dependency.
    try:
        root = ET.parse(qml).getroot()  # nosec B314  # a local QGIS style file; see the comment above
    except ET.ParseError:
        return {}
    names: Dict[int, str] = {}
    for entry in root.iter("paletteEntry"):
        try:
            names[int(float(entry.get("value", "")))] = entry.get("label", "") or entry.get("value", "")
        except ValueError:
            continue
    return names


def open_class_map(path: str) -> ClassMap:
    """Open a class map (band 1) and find its class names; :class:`InputError` when it cannot be read.

    Float rasters are accepted, since some tools store class codes as floats; :func:`read_strip` checks that
    every value is whole.
    """
    info = open_raster_info(path, require_crs=False)
    names = _names_from_tags(info.tags) or _names_from_qml(info.path)
    return ClassMap(info=info, class_names=names)


def strips(info: RasterInfo, max_bytes: int = STRIP_BYTES) -> Iterator[Tuple[int, int]]:
    """``(first_row, n_rows)`` of consecutive strips of whole rows covering the raster, top to bottom."""
    rows = max(1, int(max_bytes) // max(1, info.width * 8))
    for r0 in range(0, info.height, rows):
        yield r0, min(rows, info.height - r0)


def read_strip(ds: "rasterio.io.DatasetReader", name: str, row0: int, n_rows: int, col0: int = 0,
               n_cols: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Class codes (int64) and validity (bool) of a window of band 1.

    Invalid: GDAL's mask says nodata (nodata value, internal mask, alpha) or the value is not finite. A valid
    value that is not a whole number means the raster is not a class map: :class:`InputError`.
    """
    width = ds.width - col0 if n_cols is None else n_cols
    window = Window(col0, row0, width, n_rows)
    raw = ds.read(1, window=window)
    valid = ds.read_masks(1, window=window) > 0
    if raw.dtype.kind == "f":
        valid &= np.isfinite(raw)
        fractional = valid & (raw != np.floor(np.where(valid, raw, 0)))
        if fractional.any():
            raise InputError(f"map '{name}' holds values that are not whole numbers (e.g. "
                             f"{float(raw[fractional][0]):g}); a class map holds integer class codes: choose "
                             "the classified raster, not the image or a confidence map")
    values = np.where(valid, raw, 0).astype(np.int64)
    return values, valid


def _tally(values: np.ndarray, weights: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Distinct values and their counts (or summed weights); a bincount when the value range is small."""
    if values.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float64 if weights is not None else np.int64)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo < (1 << 20):
        counts = np.bincount(values - lo, weights=weights)
        present = np.flatnonzero(np.bincount(values - lo)) if weights is not None else np.flatnonzero(counts)
        return present + lo, counts[present]
    distinct, inverse = np.unique(values, return_inverse=True)
    return distinct, np.bincount(inverse, weights=weights)


@dataclass
class MappedArea:
    """How much of the map each class covers. Arrays are aligned with ``values`` (sorted class codes)."""

    values: np.ndarray  # int64 (K,)
    pixels: np.ndarray  # int64 (K,)
    hectares: Optional[np.ndarray]  # float64 (K,), None when the CRS gives no ground area
    pixel_area: float  # one pixel in map units squared
    area_unit: str  # 'm²', 'US survey foot²', 'degree²', 'map unit²'
    nodata_pixels: int
    hectares_note: str = ""  # why there are no hectares, or how they were computed

    def pixels_of(self, value: int) -> int:
        hit = np.flatnonzero(self.values == int(value))
        return int(self.pixels[hit[0]]) if hit.size else 0

    def hectares_of(self, value: int) -> Optional[float]:
        if self.hectares is None:
            return None
        hit = np.flatnonzero(self.values == int(value))
        return float(self.hectares[hit[0]]) if hit.size else 0.0


def _unit_name(crs: Optional[pyproj.CRS]) -> Tuple[str, Optional[float]]:
    """Name of the CRS's horizontal unit and its length in metres (None for angular or unknown units)."""
    if crs is None:
        return "map unit", None
    axis = crs.axis_info[0] if crs.axis_info else None
    if axis is None:
        return "map unit", None
    name = "m" if axis.unit_name in ("metre", "meter") else axis.unit_name
    if crs.is_geographic or not axis.unit_conversion_factor:
        return name, None
    return name, float(axis.unit_conversion_factor)


def _row_hectares(cm: ClassMap) -> Tuple[Optional[np.ndarray], str]:
    """Hectares of one pixel in each row (H,), or None and the reason."""
    crs = cm.crs
    info = cm.info
    if crs is None:
        return None, f"map '{cm.name}' has no CRS, so its area in hectares is unknown (areas are in pixels)"
    unit, metres = _unit_name(crs)
    if metres is not None:
        return np.full(info.height, cm.pixel_area * metres ** 2 / _SQ_M_PER_HA), f"pixel size in {unit}"
    if not crs.is_geographic:
        return None, f"the CRS unit of map '{cm.name}' ({unit}) is not a length, so hectares are unknown"
    t = info.transform
    if t.b != 0 or t.d != 0:
        return None, f"map '{cm.name}' is a rotated geographic raster; hectares are not computed"
    geod = crs.get_geod()
    if geod is None:
        return None, f"the CRS of map '{cm.name}' has no ellipsoid, so its area in hectares is unknown"
    x0, x1 = t.c, t.c + t.a
    out = np.empty(info.height)
    for r in range(info.height):
        y0, y1 = t.f + t.e * r, t.f + t.e * (r + 1)
        area, _ = geod.polygon_area_perimeter([x0, x1, x1, x0], [y0, y0, y1, y1])
        out[r] = abs(area) / _SQ_M_PER_HA
    return out, "geodesic area of each row's pixels on the CRS's ellipsoid"


def count_mapped_area(cm: ClassMap) -> MappedArea:
    """Count every valid pixel of the map by class (strip by strip), with its area in hectares where known."""
    row_ha, note = _row_hectares(cm)
    pixels: Dict[int, int] = {}
    hectares: Dict[int, float] = {}
    nodata = 0
    with rasterio.open(cm.path) as ds:
        for r0, n in strips(cm.info):
            values, valid = read_strip(ds, cm.name, r0, n)
            nodata += int(valid.size - valid.sum())
            v = values[valid]
            for val, cnt in zip(*_tally(v)):
                pixels[int(val)] = pixels.get(int(val), 0) + int(cnt)
            if row_ha is not None:
                weights = np.broadcast_to(row_ha[r0:r0 + n, None], valid.shape)[valid]
                for val, ha in zip(*_tally(v, weights)):
                    hectares[int(val)] = hectares.get(int(val), 0.0) + float(ha)
    values = np.array(sorted(pixels), dtype=np.int64)
    unit, _ = _unit_name(cm.crs)
    return MappedArea(
        values=values, pixels=np.array([pixels[int(v)] for v in values], dtype=np.int64),
        hectares=None if row_ha is None else np.array([hectares[int(v)] for v in values]),
        pixel_area=cm.pixel_area, area_unit=f"{unit}²", nodata_pixels=nodata, hectares_note=note,
    )
