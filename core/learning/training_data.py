# SPDX-License-Identifier: GPL-2.0-or-later
"""What the trainer learns from: :class:`TrainingData`, the rule that holds out validation tiles, and the
one function from arrays (tiles, labels, lat/lon/day of year) to it.

That function serves both the raster pipeline (``stssl train``, the plugin) and the patch-set evaluation
(``stssl evaluate``), so both hold out validation tiles and encode metadata the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
import torch

from ..data.encoding import MetadataEncoder
from ..models.metadata import MetaBatch, meta_batch


@dataclass
class TrainingData:
    """Normalised tiles and encoded metadata, already split. Tensors live on the CPU."""

    labeled_images: torch.Tensor  # (N_l, C, T, T) float32
    labeled_targets: torch.Tensor  # (N_l,) long, or (N_l, K) float for multi-label
    labeled_meta: MetaBatch
    unlabeled_images: torch.Tensor  # (N_u, C, T, T)
    unlabeled_meta: MetaBatch
    val_images: torch.Tensor  # (N_v, C, T, T), may be empty
    val_targets: torch.Tensor
    val_meta: MetaBatch
    num_classes: int
    loc_dim: int
    date_dim: int
    # True classes of the unlabelled pool, when a benchmark knows them: only to measure pseudo-label accuracy,
    # never used for training.
    unlabeled_diagnostic_targets: Optional[torch.Tensor] = None
    # The Presto backbone's spec (bands, roles, scaling, statistics), built with the data it describes.
    presto: Optional[dict] = None

    @property
    def band_count(self) -> int:
        return int(self.labeled_images.shape[1])

    @property
    def tile_size_px(self) -> int:
        return int(self.labeled_images.shape[-1])


# A class is validated only when the fraction gives it at least this many held-out tiles. One tile per class
# cannot rank checkpoints (its accuracy is 0 or 1), yet it costs that class a fifth of its labels: on the Mato
# Grosso series at 5 labels/class, holding one out per class cost FixMatch 0.10-0.25 accuracy on held-out
# blocks (benchmarks/RESULTS.md). Such classes train on all their tiles.
MIN_VALIDATION_TILES_PER_CLASS = 2


def _held_out_count(n: int, val_fraction: float) -> int:
    """Tiles of a class of ``n`` that ``split_validation`` holds out: round(fraction * n), never the last tile, and
    none below ``MIN_VALIDATION_TILES_PER_CLASS``."""
    n_val = min(n - 1, int(round(val_fraction * n)))
    return n_val if n_val >= MIN_VALIDATION_TILES_PER_CLASS else 0


def split_validation(targets: np.ndarray, val_fraction: float, seed: int, multi_label: bool) -> tuple:
    """Stratified hold-out of labelled tiles: per class round(fraction * n) tiles, only when that is at least
    ``MIN_VALIDATION_TILES_PER_CLASS`` and never a class's last tile. Returns (train_idx, val_idx); val_idx is
    empty when no class has enough tiles (then training keeps its last model)."""
    rng = np.random.default_rng(seed)
    n = len(targets)
    if val_fraction <= 0 or n < 2:
        return np.arange(n), np.zeros(0, dtype=np.int64)
    if multi_label:
        perm = rng.permutation(n)
        n_val = min(n - 1, max(1, int(round(val_fraction * n))))
        return np.sort(perm[n_val:]), np.sort(perm[:n_val])
    held_out: List[int] = []
    for c in np.unique(targets):
        idx = rng.permutation(np.flatnonzero(targets == c))
        held_out.extend(idx[:_held_out_count(len(idx), val_fraction)])
    val = np.sort(np.asarray(held_out, dtype=np.int64))
    train = np.setdiff1d(np.arange(n), val)
    return train, val


def min_tiles_for_validation(val_fraction: float) -> Optional[int]:
    """The fewest labelled tiles a class needs before ``split_validation`` holds any of them out (None: never;
    single-label). Found by trying growing counts with the split's own rule, so the two cannot disagree."""
    if val_fraction <= 0:
        return None
    return next((n for n in range(2, 100_000) if _held_out_count(n, val_fraction) > 0), None)


def assemble_training_data(
    images: np.ndarray, targets: np.ndarray, labeled: np.ndarray, lat: np.ndarray, lon: np.ndarray, doy: np.ndarray,
    encoder: MetadataEncoder, num_classes: int, multi_label: bool, val_fraction: float, seed: int,
    diagnostic_targets: Optional[np.ndarray] = None, months: Optional[np.ndarray] = None,
    presto: Optional[dict] = None,
) -> Tuple[TrainingData, np.ndarray, np.ndarray]:
    """Split labelled tiles into train/validation and wrap everything as tensors.

    ``images`` are normalised (N, C, T, T); ``labeled`` marks the labelled tiles; every other tile is the
    unlabelled pool. Validation tiles are held out of both pools. Returns (data, train_idx, val_idx) with
    indices into ``images``. ``months`` (N, T): the calendar month of every timestep (see :func:`meta_batch`);
    ``presto``: the Presto backbone's spec, carried to the trainer.
    """
    lab_idx = np.flatnonzero(labeled)
    unl_idx = np.flatnonzero(~labeled)
    lab_targets = targets[lab_idx]
    tr, va = split_validation(lab_targets, val_fraction, seed, multi_label)
    train_idx, val_idx = lab_idx[tr], lab_idx[va]

    def imgs(idx: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(images[idx], dtype=np.float32))

    def tgts(idx: np.ndarray) -> torch.Tensor:
        t = targets[idx]
        return torch.from_numpy(np.asarray(t, dtype=np.float32 if multi_label else np.int64))

    def meta(idx: np.ndarray) -> MetaBatch:
        return meta_batch(encoder, lat[idx], lon[idx], doy[idx], months[idx] if months is not None else None)

    data = TrainingData(
        labeled_images=imgs(train_idx), labeled_targets=tgts(train_idx), labeled_meta=meta(train_idx),
        unlabeled_images=imgs(unl_idx), unlabeled_meta=meta(unl_idx),
        val_images=imgs(val_idx), val_targets=tgts(val_idx), val_meta=meta(val_idx),
        num_classes=num_classes, loc_dim=encoder.loc_dim, date_dim=encoder.date_dim,
        unlabeled_diagnostic_targets=(torch.from_numpy(np.asarray(diagnostic_targets[unl_idx], dtype=np.int64))
                                      if diagnostic_targets is not None else None),
        presto=presto,
    )
    return data, train_idx, val_idx
