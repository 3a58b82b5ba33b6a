# SPDX-License-Identifier: GPL-2.0-or-later
"""Checking, and on the user's click installing, the heavy Python packages the engine needs.

As Geo-SAM does it: packages go with ``pip --target`` into a folder owned by the plugin and keyed by QGIS's
Python version (a wheel built for Python 3.11 must not be loaded by 3.12), at the versions the project tests.
``pip --target`` ignores what is installed already, so it brings every dependency, some of which QGIS ships in
older versions that the engine cannot use (Debian 12: attrs 22.2, which affine 3 rejects; sympy 1.11, older than
torch asks for). The folder therefore goes *first* on ``sys.path``. What QGIS's own libraries are built against
must stay QGIS's copy (numpy above all: another numpy breaks ``osgeo.gdal_array``): a constraints file holds pip
to QGIS's version of it, and the copy pip puts into the folder anyway is deleted afterwards. Nothing is installed
without a click, the pip log is shown, and a restart is asked for.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess  # nosec B404  # runs nvidia-smi only (nvidia_gpu_name), with fixed arguments and no shell
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from qgis.PyQt.QtCore import QProcess, Qt, pyqtSignal
from qgis.PyQt.QtGui import QFont
from qgis.PyQt.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
)

from .i18n import tr, tr_noop

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# CUDA 13.0: the build PyPI's own Linux wheel of torch 2.13 carries (it requires cuda-toolkit 13.0).
TORCH_CUDA_INDEX = "https://download.pytorch.org/whl/cu130"
TORCH_CUDA_TAG = "cu130"
PYPI_INDEX = "https://pypi.org/simple"


@dataclass(frozen=True)
class Requirement:
    """One package the engine imports: its import name, its pip name, the oldest version that works (an
    installation found with it is accepted) and the version the project tests, which is what gets installed
    (the same pins as requirements.txt; a test keeps the two equal)."""

    module: str
    distribution: str
    minimum: str
    tested: str
    purpose: str


REQUIREMENTS: Tuple[Requirement, ...] = (
    Requirement("torch", "torch", "2.1", "2.13.0", tr_noop("training and prediction (PyTorch)")),
    Requirement("rasterio", "rasterio", "1.3", "1.4.3", tr_noop("reading and writing rasters")),
    Requirement("pyproj", "pyproj", "3.4", "3.7.2", tr_noop("tile locations in WGS84")),
    Requirement("shapely", "shapely", "2.0", "2.0.7", tr_noop("label polygons")),
    Requirement("pyogrio", "pyogrio", "0.7", "0.10.0", tr_noop("reading vector label files")),
)


@dataclass
class DependencyStatus:
    requirement: Requirement
    installed_version: Optional[str]

    @property
    def ok(self) -> bool:
        return self.installed_version is not None and version_tuple(self.installed_version) >= version_tuple(
            self.requirement.minimum
        )

    def describe(self) -> str:
        req = self.requirement
        if self.installed_version is None:
            return tr("{name} is missing (needed for {purpose})").format(name=req.distribution, purpose=tr(req.purpose))
        if not self.ok:
            return tr("{name} {found} is too old; {minimum} or newer is needed").format(
                name=req.distribution, found=self.installed_version, minimum=req.minimum
            )
        return tr("{name} {found}").format(name=req.distribution, found=self.installed_version)


def version_tuple(text: str) -> Tuple[int, ...]:
    """'2.13.0+cpu' -> (2, 13, 0); good enough to compare release versions without `packaging`."""
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def dependency_dir() -> str:
    """The plugin's package folder, e.g. ``<profile>/python/dependencies/spatiotemporal_ssl/py3.11``."""
    try:
        from qgis.core import QgsApplication

        base = QgsApplication.qgisSettingsDirPath()
    except Exception:  # pragma: no cover - outside QGIS
        base = os.path.expanduser("~/.spatiotemporal_ssl")
    py = f"py{sys.version_info.major}.{sys.version_info.minor}"
    return os.path.join(base, "python", "dependencies", "spatiotemporal_ssl", py)


