# SPDX-License-Identifier: GPL-2.0-or-later
"""The shared training loop: AdamW + cosine schedule, EMA, AMP on CUDA, validation-based checkpoint
selection and early stopping, progress callbacks, cooperative cancel, resume, and DistributedDataParallel
under ``torchrun``.

The loop is the same for every algorithm and metadata mode; what differs lives in :mod:`core.learning.ssl`.
:meth:`Trainer.fit` is the loop; :class:`_Run` holds what one fit works with and does one training step
(forward, backward, optimizer) or one validation at a time. Its parts have modules of their own: batches
(:mod:`.batches`), checkpoint selection (:mod:`.selection`), validation (:mod:`.validation`) and the running
statistics (:mod:`.running_stats`).
"""
from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.distributed as dist

from ..device import device_name, resolve_device
from ..errors import InputError
from ..models.network import LandCoverNet, NetworkConfig, default_size
from ..params import TrainOptions
from .batches import BatchSampler, StepBatch
from .finetune import parameter_groups, prepare_pretrained, pretrained_anchor, quick_options
from .running_stats import RunningStats
from .selection import CheckpointSelector
from .ssl import SSLModel, StepOutput, make_pseudo_labeler
from .training_data import TrainingData
from .validation import validate


@dataclass
class TrainProgress:
    """What the callback receives every few steps (and at every validation)."""

    phase: str
    step: int
    total_steps: int
    losses: Dict[str, float] = field(default_factory=dict)
    mask_rate: Optional[float] = None  # the confident share of the pseudo-labels (the teacher's, with a teacher)
    # With a teacher and student option 'agreed': the share the student learns from (those it also predicts).
    student_mask_rate: Optional[float] = None
    pseudo_label_accuracy: Optional[float] = None
    val_accuracy: Optional[float] = None
    eta_seconds: Optional[float] = None
    device_name: str = ""
    data_wait_fraction: Optional[float] = None
    # Seconds spent preparing batches since the fit started (data_wait_fraction's numerator), so a caller can take
    # the fraction over a window of steps, e.g. without the first ones, which include warm-up work.
    data_wait_seconds: Optional[float] = None


@dataclass
class FitResult:
    model: SSLModel  # EMA weights of the selected (best validation) step, on the CPU, eval mode
    best_step: int
    steps_done: int
    cancelled: bool
    stopped_early: bool
    best_val_accuracy: Optional[float]
    history: List[dict]
    device_name: str
    train_seconds: float
    mean_mask_rate: Optional[float]
    mean_pseudo_label_accuracy: Optional[float]
    data_wait_fraction: float
    pseudo_label_accuracy_source: str = "validation tiles"
    training_state: Optional[dict] = None  # for resume: online weights, EMA, optimizer, step


class EMA:
    """Exponential moving average of all parameters (and a copy of the buffers).

    The momentum warms up as min(m, (1 + step) / (10 + step)) so short runs are not dominated by the
    random initialisation; long runs use the authors' 0.999.
    """

    def __init__(self, model: torch.nn.Module, momentum: float):
        self.momentum = momentum
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)

        self._ema_params = list(self.model.parameters())
        self._ema_buffers = list(self.model.buffers())

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        m = min(self.momentum, (1.0 + step) / (10.0 + step))
        # One fused call over all tensors: with two networks, a Python loop per tensor costs more than the maths.
        torch._foreach_lerp_(self._ema_params, [p.detach() for p in model.parameters()], 1 - m)
        for ema_b, b in zip(self._ema_buffers, model.buffers()):
            ema_b.copy_(b)


