"""Write benchmarks/RESULTS.md and the accuracy-vs-labels plot from the finished runs. Numbers only, no hand edits.

    python benchmarks/report.py [--variant full|quick]

Reads ``benchmarks/out/runs/<variant>/**.json`` (run_accuracy.py) and ``benchmarks/out/speed/*.json`` (bench_*.py).
Every verdict in "Where it helped and where it did not" is computed from the runs with the rule stated there.
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import math
import platform
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from benchlib import (BENCH_DIR, MEASURED_DIR, OUT_DIR, REPO_ROOT, RUNS_DIR, SPEED_DIR, fmt_mean_std,
                      load_patch_set, set_info, set_path)

import make_splits
from run_accuracy import ROWS, grid_for

RESULTS_MD = BENCH_DIR / "RESULTS.md"
PLOT_NAME = "accuracy_vs_labels.png"

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
PLOT_ROWS = ["metadata_only_knn", "supervised", "fixmatch", "fixmatch_input", "stssl_season"]
HEADLINE_ROWS = ["metadata_only_knn", "supervised", "fixmatch", "fixmatch_input", "stssl_season"]
METRICS = [("accuracy", "accuracy"), ("balanced_accuracy", "balanced acc."), ("macro_f1", "macro F1")]
TEACHER_DEFAULT = "stssl_season"


# ----------------------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------------------
Runs = Dict[Tuple[str, int, str], Dict[int, dict]]  # (set, k, row) -> seed -> result


def load_runs(variant: str) -> Runs:
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
        runs[(bench["set"], int(bench["labels_per_class"]), bench["row"])][int(bench["seed"])] = result
    return runs


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


def diagnostics_lines(runs: Runs, sets: List[str], k: int) -> List[str]:
    """Pseudo-label accuracy and mask rate of the teacher (stssl) against plain FixMatch's."""
    lines = []
    for set_name in sets:
        parts = []
        for row in ("fixmatch", TEACHER_DEFAULT):
            pla = values(runs, set_name, k, row, "pseudo_label_accuracy")
            mask = values(runs, set_name, k, row, "mask_rate")
            if pla or mask:
                parts.append(f"{ROWS[row].label}: pseudo-label acc. {fmt_mean_std(list(pla.values()))}, "
                             f"mask rate {fmt_mean_std(list(mask.values()))}")
        if len(parts) == 2:
            pla_diff = paired(runs, set_name, k, TEACHER_DEFAULT, "fixmatch", "pseudo_label_accuracy")
            mask_diff = paired(runs, set_name, k, TEACHER_DEFAULT, "fixmatch", "mask_rate")
            note = ""
            if pla_diff and mask_diff:
                if mask_diff[0] > 0.02 and pla_diff[0] < -0.01:
                    note = " → the teacher is more confident but less right (overconfident)"
                elif pla_diff[0] > 0.01:
                    note = " → the teacher's pseudo-labels are more accurate"
                elif pla_diff[0] < -0.01:
                    note = " → the teacher's pseudo-labels are less accurate"
                else:
                    note = " → pseudo-labels of similar accuracy"
            lines.append(f"  - {SET_TITLES.get(set_name, set_name)}: " + "; ".join(parts) + note)
    return lines


