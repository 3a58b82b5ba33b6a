# SPDX-License-Identifier: GPL-2.0-or-later
"""Metadata encodings against hand-computed values and closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest

from spatiotemporal_ssl.core.data.encoding import ENCODINGS, MetadataEncoder, real_spherical_harmonics
from spatiotemporal_ssl.core.errors import InputError


def _col(l: int, m: int) -> int:
    return l * l + l + m


# --- paper -------------------------------------------------------------------------------------------------

def test_paper_encoding_hand_values():
    encoded = MetadataEncoder("paper").encode(45.0, -90.0, 91.25)  # 91.25 = a quarter of 365 days
    np.testing.assert_allclose(encoded.location, [[0.5, -0.5]], atol=1e-7)
    np.testing.assert_allclose(encoded.date, [[1.0, 0.0]], atol=1e-7)
    assert encoded.location.dtype == np.float32 and encoded.date.dtype == np.float32
    assert encoded.location_known.tolist() == [True] and encoded.date_known.tolist() == [True]
    np.testing.assert_allclose(encoded.features, [[0.5, -0.5, 1.0, 0.0]], atol=1e-7)


def test_paper_date_on_1_january_and_midsummer():
    encoded = MetadataEncoder("paper").encode([0.0, 0.0], [0.0, 0.0], [1.0, 182.5])
    # 2 pi / 365 = 0.0172142 rad: sin = 0.0172134, cos = 0.9998518; half a year is the opposite point.
    np.testing.assert_allclose(encoded.date, [[0.0172134, 0.9998518], [0.0, -1.0]], atol=1e-6)


# --- spherical harmonics ---------------------------------------------------------------------------------

def test_spherical_harmonics_hand_values_at_lat30_lon60():
    y = real_spherical_harmonics(30.0, 60.0, 2)[0]
    # theta = 60 deg: cos theta = 1/2, sin theta = sqrt(3)/2; phi = 60 deg.
    assert y[_col(0, 0)] == pytest.approx(0.2820948, abs=1e-7)  # 1 / (2 sqrt(pi))
    assert y[_col(1, 0)] == pytest.approx(0.2443013, abs=1e-7)  # sqrt(3/4pi) / 2
    assert y[_col(1, 1)] == pytest.approx(0.2115711, abs=1e-7)  # sqrt(3/4pi) sqrt(3)/2 * 1/2
    assert y[_col(1, -1)] == pytest.approx(0.3664519, abs=1e-7)  # sqrt(3/4pi) sqrt(3)/2 * sqrt(3)/2
    assert y[_col(2, 0)] == pytest.approx(-0.0788479, abs=1e-7)  # sqrt(5/16pi) (3/4 - 1)
    assert y[_col(2, -2)] == pytest.approx(0.3548155, abs=1e-7)  # sqrt(15/pi)/2 * 3/4 * sin60 cos60


def test_spherical_harmonics_against_closed_forms_on_many_points():
    rng = np.random.default_rng(0)
    lat = rng.uniform(-90, 90, 200)
    lon = rng.uniform(-180, 180, 200)
    y = real_spherical_harmonics(lat, lon, 3)
    assert y.shape == (200, 16)
    theta, phi = np.radians(90 - lat), np.radians(lon)
    c, s = np.cos(theta), np.sin(theta)
    closed = {
        (1, 0): math.sqrt(3 / (4 * math.pi)) * c,
        (1, 1): math.sqrt(3 / (4 * math.pi)) * s * np.cos(phi),
        (1, -1): math.sqrt(3 / (4 * math.pi)) * s * np.sin(phi),
        (2, 0): math.sqrt(5 / (16 * math.pi)) * (3 * c**2 - 1),
        (2, 1): 0.5 * math.sqrt(15 / math.pi) * s * c * np.cos(phi),
        (2, -2): 0.25 * math.sqrt(15 / math.pi) * s**2 * np.sin(2 * phi),
        (2, 2): 0.25 * math.sqrt(15 / math.pi) * s**2 * np.cos(2 * phi),
        (3, 0): 0.25 * math.sqrt(7 / math.pi) * (5 * c**3 - 3 * c),
        (3, 3): 0.25 * math.sqrt(35 / (2 * math.pi)) * s**3 * np.cos(3 * phi),
        (3, -2): 0.25 * math.sqrt(105 / math.pi) * s**2 * c * np.sin(2 * phi),
    }
    for (l, m), expected in closed.items():
        np.testing.assert_allclose(y[:, _col(l, m)], expected, atol=1e-12, err_msg=f"Y_{l}^{m}")


def test_spherical_harmonics_are_orthonormal_on_the_sphere():
    step = 1.0
    lat_1d = np.arange(-90 + step / 2, 90, step)
    lon_1d = np.arange(-180 + step / 2, 180, step)
    lat, lon = (g.ravel() for g in np.meshgrid(lat_1d, lon_1d, indexing="ij"))
    y = real_spherical_harmonics(lat, lon, 4)
    area = np.cos(np.radians(lat)) * np.radians(step) ** 2  # surface element of the unit sphere
    gram = (y * area[:, None]).T @ y
    np.testing.assert_allclose(gram, np.eye(25), atol=1e-2)


def test_sphere_encoder_has_no_seam_at_the_antimeridian():
    encoded = MetadataEncoder("sphere", sh_degree=3).encode([10.0, 10.0], [180.0, -180.0], [100.0, 100.0])
    assert encoded.location.shape == (2, 16)
    np.testing.assert_allclose(encoded.location[0], encoded.location[1], atol=1e-6)


def test_sphere_encoder_dims_and_date():
    encoder = MetadataEncoder("sphere", sh_degree=2)
    assert (encoder.loc_dim, encoder.date_dim, encoder.dim) == (9, 2, 11)
    encoded = encoder.encode(30.0, 60.0, 91.25)
    np.testing.assert_allclose(encoded.location[0], real_spherical_harmonics(30.0, 60.0, 2)[0], atol=1e-6)
    np.testing.assert_allclose(encoded.date, [[1.0, 0.0]], atol=1e-6)
    assert MetadataEncoder("sphere", sh_degree=0).loc_dim == 1


# --- season ------------------------------------------------------------------------------------------------

def test_season_location_features():
    encoded = MetadataEncoder("season").encode([-30.0, 30.0, 0.0], [20.0, -100.0, 5.0], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(encoded.location, [[1 / 3, -1.0], [1 / 3, 1.0], [0.0, 1.0]], atol=1e-6)


@pytest.mark.parametrize("doy", [1.0, 80.0, 172.0, 300.0])
def test_season_south_at_d_equals_north_at_d_plus_half_a_year(doy):
    encoder = MetadataEncoder("season")
    south = encoder.encode(-35.0, 150.0, doy)
    north = encoder.encode(35.0, 10.0, doy + 182.5)
    np.testing.assert_allclose(south.date, north.date, atol=1e-6)
    # ... and differs from the unshifted date (so the shift is really applied).
    assert not np.allclose(south.date, MetadataEncoder("paper").encode(-35.0, 150.0, doy).date, atol=1e-2)


def test_season_without_location_is_not_shifted():
    season = MetadataEncoder("season").encode(np.nan, np.nan, 100.0)
    paper = MetadataEncoder("paper").encode(np.nan, np.nan, 100.0)
    np.testing.assert_allclose(season.date, paper.date, atol=1e-7)
    np.testing.assert_array_equal(season.location, [[0.0, 0.0]])


# --- unknowns, validation, storage ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ENCODINGS)
def test_unknown_location_and_date_are_zero_and_flagged(name):
    encoder = MetadataEncoder(name, sh_degree=2)
    encoded = encoder.encode([45.0, np.nan, 10.0], [10.0, 10.0, np.nan], [np.nan, 91.25, 91.25])
    assert encoded.location_known.tolist() == [True, False, False]
    assert encoded.date_known.tolist() == [False, True, True]
    np.testing.assert_array_equal(encoded.date[0], [0.0, 0.0])
    np.testing.assert_array_equal(encoded.location[1:], np.zeros((2, encoder.loc_dim)))
    assert np.abs(encoded.location[0]).sum() > 0.1  # the known one is really encoded
    np.testing.assert_allclose(encoded.date[1:], [[1.0, 0.0], [1.0, 0.0]], atol=1e-6)
    assert np.isfinite(encoded.features).all() and len(encoded) == 3


def test_latitude_out_of_range_is_refused():
    with pytest.raises(InputError, match="latitude 100 is outside"):
        MetadataEncoder("paper").encode(100.0, 10.0, 1.0)


def test_unknown_encoding_name_is_refused():
    with pytest.raises(InputError, match="'cube'.*paper, sphere, season"):
        MetadataEncoder("cube")
    with pytest.raises(InputError, match="degree"):
        MetadataEncoder("sphere", sh_degree=-1)


def test_to_dict_round_trip():
    encoder = MetadataEncoder.from_dict(MetadataEncoder("sphere", sh_degree=5).to_dict())
    assert (encoder.name, encoder.sh_degree, encoder.loc_dim) == ("sphere", 5, 36)
    assert MetadataEncoder.from_dict({"name": "season"}).loc_dim == 2
