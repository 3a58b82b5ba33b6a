# SPDX-License-Identifier: GPL-2.0-or-later
"""The Imagery list: the project's raster layers, ticked for training, with CRS and acquisition date.

Dates come from the engine's detector (metadata, sidecar, file name) and can be overwritten in the table;
'unknown' is a legal value. The selected row is the raster whose tile grid the label tools draw.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from qgis.core import QgsMapLayer, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QEvent, Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import (
    QAbstractItemView, QCheckBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..core.errors import InputError
from ..core.params import RasterInput
from .i18n import tr
from .narrow_layout import WrappingLabel
from .settings import RasterChoice
from .training_choice import initial_ticks, is_plugin_output, raster_kind, raster_path, training_summary

COL_LAYER, COL_CRS, COL_DATE, COL_SOURCE = range(4)


def describe_layer_crs(layer: QgsRasterLayer) -> str:
    crs = layer.crs()
    if not crs.isValid():
        return tr("no CRS")
    try:
        from ..core.data.geo import describe_crs

        return describe_crs(crs.toWkt())
    except Exception:  # pyproj missing or unknown to PROJ: QGIS's own description still helps
        return f"{crs.authid()} - {crs.description()}".strip(" -")


def detect_date(layer: QgsRasterLayer) -> Tuple[str, str]:
    """(iso date or '', source) from the engine's detector; ('', reason) when it cannot run."""
    path = raster_path(layer)
    if not path:
        return "", tr("not a file")
    try:
        from ..core.data.dates import detect_acquisition_date

        found = detect_acquisition_date(path)
    except ImportError:
        return "", tr("not detected (engine not installed)")
    except Exception as exc:  # a detector must never stop the list from showing
        return "", str(exc)
    return found.iso, found.source


def engine_raster_path(layer: QgsRasterLayer, folder: str) -> str:
    """The file the engine should read for ``layer``.

    When the user has set a CRS in QGIS (Layer Properties > Source) for a file that has none, the engine would
    not see it; a small VRT beside the outputs carries the layer's CRS to it without copying pixels.
    """
    path = raster_path(layer)
    if not path or not layer.crs().isValid():
        return path
    from osgeo import gdal

    dataset = gdal.Open(path)
    if dataset is None or dataset.GetProjection():
        return path
    import os

    stem = os.path.splitext(os.path.basename(path))[0]
    vrt = os.path.join(folder, f"{stem}_with_crs.vrt")
    gdal.Translate(vrt, dataset, format="VRT", outputSRS=layer.crs().toWkt())
    return vrt


def is_training_candidate(layer: QgsMapLayer) -> bool:
    """Listed in Imagery: every valid raster layer except the plugin's own maps."""
    return isinstance(layer, QgsRasterLayer) and layer.isValid() and not is_plugin_output(layer)


