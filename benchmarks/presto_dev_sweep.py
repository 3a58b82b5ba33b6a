# SPDX-License-Identifier: GPL-2.0-or-later
"""Settings of the Presto rows compared on the development sets (dev_sets.py), never on the test split.

    python benchmarks/presto_dev_sweep.py --configs stssl,stssl_token --sets mtts_random --seeds 0,1,2

Each config is a list of `stssl evaluate` options; every run is a JSON file under
``out/dev_runs/<config>/<set>_k<k>_s<seed>.json`` (skipped when there), and the table at the end gives the dev
accuracy (training-side locations held out of training; see dev_sets.py), the teacher's, the mask rate and the
pseudo-label accuracy of the pseudo-labelling network on the unlabelled pool, mean ± std over the seeds.
"""
from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

from benchlib import OUT_DIR, fmt_mean_std

from dev_sets import build_dev_set, dev_path
from run_accuracy import STSSL, run_engine
from benchlib import set_path

PRESTO = ["--backbone", "presto", "--batch-size", "16", "--unlabeled-ratio", "3"]
PRESTO_B8 = ["--backbone", "presto", "--batch-size", "8", "--unlabeled-ratio", "3"]
CONFIGS: Dict[str, List[str]] = {
    "supervised": PRESTO + ["--method", "supervised", "--metadata", "none"],
    "fixmatch": PRESTO + ["--method", "fixmatch", "--metadata", "none"],
    "stssl": PRESTO + ["--method", "fixmatch", "--metadata", "teacher"],
    "stssl_token": PRESTO + ["--method", "fixmatch", "--metadata", "teacher", "--student-view", "token"],
    "stssl_ld0": PRESTO + ["--method", "fixmatch", "--metadata", "teacher", "--lambda-d", "0"],
    "stssl_enc1e-5": PRESTO + ["--method", "fixmatch", "--metadata", "teacher", "--encoder-lr", "1e-5"],
    "stssl_enc1e-3": PRESTO + ["--method", "fixmatch", "--metadata", "teacher", "--encoder-lr", "1e-3"],
    "fixmatch_enc1e-5": PRESTO + ["--method", "fixmatch", "--metadata", "none", "--encoder-lr", "1e-5"],
    "quick": PRESTO + ["--method", "quick", "--metadata", "none"],
    "stssl_b8": PRESTO_B8 + ["--method", "fixmatch", "--metadata", "teacher"],
    "fixmatch_b8": PRESTO_B8 + ["--method", "fixmatch", "--metadata", "none"],
    "supervised_b8": PRESTO_B8 + ["--method", "supervised", "--metadata", "none"],
    "quick_lr1e-2": PRESTO + ["--method", "quick", "--metadata", "none", "--lr", "1e-2"],
    "quick_lr3e-2": PRESTO + ["--method", "quick", "--metadata", "none", "--lr", "3e-2"],
    "supervised_pool1": PRESTO + ["--method", "supervised", "--metadata", "none", "--temporal-pool", "1"],
}
DEV_RUNS = OUT_DIR / "dev_runs"
PEERS = ("peer_rf", "peer_presto_lr", "peer_presto_lr_student", "peer_presto_lr_teacher")  # peers.py's rows, for scale


_PEER_FEATURES = []


def peer_features():
    import peers

    if not _PEER_FEATURES:
        _PEER_FEATURES.append(peers.PrestoFeatures(None, 1))
    return _PEER_FEATURES[0]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="supervised,fixmatch,stssl")
    parser.add_argument("--sets", default="mtts_random")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--extra", default="", help="extra options for every run (part of the run's folder name)")
    args = parser.parse_args(argv)
    configs = args.configs.split(",")
    unknown = [c for c in configs if c not in CONFIGS and c not in PEERS]
    if unknown:
        parser.error(f"unknown config(s) {unknown}; choose from {list(CONFIGS)}")
    extra = args.extra.split()
    todo = []
    for set_name in args.sets.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            dev = dev_path(set_name, args.k, seed)
            if not dev.exists():
                build_dev_set(set_path(set_name, args.k, seed), dev, seed)
            for config in configs:
                tag = config + (f"_steps{args.steps}" if args.steps != 500 else "") + \
                    ("_" + "_".join(e.strip("-") for e in extra) if extra else "")
                out = DEV_RUNS / tag / f"{set_name}_k{args.k}_s{seed}.json"
                todo.append((tag, set_name, seed, dev, config, out))

    def one(item) -> None:
        tag, set_name, seed, dev, config, out = item
        if out.exists():
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        if config in PEERS:
            import peers

            result = peers.run_one(dev, config, seed, peer_features() if config != "peer_rf" else None)
            out.write_text(json.dumps(result, indent=1))
            print(f"  {tag} {set_name} s{seed}: dev {result['accuracy']:.3f}", flush=True)
            return
        tmp = out.with_suffix(".running.json")
        command = [str(STSSL), "evaluate", "--patches", str(dev), "--steps", str(args.steps), "--seed", str(seed),
                   "--device", "cpu", "--json", str(tmp)] + CONFIGS[config] + extra
        result, error = run_engine(command, tmp, 7200, 1)
        tmp.unlink(missing_ok=True)
        if result is None:
            print(f"  {tag} {set_name} s{seed} FAILED: {error[-500:]}", flush=True)
            return
        result["command"] = command
        out.write_text(json.dumps(result, indent=1))
        print(f"  {tag} {set_name} s{seed}: dev {result['accuracy']:.3f} teacher {result.get('teacher_accuracy')} "
              f"mask {result.get('mask_rate')} pl {result.get('pseudo_label_accuracy')} "
              f"({result['train_seconds']:.0f} s)", flush=True)

    for item in todo:  # the peers in this process, one at a time
        if item[4] in PEERS:
            one(item)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(one, [item for item in todo if item[4] not in PEERS]))
    print("\n| config | set | dev accuracy | teacher | mask rate | pseudo-label acc. | seeds |\n|---|---|---|---|---|---|---|")
    for tag in dict.fromkeys(t for t, *_ in todo):
        for set_name in dict.fromkeys(s for t, s, *_ in todo if t == tag):
            runs = [json.loads(o.read_text()) for t, s, _, _, _, o in todo if t == tag and s == set_name and o.exists()]
            if not runs:
                continue
            cells = [fmt_mean_std([r[key] for r in runs if r.get(key) is not None])
                     for key in ("accuracy", "teacher_accuracy", "mask_rate", "pseudo_label_accuracy")]
            print(f"| {tag} | {set_name} | " + " | ".join(cells) + f" | {len(runs)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
