# SPDX-License-Identifier: GPL-2.0-or-later
"""The dock and Processing take their option labels and choices from the engine's table, the dock keeps only
the options its form shows, and the tile-fits-the-raster rule gives one message everywhere."""
from __future__ import annotations

import json

import pytest
from conftest import SAMPLE_RASTER

from qgis.core import QgsApplication, QgsRasterLayer, QgsSettings

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.params import TrainOptions, option


def test_the_form_lists_the_tables_choices_and_labels(dock):
    panel = dock.options
    for combo, name in ((panel.method, "method"), (panel.encoding, "encoding"), (panel.backbone, "backbone")):
        spec = option(name)
        assert [combo.itemData(i) for i in range(combo.count())] == list(spec.values)
        assert [combo.itemText(i) for i in range(combo.count())] == [c.label for c in spec.choices]
        assert combo.toolTip() == spec.help
    assert panel.teacher.text() == option("metadata").choice("teacher").label
    assert panel.tile_size.toolTip() == option("tile_size_px").help and panel.tile_size.minimum() == 1


def test_processing_enums_are_the_tables_choices(qgis_app):
    from spatiotemporal_ssl.plugin.processing.provider import SpatiotemporalSSLProvider

    registry = QgsApplication.processingRegistry()
    provider = SpatiotemporalSSLProvider()
    assert registry.addProvider(provider)
    try:
        train = registry.algorithmById("spatiotemporal_ssl:train_model")
        for parameter, name in (("METHOD", "method"), ("METADATA", "metadata"), ("ENCODING", "encoding"),
                                ("BACKBONE", "backbone")):
            definition = train.parameterDefinition(parameter)
            assert definition.options() == [c.label for c in option(name).choices]
            assert definition.description() == option(name).label and definition.help() == option(name).help
            assert option(name).values[definition.defaultValue()] == getattr(TrainOptions(), name)
        assert train.parameterDefinition("TILE_SIZE").description() == option("tile_size_px").label
        classify = registry.algorithmById("spatiotemporal_ssl:classify_raster")
        assert classify.parameterDefinition("RESOLUTION").options() == ["one value per pixel",
                                                                        "one value per stride (faster)"]
    finally:
        registry.removeProvider(provider)


OLD_OPTIONS = {**TrainOptions().to_dict(), "meta_dropout": 0.2, "lr": 0.01, "steps": 321, "backbone": "vit",
               "removed_long_ago": 1}


def test_user_defaults_keep_only_what_the_form_shows(dock, project, canvas, message_bar):
    """A user who trained with an older version keeps their steps and backbone, but not the old hidden metadata
    dropout of 0.2: hidden options follow the engine's defaults."""
    from spatiotemporal_ssl.plugin import settings
    from spatiotemporal_ssl.plugin.dock import SpatiotemporalSSLDock
    from spatiotemporal_ssl.plugin.options_panel import FORM_FIELDS

    QgsSettings().setValue(settings.SETTINGS_PREFIX + "options", json.dumps(OLD_OPTIONS))  # as older versions stored
    try:
        project.clear()
        fresh = SpatiotemporalSSLDock(canvas, message_bar, project)
        try:
            options = fresh.options.options()
            assert (options.steps, options.backbone) == (321, "vit")
            assert (options.meta_dropout, options.lr) == (TrainOptions().meta_dropout, TrainOptions().lr) == (0.5, 1e-3)
        finally:
            fresh.shutdown()
            fresh.deleteLater()
        settings.save_user_default_options(TrainOptions(meta_dropout=0.2, steps=5))
        stored = json.loads(QgsSettings().value(settings.SETTINGS_PREFIX + "options", "", type=str))
        assert stored == {**{name: getattr(TrainOptions(), name) for name in FORM_FIELDS}, "steps": 5}
    finally:
        QgsSettings().remove(settings.SETTINGS_PREFIX + "options")


def test_the_project_keeps_only_what_the_form_shows():
    from spatiotemporal_ssl.plugin.options_panel import FORM_FIELDS, RASTER_FIELDS
    from spatiotemporal_ssl.plugin.settings import DockState

    state = DockState.from_json(json.dumps({"options": OLD_OPTIONS}))
    assert state.options == TrainOptions(steps=321, backbone="vit")
    # The form's fields and the band-role table's (the project's rasters), nothing hidden.
    assert set(json.loads(state.to_json())["options"]) == set(FORM_FIELDS + RASTER_FIELDS)
    # A stored value that is no longer valid gives the defaults, not a dock that cannot start.
    assert DockState.from_json(json.dumps({"options": {"tile_size_px": 0}})).options == TrainOptions()


def test_a_tile_larger_than_the_raster_has_one_message(dock, project):
    from spatiotemporal_ssl.core.data.raster import open_raster_info
    from spatiotemporal_ssl.core.data.tiling import TileGrid
    from spatiotemporal_ssl.plugin.tile_grid import LayerTileGrid

    layer = QgsRasterLayer(SAMPLE_RASTER, "sample")
    project.addMapLayer(layer)
    expected = "tile size 600 px is larger than raster 'sample' (489 x 443 px); lower the tile size"
    with pytest.raises(InputError) as engine:
        TileGrid.for_raster(open_raster_info(SAMPLE_RASTER), 600)
    assert str(engine.value) == expected.replace("'sample'", "'raleigh_landsat7_2000.tif'")
    with pytest.raises(InputError) as grid:
        LayerTileGrid.from_layer(layer, 600)
    with pytest.raises(InputError) as checked:
        dock._check_rasters([layer], 600)
    assert str(grid.value) == str(checked.value) == expected


def test_the_dock_validates_a_runs_options_by_their_labels(dock, monkeypatch):
    calls = []
    monkeypatch.setattr(TrainOptions, "validate", lambda self, named_by="field": calls.append(named_by))
    with pytest.raises(InputError):
        dock.build_train_request()  # no raster ticked: refused after the options were checked
    assert calls == ["label"]
