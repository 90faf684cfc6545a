"""Sun and Moon against the calendar: solstices, equinox, full and new Moon, polar night."""

import datetime as dt
import math

import numpy as np
import pytest

from norrsken.ephemeris import body_position_ecef_km, darkness_class, icrs_to_ecef, sky_bodies, time_array
from norrsken.errors import NorrskenError, OutOfRangeError

# Instants from the US Naval Observatory's "Earth's Seasons" and Moon phase tables (UT).
SOLSTICE_DEC_2016 = "2016-12-21T10:44Z"
EQUINOX_MAR_2017 = "2017-03-20T10:29Z"
SOLSTICE_JUN_2017 = "2017-06-21T04:24Z"
FULL_MOON = "2017-01-12T11:34Z"
NEW_MOON = "2017-01-28T00:07Z"
OBLIQUITY_DEG = 23.437  # mean obliquity of the ecliptic in 2017 (IAU 2006)


@pytest.mark.parametrize(
    ("time", "declination"),
    [(SOLSTICE_DEC_2016, -OBLIQUITY_DEG), (EQUINOX_MAR_2017, 0.0), (SOLSTICE_JUN_2017, OBLIQUITY_DEG)],
)
def test_solar_declination_at_solstices_and_equinox(time, declination):
    sun = body_position_ecef_km("sun", time)
    z = sun[2] / np.linalg.norm(sun)
    # Apparent declination: nutation and aberration move it by < 0.01 deg from the mean value.
    assert math.degrees(math.asin(z)) == pytest.approx(declination, abs=0.02)


def test_sun_at_local_noon():
    """On the June solstice the Sun culminates at 90 - lat + 23.44 deg (Greenwich, ~12:02 UT)."""
    elevations = [sky_bodies(f"2017-06-21T12:{m:02d}Z", 51.4779, 0.0).sun_elevation_deg for m in range(6)]
    assert max(elevations) == pytest.approx(90.0 - 51.4779 + OBLIQUITY_DEG, abs=0.05)
    south = sky_bodies("2017-06-21T12:02Z", 51.4779, 0.0).sun_azimuth_deg
    assert south == pytest.approx(180.0, abs=0.5)


def test_moon_phases():
    assert sky_bodies(FULL_MOON, 0.0, 0.0).moon_illumination > 0.99
    assert sky_bodies(NEW_MOON, 0.0, 0.0).moon_illumination < 0.01


def test_polar_night_in_tromso():
    elevations = [sky_bodies(f"2016-12-21T{h:02d}:00Z", 69.65, 18.96).sun_elevation_deg for h in range(24)]
    assert max(elevations) < 0.0
    assert sky_bodies("2017-01-18T21:00Z", 69.65, 18.96).darkness == "night"


@pytest.mark.parametrize(
    ("elevation", "name"),
    [(5.0, "day"), (-0.5, "day"), (-3.0, "civil"), (-9.0, "nautical"), (-15.0, "astronomical"), (-30.0, "night")],
)
def test_darkness_classes(elevation, name):
    assert darkness_class(elevation) == name


def test_dates_outside_the_ephemeris_are_refused():
    with pytest.raises(NorrskenError, match="DE421"):
        sky_bodies("1850-01-01T00:00Z", 0.0, 0.0)
    with pytest.raises(NorrskenError, match="lat must lie between -90 and 90 degrees, got 100"):
        sky_bodies("2017-01-01T00:00Z", 100.0, 0.0)


def test_body_distances():
    """Perihelion 2017-01-04 (147.10 million km, USNO); the Moon stays within 356 000-407 000 km."""
    assert np.linalg.norm(body_position_ecef_km("sun", "2017-01-04T14:18Z")) == pytest.approx(147.10e6, rel=1e-4)
    days = np.datetime64("2017-01-01") + np.arange(31) * np.timedelta64(1, "D")
    moon = np.linalg.norm(body_position_ecef_km("moon", days), axis=1)
    assert moon.shape == (31,)
    assert 356_000 < moon.min() < 370_000 and 400_000 < moon.max() < 407_000


def test_body_positions_are_vectorised():
    times = ["2017-01-18T21:00Z", "2017-01-18T22:00+01:00", "2017-06-21T04:24Z"]
    together = body_position_ecef_km("moon", times)
    one_by_one = np.array([body_position_ecef_km("moon", time) for time in times])
    assert together.shape == (3, 3)
    np.testing.assert_allclose(together, one_by_one, rtol=1e-12)
    np.testing.assert_allclose(together[0], together[1], rtol=1e-12)  # the same instant
    with pytest.raises(NorrskenError, match="'mars'"):
        body_position_ecef_km("mars", times)


def test_time_arrays():
    stamps = time_array(np.array(["2017-01-18T21:00", "2017-01-18T21:00:00.5"], dtype="datetime64[ms]"))
    assert stamps.dtype == np.dtype("datetime64[ns]") and stamps.shape == (2,)
    assert time_array("2017-01-18T21:00Z").shape == ()
    with pytest.raises(NorrskenError, match="naive"):
        time_array([dt.datetime(2017, 1, 18, tzinfo=dt.UTC), dt.datetime(2017, 1, 18)])
    with pytest.raises(NorrskenError, match="NaT"):
        time_array(np.array(["2017-01-18", "NaT"], dtype="datetime64[s]"))
    with pytest.raises(OutOfRangeError, match="DE421.*2300-01-01"):
        time_array(np.array(["2017-01-18", "2300-01-01"], dtype="datetime64[D]"))
    with pytest.raises(NorrskenError, match="shape"):
        time_array(np.zeros((2, 2), dtype="datetime64[s]"))
    with pytest.raises(NorrskenError, match="no times"):
        time_array([])


def test_icrs_to_ecef():
    rotation = icrs_to_ecef("2017-01-18T00:00Z")
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    # The celestial pole stays within precession (~0.1 deg since J2000) of the Earth's axis ...
    assert math.degrees(math.acos(rotation[2, 2])) < 0.2
    # ... and the ICRS x axis lies at longitude -GMST (USNO formula, Astronomical Almanac), give or
    # take the precession of the equinox since J2000 (0.24 deg by 2017).
    days = 6226.5  # 2017-01-18 00:00 UT from J2000.0 (2000-01-01 12:00 UT)
    gmst_deg = (18.697374558 + 24.06570982441908 * days) % 24.0 * 15.0
    longitude = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    assert (longitude + gmst_deg + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=0.3)
