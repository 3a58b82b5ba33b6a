# SPDX-License-Identifier: GPL-2.0-or-later
"""Presto's inputs in the dock and in Processing: the band-role table, the timestep dates, the scaling, and the
question before an hours-long prediction on the CPU."""
from __future__ import annotations

import os

import pytest
import rasterio
from presto_sample import SOURCE, WEIGHTS, make_sample, needs_shared, train_quick_model, write_label_points
from test_plugin_dock_fit import show_at

from qgis.core import QgsApplication, QgsRasterLayer
from qgis.PyQt.QtWidgets import QMessageBox

from spatiotemporal_ssl.core.params import option
from spatiotemporal_ssl.plugin.band_roles_panel import COL_HOW, COL_ROLE


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    if not (os.path.isfile(WEIGHTS) and os.path.isfile(SOURCE)):
        pytest.skip("Presto weights or the Mato Grosso samples not found in ../shared")
    return make_sample(tmp_path_factory.mktemp("presto_dock") / "sample")


def _use_presto(dock, layer_path, project, name="stack"):
    layer = QgsRasterLayer(layer_path, name)
    assert layer.isValid()
    project.addMapLayer(layer)
    dock.options.backbone.setCurrentIndex(dock.options.backbone.findData("presto"))
    dock.options.band_roles.refresh()
    return layer


def _roles(panel):
    return [panel.table.cellWidget(r, COL_ROLE).currentData() for r in range(panel.table.rowCount())]


def _how(panel):
    return [panel.table.item(r, COL_HOW).text() for r in range(panel.table.rowCount())]


def test_the_table_is_shown_only_for_presto_or_auto(dock):
    panel = dock.options.band_roles
    # The default backbone is "auto", which may pick Presto: the table is there, empty without a raster.
    assert dock.options.backbone.currentData() == "auto"
    assert not panel.isHidden() and dock.options.options().band_roles is None
    dock.options.backbone.setCurrentIndex(dock.options.backbone.findData("cnn"))
    assert panel.isHidden()
    dock.options.backbone.setCurrentIndex(dock.options.backbone.findData("presto"))
    assert not panel.isHidden()
    assert [panel.scaling.itemData(i) for i in range(panel.scaling.count())] == list(option("scaling").values)
    dock.options.backbone.setCurrentIndex(dock.options.backbone.findData("cnn"))
    assert panel.isHidden()


@needs_shared
def test_the_table_prefills_the_stacks_roles_and_an_edit_sets_the_option(dock, project, sample):
    _use_presto(dock, sample["stack"], project)
    panel = dock.options.band_roles
    assert [panel.table.item(r, 0).text() for r in range(6)] == ["blue", "red", "nir", "mir", "ndvi", "evi"]
    assert _roles(panel) == ["B2", "B4", "B8+B8A", "B12+B11", "NDVI", "ignore"]
    assert _how(panel) == ["detected"] * 6
    assert "23 timestep(s) of 6 band(s)" in panel.summary.text() and "2015-09-14" in panel.summary.text()
    assert panel.problems.isHidden() and "B3 (green) approximated" in panel.notes.text()
    options = dock.options.options()
    assert (options.band_roles, options.scaling, options.sensor) == (None, "detect", None)

    combo = panel.table.cellWidget(4, COL_ROLE)
    combo.setCurrentIndex(combo.findData("ignore"))  # the user: NDVI band unused
    assert _how(panel)[4] == "set by you"
    panel.scaling.setCurrentIndex(panel.scaling.findData("reflectance"))
    options = dock.options.options()
    assert (options.band_roles, options.scaling) == ("5=ignore", "reflectance")
    options.validate()

    # Kept with the project: a saved and restored state shows the same roles on the same raster ...
    from spatiotemporal_ssl.plugin import settings

    stored = settings.DockState.from_json(dock.state().to_json()).options
    dock.options.set_options(settings.DockState().options)  # a fresh form first: the roles are gone
    assert dock.options.options().band_roles is None and _how(panel)[4] == "detected"
    dock.options.set_options(stored)
    assert (dock.options.options().band_roles, dock.options.options().scaling) == ("5=ignore", "reflectance")
    assert _how(panel)[4] == "set by you" and _roles(panel)[4] == "ignore"
    # ... but never as the user's defaults for new projects, whose rasters have other bands.
    assert set(settings.RASTER_FIELDS).isdisjoint(settings.options_to_dict(stored, with_raster_fields=False))


