# SPDX-License-Identifier: GPL-2.0-or-later
"""Does the run's label-reach warning (core/learning/label_reach.py) fire where the validation figure misleads?

    python benchmarks/label_reach.py                 # the main splits and controls, 10 labels/class, seeds 0-2

For every set file it prints what `stssl evaluate` reports of the reach (the share of the unlabelled pool beyond
it, and whether the run would warn) and the share of the test tiles beyond it, which in the benchmark stand for
the area being mapped. Beside them are the default's held-out validation accuracy and its test accuracy, read from
the committed run records (benchmarks/runs/full/<set>_k10_s<seed>/default.json): where the test tiles lie beyond
the reach, the validation accuracy is no estimate of the map's. It reads locations only and trains nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

import numpy as np

from benchlib import RUNS_DIR, set_path
from run_accuracy import MAIN_SETS
from reportlib import SET_TITLES

SETS = MAIN_SETS + ["mt_random", "slo_summer_summer", "mtts_para_target", "raleigh"]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--labels-per-class", type=int, default=10)
    args = parser.parse_args(argv)
    from spatiotemporal_ssl.core.app.evaluate import patch_set_reach
    from spatiotemporal_ssl.core.app.patchset import load_patch_set

    k = args.labels_per_class
    print("| split | reach (km), per seed | unlabelled tiles beyond it | runs that warn | test tiles beyond it | "
          "default: validation accuracy | default: test accuracy |")
    print("|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        reach, pool, warns, test, val_acc, test_acc = [], [], 0, [], [], []
        for seed in (int(s) for s in args.seeds.split(",")):
            path = set_path(name, k, seed)
            if not path.exists():
                print(f"{path} is missing: run benchmarks/make_splits.py first", file=sys.stderr)
                return 2
            out = patch_set_reach(load_patch_set(str(path)))
            r = out["label_reach"]
            reach.append(f"{r['reach_km']:.3g}")
            pool.append(r["fraction_beyond"])
            warns += bool(r["warn"])
            test.append(out["test_beyond_reach"])
            record = RUNS_DIR / "full" / f"{name}_k{k}_s{seed}" / "default.json"
            if record.exists():
                run = json.loads(record.read_text())
                val_acc.append(run.get("best_val_accuracy"))
                test_acc.append(run["accuracy"])

        def pct(values: list) -> str:
            return ", ".join(f"{100 * v:.0f} %" for v in values)

        def mean(values: list) -> str:
            values = [v for v in values if v is not None]
            return f"{np.mean(values):.3f}" if values else "–"

        print(f"| {SET_TITLES.get(name, name)} | {', '.join(reach)} | {pct(pool)} | {warns} of {len(pool)} | "
              f"{pct(test)} | {mean(val_acc)} | {mean(test_acc)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
