# SPDX-License-Identifier: GPL-2.0-or-later
"""The tile grid of a QGIS raster layer, in the layer's own CRS, for the map tools and the tile counts.

The grid rules are the engine's, from the dependency-free ``core/data/grid.py`` that ``core.data.tiling.TileGrid``
uses too (here with stride = tile size): tile origins at multiples of the tile size from the raster's top-left
pixel, the last row and column reaching past the edge. This module only adds the map geometry (the layer's
extent and pixel size), so labelling works before torch and rasterio are installed;
``tests/test_plugin_tiles.py`` checks that both grids agree tile for tile.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsGeometry, QgsPoint, QgsRasterLayer, QgsRectangle

from ..core.data.grid import check_tile_fits, tile_origin_count
from .i18n import tr


@dataclass(frozen=True)
class LayerTileGrid:
    """Non-overlapping ``tile_size_px`` tiles over a north-up raster; (row, col) index tiles, not pixels."""

    crs: QgsCoordinateReferenceSystem
    x_min: float
    y_max: float
    pixel_width: float
    pixel_height: float
    width_px: int
    height_px: int
    tile_size_px: int
    layer_id: str = ""

    @classmethod
    def from_layer(cls, layer: QgsRasterLayer, tile_size_px: int) -> "LayerTileGrid":
        """The grid of ``layer``; raises ValueError (InputError) with a user message when the tile does not fit."""
        extent = layer.extent()
        width, height = int(layer.width()), int(layer.height())
        if width < 1 or height < 1:
            raise ValueError(tr("raster '{name}' has no pixels").format(name=layer.name()))
        check_tile_fits(tile_size_px, width, height, layer.name(), translate=tr)
        return cls(
            crs=layer.crs(),
            x_min=extent.xMinimum(),
            y_max=extent.yMaximum(),
            pixel_width=extent.width() / width,
            pixel_height=extent.height() / height,
            width_px=width,
            height_px=height,
            tile_size_px=int(tile_size_px),
            layer_id=layer.id(),
        )

    @property
    def n_rows(self) -> int:
        return tile_origin_count(self.height_px, self.tile_size_px, self.tile_size_px)

    @property
    def n_cols(self) -> int:
        return tile_origin_count(self.width_px, self.tile_size_px, self.tile_size_px)

    @property
    def count(self) -> int:
        return self.n_rows * self.n_cols

    @property
    def tile_width(self) -> float:
        return self.tile_size_px * self.pixel_width

    @property
    def tile_height(self) -> float:
        return self.tile_size_px * self.pixel_height

    def tile_at(self, x: float, y: float) -> Optional[Tuple[int, int]]:
        """(row, col) of the tile holding map point (x, y) in the grid's CRS; None outside the raster."""
        col_px = math.floor((x - self.x_min) / self.pixel_width)
        row_px = math.floor((self.y_max - y) / self.pixel_height)
        if not (0 <= row_px < self.height_px and 0 <= col_px < self.width_px):
            return None
        return min(row_px // self.tile_size_px, self.n_rows - 1), min(col_px // self.tile_size_px, self.n_cols - 1)

    def tile_rect(self, row: int, col: int) -> QgsRectangle:
        """Map bounds of a tile, including any part past the raster edge (the engine pads it)."""
        x0 = self.x_min + col * self.tile_width
        y1 = self.y_max - row * self.tile_height
        return QgsRectangle(x0, y1 - self.tile_height, x0 + self.tile_width, y1)

    def tile_polygon(self, row: int, col: int) -> QgsGeometry:
        return QgsGeometry.fromRect(self.tile_rect(row, col))

    def tiles_in_rect(self, rect: QgsRectangle) -> Iterator[Tuple[int, int]]:
        """Every tile whose bounds intersect ``rect`` (grid CRS)."""
        if rect.isEmpty() and not (rect.width() == 0 and rect.height() == 0):
            return
        c0 = max(0, math.floor((rect.xMinimum() - self.x_min) / self.tile_width))
        c1 = min(self.n_cols - 1, math.floor((rect.xMaximum() - self.x_min) / self.tile_width))
        r0 = max(0, math.floor((self.y_max - rect.yMaximum()) / self.tile_height))
        r1 = min(self.n_rows - 1, math.floor((self.y_max - rect.yMinimum()) / self.tile_height))
        for row in range(r0, r1 + 1):
            for col in range(c0, c1 + 1):
                yield row, col

    def tiles_covered(self, polygon: QgsGeometry, min_coverage: float = 0.5,
                      candidates: Optional[Iterable[Tuple[int, int]]] = None) -> Iterator[Tuple[int, int]]:
        """Tiles of which ``polygon`` (grid CRS) covers at least ``min_coverage`` of the pixels.

        A pixel is covered when its centre is inside, GDAL's rule, which the engine uses when it labels
        tiles from polygons. ``candidates`` limits the search (e.g. the tiles under each part's bounding box,
        which for scattered labels is far fewer than the tiles under the bounding box of them all).
        """
        if polygon is None or polygon.isEmpty():
            return
        engine = QgsGeometry.createGeometryEngine(polygon.constGet())
        engine.prepareGeometry()
        needed = min_coverage * self.tile_size_px ** 2
        for row, col in (candidates if candidates is not None else self.tiles_in_rect(polygon.boundingBox())):
            tile = self.tile_polygon(row, col)
            if engine.contains(tile.constGet()):
                yield row, col
            elif engine.intersects(tile.constGet()) and self._centres_inside(engine, row, col) >= needed - 1e-9:
                yield row, col

    def _centres_inside(self, engine, row: int, col: int) -> int:
        """Pixels of a tile whose centres lie inside the prepared polygon."""
        x0 = self.x_min + col * self.tile_width
        y0 = self.y_max - row * self.tile_height
        inside = 0
        for i in range(self.tile_size_px):
            y = y0 - (i + 0.5) * self.pixel_height
            for j in range(self.tile_size_px):
                inside += engine.contains(QgsPoint(x0 + (j + 0.5) * self.pixel_width, y))
        return inside

    def visible_lines(self, rect: QgsRectangle) -> list:
        """Grid lines inside ``rect`` (grid CRS), clipped to the grid, as lists of two (x, y) points."""
        grid_rect = QgsRectangle(self.x_min, self.y_max - self.n_rows * self.tile_height,
                                 self.x_min + self.n_cols * self.tile_width, self.y_max)
        clip = rect.intersect(grid_rect)
        if clip.isEmpty():
            return []
        lines = []
        c0 = math.ceil((clip.xMinimum() - self.x_min) / self.tile_width)
        c1 = math.floor((clip.xMaximum() - self.x_min) / self.tile_width)
        for c in range(c0, c1 + 1):
            x = self.x_min + c * self.tile_width
            lines.append([(x, clip.yMinimum()), (x, clip.yMaximum())])
        r0 = math.ceil((self.y_max - clip.yMaximum()) / self.tile_height)
        r1 = math.floor((self.y_max - clip.yMinimum()) / self.tile_height)
        for r in range(r0, r1 + 1):
            y = self.y_max - r * self.tile_height
            lines.append([(clip.xMinimum(), y), (clip.xMaximum(), y)])
        return lines
