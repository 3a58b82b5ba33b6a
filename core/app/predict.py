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

import json
import math
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import numpy as np
import rasterio
import torch
from numpy.lib.stride_tricks import sliding_window_view
from rasterio.windows import Window

from ..data.dates import detect_acquisition_date
from ..errors import InputError
from ..data.geo import require_crs, tile_centres_latlon
from ..data.normalization import normalize_tiles
from .outputs import atomic_output, check_output_path, qml_path_for, write_confidence_qml, write_qml
from ..params import ClassSpec
from ..data.raster import RasterInfo, open_raster_info, read_block

RESOLUTIONS = ("pixel", "stride")
CONFIDENCE_NODATA = -1.0
# GeoTIFF internal tile edge of the outputs; blocks are sized in multiples of it where possible, so each
# compressed tile is written once (rewriting a DEFLATE tile appends a new copy and bloats the file).
OUTPUT_TILE_PX = 256


GDAL_CACHE_MB = 64
# A block's float32 values are at most about this many bytes: a 138-band time-series stack gets 512 px blocks instead
# of 1024 px ones (578 MB per copy), so memory stays bounded whatever the band count.
BLOCK_BYTES = 256 * 1024 * 1024


class PredictionCancelled(RuntimeError):
    """Raised when the caller's ``should_stop`` returned True; no output file was left behind."""


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


@dataclass(frozen=True)
class _Span:
    """Output positions [start, stop) along one axis, and the global tile indices first..last covering them."""

    start: int
    stop: int
    first_tile: int
    last_tile: int

    @property
    def tiles(self) -> int:
        return self.last_tile - self.first_tile + 1


@dataclass(frozen=True)
class _Block:
    """One output block: a span of output rows by a span of output columns."""

    rows: _Span
    cols: _Span

    @property
    def tile_count(self) -> int:
        return self.rows.tiles * self.cols.tiles


