# SPDX-License-Identifier: GPL-2.0-or-later
"""Processing: "Create validation sample" (stratified random points over a class map, to label), the same
core.assessment.sample.create_sample as ``stssl sample``."""
from __future__ import annotations

from qgis.core import (
    QgsProcessing, QgsProcessingOutputNumber, QgsProcessingParameterEnum, QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer, QgsProcessingParameterString, QgsProcessingParameterVectorDestination,
)

from ...core.assessment import DEFAULT_MIN_PER_CLASS
from ..i18n import tr
from .assess_algorithm import AssessmentAlgorithm, class_map_path
from .common import processing_error


class CreateValidationSampleAlgorithm(AssessmentAlgorithm):
    INPUT = "INPUT"
    MODE = "MODE"
    PER_CLASS = "PER_CLASS"
    EXPECTED_UA = "EXPECTED_UA"
    TARGET_SE = "TARGET_SE"
    MIN_PER_CLASS = "MIN_PER_CLASS"
    SEED = "SEED"
    REFERENCE_FIELD = "REFERENCE_FIELD"
    OUTPUT = "OUTPUT"
    POINTS = "POINTS"

    def name(self) -> str:
        return "create_validation_sample"

    def displayName(self) -> str:  # noqa: N802
        return tr("Create validation sample")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr("Draws stratified random points (pixel centres) over a classified map, the map classes being the "
                  "strata, and writes them as a GeoPackage in the map's CRS with the map class and an empty "
                  "reference field to fill in by photo-interpretation or field visits. Either the same number "
                  "of points per class, or a total sized from the expected user's accuracy of each class and a "
                  "target standard error of overall accuracy (Olofsson et al. 2014, eq. 13), allocated in "
                  "proportion to area with a minimum per class. Expected accuracies: one number for all classes, "
                  "or 'CLASS=U' by code or name, e.g. '1=0.7, forest=0.9, 0.8'. The same seed gives the same "
                  "points. Then run 'Assess map accuracy' with the labelled layer.")

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Classified map")))
        self.addParameter(QgsProcessingParameterEnum(
            self.MODE, tr("Sample size"),
            options=[tr("the same number of points in every class"),
                     tr("from expected user's accuracies (Olofsson et al. 2014)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(self.PER_CLASS, tr("Points per class"), defaultValue=50,
                                                       minValue=1))
        self.addParameter(QgsProcessingParameterString(self.EXPECTED_UA, tr("Expected user's accuracies"),
                                                       defaultValue="0.8"))
        self.addParameter(QgsProcessingParameterNumber(
            self.TARGET_SE, tr("Target standard error of overall accuracy"), QgsProcessingParameterNumber.Type.Double,
            defaultValue=0.01, minValue=0.0001, maxValue=0.5))
        self.addParameter(QgsProcessingParameterNumber(self.MIN_PER_CLASS, tr("Minimum points per class"),
                                                       defaultValue=DEFAULT_MIN_PER_CLASS, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(self.SEED, tr("Seed"), defaultValue=0, minValue=0))
        self.addParameter(QgsProcessingParameterString(self.REFERENCE_FIELD, tr("Reference field to fill in"),
                                                       defaultValue="reference"))
        self.addParameter(QgsProcessingParameterVectorDestination(
            self.OUTPUT, tr("Validation sample"), QgsProcessing.SourceType.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputNumber(self.POINTS, tr("Number of points")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        map_path = class_map_path(self, parameters, self.INPUT, context)
        out_path = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        by_accuracy = self.parameterAsEnum(parameters, self.MODE, context) == 1

        from ...core.assessment.sample import create_sample

        try:
            result = create_sample(
                map_path, out_path,
                per_class=None if by_accuracy else self.parameterAsInt(parameters, self.PER_CLASS, context),
                expected_ua=self.parameterAsString(parameters, self.EXPECTED_UA, context) if by_accuracy else None,
                target_se=self.parameterAsDouble(parameters, self.TARGET_SE, context),
                min_per_class=self.parameterAsInt(parameters, self.MIN_PER_CLASS, context),
                seed=self.parameterAsInt(parameters, self.SEED, context),
                reference_field=self.parameterAsString(parameters, self.REFERENCE_FIELD, context).strip(),
                # The user chose this path in the dialog, which already asked before overwriting.
                overwrite=True,
            )
        except Exception as exc:
            raise processing_error(exc) from exc
        plan = result.plan
        feedback.pushInfo(tr("{n} points ({rule}).").format(n=plan.total, rule=plan.rule))
        for name, value, count in zip(plan.names, plan.values, plan.counts):
            feedback.pushInfo(f"  {name} ({int(value)}): {int(count)}")
        for note in plan.notes:
            feedback.pushInfo(note)
        return {self.OUTPUT: result.path, self.POINTS: plan.total}
