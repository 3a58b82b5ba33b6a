# SPDX-License-Identifier: GPL-2.0-or-later
"""Before a long prediction: a Presto model on the CPU can take hours on a large raster, so the dock says so first.

:func:`confirm_prediction_time` times the model on a sample of the raster (core.app.predict_time, a few seconds
on the GUI thread, with a wait cursor) and, above core.app.predict_time.LONG_PREDICTION_S, asks: classify anyway,
classify at the stride resolution (one class per tile, with its own estimate), or cancel. Other models and CUDA are
not timed.
"""
from __future__ import annotations

from dataclasses import replace
from typing import List, Optional

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QMessageBox, QWidget

from .i18n import tr
from .worker import PredictJobSpec, presto_cpu_estimates


def _ask(parent: Optional[QWidget], text: str, stride_text: Optional[str]) -> str:
    """'continue', 'stride' or 'cancel'."""
    buttons = QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel
    if stride_text:
        buttons |= QMessageBox.StandardButton.Apply
    box = QMessageBox(QMessageBox.Icon.Warning, tr("Long prediction"), text, buttons, parent)
    box.setObjectName("SpatiotemporalSSLPredictionTime")
    box.button(QMessageBox.StandardButton.Ok).setText(tr("Classify anyway"))
    if stride_text:
        box.button(QMessageBox.StandardButton.Apply).setText(stride_text)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Ok:
        return "continue"
    if answer == QMessageBox.StandardButton.Apply and stride_text:
        return "stride"
    return "cancel"


def confirm_prediction_time(parent: Optional[QWidget], specs: List[PredictJobSpec],
                            threshold_s: Optional[float] = None) -> Optional[List[PredictJobSpec]]:
    """The predictions to start (as given, or at the stride resolution), or None when the user cancelled."""
    if not specs:
        return specs
    # The engine (torch) is imported when first needed, never when the plugin loads.
    from ..core.app import predict_time
    from ..core.app.predict_time import estimate_prediction, format_duration, stride_alternative
    from ..core.errors import InputError

    limit = predict_time.LONG_PREDICTION_S if threshold_s is None else threshold_s
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        try:
            found = presto_cpu_estimates(specs)
            if found is None:
                return specs
            model, estimates, teacher = found
            total = sum(e.seconds for e in estimates)
            if total <= limit:
                return specs
            alternative = stride_alternative(model)
            faster = None
            if alternative is not None:
                faster = sum(estimate_prediction(model, s.request.raster_path, *alternative, teacher=teacher,
                                                 batch_size=s.request.batch_size).seconds for s in specs)
        except InputError:
            return specs  # the prediction itself reports what is wrong with the model or the raster
    finally:
        QApplication.restoreOverrideCursor()
    text = tr("Classifying with this Presto model on the CPU will take about {time} ({tiles} tiles, measured on "
              "a sample of the raster). A CUDA GPU is many times faster.").format(
        time=format_duration(total), tiles=sum(e.tiles for e in estimates))
    stride_text = None
    if faster is not None and faster < total:
        text += "\n\n" + tr("At the stride resolution (one class per {n} x {n} px tile) it takes about {time}.").format(
            n=alternative[1], time=format_duration(faster))
        stride_text = tr("One class per tile (about {time})").format(time=format_duration(faster))
    answer = _ask(parent, text, stride_text)
    if answer == "continue":
        return specs
    if answer == "stride" and alternative is not None:
        resolution, stride = alternative
        return [replace(s, request=replace(s.request, resolution=resolution, stride_px=stride)) for s in specs]
    return None
