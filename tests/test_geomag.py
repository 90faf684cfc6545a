"""AACGM-v2 mapping and magnetic local time."""

import datetime as dt

import aacgmv2
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from norrsken import geomag
from norrsken.errors import NorrskenError

TIME = dt.datetime(2017, 1, 18, 21, tzinfo=dt.UTC)
latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False, exclude_max=True)
times = st.datetimes(min_value=dt.datetime(1960, 1, 1), max_value=dt.datetime(2025, 12, 31), timezones=st.just(dt.UTC))


def _angular_distance_deg(lat1, lon1, lat2, lon2):
    a = np.radians([lat1, lon1, lat2, lon2])
    cos = np.sin(a[0]) * np.sin(a[2]) + np.cos(a[0]) * np.cos(a[2]) * np.cos(a[1] - a[3])
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


@given(lat=latitudes, lon=longitudes, time=times, height=st.sampled_from([0.0, 110.0, 250.0]))
def test_geo_aacgm_round_trip(lat, lon, time, height):
    mlat, mlon = geomag.geo_to_aacgm(lat, lon, time, height)
    # Away from the band near the magnetic equator where AACGM is undefined.
    assume(np.isfinite(mlat) and abs(mlat) >= 35.0)
    back_lat, back_lon = geomag.aacgm_to_geo(mlat, mlon, time, height)
    assert _angular_distance_deg(lat, lon, back_lat, back_lon) < 0.01


@given(mlat=st.floats(40, 89.9), mlon=longitudes, time=times)
def test_aacgm_geo_round_trip(mlat, mlon, time):
    lat, lon = geomag.aacgm_to_geo(mlat, mlon, time)
    again_mlat, again_mlon = geomag.geo_to_aacgm(lat, lon, time)
    assert _angular_distance_deg(mlat, mlon, again_mlat, again_mlon) < 0.01


@given(mlon=st.floats(-1e4, 1e4), time=times)
def test_mlt_in_range_and_inverse(mlon, time):
    value = float(geomag.mlt(mlon, time))
    assert 0.0 <= value < 24.0
    back = float(geomag.mlon_from_mlt(value, time))
    assert -180.0 <= back < 180.0
    assert abs((back - mlon + 180.0) % 360.0 - 180.0) < 1e-6


def test_mlt_agrees_with_aacgmv2():
    mlon = np.linspace(-180, 180, 37)
    expected = aacgmv2.convert_mlt(mlon, TIME.replace(tzinfo=None), m2a=False)
    np.testing.assert_allclose(geomag.mlt(mlon, TIME), np.mod(expected, 24), atol=1e-9)


def test_tromso_in_the_evening_is_before_magnetic_midnight():
    mlat, mlon = geomag.geo_to_aacgm(69.6, 19.0, TIME)
    assert 66.5 < mlat < 67.3  # AACGM latitude of Tromso at 110 km
    assert 22.0 < geomag.mlt(mlon, TIME) < 23.0  # magnetic midnight is ~1.5 h after 21 UT


def test_grid_cache_matches_direct_conversion():
    lat = np.arange(-90, 90.1, 2.0)
    lon = np.arange(-180, 180, 3.0)
    mlat, mlon = geomag.grid_to_aacgm(lat, lon, TIME)
    direct_mlat, direct_mlon = geomag.geo_to_aacgm(lat[:, None], lon[None, :], TIME)
    assert mlat.shape == (lat.size, lon.size)
    np.testing.assert_array_equal(np.isnan(mlat), np.isnan(direct_mlat))
    # Cached per month: the coefficients drift by < 0.01 deg within one, away from the steep
    # mapping next to the AACGM-undefined band.
    auroral = np.abs(direct_mlat) >= 35
    distance = _angular_distance_deg(mlat, mlon, direct_mlat, direct_mlon)
    assert distance[auroral].max() < 0.01
    again = geomag.grid_to_aacgm(lat, lon, TIME + dt.timedelta(days=3))
    np.testing.assert_array_equal(again[0], mlat)  # same month: the cached mapping


@pytest.mark.parametrize("bad", [90.5, -91.0, 180.0])
def test_latitudes_out_of_range_are_refused(bad):
    with pytest.raises(NorrskenError, match="between -90 and 90"):
        geomag.geo_to_aacgm(bad, 0.0, TIME)


def test_bad_height_is_refused():
    with pytest.raises(NorrskenError, match="2000 km"):
        geomag.geo_to_aacgm(70.0, 0.0, TIME, height_km=5000.0)


def test_inverse_near_the_undefined_band_is_nan_or_exact():
    mlat = np.arange(5.0, 40.0, 1.0)
    lat, lon = geomag.aacgm_to_geo(mlat, np.full(mlat.shape, 40.0), TIME)
    ok = np.isfinite(lat)
    assert ok[-10:].all()  # well defined from ~30 deg
    again_mlat, again_mlon = geomag.geo_to_aacgm(lat[ok], lon[ok], TIME)
    assert _angular_distance_deg(mlat[ok], np.full(ok.sum(), 40.0), again_mlat, again_mlon).max() < 1e-3


def test_dates_outside_the_coefficients_are_one_clear_error():
    with pytest.raises(NorrskenError, match="1590-01-01 to 2029-12-31.*2030-06-01"):
        geomag.geo_to_aacgm(70.0, 20.0, "2030-06-01T00:00Z")
    with pytest.raises(NorrskenError, match="2031-03-05"):
        geomag.grid_to_aacgm(np.array([60.0, 70.0]), np.array([0.0, 10.0]), "2031-03-05T12:00Z")


def test_empty_and_non_finite_input():
    mlat, mlon = geomag.geo_to_aacgm([], [], TIME)
    assert mlat.shape == (0,)
    mlat, mlon = geomag.geo_to_aacgm(70.0, np.inf, TIME)
    assert np.isnan(mlat)
