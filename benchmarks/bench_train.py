# SPDX-License-Identifier: GPL-2.0-or-later
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
from typing import List, Optional, Tuple

import numpy as np

from benchlib import set_path, write_speed_result

import make_splits

WARMUP_STEPS = 10


def training_data(set_file: Path, metadata_encoding: str, seed: int = 0):
    """The engine's own path from a patch set to TrainingData (as `stssl evaluate` does it)."""
    from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
    from spatiotemporal_ssl.core.app.evaluate import load_patch_set, normalized_images
    from spatiotemporal_ssl.core.learning.training_data import assemble_training_data

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
    from spatiotemporal_ssl.core.learning.trainer import Trainer

    options = TrainOptions.from_mapping({"method": "fixmatch", "metadata": metadata, "backbone": "cnn", "steps": steps, "eval_every": steps,
                                         "seed": 0, "device": device, "tile_size_px": int(data.labeled_images.shape[-1]),
                                         **overrides})
    starts: List[float] = [time.perf_counter()]
    ends: List[float] = []
    waits: List[float] = []  # the trainer's cumulative data-wait seconds at each step's end

    def on_progress(progress) -> None:
        if progress.phase != "training":
            return
        if device == "cuda":
            import torch
            torch.cuda.synchronize()
        ends.append(time.perf_counter())
        waits.append(progress.data_wait_seconds)
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
    # Data wait over the timed steps only: the first steps include warm-up work (lazy initialisation, kernel
    # selection) that would otherwise count against whichever method runs first.
    data_wait = (waits[-2] - waits[warmup - 1]) / float(np.sum(per_step))
    return {"median_step_s": float(np.median(per_step)), "n_steps_timed": int(len(per_step)),
            "step_s": [float(t) for t in per_step], "timed_window": (starts[warmup], ends[-2]),
            "data_wait_fraction": data_wait, "data_wait_fraction_all_steps": float(result.data_wait_fraction),
            "total_s": total, "device": result.device_name}


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


def gpu_utilisation_sampler(samples: List[Tuple[float, float]], stop: threading.Event) -> threading.Thread:
    """Appends (time.perf_counter(), utilisation %) every 0.2 s until ``stop``."""
    def run() -> None:
        while not stop.is_set():
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                                     capture_output=True, text=True, timeout=5).stdout
                samples.append((time.perf_counter(), float(out.strip().splitlines()[0])))
            except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
                pass
            stop.wait(0.2)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# The authors' BigEarthNet batch for ViT-S: 64 labelled + 7 x 64 unlabelled tiles of 128 px.
GPU_VIT = {"labeled": 64, "size_px": 128}
# The same path at a toy size, run on the CPU by every benchmark run, so a GPU session (short and rare) does not
# find a broken script: ViT-S, 2 + 14 tiles of 4 px (16 tokens), 4 steps of which 1 is timed (about 10 s).
VIT_SMOKE = {"labeled": 2, "size_px": 4, "steps": 4, "warmup": 2}


def random_training_data(labeled: int, size_px: int):
    """Random tiles (3 bands, 10 classes): 10 x ``labeled`` labelled and 70 x ``labeled`` unlabelled, so a batch of
    ``labeled`` + 7 x ``labeled`` samples from a pool ten times its size. Speed does not depend on the pixels."""
    from spatiotemporal_ssl.core.data.encoding import MetadataEncoder
    from spatiotemporal_ssl.core.learning.training_data import assemble_training_data

    rng = np.random.default_rng(0)
    n_l, n_u, bands, classes = 10 * labeled, 70 * labeled, 3, 10
    images = rng.standard_normal((n_l + n_u, bands, size_px, size_px), dtype=np.float32)
    labels = np.concatenate([rng.integers(0, classes, n_l), np.full(n_u, -1)])
    labeled_mask = labels >= 0
    lat, lon = rng.uniform(35, 70, n_l + n_u), rng.uniform(-10, 30, n_l + n_u)
    doy = rng.uniform(1, 365, n_l + n_u)
    data, _, _ = assemble_training_data(images, labels, labeled_mask, lat, lon, doy, MetadataEncoder("season", 3),
                                        classes, False, 0.0, 0)
    return data


