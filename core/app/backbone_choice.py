# SPDX-License-Identifier: GPL-2.0-or-later
"""The backbone "auto": which network reads the pixels, chosen from the kind of input, with the reason said.

No backbone wins everywhere (benchmarks/RESULTS.md, "Which backbone the default picks"). The pretrained Presto
encoder wins on year-long series whose bands it knows; on single dates it was no better than a random forest,
and on bands it cannot place (8-bit RGB, unnamed bands) it does not apply. So the rule reads only the input's
kind, never a label:

1. the user chose a backbone: that one; normalisation "per_raster" chosen: the CNN (Presto reads reflectance);
2. fewer than :data:`MIN_SERIES_TIMESTEPS` timesteps: the CNN (Presto is an encoder of time series);
3. the bands' Presto roles cannot be told, or neither near infrared (B8) nor NDVI is among them: the CNN (the
   vegetation signal of Presto's pretraining; with only NIR, NDVI and EVI, the Mato Grosso -> Para series, Presto
   still beat the CNN and the random forest by far in the benchmarks);
4. the reflectance scaling cannot be told (8-bit data): the CNN;
5. no Presto weights file: the CNN, with how to get the weights;
6. on a CPU, a step would encode more than :data:`CPU_PIXELS_PER_STEP` pixel series (large tiles, large
   batches): the CNN, with the tile size that would allow Presto;
7. otherwise Presto, with the batch the benchmarks ran it with when the batch options are the CNN's defaults, and
   the unlabelled tiles in its first :data:`PRESTO_UNLABELED_STEPS` steps only when ``unlabeled_steps`` is unset.

Every decision comes with a sentence for the report, the dock and the command line.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Optional, Sequence

from ..errors import InputError
from ..params import RasterInput, TrainOptions

MIN_SERIES_TIMESTEPS = 6  # a season of monthly composites; the benchmarks' series have 23 timesteps
VEGETATION_CHANNELS = ("B8", "NDVI")  # at least one of them
CPU_PIXELS_PER_STEP = 512  # pixel series one training step may encode on a CPU (about 1-3 s a step there)
# The batch the Presto rows of the benchmarks ran with (benchmarks/run_accuracy.py PRESTO_BATCH), used in place of
# the CNN's defaults: a per-pixel transformer step costs about 20x a CNN step on a CPU.
PRESTO_BATCH_SIZE, PRESTO_UNLABELED_RATIO = 8, 3
# From this step on an automatic Presto run learns from the labels alone (TrainOptions.unlabeled_steps). Fine-tuned
# Presto does not lose with length on the labels alone, while its unlabelled loss made long runs worse on a region
# unlike the labelled one; the from-scratch CNN needs that loss for the whole run, so it keeps every step
# (docs/benchmarks.md, "A third fix"). 500 is `stssl evaluate`'s length: runs of 500 steps or fewer are unchanged.
PRESTO_UNLABELED_STEPS = 500


@dataclass(frozen=True)
class BackboneChoice:
    backbone: str  # "cnn", "vit" or "presto"
    reason: str  # one sentence a user reads
    automatic: bool  # chosen by the rule (True) or by the user

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _pixels_per_step(options: TrainOptions, batch_size: int, unlabeled_ratio: int) -> int:
    tiles = batch_size * (1 + (unlabeled_ratio if options.uses_unlabeled else 0))
    return tiles * options.tile_size_px ** 2


def _presto_batch(options: TrainOptions) -> tuple:
    defaults = TrainOptions()
    if (options.batch_size, options.unlabeled_ratio) == (defaults.batch_size, defaults.unlabeled_ratio):
        return PRESTO_BATCH_SIZE, PRESTO_UNLABELED_RATIO
    return options.batch_size, options.unlabeled_ratio


def presto_unlabeled_steps(options: TrainOptions) -> Optional[int]:
    """The ``unlabeled_steps`` of an automatic Presto run: the user's, else :data:`PRESTO_UNLABELED_STEPS`."""
    return PRESTO_UNLABELED_STEPS if options.unlabeled_steps is None else options.unlabeled_steps


def _cut_note(options: TrainOptions) -> str:
    """What the report says of the automatic cut, where it acts in this run."""
    if options.unlabeled_steps is not None or not options.uses_unlabeled or options.steps <= PRESTO_UNLABELED_STEPS:
        return ""
    return (f"; the unlabelled tiles in the first {PRESTO_UNLABELED_STEPS} of its {options.steps} steps only, then "
            "the labels alone (--unlabeled-steps)")


