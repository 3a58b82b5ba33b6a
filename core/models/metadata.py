"""The metadata embedding: encoded location and date -> one vector that the teacher consumes.

A missing location or date is replaced by a learned "unknown" vector before the MLP, so the network has
one consistent input for "not known" (and metadata dropout during training teaches it to use it).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import nn


class MetaBatch(NamedTuple):
    """Encoded metadata of a batch of tiles (see core.data.encoding.MetadataEncoder).

    ``latlon`` and ``months`` are the raw values a pretrained encoder with its own location token and month
    embeddings (Presto, core.models.presto_backbone) reads instead of the encoded ones; None where not built."""

    location: torch.Tensor  # (B, loc_dim) float
    date: torch.Tensor  # (B, date_dim) float
    location_known: torch.Tensor  # (B,) bool
    date_known: torch.Tensor  # (B,) bool
    latlon: Optional[torch.Tensor] = None  # (B, 2) float degrees, NaN unknown
    months: Optional[torch.Tensor] = None  # (B, T) int64 calendar month 0-11 of every timestep, -1 unknown

    def to(self, device: torch.device) -> "MetaBatch":
        return MetaBatch(*(t.to(device, non_blocking=True) if t is not None else None for t in self))

    def index(self, idx: torch.Tensor) -> "MetaBatch":
        return MetaBatch(*(t[idx] if t is not None else None for t in self))

    @staticmethod
    def cat(parts: list) -> "MetaBatch":
        return MetaBatch(*(torch.cat(ts, dim=0) if all(t is not None for t in ts) else None for ts in zip(*parts)))

    def drop(self, p_location: float, p_date: float, generator: Optional[torch.Generator] = None) -> "MetaBatch":
        """Metadata dropout: mark location / date unknown at random, so the teacher copes with missing values."""
        if p_location <= 0 and p_date <= 0:
            return self
        n = self.location.shape[0]
        dev = self.location.device
        keep_loc = torch.rand(n, device=dev, generator=generator) >= p_location
        keep_date = torch.rand(n, device=dev, generator=generator) >= p_date
        return self._replace(location_known=self.location_known & keep_loc, date_known=self.date_known & keep_date)


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
