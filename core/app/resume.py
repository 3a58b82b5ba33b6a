# SPDX-License-Identifier: GPL-2.0-or-later
"""What a resumed training run must share with the run that wrote its model file.

``stssl train --resume FILE`` continues from the training state in FILE. The bands, tile size and classes must be
the same (the network's shape), and so must every option that shapes how the networks learn: a run started with
one ``--student-targets`` or learning rate and continued with another is neither run, and nothing would say so.
The options a user may change on resume are the ones that only say how long, where and how often: the steps (to
train on), the device, mixed precision, checkpoints, validation and early stopping, and where the initial weights
are read from (the training state holds the trained ones).
"""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Tuple

from ..errors import InputError
from ..params import TrainOptions, option

MAY_DIFFER_ON_RESUME = frozenset({"steps", "device", "amp", "checkpoint_every", "eval_every", "patience_steps",
                                  "pretrained", "init_weights"})
# A model file stores every option it was trained with; one written before an option existed lacks it. These are
# the options whose behaviour before they existed differs from today's default: the file then ran as the value here.
BEFORE_OPTION_EXISTED = {"student_targets": "teacher", "normalization": "training"}


def option_changes(stored: Mapping[str, Any], opts: TrainOptions) -> List[Tuple[str, Any, Any]]:
    """(option, value in the file, value now) for every option that differs and must not."""
    now = opts.to_dict()
    changes = []
    for name in sorted(now):
        if name in MAY_DIFFER_ON_RESUME:
            continue
        if name in stored:
            before = stored[name]
        elif name in BEFORE_OPTION_EXISTED:
            before = BEFORE_OPTION_EXISTED[name]
        else:  # an option newer than the file whose earlier behaviour was today's default
            continue
        if before != now[name]:
            changes.append((name, before, now[name]))
    return changes


def check_resume(blob: Mapping[str, Any], resume_from: str, opts: TrainOptions, band_count: int,
                 n_classes: int) -> Optional[dict]:
    """The training state to resume from, after checking that it belongs to this run; else an InputError that
    names the file and says what differs and what to do."""
    state = blob.get("training_state")
    cfg = blob["config"]
    if state is None:
        raise InputError(f"model file '{resume_from}' holds no training state; it cannot be resumed, train anew")
    if (cfg["band_count"], cfg["tile_size_px"], len(cfg["classes"])) != (band_count, opts.tile_size_px, n_classes):
        raise InputError(f"model file '{resume_from}' was trained with other bands, tile size or classes; "
                         "resume with the same rasters, labels and options")
    stored = cfg.get("options")
    changes = option_changes(stored if isinstance(stored, Mapping) else {}, opts)
    if changes:
        listed = ", ".join(f"{option(n).flag} {before!r} (now {after!r})" for n, before, after in changes[:6])
        more = f" and {len(changes) - 6} more" if len(changes) > 6 else ""
        raise InputError(f"model file '{resume_from}' was trained with other options: {listed}{more}; resume with the "
                         "options it was trained with (only the steps, device, checkpoints and validation may "
                         "change), or train anew without --resume")
    return state
