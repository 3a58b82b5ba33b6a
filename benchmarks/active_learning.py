# SPDX-License-Identifier: GPL-2.0-or-later
"""Simulated labelling: does labelling the suggested tiles beat labelling tiles at random?

    python benchmarks/active_learning.py                                   # mtts_random and raleigh, seeds 0-4
    python benchmarks/active_learning.py --sets raleigh --seeds 0,1,2 --steps 200

Each set starts from its 2-labels-per-class split (benchmarks/make_splits.py). A round trains the engine
(Spatiotemporal SSL: FixMatch with the metadata teacher, the engine's defaults, ``--steps`` steps), scores the
student on the set's test tiles, then "labels" ``--add`` tiles of the unlabelled pool with their true class
(``diagnostic_labels``, which the engine never reads otherwise). The tiles are picked by a strategy:
- ``random``: uniformly from the pool;
- each score of ``core.suggest`` (``confidence``, ``margin``, ``disagreement``, ``ema``): the engine's own
  suggestions, i.e. the model written to a model file, loaded back, the pool scored through
  ``core.suggest.scores`` and picked by ``core.suggest.diversity.select_diverse`` with ``--min-distance``
  tiles between picks (positions from the tiles' latitude/longitude and the set's tile size on the ground).
Round 0 is shared by every strategy of a seed; then each strategy runs its own chain of ``--rounds`` rounds.

Every finished chain is cached as JSON under ``benchmarks/out/active_learning/`` (keyed by the settings), so an
interrupted run resumes. At the end the curves are plotted to ``benchmarks/active_learning.png`` and the tables
are written into ``docs/active_learning.md`` between its results markers.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from benchlib import BENCH_DIR, OUT_DIR, REPO_ROOT, fmt_mean_std, set_path

import make_splits

CACHE_DIR = OUT_DIR / "active_learning"
PLOT = BENCH_DIR / "active_learning.png"
DOC = REPO_ROOT / "docs" / "active_learning.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
START_LABELS_PER_CLASS = 2
# A tile's width on the ground, for the distance rule: Raleigh's 8 px tiles of 28.5 m Landsat pixels, and the
# 250 m MODIS pixel of a Mato Grosso series (each series is one 1x1 px tile).
TILE_METRES = {"raleigh": 8 * 28.5, "mtts_random": 250.0, "mtts_blocks": 250.0, "mtts_west_east": 250.0}
EARTH_RADIUS_M = 6_371_000.0
LABELS = {"random": "random", "confidence": "low confidence", "margin": "small margin",
          "disagreement": "teacher-student disagreement", "ema": "EMA-online disagreement"}


def _engine():
    from spatiotemporal_ssl.core.app import evaluate, modelfile
    from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
    from spatiotemporal_ssl.core.data.normalization import BandStats
    from spatiotemporal_ssl.core.learning import metrics, trainer, training_data
    from spatiotemporal_ssl.core.params import ClassSpec, TrainOptions
    from spatiotemporal_ssl.core.suggest import diversity, scores

    return argparse.Namespace(evaluate=evaluate, modelfile=modelfile, MetadataEncoder=MetadataEncoder,
                              BandStats=BandStats, metrics=metrics, trainer=trainer, training_data=training_data,
                              ClassSpec=ClassSpec, TrainOptions=TrainOptions, diversity=diversity, scores=scores)


class Simulation:
    """One set file: its normalised tiles, the true labels of the pool, and training/scoring with the engine."""

    def __init__(self, set_name: str, seed: int, steps: int, min_distance: float):
        self.e = _engine()
        self.path = set_path(set_name, START_LABELS_PER_CLASS, seed)
        self.seed, self.steps, self.min_distance = seed, steps, min_distance
        ps = self.e.evaluate.load_patch_set(str(self.path))
        if ps["diagnostic_labels"] is None:
            raise SystemExit(f"{self.path.name} has no diagnostic_labels: rebuild it with make_splits.py")
        self.ps = ps
        self.images = self.e.evaluate.normalized_images(ps, seed)
        self.truth = np.asarray(ps["diagnostic_labels"], dtype=np.int64)
        self.num_classes = ps["num_classes"]
        self.test = (ps["split"] == "test") & (self.truth >= 0)
        self.train_side = ps["split"] != "test"
        self.start_labeled = (ps["split"] == "labeled") & (ps["labels"] >= 0)
        self.encoder = self.e.MetadataEncoder("season", 3)
        self.round0_fit = None
        # Positions in tile widths (equirectangular about the set's mean latitude), for the distance rule.
        metres = TILE_METRES.get(set_name, 250.0)
        lat0 = math.radians(float(np.nanmean(ps["lat"])))
        self.xy = np.stack([np.radians(ps["lon"]) * math.cos(lat0), np.radians(ps["lat"])], axis=1) * EARTH_RADIUS_M / metres

    def options(self):
        return self.e.TrainOptions(method="fixmatch", metadata="teacher", encoding="season", backbone="cnn", steps=self.steps,
                                   seed=self.seed, device="cpu", tile_size_px=int(self.images.shape[-1]))

    def train(self, labeled: np.ndarray):
        """Train on the labelled rows (true classes) plus the rest of the training side as the unlabelled pool."""
        sel = np.flatnonzero(self.train_side)
        targets = np.where(labeled, self.truth, -1)[sel]
        opts = self.options()
        data, _, _ = self.e.training_data.assemble_training_data(
            self.images[sel], targets, labeled[sel], self.ps["lat"][sel], self.ps["lon"][sel], self.ps["doy"][sel],
            self.encoder, self.num_classes, False, opts.val_fraction, self.seed)
        return self.e.trainer.Trainer(opts).fit(data)

    def test_metrics(self, fit) -> Dict[str, float]:
        import torch

        idx = np.flatnonzero(self.test)
        meta = self.e.training_data.meta_batch(self.encoder, self.ps["lat"][idx], self.ps["lon"][idx], self.ps["doy"][idx])
        logits = self.e.trainer.predict_logits(fit.model.student, torch.from_numpy(self.images[idx]), meta,
                                               torch.device("cpu")).numpy()
        m = self.e.metrics.summarize(self.truth[idx], logits, False, self.num_classes)
        return {"accuracy": float(m["accuracy"]), "balanced_accuracy": float(m["balanced_accuracy"])}

    def loaded_model(self, fit, folder: str):
        """The run as a model file, loaded back: what `stssl suggest` and the dock score with. The tiles are
        normalised already, so the file's band statistics are the identity."""
        c = self.images.shape[1]
        path = str(Path(folder) / "model.pt")
        classes = [self.e.ClassSpec(k, str(n), (0, 0, 0)) for k, n in enumerate(self.ps["class_names"])]
        self.e.modelfile.save_model(
            path, student=fit.model.student, teacher=fit.model.teacher, classes=classes,
            band_stats=self.e.BandStats(np.zeros(c), np.ones(c)), tile_size_px=int(self.images.shape[-1]),
            stride_px=1, encoder=self.encoder, metadata_mode="teacher", multi_label=False,
            options=self.options().to_dict(), provenance=[], report={}, training_state=fit.training_state,
            overwrite=True)
        return self.e.modelfile.load_model(path, device="cpu")

    def pick(self, fit, labeled: np.ndarray, strategy: str, n: int, rng: np.random.Generator) -> np.ndarray:
        pool = np.flatnonzero(self.train_side & ~labeled & (self.truth >= 0))
        if strategy == "random":
            return rng.choice(pool, size=min(n, len(pool)), replace=False)
        with tempfile.TemporaryDirectory() as folder:
            model = self.loaded_model(fit, folder)
            probs = self.e.scores.tile_probabilities(model, self.images[pool], self.ps["lat"][pool], self.ps["lon"][pool],
                                                     self.ps["doy"][pool], self.e.scores.networks_for(strategy))
        score = self.e.scores.score_tiles(probs, strategy)
        chosen = self.e.diversity.select_diverse(score, self.xy[pool], n, self.min_distance).indices
        return pool[chosen]


