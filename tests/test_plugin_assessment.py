# SPDX-License-Identifier: GPL-2.0-or-later
"""The accuracy assessment algorithms through processing.run on real QGIS: sample, label, assess."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import shapely
from qgis.core import NULL, QgsApplication, QgsFeature, QgsGeometry, QgsPointXY, QgsProcessingException, QgsVectorLayer

from rasters import pixel_point, to_crs, write_labels, write_raster

NAMES = {1: "forest", 2: "water"}


@pytest.fixture
def provider(qgis_app):
    from spatiotemporal_ssl.plugin.processing.provider import SpatiotemporalSSLProvider

    registry = QgsApplication.processingRegistry()
    added = SpatiotemporalSSLProvider()
    assert registry.addProvider(added)
    yield added
    registry.removeProvider(added)


@pytest.fixture
def class_map(tmp_path):
    grid = np.ones((20, 20), dtype=np.uint8)
    grid[:, 12:] = 2
    grid[0, 0] = 0  # one nodata pixel
    tags = {"CLASS_NAMES": json.dumps({str(k): v for k, v in NAMES.items()})}
    return write_raster(tmp_path / "classes.tif", grid, nodata=0, tags=tags)


def test_assessment_algorithms_are_listed(provider):
    registry = QgsApplication.processingRegistry()
    sample = registry.algorithmById("spatiotemporal_ssl:create_validation_sample")
    assess = registry.algorithmById("spatiotemporal_ssl:assess_accuracy")
    assert sample.displayName() == "Create validation sample" and sample.group() == "Accuracy assessment"
    assert assess.displayName() == "Assess map accuracy (Olofsson et al. 2014)"
    assert {p.name() for p in sample.destinationParameterDefinitions()} == {"OUTPUT"}
    assert {p.name() for p in assess.destinationParameterDefinitions()} == {"OUTPUT_CSV", "OUTPUT_HTML"}
    assert assess.canExecute()[0] and sample.canExecute()[0]


def test_sample_label_and_assess_through_processing_run(provider, class_map, tmp_path):
    import processing

    out = str(tmp_path / "sample.gpkg")
    result = processing.run("spatiotemporal_ssl:create_validation_sample", {
        "INPUT": class_map, "MODE": 1, "EXPECTED_UA": "forest=0.9, 0.7", "TARGET_SE": 0.05, "MIN_PER_CLASS": 20,
        "SEED": 4, "OUTPUT": out})
    assert result["OUTPUT"] == out
    points = QgsVectorLayer(out, "sample")
    assert points.isValid() and points.featureCount() == result["POINTS"] >= 40
    assert points.crs().authid() == "EPSG:32617"
    assert [f.name() for f in points.fields()][-3:] == ["map_class", "map_name", "reference"]
    assert all(f["reference"] == NULL for f in points.getFeatures())  # nothing labelled yet

    # Label in QGIS as a user would (here: the map is right except for the first three points), in a memory
    # layer in another CRS, which Processing has to hand to the engine as a file.
    labelled = QgsVectorLayer("Point?crs=EPSG:4326&field=truth:string", "labelled", "memory")
    features = []
    for i, f in enumerate(points.getFeatures()):
        p = f.geometry().asPoint()
        (q,) = to_crs([shapely.Point(p.x(), p.y())], "EPSG:32617", "EPSG:4326")
        g = QgsFeature(labelled.fields())
        g.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(q.x, q.y)))
        name = f["map_name"] if i >= 3 else ("water" if f["map_class"] == 1 else "forest")
        g.setAttribute("truth", name)
        features.append(g)
    assert labelled.dataProvider().addFeatures(features)[0]

    csv_out, html_out = str(tmp_path / "acc.csv"), str(tmp_path / "acc.html")
    result = processing.run("spatiotemporal_ssl:assess_accuracy", {
        "INPUT": class_map, "REFERENCE": labelled, "CLASS_FIELD": "truth", "OUTPUT_CSV": csv_out,
        "OUTPUT_HTML": html_out})
    n = points.featureCount()
    assert result["SAMPLE_UNITS"] == n
    assert result["SAMPLE_ACCURACY"] == pytest.approx((n - 3) / n)
    assert 0.0 < result["OVERALL_ACCURACY"] < 1.0 and result["OVERALL_ACCURACY_CI"] > 0.0
    assert result["OUTPUT_CSV"] == csv_out and os.path.getsize(csv_out) > 0
    assert "<svg" in open(html_out, encoding="utf-8").read()


def test_assessment_errors_are_processing_errors_without_traceback(provider, class_map, tmp_path):
    import processing

    far = write_labels(tmp_path / "far.gpkg", to_crs([pixel_point(5000, 5000)], "EPSG:32617", "EPSG:4326"), [1],
                       crs="EPSG:4326")
    with pytest.raises(QgsProcessingException) as raised:
        processing.run("spatiotemporal_ssl:assess_accuracy", {
            "INPUT": class_map, "REFERENCE": far, "CLASS_FIELD": "class", "OUTPUT_CSV": str(tmp_path / "a.csv")})
    assert "lies on map 'classes.tif'" in str(raised.value) and "Traceback" not in str(raised.value)
    with pytest.raises(QgsProcessingException) as raised:
        processing.run("spatiotemporal_ssl:create_validation_sample", {
            "INPUT": class_map, "MODE": 1, "EXPECTED_UA": "meadow=0.9", "OUTPUT": str(tmp_path / "s.gpkg")})
    assert "class 'meadow' is not in map" in str(raised.value)
