# SPDX-License-Identifier: GPL-2.0-or-later
"""Tile labels from class coverage: the class covering most of a tile (single-label) or every class present
(multi-label)."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from ...errors import InputError

def _check_fraction(name: str, value: float, allow_zero: bool = False) -> None:
    low_ok = value >= 0.0 if allow_zero else value > 0.0
    if not (low_ok and value <= 1.0):
        raise InputError(f"{name} must be a fraction in {'[0' if allow_zero else '(0'}, 1] (got {value})")


def assign_single_label(coverage: np.ndarray, min_coverage: float = 0.5) -> np.ndarray:
    """Class index per tile, -1 where no class covers at least ``min_coverage`` of the tile's valid pixels.

    Where several classes reach it (overlapping polygons), the one covering more wins; an exact tie is
    conflicting labels and leaves the tile unlabelled.
    """
    _check_fraction("min_coverage", min_coverage)
    coverage = np.asarray(coverage, dtype=np.float64)
    labels = np.full(coverage.shape[0], -1, dtype=np.int64)
    if coverage.size == 0:
        return labels
    best = coverage.argmax(axis=1)
    top = coverage.max(axis=1)
    ties = np.count_nonzero(coverage >= top[:, None] - 1e-12, axis=1) > 1
    ok = (top >= min_coverage - 1e-9) & ~ties
    labels[ok] = best[ok]
    return labels


def assign_multi_label(coverage: np.ndarray, presence: float = 0.1,
                       min_total_coverage: float = 0.0) -> Tuple[np.ndarray, np.ndarray]:
    """Multi-hot targets (N, K) float32 and a bool 'labelled' vector (N,).

    A class is present in a tile when it covers at least ``presence`` of the valid pixels. A tile is labelled
    when some class is present and the labels together cover at least ``min_total_coverage`` of it: where most
    of a tile is unlabelled, a 0 would claim a class is absent without anyone having looked.
    """
    _check_fraction("presence fraction", presence)
    _check_fraction("min_total_coverage", min_total_coverage, allow_zero=True)
    coverage = np.asarray(coverage, dtype=np.float64)
    targets = (coverage >= presence - 1e-9).astype(np.float32)
    total = np.minimum(coverage.sum(axis=1), 1.0) if coverage.size else np.zeros(coverage.shape[0])
    labelled = (targets.sum(axis=1) > 0) & (total >= min_total_coverage - 1e-9)
    return targets, labelled
