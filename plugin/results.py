# SPDX-License-Identifier: GPL-2.0-or-later
"""Turning the engine's output files into QGIS layers (GUI thread only) and its report into readable text."""
from __future__ import annotations

import datetime
import html
import os
from typing import List, Optional, Sequence, Tuple

from qgis.core import (
    QgsLayerTreeGroup, QgsProject, QgsRasterLayer,
)

from ..core.params import ClassSpec, option
from .i18n import tr
from .palette import paletted_renderer
from .worker import JobResult

OUTPUT_PROPERTY = "spatiotemporal_ssl/output"  # marks our outputs so the imagery list leaves them out


def style_class_layer(layer: QgsRasterLayer, palette: Sequence[ClassSpec]) -> None:
    """Draw a class map with the palette (class names in the legend) and mark it as the plugin's output.

    Used for the dock's maps and, through a Processing post-processor, for "Classify raster with model":
    without it the file's 256-entry colour table would show raw values 0..255 in the legend.
    """
    layer.setRenderer(paletted_renderer(layer.dataProvider(), palette))
    layer.setCustomProperty(OUTPUT_PROPERTY, True)
    layer.triggerRepaint()


def style_confidence_layer(layer: QgsRasterLayer) -> bool:
    """Give a confidence map the engine's fixed 0..1 ramp (its .qml sidecar) and mark it as the plugin's output.

    QGIS reads the sidecar itself when it opens a file, but Processing opens its results without their default
    style, so it is loaded here explicitly. False when the sidecar could not be read.
    """
    _, loaded = layer.loadDefaultStyle()
    layer.setCustomProperty(OUTPUT_PROPERTY, True)
    layer.triggerRepaint()
    return bool(loaded)


def add_classified_layer(path: str, name: str, palette: Sequence[ClassSpec]) -> QgsRasterLayer:
    """A class raster drawn with the palette (names in the legend); the style is saved beside the file."""
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise OSError(tr("QGIS cannot open the class map '{path}'").format(path=path))
    style_class_layer(layer, palette)
    # The .qml sidecar makes the legend travel with the file into other projects.
    layer.saveDefaultStyle()
    return layer


def add_confidence_layer(path: str, name: str) -> QgsRasterLayer:
    """The confidence map, with the engine's fixed 0..1 ramp."""
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise OSError(tr("QGIS cannot open the confidence map '{path}'").format(path=path))
    style_confidence_layer(layer)
    return layer


def result_group_name(project: QgsProject, raster: str, model: str, when: Optional[datetime.datetime] = None) -> str:
    """'Land cover: raster (model, 14:03:22)', numbered when a group of that name exists already, so the groups
    of two runs are told apart in the layer tree."""
    when = when or datetime.datetime.now()
    title = tr("Land cover: {raster} ({model}, {time})").format(raster=raster, model=model,
                                                               time=when.strftime("%H:%M:%S"))
    taken = {group.name() for group in project.layerTreeRoot().findGroups(True)}
    name, n = title, 2
    while name in taken:
        name = f"{title} #{n}"
        n += 1
    return name


def add_result_layers(job: JobResult, palette: Optional[Sequence[ClassSpec]] = None,
                      project: Optional[QgsProject] = None) -> List[QgsLayerTreeGroup]:
    """One layer group per classified raster, on top of the layer tree: class map, confidence, teacher map.

    The palette is the model's own (what it was trained with), so the legend matches the training classes.
    The groups go to the top of the tree, never inside the group selected in the Layers panel (which may be
    hidden), and are visible.
    """
    project = project or QgsProject.instance()
    palette = list(job.model_classes or palette or [])
    groups = []
    root = project.layerTreeRoot()
    model_name = os.path.splitext(os.path.basename(job.model_path))[0]
    for spec, prediction in zip(job.prediction_specs, job.predictions):
        title = result_group_name(project, spec.layer_name or os.path.basename(spec.raster_path), model_name)
        group = root.insertGroup(0, title)
        group.setItemVisibilityChecked(True)
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


