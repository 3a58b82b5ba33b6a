# SPDX-License-Identifier: GPL-2.0-or-later
"""Starting from pretrained weights: loading them, freezing for Quick map, and a lower encoder learning rate.

Presto's encoder (core.models.presto_backbone) is pretrained; its class head is new. Fine-tuning trains both, the
encoder at ``encoder_lr`` (default ``lr * ENCODER_LR_FACTOR``) so that a few dozen labels do not wash out what
pretraining learned. Quick map (method ``"quick"``) freezes the encoder: only the head trains, a linear probe on the
pretrained embedding (core.learning.quick fits it without the training loop).
"""
from __future__ import annotations

import dataclasses
from typing import List

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

