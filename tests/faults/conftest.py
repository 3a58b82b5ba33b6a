# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures of the fault-injection suite: a small real scene, a trained model file, patch sets to damage."""
from __future__ import annotations

import os

import numpy as np
import pytest

from faultkit import SAMPLE_LABELS, crop_sample, patch_set_arrays, summary_lines


def pytest_terminal_summary(terminalreporter):
    for line in summary_lines():
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def scene(tmp_path_factory) -> str:
    """A 200 x 170 px window of the bundled Landsat sample, with its CRS and no date."""
    return crop_sample(str(tmp_path_factory.mktemp("scene") / "raleigh_crop.tif"))


@pytest.fixture(scope="session")
def model_file(tmp_path_factory, scene) -> str:
    """A model (metadata teacher + student) trained for a few steps on the scene: read it, never change it."""
    from spatiotemporal_ssl.core.app.pipeline import train_model
    from spatiotemporal_ssl.core.params import RasterInput, TrainOptions, TrainRequest

    out = str(tmp_path_factory.mktemp("model") / "model.pt")
    opts = TrainOptions(steps=2, tile_size_px=4, batch_size=8, unlabeled_ratio=1, eval_every=2, device="cpu")
    train_model(TrainRequest([RasterInput(scene)], SAMPLE_LABELS, "label", out, opts))
    os.chmod(out, 0o444)
    return out


@pytest.fixture(scope="session")
def model_blob(model_file) -> dict:
    import torch

    return torch.load(model_file, map_location="cpu", weights_only=True)


@pytest.fixture
def write_patch_set(tmp_path):
    """write_patch_set(name, **changes) -> path of a patch set with keys changed (None removes a key)."""

    def write(name: str = "set.npz", allow_pickle: bool = False, **changes) -> str:
        arrays = patch_set_arrays()
        for k, v in changes.items():
            if v is None:
                arrays.pop(k, None)
            else:
                arrays[k] = v
        path = str(tmp_path / name)
        np.savez(path, **arrays)
        return path

    return write
