# SPDX-License-Identifier: GPL-2.0-or-later
"""The class palette: the WorldCover default, edits, import, and the one palette styling labels and maps."""
from __future__ import annotations

from conftest import SAMPLE_LABELS

from qgis.core import (
    QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsPalettedRasterRenderer, QgsRendererCategory, QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from spatiotemporal_ssl.core.params import ClassSpec


def test_default_palette_is_esa_worldcover(dock):
    palette = dock.classes.palette()
    assert len(palette) == 11
    assert palette[0] == ClassSpec(10, "Tree cover", (0, 100, 0))
    assert ClassSpec(80, "Permanent water bodies", (0, 100, 200)) in palette
    assert [c.value for c in palette] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100]


def test_add_rename_recolour_reorder_remove(dock, qtbot):
    editor = dock.classes
    with qtbot.waitSignal(editor.paletteChanged):
        spec = editor.add_class("Solar farm")
    assert spec.value == 101 and editor.palette()[-1].name == "Solar farm"
    assert spec.color not in [c.color for c in editor.palette()[:-1]]  # a colour of its own
    editor.table.item(11, 1).setText("Solar park")  # rename in the table, as a user types it
    assert editor.palette()[-1].name == "Solar park"
    editor.table.cellWidget(11, 0).setColor(QColor(10, 20, 30))  # the colour button
    assert editor.palette()[-1].color == (10, 20, 30)
    editor.table.setCurrentCell(11, 1)
    editor.up_button.click()
    assert [c.name for c in editor.palette()][9:12] == ["Mangroves", "Solar park", "Moss and lichen"]
    assert editor.current_class().name == "Solar park"  # the moved class stays selected
    editor.remove_button.click()
    assert "Solar park" not in [c.name for c in editor.palette()] and len(editor.palette()) == 11


def test_duplicate_name_is_refused(dock, message_bar):
    editor = dock.classes
    editor.table.item(1, 1).setText("Tree cover")
    assert editor.palette()[1].name == "Shrubland"
    assert any("unique" in text for text in [i.text() for i in message_bar.items()])


def test_import_from_categorised_layer(dock):
    layer = QgsVectorLayer(SAMPLE_LABELS, "sample labels", "ogr")
    categories = []
    for value, color in (("forest", "#1a7a1a"), ("water", "#2040c0"), ("developed", "#c02020")):
        symbol = QgsFillSymbol.createSimple({"color": color})
        categories.append(QgsRendererCategory(value, symbol, value.title()))
    layer.setRenderer(QgsCategorizedSymbolRenderer("label", categories))
    assert dock.classes.import_from_layer(layer)
    palette = dock.classes.palette()
    # Text values: classes 1..3, named by the values so the labels match them by name.
    assert palette == [ClassSpec(1, "forest", (0x1a, 0x7a, 0x1a)), ClassSpec(2, "water", (0x20, 0x40, 0xc0)),
                       ClassSpec(3, "developed", (0xc0, 0x20, 0x20))]
    assert dock.classes.imported_field == "label"


def test_label_layer_is_styled_by_palette_and_follows_renames(dock, sample_layer, tmp_path):
    dock.imagery.select_layer(sample_layer.id())
    layer = dock.labels.create_layer(str(tmp_path / "labels.gpkg"))
    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "class_value"
    assert [(c.value(), c.label()) for c in renderer.categories()][:2] == [(10, "Tree cover"), (20, "Shrubland")]
    assert renderer.categories()[7].symbol().color().name() == "#0064c8"  # water, semi-transparent fill
    dock.classes.table.item(0, 1).setText("Forest")
    assert layer.renderer().categories()[0].label() == "Forest"


def test_paletted_renderer_has_palette_names_and_colours(sample_layer):
    from spatiotemporal_ssl.plugin.palette import default_palette, paletted_renderer

    renderer = paletted_renderer(sample_layer.dataProvider(), default_palette()[:3])
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    assert [(c.value, c.label, c.color.name()) for c in renderer.classes()] == [
        (10, "Tree cover", "#006400"), (20, "Shrubland", "#ffbb22"), (30, "Grassland", "#ffff4c")]
    legend = [label for label, _ in renderer.legendSymbologyItems()]
    assert legend == ["Tree cover", "Shrubland", "Grassland"]
