# SPDX-License-Identifier: GPL-2.0-or-later
"""The block machinery of whole-raster prediction (see :mod:`core.app.predict`): which output positions a block
covers and which tiles of the global grid cover them, reading a block with the halo of its tiles, classifying the
tiles, and summing each output value over the tiles that cover it, in an order that does not depend on the block."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import PredictionCancelled
from ..data.normalization import normalize_tiles
from .predict_metadata import MetadataSource, tile_metadata
from ..data.raster import RasterInfo, read_block

# GeoTIFF internal tile edge of the outputs; blocks are sized in multiples of it where possible, so each
# compressed tile is written once (rewriting a DEFLATE tile appends a new copy and bloats the file).
OUTPUT_TILE_PX = 256
# A block's float32 values are at most about this many bytes: a 138-band time-series stack gets 512 px blocks instead
# of 1024 px ones (578 MB per copy), so memory stays bounded whatever the band count.
BLOCK_BYTES = 256 * 1024 * 1024



@dataclass(frozen=True)
class Span:
    """Output positions [start, stop) along one axis, and the global tile indices first..last covering them."""

    start: int
    stop: int
    first_tile: int
    last_tile: int

    @property
    def tiles(self) -> int:
        return self.last_tile - self.first_tile + 1


@dataclass(frozen=True)
class Block:
    """One output block: a span of output rows by a span of output columns."""

    rows: Span
    cols: Span

    @property
    def tile_count(self) -> int:
        return self.rows.tiles * self.cols.tiles


def block_for_bands(bands: int) -> int:
    """The largest block edge (a multiple of the output tile, at least one) whose values fit BLOCK_BYTES."""
    side = int(math.sqrt(BLOCK_BYTES / (4 * max(1, bands))))
    return max(OUTPUT_TILE_PX, side - side % OUTPUT_TILE_PX)


def block_layout(block_out: int) -> Tuple[int, int]:
    """Block edge (output pixels) and GeoTIFF tile edge, aligned so that blocks cover whole GeoTIFF tiles."""
    if block_out >= OUTPUT_TILE_PX:
        return block_out - block_out % OUTPUT_TILE_PX, OUTPUT_TILE_PX
    for edge in (128, 64, 32, 16):
        if block_out % edge == 0:
            return block_out, edge
    return block_out, OUTPUT_TILE_PX  # tiny blocks (tests): GDAL's block cache joins the partial writes


def tile_ranges(first: int, last: int, resolution: str, tile: int, stride: int) -> Tuple[np.ndarray, np.ndarray]:
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


def spans(length: int, edge: int, resolution: str, tile: int, stride: int) -> List[Span]:
    """Cut one axis of the output into spans of ``edge`` positions (the last may be shorter)."""
    spans = []
    for start in range(0, length, edge):
        stop = min(start + edge, length)
        first, _ = tile_ranges(start, start + 1, resolution, tile, stride)
        _, last = tile_ranges(stop - 1, stop, resolution, tile, stride)
        spans.append(Span(start, stop, int(first[0]), int(last[0])))
    return spans


def valid_fraction(valid: np.ndarray, tile: int, stride: int, n_rows: int, n_cols: int) -> np.ndarray:
    """Fraction of valid pixels in each tile of the block, from an integral image (exact integer counts)."""
    integral = np.zeros((valid.shape[0] + 1, valid.shape[1] + 1), dtype=np.int64)
    np.cumsum(np.cumsum(valid, axis=0, dtype=np.int64), axis=1, out=integral[1:, 1:])
    r = np.arange(n_rows) * stride
    c = np.arange(n_cols) * stride
    counts = (integral[np.ix_(r + tile, c + tile)] - integral[np.ix_(r, c + tile)]
              - integral[np.ix_(r + tile, c)] + integral[np.ix_(r, c)])
    return counts / float(tile * tile)


@dataclass
class BlockMaps:
    """One block's results on its output grid, ready to write."""

    student: np.ndarray  # (rows, cols) class index
    confidence: np.ndarray  # (rows, cols) float32 mean probability of that class
    teacher: Optional[np.ndarray]  # (rows, cols) class index from the teacher, when asked for
    valid: np.ndarray  # (rows, cols) bool: input data there and at least one tile covering it
    tiles: int  # tiles the student classified
    nodata_pixels: int  # input pixels of the block (not its halo) without data in some band
    nodata_by_band: np.ndarray  # (C,) input pixels of the block without data, per band


