# SPDX-License-Identifier: GPL-2.0-or-later
"""The Install… button, run for real: pip fetches the engine's packages into a folder keyed like a user's, and a
fresh QGIS Python then trains and predicts with them.

The Python under test is Debian's QGIS Python as a user has it, minus the five engine packages: a venv made from
``/usr/bin/python3`` without system site-packages, which sees every entry of ``/usr/lib/python3/dist-packages``
(QGIS, PyQt5, Debian's numpy, attrs, sympy...) through symlinks, except those of torch, rasterio, pyproj, shapely
and pyogrio (Debian 12 ships pyproj 3.4.1). The steps run in tests/installer_driver.py, one process each.

The install downloads from the package registries (torch's CPU wheel is taken from a local wheel where pip is
configured with one), takes minutes and about 1 GB of disk, so it is one test that does everything once. It is
skipped only when pip's log says a registry could not be reached.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

import pytest
from conftest import ROOT

DEBIAN_PYTHON = "/usr/bin/python3"
DEBIAN_SITE = "/usr/lib/python3/dist-packages"
ENGINE_DISTRIBUTIONS = ("torch", "rasterio", "pyproj", "shapely", "pyogrio")
DRIVER = os.path.join(ROOT, "tests", "installer_driver.py")
PY = f"py{sys.version_info.major}.{sys.version_info.minor}"
NETWORK_ERRORS = ("NewConnectionError", "Failed to establish a new connection", "Name or service not known",
                  "Temporary failure in name resolution", "Network is unreachable", "ConnectTimeoutError",
                  "ReadTimeoutError", "ProxyError", "Connection refused")
INSTALL_TIMEOUT_S = 20 * 60


def _top_name(entry: str) -> str:
    """'pyproj-3.4.1.dist-info' -> 'pyproj', 'pyproj.libs' -> 'pyproj'."""
    return re.split(r"[-.]", entry, maxsplit=1)[0].lower()


def _make_qgis_python(root, leave_out=ENGINE_DISTRIBUTIONS) -> dict:
    """A Python that sees QGIS as Debian installs it but none of the distributions in ``leave_out``."""
    if not os.path.isdir(os.path.join(DEBIAN_SITE, "qgis")):
        pytest.fail(f"QGIS's Python packages are not in {DEBIAN_SITE}: run scripts/setup.sh")
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site_dir, plugins = root / "qgis-site", root / "plugins"
    site_dir.mkdir()
    plugins.mkdir()
    for entry in sorted(os.listdir(DEBIAN_SITE)):
        if _top_name(entry) not in leave_out:
            os.symlink(os.path.join(DEBIAN_SITE, entry), site_dir / entry)
    os.symlink(ROOT, plugins / "spatiotemporal_ssl")  # as in a QGIS profile's python/plugins folder
    python = str(root / "venv" / "bin" / "python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(purelib, "qgis_site.pth"), "w", encoding="utf-8") as fh:
        fh.write(f"{site_dir}\n{plugins}\n")
    return {"python": python, "root": root}


@pytest.fixture(scope="module")
def qgis_python(tmp_path_factory):
    return _make_qgis_python(tmp_path_factory.mktemp("qgis-python"))


def _fake_nvidia_smi(folder, body: str) -> str:
    folder.mkdir(exist_ok=True)
    path = folder / "nvidia-smi"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(folder)


def _driver(env_python: str, mode: str, profile, out, *extra, path_prefix=None, timeout=300) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    # An index that cannot be reached costs pip five retries with back-off for every package; one shows it.
    env["PIP_RETRIES"] = "1"
    if path_prefix:
        env["PATH"] = path_prefix + os.pathsep + env.get("PATH", "")
    proc = subprocess.run([env_python, DRIVER, mode, str(profile), str(out), *map(str, extra)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0 and os.path.exists(out), f"{mode} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    with open(out, encoding="utf-8") as fh:
        result = json.load(fh)
    result["stdout"] = proc.stdout
    return result


def _folder_size(folder: str) -> int:
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total


def _skip_if_unreachable(log: str) -> None:
    """Skip when the failed pip command could not reach a registry; otherwise the failure is the installer's."""
    last = log.rsplit("\n$ ", 1)[-1]  # the output of the command that failed
    errors = [line.strip() for line in last.splitlines() if any(e in line for e in NETWORK_ERRORS)]
    not_found = re.search(r"(No matching distribution found|Could not find a version)[^\n]*", last)
    if errors and not_found:
        pytest.skip(f"a package registry could not be reached, so the Install… button could not be tried: "
                    f"{not_found.group(0)}; pip's last connection error: ...{errors[-1][-200:]}")


