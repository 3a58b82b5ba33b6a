# SPDX-License-Identifier: GPL-2.0-or-later
"""Encodings of a tile's location and acquisition date into the teacher's metadata vector.

Three encodings, chosen by name and stored in the model file with :meth:`MetadataEncoder.to_dict`:

- ``'paper'``: the authors' default (METHOD.md), ``[lat/90, lon/180]`` and ``[sin, cos](2 pi doy / 365)``.
- ``'sphere'``: real spherical harmonics of (lat, lon) up to a low degree (Russwurm et al., ICLR 2024;
  SatCLIP). They are smooth on the sphere and have no seam at the antimeridian, so a teacher cannot pin
  a labelled place as easily as with raw coordinates, and neighbouring regions look alike.
- ``'season'``: ``[|lat|/90, hemisphere]`` and the day of year shifted by half a year in the south, so that
  "early summer" is the same feature in Chile and in Germany, and longitude (which does not transfer between
  continents) is left out.

A location (lat or lon NaN) or date (doy NaN) that is unknown is encoded as zeros and flagged in
:class:`EncodedMetadata`, so the model can tell "unknown" from a real value that happens to encode near 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict

import numpy as np

from ..errors import InputError
from ..params import ENCODINGS  # the names, with their labels, are in the options table (core/params.py)
DAYS_PER_YEAR = 365.0  # as the authors: a 365-day period, so 31 December (doy 365/366) meets 1 January


@dataclass
class EncodedMetadata:
    """Encoded metadata of N tiles: features plus which of them are known."""

    location: np.ndarray  # (N, loc_dim) float32, zeros where the location is unknown
    date: np.ndarray  # (N, date_dim) float32, zeros where the date is unknown
    location_known: np.ndarray  # (N,) bool
    date_known: np.ndarray  # (N,) bool

    @property
    def features(self) -> np.ndarray:
        """``[location, date]`` side by side, (N, loc_dim + date_dim): the vector the metadata MLP reads."""
        return np.concatenate([self.location, self.date], axis=1)

    def __len__(self) -> int:
        return int(self.location.shape[0])


class MetadataEncoder:
    """Turns latitude, longitude and day of year into the teacher's metadata features.

    ``name`` is one of :data:`ENCODINGS`; ``sh_degree`` is the highest spherical-harmonic degree L of the
    ``'sphere'`` encoding ((L+1)^2 location features). Low degrees are smoother and generalise better
    across regions; high degrees let the teacher resolve (and memorise) individual places.
    """

    def __init__(self, name: str, sh_degree: int = 3) -> None:
        if name not in ENCODINGS:
            raise InputError(f"metadata encoding '{name}' is not known; use one of {', '.join(ENCODINGS)}")
        if int(sh_degree) != sh_degree or sh_degree < 0:
            raise InputError(f"spherical-harmonic degree {sh_degree} is not a whole number >= 0; use e.g. 3")
        self.name = name
        self.sh_degree = int(sh_degree)
        self.loc_dim = (self.sh_degree + 1) ** 2 if name == "sphere" else 2
        self.date_dim = 2

    @property
    def dim(self) -> int:
        """Length of :attr:`EncodedMetadata.features`."""
        return self.loc_dim + self.date_dim

    def encode(self, lat: Any, lon: Any, doy: Any) -> EncodedMetadata:
        """Encode N tiles from latitude and longitude in degrees and day of year (1 = 1 January).

        Scalars or (N,) arrays; NaN marks an unknown value. Raises :class:`InputError` for a latitude outside
        -90..90, which usually means latitude and longitude were swapped or the CRS is wrong.
        """
        lat_arr, lon_arr, doy_arr = np.broadcast_arrays(
            np.atleast_1d(np.asarray(lat, dtype=np.float64)),
            np.atleast_1d(np.asarray(lon, dtype=np.float64)),
            np.atleast_1d(np.asarray(doy, dtype=np.float64)),
        )
        if lat_arr.ndim != 1:
            raise ValueError(f"encode expects scalars or 1-D arrays, got shape {lat_arr.shape}")
        location_known = np.isfinite(lat_arr) & np.isfinite(lon_arr)
        date_known = np.isfinite(doy_arr)
        outside = location_known & (np.abs(lat_arr) > 90.0)
        if outside.any():
            raise InputError(
                f"latitude {lat_arr[outside][0]:g} is outside -90..90; check that latitude and longitude are "
                "not swapped and that the raster's CRS is right"
            )
        # Unknown values are replaced by a harmless 0 before encoding and their features zeroed after.
        safe_lat = np.where(location_known, lat_arr, 0.0)
        safe_lon = np.where(location_known, lon_arr, 0.0)
        safe_doy = np.where(date_known, doy_arr, 0.0)

        if self.name == "paper":
            location = np.stack([safe_lat / 90.0, safe_lon / 180.0], axis=1)
            date = _season_circle(safe_doy)
        elif self.name == "sphere":
            location = real_spherical_harmonics(safe_lat, safe_lon, self.sh_degree)
            date = _season_circle(safe_doy)
        else:  # season
            southern = location_known & (safe_lat < 0.0)
            hemisphere = np.where(southern, -1.0, 1.0)
            location = np.stack([np.abs(safe_lat) / 90.0, hemisphere], axis=1)
            date = _season_circle(safe_doy + np.where(southern, DAYS_PER_YEAR / 2.0, 0.0))

        location = np.where(location_known[:, None], location, 0.0).astype(np.float32)
        date = np.where(date_known[:, None], date, 0.0).astype(np.float32)
        return EncodedMetadata(location=location, date=date, location_known=location_known, date_known=date_known)

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "sh_degree": self.sh_degree}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "MetadataEncoder":
        return cls(str(d["name"]), int(d.get("sh_degree", 3)))

    def __repr__(self) -> str:
        return f"MetadataEncoder(name={self.name!r}, sh_degree={self.sh_degree})"


def _season_circle(doy: np.ndarray) -> np.ndarray:
    angle = 2.0 * np.pi * doy / DAYS_PER_YEAR
    return np.stack([np.sin(angle), np.cos(angle)], axis=1)


def real_spherical_harmonics(lat: Any, lon: Any, degree: int) -> np.ndarray:
    """Orthonormal real spherical harmonics Y_l^m(lat, lon) for l = 0..degree, as (N, (degree+1)^2) float64.

    Column ``l*l + l + m`` holds Y_l^m, m = -l..l. Convention: theta = colatitude (90 - lat), phi = longitude;
    Y_l^0 = N_l^0 P_l^0(cos theta), Y_l^m = sqrt(2) N_l^m P_l^m(cos theta) cos(m phi) for m > 0 and
    sqrt(2) N_l^|m| P_l^|m|(cos theta) sin(|m| phi) for m < 0, with N_l^m = sqrt((2l+1)/(4 pi) (l-m)!/(l+m)!)
    and no Condon-Shortley phase (so Y_1^1 is proportional to +x). The integral of Y_i Y_j over the unit
    sphere is 1 when i == j and 0 otherwise; Y_0^0 = 1 / (2 sqrt(pi)).

    The normalised associated Legendre functions come from the standard stable recurrence, so no
    factorials overflow at higher degrees.
    """
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    lat_arr = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon_arr = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_arr, lon_arr = np.broadcast_arrays(lat_arr, lon_arr)
    theta = np.radians(90.0 - lat_arr)
    phi = np.radians(lon_arr)
    x = np.cos(theta)
    s = np.sin(theta)  # >= 0 for theta in [0, pi]

    # p[(l, m)] = N_l^m P_l^m(x) for m >= 0
    p: Dict[tuple, np.ndarray] = {(0, 0): np.full_like(x, 1.0 / math.sqrt(4.0 * math.pi))}
    for m in range(1, degree + 1):
        p[(m, m)] = math.sqrt((2 * m + 1) / (2 * m)) * s * p[(m - 1, m - 1)]
    for m in range(0, degree):
        p[(m + 1, m)] = math.sqrt(2 * m + 3) * x * p[(m, m)]
    for m in range(0, degree + 1):
        for l in range(m + 2, degree + 1):  # noqa: E741 - l, m: degree and order, as in the formulas
            a = math.sqrt((4 * l * l - 1) / (l * l - m * m))
            b = math.sqrt(((l - 1) ** 2 - m * m) / (4 * (l - 1) ** 2 - 1))
            p[(l, m)] = a * (x * p[(l - 1, m)] - b * p[(l - 2, m)])

    out = np.empty((lat_arr.shape[0], (degree + 1) ** 2), dtype=np.float64)
    for l in range(degree + 1):  # noqa: E741 - l, m: degree and order, as in the formulas
        out[:, l * l + l] = p[(l, 0)]
        for m in range(1, l + 1):
            out[:, l * l + l + m] = math.sqrt(2.0) * p[(l, m)] * np.cos(m * phi)
            out[:, l * l + l - m] = math.sqrt(2.0) * p[(l, m)] * np.sin(m * phi)
    return out