def _cache_file(set_name: str, seed: int, strategy: str, args) -> Path:
    return CACHE_DIR / f"{set_name}_s{seed}_{strategy}_steps{args.steps}_add{args.add}_d{args.min_distance:g}.json"


def run_chain(sim: Simulation, strategy: str, args) -> dict:
    """Rounds 0..R of one strategy: labels used and test metrics after each round."""
    labeled = sim.start_labeled.copy()
    rng = np.random.default_rng(1000 + sim.seed)
    if sim.round0_fit is None:  # the same first training for every strategy of this seed
        sim.round0_fit = sim.train(labeled)
    fit = sim.round0_fit
    rounds = [{"labels": int(labeled.sum()), **sim.test_metrics(fit)}]
    for r in range(1, args.rounds + 1):
        t0 = time.perf_counter()
        picked = sim.pick(fit, labeled, strategy, args.add, rng)
        labeled[picked] = True
        fit = sim.train(labeled)
        rounds.append({"labels": int(labeled.sum()), **sim.test_metrics(fit),
                       "picked_classes": np.bincount(sim.truth[picked], minlength=sim.num_classes).tolist(),
                       "seconds": round(time.perf_counter() - t0, 1)})
        print(f"  {strategy:>12} round {r}: {rounds[-1]['labels']} labels, acc {rounds[-1]['accuracy']:.3f} "
              f"({rounds[-1]['seconds']} s)", flush=True)
    return {"strategy": strategy, "rounds": rounds}


