# SPDX-License-Identifier: GPL-2.0-or-later
"""Write benchmarks/RESULTS.md and the accuracy-vs-labels plot from the finished runs. Numbers only, no hand edits.

    python benchmarks/report.py [--variant full|quick]

Reads ``benchmarks/runs/<variant>/**.json`` (run_accuracy.py, committed) and ``benchmarks/out/speed/*.json``
(bench_*.py).
Every verdict in "Where it helped and where it did not" is computed from the runs with the rule stated there.
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from benchlib import BENCH_DIR, git_revision, load_patch_set, set_info, set_path

import make_splits
from report_sections import diagnostics_lines, dynamics_section, speed_section, write_plot
from reportlib import (HEADLINE_ROWS, METRICS, SET_TITLES, SHIFTED_SETS, TEACHER_DEFAULT, Runs, cell, comparison_lines,
                       failed_runs, fmt_diff, load_runs, pooled_summary, split_summary, stale_runs, values, verdict)
from report_normalization import normalization_section
from report_coverage import MERGED, coverage_section, provenance_lines
from report_length import steps_section
from report_presto import active_learning_section, presto_section, presto_speed_section
from run_accuracy import PRESTO_ROWS, ROWS, grid_for

RESULTS_MD = BENCH_DIR / "RESULTS.md"
PLOT_NAME = "accuracy_vs_labels.png"

def set_description(set_name: str, k: int, seed: int) -> Tuple[str, List[str], str]:
    path = set_path(set_name, k, seed)
    if not path.exists():
        return "", [], ""
    patch_set = load_patch_set(path)
    info = set_info(patch_set)
    counts = make_splits.summarize(path.stem, patch_set)
    return info.get("rule", ""), info.get("sources", []), counts


@dataclass
class Context:
    """What every section reads: the variant's runs and what they cover."""

    variant: str
    runs: Runs
    sets: List[str]
    budgets: List[int]
    main_k: int
    seeds: List[int]
    devices: List[str]
    steps: List[int]
    engine_args: List[str]
    made: List[str]  # where and when the runs were made, from their records (benchlib.provenance)


