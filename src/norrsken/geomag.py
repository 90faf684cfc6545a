"""Geographic <-> AACGM-v2 magnetic coordinates and magnetic local time.

AACGM-v2 (Shepherd 2014, JGR 119, 7501, doi:10.1002/2014JA020264) through ``aacgmv2``. Its
geographic-to-magnetic direction (G2A) is a coefficient fit to field-line tracing; the shipped
inverse fit (A2G) disagrees with it by up to ~0.15 deg. norrsken treats G2A as the definition and
refines A2G by a few fixed-point steps, so that round trips close to better than 1e-4 deg.

AACGM is undefined near the magnetic equator (field lines that never reach the reference height);
there the functions return NaN.

The mapping of a fixed geographic grid depends on time only through the slowly varying IGRF-based
coefficients, so :func:`grid_to_aacgm` caches it per calendar month (the pole moves ~0.1 deg per
year, < 0.01 deg within a month). MLT needs only the magnetic longitude of the subsolar point,
one scalar per time.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging

import numpy as np

from .cache import cache_dir
from .errors import NorrskenError, OutOfRangeError
from .times import TimeLike, to_utc

#: Reference altitude of the oval models and of the emission peak, km.
DEFAULT_HEIGHT_KM = 110.0
_REFINE_STEPS = 4


def check_latitude(lat: np.ndarray | float, name: str = "latitude") -> np.ndarray:
    """Return ``lat`` as a float array, or raise if any finite value is outside [-90, 90]."""
    arr = np.asarray(lat, dtype=float)
    bad = np.isfinite(arr) & (np.abs(arr) > 90.0)
    if bad.any():
        raise NorrskenError(f"{name} must lie between -90 and 90 degrees, got {arr[bad].flat[0]:g}")
    return arr


def _check_height(height_km: float) -> float:
    height_km = float(height_km)
    if not 0.0 <= height_km <= 2000.0:
        raise NorrskenError(f"AACGM-v2 coefficients are valid from 0 to 2000 km altitude, got {height_km:g} km")
    return height_km


def _naive(time: dt.datetime) -> dt.datetime:
    """aacgmv2 wants a naive datetime in UTC."""
    return time.astimezone(dt.UTC).replace(tzinfo=None)


def _convert(lat: np.ndarray, lon: np.ndarray, height_km: float, time: dt.datetime, code: str):
    import aacgmv2

    flat_lat, flat_lon = np.ravel(lat).astype(float), np.ravel(lon).astype(float)
    logger = logging.getLogger("aacgmv2")  # it logs (not raises) on out-of-range dates
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        out_lat, out_lon, _ = aacgmv2.convert_latlon_arr(flat_lat, flat_lon, height_km, _naive(time), method_code=code)
    except (RuntimeError, ValueError) as exc:
        raise OutOfRangeError(f"AACGM-v2 cannot convert at {time:%Y-%m-%d}: {exc}") from None
    finally:
        logger.setLevel(level)
    shape = np.shape(lat)
    return np.reshape(out_lat, shape), np.reshape(out_lon, shape)


def geo_to_aacgm(
    lat: np.ndarray | float, lon: np.ndarray | float, time: TimeLike, height_km: float = DEFAULT_HEIGHT_KM
) -> tuple[np.ndarray, np.ndarray]:
    """Geographic (geodetic) latitude/longitude to AACGM-v2 magnetic latitude/longitude, degrees.

    Broadcasts ``lat`` and ``lon``; NaN where AACGM is undefined.
    """
    lat, lon = np.broadcast_arrays(check_latitude(lat), np.asarray(lon, dtype=float))
    return _convert(lat, lon, _check_height(height_km), to_utc(time), "G2A")


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _latlon(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = v / np.linalg.norm(v, axis=0)
    return np.degrees(np.arcsin(np.clip(v[2], -1, 1))), np.degrees(np.arctan2(v[1], v[0]))


def aacgm_to_geo(
    mlat: np.ndarray | float, mlon: np.ndarray | float, time: TimeLike, height_km: float = DEFAULT_HEIGHT_KM
) -> tuple[np.ndarray, np.ndarray]:
    """AACGM-v2 magnetic latitude/longitude to geographic latitude/longitude, degrees.

    The exact inverse of :func:`geo_to_aacgm` (to ~1e-5 deg), found by correcting aacgmv2's inverse
    fit with the residual of the forward fit, on unit vectors so that poles and the date line need
    no special case.
    """
    mlat, mlon = np.broadcast_arrays(check_latitude(mlat, "magnetic latitude"), np.asarray(mlon, dtype=float))
    time, height_km = to_utc(time), _check_height(height_km)
    target = _unit(mlat, mlon)
    guess = np.asarray(_convert(mlat, mlon, height_km, time, "A2G"))
    first = _unit(*guess)
    # A2G(G2A(x)) = x + e(x) with a small, smooth error e; iterate x <- x + A2G(target) - A2G(G2A(x)).
    current = first
    for _ in range(_REFINE_STEPS):
        fwd_lat, fwd_lon = _convert(*_latlon(current), height_km, time, "G2A")
        current = current + (first - _unit(*_convert(fwd_lat, fwd_lon, height_km, time, "A2G")))
    out_lat, out_lon = _latlon(current)
    undefined = ~np.isfinite(guess[0]) | ~np.isfinite(target[0])
    return np.where(undefined, np.nan, out_lat), np.where(undefined, np.nan, out_lon)


@functools.lru_cache(maxsize=1)
def _subsolar_mlt_reference(time: dt.datetime) -> float:
    import aacgmv2

    return float(np.asarray(aacgmv2.convert_mlt(0.0, _naive(time), m2a=False)).ravel()[0])


def mlt(mlon: np.ndarray | float, time: TimeLike) -> np.ndarray:
    """Magnetic local time (hours, in [0, 24)) of magnetic longitude ``mlon`` at ``time``.

    Uses aacgmv2's definition (MLT = 12 h at the magnetic longitude of the subsolar point), evaluated
    once per time and applied as MLT = MLT(0) + mlon / 15.
    """
    reference = _subsolar_mlt_reference(to_utc(time))
    return np.mod(reference + np.asarray(mlon, dtype=float) / 15.0, 24.0)


def mlon_from_mlt(mlt_h: np.ndarray | float, time: TimeLike) -> np.ndarray:
    """Magnetic longitude (degrees, in [-180, 180)) at which the magnetic local time is ``mlt_h``."""
    reference = _subsolar_mlt_reference(to_utc(time))
    return np.mod((np.asarray(mlt_h, dtype=float) - reference) * 15.0 + 180.0, 360.0) - 180.0


def _grid_key(lat: np.ndarray, lon: np.ndarray, height_km: float, month: str) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(lat).tobytes() + np.ascontiguousarray(lon).tobytes())
    return f"aacgm-{month}-{height_km:g}km-{digest.hexdigest()[:12]}"


@functools.lru_cache(maxsize=8)
def _grid_cached(key: str, lat_bytes: bytes, lon_bytes: bytes, height_km: float, month_start: dt.datetime):
    path = cache_dir() / f"{key}.npz"
    if path.exists():
        with np.load(path) as z:
            return z["mlat"], z["mlon"]
    lat1 = np.frombuffer(lat_bytes)
    lon1 = np.frombuffer(lon_bytes)
    lat2, lon2 = np.meshgrid(lat1, lon1, indexing="ij")
    mlat, mlon = _convert(lat2, lon2, height_km, month_start, "G2A")
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, mlat=mlat, mlon=mlon)
    tmp.replace(path)
    return mlat, mlon


def grid_to_aacgm(
    lat: np.ndarray, lon: np.ndarray, time: TimeLike, height_km: float = DEFAULT_HEIGHT_KM
) -> tuple[np.ndarray, np.ndarray]:
    """AACGM latitude/longitude of the 2-D grid spanned by 1-D ``lat`` x ``lon``, cached per month.

    Returns arrays of shape ``(lat.size, lon.size)``. The first call for a month and grid computes
    and stores the mapping in the user cache dir; later calls (and processes) load it.
    """
    lat = np.ascontiguousarray(check_latitude(lat), dtype=float)
    lon = np.ascontiguousarray(lon, dtype=float)
    if lat.ndim != 1 or lon.ndim != 1:
        raise NorrskenError("grid_to_aacgm takes 1-D latitude and longitude axes")
    time = to_utc(time)
    height_km = _check_height(height_km)
    month_start = time.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    key = _grid_key(lat, lon, height_km, f"{month_start:%Y-%m}")
    mlat, mlon = _grid_cached(key, lat.tobytes(), lon.tobytes(), height_km, month_start)
    return mlat.copy(), mlon.copy()
