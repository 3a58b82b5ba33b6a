# SPDX-License-Identifier: GPL-2.0-or-later
"""Styling the maps of "Classify raster with model" when Processing loads them into the project.

Processing opens its results without their default style, so the ``.qml`` the engine writes beside each map
is never read: the class map showed its 256-entry colour table (values 0..255, most of them black) and the
confidence map was grey. A layer post-processor, which Processing calls on the GUI thread after adding the
layer, applies the same styles as the dock (``plugin/results.py``).
"""
from __future__ import annotations

from typing import Dict, List, Sequence

from qgis.core import QgsProcessingContext, QgsProcessingLayerPostProcessorInterface

from ...core.params import ClassSpec
from ..i18n import tr
from ..results import style_class_layer, style_confidence_layer

# Processing holds only a C++ pointer to a post-processor: the Python object must live until it has run.
_ALIVE: Dict[int, "ResultStyler"] = {}


class ResultStyler(QgsProcessingLayerPostProcessorInterface):
    """Styles one output: a class map with the model's palette, or a confidence map with its 0..1 ramp."""

    def __init__(self, palette: Sequence[ClassSpec] = ()):
        super().__init__()
        self.palette: List[ClassSpec] = list(palette)

    def postProcessLayer(self, layer, context, feedback) -> None:  # noqa: N802 - QGIS API
        try:
            if self.palette:
                style_class_layer(layer, self.palette)
            elif not style_confidence_layer(layer) and feedback is not None:
                feedback.pushInfo(tr("The confidence map's style file could not be read; it is drawn in grey."))
        finally:
            _ALIVE.pop(id(self), None)


def style_outputs_on_load(context: QgsProcessingContext, class_maps: Sequence[str], confidence_maps: Sequence[str],
                          palette: Sequence[ClassSpec]) -> None:
    """Ask Processing to style these outputs when it loads them (nothing happens for outputs it does not load)."""
    for paths, styler_palette in ((class_maps, palette), (confidence_maps, ())):
        for path in paths:
            if path and context.willLoadLayerOnCompletion(path):
                styler = ResultStyler(styler_palette)
                _ALIVE[id(styler)] = styler
                context.layerToLoadOnCompletionDetails(path).setPostProcessor(styler)
