# SPDX-License-Identifier: GPL-2.0-or-later
"""Spatiotemporal SSL for QGIS.

QGIS imports this module to load the plugin; the command line imports it as the package
``spatiotemporal_ssl``. Nothing heavy (torch, rasterio) is imported here, so QGIS starts even
when those are missing.
"""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    """Create the plugin. The import is deferred so that a missing dependency cannot stop QGIS."""
    from .plugin.main import SpatiotemporalSSLPlugin

    return SpatiotemporalSSLPlugin(iface)