# ----------------------------------------------------------------------------------------------------------------
# Plot
# ----------------------------------------------------------------------------------------------------------------
def write_plot(runs: Runs, sets: List[str], budgets: List[int], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not importable: no plot written", file=sys.stderr)
        return False
    sets = [s for s in sets if any(values(runs, s, k, "fixmatch", "accuracy") for k in budgets)]
    if not sets:
        return False
    cols = min(4, len(sets))
    rows = int(np.ceil(len(sets) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False, sharey=False)
    styles = {"metadata_only_knn": ("0.55", ":", "x"), "supervised": ("#777777", "--", "s"),
              "fixmatch": ("#1f77b4", "-", "o"), "fixmatch_input": ("#d62728", "-.", "^"),
              "stssl_season": ("#2ca02c", "-", "D")}
    short = {"metadata_only_knn": "metadata only", "supervised": "supervised", "fixmatch": "FixMatch",
             "fixmatch_input": "metadata as input", "stssl_season": "Spatiotemporal SSL"}
    for ax, set_name in zip(axes.flat, sets):
        for row in PLOT_ROWS:
            xs, ys, es = [], [], []
            for k in budgets:
                v = list(values(runs, set_name, k, row, "accuracy").values())
                if v:
                    xs.append(k)
                    ys.append(np.mean(v))
                    es.append(np.std(v, ddof=1) if len(v) > 1 else 0.0)
            if xs:
                color, line, marker = styles[row]
                ax.errorbar(xs, ys, yerr=es, color=color, linestyle=line, marker=marker, markersize=4, capsize=2,
                            label=short[row])
        ax.set_title(SET_TITLES.get(set_name, set_name), fontsize=8)
        ax.set_xscale("log")
        ax.set_xticks(budgets)
        ax.set_xticklabels([str(b) for b in budgets])
        ax.minorticks_off()
        ax.set_xlabel("labels per class", fontsize=8)
        ax.set_ylabel("test accuracy", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(sets):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ----------------------------------------------------------------------------------------------------------------
# Speed
# ----------------------------------------------------------------------------------------------------------------
MEASURED_GPU = MEASURED_DIR / "train_gpu_h100.json"


def speed_section() -> List[str]:
    lines = ["## Speed and memory", ""]
    found = False
    missing = {"predict": "run `python benchmarks/bench_predict.py`", "train": "run `python benchmarks/bench_train.py`",
               # run_all.py --fresh keeps train_gpu.json: a CPU machine cannot measure it again
               "train_gpu": "needs a CUDA machine: `bash benchmarks/gpu_check.sh`"}
    for name, title in (("predict", "Prediction"), ("train", "Training"), ("train_gpu", "Training on the GPU")):
        path = SPEED_DIR / f"{name}.json"
        committed = name == "train_gpu" and not path.exists() and MEASURED_GPU.exists()
        if committed:
            path = MEASURED_GPU
        if not path.exists():
            lines += [f"- {title}: not measured ({missing[name]}).", ""]
            continue
        found = True
        data = json.loads(path.read_text())
        lines.append(f"### {title} ({data.get('device', '?')}; {data.get('when', '')})")
        lines.append("")
        if committed:
            lines += [f"From `{path.relative_to(REPO_ROOT)}`, measured on a lent GPU machine with "
                      "`bash benchmarks/gpu_check.sh` and committed (a CPU machine cannot measure it again).", ""]
        lines.append("| measure | value | target | met |")
        lines.append("|---|---|---|---|")
        for item in data.get("measures", []):
            met = item.get("met")
            lines.append(f"| {item['name']} | {item['value']} | {item.get('target', '')} | "
                         f"{'' if met is None else ('yes' if met else '**no**')} |")
        lines.append("")
        for note in data.get("notes", []):
            lines.append(f"- {note}")
        lines.append("")
    if found:
        lines.append("Ratios are measured within one run on the same machine; absolute numbers are context only.")
        lines.append("")
    return lines


def dynamics_section() -> List[str]:
    """Test accuracy and FixMatch's mask rate during training (benchmarks/ssl_dynamics.py), if it was run."""
    path = OUT_DIR / "diagnostics" / "ssl_dynamics.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    lines = ["## Diagnostic: supervised and FixMatch during training", "",
             f"`python benchmarks/ssl_dynamics.py` ({data.get('when', '')}): {data['steps']} steps, no validation "
             "tiles held out; the EMA model is scored on the test tiles every "
             f"{data['eval_every']} steps only to draw these curves (no checkpoint is selected on them).", ""]
    for case in data["cases"]:
        sup, fix = case["supervised"], case["fixmatch"]
        title = SET_TITLES.get(case["set"], case["set"])
        lines.append(f"**{title}, {case['labels_per_class']} labels/class, seed {case['seed']}**")
        lines.append("")
        lines.append("| step | supervised test acc. | FixMatch test acc. | FixMatch mask rate |")
        lines.append("|---|---|---|---|")
        for i, step in enumerate(fix["step"]):
            if step % 100 and i != len(fix["step"]) - 1 and i != 0:
                continue
            mask = fix["mask_rate"][i]
            lines.append(f"| {step} | {sup['test_accuracy'][i]:.3f} | {fix['test_accuracy'][i]:.3f} | "
                         f"{'–' if mask is None else f'{mask:.2f}'} |")
        dip = int(np.argmin(fix["test_accuracy"][1:])) + 1 if len(fix["test_accuracy"]) > 1 else 0
        over = [s for s, m in zip(fix["step"], fix["mask_rate"]) if m is not None and m >= 0.95]
        lines.append("")
        lines.append(f"- Final test accuracy: supervised {sup['test_accuracy'][-1]:.3f}, FixMatch "
                     f"{fix['test_accuracy'][-1]:.3f}; FixMatch's lowest point after the first evaluation: "
                     f"{fix['test_accuracy'][dip]:.3f} at step {fix['step'][dip]}; its mask rate (share of the unlabelled batch above "
                     "the confidence threshold) is "
                     + (f"at least 0.95 from step {over[0]} on." if over else "below 0.95 throughout."))
        lines.append("")
    return lines


# ----------------------------------------------------------------------------------------------------------------
def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def set_description(set_name: str, k: int, seed: int) -> Tuple[str, List[str], str]:
    path = set_path(set_name, k, seed)
    if not path.exists():
        return "", [], ""
    patch_set = load_patch_set(path)
    info = set_info(patch_set)
    counts = make_splits.summarize(path.stem, patch_set)
    return info.get("rule", ""), info.get("sources", []), counts


def build_report(variant: str) -> str:
    grid = grid_for(variant)
    # Only the cells of the variant's current grid: runs left over from an older grid are ignored.
    wanted = {(s, k, row.name) for s, k, _seed, row in grid.cells()}
    runs = {key: by_seed for key, by_seed in load_runs(variant).items() if key in wanted}
    sets = [s for s in grid.sets if any(key[0] == s for key in runs)]
    budgets = sorted({key[1] for key in runs})
    main_k = grid.main_budget if grid.main_budget in budgets else (budgets[len(budgets) // 2] if budgets else 0)
    engine_results = [r for by_seed in runs.values() for r in by_seed.values() if r.get("steps")]
    devices = sorted({str(r.get("device")) for r in engine_results})
    steps = sorted({int(r["bench"]["steps"]) for r in engine_results})
    seeds = sorted({seed for by_seed in runs.values() for seed in by_seed})
    engine_args = sorted({" ".join(r["bench"].get("extra_args", [])) for r in engine_results})

    out: List[str] = []
    out.append("# Benchmark results")
    out.append("")
    out.append(f"Generated by `python benchmarks/run_all.py{' --quick' if variant == 'quick' else ''}` "
               f"({variant} variant) on {_dt.date.today().isoformat()}, commit `{git_revision()}`, "
               f"{platform.machine()} {platform.processor() or ''}; engine device(s): {', '.join(devices) or '–'}; "
               f"{', '.join(map(str, steps)) or '–'} training steps per run"
               + (f" with `{'`, `'.join(a for a in engine_args if a)}`" if any(engine_args) else
                  " with the engine's default options")
               + f"; seeds {', '.join(map(str, seeds))}. "
               "Do not edit by hand: rerun the command.")
    if variant == "quick":
        out.append("")
        out.append("> **Quick variant:** few steps, one budget and a subset of sets and rows. It checks that the "
                   "pipeline runs; its numbers are not the benchmark.")
    out.append("")
    out.append("Every number is the mean ± standard deviation over seeds. A seed fixes the location split (where "
               "the split is random), the labelled sample and the training seed; all rows of one seed share the same "
               "set file, so differences between rows are paired. Test locations are never in the unlabelled pool.")
    out.append("")

    # Headline
    for key, title in (("accuracy", "test accuracy"), ("balanced_accuracy", "balanced accuracy")):
        out.append(f"## Headline: {title} at {main_k} labels per class")
        out.append("")
        header = ["split"] + [ROWS[r].label for r in HEADLINE_ROWS] + ["teacher with test metadata"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        teacher_key = "teacher_accuracy" if key == "accuracy" else "teacher_" + key
        for set_name in sets:
            cells = [cell(runs, set_name, main_k, r, key) for r in HEADLINE_ROWS]
            cells.append(cell(runs, set_name, main_k, TEACHER_DEFAULT, teacher_key))
            if all(c == "–" for c in cells[1:]):
                continue
            out.append(f"| {SET_TITLES.get(set_name, set_name)} | " + " | ".join(cells) + " |")
        out.append("")
    out.append("\"Spatiotemporal SSL\" is the pixel-only student (what is deployed). \"Teacher with test metadata\" is "
               "its teacher scored with the test set's location and date. The teacher never gets gradients from the "
               "student, so with the same seed it trains exactly like the \"metadata as input\" network; the two "
               "columns differ only by the checkpoint (the run selects the step where the *student* is best on the "
               "validation tiles). Balanced accuracy is the mean recall over the classes present in the test set; "
               "several test sets are imbalanced (Slovenia is 80 % Forest), where plain accuracy rewards predicting "
               "the majority class.")
    out.append("")
    plot_ok = write_plot(runs, sets, budgets, BENCH_DIR / PLOT_NAME)
    if plot_ok:
        out.append(f"![Test accuracy against labels per class]({PLOT_NAME})")
        out.append("")

    # Verdicts
    out.append("## Where it helped and where it did not")
    out.append("")
    out.append("Computed from the runs above. Per cell (one split and budget), row A is **better** than row B "
               "on a metric when A beats B on every seed and by at least 0.005 on average, **worse** when it loses on "
               "every seed by at least 0.005, and otherwise there is **no clear difference**. Differences are A − B, "
               "mean ± std over seeds, then the per-seed values. "
               + (f"With {len(seeds)} seeds, two equal rows would still agree in sign on every seed with probability "
                  f"2/2^{len(seeds)} = {2 / 2 ** len(seeds):.3f} per cell, so some of the verdicts below may be chance; "
                  if seeds else "")
               + "read \"no clear difference\" as \"not shown\", not as \"equal\". "
               "A split with several budgets also gets one line with its budgets pooled: **better** or **worse** "
               "when a two-sided exact sign test over all its budget × seed pairs (ties left out) gives p < 0.05 and "
               "the mean gap is at least 0.005. That test has more pairs than a cell, so it can speak where the "
               "all-seeds rule cannot; for two equal rows it errs on 1 split in 20, with no correction for the "
               "number of splits and comparisons.")
    out.append("")
    checks = [
        ("fixmatch", "supervised", "Semi-supervised learning first has to beat supervised training: FixMatch − "
                                   "supervised"),
        ("freematch", "supervised", "FreeMatch − supervised"),
        ("softmatch", "supervised", "SoftMatch − supervised"),
        (TEACHER_DEFAULT, "fixmatch", "Spatiotemporal SSL student against plain FixMatch: student − FixMatch"),
        (TEACHER_DEFAULT, "fixmatch_input", "Pixel-only student against metadata as input: student − input"),
        (TEACHER_DEFAULT, "stssl_season_ld0", "Distillation: λ_d = 1 − λ_d = 0"),
        (TEACHER_DEFAULT, "supervised", "Spatiotemporal SSL against supervised: student − supervised"),
    ]
    for row_a, row_b, title in checks:
        lines, tally, pooled, split_tally = comparison_lines(runs, sets, budgets, row_a, row_b)
        if not lines:
            continue
        summary = "; ".join(f"{name}: {tally[key]['better']} better, {tally[key]['worse']} worse, "
                            f"{tally[key]['no clear difference']} no clear difference"
                            + (f" ({pooled_summary(pooled[key])}{split_summary(split_tally[key])})"
                               if pooled[key] else "")
                            for key, name in (("accuracy", "accuracy"), ("balanced_accuracy", "balanced acc.")))
        out.append(f"- **{title}** ({summary}):")
        out.extend(lines)
    shifted = [s for s in sets if s in SHIFTED_SETS]
    if shifted:
        lines = []
        for set_name in shifted:
            teacher = values(runs, set_name, main_k, TEACHER_DEFAULT, "teacher_accuracy")
            student = values(runs, set_name, main_k, TEACHER_DEFAULT, "accuracy")
            seeds_both = sorted(set(teacher) & set(student))
            if len(seeds_both) >= 2:
                diff = (float(np.mean([student[s] - teacher[s] for s in seeds_both])),
                        float(np.std([student[s] - teacher[s] for s in seeds_both], ddof=1)),
                        [student[s] - teacher[s] for s in seeds_both])
                lines.append(f"  - {SET_TITLES.get(set_name, set_name)}, {main_k} labels/class: **{verdict(diff)}** "
                             f"(student − teacher-with-metadata accuracy {fmt_diff(diff)})")
        if lines:
            out.append("- **Under shift, the pixel-only student against its own teacher fed the test metadata:**")
            out.extend(lines)
    enc_lines = []
    for set_name in sets:
        scores = {}
        for row in ("stssl_paper", "stssl_sphere", "stssl_season"):
            v = values(runs, set_name, main_k, row, "accuracy")
            if len(v) >= 2:
                scores[row] = float(np.mean(list(v.values())))
        if len(scores) >= 2:
            best = max(scores, key=scores.get)
            ranking = ", ".join(f"{ROWS[r].encoding} {scores[r]:.3f}" for r in sorted(scores, key=scores.get,
                                                                                     reverse=True))
            enc_lines.append(f"  - {SET_TITLES.get(set_name, set_name)}: best `{ROWS[best].encoding}` ({ranking})")
    if enc_lines:
        out.append(f"- **Encodings** (student accuracy at {main_k} labels/class, mean over seeds):")
        out.extend(enc_lines)
    diag = diagnostics_lines(runs, sets, main_k)
    if diag:
        out.append(f"- **Why: pseudo-labels of the teacher against plain FixMatch's** ({main_k} labels/class; "
                   "as reported by the engine: the mask rate averaged over training steps, and the pseudo-label "
                   "accuracy over training on the unlabelled pool, scored against its true classes that the set "
                   "file keeps for diagnostics only (`diagnostic_labels`, never trained on)):")
        out.extend(diag)
    leak_lines = []
    for set_name in sets:
        meta = values(runs, set_name, main_k, "metadata_only_knn", "accuracy")
        best_pixel = max((float(np.mean(list(values(runs, set_name, main_k, r, "accuracy").values())))
                          for r in ("supervised", "fixmatch", TEACHER_DEFAULT)
                          if values(runs, set_name, main_k, r, "accuracy")), default=None)
        meta_all = values(runs, set_name, main_k, "metadata_only_knn_all", "accuracy")
        if meta and best_pixel is not None:
            with_all = f" (with every training label {np.mean(list(meta_all.values())):.3f})" if meta_all else ""
            leak_lines.append(f"  - {SET_TITLES.get(set_name, set_name)}: metadata only "
                              f"{np.mean(list(meta.values())):.3f}{with_all} against the best pixel model "
                              f"{best_pixel:.3f}")
    if leak_lines:
        out.append(f"- **Leakage floor** ({main_k} labels/class, accuracy): where metadata alone comes close to the "
                   "pixel models, the split rewards memorising places and dates.")
        out.extend(leak_lines)
    failures = failed_runs(variant)
    if failures:
        out.append(f"- **{len(failures)} runs failed** and are missing from the tables: "
                   + ", ".join(f"`{p.parent.parent.name}/{p.stem}`" for p in failures[:20])
                   + (" …" if len(failures) > 20 else "") + ".")
    out.append("")

    # Per-set tables
    out.append("## All results")
    out.append("")
    all_sources: List[str] = []
    for set_name in sets:
        rule, sources, counts = set_description(set_name, main_k, seeds[0] if seeds else 0)
        all_sources.extend(s for s in sources if s not in all_sources)
        out.append(f"### {SET_TITLES.get(set_name, set_name)} (`{set_name}`)")
        out.append("")
        if rule:
            out.append(f"Split: {rule}.")
            out.append("")
        if counts:
            out.append("Rows in the seed-%d set at %d labels/class (true classes, for the record):" %
                       (seeds[0] if seeds else 0, main_k))
            out.append("")
            out.append("```")
            out.append(counts)
            out.append("```")
            out.append("")
        for k in budgets:
            rows_here = [r for r in ROWS if runs.get((set_name, k, r))]
            if not rows_here:
                continue
            out.append(f"**{k} labels per class**")
            out.append("")
            out.append("| row | accuracy | balanced acc. | macro F1 | teacher acc. (test metadata) | "
                       "pseudo-label acc. | mask rate | seeds | s/run |")
            out.append("|---|---|---|---|---|---|---|---|---|")
            for r in rows_here:
                n = len(runs[(set_name, k, r)])
                secs = values(runs, set_name, k, r, "train_seconds")
                out.append(f"| {ROWS[r].label} | " + " | ".join(
                    cell(runs, set_name, k, r, key) for key, _ in METRICS) + " | "
                    + cell(runs, set_name, k, r, "teacher_accuracy") + " | "
                    + cell(runs, set_name, k, r, "pseudo_label_accuracy") + " | "
                    + cell(runs, set_name, k, r, "mask_rate") + f" | {n} | "
                    + (f"{np.mean(list(secs.values())):.0f}" if secs else "–") + " |")
            out.append("")

    out.extend(dynamics_section())
    out.extend(speed_section())

    out.append("## Data: sources and attributions")
    out.append("")
    for source in all_sources or list(make_splits.SOURCES.values()):
        out.append(f"- {source}")
    out.append("- Full provenance, licences and build notes: `../shared/data/*/PROVENANCE.md` (and "
               "`resources/sample/` for Raleigh). Derived sets are rebuilt by `benchmarks/make_splits.py` into the "
               "git-ignored `benchmarks/out/`; no data is committed.")
    out.append("")
    out.append("## How the splits are built")
    out.append("")
    doc = make_splits.__doc__ or ""
    out.append(doc[doc.index("The split rules"):].strip())
    out.append("")
    return "\n".join(out)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=("full", "quick", "smoke"), default="full")
    parser.add_argument("--out", type=Path, default=RESULTS_MD)
    args = parser.parse_args(argv)
    text = build_report(args.variant)
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
