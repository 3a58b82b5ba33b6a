"""The metadata embedding: encoded location and date -> one vector that the teacher consumes.

A missing location or date is replaced by a learned "unknown" vector before the MLP, so the network has
one consistent input for "not known" (and metadata dropout during training teaches it to use it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from ..data.encoding import MetadataEncoder


class MetaBatch(NamedTuple):
    """Encoded metadata of a batch of tiles (see core.data.encoding.MetadataEncoder)."""

    location: torch.Tensor  # (B, loc_dim) float
    date: torch.Tensor  # (B, date_dim) float
    location_known: torch.Tensor  # (B,) bool
    date_known: torch.Tensor  # (B,) bool

    def to(self, device: torch.device) -> "MetaBatch":
        return MetaBatch(*(t.to(device, non_blocking=True) for t in self))

    # Shadows tuple.index (the position of a value), which nothing calls on a MetaBatch.
    def index(self, idx: torch.Tensor) -> "MetaBatch":  # type: ignore[override]
        return MetaBatch(*(t[idx] for t in self))

    @staticmethod
    def cat(parts: list) -> "MetaBatch":
        return MetaBatch(*(torch.cat(ts, dim=0) for ts in zip(*parts)))

    def drop(self, p_location: float, p_date: float, generator: Optional[torch.Generator] = None) -> "MetaBatch":
        """Metadata dropout: mark location / date unknown at random, so the teacher copes with missing values."""
        if p_location <= 0 and p_date <= 0:
            return self
        n = self.location.shape[0]
        dev = self.location.device
        keep_loc = torch.rand(n, device=dev, generator=generator) >= p_location
        keep_date = torch.rand(n, device=dev, generator=generator) >= p_date
        return MetaBatch(self.location, self.date, self.location_known & keep_loc, self.date_known & keep_date)


def meta_batch(encoder: "MetadataEncoder", lat: np.ndarray, lon: np.ndarray, doy: np.ndarray) -> MetaBatch:
    """Encode tiles' latitude, longitude and day of year (NaN: unknown) into a CPU :class:`MetaBatch`."""
    enc = encoder.encode(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64),
                         np.asarray(doy, dtype=np.float64))
    return MetaBatch(torch.from_numpy(np.ascontiguousarray(enc.location, dtype=np.float32)),
                     torch.from_numpy(np.ascontiguousarray(enc.date, dtype=np.float32)),
                     torch.from_numpy(np.asarray(enc.location_known, dtype=bool)),
                     torch.from_numpy(np.asarray(enc.date_known, dtype=bool)))


class MetadataEmbedding(nn.Module):
    """2-layer MLP (in -> D -> D, GELU) as in the authors' code, with learned unknown-value vectors."""

    def __init__(self, loc_dim: int, date_dim: int, out_dim: int):
        super().__init__()
        self.unknown_location = nn.Parameter(torch.randn(loc_dim) * 0.02)
        self.unknown_date = nn.Parameter(torch.randn(date_dim) * 0.02)
        self.mlp = nn.Sequential(nn.Linear(loc_dim + date_dim, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim))

    def forward(self, meta: MetaBatch) -> torch.Tensor:
        loc = torch.where(meta.location_known[:, None], meta.location, self.unknown_location.to(meta.location.dtype))
        date = torch.where(meta.date_known[:, None], meta.date, self.unknown_date.to(meta.date.dtype))
        return self.mlp(torch.cat([loc, date], dim=1))
