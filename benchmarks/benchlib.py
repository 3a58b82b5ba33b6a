# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared pieces of the benchmark scripts: paths, the patch-set file, metrics and metadata features.

The benchmark scripts are run as ``python benchmarks/<script>.py`` from the repository root, so this module is
imported by its plain name. The metrics are the engine's own (``core.learning.metrics``), so every row, the
metadata-only one included, is scored the same way.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
# The shared data lives next to the repository (../shared/data from the repository root); never copy it in.
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
BENCH_DIR = REPO_ROOT / "benchmarks"
OUT_DIR = BENCH_DIR / "out"  # git-ignored
SPLITS_DIR = OUT_DIR / "splits"
# The finished accuracy runs are committed (small JSON files, no data): the full grid takes longer than one session
# on a 2-core CPU, and a fresh machine starts with an empty out/, so only a committed cache lets it run in pieces.
RUNS_DIR = BENCH_DIR / "runs"
SPEED_DIR = OUT_DIR / "speed"
# GPU figures measured on a lent machine and committed, since a CPU machine cannot measure them again; report.py
# reads them when out/speed has no train_gpu.json of its own.
MEASURED_DIR = BENCH_DIR / "measured"
SAMPLE_DIR = REPO_ROOT / "resources" / "sample"

SPLIT_LABELED = "labeled"
SPLIT_UNLABELED = "unlabeled"
SPLIT_TEST = "test"


# ----------------------------------------------------------------------------------------------------------------
# Patch-set files (the `stssl evaluate` input format)
# ----------------------------------------------------------------------------------------------------------------
def set_path(set_name: str, labels_per_class: int, seed: int) -> Path:
    return SPLITS_DIR / f"{set_name}_k{labels_per_class}_s{seed}.npz"


def load_patch_set(path: Path) -> Dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def set_info(patch_set: Dict[str, np.ndarray]) -> dict:
    """The builder's description of a set (dataset, split rule, sources), stored as a JSON string in the file."""
    if "set_info" not in patch_set:
        return {}
    return json.loads(str(patch_set["set_info"]))


# ----------------------------------------------------------------------------------------------------------------
# Metrics: the engine's own definitions (core.learning.metrics), so the metadata-only row is scored exactly like the engine's
# rows. Balanced accuracy averages recall over the classes present in the test labels; macro F1 averages over the
# classes present in the test labels or the predictions (under a spatial shift a class can exist only on the
# training side, e.g. Forest in Mato Grosso lives in one 1-degree block; predicting it there counts against F1).
# ----------------------------------------------------------------------------------------------------------------
def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names: Optional[List[str]] = None,
                           n_classes: Optional[int] = None) -> dict:
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    keep = y_true >= 0
    y_true, y_pred = y_true[keep], y_pred[keep]
    if n_classes is None:
        n_classes = len(class_names) if class_names else int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    # Imported here, so that the split builder (which never scores) runs where the engine is not installed.
    from spatiotemporal_ssl.core.learning.metrics import single_label_metrics

    metrics = single_label_metrics(y_true, y_pred, n_classes)
    return {key: metrics[key] for key in ("accuracy", "balanced_accuracy", "macro_f1", "per_class_f1")}


# ----------------------------------------------------------------------------------------------------------------
# Dates
# ----------------------------------------------------------------------------------------------------------------
def day_of_year(dates: Iterable[str]) -> np.ndarray:
    """Day of year (1..366) of 'YYYY-MM-DD' strings; NaN where the date is '' (unknown)."""
    out = []
    for text in dates:
        text = str(text)
        if not text:
            out.append(np.nan)
            continue
        out.append(_dt.date.fromisoformat(text[:10]).timetuple().tm_yday)
    return np.asarray(out, dtype=np.float64)


def month_of(dates: Iterable[str]) -> np.ndarray:
    return np.asarray([int(str(text)[5:7]) if str(text) else 0 for text in dates], dtype=np.int64)


def fmt_mean_std(values: List[float], digits: int = 3) -> str:
    values = [v for v in values if v is not None and np.isfinite(v)]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"


def git_revision() -> str:
    """The short commit of the checkout, with ``+changes`` when tracked files outside the run cache differ from it
    (a run made on uncommitted code says so)."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                f":!{RUNS_DIR.relative_to(REPO_ROOT)}"], cwd=REPO_ROOT, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+changes" if dirty else "")


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance() -> dict:
    """Where and when a benchmark result was made, stored with it: the committed run cache gathers runs from
    several machines and sessions, and the report says which."""
    return {"date": _dt.date.today().isoformat(), "commit": git_revision(),
            "machine": f"{cpu_model()}, {os.cpu_count()} cores"}


def write_speed_result(name: str, result: dict, measures: List[dict]) -> Path:
    """Write ``out/speed/<name>.json`` and print its measures (shared by bench_train and bench_predict)."""
    SPEED_DIR.mkdir(parents=True, exist_ok=True)
    out = SPEED_DIR / f"{name}.json"
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {out}")
    for item in measures:
        print(f"  {item['name']}: {item['value']}" + (f" (target {item['target']})" if item.get("target") else ""))
    return out
