"""From arrays (tiles, labels, lat/lon/day of year) to the trainer's :class:`TrainingData`.

One function serves both the raster pipeline (``stssl train``, the plugin) and the patch-set evaluation
(``stssl evaluate``), so both hold out validation tiles and encode metadata the same way.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import torch

from ..data.encoding import MetadataEncoder
from ..models.metadata import MetaBatch
from .trainer import TrainingData, split_validation


def meta_batch(encoder: MetadataEncoder, lat: np.ndarray, lon: np.ndarray, doy: np.ndarray) -> MetaBatch:
    enc = encoder.encode(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64),
                         np.asarray(doy, dtype=np.float64))
    return MetaBatch(torch.from_numpy(np.ascontiguousarray(enc.location, dtype=np.float32)),
                     torch.from_numpy(np.ascontiguousarray(enc.date, dtype=np.float32)),
                     torch.from_numpy(np.asarray(enc.location_known, dtype=bool)),
                     torch.from_numpy(np.asarray(enc.date_known, dtype=bool)))


def assemble_training_data(
    images: np.ndarray, targets: np.ndarray, labeled: np.ndarray, lat: np.ndarray, lon: np.ndarray, doy: np.ndarray,
    encoder: MetadataEncoder, num_classes: int, multi_label: bool, val_fraction: float, seed: int,
    diagnostic_targets: Optional[np.ndarray] = None,
) -> Tuple[TrainingData, np.ndarray, np.ndarray]:
    """Split labelled tiles into train/validation and wrap everything as tensors.

    ``images`` are normalised (N, C, T, T); ``labeled`` marks the labelled tiles; every other tile is the
    unlabelled pool. Validation tiles are held out of both pools. Returns (data, train_idx, val_idx) with
    indices into ``images``.
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
        return meta_batch(encoder, lat[idx], lon[idx], doy[idx])

    data = TrainingData(
        labeled_images=imgs(train_idx), labeled_targets=tgts(train_idx), labeled_meta=meta(train_idx),
        unlabeled_images=imgs(unl_idx), unlabeled_meta=meta(unl_idx),
        val_images=imgs(val_idx), val_targets=tgts(val_idx), val_meta=meta(val_idx),
        num_classes=num_classes, loc_dim=encoder.loc_dim, date_dim=encoder.date_dim,
        unlabeled_diagnostic_targets=(torch.from_numpy(np.asarray(diagnostic_targets[unl_idx], dtype=np.int64))
                                      if diagnostic_targets is not None else None),
    )
    return data, train_idx, val_idx
