# SPDX-License-Identifier: GPL-2.0-or-later
"""What both algorithms share: the dependency check, and engine errors as Processing errors."""
from __future__ import annotations

from typing import Tuple

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException

from ..dependencies import missing_dependencies
from ..i18n import tr


class EngineAlgorithm(QgsProcessingAlgorithm):
    """Base: a group, a translated display, and a refusal to run (with the reason) when torch is missing."""

    def group(self) -> str:
        return tr("Land cover")

    def groupId(self) -> str:  # noqa: N802
        return "land_cover"

    def createInstance(self):  # noqa: N802
        return type(self)()

    def canExecute(self) -> Tuple[bool, str]:  # noqa: N802
        missing = missing_dependencies()
        if missing:
            return False, tr("Missing Python packages: {names}. Open the Spatiotemporal SSL dock to install them.").format(
                names=", ".join(status.describe() for status in missing))
        return True, ""


def processing_error(exc: Exception) -> QgsProcessingException:
    """An engine error as Processing shows it: the message, without a traceback."""
    from ..worker import user_message

    return QgsProcessingException(user_message(exc))
