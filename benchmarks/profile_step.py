# SPDX-License-Identifier: GPL-2.0-or-later
"""Where a training step's time goes, FixMatch against Spatiotemporal SSL: a diagnostic, not a benchmark figure.

    python benchmarks/profile_step.py                      # CPU, default CPU model, Raleigh-sized random tiles
    python benchmarks/profile_step.py --device cuda --backbone vit --labeled 64 --size 128   # the GPU measure's batch

For each method it runs the real trainer and reports:
- the step time with no per-step synchronisation (the throughput a user gets), from two runs of different length;
- under ``torch.profiler``, a window of steps: the busy time of the device's kernels per step (on a GPU; the
  ratio of the two methods' kernel time is the compute ratio, free of launch overhead and idle gaps), the share of
  the window the device was busy, the host synchronisations per step, and the operators that cost most.

A step ratio above the compute ratio is overhead (launches, synchronisations, data); at the compute ratio there is
nothing left to remove outside the networks themselves. Writes ``out/speed/profile_<device>.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import random_training_data  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "speed"
SYNC_EVENTS = ("cudaStreamSynchronize", "cudaDeviceSynchronize", "aten::_local_scalar_dense")


def options_for(metadata: str, steps: int, args: argparse.Namespace):
    from spatiotemporal_ssl.core.params import TrainOptions

    options = TrainOptions(method="fixmatch", metadata=metadata, steps=steps, eval_every=steps, seed=0,
                           device=args.device, tile_size_px=args.size, backbone=args.backbone,
                           batch_size=args.labeled, unlabeled_ratio=7)
    if args.model_size:
        options.model_size = args.model_size
    return options


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch
        torch.cuda.synchronize()


def throughput(data, metadata: str, args: argparse.Namespace) -> float:
    """Seconds per step with no per-step synchronisation: (T(long) - T(short)) / (long - short), which also
    removes building the model and the final validation."""
    from spatiotemporal_ssl.core.learning.trainer import Trainer

    walls = []
    for steps in (args.short, args.long):
        _sync(args.device)
        t0 = time.perf_counter()
        Trainer(options_for(metadata, steps, args)).fit(data, progress_every=10 ** 9)
        _sync(args.device)
        walls.append(time.perf_counter() - t0)
    return (walls[1] - walls[0]) / (args.long - args.short)


def profiled_window(data, metadata: str, args: argparse.Namespace) -> Dict:
    import torch
    from torch.profiler import ProfilerActivity, profile

    from spatiotemporal_ssl.core.learning.trainer import Trainer

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if args.device.startswith("cuda") else [])
    prof = profile(activities=activities)
    first, last = args.window_start, args.window_start + args.window
    marks: Dict[str, float] = {}

    def on_progress(progress) -> None:
        if progress.phase != "training":
            return
        if progress.step == first:
            _sync(args.device)
            prof.start()
            marks["t0"] = time.perf_counter()
        elif progress.step == last:
            _sync(args.device)
            marks["t1"] = time.perf_counter()
            prof.stop()

    Trainer(options_for(metadata, last + 1, args)).fit(data, progress=on_progress, progress_every=1)
    wall = marks["t1"] - marks["t0"]
    events = prof.key_averages()
    kernel_us = 0.0
    if args.device.startswith("cuda"):
        # Kernels only (device-side events), so overlapping host work is not counted twice.
        kernel_us = sum(e.device_time_total for e in prof.events()
                        if getattr(e, "device_type", None) == torch.autograd.DeviceType.CUDA)
    syncs = {e.key: e.count / args.window for e in events if e.key in SYNC_EVENTS}
    sort = "self_device_time_total" if args.device.startswith("cuda") else "self_cpu_time_total"
    table = events.table(sort_by=sort, row_limit=args.rows)
    cpu_table = events.table(sort_by="self_cpu_time_total", row_limit=args.rows) if sort != "self_cpu_time_total" else ""
    return {"wall_step_s": wall / args.window, "kernel_step_s": kernel_us / 1e6 / args.window,
            "device_busy": (kernel_us / 1e6) / wall if kernel_us else None, "syncs_per_step": syncs,
            "table": table, "cpu_table": cpu_table}


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--backbone", default="cnn", choices=("cnn", "vit"))
    parser.add_argument("--model-size", help="tiny or small (default: the engine's default for the device)")
    parser.add_argument("--labeled", type=int, default=32, help="labelled tiles per batch (unlabelled: 7x)")
    parser.add_argument("--size", type=int, default=8, help="tile size in px")
    parser.add_argument("--short", type=int, default=15)
    parser.add_argument("--long", type=int, default=45)
    parser.add_argument("--window-start", type=int, default=8)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--rows", type=int, default=15)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--adamw", default="engine", choices=("engine", "foreach"),
                        help="'foreach': the engine's AdamW as before it used torch's fused one on a GPU, to see "
                             "what fused saves")
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.adamw == "foreach":
        engine_adamw = torch.optim.AdamW

        def foreach_adamw(params, **kwargs):
            kwargs.pop("fused", None)
            kwargs.pop("foreach", None)
            return engine_adamw(params, foreach=True, **kwargs)

        torch.optim.AdamW = foreach_adamw
    data = random_training_data(args.labeled, args.size)
    result = {"args": vars(args), "torch": torch.__version__}
    for metadata in ("none", "teacher"):
        throughput(data, metadata, argparse.Namespace(**{**vars(args), "short": 3, "long": 4}))  # warm-up
        per_step = throughput(data, metadata, args)
        window = profiled_window(data, metadata, args)
        result[metadata] = {"throughput_step_s": per_step, **window}
        print(f"== metadata={metadata}: {per_step * 1000:.1f} ms/step unsynchronised; profiled window "
              f"{window['wall_step_s'] * 1000:.1f} ms/step, kernels {window['kernel_step_s'] * 1000:.1f} ms/step, "
              f"device busy {window['device_busy'] if window['device_busy'] is None else round(window['device_busy'], 3)}, "
              f"syncs/step {window['syncs_per_step']}", flush=True)
        print(window["table"])
        if window["cpu_table"]:
            print(window["cpu_table"])
    t, f = result["teacher"], result["none"]
    ratios = {"throughput": t["throughput_step_s"] / f["throughput_step_s"],
              "profiled_wall": t["wall_step_s"] / f["wall_step_s"]}
    if f["kernel_step_s"]:
        ratios["kernels"] = t["kernel_step_s"] / f["kernel_step_s"]
    result["ratios"] = ratios
    print("ratios Spatiotemporal SSL / FixMatch:", {k: round(v, 3) for k, v in ratios.items()})
    OUT.mkdir(parents=True, exist_ok=True)
    name = "cuda" if args.device.startswith("cuda") else "cpu"
    (OUT / f"profile_{name}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
