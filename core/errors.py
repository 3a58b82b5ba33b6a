"""Errors that reach the user.

Every message names the input that is wrong and says how to fix it, e.g.
"raster 'scene.tif' has no CRS; assign one (QGIS: Layer Properties > Source) or pass --lat/--lon".
The plugin shows them in the message bar, the command line prints them without a traceback.
"""
from __future__ import annotations


class InputError(ValueError):
    """Bad user input (a file, a parameter, a label set). Nothing was written when this is raised."""


class TrainingCancelled(RuntimeError):
    """Raised inside the trainer when the caller's cancel callback returned True."""


class PredictionCancelled(RuntimeError):
    """Raised by the prediction when the caller's ``should_stop`` returned True; no output file was left behind."""
