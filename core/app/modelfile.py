# SPDX-License-Identifier: GPL-2.0-or-later
"""The model file: one ``torch.save`` of plain values and tensors, loaded with ``weights_only=True``.

Contents: the EMA student's weights (the deployed model) and the teacher's; class values, names and colours;
band statistics and band count; tile size and prediction stride; metadata encoding and network configs;
training settings and data provenance; optionally the full training state for resume. No pickled objects,
so opening a model file never runs code.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import torch

from .. import __version__
from ..device import resolve_device
from ..data.encoding import MetadataEncoder
from ..errors import InputError, ModelFileError
from ..models.metadata import meta_batch
from ..models.network import LandCoverNet, NetworkConfig
from ..data.normalization import BandStats
from .filecheck import write_failed
from .modelschema import FORMAT, FORMAT_VERSION, exception_detail, validate_model_blob
from .outputs import atomic_output, check_output_path
from ..params import ClassSpec


def _plain(value):
    """Convert numpy scalars/arrays and tuples to JSON-like Python values (weights_only-safe)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_model(path: str, *, student: LandCoverNet, teacher: Optional[LandCoverNet], classes: List[ClassSpec],
               band_stats: BandStats, tile_size_px: int, stride_px: int, encoder: Optional[MetadataEncoder],
               multi_label: bool, options: dict, provenance: list, report: dict,
               training_state: Optional[dict] = None, overwrite: bool = False,
               normalization: Optional[dict] = None) -> str:
    """Write a model file atomically (temporary name, then rename): a crash never leaves half a model.

    The written file is read back and checked against the schema before the rename, so a full disk or a
    failing write raises :class:`OutputError` and leaves an existing file under ``path`` as it was.
    """
    check_output_path(path, overwrite, "model file")
    config = _plain({
        "band_count": band_stats.band_count,
        "tile_size_px": int(tile_size_px),
        "stride_px": int(stride_px),
        "classes": [{"value": int(c.value), "name": str(c.name), "color": [int(v) for v in c.color]} for c in classes],
        "band_stats": band_stats.to_dict(),
        # How rasters are scaled (core/app/scene_normalization.py); "band_stats" above are the training rasters'
        # pooled statistics, which a "per_raster" model replaces with each predicted raster's own.
        "normalization": normalization or {"mode": "training"},
        # Older files also hold "metadata_mode" (the teacher choice), which nothing reads: what each network
        # reads is in its config below, the choice itself in "options".
        "encoding": encoder.to_dict() if encoder is not None else None,
        "multi_label": bool(multi_label),
        "student_config": student.config.to_dict(),
        "teacher_config": teacher.config.to_dict() if teacher is not None else None,
        "options": options,
        "provenance": provenance,
        "report": report,
        "created": datetime.datetime.now().isoformat(timespec="seconds"),
        "software": f"spatiotemporal_ssl {__version__}, torch {torch.__version__}",
    })
    blob = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": config,
        "student": {k: v.detach().cpu() for k, v in student.state_dict().items()},
        "teacher": {k: v.detach().cpu() for k, v in teacher.state_dict().items()} if teacher is not None else None,
        "training_state": training_state,
    }
    with atomic_output(path, overwrite, "model file", verify=lambda tmp: read_model_blob(tmp, shown_as=path)) as tmp:
        try:
            torch.save(blob, tmp)
        except (OSError, RuntimeError) as exc:  # torch's zip writer reports a failed write as a RuntimeError
            raise write_failed("model file", path, exc) from exc
    return path


def estimated_file_bytes(*state_dicts: Optional[dict]) -> int:
    """Bytes a model file holding these state dicts (and its small config) takes, for a free-space check."""
    total = 64 * 1024
    for state in state_dicts:
        for v in (state or {}).values():
            if isinstance(v, torch.Tensor):
                total += v.numel() * v.element_size() + 512
    return total


def read_model_blob(path: str, shown_as: Optional[str] = None) -> dict:
    """Load a model file's raw contents and check them against the schema (:mod:`core.app.modelschema`).

    Always with ``weights_only=True``: a pickle that would run code is refused, never executed. A missing,
    foreign, corrupt, damaged or newer file is a :class:`ModelFileError` naming it (``shown_as`` is the name to
    use in messages when ``path`` is a temporary file).
    """
    shown = shown_as or path
    name = os.path.basename(str(shown))
    if not os.path.exists(path):
        raise ModelFileError(f"model file '{shown}' does not exist; check the path")
    if os.path.isdir(path):
        raise ModelFileError(f"model file '{shown}' is a folder; choose the .pt file written by 'stssl train'")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - pickles with code, truncated files, non-torch files: all the same fix
        raise ModelFileError(
            f"'{name}' is not a readable Spatiotemporal SSL model file ({type(exc).__name__}); "
            "it may be corrupt or made by another program: use a file written by 'stssl train' or the plugin"
        ) from exc
    validate_model_blob(blob, shown)
    return blob


