# SPDX-License-Identifier: GPL-2.0-or-later
"""Processing: "Assess map accuracy (Olofsson et al. 2014)" (the same core.assessment.assess_map as the
command line and the dock), writing the CSV and HTML reports."""
from __future__ import annotations

import math
from typing import Tuple

from qgis.core import (
    QgsProcessing, QgsProcessingException, QgsProcessingOutputNumber, QgsProcessingParameterField,
    QgsProcessingParameterFileDestination, QgsProcessingParameterRasterLayer, QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..dependencies import missing_dependencies
from ..i18n import tr
from .common import EngineAlgorithm, processing_error


class AssessmentAlgorithm(EngineAlgorithm):
    """Base of the assessment algorithms: their own group, and no need for PyTorch."""

    def group(self) -> str:
        return tr("Accuracy assessment")

    def groupId(self) -> str:  # noqa: N802
        return "accuracy_assessment"

    def canExecute(self) -> Tuple[bool, str]:  # noqa: N802
        missing = [s for s in missing_dependencies() if s.requirement.distribution != "torch"]
        if missing:
            return False, tr("Missing Python packages: {names}. Open the Spatiotemporal SSL dock to install them.").format(
                names=", ".join(status.describe() for status in missing))
        return True, ""


def class_map_path(algorithm, parameters, name, context) -> str:
    """The file behind a raster parameter; the engine reads files, not QGIS providers."""
    layer = algorithm.parameterAsRasterLayer(parameters, name, context)
    if layer is None or layer.providerType() != "gdal":
        raise QgsProcessingException(tr("The classified map must be a raster file (GeoTIFF, ...)."))
    return layer.source().split("|")[0]


class AssessAccuracyAlgorithm(AssessmentAlgorithm):
    INPUT = "INPUT"
    REFERENCE = "REFERENCE"
    CLASS_FIELD = "CLASS_FIELD"
    CLASS_MAP = "CLASS_MAP"
    OUTPUT_CSV = "OUTPUT_CSV"
    OUTPUT_HTML = "OUTPUT_HTML"
    OVERALL_ACCURACY = "OVERALL_ACCURACY"
    OVERALL_ACCURACY_CI = "OVERALL_ACCURACY_CI"
    SAMPLE_ACCURACY = "SAMPLE_ACCURACY"
    KAPPA = "KAPPA"
    SAMPLE_UNITS = "SAMPLE_UNITS"

    def name(self) -> str:
        return "assess_accuracy"

    def displayName(self) -> str:  # noqa: N802
        return tr("Assess map accuracy (Olofsson et al. 2014)")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr("Compares a classified map with independent reference points or polygons (any CRS) and reports "
                  "the error matrix, overall, user's and producer's accuracy, F1 and kappa, and the good-practice "
                  "estimates of Olofsson et al. (2014): area-adjusted accuracies and the area of each class with "
                  "95 % confidence intervals, in hectares. Points outside the map and samples on nodata are "
                  "counted in the log. Reference classes are integer codes as in the map, or class names; names "
                  "the map does not know are mapped with 'forest=1, water=2'. For area estimates that hold, the "
                  "reference should be a random sample, e.g. from 'Create validation sample'.")

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Classified map")))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.REFERENCE, tr("Reference data (points or polygons)"),
            [QgsProcessing.SourceType.TypeVectorPoint, QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.CLASS_FIELD, tr("Reference class field"),
                                                      parentLayerParameterName=self.REFERENCE))
        self.addParameter(QgsProcessingParameterString(
            self.CLASS_MAP, tr("Class names to map codes (e.g. forest=1, water=2; empty: codes or the map's names)"),
            optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_CSV, tr("Report (CSV)"),
                                                                fileFilter=tr("CSV files (*.csv)"), optional=True,
                                                                createByDefault=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_HTML, tr("Report (HTML)"),
                                                                fileFilter=tr("HTML files (*.html)"), optional=True,
                                                                createByDefault=True))
        for name, label in ((self.OVERALL_ACCURACY, tr("Overall accuracy (area-adjusted)")),
                            (self.OVERALL_ACCURACY_CI, tr("Overall accuracy: 95 % confidence half-width")),
                            (self.SAMPLE_ACCURACY, tr("Overall accuracy of the sample")),
                            (self.KAPPA, tr("Cohen's kappa")), (self.SAMPLE_UNITS, tr("Sample units used"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        map_path = class_map_path(self, parameters, self.INPUT, context)
        # A layer that is not a file (a memory layer, a modeller intermediate) is written to a GeoPackage here.
        reference_path = self.parameterAsCompatibleSourceLayerPath(
            parameters, self.REFERENCE, context, ["gpkg", "shp", "geojson"], "gpkg", feedback)
        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        out_csv = self.parameterAsFileOutput(parameters, self.OUTPUT_CSV, context) or None
        out_html = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context) or None

        from ...core.assessment.assess import assess_map
        from ...core.assessment.reference import parse_class_map
        from ...core.assessment.report import summary_lines, write_csv, write_html

        try:
            mapping = parse_class_map(self.parameterAsString(parameters, self.CLASS_MAP, context))
            report = assess_map(map_path, reference_path, class_field, mapping)
            # The user chose these paths in the dialog, which already asked before overwriting.
            if out_csv:
                write_csv(report, out_csv, overwrite=True)
            if out_html:
                write_html(report, out_html, overwrite=True)
        except Exception as exc:
            raise processing_error(exc) from exc
        for line in summary_lines(report):
            feedback.pushInfo(line)
        e = report.strata
        ci = float(e.ci(e.overall_accuracy_se))
        return {self.OUTPUT_CSV: out_csv, self.OUTPUT_HTML: out_html,
                self.OVERALL_ACCURACY: e.overall_accuracy, self.OVERALL_ACCURACY_CI: ci if math.isfinite(ci) else float("nan"),
                self.SAMPLE_ACCURACY: report.sample.overall_accuracy, self.KAPPA: report.sample.kappa,
                self.SAMPLE_UNITS: int(report.counts.sum())}
