# SPDX-License-Identifier: GPL-2.0-or-later
"""The statistics a training run keeps as it goes: means of the step log since the last evaluation (the history
and the progress callback show them), mask rates and pseudo-label accuracy over the run, and time per step and
waiting for batches (the ETA and the data-wait fraction)."""
from __future__ import annotations

import time
from typing import Dict, List, Optional

import numpy as np
import torch

from .batches import StepBatch
from .ssl import StepOutput


class RunningStats:
    """``diagnostic_targets``: true classes of the unlabelled pool (benchmarks only); with them, pseudo-label
    accuracy is measured on the pseudo-labels each step accepts, otherwise on the validation tiles."""

    def __init__(self, diagnostic_targets: Optional[torch.Tensor], multi_label: bool):
        self.started = time.perf_counter()
        self._step_started = self.started
        self.diagnostic_targets = diagnostic_targets if not multi_label else None
        self.uses_diagnostic_targets = diagnostic_targets is not None
        self._sums: Dict[str, float] = {}  # step log sums since the last evaluation
        self._count = 0
        self.data_seconds = 0.0  # spent preparing batches
        self.step_seconds: List[float] = []
        self.mask_rates: List[float] = []
        self.validation_pseudo_label_accuracies: List[float] = []
        self._pseudo_hits = self._pseudo_seen = 0.0  # against the diagnostic targets

    def start_step(self) -> None:
        self._step_started = time.perf_counter()

    def batch_ready(self, device: torch.device) -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)  # so the wait counts the batch's GPU work, not only its launch
        self.data_seconds += time.perf_counter() - self._step_started

    def step_done(self, out: StepOutput, batch: StepBatch) -> None:
        for key, value in out.log.items():
            self._sums[key] = self._sums.get(key, 0.0) + float(value)
        self._count += 1
        if "mask_rate" in out.log:
            self.mask_rates.append(float(out.log["mask_rate"]))
        if self.diagnostic_targets is not None and out.pseudo is not None and batch.unlabeled_index is not None:
            truth = self.diagnostic_targets[batch.unlabeled_index.cpu()].to(out.pseudo.targets.device)
            take = (out.pseudo.weights > 0.5) & (truth >= 0)
            self._pseudo_hits += float((out.pseudo.targets[take] == truth[take]).sum())
            self._pseudo_seen += float(take.sum())
        self.step_seconds.append(time.perf_counter() - self._step_started)

    def window_means(self) -> Dict[str, float]:
        """Means of each log entry over the steps since the last :meth:`reset_window`."""
        return {key: total / self._count for key, total in self._sums.items()}

    def reset_window(self) -> None:
        self._sums, self._count = {}, 0

    def validated(self, pseudo_label_accuracy: Optional[float]) -> None:
        if pseudo_label_accuracy is not None:
            self.validation_pseudo_label_accuracies.append(pseudo_label_accuracy)

    def eta_seconds(self, steps_left: int) -> Optional[float]:
        recent = self.step_seconds[-50:]
        return float(np.median(recent)) * steps_left if recent else None

    @property
    def elapsed_seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def data_wait_fraction(self) -> float:
        return self.data_seconds / max(1e-9, sum(self.step_seconds)) if self.step_seconds else 0.0

    @property
    def mean_mask_rate(self) -> Optional[float]:
        return float(np.mean(self.mask_rates)) if self.mask_rates else None

    @property
    def mean_pseudo_label_accuracy(self) -> Optional[float]:
        if self.uses_diagnostic_targets:
            return self._pseudo_hits / self._pseudo_seen if self._pseudo_seen else None
        accuracies = self.validation_pseudo_label_accuracies
        return float(np.mean(accuracies)) if accuracies else None

    @property
    def pseudo_label_accuracy_source(self) -> str:
        return "unlabeled pool (diagnostic labels)" if self.uses_diagnostic_targets else "validation tiles"
