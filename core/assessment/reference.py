# SPDX-License-Identifier: GPL-2.0-or-later
"""Reference data for an accuracy assessment: an independent layer of points or polygons with a class field.

The layer may be in any CRS and any OGR format (it is read by :func:`core.labels.read_label_vector` and
reprojected to the map's CRS). Each point is one sample unit: the map pixel it falls in. Each polygon
contributes every map pixel whose centre falls inside it (GDAL's rasterisation rule). Points outside the
map, polygons that miss it or hold no pixel centre, and sample units on map nodata are counted and reported,
never dropped without a word.

Class values are integer codes as in the map, or names: those are matched to a mapping the user gives
(``forest=1,water=2``) and then to the map's own class names (its CLASS_NAMES tag or .qml palette).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import rasterio
import rasterio.features
import shapely

from ..errors import InputError
from ..data.labels.vectors import crs_label, raster_footprint, read_label_vector
from .maps import ClassMap, read_strip, strips

_POINT_TYPES = (0, 4)  # Point, MultiPoint
_POLYGON_TYPES = (3, 6)  # Polygon, MultiPolygon


@dataclass
class ReferenceSample:
    """Map class and reference class of every usable sample unit, and what could not be used."""

    map_values: np.ndarray  # int64 (n,)
    reference_values: np.ndarray  # int64 (n,)
    source: str  # file name of the reference layer
    class_field: str
    kind: str  # 'points', 'polygons' or 'points and polygons'
    features: int
    points_outside: int = 0
    polygons_outside: int = 0
    polygons_without_pixel: int = 0  # on the map, but too small to hold a pixel centre
    nodata_units: int = 0  # points or polygon pixels on map nodata

    @property
    def units(self) -> int:
        return int(self.map_values.size)

    def dropped_lines(self) -> List[str]:
        """What was not used, in words, for reports; empty when everything was used."""
        lines = []
        if self.points_outside:
            lines.append(f"{self.points_outside} reference point(s) lie outside the map")
        if self.polygons_outside:
            lines.append(f"{self.polygons_outside} reference polygon(s) lie outside the map")
        if self.polygons_without_pixel:
            lines.append(f"{self.polygons_without_pixel} reference polygon(s) hold no pixel centre (smaller than "
                         "a pixel)")
        if self.nodata_units:
            what = "point(s)" if self.kind == "points" else "sample unit(s)"
            lines.append(f"{self.nodata_units} reference {what} fall on map nodata")
        return lines


def parse_class_map(text: Optional[str]) -> Dict[str, int]:
    """``'forest=1, water=2'`` (or ``;``/newline separated) -> ``{'forest': 1, 'water': 2}``."""
    out: Dict[str, int] = {}
    if not text or not str(text).strip():
        return out
    for item in str(text).replace(";", ",").replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.rpartition("=")
        name = name.strip()
        try:
            code = int(value.strip())
        except ValueError:
            code = None
        if not sep or not name or code is None:
            raise InputError(f"class mapping '{item}' is not NAME=VALUE; write it like 'forest=1, water=2' "
                             "(VALUE: the class code in the map)")
        out[name] = code
    return out


def _code(value: Any) -> Optional[int]:
    """The integer class code a value stands for (3, 3.0, '3', '-1'), or None for a name."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if math.isfinite(value) and float(value).is_integer() else None
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return None


def reference_codes(values: Sequence[Any], names: Mapping[str, int], source: str, field: str) -> np.ndarray:
    """Class code of each reference value: int64 (n,). Names are looked up in ``names`` (exactly, then
    ignoring case); :class:`InputError` lists the names that match nothing and the names there are."""
    folded: Dict[str, int] = {}
    for name, c in names.items():
        folded.setdefault(str(name).casefold(), int(c))
    out = np.empty(len(values), dtype=np.int64)
    unknown: List[str] = []
    for i, v in enumerate(values):
        code = _code(v)
        if code is None:
            text = str(v).strip()
            code = names.get(text, folded.get(text.casefold()))
            if code is None:
                if text not in unknown:
                    unknown.append(text)
                code = -1
        out[i] = code
    if unknown:
        known = ", ".join(f"{n}={c}" for n, c in names.items()) or "none"
        raise InputError(
            f"reference layer '{source}': class name(s) {', '.join(repr(u) for u in unknown[:10])} in field "
            f"'{field}' match no map class (known names: {known}); give integer class codes, or a class "
            "mapping such as 'forest=1, water=2'")
    return out


def _pixel_rows_cols(cm: ClassMap, xs: np.ndarray, ys: np.ndarray):
    inv = ~cm.info.transform
    cols = inv.a * xs + inv.b * ys + inv.c
    rows = inv.d * xs + inv.e * ys + inv.f
    return np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)


def _sample_points(ds, cm: ClassMap, xy: np.ndarray, ref: np.ndarray, out: dict) -> None:
    rows, cols = _pixel_rows_cols(cm, xy[:, 0], xy[:, 1])
    inside = (rows >= 0) & (rows < cm.info.height) & (cols >= 0) & (cols < cm.info.width)
    out["points_outside"] += int((~inside).sum())
    rows, cols, ref = rows[inside], cols[inside], ref[inside]
    if rows.size == 0:
        return
    for r0, n in strips(cm.info):
        here = (rows >= r0) & (rows < r0 + n)
        if not here.any():
            continue
        c0 = int(cols[here].min())
        values, valid = read_strip(ds, cm.name, r0, n, c0, int(cols[here].max()) - c0 + 1)
        rr, cc = rows[here] - r0, cols[here] - c0
        ok = valid[rr, cc]
        out["nodata_units"] += int((~ok).sum())
        out["map"].append(values[rr, cc][ok])
        out["ref"].append(ref[here][ok])


