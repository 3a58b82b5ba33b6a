# SPDX-License-Identifier: GPL-2.0-or-later
"""Map tools that label tiles: click or drag over tiles, or draw a polygon around them.

Both tools work on the tile grid of the raster chosen in the dock, in that raster's CRS, whatever the
canvas CRS is. They ask a *target* (the dock's label panel) for the grid, the label layer and the class,
so they hold no state of their own beyond the current stroke.
"""
from __future__ import annotations

from typing import List, Optional, Protocol, Set, Tuple

from qgis.core import (
    QgsCoordinateTransform, QgsGeometry, QgsPointXY, QgsProject, QgsRectangle, QgsVectorLayer, QgsWkbTypes,
)
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent, QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import QPoint, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QCursor, QPainter, QPen, QPixmap
from qgis.PyQt.QtWidgets import QToolTip

from ..core.params import ClassSpec
from .i18n import tr
from .label_layer import TileEditSession
from .palette import qcolor
from .tile_grid import LayerTileGrid

# The grid is drawn only when a tile is at least this many screen pixels wide and when there are no more
# than MAX_GRID_LINES lines to draw: a denser grid is unreadable and slows the canvas.
MIN_TILE_SCREEN_PX = 6.0
MAX_GRID_LINES = 800


class LabelTarget(Protocol):
    def tile_grid(self) -> Optional[LayerTileGrid]: ...
    def label_layer(self) -> Optional[QgsVectorLayer]: ...
    def current_class(self) -> Optional[ClassSpec]: ...
    def show_grid(self) -> bool: ...  # optional: the grid is drawn when a target has no such method


def class_cursor(spec: Optional[ClassSpec]) -> QCursor:
    """A cross-hair with a square of the active class's colour beside it, so the class being painted is in
    sight at the cursor (a plain cross-hair when no class is chosen)."""
    if spec is None:
        return QCursor(Qt.CursorShape.CrossCursor)
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    for color, width in ((QColor(255, 255, 255), 3), (QColor(0, 0, 0), 1)):  # a halo keeps it visible anywhere
        painter.setPen(QPen(color, width))
        painter.drawLine(8, 1, 8, 15)
        painter.drawLine(1, 8, 15, 8)
    painter.setPen(QPen(QColor(0, 0, 0), 1))
    painter.setBrush(qcolor(spec))
    painter.drawRect(17, 17, 13, 13)
    painter.end()
    return QCursor(pixmap, 8, 8)


