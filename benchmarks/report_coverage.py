# SPDX-License-Identifier: GPL-2.0-or-later
"""Which runs the report's grids ask for and the committed cache does not hold yet.

The full benchmark takes longer than one working session on a 2-core CPU, so it runs in pieces and RESULTS.md can be
written while some runs are still missing. This section says so at the top, by row, so a table with gaps is never
read as complete.
"""
from __future__ import annotations

import collections
from typing import Dict, List, Optional, Tuple

from reportlib import load_runs
from run_accuracy import CURVE_SEEDS, CURVE_STEPS, MAIN_BUDGET, MAIN_SETS, curve_tag, grid_for

# The runs folders a full report reads besides its own, and the grid each one runs.
MERGED = {"full": "presto"}


def expected_cells(variant: str, seeds: Optional[List[int]]) -> List[Tuple[str, str, int, int, str]]:
    """(runs folder, set, labels per class, seed, row) of every run the report of ``variant`` reads."""
    cells = []
    for tag in [variant] + ([MERGED[variant]] if variant in MERGED else []):
        grid = grid_for(tag)
        cells += [(tag, s, k, seed, row.name) for s, k, seed, row in grid.cells() if seeds is None or seed in seeds]
    if variant == "full":  # the training-length curve: the default at its own lengths (run_all.py)
        for steps in CURVE_STEPS:
            cells += [(curve_tag(steps), s, MAIN_BUDGET, seed, "default") for s in MAIN_SETS
                      for seed in (seeds if seeds is not None else CURVE_SEEDS)]
    return cells


def found_runs(variant: str, seeds: Optional[List[int]]) -> Dict[Tuple[str, str, int, int, str], Optional[dict]]:
    """Every cell of :func:`expected_cells` with its run's ``bench`` record, or None where the cache has no run
    that is still its row (a stale run, made on another set file or under other engine defaults, counts as none)."""
    cells = expected_cells(variant, seeds)
    present = {tag: load_runs(tag) for tag in {c[0] for c in cells}}
    found: Dict[Tuple[str, str, int, int, str], Optional[dict]] = {}
    for cell in cells:
        tag, set_name, k, seed, row = cell
        result = present[tag].get((set_name, k, row), {}).get(seed)
        found[cell] = None if result is None else result.get("bench", {})
    return found


def missing_by_row(variant: str, seeds: Optional[List[int]]) -> Tuple[int, Dict[str, int]]:
    """(runs asked for, {row: runs missing}); the curve's rows are named with their runs folder."""
    found = found_runs(variant, seeds)
    missing: Dict[str, int] = collections.Counter()
    for (tag, _set, _k, _seed, row), bench in found.items():
        if bench is None:
            missing[row if tag in (variant, MERGED.get(variant)) else f"{row} ({tag})"] += 1
    return len(found), dict(missing)


def provenance_lines(variant: str, seeds: Optional[List[int]]) -> List[str]:
    """One line per machine that made the runs the report reads: how many, on which dates, from which commits."""
    by_machine: Dict[str, list] = collections.defaultdict(list)
    for bench in found_runs(variant, seeds).values():
        if bench is not None:
            by_machine[bench.get("machine", "a machine not recorded")].append(bench)
    lines = []
    for machine, benches in sorted(by_machine.items(), key=lambda item: -len(item[1])):
        dates = sorted({b["date"] for b in benches if b.get("date")})
        commits = sorted({b["commit"] for b in benches if b.get("commit")})
        when = f"{dates[0]} to {dates[-1]}" if len(dates) > 1 else (dates[0] if dates else "date not recorded")
        lines.append(f"{len(benches)} runs on {machine}, {when}, at commit{'s' if len(commits) > 1 else ''} "
                     + (", ".join(f"`{c}`" for c in commits) if commits else "not recorded"))
    return lines


def coverage_section(variant: str, seeds: Optional[List[int]]) -> List[str]:
    total, missing = missing_by_row(variant, seeds)
    if not missing:
        return []
    seeds_flag = f" --seeds {','.join(map(str, seeds))}" if seeds else ""
    return ["> **Incomplete:** this report holds "
            f"{total - sum(missing.values())} of the {total} runs its grids ask for"
            + (f" on seeds {', '.join(map(str, seeds))}" if seeds else "") + ". Missing, by row: "
            + ", ".join(f"`{row}` {n}" for row, n in sorted(missing.items())) + ". A table cell with fewer seeds "
            f"than the others, or a dash, is one of these. `python benchmarks/run_all.py{seeds_flag}` runs them, "
            "resuming from the committed runs.", ""]
