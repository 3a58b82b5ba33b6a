"""Semi-supervised pieces: pseudo-labellers (FixMatch, FreeMatch, SoftMatch), losses, and the joint
teacher/student model whose forward pass returns the training loss.

Following USB, each algorithm is one small pseudo-labeller: given the pseudo-labelling network's
probabilities on the weak views it returns hard targets and a per-sample (or, multi-label, per-entry)
weight. The loop that uses them is shared. Thresholds and EMA statistics are buffers, so they are saved
with checkpoints and resume exactly.

Multi-label (sigmoid): FixMatch uses the authors' per-entry mask (p <= 0.05 or p >= 0.70) and targets
1[p >= 0.5]. FreeMatch and SoftMatch apply their thresholds / weights to the per-entry confidence
max(p, 1 - p); that generalisation is ours (the authors ran them single-label).
"""
from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..models.metadata import MetaBatch
from ..models.network import LandCoverNet


class PseudoLabels(NamedTuple):
    targets: torch.Tensor  # (B,) long, or (B, K) float 0/1 for multi-label
    weights: torch.Tensor  # (B,) or (B, K) float in [0, 1]


class PseudoLabeler(nn.Module):
    """Base class. ``update`` says whether to advance EMA statistics (training) or only read them (eval)."""

    def __init__(self, num_classes: int, multi_label: bool):
        super().__init__()
        self.num_classes = num_classes
        self.multi_label = multi_label

    def forward(self, probs: torch.Tensor, update: bool = True) -> PseudoLabels:  # pragma: no cover - abstract
        raise NotImplementedError

    def extra_loss(self, logits_strong: torch.Tensor, pseudo: PseudoLabels) -> torch.Tensor:
        return logits_strong.new_zeros(())

    @staticmethod
    def _hard(probs: torch.Tensor, multi_label: bool) -> Tuple[torch.Tensor, torch.Tensor]:
        """(confidence, targets): max prob and argmax, or per-entry max(p, 1-p) and 1[p >= 0.5]."""
        if multi_label:
            return torch.maximum(probs, 1 - probs), (probs >= 0.5).to(probs.dtype)
        conf, targets = probs.max(dim=1)
        return conf, targets


class FixMatchLabeler(PseudoLabeler):
    """Fixed threshold tau (the authors' 0.95 single-label; the engine's default is 0.9, see TrainOptions);
    multi-label mask p <= 0.05 or p >= 0.70 (the authors')."""

    def __init__(self, num_classes: int, multi_label: bool, threshold: float = 0.9,
                 multi_low: float = 0.05, multi_high: float = 0.70):
        super().__init__(num_classes, multi_label)
        self.threshold, self.multi_low, self.multi_high = threshold, multi_low, multi_high

    def forward(self, probs: torch.Tensor, update: bool = True) -> PseudoLabels:
        if self.multi_label:
            mask = (probs <= self.multi_low) | (probs >= self.multi_high)
            return PseudoLabels((probs >= 0.5).to(probs.dtype), mask.to(probs.dtype))
        conf, targets = probs.max(dim=1)
        return PseudoLabels(targets, (conf >= self.threshold).to(probs.dtype))


class FreeMatchLabeler(PseudoLabeler):
    """Self-adaptive thresholds (Wang et al., ICLR 2023): a global EMA of confidence, scaled per class by the
    EMA of the mean class probability; plus the self-adaptive fairness term on the strong views."""

    def __init__(self, num_classes: int, multi_label: bool, momentum: float = 0.999, fairness_weight: float = 0.01):
        super().__init__(num_classes, multi_label)
        self.momentum, self.fairness_weight = momentum, fairness_weight
        k = num_classes
        init = 0.5 if multi_label else 1.0 / k
        self.register_buffer("global_threshold", torch.tensor(init if not multi_label else 0.75))
        self.register_buffer("class_prob", torch.full((k,), init if not multi_label else 0.75))
        self.register_buffer("label_hist", torch.full((k,), 1.0 / k))

    @torch.no_grad()
    def _update(self, conf: torch.Tensor, probs: torch.Tensor, targets: torch.Tensor) -> None:
        m = self.momentum
        self.global_threshold.mul_(m).add_((1 - m) * conf.mean())
        if self.multi_label:
            self.class_prob.mul_(m).add_((1 - m) * conf.mean(dim=0))
        else:
            self.class_prob.mul_(m).add_((1 - m) * probs.mean(dim=0))
            hist = torch.bincount(targets, minlength=self.num_classes).to(probs.dtype) / max(1, targets.numel())
            self.label_hist.mul_(m).add_((1 - m) * hist)

    def forward(self, probs: torch.Tensor, update: bool = True) -> PseudoLabels:
        probs = probs.float()
        conf, targets = self._hard(probs, self.multi_label)
        if update:
            self._update(conf, probs, targets)
        scale = self.class_prob / self.class_prob.max().clamp_min(1e-12)
        if self.multi_label:
            mask = conf >= self.global_threshold * scale[None, :]
        else:
            mask = conf >= self.global_threshold * scale[targets]
        return PseudoLabels(targets, mask.to(probs.dtype))

    def extra_loss(self, logits_strong: torch.Tensor, pseudo: PseudoLabels) -> torch.Tensor:
        """Self-adaptive fairness: pushes the (histogram-normalised) mean prediction on confident strong views
        towards the model's (histogram-normalised) class prior, which discourages collapsing onto a few classes."""
        if self.multi_label or self.fairness_weight <= 0:
            return logits_strong.new_zeros(())
        keep = pseudo.weights > 0
        if keep.sum() == 0:
            return logits_strong.new_zeros(())
        probs_s = logits_strong[keep].float().softmax(dim=1)
        hist_s = torch.bincount(probs_s.argmax(dim=1), minlength=self.num_classes).to(probs_s.dtype)
        hist_s = hist_s / hist_s.sum()
        prior = self.class_prob / self.label_hist.clamp_min(1e-12)
        prior = prior / prior.sum()
        mean_s = probs_s.mean(dim=0) / hist_s.clamp_min(1e-12) * (hist_s > 0)
        mean_s = mean_s / mean_s.sum().clamp_min(1e-12)
        return self.fairness_weight * (prior.detach() * torch.log(mean_s + 1e-12)).sum()


