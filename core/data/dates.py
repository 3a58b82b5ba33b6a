# SPDX-License-Identifier: GPL-2.0-or-later
"""Acquisition dates of rasters: parsed from what the user typed, or found in the file, a sidecar or the name.

The date feeds the teacher's season encoding (day of year). A wrong date is worse than none, because the
teacher then learns a wrong season, so every detector here only reports a date that the data states; when
nothing does, the date is :data:`UNKNOWN` and the encoder marks it as such.

Sources, strongest first (see :func:`detect_acquisition_date`):

1. the caller's explicit value;
2. acquisition tags in the GDAL metadata (``ACQUISITIONDATE``, ``DATE_ACQUIRED``, ``SENSING_TIME``, ...);
3. a sidecar metadata file: Landsat ``*_MTL.txt`` / ``*_MTL.json``, Sentinel-2 ``MTD_MSIL1C.xml``,
   ``MTD_MSIL2A.xml``, ``MTD_TL.xml`` (up to the ``.SAFE`` root);
4. a Sentinel-2 or Landsat product id in the file name;
5. a plain ``YYYYMMDD`` / ``YYYY-MM-DD`` / ``YYYY_MM_DD`` in the file name;
6. the generic ``TIFFTAG_DATETIME`` / ``DATETIME`` tags. The TIFF specification defines these as the time the
   *file* was created, and processing tools fill them with the processing date, so they rank below everything
   that names the acquisition itself.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import re
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Tuple, Union

from ..errors import InputError

# Tags that name the acquisition itself (GDAL drivers for Sentinel-2, DIMAP, ENVI, and common custom tags).
ACQUISITION_TAGS: Tuple[str, ...] = (
    "ACQUISITIONDATE",
    "ACQUISITION_DATE",
    "ACQUISITION_DATETIME",
    "ACQUISITION_START_TIME",
    "DATE_ACQUIRED",
    "SENSING_TIME",
    "SENSING_DATE",
    "SENSING_START",
    "PRODUCT_START_TIME",
    "DATATAKE_1_DATATAKE_SENSING_START",
    "DATATAKE_SENSING_START",
    "IMAGING_DATE",
    "IMAGE_DATE",
)
# Tags that often hold the file's creation (processing) time rather than the acquisition: last resort.
GENERIC_DATE_TAGS: Tuple[str, ...] = ("TIFFTAG_DATETIME", "DATETIME")

_EARLIEST_YEAR = 1972  # Landsat 1; a plain date in a file name before that is not an acquisition date
_LATEST_YEAR = 2100

_UNKNOWN_WORDS = ("", "unknown", "none")

# Date part: YYYY-MM-DD, YYYY:MM:DD (TIFF), YYYY/MM/DD or YYYYMMDD (one separator, used twice).
# Time part (ignored, but checked for shape): T or space, HH:MM[:SS[.fff]] or HHMMSS, optional zone.
_DATE_TEXT = re.compile(
    r"^(?P<y>\d{4})(?P<sep>[-:/]?)(?P<m>\d{2})(?P=sep)(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):?(?P<M>\d{2})(?::?(?P<S>\d{2})(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AcquisitionDate:
    """An acquisition date (or its absence) and where it came from, so the user can check it."""

    value: Optional[datetime.date]
    source: str

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def iso(self) -> str:
        """``YYYY-MM-DD``, or ``''`` when unknown (what attribute tables and the model file store)."""
        return self.value.isoformat() if self.value is not None else ""

    @property
    def day_of_year(self) -> float:
        """Day of year, 1 = 1 January; NaN when unknown, so encoders can mark the date as missing."""
        if self.value is None:
            return math.nan
        return float(self.value.timetuple().tm_yday)


UNKNOWN = AcquisitionDate(None, "unknown")


def parse_date(text: Union[str, datetime.date, None], what: str) -> Optional[datetime.date]:
    """Parse a date the user or a file gave; ``None`` for '', 'unknown' or 'none'.

    Accepts ``YYYY-MM-DD``, ``YYYYMMDD``, ISO date-times (``2023-06-15T10:20:30Z``, ``2017-06-13 10:10:31``,
    fractional seconds and zones too) and TIFF's ``YYYY:MM:DD HH:MM:SS``. Only the calendar date is kept: the
    method uses the day of year, not the time of day. ``what`` names the input in the error, e.g.
    "date for raster 'x.tif'".
    """
    if text is None:
        return None
    if isinstance(text, datetime.datetime):
        return text.date()
    if isinstance(text, datetime.date):
        return text
    cleaned = str(text).strip().strip("\"'").strip()
    if cleaned.lower() in _UNKNOWN_WORDS:
        return None
    match = _DATE_TEXT.match(cleaned)
    problem = "does not parse"
    if match is not None:
        try:
            value = datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            value = None
            problem = "is not a calendar date"
        if value is not None and match["H"] is not None:
            second = int(match["S"]) if match["S"] is not None else 0
            if int(match["H"]) > 23 or int(match["M"]) > 59 or second > 60:
                value = None
                problem = "has an impossible time of day"
        if value is not None:
            return value
    raise InputError(f"{what} '{text}' {problem}; use YYYY-MM-DD or 'unknown'")


def detect_acquisition_date(
    path: str,
    explicit: Union[str, datetime.date, None] = None,
    tags: Optional[Dict[str, str]] = None,
) -> AcquisitionDate:
    """Find a raster's acquisition date from the strongest source that states one (see the module doc).

    ``explicit`` is what the user typed: a date, or 'unknown'/'none' to state that the date is unknown (the
    detectors are then skipped); ``None`` or a blank string means "detect". A bad explicit value raises
    :class:`InputError`; a malformed tag or sidecar is skipped, since the user cannot fix it from here and a
    weaker source may still be right. ``tags`` are the dataset's GDAL metadata (default domain and band 1);
    when not given they are read with rasterio, and a file that cannot be opened simply has no tags.
    """
    name = os.path.basename(path)
    if explicit is not None and not (isinstance(explicit, str) and not explicit.strip()):
        return AcquisitionDate(parse_date(explicit, f"date for raster '{name}'"), "explicit")

    if tags is None:
        tags = _read_tags(path)
    upper_tags = {str(key).upper(): value for key, value in tags.items()}

    found = _date_from_tags(upper_tags, ACQUISITION_TAGS)
    if found is not None:
        return found
    found = _date_from_sidecar(path)
    if found is not None:
        return found
    found = date_from_product_id(name)
    if found is not None:
        return found
    found = date_from_plain_name(name)
    if found is not None:
        return found
    found = _date_from_tags(upper_tags, GENERIC_DATE_TAGS)
    if found is not None:
        return found
    return UNKNOWN


# --- GDAL tags ---------------------------------------------------------------------------------------------

def _read_tags(path: str) -> Dict[str, str]:
    """Default-domain and band-1 tags; empty when the file cannot be opened (other sources may still work)."""
    import rasterio  # imported here: parsing dates must not need GDAL

    try:
        with rasterio.open(path) as ds:
            merged = dict(ds.tags(1)) if ds.count >= 1 else {}
            merged.update(ds.tags())  # the dataset's own tags win over band 1's
            return merged
    except (rasterio.errors.RasterioError, OSError):
        return {}


def _date_from_tags(upper_tags: Dict[str, str], keys: Iterable[str]) -> Optional[AcquisitionDate]:
    for key in keys:
        if key in upper_tags:
            value = _parse_quietly(upper_tags[key])
            if value is not None:
                return AcquisitionDate(value, f"gdal:{key}")
    return None


def _parse_quietly(text: object) -> Optional[datetime.date]:
    try:
        return parse_date(str(text), "metadata date")
    except InputError:
        return None


# --- sidecar files -----------------------------------------------------------------------------------------

_MTL_TXT_DATE = re.compile(r"^\s*(?:DATE_ACQUIRED|ACQUISITION_DATE)\s*=\s*\"?([^\"\s]+)\"?\s*$", re.MULTILINE)
_SENTINEL2_SIDECARS = ("MTD_TL.xml", "MTD_MSIL2A.xml", "MTD_MSIL1C.xml")
_SENTINEL2_XML_DATE = re.compile(
    r"<(?:\w+:)?(SENSING_TIME|PRODUCT_START_TIME|DATATAKE_SENSING_START)\b[^>]*>\s*([^<\s]+)\s*</"
)


def _date_from_sidecar(path: str) -> Optional[AcquisitionDate]:
    folder = os.path.dirname(os.path.abspath(path))
    found = _date_from_landsat_mtl(folder, os.path.basename(path))
    if found is not None:
        return found
    for directory in _folders_up_to_safe_root(folder):
        for sidecar in _SENTINEL2_SIDECARS:
            candidate = os.path.join(directory, sidecar)
            if os.path.isfile(candidate):
                value = _read_sentinel2_xml(candidate)
                if value is not None:
                    return AcquisitionDate(value, f"sidecar:{sidecar}")
    return None


def _date_from_landsat_mtl(folder: str, name: str) -> Optional[AcquisitionDate]:
    """The MTL whose product id starts the raster's name; else the folder's only MTL (a clip of that scene)."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return None
    mtls = [e for e in entries if re.search(r"_MTL\.(txt|json)$", e, re.IGNORECASE)]
    matching = [m for m in mtls if name.upper().startswith(m[: m.upper().rindex("_MTL")].upper() + "_")]
    product_ids = {m[: m.upper().rindex("_MTL")].upper() for m in mtls}
    candidates = matching or (mtls if len(product_ids) == 1 else [])
    # The .txt is the reference format; the .json of the same product says the same.
    candidates.sort(key=lambda m: not m.lower().endswith(".txt"))
    for mtl in candidates:
        value = _read_mtl(os.path.join(folder, mtl))
        if value is not None:
            return AcquisitionDate(value, f"sidecar:{mtl}")
    return None