class _TileToolBase(QgsMapTool):
    """What both tools share: the CRS transform to the grid, the drawn grid, and writing a stroke."""

    labelsEdited = pyqtSignal()
    problem = pyqtSignal(str)

    def __init__(self, canvas: QgsMapCanvas, target: LabelTarget):
        super().__init__(canvas)
        self.target = target
        self.grid_band: Optional[QgsRubberBand] = None
        self._grid_lines = 0
        self.update_cursor()

    def update_cursor(self) -> None:
        """Show the active class on the cursor (called when the class or its colour changes)."""
        self.setCursor(class_cursor(self.target.current_class()))

    # --- coordinates ------------------------------------------------------------------------------------
    def _to_grid(self, grid: LayerTileGrid) -> QgsCoordinateTransform:
        return QgsCoordinateTransform(self.canvas().mapSettings().destinationCrs(), grid.crs, QgsProject.instance())

    def grid_point(self, grid: LayerTileGrid, map_point: QgsPointXY) -> QgsPointXY:
        return self._to_grid(grid).transform(map_point)

    # --- grid drawing -----------------------------------------------------------------------------------
    def activate(self) -> None:
        self.update_cursor()
        super().activate()
        self.canvas().extentsChanged.connect(self.draw_grid)
        self.draw_grid()

    def deactivate(self) -> None:
        try:
            self.canvas().extentsChanged.disconnect(self.draw_grid)
        except TypeError:
            pass
        self._clear_bands()
        super().deactivate()

    def _clear_bands(self) -> None:
        if self.grid_band is not None:
            self.canvas().scene().removeItem(self.grid_band)
            self.grid_band = None

    def grid_is_drawable(self, grid: LayerTileGrid) -> Tuple[bool, QgsRectangle]:
        """Whether the canvas is zoomed in enough for the grid, and the visible extent in the grid's CRS."""
        visible = self._to_grid(grid).transformBoundingBox(self.canvas().extent())
        if visible.width() <= 0:
            return False, visible
        tile_screen_px = self.canvas().width() * grid.tile_width / visible.width()
        return tile_screen_px >= MIN_TILE_SCREEN_PX, visible

    def draw_grid(self) -> None:
        # The user can hide the grid (it covers the result maps while a tool is on).
        show = getattr(self.target, "show_grid", None)
        grid = self.target.tile_grid() if show is None or show() else None
        if grid is None:
            self._grid_lines = 0
            if self.grid_band is not None:
                self.grid_band.reset(QgsWkbTypes.GeometryType.LineGeometry)
            return
        drawable, visible = self.grid_is_drawable(grid)
        lines = grid.visible_lines(visible) if drawable else []
        if not lines or len(lines) > MAX_GRID_LINES:
            self._grid_lines = 0
            if self.grid_band is not None:
                self.grid_band.reset(QgsWkbTypes.GeometryType.LineGeometry)
            return
        if self.grid_band is None:
            self.grid_band = QgsRubberBand(self.canvas(), QgsWkbTypes.GeometryType.LineGeometry)
            self.grid_band.setColor(QColor(255, 255, 255, 110))
            self.grid_band.setWidth(1)
        geometry = QgsGeometry.fromMultiPolylineXY([[QgsPointXY(x, y) for x, y in line] for line in lines])
        self.grid_band.setToGeometry(geometry, grid.crs)
        self._grid_lines = len(lines)

    def grid_line_count(self) -> int:
        """How many grid lines are drawn now (0 when zoomed out too far); for tests and the status bar."""
        return self._grid_lines

    # --- writing ----------------------------------------------------------------------------------------
    def _begin(self, description: str) -> Optional[TileEditSession]:
        grid = self.target.tile_grid()
        layer = self.target.label_layer()
        if grid is None:
            self.problem.emit(tr("Choose the raster to label in the Imagery list first."))
            return None
        if layer is None:
            self.problem.emit(tr("Create or open a label layer first."))
            return None
        return TileEditSession(layer, grid, description)

    def _finish(self, session: Optional[TileEditSession]) -> None:
        if session is None:
            return
        if not session.finish():
            self.problem.emit(tr("The label layer could not be saved: {errors}").format(
                errors="; ".join(session.layer.commitErrors())))
        self.labelsEdited.emit()


