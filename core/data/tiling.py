# SPDX-License-Identifier: GPL-2.0-or-later
"""The tile grid of a raster and reading its tiles.

Tiles sit on the raster's own pixel grid, so a tile is always whole pixels and labels, predictions and the
QGIS tile map tool agree on where a tile is. The grid covers the whole raster: the last row and column of
tiles may reach past the edge, and those pixels are padded and masked (never dropped silently).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np
import rasterio

from ..errors import InputError
from .grid import check_tile_fits, stride_or_tile_size, tile_origin_count
from .raster import RasterInfo, read_block

# Upper bound on one read while extracting tiles. Tiles are read in strips of whole tile rows of about this
# size: one read per strip (GDAL reads contiguous rows well) and memory that does not grow with the raster.
DEFAULT_BLOCK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TileGrid:
    """Square tiles of ``tile_size_px`` whose origins are multiples of ``stride_px`` from pixel (0, 0).

    ``stride_px == tile_size_px`` gives non-overlapping tiles (training and the tile map tool); a smaller
    stride gives overlapping tiles (smoother prediction). ``raster_name`` only makes error messages name the
    raster.
    """

    width: int
    height: int
    tile_size_px: int
    stride_px: int
    raster_name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if int(self.tile_size_px) < 1:
            raise InputError(f"tile size must be at least 1 px (got {self.tile_size_px})")
        if int(self.stride_px) < 1:
            raise InputError(f"tile stride must be at least 1 px (got {self.stride_px})")
        check_tile_fits(self.tile_size_px, self.width, self.height, self.raster_name or "(unnamed)")

    @classmethod
    def for_raster(cls, info: RasterInfo, tile_size_px: int, stride_px: Optional[int] = None) -> "TileGrid":
        """The grid of a raster (see :class:`core.data.raster.RasterInfo`); the stride defaults to the tile size."""
        return cls(info.width, info.height, int(tile_size_px), stride_or_tile_size(tile_size_px, stride_px), info.name)

    @property
    def n_rows(self) -> int:
        return tile_origin_count(self.height, self.tile_size_px, self.stride_px)

    @property
    def n_cols(self) -> int:
        return tile_origin_count(self.width, self.tile_size_px, self.stride_px)

    @property
    def count(self) -> int:
        return self.n_rows * self.n_cols

    def origins(self) -> Tuple[np.ndarray, np.ndarray]:
        """Pixel (row, col) offsets of every tile's top-left corner, in row-major order (int64 arrays)."""
        r = np.arange(self.n_rows, dtype=np.int64) * self.stride_px
        c = np.arange(self.n_cols, dtype=np.int64) * self.stride_px
        rows, cols = np.meshgrid(r, c, indexing="ij")
        return rows.ravel(), cols.ravel()

    def index_of(self, row_off, col_off):
        """Position in :meth:`origins` of the tile whose origin is pixel (``row_off``, ``col_off``).

        Works on scalars and on arrays. Raises ``ValueError`` for a pixel that is not a tile origin.
        """
        r = np.asarray(row_off, dtype=np.int64)
        c = np.asarray(col_off, dtype=np.int64)
        i, j = r // self.stride_px, c // self.stride_px
        ok = (r % self.stride_px == 0) & (c % self.stride_px == 0) & (i >= 0) & (j >= 0)
        ok &= (i < self.n_rows) & (j < self.n_cols)
        if not np.all(ok):
            raise ValueError(f"({row_off}, {col_off}) is not a tile origin of {self}")
        index = i * self.n_cols + j
        return int(index) if index.ndim == 0 else index

    def tile_at_pixel(self, row: int, col: int) -> Optional[Tuple[int, int]]:
        """Origin (row_off, col_off) of the tile that contains a pixel, or None outside the raster.

        Meant for non-overlapping grids (the tile map tool). With overlap it returns the last tile whose origin
        is at or before the pixel, which contains it too.
        """
        if not (0 <= row < self.height and 0 <= col < self.width):
            return None
        i = min(int(row) // self.stride_px, self.n_rows - 1)
        j = min(int(col) // self.stride_px, self.n_cols - 1)
        return i * self.stride_px, j * self.stride_px

    def tile_bounds(self, transform: rasterio.Affine, row_off: int, col_off: int) -> Tuple[float, float, float, float]:
        """Map bounds (xmin, ymin, xmax, ymax) of a tile, including any part that lies past the raster edge."""
        t = self.tile_size_px
        corners = [transform @ (col_off + dc, row_off + dr) for dr in (0, t) for dc in (0, t)]
        xs = [p[0] for p in corners]
        ys = [p[1] for p in corners]
        return min(xs), min(ys), max(xs), max(ys)


def extract_tiles(
    ds: "rasterio.io.DatasetReader",
    grid: TileGrid,
    rows: np.ndarray,
    cols: np.ndarray,
    max_block_bytes: int = DEFAULT_BLOCK_BYTES,
    timesteps: int = 1,
) -> Tuple[np.ndarray, np.ndarray]:
    """Read the tiles with origins (``rows[i]``, ``cols[i]``) from an open raster.

    Returns ``(images, valid)``: float32 (N, C, T, T) and bool (N, T, T), in the order asked. Pixels past the
    raster edge and nodata pixels are 0 in ``images`` and False in ``valid`` (see :func:`core.data.raster.read_block`).
    Tiles are gathered from horizontal strips read in one go each, so a raster is read in a few large reads
    with memory bounded by ``max_block_bytes`` plus the output. ``timesteps`` > 1: a stack, masked per timestep
    (missing timesteps NaN, see :func:`core.data.raster.read_block`).
    """
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    if rows.shape != cols.shape:
        raise ValueError("rows and cols must have the same length")
    t = grid.tile_size_px
    n = rows.shape[0]
    images = np.zeros((n, ds.count, t, t), dtype=np.float32)
    valid = np.zeros((n, t, t), dtype=bool)
    if n == 0:
        return images, valid
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    # Bytes per strip row: data (float32 per band) and mask, across the widest span a strip can have.
    row_bytes = (ds.count * 4 + 1) * (grid.width + t)
    strip_height = max(t, int(max_block_bytes // max(row_bytes, 1)))
    start = 0
    while start < n:
        top = int(sorted_rows[start])
        # Every tile whose origin lets it end inside this strip.
        stop = int(np.searchsorted(sorted_rows, top + strip_height - t, side="right"))
        stop = max(stop, start + 1)
        sel = order[start:stop]
        left = int(cols[sel].min())
        right = int(cols[sel].max()) + t
        bottom = int(rows[sel].max()) + t
        data, ok = read_block(ds, top, left, bottom - top, right - left, timesteps=timesteps)
        r, c = rows[sel] - top, cols[sel] - left
        # numpy 1.24's stubs take a single axis; a tuple of axes is documented and works.
        windows = np.lib.stride_tricks.sliding_window_view(data, (t, t), axis=(1, 2))  # type: ignore[call-overload]
        images[sel] = windows[:, r, c].transpose(1, 0, 2, 3)
        valid[sel] = np.lib.stride_tricks.sliding_window_view(ok, (t, t))[r, c]
        start = stop
    return images, valid
