# SPDX-License-Identifier: GPL-2.0-or-later
"""Several single-date rasters of one place as one time-series stack (a GDAL VRT), for the Presto backbone.

The rasters must share one grid (CRS, transform, size), their bands and their data type. Each is dated by its own
acquisition date (core.data.dates: given, or found in the file, a sidecar or the name); the rasters are put in date
order. No pixel is copied: a VRT (GDAL's virtual raster, an XML file that points at the sources) lists the bands of
the first date, then the next date's, with band descriptions ``"YYYY-MM-DD <band>"``, so
:func:`core.data.stack.read_stack_layout` reads it like any stack. Every VRT band keeps its source band's nodata
value or mask, so a cloudy or empty date stays missing at its own timestep (core.data.raster.read_block).

:func:`series_stack` writes the VRT in a private temporary folder that lives as long as the training or the
prediction that reads it.
"""
from __future__ import annotations

import math
import os
import tempfile
import xml.etree.ElementTree as ET  # nosec B405  # only writes XML; nothing is parsed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import rasterio
from rasterio.enums import MaskFlags

from ..data.dates import parse_date
from ..data.raster import open_raster_info
from ..data.stack import SERIES_TAG, StackLayout, read_stack_layout
from ..errors import InputError

_GDAL_TYPES = {"uint8": "Byte", "int8": "Int8", "uint16": "UInt16", "int16": "Int16", "uint32": "UInt32",
               "int32": "Int32", "float32": "Float32", "float64": "Float64"}


def _gdal_type(dtype: str) -> str:
    return _GDAL_TYPES.get(dtype, dtype.capitalize())


@dataclass(frozen=True)
class SeriesStack:
    """A written series VRT: its path, its layout (one timestep per source raster) and the sources in date order."""

    path: str
    layout: StackLayout
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class _Source:
    path: str
    date: str
    band_names: Tuple[str, ...]
    nodata: Tuple[Optional[float], ...]
    own_mask: Tuple[bool, ...]  # the band's validity comes from a mask (per-dataset mask or alpha), not nodata


def _name(path: str) -> str:
    return os.path.basename(path)


def _read_source(path: str, date: Optional[str]) -> _Source:
    info = open_raster_info(path, require_crs=False)
    layout = read_stack_layout(path, acquisition_date=date)
    if layout.timesteps != 1:
        raise InputError(f"raster '{info.name}' is already a stack of {layout.timesteps} dates; a series takes "
                         "single-date rasters (train on the stack itself, without the series option)")
    if date is not None and str(date).strip():
        parsed = parse_date(date, f"date for raster '{info.name}'")
        iso = parsed.isoformat() if parsed is not None else ""
    else:
        iso = layout.dates[0]
    if not iso:
        raise InputError(f"raster '{info.name}' of the series has no acquisition date in its metadata, a sidecar or "
                         "its name; give the date of every raster of the series (stssl: --date once per raster, in "
                         "the order given; or --timestep-dates)")
    with rasterio.open(path) as ds:
        own_mask = tuple(MaskFlags.nodata not in flags and MaskFlags.all_valid not in flags
                         for flags in ds.mask_flag_enums)
        nodata = tuple(ds.nodatavals)
    return _Source(path, iso, layout.band_names, nodata, own_mask)


def _num(value: float) -> str:
    return f"{value:.12g}"  # map coordinates in full: '4e+06' would not put a raster on the grid


def _check_same_grid(first: str, other: str) -> None:
    """InputError when ``other`` is not on ``first``'s grid, with the gdalwarp command that puts it there."""
    with rasterio.open(first) as a, rasterio.open(other) as b:
        problems = []
        if a.crs != b.crs:
            problems.append(f"CRS {b.crs or 'none'}, not {a.crs or 'none'}")
        if (a.width, a.height) != (b.width, b.height):
            problems.append(f"{b.width} x {b.height} pixels, not {a.width} x {a.height}")
        tolerance = 1e-6 * max(abs(a.transform.a), abs(a.transform.e), 1e-12)
        if not all(math.isclose(x, y, rel_tol=0, abs_tol=tolerance) for x, y in zip(a.transform[:6], b.transform[:6])):
            problems.append(f"origin {_num(b.transform.c)}, {_num(b.transform.f)} and pixel size "
                            f"{_num(b.transform.a)} x {_num(abs(b.transform.e))}, not {_num(a.transform.c)}, "
                            f"{_num(a.transform.f)} and {_num(a.transform.a)} x {_num(abs(a.transform.e))}")
        if a.dtypes[0] != b.dtypes[0]:
            problems.append(f"data type {b.dtypes[0]}, not {a.dtypes[0]}")
        if not problems:
            return
        left, bottom, right, top = a.bounds
        srs = f"-t_srs {a.crs.to_string()} " if a.crs is not None else ""
        stem = os.path.splitext(_name(other))[0]
        fix = (f"gdalwarp {srs}-tr {_num(a.transform.a)} {_num(abs(a.transform.e))} -te {_num(left)} "
               f"{_num(bottom)} {_num(right)} {_num(top)} -ot {_gdal_type(a.dtypes[0])} -r near {_name(other)} "
               f"{stem}_on_grid.tif")
        raise InputError(f"raster '{_name(other)}' of the series is not on the grid of '{_name(first)}' "
                         f"({'; '.join(problems)}); every date must share one grid: warp it to that grid, e.g. "
                         f"{fix}")


