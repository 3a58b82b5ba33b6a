# SPDX-License-Identifier: GPL-2.0-or-later
"""Processing train and classify on a series of single-date rasters of one place (the Presto backbone)."""
from __future__ import annotations

import os

import numpy as np
import pytest
import rasterio
from test_series_stack import WEIGHTS, _split_stack, needs_shared

from qgis.core import QgsApplication, QgsProcessingException

from rasters import pixel_point, write_labels
from spatiotemporal_ssl.core.params import option


@pytest.fixture
def provider(qgis_app):
    from spatiotemporal_ssl.plugin.processing.provider import SpatiotemporalSSLProvider

    registry = QgsApplication.processingRegistry()
    added = SpatiotemporalSSLProvider()
    assert registry.addProvider(added)
    yield added
    registry.removeProvider(added)


def _point_labels(labels_raster: str, out: str) -> str:
    """The labelled pixels of a class raster as points with a 'class' field (Processing takes vector labels)."""
    with rasterio.open(labels_raster) as src:
        codes, transform, crs = src.read(1), src.transform, src.crs.to_string()
    rows, cols = np.nonzero(codes)
    return write_labels(out, [pixel_point(r, c, transform) for r, c in zip(rows, cols)],
                        [int(codes[r, c]) for r, c in zip(rows, cols)], crs=crs)


def test_classify_takes_a_raster_or_a_series_not_both(provider, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="either the raster to classify or the dates"):
        processing.run("spatiotemporal_ssl:classify_raster", {"MODEL": str(tmp_path / "m.pt"),
                                                               "OUTPUT": str(tmp_path / "x.tif")})


@needs_shared
def test_processing_trains_and_classifies_a_series(provider, tmp_path, monkeypatch):
    import processing

    monkeypatch.setenv("STSSL_PRESTO_WEIGHTS", WEIGHTS)
    paths, singles = _split_stack(tmp_path)
    labels = _point_labels(paths["labels"], str(tmp_path / "labels.gpkg"))
    model_path = str(tmp_path / "series.pt")
    result = processing.run("spatiotemporal_ssl:train_model", {
        "RASTERS": singles, "SERIES": True, "LABELS": labels, "CLASS_FIELD": "class",
        "BACKBONE": option("backbone").values.index("presto"), "TILE_SIZE": 1, "STEPS": 3, "BATCH_SIZE": 8,
        "DEVICE": "cpu", "OUTPUT_MODEL": model_path})
    assert result["OUTPUT_MODEL"] == model_path and os.path.isfile(model_path)
    from spatiotemporal_ssl.core.app.modelfile import load_model

    assert load_model(model_path, device="cpu").presto_spec["timesteps"] == len(singles)
    out = str(tmp_path / "classes.tif")
    result = processing.run("spatiotemporal_ssl:classify_raster", {
        "MODEL": model_path, "SERIES": singles, "DEVICE": "cpu", "OUTPUT": out, "CONFIDENCE": None})
    with rasterio.open(result["OUTPUT"]) as classes:
        assert classes.read(1).shape == (12, 12)

    with pytest.raises(QgsProcessingException, match="not on the grid"):
        shifted = str(tmp_path / "shifted_2016-01-01.tif")
        with rasterio.open(singles[0]) as src:
            profile, data = src.profile, src.read()
        with rasterio.open(shifted, "w", **dict(profile, transform=profile["transform"] @ rasterio.Affine.translation(
                1, 0))) as dst:
            dst.write(data)
        processing.run("spatiotemporal_ssl:train_model", {
            "RASTERS": [*singles, shifted], "SERIES": True, "LABELS": labels, "CLASS_FIELD": "class",
            "BACKBONE": option("backbone").values.index("presto"), "TILE_SIZE": 1, "STEPS": 1,
            "DEVICE": "cpu", "OUTPUT_MODEL": str(tmp_path / "never.pt")})


def test_dock_series_box_stacks_the_ticked_rasters(dock, project, tmp_path):
    from qgis.core import QgsRasterLayer

    from test_series_stack import _series

    for path in _series(tmp_path):
        project.addMapLayer(QgsRasterLayer(path, os.path.basename(path)))
    folder = str(tmp_path / "out")
    os.makedirs(folder)
    assert dock.imagery.series_stack(folder, "series.vrt") is None  # unticked: the rasters stay separate
    dock.imagery.series.setChecked(True)
    stack = dock.imagery.series_stack(folder, "series.vrt")
    assert stack.path == os.path.join(folder, "series.vrt") and stack.layout.dates == (
        "2021-03-10", "2021-04-10", "2021-05-10")
