# SPDX-License-Identifier: GPL-2.0-or-later
"""Background work in a QThread: training (then classifying the training rasters) and prediction.

The jobs receive only plain parameters (paths, dataclasses) read from QGIS on the GUI thread, and return
plain results (file paths, reports). They never touch a QGIS layer, the project or a widget: Qt objects of
the GUI thread are not thread-safe, and adding layers from a worker is a known source of crashes
(Deepness issue 130). Layers are added by the GUI thread when the ``succeeded`` signal arrives.
"""
from __future__ import annotations

import os
import threading
import traceback
from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional

from qgis.PyQt.QtCore import QObject, QThread, pyqtSignal, pyqtSlot

from ..core.params import PredictRequest, TrainRequest


@dataclass
class PredictJobSpec:
    """One raster to classify: the engine's request, and the name of the layer it came from (for the results)."""

    request: PredictRequest
    layer_name: str = ""

    @property
    def raster_path(self) -> str:
        return self.request.raster_path


@dataclass
class PredictProgress:
    """Progress of the prediction phase, in the same stream as the trainer's TrainProgress."""

    phase: str
    fraction: float
    raster_index: int
    raster_count: int


@dataclass
class JobResult:
    """What a job hands back to the GUI thread."""

    model_path: str
    train_result: object = None  # core.app.pipeline.TrainResult, or None for prediction only
    predictions: List[object] = field(default_factory=list)  # core.app.predict.PredictResult, one per raster
    prediction_specs: List[PredictJobSpec] = field(default_factory=list)
    model_classes: list = field(default_factory=list)  # ClassSpec list stored in the model file
    cancelled: bool = False
    # Set when a raster did not pass the input check (core.app.input_check.ScaleCheck): nothing was written for
    # it, and ``pending`` (it and the rasters after it) waits for the user's "classify anyway".
    scale_check: object = None
    pending: List[PredictJobSpec] = field(default_factory=list)
    # Set after training when the maps of the training rasters would take long (a Presto model on the CPU, over
    # core.app.predict_time.LONG_PREDICTION_S): no map was started, and ``pending`` waits for the user's answer.
    long_prediction_s: Optional[float] = None


class Job(QObject):
    """Runs one callable in a worker thread; emits progress objects, then exactly one of succeeded/failed."""

    progress = pyqtSignal(object)
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str, str)  # user message, details (traceback for the log)

    def __init__(self, work: Callable[[Callable[[object], None], Callable[[], bool]], object]):
        super().__init__()
        self._work = work
        self._stop = threading.Event()
        self.thread_id: Optional[int] = None

    def cancel(self) -> None:
        """Ask the job to stop; thread-safe. The engine polls it every step (training) or batch (prediction)."""
        self._stop.set()

    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @pyqtSlot()
    def run(self) -> None:
        self.thread_id = threading.get_ident()
        try:
            result = self._work(self.progress.emit, self._stop.is_set)
        except Exception as exc:  # every failure reaches the user as a message, never as a traceback dialog
            self.failed.emit(user_message(exc), traceback.format_exc())
        else:
            self.succeeded.emit(result)


def user_message(exc: BaseException) -> str:
    from ..core.errors import InputError, PredictionCancelled, TrainingCancelled

    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, (TrainingCancelled, PredictionCancelled)):
        return str(exc) or "cancelled"
    name = type(exc).__name__
    if name == "OutOfMemoryError" or "out of memory" in str(exc).lower():
        return f"out of memory: {exc}; lower the batch size or the tile size"
    return f"{name}: {exc}"


class JobRunner(QObject):
    """Owns the thread of the current job; one job at a time."""

    finished = pyqtSignal()

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.thread: Optional[QThread] = None
        self.job: Optional[Job] = None

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def start(self, job: Job) -> None:
        if self.is_running():
            raise RuntimeError("a job is already running")
        thread = QThread()
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.succeeded.connect(thread.quit)
        job.failed.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        self.thread, self.job = thread, job
        thread.start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def wait(self, msecs: int = 60000) -> bool:
        """Block until the thread ends (used on unload, so no thread outlives the plugin)."""
        return self.thread.wait(msecs) if self.thread is not None else True

    def _on_thread_finished(self) -> None:
        thread, self.thread, self.job = self.thread, None, None
        if thread is not None:
            thread.deleteLater()
        self.finished.emit()