@dataclass(frozen=True)
class _MetadataSource:
    """What the metadata-reading networks need about the raster: its CRS (for tile locations) and date."""

    crs: object  # pyproj.CRS
    day_of_year: float  # NaN when the acquisition date is unknown
    for_student: bool  # the metadata-as-input baseline's student reads it too
    months: Optional[torch.Tensor] = None  # (1, T) calendar months of a stack's timesteps (a Presto teacher)


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
    timestep_dates: Optional[List[str]] = None,
) -> PredictResult:
    """Classify a whole raster with ``model`` and write the class map (and optional confidence/teacher maps).

    ``model`` is what :func:`core.app.modelfile.load_model` returns. ``stride_px`` defaults to the model's
    prediction stride; smaller strides mean more overlapping tiles per pixel (smoother, slower). ``block_px``
    is the edge of the input area processed at once and only bounds memory: the result does not depend on it.
    ``acquisition_date`` ('YYYY-MM-DD', 'unknown', or None to detect it from the raster) only feeds the
    teacher map; for a Presto model the teacher reads the months of the stack's timesteps (``timestep_dates``, or
    the band descriptions, core.data.stack). ``progress(fraction)`` is called after each batch; ``should_stop()`` is checked before each
    batch and raises :class:`PredictionCancelled`, leaving no output files.

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

    # The teacher always reads location and date; the student only in the metadata-as-input baseline.
    student_reads_metadata = bool(getattr(model, "student_needs_metadata", False))
    metadata = None
    if out_teacher or student_reads_metadata:
        metadata = _MetadataSource(
            crs=require_crs(info.crs, info.name),
            day_of_year=detect_acquisition_date(raster_path, acquisition_date).day_of_year,
            for_student=student_reads_metadata,
            months=_stack_months(model, raster_path, timestep_dates, acquisition_date),
        )

    scale = 1 if resolution == "pixel" else stride
    out_height = -(-info.height // scale)
    out_width = -(-info.width // scale)
    out_transform = info.transform @ rasterio.Affine.scale(scale, scale)
    block_px = min(int(block_px), _block_for_bands(info.band_count))
    block_out, gtiff_tile = _block_layout(block_px if resolution == "pixel" else max(1, block_px // stride))
    row_spans = _spans(out_height, block_out, resolution, tile, stride)
    col_spans = _spans(out_width, block_out, resolution, tile, stride)
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
    # GDAL's block cache defaults to 5 % of RAM and would grow with the raster; a small cache keeps memory
    # bounded (every block is read and written once, so a larger cache buys nothing).
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB * 1024 * 1024), rasterio.open(raster_path) as src, ExitStack() as stack:
        def open_output(path: str, what: str, dtype: str, nodata: float, tags: dict,
                        band: str) -> "rasterio.io.DatasetWriter":
            # Entered in this order, the dataset closes before atomic_output renames its file.
            tmp = stack.enter_context(atomic_output(path, overwrite, what))
            dst = stack.enter_context(rasterio.open(tmp, "w", dtype=dtype, nodata=nodata, **base))
            dst.update_tags(**common_tags, **tags)
            dst.set_band_description(1, band)
            if band == "class":
                dst.write_colormap(1, _colormap(model.classes))
            return dst

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
            for block in (_Block(rows, cols) for rows in row_spans for cols in col_spans):
                report = _block_progress(progress, done_tiles, block.tile_count, total_tiles)
                maps = _predict_block(model, src, info, block, tile, stride, resolution, batch_size, metadata,
                                      teacher=teacher_dst is not None, report=report,
                                      should_stop=should_stop)
                classified += maps.tiles
                window = Window(block.cols.start, block.rows.start, block.cols.stop - block.cols.start,
                                block.rows.stop - block.rows.start)
                classes_dst.write(_class_values(maps.student, values, maps.valid, class_dtype, class_nodata), 1,
                                  window=window)
                if confidence_dst is not None:
                    confidence = np.where(maps.valid, maps.confidence, np.float32(CONFIDENCE_NODATA))
                    confidence_dst.write(confidence.astype(np.float32, copy=False), 1, window=window)
                if teacher_dst is not None:
                    teacher_dst.write(_class_values(maps.teacher, values, maps.valid, class_dtype, class_nodata), 1,
                                      window=window)
                report(1.0)
                done_tiles += block.tile_count

    # Styles last: a cancelled or failed run leaves neither the rasters nor their styles.
    write_qml(qml_path_for(out_classes), model.classes, class_nodata)
    if out_teacher:
        write_qml(qml_path_for(out_teacher), model.classes, class_nodata)
    if out_confidence:
        write_confidence_qml(qml_path_for(out_confidence))
    if progress is not None:
        progress(1.0)
    return PredictResult(
        classes_path=str(out_classes), confidence_path=str(out_confidence) if out_confidence else None,
        teacher_path=str(out_teacher) if out_teacher else None, width=out_width, height=out_height,
        resolution=resolution, seconds=time.perf_counter() - started, tiles=classified,
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
    if info.band_count != int(model.band_count):
        raise InputError(
            f"model expects {model.band_count} bands but raster '{info.name}' has {info.band_count}; use a raster "
            "with the same bands as the training rasters"
        )
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
        raise InputError(f"block_px must be at least 1 (got {block_px})")
    if out_teacher and not bool(model.has_teacher):
        raise InputError(
            f"model '{os.path.basename(str(model.path))}' has no metadata teacher (trained without metadata), so "
            "there is no teacher map; leave the teacher output empty or retrain with metadata 'teacher'"
        )
    if not out_classes:
        raise InputError("no class map output was given; choose a file name such as 'classes.tif'")
    outputs = [(out_classes, "class map"), (out_confidence, "confidence map"), (out_teacher, "teacher class map")]
    seen = {os.path.normcase(os.path.abspath(info.path)): f"input raster '{info.name}'"}
    for path, what in outputs:
        if not path:
            continue
        check_output_path(path, overwrite, what)
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise InputError(f"{what} '{os.path.basename(path)}' is the same file as the {seen[key]}; choose "
                             "another name")
        seen[key] = f"{what} '{os.path.basename(path)}'"


def _block_for_bands(bands: int) -> int:
    """The largest block edge (a multiple of the output tile, at least one) whose values fit BLOCK_BYTES."""
    side = int(math.sqrt(BLOCK_BYTES / (4 * max(1, bands))))
    return max(OUTPUT_TILE_PX, side - side % OUTPUT_TILE_PX)


def _block_layout(block_out: int) -> Tuple[int, int]:
    """Block edge (output pixels) and GeoTIFF tile edge, aligned so that blocks cover whole GeoTIFF tiles."""
    if block_out >= OUTPUT_TILE_PX:
        return block_out - block_out % OUTPUT_TILE_PX, OUTPUT_TILE_PX
    for edge in (128, 64, 32, 16):
        if block_out % edge == 0:
            return block_out, edge
    return block_out, OUTPUT_TILE_PX  # tiny blocks (tests): GDAL's block cache joins the partial writes


def _tile_ranges(first: int, last: int, resolution: str, tile: int, stride: int) -> Tuple[np.ndarray, np.ndarray]:
    """First and last global tile index covering each output row (or column) in [first, last).

    Tile ``i`` covers input pixels [i*stride, i*stride + tile). For input pixel ``r`` that is
    ceil((r - tile + 1) / stride) .. floor(r / stride); for stride cell ``a`` (pixels [a*stride, (a+1)*stride))
    every tile overlapping the cell: a - ceil(tile / stride) + 1 .. a.
    """
    index = np.arange(first, last, dtype=np.int64)
    if resolution == "pixel":
        return -((tile - 1 - index) // stride), index // stride
    per_cell = -(-tile // stride)
    return index - per_cell + 1, index


def _spans(length: int, edge: int, resolution: str, tile: int, stride: int) -> List[_Span]:
    """Cut one axis of the output into spans of ``edge`` positions (the last may be shorter)."""
    spans = []
    for start in range(0, length, edge):
        stop = min(start + edge, length)
        first, _ = _tile_ranges(start, start + 1, resolution, tile, stride)
        _, last = _tile_ranges(stop - 1, stop, resolution, tile, stride)
        spans.append(_Span(start, stop, int(first[0]), int(last[0])))
    return spans


def _valid_fraction(valid: np.ndarray, tile: int, stride: int, n_rows: int, n_cols: int) -> np.ndarray:
    """Fraction of valid pixels in each tile of the block, from an integral image (exact integer counts)."""
    integral = np.zeros((valid.shape[0] + 1, valid.shape[1] + 1), dtype=np.int64)
    np.cumsum(np.cumsum(valid, axis=0, dtype=np.int64), axis=1, out=integral[1:, 1:])
    r = np.arange(n_rows) * stride
    c = np.arange(n_cols) * stride
    counts = (integral[np.ix_(r + tile, c + tile)] - integral[np.ix_(r, c + tile)]
              - integral[np.ix_(r + tile, c)] + integral[np.ix_(r, c)])
    return counts / float(tile * tile)


@dataclass
class _BlockMaps:
    """One block's results on its output grid, ready to write."""

    student: np.ndarray  # (rows, cols) class index
    confidence: np.ndarray  # (rows, cols) float32 mean probability of that class
    teacher: Optional[np.ndarray]  # (rows, cols) class index from the teacher, when asked for
    valid: np.ndarray  # (rows, cols) bool: input data there and at least one tile covering it
    tiles: int  # tiles the student classified


