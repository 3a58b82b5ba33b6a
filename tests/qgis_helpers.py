# SPDX-License-Identifier: GPL-2.0-or-later
"""Small helpers for the plugin tests that act as a user would, through the widgets."""
from __future__ import annotations

from qgis.core import QgsProcessingFeedback
from qgis.PyQt.QtCore import Qt


class Feedback(QgsProcessingFeedback):
    """A Processing feedback that keeps what the algorithm told the user."""

    def __init__(self):
        super().__init__()
        self.infos, self.warnings = [], []

    def pushInfo(self, text):  # noqa: N802
        self.infos.append(text)
        super().pushInfo(text)

    def pushWarning(self, text):  # noqa: N802
        self.warnings.append(text)
        super().pushWarning(text)


def tick_raster(panel, layer_id: str, checked: bool) -> None:
    """Tick or untick a raster in the dock's Imagery table, as a click on its checkbox does."""
    for row in range(panel.table.rowCount()):
        if panel._layer_id(row) == layer_id:
            panel.table.item(row, 0).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            return
    raise KeyError(f"raster layer {layer_id} is not listed in the Imagery table")
