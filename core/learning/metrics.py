# SPDX-License-Identifier: GPL-2.0-or-later
"""Classification metrics (numpy only): accuracy, balanced accuracy, F1, confusion matrix, mAP."""
from __future__ import annotations

from typing import Dict, List

import numpy as np


def confusion_matrix(truth: np.ndarray, pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Rows: true class, columns: predicted class."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (truth.astype(np.int64), pred.astype(np.int64)), 1)
    return cm


def single_label_metrics(truth: np.ndarray, pred: np.ndarray, num_classes: int) -> Dict[str, object]:
    """accuracy, balanced_accuracy (mean recall over classes present in ``truth``), macro_f1 (over classes
    present in truth or prediction), per_class_f1, per_class_accuracy (recall), confusion_matrix."""
    cm = confusion_matrix(truth, pred, num_classes)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    tp = np.diag(cm).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(support > 0, tp / support, np.nan)
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        f1 = np.where(support + predicted > 0, 2 * tp / (support + predicted), np.nan)
    present = support > 0
    return {
        "accuracy": float(tp.sum() / max(1, cm.sum())),
        "balanced_accuracy": float(np.nanmean(recall[present])) if present.any() else float("nan"),
        "macro_f1": float(np.nanmean(f1)) if np.isfinite(f1).any() else float("nan"),
        "per_class_f1": [None if np.isnan(v) else float(v) for v in f1],
        "per_class_accuracy": [None if np.isnan(v) else float(v) for v in recall],
        "per_class_precision": [float(v) for v in precision],
        "confusion_matrix": cm.tolist(),
    }


def average_precision(scores: np.ndarray, truth: np.ndarray) -> float:
    """AP of one class from probabilities (not logits) and 0/1 truth; NaN when the class never occurs."""
    if truth.sum() == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    hits = truth[order] > 0
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision_at[hits].mean())


def multi_label_metrics(truth: np.ndarray, probs: np.ndarray, threshold: float = 0.5) -> Dict[str, object]:
    """Micro/macro F1 from thresholded probabilities and macro mAP (the authors' BigEarthNet metric)."""
    pred = probs >= threshold
    t = truth >= 0.5
    tp = (pred & t).sum(axis=0).astype(np.float64)
    fp = (pred & ~t).sum(axis=0)
    fn = (~pred & t).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    micro = 2 * tp.sum() / max(1.0, 2 * tp.sum() + fp.sum() + fn.sum())
    aps = [average_precision(probs[:, k], t[:, k]) for k in range(t.shape[1])]
    exact = float(np.mean(np.all(pred == t, axis=1))) if len(t) else float("nan")
    return {
        "accuracy": exact,  # subset accuracy: every label right
        "micro_f1": float(micro),
        "macro_f1": float(np.nanmean(f1)) if np.isfinite(f1).any() else float("nan"),
        "balanced_accuracy": float("nan"),
        "macro_map": float(np.nanmean(aps)) if np.isfinite(aps).any() else float("nan"),
        "per_class_f1": [None if np.isnan(v) else float(v) for v in f1],
    }


def summarize(truth: np.ndarray, logits_or_probs: np.ndarray, multi_label: bool, num_classes: int) -> Dict[str, object]:
    if multi_label:
        return multi_label_metrics(truth, logits_or_probs)
    return single_label_metrics(truth, logits_or_probs.argmax(axis=1), num_classes)


def class_names_or_default(names: List[str], num_classes: int) -> List[str]:
    return list(names) if names and len(names) == num_classes else [f"class {k}" for k in range(num_classes)]
