# SPDX-License-Identifier: GPL-2.0-or-later
"""One training step's batch: which tiles, their augmented views, and their metadata after dropout.

:class:`BatchSampler` draws the batches of a run from the :class:`TrainingData` pools; :class:`StepBatch` is
what :class:`core.learning.ssl.SSLModel` trains on. Tile indices come from a CPU generator and augmentations
and metadata dropout from a generator on the training device, both seeded from the run's seed, rank and start
step, so a run (and a resumed run) draws the same batches every time. From ``unlabeled_steps`` on, a step has no
unlabelled batch (:meth:`TrainOptions.learns_from_unlabeled_at`), and the step is the labelled terms alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, cast

import torch

from ..models.metadata import MetaBatch
from ..params import TrainOptions
from .augment import strong_augment, weak_augment
from .training_data import TrainingData


@dataclass
class StepBatch:
    """The inputs of one training step, on the training device."""

    x_l: torch.Tensor  # labelled tiles, weakly augmented (B_l, C, T, T)
    y_l: torch.Tensor  # their targets
    meta_l: MetaBatch  # their metadata
    x_weak: Optional[torch.Tensor] = None  # unlabelled tiles, weak views (B_u, C, T, T); None: no unlabelled batch
    x_strong: Optional[torch.Tensor] = None  # the same tiles, strong views
    meta_u: Optional[MetaBatch] = None  # their full metadata: the weak views, which make the pseudo-labels, see it all
    # After metadata dropout: what the labelled and the strong views show a network that reads metadata.
    # None: no dropout (the full metadata).
    meta_l_dropped: Optional[MetaBatch] = None
    meta_u_dropped: Optional[MetaBatch] = None
    unlabeled_index: Optional[torch.Tensor] = None  # positions of the unlabelled tiles in their pool (diagnostics)


class BatchSampler:
    """Draws :class:`StepBatch` es for one run: ``sampler(step)`` gives the batch of the step after ``step``."""

    def __init__(self, data: TrainingData, options: TrainOptions, device: torch.device, seed: int):
        self.options, self.device = options, device
        self.x_lab, self.y_lab = self._place(data.labeled_images, data), data.labeled_targets.to(device)
        self.meta_lab = data.labeled_meta.to(device)
        self.use_unlabeled = options.uses_unlabeled and data.unlabeled_images.shape[0] > 0
        self.x_unl = self._place(data.unlabeled_images, data) if self.use_unlabeled else None
        self.meta_unl = data.unlabeled_meta.to(device) if self.use_unlabeled else None
        self.batch_l = options.batch_size
        self.batch_u = options.batch_size * options.unlabeled_ratio
        self.generator = torch.Generator(device=device)  # augmentations and metadata dropout
        self.generator.manual_seed(seed)
        self.cpu_generator = torch.Generator().manual_seed(seed)  # tile indices

    def _place(self, tiles: torch.Tensor, data: TrainingData) -> torch.Tensor:
        """Keep the tile pools on the GPU when they fit comfortably, so no step waits for host->device copies."""
        if self.device.type != "cuda":
            return tiles
        total_bytes = sum(x.numel() * x.element_size() for x in (data.labeled_images, data.unlabeled_images))
        free, _ = torch.cuda.mem_get_info(self.device)
        return tiles.to(self.device) if total_bytes < 0.25 * free else tiles.pin_memory()

    def _indices(self, n: int, k: int, pool_device: torch.device) -> torch.Tensor:
        return torch.randint(0, n, (k,), generator=self.cpu_generator).to(pool_device)

    def __call__(self, step: int) -> StepBatch:
        device, gen = self.device, self.generator
        idx_l = self._indices(self.x_lab.shape[0], self.batch_l, self.x_lab.device)
        batch = StepBatch(x_l=weak_augment(self.x_lab[idx_l].to(device, non_blocking=True), generator=gen),
                          y_l=self.y_lab[idx_l.to(device)], meta_l=self.meta_lab.index(idx_l.to(device)))
        if self.use_unlabeled and self.options.learns_from_unlabeled_at(step):
            # Both pools are set whenever use_unlabeled is (see __init__).
            x_unl, meta_unl = cast(torch.Tensor, self.x_unl), cast(MetaBatch, self.meta_unl)
            idx_u = self._indices(x_unl.shape[0], self.batch_u, x_unl.device)
            x_u = x_unl[idx_u].to(device, non_blocking=True)
            batch.x_weak = weak_augment(x_u, generator=gen)
            batch.x_strong = strong_augment(x_u, generator=gen)
            batch.meta_u = meta_unl.index(idx_u.to(device))
            batch.unlabeled_index = idx_u
        if self.options.metadata != "none":
            # Metadata dropout (and an optional warm-up with no metadata) for the metadata network.
            p_drop = 1.0 if step < self.options.meta_warmup_steps else self.options.meta_dropout
            batch.meta_l_dropped = batch.meta_l.drop(p_drop, p_drop, gen)
            batch.meta_u_dropped = batch.meta_u.drop(p_drop, p_drop, gen) if batch.meta_u is not None else None
        return batch