def _predict_block(model, src, info: RasterInfo, block: _Block, tile: int, stride: int, resolution: str,
                   batch_size: int, metadata: Optional[_MetadataSource], teacher: bool,
                   report: Callable[[float], None], should_stop: Optional[Callable[[], bool]]) -> _BlockMaps:
    """Classify the tiles covering one block (read with its halo) and average them onto its output grid."""
    rows_out, cols_out = block.rows, block.cols
    n_rows, n_cols = rows_out.tiles, cols_out.tiles
    row_off, col_off = rows_out.first_tile * stride, cols_out.first_tile * stride
    data, valid = read_block(src, row_off, col_off, (n_rows - 1) * stride + tile, (n_cols - 1) * stride + tile)

    if resolution == "pixel":
        r0, c0 = rows_out.start - row_off, cols_out.start - col_off
        has_data = valid[r0:r0 + rows_out.stop - rows_out.start, c0:c0 + cols_out.stop - cols_out.start]
    else:
        # A stride cell holds data when any of its pixels does; the read reaches the block's last cell
        # because tiles are at least a stride long.
        r0, c0 = rows_out.start * stride - row_off, cols_out.start * stride - col_off
        h, w = rows_out.stop - rows_out.start, cols_out.stop - cols_out.start
        cells = valid[r0:r0 + h * stride, c0:c0 + w * stride]
        has_data = cells.reshape(h, stride, w, stride).any(axis=(1, 3))

    keep = np.flatnonzero(_valid_fraction(valid, tile, stride, n_rows, n_cols) > 0)
    k = len(model.classes)
    channels = 2 * k if teacher else k
    # Per tile: student probabilities, teacher probabilities, and 1 for "classified" (the tile count).
    grid = torch.zeros((channels + 1, n_rows * n_cols), dtype=torch.float32, device=model.device)
    if keep.size:
        # Normalising the block once equals normalising each tile (it is per pixel) and costs a fraction.
        normalised = normalize_tiles(data[None], valid[None], model.band_stats)[0]
        # All tiles as a view (no copy, whatever the overlap); each batch gathers its tiles in one copy.
        tiles = sliding_window_view(normalised, (tile, tile), axis=(1, 2))[:, ::stride, ::stride]
        tiles = tiles.transpose(1, 2, 0, 3, 4)  # (tile row, tile col, C, T, T)
        for start in range(0, keep.size, batch_size):
            if should_stop is not None and should_stop():
                raise PredictionCancelled("prediction cancelled; no output was written")
            flat = keep[start:start + batch_size]
            rows, cols = flat // n_cols, flat % n_cols
            batch = torch.from_numpy(tiles[rows, cols]).to(model.device)
            index = torch.from_numpy(flat).to(model.device)
            lat = lon = doy = None
            if metadata is not None:
                lat, lon, doy = _tile_metadata(info, metadata, block, rows, cols, tile, stride, model.device)
            if metadata is not None and metadata.for_student:
                student = model.probabilities(batch, lat=lat, lon=lon, doy=doy, network="student")
            else:
                student = model.probabilities(batch, lat=None, lon=None, doy=None, network="student")
            grid[:k, index] = student.T.float()
            if teacher:
                months = {"months": metadata.months} if metadata.months is not None else {}  # Presto teacher
                grid[k:channels, index] = model.probabilities(batch, lat=lat, lon=lon, doy=doy, network="teacher",
                                                              **months).T.float()
            grid[channels, index] = 1.0
            report((start + flat.size) / keep.size)
    grid = grid.reshape(channels + 1, n_rows, n_cols)

    # Neighbouring output values covered by the same tiles have the same average: compute it once per run
    # of equal (first, last) tile ranges ("segment") and spread it, so the cost is per tile, not per pixel.
    row_lo, row_hi, row_segment = _segments(rows_out, resolution, tile, stride)
    col_lo, col_hi, col_segment = _segments(cols_out, resolution, tile, stride)
    sums = _sum_covering(_sum_covering(grid, 1, row_lo, row_hi), 2, col_lo, col_hi)
    count = sums[channels]
    mean = sums[:channels] / count.clamp(min=1.0)
    confidence, student = mean[:k].max(dim=0)
    spread = np.ix_(row_segment, col_segment)
    return _BlockMaps(
        student=student.cpu().numpy()[spread],
        confidence=confidence.cpu().numpy()[spread],
        teacher=mean[k:].argmax(dim=0).cpu().numpy()[spread] if teacher else None,
        valid=has_data & (count > 0).cpu().numpy()[spread],
        tiles=int(keep.size),
    )


