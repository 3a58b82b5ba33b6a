# SPDX-License-Identifier: GPL-2.0-or-later
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

from dataclasses import dataclass
from typing import Dict, NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..models.metadata import MetaBatch
from ..models.network import LandCoverNet
from ..params import TrainOptions
from .batches import StepBatch


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
    """Fixed threshold tau (the authors' 0.95 single-label; the engine's default is ``TrainOptions.threshold``, see
    there for why); multi-label mask p <= 0.05 or p >= 0.70 (the authors')."""

    def __init__(self, num_classes: int, multi_label: bool, threshold: float = TrainOptions.threshold,
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


def make_pseudo_labeler(method: str, num_classes: int, multi_label: bool,
                        threshold: float = TrainOptions.threshold) -> Optional[PseudoLabeler]:
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


@dataclass
class StepOutput:
    """What one training step hands the trainer, as USB's ``train_step``: the loss and a log of its parts.

    ``log`` holds detached scalars in a fixed order: ``loss_sup``; with an unlabelled batch ``loss_unsup`` and
    ``mask_rate``; with a teacher ``student_mask_rate`` (student option 'agreed'), ``loss_teacher``, ``loss_student``
    and ``loss_distill``; last ``loss``, the total. ``pseudo`` is always the pseudo-labelling network's.
    """

    loss: torch.Tensor  # what the optimizer minimises
    log: Dict[str, torch.Tensor]
    pseudo: Optional[PseudoLabels] = None  # detached pseudo-labels of the unlabelled batch; None without one


class SSLModel(nn.Module):
    """All trainable parts of one run, so one optimizer, one EMA and one DDP wrapper cover them.

    - metadata ``none``: ``student`` only, pixels only; it pseudo-labels for itself.
    - metadata ``input``: ``student`` sees metadata at training and test time (the baseline).
    - metadata ``teacher``: ``teacher`` (metadata) makes the pseudo-labels; ``student`` (pixels + learned
      token) learns from them and from distillation; the metadata MLP and teacher get gradients only from
      the teacher's loss.
    """

    def __init__(self, student: LandCoverNet, teacher: Optional[LandCoverNet], labeler: Optional[PseudoLabeler],
                 multi_label: bool, lambda_u: float = 1.0, lambda_d: float = 1.0, distill_loss: str = "mse",
                 student_targets: str = TrainOptions.student_targets):
        super().__init__()
        self.student, self.teacher, self.labeler = student, teacher, labeler
        self.multi_label, self.lambda_u, self.lambda_d, self.distill_kind = multi_label, lambda_u, lambda_d, distill_loss
        self.student_targets = student_targets

    @property
    def pseudo_labeling_net(self) -> LandCoverNet:
        return self.teacher if self.teacher is not None else self.student

    def forward(self, batch: StepBatch) -> StepOutput:
        """One training step: the algorithm's step on the pseudo-labelling network (the teacher, or the student
        for itself), then, with a teacher, the pixel-only student's step on the teacher's pseudo-labels."""
        unlabeled = self.labeler is not None and batch.x_weak is not None
        net = self.pseudo_labeling_net
        # One concatenated forward per network (as in USB), so BatchNorm sees labelled and unlabelled views together:
        # [labelled, weak, strong]. The weak views, which make the pseudo-labels, always see the full metadata.
        views = [batch.x_l, batch.x_weak, batch.x_strong] if unlabeled else [batch.x_l]
        out = net(torch.cat(views, dim=0), _views_metadata(batch, unlabeled) if net.uses_metadata else None)
        step = self.algorithm_step(out.logits, batch, unlabeled)
        if self.teacher is not None:
            step = self.student_step(batch, out.meta_feature, step)
        step.log["loss"] = step.loss.detach()
        return step

    def algorithm_step(self, logits: torch.Tensor, batch: StepBatch, unlabeled: bool) -> StepOutput:
        """The SSL algorithm's loss on one network's [labelled, weak, strong] logits: supervised, plus the
        pseudo-labeller's consistency loss (and its extra term) when there is an unlabelled batch."""
        n_l = batch.x_l.shape[0]
        loss_sup = supervised_loss(logits[:n_l], batch.y_l, self.multi_label)
        log = {"loss_sup": loss_sup.detach()}
        if not unlabeled:
            return StepOutput(loss_sup, log)
        n_u = batch.x_weak.shape[0]
        logits_w, logits_s = logits[n_l:n_l + n_u], logits[n_l + n_u:]
        pseudo = self.labeler(probabilities(logits_w.detach(), self.multi_label), update=True)
        loss_unsup = unsupervised_loss(logits_s, pseudo, self.multi_label)
        extra = self.labeler.extra_loss(logits_s, pseudo)
        log.update(loss_unsup=loss_unsup.detach(), mask_rate=pseudo.weights.detach().float().mean())
        return StepOutput(loss_sup + self.lambda_u * loss_unsup + extra, log,
                          PseudoLabels(pseudo.targets.detach(), pseudo.weights.detach()))

    def student_step(self, batch: StepBatch, teacher_feature: Optional[torch.Tensor],
                     teacher_step: StepOutput) -> StepOutput:
        """Spatiotemporal SSL: the pixel-only student learns from the teacher's pseudo-labels on its [labelled,
        strong] views and distils the teacher's metadata feature. The teacher's pseudo-labels and feature are
        detached, so the student's loss sends no gradient into the teacher."""
        n_l, pseudo = batch.x_l.shape[0], teacher_step.pseudo
        gated = pseudo is not None and self.student_targets == "agreed"
        views = [batch.x_l]
        if pseudo is not None:
            views += [batch.x_weak, batch.x_strong] if gated else [batch.x_strong]
        out = self.student(torch.cat(views, dim=0))
        logits, meta_feature, log = out.logits, out.meta_feature, dict(teacher_step.log)
        student_pseudo = pseudo
        if gated:
            # The weak views only tell which teacher pseudo-labels the student already agrees with; then they leave
            # the batch, so the losses below see the same [labelled, strong] rows as without the gate.
            n_u = batch.x_weak.shape[0]
            student_pseudo = agreed_pseudo_labels(pseudo, logits[n_l:n_l + n_u].detach(), self.multi_label)
            log["student_mask_rate"] = student_pseudo.weights.float().mean()
            logits = torch.cat([logits[:n_l], logits[n_l + n_u:]], dim=0)
            if meta_feature is not None:
                meta_feature = torch.cat([meta_feature[:n_l], meta_feature[n_l + n_u:]], dim=0)
        loss_student = supervised_loss(logits[:n_l], batch.y_l, self.multi_label)
        if student_pseudo is not None:
            loss_student = loss_student + self.lambda_u * unsupervised_loss(logits[n_l:], student_pseudo,
                                                                             self.multi_label)
        log.update(loss_teacher=teacher_step.loss.detach(), loss_student=loss_student.detach())
        total = teacher_step.loss + loss_student
        if self.lambda_d > 0 and self.distill_kind != "none" and meta_feature is not None:
            # The teacher's feature of the same views: labelled and strong (not weak).
            n_skip = n_l + (batch.x_weak.shape[0] if pseudo is not None else 0)
            t_feat = torch.cat([teacher_feature[:n_l], teacher_feature[n_skip:]] if pseudo is not None
                               else [teacher_feature[:n_l]], dim=0)
            loss_d = distillation_loss(meta_feature, t_feat, self.distill_kind)
            log["loss_distill"] = loss_d.detach()
            total = total + self.lambda_d * loss_d
        return StepOutput(total, log, pseudo)


def agreed_pseudo_labels(pseudo: PseudoLabels, student_logits_weak: torch.Tensor, multi_label: bool) -> PseudoLabels:
    """The teacher's pseudo-labels with the weight of every tile (multi-label: every entry) whose label differs from
    the student's own prediction of the same weak view set to 0 (student option ``student_targets`` 'agreed')."""
    own = PseudoLabeler._hard(probabilities(student_logits_weak, multi_label), multi_label)[1]
    return PseudoLabels(pseudo.targets, pseudo.weights * (own == pseudo.targets).to(pseudo.weights.dtype))


def _views_metadata(batch: StepBatch, unlabeled: bool) -> MetaBatch:
    """Metadata of the [labelled, weak, strong] views: after dropout, except for the weak views."""
    meta_l = batch.meta_l_dropped if batch.meta_l_dropped is not None else batch.meta_l
    if not unlabeled:
        return meta_l
    meta_s = batch.meta_u_dropped if batch.meta_u_dropped is not None else batch.meta_u
    return MetaBatch.cat([meta_l, batch.meta_u, meta_s])
