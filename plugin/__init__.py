"""The QGIS face of Spatiotemporal SSL: dock, map tools, worker thread, layers."""
