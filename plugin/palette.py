# SPDX-License-Identifier: GPL-2.0-or-later
"""The class palette in QGIS terms: the one source of class names and colours for labels, rasters and legends.

The palette is a list of :class:`core.params.ClassSpec` (value, name, colour). It becomes the label layer's
categorised renderer, the classified raster's paletted renderer, and it is stored in the project as JSON.
"""
from __future__ import annotations

import json
from typing import Iterable, List, Optional, Sequence, Tuple

from qgis.core import (
    QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsMarkerSymbol, QgsLineSymbol, QgsPalettedRasterRenderer,
    QgsRasterDataProvider, QgsRendererCategory, QgsSymbol, QgsVectorLayer, QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor

from ..core.app import palette as core_palette
from ..core.params import ClassSpec


def default_palette() -> List[ClassSpec]:
    """ESA WorldCover's 11 classes with their codes and official colours."""
    return [ClassSpec(code, name, tuple(color)) for code, (name, color) in core_palette.WORLDCOVER.items()]


def new_class(palette: Sequence[ClassSpec], name: str) -> ClassSpec:
    """A class to append: the next free value, and a colour that resembles the name or stands apart."""
    value = max((c.value for c in palette), default=0) + 1
    color = core_palette.worldcover_color(name)
    used = [tuple(c.color) for c in palette]
    if color is None or tuple(color) in used:
        color = core_palette.distinct_colors(1, avoid=used)[0]
    return ClassSpec(value, name, tuple(color))


def to_json(palette: Sequence[ClassSpec]) -> str:
    return json.dumps([{"value": c.value, "name": c.name, "color": list(c.color)} for c in palette])


def from_json(text: str) -> List[ClassSpec]:
    items = json.loads(text) if text else []
    return [ClassSpec(int(d["value"]), str(d["name"]), tuple(int(v) for v in d["color"])) for d in items]


def qcolor(spec: ClassSpec, alpha: int = 255) -> QColor:
    r, g, b = spec.color
    return QColor(int(r), int(g), int(b), alpha)


def find_class(palette: Sequence[ClassSpec], value) -> Optional[ClassSpec]:
    """The class a label attribute stands for: its value (10, '10') or its name ('Tree cover', any case)."""
    if value is None:
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is not None:
        for spec in palette:
            if spec.value == number:
                return spec
    text = str(value).strip().lower()
    for spec in palette:
        if spec.name.strip().lower() == text:
            return spec
    return None


def _symbol_for(layer: QgsVectorLayer, color: QColor) -> QgsSymbol:
    geometry = layer.geometryType()
    if geometry == QgsWkbTypes.GeometryType.PointGeometry:
        symbol = QgsMarkerSymbol.createSimple({"name": "circle", "size": "2.4"})
        symbol.setColor(color)
        return symbol
    if geometry == QgsWkbTypes.GeometryType.LineGeometry:
        symbol = QgsLineSymbol.createSimple({"line_width": "0.6"})
        symbol.setColor(color)
        return symbol
    # Semi-transparent fill with an outline that contrasts with the class colour: the imagery stays visible
    # under the labelled tiles, and a tile stays visible over a class map of its own colour.
    fill = QColor(color)
    fill.setAlpha(120)
    edge = QColor(235, 235, 235) if color.lightness() < 110 else QColor(color).darker(220)
    return QgsFillSymbol.createSimple({
        "color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}",
        "outline_color": f"{edge.red()},{edge.green()},{edge.blue()},255",
        "outline_width": "0.6",
    })


def categorized_renderer(layer: QgsVectorLayer, palette: Sequence[ClassSpec], field: str) -> QgsCategorizedSymbolRenderer:
    """One category per class, keyed by the class value, labelled with its name."""
    categories = [QgsRendererCategory(spec.value, _symbol_for(layer, qcolor(spec)), spec.name) for spec in palette]
    return QgsCategorizedSymbolRenderer(field, categories)


def palette_from_renderer(layer: QgsVectorLayer) -> Tuple[List[ClassSpec], Optional[str]]:
    """Classes from a categorised vector layer: (palette, class field). Empty when it is not categorised.

    Integer category values are kept as class values; text values get values 1, 2, ... in legend order, and
    their names are the category labels (or the values), so labels are then matched by name.
    """
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return [], None
    palette: List[ClassSpec] = []
    numeric = all(_is_int(cat.value()) for cat in renderer.categories() if cat.value() not in (None, ""))
    for i, cat in enumerate(renderer.categories()):
        if cat.value() in (None, "") or isinstance(cat.value(), list):
            continue  # the "all other values" category
        color = cat.symbol().color()
        value = int(cat.value()) if numeric else i + 1
        name = cat.label() or str(cat.value())
        if not numeric:
            name = str(cat.value())  # labels are matched to classes by the field's text
        palette.append(ClassSpec(value, name, (color.red(), color.green(), color.blue())))
    return palette, renderer.classAttribute()


def _is_int(value) -> bool:
    try:
        int(str(value).strip())
        return True
    except ValueError:
        return False


def paletted_renderer(provider: QgsRasterDataProvider, palette: Iterable[ClassSpec], band: int = 1) -> QgsPalettedRasterRenderer:
    """A paletted renderer whose legend shows the class names and colours."""
    classes = [QgsPalettedRasterRenderer.Class(spec.value, qcolor(spec), spec.name) for spec in palette]
    return QgsPalettedRasterRenderer(provider, band, classes)