def run(args) -> Dict[str, Dict[str, List[dict]]]:
    import torch

    torch.set_num_threads(args.threads)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if not args.report:
        make_splits.build(args.sets, [START_LABELS_PER_CLASS], args.seeds, make_splits.DEFAULT_UNLABELED_CAP,
                          make_splits.DEFAULT_TEST_CAP, verbose=False)
    results: Dict[str, Dict[str, List[dict]]] = {}
    for set_name in args.sets:
        results[set_name] = {s: [] for s in args.strategies}
        for seed in args.seeds:
            sim = None
            for strategy in args.strategies:
                cache = _cache_file(set_name, seed, strategy, args)
                if cache.exists():
                    chain = json.loads(cache.read_text())
                elif args.report:
                    continue
                else:
                    if sim is None:
                        sim = Simulation(set_name, seed, args.steps, args.min_distance)
                    print(f"{set_name} seed {seed}: {strategy}", flush=True)
                    chain = run_chain(sim, strategy, args)
                    tmp = cache.with_suffix(".tmp")
                    tmp.write_text(json.dumps(chain, indent=1))
                    tmp.replace(cache)  # a killed run never leaves half a cache file
                results[set_name][strategy].append(chain)
        if args.report:  # only strategies run on every seed are compared
            missing = [s for s, chains in results[set_name].items() if len(chains) < len(args.seeds)]
            for s in missing:
                print(f"{set_name}: {s} has cached chains for {len(results[set_name][s])} of {len(args.seeds)} seeds; "
                      "left out", file=sys.stderr)
                del results[set_name][s]
            if "random" not in results[set_name]:
                raise SystemExit(f"{set_name}: the random strategy is not cached for every seed; run without --report")
    return results


# --------------------------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------------------------
def curve(chains: List[dict], metric: str):
    labels = [r["labels"] for r in chains[0]["rounds"]]
    values = np.array([[r[metric] for r in c["rounds"]] for c in chains])  # (seeds, rounds)
    return np.asarray(labels), values


def labels_to_reach(labels: np.ndarray, mean: np.ndarray, target: float) -> Optional[float]:
    """Fewest labels at which the mean curve reaches ``target`` (linear between rounds); None if never."""
    for i in range(len(labels)):
        if mean[i] >= target:
            if i == 0:
                return float(labels[0])
            a, b = mean[i - 1], mean[i]
            return float(labels[i - 1] + (labels[i] - labels[i - 1]) * (target - a) / (b - a))
    return None


def reaches(by_strategy: Dict[str, List[dict]], metric: str) -> Dict[str, Optional[float]]:
    """Labels each strategy's mean curve needs to reach random's final mean (None: never within the rounds)."""
    labels, rand = curve(by_strategy["random"], metric)
    target = float(rand.mean(axis=0)[-1])
    return {s: labels_to_reach(labels, curve(c, metric)[1].mean(axis=0), target) for s, c in by_strategy.items()}


def labels_saved(by_strategy: Dict[str, List[dict]], metric: str) -> Dict[str, Optional[float]]:
    """Random's labels to reach its own final mean minus each strategy's, both by the same first-crossing rule, so
    a noisy random curve that touches its final value early does not flatter the others."""
    reach = reaches(by_strategy, metric)
    return {s: None if r is None else reach["random"] - r for s, r in reach.items()}


def final_gaps(results, score: str, metric: str = "accuracy") -> List[float]:
    """Per set: the score's final-round mean minus random's."""
    return [float(curve(by[score], metric)[1].mean(axis=0)[-1] - curve(by["random"], metric)[1].mean(axis=0)[-1])
            for by in results.values()]


def choose_default(results, metric: str = "accuracy"):
    """The default score. First rule: among the scores that reach random's final mean accuracy on every set, the
    most labels saved summed over the sets. When no score qualifies, the fallback: the score whose final mean
    accuracy falls least behind random's on its worst set. Returns (score, rule, per-score totals)."""
    scores = [s for s in next(iter(results.values())) if s != "random"]
    totals: Dict[str, Optional[float]] = {}
    for score in scores:
        per_set = [labels_saved(by, metric).get(score) for by in results.values()]
        totals[score] = None if any(v is None for v in per_set) else float(sum(per_set))
    qualified = sorted((t, s) for s, t in totals.items() if t is not None and t > 0)
    if qualified:
        return qualified[-1][1], "labels saved", totals
    return max(scores, key=lambda s: min(final_gaps(results, s, metric))), "worst-set final gap", totals


