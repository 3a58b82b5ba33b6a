# SPDX-License-Identifier: GPL-2.0-or-later
"""Training from rasters and labels: what ``stssl train``, the dock and Processing all call.

rasters + labels -> tiles (core.data.dataset) -> band statistics -> normalised tiles + encoded metadata ->
trainer -> held-out report -> model file (written atomically).
"""
from __future__ import annotations

import datetime
import logging
import os
import tempfile
from dataclasses import dataclass, field
from typing import Callable, List, Optional

import numpy as np
import torch

from ..data.dataset import build_tileset, compute_band_stats
from ..data.encoding import MetadataEncoder
from ..device import resolve_device
from ..errors import InputError, ModelFileError, OutputError, TrainingCancelled
from ..learning.metrics import single_label_metrics, multi_label_metrics
from .backbone_choice import BackboneChoice, choose_for_rasters, on_gpu, resolve_backbone
from .filecheck import check_free_space
from .presto_inputs import presto_training_inputs
from .scene_normalization import NormalizationChoice, normalize_training_tiles
from .modelfile import estimated_file_bytes, read_model_blob, save_model
from .modelschema import exception_detail
from .outputs import check_output_path
from .resume import check_resume
from ..params import TrainOptions, TrainRequest
from ..learning.baseline import baseline_report
from ..learning.label_reach import label_reach, reach_line, touching_distance_km
from ..learning.finetune import parameter_groups
from ..learning.trainer import Trainer, TrainProgress, build_model
from ..learning.validation import predict_logits
from ..learning.training_data import MIN_VALIDATION_TILES_PER_CLASS, assemble_training_data, min_tiles_for_validation

__all__ = ["train_model", "TrainResult", "TrainProgress"]

