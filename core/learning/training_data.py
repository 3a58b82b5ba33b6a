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


def meta_batch(encoder: MetadataEncoder, lat: np.ndarray, lon: np.ndarray, doy: np.ndarray,
               months: Optional[np.ndarray] = None) -> MetaBatch:
    """Encoded metadata, plus the raw lat/lon (degrees, NaN unknown) and, when given, the calendar month (0-11,
    -1 unknown) of every timestep (N, T), which the Presto teacher reads natively."""
    lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    enc = encoder.encode(lat, lon, np.asarray(doy, dtype=np.float64))
    date_known = np.asarray(enc.date_known, dtype=bool)
    if months is not None:
        months = np.asarray(months, dtype=np.int64)
        months = months.reshape(len(lat), -1) if months.ndim != 2 else months
        date_known = date_known | (months >= 0).all(axis=1)  # a series' dates are its date
    return MetaBatch(torch.from_numpy(np.ascontiguousarray(enc.location, dtype=np.float32)),
                     torch.from_numpy(np.ascontiguousarray(enc.date, dtype=np.float32)),
                     torch.from_numpy(np.asarray(enc.location_known, dtype=bool)),
                     torch.from_numpy(date_known),
                     torch.from_numpy(np.stack([lat, lon], axis=1).astype(np.float32)),
                     torch.from_numpy(np.ascontiguousarray(months)) if months is not None else None)


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
