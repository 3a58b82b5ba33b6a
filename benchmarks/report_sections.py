# SPDX-License-Identifier: GPL-2.0-or-later
"""Report sections that read more than the accuracy runs: pseudo-label diagnostics, the plot, training dynamics and
speed."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List

import numpy as np

from benchlib import MEASURED_DIR, OUT_DIR, REPO_ROOT, SPEED_DIR, fmt_mean_std
from reportlib import PLOT_ROWS, SET_TITLES, TEACHER_DEFAULT, Runs, paired, values
from run_accuracy import ROWS


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
    # (colour, line, marker, marker size): the default runs at one budget, a larger point without a line.
    styles = {"metadata_only_knn": ("0.55", ":", "x", 4), "peer_rf": ("#8c564b", ":", "v", 4),
              "peer_presto_lr": ("#9467bd", ":", "P", 4), "supervised": ("#777777", "--", "s", 4),
              "fixmatch": ("#1f77b4", "-", "o", 4), "fixmatch_input": ("#d62728", "-.", "^", 4),
              "stssl_season": ("#2ca02c", "-", "D", 4), "default": ("#000000", "none", "*", 8)}
    short = {"metadata_only_knn": "metadata only", "peer_rf": "random forest", "peer_presto_lr": "frozen Presto + LR",
             "supervised": "supervised", "fixmatch": "FixMatch",
             "fixmatch_input": "metadata as input", "stssl_season": "Spatiotemporal SSL",
             "default": "the engine's default"}
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
                color, line, marker, size = styles[row]
                ax.errorbar(xs, ys, yerr=es, color=color, linestyle=line, marker=marker, markersize=size, capsize=2,
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
            lines += [f"- {title}: not measured in this run ({missing[name]}); the last measured figures, with the "
                      "command and date, are in docs/benchmarks.md, \"Speed and memory\".", ""]
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
