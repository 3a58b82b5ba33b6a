# SPDX-License-Identifier: GPL-2.0-or-later
"""A project save and reload keeps the labels and the dock's settings; user defaults live in QgsSettings."""
from __future__ import annotations

import shutil

from conftest import SAMPLE_RASTER, label_tiles

from qgis.core import QgsRasterLayer, QgsSettings
from qgis.PyQt.QtCore import Qt

from spatiotemporal_ssl.core.params import ClassSpec
from spatiotemporal_ssl.plugin.imagery_panel import COL_DATE, COL_LAYER


def set_up_job(dock, project, tmp_path):
    raster_path = tmp_path / "scene.tif"
    shutil.copy(SAMPLE_RASTER, raster_path)
    raster = QgsRasterLayer(str(raster_path), "scene")
    project.addMapLayer(raster)
    other = QgsRasterLayer(SAMPLE_RASTER, "other")
    project.addMapLayer(other)
    dock.imagery.select_layer(raster.id())
    row = [dock.imagery.table.item(r, COL_LAYER).text() for r in range(2)].index("scene")
    dock.imagery.table.item(row, COL_DATE).setText("2000-04-23")
    other_row = 1 - row
    dock.imagery.table.item(other_row, COL_LAYER).setCheckState(Qt.CheckState.Unchecked)
    dock.classes.add_class("Solar park")
    dock.classes.set_current_value(80)
    dock.options.tile_size.setValue(16)
    dock.options.steps.setValue(500)
    dock.options.method.setCurrentIndex(dock.options.method.findData("softmatch"))
    dock.options.set_output_dir(str(tmp_path / "outputs"))
    label_tiles(dock, tmp_path / "labels.gpkg", [(3, 4, ClassSpec(80, "Permanent water bodies", (0, 100, 200))),
                                                  (5, 6, ClassSpec(101, "Solar park", (1, 2, 3)))])
    dock.save_state()
    return raster.id(), other.id()


def check_restored(dock, raster_id, other_id):
    raster = dock.project.mapLayer(raster_id)
    assert raster is not None and dock.project.mapLayer(other_id) is not None
    assert dock.imagery.date_for(raster.id()) == "2000-04-23"
    assert [layer.name() for layer in dock.imagery.checked_layers()] == ["scene"]
    assert dock.imagery.reference_layer().id() == raster.id()
    palette = dock.classes.palette()
    assert len(palette) == 12 and palette[-1].name == "Solar park"
    assert dock.classes.current_class().value == 80
    options = dock.options.options()
    assert (options.tile_size_px, options.steps, options.method) == (16, 500, "softmatch")
    assert dock.options.output_dir().endswith("outputs")
    labels = dock.labels.any_label_layer()
    assert labels is not None and labels.featureCount() == 2
    assert sorted(f["class_value"] for f in labels.getFeatures()) == [80, 101]
    assert labels.renderer().categories()[-1].label() == "Solar park"
    assert dock.labels.counts[80] == 1 and dock.labels.counts[101] == 1


def test_save_and_reload_keeps_labels_and_settings(dock, project, tmp_path):
    raster, other = set_up_job(dock, project, tmp_path)
    project_path = str(tmp_path / "job.qgz")
    assert project.write(project_path)

    project.clear()
    assert dock.labels.any_label_layer() is None
    assert project.read(project_path)
    check_restored(dock, raster, other)


def test_a_new_dock_picks_up_a_loaded_project(dock, project, canvas, message_bar, tmp_path):
    """QGIS starts with a project: the dock is created after the project was read."""
    from spatiotemporal_ssl.plugin.dock import SpatiotemporalSSLDock

    raster, other = set_up_job(dock, project, tmp_path)
    project_path = str(tmp_path / "job.qgz")
    assert project.write(project_path)
    project.clear()
    assert project.read(project_path)
    fresh = SpatiotemporalSSLDock(canvas, message_bar, project)
    try:
        check_restored(fresh, raster, other)
    finally:
        fresh.shutdown()
        fresh.deleteLater()


def test_training_options_become_user_defaults(dock, project, canvas, message_bar):
    """Options used for training are remembered in QgsSettings and start every new project."""
    from spatiotemporal_ssl.plugin import settings
    from spatiotemporal_ssl.plugin.dock import SpatiotemporalSSLDock

    options = dock.options.options()
    options.steps, options.backbone = 321, "vit"
    settings.save_user_default_options(options)
    try:
        project.clear()
        fresh = SpatiotemporalSSLDock(canvas, message_bar, project)
        assert (fresh.options.options().steps, fresh.options.options().backbone) == (321, "vit")
        fresh.shutdown()
        fresh.deleteLater()
    finally:
        QgsSettings().remove(settings.SETTINGS_PREFIX + "options")
