"""Sky glow from towns: Walker's law, calibration, angular pattern, spectra, speed, bad input."""

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from norrsken.atmosphere import extinction_mag
from norrsken.color import SKY_LUMINANCE_CD
from norrsken.errors import NorrskenError
from norrsken.geometry import EARTH_RADIUS_KM, destination
from norrsken.render.catalogs import Cities, find_city
from norrsken.render.light_pollution import (
    CALIBRATION,
    city_glow,
    scattering_path,
    sky_quality,
    zenith_glow_cd,
)
from norrsken.render.scene import led_share
from norrsken.render.skyglow import luminance_cd, mag_arcsec2

KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0


def one_town(population, lat=60.0, lon=10.0, geonameid=1):
    return Cities(
        name=np.array(["Town"]),
        country=np.array(["XX"]),
        lat=np.array([lat]),
        lon=np.array([lon]),
        population=np.array([population], dtype=np.int64),
        geonameid=np.array([geonameid], dtype=np.int64),
    )


def away(lat, lon, distance_km, azimuth_deg):
    a, b = destination(lat, lon, distance_km / KM_PER_DEG, azimuth_deg)
    return float(a), float(b)


def total_mag(lat, lon, **kwargs):
    """Zenith V mag arcsec^-2 with the natural 22.0 sky."""
    return float(mag_arcsec2(zenith_glow_cd(lat, lon, year=2026, **kwargs) + SKY_LUMINANCE_CD))


@pytest.mark.parametrize("city", ["Oslo", "London"])
def test_city_centre_zenith_two_mag_brighter_than_a_village_50_km_away(city):
    centre = find_city(city)
    village = away(centre.lat, centre.lon, 50.0, 0.0)
    inside, outside = total_mag(centre.lat, centre.lon), total_mag(*village)
    # Measured: Oslo 18.3 against 22.0 mag arcsec^-2, London 17.6 against 21.2; big-city centres
    # are 17-18.5 (issue 18).
    assert outside - inside >= 2.0
    assert 17.0 < inside < 18.5


@pytest.mark.parametrize("name", list(CALIBRATION))
def test_calibration_sites_within_0_3_mag(name):
    # The one-parameter fit leaves +0.28 mag (Vienna) and -0.30 mag (Potsdam).
    lat, lon, measured = CALIBRATION[name]
    assert total_mag(lat, lon) == pytest.approx(measured, abs=0.31)


@pytest.mark.parametrize("population", [15_000, 40_000])
def test_walker_law_between_10_and_50_km(population):
    town = one_town(population)
    distance_km = np.array([10.0, 15.0, 20.0, 30.0, 40.0, 50.0])
    glow = [zenith_glow_cd(*away(60.0, 10.0, d, 90.0), year=2026, towns=town) for d in distance_km]
    slope = np.polyfit(np.log(distance_km), np.log(glow), 1)[0]
    assert slope == pytest.approx(-2.5, abs=0.1)


def test_far_glow_grows_with_population():
    # Walker: ~P; the larger lit area of a larger town changes it by less than 1 % at 80 km.
    place = away(60.0, 10.0, 80.0, 90.0)
    small, large = (zenith_glow_cd(*place, year=2026, towns=one_town(p)) for p in (50_000, 500_000))
    assert large / small == pytest.approx(10.0, rel=0.01)
    # Out of reach (300 km) there is none.
    assert zenith_glow_cd(*away(60.0, 10.0, 320.0, 90.0), year=2026, towns=one_town(10**7)) == 0.0


def test_glow_is_brightest_toward_the_town_and_low():
    town = one_town(200_000)
    lat, lon = away(60.0, 10.0, 30.0, 250.0)  # the town lies at an azimuth of ~70 deg
    azimuth = np.arange(0.0, 360.0, 1.0)
    low = city_glow(lat, lon, azimuth, 2.0, year=2026, towns=town).sum(axis=-1)
    toward = float(azimuth[np.argmax(low)])
    expected = float(np.degrees(np.arctan2(*_east_north(lat, lon, 60.0, 10.0))) % 360.0)
    assert abs(toward - expected) <= 1.0
    assert low.max() > 5.0 * low.min()
    column = city_glow(lat, lon, expected, [0.5, 2.0, 5.0, 10.0, 20.0, 45.0, 90.0], year=2026, towns=town).sum(axis=-1)
    assert np.all(np.diff(column) < 0)


