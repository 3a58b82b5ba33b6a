# SPDX-License-Identifier: GPL-2.0-or-later
"""A raster whose bands are a time series grouped by date (a stack), as the Presto backbone reads it.

Layout: the bands of one timestep, then the next timestep's in the same order (date-major: band ``t * B + b`` is
band ``b`` of timestep ``t``), as monthly composites or a Semi-Automatic Classification Plugin band set give them.
The dates of the timesteps come from, strongest first:

1. the caller's list (``--timestep-dates``), one date per timestep; the bands then split evenly into timesteps;
2. a date in every band's description (``"2020-01-15 B04"``, ``"B04_20200115"``, ``"red 2020_01_15"``) or in its
   band metadata (``DATE``, ``ACQUISITIONDATE``, ...): consecutive bands with one date form a timestep, and every
   timestep must hold the same band names in the same order;
3. no date in any band: one timestep, dated by the raster's acquisition date (core.data.dates), if any.

A band name is its description without the date (``"B04"``, ``"red"``); where descriptions are empty the names are
``band1``, ``band2``, ... and the band roles must be given. Anything else (some bands dated and others not, timesteps
of different bands) is an InputError that says how to fix it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import rasterio

from ..errors import InputError
from .dates import ACQUISITION_TAGS, detect_acquisition_date, parse_date

# A series VRT's metadata item listing its source rasters in date order (core/app/series_stack.py writes it). The
# VRT of `stssl train --series` and Processing is temporary, so a model file records the sources beside it.
SERIES_TAG = "STSSL_SERIES_SOURCES"


def series_sources(path: str) -> List[str]:
    """The source rasters of a series VRT written by core/app/series_stack.py ([] for any other raster)."""
    with rasterio.open(path) as ds:
        text = ds.tags().get(SERIES_TAG, "")
    return [p for p in text.split(";") if p]

_DATE_IN_TEXT = re.compile(r"(?<!\d)(\d{4})[-_/.]?(\d{2})[-_/.]?(\d{2})(?!\d)")
_BAND_DATE_TAGS = ("DATE",) + ACQUISITION_TAGS


@dataclass(frozen=True)
class StackLayout:
    """How a raster's bands split into timesteps."""

    band_names: Tuple[str, ...]  # the bands of one timestep
    dates: Tuple[str, ...]  # 'YYYY-MM-DD' of every timestep; '' where unknown
    source: str  # where the dates came from

    @property
    def timesteps(self) -> int:
        return len(self.dates)


def _date_and_name(text: str) -> Tuple[Optional[str], str]:
    """(ISO date found in a band description, the description without it)."""
    for found in _DATE_IN_TEXT.finditer(text or ""):
        date = parse_date(f"{found.group(1)}-{found.group(2)}-{found.group(3)}", "band description")
        if date is not None:
            name = (text[:found.start()] + " " + text[found.end():]).strip(" _-:/.,;()[]")
            return date.isoformat(), re.sub(r"[\s_]+", " ", name).strip()
    return None, (text or "").strip()


def _band_tag_date(ds, band: int) -> Optional[str]:
    tags = {k.upper(): v for k, v in ds.tags(band).items()}
    for key in _BAND_DATE_TAGS:
        if key in tags:
            date, _ = _date_and_name(str(tags[key]))
            if date:
                return date
    return None


def read_stack_layout(path: str, timestep_dates: Optional[Sequence[str]] = None,
                      acquisition_date: Optional[str] = None) -> StackLayout:
    """The layout of the raster at ``path`` (see the module docstring)."""
    with rasterio.open(path) as ds:
        count = ds.count
        descriptions = [d or "" for d in ds.descriptions]
        tag_dates = [_band_tag_date(ds, i + 1) for i in range(count)]
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    parsed = [_date_and_name(d) for d in descriptions]
    names = [n or f"band{i + 1}" for i, (_, n) in enumerate(parsed)]
    if timestep_dates:
        dates = list(timestep_dates)
        if count % len(dates):
            raise InputError(f"raster '{name}' has {count} bands, not a whole number of bands for each of the "
                             f"{len(dates)} timestep dates given; give one date per timestep")
        per_step = count // len(dates)
        return StackLayout(_same_names(names, per_step, name), tuple(dates), "given")
    found = [p[0] or t for p, t in zip(parsed, tag_dates)]
    if not any(found):
        single = detect_acquisition_date(path, acquisition_date)
        return StackLayout(tuple(names), (single.iso,), f"one date ({single.source})" if single.known else "unknown")
    if not all(found):
        undated = [f"{i + 1} '{descriptions[i]}'" for i, d in enumerate(found) if not d][:5]
        raise InputError(f"raster '{name}': bands {', '.join(undated)} have no date in their description while "
                         "others do; give every band its date (e.g. '2020-01-15 B04'), or give --timestep-dates")
    groups: List[List[int]] = []
    for i, date in enumerate(found):
        if groups and found[groups[-1][0]] == date:
            groups[-1].append(i)
        else:
            groups.append([i])
    sizes = sorted({len(g) for g in groups})
    if len(sizes) != 1:
        raise InputError(f"raster '{name}': its timesteps hold {', '.join(map(str, sizes))} bands; every date needs "
                         "the same bands in the same order (bands grouped by date)")
    dates = [str(found[g[0]]) for g in groups]  # every band has a date here
    if len(set(dates)) != len(dates):
        raise InputError(f"raster '{name}': a date appears in two separate groups of bands; group the bands by date")
    return StackLayout(_same_names(names, sizes[0], name), tuple(dates), "band descriptions")


def _same_names(names: List[str], per_step: int, raster: str) -> Tuple[str, ...]:
    first = names[:per_step]
    for t in range(1, len(names) // per_step):
        step = names[t * per_step:(t + 1) * per_step]
        if [n.lower() for n in step] != [n.lower() for n in first] and not all(n.startswith("band") for n in step):
            raise InputError(f"raster '{raster}': timestep {t + 1} has bands {', '.join(step)}, the first timestep "
                             f"{', '.join(first)}; every timestep needs the same bands in the same order")
    return tuple(first)
