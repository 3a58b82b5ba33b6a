# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the accuracy grid: patch sets x label budgets x seeds x rows, one `stssl evaluate` per cell.

    python benchmarks/run_accuracy.py --quick          # minutes: a few sets, one budget, 3 seeds, few steps
    python benchmarks/run_accuracy.py                  # the full grid (fits the 2-hour CPU budget with the speed runs)
    python benchmarks/run_accuracy.py --dry-run        # print the plan and an estimate of the time it takes

Every finished run is a JSON file under ``benchmarks/runs/<variant>/<set>_k<k>_s<seed>/<row>.json``, committed with
the code (the records, no data), with the date, commit and machine that made it. A rerun skips
the runs whose JSON is there and still matches the set file (by content hash), the settings and, for engine rows, the
engine's default options (a changed default reruns them), so an interrupted
grid resumes where it stopped. Failed runs are recorded under ``failed/`` beside them with the end of their stderr,
and retried next time.

Rows (the ``metadata`` of `stssl evaluate` in brackets):
- ``metadata_only_knn`` / ``metadata_only_logistic``: no pixels, the leakage floor (benchmarks/metadata_only.py);
  ``metadata_only_knn_all`` is the same k-NN given the labels of every training-side row, for context;
- ``supervised``, ``fixmatch``, ``freematch``, ``softmatch`` [none];
- ``fixmatch_input`` [input]: one network sees metadata when trained and when tested;
- ``stssl_season``, ``stssl_paper``, ``stssl_sphere`` [teacher]: Spatiotemporal SSL with each encoding; the pixel-only
  student is scored, and the JSON also has the teacher scored with the test metadata;
- ``stssl_season_ld0`` [teacher, lambda_d = 0]: no distillation.
- ``presto_supervised``, ``presto_fixmatch`` [none], ``presto_stssl`` [teacher], ``presto_quick`` (Quick map, a linear
  probe on the frozen embedding): the pretrained Presto backbone (core/models/presto_backbone.py) on the series sets,
  whose files carry ``band_names`` and ``timestep_dates``; weights from ``../shared/pretrained/presto``. They run with
  8 labelled + 24 unlabelled tiles per step (``PRESTO_BATCH``): a per-pixel transformer step costs about 20x a CNN
  step on this CPU, and the engine's 32 + 224 would not fit the benchmark's time.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from benchlib import REPO_ROOT, RUNS_DIR, provenance, set_path
from spatiotemporal_ssl.core.app.backbone_choice import PRESTO_UNLABELED_STEPS
from spatiotemporal_ssl.core.params import EVALUATE_STEPS, TrainOptions

import make_splits
import metadata_only

STSSL = Path(sys.executable).parent / "stssl"
PRESTO_WEIGHTS = (REPO_ROOT / ".." / "shared" / "pretrained" / "presto" / "default_model.pt").resolve()
PRESTO_BATCH = ("--batch-size", "8", "--unlabeled-ratio", "3")
# No validation hold-out: with 10 labels per class the 2 held-out tiles per class are a fifth of the labels, and
# from pretrained weights the last EMA model was kept anyway (chosen on the development sets, never the test split:
# dev_sets.py / presto_dev_sweep.py).
PRESTO = ("--backbone", "presto", "--pretrained", str(PRESTO_WEIGHTS), "--val-fraction", "0") + PRESTO_BATCH


@dataclass(frozen=True)
class Row:
    name: str
    label: str  # as printed in the report
    method: Optional[str] = None  # None: a metadata-only row, run here without the engine
    metadata: str = "none"
    encoding: Optional[str] = None
    extra: Tuple[str, ...] = ()
    classifier: Optional[str] = None  # metadata-only rows
    all_train_labels: bool = False
    peer: bool = False  # a peer tool's row, run in process by benchmarks/peers.py
    cost_factor: float = 1.0  # relative to the CNN's step, for the time estimate
    # The engine's --backbone: the from-scratch rows pin the CNN (the engine's default is "auto", which picks Presto on
    # the series sets); None: the row's extra options say it (Presto rows) or the engine decides (the default row).
    backbone: Optional[str] = "cnn"
    steps: Optional[int] = None  # training steps of this row; None: the grid's


    @property
    def uses_engine(self) -> bool:
        return self.method is not None

    @property
    def cost(self) -> float:
        """Relative CPU cost per step (the teacher runs beside the student; supervised skips the unlabelled batch)."""
        if not self.uses_engine:
            return 0.0
        if self.method in ("supervised", "quick"):
            return 0.25 * self.cost_factor
        return (1.5 if self.metadata == "teacher" else 1.0) * self.cost_factor