def _read_text(path: str) -> Optional[str]:
    """A sidecar's text; None when it cannot be read (the user cannot fix that from here, so no error)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _read_mtl(path: str) -> Optional[datetime.date]:
    text = _read_text(path)
    if text is None:
        return None
    if path.lower().endswith(".json"):
        try:
            tree = json.loads(text)
        except ValueError:
            return None
        for key, value in _walk_json(tree):
            if key.upper() in ("DATE_ACQUIRED", "ACQUISITION_DATE"):
                parsed = _parse_quietly(value)
                if parsed is not None:
                    return parsed
        return None
    for match in _MTL_TXT_DATE.finditer(text):
        parsed = _parse_quietly(match.group(1))
        if parsed is not None:
            return parsed
    return None


def _walk_json(tree: object) -> Iterator[Tuple[str, object]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            if isinstance(value, (dict, list)):
                yield from _walk_json(value)
            else:
                yield str(key), value
    elif isinstance(tree, list):
        for item in tree:
            yield from _walk_json(item)


def _folders_up_to_safe_root(folder: str) -> List[str]:
    """The raster's folder, then its parents up to the ``.SAFE`` root; just the folder outside a SAFE."""
    chain = [folder]
    current = folder
    while True:
        if current.upper().endswith(".SAFE"):
            return chain
        parent = os.path.dirname(current)
        if parent == current:
            return [folder]
        current = parent
        chain.append(current)