def build_model(options: TrainOptions, num_classes: int, band_count: int, tile_size_px: int,
                loc_dim: int, date_dim: int, device: torch.device, presto: Optional[dict] = None) -> SSLModel:
    """The networks for ``options.metadata`` and their metadata roles (core.models.network): 'none' -> a
    pixel-only student; 'input' -> a student that reads the metadata; 'teacher' -> a teacher that reads it and a
    pixel-only student, with a learned token in the metadata's place when it is distilled towards the teacher.
    ``presto``: the Presto backbone's spec (core.models.presto_backbone.make_presto_spec); its pretrained weights
    are loaded here. Quick map trains one network without metadata (core.learning.finetune.quick_options)."""
    options = quick_options(options)
    size = options.model_size if options.model_size != "auto" else default_size(device)
    # "auto" is resolved from the input by core.app.backbone_choice; a caller that built its TrainingData itself
    # gets the only network its data allows: Presto when it prepared a Presto spec, else the CNN.
    backbone = options.backbone if options.backbone != "auto" else ("presto" if presto is not None else "cnn")

    def net(metadata_role: str) -> LandCoverNet:
        return LandCoverNet(NetworkConfig(backbone, size, band_count, tile_size_px, num_classes,
                                          metadata_role, loc_dim, date_dim, presto=presto))

    if options.student_reads_metadata:
        student_role = "input"
    elif options.distills:
        student_role = "token"
    else:
        student_role = "none"
    teacher = net("input") if options.has_teacher else None
    student = net(student_role)
    labeler = make_pseudo_labeler(options.method, num_classes, options.multi_label, options.threshold)
    model = SSLModel(student, teacher, labeler, options.multi_label, options.lambda_u, options.lambda_d,
                     options.distill_loss, options.student_targets)
    prepare_pretrained(model, options)
    if options.init_weights:
        load_init_weights(model, options.init_weights)
    return model


def load_init_weights(model: SSLModel, path: str) -> None:
    """Start from a local weights file (no downloads): a state dict or a model file of ours. Matching
    backbone weights are loaded into both networks; heads with a different class count are left alone."""
    if not os.path.exists(path):
        raise InputError(f"initial weights file '{path}' does not exist; check the path")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise InputError(f"initial weights file '{path}' cannot be read safely ({exc}); use a PyTorch state dict") from exc
    state = blob.get("student", blob) if isinstance(blob, dict) else None
    if not isinstance(state, dict):
        raise InputError(f"initial weights file '{path}' holds no state dict")
    state = {k: v for k, v in state.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
    for net in (model.student, model.teacher):
        if net is None:
            continue
        own = net.state_dict()
        matched = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape and not k.startswith("head.")}
        if not matched:
            raise InputError(f"no weight in '{path}' matches this network ({net.config.backbone}); check the backbone and band count")
        net.load_state_dict(matched, strict=False)


def _distributed() -> tuple:
    """(rank, world_size), initialising the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size()


def _training_device(name: str, rank: int, world: int) -> torch.device:
    """The device ``name`` resolves to; under torchrun on GPUs, this process's own GPU."""
    device = resolve_device(name)
    if device.type == "cuda" and world > 1:
        device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}")
        torch.cuda.set_device(device)
    return device


def _optimizer(model: SSLModel, opt: TrainOptions, device: torch.device) -> tuple:
    """(AdamW over the trainable parameters, in groups: a pretrained encoder at its own learning rate, see
    core.learning.finetune; its cosine schedule over ``opt.steps``)."""
    params = parameter_groups(model, opt)
    # On a GPU, torch's fused AdamW: one kernel per step instead of a few per parameter group, and no host-side
    # step counters. With ViT-S it cut the optimizer's GPU time per step by 2.8x and its CPU time by 3-4x
    # (benchmarks/profile_step.py, README). The CPU keeps foreach, whose results the benchmarks cache.
    implementation = {"fused": True} if device.type == "cuda" else {"foreach": True}
    optimizer = torch.optim.AdamW(params, lr=opt.lr, weight_decay=opt.weight_decay, **implementation)
    total = opt.steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    return optimizer, scheduler


