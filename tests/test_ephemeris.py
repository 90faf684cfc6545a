"""Sun and Moon against the calendar: solstices, equinox, full and new Moon, polar night."""

import math

import numpy as np
import pytest

from norrsken.ephemeris import darkness_class, sky_bodies, sun_direction_ecef
from norrsken.errors import NorrskenError

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
    z = sun_direction_ecef(time)[2]
    # Apparent declination: nutation and aberration move it by < 0.01 deg from the mean value.
    assert math.degrees(math.asin(z)) == pytest.approx(declination, abs=0.02)


def test_sun_at_local_noon():
    """On the June solstice the Sun culminates at 90 - lat + 23.44 deg (Greenwich, ~12:02 UT)."""
    elevations = [sky_bodies(f"2017-06-21T12:{m:02d}Z", 51.4779, 0.0).sun_elevation_deg for m in range(0, 6)]
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
    with pytest.raises(NorrskenError, match="latitude"):
        sky_bodies("2017-01-01T00:00Z", 100.0, 0.0)


def test_sun_direction_is_a_unit_vector():
    assert np.linalg.norm(sun_direction_ecef("2017-01-18T21:00Z")) == pytest.approx(1.0)
