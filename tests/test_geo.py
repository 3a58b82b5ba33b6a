# SPDX-License-Identifier: GPL-2.0-or-later
"""Tile locations: pixel -> map -> latitude/longitude, checked against formulas that do not use PROJ."""
from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine

from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.data.geo import (
    describe_crs, lonlat_from_xy, pixel_centres_xy, require_crs, tile_centres_latlon,
)

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
UTM_K0 = 0.9996


def _meridian_arc(lat_deg: float) -> float:
    """Distance along the WGS 84 meridian from the equator (series in e^2, accurate to well below a mm)."""
    e2 = WGS84_F * (2 - WGS84_F)
    e4, e6 = e2 * e2, e2 * e2 * e2
    phi = math.radians(lat_deg)
    return WGS84_A * (
        (1 - e2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * phi
        - (3 * e2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * math.sin(2 * phi)
        + (15 * e4 / 256 + 45 * e6 / 1024) * math.sin(4 * phi)
        - (35 * e6 / 3072) * math.sin(6 * phi)
    )


def _utm_central_meridian_lat(northing: float) -> float:
    """On the central meridian, UTM northing is k0 times the meridian arc: invert that by bisection."""
    lo, hi = 0.0, 89.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if UTM_K0 * _meridian_arc(mid) < northing:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _geotiff(path, crs, transform):
    profile = dict(driver="GTiff", width=8, height=8, count=1, dtype="uint8", transform=transform)
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.zeros((1, 8, 8), dtype=np.uint8))
    return rasterio.open(path)


def test_utm_point_on_the_central_meridian():
    lat, lon = lonlat_from_xy(np.array([500000.0]), np.array([5000000.0]), "EPSG:32633")
    expected_lat = _utm_central_meridian_lat(5000000.0)
    assert expected_lat == pytest.approx(45.1535, abs=1e-4)  # 4 984 944 m of arc to 45 deg, 17 km more
    assert lat[0] == pytest.approx(expected_lat, abs=1e-7)
    assert lon[0] == pytest.approx(15.0, abs=1e-9)  # zone 33's central meridian


def test_web_mercator_against_the_closed_form():
    # EPSG:3857 is the spherical Mercator: lon = x / R, lat = 2 atan(exp(y / R)) - pi / 2.
    xs = np.array([0.0, 1113194.9079327357, -2000000.0])
    ys = np.array([0.0, 6446275.841017158, -3000000.0])
    lat, lon = lonlat_from_xy(xs, ys, pyproj.CRS.from_epsg(3857))
    np.testing.assert_allclose(lon, np.degrees(xs / WGS84_A), atol=1e-9)
    np.testing.assert_allclose(lat, np.degrees(2 * np.arctan(np.exp(ys / WGS84_A)) - np.pi / 2), atol=1e-9)
    assert lon[1] == pytest.approx(10.0, abs=1e-9) and lat[1] == pytest.approx(50.0, abs=1e-6)


def test_pixel_centres_follow_the_geotransform():
    transform = Affine(10.0, 0.0, 499000.0, 0.0, -10.0, 5001000.0)
    xs, ys = pixel_centres_xy(transform, rows=[0.5, 10.5], cols=[0.5, 3.5])
    np.testing.assert_allclose(xs, [499005.0, 499035.0])
    np.testing.assert_allclose(ys, [5000995.0, 5000895.0])


def test_pixel_centres_with_a_rotated_geotransform():
    # x = 2 col + 1 row + 100, y = 1 col - 2 row + 50
    xs, ys = pixel_centres_xy(Affine(2.0, 1.0, 100.0, 1.0, -2.0, 50.0), rows=[1.5], cols=[2.5])
    np.testing.assert_allclose(xs, [106.5])
    np.testing.assert_allclose(ys, [49.5])


def test_tile_centre_in_a_utm_raster(tmp_path):
    # A 64-px tile at (0, 0) whose centre lands on (500000, 5000000).
    with _geotiff(tmp_path / "utm.tif", "EPSG:32633", Affine(10.0, 0.0, 499680.0, 0.0, -10.0, 5000320.0)) as ds:
        lat, lon = tile_centres_latlon(ds.transform, ds.crs, [0], [0], 64)
    assert lat[0] == pytest.approx(_utm_central_meridian_lat(5000000.0), abs=1e-7)
    assert lon[0] == pytest.approx(15.0, abs=1e-9)


def test_tile_centres_in_a_geographic_raster(tmp_path):
    with _geotiff(tmp_path / "wgs84.tif", "EPSG:4326", Affine(0.1, 0.0, 10.0, 0.0, -0.1, 50.0)) as ds:
        lat, lon = tile_centres_latlon(ds.transform, ds.crs, rows=[0, 2], cols=[0, 3], tile_size_px=2)
        one_px_lat, one_px_lon = tile_centres_latlon(ds.transform, ds.crs, [0], [0], 1)
    np.testing.assert_allclose(lat, [49.9, 49.7], atol=1e-9)
    np.testing.assert_allclose(lon, [10.1, 10.4], atol=1e-9)
    assert (one_px_lat[0], one_px_lon[0]) == pytest.approx((49.95, 10.05), abs=1e-9)  # the pixel's own centre


def test_raster_without_crs_is_refused_with_the_fix(tmp_path):
    with _geotiff(tmp_path / "nocrs.tif", None, Affine(1.0, 0.0, 0.0, 0.0, -1.0, 8.0)) as ds:
        assert ds.crs is None
        with pytest.raises(InputError) as info:
            require_crs(ds.crs, "nocrs.tif")
        with pytest.raises(InputError):
            tile_centres_latlon(ds.transform, ds.crs, [0], [0], 4)
    assert "'nocrs.tif' has no CRS" in str(info.value) and "gdal_edit.py -a_srs" in str(info.value)


def test_require_crs_returns_pyproj_crs_and_rejects_nonsense():
    assert require_crs(rasterio.crs.CRS.from_epsg(32633), "a.tif").to_epsg() == 32633
    with pytest.raises(InputError, match="'b.tif'"):
        require_crs("EPSG:999999", "b.tif")


def test_points_outside_the_projection_are_unknown_not_infinite():
    lat, lon = lonlat_from_xy([1e12, 500000.0], [1e12, 5000000.0], "EPSG:32633")
    assert np.isnan(lat[0]) and np.isnan(lon[0])
    assert np.isfinite(lat[1]) and np.isfinite(lon[1])


def test_describe_crs():
    assert describe_crs("EPSG:32633") == "EPSG:32633 - WGS 84 / UTM zone 33N"
    assert describe_crs(rasterio.crs.CRS.from_epsg(4326)) == "EPSG:4326 - WGS 84 (geographic, degrees)"
    assert describe_crs(None) == "no CRS"


def test_tile_size_must_be_positive():
    with pytest.raises(InputError, match="tile size"):
        tile_centres_latlon(Affine.identity(), "EPSG:4326", [0], [0], 0)
