# SPDX-License-Identifier: GPL-2.0-or-later
"""RESULTS.md section on the normalisation "auto" (core/app/scene_normalization.py) on the single-date sets: the
default row against the same default pinned to one scale from the training tiles, beside the random forest."""
from __future__ import annotations

from typing import List

from reportlib import SET_TITLES, Runs, fmt_diff, paired, values, verdict
from benchlib import fmt_mean_std
from run_accuracy import ROWS, SINGLE_DATE_SETS

COLUMNS = ("default", "default_one_scale", "peer_rf")


def _cell(runs: Runs, set_name: str, k: int, row: str) -> str:
    acc, bal = (values(runs, set_name, k, row, key) for key in ("accuracy", "balanced_accuracy"))
    if not acc:
        return "–"
    return f"{fmt_mean_std(list(acc.values()))} / {fmt_mean_std(list(bal.values()))} ({len(acc)})"


def _mode(runs: Runs, set_name: str, k: int) -> str:
    results = runs.get((set_name, k, "default"), {}).values()
    modes = {(r.get("normalization") or {}).get("mode", "not recorded") for r in results}
    return ", ".join(sorted(modes)) or "–"


def normalization_section(runs: Runs, k: int) -> List[str]:
    sets = [s for s in SINGLE_DATE_SETS if values(runs, s, k, "default_one_scale", "accuracy")]
    if not sets:
        return []
    out = [f"## Normalisation: each raster by its own statistics, on the single-date sets, {k} labels per class", "",
           "The default's normalisation is `auto` (core/app/scene_normalization.py): single-date rasters read by "
           "the CNN are each scaled by their own band statistics, where a scene has at least 1,024 valid pixels; "
           "Presto and series keep one scale from the training tiles. In a patch set each date's tiles are one "
           "scene: its statistics come from its training tiles, and a date that only test tiles show (a raster that "
           "is only classified) is scaled by its own pixels, never by labels. A set of one date (Raleigh) therefore "
           "gets the same scale either way. Where the typical date has fewer pixels (the Mato Grosso dates: a few "
           "scattered pixels a date), `auto` keeps one scale. "
           "The one-scale row is the same default with `--normalization training`, which is how the default ran "
           "before; the from-scratch rows of the other tables keep one scale too. Accuracy / balanced accuracy, "
           "mean ± std (seeds):", "",
           "| split | scaling the default chose | " + " | ".join(ROWS[r].label for r in COLUMNS) + " |",
           "|---" * (len(COLUMNS) + 2) + "|"]
    for set_name in sets:
        out.append(f"| {SET_TITLES.get(set_name, set_name)} | {_mode(runs, set_name, k)} | "
                   + " | ".join(_cell(runs, set_name, k, r) for r in COLUMNS) + " |")
    out += ["", "- **Default (auto) − the same with one scale**, paired by seed:"]
    for set_name in sets:
        parts = []
        for key, name in (("accuracy", "accuracy"), ("balanced_accuracy", "balanced acc.")):
            diff = paired(runs, set_name, k, "default", "default_one_scale", key)
            if diff:
                parts.append(f"{name} **{verdict(diff)}** {fmt_diff(diff)}")
        out.append(f"  - {SET_TITLES.get(set_name, set_name)}: " + ("; ".join(parts) or "not run"))
    return out + [""]
