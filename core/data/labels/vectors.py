# SPDX-License-Identifier: GPL-2.0-or-later
"""Label vectors: reading label polygons or points with their class attribute from any OGR format and CRS,
and checking that they overlap the rasters."""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, replace
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import pyproj
import shapely

from ...errors import InputError
from ..raster import RasterInfo
from ..repair import repair_polygons

log = logging.getLogger(__name__)

POINT_TYPES = (0, 4)  # Point, MultiPoint
POLYGON_TYPES = (3, 6)  # Polygon, MultiPolygon
_COLLECTION = 7


@dataclass
class LabelShapes:
    """Label geometries with their class values, in ``crs`` (None: unknown, taken as the raster's CRS)."""

    geometries: np.ndarray  # shapely geometries (object array)
    values: List[Any]  # class value per geometry, as read (str or int)
    path: str
    class_field: str
    crs: Optional[pyproj.CRS]
    source_crs: Optional[pyproj.CRS]  # CRS of the file, for messages
    repaired: int = 0  # invalid (self-intersecting) polygons made valid when read (core.data.repair)

    @property
    def name(self) -> str:
        return os.path.basename(self.path.split("|")[0])

    def __len__(self) -> int:
        return len(self.values)

    def to_crs(self, target_crs: Any) -> "LabelShapes":
        """The same labels in ``target_crs`` (anything pyproj accepts, e.g. a rasterio CRS; None: unchanged)."""
        if target_crs is None or self.crs is None:
            return self
        target = pyproj.CRS.from_user_input(target_crs)
        if target == self.crs:
            return replace(self, crs=target)
        transformer = pyproj.Transformer.from_crs(self.crs, target, always_xy=True)

        def _project(xy: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        moved = shapely.transform(self.geometries, _project)
        coords = shapely.get_coordinates(moved)
        if not np.all(np.isfinite(coords)):
            raise InputError(
                f"labels in '{self.name}' cannot be reprojected from {crs_label(self.crs)} to {crs_label(target)}: "
                "some lie outside the area where that projection is defined; check the labels' CRS"
            )
        return replace(self, geometries=moved, crs=target)


def crs_label(crs: Any) -> str:
    """A short name for a CRS in messages: 'EPSG:32617' when it has a code, else its name ('none' if None)."""
    if crs is None:
        return "none"
    crs = pyproj.CRS.from_user_input(crs)
    auth = crs.to_authority(min_confidence=70)
    return f"{auth[0]}:{auth[1]}" if auth else crs.name


def _split_layer(path: str) -> Tuple[str, Optional[str]]:
    # QGIS layer sources look like '/data/labels.gpkg|layername=fields'; accept them as they come.
    parts = str(path).split("|")
    layer = None
    for part in parts[1:]:
        if part.startswith("layername="):
            layer = part[len("layername="):]
    return parts[0], layer


def clean_value(value: Any) -> Any:
    """A class value as the user means it: text stripped, integral numbers as int, missing as None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return None
        return int(value) if float(value).is_integer() else float(value)
    return str(value)


def _list_features(indices: Sequence[int]) -> str:
    shown = ", ".join(str(i + 1) for i in indices[:10])
    return shown + (f" and {len(indices) - 10} more" if len(indices) > 10 else "")


def read_label_vector(path: str, class_field: str, target_crs: Any = None) -> LabelShapes:
    """Read label polygons or points and their class from an OGR vector (GeoPackage, Shapefile, GeoJSON, ...).

    Geometries are reprojected to ``target_crs`` (normally the raster's), so labels drawn in any CRS work.
    A file without a CRS is taken to be in the raster's CRS. Raises :class:`InputError` for a missing file,
    a missing class field (listing the fields there are), no features, features without geometry or class
    value, and line geometries (which cover no area).
    """
    file_path, layer = _split_layer(path)
    name = os.path.basename(file_path)
    if not os.path.exists(file_path):
        raise InputError(f"label file '{file_path}' does not exist; check the path")
    try:
        import pyogrio

        info = pyogrio.read_info(file_path, layer=layer)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InputError(f"label file '{name}' cannot be read as a vector layer ({exc}); "
                         "save it as a GeoPackage") from exc
    fields = [str(f) for f in info["fields"]]
    if class_field not in fields:
        matches = [f for f in fields if f.lower() == str(class_field).lower()]
        if len(matches) != 1:
            raise InputError(
                f"label file '{name}' has no field '{class_field}'; choose the class field among: "
                f"{', '.join(fields) if fields else '(no fields)'}"
            )
        class_field = matches[0]
    meta, _, wkb, field_data = pyogrio.raw.read(file_path, layer=layer, columns=[class_field])
    if wkb is None or len(wkb) == 0:
        raise InputError(f"label file '{name}' has no features; draw some labels first")
    geometries = shapely.force_2d(shapely.from_wkb(wkb))
    values = [clean_value(v) for v in field_data[0]]

    empty = [i for i, g in enumerate(geometries) if g is None or g.is_empty]
    if empty:
        raise InputError(
            f"label file '{name}': feature(s) {_list_features(empty)} have an empty geometry; "
            "delete them or draw their shapes"
        )
    missing = [i for i, v in enumerate(values) if v is None]
    if missing:
        raise InputError(
            f"label file '{name}': feature(s) {_list_features(missing)} have no value in field '{class_field}'; "
            "fill in their class or delete them"
        )
    geometries, repaired, collapsed = repair_polygons(geometries)
    if collapsed:
        raise InputError(
            f"label file '{name}': feature(s) {_list_features(collapsed)} are polygons without area (they "
            "collapse to lines or points); redraw or delete them (QGIS: Vector > Geometry Tools > Check Validity)"
        )
    if repaired:
        log.warning("label file '%s': %d self-intersecting polygon(s) (feature(s) %s) were repaired with shapely's "
                    "make_valid; check them (QGIS: Vector > Geometry Tools > Check Validity)", name, len(repaired),
                    _list_features(repaired))
    types = shapely.get_type_id(geometries)
    if np.any(types == _COLLECTION):
        parts = shapely.get_parts(geometries[types == _COLLECTION])
        part_types = set(shapely.get_type_id(parts).tolist())
    else:
        part_types = set()
    lines = [i for i, t in enumerate(types) if t in (1, 2, 5)]
    if lines or part_types & {1, 2, 5}:
        where = f"feature(s) {_list_features(lines)} are lines" if lines else "some features contain lines"
        raise InputError(
            f"label file '{name}': {where}, which cover no area; use polygons or points "
            "(QGIS: Vector > Geoprocessing > Buffer turns lines into polygons)"
        )
    source_crs = pyproj.CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
    shapes = LabelShapes(geometries=geometries, values=values, path=str(path), class_field=class_field,
                         crs=source_crs, source_crs=source_crs, repaired=len(repaired))
    return shapes.to_crs(target_crs)


def raster_footprint(info: RasterInfo) -> shapely.Geometry:
    """The raster's outline as a polygon in its own map coordinates (exact also for rotated rasters)."""
    t = info.transform
    corners = [t @ (0, 0), t @ (info.width, 0), t @ (info.width, info.height), t @ (0, info.height)]
    return shapely.Polygon(corners)


def labels_overlapping(shapes: LabelShapes, info: RasterInfo) -> np.ndarray:
    """Which labels (already in the raster's CRS) touch the raster: bool (n_labels,)."""
    return shapely.intersects(shapes.geometries, raster_footprint(info))


def require_overlap(shapes_per_raster: Sequence[Tuple[LabelShapes, RasterInfo]]) -> None:
    """Raise :class:`InputError` when no label overlaps any of the rasters (usually a CRS or area mix-up)."""
    if not shapes_per_raster:
        return
    if any(labels_overlapping(s, info).any() for s, info in shapes_per_raster):
        return
    shapes = shapes_per_raster[0][0]
    infos = [info for _, info in shapes_per_raster]
    names = ", ".join(f"'{info.name}'" for info in infos)
    raster_crs = ", ".join(dict.fromkeys(crs_label(info.crs) for info in infos))
    noun = "raster" if len(infos) == 1 else "rasters"
    raise InputError(
        f"none of the {len(shapes)} labels in '{shapes.name}' overlaps {noun} {names}; check that they cover "
        f"the same area (label CRS {crs_label(shapes.source_crs)}, {noun} CRS {raster_crs})"
    )


# ---------------------------------------------------------------------------------------------- class table
