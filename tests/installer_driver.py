# SPDX-License-Identifier: GPL-2.0-or-later
"""Run by a Python that sees QGIS but not the engine's packages (see tests/test_installer_real.py), one step a process:

    python installer_driver.py probe   PROFILE OUT.json
    python installer_driver.py install PROFILE OUT.json LOG.txt
    python installer_driver.py verify  PROFILE OUT.json WORKDIR
    python installer_driver.py plan    PROFILE OUT.json

Each step starts a headless QgsApplication on the profile folder PROFILE, so ``dependency_dir()`` gives the same
folder as in a user's QGIS, ``<PROFILE>/python/dependencies/spatiotemporal_ssl/py3.X``, and writes what it found
as JSON. ``install`` clicks the dialog's Install button exactly as the plugin opens it; ``verify`` adds the folder
to the path as the plugin does on start, then trains and predicts with the engine.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import time

ENGINE_MODULES = ("torch", "rasterio", "pyproj", "shapely", "pyogrio")
SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "sample")


def start_qgis(profile: str):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], True, profile)
    app.initQgis()
    return app


def probe(result: dict) -> None:
    from spatiotemporal_ssl.plugin import dependencies as deps

    import numpy
    import osgeo.gdal_array  # noqa: F401 - QGIS's numpy and GDAL work together
    from qgis.core import Qgis

    result.update(
        qgis_version=Qgis.QGIS_VERSION, numpy_version=numpy.__version__, numpy_file=numpy.__file__,
        found={name: importlib.util.find_spec(name) is not None for name in ENGINE_MODULES},
        missing=[status.requirement.distribution for status in deps.missing_dependencies()],
        target=deps.dependency_dir(), python=deps.python_executable(),
    )


def plan(result: dict) -> None:
    """The plan the dialog makes when opened, without running it (for the fake ``nvidia-smi``)."""
    from spatiotemporal_ssl.plugin import dependencies as deps

    dialog = deps.InstallDialog(deps.missing_dependencies())
    result.update(gpu_name=dialog.plan.gpu_name, commands=dialog.plan.commands,
                  intro=dialog.findChildren(deps.QLabel)[0].text(), status=dialog.status_label.text(),
                  install_enabled=dialog.install_button.isEnabled())


def install(result: dict, log_path: str) -> None:
    """What a click on the message bar's Install… and then the dialog's Install does (plugin/main.py)."""
    from qgis.PyQt.QtCore import QEventLoop, QTimer
    from spatiotemporal_ssl.plugin import dependencies as deps

    dialog = deps.InstallDialog(deps.missing_dependencies())
    result.update(commands=dialog.plan.commands, target=dialog.plan.target)
    torch_requirements = [cmd[-1] for cmd in dialog.plan.commands if cmd[-1].startswith("torch==")]
    if not torch_requirements or not all(req.endswith("+cpu") for req in torch_requirements):
        # Never let a test fetch the CUDA build (several GB): stop before the click.
        result.update(ok=None, refused=f"the plan does not ask for the CPU build of torch: {torch_requirements}")
        return
    loop = QEventLoop()
    dialog.finished_install.connect(lambda _ok: loop.quit())
    QTimer.singleShot(30 * 60 * 1000, loop.quit)  # the test's own timeout is shorter; this only ends the loop
    start = time.monotonic()
    dialog.install_button.click()
    if dialog.succeeded is None:
        loop.exec()
    result.update(ok=dialog.succeeded, seconds=round(time.monotonic() - start, 1),
                  status=dialog.status_label.text())
    with open(log_path, "w", encoding="utf-8") as fh:
        fh.write(dialog.log.toPlainText())


def verify(result: dict, workdir: str) -> None:
    """A fresh QGIS Python with the folder on its path, as the plugin puts it there: nothing missing, QGIS's
    numpy still the one loaded, and a short training and a prediction on the bundled sample."""
    from spatiotemporal_ssl.plugin import dependencies as deps
    from spatiotemporal_ssl.plugin.main import SpatiotemporalSSLPlugin

    result["loaded_before"] = sorted(m for m in ("numpy", "osgeo.gdal_array", "attr", "sympy") if m in sys.modules)
    SpatiotemporalSSLPlugin(iface=None)  # what QGIS does on start: puts the folder on sys.path
    result["missing"] = [status.describe() for status in deps.missing_dependencies()]
    import numpy

    start = time.monotonic()
    import torch

    result["import_torch_seconds"] = round(time.monotonic() - start, 1)

    result.update(numpy_version=numpy.__version__, numpy_file=numpy.__file__, torch_version=torch.__version__,
                  torch_cuda=torch.version.cuda, cuda_available=torch.cuda.is_available(),
                  module_files={name: importlib.util.find_spec(name).origin
                                for name in ENGINE_MODULES + ("attr", "affine", "sympy")})
    from spatiotemporal_ssl.core import cli

    model = os.path.join(workdir, "model.pt")
    classes = os.path.join(workdir, "classes.tif")
    start = time.monotonic()
    result["train_rc"] = cli.main([
        "train", os.path.join(SAMPLE, "raleigh_landsat7_2000.tif"), "--labels", os.path.join(SAMPLE, "raleigh_labels.gpkg"),
        "--class-field", "label", "--out", model, "--steps", "10", "--device", "cpu",
        "--batch-size", "8", "--unlabeled-ratio", "1"])  # small batches: the point is that it runs, not its accuracy
    result["train_seconds"] = round(time.monotonic() - start, 1)
    start = time.monotonic()
    result["predict_rc"] = cli.main(["predict", model, os.path.join(SAMPLE, "raleigh_landsat7_2000.tif"),
                                     "--out", classes, "--device", "cpu"])
    result["predict_seconds"] = round(time.monotonic() - start, 1)
    from osgeo import gdal, gdal_array  # imported only now: after torch, rasterio and the rest are loaded

    if os.path.exists(classes):
        data = gdal_array.LoadFile(classes)  # GDAL's numpy bridge reading the engine's output
        result.update(classes_shape=list(data.shape), class_values=sorted(int(v) for v in numpy.unique(data)),
                      classes_driver=gdal.Open(classes).GetDriver().ShortName)


def main(argv) -> int:
    mode, profile, out = argv[1], argv[2], argv[3]
    app = start_qgis(profile)
    result: dict = {"mode": mode}
    try:
        if mode == "probe":
            probe(result)
        elif mode == "plan":
            plan(result)
        elif mode == "install":
            install(result, argv[4])
        elif mode == "verify":
            verify(result, argv[4])
        else:
            raise SystemExit(f"unknown mode {mode}")
    finally:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
