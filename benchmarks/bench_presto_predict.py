# SPDX-License-Identifier: GPL-2.0-or-later
"""Prediction speed and memory of the Presto backbone on a year-long stack (23 MODIS composites), on the CPU.

    python benchmarks/bench_presto_predict.py [--side 96] [--memory-sides 48,144] [--threads 1] [--block-px N]

(a) pixels/s of `stssl predict` end to end (a subprocess: start-up, model load, windowed reads, normalisation, the
    network, writing the class and confidence GeoTIFFs) on a ``side`` x ``side`` stack, and of the bare model
    (LoadedModel.probabilities on the same normalised pixels, batches of 256, in memory) measured in the same run;
    their ratio (target >= 0.8); and the marginal end-to-end rate between the two sizes of (b), which leaves out
    the start-up (importing torch, loading the model) that dominates the small rasters a CPU can do here.
(b) peak RSS of `stssl predict` on two stack sizes: memory must not grow with the raster (it streams blocks).
    With ``--block-px N`` only this, at that block size, so that small stacks span many blocks (the engine's block
    for 138 bands is 512 px): out/speed/presto_memory.json.

The stack is scripts/make_stack_sample.py's real Mato Grosso sample (23 dates x 6 MODIS bands = 138 float32 bands,
1x1 px tiles) mirrored to the size wanted; the model is a Quick map trained for a few steps on it (speed does not
depend on accuracy; every Presto model runs the same encoder per pixel). Results: out/speed/presto_predict.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

import numpy as np

from benchlib import REPO_ROOT, SPEED_DIR

STSSL = Path(sys.executable).parent / "stssl"
WEIGHTS = (REPO_ROOT / ".." / "shared" / "pretrained" / "presto" / "default_model.pt").resolve()


def _env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    return env


def _sample(folder: Path) -> dict:
    spec = importlib.util.spec_from_file_location("make_stack_sample", REPO_ROOT / "scripts" / "make_stack_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_stack_sample(str(folder), side=12, labels_per_class=5)


def _mirrored_stack(source: str, target: Path, side: int) -> None:
    import rasterio

    with rasterio.open(source) as src:
        data, profile, descriptions = src.read(), src.profile, src.descriptions
    rows = np.arange(side) % (2 * data.shape[1])
    rows = np.where(rows < data.shape[1], rows, 2 * data.shape[1] - 1 - rows)
    big = data[:, rows][:, :, rows]
    profile.update(width=side, height=side, tiled=True, blockxsize=256, blockysize=256)
    with rasterio.open(target, "w", **profile) as dst:
        dst.write(big)
        for i, d in enumerate(descriptions):
            dst.set_band_description(i + 1, d)


def _predict(model: Path, stack: Path, out: Path, threads: int, block_px: Optional[int] = None) -> tuple:
    """(seconds, peak RSS MB) of one `stssl predict` subprocess."""
    for suffix in ("", ".qml"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    # A fresh wrapper per run, so the peak RSS is this prediction's alone (RUSAGE_CHILDREN keeps the maximum).
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", wrapper, str(STSSL), "predict", str(model), str(stack), "--out",
                           str(out), "--device", "cpu", "--overwrite"]
                          + (["--block-px", str(block_px)] if block_px else []), check=True, env=_env(threads),
                          capture_output=True, text=True)
    seconds, peak_kb = done.stdout.split()
    return float(seconds), float(peak_kb) / 1024


def _bare_pixels_per_second(model_path: Path, stack: Path, threads: int, batch: int = 256) -> float:
    import rasterio
    import torch

    from spatiotemporal_ssl.core.app.modelfile import load_model
    from spatiotemporal_ssl.core.data.normalization import normalize_tiles

    torch.set_num_threads(threads)
    model = load_model(str(model_path), device="cpu")
    with rasterio.open(stack) as src:
        data = src.read().astype(np.float32)
    valid = np.ones(data.shape[1:], bool)
    tiles = normalize_tiles(data[None], valid[None], model.band_stats)[0].reshape(data.shape[0], -1).T
    tiles = torch.from_numpy(np.ascontiguousarray(tiles))[:, :, None, None]
    t0 = time.perf_counter()
    for start in range(0, tiles.shape[0], batch):
        model.probabilities(tiles[start:start + batch])
    return tiles.shape[0] / (time.perf_counter() - t0)


def _prepare(threads: int) -> tuple:
    """The sample stack and a Quick map model trained on it: (folder, sample paths, model path)."""
    folder = SPEED_DIR / "presto"
    folder.mkdir(parents=True, exist_ok=True)
    paths = _sample(folder / "sample")
    model = folder / "quick.pt"
    subprocess.run([str(STSSL), "train", paths["stack"], "--labels", paths["labels"], "--backbone", "presto",
                    "--method", "quick", "--tile-size", "1", "--steps", "20", "--batch-size", "8", "--device", "cpu",
                    "--pretrained", str(WEIGHTS), "--out", str(model), "--overwrite"], check=True,
                   env=_env(threads), capture_output=True)
    return folder, paths, model


def _predict_traced(model: Path, stack: Path, out: Path, threads: int, block_px: int) -> tuple:
    """(seconds, peak RSS MB, RSS samples MB every 0.25 s) of one `stssl predict` process: the samples show whether
    memory climbs over the blocks or only spikes within them."""
    for suffix in ("", ".qml"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(STSSL), "predict", str(model), str(stack), "--out", str(out), "--device", "cpu",
                             "--overwrite", "--block-px", str(block_px)], env=_env(threads),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            with open(f"/proc/{proc.pid}/statm") as statm:
                samples.append(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
        except OSError:  # the process is ending
            pass
        time.sleep(0.25)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"stssl predict failed on {stack} (exit {proc.returncode})")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, samples


def _quarters(samples: List[float]) -> List[float]:
    """Median RSS of each quarter of a run's samples."""
    parts = np.array_split(np.asarray(samples), 4)
    return [float(np.median(p)) for p in parts if p.size]


