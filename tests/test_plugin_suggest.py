# SPDX-License-Identifier: GPL-2.0-or-later
"""Suggested tiles in the dock: after a real training run, ranked on the map; Next suggestion; labelling removes."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import bar_texts, click, label_tiles, show_canvas_on

from qgis.core import QgsRasterLayer
from qgis.PyQt.QtCore import Qt

from spatiotemporal_ssl.tests.rasters import write_raster


@pytest.fixture
def small_scene(dock, project, canvas, tmp_path):
    """A 32 x 32 px scene (bright west, dark east) in the dock: 4 px tiles, two tiles labelled per class,
    6 training steps on the CPU, 5 suggestions."""
    rng = np.random.default_rng(0)
    data = rng.normal(100, 5, (3, 32, 32))
    data[:, :, 16:] -= 60
    path = write_raster(tmp_path / "scene.tif", data.astype(np.float32), tags={"ACQUISITION_DATE": "2021-07-01"})
    raster = QgsRasterLayer(path, "scene")
    assert raster.isValid()
    project.addMapLayer(raster)
    show_canvas_on(canvas, raster)
    dock.options.tile_size.setValue(4)
    dock.options.steps.setValue(6)
    dock.options.batch_size.setValue(4)
    dock.options.device.setCurrentIndex(dock.options.device.findData("cpu"))
    dock.options.set_output_dir(str(tmp_path / "out"))
    dock.imagery.select_layer(raster.id())
    bright, dark = dock.classes.palette()[:2]
    label_tiles(dock, tmp_path / "labels.gpkg", [(0, 0, bright), (1, 1, bright), (0, 7, dark), (7, 7, dark)])
    dock.labels.update_counts()
    dock.suggest.count.setValue(5)
    return dock, raster, (bright, dark)


def test_dock_mirrors_the_engine_scores():
    from spatiotemporal_ssl.core import suggest
    from spatiotemporal_ssl.plugin import suggest_panel

    assert [k for k, _ in suggest_panel.SCORE_LABELS] == list(suggest.SCORES)
    assert suggest_panel.DEFAULT_SCORE == suggest.DEFAULT_SCORE
    assert suggest_panel.DEFAULT_COUNT == suggest.DEFAULT_COUNT


@pytest.mark.slow
def test_training_shows_suggestions_and_labelling_removes_them(small_scene, project, canvas, qtbot):
    dock, raster, (bright, dark) = small_scene
    with qtbot.waitSignal(dock.suggest.finished, timeout=600_000) as done:
        qtbot.mouseClick(dock.run.train_button, Qt.MouseButton.LeftButton)
    assert done.args == [True]

    layer = dock.suggest.layer()
    assert layer is not None and layer.name() == "Suggested tiles"
    assert project.layerTreeRoot().children()[0].layer() is layer  # on top of the layer tree
    features = sorted(layer.getFeatures(), key=lambda f: f["rank"])
    assert [f["rank"] for f in features] == [1, 2, 3, 4, 5]
    assert all(f["score"] >= g["score"] for f, g in zip(features, features[1:]))
    labelled = {(0, 0), (4, 4), (0, 28), (28, 28)}  # pixel offsets of the labelled tiles
    assert not labelled & {(f["row_off"], f["col_off"]) for f in features}
    assert "5 suggested tiles of 60 unlabelled" in dock.suggest.status.text()

    # Next suggestion: the view is centred on rank 1, its class is selected, the tile tool is on.
    first = features[0]
    dock.classes.set_current_value(None)
    shown = dock.suggest.next_suggestion()
    assert shown["rank"] == 1
    tile = first.geometry().boundingBox()
    extent = canvas.extent()
    assert extent.contains(tile) and extent.width() == pytest.approx(9 * tile.width(), rel=0.05)
    assert dock.classes.current_class().value == first["class_value"]
    assert canvas.mapTool() is dock.labels.tile_tool and dock.labels.tile_button.isChecked()
    assert layer.selectedFeatureIds() == [first.id()]

    # Labelling that tile (a real click with the tile tool) removes it from the suggestions.
    click(dock.labels.tile_tool, canvas, first.geometry().centroid().asPoint())
    qtbot.waitUntil(lambda: dock.suggest.remaining() == 4, timeout=10_000)
    assert 1 not in [f["rank"] for f in layer.getFeatures()]
    # The next one is rank 2, and skipping it (not labelling) moves on to rank 3.
    assert dock.suggest.next_suggestion()["rank"] == 2
    assert dock.suggest.next_suggestion()["rank"] == 3
    # The list on disk is what is left: a fresh reader sees 4 tiles.
    from qgis.core import QgsVectorLayer

    assert QgsVectorLayer(layer.source(), "check", "ogr").featureCount() == 4


def test_suggest_without_a_model_says_what_to_do(small_scene, message_bar):
    dock, _, _ = small_scene
    dock.run.model_file.setFilePath("")
    assert not dock.suggest.suggest_from_dock()
    assert "Choose a model file" in bar_texts(message_bar)[-1]
    assert not dock.suggest.next_button.isEnabled()
    assert dock.suggest.next_suggestion() is None and "No suggested tiles left" in dock.suggest.status.text()
