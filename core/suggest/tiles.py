# SPDX-License-Identifier: GPL-2.0-or-later
"""Suggestions on rasters: every unlabelled tile of the training rasters scored, the best ones kept apart,
written as a GeoPackage of tile polygons the plugin shows as the "Suggested tiles" layer.

The tiles are the training tiles (:func:`core.data.dataset.build_tileset` on the non-overlapping grid of the
model's tile size, so a suggestion is exactly a tile the tile tool labels), normalised with the model file's
band statistics and fed to its networks through :mod:`core.suggest.scores`.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
import pyproj
import shapely

from ..app.modelfile import LoadedModel, load_model
from ..app.outputs import atomic_output, check_output_path
from ..data.dataset import build_tileset
from ..data.geo import pixel_centres_xy
from ..app.scene_normalization import normalize_for_model
from ..data.raster import RasterInfo, open_raster_info
from ..data.tiling import TileGrid
from ..errors import InputError
from ..params import ClassSpec, RasterInput
from . import DEFAULT_COUNT, DEFAULT_MIN_DISTANCE_TILES, DEFAULT_SCORE
from .diversity import select_diverse
from .scores import networks_for, score_tiles, tile_probabilities

LAYER_NAME = "suggestions"
FIELDS = ("rank", "score", "raster", "row_off", "col_off", "tile_size_px", "class_value", "class_name",
          "confidence", "teacher_value")


@dataclass
class Suggestions:
    """Ranked tiles (all arrays share axis 0, rank 1 first) and how they were chosen."""

    score: np.ndarray  # float64
    raster_index: np.ndarray  # int64, into ``rasters``
    row: np.ndarray  # int64 pixel offset of the tile's top-left corner
    col: np.ndarray
    class_index: np.ndarray  # int64 student's class, index into ``classes``
    confidence: np.ndarray  # float64 student's highest probability
    teacher_index: Optional[np.ndarray]  # int64 teacher's class (models with a teacher), else None
    rasters: List[str]
    classes: List[ClassSpec]
    tile_size_px: int
    score_name: str
    min_distance: float
    candidates: int  # unlabelled valid tiles that were scored
    labelled: int
    model_path: str
    asked: int

    def __len__(self) -> int:
        return int(self.score.shape[0])

    @property
    def short(self) -> bool:
        """Fewer suggestions than asked, though there were enough candidates: the distance rule ran out."""
        return len(self) < min(self.asked, self.candidates)


def suggest_tiles(model: Union[str, LoadedModel], rasters: Sequence[RasterInput], labels_path: str,
                  class_field: Optional[str], n: int = DEFAULT_COUNT, score: str = DEFAULT_SCORE,
                  min_distance: float = DEFAULT_MIN_DISTANCE_TILES, min_coverage: float = 0.5,
                  device: str = "auto", batch_size: int = 512,
                  progress: Optional[Callable[[str], None]] = None) -> Suggestions:
    """Score every unlabelled tile of ``rasters`` with ``model`` and pick ``n`` at least ``min_distance`` tiles
    apart. ``labels_path``/``class_field``/``min_coverage`` say which tiles are labelled already, as in
    training. Raises InputError for bad inputs (naming the input and the fix)."""
    networks = networks_for(score)  # an unknown score fails before anything is read
    if int(n) < 1:
        raise InputError(f"the number of suggestions must be at least 1 (got {n})")
    report = progress or (lambda phase: None)
    loaded = load_model(model, device=device) if isinstance(model, str) else model
    infos = [open_raster_info(r.path, require_crs=r.location is None) for r in rasters]
    for info in infos:
        if info.band_count != loaded.band_count:
            raise InputError(f"raster '{info.name}' has {info.band_count} bands but model "
                             f"'{os.path.basename(loaded.path)}' was trained on {loaded.band_count}; use the "
                             "training rasters (same bands in the same order)")
    report("tiling")
    t = loaded.tile_size_px
    tiles, classes, _ = build_tileset(rasters, labels_path, class_field, t, t, min_coverage,
                                      loaded.multi_label, classes=loaded.classes)
    pool = tiles.subset(~tiles.labeled)
    if len(pool) == 0:
        raise InputError("every valid tile of the rasters is labelled already; there is nothing to suggest")
    report("scoring")
    images = normalize_for_model(loaded, pool.images, pool.valid, pool.raster_index, [r.path for r in rasters])
    probs = tile_probabilities(loaded, images, pool.lat, pool.lon, pool.doy, networks, batch_size)
    scores = score_tiles(probs, score)
    xy, group = _tile_positions(infos, pool.raster_index, pool.row, pool.col, t)
    chosen = select_diverse(scores, xy, int(n), float(min_distance), group).indices
    teacher = probs.teacher
    if teacher is None and loaded.has_teacher:
        teacher = tile_probabilities(loaded, images[chosen], pool.lat[chosen], pool.lon[chosen], pool.doy[chosen],
                                     ("teacher",), batch_size).teacher
    elif teacher is not None:
        teacher = teacher[chosen]
    student = probs.student[chosen]
    return Suggestions(
        score=scores[chosen], raster_index=pool.raster_index[chosen], row=pool.row[chosen], col=pool.col[chosen],
        class_index=student.argmax(axis=1).astype(np.int64), confidence=student.max(axis=1).astype(np.float64),
        teacher_index=teacher.argmax(axis=1).astype(np.int64) if teacher is not None else None,
        rasters=[info.path for info in infos], classes=list(classes), tile_size_px=t, score_name=score,
        min_distance=float(min_distance), candidates=len(pool), labelled=int(tiles.labeled.sum()),
        model_path=loaded.path, asked=int(n))


def _output_crs(infos: Sequence[RasterInfo]) -> Optional[pyproj.CRS]:
    """The first raster's CRS; every raster's tiles are written in it."""
    return pyproj.CRS.from_wkt(infos[0].crs.to_wkt()) if infos[0].crs is not None else None


def _to_output(info: RasterInfo, out_crs: Optional[pyproj.CRS]):
    """A function (x, y) arrays -> output CRS, or None when the raster is in it already."""
    if info.crs is None or out_crs is None:
        return None
    src = pyproj.CRS.from_wkt(info.crs.to_wkt())
    if src == out_crs:
        return None
    return pyproj.Transformer.from_crs(src, out_crs, always_xy=True).transform


def _tile_positions(infos: Sequence[RasterInfo], raster_index: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                    tile_size_px: int):
    """Tile centres in tile widths of the first raster, in its CRS, so the same place on two dates counts as
    one place; rasters without a CRS are their own group (their positions cannot be compared)."""
    out_crs = _output_crs(infos)
    first = infos[0].transform
    width = math.sqrt(abs(first.determinant)) * tile_size_px
    xy = np.full((len(rows), 2), np.nan)
    group = np.zeros(len(rows), np.int64)
    half = tile_size_px / 2.0
    for k, info in enumerate(infos):
        sel = raster_index == k
        if not sel.any():
            continue
        xs, ys = pixel_centres_xy(info.transform, rows[sel] + half, cols[sel] + half)
        if info.crs is None or out_crs is None:
            own = math.sqrt(abs(info.transform.determinant)) * tile_size_px
            xy[sel] = np.stack([xs, ys], axis=1) / own
            group[sel] = k + 1
            continue
        move = _to_output(info, out_crs)
        if move is not None:
            xs, ys = move(xs, ys)
        xy[sel] = np.stack([np.asarray(xs), np.asarray(ys)], axis=1) / width
    return xy, group


def write_suggestions(suggestions: Suggestions, out_path: str, overwrite: bool = False) -> str:
    """Write the suggestions as tile polygons in the first raster's CRS (GeoPackage, layer 'suggestions'),
    atomically; an existing file is kept unless ``overwrite``."""
    if os.path.splitext(str(out_path))[1].lower() != ".gpkg":
        raise InputError(f"suggestions '{os.path.basename(str(out_path))}' must be a GeoPackage; give a file name "
                         "ending in .gpkg")
    check_output_path(out_path, overwrite, "suggestions")
    import pyogrio

    infos = [open_raster_info(p, require_crs=False) for p in suggestions.rasters]
    out_crs = _output_crs(infos)
    if out_crs is not None and any(info.crs is None for info in infos):
        raise InputError("some rasters have a CRS and some have none, so their tiles cannot share one layer; "
                         "assign a CRS to every raster")
    t = suggestions.tile_size_px
    geoms = []
    for k, r, c in zip(suggestions.raster_index, suggestions.row, suggestions.col):
        info = infos[int(k)]
        grid = TileGrid.for_raster(info, t, t)
        box = shapely.box(*grid.tile_bounds(info.transform, int(r), int(c)))
        move = _to_output(info, out_crs)
        if move is not None:
            box = shapely.transform(box, lambda xy, move=move: np.stack(move(xy[:, 0], xy[:, 1]), axis=1))
        geoms.append(box)
    n = len(suggestions)
    classes = suggestions.classes
    teacher = suggestions.teacher_index
    field_data = [
        np.arange(1, n + 1, dtype=np.int32), suggestions.score.astype(np.float64),
        np.array([infos[int(k)].name for k in suggestions.raster_index], dtype=object),
        suggestions.row.astype(np.int32), suggestions.col.astype(np.int32), np.full(n, t, np.int32),
        np.array([classes[int(i)].value for i in suggestions.class_index], dtype=np.int32),
        np.array([classes[int(i)].name for i in suggestions.class_index], dtype=object),
        suggestions.confidence.astype(np.float64),
        np.array([classes[int(i)].value for i in teacher], dtype=np.int32) if teacher is not None
        else np.zeros(n, np.int32),
    ]
    masks = [None] * (len(FIELDS) - 1) + [None if teacher is not None else np.ones(n, dtype=bool)]
    meta = {"STSSL_SUGGEST_MODEL": os.path.basename(suggestions.model_path),
            "STSSL_SUGGEST_SCORE": suggestions.score_name,
            "STSSL_SUGGEST_MIN_DISTANCE": f"{suggestions.min_distance:g}",
            "STSSL_SUGGEST_RASTERS": json.dumps([os.path.basename(p) for p in suggestions.rasters])}
    with atomic_output(out_path, overwrite, "suggestions") as tmp:
        pyogrio.raw.write(tmp, geometry=np.asarray(shapely.to_wkb(geoms), dtype=object), field_data=field_data,
                          fields=list(FIELDS), field_mask=masks, layer=LAYER_NAME, driver="GPKG",
                          geometry_type="Polygon", crs=out_crs.to_wkt() if out_crs is not None else None,
                          layer_metadata=meta)
    return str(out_path)