def test_only_an_unreachable_registry_skips():
    unreachable = ("$ pip install torch==2.13.0+cpu\nWARNING: Retrying after connection broken by "
                   "'NewConnectionError(Failed to establish a new connection)': /whl/cpu/torch/\n"
                   "ERROR: No matching distribution found for torch==2.13.0+cpu\n")
    with pytest.raises(pytest.skip.Exception, match="No matching distribution found for torch==2.13.0"):
        _skip_if_unreachable(unreachable)
    # The network error came from the first command; the second failed on its own: that is a failure.
    _skip_if_unreachable(unreachable.replace("ERROR: No matching distribution found for torch==2.13.0+cpu\n", "")
                         + "$ pip install rasterio==9.9\nERROR: No matching distribution found for rasterio==9.9\n")
    _skip_if_unreachable("$ pip install shapely==2.0.7\nerror: subprocess-exited-with-error\n")


def test_probe_sees_qgis_without_the_engine_packages(qgis_python, tmp_path):
    probe = _driver(qgis_python["python"], "probe", tmp_path / "profile", tmp_path / "probe.json")
    assert probe["qgis_version"].startswith("3.")
    assert probe["found"] == {name: False for name in ENGINE_DISTRIBUTIONS}
    assert probe["missing"] == list(ENGINE_DISTRIBUTIONS)
    assert probe["numpy_file"].startswith(str(qgis_python["root"] / "qgis-site"))  # Debian's numpy, via the symlinks
    assert probe["target"] == os.path.join(str(tmp_path / "profile"), "python", "dependencies", "spatiotemporal_ssl", PY)
    assert probe["python"] == qgis_python["python"]


def test_a_gpu_makes_the_dialog_ask_for_the_cuda_build(qgis_python, tmp_path):
    """A fake nvidia-smi on PATH: the dialog's own plan must ask for the CUDA wheel. Nothing is downloaded."""
    fake = _fake_nvidia_smi(tmp_path / "bin", 'echo "NVIDIA H100 80GB HBM3"')
    plan = _driver(qgis_python["python"], "plan", tmp_path / "profile", tmp_path / "plan.json", path_prefix=fake)
    from spatiotemporal_ssl.plugin.dependencies import PYPI_INDEX, TORCH_CPU_INDEX, TORCH_CUDA_INDEX

    assert plan["gpu_name"] == "NVIDIA H100 80GB HBM3" and "CUDA build" in plan["intro"]
    torch_cmd, others_cmd = plan["commands"]
    assert torch_cmd[torch_cmd.index("--index-url") + 1] == TORCH_CUDA_INDEX
    assert torch_cmd[torch_cmd.index("--extra-index-url") + 1] == PYPI_INDEX
    assert TORCH_CPU_INDEX not in torch_cmd
    assert torch_cmd[-1] == "torch==2.13.0"  # on Linux both indexes' 2.13.0 is a CUDA build; never "+cpu"
    assert others_cmd[-4:] == ["rasterio==1.4.3", "pyproj==3.7.2", "shapely==2.0.7", "pyogrio==0.10.0"]
    broken = _fake_nvidia_smi(tmp_path / "broken", "echo 'NVIDIA-SMI has failed'; exit 9")
    plan = _driver(qgis_python["python"], "plan", tmp_path / "profile", tmp_path / "plan2.json", path_prefix=broken)
    assert plan["gpu_name"] is None and plan["commands"][0][-1] == "torch==2.13.0+cpu"


