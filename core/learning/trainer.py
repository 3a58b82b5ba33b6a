"""The shared training loop: AdamW + cosine schedule, EMA, AMP on CUDA, validation-based checkpoint
selection and early stopping, progress callbacks, cooperative cancel, resume, and DistributedDataParallel
under ``torchrun``.

The loop is the same for every algorithm and metadata mode; what differs lives in :mod:`core.learning.ssl`.
"""
from __future__ import annotations

import copy
import math
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
import torch.distributed as dist

from .augment import strong_augment, weak_augment
from ..device import device_name, resolve_device
from ..errors import InputError
from ..models.metadata import MetaBatch
from ..models.network import LandCoverNet, NetworkConfig, default_size
from ..params import TrainOptions
from .finetune import parameter_groups, prepare_pretrained, quick_options
from .ssl import SSLModel, make_pseudo_labeler, probabilities, supervised_loss


@dataclass
class TrainingData:
    """Normalised tiles and encoded metadata, already split. Tensors live on the CPU."""

    labeled_images: torch.Tensor  # (N_l, C, T, T) float32
    labeled_targets: torch.Tensor  # (N_l,) long, or (N_l, K) float for multi-label
    labeled_meta: MetaBatch
    unlabeled_images: torch.Tensor  # (N_u, C, T, T)
    unlabeled_meta: MetaBatch
    val_images: torch.Tensor  # (N_v, C, T, T), may be empty
    val_targets: torch.Tensor
    val_meta: MetaBatch
    num_classes: int
    loc_dim: int
    date_dim: int
    # True classes of the unlabelled pool, when a benchmark knows them: only to measure pseudo-label accuracy,
    # never used for training.
    unlabeled_diagnostic_targets: Optional[torch.Tensor] = None
    # The Presto backbone's spec (bands, roles, scaling, statistics), built with the data it describes.
    presto: Optional[dict] = None

    @property
    def band_count(self) -> int:
        return int(self.labeled_images.shape[1])

    @property
    def tile_size_px(self) -> int:
        return int(self.labeled_images.shape[-1])


@dataclass
class TrainProgress:
    """What the callback receives every few steps (and at every validation)."""

    phase: str
    step: int
    total_steps: int
    losses: Dict[str, float] = field(default_factory=dict)
    mask_rate: Optional[float] = None
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
    """The networks for ``options.metadata``: none -> student; input -> student with metadata;
    teacher -> teacher (metadata) + student (learned token when distilling). ``presto``: the Presto backbone's
    spec (core.models.presto_backbone.make_presto_spec); its pretrained weights are loaded here."""
    options = quick_options(options)
    size = options.model_size if options.model_size != "auto" else default_size(options.backbone, device)

    def net(meta_mode: str) -> LandCoverNet:
        return LandCoverNet(NetworkConfig(options.backbone, size, band_count, tile_size_px, num_classes,
                                          meta_mode, loc_dim, date_dim, presto=presto))

    distill = options.distill_loss != "none" and options.lambda_d > 0
    if options.metadata == "none":
        student, teacher = net("none"), None
    elif options.metadata == "input":
        student, teacher = net("metadata"), None
    else:
        teacher = net("metadata")
        student = net("token" if distill else "none")
    labeler = make_pseudo_labeler(options.method, num_classes, options.multi_label, options.threshold)
    model = SSLModel(student, teacher, labeler, options.multi_label, options.lambda_u, options.lambda_d, options.distill_loss)
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
    for net in (model.student, model.teacher):
        if net is None:
            continue
        own = net.state_dict()
        matched = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape and not k.startswith("head.")}
        if not matched:
            raise InputError(f"no weight in '{path}' matches this network ({net.config.backbone}); check the backbone and band count")
        net.load_state_dict(matched, strict=False)


# A class is validated only when the fraction gives it at least this many held-out tiles. One tile per class
# cannot rank checkpoints (its accuracy is 0 or 1), yet it costs that class a fifth of its labels: on the Mato
# Grosso series at 5 labels/class, holding one out per class cost FixMatch 0.10-0.25 accuracy on held-out
# blocks (benchmarks/RESULTS.md). Such classes train on all their tiles.
MIN_VALIDATION_TILES_PER_CLASS = 2


