# SPDX-License-Identifier: GPL-2.0-or-later
"""Development sets for choosing settings without the test labels: the training side of a set file, re-split.

    python benchmarks/dev_sets.py --sets mtts_random,mtts_blocks --budgets 10 --seeds 0,1,2

For each set file of make_splits.py, ``out/splits/dev/<set>_k<k>_s<seed>.npz`` keeps its labelled rows, drops its
test rows (their pixels and labels never enter), and moves the unlabelled rows of a random 30 % of the training-side
locations into a dev 'test' split, labelled with their ``diagnostic_labels`` (the true classes of the unlabelled
pool, which training never reads). Settings are compared by `stssl evaluate` on these files; the figures on the real
test split are run once, with the settings chosen here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np

from benchlib import SPLITS_DIR, load_patch_set, set_path

import make_splits

DEV_DIR = SPLITS_DIR / "dev"
DEV_FRACTION = 0.3


def dev_path(set_name: str, k: int, seed: int) -> Path:
    return DEV_DIR / f"{set_name}_k{k}_s{seed}.npz"


def build_dev_set(source: Path, target: Path, seed: int) -> Path:
    ps = load_patch_set(source)
    if "diagnostic_labels" not in ps or "location_id" not in ps:
        raise ValueError(f"{source.name} has no diagnostic_labels/location_id; rebuild it with make_splits.py")
    keep = ps["split"] != "test"
    out = {k: v[keep] if getattr(v, "ndim", 0) and v.shape[0] == len(keep) else v for k, v in ps.items()}
    unlabeled = out["split"] == "unlabeled"
    locations = np.unique(out["location_id"][unlabeled])
    rng = np.random.default_rng(10_000 + seed)
    dev_locations = rng.choice(locations, size=int(round(DEV_FRACTION * len(locations))), replace=False)
    dev = unlabeled & np.isin(out["location_id"], dev_locations)
    out["split"] = np.where(dev, "test", out["split"]).astype("<U9")
    out["labels"] = np.where(dev, out["diagnostic_labels"], out["labels"])
    out["diagnostic_labels"] = np.where(dev, -1, out["diagnostic_labels"])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp.npz")
    np.savez(tmp, **out)
    tmp.replace(target)
    return target


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="mtts_random,mtts_blocks,mtts_west_east")
    parser.add_argument("--budgets", default="10")
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args(argv)
    sets, budgets = args.sets.split(","), [int(b) for b in args.budgets.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    for set_name in sets:
        make_splits.build([set_name], budgets, seeds, make_splits.DEFAULT_UNLABELED_CAP, make_splits.DEFAULT_TEST_CAP,
                          verbose=False)
        for k in budgets:
            for seed in seeds:
                target = build_dev_set(set_path(set_name, k, seed), dev_path(set_name, k, seed), seed)
                split = load_patch_set(target)["split"]
                print(f"{target.name}: {int((split == 'labeled').sum())} labelled, "
                      f"{int((split == 'unlabeled').sum())} unlabelled, {int((split == 'test').sum())} dev rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
