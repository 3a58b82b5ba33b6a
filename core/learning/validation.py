# SPDX-License-Identifier: GPL-2.0-or-later
"""Validation during training: the EMA student's accuracy and loss on the held-out tiles, and how often the
pseudo-labelling network's accepted labels are right there."""
from __future__ import annotations

from typing import Optional, Tuple

import torch

from ..models.metadata import MetaBatch
from ..models.network import LandCoverNet
from .ssl import SSLModel, probabilities, supervised_loss
from .training_data import TrainingData


def _accuracy(logits: torch.Tensor, targets: torch.Tensor, multi_label: bool) -> float:
    if targets.numel() == 0:
        return float("nan")
    if multi_label:  # micro F1 at 0.5 on probabilities (not logits: one of the authors' weak spots)
        pred = probabilities(logits, True) >= 0.5
        truth = targets >= 0.5
        tp = (pred & truth).sum().item()
        denom = pred.sum().item() + truth.sum().item()
        return 2 * tp / denom if denom else 1.0
    return (logits.argmax(dim=1) == targets).float().mean().item()


@torch.no_grad()
def predict_logits(net: LandCoverNet, images: torch.Tensor, meta: Optional[MetaBatch], device: torch.device,
                   batch: int = 512) -> torch.Tensor:
    """Logits of ``net`` for CPU tiles, in batches on ``device``; metadata only for networks that read it."""
    out = []
    for i in range(0, images.shape[0], batch):
        x = images[i:i + batch].to(device)
        rows = torch.arange(i, min(i + batch, images.shape[0]))
        # A network that reads metadata and is given none raises its own clear error.
        m = meta.index(rows).to(device) if net.uses_metadata and meta is not None else None
        out.append(net(x, m).logits.float().cpu())
    return torch.cat(out) if out else torch.zeros(0)


def validate(model: SSLModel, ema_model: SSLModel, data: TrainingData, device: torch.device,
             multi_label: bool) -> Tuple[Optional[float], Optional[float], Optional[float]]:
    """(validation accuracy and loss of the EMA student, pseudo-label accuracy on the validation tiles); all None
    without validation tiles.

    Pseudo-label accuracy = accuracy of the online pseudo-labelling network's hard labels (the teacher,
    with metadata, in Spatiotemporal SSL) among the validation tiles its mask accepts."""
    if data.val_images.shape[0] == 0:
        return None, None, None
    logits = predict_logits(ema_model.student, data.val_images, data.val_meta, device)
    val_acc = _accuracy(logits, data.val_targets, multi_label)
    val_loss = float(supervised_loss(logits, data.val_targets, multi_label))
    pl_acc = None
    if model.labeler is not None:
        was_training = model.training
        model.eval()
        pl_logits = predict_logits(model.pseudo_labeling_net, data.val_images, data.val_meta, device)
        model.train(was_training)
        pseudo = model.labeler(probabilities(pl_logits.to(device), multi_label), update=False)
        w = pseudo.weights.cpu()
        if multi_label:
            correct = (pseudo.targets.cpu() == (data.val_targets >= 0.5).float()).float()
            pl_acc = float((correct * w).sum() / w.sum()) if w.sum() > 0 else None
        else:
            keep = w > 0.5
            hits = (pseudo.targets.cpu()[keep] == data.val_targets[keep]).float()
            pl_acc = float(hits.mean()) if keep.any() else None
    return val_acc, val_loss, pl_acc