def _segments(span: _Span, resolution: str, tile: int, stride: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of consecutive positions in ``span`` covered by the same tiles: each run's first and last tile
    (relative to the span's first tile), and each position's run."""
    lo, hi = _tile_ranges(span.start, span.stop, resolution, tile, stride)
    lo, hi = lo - span.first_tile, hi - span.first_tile
    starts = np.ones(lo.shape, dtype=bool)
    starts[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return lo[starts], hi[starts], np.cumsum(starts) - 1


def _sum_covering(grid: torch.Tensor, dim: int, lo: np.ndarray, hi: np.ndarray) -> torch.Tensor:
    """Along ``dim``, position p gets the sum of ``grid`` over tile indices lo[p]..hi[p].

    The terms are added in the same order (offset 0, 1, ...) for every block, padding with exact zeros, so a
    value is bit-identical however the raster is cut into blocks.
    """
    lo_t = torch.from_numpy(lo).to(grid.device)
    hi_t = torch.from_numpy(hi).to(grid.device)
    span = int((hi - lo).max()) + 1
    shape = [1] * grid.dim()
    shape[dim] = -1
    total = None
    for offset in range(span):
        index = lo_t + offset
        inside = (index <= hi_t).to(grid.dtype).reshape(shape)
        term = grid.index_select(dim, index.clamp(max=grid.shape[dim] - 1)) * inside
        total = term if total is None else total + term
    return total


def _stack_months(model, raster_path: str, timestep_dates: Optional[List[str]],
                  acquisition_date: Optional[str]) -> Optional[torch.Tensor]:
    """(1, T) months of the raster's timesteps for a Presto model; None for other backbones."""
    spec = getattr(model, "presto_spec", None)
    if not spec:
        return None
    from ..data.series import timestep_months
    from ..data.stack import read_stack_layout

    layout = read_stack_layout(raster_path, timestep_dates, acquisition_date)
    if layout.timesteps != int(spec["timesteps"]):
        raise InputError(f"raster '{os.path.basename(raster_path)}' has {layout.timesteps} timesteps; the model was "
                         f"trained on {spec['timesteps']}; give --timestep-dates with one date per timestep")
    return torch.from_numpy(timestep_months(np.array(layout.dates))).reshape(1, -1)


def _tile_metadata(info: RasterInfo, metadata: _MetadataSource, block: _Block, rows: np.ndarray,
                   cols: np.ndarray, tile: int, stride: int, device) -> Tuple[torch.Tensor, ...]:
    """Latitude/longitude of each tile's centre and the raster's day of year, as the networks expect them."""
    tile_rows = (rows + block.rows.first_tile) * stride
    tile_cols = (cols + block.cols.first_tile) * stride
    lat, lon = tile_centres_latlon(info.transform, metadata.crs, tile_rows, tile_cols, tile)
    doy = np.full(lat.shape, metadata.day_of_year, dtype=np.float32)
    return (torch.as_tensor(lat, dtype=torch.float32, device=device),
            torch.as_tensor(lon, dtype=torch.float32, device=device),
            torch.as_tensor(doy, dtype=torch.float32, device=device))


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
