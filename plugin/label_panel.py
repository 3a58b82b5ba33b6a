# SPDX-License-Identifier: GPL-2.0-or-later
"""The Labelling section: the label layer, the two label tools, and how many tiles each class has."""
from __future__ import annotations

import html
import os
from typing import Callable, Dict, List, Optional

from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsRasterLayer, QgsVectorLayer
from qgis.gui import QgsFieldComboBox, QgsMapCanvas, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFormLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..core.params import ClassSpec
from .i18n import tr
from .label_layer import (
    CLASS_VALUE_FIELD, apply_palette, create_label_layer, is_tile_label_layer, layer_path, open_label_layer,
    tile_class_counts, tile_layer_from_labels,
)
from .maptools import PolygonLabelTool, TileLabelTool
from .palette import find_class, qcolor
from .tile_grid import LayerTileGrid
from .narrow_layout import WrapRow, WrappingLabel


class LabelPanel(QWidget):
    """Implements the map tools' target (grid, layer, class) from the rest of the dock's state."""

    labelsChanged = pyqtSignal()
    problem = pyqtSignal(str)
    info = pyqtSignal(str)

    def __init__(self, canvas: QgsMapCanvas, reference_layer: Callable[[], Optional[QgsRasterLayer]],
                 training_layers: Callable[[], List[QgsRasterLayer]], tile_size: Callable[[], int],
                 palette: Callable[[], List[ClassSpec]], current_class: Callable[[], Optional[ClassSpec]],
                 project: Optional[QgsProject] = None, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.canvas = canvas
        self.project = project or QgsProject.instance()
        self._reference_layer = reference_layer
        self._training_layers = training_layers
        self._tile_size = tile_size
        self._palette = palette
        self._current_class = current_class
        self._watched: Optional[QgsVectorLayer] = None
        self.counts: Dict[int, int] = {}
        self.unlabelled = 0
        self.unknown = 0

        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer | QgsMapLayerProxyModel.Filter.PointLayer)
        self.layer_combo.setAllowEmptyLayer(True)
        self.layer_combo.setToolTip(tr("The layer holding the labels: a GeoPackage made here, or any polygon or "
                                       "point layer with a class field"))
        self.field_combo = QgsFieldComboBox()
        for combo in (self.layer_combo, self.field_combo):  # long names must not widen the dock
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.field_combo.setToolTip(tr("The attribute that holds each label's class (value or name)"))
        self.new_button = QPushButton(tr("New…"))
        self.new_button.setToolTip(tr("Create a GeoPackage label layer (beside the project file by default)"))
        self.open_button = QPushButton(tr("Open…"))
        self.open_button.setToolTip(tr("Open an existing label GeoPackage"))
        self.convert_button = QPushButton(tr("To tile layer…"))
        self.convert_button.setToolTip(tr("Make an editable tile layer from this polygon or point layer: every tile "
                                          "of the selected raster that its labels cover by at least half gets "
                                          "their class, and the label tools then edit the new layer."))
        self.convert_button.setEnabled(False)
        # The buttons go under the layer list, and stack when the dock is narrow (QGIS's default width).
        layer_buttons = WrapRow([self.new_button, self.open_button, self.convert_button])

        self.tile_tool = TileLabelTool(canvas, self)
        self.polygon_tool = PolygonLabelTool(canvas, self)
        self.tile_button = QPushButton(tr("Label tiles"))
        self.tile_button.setCheckable(True)
        self.tile_button.setToolTip(tr("Click a tile to give it the selected class; drag to paint several. "
                                       "Right-click or Shift-click erases."))
        self.polygon_button = QPushButton(tr("Label by polygon"))
        self.polygon_button.setCheckable(True)
        self.polygon_button.setToolTip(tr("Click the corners of a polygon, right-click to finish: every tile it "
                                          "covers by at least half gets the selected class (Shift + right-click "
                                          "erases them)."))
        tools_row = WrapRow([self.tile_button, self.polygon_button])
        self.active_class = QLabel("")
        self.active_class.setWordWrap(True)
        self.active_class.setToolTip(tr("The class the label tools paint with; choose it in the Classes list."))
        self.grid_check = QCheckBox(tr("Show tile grid"))
        self.grid_check.setChecked(True)
        self.grid_check.setToolTip(tr("Draw the tile grid of the selected raster while a label tool is on; "
                                      "untick it to see the maps underneath."))

        self.counts_table = QTableWidget(0, 2)
        self.counts_table.setHorizontalHeaderLabels([tr("Class"), tr("Tiles")])
        self.counts_table.horizontalHeaderItem(1).setToolTip(tr("Labelled tiles"))
        self.counts_table.verticalHeader().setVisible(False)
        self.counts_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.counts_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.counts_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.counts_table.setMaximumHeight(180)
        self.summary = WrappingLabel("")

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(tr("Label layer"), self.layer_combo)
        form.addRow("", layer_buttons)
        form.addRow(tr("Class field"), self.field_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(tools_row)
        layout.addWidget(self.active_class)
        layout.addWidget(self.grid_check)
        layout.addWidget(self.counts_table)
        layout.addWidget(self.summary)

        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(250)
        self._count_timer.timeout.connect(self.update_counts)

        self.layer_combo.layerChanged.connect(self._layer_changed)
        self.field_combo.fieldChanged.connect(lambda *_: self.schedule_count())
        self.new_button.clicked.connect(self.new_layer_dialog)
        self.open_button.clicked.connect(self.open_layer_dialog)
        self.convert_button.clicked.connect(self.convert_dialog)
        self.grid_check.toggled.connect(lambda *_: self.redraw_grid())
        self.tile_button.toggled.connect(lambda on: self._toggle_tool(self.tile_tool, on))
        self.polygon_button.toggled.connect(lambda on: self._toggle_tool(self.polygon_tool, on))
        for tool in (self.tile_tool, self.polygon_tool):
            tool.labelsEdited.connect(self.schedule_count)
            tool.problem.connect(self.problem)
        canvas.mapToolSet.connect(self._map_tool_set)
        self.layer_combo.setLayer(None)
        self.current_class_changed()

    # --- LabelTarget ------------------------------------------------------------------------------------
    def tile_grid(self) -> Optional[LayerTileGrid]:
        layer = self._reference_layer()
        if layer is None or not layer.isValid():
            return None
        try:
            return LayerTileGrid.from_layer(layer, self._tile_size())
        except ValueError as exc:
            self.problem.emit(str(exc))
            return None

    def label_layer(self) -> Optional[QgsVectorLayer]:
        layer = self.layer_combo.currentLayer()
        if layer is not None and not is_tile_label_layer(layer):
            # The tools write tile polygons with class_value / class_name; other layers are read-only here.
            return None
        return layer

    def current_class(self) -> Optional[ClassSpec]:
        return self._current_class()

    def show_grid(self) -> bool:
        return self.grid_check.isChecked()

    def current_class_changed(self) -> None:
        """Show the class the tools paint with, here and on their cursor (the dock calls this on a change)."""
        spec = self._current_class()
        if spec is None:
            self.active_class.setText(tr("Active class: none (choose one in the Classes list)"))
        else:
            swatch = "#%02x%02x%02x" % tuple(int(v) for v in spec.color[:3])
            self.active_class.setText(
                f"<span style='background-color:{swatch}'>&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;"
                + html.escape(tr("Active class: {name}").format(name=spec.name)))
        for tool in (self.tile_tool, self.polygon_tool):
            tool.update_cursor()

    # --- the label layer --------------------------------------------------------------------------------
    def any_label_layer(self) -> Optional[QgsVectorLayer]:
        """The chosen label layer, made here or not."""
        return self.layer_combo.currentLayer()

    def class_field(self) -> str:
        return self.field_combo.currentField()

    def set_label_layer(self, layer: Optional[QgsVectorLayer], class_field: str = "") -> None:
        if layer is not None and self.project.mapLayer(layer.id()) is None:
            # On top of the layer tree, visible: never inside the group selected in the Layers panel, which may
            # be hidden (painted tiles would not show).
            self.project.addMapLayer(layer, False)
            self.project.layerTreeRoot().insertLayer(0, layer).setItemVisibilityChecked(True)
        self.layer_combo.setLayer(layer)
        if class_field:
            self.field_combo.setField(class_field)

    def default_label_path(self) -> str:
        project_file = self.project.fileName()
        if project_file:
            stem = os.path.splitext(os.path.basename(project_file))[0]
            return os.path.join(os.path.dirname(project_file), f"{stem}_labels.gpkg")
        return os.path.join(os.path.expanduser("~"), "spatiotemporal_ssl_labels.gpkg")

    def create_layer(self, path: str) -> QgsVectorLayer:
        reference = self._reference_layer()
        crs = reference.crs() if reference is not None and reference.crs().isValid() else self.canvas.mapSettings().destinationCrs()
        layer = create_label_layer(path, crs, tr("Labels"))
        apply_palette(layer, self._palette())
        self.set_label_layer(layer, CLASS_VALUE_FIELD)
        return layer

    def new_layer_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("New label layer"), self.default_label_path(),
                                              tr("GeoPackage (*.gpkg)"))
        if path:
            if not path.lower().endswith(".gpkg"):
                path += ".gpkg"
            try:
                self.create_layer(path)
            except OSError as exc:
                self.problem.emit(str(exc))

    def open_layer_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Open label layer"), os.path.dirname(self.default_label_path()),
                                              tr("GeoPackage (*.gpkg)"))
        if path:
            try:
                layer = open_label_layer(path, os.path.splitext(os.path.basename(path))[0])
            except OSError as exc:
                self.problem.emit(str(exc))
                return
            if is_tile_label_layer(layer):
                apply_palette(layer, self._palette(), save_default=False)
            self.set_label_layer(layer, CLASS_VALUE_FIELD if is_tile_label_layer(layer) else "")

    def convert_dialog(self) -> None:
        source = self.any_label_layer()
        if source is None:
            return
        stem = os.path.splitext(layer_path(source))[0] if os.path.exists(layer_path(source)) else \
            os.path.splitext(self.default_label_path())[0]
        path, _ = QFileDialog.getSaveFileName(self, tr("New tile layer"), self._free_path(f"{stem}_tiles.gpkg"),
                                              tr("GeoPackage (*.gpkg)"))
        if path:
            self.convert_to_tile_layer(path if path.lower().endswith(".gpkg") else path + ".gpkg")

    def convert_to_tile_layer(self, path: str) -> Optional[QgsVectorLayer]:
        """Turn the chosen polygon or point label layer into an editable tile layer at ``path``.

        Every tile of the selected raster's grid that the labels of a class cover by at least half (the rule
        the counts and the engine use) becomes one tile polygon of that class; the new layer then becomes the
        label layer, so the tools can add and erase tiles. The source layer is not changed.
        """
        source, field, grid = self.any_label_layer(), self.class_field(), self.tile_grid()
        if source is None or is_tile_label_layer(source):
            return None
        if not field:
            self.problem.emit(tr("Choose the class field of label layer '{name}'.").format(name=source.name()))
            return None
        if grid is None:
            self.problem.emit(tr("Choose the raster to label in the Imagery list first."))
            return None
        try:
            layer, n_tiles, unknown = tile_layer_from_labels(source, field, self._palette(), grid, path, tr("Labels"))
        except (OSError, ValueError) as exc:
            self.problem.emit(str(exc))
            return None
        self.set_label_layer(layer, CLASS_VALUE_FIELD)
        text = tr("{n} labelled tiles of '{name}' are now in the tile layer {path}; the label tools edit it.").format(
            n=n_tiles, name=source.name(), path=path)
        if unknown:
            text += " " + tr("{n} labels have a class that is not in the Classes list.").format(n=unknown)
        self.info.emit(text)
        return layer

    def label_layer_path(self) -> str:
        layer = self.any_label_layer()
        return layer_path(layer) if layer is not None else ""

    def _layer_changed(self, layer) -> None:
        if self._watched is not None:
            try:
                signals = self._layer_signals(self._watched)
            except RuntimeError:
                signals = ()
            for signal in signals:
                try:
                    signal.disconnect(self.schedule_count)
                except (TypeError, RuntimeError):  # RuntimeError: the layer was deleted with its signals
                    pass
        self._watched = layer
        self.field_combo.setLayer(layer)
        if layer is not None:
            if is_tile_label_layer(layer):
                self.field_combo.setField(CLASS_VALUE_FIELD)
            for signal in self._layer_signals(layer):
                signal.connect(self.schedule_count)
        writable = layer is None or is_tile_label_layer(layer)
        self.convert_button.setEnabled(not writable)
        for button in (self.tile_button, self.polygon_button):
            button.setEnabled(writable)
            button.setToolTip(button.toolTip() if writable else tr("The label tools write to label layers made "
                                                                 "with New…; this layer is used as it is."))
        self.schedule_count()
        self.labelsChanged.emit()

    @staticmethod
    def _layer_signals(layer: QgsVectorLayer):
        return (layer.featureAdded, layer.featureDeleted, layer.attributeValueChanged, layer.geometryChanged,
                layer.afterCommitChanges, layer.afterRollBack, layer.dataChanged)

    def apply_palette(self) -> None:
        layer = self.any_label_layer()
        if layer is not None and is_tile_label_layer(layer):
            apply_palette(layer, self._palette())
        self.schedule_count()

    # --- tools ------------------------------------------------------------------------------------------
    def _toggle_tool(self, tool, on: bool) -> None:
        if on:
            other = self.polygon_button if tool is self.tile_tool else self.tile_button
            other.setChecked(False)
            if self.label_layer() is None and self.any_label_layer() is None:
                # A first click on a tool with no label layer yet: make one at the default place.
                try:
                    self.create_layer(self._free_path(self.default_label_path()))
                    self.info.emit(tr("Created label layer {path}").format(path=self.label_layer_path()))
                except OSError as exc:
                    self.problem.emit(str(exc))
            self.canvas.setMapTool(tool)
        elif self.canvas.mapTool() is tool:
            self.canvas.unsetMapTool(tool)

    @staticmethod
    def _free_path(path: str) -> str:
        stem, ext = os.path.splitext(path)
        n = 2
        while os.path.exists(path):
            path = f"{stem}_{n}{ext}"
            n += 1
        return path

    def _map_tool_set(self, new_tool, _old_tool=None) -> None:
        self.tile_button.setChecked(new_tool is self.tile_tool)
        self.polygon_button.setChecked(new_tool is self.polygon_tool)

    def redraw_grid(self) -> None:
        tool = self.canvas.mapTool()
        if tool in (self.tile_tool, self.polygon_tool):
            tool.draw_grid()

    def deactivate_tools(self) -> None:
        for tool in (self.tile_tool, self.polygon_tool):
            if self.canvas.mapTool() is tool:
                self.canvas.unsetMapTool(tool)

    # --- counts -----------------------------------------------------------------------------------------
    def schedule_count(self, *_args) -> None:
        self._count_timer.start()

    def grids(self) -> List[LayerTileGrid]:
        grids = []
        for layer in self._training_layers():
            try:
                grids.append(LayerTileGrid.from_layer(layer, self._tile_size()))
            except ValueError:
                continue
        return grids

    def update_counts(self) -> None:
        """Recount labelled tiles per class over the ticked rasters, and the unlabelled tiles."""
        self._count_timer.stop()
        palette = self._palette()
        layer = self.any_label_layer()
        field = self.class_field()
        grids = self.grids()
        if layer is None or not field:
            self.counts, self.unknown = {spec.value: 0 for spec in palette}, 0
            self.unlabelled = sum(g.count for g in grids)
        else:
            self.counts, self.unlabelled, self.unknown = tile_class_counts(layer, field, palette, grids)
        self._show_counts(palette)
        self.labelsChanged.emit()

    def _show_counts(self, palette: List[ClassSpec]) -> None:
        shown = [spec for spec in palette if self.counts.get(spec.value, 0) > 0]
        self.counts_table.setRowCount(len(shown))
        for row, spec in enumerate(shown):
            name = QTableWidgetItem(spec.name)
            name.setData(Qt.ItemDataRole.DecorationRole, qcolor(spec))
            self.counts_table.setItem(row, 0, name)
            count = QTableWidgetItem(str(self.counts[spec.value]))
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.counts_table.setItem(row, 1, count)
        labelled = sum(self.counts.values())
        text = tr("{labelled} labelled tiles in {classes} classes, {unlabelled} unlabelled tiles.").format(
            labelled=labelled, classes=len(shown), unlabelled=self.unlabelled)
        if self.unknown:
            text += " " + tr("{n} labels have a class that is not in the Classes list.").format(n=self.unknown)
        self.summary.setText(text)

    def labelled_classes(self) -> List[ClassSpec]:
        """Classes, in palette order, that have at least one labelled tile."""
        return [spec for spec in self._palette() if self.counts.get(spec.value, 0) > 0]

    def classes_in_layer(self) -> List[ClassSpec]:
        """Palette classes used by any feature of the label layer (the class table the engine gets)."""
        layer = self.any_label_layer()
        field = self.class_field()
        if layer is None or not field:
            return []
        palette = self._palette()
        used = set()
        for feature in layer.getFeatures():
            spec = find_class(palette, feature[field])
            if spec is not None:
                used.add(spec.value)
        return [spec for spec in palette if spec.value in used]