def vit_step_times(data, steps: int, device: str, labeled: int, warmup: int = WARMUP_STEPS) -> dict:
    """ViT-S on ``data`` (``random_training_data``) at batches of ``labeled`` + 7 x ``labeled`` tiles,
    metadata=none then teacher.

    The two runs go one after the other, not interleaved as on the CPU: a GPU is not shared with other
    processes, and each run's utilisation must be sampled while it runs alone.
    """
    results = {}
    for metadata in ("none", "teacher"):
        util: List[Tuple[float, float]] = []
        stop = threading.Event()
        sampler = gpu_utilisation_sampler(util, stop) if device.startswith("cuda") else None
        try:
            timing = step_times(data, metadata, steps, device, backbone="vit", model_size="small",
                                warmup=warmup, batch_size=labeled, unlabeled_ratio=7)
        finally:
            stop.set()
            if sampler is not None:
                sampler.join()
        # Only the samples taken during the timed steps: building the model and the warm-up leave the GPU idle.
        first, last = timing["timed_window"]
        timed = [pct for t, pct in util if first <= t <= last]
        timing["gpu_utilisation_pct"] = timed
        results[metadata] = timing
    return results


def plain_vit_step_times(steps: int, device: str, labeled: int, size_px: int, warmup: int = WARMUP_STEPS) -> dict:
    """The compute floor: the same ViT-S maths in a plain PyTorch loop, on one fixed batch already on the device.

    FixMatch: one network, forward and backward over labelled + weak + strong views, confidence-masked
    pseudo-labels. Spatiotemporal SSL: that network with a metadata token (the teacher) plus a second one with a
    learned token (the student) over labelled + strong views, and the distillation loss. Both in bfloat16 autocast
    (on a GPU) with AdamW. No augmentation, EMA, metadata dropout, statistics or progress reports: the ratio of
    the two is what the networks cost, and the engine's ratio above it is the engine's overhead.
    """
    import torch
    import torch.nn.functional as F
    from torch import nn

    from spatiotemporal_ssl.core.models.vit import ViTBackbone

    dev = torch.device(device)
    gen = torch.Generator(device=dev).manual_seed(0)
    n_l, n_u, classes, meta_dim = labeled, 7 * labeled, 10, 8
    x = torch.randn(n_l + 2 * n_u, 3, size_px, size_px, device=dev, generator=gen)
    y = torch.randint(0, classes, (n_l,), device=dev, generator=gen)
    meta = torch.randn(n_l + 2 * n_u, meta_dim, device=dev, generator=gen)
    amp = dev.type == "cuda"

    def network() -> nn.Module:
        backbone = ViTBackbone(3, size_px, "small")
        return nn.ModuleDict({"backbone": backbone, "head": nn.Linear(backbone.feature_dim, classes)}).to(dev)

    def fixmatch_losses(logits: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, pseudo-labels, confidence mask) from logits over labelled + weak + strong views."""
        logits = logits.float()
        conf, pseudo = logits[n_l:n_l + n_u].detach().softmax(dim=1).max(dim=1)
        unsup = F.cross_entropy(logits[n_l + n_u:], pseudo, reduction="none") * (conf >= 0.9)
        return F.cross_entropy(logits[:n_l], y) + unsup.mean(), pseudo, conf >= 0.9

    results = {}
    for metadata in ("none", "teacher"):
        torch.manual_seed(0)
        teacher = network()
        modules = [teacher]
        if metadata == "teacher":
            dim = teacher["backbone"].feature_dim
            meta_mlp = nn.Sequential(nn.Linear(meta_dim, dim), nn.GELU(), nn.Linear(dim, dim)).to(dev)
            student = network()
            token = nn.Parameter(torch.zeros(1, dim, device=dev))
            modules += [meta_mlp, student]
        params = [p for m in modules for p in m.parameters()] + ([token] if metadata == "teacher" else [])
        optimizer = torch.optim.AdamW(params, lr=1e-4, **({"fused": True} if amp else {"foreach": True}))
        times: List[float] = []
        for _ in range(steps):
            t0 = time.perf_counter()
            with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=amp):
                if metadata == "none":
                    feat, _ = teacher["backbone"](x)
                    loss, _, _ = fixmatch_losses(teacher["head"](feat))
                else:
                    feat, t_tok = teacher["backbone"](x, meta_mlp(meta))
                    loss, pseudo, mask = fixmatch_losses(teacher["head"](feat))
                    s_views = torch.cat([x[:n_l], x[n_l + n_u:]])
                    s_feat, s_tok = student["backbone"](s_views, token.expand(s_views.shape[0], -1))
                    s_logits = student["head"](s_feat).float()
                    s_unsup = F.cross_entropy(s_logits[n_l:], pseudo, reduction="none") * mask
                    distill = F.mse_loss(s_tok.float(), torch.cat([t_tok[:n_l], t_tok[n_l + n_u:]]).detach().float())
                    loss = loss + F.cross_entropy(s_logits[:n_l], y) + s_unsup.mean() + distill
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if dev.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        per_step = times[warmup:]
        results[metadata] = {"median_step_s": float(np.median(per_step)), "step_s": [float(t) for t in per_step]}
        del modules, optimizer
    return results


def paired_ratio(runs: List[dict]) -> Tuple[float, List[float]]:
    """Median over every step pair (step i of FixMatch with step i of Spatiotemporal SSL, in each repeat) of the
    step-time ratio, and the median per repeat."""
    pairs = [np.asarray(r["teacher"]["step_s"]) / np.asarray(r["none"]["step_s"]) for r in runs]
    return float(np.median(np.concatenate(pairs))), [float(np.median(p)) for p in pairs]


def vit_result(device: str, steps: int, repeats: int, labeled: int, size_px: int, warmup: int = WARMUP_STEPS) -> dict:
    """The ViT-S measure: each repeat runs the engine (FixMatch, then Spatiotemporal SSL) and then the plain PyTorch
    loop of the same maths; the ratios are medians over every step pair of every repeat, as on the CPU."""
    import torch

    data = random_training_data(labeled, size_px)
    engine, plain = [], []
    for repeat in range(repeats):
        engine.append(vit_step_times(data, steps, device, labeled, warmup))
        plain.append(plain_vit_step_times(steps, device, labeled, size_px, warmup))
        print(f"repeat {repeat + 1}/{repeats}: engine {engine[-1]['none']['median_step_s'] * 1000:.1f} / "
              f"{engine[-1]['teacher']['median_step_s'] * 1000:.1f} ms, plain {plain[-1]['none']['median_step_s'] * 1000:.1f}"
              f" / {plain[-1]['teacher']['median_step_s'] * 1000:.1f} ms (FixMatch / Spatiotemporal SSL)", flush=True)
    ratio, per_repeat = paired_ratio(engine)
    plain_ratio, plain_per_repeat = paired_ratio(plain)

    def median_of(runs: List[dict], metadata: str, key: str = "median_step_s") -> float:
        return float(np.median([r[metadata][key] for r in runs]))

    def utilisation(metadata: str) -> str:
        samples = [pct for r in engine for pct in r[metadata]["gpu_utilisation_pct"]]
        if not samples:
            return "not sampled (no nvidia-smi, or no sample in the timed steps)"
        return f"{np.median(samples):.0f} % ({len(samples)} samples)"

    batch = f"{labeled} + {7 * labeled} x {size_px} px"
    measures = [
        {"name": f"ViT-S {batch}: steps/s (Spatiotemporal SSL)", "value": f"{1 / median_of(engine, 'teacher'):.2f}"},
        {"name": f"ViT-S {batch}: steps/s (FixMatch)", "value": f"{1 / median_of(engine, 'none'):.2f}"},
        {"name": "ViT-S: step ratio Spatiotemporal SSL / FixMatch", "value": f"{ratio:.2f}", "target": "≤ 1.6",
         "met": ratio <= 1.6},
        {"name": "ViT-S: the same ratio for a plain PyTorch loop of the same maths (no augmentation, EMA or "
                 "bookkeeping; the compute floor)", "value": f"{plain_ratio:.2f}"},
        {"name": "GPU utilisation (median of nvidia-smi samples every 0.2 s over the timed steps, Spatiotemporal SSL)",
         "value": utilisation("teacher")},
        {"name": "GPU utilisation (the same, FixMatch)", "value": utilisation("none")},
        {"name": "fraction of step time waiting for data (Spatiotemporal SSL)",
         "value": f"{median_of(engine, 'teacher', 'data_wait_fraction'):.1%}"},
    ]
    notes = [f"Random tiles (3 bands, 10 classes), {repeats} repeat(s) of {steps} steps per method, the first "
             f"{warmup} and the engine's last (validation) left out; in each repeat FixMatch then Spatiotemporal "
             "SSL, one after the other (a GPU is not shared, and each run's utilisation is sampled while it runs "
             "alone), then the plain loop of each; "
             f"{'bfloat16 mixed precision' if device.startswith('cuda') else 'float32'}; "
             f"{torch.get_num_threads()} torch CPU threads. Ratio per repeat: "
             f"{', '.join(f'{r:.2f}' for r in per_repeat)} (engine), "
             f"{', '.join(f'{r:.2f}' for r in plain_per_repeat)} (plain). Plain step times: "
             f"{median_of(plain, 'none') * 1000:.1f} ms (FixMatch), {median_of(plain, 'teacher') * 1000:.1f} ms "
             "(Spatiotemporal SSL)."]
    return {"when": _dt.datetime.now().isoformat(timespec="seconds"), "device": engine[0]["none"]["device"],
            "measures": measures, "notes": notes, "raw": {"engine": engine, "plain": plain}}


def gpu_main(steps: int, repeats: int) -> int:
    """``--gpu-vit``: only the GPU measure, written to ``out/speed/train_gpu.json``, so a run on a GPU machine (whose
    CPUs differ from the ones the CPU figures come from) does not replace the CPU figures in ``train.json``."""
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("--gpu-vit needs a CUDA device; without it, run bench_train.py for the CPU figures")
    result = vit_result("cuda", steps, repeats, **GPU_VIT)
    write_speed_result("train_gpu", result, result["measures"])
    return 0


def main(argv: Optional[list] = None) -> int:
    from spatiotemporal_ssl.core.params import TrainOptions, option

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps, one repeat")
    parser.add_argument("--steps", type=int, help="steps per timed run (warm-up included)")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--threads", type=int,
                        help="torch threads (default: 1 for the CPU measure, the machine is small and shared; "
                             "torch's own default for --gpu-vit, which feeds the GPU from every CPU)")
    parser.add_argument("--set", default="raleigh", help="patch set (make_splits name) whose tiles are used")
    parser.add_argument("--student-targets", choices=option("student_targets").values, default=None,
                        help="the student's pseudo-labels for the Spatiotemporal SSL run (default: the engine's); "
                             "'teacher' times the paper's rule, without the student's pass over the weak views")
    parser.add_argument("--gpu-vit", action="store_true",
                        help="time ViT-S on the GPU only (needs CUDA); writes out/speed/train_gpu.json")
    args = parser.parse_args(argv)
    import torch

    steps = args.steps or (40 if args.quick else 80)
    if args.gpu_vit:
        if args.threads:
            torch.set_num_threads(args.threads)
        # 3 repeats of 60 steps: at about 0.1 s a step, enough nvidia-smi samples fall in each method's timed steps.
        return gpu_main(args.steps or 60, args.repeats or 3)
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
        pair = interleaved_step_times(data, steps, "cpu", **({"student_targets": args.student_targets}
                                                             if args.student_targets else {}))
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
    targets = args.student_targets or TrainOptions().student_targets
    notes = [f"Student's pseudo-labels: {targets}. "
             f"Tiles: `{args.set}` set ({bands} bands, {tile}x{tile} px), {steps} steps per run, first "
             f"{WARMUP_STEPS} and the last (validation) left out; {repeats} repeat(s) of the pair, interleaved "
             f"step by step; {args.threads} torch thread(s), "
             f"{'pinned to CPU ' + str(pinned) if pinned is not None else 'not pinned to a CPU'}. "
             f"Ratio: median over {sum(len(p) for p in pairs)} step pairs; per repeat "
             f"{', '.join(f'{r:.2f}' for r in ratios)}; ratio of the median step times {teacher / fixmatch:.2f}."]
    # The GPU script's code path, at a toy size on the CPU: a GPU session is short and rare, and should not be the
    # first to run it.
    smoke = vit_result("cpu", repeats=1, **VIT_SMOKE)
    result = {"when": _dt.datetime.now().isoformat(timespec="seconds"), "device": runs["none"][0]["device"],
              "measures": measures, "notes": notes, "raw": runs, "vit_smoke": smoke["measures"]}
    notes.append("The GPU measure (ViT-S on an H100) is `bash benchmarks/gpu_check.sh` (`bench_train.py --gpu-vit`) "
                 "on a CUDA machine; it writes `train_gpu.json`. Its code path, the plain PyTorch reference "
                 "included, ran here on the CPU at a toy size "
                 f"({VIT_SMOKE['labeled']} + {7 * VIT_SMOKE['labeled']} tiles of {VIT_SMOKE['size_px']} px, "
                 f"{VIT_SMOKE['steps']} steps per method).")
    write_speed_result("train", result, measures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
