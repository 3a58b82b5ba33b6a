# SPDX-License-Identifier: GPL-2.0-or-later
"""The "Presto weights" row of the training options: a file chooser, a status line and a "Download..." button.

The weights (core.app.presto_weights) come from the file the user chose, else from $STSSL_PRESTO_WEIGHTS, else
from the plugin's data folder (:func:`plugin_weights_dir`), which is where "Download..." saves them. Nothing is
downloaded without the user's yes to a question naming the URL, the size and the licence. The download runs in a
worker thread (plugin.worker's Job and JobRunner), so QGIS stays responsive; the button cancels it meanwhile.
"""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import QgsApplication, QgsSettings
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QMessageBox, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ..core.app.presto_weights import DEFAULT_URL, EXPECTED_BYTES, check_weights
from ..core.errors import InputError
from ..core.models.presto_files import WEIGHTS_ENV
from ..core.params import TrainOptions
from .i18n import tr
from .narrow_layout import WrappingLabel, WrapRow
from .worker import Job, JobRunner

# A mirror of the authors' file (QgsSettings key); empty or unset: the authors' repository at the pinned commit.
URL_SETTING = "spatiotemporal_ssl/presto_weights_url"
STATUS_MIN_WIDTH_PX = 100
# The backbones whose runs load the Presto weights (the row is shown only for them).
PRESTO_BACKBONES = ("presto", "auto")  # "auto" uses Presto where the input suits it


def uses_presto(backbone: Optional[str]) -> bool:
    return backbone in PRESTO_BACKBONES


def plugin_weights_dir() -> str:
    """The plugin's data folder for the weights, in the user's QGIS profile (kept across plugin updates)."""
    return os.path.join(QgsApplication.qgisSettingsDirPath(), "spatiotemporal_ssl", "presto")


