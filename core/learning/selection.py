# SPDX-License-Identifier: GPL-2.0-or-later
"""Checkpoint selection: which EMA weights a run keeps, and when it stops early.

At every evaluation the trainer shows the selector the EMA model and its validation accuracy. The selector keeps
the latest checkpoint within one standard error of the best validation accuracy so far. A few validation tiles
cannot tell apart checkpoints closer than that, and picking the first best (or breaking ties on the validation
loss) often kept an immature model from the first evaluations; selection still steps back when accuracy clearly
drops. Online this equals the offline rule: the last step within one error of the overall best.
"""
from __future__ import annotations

import copy
import math
from typing import Optional

from torch import nn


def accuracy_standard_error(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on ``n`` tiles, Agresti-Coull adjusted (two successes and two
    failures added), so that a perfect score on a few tiles still has an honest, non-zero error."""
    p = (accuracy * n + 2.0) / (n + 4.0)
    return math.sqrt(p * (1.0 - p) / (n + 4.0))


def within_noise_of_best(score: float, best_so_far: float, n: int) -> bool:
    """Whether a checkpoint scoring ``score`` on ``n`` validation tiles is within one standard error of the best
    score so far (itself included); the trainer keeps the latest such checkpoint."""
    best = max(best_so_far, score)
    return score >= best - accuracy_standard_error(best, n)


class CheckpointSelector:
    """The kept checkpoint of one run and the statistics behind it.

    Its :meth:`state` goes into the training state, so a resumed run selects as if it had never stopped.
    """

    def __init__(self, n_val: int, resume_state: Optional[dict] = None):
        self.n_val = n_val  # validation tiles behind every score
        resume_state = resume_state or {}
        # best_val: the kept checkpoint's validation accuracy; top_val: the best so far (-1: none yet).
        self.best_val = float(resume_state.get("best_val", -1.0))
        self.top_val = float(resume_state.get("top_val", self.best_val))
        self.best_step = int(resume_state.get("best_step", 0))
        self.best_state: Optional[dict] = resume_state.get("best_ema")  # CPU EMA weights; None: keep the latest
        self.last_score: Optional[float] = None  # the latest evaluation's score (None: nothing to select on)

    def observe(self, step: int, val_accuracy: Optional[float], ema_model: nn.Module) -> None:
        """Consider the EMA weights at ``step`` with their validation accuracy (None or NaN: no validation tiles)."""
        score = val_accuracy if val_accuracy is not None and not math.isnan(val_accuracy) else None
        self.last_score = score
        if score is None:
            self.best_step, self.best_state = step, None  # nothing to select on: keep the latest EMA
        elif within_noise_of_best(score, self.top_val, self.n_val):
            self.top_val = max(self.top_val, score)
            self.best_val, self.best_step = score, step
            self.best_state = {k: v.detach().cpu().clone() for k, v in ema_model.state_dict().items()}

    def patience_exhausted(self, step: int, patience_steps: Optional[int]) -> bool:
        """Early stopping: ``patience_steps`` have passed since the kept checkpoint (only when validating)."""
        if not patience_steps or self.last_score is None:
            return False
        return step - self.best_step >= patience_steps

    @property
    def best_val_accuracy(self) -> Optional[float]:
        return self.best_val if self.best_val >= 0 else None

    def kept_model(self, ema_model: nn.Module) -> nn.Module:
        """A CPU copy of ``ema_model`` with the kept weights, in eval mode (``ema_model`` is left alone)."""
        final = copy.deepcopy(ema_model).cpu()
        if self.best_state is not None:
            final.load_state_dict(self.best_state)
        return final.eval()

    def state(self) -> dict:
        return {"best_val": self.best_val, "top_val": self.top_val, "best_step": self.best_step,
                "best_ema": self.best_state}
