# SPDX-License-Identifier: GPL-2.0-or-later
"""Write a small real time-series stack for the tests: Mato Grosso MODIS pixels as one GeoTIFF of dates x bands.

    python scripts/make_stack_sample.py OUT_DIR [--side 12] [--labels-per-class 5]

Source: ``../shared/data/sits_mato_grosso/patches.npz`` (the sits samples, see its PROVENANCE.md), never copied
into the repository: the tests call :func:`make_stack_sample` into a temporary folder and skip when the shared
data is missing. The stack holds the year-long series (23 16-day composites x 6 MODIS bands, 138 bands) of real
sample pixels of one season year, one sample per pixel, laid out as one block of pixels per coarse class (Cerrado,
Forest, Pasture, Agriculture) on a 0.0025-degree grid (MODIS's 250 m) at the samples' mean location, EPSG:4326.
Every band's description is ``"<date> <band>"`` (e.g. ``"2015-09-14 blue"``), so the stack's dates and band names
are read from it. Written beside it: ``labels.tif``, a class raster (1-4, nodata 0) labelling a few pixels per
class, and ``truth.tif``, every pixel's class, for scoring a prediction.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import rasterio
from rasterio.transform import from_origin

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / ".." / "shared" / "data" / "sits_mato_grosso" / "patches.npz").resolve()
PIXEL_DEG = 0.0025


def make_stack_sample(out_dir: str, side: int = 12, labels_per_class: int = 5, seed: int = 0,
                      source: Path = SOURCE) -> Dict[str, str]:
    """Write ``stack.tif``, ``labels.tif`` and ``truth.tif`` into ``out_dir``; returns their paths."""
    rng = np.random.default_rng(seed)
    with np.load(source, allow_pickle=False) as npz:
        ts, dates, bands = npz["ts"], npz["ts_dates"], [str(b) for b in npz["bands"]]
        label, names = npz["label_coarse"], [str(n) for n in npz["coarse_class_names"]]
        lat, lon = npz["lat"], npz["lon"]
    year = dates[:, 0]
    common = max(set(year.tolist()), key=year.tolist().count)  # one season year: one set of band dates
    rows = np.flatnonzero(year == common)
    classes = np.unique(label[rows])
    per_class = side * side // len(classes)
    chosen = []
    for c in classes:
        pool = rows[label[rows] == c]
        chosen.append(rng.choice(pool, size=per_class, replace=len(pool) < per_class))
    order = np.concatenate(chosen)
    order = np.concatenate([order, rng.choice(order, side * side - len(order))])  # fill the grid's remainder
    truth = label[order].astype(np.uint8) + 1
    series = ts[order]  # (side*side, T, bands)
    t = series.shape[1]
    stack = series.reshape(side, side, t * len(bands)).transpose(2, 0, 1).astype(np.float32)
    transform = from_origin(float(lon[order].mean()) - side * PIXEL_DEG / 2,
                            float(lat[order].mean()) + side * PIXEL_DEG / 2, PIXEL_DEG, PIXEL_DEG)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    profile = dict(driver="GTiff", width=side, height=side, crs="EPSG:4326", transform=transform)
    paths = {"stack": str(out / "stack.tif"), "labels": str(out / "labels.tif"), "truth": str(out / "truth.tif")}
    with rasterio.open(paths["stack"], "w", count=stack.shape[0], dtype="float32", nodata=None, **profile) as dst:
        dst.write(stack)
        for step in range(t):
            for b, band in enumerate(bands):
                dst.set_band_description(step * len(bands) + 1 + b, f"{dates[order[0], step]} {band}")
    labelled = np.zeros(side * side, dtype=np.uint8)
    for c in np.unique(truth):
        idx = rng.choice(np.flatnonzero(truth == c), size=labels_per_class, replace=False)
        labelled[idx] = c
    class_names = ",".join(names[int(c)] for c in classes)
    for key, values in (("labels", labelled), ("truth", truth)):
        with rasterio.open(paths[key], "w", count=1, dtype="uint8", nodata=0, **profile) as dst:
            dst.write(values.reshape(1, side, side))
            dst.update_tags(CLASS_NAMES=class_names, SOURCE="sits samples_mt_9classes (coarse classes), see "
                                                            "../shared/data/sits_mato_grosso/PROVENANCE.md")
    return paths


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--side", type=int, default=12)
    parser.add_argument("--labels-per-class", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not SOURCE.exists():
        print(f"shared data not found: {SOURCE}", file=sys.stderr)
        return 1
    paths = make_stack_sample(args.out_dir, args.side, args.labels_per_class, args.seed)
    for key, path in paths.items():
        print(f"{key}: {os.path.abspath(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
