# SPDX-License-Identifier: GPL-2.0-or-later
"""Weak and strong augmentations of normalised multispectral tiles, batched on torch tensors.

FixMatch takes pseudo-labels from a weak view and trains on a strong view of the same tile. The authors used
crop + flips (weak) and RandAugment with 3 ops at magnitude 5 of 10 (strong) on RGB images. Here the tiles
are normalised reflectance (0 = band mean, 1 = one band std) with any number of bands, often only a few
pixels wide, so:

- every op works per sample on a (B, C, H, W) batch on any device, looping only over the few op kinds;
- the photometric ops are spectral (per band) and kept moderate, because in small tiles the spectrum is
  often the land-cover cue itself and a strong view that changes the class would teach wrong labels;
- spatial ops need pixels to act on and switch themselves off for tiles too small for them, down to 1x1
  tiles where only the spectral ops remain;
- band swap (each band taken, with some probability, from another tile of the batch) is the feature corruption
  of SCARF (Bahri et al., ICLR 2022) for tabular data. It is what makes FixMatch work on per-pixel time series
  (many bands, 1x1 tiles), where per-band noise is too small next to the differences between pixels of one
  class for the consistency loss to link them; see benchmarks/RESULTS.md.

Random numbers come from the optional ``generator`` (on its own device), so a seeded generator gives the same
views on CPU and GPU runs.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import torch
import torch.nn.functional as F

Tensor = torch.Tensor

# Op strengths at magnitude 1 (halved at the authors' magnitude 5/10 = 0.5); in band std units.
BRIGHTNESS_MAX = 0.3  # additive per-band offset
CONTRAST_MAX = 0.4  # per-band factor in [1 - 0.4m, 1 + 0.4m] around the sample's band mean
GAMMA_MAX_LOG = 0.4  # gamma in [exp(-0.4m), exp(0.4m)]
NOISE_MAX = 0.2  # gaussian noise std
BLUR_SIGMA_MAX = 2.0  # 3x3 gaussian sigma in [0.1, 0.1 + 2m] px
JITTER_MAX = 0.2  # per-band scale in [1 - 0.2m, 1 + 0.2m]
BAND_SWAP_MAX = 0.6  # each band taken from another tile of the batch with probability 0.6m (SCARF's 60 % at m = 1)
BAND_SWAP_MIN_BANDS = 4  # fewer bands: swapping even one of them replaces too much of the spectrum


def weak_augment(x: Tensor, generator: Optional[torch.Generator] = None, crop: bool = True) -> Tensor:
    """Random flips, 90-degree rotations (square tiles only) and a reflect-padded random crop, per sample.

    The crop pads by ``max(1, size // 8)`` pixels and only runs on tiles of at least 4x4 pixels, because a
    1-pixel shift of a 2-pixel tile would be a different tile. With ``crop=False`` every output tile is a
    flip/rotation of its input, so no pixel value is lost. Returns a new tensor of the same shape, dtype and
    device.
    """
    _check_batch(x)
    return _weak(_working_copy(x), generator, crop).to(x.dtype)


def _weak(out: Tensor, generator: Optional[torch.Generator], crop: bool) -> Tensor:
    # All geometric changes are one pixel-index map per sample, applied with a single gather: output pixel
    # (i, j) reads input pixel source(i, j). Working backwards from the output: the crop (through reflect
    # padding), then the rotation, the vertical flip and the horizontal flip.
    batch, channels, height, width = out.shape
    if batch == 0 or height * width == 1:
        return out
    device = out.device
    flip_h = _uniform((batch,), generator, device) < 0.5
    flip_v = _uniform((batch,), generator, device) < 0.5
    rows = torch.arange(height, device=device)[None, :, None].expand(batch, height, width)
    cols = torch.arange(width, device=device)[None, None, :].expand(batch, height, width)

    if crop and min(height, width) >= 4:
        pad_h, pad_w = max(1, height // 8), max(1, width // 8)
        shift_rows = _randint(2 * pad_h + 1, (batch,), generator, device) - pad_h
        shift_cols = _randint(2 * pad_w + 1, (batch,), generator, device) - pad_w
        rows = _reflect(rows + shift_rows[:, None, None], height)
        cols = _reflect(cols + shift_cols[:, None, None], width)

    if height == width:
        last = height - 1
        turns = _randint(4, (batch,), generator, device)[:, None, None]
        # torch.rot90 by k quarter turns reads (cols, last-rows), (last-rows, last-cols), (last-cols, rows).
        rows, cols = (
            torch.where(turns == 1, cols,
                        torch.where(turns == 2, last - rows, torch.where(turns == 3, last - cols, rows))),
            torch.where(turns == 1, last - rows,
                        torch.where(turns == 2, last - cols, torch.where(turns == 3, rows, cols))),
        )
    rows = torch.where(flip_v[:, None, None], height - 1 - rows, rows)
    cols = torch.where(flip_h[:, None, None], width - 1 - cols, cols)

    source = (rows * width + cols).reshape(batch, 1, height * width).expand(batch, channels, height * width)
    return out.reshape(batch, channels, height * width).gather(2, source).reshape(batch, channels, height, width)


def _reflect(index: Tensor, size: int) -> Tensor:
    """Index into a reflect-padded axis (edge pixel not repeated, as torch's 'reflect'), for shifts < size."""
    index = torch.where(index < 0, -index, index)
    return torch.where(index >= size, 2 * (size - 1) - index, index)


def strong_augment(
    x: Tensor,
    n_ops: int = 3,
    magnitude: float = 0.5,
    generator: Optional[torch.Generator] = None,
    crop: bool = True,
) -> Tensor:
    """:func:`weak_augment`, then ``n_ops`` distinct ops per sample, RandAugment-style.

    Ops: per-band brightness, per-band contrast, gamma, gaussian noise, 3x3 blur, cutout, band dropout, band
    swap and spectral jitter; those that cannot act on the tile's size or band count are left out of the draw
    (blur needs 3x3 pixels, cutout and contrast 2 pixels, band dropout 2 bands, band swap 4 bands and 2 tiles).
    ``magnitude`` in [0, 1] scales every op's strength (doubled, up to 1, on 1x1 tiles, except band swap); each
    sample draws its own strength up to it. Chosen ops run in a fixed order.
    """
    if n_ops < 0:
        raise ValueError(f"n_ops must be >= 0, got {n_ops}")
    if not 0.0 <= magnitude <= 1.0:
        raise ValueError(f"magnitude must be in [0, 1] (RandAugment's 0..10 divided by 10), got {magnitude}")
    _check_batch(x)
    out = _weak(_working_copy(x), generator, crop)
    # NaN marks a missing timestep of a stack (core.data.raster.read_block). The ops work on the observed values:
    # missing ones are 0 (the band mean) while they run, so no blur or band mean spreads a NaN, and NaN again after.
    nan = torch.isnan(out)
    missing: Optional[Tensor] = nan if bool(nan.any()) else None
    if missing is not None:
        out = out.masked_fill(missing, 0.0)
    batch, channels, height, width = out.shape
    ops = _available_ops(channels, height, width, batch)
    if batch == 0 or n_ops == 0 or not ops:
        return _restore_missing(out, missing).to(x.dtype)
    op_magnitude = magnitude
    if height * width == 1:
        # A single pixel has no weak view (no flip or crop changes it) and no spatial op, so the spectral ops are
        # the whole difference between the two views: they run at twice the magnitude (at most 1). On the Mato
        # Grosso pixel series this raised FixMatch's test accuracy by 0.02-0.04 at 400 steps (README, benchmarks).
        # Band swap keeps its magnitude: swapping 60 % of a pixel's series instead of 30 % replaced so much of it
        # that FixMatch's pseudo-labels absorbed the Pasture class into Agriculture (0.80 -> 0.86 mean accuracy
        # on five Mato Grosso series splits at 0.3, benchmarks/RESULTS.md).
        op_magnitude = min(1.0, 2.0 * magnitude)

    if n_ops >= len(ops):
        chosen = torch.ones((batch, len(ops)), dtype=torch.bool, device=out.device)
    else:
        # A random permutation per sample; the first n_ops ranks are the ops it gets.
        ranks = _uniform((batch, len(ops)), generator, out.device).argsort(dim=1).argsort(dim=1)
        chosen = ranks < n_ops
    for index, op in enumerate(ops):
        samples = chosen[:, index].nonzero().squeeze(1)
        if samples.numel():
            out[samples] = op(out[samples], magnitude if op is _band_swap else op_magnitude, generator)
    return _restore_missing(out, missing).to(x.dtype)


def _restore_missing(out: Tensor, missing: Optional[Tensor]) -> Tensor:
    return out if missing is None else out.masked_fill(missing, float("nan"))


# --- spectral ops (any tile size) ----------------------------------------------------------------------------

def _brightness(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    batch, channels = x.shape[:2]
    offset = _symmetric((batch, channels), generator, x.device) * (BRIGHTNESS_MAX * magnitude)
    return x + offset[:, :, None, None].to(x.dtype)


def _contrast(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    batch, channels = x.shape[:2]
    factor = 1.0 + _symmetric((batch, channels), generator, x.device) * (CONTRAST_MAX * magnitude)
    band_mean = x.mean(dim=(2, 3), keepdim=True)
    return band_mean + factor[:, :, None, None].to(x.dtype) * (x - band_mean)


def _gamma(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    # Normalised values are signed, so gamma acts on |x| and keeps the sign: a monotonic map that keeps the
    # ordering of values and which side of the band mean each pixel lies on.
    batch = x.shape[0]
    gamma = torch.exp(_symmetric((batch,), generator, x.device) * (GAMMA_MAX_LOG * magnitude))
    return torch.sign(x) * x.abs().pow(gamma[:, None, None, None].to(x.dtype))


def _noise(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    batch = x.shape[0]
    sigma = _uniform((batch,), generator, x.device) * (NOISE_MAX * magnitude)
    return x + sigma[:, None, None, None].to(x.dtype) * _normal(tuple(x.shape), generator, x.device).to(x.dtype)


def _band_dropout(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    batch, channels = x.shape[:2]
    dropped = _randint(channels, (batch,), generator, x.device)
    keep = torch.arange(channels, device=x.device)[None, :] != dropped[:, None]
    return x * keep[:, :, None, None].to(x.dtype)


def _band_swap(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    # Every band of a sample comes, with probability 0.6m, from one other randomly chosen tile of the batch (its
    # own band when the draw picks itself). The rest of the spectrum keeps the cue the pseudo-label came from.
    batch, channels = x.shape[:2]
    donor = _randint(batch, (batch,), generator, x.device)
    swap = _uniform((batch, channels), generator, x.device) < BAND_SWAP_MAX * magnitude
    return torch.where(swap[:, :, None, None], x[donor], x)


def _spectral_jitter(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    batch, channels = x.shape[:2]
    scale = 1.0 + _symmetric((batch, channels), generator, x.device) * (JITTER_MAX * magnitude)
    return x * scale[:, :, None, None].to(x.dtype)


# --- spatial ops ---------------------------------------------------------------------------------------------

def _blur(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    batch, channels, height, width = x.shape
    sigma = 0.1 + _uniform((batch,), generator, x.device) * (BLUR_SIGMA_MAX * magnitude)
    side = torch.exp(-0.5 / sigma**2)
    taps = torch.stack([side, torch.ones_like(side), side], dim=1)
    taps = taps / taps.sum(dim=1, keepdim=True)  # (B, 3)
    kernel = (taps[:, :, None] * taps[:, None, :]).to(x.dtype)  # (B, 3, 3), separable gaussian
    kernel = kernel.repeat_interleave(channels, dim=0)[:, None]  # (B*C, 1, 3, 3)
    padded = F.pad(x.reshape(1, batch * channels, height, width), (1, 1, 1, 1), mode="reflect")
    return F.conv2d(padded, kernel, groups=batch * channels).reshape(batch, channels, height, width)


def _cutout(x: Tensor, magnitude: float, generator: Optional[torch.Generator]) -> Tensor:
    # A square up to half the tile's shorter side: more would leave too little of a small tile to classify.
    batch, _, height, width = x.shape
    side = min(int(round(min(height, width) * magnitude)), max(1, min(height, width) // 2))
    if side <= 0:
        return x
    top = _randint(height - side + 1, (batch,), generator, x.device)
    left = _randint(width - side + 1, (batch,), generator, x.device)
    rows = torch.arange(height, device=x.device)[None, :]
    cols = torch.arange(width, device=x.device)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < top[:, None] + side)  # (B, H)
    in_cols = (cols >= left[:, None]) & (cols < left[:, None] + side)  # (B, W)
    hole = in_rows[:, :, None] & in_cols[:, None, :]  # (B, H, W)
    return x.masked_fill(hole[:, None], 0.0)


Op = Callable[[Tensor, float, Optional[torch.Generator]], Tensor]


def _available_ops(channels: int, height: int, width: int, batch: int = 2) -> List[Op]:
    ops: List[Op] = [_brightness]
    if height * width >= 2:
        ops.append(_contrast)  # around the band mean: a no-op on a single pixel
    ops += [_gamma, _noise]
    if min(height, width) >= 3:
        ops.append(_blur)
    if min(height, width) >= 2:
        ops.append(_cutout)
    if channels >= 2:
        ops.append(_band_dropout)
    if channels >= BAND_SWAP_MIN_BANDS and batch >= 2:
        ops.append(_band_swap)
    ops.append(_spectral_jitter)
    return ops


# --- helpers -------------------------------------------------------------------------------------------------

def _check_batch(x: Tensor) -> None:
    if x.dim() != 4:
        raise ValueError(f"augmentations expect a (B, C, H, W) batch, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"augmentations expect normalised float tiles, got dtype {x.dtype}")


def _working_copy(x: Tensor) -> Tensor:
    # Half precision lacks some CPU kernels (reflect padding) and loses small offsets; work in float32.
    if x.dtype in (torch.float32, torch.float64):
        return x.clone()
    return x.float()


def _generator_device(generator: Optional[torch.Generator], device: torch.device) -> torch.device:
    return generator.device if generator is not None else device


def _uniform(shape: Tuple[int, ...], generator: Optional[torch.Generator], device: torch.device) -> Tensor:
    values = torch.rand(shape, generator=generator, device=_generator_device(generator, device))
    return values.to(device)


def _symmetric(shape: Tuple[int, ...], generator: Optional[torch.Generator], device: torch.device) -> Tensor:
    return _uniform(shape, generator, device) * 2.0 - 1.0


def _normal(shape: Tuple[int, ...], generator: Optional[torch.Generator], device: torch.device) -> Tensor:
    values = torch.randn(shape, generator=generator, device=_generator_device(generator, device))
    return values.to(device)


def _randint(high: int, shape: Tuple[int, ...], generator: Optional[torch.Generator], device: torch.device) -> Tensor:
    values = torch.randint(0, high, shape, generator=generator, device=_generator_device(generator, device))
    return values.to(device)
