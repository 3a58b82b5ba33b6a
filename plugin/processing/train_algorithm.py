# SPDX-License-Identifier: GPL-2.0-or-later
"""Processing: "Train Spatiotemporal SSL model" (the same core.app.pipeline.train_model the dock runs)."""
from __future__ import annotations

from contextlib import ExitStack

from qgis.core import (
    QgsProcessing, QgsProcessingException, QgsProcessingOutputNumber, QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum, QgsProcessingParameterField, QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers, QgsProcessingParameterNumber, QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ...core.errors import InputError
from ...core.params import OptionSpec, RasterInput, TrainOptions, TrainRequest, option
from ..i18n import tr, tr_noop
from .common import EngineAlgorithm, processing_error

# Processing parameter -> training option. Descriptions, help, choices and minimums come from the options table
# (core/params.py); an enum's index is the position in the option's choice list.
CHOICE_PARAMETERS = (("METHOD", "method"), ("METADATA", "metadata"), ("ENCODING", "encoding"), ("BACKBONE", "backbone"),
                     ("NORMALIZATION", "normalization"))
NUMBER_PARAMETERS = (("TILE_SIZE", "tile_size_px"), ("STEPS", "steps"), ("BATCH_SIZE", "batch_size"), ("SEED", "seed"))
# The Presto backbone's inputs (all optional: by default roles come from the band names, scaling from the values).
PRESTO_CHOICE_PARAMETERS = (("SENSOR", "sensor"), ("SCALING", "scaling"))


ROLES_SYNTAX = tr_noop("Syntax: band=role, comma separated, 1-based band numbers of one timestep; a role is a Presto "
                       "channel (B2 ... B12, B8A, VV, VH, NDVI), a common name (blue, nir, swir16), B8+B8A for "
                       "several, or ignore. Bands whose role cannot be told from their names must be given.")
TIMESTEP_DATES_HELP = tr_noop("For a stack raster (the bands of one date, then the next date's): the date of every "
                              "timestep, where the band descriptions do not hold them. One list for every raster, or "
                              "one list per raster separated by ';'.")


def _described(parameter, spec: OptionSpec):
    parameter.setHelp(tr(spec.help))
    return parameter


class TrainModelAlgorithm(EngineAlgorithm):
    RASTERS = "RASTERS"
    DATES = "DATES"
    SERIES = "SERIES"
    LABELS = "LABELS"
    CLASS_FIELD = "CLASS_FIELD"
    METHOD = "METHOD"
    METADATA = "METADATA"
    ENCODING = "ENCODING"
    BACKBONE = "BACKBONE"
    TILE_SIZE = "TILE_SIZE"
    STEPS = "STEPS"
    BATCH_SIZE = "BATCH_SIZE"
    SEED = "SEED"
    DEVICE = "DEVICE"
    PRESTO_WEIGHTS = "PRESTO_WEIGHTS"
    BAND_ROLES = "BAND_ROLES"
    SENSOR = "SENSOR"
    SCALING = "SCALING"
    TIMESTEP_DATES = "TIMESTEP_DATES"
    OVERWRITE = "OVERWRITE"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    ACCURACY = "ACCURACY"

    def name(self) -> str:
        return "train_model"

    def displayName(self) -> str:  # noqa: N802
        return tr("Train Spatiotemporal SSL model")

    def shortHelpString(self) -> str:  # noqa: N802
        return tr("Trains a land-cover model from rasters and labelled polygons or points, learning also from the "
                  "unlabelled tiles (FixMatch, FreeMatch or SoftMatch). With the metadata teacher, a teacher network "
                  "sees each tile's location and acquisition date and guides a pixel-only student, which is the "
                  "model saved. Dates are detected from the rasters unless given, one per raster, comma separated "
                  "('unknown' is allowed).")

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        defaults = TrainOptions()
        self.addParameter(QgsProcessingParameterMultipleLayers(self.RASTERS, tr("Training rasters"),
                                                               QgsProcessing.SourceType.TypeRaster))
        self.addParameter(QgsProcessingParameterString(self.DATES, tr("Acquisition dates (YYYY-MM-DD, comma separated; "
                                                                      "empty: detect)"), optional=True))
        series = QgsProcessingParameterBoolean(
            self.SERIES, tr("The rasters are dates of one place (stack them into one series)"), defaultValue=False)
        series.setHelp(tr("For the Presto backbone: single-date rasters on one grid with the same bands become one "
                          "time series per pixel, in date order, each dated by its own acquisition date; a date "
                          "without data at a pixel (clouds, nodata) is masked at that timestep."))
        self.addParameter(series)
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.LABELS, tr("Labels (polygons or points)"),
            [QgsProcessing.SourceType.TypeVectorPolygon, QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(self.CLASS_FIELD, tr("Class field"), parentLayerParameterName=self.LABELS))
        for name, field in CHOICE_PARAMETERS:
            spec = option(field)
            self.addParameter(_described(QgsProcessingParameterEnum(
                name, tr(spec.label), options=[tr(c.label) for c in spec.choices],
                defaultValue=spec.values.index(getattr(defaults, field))), spec))
        for name, field in NUMBER_PARAMETERS:
            spec = option(field)
            self.addParameter(_described(QgsProcessingParameterNumber(
                name, tr(spec.label), defaultValue=getattr(defaults, field), minValue=spec.bounds.low), spec))
        spec = option("device")
        self.addParameter(_described(QgsProcessingParameterString(self.DEVICE, tr(spec.label),
                                                                  defaultValue=defaults.device), spec))
        self._add_presto_parameters(defaults)
        self.addParameter(QgsProcessingParameterBoolean(self.OVERWRITE, tr("Overwrite an existing model file"),
                                                        defaultValue=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_MODEL, tr("Model file"),
                                                                fileFilter=tr("Model file (*.pt)")))
        self.addOutput(QgsProcessingOutputNumber(self.ACCURACY, tr("Validation accuracy")))

    def _add_presto_parameters(self, defaults: TrainOptions) -> None:
        spec = option("pretrained")
        self.addParameter(_described(QgsProcessingParameterFile(
            self.PRESTO_WEIGHTS, tr(spec.label), fileFilter=tr("Presto weights (*.pt);;All files (*.*)"),
            optional=True), spec))
        spec = option("band_roles")
        roles = QgsProcessingParameterString(self.BAND_ROLES, tr(spec.label), optional=True)
        roles.setHelp(tr(spec.help) + " " + tr(ROLES_SYNTAX))
        self.addParameter(roles)
        for name, field in PRESTO_CHOICE_PARAMETERS:
            spec = option(field)
            default = getattr(defaults, field)
            self.addParameter(_described(QgsProcessingParameterEnum(
                name, tr(spec.label), options=[tr(c.label) for c in spec.choices],
                defaultValue=spec.values.index(default) if default is not None else None,
                optional=spec.optional), spec))
        dates = QgsProcessingParameterString(
            self.TIMESTEP_DATES, tr("Timestep dates (YYYY-MM-DD, comma separated; empty: from the band descriptions)"),
            optional=True)
        dates.setHelp(tr(TIMESTEP_DATES_HELP))
        self.addParameter(dates)

    def _presto_values(self, parameters, context) -> dict:
        values = {"pretrained": self.parameterAsFile(parameters, self.PRESTO_WEIGHTS, context).strip() or None,
                  "band_roles": self.parameterAsString(parameters, self.BAND_ROLES, context).strip() or None}
        for name, field in PRESTO_CHOICE_PARAMETERS:
            # An optional enum left empty is None (the option's default), not its first choice.
            if parameters.get(name) is not None and str(parameters.get(name)) != "":
                values[field] = option(field).values[self.parameterAsEnum(parameters, name, context)]
        return values

    def _timestep_dates(self, parameters, context, n_rasters: int) -> list:
        """One list of dates for every raster, or one list per raster separated by ';'."""
        from ...core.data.series import parse_timestep_dates

        text = self.parameterAsString(parameters, self.TIMESTEP_DATES, context).strip()
        if not text:
            return [None] * n_rasters
        what = tr("Timestep dates")
        lists = [parse_timestep_dates(part, what) for part in text.split(";")]
        if len(lists) not in (1, n_rasters):
            raise InputError(tr("{what}: {n} lists of dates (separated by ';') for {m} rasters; give one list for "
                                "all rasters or one per raster").format(what=what, n=len(lists), m=n_rasters))
        return lists * n_rasters if len(lists) == 1 else lists

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        layers = self.parameterAsLayerList(parameters, self.RASTERS, context)
        if not layers:
            raise QgsProcessingException(tr("Give at least one training raster."))
        dates_text = self.parameterAsString(parameters, self.DATES, context).strip()
        dates = [d.strip() for d in dates_text.split(",")] if dates_text else []
        if dates and len(dates) != len(layers):
            raise QgsProcessingException(tr("{n} dates were given for {m} rasters; give one per raster, or none.").format(
                n=len(dates), m=len(layers)))
        rasters = []
        for i, layer in enumerate(layers):
            path = layer.source().split("|")[0]
            if layer.providerType() != "gdal":
                raise QgsProcessingException(tr("raster '{name}' is not a file; save it as GeoTIFF first").format(
                    name=layer.name()))
            rasters.append(RasterInput(path=path, acquisition_date=dates[i] if dates else None))
        with ExitStack() as scope:
            if self.parameterAsBoolean(parameters, self.SERIES, context):
                from ...core.app.series_stack import series_stack

                try:
                    stack = scope.enter_context(series_stack([r.path for r in rasters], dates or None))
                except InputError as exc:
                    raise processing_error(exc) from exc
                feedback.pushInfo(tr("Series of {n} dates: {dates}").format(n=stack.layout.timesteps,
                                                                           dates=", ".join(stack.layout.dates)))
                rasters = [RasterInput(path=stack.path, timestep_dates=list(stack.layout.dates))]
            return self._train(rasters, parameters, context, feedback)

    def _train(self, rasters, parameters, context, feedback) -> dict:
        # A layer that is not a file (a memory layer, a modeller intermediate) is written to a GeoPackage here.
        labels_path = self.parameterAsCompatibleSourceLayerPath(
            parameters, self.LABELS, context, ["gpkg", "shp", "geojson"], "gpkg", feedback)
        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        values = {field: option(field).values[self.parameterAsEnum(parameters, name, context)]
                  for name, field in CHOICE_PARAMETERS}
        values.update({field: self.parameterAsInt(parameters, name, context) for name, field in NUMBER_PARAMETERS})
        values["device"] = self.parameterAsString(parameters, self.DEVICE, context).strip() or None
        try:
            values.update(self._presto_values(parameters, context))
            options = TrainOptions.from_mapping(values, named_by="label")  # the one check of this run's options
            # No weights file given: $STSSL_PRESTO_WEIGHTS or the dock's download folder, as in the dock.
            from ...core.app.presto_weights import resolve_pretrained
            from ..presto_weights_widget import plugin_weights_dir

            options = resolve_pretrained(options, [plugin_weights_dir()])
            series = self._timestep_dates(parameters, context, len(rasters))
        except InputError as exc:
            raise processing_error(exc) from exc
        for raster, dates in zip(rasters, series):
            raster.timestep_dates = dates
        out_model = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        request = TrainRequest(rasters=rasters, labels_path=labels_path, class_field=class_field, out_model=out_model,
                               options=options, overwrite=self.parameterAsBoolean(parameters, self.OVERWRITE, context))

        def progress(p) -> None:
            if p.phase == "training" and p.total_steps:
                feedback.setProgress(100.0 * p.step / p.total_steps)
                losses = ", ".join(f"{k} {v:.3f}" for k, v in (p.losses or {}).items())
                feedback.setProgressText(tr("step {step}/{total} {losses}").format(step=p.step, total=p.total_steps,
                                                                                   losses=losses))
            else:
                feedback.setProgressText(p.phase)

        from ...core.app.pipeline import train_model

        try:
            result = train_model(request, progress=progress, should_stop=feedback.isCanceled)
        except Exception as exc:
            raise processing_error(exc) from exc
        accuracy = result.report.get("accuracy")
        if result.cancelled:
            feedback.reportError(tr("Cancelled; the best model so far was saved."), False)
        feedback.pushInfo(tr("Model saved to {path} ({device}).").format(path=result.model_path,
                                                                          device=result.device_name))
        if accuracy is not None:
            feedback.pushInfo(tr("Validation accuracy {acc:.1%} on {n} held-out tiles.").format(
                acc=accuracy, n=result.n_validation))
        from ..results import reach_text

        reach, advice = reach_text(result.report.get("label_reach"))
        if advice:
            feedback.pushWarning(f"{reach} {advice}")
        elif reach:
            feedback.pushInfo(reach)
        return {self.OUTPUT_MODEL: result.model_path, self.ACCURACY: accuracy if accuracy is not None else float("nan")}
