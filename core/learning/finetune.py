# SPDX-License-Identifier: GPL-2.0-or-later
"""Starting from pretrained weights: loading them, freezing for Quick map, a lower encoder learning rate, and the
anchor that keeps the encoder near its pretrained weights.

Presto's encoder (core.models.presto_backbone) is pretrained; its class head is new. Fine-tuning trains both, the
encoder at ``encoder_lr`` (default ``lr * ENCODER_LR_FACTOR``) so that a few dozen labels do not wash out what
pretraining learned; with ``encoder_anchor`` > 0 it is also pulled back towards its pretrained weights after every
step (:class:`PretrainedAnchor`). Quick map (method ``"quick"``) freezes the encoder: only the head trains, a linear
probe on the pretrained embedding (core.learning.quick fits it without the training loop).
"""
from __future__ import annotations

import dataclasses
from typing import List, Optional

import torch
from torch import nn

from ..models.presto_backbone import encoder_parameter_names, load_pretrained
from ..params import TrainOptions

ENCODER_LR_FACTOR = 0.1


def encoder_lr(options: TrainOptions) -> float:
    return options.encoder_lr if options.encoder_lr is not None else options.lr * ENCODER_LR_FACTOR


def prepare_pretrained(model: nn.Module, options: TrainOptions) -> None:
    """Load the pretrained encoder into a new Presto model; freeze it for Quick map."""
    if options.backbone != "presto":
        return
    load_pretrained(model, options.pretrained)
    if options.method == "quick":
        frozen = set(encoder_parameter_names(model))
        for name, param in model.named_parameters():
            if name in frozen:
                param.requires_grad_(False)


def parameter_groups(model: nn.Module, options: TrainOptions) -> List[dict]:
    """The optimizer's parameter groups: the pretrained encoder at its own learning rate, the rest at ``lr``."""
    trainable = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if options.backbone != "presto":
        return [{"params": [p for _, p in trainable]}]
    pretrained = set(encoder_parameter_names(model))
    head = [p for n, p in trainable if n not in pretrained]
    encoder = [p for n, p in trainable if n in pretrained]
    groups: List[dict] = []
    if head:
        groups.append({"params": head})
    if encoder:
        groups.append({"params": encoder, "lr": encoder_lr(options)})
    return groups


def quick_options(options: TrainOptions) -> TrainOptions:
    """Quick map trains one network without metadata: no teacher, no unlabelled pool."""
    return dataclasses.replace(options, metadata="none") if options.method == "quick" else options


class PretrainedAnchor:
    """Decoupled decay of the pretrained encoder towards the weights it started from (L2-SP, Li et al. 2018, in
    AdamW's decoupled form): after every optimizer step ``w -= lr_encoder * strength * (w - w0)``.

    Fine-tuning a pretrained encoder on a few labels and its own pseudo-labels moves it further from what pretraining
    learned the longer it runs, which can cost accuracy on places unlike the training region. With Adam each weight
    moves at most about the learning rate per step, so the pull bounds its distance from ``w0`` near
    ``1 / strength`` however long the run is. Off by default: what it gains and costs is in docs/benchmarks.md."""

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, strength: float):
        # The encoder's parameter group of parameter_groups(): its parameters and its scheduled learning rate.
        names = set(encoder_parameter_names(model))
        encoder = {id(p) for n, p in model.named_parameters() if n in names}
        self.group: Optional[dict] = next((g for g in optimizer.param_groups
                                           if g["params"] and id(g["params"][0]) in encoder), None)
        self.params: List[torch.Tensor] = list(self.group["params"]) if self.group is not None else []
        self.start = [p.detach().clone() for p in self.params]
        self.strength = strength

    @torch.no_grad()
    def step(self) -> None:
        if self.group is None:
            return
        # The group's learning rate follows the cosine schedule, so the pull fades with it; more than the whole
        # distance would overshoot the pretrained weights.
        factor = min(1.0, self.group["lr"] * self.strength)
        diff = torch._foreach_sub(self.params, self.start)
        torch._foreach_add_(self.params, diff, alpha=-factor)


def pretrained_anchor(model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                      options: TrainOptions) -> Optional[PretrainedAnchor]:
    """The anchor of a fine-tuned Presto encoder; None for the from-scratch networks, Quick map or strength 0."""
    if options.backbone != "presto" or options.method == "quick" or options.encoder_anchor <= 0:
        return None
    anchor = PretrainedAnchor(model, optimizer, options.encoder_anchor)
    return anchor if anchor.group is not None else None
