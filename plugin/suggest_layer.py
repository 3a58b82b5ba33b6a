# SPDX-License-Identifier: GPL-2.0-or-later
"""The "Suggested tiles" layer: the engine's suggestions GeoPackage as a QGIS layer (GUI thread only).

Tiles are drawn as outlines labelled with their rank, so the map under them stays visible. A suggestion is
done once the label layer covers at least half of its tile (the engine's rule for a labelled tile); done
suggestions are deleted from the GeoPackage, so the list on disk is always what is left to label.
"""
from __future__ import annotations

from typing import List, Optional

from qgis.core import (
    QgsCoordinateTransform, QgsFeature, QgsFeatureRequest, QgsFillSymbol, QgsGeometry, QgsPalLayerSettings,
    QgsProject, QgsSingleSymbolRenderer, QgsTextFormat, QgsVectorLayer, QgsVectorLayerSimpleLabeling, QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor

from .i18n import tr
from .results import OUTPUT_PROPERTY

SUGGESTIONS_PROPERTY = "spatiotemporal_ssl/suggestions"
LAYER_NAME = "suggestions"  # core.suggest.tiles.LAYER_NAME (not imported: the engine may be missing)
OUTLINE = "255,0,255"


def open_suggestions_layer(path: str, name: str = "") -> QgsVectorLayer:
    """Open a suggestions GeoPackage, styled as ranked outlines; raises OSError when QGIS cannot read it."""
    layer = QgsVectorLayer(f"{path}|layername={LAYER_NAME}", name or tr("Suggested tiles"), "ogr")
    if not layer.isValid():
        raise OSError(tr("QGIS cannot open the suggestions '{path}'").format(path=path))
    symbol = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": OUTLINE, "outline_width": "0.7"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    settings = QgsPalLayerSettings()
    settings.fieldName = "rank"
    settings.placement = QgsPalLayerSettings.Placement.OverPoint
    text = QgsTextFormat()
    text.setColor(QColor(255, 0, 255))
    text.setSize(9)
    buffer = text.buffer()
    buffer.setEnabled(True)
    buffer.setColor(QColor(255, 255, 255))
    text.setBuffer(buffer)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    layer.setCustomProperty(OUTPUT_PROPERTY, True)
    layer.setCustomProperty(SUGGESTIONS_PROPERTY, True)
    return layer


def is_suggestions_layer(layer) -> bool:
    return isinstance(layer, QgsVectorLayer) and bool(layer.customProperty(SUGGESTIONS_PROPERTY, False))


def ranked(layer: QgsVectorLayer) -> List[QgsFeature]:
    """The suggestions left, best (lowest rank) first."""
    return sorted(layer.getFeatures(), key=lambda f: int(f["rank"]))


def covered_fraction(tile: QgsGeometry, label_layer: QgsVectorLayer, to_labels: QgsCoordinateTransform) -> float:
    """How much of ``tile`` (suggestions CRS) the label layer's polygons cover (points: the tile they fall in)."""
    tile = QgsGeometry(tile)
    if to_labels.isValid() and not to_labels.isShortCircuited():
        tile.transform(to_labels)
    area = tile.area()
    if area <= 0:
        return 0.0
    parts = []
    for feature in label_layer.getFeatures(QgsFeatureRequest().setFilterRect(tile.boundingBox())):
        geometry = feature.geometry()
        if geometry.isEmpty():
            continue
        if geometry.type() == QgsWkbTypes.GeometryType.PointGeometry:
            if tile.intersects(geometry):
                return 1.0
            continue
        parts.append(geometry)
    if not parts:
        return 0.0
    return QgsGeometry.unaryUnion(parts).intersection(tile).area() / area


def labelled_suggestions(layer: QgsVectorLayer, label_layer: Optional[QgsVectorLayer],
                         min_coverage: float = 0.5) -> List[int]:
    """Feature ids of the suggestions whose tile the label layer now labels."""
    if label_layer is None or not label_layer.isValid():
        return []
    to_labels = QgsCoordinateTransform(layer.crs(), label_layer.crs(), QgsProject.instance())
    return [f.id() for f in layer.getFeatures()
            if covered_fraction(f.geometry(), label_layer, to_labels) >= min_coverage - 1e-9]


def remove_suggestions(layer: QgsVectorLayer, fids: List[int]) -> bool:
    """Delete suggestions from the GeoPackage (not through the edit buffer: this layer is ours, not the user's)."""
    if not fids:
        return True
    ok = layer.dataProvider().deleteFeatures(fids)
    layer.triggerRepaint()
    return bool(ok)
