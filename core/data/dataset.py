# SPDX-License-Identifier: GPL-2.0-or-later
"""From rasters and labels to the tiles the trainer learns from, with their place and date.

One :class:`TileSet` holds every usable tile of all training rasters: the labelled ones (a class covers
enough of them) and the unlabelled pool (every other valid tile), each with the latitude/longitude of its
centre and the day of year of its raster, which is what the metadata teacher sees. Tiles that are mostly
nodata are dropped from both pools and counted, never silently.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import rasterio

from ..errors import InputError
from .labels.assign import assign_multi_label, assign_single_label
from .labels.classes import build_class_table, class_indices
from .labels.coverage import tile_class_coverage
from .labels.rasters import class_raster_overlaps, read_class_raster_codes, tile_class_coverage_from_raster
from .labels.vectors import LabelShapes, crs_label, labels_overlapping, read_label_vector, require_overlap
from .normalization import BandStats, robust_band_stats
from ..params import ClassSpec, RasterInput
from .raster import RasterInfo, open_raster_info, read_block
from .stack import series_sources
from .tiling import TileGrid, extract_tiles

log = logging.getLogger(__name__)

# Tiles are read in chunks of whole tile rows of about this many pixels, so building a tile set of a large
# raster never holds more than the kept tiles plus one chunk.
_CHUNK_PIXELS = 1024 * 1024


@dataclass
class TileSet:
    """Tiles of one or more rasters, ready to normalise and feed to the trainer (all arrays share axis 0)."""

    images: np.ndarray  # float32 (N, C, T, T), raw values (not normalised); nodata pixels are 0
    valid: np.ndarray  # bool (N, T, T): pixel inside the raster and not nodata
    labels: np.ndarray  # int64 (N,) class index, -1 = none; or float32 (N, K) multi-hot for multi-label
    labeled: np.ndarray  # bool (N,)
    lat: np.ndarray  # float64 (N,) tile centre, degrees WGS 84; NaN unknown
    lon: np.ndarray  # float64 (N,)
    doy: np.ndarray  # float64 (N,) day of year of the raster's acquisition; NaN unknown
    raster_index: np.ndarray  # int64 (N,) position of the tile's raster in the input list
    row: np.ndarray  # int64 (N,) pixel offset of the tile's top-left corner in its raster
    col: np.ndarray  # int64 (N,)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def multi_label(self) -> bool:
        return self.labels.ndim == 2

    def subset(self, idx: Union[np.ndarray, Sequence[int]]) -> "TileSet":
        """The tiles at ``idx`` (integer indices or a boolean mask), as a new TileSet (e.g. the unlabelled pool
        that core.suggest scores)."""
        idx = np.asarray(idx)
        return TileSet(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence["TileSet"]) -> "TileSet":
        """Tiles of several sets, in order. ``raster_index`` is kept as is: give each part its own indices."""
        if not parts:
            raise ValueError("TileSet.concat needs at least one TileSet")
        return TileSet(**{f.name: np.concatenate([getattr(p, f.name) for p in parts], axis=0) for f in fields(TileSet)})

    def class_counts(self, num_classes: int) -> np.ndarray:
        """Labelled tiles per class (for multi-label: tiles where the class is present)."""
        if self.multi_label:
            return self.labels[self.labeled].sum(axis=0).astype(np.int64)
        return np.bincount(self.labels[self.labeled], minlength=num_classes).astype(np.int64)


def _empty_tileset(bands: int, t: int, num_classes: int, multi_label: bool) -> TileSet:
    labels = np.zeros((0, num_classes), np.float32) if multi_label else np.zeros(0, np.int64)
    return TileSet(np.zeros((0, bands, t, t), np.float32), np.zeros((0, t, t), bool), labels, np.zeros(0, bool),
                   np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64),
                   np.zeros(0, np.int64))


def _check_parameters(tile_size_px: int, stride_px: Optional[int], min_coverage: float, presence_fraction: float,
                      min_valid_fraction: float) -> None:
    if int(tile_size_px) < 1:
        raise InputError(f"tile size must be at least 1 px (got {tile_size_px})")
    if stride_px is not None and int(stride_px) < 1:
        raise InputError(f"tile stride must be at least 1 px (got {stride_px})")
    for name, value, zero_ok in (("min_coverage", min_coverage, False), ("presence fraction", presence_fraction, False),
                                 ("min_valid_fraction", min_valid_fraction, True)):
        if not ((value >= 0.0 if zero_ok else value > 0.0) and value <= 1.0):
            raise InputError(f"{name} must be a fraction between 0 and 1 (got {value})")


def _open_rasters(rasters: Sequence[RasterInput]) -> List[RasterInfo]:
    """Open every raster's header and check that they can be trained on together."""
    if not rasters:
        raise InputError("no training raster given; add at least one raster")
    infos = []
    for r in rasters:
        info = open_raster_info(r.path, require_crs=r.location is None)
        if r.location is not None:
            lat, lon = r.location
            if not (-90.0 <= float(lat) <= 90.0 and -180.0 <= float(lon) <= 180.0):
                raise InputError(f"location ({lat}, {lon}) for raster '{info.name}' is not a latitude/longitude "
                                 "in degrees; give latitude in [-90, 90] and longitude in [-180, 180]")
        infos.append(info)
    first = infos[0]
    for info in infos[1:]:
        if info.band_count != first.band_count:
            raise InputError(
                f"raster '{info.name}' has {info.band_count} bands but raster '{first.name}' has {first.band_count}; "
                "all training rasters need the same bands in the same order"
            )
    return infos


