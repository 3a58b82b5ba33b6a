# SPDX-License-Identifier: GPL-2.0-or-later
"""Whole-raster prediction: sliding tiles, probability averaging, and class/confidence GeoTIFFs.

The model classifies square tiles of ``tile_size_px``. To map every pixel, tiles are laid on one global grid
with origins at multiples of the stride from pixel (0, 0), reaching past the raster's edges where needed
(padded and masked by :func:`core.data.raster.read_block`). Each output value is the average of the class
probabilities of all tiles that cover it, so overlapping tiles blend without seams and edge pixels get as
many tiles as interior ones.

The raster is processed block by block, each read with the halo of tiles that overlap it, so memory does not
grow with the raster. Because the tile grid is global and every output value is summed over the same tiles
in the same order whatever the block, the result does not depend on the block size.

Two output resolutions:

* ``'pixel'``: one value per input pixel (the output grid is the input grid);
* ``'stride'``: one value per stride cell (``stride_px`` times coarser), the average of the tiles that
  overlap the cell. Same model work, much smaller files.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import rasterio
import torch
from rasterio.windows import Window

from ..data.dataset import sample_raster_pixels
from ..errors import InputError
from .geotiff import close_geotiff, open_geotiff, verify_geotiff, write_block
from .input_check import ScaleCheck, compare_with_training
from .scene_normalization import model_for_raster, model_mode
from .predict_blocks import Block, block_for_bands, block_layout, predict_block, spans
from .predict_metadata import metadata_source
from .outputs import (atomic_output, check_output_path, check_written, class_qml, confidence_qml, qml_path_for,
                      write_text_to)
from ..params import RESOLUTIONS, ClassSpec, PredictRequest
from ..data.raster import RasterInfo, open_raster_info

CONFIDENCE_NODATA = -1.0


GDAL_CACHE_MB = 64

log = logging.getLogger(__name__)


@dataclass
class PredictResult:
    """What a prediction wrote, for the caller to load as layers and report."""

    classes_path: str
    confidence_path: Optional[str]
    teacher_path: Optional[str]
    width: int  # output grid, in output pixels
    height: int
    resolution: str  # 'pixel' or 'stride'
    seconds: float
    tiles: int  # tiles classified by the student (tiles holding no valid pixel are skipped)
    # Input pixels left unclassified because a band has no data there (nodata value, mask, NaN), of ``pixels``;
    # ``nodata_by_band[b]`` counts the pixels where band b + 1 has none (a pixel can count for several bands).
    pixels: int = 0
    nodata_pixels: int = 0
    nodata_by_band: List[int] = field(default_factory=list)
    band_names: List[str] = field(default_factory=list)  # band descriptions ('B7'), '' where there is none
    notes: List[str] = field(default_factory=list)  # what the user should know (also logged as warnings)

    def nodata_summary(self) -> str:
        """One line for the command line: how many pixels nodata left unclassified, and in which bands."""
        if not self.nodata_pixels:
            return "no pixel was left unclassified for lack of data"
        share = self.nodata_pixels / max(self.pixels, 1)
        per_band = ", ".join(f"{_band_label(b, self.band_names)} {n / max(self.pixels, 1):.1%}"
                             for b, n in enumerate(self.nodata_by_band) if n)
        return (f"{self.nodata_pixels} of {self.pixels} pixels ({share:.1%}) were left unclassified as nodata; "
                f"nodata per band: {per_band}")


def _band_label(index: int, names: List[str]) -> str:
    name = names[index] if index < len(names) else ""
    return f"band {index + 1} ({name})" if name else f"band {index + 1}"


def check_input_scale(model, raster_path: str, max_samples: int = 20_000, seed: int = 0) -> ScaleCheck:
    """Compare a sample of the raster's valid pixels with the model's training statistics (see
    :mod:`core.app.input_check`); call it before :func:`predict_raster` and ask the user when it is not ok."""
    info = open_raster_info(raster_path, require_crs=False)
    _check_band_count(model, info)
    samples = sample_raster_pixels(raster_path, max_samples, np.random.default_rng(seed), info=info)
    if model_mode(getattr(model, "config", {})) == "per_raster":  # it scales each raster by its own statistics
        return ScaleCheck(info.name, int(samples.shape[0]), [])
    with rasterio.open(raster_path) as src:
        names = [d or "" for d in src.descriptions]
    return compare_with_training(samples, model.band_stats, info.name, names)


def classify_raster(request: PredictRequest, model=None, progress: Optional[Callable[[float], None]] = None,
                    should_stop: Optional[Callable[[], bool]] = None) -> PredictResult:
    """Run a :class:`PredictRequest` (``stssl predict``, the dock, Processing). ``model`` is the request's model when
    the caller has already loaded it (e.g. to classify several rasters with it); else it is loaded here."""
    if model is None:
        from .modelfile import load_model

        model = load_model(request.model_path, device=request.device)
    return predict_raster(model, request.raster_path, request.out_classes, out_confidence=request.out_confidence,
                          out_teacher=request.out_teacher, acquisition_date=request.acquisition_date,
                          resolution=request.resolution, stride_px=request.stride_px, batch_size=request.batch_size,
                          block_px=request.block_px,
                          overwrite=request.overwrite, progress=progress, should_stop=should_stop,
                          location=request.location, timestep_dates=request.timestep_dates)


def predict_raster(
    model,
    raster_path: str,
    out_classes: str,
    out_confidence: Optional[str] = None,
    out_teacher: Optional[str] = None,
    acquisition_date: Optional[str] = None,
    resolution: str = "pixel",
    stride_px: Optional[int] = None,
    batch_size: int = 256,
    block_px: int = 1024,
    overwrite: bool = False,
    progress: Optional[Callable[[float], None]] = None,
    should_stop: Optional[Callable[[], bool]] = None,
    location: Optional[Tuple[float, float]] = None,
    timestep_dates: Optional[List[str]] = None,
) -> PredictResult:
    """Classify a whole raster with ``model`` and write the class map (and optional confidence/teacher maps).

    ``model`` is what :func:`core.app.modelfile.load_model` returns. ``stride_px`` defaults to the model's
    prediction stride; smaller strides mean more overlapping tiles per pixel (smoother, slower). ``block_px``
    is the edge of the input area processed at once and only bounds memory: the result does not depend on it.
    ``acquisition_date`` ('YYYY-MM-DD', 'unknown', or None to detect it from the raster) only feeds the
    teacher map. ``progress(fraction)`` is called after each batch; ``should_stop()`` is checked before each
    batch and raises :class:`PredictionCancelled`, leaving no output files. ``location`` (lat, lon in degrees)
    places every tile for the networks that read metadata when the raster has no CRS (or overrides it). For a
    Presto model the metadata networks read the months of the stack's timesteps (``timestep_dates``, or the band
    descriptions, core.data.stack).

    For a multi-label model the class map shows the most probable class and the confidence its probability.

    Every output is checked before any work starts, and written under a temporary name that is renamed onto
    the final name only when the whole prediction has succeeded. The class map gets a colour table, class
    names in its metadata and a ``.qml`` style beside it, so QGIS shows the training palette and legend.
    """
    started = time.perf_counter()
    info = open_raster_info(raster_path, require_crs=False)
    tile = int(model.tile_size_px)
    stride = int(stride_px if stride_px is not None else model.stride_px)
    _check_request(model, info, out_classes, out_confidence, out_teacher, resolution, stride, tile,
                   batch_size, block_px, overwrite)
    class_dtype, class_nodata = class_encoding(model.classes, model.path)
    model, scale_note = model_for_raster(model, raster_path)  # a "per_raster" model reads this raster's statistics
    notes: List[str] = [scale_note] if scale_note else []

    # The teacher always reads location and date; the student only in the metadata-as-input baseline.
    metadata = None
    student_reads_metadata = bool(model.student_needs_metadata)
    if out_teacher or student_reads_metadata:
        metadata, metadata_notes = metadata_source(
            info, raster_path, acquisition_date, location, student_reads_metadata,
            "teacher map" if out_teacher else "class map", presto_spec=getattr(model, "presto_spec", None),
            timestep_dates=timestep_dates)
        notes += metadata_notes
    for note in notes:
        log.warning("%s", note)

    scale = 1 if resolution == "pixel" else stride
    out_height = -(-info.height // scale)
    out_width = -(-info.width // scale)
    out_transform = info.transform @ rasterio.Affine.scale(scale, scale)
    block_px = min(int(block_px), block_for_bands(info.band_count))
    block_out, gtiff_tile = block_layout(block_px if resolution == "pixel" else max(1, block_px // stride))
    row_spans = spans(out_height, block_out, resolution, tile, stride)
    col_spans = spans(out_width, block_out, resolution, tile, stride)
    total_tiles = sum(s.tiles for s in row_spans) * sum(s.tiles for s in col_spans)

    base = dict(driver="GTiff", width=out_width, height=out_height, count=1, crs=info.crs,
                transform=out_transform, tiled=True, blockxsize=gtiff_tile, blockysize=gtiff_tile,
                compress="deflate", bigtiff="if_safer")
    common_tags = dict(SOURCE_RASTER=info.name, MODEL=os.path.basename(str(model.path)), RESOLUTION=resolution,
                       TILE_SIZE_PX=str(tile), STRIDE_PX=str(stride), MULTI_LABEL=str(bool(model.multi_label)))
    if metadata is not None:
        common_tags["DAY_OF_YEAR"] = "unknown" if math.isnan(metadata.day_of_year) else f"{metadata.day_of_year:g}"
    class_tags = _class_tags(model.classes)
    values = np.array([int(c.value) for c in model.classes], dtype=np.int64)

    done_tiles = 0
    classified = 0
    nodata_pixels = 0
    nodata_by_band = np.zeros(info.band_count, dtype=np.int64)
    # GDAL's block cache defaults to 5 % of RAM and would grow with the raster; a small cache keeps memory
    # bounded (every block is read and written once, so a larger cache buys nothing).
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB * 1024 * 1024), rasterio.open(raster_path) as src, \
            ExitStack() as stack:
        opened: List[Tuple["rasterio.io.DatasetWriter", str, str, str, str]] = []
        def open_output(path: str, what: str, dtype: str, nodata: float, tags: dict,
                        band: str) -> "rasterio.io.DatasetWriter":
            # Entered in this order, the dataset closes before atomic_output verifies and renames its file.
            tmp = stack.enter_context(atomic_output(path, overwrite, what))
            dst = stack.enter_context(open_geotiff(tmp, path, what, dtype=dtype, nodata=nodata, **base))
            dst.update_tags(**common_tags, **tags)
            dst.set_band_description(1, band)
            if band == "class":
                dst.write_colormap(1, _colormap(model.classes))
            opened.append((dst, path, what, tmp, dtype))
            return dst

        band_names = [d or "" for d in src.descriptions]
        classes_dst = open_output(out_classes, "class map", class_dtype, class_nodata,
                                  dict(class_tags, NETWORK="student"), "class")
        confidence_dst = None
        if out_confidence:
            confidence_dst = open_output(out_confidence, "confidence map", "float32", CONFIDENCE_NODATA,
                                         dict(NETWORK="student", CONFIDENCE="maximum class probability (0..1)"),
                                         "confidence")
        teacher_dst = None
        if out_teacher:
            teacher_dst = open_output(out_teacher, "teacher class map", class_dtype, class_nodata,
                                      dict(class_tags, NETWORK="teacher"), "class")

        with torch.inference_mode():
            for block in (Block(rows, cols) for rows in row_spans for cols in col_spans):
                report = _block_progress(progress, done_tiles, block.tile_count, total_tiles)
                maps = predict_block(model, src, info, block, tile, stride, resolution, batch_size, metadata,
                                      teacher=teacher_dst is not None, report=report,
                                      should_stop=should_stop)
                classified += maps.tiles
                nodata_pixels += maps.nodata_pixels
                nodata_by_band += maps.nodata_by_band
                window = Window(block.cols.start, block.rows.start, block.cols.stop - block.cols.start,
                                block.rows.stop - block.rows.start)
                write_block(classes_dst, _class_values(maps.student, values, maps.valid, class_dtype, class_nodata),
                            window, "class map", out_classes)
                if confidence_dst is not None and out_confidence:
                    confidence = np.where(maps.valid, maps.confidence, np.float32(CONFIDENCE_NODATA))
                    write_block(confidence_dst, confidence.astype(np.float32, copy=False), window, "confidence map",
                                out_confidence)
                if teacher_dst is not None and maps.teacher is not None and out_teacher:
                    write_block(teacher_dst, _class_values(maps.teacher, values, maps.valid, class_dtype, class_nodata),
                                window, "teacher class map", out_teacher)
                report(1.0)
                done_tiles += block.tile_count
        # Closing flushes GDAL's cache and the tile index: checked here, while a failure can still keep the
        # old files (each is then read back before its rename).
        for dst, path, what, _, _ in opened:
            close_geotiff(dst, what, path)
        # All read back before the first rename, so the maps are replaced together or not at all.
        for _, path, what, tmp, dtype in opened:
            check_written(tmp, path, what, functools.partial(verify_geotiff, width=out_width, height=out_height,
                                                             count=1, dtype=dtype))
        # The styles too, before any rename: a failed run leaves neither the rasters nor their styles, and a
        # disk that fills up at the last small file does not leave new maps with old styles.
        styles = [(out_classes, class_qml(model.classes, class_nodata))]
        if out_teacher:
            styles.append((out_teacher, class_qml(model.classes, class_nodata)))
        if out_confidence:
            styles.append((out_confidence, confidence_qml()))
        for raster, text in styles:
            qml = qml_path_for(raster)
            tmp = stack.enter_context(atomic_output(qml, True, "style file"))
            write_text_to(tmp, text, "style file", qml)
            check_written(tmp, qml, "style file")

    if progress is not None:
        progress(1.0)
    return PredictResult(
        classes_path=str(out_classes), confidence_path=str(out_confidence) if out_confidence else None,
        teacher_path=str(out_teacher) if out_teacher else None, width=out_width, height=out_height,
        resolution=resolution, seconds=time.perf_counter() - started, tiles=classified, notes=notes,
        pixels=info.width * info.height, nodata_pixels=int(nodata_pixels),
        nodata_by_band=[int(n) for n in nodata_by_band], band_names=band_names,
    )


def _block_progress(progress: Optional[Callable[[float], None]], done_tiles: int, block_tiles: int,
                    total_tiles: int) -> Callable[[float], None]:
    """Turn "this far through the block" into "this far through the raster" for the caller's callback."""
    def report(fraction_of_block: float) -> None:
        if progress is not None:
            progress(min(1.0, (done_tiles + fraction_of_block * block_tiles) / max(total_tiles, 1)))
    return report


