# SPDX-License-Identifier: GPL-2.0-or-later
"""Tile-grid rules shared by the engine (``core.data.tiling``) and the plugin's map tools (``plugin/tile_grid.py``).

No numpy, rasterio or torch here: the plugin labels tiles before the engine's packages are installed.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

from ..errors import InputError
from ..i18n import tr_noop

TILE_LARGER_THAN_RASTER = tr_noop(
    "tile size {size} px is larger than raster '{name}' ({w} x {h} px); lower the tile size")


def check_tile_fits(tile_size_px: int, width: int, height: int, raster_name: str,
                    translate: Callable[[str], str] = str) -> None:
    """Raise :class:`InputError` when a square tile is larger than a ``width`` x ``height`` px raster.

    ``translate`` turns the message template into the user's language (the plugin passes its ``tr``).
    """
    if int(tile_size_px) > int(width) or int(tile_size_px) > int(height):
        raise InputError(translate(TILE_LARGER_THAN_RASTER).format(size=tile_size_px, name=raster_name,
                                                                   w=width, h=height))


def stride_or_tile_size(tile_size_px: int, stride_px: Optional[int] = None) -> int:
    """The stride of a tile grid: the one given, else the tile size (non-overlapping tiles, as training and the
    tile map tool use)."""
    return int(stride_px) if stride_px is not None else int(tile_size_px)


def tile_origin_count(length_px: int, tile_size_px: int, stride_px: int) -> int:
    """How many tile origins (multiples of ``stride_px`` from pixel 0) a ``length_px`` axis needs so that the last
    tile reaches its far edge; that tile may reach past it (its outside pixels are padded and masked)."""
    return math.ceil(max(int(length_px) - int(tile_size_px), 0) / int(stride_px)) + 1
