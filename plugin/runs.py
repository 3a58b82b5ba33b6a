# SPDX-License-Identifier: GPL-2.0-or-later
"""Starting jobs and taking their results back on the GUI thread: the plugin side of a run.

The dock hands over plain parameters that it has already read from QGIS and checked. This controller runs
them in a worker thread, shows progress, and when the job ends adds the layers and the report, or shows the
error in the message bar and the log panel (never as a traceback dialog).
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence

from qgis.core import Qgis, QgsMessageLog, QgsProject
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import QObject, pyqtSignal
from qgis.PyQt.QtWidgets import QMessageBox, QWidget

from ..core.params import ClassSpec, TrainRequest
from .i18n import tr
from .results import add_result_layers, nodata_text, prediction_report_html, report_html, scale_warning_text
from .run_panel import RunPanel
from .worker import Job, JobResult, JobRunner, PredictJobSpec, PredictProgress, predict_work, train_and_classify_work

LOG_TAG = "Spatiotemporal SSL"


def ask_yes_no(parent: Optional[QWidget], title: str, text: str) -> bool:
    """A modal question with No as the default answer; True for Yes."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setObjectName("SpatiotemporalSSLQuestion")
    return box.exec() == QMessageBox.StandardButton.Yes


class RunController(QObject):
    """One job at a time. ``jobFinished`` carries the JobResult after its layers are in the project."""

    jobStarted = pyqtSignal()
    jobFinished = pyqtSignal(object)
    jobFailed = pyqtSignal(str)

    def __init__(self, panel: RunPanel, message_bar: QgsMessageBar, project: Optional[QgsProject] = None,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self.panel = panel
        self.message_bar = message_bar
        self.project = project or QgsProject.instance()
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._thread_finished)
        self._outcome: Optional[tuple] = None
        # The report and model shown before a training started, put back if that training fails: a failed
        # run must not take away the last good result.
        self._previous_report: Optional[tuple] = None
        self.panel.cancel_button.clicked.connect(self.cancel)
        self._palette: List[ClassSpec] = []
        self.last_result: Optional[JobResult] = None
        self.job: Optional[Job] = None
        self._device = "auto"
        # Asks (title, text) and returns the answer; the dock's tests replace it to answer without a dialog.
        self.confirm: Callable[[str, str], bool] = lambda title, text: ask_yes_no(self.panel, title, text)

    def is_running(self) -> bool:
        return self.runner.is_running()

    def start_training(self, request: TrainRequest, predictions: List[PredictJobSpec],
                       palette: Sequence[ClassSpec]) -> Job:
        # The report and the model line stay until this run has its own: a failed run keeps the last ones.
        self.panel.plot.clear(request.options.steps)
        return self._start(Job(train_and_classify_work(request, predictions)), palette,
                           tr("Training started on {n} raster(s).").format(n=len(request.rasters)))

    def start_prediction(self, predictions: List[PredictJobSpec], force: bool = False) -> Job:
        """Classify with a saved model; unless ``force``, a raster unlike the training rasters is asked about
        (``confirm``) before its map is written."""
        return self._start(Job(predict_work(predictions, force)), [],
                           tr("Classifying {n} raster(s).").format(n=len(predictions)))

    def _start(self, job: Job, palette: Sequence[ClassSpec], status: str) -> Job:
        if self.is_running():
            raise RuntimeError("a job is already running")
        self._palette = list(palette)
        self.job = job
        job.progress.connect(self._progress)
        # The outcome is kept until the thread has ended, so layers are added and Train is enabled again
        # only when nothing runs any more.
        job.succeeded.connect(self._store_result)
        job.failed.connect(self._store_failure)
        self._outcome = None
        self.panel.set_running(True)
        self.panel.status.setText(status)
        self.runner.start(job)
        self.jobStarted.emit()
        return job

    def cancel(self) -> None:
        if self.is_running():
            self.runner.cancel()
            self.panel.cancel_button.setEnabled(False)
            self.panel.cancel_button.setText(tr("Stopping…"))
            self.panel.status.setText(tr("Stopping after the current step…"))

    def wait(self, msecs: int = 60000) -> bool:
        return self.runner.wait(msecs)

    # --- on the GUI thread ------------------------------------------------------------------------------
    def _progress(self, progress) -> None:
        if isinstance(progress, PredictProgress):
            self.panel.show_predict_progress(progress)
        else:
            self.panel.show_train_progress(progress)

    def _store_result(self, result: JobResult) -> None:
        self._outcome = ("ok", result)

    def _store_failure(self, message: str, details: str) -> None:
        self._outcome = ("failed", message, details)

    def _thread_finished(self) -> None:
        outcome, self._outcome = self._outcome, None
        self.panel.set_running(False)
        if outcome is None:
            self._failed(tr("the background job ended without a result"), "")
        elif outcome[0] == "ok":
            self._succeeded(outcome[1])
        else:
            self._failed(outcome[1], outcome[2])

    def _succeeded(self, job: JobResult) -> None:
        self.last_result = job
        self._previous_report = None
        self.panel.progress.setRange(0, 100)
        self.panel.progress.setValue(100)
        self.panel.progress.setFormat("%p%")
        try:
            add_result_layers(job, self._palette, self.project)
        except OSError as exc:
            self._failed(str(exc), "")
            return
        if job.scale_check is not None:
            if self._ask_about_scale(job):
                return  # classifying again, as the user asked
            if not job.predictions:
                self.panel.progress.setValue(0)
                self.panel.status.setText(tr("Not classified: the raster does not look like the training rasters."))
                self.jobFinished.emit(job)
                return
        train = job.train_result
        nodata = " ".join(nodata_text(prediction) for prediction in job.predictions)
        if train is not None:
            self.panel.model_label.setText(tr("Model saved: {path}").format(path=job.model_path))
            if not job.cancelled:
                # A cancelled run's checkpoint is kept on disk, but Predict keeps the model it had.
                self.panel.model_file.setFilePath(job.model_path)
            html_text = report_html(train.report, job.model_path, train.device_name, train.cancelled)
            if job.predictions:
                html_text += prediction_report_html(JobResult(model_path="", predictions=job.predictions,
                                                              prediction_specs=job.prediction_specs))
            self.panel.report.setHtml(html_text)
            accuracy = train.report.get("accuracy")
            summary = tr("Model saved to {path}.").format(path=job.model_path)
            if accuracy is not None:
                summary += " " + tr("Validation accuracy {acc:.0%}.").format(acc=accuracy)
        else:
            self.panel.model_label.setText(tr("Classified with: {path}").format(path=job.model_path))
            self.panel.report.setHtml(prediction_report_html(job))
            summary = tr("{n} map(s) added.").format(n=len(job.predictions))
        if nodata:
            summary += " " + nodata
        if job.long_prediction_s is not None and self._ask_about_time(job):
            return  # the maps are being made, as the user chose
        if job.long_prediction_s is not None:
            summary += " " + tr("No map yet: it would take long on the CPU; Predict with a saved model makes it.")
        if job.cancelled:
            self.panel.status.setText(tr("Cancelled. ") + summary)
            self.message_bar.pushMessage(LOG_TAG, tr("Cancelled. ") + summary, Qgis.MessageLevel.Warning, 8)
        else:
            self.panel.status.setText(tr("Done. ") + summary)
            self.message_bar.pushMessage(LOG_TAG, summary, Qgis.MessageLevel.Success, 8)
        QgsMessageLog.logMessage(summary, LOG_TAG, Qgis.MessageLevel.Info)
        self.jobFinished.emit(job)

    def _ask_about_time(self, job: JobResult) -> bool:
        """The maps after training would take long (a Presto model on the CPU): ask, as Predict does (continue, one
        class per tile, or not now). True when the prediction started."""
        from .prediction_time import confirm_prediction_time

        specs = confirm_prediction_time(self.panel, job.pending, threshold_s=0)
        if not specs:
            return False
        self.start_prediction(specs)
        return True

    def _ask_about_scale(self, job: JobResult) -> bool:
        """The raster did not pass the input check: ask before its map is written. True when a new run started."""
        spec = job.pending[0]
        warning = scale_warning_text(job.scale_check, spec.layer_name or spec.request.raster_path)
        QgsMessageLog.logMessage(warning, LOG_TAG, Qgis.MessageLevel.Warning)
        if self.confirm(tr("Classify anyway?"), warning + "\n\n" + tr("Classify it anyway?")):
            self.start_prediction(job.pending, force=True)
            return True
        self.message_bar.pushMessage(LOG_TAG, tr("Not classified: {warning}").format(warning=warning),
                                     Qgis.MessageLevel.Warning, 0)
        return False

    def _failed(self, message: str, details: str) -> None:
        self.panel.progress.setRange(0, 100)
        self.panel.progress.setValue(0)
        self.panel.status.setText(tr("Stopped: {message}").format(message=message))
        # A cancel before anything was saved is what the user asked for, not an error.
        stopped = self.job is not None and self.job.stop_requested()
        level = Qgis.MessageLevel.Warning if stopped else Qgis.MessageLevel.Critical
        self.message_bar.pushMessage(LOG_TAG, message, level, 0 if level == Qgis.MessageLevel.Critical else 8)
        QgsMessageLog.logMessage(message + ("\n" + details if details else ""), LOG_TAG, level)
        self.jobFailed.emit(message)