def class_encoding(classes: List[ClassSpec], model_path: str = "model") -> Tuple[str, int]:
    """The smallest unsigned type holding the class values, and a nodata value that is not a class.

    Nodata is 0 when no class uses it (the usual case), else the first value past the largest class that
    still fits the type.
    """
    values = [int(c.value) for c in classes]
    if not values:
        raise InputError(f"model '{os.path.basename(str(model_path))}' has no classes; retrain it with labels")
    if min(values) < 0 or max(values) > 65534:
        raise InputError(
            f"model '{os.path.basename(str(model_path))}' has class values outside 0..65534 "
            f"({min(values)}..{max(values)}); renumber the classes in the labels and retrain"
        )
    if 0 not in values:
        return ("uint8" if max(values) <= 255 else "uint16"), 0
    if max(values) < 255:
        return "uint8", 255
    return "uint16", 65535


def _check_request(model, info: RasterInfo, out_classes: str, out_confidence: Optional[str],
                   out_teacher: Optional[str], resolution: str, stride: int, tile: int, batch_size: int,
                   block_px: int, overwrite: bool) -> None:
    """Every reason to refuse, checked before the first tile is read, so a long run cannot fail at the end."""
    _check_band_count(model, info)
    if resolution not in RESOLUTIONS:
        raise InputError(f"resolution '{resolution}' is not supported; choose one of: {', '.join(RESOLUTIONS)}")
    if stride < 1:
        raise InputError(f"stride_px must be at least 1 (got {stride})")
    if stride > tile:
        raise InputError(
            f"stride_px {stride} is larger than the model's tile size ({tile} px), so pixels between tiles would "
            f"get no class; use a stride of at most {tile}"
        )
    if int(batch_size) < 1:
        raise InputError(f"batch_size must be at least 1 (got {batch_size})")
    if int(block_px) < 1:
        raise InputError(f"the block size must be at least 1 pixel (got {block_px}); e.g. --block-px 512")
    if out_teacher and not bool(model.has_teacher):
        raise InputError(
            f"model '{os.path.basename(str(model.path))}' has no metadata teacher (trained without metadata), so "
            "there is no teacher map; leave the teacher output empty or retrain with metadata 'teacher'"
        )
    if not out_classes:
        raise InputError("no class map output was given; choose a file name such as 'classes.tif'")
    outputs = [(out_classes, "class map"), (out_confidence, "confidence map"), (out_teacher, "teacher class map")]
    inputs = [(info.path, f"input raster '{info.name}'"),
              (str(model.path), f"model file '{os.path.basename(str(model.path))}'")]
    seen: Dict[str, str] = {}
    for path, what in outputs:
        if not path:
            continue
        check_output_path(path, overwrite, what, inputs=inputs)
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise InputError(f"{what} '{os.path.basename(path)}' is the same file as the {seen[key]}; choose "
                             "another name")
        seen[key] = f"{what} '{os.path.basename(path)}'"


def _check_band_count(model, info: RasterInfo) -> None:
    if info.band_count != int(model.band_count):
        raise InputError(
            f"model expects {model.band_count} bands but raster '{info.name}' has {info.band_count}; use a raster "
            "with the same bands as the training rasters"
        )


def _class_values(index: np.ndarray, values: np.ndarray, valid: np.ndarray, dtype: str, nodata: int) -> np.ndarray:
    out = values[index].astype(dtype)
    out[~valid] = nodata
    return out


def _class_tags(classes: List[ClassSpec]) -> dict:
    """Class names in the file itself, so they survive without the ``.qml`` (GDAL tags, readable anywhere)."""
    tags = {"CLASS_NAMES": json.dumps({str(int(c.value)): c.name for c in classes}, ensure_ascii=False),
            "CLASS_COLORS": json.dumps({str(int(c.value)): "#%02x%02x%02x" % tuple(int(v) for v in c.color[:3])
                                        for c in classes})}
    tags.update({f"CLASS_{int(c.value)}": c.name for c in classes})
    return tags


def _colormap(classes: List[ClassSpec]) -> dict:
    return {int(c.value): tuple(int(v) for v in c.color[:3]) + (255,) for c in classes}