def summary_markdown(results, args, metric_names=("accuracy", "balanced_accuracy")) -> str:
    lines = []
    for set_name, by_strategy in results.items():
        seeds = len(next(iter(by_strategy.values())))
        lines.append(f"### `{set_name}` ({seeds} seeds)\n")
        for metric in metric_names:
            labels, _ = curve(by_strategy["random"], metric)
            lines.append(f"**Test {metric.replace('_', ' ')}** (mean ± std over seeds) against labelled tiles\n")
            lines.append("| strategy | " + " | ".join(str(int(n)) for n in labels) +
                         " | mean of rounds 1–%d | labels to reach random's final mean | labels saved |" % (len(labels) - 1))
            lines.append("|---|" + "---|" * (len(labels) + 3))
            reach, saved = reaches(by_strategy, metric), labels_saved(by_strategy, metric)
            for strategy, chains in by_strategy.items():
                _, values = curve(chains, metric)
                cells = [fmt_mean_std(values[:, i].tolist()) for i in range(values.shape[1])]
                later = fmt_mean_std(values[:, 1:].mean(axis=1).tolist())
                r, v = reach[strategy], saved[strategy]
                lines.append(f"| {LABELS.get(strategy, strategy)} | " + " | ".join(cells) + f" | {later}" +
                             f" | {'not reached' if r is None else f'{r:.1f}'} | {'–' if v is None else f'{v:.1f}'} |")
            lines.append("")
        # Per-seed final gaps against random, so a mean is not read without its spread.
        lines.append("Final-round accuracy minus random's, per seed: " + "; ".join(
            f"{LABELS.get(s, s)} " + ", ".join(f"{a - b:+.3f}" for a, b in zip(curve(c, 'accuracy')[1][:, -1],
                                                                              curve(by_strategy['random'], 'accuracy')[1][:, -1]))
            for s, c in by_strategy.items() if s != "random") + "\n")
    best, rule, totals = choose_default(results)
    lines.append("**Default score.** First rule: among the scores that reach random's final mean accuracy on every "
                 "set, the most labels saved summed over the sets: " +
                 ", ".join(f"{LABELS.get(s, s)} {'not reached on every set' if t is None else f'{t:+.1f}'}"
                           for s, t in totals.items()) + ".")
    if rule != "labels saved":
        lines.append("No score qualifies, so the fallback decides: the score whose final mean accuracy falls least "
                     "behind random's on its worst set (final mean minus random's, per set " +
                     ", ".join(f"`{n}`" for n in results) + "): " +
                     "; ".join(f"{LABELS.get(s, s)} " + ", ".join(f"{g:+.3f}" for g in final_gaps(results, s))
                               for s in totals) + ".")
    lines.append(f"→ **{best}** ({rule}).\n")
    return "\n".join(lines)


def plot(results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 4), squeeze=False)
    for ax, (set_name, by_strategy) in zip(axes[0], results.items()):
        for strategy, chains in by_strategy.items():
            labels, values = curve(chains, "accuracy")
            mean, std = values.mean(axis=0), values.std(axis=0)
            style = "--" if strategy == "random" else "-"
            ax.plot(labels, mean, style, marker="o", label=LABELS.get(strategy, strategy))
            ax.fill_between(labels, mean - std, mean + std, alpha=0.12)
        ax.set_title(f"{set_name} ({len(next(iter(by_strategy.values())))} seeds)")
        ax.set_xlabel("labelled tiles")
        ax.set_ylabel("test accuracy (student)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def write_doc(text: str, header: str) -> None:
    doc = DOC.read_text() if DOC.exists() else ""
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{DOC} lacks the markers {BEGIN} / {END}; add them where the results belong")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{header}\n\n{text}\n{END}{tail}")
    print(f"wrote {DOC}")


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sets", default="mtts_random,raleigh")
    p.add_argument("--seeds", default="0,1,2,3,4")
    p.add_argument("--strategies", default="random,confidence,margin,disagreement,ema")
    p.add_argument("--steps", type=int, default=200, help="training steps per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--add", type=int, default=10, help="labels added per round")
    p.add_argument("--min-distance", type=float, default=2.0, help="tiles between suggestions (the CLI default)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--no-doc", action="store_true", help="do not write docs/active_learning.md")
    p.add_argument("--report", action="store_true", help="train nothing: summarise the cached chains (strategies "
                                                         "cached for every seed)")
    args = p.parse_args(argv)
    args.sets = [s for s in args.sets.split(",") if s]
    args.seeds = [int(s) for s in args.seeds.split(",") if s]
    args.strategies = [s for s in args.strategies.split(",") if s]
    if "random" not in args.strategies:
        p.error("--strategies must include random (the baseline)")
    results = run(args)
    text = summary_markdown(results, args)
    print(text)
    plot(results, PLOT)
    if not args.no_doc:
        command = "python benchmarks/active_learning.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_doc(text, f"Produced by `{command.strip()}` ({args.steps} steps per round, {args.add} labels per "
                        f"round, minimum distance {args.min_distance:g} tiles).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
