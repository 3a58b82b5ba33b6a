# SPDX-License-Identifier: GPL-2.0-or-later
"""The normalisation "auto": one scale from the training rasters, or each raster scaled by its own statistics.

The CNN reads normalised band values. With one scale for every raster (the training rasters' statistics) it
learns absolute values, and a raster of another season shows it values it never met: trained on summer NDVI and
applied to winter, every from-scratch row of the benchmarks called nearly every forest tile grassland (Slovenia,
summer -> winter, in benchmarks/RESULTS.md). Scaled by its own statistics, each raster shows the network how a tile
differs from the rest of its scene, which carries over between dates as long as the scenes hold a similar mix of
classes. The cost: a raster whose mix differs much (a scene half water where the training scene had none) has every
tile shifted, so the choice is said in the report.

The rule for "auto" reads only the kind of input, never a label:

1. the user chose "training" or "per_raster": that one (TrainOptions refuses "per_raster" for Presto);
2. the Presto backbone: "training" (Presto reads reflectance, which the training statistics undo);
3. a time series (more than one timestep): "training" (the series splits were benchmarked with one scale);
4. scenes too small to have statistics of their own (the median raster, or in a patch set the median date, has
   fewer than :data:`MIN_SCENE_PIXELS` valid pixels, as when a patch set's dates are scattered points): "training";
5. otherwise, single-date rasters read by the CNN: "per_raster".

Under "per_raster" a raster (or a patch set's date) with fewer than :data:`MIN_SCENE_PIXELS` valid pixels is scaled
with the training statistics, and the report counts them. A raster's statistics come from a sample of its valid
pixels (core.data.dataset.sample_raster_pixels) with the training seed, so predicting a training raster scales it
exactly as in training.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..data.normalization import BandStats, normalize_tiles, robust_band_stats
from ..data.raster import open_raster_info
from ..errors import InputError
from ..params import RasterInput, TrainOptions

MIN_SCENE_PIXELS = 1024  # valid pixels (32 x 32) for a scene's own statistics
MAX_SAMPLES = 200_000  # as for the training statistics (core.data.dataset.compute_band_stats)


@dataclass(frozen=True)
class NormalizationChoice:
    mode: str  # "training" or "per_raster"
    reason: str  # one sentence a user reads
    automatic: bool  # chosen by the rule (True) or by the user

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def choose_normalization(options: TrainOptions, backbone: str, timesteps: int,
                         scene_pixels: Sequence[int]) -> NormalizationChoice:
    """The rule of the module docstring. ``backbone``: the resolved one; ``timesteps`` of the input;
    ``scene_pixels``: valid pixels of each training raster (of each date, for a patch set)."""
    if options.normalization != "auto":
        what = ("one scale from the training rasters" if options.normalization == "training"
                else "each raster scaled by its own statistics")
        return NormalizationChoice(options.normalization, f"{what}, as chosen", automatic=False)
    if backbone == "presto":
        return NormalizationChoice("training", "one scale from the training rasters: Presto reads reflectance", True)
    if timesteps > 1:
        return NormalizationChoice("training", f"one scale from the training rasters: the input is a series of "
                                   f"{timesteps} timesteps", True)
    median = int(np.median(scene_pixels)) if len(scene_pixels) else 0
    if median < MIN_SCENE_PIXELS:
        return NormalizationChoice("training", f"one scale from the training rasters: a typical scene has {median} "
                                   f"valid pixels, too few for statistics of its own (at least "
                                   f"{MIN_SCENE_PIXELS})", True)
    return NormalizationChoice("per_raster", "each raster scaled by its own statistics: single-date rasters, so a "
                               "map of another date reads how a tile differs from its scene (in the benchmarks this "
                               "carried a summer model over to winter where one scale failed)", True)


def scene_stats(samples: np.ndarray, fallback: BandStats) -> Tuple[BandStats, bool]:
    """Statistics of one scene from its valid pixel sample (n, C); the ``fallback`` (training) statistics, and
    False, when it has fewer than :data:`MIN_SCENE_PIXELS` pixels."""
    if samples.shape[0] < MIN_SCENE_PIXELS:
        return fallback, False
    return robust_band_stats(samples), True


def raster_stats(path: str, fallback: BandStats, seed: int) -> Tuple[BandStats, bool]:
    """The statistics of the raster at ``path`` (see :func:`scene_stats`), sampled as the training statistics."""
    from ..data.dataset import sample_raster_pixels

    samples = sample_raster_pixels(path, MAX_SAMPLES, np.random.default_rng(seed))
    return scene_stats(samples, fallback)


def normalize_by_scene(images: np.ndarray, valid: np.ndarray, scenes: np.ndarray, fallback: BandStats,
                       seed: int, fit: Optional[np.ndarray] = None) -> Tuple[np.ndarray, int]:
    """Tiles (N, C, H, W) with nodata masks (N, H, W) normalised per scene (``scenes``: (N,) scene keys, e.g. a
    patch set's dates); the number of scenes too small for their own statistics comes back with them.

    ``fit`` (N,) bool: the tiles whose pixels estimate a scene's statistics where they are enough (a patch set's
    training tiles, so that test pixels never shape what training sees); a scene without enough of them (one
    that only the test tiles show, as a raster that is only classified) is estimated from all its tiles."""
    out = np.empty(images.shape, dtype=np.float32)
    rng = np.random.default_rng(seed)
    small = 0
    for key in np.unique(scenes):
        rows = np.flatnonzero(scenes == key)
        stats, own = fallback, False
        for subset in ([rows[fit[rows]]] if fit is not None else []) + [rows]:
            pixels = images[subset].transpose(0, 2, 3, 1)[valid[subset]]  # (n, C) valid pixels
            if pixels.shape[0] > MAX_SAMPLES:
                pixels = pixels[rng.choice(pixels.shape[0], size=MAX_SAMPLES, replace=False)]
            stats, own = scene_stats(pixels.astype(np.float64), fallback)
            if own:
                break
        small += not own
        out[rows] = normalize_tiles(images[rows], valid[rows], stats)
    return out, small


def model_mode(config: dict) -> str:
    """A model file's normalisation ("training" for files written before the option existed)."""
    return str((config.get("normalization") or {}).get("mode", "training"))


