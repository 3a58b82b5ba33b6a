"""Labels: reading label vectors, the class table, and turning labels into per-tile class coverage.

A user labels land cover the way GIS users do: polygons (or points) with a class attribute, or a class raster.
The engine trains on tiles, so every label becomes the fraction of each tile's valid pixels that each class
covers, measured by rasterising at the raster's own pixel resolution. A tile's label then follows from that
coverage (single-label: the class covering most of it; multi-label: every class present), so a polygon
drawn a little past a field edge does not mislabel the neighbouring tile.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, replace
from typing import Any, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import pyproj
import rasterio
import rasterio.features
import rasterio.warp
import shapely
from rasterio.windows import Window

from ..errors import InputError
from ..app.palette import default_colors
from ..params import ClassSpec
from .raster import RasterInfo
from .repair import repair_polygons
from .tiling import TileGrid

log = logging.getLogger(__name__)

# Memory for one rasterised strip of labels (bytes); strips keep memory flat on large rasters.
_STRIP_BYTES = 16 * 1024 * 1024

_POINT_TYPES = (0, 4)  # Point, MultiPoint
_POLYGON_TYPES = (3, 6)  # Polygon, MultiPolygon
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


def _clean_value(value: Any) -> Any:
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
        raise InputError(f"label file '{name}' cannot be read as a vector layer ({exc}); save it as a GeoPackage") from exc
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
    values = [_clean_value(v) for v in field_data[0]]

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

def _as_code(value: Any) -> Optional[int]:
    """The integer class code a value stands for (3, 3.0, '3'), or None for a name."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def build_class_table(values: Iterable[Any]) -> List[ClassSpec]:
    """The class table for a set of label values (repeats allowed).

    Numeric codes that all fit a class raster (1..65535) keep their value, so the output map uses the user's
    own codes; otherwise classes are numbered 1..K in sorted order (0 stays free for nodata). Names are the
    values as text; colours come from :mod:`core.app.palette`.
    """
    distinct = []
    seen = set()
    for v in values:
        v = _clean_value(v)
        if v is None:
            continue
        key = str(v)
        if key not in seen:
            seen.add(key)
            distinct.append(v)
    if not distinct:
        raise InputError("the labels hold no class values; fill in the class field")
    codes = [_as_code(v) for v in distinct]
    if all(c is not None for c in codes):
        order = sorted(range(len(distinct)), key=lambda i: codes[i])
        names = [str(codes[i]) for i in order]
        if all(1 <= codes[i] <= 65535 for i in order):
            class_values = [codes[i] for i in order]
        else:
            class_values = list(range(1, len(order) + 1))
    else:
        names = sorted((str(v) for v in distinct), key=lambda s: (s.casefold(), s))
        class_values = list(range(1, len(names) + 1))
    colors = default_colors(names)
    return [ClassSpec(value=int(v), name=n, color=tuple(c)) for v, n, c in zip(class_values, names, colors)]


def class_indices(values: Sequence[Any], classes: Sequence[ClassSpec], source: str) -> np.ndarray:
    """Column in ``classes`` of each label value: int64 (n,).

    A value matches a class by name (exactly, then ignoring case), and a numeric value also by class value,
    so labels stored as codes match a palette with names. Raises :class:`InputError` naming ``source`` for
    values that match no class.
    """
    by_name = {c.name: k for k, c in enumerate(classes)}
    by_folded = {}
    for k, c in enumerate(classes):
        by_folded.setdefault(c.name.casefold(), k)
    by_value = {int(c.value): k for k, c in enumerate(classes)}
    cache: dict = {}
    out = np.empty(len(values), dtype=np.int64)
    unknown: List[str] = []
    for i, raw in enumerate(values):
        v = _clean_value(raw)
        key = str(v)
        if key not in cache:
            k = by_name.get(key)
            if k is None:
                k = by_folded.get(key.casefold())
            if k is None and _as_code(v) is not None and not isinstance(v, str):
                k = by_value.get(_as_code(v))
            cache[key] = -1 if k is None else k
            if k is None:
                unknown.append(key)
        out[i] = cache[key]
    if unknown:
        raise InputError(
            f"{source}: class value(s) {', '.join(repr(u) for u in unknown[:10])} are not in the class table "
            f"({', '.join(c.name for c in classes)}); add them to the classes or fix the labels"
        )
    return out


# ----------------------------------------------------------------------------------------------- coverage