def add_dependency_dir_to_path(folder: Optional[str] = None) -> None:
    """Make packages installed by the dialog importable, ahead of QGIS's own older copies of their
    dependencies (module docstring). The folder holds no copy of what QGIS keeps (``KEPT_FROM_QGIS``)."""
    folder = folder or dependency_dir()
    if os.path.isdir(folder) and folder not in sys.path:
        sys.path.insert(0, folder)
        importlib.invalidate_caches()


def installed_version(requirement: Requirement) -> Optional[str]:
    """The version of an importable package, or None. Does not import it (torch takes seconds to import)."""
    if importlib.util.find_spec(requirement.module) is None:
        return None
    try:
        return importlib.metadata.version(requirement.distribution)
    except importlib.metadata.PackageNotFoundError:
        module = sys.modules.get(requirement.module)
        return getattr(module, "__version__", "0")


def check_dependencies() -> List[DependencyStatus]:
    return [DependencyStatus(req, installed_version(req)) for req in REQUIREMENTS]


def missing_dependencies() -> List[DependencyStatus]:
    return [status for status in check_dependencies() if not status.ok]


def nvidia_gpu_name(nvidia_smi: Optional[str] = None) -> Optional[str]:
    """The first NVIDIA GPU's name as ``nvidia-smi`` reports it, or None when there is none."""
    exe = nvidia_smi or shutil.which("nvidia-smi")
    if not exe:
        return None
    try:
        out = subprocess.run(  # nosec B603  # exe: a full path (shutil.which or the caller's); fixed args, no shell
            [exe, "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    return names[0] if out.returncode == 0 and names else None


def has_pip() -> bool:
    """Whether QGIS's Python has pip (Debian and Ubuntu package it apart from Python, as python3-pip)."""
    return importlib.util.find_spec("pip") is not None


def python_executable() -> str:
    """The Python interpreter behind QGIS (``sys.executable`` is the QGIS binary on Windows and macOS)."""
    exe = sys.executable or ""
    if os.path.basename(exe).lower().startswith("python"):
        return exe
    candidates = [
        os.path.join(sys.exec_prefix, "python.exe"),
        os.path.join(sys.exec_prefix, "python3.exe"),
        os.path.join(sys.exec_prefix, "bin", f"python{sys.version_info.major}.{sys.version_info.minor}"),
        os.path.join(sys.exec_prefix, "bin", "python3"),
    ]
    for path in candidates:
        if os.path.isfile(path):
            return path
    return shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}") or shutil.which("python3") or "python3"


# QGIS's own compiled libraries are built against these (osgeo.gdal_array against numpy): the folder must never
# hold another copy, so pip is held to QGIS's versions and what it puts into the folder anyway is deleted.
KEPT_FROM_QGIS = ("numpy", "GDAL")


def qgis_version_of(distribution: str, target: Optional[str] = None) -> Optional[str]:
    """The version of ``distribution`` that QGIS's Python has outside the plugin's folder ``target``."""
    target = os.path.abspath(target or dependency_dir())
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != target]
    for dist in importlib.metadata.distributions(name=distribution, path=path):
        return dist.version
    return None


def constraints_text(target: Optional[str] = None) -> str:
    """Pins for what QGIS ships and keeps (``KEPT_FROM_QGIS``), so pip resolves against QGIS's versions."""
    lines = ["# Written by Spatiotemporal SSL: keep the packages QGIS ships."]
    for dist in KEPT_FROM_QGIS:
        version = qgis_version_of(dist, target)
        if version:
            lines.append(f"{dist}=={version}")
    return "\n".join(lines) + "\n"


