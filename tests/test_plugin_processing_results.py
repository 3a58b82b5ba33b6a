# SPDX-License-Identifier: GPL-2.0-or-later
"""Processing's "Classify raster with model", as the desktop runs it: results loaded with their styles, outputs
kept out of training, and a differently scaled raster refused unless forced."""
from __future__ import annotations

import os

import pytest
from crop_model import train_crop_model, write_rescaled, write_window

from qgis.core import (
    QgsApplication, QgsPalettedRasterRenderer, QgsProcessingException, QgsRasterLayer,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtCore import Qt
from qgis_helpers import Feedback, tick_raster


@pytest.fixture
def provider(qgis_app):
    from spatiotemporal_ssl.plugin.processing.provider import SpatiotemporalSSLProvider

    registry = QgsApplication.processingRegistry()
    added = SpatiotemporalSSLProvider()
    assert registry.addProvider(added)
    yield added
    registry.removeProvider(added)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    return train_crop_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def crop(tmp_path_factory):
    return write_window(tmp_path_factory.mktemp("crop") / "raleigh_crop.tif")


def classify_and_load(model_path, raster, out_dir, **extra):
    import processing

    params = {"MODEL": model_path, "INPUT": raster, "DEVICE": "cpu", "RESOLUTION": 1,
              "OUTPUT": str(out_dir / "classes.tif"), "CONFIDENCE": str(out_dir / "confidence.tif"), **extra}
    feedback = Feedback()
    return processing.runAndLoadResults("spatiotemporal_ssl:classify_raster", params, feedback=feedback), feedback


def test_loaded_results_have_the_model_palette_and_the_confidence_ramp(provider, project, model_path, crop, tmp_path):
    """§1.1: "Open output file after running" used to show raw values 0..255 (8-255 black) and a grey confidence."""
    from spatiotemporal_ssl.core.app.modelfile import read_model_blob

    result, feedback = classify_and_load(model_path, crop, tmp_path)
    classes = read_model_blob(model_path)["config"]["classes"]
    layers = {layer.source(): layer for layer in project.mapLayers().values()}
    class_map, confidence = layers[result["OUTPUT"]], layers[result["CONFIDENCE"]]

    renderer = class_map.renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    # One legend entry per class of the model, with its name and colour: not the file's 256-entry colour table.
    assert [(c.value, c.label) for c in renderer.classes()] == [(c["value"], c["name"]) for c in classes]
    assert [c.color.getRgb()[:3] for c in renderer.classes()] == [tuple(c["color"][:3]) for c in classes]
    assert class_map.legendSymbologyItems()[0][0] == classes[0]["name"]

    ramp = confidence.renderer()
    assert isinstance(ramp, QgsSingleBandPseudoColorRenderer)
    assert (ramp.classificationMin(), ramp.classificationMax()) == (0.0, 1.0)
    # Both are the plugin's outputs: never offered for training.
    from spatiotemporal_ssl.plugin.training_choice import is_plugin_output

    assert is_plugin_output(class_map) and is_plugin_output(confidence)
    assert any("unclassified" in text or "Every pixel" in text for text in feedback.infos)


def test_temporary_outputs_are_styled_too(provider, project, model_path, crop, tmp_path):
    result, _ = classify_and_load(model_path, crop, tmp_path, OUTPUT="TEMPORARY_OUTPUT",
                                  CONFIDENCE="TEMPORARY_OUTPUT")
    layers = {layer.source(): layer for layer in project.mapLayers().values()}
    assert layers[result["OUTPUT"]].renderer().type() == "paletted"
    assert layers[result["CONFIDENCE"]].renderer().type() == "singlebandpseudocolor"


def test_processing_outputs_added_to_the_project_are_not_ticked_for_training(provider, project, dock, model_path,
                                                                             crop, tmp_path, qtbot):
    """§1.2: after a Processing classify, Train used to fail ("... has 6 bands but ..._classes.tif has 1")."""
    import processing

    scene = QgsRasterLayer(crop, "raleigh crop")
    project.addMapLayer(scene)
    assert [layer.name() for layer in dock.imagery.checked_layers()] == ["raleigh crop"]

    result, _ = classify_and_load(model_path, crop, tmp_path)
    # The plugin's own maps are not even listed.
    listed = {layer.source() for layer in dock.imagery.raster_layers()}
    assert result["OUTPUT"] not in listed and result["CONFIDENCE"] not in listed

    # Another algorithm's output (one float band) is listed, but left unticked, and says why.
    extent = scene.extent()
    processing.runAndLoadResults("native:createconstantrasterlayer", {
        "EXTENT": f"{extent.xMinimum()},{extent.xMaximum()},{extent.yMinimum()},{extent.yMaximum()} [EPSG:32119]",
        "TARGET_CRS": "EPSG:32119", "PIXEL_SIZE": 28.5, "NUMBER": 1, "OUTPUT_TYPE": 5,
        "OUTPUT": str(tmp_path / "constant.tif")})
    constant = [layer for layer in dock.imagery.raster_layers() if layer.source() == str(tmp_path / "constant.tif")]
    assert len(constant) == 1
    row = [dock.imagery.table.item(r, 0).text() for r in range(dock.imagery.table.rowCount())].index(constant[0].name())
    item = dock.imagery.table.item(row, 0)
    assert item.checkState() == Qt.CheckState.Unchecked
    assert "1 band, float32" in item.toolTip() and "6 bands, uint8" in item.toolTip()

    # A raster of the same kind as the ticked one (another copy of the scene) is ticked.
    copy = QgsRasterLayer(write_window(tmp_path / "second.tif"), "second scene")
    project.addMapLayer(copy)
    assert sorted(layer.name() for layer in dock.imagery.checked_layers()) == ["raleigh crop", "second scene"]
    text = dock.imagery.summary.text()
    assert "2 raster(s)" in text and "raleigh crop (6 bands, uint8, EPSG:32119)" in text and "constant" not in text

    # So the request the dock builds trains on the scenes only.
    tick_raster(dock.imagery, copy.id(), False)
    assert [r.path for r in dock.imagery.raster_inputs()] == [crop]


def test_single_band_class_raster_is_never_ticked_even_alone(project, dock, tmp_path):
    from osgeo import gdal

    path = str(tmp_path / "classes.tif")
    gdal.Translate(path, write_window(tmp_path / "src.tif"), bandList=[1])
    ds = gdal.Open(path, gdal.GA_Update)
    table = gdal.ColorTable()
    table.SetColorEntry(1, (0, 100, 0, 255))
    ds.GetRasterBand(1).SetRasterColorTable(table)
    ds = None
    project.addMapLayer(QgsRasterLayer(path, "a class map"))
    assert dock.imagery.checked_layers() == []
    assert "class raster" in dock.imagery.table.item(0, 0).toolTip()
    assert "No raster is ticked" in dock.imagery.summary.text()


def test_rescaled_raster_is_refused_unless_forced(provider, project, model_path, tmp_path):
    """§1.3 in Processing: a warning that names the bands, and a parameter to classify anyway."""
    rescaled = write_rescaled(tmp_path / "rescaled_uint16.tif")
    with pytest.raises(QgsProcessingException) as refused:
        classify_and_load(model_path, rescaled, tmp_path)
    text = str(refused.value)
    assert "rescaled_uint16" in text and "band 1 (B1)" in text and "band 6 (B7)" in text and "Nothing was written" in text
    assert not os.path.exists(tmp_path / "classes.tif")

    result, feedback = classify_and_load(model_path, rescaled, tmp_path, FORCE=True)
    assert os.path.exists(result["OUTPUT"])
    assert any("far outside the training range" in text for text in feedback.warnings)