def predict_block(model, src, info: RasterInfo, block: Block, tile: int, stride: int, resolution: str,
                   batch_size: int, metadata: Optional[MetadataSource], teacher: bool,
                   report: Callable[[float], None], should_stop: Optional[Callable[[], bool]]) -> BlockMaps:
    """Classify the tiles covering one block (read with its halo) and average them onto its output grid."""
    rows_out, cols_out = block.rows, block.cols
    n_rows, n_cols = rows_out.tiles, cols_out.tiles
    row_off, col_off = rows_out.first_tile * stride, cols_out.first_tile * stride
    # A Presto model reads a stack masked per timestep (a cloudy date is missing there, not zeros).
    spec = getattr(model, "presto_spec", None)
    timesteps = int(spec["timesteps"]) if spec else 1
    data, valid, band_valid = read_block(src, row_off, col_off, (n_rows - 1) * stride + tile,
                                         (n_cols - 1) * stride + tile, per_band=True, timesteps=timesteps)
    # The block's own input pixels inside the raster (the halo belongs to the neighbours): where nodata left a
    # pixel unclassified, and which band had none there.
    scale = 1 if resolution == "pixel" else stride
    own_rows = slice(rows_out.start * scale - row_off, min(rows_out.stop * scale, info.height) - row_off)
    own_cols = slice(cols_out.start * scale - col_off, min(cols_out.stop * scale, info.width) - col_off)
    nodata_pixels = int((~valid[own_rows, own_cols]).sum())
    nodata_by_band = (~band_valid[:, own_rows, own_cols]).sum(axis=(1, 2))

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

    keep = np.flatnonzero(valid_fraction(valid, tile, stride, n_rows, n_cols) > 0)
    k = len(model.classes)
    channels = 2 * k if teacher else k
    # Per tile: student probabilities, teacher probabilities, and 1 for "classified" (the tile count).
    grid = torch.zeros((channels + 1, n_rows * n_cols), dtype=torch.float32, device=model.device)
    if keep.size:
        # Normalising the block once equals normalising each tile (it is per pixel) and costs a fraction.
        normalised = normalize_tiles(data[None], valid[None], model.band_stats)[0]
        # All tiles as a view (no copy, whatever the overlap); each batch gathers its tiles in one copy.
        # numpy 1.24's stubs take a single axis; a tuple of axes is documented and works.
        tiles = sliding_window_view(normalised, (tile, tile), axis=(1, 2))[:, ::stride, ::stride]  # type: ignore[call-overload]
        tiles = tiles.transpose(1, 2, 0, 3, 4)  # (tile row, tile col, C, T, T)
        for start in range(0, keep.size, batch_size):
            if should_stop is not None and should_stop():
                raise PredictionCancelled("prediction cancelled; no output was written")
            flat = keep[start:start + batch_size]
            rows, cols = flat // n_cols, flat % n_cols
            batch = torch.from_numpy(tiles[rows, cols]).to(model.device)
            index = torch.from_numpy(flat).to(model.device)
            lat = lon = doy = None
            # Only a Presto model reads the stack's months (other models' probabilities never see the keyword).
            months = {"months": metadata.months} if metadata is not None and metadata.months is not None else {}
            if metadata is not None:
                lat, lon, doy = tile_metadata(info, metadata, rows + block.rows.first_tile,
                                              cols + block.cols.first_tile, tile, stride, model.device)
            if metadata is not None and metadata.for_student:
                student = model.probabilities(batch, lat=lat, lon=lon, doy=doy, network="student", **months)
            else:
                student = model.probabilities(batch, lat=None, lon=None, doy=None, network="student")
            grid[:k, index] = student.T.float()
            if teacher:
                grid[k:channels, index] = model.probabilities(batch, lat=lat, lon=lon, doy=doy, network="teacher",
                                                              **months).T.float()
            grid[channels, index] = 1.0
            report((start + flat.size) / keep.size)
    grid = grid.reshape(channels + 1, n_rows, n_cols)

    # Neighbouring output values covered by the same tiles have the same average: compute it once per run
    # of equal (first, last) tile ranges ("segment") and spread it, so the cost is per tile, not per pixel.
    row_lo, row_hi, row_segment = segments(rows_out, resolution, tile, stride)
    col_lo, col_hi, col_segment = segments(cols_out, resolution, tile, stride)
    sums = sum_covering(sum_covering(grid, 1, row_lo, row_hi), 2, col_lo, col_hi)
    count = sums[channels]
    mean = sums[:channels] / count.clamp(min=1.0)
    confidence, student = mean[:k].max(dim=0)
    spread = np.ix_(row_segment, col_segment)
    return BlockMaps(
        student=student.cpu().numpy()[spread],
        confidence=confidence.cpu().numpy()[spread],
        teacher=mean[k:].argmax(dim=0).cpu().numpy()[spread] if teacher else None,
        valid=has_data & (count > 0).cpu().numpy()[spread],
        tiles=int(keep.size),
        nodata_pixels=nodata_pixels,
        nodata_by_band=nodata_by_band,
    )


def segments(span: Span, resolution: str, tile: int, stride: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of consecutive positions in ``span`` covered by the same tiles: each run's first and last tile
    (relative to the span's first tile), and each position's run."""
    lo, hi = tile_ranges(span.start, span.stop, resolution, tile, stride)
    lo, hi = lo - span.first_tile, hi - span.first_tile
    starts = np.ones(lo.shape, dtype=bool)
    starts[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return lo[starts], hi[starts], np.cumsum(starts) - 1


def sum_covering(grid: torch.Tensor, dim: int, lo: np.ndarray, hi: np.ndarray) -> torch.Tensor:
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
    return total  # type: ignore[return-value]  # span >= 1, so the loop ran and total is a tensor
