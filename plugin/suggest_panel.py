# SPDX-License-Identifier: GPL-2.0-or-later
"""The dock's "Suggested tiles" row (in the Labelling section): what to label next, after every training run.

After a training run the panel asks the engine (core.suggest, in a background job) to score every unlabelled
tile of the training rasters, and shows the best ones, kept apart from each other, as the "Suggested tiles"
layer, ranked. "Next suggestion" zooms to the best one left, selects its predicted class and turns the tile tool
on; labelling the tile (with any class) removes it from the layer.
"""
from __future__ import annotations

import os
from typing import List, Optional

from qgis.core import QgsCoordinateTransform, QgsFeature, QgsVectorLayer
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from .narrow_layout import WrapRow

from ..core.errors import InputError
from ..core.params import RasterInput
from .i18n import tr, tr_noop
from .imagery_panel import raster_path
from .suggest_layer import is_suggestions_layer, labelled_suggestions, open_suggestions_layer, ranked, remove_suggestions
from .worker import Job, JobRunner, unique_path

# The dock must load before the engine's dependencies are installed, so these mirror core.suggest (checked
# equal by tests/test_plugin_suggest.py) instead of importing it.
SCORE_LABELS = (("confidence", tr_noop("Low confidence")), ("margin", tr_noop("Small margin")),
                ("disagreement", tr_noop("Teacher-student disagreement")), ("ema", tr_noop("EMA-online disagreement")))
DEFAULT_SCORE = "margin"
DEFAULT_COUNT = 50
ZOOM_TILES = 9.0  # the view after "Next suggestion" is this many tiles wide


def suggest_work(model_path: str, rasters: List[RasterInput], labels_path: str, class_field: Optional[str],
                 out_path: str, n: int, score: str, device: str = "auto"):
    """The background job: score, pick and write the suggestions; returns the GeoPackage path and a summary."""

    def work(_emit, _should_stop):
        from ..core.suggest.tiles import suggest_tiles, write_suggestions

        result = suggest_tiles(model_path, rasters, labels_path, class_field, n=n, score=score, device=device)
        write_suggestions(result, out_path, overwrite=False)
        return {"path": out_path, "count": len(result), "candidates": result.candidates, "score": score,
                "short": result.short, "min_distance": result.min_distance}

    return work


