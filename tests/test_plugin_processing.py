# SPDX-License-Identifier: GPL-2.0-or-later
"""The Processing algorithms run through processing.run, report progress and honour cancel."""
from __future__ import annotations

import os

import pytest
from conftest import SAMPLE_LABELS, SAMPLE_RASTER
from qgis_helpers import Feedback

from qgis.core import (
    QgsApplication, QgsProcessingException, QgsRasterLayer,
)

CROP_WINDOW = (150, 150, 200, 170)


@pytest.fixture
def provider(qgis_app):
    from spatiotemporal_ssl.plugin.processing.provider import SpatiotemporalSSLProvider

    registry = QgsApplication.processingRegistry()
    added = SpatiotemporalSSLProvider()
    assert registry.addProvider(added)
    yield added
    registry.removeProvider(added)


@pytest.fixture(scope="module")
def crop(tmp_path_factory):
    from osgeo import gdal

    path = str(tmp_path_factory.mktemp("crop") / "raleigh_crop.tif")
    gdal.Translate(path, SAMPLE_RASTER, srcWin=list(CROP_WINDOW))
    return path


class RecordingFeedback(Feedback):
    def __init__(self, cancel_at_step=None):
        super().__init__()
        self.progress_values = []
        self.texts = []
        self.cancel_at_step = cancel_at_step
        self.progressChanged.connect(self.progress_values.append)

    def setProgressText(self, text):  # noqa: N802
        self.texts.append(text)
        if self.cancel_at_step is not None and text.startswith("step "):
            self.cancel()
        super().setProgressText(text)


def test_algorithms_are_listed_with_batch_friendly_parameters(provider):
    train = QgsApplication.processingRegistry().algorithmById("spatiotemporal_ssl:train_model")
    classify = QgsApplication.processingRegistry().algorithmById("spatiotemporal_ssl:classify_raster")
    assert train.displayName() == "Train Spatiotemporal SSL model"
    assert classify.displayName() == "Classify raster with model"
    # Every output is a destination parameter or an output, as the modeller and batch mode need.
    assert {p.name() for p in train.destinationParameterDefinitions()} == {"OUTPUT_MODEL"}
    assert {p.name() for p in classify.destinationParameterDefinitions()} == {"OUTPUT", "CONFIDENCE", "TEACHER"}
    ok, _ = train.canExecute()
    assert ok


@pytest.mark.slow
def test_train_then_classify_through_processing_run(provider, crop, tmp_path):
    import processing

    model_path = str(tmp_path / "model.pt")
    feedback = RecordingFeedback()
    result = processing.run("spatiotemporal_ssl:train_model", {
        "RASTERS": [crop], "LABELS": SAMPLE_LABELS, "CLASS_FIELD": "label", "METHOD": 0, "METADATA": 2,
        "TILE_SIZE": 4, "STEPS": 8, "BATCH_SIZE": 16, "DEVICE": "cpu", "OUTPUT_MODEL": model_path,
    }, feedback=feedback)
    assert result["OUTPUT_MODEL"] == model_path and os.path.exists(model_path)
    assert 0.0 <= result["ACCURACY"] <= 1.0
    assert feedback.progress_values and max(feedback.progress_values) == pytest.approx(100.0)
    assert any(t.startswith("step 8/8") for t in feedback.texts)
    assert any("of the unlabelled tiles lie farther from every label than" in t
               for t in feedback.infos + feedback.warnings)

    out = str(tmp_path / "classes.tif")
    conf = str(tmp_path / "confidence.tif")
    feedback = RecordingFeedback()
    result = processing.run("spatiotemporal_ssl:classify_raster", {
        "MODEL": model_path, "INPUT": crop, "DEVICE": "cpu", "RESOLUTION": 1, "OUTPUT": out, "CONFIDENCE": conf,
    }, feedback=feedback)
    assert result["OUTPUT"] == out and result["CONFIDENCE"] == conf
    layer = QgsRasterLayer(out, "classes")
    assert layer.isValid()
    # The sidecar style gives QGIS the model's classes as a paletted legend.
    assert layer.renderer().type() == "paletted"
    labels = [c.label for c in layer.renderer().classes()]
    assert {"forest", "water", "herbaceous"} <= set(labels)
    assert max(feedback.progress_values) == pytest.approx(100.0)


