# SPDX-License-Identifier: GPL-2.0-or-later
"""LandCoverNet: a backbone, a class head, and the network's metadata role: how (if at all) it sees metadata.

``metadata_role``:
- ``"none"``: pixels only (plain SSL, or a student without distillation);
- ``"input"``: the network reads the encoded metadata (the teacher, or the metadata-as-input baseline's only
  network): an MLP embeds it into one token (ViT) or one FiLM conditioning vector (CNN, on the pooled features);
- ``"token"``: the Spatiotemporal SSL student: a learned, constant, data-free token/vector where the metadata would
  go, kept at test time, whose output is distilled towards the teacher's metadata-token output.

Which role each network gets follows from the training options (``core.learning.trainer.build_model``).

Backbone ``"presto"`` (core.models.presto_backbone) reads metadata natively: the teacher ("input") gets Presto's
location token and months, the student neither; the pooled embedding is the meta feature of both.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict
from typing import TYPE_CHECKING, NamedTuple, Optional, Union

import torch
from torch import nn

from .cnn import CNNBackbone
from .metadata import MetaBatch, MetadataEmbedding
from .vit import ViTBackbone

if TYPE_CHECKING:
    from .presto_backbone import PrestoBackbone

METADATA_ROLES = ("none", "input", "token")
# Model files written before the role had its name: key "meta_mode", and "metadata" for "input".
_OLD_ROLE_NAMES = {"metadata": "input"}


@dataclass
class NetworkConfig:
    """Everything needed to rebuild a network from a model file (stored as plain JSON-able values)."""

    backbone: str  # "cnn" | "vit" | "presto"
    size: str  # "tiny" | "small"
    in_channels: int
    tile_size_px: int
    num_classes: int
    metadata_role: str = "none"
    loc_dim: int = 0
    date_dim: int = 0
    # CNN student ("token"): FiLM of its constant token. Off for new models (see cnn.py); model files written
    # before this field existed had it on, so from_dict turns it on for them and their weights still load.
    token_film: bool = False
    # CNN teacher: FiLM on the pooled features only ("last", new models) or after every stage ("all", model files
    # written before this field existed; from_dict keeps them so).
    film_stages: str = "last"
    # Presto backbone: core.models.presto_backbone.make_presto_spec's description (bands, roles, scaling, statistics).
    presto: Optional[dict] = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "NetworkConfig":
        d = dict(d)
        if "meta_mode" in d:
            old = d.pop("meta_mode")
            d["metadata_role"] = _OLD_ROLE_NAMES.get(old, old)
        d.setdefault("token_film", d.get("metadata_role") == "token")
        d.setdefault("film_stages", "all")
        return cls(**d)


class NetOutput(NamedTuple):
    logits: torch.Tensor
    meta_feature: Optional[torch.Tensor]


class LandCoverNet(nn.Module):
    def __init__(self, config: NetworkConfig):
        super().__init__()
        if config.metadata_role not in METADATA_ROLES:
            raise ValueError(f"metadata_role must be one of {METADATA_ROLES}")
        self.config = config
        self.backbone: Union[ViTBackbone, CNNBackbone, "PrestoBackbone"]
        self.meta_embedding: Optional[MetadataEmbedding] = None
        self.learned_token: Optional[nn.Parameter] = None
        if config.backbone == "presto":
            from .presto_backbone import PrestoBackbone

            if not config.presto:
                raise ValueError("a Presto network needs its spec (NetworkConfig.presto)")
            token = config.metadata_role == "token" and config.presto.get("student_view") == "token"
            self.backbone = PrestoBackbone(config.presto, "teacher" if config.metadata_role == "input" else "student",
                                           learned_token=token)
            self.head = nn.Linear(self.backbone.feature_dim, config.num_classes)
            return
        if config.backbone == "vit":
            self.backbone = ViTBackbone(config.in_channels, config.tile_size_px, config.size)
            cond_dim = self.backbone.embed_dim
        elif config.backbone == "cnn":
            cond_dim = 64
            film = config.metadata_role == "input" or config.token_film
            self.backbone = CNNBackbone(config.in_channels, config.tile_size_px, config.size,
                                        cond_dim=cond_dim if config.metadata_role != "none" else None,
                                        film=film, film_stages=config.film_stages)
        else:
            raise ValueError(f"unknown backbone {config.backbone!r}")
        if config.metadata_role == "input":
            self.meta_embedding = MetadataEmbedding(config.loc_dim, config.date_dim, cond_dim)
        elif config.metadata_role == "token":
            self.learned_token = nn.Parameter(torch.randn(1, cond_dim) * 0.02)
        self.head = nn.Linear(self.backbone.feature_dim, config.num_classes)

    @property
    def uses_metadata(self) -> bool:
        """Whether the network reads location and date (so every call needs them)."""
        return self.config.metadata_role == "input"

    def forward(self, images: torch.Tensor, meta: Optional[MetaBatch] = None) -> NetOutput:
        if self.config.backbone == "presto":
            feat = self.backbone(images, meta if self.uses_metadata else None)
            return NetOutput(self.head(feat), feat)
        cond = None
        if self.meta_embedding is not None:
            if meta is None:
                raise ValueError("this network needs metadata (location/date) for every tile")
            cond = self.meta_embedding(meta).to(images.dtype)
        elif self.learned_token is not None:
            cond = self.learned_token.expand(images.shape[0], -1)
        feat, meta_feat = self.backbone(images, cond)
        return NetOutput(self.head(feat), meta_feat)


def default_size(device: torch.device) -> str:
    """The size for model_size "auto", the same rule for either backbone: "small" on a GPU (ViT-S, the authors',
    or the wider CNN), "tiny" on a CPU."""
    return "small" if device.type == "cuda" else "tiny"