def _read_sentinel2_xml(path: str) -> Optional[datetime.date]:
    text = _read_text(path)
    if text is None:
        return None
    for match in _SENTINEL2_XML_DATE.finditer(text):
        parsed = _parse_quietly(match.group(2))
        if parsed is not None:
            return parsed
    return None


# --- file names ------------------------------------------------------------------------------------------

# S2A_MSIL2A_20230615T103021_N0509_R108_T32UNU_20230615T170000.SAFE (the first date is the sensing start).
_SENTINEL2_PRODUCT = re.compile(r"(?<![A-Z0-9])S2[A-D]_MSIL(?:1C|2A)_(\d{8})T\d{6}_", re.IGNORECASE)
# Band files inside a SAFE: T32UNU_20230615T103021_B04_10m.jp2.
_SENTINEL2_GRANULE = re.compile(r"(?<![A-Z0-9])T\d{2}[A-Z]{3}_(\d{8})T\d{6}(?!\d)", re.IGNORECASE)
# Element84 / AWS COGs: S2A_32UNU_20230615_0_L2A.
_SENTINEL2_COG = re.compile(r"(?<![A-Z0-9])S2[A-D]_\d{2}[A-Z]{3}_(\d{8})_\d+_L(?:1C|2A)", re.IGNORECASE)
# Landsat collection ids: LC08_L2SP_196025_20230615_20230622_02_T1 (acquired, then processed).
_LANDSAT_COLLECTION = re.compile(
    r"(?<![A-Z0-9])L[COTEM]\d{2}_L[0-9A-Z]{3}_\d{6}_(\d{8})_\d{8}_\d{2}_(?:T1|T2|RT|A1|A2)", re.IGNORECASE
)
# Pre-collection scene ids: LC81960252023166LGN00 (sensor, path, row, year, day of year, station, version).
_LANDSAT_PRE_COLLECTION = re.compile(r"(?<![A-Z0-9])L[COTEM][1-9]\d{6}(\d{4})(\d{3})[A-Z]{3}\d{2}", re.IGNORECASE)
_PLAIN_DATE = re.compile(r"(?<!\d)(\d{4})([-_]?)(\d{2})\2(\d{2})(?!\d)")


def date_from_product_id(name: str) -> Optional[AcquisitionDate]:
    """The acquisition date encoded in a Sentinel-2 or Landsat product id inside a file name, if any."""
    for pattern in (_SENTINEL2_PRODUCT, _SENTINEL2_GRANULE, _SENTINEL2_COG):
        match = pattern.search(name)
        if match is not None:
            value = _compact_date(match.group(1))
            if value is not None:
                return AcquisitionDate(value, "filename:sentinel-2")
    match = _LANDSAT_COLLECTION.search(name)
    if match is not None:
        value = _compact_date(match.group(1))
        if value is not None:
            return AcquisitionDate(value, "filename:landsat")
    match = _LANDSAT_PRE_COLLECTION.search(name)
    if match is not None:
        year, day = int(match.group(1)), int(match.group(2))
        if _EARLIEST_YEAR <= year <= _LATEST_YEAR and 1 <= day <= (366 if _is_leap(year) else 365):
            value = datetime.date(year, 1, 1) + datetime.timedelta(days=day - 1)
            return AcquisitionDate(value, "filename:landsat")
    return None


def date_from_plain_name(name: str) -> Optional[AcquisitionDate]:
    """A ``YYYYMMDD``, ``YYYY-MM-DD`` or ``YYYY_MM_DD`` in the base name (no extension) that is a real date
    between 1972 and 2100; other digit runs (tile numbers, path/rows) are not dates and are ignored."""
    stem = os.path.splitext(os.path.basename(name))[0]
    for match in _PLAIN_DATE.finditer(stem):
        value = _checked_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        if value is not None:
            return AcquisitionDate(value, "filename:date")
    return None


def _compact_date(text: str) -> Optional[datetime.date]:
    return _checked_date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _checked_date(year: int, month: int, day: int) -> Optional[datetime.date]:
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
