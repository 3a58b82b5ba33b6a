# SPDX-License-Identifier: GPL-2.0-or-later
"""Reflectance scaling and Presto's input arrays, from bands whose roles are known (core/data/band_roles.py).

Scaling (:func:`detect_scaling`, or explicit with :func:`scaling_from`): optical bands become reflectance 0-1
(Presto's ``DN / 10000``) as ``value * scale + offset``: ``reflectance`` (1, 0), ``dn10000`` (1e-4, 0),
``landsat_c2`` (2.75e-5, -0.2, Landsat Collection-2 Level-2). 8-bit imagery (0-255) is not reflectance and is
reported as unknown scaling. The scaling is a plain dict, stored in a model file so that prediction scales alike.

:func:`build_presto_input` turns a time series (N, T, bands) with dates into Presto's x, mask and months, averaging
the timesteps into calendar months (ignoring missing values).
"""
from __future__ import annotations

from typing import Dict, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import InputError
from .band_roles import CHANNEL_INDEX, MAX_MONTHS, OPTICAL, PRESTO_CHANNELS, STATIC, BandRoles


SCALING_KINDS: Dict[str, Tuple[float, float]] = {"reflectance": (1.0, 0.0), "dn10000": (1e-4, 0.0),
                                                 "landsat_c2": (2.75e-5, -0.2)}
SCALING_HELP = ("set the scaling explicitly: reflectance (values 0-1), dn10000 (reflectance x 10000, e.g. Sentinel-2 "
                "L2A), landsat_c2 (Landsat Collection-2 Level-2, DN x 0.0000275 - 0.2)")


def scaling_from(value: Union[str, Mapping]) -> dict:
    """A scaling dict from a kind name (``"dn10000"``) or a dict with ``scale``/``offset`` (and optional
    ``ndvi_scale``, ``s1``: ``"db"`` or ``"linear"``)."""
    if isinstance(value, str):
        kind = value.strip().lower()
        if kind not in SCALING_KINDS:
            raise InputError(f"reflectance scaling '{value}' is unknown; {SCALING_HELP}")
        scale, offset = SCALING_KINDS[kind]
        return {"kind": kind, "scale": scale, "offset": offset, "ndvi_scale": 1.0, "s1": "db"}
    try:
        out = {"kind": str(value.get("kind", "custom")), "scale": float(value["scale"]),
               "offset": float(value.get("offset", 0.0)), "ndvi_scale": float(value.get("ndvi_scale", 1.0)),
               "s1": str(value.get("s1", "db"))}
    except (KeyError, TypeError, ValueError):
        raise InputError(f"reflectance scaling {dict(value)} needs a number 'scale' (and 'offset'); "
                         f"{SCALING_HELP}") from None
    if out["s1"] not in ("db", "linear"):
        raise InputError(f"scaling 's1' is '{out['s1']}'; use 'db' or 'linear'")
    return out


def detect_scaling(sample: np.ndarray, roles: BandRoles, dtype: Optional[np.dtype] = None,
                   nodata: Optional[float] = None) -> dict:
    """The scaling of the bands from a value sample (..., bands) and the raster's data type; InputError if unknown."""
    sample = np.asarray(sample, dtype=np.float64).reshape(-1, len(roles.band_names))
    dtype = np.dtype(dtype) if dtype is not None else None

    def values(bands: Sequence[int]) -> np.ndarray:
        v = sample[:, sorted(set(b for b in bands if b >= 0))].ravel()
        v = v[np.isfinite(v)]
        return v[v != nodata] if nodata is not None else v

    optical = values([roles.band_of(c) for c in OPTICAL])
    out = scaling_from("reflectance")
    if len(optical):
        p1, p99, top = np.percentile(optical, [1, 99]).tolist() + [float(optical.max())]
        whole = bool(np.all(optical == np.round(optical)))
        stats = f"values {p1:.4g} to {p99:.4g} (1st-99th percentile), data type {dtype or 'unknown'}"
        if dtype is not None and dtype.itemsize == 1 and dtype.kind in "ui":
            raise InputError(f"the optical bands are 8-bit ({stats}): 8-bit imagery (0-255) is not surface "
                             f"reflectance, and Presto needs reflectance; use a reflectance product (e.g. Sentinel-2 "
                             f"L2A, Landsat Collection-2 Level-2), or {SCALING_HELP}")
        if p99 <= 1.5 and p1 >= -0.5:
            pass
        elif whole and top <= 255:
            raise InputError(f"the optical bands look like 8-bit imagery ({stats}), which is not surface "
                             f"reflectance: scaling unknown; {SCALING_HELP}")
        elif whole and p1 >= 5000 and top <= 65535:
            out = scaling_from("landsat_c2")  # 0 reflectance is DN 7273: no other product starts that high
        elif p99 <= 20000 and p1 >= -2000:
            out = scaling_from("dn10000")
        else:
            raise InputError(f"the optical bands' scaling is unknown ({stats}); {SCALING_HELP}")
    ndvi = values([roles.band_of("NDVI")])
    if len(ndvi):
        p99 = float(np.percentile(np.abs(ndvi), 99))
        if 1.5 < p99 <= 10000:
            out["ndvi_scale"] = 1e-4  # NDVI x 10000, as MODIS stores it
        elif p99 > 10000:
            raise InputError(f"the NDVI band's values reach {p99:.4g}; NDVI must be -1..1 (or x 10000)")
    s1 = values([roles.band_of("VV"), roles.band_of("VH")])
    if len(s1):
        out["s1"] = "db" if np.median(s1) < 0 else "linear"
    return out