def _pixel_window(cm: ClassMap, geom: shapely.Geometry):
    """Rows/columns of the map a geometry's bounding box covers, clipped to the map; None when outside."""
    x0, y0, x1, y1 = geom.bounds
    inv = ~cm.info.transform
    corners = [inv @ (x, y) for x in (x0, x1) for y in (y0, y1)]
    cs = [c for c, _ in corners]
    rs = [r for _, r in corners]
    r0, r1 = max(0, math.floor(min(rs))), min(cm.info.height, math.ceil(max(rs)))
    c0, c1 = max(0, math.floor(min(cs))), min(cm.info.width, math.ceil(max(cs)))
    if r1 <= r0 or c1 <= c0:
        return None
    return r0, r1, c0, c1


def _sample_polygon(ds, cm: ClassMap, geom: shapely.Geometry, ref_value: int, footprint, out: dict) -> None:
    box = _pixel_window(cm, geom)
    if box is None or not shapely.intersects(geom, footprint):
        out["polygons_outside"] += 1
        return
    r0, r1, c0, c1 = box
    transform = cm.info.transform @ rasterio.Affine.translation(c0, r0)
    inside = rasterio.features.rasterize([(geom, 1)], out_shape=(r1 - r0, c1 - c0), transform=transform,
                                         fill=0, dtype="uint8", all_touched=False).astype(bool)
    if not inside.any():
        out["polygons_without_pixel"] += 1
        return
    values, valid = read_strip(ds, cm.name, r0, r1 - r0, c0, c1 - c0)
    out["nodata_units"] += int((inside & ~valid).sum())
    take = inside & valid
    out["map"].append(values[take])
    out["ref"].append(np.full(int(take.sum()), ref_value, dtype=np.int64))


def read_reference(path: str, class_field: str, cm: ClassMap,
                   class_map: Optional[Mapping[str, int]] = None) -> ReferenceSample:
    """Read a reference layer and sample the class map under it (see the module docstring).

    ``class_map`` maps class names in the reference to map codes; the map's own class names are used after
    it. Raises :class:`InputError` for an unreadable layer, a missing class field (listing the fields),
    names that match no class, a layer that misses the map (with both CRSs named), or no usable sample unit.
    """
    shapes = read_label_vector(path, class_field, target_crs=cm.info.crs)
    names: Dict[str, int] = dict(class_map or {})
    for value, name in cm.class_names.items():
        names.setdefault(name, value)
    ref = reference_codes(shapes.values, names, shapes.name, shapes.class_field)

    geoms = shapes.geometries
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    types = shapely.get_type_id(parts)
    is_point = np.isin(types, _POINT_TYPES)
    is_poly = np.isin(types, _POLYGON_TYPES)
    kind = "points and polygons" if is_point.any() and is_poly.any() else ("points" if is_point.any() else "polygons")

    out: Dict[str, Any] = dict(map=[], ref=[], points_outside=0, polygons_outside=0, polygons_without_pixel=0,
                               nodata_units=0)
    with rasterio.open(cm.path) as ds:
        if is_point.any():
            xy = shapely.get_coordinates(parts[is_point])
            _sample_points(ds, cm, xy, ref[part_of[is_point]], out)
        if is_poly.any():
            footprint = raster_footprint(cm.info)
            # A multipolygon is one polygon here: its pixels are counted once even if its parts touch.
            poly_features = np.unique(part_of[is_poly])
            for i in poly_features:
                geom = geoms[i]
                if shapely.get_type_id(geom) == 7:  # a collection: keep only its polygon parts
                    geom = shapely.multipolygons(shapely.get_parts(geom)[np.isin(
                        shapely.get_type_id(shapely.get_parts(geom)), _POLYGON_TYPES)])
                _sample_polygon(ds, cm, geom, int(ref[i]), footprint, out)

    sample = ReferenceSample(
        map_values=np.concatenate(out["map"]) if out["map"] else np.zeros(0, np.int64),
        reference_values=np.concatenate(out["ref"]) if out["ref"] else np.zeros(0, np.int64),
        source=shapes.name, class_field=shapes.class_field, kind=kind, features=len(shapes),
        points_outside=out["points_outside"], polygons_outside=out["polygons_outside"],
        polygons_without_pixel=out["polygons_without_pixel"], nodata_units=out["nodata_units"],
    )
    if sample.units == 0:
        missed = sample.points_outside + sample.polygons_outside
        if missed == int(is_point.sum()) + len(np.unique(part_of[is_poly])):
            raise InputError(
                f"no feature of reference layer '{sample.source}' lies on map '{cm.name}' (reference CRS "
                f"{crs_label(shapes.source_crs)}, map CRS {crs_label(cm.crs)}); check that both cover the same "
                "area and that the reference layer's CRS is set right (QGIS: Layer Properties > Source)")
        raise InputError(
            f"reference layer '{sample.source}' gives no usable sample on map '{cm.name}': "
            f"{'; '.join(sample.dropped_lines())}; check the map's nodata value and the reference locations")
    return sample