def _notice_html(text: str, advice: str) -> str:
    """A finding of the report that asks the user to act: the finding in bold, then what to do."""
    return f"<p><b>{html.escape(text)}</b> {html.escape(advice)}</p>"


def baseline_html(baseline: Optional[dict]) -> str:
    """The cheap baseline on the same held-out tiles (core.learning.baseline), and whether this model beats it."""
    if not baseline:
        return ""
    text = tr("A cheap baseline on the same held-out tiles, {name}: {acc}.").format(
        name=baseline["name"], acc=_pct(baseline["accuracy"]))
    if baseline["deep_model_better"]:
        return f"<p>{html.escape(text + ' ' + tr('This model is better.'))}</p>"
    advice = (tr("It is as good or better than this model: the method Quick map gives it as a map.")
              if baseline["name"].startswith("Quick map") else
              tr("It is as good or better than this model: label more tiles, or check the map against a per-pixel "
                 "classifier."))
    return _notice_html(text, advice)


def reach_text(reach: Optional[dict]) -> Tuple[str, str]:
    """How much of the raster lies beyond the labels' reach (core.learning.label_reach), and past its warning share
    what that means; ("", "") when the run could not tell."""
    if not reach:
        return "", ""
    text = tr("{pct:.0f} % of the unlabelled tiles lie farther from every label than {km:.3g} km, the farthest a "
              "label lies from the next.").format(pct=100.0 * float(reach["fraction_beyond"]), km=reach["reach_km"])
    advice = (tr("The validation accuracy does not speak for them: label tiles there, or read the map there as "
                 "unvalidated.") if reach.get("warn") else "")
    return text, advice


def reach_html(reach: Optional[dict]) -> str:
    """The label reach for the dock's report: in small print, or in bold with its advice past the warning share."""
    text, advice = reach_text(reach)
    if not text:
        return ""
    if not advice:
        return f"<p><small>{html.escape(text)}</small></p>"
    return _notice_html(text, advice)


def report_html(report: dict, model_path: str = "", device_name: str = "", cancelled: bool = False) -> str:
    """Per-class validation accuracy and the confusion matrix, on labelled tiles held out from training."""
    names = [str(n) for n in report.get("class_names", [])]
    parts = []
    if model_path:
        parts.append(f"<p><b>{html.escape(tr('Model file'))}:</b> {html.escape(model_path)}</p>")
    choice = report.get("backbone_choice")
    if choice:
        how = tr("chosen automatically") if choice.get("automatic") else tr("as chosen")
        parts.append(f"<p><b>{html.escape(tr('Backbone'))}:</b> {html.escape(choice['backbone'])} ({html.escape(how)})"
                     f"<br><small>{html.escape(choice['reason'])}</small></p>")
    norm = report.get("normalization")
    if norm and norm.get("mode") in option("normalization").values:
        how = tr("chosen automatically") if norm.get("automatic") else tr("as chosen")
        label = tr(option("normalization").choice(norm["mode"]).label)
        parts.append(f"<p><b>{html.escape(tr('Normalisation'))}:</b> {html.escape(label)} ({html.escape(how)})"
                     f"<br><small>{html.escape(norm.get('reason', ''))}</small></p>")
    if cancelled:
        parts.append(f"<p><i>{html.escape(tr('Training was cancelled; the best model so far was saved.'))}</i></p>")
    n_val = report.get("n_validation", 0) or 0
    accuracy = report.get("accuracy")
    if accuracy is None or not n_val:
        parts.append(f"<p>{html.escape(no_validation_message(report))}</p>")
        return "".join(parts) + reach_html(report.get("label_reach"))
    parts.append("<p>" + html.escape(tr("Validation accuracy: {acc} on {n} held-out labelled tiles").format(
        acc=_pct(accuracy), n=n_val)))
    if report.get("best_step") is not None:
        parts.append(" " + html.escape(tr("(best step {step})").format(step=report["best_step"])))
    if device_name:
        parts.append("<br>" + html.escape(tr("Device: {device}").format(device=device_name)))
    parts.append("</p>")
    parts.append(baseline_html(report.get("baseline")))
    parts.append(reach_html(report.get("label_reach")))
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


