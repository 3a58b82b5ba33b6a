# SPDX-License-Identifier: GPL-2.0-or-later
"""Per-band normalisation statistics, computed robustly from valid pixels and stored with the model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np


@dataclass
class BandStats:
    """Per-band mean and standard deviation (after clipping to mean +/- 2 sigma, as the authors did)."""

    mean: np.ndarray  # (C,) float64
    std: np.ndarray  # (C,) float64

    @property
    def band_count(self) -> int:
        return int(self.mean.shape[0])

    def to_dict(self) -> dict:
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std]}

    @classmethod
    def from_dict(cls, d: dict) -> "BandStats":
        return cls(np.asarray(d["mean"], dtype=np.float64), np.asarray(d["std"], dtype=np.float64))


def robust_band_stats(samples: np.ndarray, clip_sigma: float = 2.0) -> BandStats:
    """Statistics from valid pixel samples of shape (N, C).

    Values beyond mean +/- ``clip_sigma`` std are clipped before the final estimate, so clouds, sensor
    saturation and fill values that slipped past the nodata mask do not stretch the scale.
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[0] == 0:
        raise ValueError("robust_band_stats needs a non-empty (N, C) array of valid pixels")
    if np.isnan(samples).any():  # a stack masked per timestep: a band counts only where its timestep has data
        observed = np.isfinite(samples).any(axis=0)
        filled = np.where(observed, samples, 0.0)  # a band never observed gets mean 0, std 1 (below)
        mean, std = np.nanmean(filled, axis=0), np.nanstd(filled, axis=0)
        clipped = np.clip(filled, mean - clip_sigma * std, mean + clip_sigma * std)
        mean, std = np.nanmean(clipped, axis=0), np.nanstd(clipped, axis=0)
    else:
        mean = samples.mean(axis=0)
        std = samples.std(axis=0)
        clipped = np.clip(samples, mean - clip_sigma * std, mean + clip_sigma * std)
        mean = clipped.mean(axis=0)
        std = clipped.std(axis=0)
    # A constant band (std 0) would divide by zero; its normalised value is then simply 0.
    std = np.where(std > 1e-12, std, 1.0)
    return BandStats(mean=mean, std=std)


def sample_valid_pixels(blocks: List[np.ndarray], valids: List[np.ndarray], max_samples: int,
                        seed: int = 0) -> np.ndarray:
    """Draw up to ``max_samples`` valid pixels, as (N, C), from blocks of shape (C, H, W) with masks (H, W)."""
    rng = np.random.default_rng(seed)
    pixels = [b.reshape(b.shape[0], -1)[:, v.reshape(-1)].T for b, v in zip(blocks, valids)]
    pixels = [p for p in pixels if p.shape[0]]
    if not pixels:
        return np.zeros((0, blocks[0].shape[0] if blocks else 0))
    allpix = np.concatenate(pixels, axis=0)
    if allpix.shape[0] > max_samples:
        allpix = allpix[rng.choice(allpix.shape[0], size=max_samples, replace=False)]
    return allpix


def normalize_tiles(images: np.ndarray, valid: np.ndarray, stats: BandStats) -> np.ndarray:
    """Normalise (N, C, H, W) tiles with ``stats``; nodata pixels (``valid`` False, (N, H, W)) become 0.

    0 is the band mean after normalisation, so a masked pixel carries no information into the network. NaN in a
    valid pixel (a missing timestep of a stack, core.data.raster.read_block) stays NaN: the Presto backbone masks it.
    """
    mean = stats.mean.astype(np.float32)[None, :, None, None]
    std = stats.std.astype(np.float32)[None, :, None, None]
    out = (images.astype(np.float32, copy=False) - mean) / std
    out = np.where(valid[:, None, :, :], out, np.float32(0.0))
    return out.astype(np.float32, copy=False)