def _same_bands(first: _Source, other: _Source) -> None:
    if len(other.band_names) != len(first.band_names):
        raise InputError(f"raster '{_name(other.path)}' of the series has {len(other.band_names)} bands, "
                         f"'{_name(first.path)}' {len(first.band_names)}; every date needs the same bands in the same "
                         "order")
    generic = all(n.startswith("band") for n in first.band_names + other.band_names)
    if not generic and [n.lower() for n in other.band_names] != [n.lower() for n in first.band_names]:
        raise InputError(f"raster '{_name(other.path)}' of the series has bands {', '.join(other.band_names)}, "
                         f"'{_name(first.path)}' {', '.join(first.band_names)}; every date needs the same bands in "
                         "the same order")


def check_series(paths: Sequence[str], dates: Optional[Sequence[Optional[str]]] = None) -> List[_Source]:
    """The series' rasters checked (one grid, the same bands and data type, a date each), in date order."""
    paths = [os.fspath(p) for p in paths]
    if len(paths) < 2:
        raise InputError(f"a series needs at least two rasters of one place (got {len(paths)}); without the series "
                         "option a single raster is used as it is")
    if dates is not None and len(dates) != len(paths):
        raise InputError(f"{len(dates)} dates were given for the {len(paths)} rasters of the series; give one date "
                         "per raster, in the order of the rasters")
    sources = [_read_source(p, d) for p, d in zip(paths, dates or [None] * len(paths))]
    for other in sources[1:]:
        _check_same_grid(sources[0].path, other.path)
        _same_bands(sources[0], other)
    ordered = sorted(sources, key=lambda s: s.date)
    for a, b in zip(ordered, ordered[1:]):
        if a.date == b.date:
            raise InputError(f"rasters '{_name(a.path)}' and '{_name(b.path)}' of the series have the same date "
                             f"{a.date}; a series takes one raster per date (mosaic or composite them first, or give "
                             "each raster its own date)")
    return ordered


def _nodata_text(value: float) -> str:
    return "nan" if math.isnan(value) else repr(float(value))


def series_vrt_xml(sources: Sequence[_Source]) -> str:
    """The VRT of ``sources`` (checked, in date order): their bands date-major, each dated in its description."""
    with rasterio.open(sources[0].path) as ds:
        width, height, crs, transform, dtype = ds.width, ds.height, ds.crs, ds.transform, ds.dtypes[0]
    root = ET.Element("VRTDataset", rasterXSize=str(width), rasterYSize=str(height))
    if crs is not None:
        ET.SubElement(root, "SRS", dataAxisToSRSAxisMapping="1,2").text = crs.to_wkt()
    ET.SubElement(root, "GeoTransform").text = ", ".join(repr(float(v)) for v in transform.to_gdal())
    metadata = ET.SubElement(root, "Metadata")
    ET.SubElement(metadata, "MDI", key=SERIES_TAG).text = ";".join(os.path.abspath(s.path) for s in sources)
    gdal_type = _gdal_type(dtype)
    number = 0
    for source in sources:
        filename = os.path.abspath(source.path)
        for b, name in enumerate(sources[0].band_names):
            number += 1
            band = ET.SubElement(root, "VRTRasterBand", dataType=gdal_type, band=str(number))
            ET.SubElement(band, "Description").text = f"{source.date} {name}"
            nodata = source.nodata[b]
            if nodata is not None:
                ET.SubElement(band, "NoDataValue").text = _nodata_text(nodata)
            _simple_source(band, filename, str(b + 1), width, height)
            if source.own_mask[b]:  # an internal mask or alpha band: the VRT band reads the source's mask
                mask = ET.SubElement(ET.SubElement(band, "MaskBand"), "VRTRasterBand", dataType="Byte")
                _simple_source(mask, filename, f"mask,{b + 1}", width, height)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def _simple_source(band: ET.Element, filename: str, source_band: str, width: int, height: int) -> None:
    src = ET.SubElement(band, "SimpleSource")
    ET.SubElement(src, "SourceFilename", relativeToVRT="0").text = filename
    ET.SubElement(src, "SourceBand").text = source_band
    ET.SubElement(src, "SrcRect", xOff="0", yOff="0", xSize=str(width), ySize=str(height))
    ET.SubElement(src, "DstRect", xOff="0", yOff="0", xSize=str(width), ySize=str(height))


def write_series_vrt(paths: Sequence[str], folder: str, dates: Optional[Sequence[Optional[str]]] = None,
                     name: str = "series.vrt") -> SeriesStack:
    """Check the series (see :func:`check_series`) and write its VRT into ``folder``; the written stack."""
    sources = check_series(paths, dates)
    path = os.path.join(folder, name)
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(series_vrt_xml(sources))
    os.replace(tmp, path)  # the VRT appears whole or not at all
    layout = read_stack_layout(path)
    expected = tuple(s.date for s in sources)
    if layout.dates != expected:  # the descriptions we wrote must read back as the dates we meant
        raise InputError(f"the series VRT reads back with dates {', '.join(layout.dates)}, not "
                         f"{', '.join(expected)}; rename the rasters' bands so their descriptions hold no other date")
    return SeriesStack(path, layout, tuple(os.path.abspath(s.path) for s in sources))


@contextmanager
def series_stack(paths: Sequence[str], dates: Optional[Sequence[Optional[str]]] = None) -> Iterator[SeriesStack]:
    """The series as a VRT in a private temporary folder, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="stssl-series-") as folder:
        yield write_series_vrt(paths, folder, dates)
