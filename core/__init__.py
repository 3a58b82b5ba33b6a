# SPDX-License-Identifier: GPL-2.0-or-later
"""The engine of Spatiotemporal SSL: tiles, metadata, models, semi-supervised training, prediction.

This package never imports ``qgis``: it runs the same from QGIS, the ``stssl`` command line and ``torchrun``.
"""
import configparser as _configparser
import os as _os


def _version() -> str:
    """The version written in the plugin's metadata.txt, which QGIS reads; the Python package (pyproject.toml)
    and the model files take it from here, so it is written once."""
    path = _os.path.join(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))), "metadata.txt")
    parser = _configparser.ConfigParser(interpolation=None)
    if not parser.read(path, encoding="utf-8"):
        raise RuntimeError(f"'{path}' is missing: this copy of spatiotemporal_ssl is incomplete; reinstall it")
    return parser.get("general", "version").strip()


__version__ = _version()
