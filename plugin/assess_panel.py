# SPDX-License-Identifier: GPL-2.0-or-later
"""The dock's "Accuracy assessment" section: a class map, a reference layer and its class field -> the key
figures of Olofsson et al. (2014) in the dock, and the CSV and HTML reports on disk.

Parameters are read from QGIS on the GUI thread; the assessment (which reads the whole map) runs in a
background job (plugin/worker.py) and hands back only the plain report.
"""
from __future__ import annotations

import html
import os
from typing import Dict, Optional, Tuple

from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsRasterLayer, QgsVectorLayer
from qgis.gui import QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QUrl, pyqtSignal
from qgis.PyQt.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..core.errors import InputError
from .i18n import tr
from .worker import Job, JobRunner, unique_path

# The report box starts small and grows to show the whole report (up to the larger height, then it scrolls),
# since the section's layout would otherwise keep it at its minimum and leave the space below it empty.
REPORT_MIN_HEIGHT = 140
REPORT_MAX_HEIGHT = 480


def _file_widget(filter_text: str, tooltip: str) -> QgsFileWidget:
    widget = QgsFileWidget()
    widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
    widget.setFilter(filter_text)
    widget.setToolTip(tooltip)
    return widget


def assess_work(map_path: str, reference_path: str, class_field: str, class_map: Dict[str, int],
                out_csv: str, out_html: str):
    """The background job: assess, then write both reports (never over an existing file)."""

    def work(_emit, _should_stop):
        from ..core.assessment.assess import assess_map
        from ..core.assessment.report import summary_lines, write_csv, write_html

        report = assess_map(map_path, reference_path, class_field, class_map)
        write_csv(report, out_csv, overwrite=False)
        write_html(report, out_html, overwrite=False)
        return summary_lines(report), out_csv, out_html

    return work