def _memory_only(args: argparse.Namespace) -> int:
    """Peak RSS of `stssl predict` on stacks of the --memory-sides at a fixed --block-px: flat if it streams."""
    folder, paths, model = _prepare(args.threads)
    memory = {}
    for side in [int(s) for s in args.memory_sides.split(",") if s]:
        path = folder / f"stack_{side}.tif"
        _mirrored_stack(paths["stack"], path, side)
        seconds, peak, samples = _predict_traced(model, path, folder / f"classes_{side}.tif", args.threads,
                                                 args.block_px)
        blocks = (-(-side // args.block_px)) ** 2
        quarters = _quarters(samples)
        memory[side] = {"seconds": seconds, "peak_rss_mb": peak, "blocks": blocks,
                        "median_rss_mb_by_quarter": quarters}
        print(f"{side}x{side} px in {blocks} blocks of {args.block_px} px: {seconds:.1f} s, peak RSS {peak:.0f} MB, "
              f"median RSS by quarter of the run {', '.join(f'{q:.0f}' for q in quarters)} MB")
    out = SPEED_DIR / "presto_memory.json"
    out.write_text(json.dumps({"block_px": args.block_px, "bands": 138, "threads": args.threads,
                               "load_average": os.getloadavg()[0], "memory": memory}, indent=1))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=96)
    parser.add_argument("--memory-sides", default="48,144")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--block-px", type=int, default=None,
                        help="memory only: `stssl predict --block-px` for the --memory-sides runs, so that small "
                             "stacks span many blocks (the engine's block for 138 bands is 512 px); writes "
                             "out/speed/presto_memory.json and leaves the speed figures as they are")
    args = parser.parse_args(argv)
    if args.block_px:
        return _memory_only(args)
    folder, paths, model = _prepare(args.threads)
    stack = folder / f"stack_{args.side}.tif"
    _mirrored_stack(paths["stack"], stack, args.side)
    seconds, _ = _predict(model, stack, folder / "classes.tif", args.threads)
    end_to_end = args.side ** 2 / seconds
    bare = _bare_pixels_per_second(model, stack, args.threads)
    result = {"pixels": args.side ** 2, "bands": 138, "timesteps": 23, "threads": args.threads,
              "end_to_end_pixels_per_second": end_to_end, "bare_model_pixels_per_second": bare,
              "ratio": end_to_end / bare, "load_average": os.getloadavg()[0]}
    print(f"{args.side}x{args.side} px: end to end {end_to_end:.0f} px/s, bare model {bare:.0f} px/s, "
          f"ratio {end_to_end / bare:.2f} ({args.threads} thread(s), load average {os.getloadavg()[0]:.1f})")
    memory = {}
    for side in [int(s) for s in args.memory_sides.split(",") if s]:
        path = folder / f"stack_{side}.tif"
        _mirrored_stack(paths["stack"], path, side)
        seconds, peak = _predict(model, path, folder / f"classes_{side}.tif", args.threads)
        memory[side] = {"seconds": seconds, "peak_rss_mb": peak}
        print(f"{side}x{side} px: {seconds:.1f} s, peak RSS {peak:.0f} MB")
    result["memory"] = memory
    if len(memory) == 2:  # the marginal rate between the two sizes leaves out start-up and model loading
        (a, ma), (b, mb) = sorted(memory.items())
        marginal = (b * b - a * a) / max(1e-9, mb["seconds"] - ma["seconds"])
        result.update(marginal_pixels_per_second=marginal, marginal_ratio=marginal / bare)
        print(f"marginal end-to-end rate {marginal:.0f} px/s (start-up excluded), ratio to the bare model "
              f"{marginal / bare:.2f}")
    out = SPEED_DIR / "presto_predict.json"
    out.write_text(json.dumps(result, indent=1))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
