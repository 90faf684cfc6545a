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
from collections.abc import Sequence
from importlib import resources

import numpy as np
from skyfield.api import Loader, wgs84
from skyfield.framelib import itrs

from . import checks
from .errors import NorrskenError
from .geometry import unit_vectors
from .times import TimeLike, check_within, to_utc

#: Dates the packaged DE421 covers (start inclusive, end exclusive).
EPHEMERIS_DATES = (dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2053, 10, 1, tzinfo=dt.UTC))
_EPHEMERIS_DATES64 = tuple(np.datetime64(date.replace(tzinfo=None), "us") for date in EPHEMERIS_DATES)
_NS_PER_DAY = 86_400 * 10**9

#: One time, or a 1-D sequence or array of them.
TimesLike = TimeLike | Sequence[TimeLike] | np.ndarray


@functools.lru_cache(maxsize=1)
def _skyfield():
    # The data folder is read directly: skyfield_data.get_skyfield_data_path() warns about the
    # age of an Earth-orientation file norrsken does not use.
    loader = Loader(str(resources.files("skyfield_data") / "data"), verbose=False)
    ephemeris = loader("de421.bsp")
    atexit.register(ephemeris.close)
    return loader.timescale(builtin=True), ephemeris


def timescale():
    """skyfield's ``Timescale`` with its built-in UT1 and leap-second tables (never downloads)."""
    return _skyfield()[0]


def time_array(times: TimesLike) -> np.ndarray:
    """Times as a UTC ``datetime64[ns]`` array, each checked against the dates DE421 covers.

    Parameters
    ----------
    times
        One time or a 1-D sequence or array of them, each in a form
        :func:`norrsken.times.to_utc` accepts; ``datetime64`` arrays are checked without a Python
        loop.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]``: 0-d for one time, 1-D for a sequence.

    Raises
    ------
    NorrskenError
        For naive, unparseable or NaT times, and for empty or multi-dimensional input.
    OutOfRangeError
        For a time outside 1900-01-01 to 2053-09-30.
    """
    stamps = np.asarray(times)
    if stamps.ndim > 1:
        raise NorrskenError(f"times must be one time or a 1-D sequence, got an array of shape {stamps.shape}")
    if not stamps.size:
        raise NorrskenError("no times given")
    if stamps.dtype.kind != "M":
        # Objects and strings one by one: to_utc refuses naive times and converts offsets.
        converted = [np.datetime64(to_utc(time).replace(tzinfo=None), "us") for time in stamps.ravel()]
        stamps = np.array(converted).reshape(stamps.shape)
    first, end = _EPHEMERIS_DATES64
    # Checked before the cast to nanoseconds, which would wrap dates beyond 2262 silently.
    bad = np.isnat(stamps) | (stamps < first) | (stamps >= end)
    if bad.any():
        check_within(to_utc(stamps[bad][0]), EPHEMERIS_DATES, "Sun and Moon positions (JPL DE421)")
    return stamps.astype("datetime64[ns]")


def skyfield_time(times: TimesLike):
    """A skyfield ``Time`` for ``times`` (see :func:`time_array`), an array ``Time`` for a sequence."""
    days, ns = np.divmod(time_array(times).astype("int64"), _NS_PER_DAY)
    # Whole days and the second of the day, so that skyfield applies each day's leap seconds.
    return timescale().utc(1970, 1, 1 + days, 0, 0, ns / 1e9)


@dataclasses.dataclass(frozen=True)
class SkyBodies:
    """Sun and Moon as seen from one place at one time.

    Attributes
    ----------
    sun_elevation_deg, sun_azimuth_deg, moon_elevation_deg, moon_azimuth_deg : float or ndarray
        Apparent topocentric positions, no refraction; azimuth clockwise from north.
    moon_illumination : float or ndarray
        Illuminated fraction of the Moon's disc, 0-1.
    """

    sun_elevation_deg: float | np.ndarray
    sun_azimuth_deg: float | np.ndarray
    moon_elevation_deg: float | np.ndarray
    moon_azimuth_deg: float | np.ndarray
    moon_illumination: float | np.ndarray

    @property
    def darkness(self) -> str:
        """``"day"``, ``"civil"``, ``"nautical"`` or ``"astronomical"`` twilight, or ``"night"``."""
        elevation = self.sun_elevation_deg  # an array (of one) when made for a sequence of times
        return darkness_class(elevation.item() if isinstance(elevation, np.ndarray) else elevation)


