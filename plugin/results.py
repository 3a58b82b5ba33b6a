"""Turning the engine's output files into QGIS layers (GUI thread only) and its report into readable text."""
from __future__ import annotations

import html
import os
from typing import List, Optional, Sequence

from qgis.core import (
    QgsLayerTreeGroup, QgsProject, QgsRasterLayer,
)

from ..core.params import ClassSpec
from .i18n import tr
from .palette import paletted_renderer
from .worker import JobResult

OUTPUT_PROPERTY = "spatiotemporal_ssl/output"  # marks our outputs so the imagery list leaves them out


def add_classified_layer(path: str, name: str, palette: Sequence[ClassSpec]) -> QgsRasterLayer:
    """A class raster drawn with the palette (names in the legend); the style is saved beside the file."""
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise OSError(tr("QGIS cannot open the class map '{path}'").format(path=path))
    layer.setRenderer(paletted_renderer(layer.dataProvider(), palette))
    layer.setCustomProperty(OUTPUT_PROPERTY, True)
    # The .qml sidecar makes the legend travel with the file into other projects.
    layer.saveDefaultStyle()
    return layer


def add_confidence_layer(path: str, name: str) -> QgsRasterLayer:
    """The confidence map; the engine's .qml sidecar (loaded automatically) gives it a fixed 0..1 ramp."""
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise OSError(tr("QGIS cannot open the confidence map '{path}'").format(path=path))
    layer.setCustomProperty(OUTPUT_PROPERTY, True)
    return layer


def add_result_layers(job: JobResult, palette: Optional[Sequence[ClassSpec]] = None,
                      project: Optional[QgsProject] = None) -> List[QgsLayerTreeGroup]:
    """One layer group per classified raster, on top of the layer tree: class map, confidence, teacher map.

    The palette is the model's own (what it was trained with), so the legend matches the training classes.
    """
    project = project or QgsProject.instance()
    palette = list(job.model_classes or palette or [])
    groups = []
    root = project.layerTreeRoot()
    model_name = os.path.splitext(os.path.basename(job.model_path))[0]
    for spec, prediction in zip(job.prediction_specs, job.predictions):
        title = tr("Land cover: {raster} ({model})").format(raster=spec.layer_name or os.path.basename(spec.raster_path),
                                                          model=model_name)
        group = root.insertGroup(0, title)
        layers = [add_classified_layer(prediction.classes_path, tr("Land cover"), palette)]
        if prediction.confidence_path:
            layers.append(add_confidence_layer(prediction.confidence_path, tr("Confidence")))
        if prediction.teacher_path:
            layers.append(add_classified_layer(prediction.teacher_path, tr("Teacher's map (with metadata)"), palette))
        for layer in layers:
            project.addMapLayer(layer, False)
            group.addLayer(layer)
        # Only the class map is visible at first; the others are one click away.
        for node in group.findLayers()[1:]:
            node.setItemVisibilityChecked(False)
        groups.append(group)
    return groups


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{100.0 * float(value):.1f}%"


def no_validation_message(report: dict) -> str:
    """Why no accuracy estimate came back, with the numbers of the run (the fraction held out and the tiles per class
    that fraction needs), and what to do about it."""
    fraction = report.get("val_fraction")
    needed = report.get("min_tiles_per_class_for_validation")
    text = tr("No labelled tiles were held out for validation.")
    held_out = report.get("min_validation_tiles_per_class")
    if held_out is not None:
        text += " " + tr("A class is validated only when at least {n} of its tiles can be held out.").format(n=held_out)
    if fraction is not None and needed is not None:
        text += " " + tr("At the held-out fraction of {pct:.0f} % that takes {n} labelled tiles of a class.").format(
            pct=100.0 * float(fraction), n=needed)
    return text + " " + tr("Label more tiles for an accuracy estimate; the last model of the run was kept.")


def report_html(report: dict, model_path: str = "", device_name: str = "", cancelled: bool = False) -> str:
    """Per-class validation accuracy and the confusion matrix, on labelled tiles held out from training."""
    names = [str(n) for n in report.get("class_names", [])]
    parts = []
    if model_path:
        parts.append(f"<p><b>{html.escape(tr('Model file'))}:</b> {html.escape(model_path)}</p>")
    if cancelled:
        parts.append(f"<p><i>{html.escape(tr('Training was cancelled; the best model so far was saved.'))}</i></p>")
    n_val = report.get("n_validation", 0) or 0
    accuracy = report.get("accuracy")
    if accuracy is None or not n_val:
        parts.append(f"<p>{html.escape(no_validation_message(report))}</p>")
        return "".join(parts)
    parts.append("<p>" + html.escape(tr("Validation accuracy: {acc} on {n} held-out labelled tiles").format(
        acc=_pct(accuracy), n=n_val)))
    if report.get("best_step") is not None:
        parts.append(" " + html.escape(tr("(best step {step})").format(step=report["best_step"])))
    if device_name:
        parts.append("<br>" + html.escape(tr("Device: {device}").format(device=device_name)))
    parts.append("</p>")
    per_class = report.get("per_class_accuracy") or []
    matrix = report.get("confusion_matrix") or []
    if per_class:
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td align='right'>{_pct(acc)}</td>"
            f"<td align='right'>{sum(matrix[i]) if i < len(matrix) else ''}</td></tr>"
            for i, (name, acc) in enumerate(zip(names, per_class))
        )
        parts.append(
            f"<table border='0' cellspacing='0' cellpadding='2'><tr><th align='left'>{html.escape(tr('Class'))}</th>"
            f"<th>{html.escape(tr('Accuracy'))}</th><th>{html.escape(tr('Tiles'))}</th></tr>{rows}</table>"
        )
    if matrix:
        head = "".join(f"<th>{html.escape(_short(n))}</th>" for n in names)
        body = "".join(
            f"<tr><th align='left'>{html.escape(_short(names[i]) if i < len(names) else str(i))}</th>"
            + "".join(f"<td align='right'>{'<b>%d</b>' % v if i == j else v}</td>" for j, v in enumerate(row))
            + "</tr>"
            for i, row in enumerate(matrix)
        )
        parts.append(
            f"<p><b>{html.escape(tr('Confusion matrix'))}</b> ({html.escape(tr('rows: labelled class, columns: predicted class'))})</p>"
            f"<table border='1' cellspacing='0' cellpadding='2'><tr><th></th>{head}</tr>{body}</table>"
        )
    return "".join(parts)


def _short(name: str, width: int = 12) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
