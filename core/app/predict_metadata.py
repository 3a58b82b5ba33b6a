# SPDX-License-Identifier: GPL-2.0-or-later
"""What the metadata-reading networks see when a raster is classified: each tile's place and the date.

The teacher always reads them; the student only in the metadata-as-input baseline. Places come from the
raster's CRS, or from a location the user gives (``--lat/--lon``) for a raster without one. A date that cannot
be detected is not an error: the teacher was trained with metadata dropout and knows "date unknown", so the
map is made with the date unknown, and the user is told so, with the option that fixes it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
import torch

from ..data.dates import detect_acquisition_date
from ..data.geo import require_crs, tile_centres_latlon
from ..data.raster import RasterInfo
from ..errors import InputError


@dataclass(frozen=True)
class MetadataSource:
    """What the metadata-reading networks need about the raster: its CRS (for tile locations) and date."""

    crs: object  # pyproj.CRS; None when ``location`` is given
    day_of_year: float  # NaN when the acquisition date is unknown
    for_student: bool  # the metadata-as-input baseline's student reads it too
    location: Optional[Tuple[float, float]] = None  # (lat, lon) for every tile, for rasters without a CRS
    months: Optional[torch.Tensor] = None  # (1, T) calendar months of a stack's timesteps (a Presto model)


def metadata_source(info: RasterInfo, raster_path: str, acquisition_date: Optional[str],
                    location: Optional[Tuple[float, float]], for_student: bool,
                    what: str, presto_spec: Optional[dict] = None,
                    timestep_dates: Optional[List[str]] = None) -> Tuple[MetadataSource, List[str]]:
    """Where and when the raster is, for the networks that read metadata, and notes on what was assumed
    (``what`` names the map that needs them, for the messages). A Presto model (``presto_spec``) also reads the
    months of the stack's timesteps (``timestep_dates``, or the band descriptions)."""
    notes: List[str] = []
    crs = None
    if location is not None:
        lat, lon = (float(v) for v in location)
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise InputError(f"location ({lat}, {lon}) for raster '{info.name}' is not a latitude/longitude in "
                             "degrees; give latitude in [-90, 90] and longitude in [-180, 180]")
        location = (lat, lon)
    elif info.crs is None:
        raise InputError(
            f"raster '{info.name}' has no CRS, so the {what} cannot place its tiles on Earth; assign one "
            "(QGIS: Layer Properties > Source; GDAL: gdal_edit.py -a_srs EPSG:XXXX) or give its location with "
            "--lat and --lon (degrees)")
    else:
        crs = require_crs(info.crs, info.name)
    date = detect_acquisition_date(raster_path, acquisition_date)
    if not date.known and date.source != "explicit":
        notes.append(f"no acquisition date found for raster '{info.name}' (no date tag, sidecar or date in the "
                     f"file name), so the {what} is made with the date unknown; give it with --date YYYY-MM-DD")
    months = stack_months(presto_spec, raster_path, timestep_dates, acquisition_date) if presto_spec else None
    return MetadataSource(crs=crs, day_of_year=date.day_of_year, for_student=for_student, location=location,
                          months=months), notes


def stack_months(presto_spec: dict, raster_path: str, timestep_dates: Optional[List[str]],
                 acquisition_date: Optional[str]) -> torch.Tensor:
    """(1, T) calendar months of the raster's timesteps, for a Presto model trained on ``presto_spec``."""
    from ..data.series import timestep_months
    from ..data.stack import read_stack_layout

    layout = read_stack_layout(raster_path, timestep_dates, acquisition_date)
    if layout.timesteps != int(presto_spec["timesteps"]):
        raise InputError(f"raster '{os.path.basename(raster_path)}' has {layout.timesteps} timesteps; the model was "
                         f"trained on {presto_spec['timesteps']}; give --timestep-dates with one date per timestep")
    return torch.from_numpy(timestep_months(np.array(layout.dates))).reshape(1, -1)


def tile_metadata(info: RasterInfo, metadata: MetadataSource, tile_row: np.ndarray, tile_col: np.ndarray,
                  tile: int, stride: int, device) -> Tuple[torch.Tensor, ...]:
    """Latitude/longitude of each tile's centre (tiles by global grid index) and the raster's day of year, as
    the networks expect them."""
    tile_rows = np.asarray(tile_row) * stride
    tile_cols = np.asarray(tile_col) * stride
    if metadata.location is not None:
        lat = np.full(len(tile_rows), metadata.location[0])
        lon = np.full(len(tile_rows), metadata.location[1])
    else:
        lat, lon = tile_centres_latlon(info.transform, metadata.crs, tile_rows, tile_cols, tile)
    doy = np.full(lat.shape, metadata.day_of_year, dtype=np.float32)
    return (torch.as_tensor(lat, dtype=torch.float32, device=device),
            torch.as_tensor(lon, dtype=torch.float32, device=device),
            torch.as_tensor(doy, dtype=torch.float32, device=device))