def load_context(variant: str, seeds: Optional[List[int]] = None) -> Context:
    grid = grid_for(variant)
    # Only the cells of the variant's current grid: runs left over from an older grid are ignored.
    wanted = {(s, k, row.name) for s, k, _seed, row in grid.cells()}
    runs = {key: by_seed for key, by_seed in load_runs(variant).items() if key in wanted}
    if variant in MERGED:
        runs.update({key: by_seed for key, by_seed in load_runs(MERGED[variant]).items() if key[2] in PRESTO_ROWS})
    if seeds is not None:  # the same seeds for every row, so every comparison is paired
        runs = {key: {s: r for s, r in by_seed.items() if s in seeds} for key, by_seed in runs.items()}
        runs = {key: by_seed for key, by_seed in runs.items() if by_seed}
    budgets = sorted({key[1] for key in runs})
    engine_results = [r for by_seed in runs.values() for r in by_seed.values() if r.get("steps")]
    return Context(
        variant=variant, runs=runs, sets=[s for s in grid.sets if any(key[0] == s for key in runs)], budgets=budgets,
        main_k=grid.main_budget if grid.main_budget in budgets else (budgets[len(budgets) // 2] if budgets else 0),
        seeds=sorted({seed for by_seed in runs.values() for seed in by_seed}),
        # Records made before core/device.py said "1 thread" read "1 threads": one device, not two.
        devices=sorted({str(r.get("device")).replace(" 1 threads)", " 1 thread)") for r in engine_results}),
        steps=sorted({int(r["bench"]["steps"]) for r in engine_results}),
        engine_args=sorted({" ".join(r["bench"].get("extra_args", [])) for r in engine_results}),
        made=provenance_lines(variant, seeds))


def steps_text(ctx: Context) -> str:
    """The training steps of the engine runs, per kind of row when they differ (the Presto rows run at 500)."""
    by_kind: dict = {}
    for (_s, _k, row), by_seed in ctx.runs.items():
        for r in by_seed.values():
            if r.get("steps"):
                kind = "Presto rows" if row in PRESTO_ROWS else "the other rows"
                by_kind.setdefault(kind, set()).add(int(r["bench"]["steps"]))
    if len(by_kind) < 2:
        return ", ".join(map(str, ctx.steps)) or "–"
    return "; ".join(f"{', '.join(map(str, sorted(v)))} ({k})" for k, v in sorted(by_kind.items(), reverse=True))


def report_command(variant: str, seeds: Optional[List[int]]) -> str:
    """The command that writes this report, as a reader would retype it."""
    return ("python benchmarks/report.py" + (f" --variant {variant}" if variant != "full" else "")
            + (f" --seeds {','.join(map(str, seeds))}" if seeds is not None else ""))


def header_section(ctx: Context, command: str) -> List[str]:
    out = ["# Benchmark results", ""]
    out.append(f"Written by `{command}` on {_dt.date.today().isoformat()}, commit `{git_revision()}`, from the "
               f"committed runs in `benchmarks/runs/` ({ctx.variant} variant; `python benchmarks/run_all.py"
               f"{' --quick' if ctx.variant == 'quick' else ''}` makes the runs that are missing, then writes this "
               f"report); engine device(s): {', '.join(ctx.devices) or '–'}; "
               f"{steps_text(ctx)} training steps per run"
               + (f" with `{'`, `'.join(a for a in ctx.engine_args if a)}`" if any(ctx.engine_args) else
                  " with the engine's default options")
               + f"; seeds {', '.join(map(str, ctx.seeds))}. "
               "Do not edit by hand: rerun a command.")
    if ctx.made:
        out += ["", "The runs were made (each run's record says where and when):"] + [f"- {line}" for line in ctx.made]
    if ctx.variant == "quick":
        out += ["", "> **Quick variant:** few steps, one budget and a subset of sets and rows. It checks that the "
                    "pipeline runs; its numbers are not the benchmark."]
    out += ["", "Every number is the mean ± standard deviation over seeds. A seed fixes the location split (where "
                "the split is random), the labelled sample and the training seed; all rows of one seed share the same "
                "set file, so differences between rows are paired. Test locations are never in the unlabelled pool.",
            ""]
    return out


def headline_section(ctx: Context) -> List[str]:
    out: List[str] = []
    for key, title in (("accuracy", "test accuracy"), ("balanced_accuracy", "balanced accuracy")):
        out += [f"## Headline: {title} at {ctx.main_k} labels per class", ""]
        header = ["split"] + [ROWS[r].label for r in HEADLINE_ROWS] + ["teacher with test metadata"]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        teacher_key = "teacher_accuracy" if key == "accuracy" else "teacher_" + key
        for set_name in ctx.sets:
            cells = [cell(ctx.runs, set_name, ctx.main_k, r, key) for r in HEADLINE_ROWS]
            cells.append(cell(ctx.runs, set_name, ctx.main_k, TEACHER_DEFAULT, teacher_key))
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
    if write_plot(ctx.runs, ctx.sets, ctx.budgets, BENCH_DIR / PLOT_NAME):
        out += [f"![Test accuracy against labels per class]({PLOT_NAME})", ""]
    return out


# Row A against row B, in the order the verdicts are listed.
COMPARISONS = [
    ("fixmatch", "supervised", "Semi-supervised learning first has to beat supervised training: FixMatch − "
                               "supervised"),
    ("freematch", "supervised", "FreeMatch − supervised"),
    ("softmatch", "supervised", "SoftMatch − supervised"),
    (TEACHER_DEFAULT, "fixmatch", "Spatiotemporal SSL student against plain FixMatch: student − FixMatch"),
    (TEACHER_DEFAULT, "fixmatch_input", "Pixel-only student against metadata as input: student − input"),
    (TEACHER_DEFAULT, "stssl_season_ld0", "Distillation: λ_d = 1 − λ_d = 0"),
    (TEACHER_DEFAULT, "supervised", "Spatiotemporal SSL against supervised: student − supervised"),
    (TEACHER_DEFAULT, "peer_rf", "Against what dzetsaka or SCP give: student − random forest"),
    (TEACHER_DEFAULT, "peer_presto_lr", "Against a frozen pretrained encoder: student − frozen Presto + LR"),
    ("presto_stssl", "presto_fixmatch", "From pretrained Presto: Spatiotemporal SSL student − Presto FixMatch"),
    ("presto_stssl", "peer_presto_lr", "Fine-tuned against frozen: Presto student − frozen Presto + LR"),
    ("default", "peer_rf", "The engine's default (backbone auto) − random forest"),
    ("default", "peer_presto_lr", "The engine's default (backbone auto) − frozen Presto + LR"),
    ("default", TEACHER_DEFAULT, "The engine's default (backbone auto) − the CNN student"),
]


def verdict_rules(ctx: Context) -> List[str]:
    n = len(ctx.seeds)
    return ["## Where it helped and where it did not", "",
            "Computed from the runs above. Per cell (one split and budget), row A is **better** than row B "
            "on a metric when A beats B on every seed and by at least 0.005 on average, **worse** when it loses on "
            "every seed by at least 0.005, and otherwise there is **no clear difference**. Differences are A − B, "
            "mean ± std over seeds, then the per-seed values. "
            + (f"With {n} seeds, two equal rows would still agree in sign on every seed with probability "
               f"2/2^{n} = {2 / 2 ** n:.3f} per cell, so some of the verdicts below may be chance; " if ctx.seeds else "")
            + "read \"no clear difference\" as \"not shown\", not as \"equal\". "
            "A split with several budgets also gets one line with its budgets pooled: **better** or **worse** "
            "when a two-sided exact sign test over all its budget × seed pairs (ties left out) gives p < 0.05 and "
            "the mean gap is at least 0.005. That test has more pairs than a cell, so it can speak where the "
            "all-seeds rule cannot; for two equal rows it errs on 1 split in 20, with no correction for the "
            "number of splits and comparisons.", ""]


def comparison_section(ctx: Context) -> List[str]:
    out: List[str] = []
    for row_a, row_b, title in COMPARISONS:
        lines, tally, pooled, split_tally = comparison_lines(ctx.runs, ctx.sets, ctx.budgets, row_a, row_b)
        if not lines:
            continue
        summary = "; ".join(f"{name}: {tally[key]['better']} better, {tally[key]['worse']} worse, "
                            f"{tally[key]['no clear difference']} no clear difference"
                            + (f" ({pooled_summary(pooled[key])}{split_summary(split_tally[key])})"
                               if pooled[key] else "")
                            for key, name in (("accuracy", "accuracy"), ("balanced_accuracy", "balanced acc.")))
        out.append(f"- **{title}** ({summary}):")
        out.extend(lines)
    return out


def student_vs_teacher_section(ctx: Context) -> List[str]:
    """Under shift, the pixel-only student against its own teacher fed the test metadata."""
    lines = []
    for set_name in (s for s in ctx.sets if s in SHIFTED_SETS):
        teacher = values(ctx.runs, set_name, ctx.main_k, TEACHER_DEFAULT, "teacher_accuracy")
        student = values(ctx.runs, set_name, ctx.main_k, TEACHER_DEFAULT, "accuracy")
        seeds_both = sorted(set(teacher) & set(student))
        if len(seeds_both) >= 2:
            gaps = [student[s] - teacher[s] for s in seeds_both]
            diff = (float(np.mean(gaps)), float(np.std(gaps, ddof=1)), gaps)
            lines.append(f"  - {SET_TITLES.get(set_name, set_name)}, {ctx.main_k} labels/class: **{verdict(diff)}** "
                         f"(student − teacher-with-metadata accuracy {fmt_diff(diff)})")
    if not lines:
        return []
    return ["- **Under shift, the pixel-only student against its own teacher fed the test metadata:**"] + lines


def encodings_section(ctx: Context) -> List[str]:
    lines = []
    for set_name in ctx.sets:
        scores = {}
        for row in ("stssl_paper", "stssl_sphere", "stssl_season"):
            v = values(ctx.runs, set_name, ctx.main_k, row, "accuracy")
            if len(v) >= 2:
                scores[row] = float(np.mean(list(v.values())))
        if len(scores) >= 2:
            best = max(scores, key=scores.get)
            ranking = ", ".join(f"{ROWS[r].encoding} {scores[r]:.3f}" for r in sorted(scores, key=scores.get,
                                                                                     reverse=True))
            lines.append(f"  - {SET_TITLES.get(set_name, set_name)}: best `{ROWS[best].encoding}` ({ranking})")
    if not lines:
        return []
    return [f"- **Encodings** (student accuracy at {ctx.main_k} labels/class, mean over seeds):"] + lines


def pseudo_label_section(ctx: Context) -> List[str]:
    diag = diagnostics_lines(ctx.runs, ctx.sets, ctx.main_k)
    if not diag:
        return []
    return [f"- **Why: pseudo-labels of the teacher against plain FixMatch's** ({ctx.main_k} labels/class; "
            "as reported by the engine: the mask rate averaged over training steps, and the pseudo-label "
            "accuracy over training on the unlabelled pool, scored against its true classes that the set "
            "file keeps for diagnostics only (`diagnostic_labels`, never trained on)):"] + diag


def leakage_section(ctx: Context) -> List[str]:
    lines = []
    for set_name in ctx.sets:
        meta = values(ctx.runs, set_name, ctx.main_k, "metadata_only_knn", "accuracy")
        best_pixel = max((float(np.mean(list(values(ctx.runs, set_name, ctx.main_k, r, "accuracy").values())))
                          for r in ("supervised", "fixmatch", TEACHER_DEFAULT)
                          if values(ctx.runs, set_name, ctx.main_k, r, "accuracy")), default=None)
        meta_all = values(ctx.runs, set_name, ctx.main_k, "metadata_only_knn_all", "accuracy")
        if meta and best_pixel is not None:
            with_all = f" (with every training label {np.mean(list(meta_all.values())):.3f})" if meta_all else ""
            lines.append(f"  - {SET_TITLES.get(set_name, set_name)}: metadata only "
                         f"{np.mean(list(meta.values())):.3f}{with_all} against the best pixel model "
                         f"{best_pixel:.3f}")
    if not lines:
        return []
    return [f"- **Leakage floor** ({ctx.main_k} labels/class, accuracy): where metadata alone comes close to the "
            "pixel models, the split rewards memorising places and dates."] + lines


def failures_section(ctx: Context) -> List[str]:
    out = []
    failures = failed_runs(ctx.variant)
    if failures:
        out.append(f"- **{len(failures)} runs failed** and are missing from the tables: "
                   + ", ".join(f"`{p.parent.parent.name}/{p.stem}`" for p in failures[:20])
                   + (" …" if len(failures) > 20 else "") + ".")
    stale = stale_runs()
    if stale:
        reasons = collections.Counter(stale.values())
        out.append(f"- **{len(stale)} cached runs are left out** of the tables ("
                   + ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) + "): `run_accuracy.py` reruns "
                   "them, e.g. `" + ", ".join(f"{p.parent.parent.name}/{p.parent.name}/{p.stem}"
                                              for p in sorted(stale)[:5]) + "`" + (" …" if len(stale) > 5 else "")
                   + ".")
    return out


def all_results_section(ctx: Context, all_sources: List[str]) -> List[str]:
    """One subsection per set: its split rule, its rows per class, and a table per budget. Collects the sets'
    sources into ``all_sources`` for the attribution section."""
    out = ["## All results", ""]
    seed0 = ctx.seeds[0] if ctx.seeds else 0
    for set_name in ctx.sets:
        rule, sources, counts = set_description(set_name, ctx.main_k, seed0)
        all_sources.extend(s for s in sources if s not in all_sources)
        out += [f"### {SET_TITLES.get(set_name, set_name)} (`{set_name}`)", ""]
        if rule:
            out += [f"Split: {rule}.", ""]
        if counts:
            out += ["Rows in the seed-%d set at %d labels/class (true classes, for the record):" % (seed0, ctx.main_k),
                    "", "```", counts, "```", ""]
        for k in ctx.budgets:
            out.extend(budget_table(ctx, set_name, k))
    return out


def budget_table(ctx: Context, set_name: str, k: int) -> List[str]:
    rows_here = [r for r in ROWS if ctx.runs.get((set_name, k, r))]
    if not rows_here:
        return []
    out = [f"**{k} labels per class**", "",
           "| row | accuracy | balanced acc. | macro F1 | teacher acc. (test metadata) | "
           "pseudo-label acc. | mask rate | seeds | s/run |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows_here:
        n = len(ctx.runs[(set_name, k, r)])
        secs = values(ctx.runs, set_name, k, r, "train_seconds")
        out.append(f"| {ROWS[r].label} | " + " | ".join(
            cell(ctx.runs, set_name, k, r, key) for key, _ in METRICS) + " | "
            + cell(ctx.runs, set_name, k, r, "teacher_accuracy") + " | "
            + cell(ctx.runs, set_name, k, r, "pseudo_label_accuracy") + " | "
            + cell(ctx.runs, set_name, k, r, "mask_rate") + f" | {n} | "
            + (f"{np.mean(list(secs.values())):.0f}" if secs else "–") + " |")
    out.append("")
    return out


def sources_section(all_sources: List[str]) -> List[str]:
    out = ["## Data: sources and attributions", ""]
    out += [f"- {source}" for source in all_sources or list(make_splits.SOURCES.values())]
    out += ["- Full provenance, licences and build notes: `../shared/data/*/PROVENANCE.md` (and "
            "`resources/sample/` for Raleigh). Derived sets are rebuilt by `benchmarks/make_splits.py` into the "
            "git-ignored `benchmarks/out/`; no data is committed.", ""]
    doc = make_splits.__doc__ or ""
    return out + ["## How the splits are built", "", doc[doc.index("The split rules"):].strip(), ""]


def build_report(variant: str, seeds: Optional[List[int]] = None) -> str:
    ctx = load_context(variant, seeds)
    all_sources: List[str] = []
    every_seed = load_context(variant).runs if seeds is not None else None  # for the target over all seeds run
    out = header_section(ctx, report_command(variant, seeds)) + coverage_section(variant, seeds) + headline_section(ctx)
    out += presto_section(ctx.runs, ctx.sets, ctx.main_k, every_seed)
    out += normalization_section(ctx.runs, ctx.main_k)
    out += steps_section(ctx.main_k, seeds) + verdict_rules(ctx)
    for section in (comparison_section, student_vs_teacher_section, encodings_section, pseudo_label_section,
                    leakage_section, failures_section):
        out.extend(section(ctx))
    out.append("")
    out += active_learning_section() if variant == "full" else []
    out += all_results_section(ctx, all_sources) + dynamics_section() + speed_section() + presto_speed_section()
    out += sources_section(all_sources)
    return "\n".join(out)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=("full", "quick", "smoke"), default="full")
    parser.add_argument("--out", type=Path, default=RESULTS_MD)
    parser.add_argument("--seeds", help="comma-separated seeds every row is reported on (default: all found)")
    args = parser.parse_args(argv)
    text = build_report(args.variant, [int(s) for s in args.seeds.split(",")] if args.seeds else None)
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