def remove_kept_copies(target: str) -> List[str]:
    """Delete from ``target`` the copies pip installed of what QGIS keeps (``pip --target`` installs every
    dependency, numpy included, whatever is installed already). Returns their names, e.g. ``['numpy-1.24.2']``.
    Only files inside ``target`` are touched; the console scripts pip wrote to ``target/bin`` stay (nothing
    puts that folder on PATH)."""
    kept = {name.lower() for name in KEPT_FROM_QGIS}
    root = os.path.realpath(target)
    removed = []
    for dist in list(importlib.metadata.distributions(path=[target])):
        name, version = dist.metadata["Name"] or "", dist.version
        if name.lower() not in kept:
            continue
        folders = set()
        for entry in dist.files or []:
            path = os.path.realpath(os.path.join(root, str(entry)))
            if not path.startswith(root + os.sep):
                continue
            if os.path.isfile(path) or os.path.islink(path):
                os.remove(path)
            folders.add(os.path.dirname(path))
        for folder in sorted(folders, key=len, reverse=True):  # deepest first; only folders left empty
            while folder.startswith(root + os.sep) and os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)
                folder = os.path.dirname(folder)
        removed.append(f"{name}-{version}")
    importlib.invalidate_caches()
    return removed


@dataclass
class InstallPlan:
    """What the dialog will run, shown to the user in full before anything happens."""

    target: str
    constraints_path: str
    commands: List[List[str]]
    gpu_name: Optional[str]


def torch_source(version: str, gpu_name: Optional[str], system: Optional[str] = None) -> Tuple[List[str], str]:
    """pip's index options and the requirement for torch ``version`` on this machine.

    PyPI's Linux wheel of torch is the CUDA build (with several GB of CUDA libraries), its Windows wheel the CPU
    build, and macOS has one build. So the CPU build is pinned with its ``+cpu`` local version: pip then takes it
    only from PyTorch's CPU index (or a wheel on disk) and fails, rather than fetch the CUDA build, when that
    index cannot be reached. With a GPU, Windows needs the ``+cu130`` build likewise; on Linux the plain version
    is a CUDA build on either index, so PyPI may serve it when PyTorch's index cannot be reached."""
    system = system or platform.system()
    if system == "Darwin":
        return [], f"torch=={version}"
    if gpu_name:
        local = f"+{TORCH_CUDA_TAG}" if system == "Windows" else ""
        return ["--index-url", TORCH_CUDA_INDEX, "--extra-index-url", PYPI_INDEX], f"torch=={version}{local}"
    return ["--index-url", TORCH_CPU_INDEX, "--extra-index-url", PYPI_INDEX], f"torch=={version}+cpu"


def install_plan(missing: Sequence[DependencyStatus], gpu_name: Optional[str] = None,
                 target: Optional[str] = None, python: Optional[str] = None,
                 system: Optional[str] = None) -> InstallPlan:
    """pip commands for the missing packages, at the versions the project tests: torch from PyTorch's index
    (see ``torch_source``), the others from the default index, in a second command so that PyTorch's index
    serves only torch and its own dependencies."""
    target = target or dependency_dir()
    python = python or python_executable()
    constraints_path = os.path.join(target, "constraints.txt")
    base = [python, "-m", "pip", "install", "--upgrade", "--target", target, "--constraint", constraints_path,
            "--disable-pip-version-check", "--no-input"]
    commands: List[List[str]] = []
    names = [status.requirement for status in missing]
    torch = [req for req in names if req.distribution == "torch"]
    others = [req for req in names if req.distribution != "torch"]
    if torch:
        index_options, requirement = torch_source(torch[0].tested, gpu_name, system)
        commands.append(base + index_options + [requirement])
    if others:
        commands.append(base + [f"{req.distribution}=={req.tested}" for req in others])
    return InstallPlan(target=target, constraints_path=constraints_path, commands=commands, gpu_name=gpu_name)


def prepare_target(plan: InstallPlan) -> None:
    """Create the target folder and write the constraints file that the pip commands name."""
    os.makedirs(plan.target, exist_ok=True)
    with open(plan.constraints_path, "w", encoding="utf-8") as fh:
        fh.write(constraints_text(plan.target))