class SoftMatchLabeler(PseudoLabeler):
    """Soft weights from a truncated Gaussian of the confidence (Chen et al., ICLR 2023), with uniform
    distribution alignment of the probabilities (single-label)."""

    def __init__(self, num_classes: int, multi_label: bool, momentum: float = 0.999, n_sigma: float = 2.0):
        super().__init__(num_classes, multi_label)
        self.momentum, self.n_sigma = momentum, n_sigma
        k = num_classes
        self.register_buffer("conf_mean", torch.tensor(0.75 if multi_label else 1.0 / k))
        self.register_buffer("conf_var", torch.tensor(1.0))
        self.register_buffer("class_prob", torch.full((k,), 1.0 / k))

    def forward(self, probs: torch.Tensor, update: bool = True) -> PseudoLabels:
        probs = probs.float()
        m = self.momentum
        if not self.multi_label:
            if update:
                with torch.no_grad():
                    self.class_prob.mul_(m).add_((1 - m) * probs.mean(dim=0))
            aligned = probs / self.class_prob.clamp_min(1e-12)[None, :]  # uniform target distribution
            probs = aligned / aligned.sum(dim=1, keepdim=True)
        conf, targets = self._hard(probs, self.multi_label)
        if update:
            with torch.no_grad():
                self.conf_mean.mul_(m).add_((1 - m) * conf.mean())
                self.conf_var.mul_(m).add_((1 - m) * conf.var(unbiased=True) if conf.numel() > 1 else 0.0)
        gap = torch.clamp(conf - self.conf_mean, max=0.0)
        weights = torch.exp(-(gap ** 2) / (2 * self.conf_var.clamp_min(1e-8) / self.n_sigma ** 2))
        return PseudoLabels(targets, weights)


def make_pseudo_labeler(method: str, num_classes: int, multi_label: bool, threshold: float = 0.95) -> Optional[PseudoLabeler]:
    if method in ("supervised", "quick"):  # quick: Quick map, a linear probe trained on the labelled tiles
        return None
    if method == "fixmatch":
        return FixMatchLabeler(num_classes, multi_label, threshold)
    if method == "freematch":
        return FreeMatchLabeler(num_classes, multi_label)
    if method == "softmatch":
        return SoftMatchLabeler(num_classes, multi_label)
    raise ValueError(f"unknown method {method!r}")


def supervised_loss(logits: torch.Tensor, targets: torch.Tensor, multi_label: bool) -> torch.Tensor:
    if multi_label:
        return F.binary_cross_entropy_with_logits(logits.float(), targets.float())
    return F.cross_entropy(logits.float(), targets)


def unsupervised_loss(logits_strong: torch.Tensor, pseudo: PseudoLabels, multi_label: bool) -> torch.Tensor:
    """mean(weight * CE(logits, pseudo-label)); the multi-label mean runs over all entries (the authors')."""
    if multi_label:
        per_entry = F.binary_cross_entropy_with_logits(logits_strong.float(), pseudo.targets, reduction="none")
        return (per_entry * pseudo.weights).mean()
    per_sample = F.cross_entropy(logits_strong.float(), pseudo.targets, reduction="none")
    return (per_sample * pseudo.weights).mean()


def distillation_loss(student_feature: torch.Tensor, teacher_feature: torch.Tensor, kind: str) -> torch.Tensor:
    """Student metadata-token output -> stop-gradient(teacher's). Gradients reach the student only."""
    teacher_feature = teacher_feature.detach().float()
    student_feature = student_feature.float()
    if kind == "mse":
        return F.mse_loss(student_feature, teacher_feature)
    if kind == "l1":
        return F.l1_loss(student_feature, teacher_feature)
    if kind == "cos":
        return -F.cosine_similarity(student_feature, teacher_feature, dim=1).mean()
    if kind == "none":
        return student_feature.new_zeros(())
    raise ValueError(f"unknown distillation loss {kind!r}")


