# SPDX-License-Identifier: GPL-2.0-or-later
"""Errors that reach the user.

Every message names the input that is wrong and says how to fix it, e.g.
"raster 'scene.tif' has no CRS; assign one (QGIS: Layer Properties > Source) or pass --lat/--lon".
The plugin shows them in the message bar, the command line prints them without a traceback.
"""
from __future__ import annotations

from typing import Optional


class InputError(ValueError):
    """Bad user input (a file, a parameter, a label set). Nothing was written when this is raised."""


class ModelFileError(InputError):
    """A model file that is missing, foreign, damaged or from a newer version. Raised when it is opened, before
    any of its values is used, so a damaged file never surfaces as a KeyError deep in the engine."""


class OutputError(InputError):
    """An output could not be written (full disk, unwritable folder, a write or close that failed). The
    temporary file is gone and a previous file under the final name is untouched.

    ``rescued_path`` is set when the work was kept anyway: a trained model that could not be saved where asked
    is written to a fallback path that the message names.
    """

    def __init__(self, message: str, rescued_path: Optional[str] = None):
        super().__init__(message)
        self.rescued_path = rescued_path


class TrainingCancelled(RuntimeError):
    """Raised inside the trainer when the caller's cancel callback returned True."""


class PredictionCancelled(RuntimeError):
    """Raised by the prediction when the caller's ``should_stop`` returned True; no output file was left behind."""
