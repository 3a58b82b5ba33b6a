"""Processing: "Train Spatiotemporal SSL model" (the same core.app.pipeline.train_model the dock runs)."""
from __future__ import annotations

from qgis.core import (
    QgsProcessing, QgsProcessingException, QgsProcessingOutputNumber, QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum, QgsProcessingParameterField, QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers, QgsProcessingParameterNumber, QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ...core.params import METHODS, METADATA_MODES, ENCODINGS, BACKBONES, RasterInput, TrainOptions, TrainRequest
from ..i18n import tr
from .common import EngineAlgorithm, processing_error


class TrainModelAlgorithm(EngineAlgorithm):
    RASTERS = "RASTERS"
    DATES = "DATES"
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
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.LABELS, tr("Labels (polygons or points)"),
            [QgsProcessing.SourceType.TypeVectorPolygon, QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(self.CLASS_FIELD, tr("Class field"), parentLayerParameterName=self.LABELS))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, tr("Method"), options=list(METHODS),
                                                     defaultValue=METHODS.index(defaults.method)))
        self.addParameter(QgsProcessingParameterEnum(self.METADATA, tr("Metadata"), options=list(METADATA_MODES),
                                                     defaultValue=METADATA_MODES.index(defaults.metadata)))
        self.addParameter(QgsProcessingParameterEnum(self.ENCODING, tr("Metadata encoding"), options=list(ENCODINGS),
                                                     defaultValue=ENCODINGS.index(defaults.encoding)))
        self.addParameter(QgsProcessingParameterEnum(self.BACKBONE, tr("Backbone"), options=list(BACKBONES),
                                                     defaultValue=BACKBONES.index(defaults.backbone)))
        self.addParameter(QgsProcessingParameterNumber(self.TILE_SIZE, tr("Tile size (pixels)"),
                                                       defaultValue=defaults.tile_size_px, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(self.STEPS, tr("Training steps"),
                                                       defaultValue=defaults.steps, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(self.BATCH_SIZE, tr("Batch size"),
                                                       defaultValue=defaults.batch_size, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(self.SEED, tr("Seed"), defaultValue=defaults.seed, minValue=0))
        self.addParameter(QgsProcessingParameterString(self.DEVICE, tr("Device (auto, cpu, cuda:0)"),
                                                       defaultValue="auto"))
        self.addParameter(QgsProcessingParameterBoolean(self.OVERWRITE, tr("Overwrite an existing model file"),
                                                        defaultValue=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_MODEL, tr("Model file"),
                                                                fileFilter=tr("Model file (*.pt)")))
        self.addOutput(QgsProcessingOutputNumber(self.ACCURACY, tr("Validation accuracy")))

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
        # A layer that is not a file (a memory layer, a modeller intermediate) is written to a GeoPackage here.
        labels_path = self.parameterAsCompatibleSourceLayerPath(
            parameters, self.LABELS, context, ["gpkg", "shp", "geojson"], "gpkg", feedback)
        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        options = TrainOptions(
            method=METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
            metadata=METADATA_MODES[self.parameterAsEnum(parameters, self.METADATA, context)],
            encoding=ENCODINGS[self.parameterAsEnum(parameters, self.ENCODING, context)],
            backbone=BACKBONES[self.parameterAsEnum(parameters, self.BACKBONE, context)],
            tile_size_px=self.parameterAsInt(parameters, self.TILE_SIZE, context),
            steps=self.parameterAsInt(parameters, self.STEPS, context),
            batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context),
            seed=self.parameterAsInt(parameters, self.SEED, context),
            device=self.parameterAsString(parameters, self.DEVICE, context).strip() or "auto",
        )
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
        return {self.OUTPUT_MODEL: result.model_path, self.ACCURACY: accuracy if accuracy is not None else float("nan")}
