"""Training options: the few choices a user makes, with defaults good enough to just click Train."""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Optional

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QFormLayout, QSpinBox, QWidget

from ..core.params import TrainOptions
from .i18n import tr, tr_noop

METHOD_CHOICES = (("fixmatch", tr_noop("FixMatch")), ("freematch", tr_noop("FreeMatch")),
                  ("softmatch", tr_noop("SoftMatch")),
                  ("supervised", tr_noop("Supervised only (no unlabelled tiles)")))
ENCODING_CHOICES = (("season", tr_noop("Season, aligned across hemispheres")),
                    ("sphere", tr_noop("Spherical harmonics + season")),
                    ("paper", tr_noop("As in the paper (lat, lon, day of year)")))
BACKBONE_CHOICES = (("cnn", tr_noop("CNN (fast on a CPU)")), ("vit", tr_noop("ViT (as in the paper; best on a GPU)")))


class OptionsPanel(QWidget):
    changed = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self._base = TrainOptions()  # options the form does not show are carried over unchanged
        self.method = QComboBox()
        for value, label in METHOD_CHOICES:
            self.method.addItem(tr(label), value)
        self.method.setToolTip(tr("The semi-supervised algorithm that learns from unlabelled tiles"))
        self.teacher = QCheckBox(tr("Metadata teacher (location and date)"))
        self.teacher.setToolTip(tr("A teacher network sees each tile's location and acquisition date and guides "
                                   "the student, which sees pixels only and is the model that is saved."))
        self.encoding = QComboBox()
        for value, label in ENCODING_CHOICES:
            self.encoding.addItem(tr(label), value)
        self.backbone = QComboBox()
        for value, label in BACKBONE_CHOICES:
            self.backbone.addItem(tr(label), value)
        self.tile_size = QSpinBox()
        self.tile_size.setRange(1, 512)
        self.tile_size.setSuffix(tr(" px"))
        self.tile_size.setToolTip(tr("Edge of a tile in raster pixels; one label per tile"))
        self.steps = QSpinBox()
        self.steps.setRange(1, 1_000_000)
        self.steps.setSingleStep(100)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 4096)
        self.device = QComboBox()
        self.device.setToolTip(tr("Where to train: a CUDA GPU is many times faster than a CPU"))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_147_483_647)
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
        form.addRow(tr("Method"), self.method)
        form.addRow("", self.teacher)
        form.addRow(tr("Encoding"), self.encoding)
        form.addRow(tr("Backbone"), self.backbone)
        form.addRow(tr("Tile size"), self.tile_size)
        form.addRow(tr("Steps"), self.steps)
        form.addRow(tr("Batch size"), self.batch_size)
        form.addRow(tr("Device"), self.device)
        form.addRow(tr("Seed"), self.seed)
        form.addRow("", self.write_teacher)
        form.addRow(tr("Output folder"), self.output_folder)

        self.set_options(TrainOptions())
        for widget in (self.method, self.encoding, self.backbone, self.device):
            widget.currentIndexChanged.connect(self._changed)
        for widget in (self.tile_size, self.steps, self.batch_size, self.seed):
            widget.valueChanged.connect(self._changed)
        self.teacher.toggled.connect(self._changed)
        self.write_teacher.toggled.connect(self._changed)
        self.output_folder.fileChanged.connect(self._changed)

    def _changed(self, *_args) -> None:
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
        return replace(
            self._base,
            method=self.method.currentData(),
            metadata="teacher" if self.teacher.isChecked() else "none",
            encoding=self.encoding.currentData(),
            backbone=self.backbone.currentData(),
            tile_size_px=self.tile_size.value(),
            steps=self.steps.value(),
            batch_size=self.batch_size.value(),
            device=self.device.currentData() or "auto",
            seed=self.seed.value(),
        )

    def set_options(self, options: TrainOptions) -> None:
        self._base = replace(options)
        self._select(self.method, options.method)
        self.teacher.setChecked(options.metadata == "teacher")
        self._select(self.encoding, options.encoding)
        self._select(self.backbone, options.backbone)
        self.tile_size.setValue(int(options.tile_size_px))
        self.steps.setValue(int(options.steps))
        self.batch_size.setValue(int(options.batch_size))
        self._select(self.device, options.device)
        self.seed.setValue(int(options.seed))
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
