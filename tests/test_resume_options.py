# SPDX-License-Identifier: GPL-2.0-or-later
"""Which options a resumed run may change (core/app/resume.py), without training anything."""
from __future__ import annotations

import dataclasses

from spatiotemporal_ssl.core.app.resume import BEFORE_OPTION_EXISTED, MAY_DIFFER_ON_RESUME, option_changes
from spatiotemporal_ssl.core.params import TrainOptions


def test_the_same_options_resume():
    opts = TrainOptions()
    assert option_changes(opts.to_dict(), opts) == []


def test_length_device_and_checkpoints_may_change():
    stored = TrainOptions().to_dict()
    now = TrainOptions(steps=5000, device="cuda", amp=False, checkpoint_every=100, eval_every=10, patience_steps=300,
                       pretrained="/elsewhere/presto.pt", init_weights="/elsewhere/init.pt")
    assert option_changes(stored, now) == []


def test_every_other_option_must_not():
    stored = TrainOptions().to_dict()
    now = TrainOptions(lr=0.01, batch_size=16, student_targets="teacher", seed=3)
    assert option_changes(stored, now) == [("batch_size", 32, 16), ("lr", 0.001, 0.01), ("seed", 0, 3),
                                           ("student_targets", "agreed", "teacher")]


def test_the_allowed_set_names_real_options():
    names = {f.name for f in dataclasses.fields(TrainOptions)}
    assert MAY_DIFFER_ON_RESUME <= names and set(BEFORE_OPTION_EXISTED) <= names


def test_a_file_older_than_an_option_ran_as_before_it():
    stored = TrainOptions().to_dict()
    del stored["student_targets"], stored["normalization"], stored["temporal_pool"]
    # student_targets and normalization behaved otherwise before they existed; temporal_pool as its default
    assert option_changes(stored, TrainOptions()) == [("normalization", "training", "auto"),
                                                      ("student_targets", "teacher", "agreed")]
    assert option_changes(stored, TrainOptions(student_targets="teacher", normalization="training")) == []
