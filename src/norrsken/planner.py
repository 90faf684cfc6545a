"""Aurora photo opportunities from orbit: when a satellite is in the dark with the aurora in sight.

For each time step the satellite's state comes from :mod:`norrsken.orbit`. While it is in the
Earth's shadow, the statistical oval of that moment (any oval model, Zhang & Paxton 2008 by
default, on a 1 deg grid, only in the cells in sight) is summed over the part of the 110 km
emission sphere the satellite can see: the auroral power in view (GW), and the power-weighted
direction of that light in the satellite's local frame (where to point the camera). The score of
a moment is the power in view; a pass is a stretch of consecutive dark steps with aurora in view,
and its best moment is its highest score.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence

import numpy as np
import xarray as xr

from . import checks, geomag, orbit
from .ephemeris import sky_bodies
from .errors import NorrskenError
from .geometry import EARTH_RADIUS_KM, Region, central_angle_deg, direction_from_enu, enu_basis, unit_vectors
from .precipitation.model import OvalModel
from .precipitation.oval import get_model, grid_axes
from .precipitation.products import cell_area_km2
from .times import DurationLike, TimeLike, duration_s, series, to_utc

#: Height of the light the planner looks for: the green peak (physics.md 10.2), km.
AURORA_HEIGHT_KM = geomag.DEFAULT_HEIGHT_KM
#: In the dark: the Sun's centre at least this far below the Earth's limb as seen from the
#: satellite, deg. Just past the shadow's edge the sunlit limb and the station's own structure
#: still glare; 2 deg is ~30 s of flight.
SHADOW_MARGIN_DEG = 2.0
#: Resolution of the oval in the planner, deg (a 1 deg oval keeps the power in view within ~1 %
#: of the 0.5 deg one while costing a quarter).
OVAL_RESOLUTION_DEG = 1.0
#: Least auroral power in view that makes a pass (GW): the oval model's tail never quite reaches
#: zero, so without a floor a satellite over the tropics would "see" 1e-7 GW. 0.5 GW is ~1 % of a
#: quiet hemisphere's power (HP ~ 40 GW at Kp 3).
MIN_POWER_GW = 0.5
#: Largest number of steps of one call.
MAX_STEPS = 20_000


@dataclasses.dataclass(frozen=True)
class Opportunity:
    """The best moment of one pass.

    Attributes
    ----------
    time : datetime
        UTC.
    lat, lon, altitude_km : float
        Sub-satellite point and altitude.
    power_gw : float
        Auroral power in view, GW (the score).
    azimuth_deg, elevation_deg : float
        Power-weighted direction of the aurora in the satellite's local frame: where to point.
    pass_start, pass_end : datetime
        The stretch of dark steps with aurora in view this moment belongs to.
    moon_elevation_deg, moon_illumination : float
        The Moon above the satellite's local horizontal (deg; below -limb it is behind the Earth)
        and its illuminated fraction: a bright Moon lights the Earth below and washes out faint aurora.
    """

    time: dt.datetime
    lat: float
    lon: float
    altitude_km: float
    power_gw: float
    azimuth_deg: float
    elevation_deg: float
    pass_start: dt.datetime
    pass_end: dt.datetime
    moon_elevation_deg: float
    moon_illumination: float


@dataclasses.dataclass(frozen=True)
class _Grid:
    """The planner's global grid at the aurora's height: unit vectors, areas, AACGM coordinates."""

    up: np.ndarray
    area_km2: np.ndarray
    mlat: np.ndarray
    mlon: np.ndarray


@functools.lru_cache(maxsize=4)
def _grid(month: str) -> _Grid:
    lat, lon = grid_axes(OVAL_RESOLUTION_DEG)
    mlat, mlon = geomag.grid_to_aacgm(lat, lon, month + "-01T00:00Z", AURORA_HEIGHT_KM)
    grid_lat, grid_lon = np.meshgrid(lat, lon, indexing="ij")
    area = cell_area_km2(lat, lon, EARTH_RADIUS_KM + AURORA_HEIGHT_KM)
    return _Grid(unit_vectors(grid_lat, grid_lon).reshape(-1, 3), area.ravel(), mlat.ravel(), mlon.ravel())


def aurora_in_view(
    time: TimeLike,
    lat: float,
    lon: float,
    altitude_km: float,
    *,
    indices=None,
    model: str | OvalModel | None = None,
) -> tuple[float, float, float]:
    """Auroral power in view of a satellite (GW) and its power-weighted azimuth and elevation (deg).

    The oval (``model``, default Zhang & Paxton 2008, driven by its own sources or ``indices``;
    1 deg cells at 110 km, as :func:`norrsken.precipitation.oval` computes it) is evaluated only
    in the cells the satellite can see.
    """
    lat, lon, altitude_km = checks.place(lat, lon, altitude_km, (0.0, 40000.0), "a satellite")
    moment = to_utc(time)
    chosen = get_model(model)
    drivers = chosen.drivers(moment, indices)
    grid = _grid(f"{moment:%Y-%m}")
    enu = enu_basis(lat, lon)
    # In sight: within the two horizon distances (satellite's and the light's) of each other.
    reach = np.radians(central_angle_deg(altitude_km) + central_angle_deg(AURORA_HEIGHT_KM))
    seen = np.flatnonzero(grid.up @ enu[2] > np.cos(reach))
    flux, _ = chosen.evaluate(grid.mlat[seen], geomag.mlt(grid.mlon[seen], moment), moment, drivers)
    lit = flux > 0.0
    if not lit.any():
        return 0.0, float("nan"), float("nan")
    power = flux[lit] * grid.area_km2[seen[lit]] * 1e3  # erg cm^-2 s^-1 = 1e3 W km^-2
    origin = (EARTH_RADIUS_KM + altitude_km) * enu[2]
    lines = (EARTH_RADIUS_KM + AURORA_HEIGHT_KM) * grid.up[seen[lit]] - origin
    lines /= np.linalg.norm(lines, axis=1, keepdims=True)
    azimuth, elevation = direction_from_enu((power @ lines) @ enu.T)
    return float(power.sum() / 1e9), float(azimuth), float(elevation)


def opportunities(
    satellite: orbit.Satellite,
    start: TimeLike,
    end: TimeLike,
    *,
    step: DurationLike = "60s",
    indices=None,
    model: str | OvalModel | None = None,
    region: Region | Sequence[float] | None = None,
) -> xr.Dataset:
    """Auroral power in view of ``satellite`` at each ``step`` from ``start`` to ``end``.

    Parameters
    ----------
    step
        A duration from 1 s to 1 day (``"60s"``, a ``timedelta``); at most :data:`MAX_STEPS` steps.
    indices, model
        The oval model and its index overrides (see :func:`aurora_in_view`).
    region
        A :class:`~norrsken.geometry.Region` or its (lat1, lat2, lon1, lon2) in degrees: only
        steps with the sub-satellite point in this box are scored (``lon2`` west of ``lon1``,
        e.g. 170, -170, is the box across the antimeridian).

    Returns
    -------
    xarray.Dataset
        Over ``time``: ``lat``, ``lon``, ``altitude_km``, ``sun_above_limb_deg``, ``dark`` (the
        Sun at least :data:`SHADOW_MARGIN_DEG` below the limb), ``scored`` (dark and inside the
        region), ``power_gw`` (0 where not scored), ``azimuth_deg`` and ``elevation_deg`` of the
        aurora (NaN without any in view).
    """
    box = None if region is None else Region.coerce(region)
    times = series(start, end, step, max_steps=MAX_STEPS)
    states = orbit.states(satellite, times)
    lat, lon = states["lat"].values, states["lon"].values
    dark = states["sun_above_limb_deg"].values < -SHADOW_MARGIN_DEG
    scored = dark & (np.ones(times.shape, dtype=bool) if box is None else box.contains(lat, lon))
    power = np.zeros(times.size)
    azimuth = np.full(times.size, np.nan)
    elevation = np.full(times.size, np.nan)
    for i in np.flatnonzero(scored):
        power[i], azimuth[i], elevation[i] = aurora_in_view(
            times[i].item().replace(tzinfo=dt.UTC),
            float(lat[i]),
            float(lon[i]),
            float(states["altitude_km"][i]),
            indices=indices,
            model=model,
        )
    return xr.Dataset(
        {
            "lat": ("time", lat, {"units": "degree_north"}),
            "lon": ("time", lon, {"units": "degree_east"}),
            "altitude_km": ("time", states["altitude_km"].values, {"units": "km"}),
            "sun_above_limb_deg": ("time", states["sun_above_limb_deg"].values, {"units": "degree"}),
            "dark": ("time", dark),
            "scored": ("time", scored, {"long_name": "dark and inside the region"}),
            "power_gw": ("time", power, {"units": "GW", "long_name": "auroral power in view"}),
            "azimuth_deg": ("time", azimuth, {"units": "degree"}),
            "elevation_deg": ("time", elevation, {"units": "degree"}),
        },
        coords={"time": ("time", times.astype("datetime64[ns]"))},
        attrs={"satellite": satellite.name, "step_s": duration_s(step), "aurora_height_km": AURORA_HEIGHT_KM},
    )


def check_min_power(min_power_gw: object) -> float:
    """``min_power_gw`` as a float: a finite number of GW, not negative."""
    number = checks.real("min_power_gw", min_power_gw)
    if number < 0.0:
        raise NorrskenError(f"min_power_gw must be 0 GW or more, got {number:g}", parameter="min_power_gw")
    return number


def best_per_pass(ds: xr.Dataset, min_power_gw: float = MIN_POWER_GW) -> list[Opportunity]:
    """The best moment of each pass (consecutive scored steps with more than ``min_power_gw`` in
    view), ranked by power, best first."""
    min_power_gw = check_min_power(min_power_gw)
    good = ds["scored"].values & (ds["power_gw"].values > min_power_gw)
    # Runs of consecutive good steps.
    edges = np.diff(np.concatenate([[0], good.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    times = ds["time"].values.astype("datetime64[ms]")
    found = []
    for first, stop in zip(starts, ends, strict=True):
        i = first + int(np.argmax(ds["power_gw"].values[first:stop]))
        moon = sky_bodies(to_utc(times[i]), float(ds["lat"][i]), float(ds["lon"][i]), float(ds["altitude_km"][i]))
        found.append(
            Opportunity(
                time=to_utc(times[i]),
                lat=float(ds["lat"][i]),
                lon=float(ds["lon"][i]),
                altitude_km=float(ds["altitude_km"][i]),
                power_gw=float(ds["power_gw"][i]),
                azimuth_deg=float(ds["azimuth_deg"][i]),
                elevation_deg=float(ds["elevation_deg"][i]),
                pass_start=to_utc(times[first]),
                pass_end=to_utc(times[stop - 1]),
                moon_elevation_deg=float(moon.moon_elevation_deg),
                moon_illumination=float(moon.moon_illumination),
            )
        )
    return sorted(found, key=lambda item: item.power_gw, reverse=True)
