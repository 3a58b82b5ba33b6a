"""Training speed: Spatiotemporal SSL against plain FixMatch per step, steps per second, and time waiting for data.

    python benchmarks/bench_train.py              # writes benchmarks/out/speed/train.json
    python benchmarks/bench_train.py --quick
    python benchmarks/bench_train.py --gpu-vit    # on a CUDA machine, only the GPU measure (train_gpu.json):
                                                  # ViT-S, 64 + 448 tiles of 128 px, utilisation

- Ratio: median time per step of `fixmatch` with `metadata=teacher` (teacher on the labelled, weak and strong views,
  student on the labelled and strong views) over plain `fixmatch` (`metadata=none`), same backbone, batch and data,
  steps after a warm-up. The two runs are interleaved step by step (each runs in its own thread and hands the
  turn to the other after every step), and the ratio is the median over step pairs (teacher step k / FixMatch
  step k), so a burst of load on this shared machine hits both sides of a pair alike. The process is pinned to
  one CPU while it measures: the two CPUs of this virtual machine run at different speeds from minute to minute,
  and a thread on the slower one biased a whole repeat (unpinned per-repeat ratios ranged from 1.19 to 1.94;
  pinned, 1.50 to 1.54). Target <= 1.6.
- Steps per second of the default CPU model (the engine's defaults: CNN backbone, auto size, batch 32 + 7 x 32).
- Data wait: the trainer's own measure of the fraction of step time spent sampling and augmenting tiles.

The tiles are the Raleigh control set (real Landsat-7, 6 bands, 8 x 8 px: the engine's default tile) built by
benchmarks/make_splits.py. Per-step times come from the trainer's progress callback, called after every step; the
final step, which runs the validation, is left out.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional

import numpy as np

from benchlib import set_path, write_speed_result

import make_splits

WARMUP_STEPS = 10


def training_data(set_file: Path, metadata_encoding: str, seed: int = 0):
    """The engine's own path from a patch set to TrainingData (as `stssl evaluate` does it)."""
    from spatiotemporal_ssl.core.encoding import MetadataEncoder
    from spatiotemporal_ssl.core.evaluate import load_patch_set, normalized_images
    from spatiotemporal_ssl.core.training_data import assemble_training_data

    ps = load_patch_set(str(set_file))
    train = ps["split"] != "test"
    images = normalized_images(ps, seed)[train]
    labels = ps["labels"][train].astype(np.int64)
    labeled = (ps["split"][train] == "labeled") & (labels >= 0)
    encoder = MetadataEncoder(metadata_encoding, 3)
    data, _, _ = assemble_training_data(images, labels, labeled, ps["lat"][train], ps["lon"][train], ps["doy"][train],
                                        encoder, ps["num_classes"], False, 0.2, seed)
    return data


def step_times(data, metadata: str, steps: int, device: str, turn_taking=None, warmup: int = WARMUP_STEPS,
               **overrides) -> dict:
    """Per-step seconds (after warm-up, without the final validation step) and the trainer's data-wait fraction.

    ``turn_taking``: (pass_turn, wait_for_turn) of ``interleaved_step_times``; each step then starts when this run
    gets the turn back.
    """
    from spatiotemporal_ssl.core.params import TrainOptions
    from spatiotemporal_ssl.core.trainer import Trainer

    options = TrainOptions(method="fixmatch", metadata=metadata, steps=steps, eval_every=steps, seed=0, device=device,
                           tile_size_px=int(data.labeled_images.shape[-1]))
    for key, value in overrides.items():
        setattr(options, key, value)
    starts: List[float] = [time.perf_counter()]
    ends: List[float] = []

    def on_progress(progress) -> None:
        if progress.phase != "training":
            return
        if device == "cuda":
            import torch
            torch.cuda.synchronize()
        ends.append(time.perf_counter())
        if turn_taking is not None:
            pass_turn, wait_for_turn = turn_taking
            pass_turn(metadata)
            wait_for_turn(metadata)
        starts.append(time.perf_counter())

    started = time.perf_counter()
    result = Trainer(options).fit(data, progress=on_progress, progress_every=1)
    total = time.perf_counter() - started
    # Step k runs from starts[k] to ends[k]; the first start includes building the model (inside the warm-up).
    per_step = (np.asarray(ends) - np.asarray(starts[:len(ends)]))[warmup:-1]
    return {"median_step_s": float(np.median(per_step)), "n_steps_timed": int(len(per_step)),
            "step_s": [float(t) for t in per_step],
            "data_wait_fraction": float(result.data_wait_fraction), "total_s": total, "device": result.device_name}


