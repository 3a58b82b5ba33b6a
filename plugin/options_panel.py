# SPDX-License-Identifier: GPL-2.0-or-later
"""Training options: the few choices a user makes, with defaults good enough to just click Train."""
from __future__ import annotations

import os
from typing import Optional

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QSpinBox, QWidget

from ..core.params import OptionSpec, TrainOptions, option
from .band_roles_panel import BandRolesPanel
from .i18n import tr
from .presto_weights_widget import PrestoWeightsWidget, uses_presto

# The training options this form shows (and the project and the user's settings keep, plugin/settings.py); every
# other option is the engine's default. Labels, help and choices come from the options table (core/params.py).
FORM_FIELDS = ("method", "metadata", "encoding", "backbone", "tile_size_px", "steps", "batch_size", "device", "seed",
               "pretrained", "normalization")
# Options about the project's rasters (the band-role table): kept with the project, never as the user's defaults
# for new projects, whose rasters have other bands.
RASTER_FIELDS = ("band_roles", "sensor", "scaling")
TEACHER = option("metadata").choice("teacher")


def _combo(spec: OptionSpec) -> QComboBox:
    combo = QComboBox()
    # Long choice labels must not widen the dock past its default width: the box shows what fits, the list all.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    for choice in spec.choices:
        combo.addItem(tr(choice.label), choice.value)
    combo.setToolTip(tr(spec.help))
    return combo