def _training_seed(model) -> int:
    """The seed a model was trained with: its rasters' statistics were sampled with it."""
    return int((model.config.get("options") or {}).get("seed", 0))


def model_for_raster(model, raster_path: str) -> Tuple[object, Optional[str]]:
    """``model`` ready for the raster at ``raster_path``: for a "per_raster" model a copy whose band statistics are
    the raster's own (with a note when the raster is too small for them); any other model as it is."""
    if model_mode(getattr(model, "config", {})) != "per_raster":
        return model, None
    seed = _training_seed(model)
    stats, own = raster_stats(raster_path, model.band_stats, seed)
    note = None if own else (f"the raster has fewer than {MIN_SCENE_PIXELS} valid pixels, too few for statistics of "
                             "its own; it is scaled with the training statistics")
    config = dict(model.config, band_stats=stats.to_dict())
    return dataclasses.replace(model, config=config), note


def normalize_training_tiles(rasters: Sequence[RasterInput], options: TrainOptions, images: np.ndarray,
                             valid: np.ndarray, raster_index: np.ndarray, stats: BandStats,
                             timesteps: Optional[int]) -> Tuple[np.ndarray, NormalizationChoice, dict]:
    """Training tiles of ``rasters`` normalised as the rule says (``options.backbone`` resolved; ``timesteps``:
    the stack's, None to read it from the first raster), the choice, and what the model file records of it."""
    if timesteps is None:
        timesteps = _timesteps(rasters[0])
    sizes = [open_raster_info(r.path, require_crs=False) for r in rasters]
    choice = choose_normalization(options, options.backbone, timesteps, [i.width * i.height for i in sizes])
    record = choice.to_dict()
    if choice.mode != "per_raster":
        return normalize_tiles(images, valid, stats), choice, record
    normalised, record["rasters"] = per_raster_tiles(images, valid, raster_index, [r.path for r in rasters], stats,
                                                     options.seed)
    return normalised, choice, record


def _timesteps(raster: RasterInput) -> int:
    from ..data.stack import read_stack_layout

    try:
        return read_stack_layout(raster.path, raster.timestep_dates, raster.acquisition_date).timesteps
    except InputError:  # bands that do not read as a series: one date
        return 1


def per_raster_tiles(images: np.ndarray, valid: np.ndarray, raster_index: np.ndarray, paths: List[str],
                     fallback: BandStats, seed: int) -> Tuple[np.ndarray, List[dict]]:
    """Training tiles normalised with the statistics of the raster each came from; per raster its statistics."""
    out = np.empty(images.shape, dtype=np.float32)
    per_raster = []
    for k, path in enumerate(paths):
        stats, own = raster_stats(path, fallback, seed)
        rows = np.flatnonzero(raster_index == k)
        if rows.size:
            out[rows] = normalize_tiles(images[rows], valid[rows], stats)
        per_raster.append({"raster": os.path.basename(path), "own_statistics": own, **stats.to_dict()})
    return out, per_raster


def normalize_for_model(model, images: np.ndarray, valid: np.ndarray, raster_index: np.ndarray,
                        paths: List[str]) -> np.ndarray:
    """Tiles of the rasters at ``paths`` normalised as ``model`` was trained (its own statistics, or each raster's)."""
    if model_mode(model.config) != "per_raster":
        return normalize_tiles(images, valid, model.band_stats)
    seed = _training_seed(model)
    return per_raster_tiles(images, valid, raster_index, paths, model.band_stats, seed)[0]