class ImageryPanel(QWidget):
    """Check list of raster layers. Emits ``changed`` when ticks, dates or the selected raster change."""

    changed = pyqtSignal()
    referenceChanged = pyqtSignal()

    def __init__(self, project: Optional[QgsProject] = None, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self._detected: Dict[str, Tuple[str, str]] = {}  # layer id -> (iso, source)
        self._typed: Dict[str, str] = {}  # layer id -> what the user typed ('YYYY-MM-DD' or 'unknown')
        self._checked: Dict[str, bool] = {}
        self._unticked_why: Dict[str, str] = {}  # layer id -> why it was not ticked when it appeared
        self._filling = False

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("Raster"), tr("CRS"), tr("Date"), tr("Date from")])
        self.table.horizontalHeaderItem(COL_DATE).setToolTip(tr("Acquisition date"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Never wider than the dock (see _fit_columns): the name takes what is left and is elided (its tooltip
        # has it whole); where a date came from is in the date's tooltip rather than in a fourth column.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_LAYER, QHeaderView.ResizeMode.Stretch)
        for col in (COL_CRS, COL_DATE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnHidden(COL_SOURCE, True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.viewport().installEventFilter(self)
        self.table.setMaximumHeight(150)
        self.table.setToolTip(tr("Tick the rasters to train on. The selected row is the raster whose tiles you "
                                 "label. Double-click a date to correct it; 'unknown' is allowed."))
        self.table.itemChanged.connect(self._item_changed)
        self.table.currentCellChanged.connect(lambda *_: self.referenceChanged.emit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self.summary = WrappingLabel("")
        layout.addWidget(self.summary)
        self.series = QCheckBox(tr("Dates of one place"))
        self.series.setToolTip(tr("For the Presto backbone: the ticked single-date rasters (one grid, the same bands) "
                                  "are stacked into one time series per pixel, in date order, each dated by its "
                                  "date here; a date without data at a pixel (clouds, nodata) is masked there."))
        layout.addWidget(self.series)

        self.project.layersAdded.connect(self.refresh)
        self.project.layersRemoved.connect(self.refresh)
        self.project.layerTreeRoot().nameChanged.connect(self.refresh)
        self.refresh()

    # --- listing ----------------------------------------------------------------------------------------
    def raster_layers(self) -> List[QgsRasterLayer]:
        layers = [lyr for lyr in self.project.mapLayers().values() if is_training_candidate(lyr)]
        order = {layer.layerId(): i for i, layer in enumerate(self.project.layerTreeRoot().findLayers())}
        return sorted(layers, key=lambda lyr: (order.get(lyr.id(), 1 << 30), lyr.name()))

    def refresh(self, *_args) -> None:
        current = self.reference_layer()
        current_id = current.id() if current is not None else ""
        layers = self.raster_layers()
        self._tick_new(layers)
        self._filling = True
        self.table.setRowCount(len(layers))
        for row, layer in enumerate(layers):
            if layer.id() not in self._detected:
                self._detected[layer.id()] = detect_date(layer)
            name = QTableWidgetItem(layer.name())
            name.setData(Qt.ItemDataRole.UserRole, layer.id())
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Checked if self._checked[layer.id()] else Qt.CheckState.Unchecked)
            self.table.setItem(row, COL_LAYER, name)
            description = describe_layer_crs(layer)
            self._describe_row(row, layer, description)
            crs = QTableWidgetItem(description.split(" - ")[0])  # 'EPSG:32119'; the name is in the tooltip
            crs.setToolTip(description)
            crs.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if not layer.crs().isValid():
                crs.setForeground(QBrush(QColor(200, 0, 0)))
            self.table.setItem(row, COL_CRS, crs)
            self._fill_date(row, layer.id())
        self._filling = False
        if layers:
            ids = [layer.id() for layer in layers]
            self.table.setCurrentCell(ids.index(current_id) if current_id in ids else 0, COL_LAYER)
        self._show_summary()
        self._fit_columns()
        self.changed.emit()
        self.referenceChanged.emit()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """CRS and date as wide as their texts; when the dock is too narrow for them and a readable name, the
        CRS column goes (the CRS is in the name's tooltip and in the line under the list)."""
        metrics = self.table.fontMetrics()
        pad = 2 * self.table.style().pixelMetric(self.table.style().PixelMetric.PM_FocusFrameHMargin) + 12

        def natural(col: int) -> int:
            texts = [self.table.horizontalHeaderItem(col).text()] + [
                self.table.item(row, col).text() for row in range(self.table.rowCount()) if self.table.item(row, col)]
            return max(metrics.horizontalAdvance(text) for text in texts) + pad

        available = self.table.viewport().width()
        crs, date = natural(COL_CRS), natural(COL_DATE)
        hide_crs = available - crs - date < 0.4 * available
        self.table.setColumnHidden(COL_CRS, hide_crs)
        header = self.table.horizontalHeader()
        header.resizeSection(COL_DATE, min(date, available // 2))
        if not hide_crs:
            header.resizeSection(COL_CRS, crs)

    def _tick_new(self, layers: List[QgsRasterLayer]) -> None:
        """Decide the tick of rasters seen for the first time (see training_choice.initial_ticks)."""
        new = [layer for layer in layers if layer.id() not in self._checked]
        if not new:
            return
        ticked = [layer for layer in layers if self._checked.get(layer.id(), False)]
        for layer_id, why in initial_ticks(new, ticked).items():
            self._checked[layer_id] = why is None
            if why:
                self._unticked_why[layer_id] = why

    def _describe_row(self, row: int, layer: QgsRasterLayer, crs_description: str = "") -> None:
        """The name's tooltip: the whole name, its bands and CRS, and why it is not ticked when it was left out."""
        lines = [layer.name(), raster_kind(layer).describe(), crs_description or describe_layer_crs(layer)]
        why = self._unticked_why.get(layer.id())
        if why and not self._checked.get(layer.id(), False):
            lines.append(why)
        elif not raster_path(layer):
            lines.append(tr("Only file rasters (GeoTIFF, JP2, VRT, ...) can be used for training."))
        self.table.item(row, COL_LAYER).setToolTip("\n".join(lines))

    def _show_summary(self) -> None:
        self.summary.setText(training_summary(self.checked_layers()))

    def _fill_date(self, row: int, layer_id: str) -> None:
        iso, source = self._detected.get(layer_id, ("", ""))
        typed = self._typed.get(layer_id)
        if typed is not None:
            text, source = (typed if typed != "unknown" else tr("unknown")), tr("entered")
        else:
            text = iso or tr("unknown")
        date = QTableWidgetItem(text)
        date.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable)
        tip = tr("YYYY-MM-DD, or 'unknown'")
        if source:
            tip += "\n" + tr("Date from: {source}").format(source=source)
        date.setToolTip(tip)
        if not iso and typed is None:
            date.setForeground(QBrush(QColor(120, 120, 120)))
        self.table.setItem(row, COL_DATE, date)
        src = QTableWidgetItem(source)
        src.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.table.setItem(row, COL_SOURCE, src)

    def _layer_id(self, row: int) -> str:
        item = self.table.item(row, COL_LAYER)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        layer_id = self._layer_id(item.row())
        if item.column() == COL_LAYER:
            self._checked[layer_id] = item.checkState() == Qt.CheckState.Checked
            layer = self.project.mapLayer(layer_id)
            if layer is not None:
                self._filling = True
                self._describe_row(item.row(), layer)
                self._filling = False
            self._show_summary()
            self.changed.emit()
        elif item.column() == COL_DATE:
            self.set_date(layer_id, item.text())

    # --- dates ------------------------------------------------------------------------------------------
    def set_date(self, layer_id: str, text: str) -> None:
        """Use the date the user typed. Unparseable text is refused (the old value stays) with a tooltip."""
        from ..core.data.dates import parse_date

        layer = self.project.mapLayer(layer_id)
        name = layer.name() if layer is not None else layer_id
        stripped = text.strip()
        if stripped in ("", tr("unknown")):
            stripped = "unknown"
        try:
            value = parse_date(stripped, f"date for raster '{name}'")
        except InputError as exc:
            self._show_row(layer_id, str(exc))
            return
        self._typed[layer_id] = value.isoformat() if value is not None else "unknown"
        self._show_row(layer_id, "")
        self.changed.emit()

    def _show_row(self, layer_id: str, problem: str) -> None:
        for row in range(self.table.rowCount()):
            if self._layer_id(row) == layer_id:
                self._filling = True
                self._fill_date(row, layer_id)
                if problem:
                    self.table.item(row, COL_DATE).setToolTip(problem)
                    self.table.item(row, COL_DATE).setBackground(QBrush(QColor(255, 220, 220)))
                self._filling = False

    def date_for(self, layer_id: str) -> str:
        """The date the engine gets: what the user typed, else the detected one, else 'unknown'."""
        typed = self._typed.get(layer_id)
        if typed is not None:
            return typed
        return self._detected.get(layer_id, ("", ""))[0] or "unknown"

    # --- what the rest of the dock reads ------------------------------------------------------------------
    def checked_layers(self) -> List[QgsRasterLayer]:
        return [layer for layer in self.raster_layers() if self._checked.get(layer.id(), True)]

    def reference_layer(self) -> Optional[QgsRasterLayer]:
        """The selected raster (its grid is the one labelled), else the first ticked one."""
        row = self.table.currentRow()
        if row >= 0:
            layer = self.project.mapLayer(self._layer_id(row))
            if layer is not None:
                return layer
        checked = self.checked_layers()
        return checked[0] if checked else None

    def select_layer(self, layer_id: str) -> None:
        for row in range(self.table.rowCount()):
            if self._layer_id(row) == layer_id:
                self.table.setCurrentCell(row, COL_LAYER)

    def raster_inputs(self, folder: str = "") -> List[RasterInput]:
        """What the engine gets for the ticked rasters (``folder``: where a CRS wrapper may be written)."""
        return [RasterInput(path=engine_raster_path(layer, folder) if folder else raster_path(layer),
                            acquisition_date=self.date_for(layer.id()))
                for layer in self.checked_layers()]

    def series_stack(self, folder: str, name: str):
        """With the series box ticked: the ticked rasters as one series VRT ``name`` in ``folder``
        (core.app.series_stack.SeriesStack); None otherwise. InputError when they do not form a series."""
        if not self.series.isChecked():
            return None
        from ..core.app.series_stack import write_series_vrt

        rasters = self.raster_inputs(folder)
        return write_series_vrt([r.path for r in rasters], folder, [r.acquisition_date for r in rasters], name=name)

    def choices(self) -> List[RasterChoice]:
        ids = {layer.id() for layer in self.raster_layers()}
        return [RasterChoice(layer_id, self._checked.get(layer_id, True), self._typed.get(layer_id))
                for layer_id in sorted(ids)]

    def restore(self, choices: List[RasterChoice], reference_id: str = "") -> None:
        for choice in choices:
            self._checked[choice.layer_id] = choice.checked
            if choice.date:
                self._typed[choice.layer_id] = choice.date
        self.refresh()
        if reference_id:
            self.select_layer(reference_id)
