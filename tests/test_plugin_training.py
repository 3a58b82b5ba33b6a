# SPDX-License-Identifier: GPL-2.0-or-later
"""Train from the dock: real training steps in the worker thread, the result as layers, cancel, bad inputs."""
from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from conftest import SAMPLE_LABELS, SAMPLE_RASTER, bar_texts, label_tiles

from qgis.core import (
    QgsCategorizedSymbolRenderer, QgsCoordinateReferenceSystem, QgsFillSymbol, QgsPalettedRasterRenderer, QgsRasterLayer, QgsRendererCategory,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt, QTimer

from spatiotemporal_ssl.core.params import ClassSpec

# A 200 x 170 px window of the sample with forest, water, herbaceous, shrubland and sediment polygons: big
# enough for every class to have labelled tiles, small enough to classify in seconds.
CROP_WINDOW = (150, 150, 200, 170)  # x offset, y offset, width, height (pixels)
SAMPLE_CLASSES = [("developed", "#fa0000"), ("agriculture", "#f096ff"), ("herbaceous", "#ffff4c"),
                  ("shrubland", "#ffbb22"), ("forest", "#006400"), ("water", "#0064c8"), ("sediment", "#b4b4b4")]


@pytest.fixture(scope="module")
def crop_path(tmp_path_factory):
    from osgeo import gdal

    path = str(tmp_path_factory.mktemp("crop") / "raleigh_crop.tif")
    gdal.Translate(path, SAMPLE_RASTER, srcWin=list(CROP_WINDOW))
    return path


def crop_without_crs(tmp_path) -> str:
    """The sample's crop window as a GeoTIFF without a CRS (what gdal_edit.py -unsetsrs does)."""
    from osgeo import gdal

    path = str(tmp_path / "no_crs.tif")
    gdal.Translate(path, SAMPLE_RASTER, srcWin=list(CROP_WINDOW))
    ds = gdal.Open(path, gdal.GA_Update)
    ds.SetProjection("")
    ds = None
    return path


@pytest.fixture
def ready_dock(dock, project, crop_path, tmp_path):
    """Dock set up as a user would: the cropped scene ticked, the sample's labels with a categorised style
    imported as the palette, tiles of 4 px, a few steps, outputs in a temporary folder."""
    raster = QgsRasterLayer(crop_path, "raleigh crop")
    project.addMapLayer(raster)
    labels_copy = str(tmp_path / "raleigh_labels.gpkg")
    shutil.copy(SAMPLE_LABELS, labels_copy)
    labels = QgsVectorLayer(labels_copy, "sample labels", "ogr")
    categories = [QgsRendererCategory(name, QgsFillSymbol.createSimple({"color": color}), name)
                  for name, color in SAMPLE_CLASSES]
    labels.setRenderer(QgsCategorizedSymbolRenderer("label", categories))
    project.addMapLayer(labels)
    assert dock.classes.import_from_layer(labels)
    dock.labels.set_label_layer(labels, "label")
    dock.options.tile_size.setValue(4)
    dock.options.steps.setValue(12)
    dock.options.batch_size.setValue(16)
    dock.options.device.setCurrentIndex(dock.options.device.findData("cpu"))
    dock.options.set_output_dir(str(tmp_path / "out"))
    dock.labels.update_counts()
    return dock


def test_dock_counts_labelled_tiles_per_class(ready_dock, crop_path):
    """The dock counts tiles as the engine labels them (pixel-centre rule, at least half covered).

    Up to one tile per class may differ: QGIS and pyproj may pick different NAD83(HARN) -> NAD83 operations
    (with or without the grid shift), which moves polygon edges by centimetres across a pixel centre.
    """
    from spatiotemporal_ssl.core.data.dataset import build_tileset
    from spatiotemporal_ssl.core.params import RasterInput

    dock = ready_dock
    names = {spec.value: spec.name for spec in dock.classes.palette()}
    counts = {names[v]: n for v, n in dock.labels.counts.items() if n}
    tiles, classes, _ = build_tileset([RasterInput(crop_path)], SAMPLE_LABELS, "label", 4)
    engine = {c.name: int((tiles.labels[tiles.labeled] == k).sum()) for k, c in enumerate(classes)}
    engine = {name: n for name, n in engine.items() if n}
    assert set(counts) == set(engine) == {"forest", "herbaceous", "water", "shrubland", "sediment"}
    assert all(abs(counts[name] - engine[name]) <= 1 for name in engine), (counts, engine)
    assert counts["forest"] == 19 and counts["herbaceous"] == 19
    assert dock.labels.unlabelled == 50 * 43 - sum(counts.values())  # ceil(200/4) x ceil(170/4) tiles


@pytest.mark.slow
def test_train_runs_in_worker_and_adds_paletted_layer(ready_dock, project, qtbot):
    dock = ready_dock
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    progress = []
    dock.controller.panel.plot.clear()
    started = time.monotonic()
    with qtbot.waitSignal(dock.controller.jobFinished, timeout=600_000) as finished:
        qtbot.mouseClick(dock.run.train_button, Qt.MouseButton.LeftButton)
        assert dock.controller.is_running()
        job = dock.controller.job
        job.progress.connect(progress.append)
        assert not dock.run.train_button.isEnabled() and dock.run.cancel_button.isEnabled()
    elapsed = time.monotonic() - started
    timer.stop()

    # The work ran in another thread while the GUI thread kept serving its event loop.
    assert job.thread_id is not None and job.thread_id != threading.get_ident()
    assert len(ticks) > 0.3 * elapsed / 0.02
    assert max(b - a for a, b in zip(ticks, ticks[1:])) < 2.0

    result = finished.args[0]
    train = result.train_result
    assert not train.cancelled and train.steps_done == 12
    assert os.path.exists(result.model_path) and dock.run.model_file.filePath() == result.model_path
    assert any(getattr(p, "phase", "") == "training" for p in progress)
    assert dock.run.plot.series  # live curves were drawn
    assert "Validation accuracy" in dock.run.report.toPlainText()
    assert "Confusion matrix" in dock.run.report.toPlainText()

    # The land-cover map is in the project, in a group, drawn with the palette's classes.
    groups = project.layerTreeRoot().children()
    assert groups[0].name().startswith("Land cover: raleigh crop")
    land_cover = groups[0].findLayers()[0].layer()
    renderer = land_cover.renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    palette = {spec.name: spec for spec in dock.classes.palette()}
    # Every class of the label layer, in palette order (the model file keeps them; classes without a
    # labelled tile in the crop, like 'developed', stay in the table so the labels still match).
    assert [c.label for c in renderer.classes()] == [name for name, _ in SAMPLE_CLASSES]
    assert [c.name for c in result.model_classes] == [name for name, _ in SAMPLE_CLASSES]
    for cls in renderer.classes():
        assert cls.value == palette[cls.label].value
        assert (cls.color.red(), cls.color.green(), cls.color.blue()) == palette[cls.label].color
    assert os.path.exists(os.path.splitext(land_cover.source())[0] + ".qml")  # the style travels with the file
    assert [layer.layer().name() for layer in groups[0].findLayers()] == ["Land cover", "Confidence"]
    # The classified values are classes of the palette (nodata aside).
    stats = land_cover.dataProvider().bandStatistics(1)
    assert stats.minimumValue >= 1 and stats.maximumValue <= 7
    assert "Model saved" in " ".join(bar_texts(dock.message_bar))

    # Predict, from its own button, runs the saved model on a raster layer (here the same scene again).
    dock.run.predict_layer.setLayer(project.mapLayersByName("raleigh crop")[0])
    with qtbot.waitSignal(dock.controller.jobFinished, timeout=600_000) as predicted:
        qtbot.mouseClick(dock.run.predict_button, Qt.MouseButton.LeftButton)
    assert predicted.args[0].train_result is None and len(predicted.args[0].predictions) == 1
    groups = project.layerTreeRoot().findGroups()
    assert len(groups) == 2 and groups[0].name() != groups[1].name()  # two runs, two names (raster, model, time)
    again = groups[0].findLayers()[0].layer()
    assert again.source() != land_cover.source()  # a new file: nothing was overwritten
    assert [c.label for c in again.renderer().classes()] == [name for name, _ in SAMPLE_CLASSES]


@pytest.mark.slow
def test_cancel_stops_the_worker(ready_dock, project, qtbot):
    dock = ready_dock
    dock.options.steps.setValue(100_000)
    training_steps = []

    def on_progress(p):
        if getattr(p, "phase", "") == "training":
            training_steps.append(p.step)
            dock.run.cancel_button.click()  # as soon as training runs, the user clicks Cancel

    with qtbot.waitSignal(dock.controller.jobFinished, timeout=600_000) as finished:
        assert dock.train()
        dock.controller.job.progress.connect(on_progress)
    result = finished.args[0]
    assert result.cancelled and result.train_result.cancelled
    assert result.train_result.steps_done < 100_000
    assert result.train_result.steps_done <= training_steps[0] + 1  # stopped within one step of the click
    assert os.path.exists(result.model_path)  # a usable checkpoint was kept
    assert result.predictions == []  # no map after a cancel
    assert not dock.controller.is_running() and dock.run.train_button.isEnabled()
    assert project.layerTreeRoot().findGroups() == []


def test_no_labels_shows_message_and_starts_nothing(dock, project, crop_path, tmp_path, message_bar):
    project.addMapLayer(QgsRasterLayer(crop_path, "raleigh crop"))
    dock.labels.create_layer(str(tmp_path / "empty.gpkg"))
    assert not dock.train()
    assert not dock.controller.is_running() and dock.controller.job is None
    assert "No labelled tiles yet" in bar_texts(message_bar)[-1]


def test_one_class_shows_message_and_starts_nothing(dock, project, crop_path, tmp_path, message_bar):
    raster = QgsRasterLayer(crop_path, "raleigh crop")
    project.addMapLayer(raster)
    dock.options.tile_size.setValue(8)
    label_tiles(dock, tmp_path / "one.gpkg", [(2, col, ClassSpec(10, "Tree cover", (0, 100, 0))) for col in range(4)])
    assert not dock.train()
    assert dock.controller.job is None
    assert "Only one class ('Tree cover')" in bar_texts(message_bar)[-1]


def test_crs_set_in_qgis_reaches_the_engine(dock, project, tmp_path):
    """A file without a CRS whose CRS the user set in QGIS: the engine reads it through a VRT with that CRS."""
    import rasterio

    path = crop_without_crs(tmp_path)
    layer = QgsRasterLayer(path, "crs set by user")
    layer.setCrs(QgsCoordinateReferenceSystem("EPSG:32119"))
    project.addMapLayer(layer)
    dock.options.set_output_dir(str(tmp_path / "out"))
    label_tiles(dock, tmp_path / "labels.gpkg", [(1, 1, ClassSpec(10, "Tree cover", (0, 100, 0))), (2, 2, ClassSpec(80, "Permanent water bodies", (0, 100, 200)))])
    request, specs, classes = dock.build_train_request()
    assert [c.value for c in classes] == [10, 80]
    engine_path = request.rasters[0].path
    assert engine_path.endswith(".vrt") and specs[0].raster_path == engine_path
    with rasterio.open(engine_path) as src:
        assert src.crs.to_epsg() == 32119 and (src.width, src.height) == (200, 170)


def test_raster_without_crs_shows_message_and_starts_nothing(dock, project, tmp_path, message_bar):
    path = crop_without_crs(tmp_path)
    layer = QgsRasterLayer(path, "no crs")
    # Depending on the user's settings QGIS may fill in the project CRS; here the user has not set one.
    layer.setCrs(QgsCoordinateReferenceSystem())
    project.addMapLayer(layer)
    dock.labels.create_layer(str(tmp_path / "labels.gpkg"))
    assert not dock.train()
    assert dock.controller.job is None
    assert "raster 'no crs' has no CRS" in bar_texts(message_bar)[-1]
    assert "Layer Properties" in bar_texts(message_bar)[-1]


def test_engine_error_comes_back_as_message_not_traceback(dock, project, tmp_path, message_bar, qtbot):
    """An input only the engine can judge (a complex-valued raster): the worker fails, and the user gets the
    engine's message in the message bar and the log panel, and Train is available again."""
    import numpy as np
    from osgeo import gdal, osr
    from qgis.core import Qgis, QgsApplication

    path = str(tmp_path / "complex.tif")
    ds = gdal.GetDriverByName("GTiff").Create(path, 40, 40, 1, gdal.GDT_CFloat32)
    ds.SetGeoTransform((630000.0, 28.5, 0.0, 230000.0, 0.0, -28.5))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32119)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(np.ones((40, 40), dtype=np.complex64))
    ds = None
    project.addMapLayer(QgsRasterLayer(path, "complex"))
    dock.options.tile_size.setValue(8)
    dock.options.set_output_dir(str(tmp_path / "out"))
    label_tiles(dock, tmp_path / "labels.gpkg", [(0, 0, ClassSpec(10, "Tree cover", (0, 100, 0))), (1, 1, ClassSpec(80, "Permanent water bodies", (0, 100, 200)))])
    logged = []
    QgsApplication.messageLog().messageReceived.connect(lambda text, tag, level: logged.append((text, tag, level)))
    with qtbot.waitSignal(dock.controller.jobFailed, timeout=120_000) as failed:
        assert dock.train()
    assert "complex.tif" in failed.args[0] and "not supported" in failed.args[0]
    item = message_bar.items()[-1]
    assert item.level() == Qgis.MessageLevel.Critical and "complex.tif" in item.text()
    assert any(tag == "Spatiotemporal SSL" and "complex.tif" in text for text, tag, _ in logged)
    assert "Traceback" not in item.text()
    assert dock.run.train_button.isEnabled() and not dock.controller.is_running()


