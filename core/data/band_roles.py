# SPDX-License-Identifier: GPL-2.0-or-later
"""Which of a raster's bands (or a patch set's channels) feed which of Presto's 17 input channels. numpy only.

A *role* says which Presto channels one band feeds. Roles come from, strongest first:
1. the user's explicit roles (:func:`parse_band_roles`: ``"1=B2,2=B3,3=B4,4=B8"``, 1-based band numbers; a value is
   a Presto channel, a common name, ``B8+B8A`` for several, or ``ignore``);
2. the band descriptions: Sentinel-2 ``B2``/``B02``/``B8A``/``B11``, Landsat Collection-2 ``SR_B1``..``SR_B7`` (their
   meaning depends on the sensor: ``SR_B4`` is red on Landsat 8/9 and near infrared on Landsat 4-7, so the sensor
   must be given, or ``SR_B6``, which only Landsat 8/9 have, must be present), common names (``blue``, ``green``,
   ``red``, ``rededge1..3``, ``nir``, ``nir08``, ``swir16``/``swir1``, ``swir22``/``swir2``, ``vv``, ``vh``,
   ``ndvi``) and MODIS names (``blue``, ``red``, ``nir``, ``mir``, ``ndvi``, ``evi``).
A band whose role cannot be known raises an InputError that names it: nothing is guessed silently. Bands that are
known but have no Presto channel (coastal, cirrus, thermal, QA, EVI) are unused and listed in the notes.

Approximations, each recorded in :attr:`BandRoles.notes`: one broad NIR band (``nir``, ``nir08``, Landsat's NIR,
MODIS's ``nir``) feeds both NIR groups (B8 and B8A) unless each has its own band; MODIS ``mir`` (2.1 um) feeds B11
and B12; a missing green is ``(blue + red) / 2``; NDVI is computed from red and NIR when no NDVI band is given.

Scaling (:func:`detect_scaling`, or explicit with :func:`scaling_from`): optical bands become reflectance 0-1
(Presto's ``DN / 10000``) as ``value * scale + offset``: ``reflectance`` (1, 0), ``dn10000`` (1e-4, 0),
``landsat_c2`` (2.75e-5, -0.2, Landsat Collection-2 Level-2). 8-bit imagery (0-255) is not reflectance and is
reported as unknown scaling. The scaling is a plain dict, stored in a model file so that prediction scales alike.

:func:`build_presto_input` turns a time series (N, T, bands) with dates into Presto's x, mask and months, averaging
the timesteps into calendar months (ignoring missing values).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import InputError

PRESTO_CHANNELS: Tuple[str, ...] = (
    "VV", "VH", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12",
    "temperature_2m", "total_precipitation", "elevation", "slope", "NDVI")
# One token per group and timestep (SRTM: one token); the index is the row of the encoder's channel embedding.
PRESTO_GROUPS: Tuple[Tuple[str, Tuple[int, ...]], ...] = (
    ("S1", (0, 1)), ("S2_RGB", (2, 3, 4)), ("S2_Red_Edge", (5, 6, 7)), ("S2_NIR_10m", (8,)), ("S2_NIR_20m", (9,)),
    ("S2_SWIR", (10, 11)), ("ERA5", (12, 13)), ("SRTM", (14, 15)), ("NDVI", (16,)))
CHANNEL_INDEX = {name: i for i, name in enumerate(PRESTO_CHANNELS)}
OPTICAL = ("B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12")
STATIC = ("elevation", "slope")
SENSORS = ("sentinel2", "landsat4", "landsat5", "landsat7", "landsat8", "landsat9", "modis")
MAX_MONTHS = 24

Role = Tuple[Tuple[str, ...], Tuple[str, ...]]  # (channels the band feeds, channels it fills if no other band does)
UNUSED: Role = ((), ())


def _r(*primary: str, fill: Tuple[str, ...] = ()) -> Role:
    return tuple(primary), fill


_NIR: Role = _r("B8", fill=("B8A",))
_NIR08: Role = _r("B8A", fill=("B8",))
COMMON_NAMES: Dict[str, Role] = {
    "coastal": UNUSED, "blue": _r("B2"), "green": _r("B3"), "red": _r("B4"),
    "rededge1": _r("B5"), "rededge071": _r("B5"), "rededge2": _r("B6"), "rededge075": _r("B6"),
    "rededge3": _r("B7"), "rededge078": _r("B7"), "nir": _NIR, "nir08": _NIR08, "nir09": UNUSED,
    "cirrus": UNUSED, "swir16": _r("B11"), "swir1": _r("B11"), "swir22": _r("B12"), "swir2": _r("B12"),
    "mir": _r("B12", fill=("B11",)), "vv": _r("VV"), "vh": _r("VH"), "ndvi": _r("NDVI"), "evi": UNUSED,
    "lwir": UNUSED, "lwir11": UNUSED, "lwir12": UNUSED, "thermal": UNUSED, "pan": UNUSED,
    "elevation": _r("elevation"), "dem": _r("elevation"), "slope": _r("slope"),
    "temperature_2m": _r("temperature_2m"), "total_precipitation": _r("total_precipitation"),
}
_SENTINEL2: Dict[str, Role] = {"1": UNUSED, "2": _r("B2"), "3": _r("B3"), "4": _r("B4"), "5": _r("B5"),
                               "6": _r("B6"), "7": _r("B7"), "8": _r("B8"), "8a": _r("B8A"), "9": UNUSED,
                               "10": UNUSED, "11": _r("B11"), "12": _r("B12")}
_LANDSAT_OLI: Dict[str, Role] = {"1": UNUSED, "2": _r("B2"), "3": _r("B3"), "4": _r("B4"), "5": _NIR,
                                 "6": _r("B11"), "7": _r("B12"), "8": UNUSED, "9": UNUSED, "10": UNUSED,
                                 "11": UNUSED}
_LANDSAT_TM: Dict[str, Role] = {"1": _r("B2"), "2": _r("B3"), "3": _r("B4"), "4": _NIR, "5": _r("B11"),
                                "6": UNUSED, "7": _r("B12"), "8": UNUSED}
SENSOR_TABLES = {"sentinel2": _SENTINEL2, "landsat8": _LANDSAT_OLI, "landsat9": _LANDSAT_OLI,
                 "landsat4": _LANDSAT_TM, "landsat5": _LANDSAT_TM, "landsat7": _LANDSAT_TM}
_BAND_NUMBER = re.compile(r"^b0?(\d{1,2})(a?)$")
_LANDSAT_SR = re.compile(r"^sr_b(\d{1,2})$")
_ALWAYS_UNUSED = re.compile(r"^(st_b\d+|qa\w*|sr_qa\w*|sr_atmos\w*|sr_cloud\w*|scl|mask|cloud\w*)$")
HOW_TO = ("give the roles explicitly, e.g. \"1=B2,2=B3,3=B4,4=B8\" (1-based band numbers; values: "
          f"{', '.join(PRESTO_CHANNELS)}, a common name such as nir or swir16, B8+B8A for several, or ignore)")


@dataclass(frozen=True)
class BandRoles:
    """The resolved mapping: for each Presto channel, the 0-based input band that feeds it (-1: none)."""

    band_names: Tuple[str, ...]
    sources: Tuple[int, ...]
    sensor: Optional[str] = None
    derived_green: bool = False  # B3 = (B2 + B4) / 2
    ndvi_from_bands: bool = False  # NDVI = (B8 - B4) / (B8 + B4)
    notes: Tuple[str, ...] = field(default=())

    def band_of(self, channel: str) -> int:
        return self.sources[CHANNEL_INDEX[channel]]

    def has(self, channel: str) -> bool:
        return (self.band_of(channel) >= 0 or (channel == "B3" and self.derived_green)
                or (channel == "NDVI" and self.ndvi_from_bands))

    def groups(self) -> List[str]:
        """The Presto groups that get tokens from these bands."""
        return [name for name, ch in PRESTO_GROUPS if all(self.has(PRESTO_CHANNELS[c]) for c in ch)]

    def describe(self) -> str:
        feeds = [f"{PRESTO_CHANNELS[c]} <- band {b + 1} '{self.band_names[b]}'" for c, b in enumerate(self.sources)
                 if b >= 0]
        return "; ".join(feeds + list(self.notes))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping) -> "BandRoles":
        return cls(band_names=tuple(values["band_names"]), sources=tuple(int(s) for s in values["sources"]),
                   sensor=values.get("sensor"), derived_green=bool(values.get("derived_green", False)),
                   ndvi_from_bands=bool(values.get("ndvi_from_bands", False)), notes=tuple(values.get("notes", ())))


def _role_from_token(token: str) -> Optional[Role]:
    """A role written by a user: Presto channel names (B02 = B2), common names, ``B8+B8A``, ``ignore``."""
    token = token.strip()
    if token.lower() in ("ignore", "none", "-", "unused"):
        return UNUSED
    channels = []
    for part in token.split("+"):
        key = part.strip().lower()
        found = _BAND_NUMBER.match(key)
        if found:
            key = "b" + found.group(1) + found.group(2)
        names = {c.lower(): c for c in PRESTO_CHANNELS}
        if key in names:
            channels.append(names[key])
        elif key in COMMON_NAMES and "+" not in token:
            return COMMON_NAMES[key]
        else:
            return None
    return tuple(channels), ()


def parse_band_roles(text: Union[str, Mapping[int, str]], n_bands: Optional[int] = None) -> Dict[int, Role]:
    """``"1=B2,2=B3,3=B4,4=B8"`` (or a mapping 1-based band -> role text) as {0-based band: role}."""
    items = list(text.items()) if isinstance(text, Mapping) else \
        [tuple(part.split("=", 1)) if "=" in part else (part, None) for part in re.split(r"[,;]", text)
         if part.strip()]
    parsed: Dict[int, Role] = {}
    for number, value in items:
        where = f"band role '{number}={value}'"
        if value is None:
            raise InputError(f"{where.replace('=None', '')} has no '='; {HOW_TO}")
        try:
            band = int(str(number).strip())
        except ValueError:
            raise InputError(f"{where}: '{number}' is not a band number; {HOW_TO}") from None
        if band < 1 or (n_bands is not None and band > n_bands):
            raise InputError(f"{where}: the raster has bands 1 to {n_bands}")
        if band - 1 in parsed:
            raise InputError(f"{where}: band {band} is given twice")
        role = _role_from_token(str(value))
        if role is None:
            raise InputError(f"{where}: unknown role '{str(value).strip()}'; {HOW_TO}")
        parsed[band - 1] = role
    return parsed


def _name_keys(name: str) -> List[str]:
    text = str(name).strip().lower()
    first = re.split(r"[\s,;:()\[\]/]+", text)[0] if text else ""
    return list(dict.fromkeys(k for k in (text, text.replace(" ", "_"), first) if k))


def _role_from_name(name: str, sensor: Optional[str], notes: List[str]) -> Optional[Role]:
    for key in _name_keys(name):
        if _ALWAYS_UNUSED.match(key):
            return UNUSED
        found = _BAND_NUMBER.match(key)
        if found and sensor != "modis":
            table = SENSOR_TABLES.get(sensor or "sentinel2", _SENTINEL2)
            if found.group(2) and table is not _SENTINEL2:
                return None
            return table.get(found.group(1) + found.group(2))
        found = _LANDSAT_SR.match(key)
        if found:
            return SENSOR_TABLES[sensor].get(found.group(1)) if sensor in SENSOR_TABLES else None
        if key in COMMON_NAMES:
            return COMMON_NAMES[key]
    return None


def band_role(name: str, sensor: Optional[str] = None) -> Optional[Tuple[str, ...]]:
    """The Presto channels one band feeds by its name alone (() for a known band without a channel, None when its
    role cannot be told): for showing a single band's role, e.g. in the dock's band-role table."""
    role = _role_from_name(name, sensor, [])
    return None if role is None else role[0] + role[1]


def detect_band_roles(band_names: Sequence[str], sensor: Optional[str] = None,
                      explicit: Union[str, Mapping[int, str], None] = None) -> BandRoles:
    """Roles of the bands from their names (and the sensor), explicit roles overriding; see the module docstring."""
    names = tuple(str(n) for n in band_names)
    sensor = sensor.lower().replace("-", "").replace("_", "").replace(" ", "") if sensor else None
    if sensor is not None and sensor not in SENSORS:
        raise InputError(f"sensor '{sensor}' is not one of {', '.join(SENSORS)}")
    notes: List[str] = []
    keys = [k for n in names for k in _name_keys(n)]
    landsat_sr = [n for n in names if any(_LANDSAT_SR.match(k) for k in _name_keys(n))]
    if landsat_sr and sensor is None and "sr_b6" in keys:
        sensor = "landsat8"
        notes.append("sensor read as Landsat 8/9 (band SR_B6 exists only there)")
    elif landsat_sr and sensor in ("sentinel2", "modis"):
        raise InputError(f"bands {', '.join(landsat_sr)} are Landsat names, but the sensor is '{sensor}'; "
                         f"give the right sensor or {HOW_TO}")
    if sensor is None and any(_BAND_NUMBER.match(k) for k in keys):
        notes.append("bands named B1..B12 read as Sentinel-2 numbering (give the sensor if they are Landsat bands)")
    roles: List[Optional[Role]] = [None] * len(names)
    for band, given in (parse_band_roles(explicit, len(names)) if explicit else {}).items():
        roles[band] = given
    for i, name in enumerate(names):
        if roles[i] is None:
            roles[i] = _role_from_name(name, sensor, notes)
    unknown = [f"band {i + 1} '{names[i]}'" for i, r in enumerate(roles) if r is None]
    if unknown and not explicit:
        ambiguous = landsat_sr and sensor is None
        why = (" (SR_B* names mean different bands on Landsat 8/9 and Landsat 4-7: give the sensor, landsat8/9 or "
               "landsat4/5/7)" if ambiguous else "")
        raise InputError(f"cannot tell which Presto channel {', '.join(unknown)} "
                         f"{'is' if len(unknown) == 1 else 'are'}{why}; {HOW_TO}")
    sources = [-1] * len(PRESTO_CHANNELS)
    for i, role in enumerate(roles):
        for channel in (role or UNUSED)[0]:
            c = CHANNEL_INDEX[channel]
            if sources[c] >= 0:
                raise InputError(f"bands {sources[c] + 1} '{names[sources[c]]}' and {i + 1} '{names[i]}' both feed "
                                 f"Presto channel {channel}; {HOW_TO}")
            sources[c] = i
    for i, role in enumerate(roles):
        for channel in (role or UNUSED)[1]:
            if sources[CHANNEL_INDEX[channel]] < 0:
                sources[CHANNEL_INDEX[channel]] = i
                notes.append(f"band {i + 1} '{names[i]}' also feeds {channel} (approximation: no band of its own)")
    notes += [f"band {i + 1} '{names[i]}' unused" for i, r in enumerate(roles) if not r or not (r[0] or r[1])]
    src = dict(zip(PRESTO_CHANNELS, sources))
    derived_green = src["B3"] < 0 and src["B2"] >= 0 and src["B4"] >= 0
    if derived_green:
        notes.append("B3 (green) approximated as (blue + red) / 2")
    ndvi_from_bands = src["NDVI"] < 0 and src["B4"] >= 0 and src["B8"] >= 0
    if ndvi_from_bands:
        notes.append("NDVI computed from red (B4) and NIR (B8)")
    if all(s < 0 for s in sources):
        raise InputError(f"none of the bands ({', '.join(names)}) feeds a Presto channel; {HOW_TO}")
    return BandRoles(names, tuple(sources), sensor, derived_green, ndvi_from_bands, tuple(notes))


# ----------------------------------------------------------------------------------------------------------------
# Scaling
# ----------------------------------------------------------------------------------------------------------------
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
