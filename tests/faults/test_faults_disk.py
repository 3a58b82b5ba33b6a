# SPDX-License-Identifier: GPL-2.0-or-later
"""Full disks and outputs that cannot be written: refused before the work where that can be known, else a
clear error after it with the old file kept and no temporary left; a trained model is never lost.

A tiny tmpfs is mounted where the machine allows it (root, as in CI); the same faults are also injected as
ENOSPC in the writers, so the checks run everywhere.
"""
from __future__ import annotations

import errno
import logging
import os
import shutil

import pytest
import torch

from faultkit import SAMPLE_LABELS, expect_refusal, file_digest, fill_disk, folder_state, record, tiny_filesystem

TRAIN_FAST = ["--steps", "2", "--batch-size", "4", "--unlabeled-ratio", "1", "--tile-size", "4", "--device", "cpu"]


@pytest.fixture
def disk(tmp_path):
    """A 1 MiB file system (None where it cannot be mounted)."""
    with tiny_filesystem(str(tmp_path / "disk"), "1M") as folder:
        yield folder


def _need(folder):
    if folder is None:
        pytest.skip("cannot mount a tmpfs here (not root, or no mount); the injected-ENOSPC tests cover this path")


@pytest.fixture(scope="module")
def old_map(tmp_path_factory, model_file, scene):
    """A good class map from an earlier run, which a failed overwrite must keep byte for byte."""
    from spatiotemporal_ssl.core.app.modelfile import load_model
    from spatiotemporal_ssl.core.app.predict import predict_raster

    out = str(tmp_path_factory.mktemp("old") / "c.tif")
    predict_raster(load_model(model_file, "cpu"), scene, out, stride_px=4)
    return out


def test_predict_overwrite_on_a_full_disk_keeps_the_old_map(disk, old_map, model_file, scene, capsys):
    """Issue 14, data loss 1: a good class map was replaced by a corrupt 4,096-byte TIFF, with exit status 0."""
    _need(disk)
    shutil.copy(old_map, os.path.join(disk, "c.tif"))
    fill_disk(disk)
    expect_refusal("predict --overwrite, disk full", ["predict", model_file, scene, "--out", os.path.join(disk, "c.tif"),
                                                      "--overwrite", "--device", "cpu"],
                   capsys, ["c.tif", disk, "the disk is full"], watch=[disk])
    assert file_digest(os.path.join(disk, "c.tif")) == file_digest(old_map)


def test_predict_that_runs_out_of_space_while_writing(disk, old_map, model_file, scene, capsys):
    """Room for the probe but not for the maps: the writes or the close fail; the old map stays, nothing else."""
    _need(disk)
    shutil.copy(old_map, os.path.join(disk, "c.tif"))
    fill_disk(disk, leave_bytes=12 * 1024)
    result = expect_refusal("predict --overwrite, disk full while writing", [
        "predict", model_file, scene, "--out", os.path.join(disk, "c.tif"), "--confidence",
        os.path.join(disk, "conf.tif"), "--overwrite", "--device", "cpu"], capsys, [disk, "the disk is full"],
        watch=[disk])
    assert "predict [" in result.err  # the prediction ran: this is the write check, not the probe
    assert file_digest(os.path.join(disk, "c.tif")) == file_digest(old_map)