class Trainer:
    def __init__(self, options: TrainOptions):
        self.options = options  # validated by the entry point that built them (TrainOptions.from_mapping)

    def fit(self, data: TrainingData, progress: Optional[Callable[[TrainProgress], None]] = None,
            should_stop: Optional[Callable[[], bool]] = None, resume_state: Optional[dict] = None,
            progress_every: int = 10, checkpoint: Optional[Callable[["FitResult"], object]] = None) -> FitResult:
        """Train. ``checkpoint(result)`` is called every ``options.checkpoint_every`` steps (rank 0) with the
        run so far, so a killed job leaves a usable, resumable model file."""
        opt = self.options
        if opt.method == "quick":  # Quick map: a linear probe on the frozen embedding, no training loop
            from .quick import fit_quick

            return fit_quick(opt, data, progress)
        run = _Run(opt, data, resume_state)
        step, cancelled, stopped_early = run.start_step, False, False
        run.model.train()
        while step < opt.steps:
            if should_stop is not None and should_stop():
                cancelled = True
                break
            run.stats.start_step()
            batch = run.sampler(step)
            run.stats.batch_ready(run.device)
            out = run.training_step(batch, step)
            step += 1
            run.stats.step_done(out, batch)
            is_eval = step % opt.eval_every == 0 or step == opt.steps
            if is_eval:
                stopped_early = run.validation_step(step)
            if progress is not None and run.rank == 0 and (is_eval or step % progress_every == 0 or stopped_early):
                progress(run.progress(step))
            if is_eval:
                run.stats.reset_window()
            if (checkpoint is not None and opt.checkpoint_every and step % opt.checkpoint_every == 0
                    and step < opt.steps and run.rank == 0):
                checkpoint(run.result(step, cancelled, stopped_early))
            if stopped_early:
                break
        if run.world > 1:
            dist.barrier()
        return run.result(step, cancelled, stopped_early)