# ----------------------------------------------------------------------------------------------------------------
# Presto input from a time series
# ----------------------------------------------------------------------------------------------------------------
class PrestoInput(NamedTuple):
    x: np.ndarray  # (N, T', 17) float32, 0 where missing
    mask: np.ndarray  # (N, T', 17) bool, True (1) = missing
    months: np.ndarray  # (N, T') int64, 0 = January


def month_index(dates: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of ISO dates ('YYYY-MM-DD...') or datetime64 values; InputError on a missing date."""
    dates = np.asarray(dates)
    try:
        if dates.dtype.kind in "US":
            parsed = np.array([str(d)[:10] if str(d).strip() else "NaT" for d in dates.ravel()],
                              dtype="datetime64[D]").reshape(dates.shape)
        else:
            parsed = dates.astype("datetime64[D]")
    except ValueError as exc:
        raise InputError(f"cannot read the time series dates ({exc}); give ISO dates 'YYYY-MM-DD'") from None
    if np.isnat(parsed).any():
        raise InputError("a timestep of the series has no date; the encoder needs the month of every timestep")
    return parsed.astype("datetime64[M]").astype(np.int64)


def _to_channel(v: np.ndarray, channel: str, scaling: Mapping) -> np.ndarray:
    """Raw band values to the units Presto was fed (see PRESTO.md)."""
    if channel in OPTICAL:
        return v * scaling["scale"] + scaling["offset"]
    if channel in ("VV", "VH"):
        db = v if scaling.get("s1", "db") == "db" else 10 * np.log10(np.where(v > 0, v, np.nan))
        return (db + 25) / 25
    if channel == "NDVI":
        return v * scaling.get("ndvi_scale", 1.0)
    factor = {"temperature_2m": (272.15, 35.0), "total_precipitation": (0.0, 0.03), "elevation": (0.0, 2000.0),
              "slope": (0.0, 50.0)}[channel]
    return (v - factor[0]) / factor[1]


def build_presto_input(values: np.ndarray, dates: np.ndarray, roles: BandRoles, scaling: Mapping,
                       nodata: Optional[float] = None) -> PrestoInput:
    """Presto's x, mask and months from ``values`` (N, T, bands) and ``dates`` (T,) or (N, T).

    Each timestep is mapped to the 17 channels (NaN or ``nodata`` values are missing at that timestep only), then the
    timesteps are averaged into calendar months, ignoring missing values: sub-monthly composites and series longer
    than 24 timesteps fit the encoder, and a month without data is fully masked. The months run from each pixel's
    first month to its last (at most 24); shorter series are padded with masked months at the end.
    """
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 3 or values.shape[2] != len(roles.band_names):
        raise InputError(f"time series values must be (pixels, timesteps, {len(roles.band_names)} bands), "
                         f"got {values.shape}")
    n, t, _ = values.shape
    ym = month_index(dates)
    if ym.shape not in ((t,), (n, t)):
        raise InputError(f"{ym.shape} dates for {t} timesteps of {n} pixels; give one date per timestep")
    ym = np.broadcast_to(ym, (n, t))
    start = ym.min(1)
    rel = ym - start[:, None]
    months_out = int(rel.max()) + 1
    if months_out > MAX_MONTHS:
        raise InputError(f"the series spans {months_out} months; Presto takes at most {MAX_MONTHS}: "
                         f"use a window of up to {MAX_MONTHS} months")
    if nodata is not None:
        values = np.where(values == nodata, np.nan, values)
    channels = np.full((n, t, len(PRESTO_CHANNELS)), np.nan, dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        for c, band in enumerate(roles.sources):
            if band >= 0:
                channels[..., c] = _to_channel(values[..., band], PRESTO_CHANNELS[c], scaling)
        ch = {name: channels[..., i] for i, name in enumerate(PRESTO_CHANNELS)}
        if roles.derived_green:
            ch["B3"][...] = (ch["B2"] + ch["B4"]) / 2
        if roles.ndvi_from_bands:
            ch["NDVI"][...] = (ch["B8"] - ch["B4"]) / (ch["B8"] + ch["B4"])
    finite = np.isfinite(channels)
    sums = np.zeros((n, months_out, len(PRESTO_CHANNELS)), dtype=np.float64)
    counts = np.zeros_like(sums)
    rows = np.arange(n)
    for step in range(t):  # one timestep per pixel at a time: no repeated index within an update
        sums[rows, rel[:, step]] += np.where(finite[:, step], channels[:, step], 0.0)
        counts[rows, rel[:, step]] += finite[:, step]
    with np.errstate(invalid="ignore", divide="ignore"):
        monthly = np.where(counts > 0, sums / counts, np.nan)
        for name in STATIC:  # static values: one per pixel, whatever month they came with
            c = CHANNEL_INDEX[name]
            total = counts[..., c].sum(1)
            monthly[..., c] = np.where(total > 0, sums[..., c].sum(1) / total, np.nan)[:, None]
    mask = ~np.isfinite(monthly)
    x = np.where(mask, 0.0, monthly).astype(np.float32)
    months = ((start[:, None] + np.arange(months_out)[None]) % 12).astype(np.int64)
    return PrestoInput(x, mask, months)