def choose_backbone(band_names: Sequence[str], timesteps: int, options: TrainOptions, on_gpu: bool,
                    sample=None, dtype=None) -> BackboneChoice:
    """The rule of the module docstring for one input: its band names (of one timestep), its number of timesteps,
    and optionally a sample of its pixels (n, bands x timesteps) and dtype for the scaling check."""
    if options.backbone != "auto":
        return BackboneChoice(options.backbone, f"backbone '{options.backbone}' as chosen", automatic=False)
    if options.normalization == "per_raster":
        return BackboneChoice("cnn", "CNN: normalisation 'per_raster' was chosen, and Presto reads reflectance, "
                              "scaled the same in every raster", True)
    if timesteps < MIN_SERIES_TIMESTEPS:
        return BackboneChoice("cnn", f"CNN: the input has {timesteps} timestep{'s' if timesteps != 1 else ''}, and "
                              f"the pretrained Presto encoder is used for series of {MIN_SERIES_TIMESTEPS} or more "
                              "(on single dates it was no better than a random forest in the benchmarks)", True)
    from ..data.band_roles import detect_band_roles
    from ..data.presto_input import detect_scaling

    try:
        roles = detect_band_roles(band_names, options.sensor, options.band_roles)
    except InputError as exc:
        return BackboneChoice("cnn", f"CNN: the bands' roles for Presto are not known ({exc})", True)
    if not any(roles.band_of(c) >= 0 for c in VEGETATION_CHANNELS):
        return BackboneChoice("cnn", "CNN: no band is near infrared (B8) or NDVI, the vegetation signal the "
                              "pretrained Presto encoder needs to be worth using; give the roles with --band-roles "
                              "if a band is one of them", True)
    if options.scaling == "detect" and (sample is not None or dtype is not None):
        import numpy as np

        values = np.zeros((1, len(band_names))) if sample is None else np.asarray(sample).reshape(-1, len(band_names))
        try:
            detect_scaling(values, roles, dtype)
        except InputError as exc:
            return BackboneChoice("cnn", f"CNN: the reflectance scaling is not known ({exc})", True)
    from ..models.presto import find_presto_weights

    try:
        find_presto_weights(options.pretrained)
    except InputError as exc:
        return BackboneChoice("cnn", f"CNN: this {timesteps}-timestep series suits the pretrained Presto encoder, "
                              f"but {exc}", True)
    batch, ratio = _presto_batch(options)
    pixels = _pixels_per_step(options, batch, ratio)
    if not on_gpu and pixels > CPU_PIXELS_PER_STEP:
        return BackboneChoice("cnn", f"CNN: Presto would encode {pixels:,} pixel series per step with "
                              f"{options.tile_size_px} px tiles, too slow on a CPU (at most {CPU_PIXELS_PER_STEP}); "
                              "use a GPU, smaller tiles or a smaller batch, or choose backbone 'presto' to use it "
                              "anyway", True)
    batch_note = (f"; batch {batch} labelled + {batch * ratio} unlabelled tiles per step, as benchmarked"
                  if (batch, ratio) != (options.batch_size, options.unlabeled_ratio) else "")
    return BackboneChoice("presto", f"Presto (pretrained): a {timesteps}-timestep series with bands it can read; on "
                          "such series it beat the CNN and the random forest in the benchmarks"
                          + batch_note + _cut_note(options), True)


def resolve_backbone(options: TrainOptions, choice: BackboneChoice) -> TrainOptions:
    """``options`` with the chosen backbone (and, for an automatic Presto, the benchmarked batch and
    unlabelled steps)."""
    if not choice.automatic:
        return options
    if choice.backbone == "presto":
        batch, ratio = _presto_batch(options)
        return dataclasses.replace(options, backbone="presto", batch_size=batch, unlabeled_ratio=ratio,
                                   unlabeled_steps=presto_unlabeled_steps(options))
    if options.method == "quick":
        raise InputError(f"Quick map needs the Presto backbone, but it does not fit this input: {choice.reason}")
    return dataclasses.replace(options, backbone=choice.backbone)


def choose_for_rasters(rasters: Sequence[RasterInput], options: TrainOptions, on_gpu: bool,
                       sample=None) -> BackboneChoice:
    """The choice for training rasters: the first raster's stack layout (core.data.stack) decides; ``sample``:
    valid pixel values (n, bands), for the scaling check (default: a decimated read of the first raster)."""
    if options.backbone != "auto":
        return choose_backbone((), 0, options, on_gpu)
    from ..data.raster import open_raster_info
    from ..data.stack import read_stack_layout

    first = rasters[0]
    try:
        layout = read_stack_layout(first.path, first.timestep_dates, first.acquisition_date)
    except InputError as exc:
        return BackboneChoice("cnn", f"CNN: the bands of '{os.path.basename(first.path)}' are not a time series "
                              f"Presto can read ({exc})", True)
    dtype = open_raster_info(first.path, require_crs=False).dtype
    if sample is None:
        sample = _overview_sample(first.path)
    return choose_backbone(layout.band_names, layout.timesteps, options, on_gpu, sample=sample, dtype=dtype)


SAMPLE_SIDE = 64  # pixels a side of the decimated read that gives the scaling check its values


def _overview_sample(path: str):
    """Valid pixels (n, bands) of a decimated read of the whole raster (GDAL uses overviews where there are)."""
    import numpy as np
    import rasterio

    with rasterio.open(path) as src:
        shape = (src.count, min(src.height, SAMPLE_SIDE), min(src.width, SAMPLE_SIDE))
        data = src.read(out_shape=shape, masked=True)
    values = np.ma.filled(data.astype(np.float64), np.nan).reshape(shape[0], -1).T
    return values[np.isfinite(values).all(axis=1)]


def on_gpu(device: Optional[str]) -> bool:
    from ..device import resolve_device

    return resolve_device(device or "auto").type == "cuda"
