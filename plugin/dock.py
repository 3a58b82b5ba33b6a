# SPDX-License-Identifier: GPL-2.0-or-later
"""The "Spatiotemporal SSL" dock: imagery, classes, labelling, options, and the run.

The dock gathers plain parameters from its panels and from QGIS (on the GUI thread), checks them, and hands
them to the RunController; it holds no training logic (as Deepness's dock only gathers parameters).
"""
from __future__ import annotations

import datetime
import os
from typing import Callable, List, Optional, Tuple

from qgis.core import Qgis, QgsMessageLog, QgsProject, QgsRasterLayer
from qgis.gui import QgsCollapsibleGroupBox, QgsDockWidget, QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from ..core.data.grid import check_tile_fits
from ..core.errors import InputError
from ..core.params import ClassSpec, PredictRequest, RasterInput, TrainRequest
from . import settings
from .assess_panel import AssessPanel
from .i18n import tr
from .imagery_panel import ImageryPanel, engine_raster_path, raster_path
from .label_layer import is_tile_label_layer, open_label_layer, rename_classes
from .label_panel import LabelPanel
from .options_panel import OptionsPanel
from .palette_editor import PaletteEditor
from .prediction_time import confirm_prediction_time
from .run_panel import RunPanel
from .runs import LOG_TAG, RunController
from .suggest_panel import SuggestPanel
from .worker import PredictJobSpec, unique_path