def _tile_positions(grid: TileGrid, rows: Optional[np.ndarray], cols: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    if rows is None or cols is None:
        return grid.origins()
    return np.asarray(rows, dtype=np.int64).ravel(), np.asarray(cols, dtype=np.int64).ravel()


def _inside_masks(grid: TileGrid, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Valid masks when none are given: every pixel inside the raster counts."""
    t = grid.tile_size_px
    r = rows[:, None, None] + np.arange(t)[None, :, None]
    c = cols[:, None, None] + np.arange(t)[None, None, :]
    return (r < grid.height) & (c < grid.width)


def _strips(rows: np.ndarray, t: int, width: int) -> Iterable[Tuple[np.ndarray, int, int]]:
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


def _window_sums(image: np.ndarray, r: np.ndarray, c: np.ndarray, t: int, valid: np.ndarray) -> np.ndarray:
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
    rows, cols = _tile_positions(grid, rows, cols)
    t = grid.tile_size_px
    valid = _inside_masks(grid, rows, cols) if valid_masks is None else np.asarray(valid_masks, dtype=bool)
    if valid.shape != (len(rows), t, t):
        raise ValueError(f"valid_masks must have shape {(len(rows), t, t)}, got {valid.shape}")
    n_classes = len(classes)
    coverage = np.zeros((len(rows), n_classes), dtype=np.float64)
    if len(rows) == 0 or len(shapes) == 0:
        return coverage
    class_index = class_indices(shapes.values, classes, f"label file '{shapes.name}'")
    geoms, idx = _flatten(shapes.geometries, class_index)
    types = shapely.get_type_id(geoms)
    is_poly = np.isin(types, _POLYGON_TYPES)
    is_point = np.isin(types, _POINT_TYPES)
    poly_geoms, poly_idx = geoms[is_poly], idx[is_poly]
    poly_bounds = shapely.bounds(poly_geoms) if len(poly_geoms) else np.zeros((0, 4))
    n_valid = valid.sum(axis=(1, 2))
    for sel, top, bottom in _strips(rows, t, int(cols.max()) + t - int(cols.min())):
        left, right = int(cols[sel].min()), int(cols[sel].max()) + t
        strip_transform = transform @ rasterio.Affine.translation(left, top)
        xmin, ymin, xmax, ymax = _window_bounds(strip_transform, bottom - top, right - left)
        near = (poly_bounds[:, 0] <= xmax) & (poly_bounds[:, 2] >= xmin) & (poly_bounds[:, 1] <= ymax) & (poly_bounds[:, 3] >= ymin)
        r, c = rows[sel] - top, cols[sel] - left
        for k in np.unique(poly_idx[near]):
            burned = rasterio.features.rasterize(
                [(g, 1) for g in poly_geoms[near & (poly_idx == k)]],
                out_shape=(bottom - top, right - left), transform=strip_transform,
                fill=0, all_touched=False, dtype="uint8",
            ).astype(bool)
            coverage[sel, k] = _window_sums(burned, r, c, t, valid[sel])

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
    found = [_clean_value(v) for v in codes if v not in nodata and not (isinstance(v, float) and math.isnan(v))]
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
    rows, cols = _tile_positions(grid, rows, cols)
    t = grid.tile_size_px
    valid = _inside_masks(grid, rows, cols) if valid_masks is None else np.asarray(valid_masks, dtype=bool)
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
        for sel, top, bottom in _strips(rows, t, span_width):
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
                coverage[sel, k] += _window_sums(codes == code, r, c, t, valid[sel])
    return np.divide(coverage, n_valid[:, None], out=np.zeros_like(coverage), where=n_valid[:, None] > 0)


# ------------------------------------------------------------------------------------------ tile labels

def _check_fraction(name: str, value: float, allow_zero: bool = False) -> None:
    low_ok = value >= 0.0 if allow_zero else value > 0.0
    if not (low_ok and value <= 1.0):
        raise InputError(f"{name} must be a fraction in {'[0' if allow_zero else '(0'}, 1] (got {value})")


def assign_single_label(coverage: np.ndarray, min_coverage: float = 0.5) -> np.ndarray:
    """Class index per tile, -1 where no class covers at least ``min_coverage`` of the tile's valid pixels.

    Where several classes reach it (overlapping polygons), the one covering more wins; an exact tie is
    conflicting labels and leaves the tile unlabelled.
    """
    _check_fraction("min_coverage", min_coverage)
    coverage = np.asarray(coverage, dtype=np.float64)
    labels = np.full(coverage.shape[0], -1, dtype=np.int64)
    if coverage.size == 0:
        return labels
    best = coverage.argmax(axis=1)
    top = coverage.max(axis=1)
    ties = np.count_nonzero(coverage >= top[:, None] - 1e-12, axis=1) > 1
    ok = (top >= min_coverage - 1e-9) & ~ties
    labels[ok] = best[ok]
    return labels


def assign_multi_label(coverage: np.ndarray, presence: float = 0.1,
                       min_total_coverage: float = 0.0) -> Tuple[np.ndarray, np.ndarray]:
    """Multi-hot targets (N, K) float32 and a bool 'labelled' vector (N,).

    A class is present in a tile when it covers at least ``presence`` of the valid pixels. A tile is labelled
    when some class is present and the labels together cover at least ``min_total_coverage`` of it: where most
    of a tile is unlabelled, a 0 would claim a class is absent without anyone having looked.
    """
    _check_fraction("presence fraction", presence)
    _check_fraction("min_total_coverage", min_total_coverage, allow_zero=True)
    coverage = np.asarray(coverage, dtype=np.float64)
    targets = (coverage >= presence - 1e-9).astype(np.float32)
    total = np.minimum(coverage.sum(axis=1), 1.0) if coverage.size else np.zeros(coverage.shape[0])
    labelled = (targets.sum(axis=1) > 0) & (total >= min_total_coverage - 1e-9)
    return targets, labelled