class _FullDiskWriter:
    """A rasterio dataset whose block writes fail as GDAL's do on a full disk: an error logged by GDAL
    ('No space left on device') and rasterio's generic 'Write failed'."""

    def __init__(self, dst, writes_left: list):
        self._dst, self._left = dst, writes_left  # shared by all outputs of the run

    def write(self, *args, **kwargs):
        self._left[0] -= 1
        if self._left[0] < 0:
            import rasterio

            logging.getLogger("rasterio._err").info(
                "GDAL signalled an error: err_no=1, msg='_tiffWriteProc:No space left on device'")
            raise rasterio.errors.RasterioIOError("Write failed. See previous exception for details.")
        return self._dst.write(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._dst, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._dst.close()


@pytest.mark.parametrize("fail_after", [0, 1], ids=["first-block", "second-block"])
def test_predict_injected_enospc_keeps_the_old_map(tmp_path, old_map, model_file, scene, capsys, monkeypatch,
                                                   fail_after):
    from spatiotemporal_ssl.core.app import geotiff, predict

    real_open, left = geotiff.open_geotiff, [fail_after]
    monkeypatch.setattr(predict, "open_geotiff", lambda *a, **k: _FullDiskWriter(real_open(*a, **k), left))
    out = tmp_path / "c.tif"
    shutil.copy(old_map, out)
    expect_refusal(f"predict, injected ENOSPC at block {fail_after + 1}", [
        "predict", model_file, scene, "--out", str(out), "--confidence", str(tmp_path / "conf.tif"), "--overwrite",
        "--device", "cpu", "--stride", "4"],
        capsys, ["conf.tif" if fail_after else "c.tif", "the disk is full"], watch=[str(tmp_path)])
    assert file_digest(str(out)) == file_digest(old_map)


def test_predict_close_that_leaves_an_incomplete_file_is_caught(tmp_path, old_map, model_file, scene, capsys,
                                                               monkeypatch):
    """A close that fails without raising (GDAL only logs it) leaves a file that does not read back: the
    read-back before the rename catches it."""
    from spatiotemporal_ssl.core.app import predict

    real_check = predict.check_written

    def truncate_then_check(tmp, path, what, verify=None):
        with open(tmp, "r+b") as f:
            f.truncate(os.path.getsize(tmp) // 2)
        return real_check(tmp, path, what, verify)

    monkeypatch.setattr(predict, "check_written", truncate_then_check)
    out = tmp_path / "c.tif"
    shutil.copy(old_map, out)
    expect_refusal("predict, truncated by a silent close failure", [
        "predict", model_file, scene, "--out", str(out), "--overwrite", "--device", "cpu", "--stride", "4"],
        capsys, ["c.tif", "read back"], watch=[str(tmp_path)])


# --------------------------------------------------------------------------------------------------- train

@pytest.fixture
def labels(tmp_path):
    path = str(tmp_path / "labels.gpkg")
    shutil.copy(SAMPLE_LABELS, path)
    return path


def test_train_on_a_full_disk_is_refused_before_tiling(disk, scene, labels, capsys):
    _need(disk)
    fill_disk(disk)
    result = expect_refusal("train --out on a full disk", ["train", scene, "--labels", labels, "--class-field", "label",
                                                           "--out", os.path.join(disk, "m.pt"), *TRAIN_FAST],
                            capsys, ["m.pt", "the disk is full"], watch=[disk])
    assert "train [" not in result.err


def test_train_where_the_model_will_not_fit_is_refused_before_training(disk, scene, labels, capsys):
    """Room to write a small file, not the model file: the estimate refuses before the first step."""
    _need(disk)
    result = expect_refusal("train --out on a disk too small for the model", [
        "train", scene, "--labels", labels, "--class-field", "label", "--out", os.path.join(disk, "m.pt"),
        *TRAIN_FAST], capsys, ["m.pt", disk, "not enough free space", "MiB"], watch=[disk])
    assert "train [" not in result.err


def _request(scene, labels, out, **kw):
    from spatiotemporal_ssl.core.params import RasterInput, TrainOptions, TrainRequest

    opts = TrainOptions(steps=2, tile_size_px=4, batch_size=4, unlabeled_ratio=1, eval_every=2, device="cpu", **kw)
    return TrainRequest([RasterInput(scene)], labels, "label", out, opts)


def _check_rescued(exc, rescue_dir, out):
    from spatiotemporal_ssl.core.app.modelfile import load_model, read_model_blob

    assert exc.rescued_path is not None and os.path.dirname(exc.rescued_path) == str(rescue_dir)
    assert exc.rescued_path in str(exc) and os.path.basename(out) in str(exc)
    model = load_model(exc.rescued_path, "cpu")
    assert model.band_count == 6
    assert read_model_blob(exc.rescued_path)["training_state"]["step"] == 2  # resumable too
    assert not os.path.exists(out)


def test_model_that_cannot_be_saved_after_training_goes_to_a_named_fallback(tmp_path, scene, labels, monkeypatch):
    """The disk fills up while training: the model, still in memory, is written to a fallback folder (here the
    working folder) and the error says where."""
    from spatiotemporal_ssl.core.app.pipeline import train_model
    from spatiotemporal_ssl.core.errors import OutputError

    with tiny_filesystem(str(tmp_path / "disk"), "16M") as disk:
        _need(disk)
        rescue = tmp_path / "rescue"
        rescue.mkdir()
        monkeypatch.chdir(rescue)
        out = os.path.join(disk, "m.pt")

        def progress(p):
            if p.phase == "saving":  # after training, just before the model file is written
                fill_disk(disk)

        with pytest.raises(OutputError) as caught:
            train_model(_request(scene, labels, out), progress=progress)
        assert "the disk is full" in str(caught.value)
        _check_rescued(caught.value, rescue, out)
        assert os.listdir(disk) == ["fill"]  # no temporary left behind
    record("train: save fails after training -> fallback (tmpfs)", "ok")


def test_model_save_injected_enospc_goes_to_a_named_fallback(tmp_path, scene, labels, monkeypatch):
    from spatiotemporal_ssl.core.app import modelfile
    from spatiotemporal_ssl.core.app.pipeline import train_model
    from spatiotemporal_ssl.core.errors import OutputError

    target = tmp_path / "target"
    target.mkdir()
    rescue = tmp_path / "rescue"
    rescue.mkdir()
    monkeypatch.chdir(rescue)
    out = str(target / "m.pt")
    real_save = torch.save

    def save(obj, path, *a, **k):
        if os.path.dirname(os.path.abspath(path)) == str(target):
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04 half a file")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, path, *a, **k)

    monkeypatch.setattr(modelfile.torch, "save", save)
    with pytest.raises(OutputError) as caught:
        train_model(_request(scene, labels, out))
    _check_rescued(caught.value, rescue, out)
    assert os.listdir(target) == []
    record("train: injected ENOSPC at save -> fallback", "ok")


def test_failed_checkpoint_does_not_end_the_run(tmp_path, scene, labels, monkeypatch, caplog):
    from spatiotemporal_ssl.core.app import modelfile
    from spatiotemporal_ssl.core.app.modelfile import read_model_blob
    from spatiotemporal_ssl.core.app.pipeline import train_model

    out = str(tmp_path / "m.pt")
    real_save, calls = torch.save, []

    def save(obj, path, *a, **k):
        calls.append(path)
        if len(calls) == 1:  # the checkpoint at step 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, path, *a, **k)

    monkeypatch.setattr(modelfile.torch, "save", save)
    with caplog.at_level(logging.WARNING):
        result = train_model(_request(scene, labels, out, checkpoint_every=1))
    assert result.steps_done == 2 and read_model_blob(out)["training_state"]["step"] == 2
    assert "checkpoint at step 1 not saved" in caplog.text and "the disk is full" in caplog.text
    record("train: checkpoint fails mid-run, run goes on", "ok")


# ------------------------------------------------------------------------------------------------ evaluate

def test_evaluate_json_on_a_full_disk(disk, write_patch_set, capsys):
    _need(disk)
    with open(os.path.join(disk, "r.json"), "w") as f:
        f.write('{"old": true}')
    fill_disk(disk)
    path = write_patch_set("set.npz")
    expect_refusal("evaluate --json on a full disk", ["evaluate", "--patches", path, "--steps", "1", "--device", "cpu",
                                                      "--json", os.path.join(disk, "r.json")],
                   capsys, ["r.json", "the disk is full"], watch=[disk])
    assert open(os.path.join(disk, "r.json")).read() == '{"old": true}'


def test_evaluate_json_write_failure_after_training(tmp_path, write_patch_set, capsys, monkeypatch):
    from spatiotemporal_ssl.core.app import outputs

    real = outputs.check_written

    def fail(tmp, path, what, verify=None):
        if path.endswith(".json"):
            raise outputs.write_failed(what, path, OSError(errno.ENOSPC, "No space left on device"))
        return real(tmp, path, what, verify)

    monkeypatch.setattr(outputs, "check_written", fail)
    (tmp_path / "r.json").write_text('{"old": true}')
    path = write_patch_set("set.npz")
    expect_refusal("evaluate --json, injected ENOSPC after training", [
        "evaluate", "--patches", path, "--steps", "1", "--batch-size", "4", "--device", "cpu", "--json",
        str(tmp_path / "r.json")], capsys, ["r.json", "the disk is full"], watch=[str(tmp_path)])


def test_output_in_a_read_only_place(tmp_path, model_file, scene, capsys):
    """A read-only bind mount (root ignores permission bits, not a read-only file system)."""
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot make a read-only bind mount here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
        expect_refusal("predict into a read-only file system", [
            "predict", model_file, scene, "--out", str(folder / "c.tif"), "--device", "cpu"], capsys,
            ["c.tif", "read-only file system"], watch=[str(folder)])
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
    assert folder_state([str(folder)]) == {}
