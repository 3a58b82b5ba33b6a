# SPDX-License-Identifier: GPL-2.0-or-later
"""The encoder anchor: a fine-tuned pretrained encoder is pulled back towards its pretrained weights every step, so a
longer run cannot carry it further from them (core.learning.finetune.PretrainedAnchor)."""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
import torch
from torch import nn

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.learning.finetune import (PretrainedAnchor, encoder_lr, parameter_groups,
                                                       pretrained_anchor)
from spatiotemporal_ssl.core.params import TrainOptions

PRESTO = TrainOptions(backbone="presto", encoder_anchor=100.0)


class _Net(nn.Module):
    """The shape the anchor looks for: a pretrained part named ``encoder`` and a new head."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.encoder = nn.Linear(6, 6)
        self.head = nn.Linear(6, 2)


def _distance_after(steps: int, strength: float, lr: float = 1e-3) -> float:
    """Largest distance of an encoder weight from its start after ``steps`` Adam steps on a loss that always pushes
    every encoder weight the same way (the worst case for drift)."""
    net = _Net()
    start = net.encoder.weight.detach().clone()
    opt = torch.optim.Adam([{"params": list(net.head.parameters())},
                            {"params": list(net.encoder.parameters()), "lr": lr}], lr=lr)
    anchor = PretrainedAnchor(net, opt, strength) if strength > 0 else None
    for _ in range(steps):
        opt.zero_grad()
        (net.encoder.weight.sum() + net.encoder.bias.sum() + net.head.weight.sum()).backward()
        opt.step()
        if anchor is not None:
            anchor.step()
    return float((net.encoder.weight.detach() - start).abs().max())


def test_the_anchor_bounds_the_drift_however_long_the_run():
    strength = 100.0
    free_short, free_long = _distance_after(200, 0), _distance_after(800, 0)
    held_short, held_long = _distance_after(200, strength), _distance_after(800, strength)
    assert free_long > 3.5 * free_short  # without the anchor the encoder drifts with the run's length
    assert held_long < 1.1 / strength  # with it, near 1 / strength ...
    assert held_long == pytest.approx(held_short, rel=0.15)  # ... at 200 steps as at 800
    assert held_long < free_long / 5


def test_each_step_moves_the_encoder_back_by_lr_times_strength_and_leaves_the_head():
    net = _Net()
    opt = torch.optim.SGD([{"params": list(net.head.parameters())},
                           {"params": list(net.encoder.parameters()), "lr": 0.002}], lr=0.1)
    anchor = PretrainedAnchor(net, opt, 50.0)
    start, head = net.encoder.weight.detach().clone(), net.head.weight.detach().clone()
    with torch.no_grad():
        net.encoder.weight.add_(1.0)
        net.head.weight.add_(1.0)
    anchor.step()
    assert torch.allclose(net.encoder.weight - start, torch.full_like(start, 1.0 - 0.002 * 50.0))
    assert torch.allclose(net.head.weight, head + 1.0)


def test_the_anchor_follows_the_encoder_group_and_its_schedule():
    net = _Net()
    opt = torch.optim.AdamW(parameter_groups(net, PRESTO), lr=PRESTO.lr)
    anchor = pretrained_anchor(net, opt, PRESTO)
    assert anchor is not None and anchor.strength == PRESTO.encoder_anchor > 0
    assert anchor.group["lr"] == encoder_lr(PRESTO)
    assert {id(p) for p in anchor.params} == {id(p) for p in net.encoder.parameters()}
    anchor.group["lr"] = 0.0  # the end of the cosine schedule: no pull either
    with torch.no_grad():
        net.encoder.weight.add_(1.0)
    moved = net.encoder.weight.detach().clone()
    anchor.step()
    assert torch.equal(net.encoder.weight, moved)


@pytest.mark.parametrize("options", [TrainOptions(backbone="cnn"), TrainOptions(backbone="presto", method="quick"),
                                     TrainOptions(backbone="presto", encoder_anchor=0.0)])
def test_no_anchor_for_networks_from_scratch_quick_map_or_strength_0(options):
    net = _Net()
    opt = torch.optim.AdamW(parameter_groups(net, options), lr=options.lr)
    assert pretrained_anchor(net, opt, options) is None


def test_a_negative_strength_is_refused_by_name():
    with pytest.raises(InputError, match="--encoder-anchor"):
        dataclasses.replace(PRESTO, encoder_anchor=-1.0).validate("flag")


WEIGHTS = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "pretrained", "presto",
                                        "default_model.pt"))


def _presto_data():
    from synthetic import separable_tiles

    from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
    from spatiotemporal_ssl.core.learning.training_data import assemble_training_data
    from spatiotemporal_ssl.core.models.presto_backbone import make_presto_spec

    images, labels, lat, lon, doy = separable_tiles(60, bands=4, tile=1)
    images = (np.abs(images) * 0.05 + 0.02).astype(np.float32)  # reflectance-like, for Presto's scaling check
    labeled = np.zeros(60, bool)
    for c in range(3):
        labeled[np.flatnonzero(labels == c)[:4]] = True
    spec = make_presto_spec(["blue", "green", "red", "nir"], 1, images.mean(axis=(0, 2, 3)),
                            images.std(axis=(0, 2, 3)), sample=images[:, :, 0, 0], scaling="reflectance")
    data, _, _ = assemble_training_data(images, labels, labeled, lat, lon, doy, MetadataEncoder("season"), 3, False,
                                        0.25, 0, months=np.full((60, 1), 6), presto=spec)
    return data


def _largest_gap_to_pretrained(state: dict) -> float:
    """Of the student's and the teacher's encoder in a state dict (the kept EMA model's or the online one's)."""
    from spatiotemporal_ssl.core.models.presto import load_presto_state

    pretrained = load_presto_state(WEIGHTS)
    gaps = [float((state[f"{net}.backbone.encoder.{k}"] - v).abs().max())
            for net in ("student", "teacher") for k, v in pretrained.items()
            if f"{net}.backbone.encoder.{k}" in state]
    assert len(gaps) > len(pretrained)  # both networks' encoders were compared
    return max(gaps)


def _presto_options(**kw) -> TrainOptions:
    return TrainOptions(backbone="presto", pretrained=WEIGHTS, batch_size=4, unlabeled_ratio=2, device="cpu", **kw)


needs_weights = pytest.mark.skipif(not os.path.isfile(WEIGHTS), reason=f"Presto weights not found at {WEIGHTS}")


@needs_weights
@pytest.mark.parametrize("strength", [0.0, 1e12])
def test_a_presto_run_keeps_its_encoder_at_the_pretrained_weights_under_a_full_pull(strength):
    """Through the trainer: a pull of lr x strength >= 1 puts both networks' encoders back on the pretrained weights
    after every step (so their EMA stays there too); without the anchor they move."""
    from spatiotemporal_ssl.core.learning.trainer import Trainer

    model = Trainer(_presto_options(steps=3, eval_every=3, encoder_anchor=strength)).fit(_presto_data()).model
    gap = _largest_gap_to_pretrained(model.state_dict())
    assert gap < 1e-6 if strength > 0 else gap > 1e-5


@needs_weights
def test_a_resumed_run_is_anchored_to_the_pretrained_weights_not_to_where_it_resumed():
    from spatiotemporal_ssl.core.learning.trainer import Trainer

    data = _presto_data()
    first = Trainer(_presto_options(steps=2, eval_every=2)).fit(data)
    assert _largest_gap_to_pretrained(first.training_state["model"]) > 1e-5  # the online weights moved
    resumed = Trainer(_presto_options(steps=4, eval_every=2, encoder_anchor=1e12)).fit(
        data, resume_state=first.training_state)
    assert resumed.steps_done == 4 and _largest_gap_to_pretrained(resumed.training_state["model"]) < 1e-6