class PrestoWeightsWidget(QWidget):
    """Fills ``TrainOptions.pretrained``: the chosen file, or empty for the environment or the data folder."""

    changed = pyqtSignal()
    downloaded = pyqtSignal(str)  # the path of the downloaded (or reused) file

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.data_dir = plugin_weights_dir()
        self.download_url = QgsSettings().value(URL_SETTING, "", type=str).strip() or DEFAULT_URL
        self.file = QgsFileWidget()
        self.file.setFilter(tr("PyTorch weights (*.pt)"))
        self.file.setDialogTitle(tr("Presto weights (default_model.pt)"))
        self.file.setToolTip(tr("The Presto weights file default_model.pt; empty: $STSSL_PRESTO_WEIGHTS or the "
                                "plugin's data folder, where Download… saves it"))
        self.status = WrappingLabel()
        # A word-wrapped label asks for a wide minimum by default; in the form's field column it wraps instead.
        self.status.setMinimumWidth(STATUS_MIN_WIDTH_PX)
        self.download = QPushButton(tr("Download…"))
        self.download.setToolTip(tr("Download the Presto authors' weights (3.3 MB, MIT licence) into the plugin's "
                                    "data folder; asks first"))
        self.progress = QProgressBar()
        self.progress.setRange(0, EXPECTED_BYTES)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.file)
        layout.addWidget(WrapRow([self.download, self.progress], stretch=[0, 1]))
        layout.addWidget(self.status)
        self.runner = JobRunner(self)
        self._job: Optional[Job] = None
        self._cancel_requested = False
        self.file.fileChanged.connect(self._file_changed)
        self.download.clicked.connect(self._download_clicked)
        self.refresh()

    # --- the path ---------------------------------------------------------------------------------------
    def path(self) -> str:
        return self.file.filePath().strip()

    def set_path(self, path: Optional[str]) -> None:
        self.file.setFilePath(path or "")
        self.refresh()

    def _file_changed(self, *_args) -> None:
        self.refresh()
        self.changed.emit()

    def refresh(self) -> None:
        """The status line: where the weights that a run would use are, and whether they are the published file."""
        found = check_weights(self.path() or None, [self.data_dir])
        if found.path is None:
            if self.path():
                text = tr("Not found: {path}. Choose default_model.pt, or click Download…").format(path=self.path())
            else:
                text = tr("No Presto weights yet: choose default_model.pt, or click Download… to save them in "
                          "{folder}").format(folder=self.data_dir)
        elif found.published:
            text = tr("Found: {path} (sha256 OK, the published file)").format(path=str(found.path))
        else:
            text = tr("Found: {path}, but its sha256 is not the published file's; it is used if it holds the "
                      "Presto encoder").format(path=str(found.path))
        self.status.setText(text)

    def resolved_options(self, options: TrainOptions) -> TrainOptions:
        """``options`` with the weights file a Presto run loads (core.app.presto_weights.resolve_pretrained on the
        data folder); a clear InputError, before any work, when there is none."""
        from ..core.app.presto_weights import resolve_pretrained

        try:
            return resolve_pretrained(options, [self.data_dir])
        except InputError:
            if os.environ.get(WEIGHTS_ENV, "").strip():
                raise  # the core's message names the variable and its missing file
            raise InputError(tr("No Presto weights found: under Training options > Presto weights choose the file "
                                "default_model.pt, or click Download… (they are saved in {folder})").format(
                                    folder=self.data_dir)) from None

    # --- the download -----------------------------------------------------------------------------------
    def is_downloading(self) -> bool:
        return self.runner.is_running()

    def _download_clicked(self) -> None:
        if self.is_downloading():
            self._cancel_requested = True
            self.runner.cancel()
            return
        self.ask_and_download()

    def ask_and_download(self) -> bool:
        """Ask, then download in the background; False when the user said no (and nothing was requested)."""
        answer = QMessageBox.question(
            self, tr("Download the Presto weights?"),
            tr("Download the pretrained Presto weights ({size:.1f} MB) from the Presto authors' public "
               "repository?\n\n{url}\n\nThey are under the MIT licence (Copyright (c) 2024 Presto Authors), which "
               "is saved beside them. Their sha256 is checked before they are used. Folder:\n{folder}").format(
                   size=EXPECTED_BYTES / 1e6, url=self.download_url, folder=self.data_dir),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.start_download()
        return True

    def start_download(self) -> None:
        url, folder = self.download_url, self.data_dir

        def work(emit, should_stop) -> str:
            from ..core.app.presto_weights import download_weights

            return str(download_weights(folder, url=url, progress=lambda done, total: emit((done, total)),
                                        should_stop=should_stop))

        job = Job(work)
        job.progress.connect(self._on_progress)
        job.succeeded.connect(self._on_done)
        job.failed.connect(self._on_failed)
        self._job, self._cancel_requested = job, False
        self.progress.setValue(0)
        self.progress.show()
        self.download.setText(tr("Cancel download"))
        self.status.setText(tr("Downloading the Presto weights from {url}…").format(url=url))
        self.runner.start(job)

    def _on_progress(self, value) -> None:
        done, total = value
        self.progress.setMaximum(int(total or EXPECTED_BYTES))
        self.progress.setValue(min(int(done), self.progress.maximum()))

    def _finished(self) -> None:
        self._job = None
        self.progress.hide()
        self.download.setText(tr("Download…"))

    def _on_done(self, path: str) -> None:
        self._finished()
        self.set_path(path)
        self.changed.emit()
        self.downloaded.emit(path)

    def _on_failed(self, message: str, _details: str) -> None:
        cancelled = self._cancel_requested
        self._finished()
        self.refresh()
        first = (tr("Download cancelled; nothing was saved.") if cancelled
                 else tr("Download failed: {message}").format(message=message))
        self.status.setText(first + "\n" + self.status.text())

    def wait(self, msecs: int = 30000) -> bool:
        """Stop a running download and wait for its thread (plugin unload)."""
        self._cancel_requested = True
        self.runner.cancel()
        return self.runner.wait(msecs)
