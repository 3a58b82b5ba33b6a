# SPDX-License-Identifier: GPL-2.0-or-later
"""The dock's "Presto weights" row: shown for the Presto backbone, Download... only after a yes (against a local
HTTP server serving the shared copy), and a Presto run that finds no weights stops before any work."""
from __future__ import annotations

import os

import pytest
from weights_server import HAVE_WEIGHTS, SHARED_WEIGHTS, SKIP_REASON, weights_server

from qgis.PyQt.QtWidgets import QMessageBox

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.models.presto import PRESTO_FILE_NAME, WEIGHTS_ENV
from spatiotemporal_ssl.core.params import TrainOptions

needs_weights = pytest.mark.skipif(not HAVE_WEIGHTS, reason=SKIP_REASON)


@pytest.fixture
def weights(dock, tmp_path, monkeypatch):
    """The dock's weights widget, saving into a temporary data folder, with no $STSSL_PRESTO_WEIGHTS."""
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    widget = dock.options.weights
    widget.data_dir = str(tmp_path / "profile" / "spatiotemporal_ssl" / "presto")
    widget.refresh()
    return widget


def _answer(monkeypatch, button):
    asked = []

    def question(parent, title, text, *args):
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_the_row_is_shown_for_the_presto_backbone_only(dock, weights):
    panel = dock.options
    panel.set_options(TrainOptions(backbone="cnn"))
    assert not weights.isVisibleTo(panel) and not panel.weights_label.isVisibleTo(panel)
    panel.set_options(TrainOptions(backbone="presto"))
    assert weights.isVisibleTo(panel) and panel.weights_label.isVisibleTo(panel)
    assert "No Presto weights yet" in weights.status.text() and weights.data_dir in weights.status.text()


@needs_weights
def test_download_after_yes_fills_the_path_and_the_status(dock, weights, monkeypatch, qtbot):
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    dock.options.set_options(TrainOptions(backbone="presto"))
    with weights_server() as server:
        weights.download_url = server.url()
        with qtbot.waitSignal(weights.downloaded, timeout=30000) as done:
            weights.download.click()
            assert weights.is_downloading() or done.signal_triggered
        assert server.requests == ["/default_model.pt"]
    expected = os.path.join(weights.data_dir, PRESTO_FILE_NAME)
    assert done.args == [expected] and weights.path() == expected
    assert "sha256 OK" in weights.status.text()
    assert len(asked) == 1 and server.url() in asked[0] and "3.3 MB" in asked[0] and "MIT" in asked[0]
    assert dock.options.options().pretrained == expected
    assert dock.options.run_options().pretrained == expected
    assert weights.progress.isHidden() and weights.download.text() == "Download…"


@needs_weights
def test_no_makes_no_request(dock, weights, monkeypatch, qtbot):
    _answer(monkeypatch, QMessageBox.StandardButton.No)
    with weights_server() as server:
        weights.download_url = server.url()
        weights.download.click()
        qtbot.wait(200)
        assert server.requests == []
    assert not weights.is_downloading() and weights.path() == "" and not os.path.exists(weights.data_dir)


@needs_weights
def test_a_failed_download_says_why_and_keeps_nothing(dock, weights, monkeypatch, qtbot):
    _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    with weights_server() as server:
        weights.download_url = server.url("/corrupt.pt")
        weights.download.click()
        qtbot.waitUntil(lambda: not weights.is_downloading() and "failed" in weights.status.text(), timeout=30000)
    assert "sha256" in weights.status.text() and weights.path() == ""
    assert os.listdir(weights.data_dir) == []


def test_a_presto_run_without_weights_stops_before_any_work(dock, weights):
    dock.options.set_options(TrainOptions(backbone="presto"))
    with pytest.raises(InputError, match="No Presto weights found.*Download"):
        dock.options.run_options()
    dock.options.set_options(TrainOptions(backbone="cnn"))
    assert dock.options.run_options().pretrained is None


@needs_weights
def test_the_chosen_file_is_kept_with_the_form(dock, weights):
    from spatiotemporal_ssl.plugin import settings

    dock.options.set_options(TrainOptions(backbone="presto", pretrained=SHARED_WEIGHTS))
    assert weights.path() == SHARED_WEIGHTS and "sha256 OK" in weights.status.text()
    stored = settings.options_from_dict(settings.options_to_dict(dock.options.options()))
    assert stored.pretrained == SHARED_WEIGHTS and stored.backbone == "presto"


def panel_row_width(label, field) -> int:
    return label.sizeHint().width() + 12 + field.minimumSizeHint().width()


def test_the_row_fits_the_default_dock_width(dock, weights):
    """The file chooser, the button and a status line with a long folder path wrap into a 300 px dock. (The whole
    form is checked row by row: some choice lists of the form are wider than that on their own.)"""
    from qgis.PyQt.QtWidgets import QApplication

    dock.options.set_options(TrainOptions(backbone="presto"))
    dock.sections[dock.options].setCollapsed(False)
    dock.resize(300, 1400)
    dock.show()
    for _ in range(3):
        QApplication.processEvents()
    assert weights.isVisible() and weights.data_dir in weights.status.text()
    row = panel_row_width(dock.options.weights_label, weights)
    assert row <= dock.widget().viewport().width() - 20, f"the Presto weights row needs {row} px"
    status = weights.status
    assert status.height() >= status.heightForWidth(status.width()), "the status line is cut off"
    dock.hide()


def test_a_mirror_from_the_settings_and_the_default_folder(qgis_app):
    from qgis.core import QgsApplication, QgsSettings

    from spatiotemporal_ssl.core.app.presto_weights import DEFAULT_URL
    from spatiotemporal_ssl.plugin.presto_weights_widget import URL_SETTING, PrestoWeightsWidget, plugin_weights_dir

    assert plugin_weights_dir().startswith(QgsApplication.qgisSettingsDirPath())
    assert plugin_weights_dir().endswith(os.path.join("spatiotemporal_ssl", "presto"))
    QgsSettings().setValue(URL_SETTING, "http://mirror.example/default_model.pt")
    try:
        assert PrestoWeightsWidget().download_url == "http://mirror.example/default_model.pt"
    finally:
        QgsSettings().remove(URL_SETTING)
    assert PrestoWeightsWidget().download_url == DEFAULT_URL