def test_report_without_validation_names_the_tiles_a_class_needs(qgis_app):
    import types

    import torch

    from spatiotemporal_ssl.core.app.pipeline import _validation_report
    from spatiotemporal_ssl.plugin.results import report_html

    # What train_model reports when every class has too few labelled tiles to hold any out.
    data = types.SimpleNamespace(val_images=torch.zeros(0, 3, 4, 4))
    classes = [ClassSpec(1, "crop", (255, 255, 0)), ClassSpec(2, "forest", (0, 128, 0))]
    text = report_html(_validation_report(None, data, classes, False, 0.25), "m.pt")
    assert "at least 2 of its tiles" in text and "fraction of 25 % that takes 6 labelled tiles" in text
    assert "Validation accuracy" not in text
    # Multi-label hold-out is not per class, so no per-class count is claimed.
    text = report_html(_validation_report(None, data, classes, True, 0.25), "m.pt")
    assert "No labelled tiles were held out" in text and "of a class" not in text and "A class" not in text


def test_cancel_messages_come_from_the_engine_classes_not_their_names():
    from spatiotemporal_ssl.core.errors import PredictionCancelled, TrainingCancelled
    from spatiotemporal_ssl.plugin.worker import user_message

    assert user_message(PredictionCancelled("prediction cancelled; no output was written")) == (
        "prediction cancelled; no output was written")
    assert user_message(TrainingCancelled()) == "cancelled"
    namesake = type("PredictionCancelled", (RuntimeError,), {})("boom")  # another library's class of that name
    assert user_message(namesake) == "PredictionCancelled: boom"
