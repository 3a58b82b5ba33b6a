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


def test_plan_uses_cuda_torch_only_with_an_nvidia_gpu(tmp_path):
    missing = [status("torch"), status("rasterio")]
    with_gpu = deps.install_plan(missing, gpu_name="NVIDIA H100 80GB HBM3", target=str(tmp_path), python="/py")
    torch_cmd, other_cmd = with_gpu.commands
    assert torch_cmd[:4] == ["/py", "-m", "pip", "install"]
    assert ["--target", str(tmp_path)] == torch_cmd[torch_cmd.index("--target"):torch_cmd.index("--target") + 2]
    assert torch_cmd[torch_cmd.index("--constraint") + 1] == os.path.join(str(tmp_path), "constraints.txt")
    assert torch_cmd[torch_cmd.index("--index-url") + 1] == deps.TORCH_CUDA_INDEX
    assert torch_cmd[-1] == "torch>=2.1"
    assert other_cmd[-1] == "rasterio>=1.3" and "--index-url" not in other_cmd
    cpu_only = deps.install_plan(missing, gpu_name=None, target=str(tmp_path), python="/py")
    assert cpu_only.commands[0][cpu_only.commands[0].index("--index-url") + 1] == deps.TORCH_CPU_INDEX
    assert deps.install_plan([status("shapely")], target=str(tmp_path), python="/py").commands[0][-1] == "shapely>=2.0"


def _script(path, body):
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_gpu_is_found_through_nvidia_smi(tmp_path):
    assert deps.nvidia_gpu_name(_script(tmp_path / "smi", 'echo "NVIDIA H100 80GB HBM3"')) == "NVIDIA H100 80GB HBM3"
    assert deps.nvidia_gpu_name(_script(tmp_path / "broken", "echo 'NVIDIA-SMI has failed'; exit 9")) is None
    assert deps.nvidia_gpu_name(str(tmp_path / "absent")) is None


def test_constraints_pin_what_qgis_ships(monkeypatch):
    text = deps.constraints_text()
    assert f"numpy=={importlib.metadata.version('numpy')}" in text.splitlines()
    real = importlib.metadata.version
    monkeypatch.setattr(deps.importlib.metadata, "version", lambda d: "22.2.0" if d == "attrs" else real(d))
    assert "affine<3" in deps.constraints_text().splitlines()  # Debian's attrs 22.2 breaks affine 3


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