def interleaved_step_times(data, steps: int, device: str, **overrides) -> dict:
    """``step_times`` of metadata=none and metadata=teacher, run in two threads that take turns step by step.

    Only the thread holding the turn runs torch code; the other waits in its progress callback. A step's time
    runs from getting the turn to the callback after that step, so the waiting never counts.
    """
    order = ("none", "teacher")
    turn = threading.Condition()
    state = {"turn": "none", "finished": set()}
    results, errors = {}, []

    def wait_for_turn(metadata: str) -> None:
        with turn:
            turn.wait_for(lambda: state["turn"] == metadata or other(metadata) in state["finished"])

    def other(metadata: str) -> str:
        return order[1 - order.index(metadata)]

    def pass_turn(metadata: str) -> None:
        with turn:
            state["turn"] = other(metadata)
            turn.notify_all()

    def run(metadata: str) -> None:
        try:
            wait_for_turn(metadata)
            results[metadata] = step_times(data, metadata, steps, device, turn_taking=(pass_turn, wait_for_turn),
                                           **overrides)
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)
        finally:
            with turn:
                state["finished"].add(metadata)
                turn.notify_all()

    threads = [threading.Thread(target=run, args=(m,), daemon=True) for m in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def pin_to_one_cpu() -> Optional[int]:
    """Keep this process (both training threads) on one CPU, so both sides of a step pair see the same CPU."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def gpu_utilisation_sampler(samples: List[float], stop: threading.Event) -> threading.Thread:
    def run() -> None:
        while not stop.is_set():
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                                     capture_output=True, text=True, timeout=5).stdout
                samples.append(float(out.strip().splitlines()[0]))
            except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
                pass
            stop.wait(0.5)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# The authors' BigEarthNet batch for ViT-S: 64 labelled + 7 x 64 unlabelled tiles of 128 px.
GPU_VIT = {"labeled": 64, "size_px": 128}
# The same path at a toy size, run on the CPU by every benchmark run, so a GPU session (short and rare) does not
# find a broken script: ViT-S, 2 + 14 tiles of 4 px (16 tokens), 4 steps of which 1 is timed (about 10 s).
VIT_SMOKE = {"labeled": 2, "size_px": 4, "steps": 4, "warmup": 2}


def vit_step_times(steps: int, device: str, labeled: int, size_px: int, warmup: int = WARMUP_STEPS) -> dict:
    """ViT-S at ``labeled`` + 7 x ``labeled`` tiles of ``size_px`` on random tiles, metadata=none then teacher.

    The two runs go one after the other, not interleaved as on the CPU: a GPU is not shared with other
    processes, and each run's utilisation must be sampled while it runs alone.
    """
    from spatiotemporal_ssl.core.encoding import MetadataEncoder
    from spatiotemporal_ssl.core.training_data import assemble_training_data

    rng = np.random.default_rng(0)
    n_l, n_u, bands, classes = 10 * labeled, 70 * labeled, 3, 10
    images = rng.standard_normal((n_l + n_u, bands, size_px, size_px), dtype=np.float32)
    labels = np.concatenate([rng.integers(0, classes, n_l), np.full(n_u, -1)])
    labeled_mask = labels >= 0
    lat, lon = rng.uniform(35, 70, n_l + n_u), rng.uniform(-10, 30, n_l + n_u)
    doy = rng.uniform(1, 365, n_l + n_u)
    data, _, _ = assemble_training_data(images, labels, labeled_mask, lat, lon, doy, MetadataEncoder("season", 3),
                                        classes, False, 0.0, 0)
    results = {}
    for metadata in ("none", "teacher"):
        util: List[float] = []
        stop = threading.Event()
        sampler = gpu_utilisation_sampler(util, stop) if device.startswith("cuda") else None
        try:
            timing = step_times(data, metadata, steps, device, backbone="vit", model_size="small",
                                warmup=warmup, batch_size=labeled, unlabeled_ratio=7)
        finally:
            stop.set()
            if sampler is not None:
                sampler.join()
        timing["gpu_utilisation_median_pct"] = float(np.median(util)) if util else None
        results[metadata] = timing
    return results


def gpu_main(steps: int) -> int:
    """``--gpu-vit``: only the GPU measure, written to ``out/speed/train_gpu.json``, so a run on a GPU machine (whose
    CPUs differ from the ones the CPU figures come from) does not replace the CPU figures in ``train.json``."""
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("--gpu-vit needs a CUDA device; without it, run bench_train.py for the CPU figures")
    gpu = vit_step_times(steps, "cuda", **GPU_VIT)
    ratio = gpu["teacher"]["median_step_s"] / gpu["none"]["median_step_s"]
    batch = f"{GPU_VIT['labeled']} + {7 * GPU_VIT['labeled']} x {GPU_VIT['size_px']} px"
    measures = [
        {"name": f"ViT-S {batch}: steps/s (Spatiotemporal SSL)", "value": f"{1 / gpu['teacher']['median_step_s']:.2f}"},
        {"name": f"ViT-S {batch}: steps/s (FixMatch)", "value": f"{1 / gpu['none']['median_step_s']:.2f}"},
        {"name": "ViT-S: step ratio Spatiotemporal SSL / FixMatch", "value": f"{ratio:.2f}", "target": "≤ 1.6",
         "met": ratio <= 1.6},
        {"name": "GPU utilisation (median of nvidia-smi samples every 0.5 s, Spatiotemporal SSL)",
         "value": "not sampled (no nvidia-smi)" if gpu["teacher"]["gpu_utilisation_median_pct"] is None
         else f"{gpu['teacher']['gpu_utilisation_median_pct']:.0f} %"},
        {"name": "fraction of step time waiting for data (Spatiotemporal SSL)",
         "value": f"{gpu['teacher']['data_wait_fraction']:.1%}"},
    ]
    notes = [f"Random tiles (3 bands, 10 classes), {steps} steps per method, first {WARMUP_STEPS} and the last left "
             "out; FixMatch then Spatiotemporal SSL, one after the other (a GPU is not shared, and each run's "
             "utilisation is sampled while it runs alone); mixed precision on; "
             f"{torch.get_num_threads()} torch CPU threads for the data pipeline."]
    result = {"when": _dt.datetime.now().isoformat(timespec="seconds"), "device": gpu["none"]["device"],
              "measures": measures, "notes": notes, "raw": gpu}
    write_speed_result("train_gpu", result, measures)
    return 0


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, one repeat")
    parser.add_argument("--steps", type=int, help="steps per timed run (warm-up included)")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--threads", type=int,
                        help="torch threads (default: 1 for the CPU measure, the machine is small and shared; "
                             "torch's own default for --gpu-vit, which feeds the GPU from every CPU)")
    parser.add_argument("--set", default="raleigh", help="patch set (make_splits name) whose tiles are used")
    parser.add_argument("--gpu-vit", action="store_true",
                        help="time ViT-S on the GPU only (needs CUDA); writes out/speed/train_gpu.json")
    args = parser.parse_args(argv)
    import torch

    steps = args.steps or (40 if args.quick else 80)
    if args.gpu_vit:
        if args.threads:
            torch.set_num_threads(args.threads)
        return gpu_main(max(WARMUP_STEPS + 20, steps // 2))
    args.threads = args.threads or 1
    torch.set_num_threads(args.threads)
    repeats = args.repeats or (1 if args.quick else 5)
    make_splits.build([args.set], [10], [0], make_splits.DEFAULT_UNLABELED_CAP, make_splits.DEFAULT_TEST_CAP,
                      verbose=False)
    set_file = set_path(args.set, 10, 0)
    data = training_data(set_file, "season")
    all_cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pinned = pin_to_one_cpu()
    runs = {"none": [], "teacher": []}
    for repeat in range(repeats):
        pair = interleaved_step_times(data, steps, "cpu")
        for metadata in ("none", "teacher"):
            timing = pair[metadata]
            runs[metadata].append(timing)
            print(f"repeat {repeat + 1}/{repeats} fixmatch metadata={metadata}: {timing['median_step_s'] * 1000:.0f} "
                  f"ms/step, data wait {timing['data_wait_fraction']:.1%}", flush=True)
    if all_cpus is not None:
        os.sched_setaffinity(0, all_cpus)
    fixmatch = float(np.median([r["median_step_s"] for r in runs["none"]]))
    teacher = float(np.median([r["median_step_s"] for r in runs["teacher"]]))
    # Per repeat: the median over step pairs; overall: the median over every pair of every repeat.
    pairs = [np.asarray(t["step_s"]) / np.asarray(f["step_s"]) for f, t in zip(runs["none"], runs["teacher"])]
    ratios = [float(np.median(p)) for p in pairs]
    ratio = float(np.median(np.concatenate(pairs)))
    wait = float(np.median([r["data_wait_fraction"] for r in runs["teacher"]]))
    tile = int(data.labeled_images.shape[-1])
    bands = int(data.labeled_images.shape[1])
    measures = [
        {"name": "step time Spatiotemporal SSL / FixMatch (same CNN, batch 32 + 224)", "value": f"{ratio:.2f}",
         "target": "≤ 1.6", "met": ratio <= 1.6},
        {"name": "FixMatch step (median)", "value": f"{fixmatch * 1000:.0f} ms"},
        {"name": "Spatiotemporal SSL step (median)", "value": f"{teacher * 1000:.0f} ms"},
        {"name": "steps/s, default CPU model (Spatiotemporal SSL)", "value": f"{1 / teacher:.2f}"},
        {"name": "fraction of step time waiting for data (default CPU model)", "value": f"{wait:.1%}"},
    ]
    notes = [f"Tiles: `{args.set}` set ({bands} bands, {tile}x{tile} px), {steps} steps per run, first "
             f"{WARMUP_STEPS} and the last (validation) left out; {repeats} repeat(s) of the pair, interleaved "
             f"step by step; {args.threads} torch thread(s), "
             f"{'pinned to CPU ' + str(pinned) if pinned is not None else 'not pinned to a CPU'}. "
             f"Ratio: median over {sum(len(p) for p in pairs)} step pairs; per repeat "
             f"{', '.join(f'{r:.2f}' for r in ratios)}; ratio of the median step times {teacher / fixmatch:.2f}."]
    # The GPU script's code path, at a toy size on the CPU: a GPU session is short and rare, and should not be the
    # first to run it.
    smoke = vit_step_times(device="cpu", **VIT_SMOKE)
    result = {"when": _dt.datetime.now().isoformat(timespec="seconds"), "device": runs["none"][0]["device"],
              "measures": measures, "notes": notes, "raw": runs,
              "vit_smoke": {m: {k: v for k, v in t.items() if k != "step_s"} for m, t in smoke.items()}}
    notes.append("The GPU measure (ViT-S on an H100) is `bash benchmarks/gpu_check.sh` (`bench_train.py --gpu-vit`) "
                 "on a CUDA machine; it writes `train_gpu.json`. Its code path ran here on the CPU at a toy size "
                 f"({VIT_SMOKE['labeled']} + {7 * VIT_SMOKE['labeled']} tiles of {VIT_SMOKE['size_px']} px, "
                 f"{VIT_SMOKE['steps']} steps per method): ViT-S step {smoke['none']['median_step_s'] * 1000:.0f} ms "
                 f"(FixMatch), {smoke['teacher']['median_step_s'] * 1000:.0f} ms (Spatiotemporal SSL).")
    write_speed_result("train", result, measures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