@pytest.mark.slow
def test_train_cancel_through_feedback(provider, crop, tmp_path):
    import processing

    model_path = str(tmp_path / "model.pt")
    feedback = RecordingFeedback(cancel_at_step=True)
    result = processing.run("spatiotemporal_ssl:train_model", {
        "RASTERS": [crop], "LABELS": SAMPLE_LABELS, "CLASS_FIELD": "label", "TILE_SIZE": 4, "STEPS": 100000,
        "BATCH_SIZE": 16, "DEVICE": "cpu", "OUTPUT_MODEL": model_path,
    }, feedback=feedback)
    assert feedback.isCanceled()
    assert os.path.exists(result["OUTPUT_MODEL"])  # the best model so far was kept


def test_bad_input_is_a_processing_error_without_traceback(provider, crop, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException) as raised:
        processing.run("spatiotemporal_ssl:classify_raster", {
            "MODEL": SAMPLE_LABELS, "INPUT": crop, "OUTPUT": str(tmp_path / "x.tif")})
    assert "raleigh_labels.gpkg" in str(raised.value)
    assert "Traceback" not in str(raised.value)


@pytest.mark.slow
def test_train_and_classify_chain_in_the_graphical_modeller(provider, crop, tmp_path):
    """A model built as in the graphical modeller: the trained model file feeds the classify step."""
    import processing
    from qgis.core import (
        QgsProcessingModelAlgorithm, QgsProcessingModelChildAlgorithm, QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput, QgsProcessingModelParameter, QgsProcessingParameterMultipleLayers,
        QgsProcessingParameterRasterLayer, QgsProcessingParameterVectorLayer, QgsProcessing,
    )

    model = QgsProcessingModelAlgorithm("land cover from labels", "tests")
    for definition in (QgsProcessingParameterMultipleLayers("rasters", "Rasters", QgsProcessing.SourceType.TypeRaster),
                       QgsProcessingParameterVectorLayer("labels", "Labels"),
                       QgsProcessingParameterRasterLayer("target", "Raster to map")):
        model.addModelParameter(definition, QgsProcessingModelParameter(definition.name()))

    train = QgsProcessingModelChildAlgorithm("spatiotemporal_ssl:train_model")
    train.setChildId("train")
    train.addParameterSources("RASTERS", [QgsProcessingModelChildParameterSource.fromModelParameter("rasters")])
    train.addParameterSources("LABELS", [QgsProcessingModelChildParameterSource.fromModelParameter("labels")])
    for name, value in (("CLASS_FIELD", "label"), ("TILE_SIZE", 4), ("STEPS", 6), ("BATCH_SIZE", 16), ("DEVICE", "cpu"),
                        ("OUTPUT_MODEL", str(tmp_path / "chained.pt"))):
        train.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    model.addChildAlgorithm(train)

    classify = QgsProcessingModelChildAlgorithm("spatiotemporal_ssl:classify_raster")
    classify.setChildId("classify")
    classify.addParameterSources("MODEL", [QgsProcessingModelChildParameterSource.fromChildOutput("train", "OUTPUT_MODEL")])
    classify.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("target")])
    for name, value in (("DEVICE", "cpu"), ("RESOLUTION", 1)):
        classify.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    land_cover = QgsProcessingModelOutput("land_cover")
    land_cover.setChildOutputName("OUTPUT")
    classify.setModelOutputs({"land_cover": land_cover})
    model.addChildAlgorithm(classify)

    out = str(tmp_path / "chained_classes.tif")
    result = processing.run(model, {"rasters": [crop], "labels": SAMPLE_LABELS, "target": crop,
                                    "classify:land_cover": out})
    assert os.path.exists(str(tmp_path / "chained.pt"))
    assert result["classify:land_cover"] == out
    layer = QgsRasterLayer(out, "chained")
    assert layer.isValid() and layer.renderer().type() == "paletted"
