"""The geometry of a spherical Earth, written once: radius, angles, unit vectors, local frames.

norrsken's Earth is one sphere of :data:`EARTH_RADIUS_KM` (the difference between geodetic and
geocentric latitude, up to 0.19 deg, is ignored everywhere). Positions are Earth-centred
Earth-fixed (ECEF) km; local directions are East-North-Up (ENU) with azimuth clockwise from north
and elevation above the local horizontal; angles are degrees at the API.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from . import checks
from .errors import NorrskenError

#: Mean Earth radius, km (IUGG mean radius R1 = 6371.0 km, Moritz 2000, J. Geodesy 74, 128): the
#: one radius of norrsken's spherical Earth (gravity, oval cell areas, rendering).
EARTH_RADIUS_KM = 6371.0


def central_angle_deg(height_km: float, elevation_deg: float = 0.0) -> float:
    """Central angle (deg) between a ground observer and a point at ``height_km`` that it sees at
    ``elevation_deg``, on the sphere: acos(R cos(e) / (R + h)) - e.

    With e = 0 it is also the dip of the horizon seen from ``height_km``, and the angle from there
    to its horizon.
    """
    elevation = math.radians(elevation_deg)
    return math.degrees(math.acos(EARTH_RADIUS_KM * math.cos(elevation) / (EARTH_RADIUS_KM + height_km)) - elevation)


def unit_vectors(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> np.ndarray:
    """ECEF unit vectors (..., 3) of latitudes and longitudes (deg)."""
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def lat_lon(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (deg, longitude in [-180, 180]) of ECEF vectors (..., 3) of any length."""
    up = vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.degrees(np.arcsin(np.clip(up[..., 2], -1.0, 1.0))), np.degrees(np.arctan2(up[..., 1], up[..., 0]))


def enu_basis(lat_deg: float, lon_deg: float) -> np.ndarray:
    """Unit East, North and Up vectors (rows) in ECEF at a place.

    ``vectors_enu @ enu_basis(lat, lon)`` are ENU vectors in ECEF; ``vectors_ecef @ enu_basis(...).T``
    the reverse.
    """
    checks.latitude(lat_deg)
    checks.real("lon", lon_deg, unit="deg")
    la, lo = math.radians(lat_deg), math.radians(lon_deg)
    return np.array(
        [
            [-math.sin(lo), math.cos(lo), 0.0],
            [-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)],
            [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)],
        ]
    )


def wrap_azimuth(azimuth_deg: npt.ArrayLike) -> np.ndarray:
    """Azimuths folded into [0, 360)."""
    az = np.mod(azimuth_deg, 360.0)
    # A tiny negative input rounds up to exactly 360 in np.mod.
    return np.where(az >= 360.0, 0.0, az)


#: Compass directions as azimuths, deg.
COMPASS = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}


def compass_azimuth(look: str | float, name: str = "look") -> float:
    """Azimuth (deg, in [0, 360)) of a compass direction (``"north"``...) or of a number of degrees
    (a float or its text)."""
    if isinstance(look, str) and look.strip().lower() in COMPASS:
        return COMPASS[look.strip().lower()]
    try:
        value = float(look)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(look, bool) or not math.isfinite(value):
        raise NorrskenError(
            f"{name} must be one of {', '.join(COMPASS)} or an azimuth in degrees, got {look!r}", parameter=name
        )
    return float(wrap_azimuth(value))


def enu_from_direction(azimuth_deg: npt.ArrayLike, elevation_deg: npt.ArrayLike) -> np.ndarray:
    """ENU unit vectors (..., 3) of azimuths and elevations (deg)."""
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    return np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=-1)