def _east_north(lat, lon, lat_town, lon_town):
    """East and north offsets of the town in the observer's tangent plane (unit sphere)."""
    la, lo, lt, lot = map(math.radians, (lat, lon, lat_town, lon_town))
    east = math.cos(lt) * math.sin(lot - lo)
    north = math.cos(la) * math.sin(lt) - math.sin(la) * math.cos(lt) * math.cos(lot - lo)
    return east, north


def test_real_sky_is_brightest_toward_oslo():
    # From Hurdal, 60 km NNE of Oslo, the brightest low sky is toward Oslo (azimuth ~200 deg).
    oslo = find_city("Oslo")
    lat, lon = away(oslo.lat, oslo.lon, 60.0, 20.0)
    azimuth = np.arange(0.0, 360.0, 1.0)
    low = city_glow(lat, lon, azimuth, 1.0, year=2026).sum(axis=-1)
    assert abs(float(azimuth[np.argmax(low)]) - 200.0) <= 8.0


def test_zenith_of_the_image_is_the_zenith_glow():
    oslo = find_city("Oslo")
    pixel = city_glow(oslo.lat, oslo.lon, 123.0, 90.0, year=2026).sum()
    assert float(pixel) == pytest.approx(zenith_glow_cd(oslo.lat, oslo.lon, year=2026), rel=1e-5)


def test_spectra_follow_the_led_share():
    town = one_town(100_000, geonameid=3143244)
    lat, lon = away(60.0, 10.0, 20.0, 0.0)
    for year in (2015.0, 2024.0, 2040.0):
        sodium, led = city_glow(lat, lon, 0.0, 30.0, year=year, towns=town)
        assert float(led / (sodium + led)) == pytest.approx(float(led_share(year, np.array([3143244]))[0]), rel=1e-5)


def test_pixels_missing_or_below_the_horizon_are_dark():
    oslo = find_city("Oslo")
    az = np.array([[0.0, np.nan, 10.0], [370.0, -10.0, 10.0]])
    el = np.array([[-0.1, 20.0, np.nan], [20.0, 20.0, 0.0]])
    out = city_glow(oslo.lat, oslo.lon, az, el, year=2026)
    assert out.shape == (2, 3, 2) and out.dtype == np.float32
    assert np.all(out[0] == 0.0) and np.all(out[1] > 0.0)
    # Azimuths wrap: 370 is 10 and -10 is 350.
    np.testing.assert_allclose(out[1, 0], city_glow(oslo.lat, oslo.lon, 10.0, 20.0, year=2026), rtol=1e-5)
    np.testing.assert_allclose(out[1, 1], city_glow(oslo.lat, oslo.lon, 350.0, 20.0, year=2026), rtol=1e-5)


def test_haze_brightens_near_a_town_and_no_air_means_no_glow():
    oslo = find_city("Oslo")
    near = away(oslo.lat, oslo.lon, 5.0, 90.0)
    by_site = [zenith_glow_cd(*near, year=2026, site=site) for site in ("none", "excellent", "good", "average", "hazy")]
    assert by_site[0] == 0.0 and np.all(np.diff(by_site) > 0)
    assert np.all(city_glow(*near, [0.0, 90.0], [1.0, 30.0], year=2026, site="none") == 0.0)
    # A float site is a V extinction: that of the "good" site at 550 nm gives the same glow.
    k_good = float(extinction_mag(550.0, "good"))
    assert zenith_glow_cd(*near, year=2026, site=k_good) == pytest.approx(by_site[2], rel=1e-9)
    # From 3 km up (above most of the haze) the sky is darker.
    assert zenith_glow_cd(*near, year=2026, altitude_km=3.0) < 0.6 * by_site[2]


def test_scattering_path_grows_toward_the_horizon_and_saturates():
    path = scattering_path(np.array([90.0, 45.0, 10.0, 0.0]), 0.185)
    assert path[0] == pytest.approx(1.0)
    assert path[1] == pytest.approx(1.36, abs=0.01)
    assert np.all(np.diff(path) > 0)
    # At the horizon the 38 air masses saturate: (1 - 10^(-0.4 * 0.185 * 38)) / (1 - 10^(-0.4 * 0.185)).
    assert path[3] == pytest.approx((1 - 10 ** (-0.4 * 0.185 * 38.0)) / (1 - 10 ** (-0.4 * 0.185)), rel=0.002)