class TileLabelTool(_TileToolBase):
    """Click labels the tile under the cursor with the current class; drag paints; right-click or Shift erases."""

    def __init__(self, canvas: QgsMapCanvas, target: LabelTarget):
        super().__init__(canvas, target)
        self.session: Optional[TileEditSession] = None
        self.erasing = False
        self.spec: Optional[ClassSpec] = None
        self._done_tiles: Set[Tuple[int, int]] = set()
        self.hover_band: Optional[QgsRubberBand] = None
        self._hover_tip: Tuple[Optional[Tuple[int, int]], str] = (None, "")

    def _clear_bands(self) -> None:
        super()._clear_bands()
        if self.hover_band is not None:
            self.canvas().scene().removeItem(self.hover_band)
            self.hover_band = None

    def canvasPressEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802 - Qt API
        self.erasing = (event.button() == Qt.MouseButton.RightButton
                        or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self.spec = self.target.current_class()
        if not self.erasing and self.spec is None:
            self.problem.emit(tr("Choose a class in the Classes list first."))
            return
        self.session = self._begin(tr("Erase tiles") if self.erasing else tr("Label tiles"))
        self._done_tiles = set()
        self._apply(event.mapPoint())

    def canvasMoveEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        self._hover(event.mapPoint(), event.pos())
        if self.session is not None:
            self._apply(event.mapPoint())

    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if self.session is None:
            return
        session, self.session = self.session, None
        self._finish(session)

    def _apply(self, map_point: QgsPointXY) -> None:
        if self.session is None:
            return
        grid = self.session.grid
        tile = grid.tile_at(*self._xy(self.grid_point(grid, map_point)))
        if tile is None or tile in self._done_tiles:
            return
        self._done_tiles.add(tile)
        if self.erasing:
            self.session.erase_tile(*tile)
        else:
            self.session.label_tile(*tile, self.spec)

    @staticmethod
    def _xy(point: QgsPointXY) -> Tuple[float, float]:
        return point.x(), point.y()

    def hover_text(self) -> str:
        """The tooltip shown at the cursor over a tile: the class a click gives it."""
        spec = self.target.current_class()
        if spec is None:
            return tr("Choose a class in the Classes list first.")
        return tr("Label as: {name}").format(name=spec.name)

    def _hover(self, map_point: QgsPointXY, pos: Optional[QPoint] = None) -> None:
        grid = self.target.tile_grid()
        if grid is None:
            return
        tile = grid.tile_at(*self._xy(self.grid_point(grid, map_point)))
        if tile is None:
            if self.hover_band is not None:
                self.hover_band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
            self._hover_tip = (None, "")
            return
        text = self.hover_text()
        if pos is not None and self._hover_tip != (tile, text):
            # Once per tile (or class change): the class that a click paints, next to the cursor.
            QToolTip.showText(self.canvas().mapToGlobal(pos) + QPoint(18, 18), text, self.canvas())
            self._hover_tip = (tile, text)
        if self.hover_band is None:
            self.hover_band = QgsRubberBand(self.canvas(), QgsWkbTypes.GeometryType.PolygonGeometry)
            self.hover_band.setWidth(2)
        spec = self.target.current_class()
        color = qcolor(spec) if spec is not None else QColor(255, 255, 0)
        self.hover_band.setStrokeColor(color)
        self.hover_band.setFillColor(QColor(color.red(), color.green(), color.blue(), 60))
        self.hover_band.setToGeometry(grid.tile_polygon(*tile), grid.crs)


class PolygonLabelTool(_TileToolBase):
    """Left clicks add vertices; right-click closes the polygon and labels every tile it covers by at least
    half (with Shift held: erases them). Backspace removes the last vertex, Esc starts over."""

    def __init__(self, canvas: QgsMapCanvas, target: LabelTarget, min_coverage: float = 0.5):
        super().__init__(canvas, target)
        self.min_coverage = min_coverage
        self.vertices: List[QgsPointXY] = []
        self.band: Optional[QgsRubberBand] = None

    def _clear_bands(self) -> None:
        super()._clear_bands()
        self._reset_polygon()

    def _reset_polygon(self) -> None:
        self.vertices = []
        if self.band is not None:
            self.canvas().scene().removeItem(self.band)
            self.band = None

    def _update_band(self, floating: Optional[QgsPointXY] = None) -> None:
        if self.band is None:
            self.band = QgsRubberBand(self.canvas(), QgsWkbTypes.GeometryType.PolygonGeometry)
            spec = self.target.current_class()
            color = qcolor(spec) if spec is not None else QColor(255, 255, 0)
            self.band.setStrokeColor(color)
            self.band.setFillColor(QColor(color.red(), color.green(), color.blue(), 50))
            self.band.setWidth(2)
        points = self.vertices + ([floating] if floating is not None else [])
        self.band.setToGeometry(QgsGeometry.fromPolygonXY([points]) if len(points) >= 3
                                else QgsGeometry.fromPolylineXY(points))

    def canvasPressEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.vertices.append(QgsPointXY(event.mapPoint()))
            self._update_band()
        elif event.button() == Qt.MouseButton.RightButton:
            self.finish_polygon(erase=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))

    def canvasMoveEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if self.vertices:
            self._update_band(QgsPointXY(event.mapPoint()))

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self._reset_polygon()
        elif event.key() == Qt.Key.Key_Backspace and self.vertices:
            self.vertices.pop()
            self._update_band()

    def finish_polygon(self, erase: bool = False) -> int:
        """Label (or erase) the tiles the drawn polygon covers; returns how many tiles were touched."""
        vertices, self.vertices = self.vertices, []
        self._reset_polygon()
        if len(vertices) < 3:
            return 0
        spec = self.target.current_class()
        if not erase and spec is None:
            self.problem.emit(tr("Choose a class in the Classes list first."))
            return 0
        session = self._begin(tr("Erase tiles in polygon") if erase else tr("Label tiles in polygon"))
        if session is None:
            return 0
        polygon = QgsGeometry.fromPolygonXY([vertices])
        polygon.transform(self._to_grid(session.grid))
        polygon = polygon.makeValid()
        touched = 0
        for tile in session.grid.tiles_covered(polygon, self.min_coverage):
            touched += int(session.erase_tile(*tile) if erase else session.label_tile(*tile, spec))
        self._finish(session)
        return touched