class _Run:
    """What one fit works with, on its device: the model and its EMA, optimizer and schedule, batches, checkpoint
    selection, history and running statistics. Built in a fixed order, so the random numbers are the same."""

    def __init__(self, opt: TrainOptions, data: TrainingData, resume_state: Optional[dict]):
        self.options, self.data = opt, data
        self.rank, self.world = _distributed()
        self.device = _training_device(opt.device, self.rank, self.world)
        self.device_name = device_name(self.device)
        torch.manual_seed(opt.seed)
        np.random.seed(opt.seed)
        self.model = build_model(opt, data.num_classes, data.band_count, data.tile_size_px, data.loc_dim,
                                 data.date_dim, self.device, presto=data.presto).to(self.device)
        self.ema = EMA(self.model, opt.ema_momentum)
        self.optimizer, self.scheduler = _optimizer(self.model, opt, self.device)
        # Before a resume loads the trained weights: the anchor is the weights the run started from.
        self.anchor = pretrained_anchor(self.model, self.optimizer, opt)
        self.selector = CheckpointSelector(int(data.val_images.shape[0]), resume_state)
        self.start_step, self.history = self._resume(resume_state) if resume_state is not None else (0, [])
        self.wrapped = self.model if self.world <= 1 else torch.nn.parallel.DistributedDataParallel(
            self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None,
            find_unused_parameters=True)
        self.use_amp = opt.amp and self.device.type == "cuda"
        self.amp_dtype = torch.bfloat16 if (self.use_amp and torch.cuda.is_bf16_supported()) else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp and self.amp_dtype == torch.float16)
        self.sampler = BatchSampler(data, opt, self.device, seed=opt.seed * 1000 + self.rank + self.start_step)
        self.stats = RunningStats(data.unlabeled_diagnostic_targets, opt.multi_label)
        self.last_val: Optional[float] = None  # this fit's latest validation accuracy

    def _resume(self, state: dict) -> Tuple[int, List[dict]]:
        """Load the online and EMA weights, optimizer and schedule; (the step to go on from, the history so far)."""
        self.model.load_state_dict(state["model"])
        self.ema.model.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        return int(state["step"]), list(state.get("history", []))

    def training_step(self, batch: StepBatch, step: int) -> StepOutput:
        """Step ``step`` -> ``step + 1``: forward, backward, optimizer and schedule; then the EMA follows."""
        try:
            with torch.autocast(device_type=self.device.type, dtype=self.amp_dtype, enabled=self.use_amp):
                out = self.wrapped(batch)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(out.loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            if self.anchor is not None:
                self.anchor.step()
        except torch.cuda.OutOfMemoryError as exc:
            bs_l, bs_u = self.sampler.batch_l, self.sampler.batch_u
            raise InputError(
                f"CUDA ran out of memory with a batch of {bs_l} labelled + {bs_u} unlabelled tiles of "
                f"{self.data.tile_size_px} px on {self.device_name}; lower the batch size "
                f"(e.g. --batch-size {max(1, bs_l // 2)}) or the unlabelled ratio"
            ) from exc
        if not torch.isfinite(out.loss):
            raise InputError(
                f"training diverged at step {step + 1} (loss {out.loss.item()}); lower the learning rate "
                f"(now {self.options.lr}) or check the rasters for extreme values"
            )
        self.scheduler.step()
        self.ema.update(self.model, step + 1)
        return out

    def validation_step(self, step: int) -> bool:
        """Validate, select the checkpoint and record the history at ``step``; True: stop early."""
        if self.world > 1:
            # BatchNorm statistics are per process; take rank 0's so every rank validates (and selects) alike.
            for buf in list(self.model.buffers()) + list(self.ema.model.buffers()):
                dist.broadcast(buf, 0)
        self.last_val, val_loss, pl_acc = validate(self.model, self.ema.model, self.data, self.device,
                                                   self.options.multi_label)
        self.stats.validated(pl_acc)
        self.selector.observe(step, self.last_val, self.ema.model)
        self.history.append({"step": step, **self.stats.window_means(), "val_accuracy": self.last_val,
                             "val_loss": val_loss, "pseudo_label_accuracy": pl_acc})
        return self.selector.patience_exhausted(step, self.options.patience_steps)

    def progress(self, step: int) -> TrainProgress:
        """What the progress callback gets after ``step``: means since the last evaluation, ETA, data wait."""
        means = self.stats.window_means()
        return TrainProgress(
            phase="training", step=step, total_steps=self.options.steps,
            losses={k: v for k, v in means.items() if k.startswith("loss")}, mask_rate=means.get("mask_rate"),
            student_mask_rate=means.get("student_mask_rate"),
            pseudo_label_accuracy=self.history[-1]["pseudo_label_accuracy"] if self.history else None,
            val_accuracy=self.last_val, eta_seconds=self.stats.eta_seconds(self.options.steps - step),
            device_name=self.device_name, data_wait_fraction=self.stats.data_wait_fraction,
            data_wait_seconds=self.stats.data_seconds,
        )

    def result(self, step: int, cancelled: bool, stopped_early: bool) -> FitResult:
        """The run as it stands: the kept EMA weights plus the full state to resume from."""
        training_state = {
            "step": step, "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "ema": {k: v.detach().cpu() for k, v in self.ema.model.state_dict().items()},
            "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
            **self.selector.state(), "history": self.history,
        }
        stats = self.stats
        return FitResult(
            model=self.selector.kept_model(self.ema.model), best_step=self.selector.best_step, steps_done=step,
            cancelled=cancelled, stopped_early=stopped_early, best_val_accuracy=self.selector.best_val_accuracy,
            history=self.history, device_name=self.device_name, train_seconds=stats.elapsed_seconds,
            mean_mask_rate=stats.mean_mask_rate, mean_pseudo_label_accuracy=stats.mean_pseudo_label_accuracy,
            pseudo_label_accuracy_source=stats.pseudo_label_accuracy_source,
            data_wait_fraction=stats.data_wait_fraction, training_state=training_state,
        )
