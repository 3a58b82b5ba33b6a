# SPDX-License-Identifier: GPL-2.0-or-later
"""The metadata embedding: encoded location and date -> one vector that the teacher consumes.

A missing location or date is replaced by a learned "unknown" vector before the MLP, so the network has
one consistent input for "not known" (and metadata dropout during training teaches it to use it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, List, NamedTuple, Optional

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from ..data.encoding import MetadataEncoder


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

    def _map(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> "MetaBatch":
        """The same fields with ``fn`` applied to each tensor (the optional raw fields stay None when None)."""
        return MetaBatch(fn(self.location), fn(self.date), fn(self.location_known), fn(self.date_known),
                         fn(self.latlon) if self.latlon is not None else None,
                         fn(self.months) if self.months is not None else None)

    def to(self, device: torch.device) -> "MetaBatch":
        return self._map(lambda t: t.to(device, non_blocking=True))

    # Shadows tuple.index (the position of a value), which nothing calls on a MetaBatch.
    def index(self, idx: torch.Tensor) -> "MetaBatch":  # type: ignore[override]
        return self._map(lambda t: t[idx])

    @staticmethod
    def cat(parts: List["MetaBatch"]) -> "MetaBatch":
        """The batches one after the other; a raw field is kept only when every part has it."""
        def joined(ts: List[Optional[torch.Tensor]]) -> Optional[torch.Tensor]:
            present = [t for t in ts if t is not None]
            return torch.cat(present, dim=0) if len(present) == len(ts) else None

        return MetaBatch(torch.cat([p.location for p in parts], dim=0), torch.cat([p.date for p in parts], dim=0),
                         torch.cat([p.location_known for p in parts], dim=0),
                         torch.cat([p.date_known for p in parts], dim=0),
                         joined([p.latlon for p in parts]), joined([p.months for p in parts]))

    def drop(self, p_location: float, p_date: float, generator: Optional[torch.Generator] = None) -> "MetaBatch":
        """Metadata dropout: mark location / date unknown at random, so the teacher copes with missing values."""
        if p_location <= 0 and p_date <= 0:
            return self
        n = self.location.shape[0]
        dev = self.location.device
        keep_loc = torch.rand(n, device=dev, generator=generator) >= p_location
        keep_date = torch.rand(n, device=dev, generator=generator) >= p_date
        return self._replace(location_known=self.location_known & keep_loc, date_known=self.date_known & keep_date)


def meta_batch(encoder: "MetadataEncoder", lat: np.ndarray, lon: np.ndarray, doy: np.ndarray,
               months: Optional[np.ndarray] = None) -> MetaBatch:
    """Encode tiles' latitude, longitude and day of year (NaN: unknown) into a CPU :class:`MetaBatch`, plus the
    raw lat/lon (degrees, NaN unknown) and, when given, the calendar month (0-11, -1 unknown) of every timestep
    (N, T), which the Presto teacher reads natively; a series whose months are all known has a known date."""
    lat, lon = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    enc = encoder.encode(lat, lon, np.asarray(doy, dtype=np.float64))
    date_known = np.asarray(enc.date_known, dtype=bool)
    if months is not None:
        months = np.asarray(months, dtype=np.int64)
        months = months.reshape(len(lat), -1) if months.ndim != 2 else months
        date_known = date_known | (months >= 0).all(axis=1)
    return MetaBatch(torch.from_numpy(np.ascontiguousarray(enc.location, dtype=np.float32)),
                     torch.from_numpy(np.ascontiguousarray(enc.date, dtype=np.float32)),
                     torch.from_numpy(np.asarray(enc.location_known, dtype=bool)),
                     torch.from_numpy(date_known),
                     torch.from_numpy(np.stack([lat, lon], axis=1).astype(np.float32)),
                     torch.from_numpy(np.ascontiguousarray(months)) if months is not None else None)


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