def _held_out_count(n: int, val_fraction: float) -> int:
    """Tiles of a class of ``n`` that ``split_validation`` holds out: round(fraction * n), never the last tile, and
    none below ``MIN_VALIDATION_TILES_PER_CLASS``."""
    n_val = min(n - 1, int(round(val_fraction * n)))
    return n_val if n_val >= MIN_VALIDATION_TILES_PER_CLASS else 0


def split_validation(targets: np.ndarray, val_fraction: float, seed: int, multi_label: bool) -> tuple:
    """Stratified hold-out of labelled tiles: per class round(fraction * n) tiles, only when that is at least
    ``MIN_VALIDATION_TILES_PER_CLASS`` and never a class's last tile. Returns (train_idx, val_idx); val_idx is
    empty when no class has enough tiles (then training keeps its last model)."""
    rng = np.random.default_rng(seed)
    n = len(targets)
    if val_fraction <= 0 or n < 2:
        return np.arange(n), np.zeros(0, dtype=np.int64)
    if multi_label:
        perm = rng.permutation(n)
        n_val = min(n - 1, max(1, int(round(val_fraction * n))))
        return np.sort(perm[n_val:]), np.sort(perm[:n_val])
    val = []
    for c in np.unique(targets):
        idx = rng.permutation(np.flatnonzero(targets == c))
        val.extend(idx[:_held_out_count(len(idx), val_fraction)])
    val = np.sort(np.asarray(val, dtype=np.int64))
    train = np.setdiff1d(np.arange(n), val)
    return train, val


def min_tiles_for_validation(val_fraction: float) -> Optional[int]:
    """The fewest labelled tiles a class needs before ``split_validation`` holds any of them out (None: never;
    single-label). Found by trying growing counts with the split's own rule, so the two cannot disagree."""
    if val_fraction <= 0:
        return None
    return next((n for n in range(2, 100_000) if _held_out_count(n, val_fraction) > 0), None)