def _spin(spec: OptionSpec, maximum: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(int(spec.bounds.low), maximum)
    spin.setToolTip(tr(spec.help))
    return spin


class OptionsPanel(QWidget):
    changed = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.method = _combo(option("method"))
        # The one metadata choice the form offers: the teacher (Spatiotemporal SSL), or no metadata.
        self.teacher = QCheckBox(tr(TEACHER.label))
        self.teacher.setToolTip(tr(TEACHER.help))
        self.encoding = _combo(option("encoding"))
        self.backbone = _combo(option("backbone"))
        self.normalization = _combo(option("normalization"))
        self.weights = PrestoWeightsWidget()
        self.weights_label = QLabel(tr(option("pretrained").label))
        self.weights_label.setToolTip(tr(option("pretrained").help))
        self.tile_size = _spin(option("tile_size_px"), 512)
        self.tile_size.setSuffix(tr(" px"))
        self.steps = _spin(option("steps"), 1_000_000)
        self.steps.setSingleStep(100)
        self.batch_size = _spin(option("batch_size"), 4096)
        self.device = QComboBox()
        self.device.setToolTip(tr(option("device").help))
        self.seed = _spin(option("seed"), 2_147_483_647)
        self.write_teacher = QCheckBox(tr("Also add the teacher's map"))
        self.write_teacher.setToolTip(tr("The map the metadata teacher draws for the training rasters, for "
                                         "comparison with the student's"))
        self.output_folder = QgsFileWidget()
        self.output_folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.output_folder.setToolTip(tr("Where the model file and the maps are written; empty: beside the project"))
        self._devices_listed = False
        self.device.addItem(tr("Auto (CUDA if available)"), "auto")
        self.device.addItem(tr("CPU"), "cpu")

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr(option("method").label), self.method)
        form.addRow("", self.teacher)
        for name, widget in (("encoding", self.encoding), ("backbone", self.backbone)):
            form.addRow(tr(option(name).label), widget)
        form.addRow(self.weights_label, self.weights)
        form.addRow(tr(option("normalization").label), self.normalization)
        for name, widget in (("tile_size_px", self.tile_size), ("steps", self.steps), ("batch_size", self.batch_size),
                             ("device", self.device), ("seed", self.seed)):
            form.addRow(tr(option(name).label), widget)
        self.band_roles = BandRolesPanel(self.backbone)  # Presto's inputs, shown under the backbone when it is used
        form.insertRow(form.getWidgetPosition(self.backbone)[0] + 1, self.band_roles)
        form.addRow("", self.write_teacher)
        form.addRow(tr("Output folder"), self.output_folder)

        self.set_options(TrainOptions())
        for widget in (self.method, self.encoding, self.backbone, self.device, self.normalization):
            widget.currentIndexChanged.connect(self._changed)
        for widget in (self.tile_size, self.steps, self.batch_size, self.seed):
            widget.valueChanged.connect(self._changed)
        self.teacher.toggled.connect(self._changed)
        self.write_teacher.toggled.connect(self._changed)
        self.output_folder.fileChanged.connect(self._changed)
        self.band_roles.changed.connect(self._changed)
        self.weights.changed.connect(self._changed)

    def _changed(self, *_args) -> None:
        presto = uses_presto(self.backbone.currentData())
        self.weights_label.setVisible(presto)
        self.weights.setVisible(presto)
        self.encoding.setEnabled(self.teacher.isChecked())
        self.write_teacher.setEnabled(self.teacher.isChecked())
        self.changed.emit()

    def list_devices(self) -> None:
        """Add the CUDA GPUs torch sees, with name and memory. Imports torch, so it runs when first needed."""
        if self._devices_listed:
            return
        self._devices_listed = True
        wanted = self.device.currentData()
        try:
            from ..core.device import available_devices

            choices = available_devices()
        except Exception:  # torch missing: auto and CPU stay, the dependency dialog explains the rest
            return
        self.device.blockSignals(True)
        self.device.clear()
        for value, label in choices:
            text = {"auto": tr("Auto (CUDA if available)"), "cpu": tr("CPU")}.get(value) or tr("GPU: {name}").format(name=label)
            self.device.addItem(text, value)
        index = self.device.findData(wanted)
        self.device.setCurrentIndex(index if index >= 0 else 0)
        self.device.blockSignals(False)

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index < 0 and combo is not None and value:
            combo.addItem(value, value)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def options(self) -> TrainOptions:
        """The form's options (the fields of FORM_FIELDS; the engine's defaults for the rest). Not validated
        here: the widgets only hold valid values, and the dock validates a run's options once when it starts."""
        return TrainOptions(
            method=self.method.currentData(),
            metadata=TEACHER.value if self.teacher.isChecked() else "none",
            encoding=self.encoding.currentData(),
            backbone=self.backbone.currentData(),
            **self.band_roles.option_values(),
            tile_size_px=self.tile_size.value(),
            steps=self.steps.value(),
            batch_size=self.batch_size.value(),
            device=self.device.currentData() or "auto",
            seed=self.seed.value(),
            pretrained=self.weights.path() or None,
            normalization=self.normalization.currentData(),
        )

    def run_options(self) -> TrainOptions:
        """The form's options for a run: a Presto run gets the weights file it will load (the chosen one, else
        $STSSL_PRESTO_WEIGHTS or the plugin's data folder); an InputError when there is none."""
        return self.weights.resolved_options(self.options())

    def wait(self, msecs: int = 30000) -> bool:
        """Stop a running weights download and wait for it (plugin unload)."""
        return self.weights.wait(msecs)

    def set_options(self, options: TrainOptions) -> None:
        """Show ``options`` (only the fields of FORM_FIELDS and RASTER_FIELDS; the form does not keep the
        others)."""
        self._select(self.method, options.method)
        self.teacher.setChecked(options.metadata == TEACHER.value)
        self._select(self.encoding, options.encoding)
        self._select(self.backbone, options.backbone)
        self.tile_size.setValue(int(options.tile_size_px))
        self.steps.setValue(int(options.steps))
        self.batch_size.setValue(int(options.batch_size))
        self._select(self.device, options.device)
        self.seed.setValue(int(options.seed))
        self.weights.set_path(options.pretrained)
        self._select(self.normalization, options.normalization)
        self.band_roles.set_values(options.band_roles, options.sensor, options.scaling)
        self._changed()

    def output_dir(self) -> str:
        return self.output_folder.filePath().strip()

    def set_output_dir(self, path: str) -> None:
        self.output_folder.setFilePath(path or "")

    def resolved_output_dir(self, project_file: str) -> str:
        """The folder to write to: the chosen one, else ``<project folder>/spatiotemporal_ssl``."""
        if self.output_dir():
            return self.output_dir()
        base = os.path.dirname(project_file) if project_file else os.path.join(os.path.expanduser("~"), "spatiotemporal_ssl")
        return os.path.join(base, "spatiotemporal_ssl") if project_file else base