@dataclass
class LoadedModel:
    """A model ready to predict: the interface core.app.predict and the plugin use."""

    path: str
    config: dict
    student: LandCoverNet
    teacher: Optional[LandCoverNet]
    encoder: Optional[MetadataEncoder]
    device: torch.device

    @property
    def band_count(self) -> int:
        return int(self.config["band_count"])

    @property
    def tile_size_px(self) -> int:
        return int(self.config["tile_size_px"])

    @property
    def stride_px(self) -> int:
        return int(self.config["stride_px"])

    @property
    def band_stats(self) -> BandStats:
        return BandStats.from_dict(self.config["band_stats"])

    @property
    def classes(self) -> List[ClassSpec]:
        return [ClassSpec(int(c["value"]), str(c["name"]), tuple(c["color"])) for c in self.config["classes"]]

    @property
    def multi_label(self) -> bool:
        return bool(self.config["multi_label"])

    @property
    def has_teacher(self) -> bool:
        return self.teacher is not None

    @property
    def student_needs_metadata(self) -> bool:
        """True for the metadata-as-input baseline: the deployed network itself reads location and date."""
        return self.student.uses_metadata

    @property
    def presto_spec(self) -> Optional[dict]:
        """The Presto backbone's spec (bands, roles, scaling, timesteps) when the model has one."""
        return self.config["student_config"].get("presto")

    @torch.inference_mode()
    def probabilities(self, images: torch.Tensor, lat: Optional[torch.Tensor] = None,
                      lon: Optional[torch.Tensor] = None, doy: Optional[torch.Tensor] = None,
                      network: str = "student", months: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Class probabilities (softmax, or sigmoid for multi-label) of normalised tiles (B, C, T, T). ``months``
        (B, T) or (1, T): the calendar month (0-11) of every timestep, which a Presto network reads."""
        net = self.student if network == "student" else self.teacher
        if net is None:
            raise InputError(f"model '{os.path.basename(self.path)}' has no teacher network; "
                             "train with metadata 'teacher'")
        meta = None
        if net.uses_metadata:  # a coordinate or date not given is unknown (NaN) for every tile
            if self.encoder is None:
                raise InputError(f"model file '{os.path.basename(self.path)}' has a network that reads metadata but "
                                 "no metadata encoding; it is damaged: retrain or use another copy")
            if months is not None and months.shape[0] == 1 and images.shape[0] > 1:
                months = months.expand(images.shape[0], -1)
            unknown = np.full(images.shape[0], np.nan)

            def values(v: Optional[torch.Tensor]) -> np.ndarray:
                return v.cpu().numpy() if v is not None else unknown

            meta = meta_batch(self.encoder, values(lat), values(lon), values(doy),
                              months=months.cpu().numpy() if months is not None else None)
            meta = meta.to(self.device)
        logits = net(images.to(self.device), meta).logits.float()
        return torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=1)


def load_model(path: str, device: str = "auto") -> LoadedModel:
    """Open a model file for prediction; every problem with the file is a :class:`ModelFileError`."""
    blob = read_model_blob(path)
    config = blob["config"]
    dev = resolve_device(device)
    try:
        student = LandCoverNet(NetworkConfig.from_dict(config["student_config"]))
        student.load_state_dict(blob["student"])
        teacher = None
        if blob.get("teacher") is not None and config.get("teacher_config"):
            teacher = LandCoverNet(NetworkConfig.from_dict(config["teacher_config"]))
            teacher.load_state_dict(blob["teacher"])
        encoder = MetadataEncoder.from_dict(config["encoding"]) if config.get("encoding") else None
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"model file '{os.path.basename(path)}' is damaged ({exception_detail(exc)}); "
                             "retrain the model or "
                             "use another copy of the file") from exc
    student.to(dev).eval()
    if teacher is not None:
        teacher.to(dev).eval()
    return LoadedModel(path=path, config=config, student=student, teacher=teacher, encoder=encoder, device=dev)
