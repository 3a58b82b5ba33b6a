# SPDX-License-Identifier: GPL-2.0-or-later
"""What the Presto backbone needs from training rasters: the stack layout, the band roles and scaling, the months.

Rasters are stacks of timesteps (core.data.stack); every training raster must hold the same bands and the same
number of timesteps. The spec (core.models.presto_backbone.make_presto_spec) is built from the first raster's
band names and a sample of the training tiles' valid pixels (for the scaling); the months of every tile are its
raster's.
"""
from __future__ import annotations

import os
from typing import List, Sequence, Tuple

import numpy as np

from ..data.normalization import BandStats
from ..data.raster import open_raster_info
from ..data.series import timestep_months
from ..data.stack import StackLayout, read_stack_layout
from ..errors import InputError
from ..models.presto_backbone import make_presto_spec
from ..params import RasterInput, TrainOptions

SCALING_SAMPLE = 50_000


def stack_layouts(rasters: Sequence[RasterInput]) -> List[StackLayout]:
    """The layout of every raster, checked to agree on bands and timesteps."""
    layouts = [read_stack_layout(r.path, r.timestep_dates, r.acquisition_date) for r in rasters]
    first = layouts[0]
    for r, layout in zip(rasters[1:], layouts[1:]):
        if [n.lower() for n in layout.band_names] != [n.lower() for n in first.band_names] or \
                layout.timesteps != first.timesteps:
            raise InputError(
                f"raster '{os.path.basename(r.path)}' has {layout.timesteps} timesteps of bands "
                f"{', '.join(layout.band_names)}, raster '{os.path.basename(rasters[0].path)}' {first.timesteps} of "
                f"{', '.join(first.band_names)}; Presto needs every raster with the same bands and timesteps")
    return layouts


def valid_pixel_sample(images: np.ndarray, valid: np.ndarray, limit: int = SCALING_SAMPLE) -> np.ndarray:
    """Up to ``limit`` valid pixels (n, C) of raw tiles (N, C, H, W), a fixed random draw: for the scaling check."""
    pixels = images.transpose(0, 2, 3, 1)[valid]
    if len(pixels) > limit:
        pixels = pixels[np.random.default_rng(0).choice(len(pixels), limit, replace=False)]
    return pixels


def presto_training_inputs(rasters: Sequence[RasterInput], options: TrainOptions, images: np.ndarray,
                           valid: np.ndarray, raster_index: np.ndarray, stats: BandStats
                           ) -> Tuple[dict, np.ndarray, List[StackLayout]]:
    """(spec, months (N, T) of every tile, layouts) from the raw training tiles (N, C, H, W) and their validity."""
    layouts = stack_layouts(rasters)
    first = layouts[0]
    bands = len(first.band_names)
    pixels = valid_pixel_sample(images, valid)
    dtype = np.dtype(open_raster_info(rasters[0].path, require_crs=False).dtype)
    spec = make_presto_spec(first.band_names, first.timesteps, stats.mean, stats.std,
                            sample=pixels.reshape(-1, bands), band_roles=options.band_roles, sensor=options.sensor,
                            scaling=options.scaling, dtype=dtype, student_view=options.student_view,
                            temporal_pool=options.temporal_pool or None)
    per_raster = np.stack([timestep_months(np.array(layout.dates)) for layout in layouts])
    return spec, per_raster[np.asarray(raster_index, dtype=np.int64)], layouts
