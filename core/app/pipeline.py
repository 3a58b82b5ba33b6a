"""Training from rasters and labels: what ``stssl train``, the dock and Processing all call.

rasters + labels -> tiles (core.data.dataset) -> band statistics -> normalised tiles + encoded metadata ->
trainer -> held-out report -> model file (written atomically).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, List, Optional

import numpy as np
import torch

from ..data.dataset import build_tileset, compute_band_stats
from ..data.encoding import MetadataEncoder
from ..errors import InputError, TrainingCancelled
from ..learning.metrics import single_label_metrics, multi_label_metrics
from .modelfile import read_model_blob, save_model
from ..data.normalization import normalize_tiles
from .outputs import check_output_path
from ..params import TrainRequest
from ..learning.trainer import (MIN_VALIDATION_TILES_PER_CLASS, Trainer, TrainProgress, min_tiles_for_validation,
                      predict_logits)
from ..learning.training_data import assemble_training_data

__all__ = ["train_model", "TrainResult", "TrainProgress"]


@dataclass
class TrainResult:
    model_path: str
    cancelled: bool
    best_step: int
    steps_done: int
    device_name: str
    train_seconds: float
    report: dict  # accuracy, per_class_accuracy, confusion_matrix, class_names (held-out validation tiles)
    n_labeled: int
    n_unlabeled: int
    n_validation: int
    provenance: List[dict] = field(default_factory=list)
    history: List[dict] = field(default_factory=list)


def _validation_report(result, data, classes, multi_label: bool, val_fraction: float) -> dict:
    names = [c.name for c in classes]
    if data.val_images.shape[0] == 0:
        report = {"class_names": names, "n_validation": 0, "accuracy": None, "per_class_accuracy": [],
                  "confusion_matrix": [], "note": "too few labelled tiles to hold any out for validation",
                  "val_fraction": val_fraction}
        if not multi_label:  # what a class needs for a validation estimate, for the plugin's and the CLI's message
            report.update(min_validation_tiles_per_class=MIN_VALIDATION_TILES_PER_CLASS,
                          min_tiles_per_class_for_validation=min_tiles_for_validation(val_fraction))
        return report
    logits = predict_logits(result.model.student, data.val_images, data.val_meta, torch.device("cpu"))
    truth = data.val_targets.numpy()
    if multi_label:
        m = multi_label_metrics(truth, torch.sigmoid(logits).numpy())
        return {"class_names": names, "n_validation": int(len(truth)), **m}
    m = single_label_metrics(truth, logits.argmax(1).numpy(), len(classes))
    return {"class_names": names, "n_validation": int(len(truth)), **m}


def train_model(request: TrainRequest, progress: Optional[Callable[[TrainProgress], None]] = None,
                should_stop: Optional[Callable[[], bool]] = None, resume_from: Optional[str] = None) -> TrainResult:
    """Train a model from ``request`` and write it to ``request.out_model``.

    ``progress`` receives :class:`TrainProgress` (phase 'tiling', then 'training' every few steps, then
    'saving'); ``should_stop`` is polled every step: training then stops, and the best model so far is saved
    (a usable checkpoint) with ``cancelled=True``. ``resume_from`` continues a run from a model file that
    holds its training state. Raises :class:`InputError` for bad inputs before anything is written.
    """
    opts = request.options
    opts.validate()
    check_output_path(request.out_model, request.overwrite or (resume_from is not None and
                                                               os.path.abspath(resume_from) == os.path.abspath(request.out_model)),
                      "model file")
    if not request.rasters:
        raise InputError("no training raster given; add at least one raster")

    def report(phase: str) -> None:
        if progress is not None:
            progress(TrainProgress(phase=phase, step=0, total_steps=opts.steps))

    report("tiling")
    stride = opts.stride_px or opts.tile_size_px
    tiles, classes, provenance = build_tileset(
        request.rasters, request.labels_path, request.class_field, opts.tile_size_px, stride,
        request.min_coverage, opts.multi_label, request.presence_fraction, request.classes)
    stats = compute_band_stats(request.rasters, seed=opts.seed)
    images = normalize_tiles(tiles.images, tiles.valid, stats)
    encoder = MetadataEncoder(opts.encoding, opts.sh_degree)
    targets = tiles.labels.astype(np.float32 if opts.multi_label else np.int64)
    presto = months = None
    if opts.backbone == "presto":
        from .presto_inputs import presto_training_inputs

        presto, months, layouts = presto_training_inputs(request.rasters, opts, tiles.images, tiles.valid,
                                                         tiles.raster_index, stats)
        for p, layout in zip(provenance, layouts):
            p.update(timestep_dates=list(layout.dates), timestep_dates_source=layout.source,
                     band_names=list(layout.band_names))
    data, _, val_idx = assemble_training_data(images, targets, tiles.labeled, tiles.lat, tiles.lon, tiles.doy,
                                              encoder, len(classes), opts.multi_label, opts.val_fraction, opts.seed,
                                              months=months, presto=presto)
    resume_state = None
    if resume_from is not None:
        blob = read_model_blob(resume_from)
        resume_state = blob.get("training_state")
        cfg = blob["config"]
        if resume_state is None:
            raise InputError(f"model file '{resume_from}' holds no training state; it cannot be resumed, train anew")
        if (cfg["band_count"], cfg["tile_size_px"], len(cfg["classes"])) != (stats.band_count, opts.tile_size_px, len(classes)):
            raise InputError(f"model file '{resume_from}' was trained with other bands, tile size or classes; "
                             "resume with the same rasters, labels and options")
    stride_predict = max(1, opts.tile_size_px // 2)

    def write(result) -> dict:
        val_report = _validation_report(result, data, classes, opts.multi_label, opts.val_fraction)
        val_report.update({"best_step": result.best_step, "steps_done": result.steps_done, "cancelled": result.cancelled,
                           "stopped_early": result.stopped_early, "mean_mask_rate": result.mean_mask_rate,
                           "mean_pseudo_label_accuracy": result.mean_pseudo_label_accuracy})
        save_model(request.out_model, student=result.model.student, teacher=result.model.teacher, classes=classes,
                   band_stats=stats, tile_size_px=opts.tile_size_px, stride_px=stride_predict, encoder=encoder,
                   metadata_mode=opts.metadata, multi_label=opts.multi_label, options=opts.to_dict(),
                   provenance=provenance, report=val_report, training_state=result.training_state,
                   overwrite=True)  # the path was checked above, before any work
        return val_report

    result = Trainer(opts).fit(data, progress=progress, should_stop=should_stop, resume_state=resume_state,
                               checkpoint=write)
    if result.steps_done == 0:
        raise TrainingCancelled("training was cancelled before the first step; nothing was written")
    report("saving")
    val_report = write(result)
    return TrainResult(
        model_path=request.out_model, cancelled=result.cancelled, best_step=result.best_step,
        steps_done=result.steps_done, device_name=result.device_name, train_seconds=result.train_seconds,
        report=val_report, n_labeled=int(data.labeled_images.shape[0]), n_unlabeled=int(data.unlabeled_images.shape[0]),
        n_validation=int(len(val_idx)), provenance=provenance, history=result.history,
    )
