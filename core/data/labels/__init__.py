# SPDX-License-Identifier: GPL-2.0-or-later
"""Labels: reading label vectors, the class table, and turning labels into per-tile class coverage.

A user labels land cover the way GIS users do: polygons (or points) with a class attribute, or a class raster.
The engine trains on tiles, so every label becomes the fraction of each tile's valid pixels that each class
covers, measured by rasterising at the raster's own pixel resolution. A tile's label then follows from that
coverage (single-label: the class covering most of it; multi-label: every class present), so a polygon
drawn a little past a field edge does not mislabel the neighbouring tile.
"""
