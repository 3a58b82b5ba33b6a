# SPDX-License-Identifier: GPL-2.0-or-later
"""One command for the whole benchmark: splits, speed and memory, the accuracy grid, the default at other
training lengths, the supervised-vs-FixMatch training curves (ssl_dynamics.py), then RESULTS.md.

    python benchmarks/run_all.py --quick     # minutes: checks the pipeline end to end
    python benchmarks/run_all.py             # the full benchmark (hours on a 2-core CPU: the Presto rows dominate)
    python benchmarks/run_all.py --fresh     # forget cached runs and speed results first

Finished accuracy runs are cached in benchmarks/runs/<variant>/, which is committed: an interrupted run resumes, on
this machine or on a fresh clone, so the benchmark can be run over several sessions; --fresh starts over. The speed
benchmarks run first, alone, so the accuracy runs do not disturb their timings.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

from benchlib import BENCH_DIR, OUT_DIR, REPO_ROOT, RUNS_DIR, SPEED_DIR
from run_accuracy import CURVE_SEEDS, CURVE_STEPS, MAIN_BUDGET, MAIN_SETS, curve_tag, grid_for


def step(title: str, command: List[str]) -> bool:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    code = subprocess.run(command, cwd=REPO_ROOT).returncode
    print(f"=== {title}: {'done' if code == 0 else f'exit code {code}'} in {(time.perf_counter() - started) / 60:.1f} min",
          flush=True)
    return code == 0


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="delete cached runs and speed results first")
    parser.add_argument("--skip-speed", action="store_true", help="keep the existing speed results")
    parser.add_argument("--jobs", type=int, default=2, help="accuracy runs side by side")
    parser.add_argument("--seeds", help="comma-separated seeds of every accuracy run and of the report (default: "
                        "the grid's, 0-4 for the full variant, and 0-2 for the training-length curve)")
    args = parser.parse_args(argv)
    python = sys.executable
    variant = "quick" if args.quick else "full"
    quick = ["--quick"] if args.quick else []
    if args.fresh:
        shutil.rmtree(RUNS_DIR / variant, ignore_errors=True)
        if not args.skip_speed:
            for name in ("train.json", "predict.json"):
                (SPEED_DIR / name).unlink(missing_ok=True)
        (OUT_DIR / "diagnostics" / "ssl_dynamics.json").unlink(missing_ok=True)
    started = time.perf_counter()
    grid = grid_for(variant)  # build the splits the grid uses, no more
    if args.seeds:
        grid.seeds = [int(s) for s in args.seeds.split(",")]
    seeds = ["--seeds", ",".join(map(str, grid.seeds))] if args.seeds else []
    ok = step("splits", [python, str(BENCH_DIR / "make_splits.py"),
                         "--budgets", ",".join(map(str, grid.budgets)), "--seeds", ",".join(map(str, grid.seeds))])
    if not args.skip_speed:
        ok &= step("training speed", [python, str(BENCH_DIR / "bench_train.py")] + quick)
        ok &= step("prediction speed and memory", [python, str(BENCH_DIR / "bench_predict.py")] + quick)
        if not args.quick:  # the Presto backbone: speed on one block, then memory over many small blocks
            presto = [python, str(BENCH_DIR / "bench_presto_predict.py")]
            ok &= step("Presto prediction speed", presto + ["--side", "128", "--memory-sides", "64,320"])
            ok &= step("Presto prediction memory", presto + ["--block-px", "64", "--memory-sides", "64,192,320,448"])
    ok &= step("accuracy grid", [python, str(BENCH_DIR / "run_accuracy.py"), "--jobs", str(args.jobs)] + quick + seeds)
    if not args.quick:  # the pretrained encoder's rows, then the default at other training lengths
        accuracy = [python, str(BENCH_DIR / "run_accuracy.py"), "--jobs", str(args.jobs), "--timeout", "5400"]
        ok &= step("Presto rows", accuracy + ["--variant", "presto"] + seeds)
        # The grid has the default at its own 500 steps and at the dock's 1,000 (default_train_steps).
        for steps in CURVE_STEPS:
            ok &= step(f"the default at {steps} steps", accuracy + [
                "--variant", "full", "--rows", "default", "--sets", ",".join(MAIN_SETS), "--budgets",
                str(MAIN_BUDGET), "--seeds", args.seeds or ",".join(map(str, CURVE_SEEDS)), "--steps", str(steps),
                "--tag", curve_tag(steps)])
    ok &= step("supervised vs FixMatch during training", [python, str(BENCH_DIR / "ssl_dynamics.py")] + quick)
    ok &= step("report", [python, str(BENCH_DIR / "report.py"), "--variant", variant] + seeds)
    print(f"\n{'all done' if ok else 'finished with failures (see above)'} in "
          f"{(time.perf_counter() - started) / 60:.1f} min; see {Path(BENCH_DIR / 'RESULTS.md').relative_to(REPO_ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