class AssessPanel(QWidget):
    """``finished(ok)`` is emitted when an assessment ends; ``problem(text)`` carries what went wrong."""

    finished = pyqtSignal(bool)
    problem = pyqtSignal(str)

    def __init__(self, project: Optional[QgsProject] = None, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self.map_combo = QgsMapLayerComboBox()
        self.map_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.map_combo.setAllowEmptyLayer(True)
        self.map_combo.setLayer(None)
        self.map_combo.setToolTip(tr("The classified raster to assess (integer class codes)"))
        self.reference_combo = QgsMapLayerComboBox()
        self.reference_combo.setFilters(QgsMapLayerProxyModel.Filter.PointLayer | QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.reference_combo.setAllowEmptyLayer(True)
        self.reference_combo.setLayer(None)
        self.reference_combo.setToolTip(tr("Independent reference points or polygons (any CRS), e.g. a labelled "
                                           "validation sample"))
        self.field_combo = QgsFieldComboBox()
        self.field_combo.setToolTip(tr("The attribute with each reference feature's class (code or name)"))
        self.reference_combo.layerChanged.connect(self.field_combo.setLayer)
        self.class_map_edit = QLineEdit()
        self.class_map_edit.setPlaceholderText(tr("optional: forest=1, water=2"))
        self.class_map_edit.setToolTip(tr("Map class names used in the reference to the map's codes; the map's "
                                          "own class names are known without it"))
        self.csv_file = _file_widget(tr("CSV files (*.csv)"), tr("Empty: a new file beside the map"))
        self.html_file = _file_widget(tr("HTML files (*.html)"), tr("Empty: a new file beside the map"))
        self.run_button = QPushButton(tr("Assess accuracy"))
        self.run_button.clicked.connect(self.start)
        self.status = QLabel(tr("Stratified estimates after Olofsson et al. (2014)."))
        self.status.setWordWrap(True)
        self.report = QTextBrowser()
        self.report.setOpenExternalLinks(True)
        self.report.setMinimumHeight(REPORT_MIN_HEIGHT)
        self.report.setPlaceholderText(tr("The key figures appear here."))

        form = QFormLayout()
        form.addRow(tr("Map"), self.map_combo)
        form.addRow(tr("Reference"), self.reference_combo)
        form.addRow(tr("Class field"), self.field_combo)
        form.addRow(tr("Class names"), self.class_map_edit)
        form.addRow(tr("CSV report"), self.csv_file)
        form.addRow(tr("HTML report"), self.html_file)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.run_button)
        layout.addWidget(self.status)
        layout.addWidget(self.report)

        self.runner = JobRunner(self)
        self.runner.finished.connect(self._thread_finished)
        self._outcome: Optional[tuple] = None

    # --- parameters (GUI thread) -------------------------------------------------------------------------
    def parameters(self) -> Tuple[str, str, str, Dict[str, int], str, str]:
        """Paths and options for the engine; :class:`InputError` with what to fix."""
        from ..core.assessment.reference import parse_class_map

        layer = self.map_combo.currentLayer()
        if not isinstance(layer, QgsRasterLayer) or layer.providerType() != "gdal":
            raise InputError(tr("Choose the classified map (a raster file) to assess."))
        reference = self.reference_combo.currentLayer()
        if not isinstance(reference, QgsVectorLayer):
            raise InputError(tr("Choose the reference layer (points or polygons with a class field)."))
        if reference.providerType() != "ogr":
            raise InputError(tr("Reference layer '{name}' is not a file; save it as a GeoPackage first "
                                "(Export > Save Features As).").format(name=reference.name()))
        if reference.isEditable() and reference.isModified():
            raise InputError(tr("Reference layer '{name}' has unsaved edits; save them first.").format(
                name=reference.name()))
        field = self.field_combo.currentField()
        if not field:
            raise InputError(tr("Choose the class field of reference layer '{name}'.").format(name=reference.name()))
        map_path = layer.source().split("|")[0]
        folder, stem = os.path.dirname(map_path), os.path.splitext(os.path.basename(map_path))[0]
        outputs = []
        for widget, suffix in ((self.csv_file, ".csv"), (self.html_file, ".html")):
            path = widget.filePath().strip()
            if path and os.path.exists(path):
                raise InputError(tr("Report '{name}' exists; choose another name, or clear the field to get a new "
                                    "file beside the map.").format(name=os.path.basename(path)))
            outputs.append(path or unique_path(folder, f"{stem}_accuracy", suffix))
        return (map_path, reference.source(), field, parse_class_map(self.class_map_edit.text()),
                outputs[0], outputs[1])

    # --- running -----------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.runner.is_running()

    def start(self) -> bool:
        """Start an assessment in the background; False (and ``problem``) when the parameters are wrong."""
        if self.is_running():
            return False
        try:
            params = self.parameters()
        except InputError as exc:
            self.status.setText(str(exc))
            self.problem.emit(str(exc))
            return False
        job = Job(assess_work(*params))
        job.succeeded.connect(self._store_result)
        job.failed.connect(self._store_failure)
        self._outcome = None
        self.run_button.setEnabled(False)
        self.status.setText(tr("Assessing…"))
        self.runner.start(job)
        return True

    def _fit_report(self) -> None:
        """Make the report box tall enough for the report (lines in <pre> do not wrap, so the height is known)."""
        report = self.report
        document = report.document().clone(self)  # laid out now, even while the dock is hidden
        document.setTextWidth(max(report.viewport().width(), 1))
        needed = document.size().height() + 2 * report.frameWidth() + report.horizontalScrollBar().sizeHint().height()
        document.deleteLater()
        report.setMinimumHeight(int(min(max(needed, REPORT_MIN_HEIGHT), REPORT_MAX_HEIGHT)))

    def wait(self, msecs: int = 60000) -> bool:
        return self.runner.wait(msecs)

    def _store_result(self, result) -> None:
        self._outcome = ("ok", result)

    def _store_failure(self, message: str, _details: str) -> None:
        self._outcome = ("failed", message)

    def _thread_finished(self) -> None:
        outcome, self._outcome = self._outcome, None
        self.run_button.setEnabled(True)
        if outcome is None or outcome[0] != "ok":
            message = outcome[1] if outcome else tr("the background job ended without a result")
            self.status.setText(message)
            self.problem.emit(message)
            self.finished.emit(False)
            return
        lines, out_csv, out_html = outcome[1]
        links = " · ".join(f'<a href="{QUrl.fromLocalFile(p).toString()}">{html.escape(os.path.basename(p))}</a>'
                           for p in (out_html, out_csv))
        # The table stays in <pre> (aligned columns); the sentences around it wrap with the dock's width.
        prose = [k for k, line in enumerate(lines) if line.startswith("note: ") or (k == 0 and " against " in line)]
        table = [line for k, line in enumerate(lines) if k not in prose]
        paragraphs = "".join(f"<p>{html.escape(lines[k])}</p>" for k in prose if k > 0)
        head = f"<p>{html.escape(lines[0])}</p>" if 0 in prose else ""
        self.report.setHtml(f"<p>{links}</p>{head}<pre>{html.escape(chr(10).join(table))}</pre>{paragraphs}")
        self._fit_report()
        self.status.setText(tr("Done. Reports: {html}, {csv}").format(html=out_html, csv=out_csv))
        self.finished.emit(True)
