# SPDX-License-Identifier: GPL-2.0-or-later
"""The runs and the statistics every report section uses: loading finished runs, per-seed values, and the verdict
rules (all seeds agree by a margin per cell; an exact sign test per split with its budgets pooled)."""
from __future__ import annotations

import collections
import json
import math
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from benchlib import RUNS_DIR, fmt_mean_std

SET_TITLES = {
    "mtts_random": "Mato Grosso series, in distribution (location-grouped)",
    "mtts_blocks": "Mato Grosso series, held-out 1° blocks",
    "mtts_west_east": "Mato Grosso series, west → east",
    "mtts_para": "Mato Grosso → Pará series (forest / non-forest)",
    "mtts_para_target": "Mato Grosso → Pará series, half of Pará unlabelled in the pool",
    "mt_random": "Mato Grosso dates, in distribution (location-grouped)",
    "mt_blocks": "Mato Grosso dates, held-out 1° blocks",
    "mt_west_east": "Mato Grosso dates, west → east",
    "mt_wet_dry": "Mato Grosso dates, wet → dry season",
    "mt_para": "Mato Grosso → Pará dates (forest / non-forest)",
    "slo_summer_winter": "Slovenia, summer → winter",
    "slo_summer_summer": "Slovenia, summer → summer (reference)",
    "raleigh": "Raleigh, single-site control",
}
SHIFTED_SETS = {"mt_blocks", "mt_west_east", "mt_wet_dry", "mt_para", "slo_summer_winter", "mtts_blocks",
                "mtts_west_east", "mtts_para", "mtts_para_target"}
# The default runs at one budget only (run_accuracy.MAIN_BUDGET): the plot shows it as a point, not a line.
PLOT_ROWS = ["metadata_only_knn", "peer_rf", "peer_presto_lr", "supervised", "fixmatch", "fixmatch_input",
             "stssl_season", "default"]
HEADLINE_ROWS = ["metadata_only_knn", "peer_rf", "peer_presto_lr", "supervised", "fixmatch", "fixmatch_input",
                 "stssl_season", "presto_stssl", "default"]
METRICS = [("accuracy", "accuracy"), ("balanced_accuracy", "balanced acc."), ("macro_f1", "macro F1")]
TEACHER_DEFAULT = "stssl_season"


Runs = Dict[Tuple[str, int, str], Dict[int, dict]]  # (set, k, row) -> seed -> result


_STALE: Dict[Path, str] = {}  # run file -> why load_runs left it out


def load_runs(variant: str) -> Runs:
    """The finished runs of a variant that are still their row (run_accuracy.stale_reason); the others are left
    out and listed by :func:`stale_runs`."""
    from run_accuracy import stale_reason

    runs: Runs = collections.defaultdict(dict)
    for path in sorted((RUNS_DIR / variant).glob("*/*.json")):
        if path.name.endswith(".running.json"):
            continue
        try:
            result = json.loads(path.read_text())
        except ValueError:
            continue
        bench = result.get("bench", {})
        if not bench:
            continue
        reason = stale_reason(result)
        if reason is not None:
            _STALE[path] = reason
            continue
        runs[(bench["set"], int(bench["labels_per_class"]), bench["row"])][int(bench["seed"])] = result
    return runs


def stale_runs() -> Dict[Path, str]:
    """Every run file :func:`load_runs` has left out so far, with why."""
    return dict(_STALE)


def failed_runs(variant: str) -> List[Path]:
    return sorted((RUNS_DIR / variant).glob("*/failed/*.txt"))


def values(runs: Runs, set_name: str, k: int, row: str, key: str) -> Dict[int, float]:
    out = {}
    for seed, result in runs.get((set_name, k, row), {}).items():
        value = result.get(key)
        if isinstance(value, (int, float)) and value is not None and np.isfinite(value):
            out[seed] = float(value)
    return out


def cell(runs: Runs, set_name: str, k: int, row: str, key: str) -> str:
    return fmt_mean_std(list(values(runs, set_name, k, row, key).values()))


# ----------------------------------------------------------------------------------------------------------------
# Verdicts
# ----------------------------------------------------------------------------------------------------------------
def paired(runs: Runs, set_name: str, k: int, row_a: str, row_b: str, key: str = "accuracy"
           ) -> Optional[Tuple[float, float, List[float]]]:
    """(mean, std, per-seed differences) of row_a - row_b over the seeds both have; None if fewer than 2."""
    a, b = values(runs, set_name, k, row_a, key), values(runs, set_name, k, row_b, key)
    seeds = sorted(set(a) & set(b))
    if len(seeds) < 2:
        return None
    diffs = [a[s] - b[s] for s in seeds]
    return float(np.mean(diffs)), float(np.std(diffs, ddof=1)), diffs