class InstallDialog(QDialog):
    """Explains what is missing and installs it only when the user clicks Install. Shows pip's log."""

    finished_install = pyqtSignal(bool)

    def __init__(self, missing: Sequence[DependencyStatus], plan: Optional[InstallPlan] = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Spatiotemporal SSL: missing Python packages"))
        self.plan = plan or install_plan(missing, nvidia_gpu_name())
        self._queue: List[List[str]] = []
        self.process: Optional[QProcess] = None
        self.succeeded: Optional[bool] = None

        layout = QVBoxLayout(self)
        lines = "".join(f"<li>{status.describe()}</li>" for status in missing)
        gpu = (tr("NVIDIA GPU found ({name}): the CUDA build of PyTorch will be installed.").format(name=self.plan.gpu_name)
               if self.plan.gpu_name else tr("No NVIDIA GPU found: the CPU build of PyTorch will be installed."))
        intro = QLabel(
            tr("Training and prediction need these Python packages:") + f"<ul>{lines}</ul>" + gpu + "<br>"
            + tr("They will be installed with pip into {folder}, which only this plugin uses. "
                 "Labelling works without them.").format(folder=self.plan.target)
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setFont(QFont("monospace"))
        self.log.setPlainText(tr("Commands that will run:") + "\n" + "\n".join(" ".join(cmd) for cmd in self.plan.commands))
        layout.addWidget(self.log)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.buttons = QDialogButtonBox()
        self.install_button = QPushButton(tr("Install"))
        self.buttons.addButton(self.install_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.install_button.clicked.connect(self.start_install)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(720, 460)
        if not has_pip():
            self.install_button.setEnabled(False)
            self.status_label.setText(tr("QGIS's Python has no pip, so nothing can be installed. On Debian or Ubuntu "
                                         "install it with: sudo apt install python3-pip; then open this dialog again."))

    def start_install(self) -> None:
        """What the Install button does."""
        prepare_target(self.plan)
        self.install_button.setEnabled(False)
        self._queue = [list(cmd) for cmd in self.plan.commands]
        self.log.appendPlainText("")
        self._run_next()

    def _run_next(self) -> None:
        if not self._queue:
            self._finish()
            return
        cmd = self._queue.pop(0)
        self.log.appendPlainText("$ " + " ".join(cmd))
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.process.readyReadStandardOutput.connect(self._read_output)
        self.process.finished.connect(self._command_finished)
        self.process.errorOccurred.connect(self._process_error)
        self.process.start(cmd[0], cmd[1:])

    def _read_output(self) -> None:
        data = bytes(self.process.readAllStandardOutput()).decode("utf-8", errors="replace")
        self.log.appendPlainText(data.rstrip("\n"))

    def _process_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.log.appendPlainText(tr("Could not start {program}.").format(program=self.process.program()))
            self._done(False)

    def _command_finished(self, exit_code: int, status) -> None:
        if exit_code != 0 or status != QProcess.ExitStatus.NormalExit:
            self._done(False)
        else:
            self._run_next()

    def _finish(self) -> None:
        """After the last pip command: delete the copies of what QGIS keeps (``remove_kept_copies``)."""
        try:
            removed = remove_kept_copies(self.plan.target)
        except OSError as exc:
            self.log.appendPlainText(str(exc))
            self._done(False)
            return
        if removed:
            self.log.appendPlainText(tr("Removed {names} from the folder: QGIS's own copy is used.").format(
                names=", ".join(removed)))
        self._done(True)

    def _done(self, ok: bool) -> None:
        if self.succeeded is not None:
            return
        self.succeeded = ok
        if ok:
            add_dependency_dir_to_path(self.plan.target)
            self.status_label.setText(tr("Installed. Please restart QGIS so that the new packages are loaded."))
        else:
            self.status_label.setText(tr("Installation failed; the log above says why. Nothing else was changed."))
            self.install_button.setEnabled(True)
        self.finished_install.emit(ok)