@needs_shared
def test_unknown_bands_are_shown_and_dates_can_be_given(dock, project, sample, tmp_path):
    with rasterio.open(sample["stack"]) as src:
        data, profile = src.read(), src.profile
    plain = str(tmp_path / "plain.tif")
    with rasterio.open(plain, "w", **dict(profile, count=12)) as dst:
        dst.write(data[:12])  # two timesteps, no band descriptions: neither roles nor dates can be read
    _use_presto(dock, plain, project, "plain")
    panel = dock.options.band_roles
    assert panel.table.rowCount() == 12 and set(_how(panel)) == {"unknown"}
    assert not panel.problems.isHidden()
    assert "band 1 'band1'" in panel.problems.text() and "CNN" in panel.problems.text()
    assert panel.unknown_bands()[:2] == ["band1", "band2"] and dock.options.options().band_roles is None

    panel.dates.setText("2015-09-14, 2015-09-30")
    panel.dates.editingFinished.emit()
    assert panel.table.rowCount() == 6 and "2 timestep(s) of 6 band(s)" in panel.summary.text()
    assert panel.timestep_dates_for(plain) == ["2015-09-14", "2015-09-30"]
    assert panel.timestep_dates_for(sample["stack"]) is None  # a raster with its own dates keeps them
    for row, role in enumerate(["B2", "B4", "B8", "B12", "NDVI"]):
        combo = panel.table.cellWidget(row, COL_ROLE)
        combo.setCurrentIndex(combo.findData(role))
        assert dock.options.options().band_roles is None  # a band is still unknown: no roles handed over
    combo = panel.table.cellWidget(5, COL_ROLE)
    combo.setCurrentIndex(combo.findData("ignore"))
    assert panel.problems.isHidden()
    assert dock.options.options().band_roles == "1=B2,2=B4,3=B8,4=B12,5=NDVI,6=ignore"

    # The typed dates are kept with the project, and the roles are restored on the timesteps they define.
    dock.save_state()
    panel.set_dates_text("")
    dock.options.set_options(type(dock.options.options())())
    assert panel.table.rowCount() == 12 and panel.timestep_dates_for(plain) is None
    assert dock.restore_state()
    assert panel.dates_text() == "2015-09-14, 2015-09-30"
    assert panel.timestep_dates_for(plain) == ["2015-09-14", "2015-09-30"] and panel.table.rowCount() == 6
    assert dock.options.options().band_roles == "1=B2,2=B4,3=B8,4=B12,5=NDVI,6=ignore"

    panel.dates.setText("2015-09-14, not a date")
    panel.dates.editingFinished.emit()
    assert "not a date" in panel.problems.text()


@needs_shared
def test_the_table_fits_the_default_dock_width(dock, project, sample):
    _use_presto(dock, sample["stack"], project)
    dock.sections[dock.options].setCollapsed(False)
    show_at(dock)
    # The panel itself, not the whole options form: other rows of the form (the method's longest choice) are
    # wider than the dock on their own.
    panel = dock.options.band_roles
    assert panel.minimumSizeHint().width() <= dock.widget().viewport().width() - 40, "the panel widens the dock"
    table = panel.table
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width()
    for col in range(table.columnCount()):
        text = table.horizontalHeaderItem(col).text()
        assert header.fontMetrics().horizontalAdvance(text) + 8 <= header.sectionSize(col), text


@pytest.fixture
def provider(qgis_app):
    from spatiotemporal_ssl.plugin.processing.provider import SpatiotemporalSSLProvider

    registry = QgsApplication.processingRegistry()
    added = SpatiotemporalSSLProvider()
    assert registry.addProvider(added)
    yield added
    registry.removeProvider(added)


def test_processing_has_the_presto_parameters_from_the_table(provider):
    train = QgsApplication.processingRegistry().algorithmById("spatiotemporal_ssl:train_model")
    for parameter, name in (("PRESTO_WEIGHTS", "pretrained"), ("BAND_ROLES", "band_roles"), ("SENSOR", "sensor"),
                            ("SCALING", "scaling")):
        definition = train.parameterDefinition(parameter)
        assert definition.description() == option(name).label and option(name).help in definition.help()
    assert "1-based band numbers" in train.parameterDefinition("BAND_ROLES").help()
    assert train.parameterDefinition("SCALING").options() == [c.label for c in option("scaling").choices]
    assert train.parameterDefinition("SENSOR").flags() & train.parameterDefinition("SENSOR").FlagOptional
    classify = QgsApplication.processingRegistry().algorithmById("spatiotemporal_ssl:classify_raster")
    assert classify.parameterDefinition("TIMESTEP_DATES") is not None