def verdict(diff: Tuple[float, float, List[float]], margin: float = 0.005) -> str:
    mean, _std, diffs = diff
    if all(d > 0 for d in diffs) and mean >= margin:
        return "better"
    if all(d < 0 for d in diffs) and mean <= -margin:
        return "worse"
    return "no clear difference"


def fmt_diff(diff: Tuple[float, float, List[float]]) -> str:
    mean, std, diffs = diff
    return f"{mean:+.3f} ± {std:.3f} (seeds: {', '.join(f'{d:+.3f}' for d in diffs)})"


def sign_test_p(diffs: List[float]) -> float:
    """Two-sided exact sign test of "A and B are equally likely to be ahead" (ties left out)."""
    ahead, behind = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
    n = ahead + behind
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(ahead, behind) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def split_verdict(diffs: List[float], alpha: float = 0.05, margin: float = 0.005) -> str:
    """One split, every budget and seed pooled: better / worse when the sign test rejects "equal" at ``alpha`` and
    the mean gap is at least ``margin``. More pairs than one cell has, so it can speak where the all-seeds rule of a
    single cell cannot, at a stated error rate."""
    mean = float(np.mean(diffs))
    if sign_test_p(diffs) < alpha and abs(mean) >= margin:
        return "better" if mean > 0 else "worse"
    return "no clear difference"


def comparison_lines(runs: Runs, sets: List[str], budgets: List[int], row_a: str, row_b: str
                     ) -> Tuple[List[str], Dict[str, collections.Counter], Dict[str, List[float]],
                                Dict[str, collections.Counter]]:
    """One line per split and budget with the verdict on accuracy and on balanced accuracy, and one per split with
    its budgets pooled (where it has several); per-cell tallies per metric, every per-seed difference per metric
    (pooled over splits and budgets), and per-split tallies per metric."""
    lines: List[str] = []
    tally = {"accuracy": collections.Counter(), "balanced_accuracy": collections.Counter()}
    pooled: Dict[str, List[float]] = {"accuracy": [], "balanced_accuracy": []}
    split_tally = {"accuracy": collections.Counter(), "balanced_accuracy": collections.Counter()}
    metrics = (("accuracy", "accuracy"), ("balanced_accuracy", "balanced acc."))
    for set_name in sets:
        per_split: Dict[str, List[float]] = {"accuracy": [], "balanced_accuracy": []}
        n_budgets = 0
        for k in budgets:
            parts = []
            for key, name in metrics:
                diff = paired(runs, set_name, k, row_a, row_b, key)
                if diff is None:
                    continue
                v = verdict(diff)
                tally[key][v] += 1
                pooled[key].extend(diff[2])
                per_split[key].extend(diff[2])
                parts.append(f"{name} **{v}** {fmt_diff(diff)}")
            if parts:
                n_budgets += 1
                lines.append(f"  - {SET_TITLES.get(set_name, set_name)}, {k} labels/class: " + "; ".join(parts))
        if n_budgets < 2:
            continue
        parts = []
        for key, name in metrics:
            diffs = per_split[key]
            v = split_verdict(diffs)
            split_tally[key][v] += 1
            parts.append(f"{name} **{v}** (ahead on {sum(d > 0 for d in diffs)}, behind on "
                         f"{sum(d < 0 for d in diffs)} of {len(diffs)}, mean {float(np.mean(diffs)):+.3f}, "
                         f"sign test p = {sign_test_p(diffs):.3f})")
        lines.append(f"  - {SET_TITLES.get(set_name, set_name)}, all {n_budgets} budgets pooled: " + "; ".join(parts))
    return lines, tally, pooled, split_tally


def pooled_summary(diffs: List[float]) -> str:
    """How often A is ahead over all split x budget x seed pairs: a coarser but steadier read than the per-cell
    verdicts when single runs swing by 0.1."""
    return (f"ahead on {sum(d > 0 for d in diffs)} and behind on {sum(d < 0 for d in diffs)} of {len(diffs)} "
            f"split × budget × seed pairs, mean {float(np.mean(diffs)):+.3f}")


def split_summary(split_tally: collections.Counter) -> str:
    """The per-split verdicts (budgets pooled) of one comparison, or nothing where no split has several budgets."""
    if not sum(split_tally.values()):
        return ""
    return (f"; per split, budgets pooled: {split_tally['better']} better, {split_tally['worse']} worse, "
            f"{split_tally['no clear difference']} no clear difference")
