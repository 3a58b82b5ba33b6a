# SPDX-License-Identifier: GPL-2.0-or-later
"""Band roles, reflectance scaling and the Presto input built from a time series (small synthetic arrays)."""
from __future__ import annotations

import numpy as np
import pytest

from spatiotemporal_ssl.core.data.band_roles import CHANNEL_INDEX, BandRoles, detect_band_roles, parse_band_roles
from spatiotemporal_ssl.core.data.presto_input import build_presto_input, detect_scaling, scaling_from
from spatiotemporal_ssl.core.errors import InputError

C = CHANNEL_INDEX


def feeds(roles: BandRoles) -> dict:
    return {ch: roles.band_of(ch) + 1 for ch in C if roles.band_of(ch) >= 0}  # channel -> 1-based band


def test_sentinel2_names():
    roles = detect_band_roles(["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"])
    assert feeds(roles) == {"B2": 2, "B3": 3, "B4": 4, "B5": 5, "B6": 6, "B7": 7, "B8": 8, "B8A": 9, "B11": 11,
                            "B12": 12}
    assert roles.ndvi_from_bands and not roles.derived_green
    assert roles.groups() == ["S2_RGB", "S2_Red_Edge", "S2_NIR_10m", "S2_NIR_20m", "S2_SWIR", "NDVI"]
    assert any("band 1 'B01' unused" in n for n in roles.notes)
    # GDAL's Sentinel-2 descriptions, 10 m bands only: B8 does not stand in for B8A.
    ten_m = detect_band_roles(["B4, central wavelength 665 nm", "B3", "B2", "B8"])
    assert feeds(ten_m) == {"B2": 3, "B3": 2, "B4": 1, "B8": 4}
    assert "S2_NIR_20m" not in ten_m.groups()


def test_landsat_collection2_names_need_the_sensor():
    oli = detect_band_roles([f"SR_B{i}" for i in range(1, 8)])
    assert oli.sensor == "landsat8" and any("SR_B6" in n for n in oli.notes)
    assert feeds(oli) == {"B2": 2, "B3": 3, "B4": 4, "B8": 5, "B8A": 5, "B11": 6, "B12": 7}
    tm_names = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B7"]
    with pytest.raises(InputError, match="SR_B4.*give the sensor"):
        detect_band_roles(tm_names)
    tm = detect_band_roles(tm_names, sensor="Landsat-7")
    assert feeds(tm) == {"B2": 1, "B3": 2, "B4": 3, "B8": 4, "B8A": 4, "B11": 5, "B12": 6}
    with pytest.raises(InputError, match="Landsat names.*sentinel2"):
        detect_band_roles(tm_names, sensor="sentinel2")
    with pytest.raises(InputError, match="sensor 'spot6'"):
        detect_band_roles(tm_names, sensor="spot6")


def test_common_and_modis_names():
    s2_common = detect_band_roles(["blue", "green", "red", "rededge1", "rededge2", "rededge3", "nir", "nir08",
                                   "swir16", "swir22", "VV", "vh"])
    assert feeds(s2_common)["B8"] == 7 and feeds(s2_common)["B8A"] == 8  # each NIR band has its own channel
    assert feeds(s2_common)["VV"] == 11 and "S1" in s2_common.groups()
    modis = detect_band_roles(["blue", "red", "nir", "mir", "ndvi", "evi"])
    assert feeds(modis) == {"B2": 1, "B4": 2, "B8": 3, "B8A": 3, "B11": 4, "B12": 4, "NDVI": 5}
    assert modis.derived_green and not modis.ndvi_from_bands
    assert modis.groups() == ["S2_RGB", "S2_NIR_10m", "S2_NIR_20m", "S2_SWIR", "NDVI"]
    assert any("evi" in n and "unused" in n for n in modis.notes)
    assert BandRoles.from_dict(modis.to_dict()) == modis


def test_unknown_bands_are_named_and_explicit_roles_override():
    with pytest.raises(InputError, match="band 2 'Band 2', band 3 'Band 3'.*1=B2"):
        detect_band_roles(["red", "Band 2", "Band 3"])
    with pytest.raises(InputError, match="'red'.*'Red'.*both feed.*B4"):
        detect_band_roles(["red", "Red"])
    roles = detect_band_roles(["Band 1", "Band 2", "Band 3", "Band 4"], explicit="1=B2, 2=B3;3=B04,4=nir")
    assert feeds(roles) == {"B2": 1, "B3": 2, "B4": 3, "B8": 4, "B8A": 4}
    override = detect_band_roles(["red", "nir", "x"], explicit={1: "ignore", 3: "B4"})
    assert feeds(override) == {"B4": 3, "B8": 2, "B8A": 2}
    assert parse_band_roles("2=B8+B8A") == {1: (("B8", "B8A"), ())}
    for bad, match in [("5=B2", "bands 1 to 4"), ("1=foo", "unknown role 'foo'"), ("1=B2,1=B3", "twice"),
                       ("x=B2", "not a band number"), ("B2", "no '='")]:
        with pytest.raises(InputError, match=match):
            parse_band_roles(bad, 4)
    with pytest.raises(InputError, match="none of the bands"):
        detect_band_roles(["evi", "coastal"])


