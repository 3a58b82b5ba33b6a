# SPDX-License-Identifier: GPL-2.0-or-later
"""The "metadata only" row: how far location and date alone get on a split, without a single pixel.

    python benchmarks/metadata_only.py benchmarks/out/splits/mt_blocks_k10_s0.npz [--json OUT]

It is the leakage floor of a split. A classifier that sees only [lat, lon, sin(doy), cos(doy)] is trained on the
labelled rows of a patch set and scored on its test rows. Where it scores close to the pixel models, the split
rewards memorising places and dates, and a metadata teacher can win for the wrong reason. The day of year is used,
never the calendar year (in Mato Grosso the year is almost the class label).

Two small classifiers, both plain numpy:
- ``knn``: k-nearest neighbours (k=3) on the standardised features; it memorises places, as a teacher can.
- ``logistic``: multinomial logistic regression (L2) on the same features; a smooth function of place and season.
Feature statistics come from the labelled and unlabelled rows, never from the test rows.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from benchlib import SPLIT_LABELED, SPLIT_TEST, SPLIT_UNLABELED, classification_metrics, day_of_year, load_patch_set

CLASSIFIERS = ("knn", "logistic")
KNN_NEIGHBOURS = 3


def metadata_features(lat: np.ndarray, lon: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """[lat, lon, sin(2 pi doy / 365), cos(...)]; NaN where a value is unknown (filled after standardising)."""
    doy = day_of_year(dates)
    angle = 2 * np.pi * doy / 365.0
    return np.stack([np.asarray(lat, float), np.asarray(lon, float), np.sin(angle), np.cos(angle)], axis=1)


def standardise(train: np.ndarray, other: np.ndarray):
    mean = np.nanmean(train, axis=0)
    std = np.nanstd(train, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.where(np.isfinite(std) & (std > 1e-12), std, 1.0)
    # An unknown value sits at the mean: it carries no information, in either direction.
    return np.nan_to_num((train - mean) / std), np.nan_to_num((other - mean) / std)


def knn_predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, n_classes: int,
                k: int = KNN_NEIGHBOURS) -> np.ndarray:
    k = min(k, len(train_y))
    predictions = np.empty(len(test_x), dtype=np.int64)
    for start in range(0, len(test_x), 4096):
        chunk = test_x[start:start + 4096]
        dist = ((chunk[:, None, :] - train_x[None, :, :]) ** 2).sum(-1)
        nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]
        votes = np.zeros((len(chunk), n_classes))
        for rank in range(k):
            # Closer neighbours break ties: weight 1 + a tiny bonus that shrinks with rank.
            np.add.at(votes, (np.arange(len(chunk)), train_y[nearest[:, rank]]), 1.0 + 1e-3 * (k - rank))
        predictions[start:start + 4096] = votes.argmax(1)
    return predictions


def logistic_predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, n_classes: int,
                     l2: float = 1e-2, iterations: int = 2000, lr: float = 0.5) -> np.ndarray:
    x = np.hstack([train_x, np.ones((len(train_x), 1))])
    onehot = np.eye(n_classes)[train_y]
    weights = np.zeros((x.shape[1], n_classes))
    for _ in range(iterations):
        logits = x @ weights
        logits -= logits.max(1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(1, keepdims=True)
        grad = x.T @ (prob - onehot) / len(x) + l2 * np.vstack([weights[:-1], np.zeros((1, n_classes))])
        weights -= lr * grad
    return (np.hstack([test_x, np.ones((len(test_x), 1))]) @ weights).argmax(1)


def evaluate_metadata_only(path: Path, classifier: str = "knn", use_all_training_labels: bool = False
                           ) -> Dict[str, object]:
    """Score the metadata-only classifier on one patch set; the result has the keys of `stssl evaluate`'s JSON.

    ``use_all_training_labels`` trains on the true labels of every training-side row (``diagnostic_labels``), not
    only the labelled ones: what location and date could do on this split with plentiful labels.
    """
    started = time.perf_counter()
    patch_set = load_patch_set(path)
    split = patch_set["split"]
    labels = patch_set["labels"].astype(np.int64)
    if use_all_training_labels:
        if "diagnostic_labels" not in patch_set:
            raise ValueError(f"{path} has no diagnostic_labels; build it with benchmarks/make_splits.py")
        labels = np.where(split == SPLIT_TEST, labels, patch_set["diagnostic_labels"].astype(np.int64))
    features = metadata_features(patch_set["lat"], patch_set["lon"], patch_set["date"])
    labeled = (split != SPLIT_TEST) & (labels >= 0) if use_all_training_labels else \
        (split == SPLIT_LABELED) & (labels >= 0)
    training_side = (split == SPLIT_LABELED) | (split == SPLIT_UNLABELED)
    test = (split == SPLIT_TEST) & (labels >= 0)
    class_names = [str(n) for n in patch_set["class_names"]] if "class_names" in patch_set else None
    n_classes = len(class_names) if class_names else int(labels.max()) + 1

    side_x, test_x = standardise(features[training_side], features[test])
    train_x = side_x[labeled[training_side]]
    train_y = labels[labeled]
    if classifier == "knn":
        predicted = knn_predict(train_x, train_y, test_x, n_classes)
    elif classifier == "logistic":
        predicted = logistic_predict(train_x, train_y, test_x, n_classes)
    else:
        raise ValueError(f"classifier '{classifier}' is not one of {CLASSIFIERS}")
    result: Dict[str, object] = {
        "method": f"metadata_only_{classifier}" + ("_all_training_labels" if use_all_training_labels else ""),
        "metadata": "only",
        "encoding": "lat, lon, sin/cos day of year",
        **classification_metrics(labels[test], predicted, class_names, n_classes),
        "n_labeled": int(labeled.sum()),
        "n_unlabeled": int((split == SPLIT_UNLABELED).sum()),
        "n_test": int(test.sum()),
        "steps": 0,
        "device": "cpu",
    }
    result["train_seconds"] = time.perf_counter() - started
    return result


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patches", type=Path, help="a patch set (.npz) in the `stssl evaluate` format")
    parser.add_argument("--classifier", choices=CLASSIFIERS, default="knn")
    parser.add_argument("--all-training-labels", action="store_true",
                        help="train on the true labels of every training-side row (context, not a budgeted row)")
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args(argv)
    result = evaluate_metadata_only(args.patches, args.classifier, args.all_training_labels)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
