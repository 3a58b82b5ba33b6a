# SPDX-License-Identifier: GPL-2.0-or-later
"""The Processing provider that holds the plugin's two algorithms."""
from __future__ import annotations

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..i18n import tr
from .assess_algorithm import AssessAccuracyAlgorithm
from .classify_algorithm import ClassifyRasterAlgorithm
from .sample_algorithm import CreateValidationSampleAlgorithm
from .train_algorithm import TrainModelAlgorithm

ICON_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "resources", "icon.svg")


class SpatiotemporalSSLProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "spatiotemporal_ssl"

    def name(self) -> str:
        return tr("Spatiotemporal SSL")

    def longName(self) -> str:  # noqa: N802
        return tr("Spatiotemporal SSL: semi-supervised land-cover mapping")

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def loadAlgorithms(self) -> None:  # noqa: N802
        self.addAlgorithm(TrainModelAlgorithm())
        self.addAlgorithm(ClassifyRasterAlgorithm())
        self.addAlgorithm(CreateValidationSampleAlgorithm())
        self.addAlgorithm(AssessAccuracyAlgorithm())