def accuracy_standard_error(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on ``n`` tiles, Agresti-Coull adjusted (two successes and two
    failures added), so that a perfect score on a few tiles still has an honest, non-zero error."""
    p = (accuracy * n + 2.0) / (n + 4.0)
    return math.sqrt(p * (1.0 - p) / (n + 4.0))


def within_noise_of_best(score: float, best_so_far: float, n: int) -> bool:
    """Whether a checkpoint scoring ``score`` on ``n`` validation tiles is within one standard error of the best
    score so far (itself included); the trainer keeps the latest such checkpoint."""
    best = max(best_so_far, score)
    return score >= best - accuracy_standard_error(best, n)


def _distributed() -> tuple:
    """(rank, world_size), initialising the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size()


def _accuracy(logits: torch.Tensor, targets: torch.Tensor, multi_label: bool) -> float:
    if targets.numel() == 0:
        return float("nan")
    if multi_label:  # micro F1 at 0.5 on probabilities (not logits: one of the authors' weak spots)
        pred = probabilities(logits, True) >= 0.5
        truth = targets >= 0.5
        tp = (pred & truth).sum().item()
        denom = pred.sum().item() + truth.sum().item()
        return 2 * tp / denom if denom else 1.0
    return (logits.argmax(dim=1) == targets).float().mean().item()


@torch.no_grad()
def predict_logits(net: LandCoverNet, images: torch.Tensor, meta: Optional[MetaBatch], device: torch.device,
                   batch: int = 512) -> torch.Tensor:
    """Logits of ``net`` for CPU tiles, in batches on ``device``; metadata only for networks that read it."""
    out = []
    for i in range(0, images.shape[0], batch):
        x = images[i:i + batch].to(device)
        m = meta.index(torch.arange(i, min(i + batch, images.shape[0]))).to(device) if net.uses_metadata else None
        out.append(net(x, m).logits.float().cpu())
    return torch.cat(out) if out else torch.zeros(0)


class Trainer:
    def __init__(self, options: TrainOptions):
        options.validate()
        self.options = options

    def fit(self, data: TrainingData, progress: Optional[Callable[[TrainProgress], None]] = None,
            should_stop: Optional[Callable[[], bool]] = None, resume_state: Optional[dict] = None,
            progress_every: int = 10, checkpoint: Optional[Callable[["FitResult"], None]] = None) -> FitResult:
        """Train. ``checkpoint(result)`` is called every ``options.checkpoint_every`` steps (rank 0) with the
        run so far, so a killed job leaves a usable, resumable model file."""
        opt = self.options
        if opt.method == "quick":  # Quick map: a linear probe on the frozen embedding, no training loop
            from .quick import fit_quick

            return fit_quick(opt, data, progress)
        rank, world = _distributed()
        device = resolve_device(opt.device)
        if device.type == "cuda" and world > 1:
            device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}")
            torch.cuda.set_device(device)
        dev_name = device_name(device)
        torch.manual_seed(opt.seed)
        np.random.seed(opt.seed)
        model = build_model(opt, data.num_classes, data.band_count, data.tile_size_px, data.loc_dim, data.date_dim, device,
                            presto=data.presto).to(device)
        ema = EMA(model, opt.ema_momentum)
        params = parameter_groups(model, opt)
        # On a GPU, torch's fused AdamW: one kernel per step instead of a few per parameter group, and no host-side
        # step counters. With ViT-S it cut the optimizer's GPU time per step by 2.8x and its CPU time by 3-4x
        # (benchmarks/profile_step.py, README). The CPU keeps foreach, whose results the benchmarks cache.
        implementation = {"fused": True} if device.type == "cuda" else {"foreach": True}
        optimizer = torch.optim.AdamW(params, lr=opt.lr, weight_decay=opt.weight_decay, **implementation)
        total = opt.steps
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
        start_step = 0
        # top_val: the best validation accuracy so far; best_val: that of the kept (selected) checkpoint.
        best_state, best_val, top_val, best_step = None, -1.0, -1.0, 0
        history: List[dict] = []
        if resume_state is not None:
            model.load_state_dict(resume_state["model"])
            ema.model.load_state_dict(resume_state["ema"])
            optimizer.load_state_dict(resume_state["optimizer"])
            scheduler.load_state_dict(resume_state["scheduler"])
            start_step = int(resume_state["step"])
            best_val = float(resume_state.get("best_val", -1.0))
            top_val = float(resume_state.get("top_val", best_val))
            best_step = int(resume_state.get("best_step", 0))
            best_state = resume_state.get("best_ema")
            history = list(resume_state.get("history", []))
        wrapped = model
        if world > 1:
            wrapped = torch.nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True)

        use_amp = opt.amp and device.type == "cuda"
        amp_dtype = torch.bfloat16 if (use_amp and torch.cuda.is_bf16_supported()) else torch.float16
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp and amp_dtype == torch.float16)

        # Keep the tile pools on the GPU when they fit comfortably, so no step waits for host->device copies.
        def _place(t: torch.Tensor) -> torch.Tensor:
            if device.type != "cuda":
                return t
            total_bytes = sum(x.numel() * x.element_size() for x in (data.labeled_images, data.unlabeled_images))
            free, _ = torch.cuda.mem_get_info(device)
            return t.to(device) if total_bytes < 0.25 * free else t.pin_memory()

        x_lab, y_lab = _place(data.labeled_images), data.labeled_targets.to(device)
        meta_lab = data.labeled_meta.to(device)
        n_u = data.unlabeled_images.shape[0]
        use_unlabeled = opt.method not in ("supervised", "quick") and n_u > 0
        x_unl = _place(data.unlabeled_images) if use_unlabeled else None
        meta_unl = data.unlabeled_meta.to(device) if use_unlabeled else None
        n_l = x_lab.shape[0]
        bs_l = opt.batch_size
        bs_u = opt.batch_size * opt.unlabeled_ratio
        gen = torch.Generator(device=device)
        gen.manual_seed(opt.seed * 1000 + rank + start_step)
        cpu_gen = torch.Generator().manual_seed(opt.seed * 1000 + rank + start_step)

        def sample(n: int, k: int, pool_device: torch.device) -> torch.Tensor:
            return torch.randint(0, n, (k,), generator=cpu_gen).to(pool_device)

        t_start = time.perf_counter()
        data_time = 0.0
        step_times: List[float] = []
        mask_rates: List[float] = []
        pl_accs: List[float] = []
        diag = data.unlabeled_diagnostic_targets
        pl_hits = pl_seen = 0.0
        running: Dict[str, float] = {}
        running_n = 0
        cancelled = stopped_early = False
        last_val = None
        step = start_step
        def snapshot() -> FitResult:
            """The run as it stands: best EMA weights so far plus the full state to resume from."""
            training_state = {
                "step": step, "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                "ema": {k: v.detach().cpu() for k, v in ema.model.state_dict().items()},
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "best_val": best_val, "top_val": top_val, "best_step": best_step, "best_ema": best_state, "history": history,
            }
            final = copy.deepcopy(ema.model).cpu()
            if best_state is not None:
                final.load_state_dict(best_state)
            final.eval()
            return FitResult(
                model=final, best_step=best_step, steps_done=step, cancelled=cancelled, stopped_early=stopped_early,
                best_val_accuracy=best_val if best_val >= 0 else None, history=history, device_name=dev_name,
                train_seconds=time.perf_counter() - t_start,
                mean_mask_rate=float(np.mean(mask_rates)) if mask_rates else None,
                mean_pseudo_label_accuracy=(pl_hits / pl_seen if pl_seen else None) if diag is not None
                else (float(np.mean(pl_accs)) if pl_accs else None),
                pseudo_label_accuracy_source="unlabeled pool (diagnostic labels)" if diag is not None else "validation tiles",
                data_wait_fraction=data_time / max(1e-9, sum(step_times)) if step_times else 0.0,
                training_state=training_state,
            )

        model.train()
        while step < total:
            if should_stop is not None and should_stop():
                cancelled = True
                break
            t0 = time.perf_counter()
            idx_l = sample(n_l, bs_l, x_lab.device)
            xb_l = weak_augment(x_lab[idx_l].to(device, non_blocking=True), generator=gen)
            yb_l = y_lab[idx_l.to(device)]
            mb_l = meta_lab.index(idx_l.to(device))
            xb_w = xb_s = mb_u = None
            if use_unlabeled:
                idx_u = sample(n_u, bs_u, x_unl.device)
                xb_u = x_unl[idx_u].to(device, non_blocking=True)
                xb_w = weak_augment(xb_u, generator=gen)
                xb_s = strong_augment(xb_u, generator=gen)
                mb_u = meta_unl.index(idx_u.to(device))
            # Metadata dropout (and an optional warm-up with no metadata) for the metadata network.
            p_drop = 1.0 if step < opt.meta_warmup_steps else opt.meta_dropout
            keep = None
            if opt.metadata != "none":
                keep = (mb_l.drop(p_drop, p_drop, gen), mb_u.drop(p_drop, p_drop, gen) if mb_u is not None else None)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            t1 = time.perf_counter()
            data_time += t1 - t0
            try:
                with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=use_amp):
                    loss, stats = wrapped(xb_l, yb_l, mb_l, xb_w, xb_s, mb_u, keep)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            except torch.cuda.OutOfMemoryError as exc:
                raise InputError(
                    f"CUDA ran out of memory with a batch of {bs_l} labelled + {bs_u} unlabelled tiles of "
                    f"{data.tile_size_px} px on {dev_name}; lower the batch size (e.g. --batch-size {max(1, bs_l // 2)}) "
                    "or the unlabelled ratio"
                ) from exc
            if not torch.isfinite(loss):
                raise InputError(
                    f"training diverged at step {step + 1} (loss {loss.item()}); lower the learning rate "
                    f"(now {opt.lr}) or check the rasters for extreme values"
                )
            scheduler.step()
            step += 1
            ema.update(model, step)
            for k, v in stats.items():
                running[k] = running.get(k, 0.0) + float(v)
            running_n += 1
            if "mask_rate" in stats:
                mask_rates.append(float(stats["mask_rate"]))
            if diag is not None and model.last_pseudo is not None and not opt.multi_label:
                truth = diag[idx_u.cpu()].to(device)
                take = (model.last_pseudo.weights > 0.5) & (truth >= 0)
                pl_hits += float((model.last_pseudo.targets[take] == truth[take]).sum())
                pl_seen += float(take.sum())
            step_times.append(time.perf_counter() - t0)

            is_eval = step % opt.eval_every == 0 or step == total
            if is_eval and world > 1:
                # BatchNorm statistics are per process; take rank 0's so every rank validates (and selects) alike.
                for buf in list(model.buffers()) + list(ema.model.buffers()):
                    dist.broadcast(buf, 0)
            if is_eval:
                last_val, val_loss, pl_acc = self._validate(model, ema.model, data, device)
                if pl_acc is not None:
                    pl_accs.append(pl_acc)
                val_score = last_val if last_val is not None and not math.isnan(last_val) else None
                if val_score is None:
                    best_step = step  # nothing to select on: keep the latest EMA
                    best_state = None
                elif within_noise_of_best(val_score, top_val, int(data.val_images.shape[0])):
                    # Keep the latest checkpoint within one standard error of the best validation accuracy so
                    # far. A few validation tiles cannot tell apart checkpoints closer than that, and picking
                    # the first best (or breaking ties on the validation loss) often kept an immature model from
                    # the first evaluations; selection still steps back when accuracy clearly drops. Online
                    # this equals the offline rule: the last step within one error of the overall best.
                    top_val = max(top_val, val_score)
                    best_val, best_step = val_score, step
                    best_state = {k: v.detach().cpu().clone() for k, v in ema.model.state_dict().items()}
                record = {"step": step, **{k: v / running_n for k, v in running.items()}, "val_accuracy": last_val,
                          "val_loss": val_loss,
                          "pseudo_label_accuracy": pl_acc}
                history.append(record)
                if opt.patience_steps and val_score is not None and step - best_step >= opt.patience_steps:
                    stopped_early = True
            if progress is not None and rank == 0 and (is_eval or step % progress_every == 0 or stopped_early):
                recent = step_times[-50:]
                eta = float(np.median(recent)) * (total - step) if recent else None
                progress(TrainProgress(
                    phase="training", step=step, total_steps=total,
                    losses={k: v / running_n for k, v in running.items() if k.startswith("loss")},
                    mask_rate=(running.get("mask_rate", 0.0) / running_n) if "mask_rate" in running else None,
                    pseudo_label_accuracy=history[-1]["pseudo_label_accuracy"] if history else None,
                    val_accuracy=last_val, eta_seconds=eta, device_name=dev_name,
                    data_wait_fraction=data_time / max(1e-9, sum(step_times)), data_wait_seconds=data_time,
                ))
            if is_eval:
                running, running_n = {}, 0
            if checkpoint is not None and opt.checkpoint_every and step % opt.checkpoint_every == 0 and step < total and rank == 0:
                checkpoint(snapshot())
            if stopped_early:
                break

        if world > 1:
            dist.barrier()
        return snapshot()

    def _validate(self, model: SSLModel, ema_model: SSLModel, data: TrainingData, device: torch.device) -> tuple:
        """(validation accuracy and loss of the EMA student, pseudo-label accuracy on the validation tiles).

        Pseudo-label accuracy = accuracy of the online pseudo-labelling network's hard labels (the teacher,
        with metadata, in Spatiotemporal SSL) among the validation tiles its mask accepts."""
        if data.val_images.shape[0] == 0:
            return None, None, None
        multi = self.options.multi_label
        logits = predict_logits(ema_model.student, data.val_images, data.val_meta, device)
        val_acc = _accuracy(logits, data.val_targets, multi)
        val_loss = float(supervised_loss(logits, data.val_targets, multi))
        pl_acc = None
        if model.labeler is not None:
            was_training = model.training
            model.eval()
            pl_logits = predict_logits(model.pseudo_labeling_net, data.val_images, data.val_meta, device)
            model.train(was_training)
            pseudo = model.labeler(probabilities(pl_logits.to(device), multi), update=False)
            w = pseudo.weights.cpu()
            if multi:
                correct = (pseudo.targets.cpu() == (data.val_targets >= 0.5).float()).float()
                pl_acc = float((correct * w).sum() / w.sum()) if w.sum() > 0 else None
            else:
                keep = w > 0.5
                pl_acc = float((pseudo.targets.cpu()[keep] == data.val_targets[keep]).float().mean()) if keep.any() else None
        model.train()
        return val_acc, val_loss, pl_acc
