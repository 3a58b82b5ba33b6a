# SPDX-License-Identifier: GPL-2.0-or-later
"""Diagnostic: how test accuracy and FixMatch's mask rate evolve during training, supervised against FixMatch.

    python benchmarks/ssl_dynamics.py            # writes benchmarks/out/diagnostics/ssl_dynamics.json
    python benchmarks/ssl_dynamics.py --quick

Semi-supervised training must first beat supervised training. This script shows how it gets there (or not) on
a few Mato Grosso pixel-series sets: it trains both with the engine's defaults and scores the EMA model on the
set's test tiles every 50 steps. The test tiles are passed to the trainer in place of validation tiles *only to
record the curve*: nothing here selects a checkpoint or feeds a number back into training, and nothing here
enters the accuracy grid. No validation tiles are held out, so both methods train on every labelled tile.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from typing import List, Optional, Tuple

import numpy as np

from benchlib import OUT_DIR, set_path

import make_splits

DIAGNOSTICS_DIR = OUT_DIR / "diagnostics"
RESULT = DIAGNOSTICS_DIR / "ssl_dynamics.json"
DEFAULT_CASES: List[Tuple[str, int, int]] = [("mtts_random", 10, 0), ("mtts_blocks", 10, 2), ("mtts_west_east", 10, 0)]
EVAL_EVERY = 50


def training_data(set_name: str, k: int, seed: int):
    """The engine's TrainingData with the test tiles in the validation slot (see the module docstring)."""
    import torch

    from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
    from spatiotemporal_ssl.core.app.evaluate import load_patch_set, normalized_images
    from spatiotemporal_ssl.core.learning.training_data import TrainingData
    from spatiotemporal_ssl.core.models.metadata import meta_batch

    ps = load_patch_set(str(set_path(set_name, k, seed)))
    images = normalized_images(ps, seed)
    encoder = MetadataEncoder("season", 3)
    labeled = np.flatnonzero((ps["split"] == "labeled") & (ps["labels"] >= 0))
    unlabeled = np.flatnonzero(ps["split"] == "unlabeled")
    test = np.flatnonzero((ps["split"] == "test") & (ps["labels"] >= 0))

    def tiles(idx: np.ndarray) -> "torch.Tensor":
        return torch.from_numpy(np.ascontiguousarray(images[idx]))

    def targets(idx: np.ndarray) -> "torch.Tensor":
        return torch.from_numpy(ps["labels"][idx].astype(np.int64))

    def meta(idx: np.ndarray):
        return meta_batch(encoder, ps["lat"][idx], ps["lon"][idx], ps["doy"][idx])

    return TrainingData(
        labeled_images=tiles(labeled), labeled_targets=targets(labeled), labeled_meta=meta(labeled),
        unlabeled_images=tiles(unlabeled), unlabeled_meta=meta(unlabeled),
        val_images=tiles(test), val_targets=targets(test), val_meta=meta(test),
        num_classes=ps["num_classes"], loc_dim=encoder.loc_dim, date_dim=encoder.date_dim)


def curve(data, method: str, steps: int, seed: int) -> dict:
    from spatiotemporal_ssl.core.params import TrainOptions
    from spatiotemporal_ssl.core.learning.trainer import Trainer

    options = TrainOptions(method=method, metadata="none", backbone="cnn", steps=steps, seed=seed, device="cpu",
                           tile_size_px=int(data.labeled_images.shape[-1]), eval_every=EVAL_EVERY, val_fraction=0.0)
    result = Trainer(options).fit(data)
    return {"step": [int(h["step"]) for h in result.history],
            "test_accuracy": [round(float(h["val_accuracy"]), 4) for h in result.history],
            "mask_rate": [round(float(h["mask_rate"]), 4) if "mask_rate" in h else None for h in result.history]}


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one set, 200 steps")
    parser.add_argument("--steps", type=int, default=None)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    cases = DEFAULT_CASES[:1] if args.quick else DEFAULT_CASES
    steps = args.steps or (200 if args.quick else 800)
    out = {"when": _dt.datetime.now().isoformat(timespec="seconds"), "steps": steps, "eval_every": EVAL_EVERY,
           "cases": []}
    for set_name, k, seed in cases:
        make_splits.build([set_name], [k], [seed], make_splits.DEFAULT_UNLABELED_CAP, make_splits.DEFAULT_TEST_CAP,
                          verbose=False)
        data = training_data(set_name, k, seed)
        case = {"set": set_name, "labels_per_class": k, "seed": seed}
        for method in ("supervised", "fixmatch"):
            case[method] = curve(data, method, steps, seed)
            acc = case[method]["test_accuracy"]
            print(f"{set_name} k={k} seed={seed} {method}: test accuracy every {EVAL_EVERY} steps "
                  + " ".join(f"{a:.2f}" for a in acc), flush=True)
        out["cases"].append(case)
    DIAGNOSTICS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = RESULT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1))
    tmp.replace(RESULT)
    print(f"wrote {RESULT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
