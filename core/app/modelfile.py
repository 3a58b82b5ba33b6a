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

from ..device import resolve_device
from ..data.encoding import MetadataEncoder
from ..errors import InputError
from ..models.metadata import MetaBatch
from ..models.network import LandCoverNet, NetworkConfig
from ..data.normalization import BandStats
from .outputs import atomic_output, check_output_path
from ..params import ClassSpec

FORMAT = "spatiotemporal-ssl-model"
FORMAT_VERSION = 1


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
               metadata_mode: str, multi_label: bool, options: dict, provenance: list, report: dict,
               training_state: Optional[dict] = None, overwrite: bool = False) -> str:
    """Write a model file atomically (temporary name, then rename): a crash never leaves half a model."""
    check_output_path(path, overwrite, "model file")
    config = _plain({
        "band_count": band_stats.band_count,
        "tile_size_px": int(tile_size_px),
        "stride_px": int(stride_px),
        "classes": [{"value": int(c.value), "name": str(c.name), "color": [int(v) for v in c.color]} for c in classes],
        "band_stats": band_stats.to_dict(),
        "encoding": encoder.to_dict() if encoder is not None else None,
        "metadata_mode": metadata_mode,
        "multi_label": bool(multi_label),
        "student_config": student.config.to_dict(),
        "teacher_config": teacher.config.to_dict() if teacher is not None else None,
        "options": options,
        "provenance": provenance,
        "report": report,
        "created": datetime.datetime.now().isoformat(timespec="seconds"),
        "software": "spatiotemporal_ssl 0.1.0, torch " + torch.__version__,
    })
    blob = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": config,
        "student": {k: v.detach().cpu() for k, v in student.state_dict().items()},
        "teacher": {k: v.detach().cpu() for k, v in teacher.state_dict().items()} if teacher is not None else None,
        "training_state": training_state,
    }
    with atomic_output(path, overwrite) as tmp:
        torch.save(blob, tmp)
    return path


def read_model_blob(path: str) -> dict:
    """Load and check a model file's raw contents; a foreign or corrupt file is a clear InputError."""
    if not os.path.exists(path):
        raise InputError(f"model file '{path}' does not exist; check the path")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - pickles with code, truncated files, non-torch files: all the same fix
        raise InputError(
            f"'{os.path.basename(path)}' is not a readable Spatiotemporal SSL model file ({type(exc).__name__}); "
            "it may be corrupt or made by another program: use a file written by 'stssl train' or the plugin"
        ) from exc
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise InputError(
            f"'{os.path.basename(path)}' is a PyTorch file but not a Spatiotemporal SSL model; "
            "use a file written by 'stssl train' or the plugin"
        )
    if int(blob.get("format_version", 0)) > FORMAT_VERSION:
        raise InputError(f"model file '{os.path.basename(path)}' was written by a newer version; update the plugin")
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

    def meta_batch(self, lat: Optional[torch.Tensor], lon: Optional[torch.Tensor], doy: Optional[torch.Tensor], n: int,
                   months: Optional[torch.Tensor] = None) -> MetaBatch:
        from ..learning.training_data import meta_batch

        nan = np.full(n, np.nan)

        def values(t: Optional[torch.Tensor]) -> np.ndarray:
            return t.cpu().numpy() if t is not None else nan

        return meta_batch(self.encoder, values(lat), values(lon), values(doy),
                          months.cpu().numpy() if months is not None else None).to(self.device)

    @torch.inference_mode()
    def probabilities(self, images: torch.Tensor, lat: Optional[torch.Tensor] = None, lon: Optional[torch.Tensor] = None,
                      doy: Optional[torch.Tensor] = None, network: str = "student",
                      months: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Class probabilities (softmax, or sigmoid for multi-label) of normalised tiles (B, C, T, T). ``months``
        (B, T) or (1, T): the calendar month (0-11) of every timestep, which a Presto teacher reads."""
        net = self.student if network == "student" else self.teacher
        if net is None:
            raise InputError(f"model '{os.path.basename(self.path)}' has no teacher network; train with metadata 'teacher'")
        if months is not None and months.shape[0] == 1 and images.shape[0] > 1:
            months = months.expand(images.shape[0], -1)
        meta = self.meta_batch(lat, lon, doy, images.shape[0], months) if net.uses_metadata else None
        logits = net(images.to(self.device), meta).logits.float()
        return torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=1)


def load_model(path: str, device: str = "auto") -> LoadedModel:
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
    except (KeyError, TypeError, RuntimeError) as exc:
        raise InputError(f"model file '{os.path.basename(path)}' is damaged ({exc}); retrain or use another copy") from exc
    encoder = MetadataEncoder.from_dict(config["encoding"]) if config.get("encoding") else None
    student.to(dev).eval()
    if teacher is not None:
        teacher.to(dev).eval()
    return LoadedModel(path=path, config=config, student=student, teacher=teacher, encoder=encoder, device=dev)
