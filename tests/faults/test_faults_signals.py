# SPDX-License-Identifier: GPL-2.0-or-later
"""SIGINT and SIGTERM sent to real `stssl train` and `stssl predict` processes mid-run, and SIGKILL.

train: the best EMA model so far is saved atomically with its training state, the output says where and
prints the exact --resume command, and that command continues the run. predict: no temporary file is left and
an old map is kept. After SIGKILL (which nothing can catch) the next run into the folder removes the stale
temporaries of the dead process, and leaves those of live ones alone.
"""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from faultkit import SAMPLE_LABELS, SAMPLE_RASTER, file_digest, has_traceback, record, run_cli, start_subprocess

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("POSIX signals", allow_module_level=True)


class _Reader:
    """Collects a process's stderr lines in a thread, so the test can wait for a line without blocking."""

    def __init__(self, proc: subprocess.Popen):
        self.proc, self.lines = proc, []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 240.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(text in line for line in self.lines):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def finish(self, timeout: float = 240.0):
        out = self.proc.stdout.read()
        self.proc.wait(timeout)
        self._thread.join(10)
        return self.proc.returncode, out, "".join(self.lines)


def _temporaries(folder):
    return sorted(n for n in os.listdir(folder) if ".tmp-" in n)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_in_training_saves_a_resumable_model_and_says_how_to_resume(tmp_path, scene, capsys, sig):
    from spatiotemporal_ssl.core.app.modelfile import load_model, read_model_blob

    labels = str(tmp_path / "labels.gpkg")
    shutil.copy(SAMPLE_LABELS, labels)
    out = str(tmp_path / "m.pt")
    proc = start_subprocess(["train", scene, "--labels", labels, "--class-field", "label", "--out", out, "--steps",
                             "100000", "--batch-size", "4", "--unlabeled-ratio", "1", "--tile-size", "4",
                             "--device", "cpu", "--eval-every", "5"])
    reader = _Reader(proc)
    assert reader.wait_for("/100000 loss"), "".join(reader.lines)[-3000:]  # the first progress line: step 5
    proc.send_signal(sig)
    rc, stdout, stderr = reader.finish()
    assert rc == 128 + sig, (rc, stdout, stderr[-2000:])
    assert not has_traceback(stdout + stderr), stderr[-3000:]
    assert f"interrupted ({sig.name})" in stdout and out in stdout
    assert _temporaries(tmp_path) == []
    blob = read_model_blob(out)
    step = blob["training_state"]["step"]
    assert 5 <= step < 100000 and blob["config"]["report"]["cancelled"]
    assert load_model(out, "cpu").band_count == 6  # a usable model
    resume_line = next(line for line in stdout.splitlines() if line.startswith("resume with: "))
    argv = shlex.split(resume_line[len("resume with: "):])
    assert argv[0] == "stssl" and argv[argv.index("--resume") + 1] == out
    # The printed command continues the run (here for two more steps instead of 100000).
    argv = argv[1:]
    argv[argv.index("--steps") + 1] = str(step + 2)
    result = run_cli(argv, capsys)
    assert result.rc == 0 and result.traceback is None, result.text
    assert read_model_blob(out)["training_state"]["step"] == step + 2
    record(f"train {sig.name} mid-run: saved, resumed", "ok")


@pytest.fixture
def old_map(tmp_path, model_file, scene):
    from spatiotemporal_ssl.core.app.modelfile import load_model
    from spatiotemporal_ssl.core.app.predict import predict_raster

    folder = tmp_path / "maps"
    folder.mkdir()
    out = str(folder / "c.tif")
    predict_raster(load_model(model_file, "cpu"), scene, out, stride_px=4)
    return out


def _long_predict(model_file, out):
    # The whole sample at stride 1 with small batches: long enough to be interrupted mid-run.
    return start_subprocess(["predict", model_file, SAMPLE_RASTER, "--out", out, "--confidence",
                             os.path.join(os.path.dirname(out), "conf.tif"), "--stride", "1", "--batch-size", "16",
                             "--device", "cpu", "--overwrite"])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_in_prediction_leaves_no_temporary_and_keeps_the_old_map(model_file, old_map, sig):
    folder = os.path.dirname(old_map)
    before = file_digest(old_map)
    proc = _long_predict(model_file, old_map)
    reader = _Reader(proc)
    assert reader.wait_for("predict ["), "".join(reader.lines)[-3000:]
    proc.send_signal(sig)
    rc, stdout, stderr = reader.finish()
    assert rc == 128 + sig, (rc, stderr[-2000:])
    assert not has_traceback(stdout + stderr), stderr[-3000:]
    assert f"interrupted ({sig.name})" in stderr
    assert _temporaries(folder) == [] and sorted(os.listdir(folder)) == ["c.qml", "c.tif"]
    assert file_digest(old_map) == before
    record(f"predict {sig.name} mid-run: cleaned up, old map kept", "ok")


def test_sigkill_leftovers_are_removed_by_the_next_run(model_file, old_map, scene, capsys):
    folder = os.path.dirname(old_map)
    proc = _long_predict(model_file, old_map)
    reader = _Reader(proc)
    assert reader.wait_for("predict ["), "".join(reader.lines)[-3000:]
    proc.kill()
    reader.finish()
    stale = _temporaries(folder)
    assert stale and all(f"-{proc.pid}-" in name for name in stale)  # what SIGKILL leaves behind
    # Just left, they are only listed (on a shared folder another computer could be writing them) ...
    result = run_cli(["predict", model_file, scene, "--out", os.path.join(folder, "c1.tif"), "--device", "cpu",
                      "--stride", "4"], capsys)
    assert result.rc == 0 and "were kept" in result.err and stale[0] in result.err
    assert _temporaries(folder) == stale
    # ... and once they have not changed for ten minutes, removed.
    old = time.time() - 3600
    for name in stale:
        os.utime(os.path.join(folder, name), (old, old))
    # A temporary of a process that still runs is another run's work in progress: it must stay.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        busy = os.path.join(folder, f".other.tmp-{alive.pid}-0123abcd.tif")
        open(busy, "wb").close()
        os.utime(busy)  # written after its (live) process started: work in progress
        result = run_cli(["predict", model_file, scene, "--out",
                          os.path.join(folder, "c2.tif"), "--device", "cpu", "--stride", "4"], capsys)
        assert result.rc == 0 and result.traceback is None, result.text
        assert "removed" in result.err and "stale temporary file" in result.err and folder in result.err
        assert _temporaries(folder) == [os.path.basename(busy)] and os.path.basename(busy) not in result.err
    finally:
        alive.kill()
        alive.wait()
    record("predict after SIGKILL: stale temporaries listed, then removed; live ones kept", "ok")
