# SPDX-License-Identifier: GPL-2.0-or-later
"""How long a whole-raster prediction will take, measured before it starts (for the dock and ``stssl predict``).

A per-pixel transformer (the Presto backbone encodes every pixel of every tile) is slow on a CPU: a large stack can
take hours. Rather than a table of speeds that would be wrong on the next machine, :func:`estimate_prediction`
times the model itself, on this machine and device, on a small real sample of the raster: a few hundred pixels in
tiles read at random positions of the prediction's tile grid. The seconds per tile, times the tiles the
prediction classifies (those of the grid that hold data, in the sample's share), is the estimate. Reading and
writing are not timed: for the models this is for, the network is nearly all of the work.

The cheaper alternative (:func:`stride_alternative`) is the ``stride`` output resolution at a stride of one tile:
one class per tile, every pixel encoded once, where the model's default stride of half a tile encodes each pixel
about four times.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
import rasterio
import torch

from ..data.normalization import normalize_tiles
from ..data.raster import open_raster_info, read_block
from ..errors import InputError
from ..params import RESOLUTIONS
from .predict_blocks import spans

SAMPLE_PIXELS = 300
MAX_SAMPLE_TILES = 300  # tiles of 1 px: one read each; bounds the reading for tiny tiles
LONG_PREDICTION_S = 20 * 60  # the dock asks, and `stssl predict` warns, above this


@dataclass(frozen=True)
class PredictionEstimate:
    """The estimated duration of one prediction, and what it is made of."""

    seconds: float
    tiles: int  # tiles the prediction would classify (the grid's tiles, in the sample's share holding data)
    seconds_per_tile: float  # measured on the sample (student, and teacher when asked for)
    resolution: str
    stride_px: int
    sampled_tiles: int


def format_duration(seconds: float) -> str:
    """'45 s', '12 min', '3 h 20 min': as a person reads an estimate."""
    if seconds < 90:
        return f"{max(seconds, 0):.0f} s"
    minutes = int(round(seconds / 60))
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def grid_tiles(height: int, width: int, tile: int, stride: int, resolution: str) -> int:
    """Tiles of the global grid that a prediction of a ``height`` x ``width`` raster classifies (core.app.predict)."""
    scale = 1 if resolution == "pixel" else stride
    out_h, out_w = -(-height // scale), -(-width // scale)
    rows = spans(out_h, out_h, resolution, tile, stride)[0]
    cols = spans(out_w, out_w, resolution, tile, stride)[0]
    return rows.tiles * cols.tiles


def stride_alternative(model) -> Optional[Tuple[str, int]]:
    """(resolution, stride) of the cheaper prediction to offer, or None when the model's own stride already reads
    every pixel once (tiles of 1 px, or a model stored with a stride of one tile)."""
    tile = int(model.tile_size_px)
    if int(model.stride_px) >= tile:
        return None
    return "stride", tile


def estimate_prediction(model, raster_path: str, resolution: str = "pixel", stride_px: Optional[int] = None,
                        teacher: bool = False, batch_size: int = 256, sample_pixels: Optional[int] = None,
                        seed: int = 0) -> PredictionEstimate:
    """Time ``model`` (what core.app.modelfile.load_model returns) on a sample of the raster's tiles and
    extrapolate to the prediction's tiles; ``teacher``: the teacher's map is drawn too; ``sample_pixels``: the
    pixels timed (default :data:`SAMPLE_PIXELS`)."""
    sample_pixels = SAMPLE_PIXELS if sample_pixels is None else int(sample_pixels)
    info = open_raster_info(raster_path, require_crs=False)
    if info.band_count != int(model.band_count):
        raise InputError(f"model expects {model.band_count} bands but raster '{info.name}' has {info.band_count}; "
                         "use a raster with the same bands as the training rasters")
    if resolution not in RESOLUTIONS:
        raise InputError(f"resolution '{resolution}' is not supported; choose one of: {', '.join(RESOLUTIONS)}")
    tile = int(model.tile_size_px)
    stride = int(stride_px if stride_px is not None else model.stride_px)
    if not 1 <= stride <= tile:
        raise InputError(f"stride_px must be between 1 and the model's tile size ({tile} px), got {stride}")
    total = grid_tiles(info.height, info.width, tile, stride, resolution)
    wanted = max(1, min(MAX_SAMPLE_TILES, math.ceil(sample_pixels / (tile * tile)), total))
    rng = np.random.default_rng(seed)
    # Tile origins on the global grid (core.app.predict): multiples of the stride, reaching past the edges.
    first = -((tile - 1) // stride)
    rows = rng.integers(first, -(-info.height // stride), size=wanted)
    cols = rng.integers(first, -(-info.width // stride), size=wanted)
    images, valids = [], []
    with rasterio.open(raster_path) as src:
        for r, c in zip(rows, cols):
            data, valid = read_block(src, int(r) * stride, int(c) * stride, tile, tile)
            if valid.any():  # the prediction skips tiles without data
                images.append(data)
                valids.append(valid)
    if not images:
        return PredictionEstimate(0.0, 0, 0.0, resolution, stride, wanted)
    batch = normalize_tiles(np.stack(images), np.stack(valids), model.band_stats)
    spec = getattr(model, "presto_spec", None)
    # The months' values do not change the work; a Presto network that reads them needs some.
    months = {"months": torch.zeros((1, int(spec["timesteps"])), dtype=torch.long)} if spec else {}
    networks = ["student"] + (["teacher"] if teacher and model.has_teacher else [])

    def run(tiles: np.ndarray) -> None:
        for start in range(0, len(tiles), batch_size):
            chunk = torch.from_numpy(np.ascontiguousarray(tiles[start:start + batch_size])).to(model.device)
            for network in networks:
                model.probabilities(chunk, network=network, **months)
        if model.device.type == "cuda":
            torch.cuda.synchronize(model.device)

    with torch.inference_mode():
        run(batch)  # warm-up: the first call at this batch size allocates and sets up the kernels
        timings = []
        for _ in range(2):  # the faster of two runs: another process can steal a shared CPU for a while
            started = time.perf_counter()
            run(batch)
            timings.append(time.perf_counter() - started)
        per_tile = min(timings) / len(batch)
    tiles = int(round(total * len(images) / wanted))
    return PredictionEstimate(tiles * per_tile, tiles, per_tile, resolution, stride, wanted)


def long_prediction_note(model, raster_path: str, resolution: str = "pixel", stride_px: Optional[int] = None,
                         teacher: bool = False, batch_size: int = 256,
                         threshold_s: Optional[float] = None) -> Optional[str]:
    """For ``stssl predict``: a line when a Presto model on the CPU would take longer than ``threshold_s``, with
    the stride alternative's estimate; None otherwise (other models and devices are not timed)."""
    if not getattr(model, "presto_spec", None) or model.device.type != "cpu":
        return None
    estimate = estimate_prediction(model, raster_path, resolution, stride_px, teacher, batch_size)
    if estimate.seconds <= (LONG_PREDICTION_S if threshold_s is None else threshold_s):
        return None
    note = (f"this prediction will take about {format_duration(estimate.seconds)} on the CPU "
            f"({estimate.tiles} tiles at {estimate.seconds_per_tile * 1000:.1f} ms each)")
    alternative = stride_alternative(model)
    if alternative is not None and (resolution, stride_px) != alternative:
        faster = estimate_prediction(model, raster_path, *alternative, teacher=teacher, batch_size=batch_size)
        note += (f"; --resolution {alternative[0]} --stride {alternative[1]} (one class per tile) would take about "
                 f"{format_duration(faster.seconds)}")
    return note + "; a CUDA GPU is many times faster (--device cuda)"