ROWS: Dict[str, Row] = {row.name: row for row in [
    Row("metadata_only_knn", "metadata only (k-NN on lat, lon, day of year)", classifier="knn"),
    Row("metadata_only_logistic", "metadata only (logistic regression)", classifier="logistic"),
    Row("metadata_only_knn_all", "metadata only, k-NN with every training label (context)", classifier="knn",
        all_train_labels=True),
    Row("supervised", "supervised (labelled tiles only)", "supervised"),
    Row("fixmatch", "FixMatch", "fixmatch"),
    Row("freematch", "FreeMatch", "freematch"),
    Row("softmatch", "SoftMatch", "softmatch"),
    Row("fixmatch_input", "FixMatch, metadata as input", "fixmatch", "input", "season"),
    Row("stssl_season", "Spatiotemporal SSL (FixMatch, teacher, season)", "fixmatch", "teacher", "season"),
    Row("stssl_paper", "Spatiotemporal SSL (teacher, paper encoding)", "fixmatch", "teacher", "paper"),
    Row("stssl_sphere", "Spatiotemporal SSL (teacher, sphere encoding)", "fixmatch", "teacher", "sphere"),
    Row("stssl_season_ld0", "Spatiotemporal SSL, lambda_d = 0", "fixmatch", "teacher", "season",
        ("--lambda-d", "0")),
    # What a user would pick instead (benchmarks/peers.py): dzetsaka / SCP, and a feature-extraction plugin.
    Row("peer_rf", "random forest on pixel values (dzetsaka, SCP)", peer=True),
    Row("peer_presto_lr", "frozen Presto embedding + logistic regression (iamap-style)", peer=True),
    Row("presto_supervised", "Presto, supervised (fine-tuned)", "supervised", extra=PRESTO, cost_factor=20, backbone=None),
    Row("presto_fixmatch", "Presto, FixMatch (fine-tuned)", "fixmatch", extra=PRESTO, cost_factor=20, backbone=None),
    Row("presto_stssl", "Presto, Spatiotemporal SSL (teacher with location token and months)", "fixmatch", "teacher",
        extra=PRESTO, cost_factor=20, backbone=None),
    Row("presto_quick", "Presto, Quick map (linear probe on the frozen embedding)", "quick", extra=PRESTO,
        cost_factor=5, backbone=None),
    # What a user gets without choosing: `stssl evaluate` with no backbone or batch option (backbone "auto",
    # core/app/backbone_choice.py), Spatiotemporal SSL with the engine's defaults, its default steps included.
    Row("default", "the engine's default (auto: Presto on series; else the CNN, each single date scaled by its own "
        "statistics; Spatiotemporal SSL)", "fixmatch",
        "teacher", "season", extra=("--pretrained", str(PRESTO_WEIGHTS)), cost_factor=10, backbone=None,
        steps=EVALUATE_STEPS),
    # The same default at the training length a user gets from the dock and `stssl train` (TrainOptions.steps),
    # where `stssl evaluate` defaults to a shorter run (EVALUATE_STEPS).
    Row("default_train_steps", f"the engine's default at the dock's {TrainOptions().steps:,} steps", "fixmatch",
        "teacher", "season", extra=("--pretrained", str(PRESTO_WEIGHTS)), cost_factor=20, backbone=None,
        steps=TrainOptions().steps),
    # The same default with its normalisation pinned to one scale from the training tiles, as it ran before the
    # normalisation "auto" (core/app/scene_normalization.py): what "auto" changes on single-date sets.
    Row("default_one_scale", "the engine's default with one scale from the training tiles (--normalization "
        "training)", "fixmatch", "teacher", "season",
        extra=("--pretrained", str(PRESTO_WEIGHTS), "--normalization", "training"), cost_factor=10, backbone=None,
        steps=EVALUATE_STEPS),
]}