class SuggestPanel(QWidget):
    """Reads the dock's model, rasters and label layer; ``finished(ok)`` when a suggestion job ends."""

    finished = pyqtSignal(bool)

    def __init__(self, dock, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.dock = dock
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._thread_finished)
        self._outcome: Optional[tuple] = None
        self._last_rank = 0

        self.score_combo = QComboBox()
        for key, label in SCORE_LABELS:
            self.score_combo.addItem(tr(label), key)
        self.score_combo.setCurrentIndex(self.score_combo.findData(DEFAULT_SCORE))
        self.score_combo.setToolTip(tr("How tiles are ranked (see docs/active_learning.md for how each did "
                                       "against labelling at random)"))
        self.count = QSpinBox()
        self.count.setRange(1, 1000)
        self.count.setValue(DEFAULT_COUNT)
        self.count.setToolTip(tr("How many tiles to suggest"))
        self.after_training = QCheckBox(tr("After training"))
        self.after_training.setChecked(True)
        self.after_training.setToolTip(tr("Suggest tiles after every training run"))
        self.suggest_button = QPushButton(tr("Suggest tiles"))
        self.suggest_button.setToolTip(tr("Rank the unlabelled tiles of the ticked rasters with the model file "
                                          "(Train section) and show the best as 'Suggested tiles'"))
        self.next_button = QPushButton(tr("Next suggestion"))
        self.next_button.setToolTip(tr("Zoom to the best suggested tile left, select its predicted class and "
                                       "turn on the tile tool"))
        self.status = QLabel("")
        self.status.setWordWrap(True)

        # Rows that stack when the dock is narrow (QGIS's default dock width), as the other sections do.
        self.score_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.score_combo.setMinimumContentsLength(8)
        row1 = WrapRow([self.score_combo, self.count], stretch=[1, 0])
        row2 = WrapRow([self.after_training, self.suggest_button, self.next_button])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(tr("Suggested tiles")))
        layout.addWidget(row1)
        layout.addWidget(row2)
        layout.addWidget(self.status)

        self.suggest_button.clicked.connect(self.suggest_from_dock)
        self.next_button.clicked.connect(self.next_suggestion)
        dock.labels.labelsChanged.connect(self.prune)
        self._update_buttons()

    # --- the layer --------------------------------------------------------------------------------------
    def layer(self) -> Optional[QgsVectorLayer]:
        """The newest suggestions layer in the project (found by its marker, so it survives a project reload)."""
        found = [layer for layer in self.dock.project.mapLayers().values() if is_suggestions_layer(layer)]
        return found[-1] if found else None

    def remaining(self) -> int:
        layer = self.layer()
        return layer.featureCount() if layer is not None else 0

    def _update_buttons(self) -> None:
        running = self.runner.is_running()
        self.suggest_button.setEnabled(not running)
        self.next_button.setEnabled(not running and self.remaining() > 0)

    # --- starting a job ---------------------------------------------------------------------------------
    def training_finished(self, job) -> None:
        """After a training run (not a prediction, not a cancel): suggest from the new model."""
        train = getattr(job, "train_result", None)
        if train is None or job.cancelled or not self.after_training.isChecked():
            return
        rasters = [RasterInput(p["path"], p.get("acquisition_date") or "unknown") for p in train.provenance]
        layer = self.dock.labels.any_label_layer()
        if layer is None or not rasters:
            return
        self.start(job.model_path, rasters, layer.source(), self.dock.labels.class_field() or None)

    def suggest_from_dock(self) -> bool:
        """The button: the model file of the Train section, the ticked rasters, the label layer."""
        model_path = self.dock.run.model_file.filePath().strip()
        try:
            if not model_path or not os.path.isfile(model_path):
                raise InputError(tr("Choose a model file in the Train section (Train writes one)."))
            labels_path, field, _ = self.dock._labels_ready()
            rasters = self.dock.imagery.raster_inputs(self.dock.output_folder())
            if not rasters:
                raise InputError(tr("No raster is ticked in the Imagery list; tick the rasters the model was "
                                    "trained on."))
        except InputError as exc:
            self.dock.show_problem(str(exc))
            return False
        return self.start(model_path, rasters, labels_path, field)

    def start(self, model_path: str, rasters: List[RasterInput], labels_path: str, class_field: Optional[str]) -> bool:
        if self.runner.is_running():
            return False
        stem = os.path.splitext(os.path.basename(model_path))[0]
        out_path = unique_path(os.path.dirname(os.path.abspath(model_path)), f"{stem}_suggestions", ".gpkg")
        score = self.score_combo.currentData()
        job = Job(suggest_work(model_path, rasters, labels_path, class_field, out_path, self.count.value(), score,
                               self.dock.options.options().device))
        job.succeeded.connect(lambda result: setattr(self, "_outcome", ("ok", result)))
        job.failed.connect(lambda message, details: setattr(self, "_outcome", ("failed", message)))
        self._outcome = None
        self.status.setText(tr("Scoring the unlabelled tiles…"))
        self.runner.start(job)
        self._update_buttons()
        return True

    def wait(self, msecs: int = 30000) -> bool:
        return self.runner.wait(msecs)

    # --- results (GUI thread) ---------------------------------------------------------------------------
    def _thread_finished(self) -> None:
        outcome, self._outcome = self._outcome, None
        ok = outcome is not None and outcome[0] == "ok"
        if ok:
            try:
                self._show(outcome[1])
            except OSError as exc:
                ok = False
                outcome = ("failed", str(exc))
        if not ok:
            message = outcome[1] if outcome is not None else tr("the background job ended without a result")
            self.status.setText(tr("No suggestions: {message}").format(message=message))
            self.dock.show_problem(message)
        self._update_buttons()
        self.finished.emit(ok)

    def _show(self, result: dict) -> None:
        project = self.dock.project
        layer = open_suggestions_layer(result["path"])
        old = [lay.id() for lay in project.mapLayers().values() if is_suggestions_layer(lay)]
        if old:
            project.removeMapLayers(old)  # the files stay; only the newest list is shown
        project.addMapLayer(layer, False)
        project.layerTreeRoot().insertLayer(0, layer)  # on top, never inside a group
        self._last_rank = 0
        self.prune()
        text = tr("{n} suggested tiles of {m} unlabelled ({score}).").format(
            n=result["count"], m=result["candidates"], score=self.score_combo.itemText(
                self.score_combo.findData(result["score"])))
        if result.get("short"):
            text += " " + tr("Fewer than asked: no more tiles are {d:g} tiles apart.").format(d=result["min_distance"])
        self.status.setText(text)

    # --- using the suggestions --------------------------------------------------------------------------
    def prune(self) -> int:
        """Remove the suggestions that are labelled now; returns how many are left."""
        layer = self.layer()
        if layer is None:
            self._update_buttons()
            return 0
        done = labelled_suggestions(layer, self.dock.labels.any_label_layer())
        if done and not remove_suggestions(layer, done):
            self.dock.show_problem(tr("The suggestions '{name}' could not be updated.").format(name=layer.name()))
        left = layer.featureCount()
        if done:
            self.status.setText(tr("{n} suggested tiles left.").format(n=left))
        self._update_buttons()
        return left

    def next_suggestion(self) -> Optional[QgsFeature]:
        """Zoom to the next suggestion after the last one shown (wrapping round), select its predicted class and
        turn on the tile tool. Returns the feature, or None when none is left."""
        layer = self.layer()
        features = ranked(layer) if layer is not None else []
        if not features:
            self.status.setText(tr("No suggested tiles left: train again for new suggestions."))
            self._update_buttons()
            return None
        later = [f for f in features if int(f["rank"]) > self._last_rank]
        feature = later[0] if later else features[0]
        self._last_rank = int(feature["rank"])
        self._select_raster(str(feature["raster"]))
        canvas = self.dock.canvas
        to_canvas = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(), self.dock.project)
        rect = to_canvas.transformBoundingBox(feature.geometry().boundingBox())
        rect.scale(ZOOM_TILES)
        canvas.setExtent(rect)
        canvas.refresh()
        layer.selectByIds([feature.id()])
        self.dock.classes.set_current_value(int(feature["class_value"]))
        if not self.dock.labels.tile_button.isChecked():
            self.dock.labels.tile_button.setChecked(True)
        self.status.setText(tr("Suggestion {rank} of {n} left: predicted '{name}' ({conf:.0%} sure).").format(
            rank=feature["rank"], n=len(features), name=feature["class_name"], conf=float(feature["confidence"])))
        return feature

    def _select_raster(self, name: str) -> None:
        """Make the suggestion's raster the one the tile tool labels on (its grid), when it is in the project."""
        for layer in self.dock.imagery.raster_layers():
            if os.path.basename(raster_path(layer)) == name:
                self.dock.imagery.select_layer(layer.id())
                return