def train_and_classify_work(request: TrainRequest, predictions: List[PredictJobSpec]):
    """The training job: train, then classify each training raster with the new model (EMA student); the
    prediction requests name the model file that training writes."""

    def work(emit: Callable[[object], None], should_stop: Callable[[], bool]) -> JobResult:
        from ..core.app.pipeline import train_model

        result = train_model(request, progress=emit, should_stop=should_stop)
        job = JobResult(model_path=result.model_path, train_result=result, cancelled=result.cancelled)
        # After a cancel the saved checkpoint is usable, but the user asked to stop: no maps now (Predict
        # makes them later from the saved model).
        if predictions and not job.cancelled and not should_stop():
            seconds = _long_prediction_seconds(predictions)
            if seconds is not None:
                job.pending, job.long_prediction_s = list(predictions), seconds
                return job
            _predict_into(job, predictions, emit, should_stop)
        return job

    return work


def predict_work(predictions: List[PredictJobSpec], force: bool = False):
    """The prediction job: classify rasters with a saved model (the one their requests name).

    Each raster is first compared with the model's training statistics; one that does not match stops the job
    before anything is written for it (``JobResult.scale_check``), unless ``force``.
    """

    def work(emit: Callable[[object], None], should_stop: Callable[[], bool]) -> JobResult:
        job = JobResult(model_path=predictions[0].request.model_path if predictions else "")
        _predict_into(job, predictions, emit, should_stop, check_input=not force)
        return job

    return work


def presto_cpu_estimates(specs: List[PredictJobSpec]) -> Optional[tuple]:
    """(model, one core.app.predict_time estimate per spec, teacher) when the specs' model is a Presto model that
    runs on the CPU, the one case that can take hours; None otherwise. An InputError passes through."""
    from ..core.app.modelfile import load_model
    from ..core.app.predict_time import estimate_prediction
    from ..core.device import resolve_device

    request = specs[0].request
    if resolve_device(request.device).type != "cpu":
        return None
    model = load_model(request.model_path, device="cpu")
    if not model.presto_spec:
        return None
    teacher = bool(request.out_teacher) and model.has_teacher
    return model, [estimate_prediction(model, s.request.raster_path, s.request.resolution, s.request.stride_px,
                                       teacher=teacher, batch_size=s.request.batch_size) for s in specs], teacher


def _long_prediction_seconds(specs: List[PredictJobSpec]) -> Optional[float]:
    """The estimated seconds of the maps after training when a Presto model on the CPU would take longer than
    core.app.predict_time.LONG_PREDICTION_S (timed on a sample of each raster); None otherwise."""
    from ..core.app.predict_time import LONG_PREDICTION_S
    from ..core.errors import InputError

    try:
        found = presto_cpu_estimates(specs)
    except InputError:
        return None  # the prediction itself reports what is wrong
    total = sum(e.seconds for e in found[1]) if found is not None else 0.0
    return total if total > LONG_PREDICTION_S else None


def _predict_into(job: JobResult, specs: List[PredictJobSpec], emit: Callable[[object], None],
                  should_stop: Optional[Callable[[], bool]], check_input: bool = False) -> None:
    from ..core.app.modelfile import load_model
    from ..core.app.predict import check_input_scale, classify_raster
    from ..core.errors import PredictionCancelled

    # The dock's requests of one job all name the same model file and device: it is loaded once.
    model = load_model(specs[0].request.model_path, device=specs[0].request.device)
    job.model_classes = list(model.classes)
    for i, spec in enumerate(specs):
        def progress(fraction: float, i=i) -> None:
            emit(PredictProgress("predicting", float(fraction), i, len(specs)))

        if check_input:
            check = check_input_scale(model, spec.request.raster_path)
            if not check.ok:
                job.scale_check, job.pending = check, list(specs[i:])
                return
        # The teacher's map is an extra: a model without a teacher still gives the student's maps.
        request = spec.request if model.has_teacher else replace(spec.request, out_teacher=None)
        try:
            result = classify_raster(request, model, progress=progress, should_stop=should_stop)
        except PredictionCancelled:
            job.cancelled = True  # maps already finished are kept; the cancelled one left no file
            return
        job.predictions.append(result)
        job.prediction_specs.append(spec)


def unique_path(folder: str, stem: str, suffix: str) -> str:
    """``folder/stem.suffix``, or ``stem_2``, ``stem_3``... so nothing the user has is overwritten."""
    path = os.path.join(folder, f"{stem}{suffix}")
    n = 2
    while os.path.exists(path):
        path = os.path.join(folder, f"{stem}_{n}{suffix}")
        n += 1
    return path