def test_without_pip_the_dialog_refuses_and_says_how_to_get_it(tmp_path):
    no_pip = _make_qgis_python(tmp_path / "env", ENGINE_DISTRIBUTIONS + ("pip",))
    plan = _driver(no_pip["python"], "plan", tmp_path / "profile", tmp_path / "plan.json")
    assert not plan["install_enabled"] and "python3-pip" in plan["status"]


@pytest.mark.slow
def test_install_button_installs_what_trains_and_predicts(qgis_python, tmp_path):
    python, profile = qgis_python["python"], tmp_path / "profile"
    target = os.path.join(str(profile), "python", "dependencies", "spatiotemporal_ssl", PY)
    # A failing nvidia-smi first on PATH: even on a machine with a GPU the test installs the CPU build.
    no_gpu = _fake_nvidia_smi(tmp_path / "no-gpu", "exit 9")
    try:
        start = time.monotonic()
        try:
            install = _driver(python, "install", profile, tmp_path / "install.json", tmp_path / "install.log",
                              path_prefix=no_gpu, timeout=INSTALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the install took more than {INSTALL_TIMEOUT_S} s")
        install_wall = time.monotonic() - start
        assert "refused" not in install, install.get("refused")
        log = open(tmp_path / "install.log", encoding="utf-8").read()
        if not install["ok"]:
            _skip_if_unreachable(log)
            pytest.fail(f"the install failed: {install['status']}\n{log[-6000:]}")
        assert install["target"] == target
        assert "restart QGIS" in install["status"]
        torch_cmd = install["commands"][0]
        assert torch_cmd[-1] == "torch==2.13.0+cpu" and "--target" in torch_cmd and "--constraint" in torch_cmd
        installed = sorted(os.listdir(target))
        assert "torch-2.13.0+cpu.dist-info" in installed
        assert not [n for n in installed if re.match(r"(nvidia|cuda|triton)", n, re.I)], installed  # no CUDA build
        assert not [n for n in installed if _top_name(n) == "numpy"], installed  # QGIS's numpy is the one
        assert re.search(r"Removed numpy-[0-9.]+ from the folder", log)
        constraints = open(os.path.join(target, "constraints.txt"), encoding="utf-8").read().splitlines()
        size = _folder_size(target)

        start = time.monotonic()
        verify = _driver(python, "verify", profile, tmp_path / "verify.json", tmp_path, timeout=600)
        verify_wall = time.monotonic() - start
        assert verify["missing"] == []
        assert verify["torch_version"] == "2.13.0+cpu" and verify["torch_cuda"] is None
        for name in ENGINE_DISTRIBUTIONS + ("attr", "affine", "sympy"):
            assert verify["module_files"][name].startswith(target + os.sep), (name, verify["module_files"][name])
        debian_numpy = os.path.join(str(qgis_python["root"] / "qgis-site"), "numpy")
        assert verify["numpy_file"].startswith(debian_numpy) and f"numpy=={verify['numpy_version']}" in constraints
        assert "osgeo.gdal_array" not in verify["loaded_before"]  # so the import below really happened afterwards
        assert verify["train_rc"] == 0 and verify["predict_rc"] == 0, verify["stdout"][-3000:]
        assert "steps: 10" in verify["stdout"]
        assert verify["classes_driver"] == "GTiff" and verify["classes_shape"] == [443, 489]
        assert len([v for v in verify["class_values"] if v]) >= 2  # read back through osgeo.gdal_array
        downloads = re.findall(r"Downloading (\S+) \(([\d.]+ [kMG]B)\)", log)
        print(f"\n[installer] install {install['seconds']} s (driver {install_wall:.0f} s), folder {size / 1e9:.2f} GB; "
              f"downloads: {downloads}; fresh process {verify_wall:.0f} s, of which train {verify['train_seconds']} s, "
              f"predict {verify['predict_seconds']} s, import torch {verify['import_torch_seconds']} s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)  # about 1 GB
