# SPDX-License-Identifier: GPL-2.0-or-later
"""Does a raster to classify look like the rasters the model was trained on? (numpy only)

A model sees its input through the band statistics stored with it (per-band mean and standard deviation of
the training pixels). A raster in other units or another scaling, say reflectance x 10 000 + offset instead of
8-bit digital numbers, lands tens or hundreds of standard deviations away from every training pixel; the
network then puts the whole map into one class, without an error. This module compares a sample of the
raster's valid pixels with the stored statistics, band by band, so the caller can warn and ask before writing
such a map.

A band is flagged when most of its sampled pixels lie farther than ``FAR_SIGMA`` training standard deviations
from the training mean. The stored standard deviation is computed after clipping to +/- 2 sigma, so it is a
little smaller than the raw one; at 6 of them, even the bright or dark tail of a scene like the training scenes
stays well under half its pixels, while a rescaled raster is far beyond on every pixel.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from ..data.normalization import BandStats

FAR_SIGMA = 6.0  # "far outside the training range": farther than this many training standard deviations
MOST = 0.5  # a band is flagged when more than this fraction of its sampled pixels is far outside


@dataclass(frozen=True)
class BandCheck:
    """One band of the comparison (``band`` counts from 1, as GDAL and QGIS do)."""

    band: int
    name: str  # the band's description ('B7'), or ''
    far_fraction: float  # fraction of the sampled pixels far outside the training range
    median: float  # median of the sampled pixels
    train_mean: float
    train_std: float

    @property
    def flagged(self) -> bool:
        return self.far_fraction > MOST

    def label(self) -> str:
        return f"band {self.band} ({self.name})" if self.name else f"band {self.band}"


@dataclass(frozen=True)
class ScaleCheck:
    """The comparison of one raster with a model's training statistics."""

    raster_name: str
    sampled: int  # valid pixels compared
    bands: List[BandCheck] = field(default_factory=list)

    @property
    def flagged(self) -> List[BandCheck]:
        return [b for b in self.bands if b.flagged]

    @property
    def ok(self) -> bool:
        return not self.flagged

    def message(self) -> str:
        """What to tell the user when the check failed (English; the plugin words its own)."""
        flagged = self.flagged
        if not flagged:
            return ""
        worst = max(flagged, key=lambda b: b.far_fraction)
        return (
            f"raster '{self.raster_name}' does not look like the training rasters: in {describe_bands(flagged)}, "
            f"most pixels lie far outside the training range (in {worst.label()}, {worst.far_fraction:.0%} of the "
            f"pixels; median {worst.median:.4g}, training mean {worst.train_mean:.4g} +/- {worst.train_std:.4g}). "
            "The map "
            "would probably show one class. Check that the raster has the bands, units and scaling of the training "
            "rasters (for example 8-bit digital numbers versus scaled reflectance); for a raster of another date or "
            "season, a model trained with normalisation 'per_raster' scales each raster by its own statistics"
        )


def describe_bands(bands: Sequence[BandCheck]) -> str:
    """'band 2 (B2)' or 'bands 1 (B1), 2 (B2) and 3 (B3)'."""
    labels = [f"{b.band} ({b.name})" if b.name else str(b.band) for b in bands]
    if len(labels) == 1:
        return f"band {labels[0]}"
    return "bands " + ", ".join(labels[:-1]) + " and " + labels[-1]


def compare_with_training(samples: np.ndarray, stats: BandStats, raster_name: str = "raster",
                          band_names: Optional[Sequence[str]] = None) -> ScaleCheck:
    """Compare valid pixel ``samples`` (N, C) of a raster with the model's training ``stats``, band by band."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != stats.band_count:
        raise ValueError(f"samples must be (N, {stats.band_count}), got {samples.shape}")
    names = list(band_names or [])
    bands = []
    if samples.shape[0] == 0:
        return ScaleCheck(raster_name, 0, [])
    z = np.abs(samples - stats.mean[None, :]) / stats.std[None, :]
    far = (z > FAR_SIGMA).mean(axis=0)
    medians = np.median(samples, axis=0)
    for c in range(stats.band_count):
        bands.append(BandCheck(band=c + 1, name=names[c] if c < len(names) and names[c] else "",
                               far_fraction=float(far[c]), median=float(medians[c]),
                               train_mean=float(stats.mean[c]), train_std=float(stats.std[c])))
    return ScaleCheck(raster_name, int(samples.shape[0]), bands)
