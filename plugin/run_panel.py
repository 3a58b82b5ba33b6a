# SPDX-License-Identifier: GPL-2.0-or-later
"""Train / Cancel, the progress bar with ETA, the live curves, the report, and Predict with a saved model."""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsMapLayerProxyModel
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QComboBox, QFormLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTextBrowser, QVBoxLayout,
    QWidget,
)

from .i18n import tr
from .loss_plot import LossPlot
from .narrow_layout import WrappingLabel


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
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        # Train on a row of its own and Cancel beside the progress bar: both fit a dock of QGIS's default width.
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.status = WrappingLabel(tr("Ready."))
        self.plot = LossPlot()
        self.model_label = WrappingLabel("")
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = QTextBrowser()
        self.report.setOpenExternalLinks(False)
        self.report.setMinimumHeight(120)
        self.report.setPlaceholderText(tr("The validation report appears here after training."))

        # A wrapped heading rather than a group box title, which would set the dock's minimum width.
        predict_title = QLabel(tr("Predict with a saved model"))
        predict_title.setWordWrap(True)
        title_font = predict_title.font()
        title_font.setBold(True)
        predict_title.setFont(title_font)
        self.model_file = QgsFileWidget()
        self.model_file.setFilter(tr("Spatiotemporal SSL model (*.pt *.pth)"))
        self.model_file.setToolTip(tr("A model file written by Train (or by stssl train)"))
        self.predict_layer = QgsMapLayerComboBox()
        self.predict_layer.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        # A long layer name must not widen the dock: the list shows it whole when it opens.
        self.predict_layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.predict_layer.setMinimumContentsLength(8)
        self.predict_button = QPushButton(tr("Classify raster"))
        self.predict_button.setToolTip(tr("Classify the chosen raster (another date or region) with the model"))
        predict_form = QFormLayout()
        predict_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above: fits a narrow dock
        predict_form.addRow(tr("Model"), self.model_file)
        predict_form.addRow(tr("Raster"), self.predict_layer)
        predict_form.addRow("", self.predict_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.train_button)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)
        layout.addWidget(self.plot)
        layout.addWidget(self.model_label)
        layout.addWidget(self.report)
        layout.addWidget(predict_title)
        layout.addLayout(predict_form)

    def set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.predict_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        # After a cancel the button said "Stopping…"; the run is over, so it is the Cancel button again.
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
        if progress.mask_rate is not None and progress.student_mask_rate is not None:
            parts.append(tr("pseudo-labels used {rate:.0%}, by the student {student:.0%}").format(
                rate=progress.mask_rate, student=progress.student_mask_rate))
        elif progress.mask_rate is not None:
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
