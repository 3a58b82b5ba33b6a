# SPDX-License-Identifier: GPL-2.0-or-later
"""The dependency check and installer: what it would run, and that nothing runs before the user's click."""
from __future__ import annotations

import importlib.metadata
import os
import stat
import sys


from spatiotemporal_ssl.plugin import dependencies as deps


def status(name, version=None):
    req = next(r for r in deps.REQUIREMENTS if r.distribution == name)
    return deps.DependencyStatus(req, version)


def test_check_reports_installed_versions(qgis_app):
    found = {s.requirement.distribution: s for s in deps.check_dependencies()}
    assert set(found) == {"torch", "rasterio", "pyproj", "shapely", "pyogrio"}
    assert found["torch"].installed_version == importlib.metadata.version("torch")
    assert all(s.ok for s in found.values())
    assert not status("torch", "1.13.1").ok and status("torch", "2.13.0+cpu").ok
    assert status("torch", None).describe() == "torch is missing (needed for training and prediction (PyTorch))"
    assert "too old" in status("rasterio", "1.2.10").describe()


def test_folder_is_keyed_by_qgis_python_version(qgis_app):
    folder = deps.dependency_dir()
    assert folder.endswith(os.path.join("dependencies", "spatiotemporal_ssl", f"py{sys.version_info.major}.{sys.version_info.minor}"))


def test_plan_installs_the_tested_versions_and_cuda_torch_only_with_an_nvidia_gpu(tmp_path):
    missing = [status("torch"), status("rasterio")]
    with_gpu = deps.install_plan(missing, gpu_name="NVIDIA H100 80GB HBM3", target=str(tmp_path), python="/py",
                                 system="Linux")
    torch_cmd, other_cmd = with_gpu.commands
    assert torch_cmd[:4] == ["/py", "-m", "pip", "install"]
    assert ["--target", str(tmp_path)] == torch_cmd[torch_cmd.index("--target"):torch_cmd.index("--target") + 2]
    assert torch_cmd[torch_cmd.index("--constraint") + 1] == os.path.join(str(tmp_path), "constraints.txt")
    assert torch_cmd[torch_cmd.index("--index-url") + 1] == deps.TORCH_CUDA_INDEX
    assert torch_cmd[-1] == "torch==2.13.0"
    assert other_cmd[-1] == "rasterio==1.4.3" and "--index-url" not in other_cmd
    cpu_only = deps.install_plan(missing, gpu_name=None, target=str(tmp_path), python="/py", system="Linux")
    assert cpu_only.commands[0][cpu_only.commands[0].index("--index-url") + 1] == deps.TORCH_CPU_INDEX
    assert cpu_only.commands[0][-1] == "torch==2.13.0+cpu"
    assert deps.install_plan([status("shapely")], target=str(tmp_path), python="/py").commands[0][-1] == "shapely==2.0.7"


def test_torch_source_never_lets_pypi_serve_the_wrong_build():
    # PyPI's Linux wheel is the CUDA build: without a GPU only the "+cpu" build may do, which PyPI does not have.
    assert deps.torch_source("2.13.0", None, "Linux") == (
        ["--index-url", deps.TORCH_CPU_INDEX, "--extra-index-url", deps.PYPI_INDEX], "torch==2.13.0+cpu")
    assert deps.torch_source("2.13.0", None, "Windows")[1] == "torch==2.13.0+cpu"
    # PyPI's Windows wheel is the CPU build: with a GPU only PyTorch's CUDA build may do.
    assert deps.torch_source("2.13.0", "NVIDIA RTX 4090", "Windows") == (
        ["--index-url", deps.TORCH_CUDA_INDEX, "--extra-index-url", deps.PYPI_INDEX], "torch==2.13.0+cu130")
    assert deps.torch_source("2.13.0", "NVIDIA RTX 4090", "Linux")[1] == "torch==2.13.0"
    assert deps.torch_source("2.13.0", None, "Darwin") == ([], "torch==2.13.0")  # one build, from PyPI


def test_installed_versions_are_the_pins_of_requirements_txt():
    pins = {}
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "requirements.txt")) as fh:
        for line in fh:
            name, _, version = line.split("#")[0].strip().partition("==")
            if version:
                pins[name] = version.strip()
    assert {req.distribution: req.tested for req in deps.REQUIREMENTS} == {
        name: pins[name] for name in ("torch", "rasterio", "pyproj", "shapely", "pyogrio")}


