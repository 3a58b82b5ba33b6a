# SPDX-License-Identifier: GPL-2.0-or-later
"""Processing: "Classify raster with model" (the same core.app.predict.classify_raster the dock and `stssl predict` run)."""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace

from qgis.core import (
    QgsProcessing, QgsProcessingException, QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
    QgsProcessingParameterFile, QgsProcessingParameterMultipleLayers, QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer, QgsProcessingParameterString,
)

from ...core.params import RESOLUTION as RESOLUTION_OPTION, PredictRequest, option
from ..i18n import tr, tr_noop
from ..results import nodata_text, scale_warning_text
from .common import EngineAlgorithm, processing_error
from .result_styles import style_outputs_on_load


TIMESTEP_DATES_HELP = tr_noop("For a model with the Presto backbone and a stack raster (the bands of one date, then "
                              "the next date's): the date of every timestep, which the teacher reads, where the band "
                              "descriptions do not hold them.")


class ClassifyRasterAlgorithm(EngineAlgorithm):
    MODEL = "MODEL"
    INPUT = "INPUT"
    SERIES = "SERIES"
    DATE = "DATE"
    RESOLUTION = "RESOLUTION"
    DEVICE = "DEVICE"
    OUTPUT = "OUTPUT"
    CONFIDENCE = "CONFIDENCE"
    TEACHER = "TEACHER"
    FORCE = "FORCE"
    TIMESTEP_DATES = "TIMESTEP_DATES"

    def name(self) -> str:
        return "classify_raster"

    def displayName(self) -> str:  # noqa: N802
        return tr("Classify raster with model")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr("Classifies a raster with a model trained by Spatiotemporal SSL: a class map styled with the "
                  "model's classes, and optionally the confidence (highest class probability) and the metadata "
                  "teacher's map. The raster needs the bands the model was trained on.")

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(self.MODEL, tr("Model file"),
                                                     fileFilter=tr("Model file (*.pt *.pth);;All files (*.*)")))
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Raster to classify"), optional=True))
        series = QgsProcessingParameterMultipleLayers(
            self.SERIES, tr("Or: dates of one place to classify as one series (as in training)"),
            QgsProcessing.SourceType.TypeRaster, optional=True)
        series.setHelp(tr("Single-date rasters on one grid with the same bands, stacked into one time series per "
                          "pixel in date order (a model trained on a series); give these or the raster to classify."))
        self.addParameter(series)
        self.addParameter(QgsProcessingParameterString(
            self.DATE, tr("Acquisition date (YYYY-MM-DD; empty: detect; only used by the teacher's map)"), optional=True))
        dates = QgsProcessingParameterString(
            self.TIMESTEP_DATES, tr("Timestep dates of a stack raster (YYYY-MM-DD, comma separated; empty: from the "
                                    "band descriptions; only used by the teacher's map)"), optional=True)
        dates.setHelp(tr(TIMESTEP_DATES_HELP))
        self.addParameter(dates)
        resolution = QgsProcessingParameterEnum(self.RESOLUTION, tr(RESOLUTION_OPTION.label),
                                                options=[tr(c.label) for c in RESOLUTION_OPTION.choices],
                                                defaultValue=RESOLUTION_OPTION.values.index(PredictRequest.resolution))
        resolution.setHelp(tr(RESOLUTION_OPTION.help))
        self.addParameter(resolution)
        device = QgsProcessingParameterString(self.DEVICE, tr(option("device").label), defaultValue=PredictRequest.device)
        device.setHelp(tr(option("device").help))
        self.addParameter(device)
        self.addParameter(QgsProcessingParameterBoolean(
            self.FORCE, tr("Classify even when the raster's values lie far outside the training range"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Land cover")))
        self.addParameter(QgsProcessingParameterRasterDestination(self.CONFIDENCE, tr("Confidence"), optional=True,
                                                                  createByDefault=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.TEACHER, tr("Teacher's map"), optional=True,
                                                                  createByDefault=False))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        model_path = self.parameterAsFile(parameters, self.MODEL, context)
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        dates = self.parameterAsLayerList(parameters, self.SERIES, context)
        if (layer is None) == (not dates):
            raise QgsProcessingException(tr("Give either the raster to classify or the dates of one place to "
                                            "classify as one series, not both."))
        for given in ([layer] if layer is not None else dates):
            if given.providerType() != "gdal":
                raise QgsProcessingException(tr("The raster to classify must be a file (GeoTIFF, JP2, VRT, ...)."))
        with ExitStack() as scope:
            if dates:
                from ...core.app.series_stack import series_stack

                try:
                    stack = scope.enter_context(series_stack([d.source().split("|")[0] for d in dates]))
                except Exception as exc:
                    raise processing_error(exc) from exc
                raster_path, name, timestep_dates = stack.path, dates[0].name(), list(stack.layout.dates)
            else:
                raster_path, name, timestep_dates = layer.source().split("|")[0], layer.name(), None
            return self._classify(raster_path, name, timestep_dates, model_path, parameters, context, feedback)

    def _classify(self, raster_path, name, timestep_dates, model_path, parameters, context, feedback) -> dict:
        out_classes = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        out_confidence = self.parameterAsOutputLayer(parameters, self.CONFIDENCE, context) or None
        out_teacher = self.parameterAsOutputLayer(parameters, self.TEACHER, context) or None
        date = self.parameterAsString(parameters, self.DATE, context).strip() or None
        from ...core.data.series import parse_timestep_dates

        try:  # dates typed in the dialog win; a series brings its own
            given = parse_timestep_dates(
                self.parameterAsString(parameters, self.TIMESTEP_DATES, context).strip(), tr("Timestep dates"))
        except Exception as exc:
            raise processing_error(exc) from exc
        timestep_dates = given or timestep_dates

        from ...core.app.modelfile import load_model
        from ...core.app.predict import check_input_scale, classify_raster

        request = PredictRequest(
            model_path=model_path, raster_path=raster_path, out_classes=out_classes, timestep_dates=timestep_dates,
            out_confidence=out_confidence, out_teacher=out_teacher, acquisition_date=date,
            resolution=RESOLUTION_OPTION.values[self.parameterAsEnum(parameters, self.RESOLUTION, context)],
            device=self.parameterAsString(parameters, self.DEVICE, context).strip() or PredictRequest.device,
            overwrite=True,  # the user chose these paths in the dialog, which already asked before overwriting
        )
        try:
            model = load_model(request.model_path, device=request.device)
            if request.out_teacher and not model.has_teacher:
                feedback.reportError(tr("This model has no teacher; the teacher's map is skipped."), False)
                request = replace(request, out_teacher=None)
            check = check_input_scale(model, request.raster_path)
        except Exception as exc:
            raise processing_error(exc) from exc
        if not check.ok:
            warning = scale_warning_text(check, name)
            if not self.parameterAsBoolean(parameters, self.FORCE, context):
                raise QgsProcessingException(warning + " " + tr(
                    "Nothing was written; tick 'Classify even when the raster's values lie far outside the training "
                    "range' to classify it anyway."))
            feedback.pushWarning(warning)
        try:
            result = classify_raster(request, model, progress=lambda f: feedback.setProgress(100.0 * f),
                                     should_stop=feedback.isCanceled)
        except Exception as exc:
            raise processing_error(exc) from exc
        feedback.pushInfo(tr("Classified {n} tiles in {s:.1f} s.").format(n=result.tiles, s=result.seconds))
        feedback.pushInfo(nodata_text(result))
        # Processing loads its results without their .qml: the styles are applied as each map is loaded.
        style_outputs_on_load(context, [result.classes_path, result.teacher_path], [result.confidence_path],
                              model.classes)
        return {self.OUTPUT: result.classes_path, self.CONFIDENCE: result.confidence_path,
                self.TEACHER: result.teacher_path}
