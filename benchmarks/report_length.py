# SPDX-License-Identifier: GPL-2.0-or-later
"""RESULTS.md's training-length section: the engine's default at 400 / 500 / 1,000 / 2,000 steps on every main
split (``runs/default_steps<N>/`` beside the full grid's default and default_train_steps rows), and, for a split
that loses with length, what the runs' own records show about why.

Issue 13 asks that the default not get worse with longer training, and that a split which does is reported with
its diagnosis. The diagnosis here is read from the records alone (per-class recall on the test tiles, the kept
checkpoint and its validation score, the teacher's mask rate and pseudo-label accuracy on the unlabelled pool),
so it is regenerated with the figures; the engine changes tried against such a loss are in docs/benchmarks.md.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from benchlib import fmt_mean_std
from reportlib import SET_TITLES, Runs, fmt_diff, load_runs, values, verdict
from run_accuracy import CURVE_STEPS, MAIN_SETS, curve_tag
from spatiotemporal_ssl.core.app.backbone_choice import PRESTO_UNLABELED_STEPS
from spatiotemporal_ssl.core.params import EVALUATE_STEPS, TrainOptions

ROW = "default"  # every length's runs are keyed by this row name in _curve_runs


def _curve_runs(seeds: Optional[List[int]]) -> Dict[int, Runs]:
    """The default row at every training length that has runs: {steps: runs with the row named "default"}."""
    sources = {EVALUATE_STEPS: ("full", "default"), TrainOptions().steps: ("full", "default_train_steps"),
               **{steps: (curve_tag(steps), "default") for steps in CURVE_STEPS}}
    by_steps: Dict[int, Runs] = {}
    for steps, (tag, row) in sources.items():
        runs = {(key[0], key[1], ROW): {s: r for s, r in by_seed.items() if seeds is None or s in seeds}
                for key, by_seed in load_runs(tag).items() if key[2] == row}
        if any(runs.values()):
            by_steps[steps] = runs
    return by_steps


def _cell(runs: Runs, set_name: str, k: int, key: str = "accuracy") -> str:
    v = values(runs, set_name, k, ROW, key)
    return f"{fmt_mean_std(list(v.values()))} ({len(v)})" if v else "–"


def _longest_gap(by_steps: Dict[int, Runs], set_name: str, k: int
                 ) -> Tuple[Optional[int], Optional[Tuple[float, float, List[float]]]]:
    """The longest length run on this split and its paired difference to the default's own length (None where
    fewer than two seeds have both)."""
    run = [s for s in sorted(by_steps) if values(by_steps[s], set_name, k, ROW, "accuracy")]
    if not run or run[-1] == EVALUATE_STEPS or EVALUATE_STEPS not in by_steps:
        return (run[-1] if run else None), None
    a = values(by_steps[run[-1]], set_name, k, ROW, "accuracy")
    b = values(by_steps[EVALUATE_STEPS], set_name, k, ROW, "accuracy")
    both = sorted(set(a) & set(b))
    if len(both) < 2:
        return run[-1], None
    diffs = [a[s] - b[s] for s in both]
    return run[-1], (float(np.mean(diffs)), float(np.std(diffs, ddof=1)), diffs)


SEED_FALL = 0.02  # a seed this much lower at the longest length than at 500 steps is named, whatever the mean does


def _falling_seeds(by_steps: Dict[int, Runs], set_name: str, k: int, longest: int) -> List[Tuple[int, float]]:
    """(seed, longest - 500 steps) for the seeds lower at the longest length by more than :data:`SEED_FALL`."""
    a = values(by_steps[longest], set_name, k, ROW, "accuracy")
    b = values(by_steps.get(EVALUATE_STEPS, {}), set_name, k, ROW, "accuracy")
    return [(seed, a[seed] - b[seed]) for seed in sorted(set(a) & set(b)) if a[seed] - b[seed] < -SEED_FALL]


def _recalls(runs: Runs, set_name: str, k: int) -> Tuple[List[str], Optional[np.ndarray]]:
    """Class names and the mean per-class recall (accuracy on each true class's test tiles) over seeds."""
    results = list(runs.get((set_name, k, ROW), {}).values())
    if not results or not results[0].get("per_class_accuracy"):
        return [], None
    recalls = np.array([[np.nan if v is None else v for v in r["per_class_accuracy"]] for r in results], float)
    return list(results[0].get("class_names", [])), np.nanmean(recalls, axis=0)


def _kept_last(runs: Runs, set_name: str, k: int) -> str:
    results = list(runs.get((set_name, k, ROW), {}).values())
    last = sum(r.get("best_step") == r.get("steps") for r in results)
    return f"{last} of {len(results)}"


def length_diagnosis(by_steps: Dict[int, Runs], set_name: str, k: int) -> List[str]:
    """For a split that loses with length: the records' figures at every length, and what they say."""
    steps = [s for s in sorted(by_steps) if values(by_steps[s], set_name, k, ROW, "accuracy")]
    names, _ = _recalls(by_steps[steps[0]], set_name, k)
    out = [f"**Why {SET_TITLES.get(set_name, set_name)} loses with length**, from its runs' records (means over "
           "seeds; the validation tiles are labelled tiles of the training region held out by the default, the "
           "unlabelled pool is the training region's, scored with its diagnostic labels):", "",
           "| steps | accuracy | recall per class (" + ", ".join(names) + ") | validation accuracy of the kept "
           "checkpoint | runs that kept their last checkpoint | teacher's mask rate | teacher's pseudo-label "
           "accuracy on the pool |", "|---|---|---|---|---|---|---|"]
    recall_by_steps, val_by_steps = {}, {}
    for s in steps:
        runs = by_steps[s]
        _, recall = _recalls(runs, set_name, k)
        recall_by_steps[s] = recall
        val_by_steps[s] = list(values(runs, set_name, k, ROW, "best_val_accuracy").values())
        n_val = sorted({int(r.get("n_validation", 0)) for r in runs[(set_name, k, ROW)].values()})
        out.append(f"| {s:,} | {_cell(runs, set_name, k)} | "
                   + (" / ".join(f"{v:.2f}" for v in recall) if recall is not None else "not recorded")
                   + f" | {_cell(runs, set_name, k, 'best_val_accuracy')} on {'/'.join(map(str, n_val))} tiles | "
                   f"{_kept_last(runs, set_name, k)} | {_cell(runs, set_name, k, 'mask_rate')} | "
                   f"{_cell(runs, set_name, k, 'pseudo_label_accuracy')} |")
    out.append("")
    first, last = steps[0], steps[-1]
    if recall_by_steps[first] is not None and recall_by_steps[last] is not None and names:
        drop = recall_by_steps[last] - recall_by_steps[first]
        worst = int(np.nanargmin(drop))
        out.append(f"- What falls: the recall of **{names[worst]}**, {recall_by_steps[first][worst]:.2f} at "
                   f"{first:,} steps and {recall_by_steps[last][worst]:.2f} at {last:,} ("
                   + ", ".join(f"{n} {d:+.2f}" for n, d in zip(names, drop)) + ").")
    vals = [v for s in steps for v in val_by_steps[s]]
    if vals and max(vals) - min(vals) < 1e-9:
        out.append(f"- The validation tiles score {vals[0]:.3f} in every run at every length: checkpoint selection "
                   "and early stopping, which read them, cannot see this loss.")
    out.append("- The engine changes tried against the loss with length on Pará, and the one the default takes with "
               "Presto: docs/benchmarks.md, \"The length loss on Pará: the engine fixes tried\".")
    return out + [""]


def steps_section(k: int, seeds: Optional[List[int]] = None) -> List[str]:
    """The engine's default at several training lengths on every main split (each its own run: the cosine
    schedule spans the run), with a diagnosis for every split that loses with length."""
    by_steps = _curve_runs(seeds)
    if len(by_steps) < 2:
        return []
    steps = sorted(by_steps)
    out = ["## Training length: the engine's default at " + ", ".join(f"{s:,}" for s in steps) + " steps", "",
           f"The default row (`stssl evaluate` with no backbone or batch option) at its own {EVALUATE_STEPS:,} "
           f"steps, at the dock's {TrainOptions().steps:,} and at "
           + ", ".join(f"{s:,}" for s in CURVE_STEPS) + " (`run_accuracy.py --rows default --steps N --tag "
           "default_stepsN`, run by run_all.py). Each length is its own run, since the learning-rate schedule spans "
           "the run. Where the default picks Presto (the series splits), a run longer than "
           f"{PRESTO_UNLABELED_STEPS:,} steps learns from the unlabelled tiles in its first {PRESTO_UNLABELED_STEPS:,} "
           "only, then from the labels alone (core/app/backbone_choice.py); the CNN learns from them at every step. "
           "Test accuracy, mean ± std (seeds):", "",
           "| split | " + " | ".join(f"{s:,} steps" for s in steps) + f" | longest − {EVALUATE_STEPS:,} steps |",
           "|---|" + "---|" * (len(steps) + 1)]
    losing, falling = [], []
    for set_name in MAIN_SETS:
        cells = [_cell(by_steps[s], set_name, k) for s in steps]
        if all(c == "–" for c in cells):
            continue
        longest, diff = _longest_gap(by_steps, set_name, k)
        gap = f"{longest:,}: **{verdict(diff)}**, {fmt_diff(diff)}" if diff else "–"
        if diff and verdict(diff) == "worse":
            losing.append(set_name)
        elif diff and _falling_seeds(by_steps, set_name, k, longest):
            falling.append((set_name, longest))
        out.append(f"| {SET_TITLES.get(set_name, set_name)} | " + " | ".join(cells) + f" | {gap} |")
    out += ["", "\"worse\" in the last column would mean the default loses accuracy with longer training "
            "(on every seed, by at least 0.005).", ""]
    for set_name, longest in falling:
        seeds = _falling_seeds(by_steps, set_name, k, longest)
        out.append(f"- {SET_TITLES.get(set_name, set_name)} does not lose in the mean, but is lower at {longest:,} "
                   f"steps than at {EVALUATE_STEPS:,} on " + ", ".join(f"seed {s} ({d:+.3f})" for s, d in seeds)
                   + f": on {'that seed' if len(seeds) == 1 else 'those seeds'} the default still loses with length.")
    if falling:
        out.append("")
    for set_name in losing:
        out += length_diagnosis(by_steps, set_name, k)
    return out