def _script(path, body):
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_gpu_is_found_through_nvidia_smi(tmp_path):
    assert deps.nvidia_gpu_name(_script(tmp_path / "smi", 'echo "NVIDIA H100 80GB HBM3"')) == "NVIDIA H100 80GB HBM3"
    assert deps.nvidia_gpu_name(_script(tmp_path / "broken", "echo 'NVIDIA-SMI has failed'; exit 9")) is None
    assert deps.nvidia_gpu_name(str(tmp_path / "absent")) is None


def test_constraints_pin_what_qgis_ships():
    text = deps.constraints_text()
    assert f"numpy=={importlib.metadata.version('numpy')}" in text.splitlines()
    assert "affine<3" not in text  # affine 2 lacks the `@` the engine uses; the folder's attrs now comes first


def _fake_dist(target, name, version, files):
    info = target / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    record = [f"{name}-{version}.dist-info/METADATA,,", f"{name}-{version}.dist-info/RECORD,,", "../../bin/f2py,,"]
    for rel in files:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text("x")
        record.append(f"{rel},,")
    (info / "RECORD").write_text("\n".join(record) + "\n")


def test_the_copy_of_numpy_that_pip_adds_is_removed_and_the_rest_stays(tmp_path):
    target = tmp_path / "py3.11"
    _fake_dist(target, "numpy", "1.24.2", ["numpy/__init__.py", "numpy/core/multiarray.py", "numpy.libs/libopenblas.so"])
    _fake_dist(target, "attrs", "26.1.0", ["attr/__init__.py", "attrs/__init__.py"])
    (target / "numpy" / "core" / "extra_pyc_not_in_record.pyc").write_text("x")
    assert deps.remove_kept_copies(str(target)) == ["numpy-1.24.2"]
    assert sorted(os.listdir(target)) == ["attr", "attrs", "attrs-26.1.0.dist-info", "numpy"]
    assert os.listdir(target / "numpy") == ["core"]  # a file pip's record does not list is left alone
    assert (tmp_path / "py3.11" / "attr" / "__init__.py").exists()


def test_the_folder_goes_before_qgis_packages(tmp_path):
    folder = str(tmp_path)
    try:
        deps.add_dependency_dir_to_path(folder)
        assert sys.path[0] == folder
        assert deps.qgis_version_of("numpy", folder) == importlib.metadata.version("numpy")
    finally:
        sys.path.remove(folder)


def test_dialog_installs_only_on_click_and_shows_the_log(qgis_app, qtbot, tmp_path):
    python = sys.executable
    plan = deps.InstallPlan(target=str(tmp_path / "deps"), constraints_path=str(tmp_path / "deps" / "constraints.txt"),
                            commands=[[python, "-c", "print('Successfully installed torch-2.13.0')"]], gpu_name=None)
    dialog = deps.InstallDialog([status("torch")], plan)
    qtbot.addWidget(dialog)
    assert dialog.process is None and not os.path.exists(plan.target)  # opening the dialog installs nothing
    assert "CPU build" in dialog.findChildren(deps.QLabel)[0].text()
    with qtbot.waitSignal(dialog.finished_install, timeout=30000) as done:
        dialog.install_button.click()
    assert done.args == [True]
    assert "Successfully installed torch-2.13.0" in dialog.log.toPlainText()
    assert "restart QGIS" in dialog.status_label.text()
    assert "numpy==" in open(plan.constraints_path).read()
    assert plan.target in sys.path
    sys.path.remove(plan.target)


def test_dialog_reports_a_failed_install(qgis_app, qtbot, tmp_path):
    plan = deps.InstallPlan(target=str(tmp_path / "deps"), constraints_path=str(tmp_path / "deps" / "c.txt"),
                            commands=[[sys.executable, "-c", "import sys; print('No matching distribution'); sys.exit(1)"]],
                            gpu_name="NVIDIA RTX 4090")
    dialog = deps.InstallDialog([status("torch")], plan)
    qtbot.addWidget(dialog)
    assert "CUDA build" in dialog.findChildren(deps.QLabel)[0].text()
    with qtbot.waitSignal(dialog.finished_install, timeout=30000) as done:
        dialog.install_button.click()
    assert done.args == [False]
    assert "No matching distribution" in dialog.log.toPlainText()
    assert "failed" in dialog.status_label.text() and dialog.install_button.isEnabled()


def test_without_pip_the_dialog_says_how_to_get_it(qgis_app, qtbot, monkeypatch):
    monkeypatch.setattr(deps, "has_pip", lambda: False)
    dialog = deps.InstallDialog([status("torch")])
    qtbot.addWidget(dialog)
    assert not dialog.install_button.isEnabled()
    assert "sudo apt install python3-pip" in dialog.status_label.text()
