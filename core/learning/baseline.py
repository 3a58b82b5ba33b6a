# SPDX-License-Identifier: GPL-2.0-or-later
"""A cheap baseline scored beside every trained model, on the same held-out labelled tiles.

With few labels a simple model is often as good as a deep one (benchmarks/RESULTS.md: a random forest matched the
from-scratch CNN on most pixel time series). So the report of a run also gives what a cheap model gets from the
same labelled tiles, and the user sees when the deep model is not better:

- with the Presto backbone, Quick map (core.learning.quick: a linear probe on the frozen pretrained embedding);
- with the CNN or ViT, a linear probe on each tile's per-band mean and standard deviation of its normalised
  pixels: what a per-pixel classifier (dzetsaka, SCP) sees, without scikit-learn.

The baseline trains on the labelled tiles only and is scored on the validation tiles; the test labels of a
benchmark are never involved (the patch-set evaluation does not call this).
"""
from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np
import torch

from ..params import TrainOptions
from .quick import fit_linear_probe, fit_quick
from .training_data import TrainingData

QUICK_NAME = "Quick map (linear probe on the frozen Presto embedding)"
STATS_NAME = "linear probe on per-band tile statistics"
UNLABELED_SAMPLE = 2_000  # unlabelled tiles for Quick map's standardisation: enough, and seconds on a CPU


def _tile_statistics(images: torch.Tensor) -> torch.Tensor:
    flat = images.flatten(2).double()
    return torch.cat([flat.mean(2), flat.std(2, unbiased=False)], dim=1)


def _stats_probe_accuracy(data: TrainingData) -> float:
    z = _tile_statistics(data.labeled_images)
    mean, std = z.mean(0), z.std(0, unbiased=False).clamp_min(1e-6)
    weight, bias = fit_linear_probe((z - mean) / std, data.labeled_targets, data.num_classes)
    logits = ((_tile_statistics(data.val_images) - mean) / std) @ weight.T + bias
    return float((logits.argmax(1) == data.val_targets).double().mean())


def baseline_report(options: TrainOptions, data: TrainingData, model_accuracy: Optional[float]) -> Optional[dict]:
    """{name, accuracy, model_accuracy, better} of the cheap baseline on the validation tiles; None where there is
    nothing to compare (no validation tiles, multi-label, or the run was Quick map itself)."""
    if options.method == "quick" or options.multi_label or data.val_images.shape[0] == 0 or model_accuracy is None:
        return None
    if options.backbone == "presto" and data.presto is not None:
        unlabeled = data.unlabeled_images
        if len(unlabeled) > UNLABELED_SAMPLE:
            pick = np.random.default_rng(options.seed).choice(len(unlabeled), UNLABELED_SAMPLE, replace=False)
            unlabeled = unlabeled[torch.from_numpy(pick)]
        quick = fit_quick(dataclasses.replace(options, method="quick"),
                          dataclasses.replace(data, unlabeled_images=unlabeled))
        name, accuracy = QUICK_NAME, quick.best_val_accuracy
    else:
        name, accuracy = STATS_NAME, _stats_probe_accuracy(data)
    if accuracy is None:
        return None
    return {"name": name, "accuracy": float(accuracy), "model_accuracy": float(model_accuracy),
            "n_validation": int(data.val_images.shape[0]), "deep_model_better": bool(model_accuracy > accuracy)}
