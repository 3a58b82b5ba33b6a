# SPDX-License-Identifier: GPL-2.0-or-later
"""The Classes list: add, rename, recolour, remove and reorder classes; the selected row is the class the
label tools paint with."""
from __future__ import annotations

from typing import List, Optional

from qgis.core import QgsMapLayerProxyModel, QgsVectorLayer
from qgis.gui import QgsColorButton, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget,
    QTableWidgetItem, QToolButton, QVBoxLayout, QWidget,
)

from ..core.params import ClassSpec
from .i18n import tr
from .palette import default_palette, new_class, palette_from_renderer, qcolor

COL_COLOR, COL_NAME, COL_VALUE = range(3)
# Rows the list shows before it scrolls: the sample's 7 classes all at once, WorldCover's 11 with a scroll bar.
VISIBLE_ROWS = 8
COLOR_COLUMN_PX = 36


class PaletteEditor(QWidget):
    """Emits ``paletteChanged`` after any edit and ``currentClassChanged`` when the selected class changes."""

    paletteChanged = pyqtSignal()
    currentClassChanged = pyqtSignal()
    problem = pyqtSignal(str)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self._palette: List[ClassSpec] = []
        self._filling = False
        # The field the classes came from when they were imported from another layer ("" for our own layers).
        self.imported_field = ""

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["", tr("Class"), tr("Value")])
        self.table.horizontalHeaderItem(COL_COLOR).setToolTip(tr("Colour"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # A narrow colour column and an elided name keep the list inside a dock of QGIS's default width.
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(COLOR_COLUMN_PX)
        header.setSectionResizeMode(COL_COLOR, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COL_COLOR, COLOR_COLUMN_PX)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_VALUE, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.itemChanged.connect(self._item_changed)
        self.table.currentCellChanged.connect(self._current_changed)

        buttons = QHBoxLayout()
        self.add_button = self._button("symbologyAdd.svg", tr("Add a class"), self.add_class)
        self.remove_button = self._button("symbologyRemove.svg", tr("Remove the selected class"), self.remove_current)
        self.up_button = self._button("mActionArrowUp.svg", tr("Move up"), lambda: self.move_current(-1))
        self.down_button = self._button("mActionArrowDown.svg", tr("Move down"), lambda: self.move_current(1))
        self.import_button = self._button("mActionFileOpen.svg", tr("Import classes from a categorised vector layer"),
                                          self.import_dialog)
        self.reset_button = self._button("mActionReload.svg", tr("Reset to the ESA WorldCover classes"),
                                         lambda: self.set_palette(default_palette()))
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button,
                       self.import_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.set_palette(default_palette())

    @staticmethod
    def _button(icon: str, tip: str, slot) -> QToolButton:
        from qgis.core import QgsApplication

        button = QToolButton()
        button.setIcon(QgsApplication.getThemeIcon(icon))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    # --- the palette -------------------------------------------------------------------------------------
    def palette(self) -> List[ClassSpec]:
        return [ClassSpec(c.value, c.name, tuple(c.color)) for c in self._palette]

    def set_palette(self, palette: List[ClassSpec], current_value: Optional[int] = None) -> None:
        self._palette = [ClassSpec(c.value, c.name, tuple(c.color)) for c in palette]
        self._fill(current_value)
        self.paletteChanged.emit()

    def _fill(self, current_value: Optional[int] = None) -> None:
        if current_value is None:
            spec = self.current_class()
            current_value = spec.value if spec is not None else None
        self._filling = True
        self.table.setRowCount(len(self._palette))
        for row, spec in enumerate(self._palette):
            button = QgsColorButton()
            button.setMinimumWidth(COLOR_COLUMN_PX - 8)
            button.setColor(qcolor(spec))
            button.setAllowOpacity(False)
            button.setShowNoColor(False)
            button.setToolTip(tr("Click to change the colour of {name}").format(name=spec.name))
            button.colorChanged.connect(lambda color, value=spec.value: self._recolour(value, color))
            self.table.setCellWidget(row, COL_COLOR, button)
            name = QTableWidgetItem(spec.name)
            self.table.setItem(row, COL_NAME, name)
            value = QTableWidgetItem(str(spec.value))
            value.setToolTip(tr("The value written to the class raster"))
            value.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.table.setItem(row, COL_VALUE, value)
        self._filling = False
        values = [c.value for c in self._palette]
        self._fit_height()
        if self._palette:
            self.table.setCurrentCell(values.index(current_value) if current_value in values else 0, COL_NAME)
        self.show_current()

    def _fit_height(self) -> None:
        """Tall enough for up to VISIBLE_ROWS rows; more rows scroll (see show_current)."""
        rows = max(1, min(self.table.rowCount(), VISIBLE_ROWS))
        row_height = self.table.verticalHeader().defaultSectionSize()
        for row in range(min(self.table.rowCount(), VISIBLE_ROWS)):
            row_height = max(row_height, self.table.rowHeight(row))
        frame = 2 * self.table.frameWidth()
        height = self.table.horizontalHeader().sizeHint().height() + rows * row_height + frame
        self.table.setMinimumHeight(height)
        self.table.setMaximumHeight(height)

    def show_current(self) -> None:
        """Scroll the selected class into view: the class the label tools paint with is always in sight."""
        item = self.table.item(self.table.currentRow(), COL_NAME) if self.table.currentRow() >= 0 else None
        if item is not None:
            self.table.scrollToItem(item, QAbstractItemView.ScrollHint.EnsureVisible)

    def _current_changed(self, *_args) -> None:
        self.show_current()
        self.currentClassChanged.emit()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.show_current()  # rows have their real height only once shown

    def current_class(self) -> Optional[ClassSpec]:
        row = self.table.currentRow()
        if 0 <= row < len(self._palette):
            return self._palette[row]
        return None

    def set_current_value(self, value: Optional[int]) -> None:
        values = [c.value for c in self._palette]
        if value in values:
            self.table.setCurrentCell(values.index(value), COL_NAME)

    # --- edits -------------------------------------------------------------------------------------------
    def add_class(self, name: str = "") -> ClassSpec:
        name = name if isinstance(name, str) and name else tr("New class {n}").format(n=len(self._palette) + 1)
        spec = new_class(self._palette, name)
        self._palette.append(spec)
        self._fill(spec.value)
        self.paletteChanged.emit()
        self.table.editItem(self.table.item(len(self._palette) - 1, COL_NAME))
        return spec

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._palette):
            del self._palette[row]
            self._fill(self._palette[min(row, len(self._palette) - 1)].value if self._palette else None)
            self.paletteChanged.emit()

    def move_current(self, delta: int) -> None:
        row = self.table.currentRow()
        target = row + delta
        if 0 <= row < len(self._palette) and 0 <= target < len(self._palette):
            self._palette[row], self._palette[target] = self._palette[target], self._palette[row]
            self._fill(self._palette[target].value)
            self.paletteChanged.emit()

    def rename(self, value: int, name: str) -> None:
        name = name.strip()
        for i, spec in enumerate(self._palette):
            if spec.value == value:
                if not name or any(c.name == name and c.value != value for c in self._palette):
                    self.problem.emit(tr("Class names must be unique and not empty."))
                    self._fill(value)
                    return
                self._palette[i] = ClassSpec(spec.value, name, spec.color)
        self.paletteChanged.emit()

    def _recolour(self, value: int, color) -> None:
        for i, spec in enumerate(self._palette):
            if spec.value == value:
                self._palette[i] = ClassSpec(spec.value, spec.name, (color.red(), color.green(), color.blue()))
        self.paletteChanged.emit()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != COL_NAME:
            return
        if 0 <= item.row() < len(self._palette):
            self.rename(self._palette[item.row()].value, item.text())

    # --- import ------------------------------------------------------------------------------------------
    def import_from_layer(self, layer: QgsVectorLayer) -> bool:
        palette, field = palette_from_renderer(layer)
        if not palette:
            self.problem.emit(tr("Layer '{name}' is not styled by categories; style it with 'Categorized' "
                                 "in Layer Properties > Symbology first.").format(name=layer.name()))
            return False
        self.imported_field = field or ""
        self.set_palette(palette)
        return True

    def import_dialog(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(tr("Import classes"))
        combo = QgsMapLayerComboBox(dialog)
        combo.setFilters(QgsMapLayerProxyModel.Filter.VectorLayer)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(dialog.accept)
        box.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(tr("Take class names and colours from this layer's categorised style:")))
        layout.addWidget(combo)
        layout.addWidget(box)
        if dialog.exec() == QDialog.DialogCode.Accepted and combo.currentLayer() is not None:
            self.import_from_layer(combo.currentLayer())
