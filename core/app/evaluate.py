# SPDX-License-Identifier: GPL-2.0-or-later
"""``stssl evaluate``: train one method in one metadata mode on a patch set and score it on held-out tiles.

Patch-set ``.npz``: ``images`` (N, C, H, W) real numbers; ``labels`` (N,) class index, -1 for none
(or (N, K) multi-hot for multi-label); ``split`` (N,) 'labeled' | 'unlabeled' | 'test'; ``lat``, ``lon``
(N,) degrees WGS84, NaN unknown; ``date`` (N,) 'YYYY-MM-DD' or '' unknown; optional ``class_names`` (K,).
Read and checked by :mod:`core.app.patchset`; tiles without any valid pixel are left out and counted.
Optional keys for a time series stacked as channels (date-major, C = T x B): ``band_names`` (B,) the bands of one
timestep and ``timestep_dates`` (N, T) 'YYYY-MM-DD' (or (T,) for every tile). A file without them runs unchanged;
``band_names`` / ``timestep_dates`` arguments (``--band-names``, ``--timestep-dates``) stand in for missing keys.
The Presto backbone needs the band names; its teacher reads the months of the timestep dates.

Training sees the pixels and labels of 'labeled' and the pixels of 'unlabeled' only. 'test' is used once,
after training, to score the selected EMA student (and, in teacher mode, the teacher with the test set's
metadata).
"""
from __future__ import annotations

import dataclasses
import os
import time
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..data.encoding import MetadataEncoder
from ..errors import InputError
from ..learning.metrics import summarize
from ..data.normalization import normalize_tiles, robust_band_stats, sample_valid_pixels
from ..params import EVALUATE_STEPS, TrainOptions
from ..learning.trainer import Trainer, TrainProgress
from ..learning.validation import predict_logits
from ..learning.label_reach import beyond_reach, reach_km, touching_distance_km
from ..learning.training_data import assemble_training_data
from ..models.metadata import meta_batch
from .backbone_choice import BackboneChoice, choose_backbone, on_gpu, resolve_backbone
from .scene_normalization import choose_normalization, normalize_by_scene
from .patchset import REQUIRED_KEYS, load_patch_set, series_description

__all__ = ["REQUIRED_KEYS", "evaluate_patchset", "load_patch_set", "normalized_images", "series_description"]


def normalized_images(ps: dict, seed: int, return_stats: bool = False):
    """All tiles of a loaded patch set as normalised float32, with band statistics from the non-test tiles only
    (the test tiles stay unseen); non-finite values count as nodata. ``return_stats``: also the statistics and
    the raw pixel sample they came from."""
    images = ps["images"].astype(np.float32)
    valid = np.all(np.isfinite(images), axis=1)  # (N, H, W)
    images = np.nan_to_num(images, nan=0.0, posinf=0.0, neginf=0.0)
    tr_idx = np.flatnonzero(ps["split"] != "test")
    samples = sample_valid_pixels([images[i] for i in tr_idx[:20000]], [valid[i] for i in tr_idx[:20000]], 200_000,
                                  seed)
    if samples.shape[0] == 0:
        raise InputError(f"the 'labeled' and 'unlabeled' tiles of patch set '{ps.get('name', '?')}' have no valid "
                         "pixel (all NaN or infinite), so the bands cannot be normalised; check how the set was "
                         "written")
    stats = robust_band_stats(samples)
    normalised = normalize_tiles(images, valid, stats)
    return (normalised, stats, samples) if return_stats else normalised


def _presto_spec(ps: dict, opts: TrainOptions, stats, sample: np.ndarray, band_names, timestep_dates) -> tuple:
    """(Presto spec, months (N, T) or None) of a patch set; the scaling is detected from the non-test sample."""
    from ..models.presto_backbone import make_presto_spec

    names, t, months = series_description(ps, band_names, timestep_dates)
    spec = make_presto_spec(names, t, stats.mean, stats.std, sample=sample.reshape(-1, len(names)),
                            band_roles=opts.band_roles, sensor=opts.sensor, scaling=opts.scaling,
                            dtype=ps["images"].dtype, student_view=opts.student_view,
                            temporal_pool=opts.temporal_pool or None)
    return spec, months


def _backbone_choice(ps: dict, opts: TrainOptions, sample: np.ndarray, band_names, timestep_dates) -> BackboneChoice:
    """The backbone rule (core.app.backbone_choice) on a patch set: its band names and timesteps, if it has them."""
    if opts.backbone != "auto":
        return choose_backbone((), 0, opts, False)
    try:
        names, t, _ = series_description(ps, band_names, timestep_dates)
    except InputError as exc:
        return BackboneChoice("cnn", f"CNN: the patch set does not say its bands and timesteps ({exc})", True)
    return choose_backbone(names, t, opts, on_gpu(opts.device), sample=sample, dtype=ps["images"].dtype)


