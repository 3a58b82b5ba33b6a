"""The engine of Spatiotemporal SSL: tiles, metadata, models, semi-supervised training, prediction.

This package never imports ``qgis``: it runs the same from QGIS, the ``stssl`` command line and ``torchrun``.
"""
