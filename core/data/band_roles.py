# SPDX-License-Identifier: GPL-2.0-or-later
"""Which of a raster's bands (or a patch set's channels) feed which of Presto's 17 input channels.

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

How the values are scaled and fed to the encoder: core/data/presto_input.py.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

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
