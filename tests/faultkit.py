# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers of the fault-injection suite (tests/faults): run a command, check what the user sees, and that
nothing on disk was lost or left behind.

Every case goes through :func:`expect_refusal` or :func:`record`, which keep a tally printed at the end of the
run (cases tried, clear messages, tracebacks, files lost), the figures issue 14 asks for.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import rasterio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE_DIR = os.path.join(ROOT, "resources", "sample")
SAMPLE_RASTER = os.path.join(SAMPLE_DIR, "raleigh_landsat7_2000.tif")
SAMPLE_LABELS = os.path.join(SAMPLE_DIR, "raleigh_labels.gpkg")

# (case, outcome) for the closing summary; outcome is one of "clear", "ok", "traceback", "lost".
TALLY: List[Tuple[str, str]] = []


@dataclass
class Outcome:
    rc: Optional[int]
    out: str
    err: str
    traceback: Optional[str]

    @property
    def text(self) -> str:
        return self.out + self.err + (self.traceback or "")


def run_cli(argv: Sequence, capsys) -> Outcome:
    """``stssl ARGV`` in this process, as the console script runs it; an escaping exception is caught and
    kept as the traceback the user would have seen."""
    from spatiotemporal_ssl.core import cli

    tb = None
    try:
        rc = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own errors: a usage line and exit status 2
        rc = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - that is the failure being looked for
        rc, tb = None, traceback.format_exc()
    out, err = capsys.readouterr()
    return Outcome(rc, out, err, tb)


def run_subprocess(argv: Sequence, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "spatiotemporal_ssl.core.cli", *map(str, argv)], capture_output=True,
                          text=True, timeout=timeout, env=env, **kw)


def start_subprocess(argv: Sequence) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "spatiotemporal_ssl.core.cli", *map(str, argv)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def file_digest(path: str) -> Tuple[int, str]:
    with open(path, "rb") as f:
        data = f.read()
    return len(data), hashlib.sha1(data).hexdigest()


def folder_state(folders: Iterable[str]) -> Dict[str, Tuple[int, str]]:
    """Every file (hidden ones too) in the folders, with its size and hash."""
    state = {}
    for folder in folders:
        folder = str(folder)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            full = os.path.join(folder, name)
            if os.path.isfile(full):
                state[full] = file_digest(full)
    return state


def has_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" in text


def record(case: str, outcome: str) -> None:
    TALLY.append((case, outcome))


def expect_refusal(case: str, argv: Sequence, capsys, names: Sequence[str], watch: Sequence[str] = (),
                   code: int = 2, words: Sequence[str] = ()) -> Outcome:
    """Run a command that must be refused: exit status ``code``, every one of ``names`` (the inputs at fault)
    and ``words`` in the message, no traceback, and every file in the ``watch`` folders exactly as before."""
    before = folder_state(watch)
    result = run_cli(argv, capsys)
    after = folder_state(watch)
    if result.traceback is not None or has_traceback(result.text):
        record(case, "traceback")
        raise AssertionError(f"{case}: traceback\n{result.text}")
    if before != after:
        record(case, "lost")
        changed = sorted(set(before.items()) ^ set(after.items()))
        raise AssertionError(f"{case}: files changed or left behind: {changed}")
    message = result.err
    assert result.rc == code, f"{case}: exit status {result.rc}, expected {code}\n{result.text}"
    for name in list(names) + list(words):
        assert name in message, f"{case}: message does not name {name!r}:\n{message}"
    record(case, "clear")
    return result


def summary_lines() -> List[str]:
    if not TALLY:
        return []
    counts = {k: sum(1 for _, o in TALLY if o == k) for k in ("clear", "ok", "traceback", "lost")}
    return [f"fault cases tried: {len(TALLY)}; clear messages: {counts['clear']}; handled correctly without an "
            f"error: {counts['ok']}; tracebacks: {counts['traceback']}; files lost or left behind: {counts['lost']}"]


# ------------------------------------------------------------------------------------------------ test data

def crop_sample(path: str, window=(150, 150, 200, 170), crs: bool = True, georeferenced: bool = True,
                dtype: Optional[str] = None, fill: Optional[float] = None, nodata="keep") -> str:
    """A window of the bundled Landsat sample (x offset, y offset, width, height), optionally without CRS or
    geotransform, in another dtype, or filled with one value."""
    x, y, w, h = window
    with rasterio.open(SAMPLE_RASTER) as src:
        win = rasterio.windows.Window(x, y, w, h)
        data = src.read(window=win)
        profile = dict(driver="GTiff", width=w, height=h, count=src.count, dtype=dtype or src.dtypes[0],
                       nodata=src.nodata if nodata == "keep" else nodata)
        if georeferenced:
            profile["transform"] = src.window_transform(win)
        if crs and georeferenced:
            profile["crs"] = src.crs
    if fill is not None:
        data = np.full(data.shape, fill, dtype=profile["dtype"])
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype(profile["dtype"]))
    return str(path)


@contextlib.contextmanager
def tiny_filesystem(folder: str, size: str = "1M"):
    """A tmpfs of ``size`` mounted at ``folder`` (root only); yields the folder, or None where it cannot be
    mounted (the caller then simulates ENOSPC or skips)."""
    os.makedirs(folder, exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder], capture_output=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", folder], capture_output=True)


def fill_disk(folder: str, leave_bytes: int = 0) -> None:
    """Fill the file system of ``folder`` up to about ``leave_bytes`` of free space, with a file named 'fill'."""
    import shutil

    remaining = max(0, shutil.disk_usage(folder).free - leave_bytes)
    fd = os.open(os.path.join(folder, "fill"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        chunk = b"\0" * 65536
        while remaining > 0:
            remaining -= os.write(fd, chunk[:min(len(chunk), remaining)])
    except OSError:
        pass  # full
    finally:
        os.close(fd)


def patch_set_arrays(n: int = 36, classes: int = 3, tile: int = 4, bands: int = 3, seed: int = 0) -> dict:
    """A small separable patch set: 'labeled', 'unlabeled' and 'test' tiles of three classes."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) // 3) % classes
    centres = rng.normal(0, 3.0, (classes, bands))
    images = (centres[labels][:, :, None, None] + rng.normal(0, 0.3, (n, bands, tile, tile))).astype(np.float32)
    split = np.array(["labeled", "unlabeled", "test"] * (n // 3), dtype="<U9")
    split[:classes * 2] = "labeled"
    labels = np.where(split == "unlabeled", -1, labels)
    return dict(images=images, labels=labels, split=split, lat=np.full(n, 35.8), lon=np.full(n, -78.7),
                date=np.array(["2000-06-01"] * n), class_names=np.array(["a", "b", "c"][:classes]))
