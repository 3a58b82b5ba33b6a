"""Starting jobs and taking their results back on the GUI thread: the plugin side of a run.

The dock hands over plain parameters that it has already read from QGIS and checked. This controller runs
them in a worker thread, shows progress, and when the job ends adds the layers and the report, or shows the
error in the message bar and the log panel (never as a traceback dialog).
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from qgis.core import Qgis, QgsMessageLog, QgsProject
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..core.params import ClassSpec, TrainRequest
from .i18n import tr
from .results import add_result_layers, report_html
from .run_panel import RunPanel
from .worker import Job, JobResult, JobRunner, PredictJobSpec, PredictProgress, predict_work, train_and_classify_work

LOG_TAG = "Spatiotemporal SSL"


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

    def is_running(self) -> bool:
        return self.runner.is_running()

    def start_training(self, request: TrainRequest, predictions: List[PredictJobSpec],
                       palette: Sequence[ClassSpec]) -> Job:
        self._previous_report = (self.panel.report.toHtml(), self.panel.model_label.text())
        self.panel.plot.clear(request.options.steps)
        self.panel.report.clear()
        self.panel.model_label.setText("")
        return self._start(Job(train_and_classify_work(request, predictions, request.options.device)), palette,
                           tr("Training started on {n} raster(s).").format(n=len(request.rasters)))

    def start_prediction(self, model_path: str, predictions: List[PredictJobSpec], device: str = "auto") -> Job:
        return self._start(Job(predict_work(model_path, predictions, device)), [],
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
        train = job.train_result
        if train is not None:
            self.panel.model_label.setText(tr("Model saved: {path}").format(path=job.model_path))
            self.panel.model_file.setFilePath(job.model_path)
            self.panel.report.setHtml(report_html(train.report, job.model_path, train.device_name, train.cancelled))
            accuracy = train.report.get("accuracy")
            summary = tr("Model saved to {path}.").format(path=job.model_path)
            if accuracy is not None:
                summary += " " + tr("Validation accuracy {acc:.0%}.").format(acc=accuracy)
        else:
            summary = tr("{n} map(s) added.").format(n=len(job.predictions))
        if job.cancelled:
            self.panel.status.setText(tr("Cancelled. ") + summary)
            self.message_bar.pushMessage(LOG_TAG, tr("Cancelled. ") + summary, Qgis.Warning, 8)
        else:
            self.panel.status.setText(tr("Done. ") + summary)
            self.message_bar.pushMessage(LOG_TAG, summary, Qgis.Success, 8)
        QgsMessageLog.logMessage(summary, LOG_TAG, Qgis.Info)
        self.jobFinished.emit(job)

    def _failed(self, message: str, details: str) -> None:
        self.panel.progress.setRange(0, 100)
        self.panel.progress.setValue(0)
        self.panel.status.setText(tr("Stopped: {message}").format(message=message))
        # A cancel before anything was saved is what the user asked for, not an error.
        level = Qgis.Warning if self.job is not None and self.job.stop_requested() else Qgis.Critical
        self.message_bar.pushMessage(LOG_TAG, message, level, 0 if level == Qgis.Critical else 8)
        if self._previous_report is not None:
            html, model_text = self._previous_report
            self._previous_report = None
            self.panel.report.setHtml(html)
            self.panel.model_label.setText(model_text)
        QgsMessageLog.logMessage(message + ("\n" + details if details else ""), LOG_TAG, level)
        self.jobFailed.emit(message)
