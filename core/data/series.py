# SPDX-License-Identifier: GPL-2.0-or-later
"""Time series stacked as channels: the dates of their timesteps, their calendar months, their band names.

A series of T timesteps of B bands is one tile of ``T * B`` channels, date-major (channel ``t * B + b`` is band ``b``
of timestep ``t``), in a patch set (``images`` with the optional ``band_names`` (B,) and ``timestep_dates`` (N, T))
and in a raster stack alike. What is not in the file is given as text: :func:`parse_name_list` (``"blue,red,nir"``)
and :func:`parse_timestep_dates` (``"2020-01-15,2020-02-15,..."``).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Union

import numpy as np

from ..errors import InputError
from .dates import parse_date


def parse_name_list(text: Union[str, Sequence[str], None], what: str) -> Optional[List[str]]:
    """``"a,b,c"`` (or a list) as a list of stripped names; None for None/empty."""
    if text is None:
        return None
    items = [s.strip() for s in (text.split(",") if isinstance(text, str) else [str(t) for t in text])]
    items = [s for s in items if s]
    if not items:
        return None
    if len(set(items)) != len(items):
        raise InputError(f"{what} '{','.join(items)}' names a band twice; give each band once")
    return items


def parse_timestep_dates(text: Union[str, Sequence[str], None], what: str = "timestep dates") -> Optional[List[str]]:
    """Comma-separated ISO dates (or a list) as a list of 'YYYY-MM-DD', one per timestep, in order."""
    items = parse_name_list(text, what) if isinstance(text, str) else (list(text) if text is not None else None)
    if not items:
        return None
    out = []
    for item in items:
        date = parse_date(str(item), f"{what}: '{item}'")
        if date is None:
            raise InputError(f"{what}: '{item}' is not a date; give YYYY-MM-DD for every timestep")
        out.append(date.isoformat())
    return out


def timestep_months(dates: np.ndarray) -> np.ndarray:
    """Calendar month 0 (January) to 11 of ISO dates (any shape); -1 where a date is empty or unknown."""
    dates = np.asarray(dates)
    flat = [str(d).strip()[:10] for d in dates.ravel()]
    out = np.full(len(flat), -1, dtype=np.int64)
    for i, text in enumerate(flat):
        if text and text.lower() not in ("unknown", "none", "nat"):
            try:
                out[i] = int(np.datetime64(text, "M").astype(np.int64) % 12)
            except ValueError:
                raise InputError(f"timestep date '{text}' is not a date; give YYYY-MM-DD") from None
    return out.reshape(dates.shape)


def split_series(channels: int, band_names: Sequence[str], what: str) -> int:
    """The number of timesteps of ``channels`` date-major channels of ``band_names``; InputError if they do not fit."""
    bands = len(band_names)
    if bands == 0 or channels % bands:
        raise InputError(f"{what} has {channels} channels, not a whole number of timesteps of the {bands} bands "
                         f"{', '.join(band_names)}; check the band names (the bands of one timestep)")
    return channels // bands