def _scene_normalised(ps: dict, opts: TrainOptions, images: np.ndarray, stats, band_names,
                      timestep_dates) -> tuple:
    """The tiles normalised as the normalisation rule (core.app.scene_normalization) says for this patch set,
    where each date's tiles stand for one raster; ``images`` come normalised with the non-test statistics. A date's
    statistics come from its non-test tiles; a date that only test tiles show (a raster that is only classified)
    is scaled by its own pixels, never by labels."""
    try:
        timesteps = series_description(ps, band_names, timestep_dates)[1]
    except InputError:  # bands and timesteps not said: one date per tile, as the set's 'date' key holds
        timesteps = 1
    raw = ps["images"].astype(np.float32)
    valid = np.all(np.isfinite(raw), axis=1)
    dates = np.asarray(ps["date"]).astype(str)
    pixels = valid.sum(axis=(1, 2))
    train = ps["split"] != "test"  # the rule reads the training scenes only
    scene_pixels = [int(pixels[train & (dates == d)].sum()) for d in np.unique(dates[train])]
    choice = choose_normalization(opts, opts.backbone, timesteps, scene_pixels)
    record = dict(choice.to_dict(), scenes=len(np.unique(dates)), median_scene_pixels=int(np.median(scene_pixels)))
    if choice.mode != "per_raster":
        return images, record
    raw = np.nan_to_num(raw, nan=0.0, posinf=0.0, neginf=0.0)
    normalised, record["scenes_with_training_statistics"] = normalize_by_scene(raw, valid, dates, stats, opts.seed,
                                                                             fit=train)
    return normalised, record