#: Sky darkness classes and the Sun elevations (deg) above which they hold: day above -0.833 deg
#: (upper limb with refraction), then civil, nautical and astronomical twilight to -6, -12 and
#: -18 deg; night below.
DARKNESS_LIMITS_DEG = ((-0.833, "day"), (-6.0, "civil"), (-12.0, "nautical"), (-18.0, "astronomical"))


def darkness_class(sun_elevation_deg: float) -> str:
    """Sky darkness from the Sun's elevation (see :data:`DARKNESS_LIMITS_DEG`)."""
    for limit, name in DARKNESS_LIMITS_DEG:
        if sun_elevation_deg > limit:
            return name
    return "night"


def sky_bodies(time: TimesLike, lat: float, lon: float, altitude_km: float = 0.0) -> SkyBodies:
    """Positions of the Sun and Moon for an observer at (``lat``, ``lon``, ``altitude_km``).

    One time gives floats; a sequence of times gives arrays in each field (one skyfield call).
    """
    checks.latitude(lat)
    t = skyfield_time(time)
    _, eph = _skyfield()
    here = eph["earth"] + wgs84.latlon(float(lat), float(lon), elevation_m=1000.0 * float(altitude_km))
    sun = here.at(t).observe(eph["sun"]).apparent()
    moon = here.at(t).observe(eph["moon"]).apparent()
    sun_el, sun_az, _ = sun.altaz()
    moon_el, moon_az, _ = moon.altaz()
    values = [sun_el.degrees, sun_az.degrees, moon_el.degrees, moon_az.degrees, moon.fraction_illuminated(eph["sun"])]
    return SkyBodies(*(float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float) for v in values))


def icrs_to_ecef(time: TimeLike) -> np.ndarray:
    """Rotation matrix (3, 3) from ICRS axes to Earth-fixed ITRS axes at one time: ``R @ v_icrs``.

    Precession, nutation and Earth rotation as skyfield applies them (no polar motion).
    """
    return itrs.rotation_at(skyfield_time(to_utc(time)))


def body_position_ecef_km(body: str, times: TimesLike) -> np.ndarray:
    """Apparent position of the Sun or the Moon from the Earth's centre, Earth-fixed (ITRS), km.

    Parameters
    ----------
    body
        ``"sun"`` or ``"moon"``.
    times
        One time or a 1-D sequence of times (see :func:`time_array`); one skyfield call for all.

    Returns
    -------
    numpy.ndarray
        Shape (3,) for one time, (n, 3) for n times.
    """
    if body not in ("sun", "moon"):
        raise NorrskenError(f"unknown body {body!r}: use 'sun' or 'moon'")
    t = skyfield_time(times)
    _, eph = _skyfield()
    km = eph["earth"].at(t).observe(eph[body]).apparent().frame_xyz(itrs).km
    return np.moveaxis(km, 0, -1)


@functools.lru_cache(maxsize=64)
def sun_direction_ecef(time: dt.datetime) -> np.ndarray:
    """Unit vector (3,) from the Earth's centre towards the apparent Sun, Earth-fixed, at ``time``
    (an aware UTC datetime; cached per time)."""
    position = body_position_ecef_km("sun", time)
    return position / np.linalg.norm(position)


def solar_zenith_deg(time: TimeLike, lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
    """Solar zenith angle (deg) at geodetic ``lat``, ``lon`` (any shapes that broadcast), one time.

    The angle between the local vertical of a spherical Earth and the apparent direction of the Sun
    from the Earth's centre (parallax, < 0.003 deg, and the geodetic-geocentric latitude difference,
    < 0.2 deg, neglected; no refraction). The Sun's direction is computed once per time (cached).
    """
    sun = sun_direction_ecef(to_utc(time))
    up = unit_vectors(lat, lon)
    return np.degrees(np.arccos(np.clip(up @ sun, -1.0, 1.0)))