def direction_from_enu(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth in [0, 360) and elevation (deg) of ENU vectors (..., 3) of any length."""
    east, north, up = v[..., 0], v[..., 1], v[..., 2]
    # atan2 keeps full precision near the zenith, where arcsin(up) would not.
    return wrap_azimuth(np.degrees(np.arctan2(east, north))), np.degrees(np.arctan2(up, np.hypot(east, north)))


def heading_deg(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, velocity_ecef: np.ndarray) -> np.ndarray:
    """Azimuth (deg from north) of the horizontal part of ECEF velocities (..., 3) at places."""
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    vx, vy, vz = velocity_ecef[..., 0], velocity_ecef[..., 1], velocity_ecef[..., 2]
    east = -np.sin(lo) * vx + np.cos(lo) * vy
    north = -np.sin(la) * np.cos(lo) * vx - np.sin(la) * np.sin(lo) * vy + np.cos(la) * vz
    return wrap_azimuth(np.degrees(np.arctan2(east, north)))


def ground_distance_km(origin_ecef_km: np.ndarray, rays_ecef: np.ndarray, radius_km: float = EARTH_RADIUS_KM) -> np.ndarray:
    """Distance along each unit ray (..., 3) from ``origin`` to the sphere of ``radius_km``, km;
    NaN for rays that miss it (or start inside it)."""
    b = rays_ecef @ origin_ecef_km
    c = origin_ecef_km @ origin_ecef_km - radius_km**2
    disc = b * b - c
    with np.errstate(invalid="ignore"):
        t = -b - np.sqrt(disc)
    return np.where((disc > 0.0) & (t > 0.0), t, np.nan)


def destination(
    lat_deg: float, lon_deg: float, distance_deg: npt.ArrayLike, azimuth_deg: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """The point ``distance_deg`` of arc from a place along the great circle leaving it at
    ``azimuth_deg``: latitude and longitude (deg, longitude in [-180, 180)); arrays broadcast."""
    la, lo = math.radians(lat_deg), math.radians(lon_deg)
    d, a = np.radians(distance_deg), np.radians(azimuth_deg)
    lat = np.arcsin(np.sin(la) * np.cos(d) + np.cos(la) * np.sin(d) * np.cos(a))
    lon = lo + np.arctan2(np.sin(a) * np.sin(d) * np.cos(la), np.cos(d) - np.sin(la) * np.sin(lat))
    return np.degrees(lat), (np.degrees(lon) + 180.0) % 360.0 - 180.0


def angular_distance_deg(up_a: np.ndarray, up_b: np.ndarray) -> np.ndarray:
    """Central angle (deg) between unit vectors, pairwise: (n, 3) x (m, 3) -> (n, m)."""
    return np.degrees(np.arccos(np.clip(up_a @ up_b.T, -1.0, 1.0)))


@dataclasses.dataclass(frozen=True)
class Region:
    """A latitude-longitude box, degrees, safe across the antimeridian.

    ``lon1`` lies in [-180, 180) and ``lon2`` is east of it by at most 360 deg (so it may exceed
    180: 170 to 190 is the box across the antimeridian). :meth:`parse` and :meth:`of` accept both
    spellings of such a box, ``170,190`` and ``170,-170``.
    """

    lat1: float
    lat2: float
    lon1: float
    lon2: float

    def __post_init__(self) -> None:
        values = dataclasses.astuple(self)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise NorrskenError(f"a region's bounds must be finite numbers, got {values}")
        if not -90.0 <= self.lat1 <= self.lat2 <= 90.0:
            raise NorrskenError(
                f"a region's latitudes must satisfy -90 <= LAT1 <= LAT2 <= 90, got {self.lat1:g}, {self.lat2:g}"
            )
        if not (-180.0 <= self.lon1 < 180.0 and self.lon1 <= self.lon2 <= self.lon1 + 360.0):
            raise NorrskenError(
                f"a region's longitudes must run east from LON1 (-180 to 180) to LON2, at most 360 deg on, "
                f"got {self.lon1:g}, {self.lon2:g}"
            )

    @classmethod
    def of(cls, lat1: float, lat2: float, lon1: float, lon2: float) -> Region:
        """The box from ``lon1`` east to ``lon2``: ``lon1`` is folded into [-180, 180), and a
        ``lon2`` west of it (``170, -170``) means across the antimeridian (``170, 190``); equal
        longitudes are one meridian."""
        values = (lat1, lat2, lon1, lon2)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise NorrskenError(f"a region's bounds must be finite numbers, got {values}")
        if not -180.0 <= lon1 <= 540.0 or not -180.0 <= lon2 <= 540.0:
            raise NorrskenError(f"a region's longitudes must lie from -180 to 540 degrees, got {lon1:g}, {lon2:g}")
        start = (float(lon1) + 180.0) % 360.0 - 180.0
        span = float(lon2) - float(lon1)
        if span < 0.0:
            span += 360.0
        return cls(float(lat1), float(lat2), start, start + span)

    @classmethod
    def coerce(cls, value: Region | Sequence[float]) -> Region:
        """A ``region=`` argument: a Region, or its four numbers (lat1, lat2, lon1, lon2) for :meth:`of`."""
        if isinstance(value, Region):
            return value
        if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 4:
            raise NorrskenError(
                f"a region is a Region or four numbers lat1, lat2, lon1, lon2, got {value!r}", parameter="region"
            )
        return cls.of(*value)

    @classmethod
    def parse(cls, text: str) -> Region:
        """``"LAT1,LAT2,LON1,LON2"`` (degrees) -> Region."""
        try:
            values = [float(part) for part in str(text).split(",")]
        except ValueError:
            values = []
        if len(values) != 4:
            raise NorrskenError(f"a region must look like LAT1,LAT2,LON1,LON2 in degrees, e.g. 50,72,-10,35, got {text!r}")
        return cls.of(*values)

    def contains(self, lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> np.ndarray:
        """Whether places (any longitudes) lie inside the box, edges included."""
        lat = np.asarray(lat_deg, dtype=float)
        east = np.mod(np.asarray(lon_deg, dtype=float) - self.lon1, 360.0)
        inside_lon = east <= self.lon2 - self.lon1
        if self.lon2 - self.lon1 >= 360.0:
            inside_lon = np.ones(east.shape, dtype=bool)
        return (lat >= self.lat1) & (lat <= self.lat2) & inside_lon

    def axes(self, resolution_deg: float) -> tuple[np.ndarray, np.ndarray]:
        """Grid latitudes and longitudes ``resolution_deg`` apart; longitudes increase from
        ``lon1`` (a box across the antimeridian keeps them increasing past 180)."""
        resolution_deg = checks.real("resolution_deg", resolution_deg, (0.05, 10.0), "deg")
        lat = np.arange(self.lat1, self.lat2 + 1e-9, resolution_deg)
        span = self.lon2 - self.lon1
        # A full circle would count its first meridian twice.
        lon = np.arange(self.lon1, self.lon2 + (1e-9 if span < 360.0 else -1e-9), resolution_deg)
        # Rounded, so that grid points are the numbers a user types (67.8, not 67.79999999999984).
        return np.round(lat, 9), np.round(lon, 9)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.lat1, self.lat2, self.lon1, self.lon2)
