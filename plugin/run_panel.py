"""Train / Cancel, the progress bar with ETA, the live curves, the report, and Predict with a saved model."""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsMapLayerProxyModel
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QFormLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTextBrowser, QVBoxLayout, QWidget,
)

from .i18n import tr
from .loss_plot import LossPlot


def format_eta(seconds: Optional[float]) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return tr("{h} h {m:02d} min left").format(h=seconds // 3600, m=(seconds % 3600) // 60)
    if seconds >= 60:
        return tr("{m} min {s:02d} s left").format(m=seconds // 60, s=seconds % 60)
    return tr("{s} s left").format(s=seconds)


class RunPanel(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.train_button = QPushButton(tr("Train semi-supervised"))
        self.train_button.setToolTip(tr("Train on the ticked rasters and the labelled tiles, then add the land-cover "
                                        "map to the project"))
        font = self.train_button.font()
        font.setBold(True)
        self.train_button.setFont(font)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button, 1)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.status = QLabel(tr("Ready."))
        self.status.setWordWrap(True)
        self.plot = LossPlot()
        self.model_label = QLabel("")
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = QTextBrowser()
        self.report.setOpenExternalLinks(False)
        self.report.setMinimumHeight(120)
        self.report.setPlaceholderText(tr("The validation report appears here after training."))

        predict_box = QGroupBox(tr("Predict with a saved model"))
        self.model_file = QgsFileWidget()
        self.model_file.setFilter(tr("Spatiotemporal SSL model (*.pt *.pth)"))
        self.model_file.setToolTip(tr("A model file written by Train (or by stssl train)"))
        self.predict_layer = QgsMapLayerComboBox()
        self.predict_layer.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.predict_button = QPushButton(tr("Classify raster"))
        self.predict_button.setToolTip(tr("Classify the chosen raster (another date or region) with the model"))
        predict_form = QFormLayout(predict_box)
        predict_form.addRow(tr("Model"), self.model_file)
        predict_form.addRow(tr("Raster"), self.predict_layer)
        predict_form.addRow("", self.predict_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.plot)
        layout.addWidget(self.model_label)
        layout.addWidget(self.report)
        layout.addWidget(predict_box)

    def set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.predict_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.cancel_button.setText(tr("Cancel"))

    def show_train_progress(self, progress) -> None:
        """Show a ``core.learning.trainer.TrainProgress`` (called on the GUI thread)."""
        phase = progress.phase
        if phase == "tiling":
            self.progress.setRange(0, 0)  # busy indicator while tiles are cut
            self.status.setText(tr("Cutting tiles and reading labels…"))
            return
        if phase == "saving":
            self.progress.setRange(0, 100)
            self.progress.setValue(100)
            self.status.setText(tr("Saving the model…"))
            return
        total = max(int(progress.total_steps or 1), 1)
        self.progress.setRange(0, 100)
        self.progress.setValue(int(100 * min(progress.step, total) / total))
        parts = [tr("Step {step} of {total}").format(step=progress.step, total=total)]
        eta = format_eta(progress.eta_seconds)
        if eta:
            parts.append(eta)
        if progress.val_accuracy is not None:
            parts.append(tr("validation accuracy {acc:.0%}").format(acc=progress.val_accuracy))
        if progress.mask_rate is not None:
            parts.append(tr("pseudo-labels used {rate:.0%}").format(rate=progress.mask_rate))
        if progress.device_name:
            parts.append(progress.device_name)
        self.status.setText(" · ".join(parts))
        self.progress.setFormat(f"%p% · {eta}" if eta else "%p%")
        self.plot.add_progress(progress)

    def show_predict_progress(self, progress) -> None:
        self.progress.setRange(0, 100)
        self.progress.setFormat("%p%")
        overall = (progress.raster_index + progress.fraction) / max(progress.raster_count, 1)
        self.progress.setValue(int(100 * overall))
        self.status.setText(tr("Classifying raster {i} of {n}…").format(i=progress.raster_index + 1,
                                                                      n=progress.raster_count))