METADATA_ROWS = ["metadata_only_knn", "metadata_only_logistic", "metadata_only_knn_all"]
PEER_ROWS = ["peer_rf", "peer_presto_lr"]
CORE_ROWS = ["supervised", "fixmatch", "fixmatch_input", "stssl_season"]
EXTRA_ROWS = ["freematch", "softmatch", "stssl_paper", "stssl_sphere", "stssl_season_ld0"]
PRESTO_ROWS = ["presto_supervised", "presto_fixmatch", "presto_stssl", "presto_quick"]
SERIES_SETS = ["mtts_random", "mtts_blocks", "mtts_west_east", "mtts_para"]  # year-long series: Presto's input
# Spatial shift on year-long series (a pixel model can learn the classes there; the teacher sees the location),
# seasonal shift on single dates (the teacher sees the location and the day of year).
MAIN_SETS = ["mtts_random", "mtts_blocks", "mtts_west_east", "mtts_para", "mt_wet_dry", "slo_summer_winter"]
SINGLE_DATE_SETS = ["mt_wet_dry", "slo_summer_winter", "slo_summer_summer", "raleigh"]  # one date per tile
MAIN_BUDGET = 10
# The training-length curve of the default on every main split (issue 13): these lengths run under their own tag
# (run_all.py), beside the grid's default at EVALUATE_STEPS and at the dock's TrainOptions().steps.
CURVE_STEPS = (400, 2000)
CURVE_SEEDS = (0, 1, 2)


def curve_tag(steps: int) -> str:
    return f"default_steps{steps}"


@dataclass
class Block:
    """Some rows on some sets at some budgets: the grid is a list of these, so the full variant can spend its time
    where a comparison needs it (every row at the main budget, the main rows across budgets)."""

    sets: List[str]
    budgets: List[int]
    rows: List[str]


@dataclass
class Grid:
    variant: str
    blocks: List[Block]
    seeds: List[int]
    steps: int
    main_budget: int = MAIN_BUDGET
    extra_args: List[str] = field(default_factory=list)
    # --steps given on the command line: every engine row trains this long, its own pinned length included (the
    # training-length curves of the default row).
    steps_override: Optional[int] = None

    def row_steps(self, row: Row) -> int:
        return self.steps_override or row.steps or self.steps

    @property
    def sets(self) -> List[str]:
        return list(dict.fromkeys(s for b in self.blocks for s in b.sets))

    @property
    def budgets(self) -> List[int]:
        return sorted({k for b in self.blocks for k in b.budgets})

    def cells(self) -> List[Tuple[str, int, int, Row]]:
        seen, out = set(), []
        for set_name in self.sets:
            for k in self.budgets:
                for seed in self.seeds:
                    for block in self.blocks:
                        if set_name not in block.sets or k not in block.budgets:
                            continue
                        for r in block.rows:
                            if (set_name, k, seed, r) not in seen:
                                seen.add((set_name, k, seed, r))
                                out.append((set_name, k, seed, ROWS[r]))
        return out

    def restrict(self, sets: Optional[List[str]] = None, budgets: Optional[List[int]] = None,
                 rows: Optional[List[str]] = None) -> None:
        for block in self.blocks:
            block.sets = [s for s in block.sets if sets is None or s in sets]
            block.budgets = [k for k in block.budgets if budgets is None or k in budgets]
            block.rows = [r for r in block.rows if rows is None or r in rows]


def grid_for(variant: str) -> Grid:
    if variant == "quick":
        return Grid("quick", [Block(["mtts_random", "mtts_blocks", "mt_wet_dry"], [MAIN_BUDGET],
                                    METADATA_ROWS + PEER_ROWS + CORE_ROWS)], seeds=[0, 1, 2], steps=100)
    if variant == "smoke":  # every set and row once, a few steps: does everything run?
        full = grid_for("full")
        return Grid("smoke", [Block(full.sets, [MAIN_BUDGET], list(ROWS))], seeds=[0], steps=30)
    if variant == "full":
        # The references: mt_random for mt_wet_dry (same locations, all dates), slo_summer_summer for
        # slo_summer_winter; Raleigh is the single-site control.
        # mtts_para_target asks whether unlabelled tiles from the target region help on mtts_para.
        control_sets = (["mt_random", "slo_summer_summer", "mtts_para_target"]
                        + (["raleigh"] if make_splits.RALEIGH_IMAGE.exists() else []))
        return Grid("full", [
            Block(MAIN_SETS, [5, 10, 25], METADATA_ROWS + PEER_ROWS + ["supervised", "fixmatch", "stssl_season"]),
            Block(MAIN_SETS, [MAIN_BUDGET], ["fixmatch_input"] + EXTRA_ROWS),
            Block(control_sets, [MAIN_BUDGET], METADATA_ROWS + PEER_ROWS + CORE_ROWS),
            Block(MAIN_SETS + control_sets, [MAIN_BUDGET], ["default"]),
            Block([s for s in MAIN_SETS + control_sets if s in SINGLE_DATE_SETS], [MAIN_BUDGET],
                  ["default_one_scale"]),
            Block(MAIN_SETS, [MAIN_BUDGET], ["default_train_steps"]),
        ], seeds=[0, 1, 2, 3, 4], steps=400)
    if variant == "presto":  # the Presto rows at the engine's default steps for patch sets (stssl evaluate: 500)
        return Grid("presto", [Block(SERIES_SETS, [MAIN_BUDGET], PRESTO_ROWS)], seeds=[0, 1, 2, 3, 4], steps=500)
    raise ValueError(variant)