def test_a_1024_square_frame_is_fast():
    az, el = np.meshgrid(np.linspace(0.0, 360.0, 1024, dtype=np.float32), np.linspace(-10.0, 90.0, 1024, dtype=np.float32))
    oslo = find_city("Oslo")
    city_glow(oslo.lat, oslo.lon, az, el, year=2026)  # compile and load the catalogue
    best = math.inf
    for _ in range(3):
        start = time.process_time()  # CPU time: the machine is shared
        city_glow(oslo.lat, oslo.lon, az, el, year=2026)
        best = min(best, time.process_time() - start)
    # Measured 12-14 ms on an idle 2-core machine; the budget is 60 ms.
    assert best < 0.06


@pytest.mark.parametrize(
    ("mag", "bortle", "label"),
    [(22.0, 1, "excellent dark-sky site"), (21.7, 2, "typical truly dark site"), (21.0, 4, "rural/suburban transition"),
     (19.0, 6, "bright suburban sky"), (17.8, 8, "city sky"), (16.0, 9, "inner-city sky")],
)
def test_sky_quality_classes(mag, bortle, label):
    quality = sky_quality(mag)
    assert quality["bortle"] == bortle and quality["label"] == label
    assert quality["zenith_luminance_cd"] == pytest.approx(1.08e5 * 10 ** (-0.4 * mag))


def test_sky_quality_artificial_ratio():
    assert sky_quality(22.0)["artificial_ratio"] == pytest.approx(0.0, abs=1e-12)
    assert sky_quality(19.5)["artificial_ratio"] == pytest.approx(9.0)
    assert sky_quality(22.5)["artificial_ratio"] == 0.0


@given(st.floats(12.0, 24.0))
def test_magnitudes_and_luminance_invert(mag):
    assert float(mag_arcsec2(luminance_cd(mag))) == pytest.approx(mag, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: zenith_glow_cd(95.0, 10.0, year=2026), "lat"),
        (lambda: zenith_glow_cd(60.0, float("nan"), year=2026), "lon"),
        (lambda: zenith_glow_cd(60.0, 10.0, year=float("nan")), "year"),
        (lambda: zenith_glow_cd(60.0, 10.0, year=2026, site="dark"), "site"),
        (lambda: zenith_glow_cd(60.0, 10.0, year=2026, altitude_km=9.0), "altitude_km"),
        (lambda: city_glow(60.0, 10.0, 0.0, 95.0, year=2026), "elevation_deg"),
        (lambda: city_glow(60.0, 10.0, np.inf, 10.0, year=2026), "azimuth_deg"),
        (lambda: city_glow(60.0, 10.0, [0.0, 1.0], [1.0, 2.0, 3.0], year=2026), "elevation_deg"),
        (lambda: sky_quality(float("nan")), "zenith_mag_arcsec2"),
    ],
)
def test_bad_input_names_the_parameter(call, parameter):
    with pytest.raises(NorrskenError) as info:
        call()
    assert info.value.parameter == parameter


def test_inside_a_town_the_low_glow_rings_the_horizon():
    town = one_town(500_000)
    ring = city_glow(60.0, 10.0, np.arange(0.0, 360.0, 10.0), 2.0, year=2026, towns=town).sum(axis=-1)
    np.testing.assert_allclose(ring, ring.mean(), rtol=1e-3)
    assert ring.mean() > 3.0 * float(city_glow(60.0, 10.0, 0.0, 90.0, year=2026, towns=town).sum())


def test_no_town_within_reach_gives_no_glow():
    """Mid-ocean (0 N, 0 E) there is no town within reach: no sky glow, and no error."""
    from norrsken.render.light_pollution import city_glow, zenith_glow_cd

    glow = city_glow(0.0, 0.0, np.array([0.0, 90.0]), np.array([5.0, 45.0]), year=2020.0)
    assert glow.shape == (2, 2) and (glow == 0.0).all()
    assert zenith_glow_cd(0.0, 0.0, year=2020.0) == 0.0
