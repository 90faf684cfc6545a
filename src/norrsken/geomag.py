"""Geographic <-> AACGM-v2 magnetic coordinates and magnetic local time.

AACGM-v2 (Shepherd 2014, JGR 119, 7501, doi:10.1002/2014JA020264) through ``aacgmv2``. Its
geographic-to-magnetic direction (G2A) is a coefficient fit to field-line tracing; the shipped
inverse fit (A2G) disagrees with it by up to ~0.15 deg. norrsken treats G2A as the definition and
refines A2G by a few fixed-point steps, so that round trips close to ~1e-5 deg; where they do
not (close to the band near the magnetic equator where AACGM is undefined) the result is NaN.

The mapping of a fixed geographic grid depends on time only through the slowly varying IGRF-based
coefficients, so :func:`grid_to_aacgm` caches it per calendar month (the pole moves ~0.1 deg per
year, < 0.01 deg within a month). MLT needs only the magnetic longitude of the subsolar point,
one scalar per time.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import numpy as np

from . import checks
from .cache import cache_key, cached_arrays, expect
from .checks import latitude as check_latitude  # noqa: F401
from .errors import NorrskenError, OutOfRangeError

# TEMPORARY during the refactor (removed before it lands): the old names of the geometry and checks.
from .geometry import EARTH_RADIUS_KM, central_angle_deg, lat_lon, unit_vectors  # noqa: F401
from .times import TimeLike, check_within, to_utc

#: Reference altitude of the oval models and of the emission peak, km.
DEFAULT_HEIGHT_KM = 110.0
#: Dates the aacgmv2 >= 2.7 coefficients cover (gufm1 from 1590, IGRF-14 with its secular
#: variation to 2030), start inclusive, end exclusive.
AACGM_DATES = (dt.datetime(1590, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
_REFINE_STEPS = 4
#: A refined inverse whose forward image misses the target by more than this (deg) is NaN.
_INVERSE_TOLERANCE_DEG = 1e-3


def _check_height(height_km: float) -> float:
    height_km = float(height_km)
    if not 0.0 <= height_km <= 2000.0:
        raise NorrskenError(f"AACGM-v2 coefficients are valid from 0 to 2000 km altitude, got {height_km:g} km")
    return height_km


def check_date(time: dt.datetime) -> None:
    """Refuse a time outside the years AACGM-v2 covers (one clear error, before any work)."""
    check_within(time, AACGM_DATES, "AACGM-v2 magnetic coordinates")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _convert(lat: np.ndarray, lon: np.ndarray, height_km: float, time: dt.datetime, code: str):
    """aacgmv2 on flat copies; its logged errors become exceptions instead of all-NaN output."""
    import aacgmv2

    check_date(time)
    shape = np.shape(lat)
    if not np.size(lat):
        return np.empty(shape), np.empty(shape)
    flat_lat = np.ravel(lat).astype(float)
    flat_lon = np.ravel(lon).astype(float)
    flat_lon = np.where(np.isfinite(flat_lon), flat_lon, np.nan)
    logger = logging.getLogger("aacgmv2_logger")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        with np.errstate(invalid="ignore"):
            out_lat, out_lon, _ = aacgmv2.convert_latlon_arr(
                flat_lat, flat_lon, height_km, time.replace(tzinfo=None), method_code=code
            )
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    if handler.messages:
        raise OutOfRangeError(f"AACGM-v2 failed at {time:%Y-%m-%d %H:%M} UTC: {handler.messages[0]}")
    return np.reshape(out_lat, shape), np.reshape(out_lon, shape)


def geo_to_aacgm(
    lat: np.ndarray | float, lon: np.ndarray | float, time: TimeLike, height_km: float = DEFAULT_HEIGHT_KM
) -> tuple[np.ndarray, np.ndarray]:
    """Geographic (geodetic) to AACGM-v2 magnetic latitude/longitude.

    Parameters
    ----------
    lat, lon
        Geodetic latitude and longitude, degrees (broadcast together; NaN passes through).
    time
        Timezone-aware UTC time, 1590-2029.
    height_km
        Altitude, 0-2000 km.

    Returns
    -------
    mlat, mlon : ndarray
        Magnetic latitude and longitude, degrees; NaN where AACGM is undefined.
    """
    lat, lon = np.broadcast_arrays(checks.latitude(lat), np.asarray(lon, dtype=float))
    return _convert(lat, lon, _check_height(height_km), to_utc(time), "G2A")


def aacgm_to_geo(
    mlat: np.ndarray | float, mlon: np.ndarray | float, time: TimeLike, height_km: float = DEFAULT_HEIGHT_KM
) -> tuple[np.ndarray, np.ndarray]:
    """AACGM-v2 magnetic to geographic latitude/longitude, the inverse of :func:`geo_to_aacgm`.

    aacgmv2's inverse fit is corrected with the residual of the forward fit, on unit vectors so
    that poles and the date line need no special case.

    Parameters
    ----------
    mlat, mlon
        Magnetic latitude and longitude, degrees (broadcast together).
    time
        Timezone-aware UTC time, 1590-2029.
    height_km
        Altitude, 0-2000 km.

    Returns
    -------
    lat, lon : ndarray
        Geodetic latitude and longitude, degrees; NaN where AACGM is undefined or the inverse does
        not close to 1e-3 deg (within a few degrees of the undefined band).
    """
    mlat, mlon = np.broadcast_arrays(checks.latitude(mlat, "magnetic latitude"), np.asarray(mlon, dtype=float))
    time, height_km = to_utc(time), _check_height(height_km)
    guess = _convert(mlat, mlon, height_km, time, "A2G")
    first = unit_vectors(*guess)
    # A2G(G2A(x)) = x + e(x) with a small, smooth error e; iterate x <- x + A2G(target) - A2G(G2A(x)).
    current = first
    for _ in range(_REFINE_STEPS):
        fwd_lat, fwd_lon = _convert(*lat_lon(current), height_km, time, "G2A")
        current = current + (first - unit_vectors(*_convert(fwd_lat, fwd_lon, height_km, time, "A2G")))
    lat, lon = lat_lon(current)
    check = unit_vectors(*_convert(lat, lon, height_km, time, "G2A"))
    miss = np.degrees(np.arccos(np.clip(np.sum(check * unit_vectors(mlat, mlon), axis=-1), -1, 1)))
    closed = miss < _INVERSE_TOLERANCE_DEG  # False for NaN
    return np.where(closed, lat, np.nan), np.where(closed, lon, np.nan)


@functools.lru_cache(maxsize=4)
def _subsolar_mlt_reference(time: dt.datetime) -> float:
    import aacgmv2

    check_date(time)
    naive = time.replace(tzinfo=None)
    # aacgmv2's MLT routine reuses the coefficients of the date its C library last set (up to 2e-4 h
    # off after a call for another date): set this date first, so the result depends on ``time``
    # alone and every process (every dask worker) computes the same MLT.
    aacgmv2.convert_latlon(80.0, 0.0, 0.0, naive, method_code="G2A")
    return float(np.asarray(aacgmv2.convert_mlt(0.0, naive, m2a=False)).ravel()[0])


def mlt(mlon: np.ndarray | float, time: TimeLike) -> np.ndarray:
    """Magnetic local time of magnetic longitude ``mlon`` at ``time``.

    Uses aacgmv2's definition (MLT = 12 h at the magnetic longitude of the subsolar point), evaluated
    once per time and applied as MLT = MLT(0) + mlon / 15.

    Returns
    -------
    ndarray
        Hours in [0, 24).
    """
    reference = _subsolar_mlt_reference(to_utc(time))
    return np.mod(reference + np.asarray(mlon, dtype=float) / 15.0, 24.0)


def mlon_from_mlt(mlt_h: np.ndarray | float, time: TimeLike) -> np.ndarray:
    """Magnetic longitude (degrees, in [-180, 180)) at which the magnetic local time is ``mlt_h``."""
    reference = _subsolar_mlt_reference(to_utc(time))
    return np.mod((np.asarray(mlt_h, dtype=float) - reference) * 15.0 + 180.0, 360.0) - 180.0


@functools.lru_cache(maxsize=8)
def _grid_cached(lat_bytes: bytes, lon_bytes: bytes, height_km: float, month_start: dt.datetime):
    import aacgmv2

    def build() -> dict[str, np.ndarray]:
        lat2, lon2 = np.meshgrid(np.frombuffer(lat_bytes), np.frombuffer(lon_bytes), indexing="ij")
        mlat, mlon = _convert(lat2, lon2, height_km, month_start, "G2A")
        return {"mlat": mlat, "mlon": mlon}

    def check(arrays: dict[str, np.ndarray]) -> None:
        lat = np.frombuffer(lat_bytes)
        shape = (lat.size, np.frombuffer(lon_bytes).size)
        mlat = expect(arrays, "mlat", shape=shape, low=-90.0, high=90.0, nan_ok=True)
        expect(arrays, "mlon", shape=shape, low=-180.0, high=180.0, nan_ok=True)
        # The dipole axis is ~10 deg from the rotation axis and AACGM within ~35 deg of geographic
        # latitude everywhere it is defined: a zeroed or shifted grid is caught here.
        if np.nanmax(np.abs(mlat - lat[:, None]), initial=0.0) > 45.0:
            raise ValueError("mlat is far from the geographic latitudes")

    key = cache_key(aacgmv2.__version__, f"{month_start:%Y-%m}", height_km, lat_bytes, lon_bytes)
    arrays = cached_arrays("aacgm-grid", key, build, check)
    return arrays["mlat"], arrays["mlon"]


def grid_to_aacgm(
    lat: np.ndarray, lon: np.ndarray, time: TimeLike, height_km: float = DEFAULT_HEIGHT_KM
) -> tuple[np.ndarray, np.ndarray]:
    """AACGM latitude/longitude of the 2-D grid spanned by 1-D ``lat`` x ``lon``, cached per month.

    Parameters
    ----------
    lat, lon
        1-D axes, degrees.
    time
        Timezone-aware UTC time; the mapping of the first instant of its calendar month is used.
    height_km
        Altitude, 0-2000 km.

    Returns
    -------
    mlat, mlon : ndarray, shape (lat.size, lon.size)
        The first call for a month and grid computes and stores the mapping in the user cache dir;
        later calls (and processes) load it.
    """
    lat = np.ascontiguousarray(checks.latitude(lat), dtype=float)
    lon = np.ascontiguousarray(lon, dtype=float)
    if lat.ndim != 1 or lon.ndim != 1:
        raise NorrskenError("grid_to_aacgm takes 1-D latitude and longitude axes")
    time = to_utc(time)
    check_date(time)
    month_start = time.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    mlat, mlon = _grid_cached(lat.tobytes(), lon.tobytes(), _check_height(height_km), month_start)
    return mlat.copy(), mlon.copy()


#: Dates IGRF-14 (Alken et al. 2025, Earth Planets Space) covers through ``ppigrf``: start
#: inclusive, end exclusive (its secular variation is valid to 2030).
IGRF_DATES = (dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 1, 1, tzinfo=dt.UTC))


def field_direction(
    lat: np.ndarray | float, lon: np.ndarray | float, time: TimeLike, height_km: float = DEFAULT_HEIGHT_KM
) -> np.ndarray:
    """Unit vector of the IGRF main field in local East-North-Up components.

    Auroral arcs and rays are sheets and threads along the field; the renderer maps every point
    of the shell down its field line to a footprint at :data:`DEFAULT_HEIGHT_KM` with this
    direction. The field of the day is used (secular variation matters, ~0.1 deg per year).

    Parameters
    ----------
    lat, lon
        Geodetic latitude and longitude, degrees (broadcast together).
    time
        Timezone-aware UTC time, 1900-2029.
    height_km
        Altitude, 0-2000 km.

    Returns
    -------
    ndarray, shape (..., 3)
        (east, north, up) components of B / |B|; in the north B points down (up < 0).
    """
    time = to_utc(time)
    check_within(time, IGRF_DATES, "the IGRF field direction")
    lat, lon = np.broadcast_arrays(np.asarray(checks.latitude(lat), dtype=float), np.asarray(lon, dtype=float))
    day = time.replace(hour=0, minute=0, second=0, microsecond=0)
    return _field_of_the_day(lat.tobytes(), lon.tobytes(), lat.shape, _check_height(height_km), day).copy()


@functools.lru_cache(maxsize=32)
def _field_of_the_day(lat_bytes: bytes, lon_bytes: bytes, shape: tuple, height_km: float, day: dt.datetime) -> np.ndarray:
    """IGRF unit vectors at the start of ``day``: within a day the field turns by ~0.0003 deg, and
    ppigrf parses its coefficient file on every call (~30 ms), which each frame of a night repeated."""
    import ppigrf

    lat, lon = np.frombuffer(lat_bytes).reshape(shape), np.frombuffer(lon_bytes).reshape(shape)
    b = np.stack([np.asarray(c)[0] for c in ppigrf.igrf(lon, lat, height_km, day.replace(tzinfo=None))], axis=-1)
    return b / np.linalg.norm(b, axis=-1, keepdims=True)
