# SPDX-License-Identifier: GPL-2.0-or-later
"""Checkpoint selection on crafted scores: which step is kept, early stopping, and resume."""
import torch

from spatiotemporal_ssl.core.learning.selection import CheckpointSelector


def _net(value: float) -> torch.nn.Module:
    net = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(value)
    return net


def test_keeps_the_latest_step_within_one_error_of_the_best_and_steps_back_on_a_clear_drop():
    selector = CheckpointSelector(n_val=8)
    for step, score in ((10, 0.5), (20, 1.0), (30, 1.0), (40, 0.5)):
        selector.observe(step, score, _net(float(step)))
    # 1.0 at 20 and at 30 (a tie is within the error): the later is kept; 0.5 at 40 is a clear drop.
    assert selector.best_step == 30 and selector.best_val_accuracy == 1.0 and selector.top_val == 1.0
    assert selector.kept_model(_net(99.0)).weight.item() == 30.0
    assert not selector.patience_exhausted(40, 20) and selector.patience_exhausted(50, 20)
    assert not selector.patience_exhausted(50, None)


def test_without_validation_scores_the_latest_model_is_kept_and_patience_never_stops():
    selector = CheckpointSelector(n_val=0)
    selector.observe(10, float("nan"), _net(1.0))
    assert selector.best_step == 10 and selector.best_state is None and selector.best_val_accuracy is None
    assert selector.kept_model(_net(7.0)).weight.item() == 7.0
    assert not selector.patience_exhausted(10, -5)  # patience only counts while validating


def test_state_resumes_the_same_selection():
    first = CheckpointSelector(n_val=8)
    first.observe(10, 1.0, _net(10.0))
    resumed = CheckpointSelector(n_val=8, resume_state=first.state())
    resumed.observe(20, 0.5, _net(20.0))
    assert resumed.best_step == 10 and resumed.kept_model(_net(0.0)).weight.item() == 10.0
    assert CheckpointSelector(8, {"best_val": 0.75}).top_val == 0.75  # training states from before top_val existed