def _tile_locations(r: RasterInput, info: RasterInfo, rows: np.ndarray, cols: np.ndarray,
                    tile_size_px: int) -> Tuple[np.ndarray, np.ndarray]:
    if r.location is not None:
        return np.full(len(rows), float(r.location[0])), np.full(len(rows), float(r.location[1]))
    from .geo import tile_centres_latlon

    return tile_centres_latlon(info.transform, info.crs, rows, cols, tile_size_px)


def build_tileset(
    rasters: Sequence[RasterInput],
    labels_path: str,
    class_field: Optional[str],
    tile_size_px: int,
    stride_px: Optional[int] = None,
    min_coverage: float = 0.5,
    multi_label: bool = False,
    presence_fraction: float = 0.1,
    classes: Optional[List[ClassSpec]] = None,
    min_valid_fraction: float = 0.5,
    timesteps: Optional[Sequence[int]] = None,
) -> Tuple[TileSet, List[ClassSpec], List[Dict[str, Any]]]:
    """Cut every raster into tiles, label them from the labels, and return ``(tiles, classes, provenance)``.

    ``labels_path`` is a vector of polygons/points with the class in ``class_field`` (reprojected to each
    raster's CRS), or a class raster when ``class_field`` is None (resampled to each raster's grid with nearest
    neighbour). ``classes`` fixes the class table (the user's palette); None derives it from the labels.

    Single-label: a tile is labelled with the class covering at least ``min_coverage`` of its valid pixels.
    Multi-label: every class covering at least ``presence_fraction`` is present, in tiles whose labels cover at
    least ``min_coverage`` in total. Tiles with fewer than ``min_valid_fraction`` valid pixels are dropped from
    both pools (and counted); every other tile that is not labelled forms the unlabelled pool.

    ``timesteps`` (one per raster; default 1) reads stacks masked per timestep (the Presto backbone): a pixel is
    valid when any of its timesteps has data, and a timestep without data is NaN in the tile, not zeros.

    Provenance has one dict per raster: what was read, its date and where that came from, and tile counts.
    Raises :class:`InputError` for bad rasters or labels, labels outside all rasters, no labelled tile, or
    labelled tiles of a single class.
    """
    _check_parameters(tile_size_px, stride_px, min_coverage, presence_fraction, min_valid_fraction)
    tile_size_px = int(tile_size_px)
    infos = _open_rasters(rasters)
    grids = [TileGrid.for_raster(info, tile_size_px, stride_px) for info in infos]

    from .dates import detect_acquisition_date

    dates = [detect_acquisition_date(r.path, r.acquisition_date) for r in rasters]

    # Labels, in each raster's CRS (vector) or checked against each raster's extent (class raster).
    warnings: List[List[str]] = [[] for _ in infos]
    if class_field:
        source = read_label_vector(labels_path, class_field, target_crs=None)
        reprojected: List[LabelShapes] = []
        for info, notes in zip(infos, warnings):
            _require_georeferencing(info, source)
            if info.crs is None and source.crs is not None:
                notes.append(f"raster has no CRS: labels taken in their own coordinates ({crs_label(source.crs)})")
            if source.crs is None and info.crs is not None:
                notes.append(f"label file has no CRS: taken to be the raster's ({crs_label(info.crs)})")
            reprojected.append(source.to_crs(info.crs))
        require_overlap(list(zip(reprojected, infos)))
        shapes_per_raster: List[Optional[LabelShapes]] = list(reprojected)
        label_values = source.values
    else:
        if os.path.exists(labels_path) and _is_vector(labels_path):
            raise InputError(f"labels '{os.path.basename(labels_path)}' are a vector layer; choose its class field")
        shapes_per_raster = [None] * len(infos)
        label_values = read_class_raster_codes(labels_path)
        if not any(class_raster_overlaps(labels_path, info) for info in infos):
            names = ", ".join(f"'{info.name}'" for info in infos)
            raise InputError(f"class raster '{os.path.basename(labels_path)}' does not overlap raster(s) {names}; "
                             "check that they cover the same area and have the right CRS")
    if classes is None:
        classes = build_class_table(label_values)
    else:
        classes = list(classes)
        class_indices(label_values, classes, f"labels '{os.path.basename(labels_path.split('|')[0])}'")
    num_classes = len(classes)

    parts: List[TileSet] = []
    provenance: List[Dict[str, Any]] = []
    for index, (r, info, grid, date, shapes, notes) in enumerate(
            zip(rasters, infos, grids, dates, shapes_per_raster, warnings)):
        if info.crs is not None and info.crs.is_geographic:
            notes.append("raster CRS is geographic (degrees): tile sizes are in pixels, so a tile spans "
                         f"{tile_size_px} x {tile_size_px} pixels, not metres")
        part, counts = _tiles_of_raster(
            index, r, info, grid, date.day_of_year, labels_path, shapes, classes, min_coverage, multi_label,
            presence_fraction, min_valid_fraction, timesteps[index] if timesteps else 1,
        )
        parts.append(part)
        labelled_per_class = part.class_counts(num_classes)
        sources = series_sources(info.path)  # a series VRT (temporary from the command line): what it stacks
        provenance.append({
            "path": info.path,
            **({"series_sources": sources} if sources else {}),
            "width": info.width,
            "height": info.height,
            "band_count": info.band_count,
            "dtype": info.dtype,
            "crs": crs_label(info.crs) if info.crs is not None else None,
            "location": "given" if r.location is not None else "crs",
            "acquisition_date": date.iso or None,
            "date_source": date.source,
            "tile_size_px": tile_size_px,
            "stride_px": grid.stride_px,
            "tiles_total": grid.count,
            "tiles_valid": counts["valid"],
            "tiles_dropped_nodata": grid.count - counts["valid"],
            "tiles_labeled": int(part.labeled.sum()),
            "tiles_unlabeled": int((~part.labeled).sum()),
            "labeled_per_class": {c.name: int(n) for c, n in zip(classes, labelled_per_class)},
            "labels_overlapping": counts.get("labels_overlapping"),
            "labels_repaired": source.repaired if class_field else 0,
            "warnings": notes,
        })
        for note in notes:
            log.warning("%s: %s", info.name, note)

    tiles = (TileSet.concat(parts) if parts
             else _empty_tileset(infos[0].band_count, tile_size_px, num_classes, multi_label))
    _check_labelled(tiles, classes, infos, min_coverage, multi_label)
    for spec, n in zip(classes, tiles.class_counts(num_classes)):
        if n == 0:
            log.warning("class '%s' has no labelled tile (its labels cover too little of any valid tile); the model "
                        "cannot learn it: draw larger labels or lower the tile size", spec.name)
    return tiles, classes, provenance


