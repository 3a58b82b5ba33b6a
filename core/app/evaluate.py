"""``stssl evaluate``: train one method in one metadata mode on a patch set and score it on held-out tiles.

Patch-set ``.npz``: ``images`` (N, C, H, W) any numeric dtype; ``labels`` (N,) class index, -1 for none
(or (N, K) multi-hot for multi-label); ``split`` (N,) 'labeled' | 'unlabeled' | 'test'; ``lat``, ``lon``
(N,) degrees WGS84, NaN unknown; ``date`` (N,) 'YYYY-MM-DD' or '' unknown; optional ``class_names`` (K,).
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
from typing import Callable, Dict, Optional

import numpy as np
import torch

from ..data.dates import parse_date
from ..data.series import parse_name_list, parse_timestep_dates, split_series, timestep_months
from ..data.encoding import MetadataEncoder
from ..errors import InputError
from ..learning.metrics import class_names_or_default, summarize
from ..data.normalization import normalize_tiles, robust_band_stats, sample_valid_pixels
from ..params import TrainOptions
from ..learning.trainer import Trainer, TrainProgress, predict_logits
from ..learning.training_data import meta_batch, assemble_training_data

REQUIRED_KEYS = ("images", "labels", "split", "lat", "lon", "date")


def _day_of_year(dates: np.ndarray, path: str) -> np.ndarray:
    out = np.full(len(dates), np.nan)
    cache: Dict[str, float] = {}
    for i, text in enumerate(dates):
        text = str(text)
        if text not in cache:
            d = parse_date(text, f"date '{text}' in patch set '{os.path.basename(path)}'")
            cache[text] = float(d.timetuple().tm_yday) if d is not None else np.nan
        out[i] = cache[text]
    return out


def load_patch_set(path: str) -> dict:
    """Read and check a patch set. Errors name the file and the key."""
    if not os.path.exists(path):
        raise InputError(f"patch set '{path}' does not exist; check the path")
    try:
        npz = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"patch set '{path}' is not a readable .npz ({exc}); write it with numpy.savez") from exc
    missing = [k for k in REQUIRED_KEYS if k not in npz.files]
    if missing:
        raise InputError(f"patch set '{os.path.basename(path)}' lacks {', '.join(missing)}; see 'stssl evaluate --help' for the format")
    images = npz["images"]
    if images.ndim != 4:
        raise InputError(f"'images' in '{os.path.basename(path)}' must be (N, C, H, W), got shape {images.shape}")
    n = images.shape[0]
    split = np.asarray(npz["split"]).astype(str)
    labels = np.asarray(npz["labels"])
    for key, arr in (("labels", labels), ("split", split), ("lat", npz["lat"]), ("lon", npz["lon"]), ("date", npz["date"])):
        if arr.shape[0] != n:
            raise InputError(f"'{key}' in '{os.path.basename(path)}' has {arr.shape[0]} entries but 'images' has {n}")
    bad = sorted(set(split) - {"labeled", "unlabeled", "test"})
    if bad:
        raise InputError(f"'split' in '{os.path.basename(path)}' has values {bad}; use 'labeled', 'unlabeled' or 'test'")
    multi = labels.ndim == 2
    num_classes = labels.shape[1] if multi else int(labels[labels >= 0].max()) + 1 if (labels >= 0).any() else 0
    names = [str(s) for s in npz["class_names"]] if "class_names" in npz.files else []
    if names and not multi:
        num_classes = max(num_classes, len(names))
    return {
        "path": path, "date": np.asarray(npz["date"]).astype(str),
        "images": images, "labels": labels, "split": split, "lat": np.asarray(npz["lat"], dtype=np.float64),
        "lon": np.asarray(npz["lon"], dtype=np.float64), "doy": _day_of_year(np.asarray(npz["date"]), path),
        "multi_label": multi, "num_classes": num_classes, "class_names": class_names_or_default(names, num_classes),
        # Optional: true classes of unlabelled tiles, used only to measure pseudo-label accuracy.
        "diagnostic_labels": np.asarray(npz["diagnostic_labels"]) if "diagnostic_labels" in npz.files and not multi else None,
        "band_names": [str(b) for b in npz["band_names"]] if "band_names" in npz.files else None,
        "timestep_dates": _timestep_dates(npz, n, path),
    }


def _timestep_dates(npz, n: int, path: str) -> Optional[np.ndarray]:
    if "timestep_dates" not in npz.files:
        return None
    dates = np.asarray(npz["timestep_dates"]).astype(str)
    if dates.ndim == 1:
        dates = np.broadcast_to(dates, (n, len(dates)))
    if dates.ndim != 2 or dates.shape[0] != n:
        raise InputError(f"'timestep_dates' in '{os.path.basename(path)}' must be (N, T) or (T,), got {dates.shape}")
    return dates


def series_description(ps: dict, band_names=None, timestep_dates=None) -> tuple:
    """(band names, T, months (N, T) or None) of a loaded patch set; arguments stand in for missing keys."""
    name = f"patch set '{os.path.basename(ps.get('path', ''))}'"
    names = ps["band_names"] or parse_name_list(band_names, "band names")
    if not names:
        raise InputError(f"{name} has no 'band_names' key; give the bands of one timestep with --band-names "
                         "(e.g. --band-names blue,green,red,nir)")
    t = split_series(ps["images"].shape[1], names, name)
    dates = ps["timestep_dates"]
    if dates is None and timestep_dates is not None:
        given = parse_timestep_dates(timestep_dates)
        if len(given) != t:
            raise InputError(f"--timestep-dates gives {len(given)} dates for {t} timesteps of {name}")
        dates = np.broadcast_to(np.array(given), (ps["images"].shape[0], t))
    if dates is None and t == 1:
        dates = ps["date"].reshape(-1, 1)
    if dates is not None and dates.shape[1] != t:
        raise InputError(f"{name}: 'timestep_dates' has {dates.shape[1]} dates per tile for {t} timesteps")
    return names, t, (timestep_months(dates) if dates is not None else None)


def normalized_images(ps: dict, seed: int, return_stats: bool = False):
    """All tiles of a loaded patch set as normalised float32, with band statistics from the non-test tiles only
    (the test tiles stay unseen); non-finite values count as nodata. ``return_stats``: also the statistics and
    the raw pixel sample they came from."""
    images = ps["images"].astype(np.float32)
    valid = np.all(np.isfinite(images), axis=1)  # (N, H, W)
    images = np.nan_to_num(images, nan=0.0, posinf=0.0, neginf=0.0)
    tr_idx = np.flatnonzero(ps["split"] != "test")
    samples = sample_valid_pixels([images[i] for i in tr_idx[:20000]], [valid[i] for i in tr_idx[:20000]], 200_000, seed)
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


def evaluate_patchset(path: str, method: str = "fixmatch", metadata: str = "teacher", encoding: str = "season",
                      steps: int = 500, seed: int = 0, device: str = "auto",
                      progress: Optional[Callable[[TrainProgress], None]] = None, band_names=None,
                      timestep_dates=None, **options) -> dict:
    """Train on the set's labeled + unlabeled tiles and report metrics on its test tiles. ``band_names`` and
    ``timestep_dates`` (text or lists) stand in for the file's optional keys of the same names."""
    ps = load_patch_set(path)
    split, labels, multi = ps["split"], ps["labels"], ps["multi_label"]
    has_label = labels.max(axis=1) >= 0 if multi else labels >= 0
    train_mask = split != "test"
    labeled = (split == "labeled") & has_label
    test = (split == "test") & has_label
    if labeled.sum() == 0:
        raise InputError(f"patch set '{os.path.basename(path)}' has no labelled tile with a label >= 0")
    if test.sum() == 0:
        raise InputError(f"patch set '{os.path.basename(path)}' has no 'test' tile with a label; nothing to score")
    if not multi and len(np.unique(labels[labeled])) < 2:
        raise InputError(f"patch set '{os.path.basename(path)}' labels only one class; label at least two")

    images, stats, sample = normalized_images(ps, seed, return_stats=True)

    opts = TrainOptions(method=method, metadata=metadata, encoding=encoding, steps=steps, seed=seed, device=device,
                        multi_label=multi, tile_size_px=images.shape[-1])
    field_names = {f.name for f in dataclasses.fields(TrainOptions)}
    for k, v in options.items():
        if v is None:
            continue
        if k not in field_names:
            raise InputError(f"unknown training option '{k}'")
        setattr(opts, k, v)
    opts.validate()
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
        "patch_set": os.path.abspath(path), "method": method, "metadata": metadata, "encoding": opts.encoding,
        "lambda_d": opts.lambda_d if metadata == "teacher" else None, "seed": seed,
        **{k: v for k, v in summarize(truth, student_logits, multi, ps["num_classes"]).items() if k != "confusion_matrix"},
        "class_names": ps["class_names"],
        "n_labeled": int(data.labeled_images.shape[0]), "n_validation": int(len(val_idx)),
        "n_unlabeled": int(data.unlabeled_images.shape[0]) if method != "supervised" else 0,
        "n_test": int(len(test_idx)), "steps": int(result.steps_done), "best_step": int(result.best_step),
        "stopped_early": result.stopped_early, "train_seconds": round(train_seconds, 2), "device": result.device_name,
        "mask_rate": result.mean_mask_rate, "pseudo_label_accuracy": result.mean_pseudo_label_accuracy,
        "pseudo_label_accuracy_source": result.pseudo_label_accuracy_source,
        "best_val_accuracy": result.best_val_accuracy, "data_wait_fraction": round(result.data_wait_fraction, 4),
        "multi_label": multi, "backbone": opts.backbone,
    }
    if presto is not None:
        from ..models.presto_backbone import describe_spec

        out["presto"] = {"description": describe_spec(presto), "months_known": months is not None and bool((months >= 0).all()),
                         "student_view": presto["student_view"], "temporal_pool": presto["temporal_pool"],
                         "scaling": presto["scaling"], "band_roles": presto["roles"]}
    if metadata == "teacher" and result.model.teacher is not None:
        teacher_logits = predict_logits(result.model.teacher, test_images, test_meta, cpu).numpy()
        t = summarize(truth, teacher_logits, multi, ps["num_classes"])
        out["teacher_accuracy"] = t["accuracy"]
        out["teacher_balanced_accuracy"] = t["balanced_accuracy"]
        out["teacher_macro_f1"] = t["macro_f1"]
    return out