def probabilities(logits: torch.Tensor, multi_label: bool) -> torch.Tensor:
    return torch.sigmoid(logits.float()) if multi_label else torch.softmax(logits.float(), dim=1)


class SSLModel(nn.Module):
    """All trainable parts of one run, so one optimizer, one EMA and one DDP wrapper cover them.

    - metadata ``none``: ``student`` only, pixels only; it pseudo-labels for itself.
    - metadata ``input``: ``student`` sees metadata at training and test time (the baseline).
    - metadata ``teacher``: ``teacher`` (metadata) makes the pseudo-labels; ``student`` (pixels + learned
      token) learns from them and from distillation; the metadata MLP and teacher get gradients only from
      the teacher's loss.
    """

    def __init__(self, student: LandCoverNet, teacher: Optional[LandCoverNet], labeler: Optional[PseudoLabeler],
                 multi_label: bool, lambda_u: float = 1.0, lambda_d: float = 1.0, distill_loss: str = "mse"):
        super().__init__()
        self.student, self.teacher, self.labeler = student, teacher, labeler
        self.multi_label, self.lambda_u, self.lambda_d, self.distill_kind = multi_label, lambda_u, lambda_d, distill_loss
        self.last_pseudo: Optional[PseudoLabels] = None

    @property
    def pseudo_labeling_net(self) -> LandCoverNet:
        return self.teacher if self.teacher is not None else self.student

    def forward(self, x_l: torch.Tensor, y_l: torch.Tensor, meta_l: Optional[MetaBatch],
                x_w: Optional[torch.Tensor], x_s: Optional[torch.Tensor], meta_u: Optional[MetaBatch],
                meta_keep: Optional[MetaBatch] = None) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """One training step's loss. ``meta_keep`` is meta_l/meta_u after metadata dropout (labelled + strong
        views); the weak views that make the pseudo-labels always see the full metadata."""
        n_l = x_l.shape[0]
        has_unlabeled = self.labeler is not None and x_w is not None
        stats: Dict[str, torch.Tensor] = {}
        pl_net = self.pseudo_labeling_net
        # One concatenated forward per network (as in USB), so BatchNorm sees labelled and unlabelled views together.
        views = [x_l, x_w, x_s] if has_unlabeled else [x_l]
        pl_meta = None
        if pl_net.uses_metadata:
            dropped_l, dropped_u = meta_keep if meta_keep is not None else (meta_l, meta_u)
            pl_meta = MetaBatch.cat([dropped_l, meta_u, dropped_u]) if has_unlabeled else dropped_l
        pl_out = pl_net(torch.cat(views, dim=0), pl_meta)
        logits_l = pl_out.logits[:n_l]
        loss_sup = supervised_loss(logits_l, y_l, self.multi_label)
        total = loss_sup
        stats["loss_sup"] = loss_sup.detach()
        pseudo = None
        if has_unlabeled:
            n_u = x_w.shape[0]
            logits_w, logits_s = pl_out.logits[n_l:n_l + n_u], pl_out.logits[n_l + n_u:]
            pseudo = self.labeler(probabilities(logits_w.detach(), self.multi_label), update=True)
            self.last_pseudo = PseudoLabels(pseudo.targets.detach(), pseudo.weights.detach())  # for diagnostics
            loss_unsup = unsupervised_loss(logits_s, pseudo, self.multi_label)
            extra = self.labeler.extra_loss(logits_s, pseudo)
            total = total + self.lambda_u * loss_unsup + extra
            stats["loss_unsup"] = loss_unsup.detach()
            stats["mask_rate"] = pseudo.weights.detach().float().mean()
        if self.teacher is None:
            stats["loss"] = total.detach()
            return total, stats
        # Spatiotemporal SSL: the pixel-only student learns from the teacher's pseudo-labels and meta feature.
        stats["loss_teacher"] = total.detach()
        s_views = [x_l, x_s] if has_unlabeled else [x_l]
        s_out = self.student(torch.cat(s_views, dim=0))
        loss_student = supervised_loss(s_out.logits[:n_l], y_l, self.multi_label)
        if pseudo is not None:
            loss_student = loss_student + self.lambda_u * unsupervised_loss(s_out.logits[n_l:], pseudo, self.multi_label)
        stats["loss_student"] = loss_student.detach()
        total = total + loss_student
        if self.lambda_d > 0 and self.distill_kind != "none" and s_out.meta_feature is not None:
            t_feat = torch.cat([pl_out.meta_feature[:n_l], pl_out.meta_feature[n_l + x_w.shape[0]:]] if has_unlabeled
                               else [pl_out.meta_feature[:n_l]], dim=0)
            loss_d = distillation_loss(s_out.meta_feature, t_feat, self.distill_kind)
            stats["loss_distill"] = loss_d.detach()
            total = total + self.lambda_d * loss_d
        stats["loss"] = total.detach()
        return total, stats
