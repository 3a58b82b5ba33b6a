# SPDX-License-Identifier: GPL-2.0-or-later
"""The QGIS face of Spatiotemporal SSL: dock, map tools, worker thread, layers."""
