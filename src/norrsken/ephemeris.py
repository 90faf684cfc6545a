"""The Sun and the Moon: where they stand, from the JPL DE421 ephemeris, offline.

DE421 (Folkner et al. 2008, JPL IOM 343R-08-003) covers 1899-07-29 to 2053-10-08 and ships in
the ``skyfield-data`` package; skyfield (Rhodes 2019, ascl:1907.024) computes apparent positions
with its built-in time scale, so nothing is ever downloaded. Observers stand on the WGS84
ellipsoid; positions are apparent (light time, aberration, nutation) and without refraction.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import functools
from importlib import resources

import numpy as np

from .geomag import check_latitude
from .times import TimeLike, check_within, to_utc

#: Dates the packaged DE421 covers (start inclusive, end exclusive).
EPHEMERIS_DATES = (dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2053, 10, 1, tzinfo=dt.UTC))


@functools.lru_cache(maxsize=1)
def _skyfield():
    from skyfield.api import Loader

    # The data folder is read directly: skyfield_data.get_skyfield_data_path() warns about the
    # age of an Earth-orientation file norrsken does not use.
    loader = Loader(str(resources.files("skyfield_data") / "data"), verbose=False)
    ephemeris = loader("de421.bsp")
    atexit.register(ephemeris.close)
    return loader.timescale(builtin=True), ephemeris


def _time(time: TimeLike):
    moment = to_utc(time)
    check_within(moment, EPHEMERIS_DATES, "Sun and Moon positions (JPL DE421)")
    timescale, _ = _skyfield()
    return timescale.from_datetime(moment)


@dataclasses.dataclass(frozen=True)
class SkyBodies:
    """Sun and Moon as seen from one place at one time.

    Attributes
    ----------
    sun_elevation_deg, sun_azimuth_deg, moon_elevation_deg, moon_azimuth_deg : float
        Apparent topocentric positions, no refraction; azimuth clockwise from north.
    moon_illumination : float
        Illuminated fraction of the Moon's disc, 0-1.
    """

    sun_elevation_deg: float
    sun_azimuth_deg: float
    moon_elevation_deg: float
    moon_azimuth_deg: float
    moon_illumination: float

    @property
    def darkness(self) -> str:
        """``"day"``, ``"civil"``, ``"nautical"`` or ``"astronomical"`` twilight, or ``"night"``."""
        return darkness_class(self.sun_elevation_deg)


def darkness_class(sun_elevation_deg: float) -> str:
    """Sky darkness from the Sun's elevation: day above -0.833 deg (upper limb with refraction),
    then civil, nautical and astronomical twilight to -6, -12 and -18 deg, and night below."""
    for limit, name in ((-0.833, "day"), (-6.0, "civil"), (-12.0, "nautical"), (-18.0, "astronomical")):
        if sun_elevation_deg > limit:
            return name
    return "night"


def sky_bodies(time: TimeLike, lat: float, lon: float, altitude_km: float = 0.0) -> SkyBodies:
    """Positions of the Sun and Moon for an observer at (``lat``, ``lon``, ``altitude_km``)."""
    from skyfield.api import wgs84

    check_latitude(lat)
    t = _time(time)
    _, eph = _skyfield()
    here = eph["earth"] + wgs84.latlon(float(lat), float(lon), elevation_m=1000.0 * float(altitude_km))
    sun = here.at(t).observe(eph["sun"]).apparent()
    moon = here.at(t).observe(eph["moon"]).apparent()
    sun_el, sun_az, _ = sun.altaz()
    moon_el, moon_az, _ = moon.altaz()
    return SkyBodies(
        sun_elevation_deg=float(sun_el.degrees),
        sun_azimuth_deg=float(sun_az.degrees),
        moon_elevation_deg=float(moon_el.degrees),
        moon_azimuth_deg=float(moon_az.degrees),
        moon_illumination=float(moon.fraction_illuminated(eph["sun"])),
    )


def sun_direction_ecef(time: TimeLike) -> np.ndarray:
    """Unit vector from the Earth's centre to the Sun, Earth-fixed (ITRS) coordinates."""
    from skyfield.framelib import itrs

    t = _time(time)
    _, eph = _skyfield()
    vector = eph["earth"].at(t).observe(eph["sun"]).apparent().frame_xyz(itrs).km
    return np.asarray(vector) / np.linalg.norm(vector)