def _selection(ps: dict) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train_mask, labeled, test) of a loaded patch set. Tiles without one valid pixel are nodata: neither trained
    on nor scored (counted in the result)."""
    split, labels = ps["split"], ps["labels"]
    has_label = (labels.max(axis=1) >= 0 if ps["multi_label"] else labels >= 0) & ps["has_data"]
    return (split != "test") & ps["has_data"], (split == "labeled") & has_label, (split == "test") & has_label


def patch_set_reach(ps: dict) -> dict:
    """The label reach (core/learning/label_reach.py) of a loaded patch set: its unlabelled pool, and the share of
    its test tiles beyond the reach (the benchmark's map). Reads no pixel; costs no training."""
    train_mask, labeled, test = _selection(ps)
    lat, lon, labelled = ps["lat"], ps["lon"], np.flatnonzero(labeled)
    reach_of_labels = reach_km(lat, lon, labelled, touching_distance_km(lat, lon))
    reach = beyond_reach(lat, lon, labelled, np.flatnonzero(train_mask & (ps["split"] == "unlabeled")),
                         reach_of_labels)
    on_test = beyond_reach(lat, lon, labelled, np.flatnonzero(test), reach_of_labels)
    return {"label_reach": reach.to_dict() if reach else None,
            "test_beyond_reach": round(on_test.fraction_beyond, 4) if on_test else None}


def evaluate_patchset(path: str, options: Optional[TrainOptions] = None,
                      progress: Optional[Callable[[TrainProgress], None]] = None,
                      band_names: Union[str, Sequence[str], None] = None,
                      timestep_dates: Union[str, Sequence[str], None] = None, **values) -> dict:
    """Train on the set's labeled + unlabeled tiles and report metrics on its test tiles.

    The training options are ``options`` (already validated, as ``stssl evaluate`` builds them) or else the
    option ``values`` (``method='fixmatch', steps=300, ...``; validated here). The tile size and multi-label
    come from the patch set. ``band_names`` and ``timestep_dates`` (text or lists) stand in for the file's
    optional keys of the same names.
    """
    if options is not None and values:
        raise TypeError("give either options or option values, not both")
    if options is None:
        options = TrainOptions.from_mapping({"steps": EVALUATE_STEPS, **values})
    ps = load_patch_set(path)
    split, labels, multi = ps["split"], ps["labels"], ps["multi_label"]
    train_mask, labeled, test = _selection(ps)
    if labeled.sum() == 0:
        raise InputError(f"patch set '{os.path.basename(path)}' has no labelled tile with a label >= 0 and valid "
                         "pixels")
    if test.sum() == 0:
        raise InputError(f"patch set '{os.path.basename(path)}' has no 'test' tile with a label and valid pixels; "
                         "nothing to score")
    if not multi and len(np.unique(labels[labeled])) < 2:
        raise InputError(f"patch set '{os.path.basename(path)}' labels only one class; label at least two")

    seed = options.seed
    images, stats, sample = normalized_images(ps, seed, return_stats=True)
    opts = dataclasses.replace(options, multi_label=bool(multi), tile_size_px=int(images.shape[-1]))
    choice = _backbone_choice(ps, opts, sample, band_names, timestep_dates)
    opts = resolve_backbone(opts, choice)
    images, norm = _scene_normalised(ps, opts, images, stats, band_names, timestep_dates)
    presto, months = None, None
    if opts.backbone == "presto":
        presto, months = _presto_spec(ps, opts, stats, sample, band_names, timestep_dates)
    encoder = MetadataEncoder(opts.encoding, opts.sh_degree)
    targets = labels.astype(np.float32) if multi else labels.astype(np.int64)
    # The pool for training excludes the test tiles entirely (pixels too).
    train_sel = np.flatnonzero(train_mask & (labeled | (split == "unlabeled")))
    data, _, val_idx = assemble_training_data(
        images[train_sel], targets[train_sel], labeled[train_sel], ps["lat"][train_sel], ps["lon"][train_sel],
        ps["doy"][train_sel], encoder, ps["num_classes"], multi, opts.val_fraction, seed,
        diagnostic_targets=ps["diagnostic_labels"][train_sel] if ps["diagnostic_labels"] is not None else None,
        months=months[train_sel] if months is not None else None, presto=presto)
    trainer = Trainer(opts)
    t0 = time.perf_counter()
    result = trainer.fit(data, progress=progress)
    train_seconds = time.perf_counter() - t0

    test_idx = np.flatnonzero(test)
    test_images = torch.from_numpy(images[test_idx])
    test_meta = meta_batch(encoder, ps["lat"][test_idx], ps["lon"][test_idx], ps["doy"][test_idx],
                           months[test_idx] if months is not None else None)
    cpu = torch.device("cpu")
    student_logits = predict_logits(result.model.student, test_images, test_meta, cpu).numpy()
    truth = targets[test_idx]
    out = {
        "patch_set": os.path.abspath(path), "method": opts.method, "metadata": opts.metadata,
        "encoding": opts.encoding, "lambda_d": opts.lambda_d if opts.has_teacher else None, "seed": seed,
        **{k: v for k, v in summarize(truth, student_logits, multi, ps["num_classes"]).items()
           if k != "confusion_matrix"},
        "class_names": ps["class_names"],
        "n_labeled": int(data.labeled_images.shape[0]), "n_validation": int(len(val_idx)),
        "n_unlabeled": int(data.unlabeled_images.shape[0]) if opts.uses_unlabeled else 0,
        "n_test": int(len(test_idx)), "steps": int(result.steps_done), "best_step": int(result.best_step),
        "stopped_early": result.stopped_early, "train_seconds": round(train_seconds, 2), "device": result.device_name,
        "mask_rate": result.mean_mask_rate, "pseudo_label_accuracy": result.mean_pseudo_label_accuracy,
        "pseudo_label_accuracy_source": result.pseudo_label_accuracy_source,
        "best_val_accuracy": result.best_val_accuracy, "data_wait_fraction": round(result.data_wait_fraction, 4),
        "multi_label": multi, "n_tiles_no_data": ps["no_data_tiles"], "backbone": opts.backbone,
        "backbone_choice": choice.to_dict(), "batch_size": opts.batch_size, "unlabeled_ratio": opts.unlabeled_ratio,
        "unlabeled_steps": opts.unlabeled_steps, "normalization": norm,
        **patch_set_reach(ps),
    }
    if presto is not None:
        from ..models.presto_backbone import describe_spec

        out["presto"] = {"description": describe_spec(presto),
                         "months_known": months is not None and bool((months >= 0).all()),
                         "student_view": presto["student_view"], "temporal_pool": presto["temporal_pool"],
                         "scaling": presto["scaling"], "band_roles": presto["roles"]}
    if opts.has_teacher and result.model.teacher is not None:
        teacher_logits = predict_logits(result.model.teacher, test_images, test_meta, cpu).numpy()
        t = summarize(truth, teacher_logits, multi, ps["num_classes"])
        out["teacher_accuracy"] = t["accuracy"]
        out["teacher_balanced_accuracy"] = t["balanced_accuracy"]
        out["teacher_macro_f1"] = t["macro_f1"]
    return out