def test_scaling_detection():
    rng = np.random.default_rng(0)
    s2 = detect_band_roles(["B2", "B3", "B4", "B8"])
    reflectance = rng.uniform(0.01, 0.6, (500, 4))
    assert detect_scaling(reflectance, s2, np.float32)["kind"] == "reflectance"
    assert detect_scaling(np.round(reflectance * 10000), s2, np.uint16)["kind"] == "dn10000"
    landsat = detect_band_roles([f"SR_B{i}" for i in range(1, 8)])
    c2 = np.round((rng.uniform(0.01, 0.5, (500, 7)) + 0.2) / 2.75e-5)
    scale = detect_scaling(c2, landsat, np.uint16)
    assert scale["kind"] == "landsat_c2"
    assert abs(c2[0, 1] * scale["scale"] + scale["offset"] - (c2[0, 1] * 2.75e-5 - 0.2)) < 1e-9
    with pytest.raises(InputError, match="8-bit.*not surface reflectance"):
        detect_scaling(rng.integers(0, 256, (500, 4)), s2, np.uint8)
    with pytest.raises(InputError, match="8-bit.*scaling unknown"):
        detect_scaling(rng.integers(0, 256, (500, 4)).astype(float), s2, np.float32)
    with pytest.raises(InputError, match="scaling is unknown"):
        detect_scaling(rng.uniform(-1e6, 1e6, (500, 4)), s2)
    modis = detect_band_roles(["blue", "red", "nir", "mir", "ndvi"])
    raw = np.hstack([rng.uniform(0, 0.5, (100, 4)), rng.uniform(-2000, 9000, (100, 1))])
    assert detect_scaling(raw, modis)["ndvi_scale"] == 1e-4
    s1 = detect_band_roles(["vv", "vh"])
    assert detect_scaling(rng.uniform(-25, -5, (100, 2)), s1)["s1"] == "db"
    assert detect_scaling(rng.uniform(0.001, 0.3, (100, 2)), s1)["s1"] == "linear"
    assert scaling_from("dn10000")["scale"] == 1e-4 and scaling_from({"scale": 2, "offset": 1})["kind"] == "custom"
    with pytest.raises(InputError, match="'dn'.*dn10000"):
        scaling_from("dn")


def test_presto_input_from_a_sub_monthly_series_with_gaps_and_nodata():
    roles = detect_band_roles(["blue", "red", "nir", "swir16"])  # no green (derived), no swir22 (SWIR masked)
    dates = ["2020-01-03", "2020-01-19", "2020-02-04", "2020-04-10"]  # two in January, none in March
    values = np.array([[[1000, 2000, 4000, 3000], [3000, np.nan, 6000, 3000],
                        [-9999, 1000, 5000, 3000], [2000, 1000, 3000, 3000]]], dtype=np.float32)
    out = build_presto_input(values, np.array(dates), roles, scaling_from("dn10000"), nodata=-9999)
    assert out.x.shape == (1, 4, 17) and out.months.tolist() == [[0, 1, 2, 3]]
    x, mask = out.x[0], out.mask[0]
    assert np.isclose(x[0, C["B2"]], 0.2) and np.isclose(x[0, C["B4"]], 0.2)  # nanmean, NaN ignored
    assert np.isclose(x[0, C["B3"]], 0.15)  # the one January date with blue and red: (0.1 + 0.2) / 2
    assert np.isclose(x[0, C["NDVI"]], ((0.4 - 0.2) / 0.6))  # computed per date, then averaged
    assert mask[1, C["B2"]] and mask[1, C["B3"]] and not mask[1, C["B4"]]  # nodata blue in February
    assert mask[2].all() and not mask[3, C["B8"]]  # March has no date
    assert mask[:, C["B12"]].all() and mask[:, C["VV"]].all() and mask[:, C["elevation"]].all()
    assert np.isclose(x[3, C["B8A"]], 0.3) and (x[mask] == 0).all()


def test_presto_input_per_pixel_dates_long_series_and_errors():
    roles = detect_band_roles(["ndvi", "elevation"])
    # Pixel 0: 30 weekly dates from March (7 months); pixel 1: 30 dates 5 days apart from June (5 months).
    d0 = np.datetime64("2021-03-01") + np.arange(30) * 7
    d1 = np.datetime64("2021-06-01") + np.arange(30) * 5
    values = np.stack([np.stack([np.linspace(0, 1, 30), np.full(30, 500.0)], 1)] * 2)
    values[1, :10, 1] = np.nan  # elevation is static: one value per pixel from any date
    out = build_presto_input(values, np.stack([d0, d1]), roles, scaling_from("reflectance"))
    assert out.x.shape[1] == 7  # March..September 2021 (30 weeks)
    assert out.months[0, 0] == 2 and out.months[1, 0] == 5
    assert np.allclose(out.x[:, :, C["elevation"]], 0.25) and not out.mask[:, :, C["elevation"]].any()
    assert not out.mask[0, :, C["NDVI"]].any() and out.mask[1, 5:, C["NDVI"]].all()
    assert not out.mask[1, :5, C["NDVI"]].any() and out.months[1].tolist() == [5, 6, 7, 8, 9, 10, 11]
    with pytest.raises(InputError, match="spans 25 months"):
        build_presto_input(np.zeros((1, 2, 2)), np.array(["2020-01-01", "2022-01-01"]), roles,
                           scaling_from("reflectance"))
    with pytest.raises(InputError, match="no date"):
        build_presto_input(np.zeros((1, 2, 2)), np.array(["2020-01-01", ""]), roles, scaling_from("reflectance"))
    with pytest.raises(InputError, match="2 bands"):
        build_presto_input(np.zeros((1, 2, 3)), np.array(["2020-01-01", "2020-02-01"]), roles,
                           scaling_from("reflectance"))
