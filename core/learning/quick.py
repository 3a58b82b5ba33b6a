# SPDX-License-Identifier: GPL-2.0-or-later
"""Quick map: a linear probe on the frozen pretrained Presto embedding, fitted in seconds.

What a feature-extraction plugin does (frozen embedding + logistic regression), inside the product and with its
outputs: the embeddings of the labelled tiles are computed once with the frozen encoder (the pixel-only view, so the
map needs no metadata), standardised with the mean and spread of the labelled and unlabelled tiles' embeddings, and
an L2-regularised multinomial logistic regression (``QUICK_C``, as scikit-learn's ``C``) is fitted by full-batch
L-BFGS. The standardisation is folded into the class head (``w / std``, ``b - w . mean / std``), so the result is an
ordinary network and model file. The validation tiles are scored as for every other method.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np
import torch

from ..device import device_name, resolve_device
from ..models.network import LandCoverNet
from ..params import TrainOptions
from .trainer import FitResult, TrainProgress, build_model
from .training_data import TrainingData
from .validation import _accuracy

QUICK_C = 1.0  # inverse L2 strength, on standardised embeddings (the peer row's logistic regression)
QUICK_MAX_ITER = 500
STANDARDISE_SAMPLE = 20_000  # tiles whose embeddings give the standardisation


@torch.no_grad()
def embeddings(net: LandCoverNet, images: torch.Tensor, device: torch.device, batch: int = 1024) -> torch.Tensor:
    """Pooled embeddings (N, 128) of the network's frozen backbone."""
    out = [net.backbone(images[i:i + batch].to(device), None).float().cpu() for i in range(0, len(images), batch)]
    return torch.cat(out) if out else torch.zeros(0, net.backbone.feature_dim)


def fit_linear_probe(z: torch.Tensor, y: torch.Tensor, num_classes: int, c: float = QUICK_C,
                     max_iter: int = QUICK_MAX_ITER) -> tuple:
    """(weight (K, D), bias (K,)) minimising sum of cross-entropy + ||w||^2 / (2c) on features ``z``."""
    weight = torch.zeros(num_classes, z.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    z, y = z.double(), y.long()
    optimizer = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=max_iter, tolerance_grad=1e-7,
                                  tolerance_change=1e-10, history_size=20, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(z @ weight.T + bias, y, reduction="sum") + \
            (weight ** 2).sum() / (2 * c)
        loss.backward()
        return loss

    optimizer.step(closure)
    return weight.detach(), bias.detach()


def fit_quick(options: TrainOptions, data: TrainingData,
              progress: Optional[Callable[[TrainProgress], None]] = None) -> FitResult:
    """Fit Quick map on ``data`` (labelled tiles; the unlabelled ones only for the standardisation)."""
    started = time.perf_counter()
    device = resolve_device(options.device)
    torch.manual_seed(options.seed)
    model = build_model(options, data.num_classes, data.band_count, data.tile_size_px, data.loc_dim, data.date_dim,
                        device, presto=data.presto).eval()
    net = model.student.to(device)
    if options.multi_label:
        from ..errors import InputError

        raise InputError("Quick map is single-label; use a semi-supervised method for multi-label training")
    generator = np.random.default_rng(options.seed)
    unlabeled = data.unlabeled_images
    if len(unlabeled) > STANDARDISE_SAMPLE:
        unlabeled = unlabeled[torch.from_numpy(generator.choice(len(unlabeled), STANDARDISE_SAMPLE, replace=False))]
    if progress is not None:
        progress(TrainProgress(phase="training", step=0, total_steps=1, device_name=device_name(device)))
    z_labeled = embeddings(net, data.labeled_images, device)
    z_pool = torch.cat([z_labeled, embeddings(net, unlabeled, device)])
    mean, std = z_pool.double().mean(0), z_pool.double().std(0).clamp_min(1e-6)
    weight, bias = fit_linear_probe((z_labeled.double() - mean) / std, data.labeled_targets, data.num_classes)
    with torch.no_grad():
        net.head.weight.copy_((weight / std).float())
        net.head.bias.copy_((bias - (weight * mean / std).sum(1)).float())
    net.cpu().eval()
    model = model.cpu().eval()
    val_acc = None
    if data.val_images.shape[0]:
        logits = net.head(embeddings(net, data.val_images, torch.device("cpu")))
        val_acc = _accuracy(logits, data.val_targets, False)
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(TrainProgress(phase="training", step=1, total_steps=1, val_accuracy=val_acc,
                               device_name=device_name(device)))
    history = [{"step": 1, "val_accuracy": val_acc}]
    return FitResult(model=model, best_step=1, steps_done=1, cancelled=False, stopped_early=False,
                     best_val_accuracy=val_acc, history=history, device_name=device_name(device),
                     train_seconds=seconds, mean_mask_rate=None, mean_pseudo_label_accuracy=None,
                     data_wait_fraction=0.0)