class SpatiotemporalSSLDock(QgsDockWidget):
    """``missing_dependencies`` returns what the engine still lacks (empty when ready); when something is
    missing, Train and Predict emit ``dependenciesNeeded`` instead of starting."""

    dependenciesNeeded = pyqtSignal()

    def __init__(self, canvas: QgsMapCanvas, message_bar: QgsMessageBar, project: Optional[QgsProject] = None,
                 missing_dependencies: Optional[Callable[[], list]] = None, parent: Optional[QWidget] = None):
        super().__init__(tr("Spatiotemporal SSL"), parent)
        self.setObjectName("SpatiotemporalSSLDock")
        self.canvas = canvas
        self.message_bar = message_bar
        self.project = project or QgsProject.instance()
        self._missing_dependencies = missing_dependencies or (lambda: [])
        self._restoring = False

        self.imagery = ImageryPanel(self.project)
        self.classes = PaletteEditor()
        self.options = OptionsPanel()
        self.labels = LabelPanel(canvas, self.imagery.reference_layer, self.imagery.checked_layers,
                                 self.options.tile_size.value, self.classes.palette, self.classes.current_class,
                                 self.project)
        self.run = RunPanel()
        self.controller = RunController(self.run, message_bar, self.project, self)
        self.assess = AssessPanel(self.project)

        body = QWidget()
        layout = QVBoxLayout(body)
        self.sections = {}
        for title, panel, collapsed in ((tr("Imagery"), self.imagery, False), (tr("Classes"), self.classes, False),
                                        (tr("Labelling"), self.labels, False),
                                        (tr("Training options"), self.options, True), (tr("Train"), self.run, False),
                                        (tr("Accuracy assessment"), self.assess, True)):
            box = QgsCollapsibleGroupBox(title)
            box.setSaveCollapsedState(False)
            inner = QVBoxLayout(box)
            inner.addWidget(panel)
            box.setCollapsed(collapsed)
            layout.addWidget(box)
            self.sections[panel] = box
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)

        self.options.set_options(settings.user_default_options())
        self.options.set_output_dir(settings.user_value("output_folder"))

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(300)
        self._save_timer.timeout.connect(self.save_state)

        self.imagery.changed.connect(self._state_changed)
        self.options.band_roles.set_rasters(lambda: [(layer.name(), raster_path(layer))
                                                     for layer in self.imagery.checked_layers()])
        self.imagery.changed.connect(self.options.band_roles.refresh)
        self.imagery.changed.connect(self.labels.schedule_count)
        self.imagery.referenceChanged.connect(self.labels.redraw_grid)
        self.classes.paletteChanged.connect(self._palette_changed)
        self.classes.currentClassChanged.connect(self._state_changed)
        self.classes.currentClassChanged.connect(self.labels.current_class_changed)
        self.classes.problem.connect(self.show_problem)
        self.labels.labelsChanged.connect(self._state_changed)
        self.labels.problem.connect(self.show_problem)
        self.assess.problem.connect(self.show_problem)
        self.labels.info.connect(lambda text: self.message_bar.pushMessage(LOG_TAG, text, Qgis.MessageLevel.Info, 5))
        self.options.changed.connect(self._state_changed)
        self.options.tile_size.valueChanged.connect(lambda *_: (self.labels.redraw_grid(), self.labels.schedule_count()))
        self.run.train_button.clicked.connect(self.train)
        self.run.predict_button.clicked.connect(self.predict)
        self.controller.jobFinished.connect(lambda *_: self._state_changed())
        self.project.readProject.connect(self._project_read)
        self.project.cleared.connect(self._project_cleared)
        self.restore_state()
        self.suggest = SuggestPanel(self)  # "Suggested tiles", in the Labelling section
        self.labels.layout().addWidget(self.suggest)
        self.controller.jobFinished.connect(self.suggest.training_finished)

    # --- messages ---------------------------------------------------------------------------------------
    def show_problem(self, text: str) -> None:
        self.message_bar.pushMessage(LOG_TAG, text, Qgis.MessageLevel.Warning, 8)
        QgsMessageLog.logMessage(text, LOG_TAG, Qgis.MessageLevel.Warning)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.options.list_devices()

    # --- building the parameters (GUI thread) -------------------------------------------------------------
    def _check_rasters(self, layers: List[QgsRasterLayer], tile_size: int) -> None:
        if not layers:
            raise InputError(tr("No raster is ticked in the Imagery list; tick at least one raster to train on."))
        for layer in layers:
            if not raster_path(layer):
                raise InputError(tr("raster '{name}' is not a file; save it as GeoTIFF (Export > Save As) and use "
                                    "that copy").format(name=layer.name()))
            if not layer.crs().isValid():
                raise InputError(tr("raster '{name}' has no CRS, so tile locations are unknown; set one in Layer "
                                    "Properties > Source").format(name=layer.name()))
            check_tile_fits(tile_size, layer.width(), layer.height(), layer.name(), translate=tr)

    def _labels_ready(self) -> Tuple[str, str, List[ClassSpec]]:
        """Save pending label edits and check there are at least two labelled classes; (path, field, classes)."""
        layer = self.labels.any_label_layer()
        if layer is None:
            raise InputError(tr("No label layer: in Labelling, click New… (or Label tiles) and label some tiles."))
        field = self.labels.class_field()
        if not field:
            raise InputError(tr("Choose the class field of label layer '{name}'.").format(name=layer.name()))
        if layer.isEditable() and layer.isModified():
            if not layer.commitChanges(False):
                raise InputError(tr("The edits of label layer '{name}' could not be saved: {errors}").format(
                    name=layer.name(), errors="; ".join(layer.commitErrors())))
        self.labels.update_counts()
        if self.labels.unknown:
            raise InputError(tr("{n} labels in '{name}' have a class that is not in the Classes list; add the "
                                "class or fix the labels.").format(n=self.labels.unknown, name=layer.name()))
        labelled = self.labels.labelled_classes()
        if not labelled:
            raise InputError(tr("No labelled tiles yet: choose a class, then click tiles with Label tiles."))
        if len(labelled) == 1:
            raise InputError(tr("Only one class ('{name}') has labelled tiles; label tiles of at least two classes "
                                "so the model has something to tell apart.").format(name=labelled[0].name))
        path = layer.source().split("|")[0]
        if layer.providerType() != "ogr" or not os.path.exists(path):
            raise InputError(tr("label layer '{name}' is not a file; save it as GeoPackage and use that copy").format(
                name=layer.name()))
        return layer.source(), field, self.labels.classes_in_layer()

    def output_folder(self) -> str:
        folder = self.options.resolved_output_dir(self.project.fileName())
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise InputError(tr("cannot create output folder '{folder}' ({error}); choose another one in Training "
                                "options").format(folder=folder, error=exc)) from exc
        return folder

    def prediction_specs(self, layers: List[QgsRasterLayer], folder: str, teacher: bool, model_path: str,
                         device: str) -> List[PredictJobSpec]:
        specs = []
        for layer in layers:
            stem = os.path.splitext(os.path.basename(raster_path(layer)))[0]
            request = PredictRequest(
                model_path=model_path,
                raster_path=engine_raster_path(layer, folder),
                out_classes=unique_path(folder, f"{stem}_landcover", ".tif"),
                out_confidence=unique_path(folder, f"{stem}_confidence", ".tif"),
                out_teacher=unique_path(folder, f"{stem}_teacher", ".tif") if teacher else None,
                acquisition_date=self.imagery.date_for(layer.id()),
                timestep_dates=self.options.band_roles.timestep_dates_for(raster_path(layer)),
                device=device,
            )
            specs.append(PredictJobSpec(request, layer_name=layer.name()))
        return specs

    def build_train_request(self) -> Tuple[TrainRequest, List[PredictJobSpec], List[ClassSpec]]:
        """Everything the worker needs, read from QGIS now. Raises InputError with a message for the user."""
        options = self.options.run_options()
        options.validate(named_by="label")  # once per run: neither the pipeline nor the trainer checks them again
        layers = self.imagery.checked_layers()
        self._check_rasters(layers, options.tile_size_px)
        # The layer source as QGIS has it ('file.gpkg|layername=labels'): the engine reads it as it is.
        labels_path, field, classes = self._labels_ready()
        folder = self.output_folder()
        stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
        model_path = unique_path(folder, f"model_{stamp}", ".pt")
        teacher = options.has_teacher and self.options.write_teacher.isChecked()
        series = self.imagery.series_stack(folder, os.path.basename(unique_path(folder, f"series_{stamp}", ".vrt")))
        rasters = ([RasterInput(series.path, timestep_dates=list(series.layout.dates))] if series is not None
                   else self.imagery.raster_inputs(folder))
        request = TrainRequest(rasters=rasters, labels_path=labels_path, class_field=field,
                               out_model=model_path, options=options, classes=classes)
        if series is None:
            for raster in request.rasters:  # a stack's dates given in the band-role table, where its bands have none
                raster.timestep_dates = self.options.band_roles.timestep_dates_for(raster.path)
        if series is not None:  # one map of the series (its VRT stays in the output folder, for Predict too)
            stem = os.path.splitext(os.path.basename(series.path))[0]
            specs = [PredictJobSpec(PredictRequest(
                model_path=model_path, raster_path=series.path, timestep_dates=list(series.layout.dates),
                out_classes=unique_path(folder, f"{stem}_landcover", ".tif"),
                out_confidence=unique_path(folder, f"{stem}_confidence", ".tif"),
                out_teacher=unique_path(folder, f"{stem}_teacher", ".tif") if teacher else None,
                device=options.device), layer_name=tr("Series of {n} dates").format(n=series.layout.timesteps))]
            return request, specs, classes
        return request, self.prediction_specs(layers, folder, teacher, model_path, options.device), classes

    # --- actions ----------------------------------------------------------------------------------------
    def _dependencies_ready(self) -> bool:
        missing = self._missing_dependencies()
        if missing:
            names = ", ".join(status.requirement.distribution for status in missing)
            self.show_problem(tr("Training needs Python packages that are missing: {names}.").format(names=names))
            self.dependenciesNeeded.emit()
            return False
        return True

    def train(self) -> bool:
        """Check the inputs and start training; False (with a message-bar message) when nothing started."""
        if self.controller.is_running() or not self._dependencies_ready():
            return False
        try:
            request, specs, classes = self.build_train_request()
        except InputError as exc:
            self.show_problem(str(exc))
            return False
        settings.save_user_default_options(self.options.options())  # the chosen weights, not the resolved ones
        settings.set_user_value("output_folder", self.options.output_dir())
        self.controller.start_training(request, specs, classes)
        return True

    def predict(self) -> bool:
        if self.controller.is_running() or not self._dependencies_ready():
            return False
        model_path = self.run.model_file.filePath().strip()
        layer = self.run.predict_layer.currentLayer()
        try:
            if not model_path or not os.path.isfile(model_path):
                raise InputError(tr("Choose a model file to predict with (Train writes one)."))
            if layer is None:
                raise InputError(tr("Choose the raster to classify."))
            if not raster_path(layer):
                raise InputError(tr("raster '{name}' is not a file; save it as GeoTIFF and use that copy").format(
                    name=layer.name()))
            folder = self.output_folder()
        except InputError as exc:
            self.show_problem(str(exc))
            return False
        specs = self.prediction_specs([layer], folder, teacher=self.options.write_teacher.isChecked(),
                                      model_path=model_path, device=self.options.options().device)
        specs = confirm_prediction_time(self, specs)  # a Presto model on the CPU: hours? ask first
        if specs is None:
            return False
        self.controller.start_prediction(specs)
        return True

    # --- palette ----------------------------------------------------------------------------------------
    def _palette_changed(self) -> None:
        layer = self.labels.any_label_layer()
        if layer is not None and is_tile_label_layer(layer):
            rename_classes(layer, self.classes.palette())
        self.labels.apply_palette()
        self.labels.current_class_changed()
        self._state_changed()

    # --- state ------------------------------------------------------------------------------------------
    def state(self) -> settings.DockState:
        reference = self.imagery.reference_layer()
        current = self.classes.current_class()
        label_layer = self.labels.any_label_layer()
        return settings.DockState(
            rasters=self.imagery.choices(),
            reference_layer_id=reference.id() if reference is not None else "",
            palette=self.classes.palette(),
            current_class=current.value if current is not None else None,
            label_layer_id=label_layer.id() if label_layer is not None else "",
            label_layer_path=self.labels.label_layer_path(),
            class_field=self.labels.class_field(),
            options=self.options.options(),
            output_folder=self.options.output_dir(),
            write_teacher_map=self.options.write_teacher.isChecked(),
            model_path=self.run.model_file.filePath(),
            timestep_dates=self.options.band_roles.dates_text(),
        )

    def _state_changed(self, *_args) -> None:
        if not self._restoring:
            self._save_timer.start()

    def save_state(self) -> None:
        self._save_timer.stop()
        if not self._restoring:
            settings.save_to_project(self.state(), self.project)

    def restore_state(self) -> bool:
        """Bring back the dock's state stored in the project; False when the project has none."""
        state = settings.load_from_project(self.project)
        if state is None:
            return False
        self._restoring = True
        try:
            if state.palette:
                self.classes.set_palette(state.palette, state.current_class)
            self.options.band_roles.set_dates_text(state.timestep_dates)  # before the roles: they read the dates
            self.options.set_options(state.options)
            self.options.set_output_dir(state.output_folder)
            self.options.write_teacher.setChecked(state.write_teacher_map)
            self.imagery.restore(state.rasters, state.reference_layer_id)
            layer = self.project.mapLayer(state.label_layer_id) if state.label_layer_id else None
            if layer is None and state.label_layer_path and os.path.exists(state.label_layer_path):
                layer = open_label_layer(state.label_layer_path)
            self.labels.set_label_layer(layer, state.class_field)
            self.run.model_file.setFilePath(state.model_path)
        finally:
            self._restoring = False
        self.labels.update_counts()
        return True

    def _project_read(self, *_args) -> None:
        self.imagery.refresh()
        self.restore_state()

    def _project_cleared(self) -> None:
        self._restoring = True
        try:
            self.labels.deactivate_tools()
            self.labels.set_label_layer(None)
        finally:
            self._restoring = False

    def closeEvent(self, event) -> None:  # noqa: N802
        self.labels.deactivate_tools()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop a running job and disconnect from the project (plugin unload)."""
        self.controller.cancel()
        self.controller.wait(30000)
        self.options.wait(30000)
        self.assess.wait(30000)
        self.suggest.wait(30000)
        self.labels.deactivate_tools()
        for signal, slot in ((self.project.readProject, self._project_read), (self.project.cleared, self._project_cleared),
                             (self.project.layersAdded, self.imagery.refresh),
                             (self.project.layersRemoved, self.imagery.refresh),
                             (self.project.layerTreeRoot().nameChanged, self.imagery.refresh)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