log = logging.getLogger(__name__)


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
    backbone_choice: Optional[BackboneChoice] = None  # which network read the pixels, and why
    normalization: Optional[NormalizationChoice] = None  # how the bands were scaled, and why


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

    ``request.options`` are validated by whoever built them (the entry point: the command line, the dock,
    Processing; see :meth:`TrainOptions.from_mapping`), not again here.
    """
    opts = request.options
    resuming_in_place = resume_from is not None and os.path.abspath(resume_from) == os.path.abspath(request.out_model)
    inputs = [(r.path, f"training raster '{os.path.basename(r.path)}'") for r in request.rasters]
    inputs.append((request.labels_path, f"label file '{os.path.basename(str(request.labels_path).split('|')[0])}'"))
    check_output_path(request.out_model, request.overwrite or resuming_in_place, "model file", inputs=inputs)
    if not request.rasters:
        raise InputError("no training raster given; add at least one raster")

    def report(phase: str) -> None:
        if progress is not None:
            progress(TrainProgress(phase=phase, step=0, total_steps=opts.steps))

    report("tiling")
    choice = choose_for_rasters(request.rasters, opts, on_gpu(opts.device))
    opts = resolve_backbone(opts, choice)
    log.info("backbone: %s", choice.reason)
    timesteps = None  # Presto reads stacks masked per timestep: a cloudy date is missing, not zeros
    if opts.backbone == "presto":
        from .presto_inputs import stack_layouts

        timesteps = [layout.timesteps for layout in stack_layouts(request.rasters)]
    tiles, classes, provenance = build_tileset(
        request.rasters, request.labels_path, request.class_field, opts.tile_size_px, opts.training_stride_px,
        request.min_coverage, opts.multi_label, request.presence_fraction, request.classes, timesteps=timesteps)
    stats = compute_band_stats(request.rasters, seed=opts.seed, timesteps=timesteps[0] if timesteps else 1)
    images, norm, norm_record = normalize_training_tiles(request.rasters, opts, tiles.images, tiles.valid,
                                                         tiles.raster_index, stats,
                                                         timesteps[0] if timesteps else None)
    log.info("normalisation: %s", norm.reason)
    encoder = MetadataEncoder(opts.encoding, opts.sh_degree)
    targets = tiles.labels.astype(np.float32 if opts.multi_label else np.int64)
    presto = months = None
    if opts.backbone == "presto":
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
        resume_state = check_resume(read_model_blob(resume_from), resume_from, opts, stats.band_count, len(classes))
    # Before the long part: the model file must fit where it goes, and a resume state must fit this network.
    _check_model_output(request.out_model, opts, data, resume_state, resume_from)

    # The cheap baseline on the same validation tiles is added after training; the label reach is known now.
    extra_report: dict = {}
    reach = label_reach(tiles.lat, tiles.lon, np.flatnonzero(tiles.labeled), np.flatnonzero(~tiles.labeled),
                        touching_km=touching_distance_km(tiles.lat, tiles.lon))
    if reach is not None:
        extra_report["label_reach"] = reach.to_dict()
        if reach.warn:
            log.warning("%s", reach_line(extra_report["label_reach"]))

    def _save_to(path: str, result, overwrite: bool = False, scored: Optional[dict] = None) -> dict:
        # ``scored``: the final model's validation report, already computed (the baseline compared with it)
        val_report = dict(scored) if scored is not None else _validation_report(result, data, classes,
                                                                                opts.multi_label, opts.val_fraction)
        val_report.update(extra_report)
        val_report.update({"backbone": opts.backbone, "backbone_choice": choice.to_dict(),
                           "normalization": norm.to_dict(),
                           "best_step": result.best_step, "steps_done": result.steps_done,
                           "cancelled": result.cancelled, "stopped_early": result.stopped_early,
                           "mean_mask_rate": result.mean_mask_rate,
                           "mean_pseudo_label_accuracy": result.mean_pseudo_label_accuracy})
        save_model(path, student=result.model.student, teacher=result.model.teacher, classes=classes,
                   band_stats=stats, tile_size_px=opts.tile_size_px, stride_px=opts.prediction_stride_px,
                   encoder=encoder, multi_label=opts.multi_label, options=opts.to_dict(),
                   provenance=provenance, report=val_report, training_state=result.training_state,
                   overwrite=overwrite, normalization=norm_record)
        return val_report

    def write(result, scored: Optional[dict] = None) -> dict:
        # The path was checked above, before any work.
        return _save_to(request.out_model, result, overwrite=True, scored=scored)

    def checkpoint(result) -> None:
        # A periodic checkpoint that cannot be written must not end the run: the final save tries again, and
        # falls back to another folder (below).
        try:
            write(result)
        except OutputError as exc:
            log.warning("checkpoint at step %d not saved: %s", result.steps_done, exc)

    result = Trainer(opts).fit(data, progress=progress, should_stop=should_stop, resume_state=resume_state,
                               checkpoint=checkpoint)
    if result.steps_done == 0:
        raise TrainingCancelled("training was cancelled before the first step; nothing was written")
    report("baseline")
    scored = _validation_report(result, data, classes, opts.multi_label, opts.val_fraction)
    baseline = baseline_report(opts, data, scored.get("accuracy"))
    if baseline is not None:
        extra_report["baseline"] = baseline
        log.info("baseline %s: %.3f on the validation tiles (this model %.3f)", baseline["name"],
                 baseline["accuracy"], baseline["model_accuracy"])
    report("saving")
    try:
        val_report = write(result, scored)
    except InputError as exc:  # a full disk, a file locked by another program: the run is kept elsewhere
        raise _rescue(exc, request.out_model, lambda path: _save_to(path, result, scored=scored)) from exc
    return TrainResult(
        model_path=request.out_model, cancelled=result.cancelled, best_step=result.best_step,
        steps_done=result.steps_done, device_name=result.device_name, train_seconds=result.train_seconds,
        report=val_report, n_labeled=int(data.labeled_images.shape[0]), n_unlabeled=int(data.unlabeled_images.shape[0]),
        n_validation=int(len(val_idx)), provenance=provenance, history=result.history, backbone_choice=choice,
        normalization=norm,
    )


def _check_model_output(out_model: str, opts: TrainOptions, data, resume_state: Optional[dict],
                        resume_from: Optional[str]) -> None:
    """Refuse early what would fail after training: a disk without room for the model file, initial weights
    or a resume state that do not fit the network. The network is built once on the CPU to know all three."""
    model = build_model(opts, data.num_classes, data.band_count, data.tile_size_px, data.loc_dim, data.date_dim,
                        resolve_device(opts.device), presto=data.presto)
    weights = model.state_dict()
    # The file holds the EMA student and teacher, and for resume the online and EMA networks, the best EMA
    # weights and AdamW's two moments: about six copies of the weights.
    needed = estimated_file_bytes(*([weights] * 6))
    check_free_space(out_model, int(needed * 1.1), "model file")
    if resume_state is not None:
        try:
            model.load_state_dict(resume_state["model"])
            optimizer = torch.optim.AdamW(parameter_groups(model, opts), lr=opts.lr)
            optimizer.load_state_dict(resume_state["optimizer"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(
                f"model file '{os.path.basename(str(resume_from))}' holds the training state of another network "
                f"({exception_detail(exc, 160)}); resume with the options it was trained with (backbone, model size, "
                "metadata, encoding), or train anew") from exc


def rescue_folders(failed_path: str) -> List[str]:
    """Where a trained model goes when its own folder cannot take it: the working folder, the home folder,
    the temporary folder (each once, never the failed one)."""
    failed = os.path.dirname(os.path.abspath(failed_path))
    folders: List[str] = []
    for folder in (os.getcwd(), os.path.expanduser("~"), tempfile.gettempdir()):
        folder = os.path.abspath(folder)
        if folder != failed and folder not in folders and os.path.isdir(folder):
            folders.append(folder)
    return folders


def _rescue(exc: InputError, failed_path: str, save: Callable[[str], object]) -> OutputError:
    """After training, the model file could not be written: write the model (still in memory) to a fallback
    path, and return the error that says where it is (or that no fallback worked either)."""
    stem = os.path.splitext(os.path.basename(failed_path))[0] or "model"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    tried = []
    for folder in rescue_folders(failed_path):
        candidate = os.path.join(folder, f"{stem}.rescued-{stamp}.pt")
        try:
            save(candidate)
        except InputError as second:
            tried.append(f"{folder} ({second})")
            continue
        log.warning("model saved to fallback path %s", candidate)
        return OutputError(f"{exc}. The trained model was not lost: it was saved to '{candidate}' instead; move it "
                           f"where you want it (it predicts, and resumes with --resume)", rescued_path=candidate)
    return OutputError(f"{exc}. The trained model could not be saved in any fallback folder either "
                       f"({'; '.join(tried) or 'none available'}); free some space and train again")
