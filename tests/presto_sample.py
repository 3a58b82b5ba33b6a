# SPDX-License-Identifier: GPL-2.0-or-later
"""The tests' real time-series stack (scripts/make_stack_sample.py) and a small Presto model trained on it.

Both need ../shared (the Mato Grosso samples and the Presto weights), which a fresh clone does not have: tests
marked with :data:`needs_shared` are skipped, with the reason, when they are missing.
"""
from __future__ import annotations

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.normpath(os.path.join(ROOT, "..", "shared", "pretrained", "presto", "default_model.pt"))
SOURCE = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "sits_mato_grosso", "patches.npz"))
needs_shared = pytest.mark.skipif(not (os.path.isfile(WEIGHTS) and os.path.isfile(SOURCE)),
                                  reason="Presto weights or the Mato Grosso samples not found in ../shared")


def make_sample(folder, side: int = 12) -> dict:
    """``stack.tif`` (23 timesteps x 6 MODIS bands, dated descriptions), ``labels.tif`` and ``truth.tif``."""
    spec = importlib.util.spec_from_file_location("make_stack_sample", os.path.join(ROOT, "scripts",
                                                                                    "make_stack_sample.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_stack_sample(str(folder), side=side, labels_per_class=5)


def train_quick_model(paths: dict, out: str, tile_size: int = 2) -> str:
    """A Quick map (linear probe on the frozen encoder) of the stack: a real Presto model file in seconds. With
    2 px tiles the model predicts at a stride of 1 px, so the stride resolution (2 px) is the cheaper one."""
    from spatiotemporal_ssl.core import cli

    code = cli.main(["train", paths["stack"], "--labels", paths["labels"], "--backbone", "presto", "--method",
                     "quick", "--tile-size", str(tile_size), "--min-coverage", "0.25", "--val-fraction", "0",
                     "--steps", "5", "--batch-size", "8", "--device", "cpu", "--pretrained", WEIGHTS, "--out", out])
    assert code == 0
    return out


def write_label_points(paths: dict, out: str) -> str:
    """The labelled pixels of ``labels.tif`` as points with a ``label`` field (Processing takes vector labels)."""
    import numpy as np
    import rasterio
    from osgeo import ogr, osr

    with rasterio.open(paths["labels"]) as src:
        labels, transform = src.read(1), src.transform
    driver = ogr.GetDriverByName("GPKG")
    data = driver.CreateDataSource(out)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer = data.CreateLayer("labels", srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    for row, col in zip(*np.nonzero(labels)):
        x, y = transform.c + (col + 0.5) * transform.a, transform.f + (row + 0.5) * transform.e
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("label", int(labels[row, col]))
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(float(x), float(y))
        feature.SetGeometry(point)
        layer.CreateFeature(feature)
    data = None
    return out
