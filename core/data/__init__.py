# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading and tiling the inputs: rasters, dates, locations, labels, band statistics."""