def _band_label(index: int, names: Sequence[str]) -> str:
    """'band 6 (B7)' for the band at 0-based ``index``, or 'band 6' when it has no description."""
    name = names[index] if index < len(names) else ""
    if name:
        return tr("band {n} ({name})").format(n=index + 1, name=name)
    return tr("band {n}").format(n=index + 1)


def nodata_text(prediction) -> str:
    """How many pixels were left unclassified because a band has no data there, and which band: a nodata frame
    of one band otherwise looks like a failure of the model. ``prediction``: a core PredictResult."""
    missing, total = int(prediction.nodata_pixels), max(int(prediction.pixels), 1)
    if not missing:
        return tr("Every pixel had data in all bands and was classified.")
    per_band = sorted(((n, b) for b, n in enumerate(prediction.nodata_by_band) if n), reverse=True)
    text = tr("{pct} of the pixels ({n} of {total}) have no data in some band and were left unclassified").format(
        pct=f"{100.0 * missing / total:.1f} %", n=missing, total=int(prediction.pixels))
    if per_band:
        worst_n, worst = per_band[0]
        text += tr("; most of them in {band} ({pct} of the raster has none there)").format(
            band=_band_label(worst, prediction.band_names), pct=f"{100.0 * worst_n / total:.1f} %")
    text += "."
    if len(per_band) > 1:
        in_band_order = sorted(per_band, key=lambda item: item[1])
        text += " " + tr("Nodata per band: {bands}.").format(bands=", ".join(
            f"{_band_label(b, prediction.band_names)} {100.0 * n / total:.1f} %" for n, b in in_band_order))
    return text


def prediction_report_html(job: JobResult) -> str:
    """What Predict reports in place of the training report: the model, and per map its tiles and nodata."""
    parts = []
    if job.model_path:
        parts.append(f"<p><b>{html.escape(tr('Model file'))}:</b> {html.escape(job.model_path)}</p>")
    for spec, prediction in zip(job.prediction_specs, job.predictions):
        name = spec.layer_name or os.path.basename(spec.raster_path)
        line = tr("Classified '{name}': {n} tiles in {s:.1f} s.").format(name=name, n=prediction.tiles,
                                                                        s=prediction.seconds)
        parts.append(f"<p>{html.escape(line)} {html.escape(nodata_text(prediction))}</p>")
    if job.cancelled:
        parts.append(f"<p><i>{html.escape(tr('Classifying was cancelled; finished maps were kept.'))}</i></p>")
    return "".join(parts)


def scale_warning_text(check, raster_name: str) -> str:
    """Why the raster does not look like the training rasters (a core ScaleCheck that failed), for the question
    before the map is written and for Processing's warning."""
    flagged = check.flagged
    worst = max(flagged, key=lambda band: band.far_fraction)

    def label(band) -> str:
        return _band_label(band.band - 1, [band.name] * band.band)

    return tr("Raster '{name}' does not look like the rasters the model was trained on: in {bands}, most pixels "
              "lie far outside the training range (in {band}, {pct} of the pixels; median {median:.4g}, training "
              "mean {mean:.4g} ± {std:.4g}). The map would probably show a single class. Check that the raster has "
              "the bands, units and scaling of the training rasters (for example 8-bit digital numbers versus "
              "scaled reflectance). For a raster of another date or season, train with the normalisation 'Each "
              "raster by its own statistics'.").format(
        name=raster_name, bands=", ".join(label(band) for band in flagged), band=label(worst),
        pct=f"{100.0 * worst.far_fraction:.0f} %", median=worst.median, mean=worst.train_mean, std=worst.train_std)
