# SPDX-License-Identifier: GPL-2.0-or-later
"""The Presto rows beside the peer rows, from the run files: a markdown table for docs (mean ± std over seeds).

    python benchmarks/presto_table.py [--variant presto] [--peer-variant full] [--seeds 0,1,2,3,4]

Engine rows come from ``runs/<variant>/`` (run_accuracy.py --variant presto), the peer rows from
``runs/<peer-variant>/`` (peers.py), on the same set files (their content hashes are checked to match).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from benchlib import RUNS_DIR, fmt_mean_std

from run_accuracy import PRESTO_ROWS, SERIES_SETS

PEER_ROWS = ["peer_rf", "peer_presto_lr", "peer_presto_lr_student", "peer_presto_lr_teacher"]


def load(variant: str, set_name: str, seed: int, row: str) -> Optional[dict]:
    path = RUNS_DIR / variant / f"{set_name}_k10_s{seed}" / f"{row}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", default="presto")
    parser.add_argument("--peer-variant", default="full")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--sets", default=",".join(SERIES_SETS))
    parser.add_argument("--rows", default=",".join(PRESTO_ROWS))
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    sets = args.sets.split(",")
    rows = [(r, args.variant) for r in args.rows.split(",")] + [(r, args.peer_variant) for r in PEER_ROWS]
    print("| row | " + " | ".join(sets) + " |\n|---|" + "---|" * len(sets))
    diagnostics = []
    for row, variant in rows:
        cells = []
        for set_name in sets:
            runs = [load(variant, set_name, s, row) for s in seeds]
            found = [r for r in runs if r is not None]
            shas = {r["bench"]["set_sha1"] for r in found if "bench" in r}
            peers_sha = {load(args.peer_variant, set_name, s, "peer_rf")["bench"]["set_sha1"]
                         for s in seeds if load(args.peer_variant, set_name, s, "peer_rf") is not None}
            mismatch = " (other set files!)" if peers_sha and not shas <= peers_sha else ""
            cells.append((fmt_mean_std([r["accuracy"] for r in found]) + f" ({len(found)})" + mismatch)
                         if found else "–")
            if found and row in ("presto_fixmatch", "presto_stssl"):
                diagnostics.append((row, set_name, found))
        print(f"| {row} | " + " | ".join(cells) + " |")
    print("\n| row | set | student | teacher | mask rate | pseudo-label acc. (unlabelled pool) |\n|---|---|---|---|---|---|")
    for row, set_name, found in diagnostics:
        cells = [fmt_mean_std([r.get(k) for r in found])
                 for k in ("accuracy", "teacher_accuracy", "mask_rate", "pseudo_label_accuracy")]
        print(f"| {row} | {set_name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