def _require_georeferencing(info: RasterInfo, labels: LabelShapes) -> None:
    """A raster without geotransform and CRS is in pixel coordinates: vector labels drawn in a CRS can never be
    placed on it, whatever --lat/--lon say (those only give the teacher a location)."""
    if info.crs is None and labels.crs is not None and info.transform == rasterio.Affine.identity():
        raise InputError(
            f"raster '{info.name}' has no georeferencing (no geotransform and no CRS: its coordinates are pixel "
            f"numbers), so the labels in '{labels.name}' ({crs_label(labels.crs)}) cannot be placed on it; "
            "--lat/--lon only give the teacher a location. Georeference the raster (QGIS: Raster > Georeferencer; "
            "GDAL: gdal_translate -a_ullr ... -a_srs ...), or label it with a class raster on its own pixel grid")


def _is_vector(path: str) -> bool:
    try:
        with rasterio.open(path):
            return False
    except rasterio.errors.RasterioIOError:
        return True


def _tiles_of_raster(
    index: int, r: RasterInput, info: RasterInfo, grid: TileGrid, day_of_year: float, labels_path: str,
    shapes: Optional[LabelShapes], classes: List[ClassSpec], min_coverage: float, multi_label: bool,
    presence_fraction: float, min_valid_fraction: float, timesteps: int = 1,
) -> Tuple[TileSet, Dict[str, int]]:
    """All valid tiles of one raster with their labels, read a chunk of tile rows at a time."""
    t = grid.tile_size_px
    all_rows, all_cols = grid.origins()
    rows_per_chunk = max(1, _CHUNK_PIXELS // max(grid.n_cols * t * t, 1))
    parts: List[TileSet] = []
    n_valid = 0
    any_valid_pixel = False
    with rasterio.open(info.path) as ds:
        for first in range(0, grid.n_rows, rows_per_chunk):
            sel = slice(first * grid.n_cols, min(first + rows_per_chunk, grid.n_rows) * grid.n_cols)
            rows, cols = all_rows[sel], all_cols[sel]
            images, valid = extract_tiles(ds, grid, rows, cols, timesteps=timesteps)
            any_valid_pixel = any_valid_pixel or bool(valid.any())
            keep = valid.reshape(len(rows), -1).mean(axis=1) >= min_valid_fraction
            keep &= valid.any(axis=(1, 2))  # an all-nodata tile is never used, whatever the threshold
            if not keep.any():
                continue
            rows, cols, images, valid = rows[keep], cols[keep], images[keep], valid[keep]
            n_valid += len(rows)
            if shapes is not None:
                coverage = tile_class_coverage(shapes, classes, info.transform, grid, valid, rows, cols)
            else:
                coverage = tile_class_coverage_from_raster(labels_path, info, grid, classes, None, valid, rows, cols)
            if multi_label:
                labels, labeled = assign_multi_label(coverage, presence_fraction, min_total_coverage=min_coverage)
                labels[~labeled] = 0.0
            else:
                labels = assign_single_label(coverage, min_coverage)
                labeled = labels >= 0
            lat, lon = _tile_locations(r, info, rows, cols, t)
            parts.append(TileSet(
                images=images, valid=valid, labels=labels, labeled=labeled,
                lat=np.asarray(lat, np.float64), lon=np.asarray(lon, np.float64),
                doy=np.full(len(rows), day_of_year, np.float64),
                raster_index=np.full(len(rows), index, np.int64), row=rows.astype(np.int64), col=cols.astype(np.int64),
            ))
    if not any_valid_pixel:
        nodata = f"nodata ({info.nodata:g})" if info.nodata is not None else "nodata"
        raise InputError(f"raster '{info.name}' has no valid pixels: every pixel is {nodata}, NaN or masked; check "
                         "the file and its nodata value (QGIS: Layer Properties > Transparency), or leave it out")
    counts = {"valid": n_valid}
    if shapes is not None:
        counts["labels_overlapping"] = int(labels_overlapping(shapes, info).sum())
    tiles = TileSet.concat(parts) if parts else _empty_tileset(info.band_count, t, len(classes), multi_label)
    return tiles, counts


def _check_labelled(tiles: TileSet, classes: List[ClassSpec], infos: List[RasterInfo], min_coverage: float,
                    multi_label: bool) -> None:
    names = ", ".join(f"'{info.name}'" for info in infos)
    if not tiles.labeled.any():
        if multi_label:
            raise InputError(
                f"no tile of raster(s) {names} has labels covering at least {min_coverage:.0%} of it; lower "
                "min_coverage or the tile size, or draw larger polygons"
            )
        raise InputError(
            f"no tile of raster(s) {names} is covered at least {min_coverage:.0%} by a label; lower min_coverage "
            "or the tile size, or draw larger polygons"
        )
    counts = tiles.class_counts(len(classes))
    present = [c.name for c, n in zip(classes, counts) if n > 0]
    if len(present) == 1 and not multi_label:
        raise InputError(f"only class '{present[0]}' has labelled tiles; label at least two classes")


def compute_band_stats(rasters: Sequence[Union[RasterInput, str]], max_samples: int = 200_000,
                       seed: int = 0, block_size_px: int = 128, timesteps: int = 1) -> BandStats:
    """Per-band normalisation statistics from valid pixels sampled across all rasters.

    Random ``block_size_px`` blocks are read from each raster until it has given its share of samples (or
    all its blocks are read), so large rasters cost a bounded amount of reading and memory while the sample
    still spreads over the whole scene. ``timesteps`` > 1: stacks masked per timestep (a band's statistics then
    come from the pixels where its timestep has data).
    """
    paths = [r.path if isinstance(r, RasterInput) else str(r) for r in rasters]
    if not paths:
        raise InputError("no raster given for normalisation statistics; add at least one raster")
    rng = np.random.default_rng(seed)
    quota = max(1, int(np.ceil(max_samples / len(paths))))
    samples = []
    band_count = None
    for path in paths:
        info = open_raster_info(path, require_crs=False)
        if band_count is not None and info.band_count != band_count:
            raise InputError(f"raster '{info.name}' has {info.band_count} bands but the first raster has {band_count}; "
                             "all rasters need the same bands in the same order")
        band_count = info.band_count
        samples.append(sample_raster_pixels(path, quota, rng, block_size_px, info, timesteps))
    return robust_band_stats(np.concatenate(samples, axis=0))


def sample_raster_pixels(path: str, max_samples: int, rng: np.random.Generator, block_size_px: int = 128,
                         info: Optional[RasterInfo] = None, timesteps: int = 1) -> np.ndarray:
    """Up to ``max_samples`` valid pixels of one raster, as (N, C) float32, from random ``block_size_px`` blocks.

    Blocks are read in random order until twice the quota of valid pixels is found (or every block is read), so
    a large raster costs a bounded amount of reading while the sample still spreads over the scene. Used for the
    training statistics and, before a prediction, to compare a raster with them.
    """
    info = info if info is not None else open_raster_info(path, require_crs=False)
    b = max(1, min(block_size_px, info.width, info.height))
    origins = [(r, c) for r in range(0, info.height, b) for c in range(0, info.width, b)]
    order = rng.permutation(len(origins))
    blocks, found = [], 0
    with rasterio.open(path) as ds:
        for k in order:
            r, c = origins[k]
            data, valid = read_block(ds, r, c, b, b, timesteps=timesteps)
            if valid.any():
                blocks.append(data[:, valid])  # (C, n): only the valid pixels are kept
                found += int(valid.sum())
            if found >= 2 * max_samples:
                break
    if found == 0:
        raise InputError(f"raster '{info.name}' has no valid pixel (all nodata); check its nodata value")
    pixels = np.concatenate(blocks, axis=1).T  # (n, C)
    if pixels.shape[0] > max_samples:
        pixels = pixels[rng.choice(pixels.shape[0], size=max_samples, replace=False)]
    return pixels
