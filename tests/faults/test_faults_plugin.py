# SPDX-License-Identifier: GPL-2.0-or-later
"""The plugin's side of a failure: an error raised in the worker thread reaches the message bar as the very
message the engine gave, and the dock stays usable (Train enabled, nothing running, the previous report kept)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import bar_texts, label_tiles
from faultkit import record

pytest.importorskip("qgis")


def _nan_raster(path):
    from rasters import write_raster

    data = np.full((3, 40, 40), np.nan, dtype=np.float32)
    return write_raster(path, data, crs="EPSG:32617")


def test_worker_failure_reaches_the_message_bar_and_the_dock_stays_usable(dock, project, tmp_path, message_bar,
                                                                          qtbot):
    from qgis.core import Qgis, QgsRasterLayer

    from spatiotemporal_ssl.core.app.pipeline import train_model
    from spatiotemporal_ssl.core.errors import InputError
    from spatiotemporal_ssl.core.params import ClassSpec

    path = _nan_raster(str(tmp_path / "empty_scene.tif"))
    project.addMapLayer(QgsRasterLayer(path, "empty scene"))
    dock.options.tile_size.setValue(8)
    dock.options.set_output_dir(str(tmp_path / "out"))
    label_tiles(dock, tmp_path / "labels.gpkg", [(0, 0, ClassSpec(10, "Tree cover", (0, 100, 0))),
                                                 (1, 1, ClassSpec(80, "Water", (0, 100, 200)))])
    # What the engine itself says about this request (a raster without one valid pixel).
    request, _, _ = dock.build_train_request()
    with pytest.raises(InputError) as engine:
        train_model(request)
    expected = str(engine.value)
    assert "has no valid pixels" in expected

    previous = "Validation accuracy 87 % on 40 tiles (the previous run)"
    dock.run.report.setHtml(f"<p>{previous}</p>")
    dock.run.model_label.setText("Model saved: previous.pt")
    for attempt in range(2):  # and again: a failed run leaves nothing stuck
        with qtbot.waitSignal(dock.controller.jobFailed, timeout=120_000) as failed:
            assert dock.train()
        assert failed.args[0] == expected
        item = message_bar.items()[-1]
        assert item.level() == Qgis.MessageLevel.Critical and item.text() == expected and "Traceback" not in item.text()
        assert bar_texts(message_bar)[-1] == expected
        assert dock.run.train_button.isEnabled() and not dock.controller.is_running()
        assert previous in dock.run.report.toPlainText()
        assert dock.run.model_label.text() == "Model saved: previous.pt"
    record("plugin: worker failure -> same message, dock usable, report kept", "ok")


def test_output_folder_that_cannot_take_the_model_fails_in_the_worker_with_the_engine_message(
        dock, project, tmp_path, message_bar, qtbot, monkeypatch):
    """A model file that cannot be written (here: a full disk, injected) is found before training, in the worker."""
    import errno

    from qgis.core import QgsRasterLayer

    from spatiotemporal_ssl.core.app import filecheck
    from spatiotemporal_ssl.core.params import ClassSpec
    from rasters import write_raster

    rng = np.random.default_rng(0)
    path = write_raster(str(tmp_path / "scene.tif"), rng.integers(1, 200, (3, 40, 40)).astype(np.uint8))
    project.addMapLayer(QgsRasterLayer(path, "scene"))
    dock.options.tile_size.setValue(8)
    out = tmp_path / "out"
    dock.options.set_output_dir(str(out))
    label_tiles(dock, tmp_path / "labels.gpkg", [(0, 0, ClassSpec(10, "Tree cover", (0, 100, 0))),
                                                 (1, 1, ClassSpec(80, "Water", (0, 100, 200)))])
    real = filecheck.probe_folder

    def full(target, what):
        if what == "model file":
            raise filecheck.write_failed(what, target, OSError(errno.ENOSPC, "No space left on device"))
        return real(target, what)

    monkeypatch.setattr(filecheck, "probe_folder", full)
    monkeypatch.setattr("spatiotemporal_ssl.core.app.outputs.probe_folder", full)
    with qtbot.waitSignal(dock.controller.jobFailed, timeout=120_000) as failed:
        assert dock.train()
    assert "the disk is full" in failed.args[0] and ".pt" in failed.args[0]
    assert message_bar.items()[-1].text() == failed.args[0]
    assert dock.run.train_button.isEnabled()
    assert not list(out.glob("*.pt"))
    record("plugin: model file cannot be written -> engine message", "ok")