@needs_shared
def test_processing_trains_presto_with_the_new_parameters(provider, sample, tmp_path):
    import processing

    from spatiotemporal_ssl.core.app.modelfile import load_model
    from spatiotemporal_ssl.core.data.stack import read_stack_layout

    dates = ",".join(read_stack_layout(sample["stack"]).dates)
    model_path = str(tmp_path / "presto.pt")
    result = processing.run("spatiotemporal_ssl:train_model", {
        "RASTERS": [sample["stack"]], "LABELS": write_label_points(sample, str(tmp_path / "labels.gpkg")),
        "CLASS_FIELD": "label", "METHOD": option("method").values.index("quick"),
        "BACKBONE": option("backbone").values.index("presto"), "TILE_SIZE": 1, "STEPS": 3, "BATCH_SIZE": 8,
        "DEVICE": "cpu", "PRESTO_WEIGHTS": WEIGHTS, "BAND_ROLES": "1=B2,2=B4,3=B8,4=B12,5=NDVI,6=ignore",
        "SENSOR": option("sensor").values.index("modis"), "SCALING": option("scaling").values.index("reflectance"),
        "TIMESTEP_DATES": dates, "OUTPUT_MODEL": model_path,
    })
    assert result["OUTPUT_MODEL"] == model_path
    model = load_model(model_path, device="cpu")
    spec = model.presto_spec
    assert spec["scaling"]["kind"] == "reflectance" and spec["roles"]["sensor"] == "modis"
    sources = dict(zip(["VV", "VH", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12"],
                       spec["roles"]["sources"]))
    assert (sources["B2"], sources["B4"], sources["B8"], sources["B8A"], sources["B11"]) == (0, 1, 2, -1, -1)
    assert model.config["provenance"][0]["timestep_dates_source"] == "given"

    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="unknown role 'nothing'"):
        processing.run("spatiotemporal_ssl:train_model", {
            "RASTERS": [sample["stack"]], "LABELS": str(tmp_path / "labels.gpkg"), "CLASS_FIELD": "label",
            "METHOD": option("method").values.index("quick"), "BACKBONE": option("backbone").values.index("presto"),
            "TILE_SIZE": 1, "STEPS": 1, "DEVICE": "cpu", "PRESTO_WEIGHTS": WEIGHTS, "BAND_ROLES": "1=nothing",
            "OUTPUT_MODEL": str(tmp_path / "never.pt")})


@pytest.fixture(scope="module")
def quick_model(sample, tmp_path_factory):
    return train_quick_model(sample, str(tmp_path_factory.mktemp("presto_quick") / "quick.pt"))


@needs_shared
@pytest.mark.parametrize("answer, expected", [(QMessageBox.StandardButton.Apply, ("stride", 2)),
                                              (QMessageBox.StandardButton.Ok, ("pixel", None)),
                                              (QMessageBox.StandardButton.Cancel, None)])
def test_the_dock_asks_before_a_long_presto_prediction(dock, project, sample, quick_model, monkeypatch, answer,
                                                       expected):
    from spatiotemporal_ssl.core.app import predict_time

    layer = _use_presto(dock, sample["stack"], project)
    dock.run.model_file.setFilePath(quick_model)
    dock.run.predict_layer.setLayer(layer)
    dock.options.device.setCurrentIndex(dock.options.device.findData("cpu"))
    monkeypatch.setattr(predict_time, "LONG_PREDICTION_S", 0.0)  # every estimate is "long"
    monkeypatch.setattr(predict_time, "SAMPLE_PIXELS", 40)
    asked, started = [], []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or answer)
    monkeypatch.setattr(dock.controller, "start_prediction", lambda specs, force=False: started.append(specs))
    assert dock.predict() is (expected is not None)
    assert len(asked) == 1 and "will take about" in asked[0] and "one class per 2 x 2 px tile" in asked[0]
    if expected is None:
        assert started == []
    else:
        request = started[0][0].request
        assert (request.resolution, request.stride_px) == expected


@needs_shared
def test_a_short_prediction_is_not_asked_about(dock, project, sample, quick_model, monkeypatch):
    layer = _use_presto(dock, sample["stack"], project)
    dock.run.model_file.setFilePath(quick_model)
    dock.run.predict_layer.setLayer(layer)
    asked, started = [], []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(dock.controller, "start_prediction", lambda specs, force=False: started.append(specs))
    assert dock.predict()  # 12 x 12 px: seconds, under the 20 minutes
    assert asked == [] and started[0][0].request.resolution == "pixel"