# ----------------------------------------------------------------------------------------------------------------
def file_sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Options added after runs were committed whose default does what the engine did before they existed (an option
# that is off unless asked for). Left out of the hash while they keep that value, so adding one does not make every
# committed run stale; changing such a default puts it back in the hash and reruns them. Add to this table only an
# option whose default reproduces the earlier behaviour exactly.
ADDED_AT_NEUTRAL_DEFAULT = {"encoder_anchor": 0.0, "unlabeled_steps": None}


@functools.lru_cache(maxsize=None)
def engine_defaults_sha1() -> str:
    """A hash of the engine's default options: every engine row runs with them, so a cached run made under other
    defaults is not the row any more. Computed once per process (the defaults are the code's)."""
    defaults = {key: value for key, value in TrainOptions().to_dict().items()
                if key not in ADDED_AT_NEUTRAL_DEFAULT or ADDED_AT_NEUTRAL_DEFAULT[key] != value}
    return hashlib.sha1(json.dumps(defaults, sort_keys=True).encode()).hexdigest()


_SET_SHA1: Dict[Tuple[str, int, int], str] = {}


def _set_sha1(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _SET_SHA1:
        _SET_SHA1[key] = file_sha1(path)
    return _SET_SHA1[key]


def row_identity(set_name: str, k: int, seed: int, row: Row) -> dict:
    """What makes a finished run still its row, whatever grid it ran in: the set file's content, the row, and for
    engine rows the engine's defaults, for peer rows the peers' settings. The cache (with the grid's own steps and
    options beside it) and the report (stale_reason) both compare a run's record with this."""
    return {"set_sha1": _set_sha1(set_path(set_name, k, seed)), "row": row.name,
            **({"engine_defaults_sha1": engine_defaults_sha1()} if row.uses_engine else {}),
            **({"peer_config": peer_config()} if row.peer else {})}


_STALE_BECAUSE = {"set_sha1": "made on another set file", "engine_defaults_sha1": "made under other engine defaults",
                  "peer_config": "made with other peer settings"}


def stale_reason(record: dict) -> Optional[str]:
    """Why a finished run (its whole record) is no longer its row (None: it still is), by :func:`row_identity` and
    :func:`automatic_presto_stale`. The report leaves such runs out, so a half-rerun grid never mixes runs under the
    old defaults with runs under the new."""
    bench = record.get("bench", {})
    row = ROWS.get(str(bench.get("row")))
    if row is None:
        return None  # a row the report does not read (the peer variants of peers.py)
    set_name, k, seed = str(bench.get("set")), int(bench.get("labels_per_class", 0)), int(bench.get("seed", -1))
    if not set_path(set_name, k, seed).exists():
        return _STALE_BECAUSE["set_sha1"]
    identity = row_identity(set_name, k, seed, row)
    return next((_STALE_BECAUSE[key] for key, value in identity.items() if bench.get(key) != value),
                automatic_presto_stale(record))


def _cut_in_effect(unlabeled_steps: Optional[int], steps: int) -> Optional[int]:
    """The step the unlabelled tiles end at, None where they never do: a cut at or past the run's length trains
    the same model as none (tests/test_trainer.py)."""
    return unlabeled_steps if unlabeled_steps is not None and unlabeled_steps < steps else None


def automatic_presto_stale(record: dict) -> Optional[str]:
    """Why an automatic-Presto run no longer is what its command gives now, or None. The backbone "auto" sets the
    Presto batch and unlabelled steps itself (core/app/backbone_choice.py), outside the option defaults hashed by
    :func:`engine_defaults_sha1`; since it ends the unlabelled tiles at step PRESTO_UNLABELED_STEPS, a longer run
    made before (its record has no ``unlabeled_steps``) is stale, a run of that length or shorter is not."""
    bench = record.get("bench", {})
    choice = record.get("backbone_choice") or {}
    if not choice.get("automatic") or record.get("backbone") != "presto":
        return None
    if "--unlabeled-steps" in bench.get("extra_args", []):
        return None  # set on the command line: the rule keeps it
    if not TrainOptions(method=str(record.get("method", "fixmatch"))).uses_unlabeled:
        return None
    steps = int(bench.get("steps", record.get("steps", 0)))
    if _cut_in_effect(record.get("unlabeled_steps"), steps) == _cut_in_effect(PRESTO_UNLABELED_STEPS, steps):
        return None
    return f"made before the automatic Presto backbone ended the unlabelled tiles at step {PRESTO_UNLABELED_STEPS}"


def run_path(variant: str, set_name: str, k: int, seed: int, row: Row) -> Path:
    return RUNS_DIR / variant / f"{set_name}_k{k}_s{seed}" / f"{row.name}.json"


def engine_command(patches: Path, row: Row, steps: int, seed: int, json_out: Path, device: str,
                   extra_args: List[str]) -> List[str]:
    command = [str(STSSL), "evaluate", "--patches", str(patches), "--method", str(row.method),
               "--metadata", row.metadata, "--steps", str(steps), "--seed", str(seed), "--device", device,
               "--json", str(json_out)]
    if row.encoding:
        command += ["--encoding", row.encoding]
    if row.backbone:
        command += ["--backbone", row.backbone]
    if row.backbone == "cnn":
        # The from-scratch rows keep one scale from the training tiles, as they ran before the normalisation option;
        # the default row shows the engine's "auto" (core/app/scene_normalization.py).
        command += ["--normalization", "training"]
    return command + list(row.extra) + list(extra_args)


def portable(command: List[str]) -> List[str]:
    """The command as recorded in a committed run: absolute paths relative to the repository root."""
    return [os.path.relpath(arg, REPO_ROOT) if os.path.isabs(arg) else arg for arg in command]


def run_metadata_only(patches: Path, row: Row) -> dict:
    if not row.all_train_labels:
        return metadata_only.evaluate_metadata_only(patches, row.classifier or "knn")
    return metadata_only.evaluate_metadata_only(patches, row.classifier or "knn", use_all_training_labels=True)


_presto_features = None


def peer_config() -> str:
    import peers

    return peers.config_hash()


def run_peer(patches: Path, row: str, seed: int) -> dict:
    """A peer row (benchmarks/peers.py) in this process; the frozen Presto encoder is loaded once per grid."""
    global _presto_features
    import peers

    if row in peers.PRESTO_VIEWS and _presto_features is None:
        _presto_features = peers.PrestoFeatures(None, threads=1)
    try:
        return peers.run_one(patches, row, seed, _presto_features)
    except Exception as exc:  # noqa: BLE001 - the engine's InputError: the set's bands do not fit Presto
        if type(exc).__name__ != "InputError":
            raise
        return {"not_applicable": str(exc)}


def run_engine(command: List[str], json_out: Path, timeout_s: float, threads: int) -> Tuple[Optional[dict], str]:
    """(result, error text). The engine writes its JSON to a temporary name; it becomes the result only on success."""
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    # On a small shared CPU, torch's intra-op threads spin against each other and against other processes: one
    # thread per run (and runs side by side with --jobs) is several times faster than two threads for one run.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    try:
        completed = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                   timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return None, f"timed out after {timeout_s:.0f} s\n{stderr[-2000:]}"
    if completed.returncode != 0 or not json_out.exists():
        return None, f"exit code {completed.returncode}\n{completed.stderr[-4000:]}"
    try:
        return json.loads(json_out.read_text()), ""
    except ValueError as exc:
        return None, f"unreadable JSON ({exc})"


def cached(path: Path, expected: dict) -> bool:
    if not path.exists():
        return False
    try:
        record = json.loads(path.read_text())
    except ValueError:
        return False
    stored = record.get("bench", {})
    return all(stored.get(key) == value for key, value in expected.items()) and automatic_presto_stale(record) is None


def estimate_seconds(grid: "Grid", seconds_per_step: float) -> float:
    """A FixMatch step on an 8x8 px tile costs about 4.5x one on a 1x1 px pixel; each engine run adds ~2.6 s.

    Fitted (least squares) to the wall time of the 530 engine runs of the 5-seed full grid on the 2-core CPU, two
    runs at a time: 0.019 s per 1x1 px FixMatch step, 0.088 s per 8x8 px step, 2.6 s per run.
    """
    total = 0.0
    for set_name, _k, _seed, row in grid.cells():
        if not row.uses_engine:
            continue
        scale = 1.0 if set_name.startswith("mt") else 4.5
        total += row.cost * grid.row_steps(row) * seconds_per_step * scale + 2.6
    return total


def run_grid(grid: Grid, device: str = "cpu", timeout_s: float = 900, dry_run: bool = False,
             seconds_per_step: float = 0.02, jobs: int = 2, threads: int = 1, verbose: bool = True) -> dict:
    cells = grid.cells()
    needed = sorted({(s, k, seed) for s, k, seed, _row in cells})
    if not dry_run:
        for set_name in sorted({s for s, _, _ in needed}):
            make_splits.build([set_name], sorted({k for s, k, _ in needed if s == set_name}),
                              sorted({seed for s, _, seed in needed if s == set_name}),
                              make_splits.DEFAULT_UNLABELED_CAP, make_splits.DEFAULT_TEST_CAP, verbose=False)
    engine_cells = [c for c in cells if c[3].uses_engine]
    summary = {"variant": grid.variant, "runs": len(cells), "engine_runs": len(engine_cells),
               "done": 0, "skipped": 0, "failed": 0, "seconds": 0.0}
    if verbose:
        estimate = estimate_seconds(grid, seconds_per_step) / max(1, jobs)
        lengths = "/".join(str(n) for n in sorted({grid.row_steps(c[3]) for c in engine_cells})) or "no"
        print(f"[{grid.variant}] {len(cells)} runs ({len(engine_cells)} with the engine, {lengths} steps each, "
              f"{jobs} at a time, {threads} thread(s) each); about {estimate / 60:.0f} min if a FixMatch step on a "
              f"1x1 px set takes {seconds_per_step * 1000:.0f} ms and nothing is cached", flush=True)
    if dry_run:
        for set_name, k, seed, row in cells:
            print(f"  {set_name} k={k} seed={seed} {row.name}")
        return summary

    started = time.perf_counter()
    lock = threading.Lock()
    # Where, when and from which code: taken once, as the grid starts, since the code a run uses is the code
    # loaded now, even if a commit lands while the grid runs.
    made = provenance()
    todo = []
    for set_name, k, seed, row in cells:
        patches = set_path(set_name, k, seed)
        out = run_path(grid.variant, set_name, k, seed, row)
        expected = {**row_identity(set_name, k, seed, row),
                    "steps": grid.row_steps(row) if row.uses_engine else 0,
                    "extra_args": grid.extra_args if row.uses_engine else []}
        if cached(out, expected):
            summary["skipped"] += 1
        else:
            todo.append((set_name, k, seed, row, patches, out, expected))

    def one(index: int, item) -> None:
        set_name, k, seed, row, patches, out, expected = item
        out.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        error = ""
        if row.uses_engine:
            tmp = out.with_suffix(".running.json")
            tmp.unlink(missing_ok=True)
            command = engine_command(patches, row, grid.row_steps(row), seed, tmp, device, grid.extra_args)
            result, error = run_engine(command, tmp, timeout_s, threads)
            tmp.unlink(missing_ok=True)
        else:
            script = "peers.py" if row.peer else "metadata_only.py"
            command = [f"(in process) benchmarks/{script}", row.classifier or row.name, str(patches)]
            try:
                result = run_peer(patches, row.name, seed) if row.peer else run_metadata_only(patches, row)
            except Exception as exc:  # noqa: BLE001 - record it and go on with the grid
                result, error = None, repr(exc)
        elapsed = time.perf_counter() - t0
        with lock:
            where = f"[{index}/{len(todo)}] {set_name} k={k} s={seed} {row.name:24s}"
            if result is None:
                summary["failed"] += 1
                failed = out.parent / "failed" / f"{row.name}.txt"
                failed.parent.mkdir(parents=True, exist_ok=True)
                failed.write_text(" ".join(command) + "\n\n" + error)
                if verbose:
                    last = error.strip().splitlines()[-1] if error.strip() else ""
                    print(f"  {where} FAILED: {last} (see {failed})", flush=True)
                return
            (out.parent / "failed" / f"{row.name}.txt").unlink(missing_ok=True)
            if "patch_set" in result:  # stssl evaluate echoes the path it was given: keep this clone's out of it
                result["patch_set"] = portable([str(result["patch_set"])])[0]
            result["bench"] = dict(expected, set=set_name, labels_per_class=k, seed=seed,
                                   command=portable(command), wall_seconds=elapsed, variant=grid.variant,
                                   threads=threads, jobs=jobs, **made)
            out.write_text(json.dumps(result, indent=1))
            summary["done"] += 1
            if verbose and "not_applicable" in result:
                print(f"  {where} not applicable: {result['not_applicable']}", flush=True)
            elif verbose:
                extra = ""
                if result.get("teacher_accuracy") is not None:
                    extra = f" teacher {result['teacher_accuracy']:.3f}"
                print(f"  {where} acc {result['accuracy']:.3f} bal {result['balanced_accuracy']:.3f}{extra} "
                      f"({elapsed:.1f} s)", flush=True)

    # Metadata-only rows first (in this process, instantly), then the engine runs side by side.
    for index, item in enumerate(todo, 1):
        if not item[3].uses_engine:
            one(index, item)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(one, index, item) for index, item in enumerate(todo, 1) if item[3].uses_engine]
        for future in futures:
            future.result()
    summary["seconds"] = time.perf_counter() - started
    if verbose:
        print(f"[{grid.variant}] {summary['done']} run, {summary['skipped']} cached, {summary['failed']} failed "
              f"in {summary['seconds'] / 60:.1f} min", flush=True)
    return summary


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the minutes-long variant")
    parser.add_argument("--smoke", action="store_true", help="every set and row once with 30 steps: does it all run?")
    parser.add_argument("--variant", choices=("quick", "smoke", "full", "presto"), help="a named grid (overrides "
                        "--quick/--smoke)")
    parser.add_argument("--steps", type=int, help="training steps of every engine run, the rows with a length of "
                        "their own included (default: the variant's, and those rows' own)")
    parser.add_argument("--sets", help="comma-separated subset of the variant's sets")
    parser.add_argument("--rows", help="comma-separated subset of rows")
    parser.add_argument("--seeds", help="comma-separated seeds (default: the variant's)")
    parser.add_argument("--budgets", help="comma-separated subset of the variant's labels per class")
    parser.add_argument("--tag", help="runs folder under benchmarks/runs (default: the variant's name), e.g. for the "
                        "same grid at other --steps")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--engine-args", default="",
                        help="extra `stssl evaluate` options for every engine run, e.g. \"--val-fraction 0\" "
                             "(part of the cache key)")
    parser.add_argument("--jobs", type=int, default=2, help="engine runs side by side")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per engine run")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per engine run")
    parser.add_argument("--seconds-per-step", type=float, default=0.02,
                        help="FixMatch seconds per step on a 1x1 px set, for the time estimate")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and a time estimate")
    parser.add_argument("--fresh", action="store_true", help="delete this variant's cached runs first")
    args = parser.parse_args(argv)
    grid = grid_for(args.variant or ("smoke" if args.smoke else "quick" if args.quick else "full"))
    if args.steps:
        grid.steps = grid.steps_override = args.steps
    if args.tag:
        grid.variant = args.tag
    if args.engine_args:
        grid.extra_args = shlex.split(args.engine_args)
    if args.seeds:
        grid.seeds = [int(s) for s in args.seeds.split(",")]
    rows = args.rows.split(",") if args.rows else None
    if rows:
        unknown = [r for r in rows if r not in ROWS]
        if unknown:
            parser.error(f"unknown row(s) {unknown}; choose from {list(ROWS)}")
    grid.restrict(sets=args.sets.split(",") if args.sets else None,
                  budgets=[int(b) for b in args.budgets.split(",")] if args.budgets else None, rows=rows)
    needs_engine = any(c[3].uses_engine for c in grid.cells())
    if needs_engine and not STSSL.exists() and not args.dry_run:
        parser.error(f"{STSSL} not found; install the project into this venv first (pip install -e .)")
    if args.fresh and (RUNS_DIR / grid.variant).exists():
        shutil.rmtree(RUNS_DIR / grid.variant)
    summary = run_grid(grid, device=args.device, timeout_s=args.timeout, dry_run=args.dry_run,
                       seconds_per_step=args.seconds_per_step, jobs=args.jobs, threads=args.threads)
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
