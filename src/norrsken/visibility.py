"""Can I see the aurora from here? Brightness, direction and a verdict for a place over a night.

For each time step (30 min by default):

1. The oval model's drivers and where they came from (for Zhang & Paxton 2008, Kp: the user's,
   SWPC observed or forecast when online, else the embedded history), the Sun and the Moon
   (:mod:`ephemeris`).
2. The statistical oval (:func:`norrsken.precipitation.get_model`) at the footprints of a polar
   grid of sky directions around the observer, out to where light at 250 km sets below the
   horizon (15.7 deg of arc). The AACGM mapping of that grid is computed once; each step only turns the
   magnetic longitudes into MLT.
3. Each footprint's column brightness of 557.7, 630.0 and 427.8 nm and the height of its
   emission (the brightness-weighted mean altitude) come from the column table of the place and
   hour (:func:`norrsken.emission.table.column_table`: the emission table's VER per unit flux
   integrated over altitude, cached on its own, ~600 kB). In twilight the N2+ line 427.8 nm adds
   sunlight scattered above the Earth's shadow over the footprint (its solar zenith angle at the
   step, :mod:`norrsken.emission.sunlit`); that light sits high in the column, so its height,
   and with it the elevation at which the footprint's blue is seen, rises with it.
4. Seen from the observer, each column's light stands at its emission height above its
   footprint: elevation from the spherical geometry, brightness times the van Rhijn factor
   1 / sqrt(1 - (R cos(el) / (R + h))^2) of a horizontally extended layer, dimmed by the
   extinction of the air below (Kasten & Young 1989 air mass, :data:`LINE_EXTINCTION_MAG`). Light
   below :data:`MIN_ELEVATION_DEG` is hidden by terrain. Without extinction the van Rhijn gain
   would put the "brightest aurora" on the horizon whenever the oval reaches it; with it the
   brightest light seen sits where a watcher finds it, 10-40 deg up toward the oval.

The verdict compares the brightest 557.7 nm seen with thresholds (see :data:`VERDICTS`), raised
by twilight and moonlight.

:func:`nowcast` is the aurora now from NOAA SWPC's live solar wind: OVATION Prime now and when the
newest measured wind reaches Earth, and for a place the forecast up to then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
from collections.abc import Hashable
from typing import Any

import numpy as np
import xarray as xr

from . import checks, geomag
from .atmosphere import LINE_EXTINCTION_MAG, MIN_ELEVATION_DEG, transmission
from .color import SKY_LUMINANCE_CD, SKY_MAG_ARCSEC2
from .drivers import kp as kp_driver
from .drivers import solarwind
from .emission.sunlit import solar_zenith_to_shadow_height_km
from .emission.table import column_table
from .ephemeris import DARKNESS_LIMITS_DEG, darkness_class, sky_bodies, solar_zenith_deg
from .errors import NorrskenError, OutOfRangeError
from .geometry import EARTH_RADIUS_KM, central_angle_deg, destination
from .precipitation.model import Drivers, OvalModel
from .precipitation.oval import edges, get_model, oval
from .render import light_pollution as light_pollution_module
from .render.skyglow import van_rhijn
from .times import DurationLike, TimeLike, iso_utc, series, to_utc

#: Verdicts, from worst to best.
VERDICTS = ("daylight", "not visible", "camera only", "naked eye, low", "naked eye, high", "overhead")
#: 557.7 nm a dark-adapted eye notices in a dark sky, R: IBC I, ~1 kR (Hunten 1955; physics.md 10.3).
NAKED_EYE_R = 1000.0
#: 557.7 nm a camera records above the night sky, R: a few seconds at ISO 3200 and f/2.8 lift
#: ~200 R of green clearly above the ~250 R green airglow and the continuum.
CAMERA_R = 200.0
#: Naked-eye aurora is "low" below this elevation and "high" above it, deg.
HIGH_ELEVATION_DEG = 30.0
#: The column straight overhead counts as "overhead" aurora when it reaches the naked-eye threshold.
#: Darkness: with the Sun above -6 deg (civil twilight or day) the sky is too bright; in nautical
#: twilight (-12 to -6 deg) the sky is ~10x brighter than at night and in astronomical twilight
#: ~2x, so the thresholds rise by these factors. The Moon raises them by 1 + 4 k sin(h) for
#: illuminated fraction k at elevation h: a high full Moon brightens the sky ~16x (22 to 19 mag
#: arcsec^-2; Krisciunas & Schaefer 1991), and the threshold contrast of a large faint source
#: grows roughly as the square root of the background (de Vries-Rose), so ~4x more.
DAYLIGHT_SUN_DEG = -6.0
TWILIGHT_FACTOR = {"nautical": 10.0, "astronomical": 2.0, "night": 1.0}
MOON_FACTOR = 4.0
#: The sky grid: distances (deg of arc) out to the horizon of 250 km light, and azimuths.
_DISTANCE_STEP_DEG = 0.25
_AZIMUTH_STEP_DEG = 3.0
#: What the forecast reports: green (its verdicts), red and the N2+ blue that sunlit tops brighten.
_LINES = ("557.7", "630.0", "427.8")
#: Largest number of steps of one forecast.
MAX_STEPS = 2000


@dataclasses.dataclass(frozen=True)
class _SkyGrid:
    """Footprints around an observer: directions, distances, geographic and magnetic coordinates."""

    distance_deg: np.ndarray
    azimuth_deg: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    mlat: np.ndarray
    mlon: np.ndarray


@functools.lru_cache(maxsize=8)
def _sky_grid(lat: float, lon: float, month: str) -> _SkyGrid:
    reach = central_angle_deg(250.0)
    distance = np.arange(0.0, reach + 1e-9, _DISTANCE_STEP_DEG)
    azimuth = np.arange(0.0, 360.0, _AZIMUTH_STEP_DEG)
    d, a = np.meshgrid(distance, azimuth, indexing="ij")
    foot_lat, foot_lon = destination(lat, lon, d, a)
    mlat, mlon = geomag.geo_to_aacgm(foot_lat, foot_lon, month + "-01T00:00Z")
    return _SkyGrid(d, a, foot_lat, foot_lon, mlat, mlon)


def seen(
    distance_deg: np.ndarray, height_km: np.ndarray, lines: tuple[str, ...] = _LINES
) -> tuple[np.ndarray, np.ndarray]:
    """Elevation (deg) of light at ``height_km`` (line, ...) above a footprint ``distance_deg``
    away, and the factor from column to seen brightness: the van Rhijn gain of a layer at that
    height times the extinction (:data:`LINE_EXTINCTION_MAG`) of the air below."""
    gamma = np.radians(distance_deg)
    ratio = EARTH_RADIUS_KM / (EARTH_RADIUS_KM + height_km)
    elevation = np.degrees(np.arctan2(np.cos(gamma) - ratio, np.sin(gamma)))
    k = np.array([LINE_EXTINCTION_MAG[key] for key in lines]).reshape(-1, *([1] * (height_km.ndim - 1)))
    return elevation, van_rhijn(elevation, height_km) * transmission(elevation, k)


def verdict(green_r: float, elevation_deg: float, overhead_r: float, sun_elevation_deg: float, factor: float) -> str:
    """The verdict for the brightest green seen (R) at its elevation, the green straight overhead,
    the Sun's elevation and the threshold factor of twilight and moonlight."""
    if sun_elevation_deg > DAYLIGHT_SUN_DEG:
        return "daylight"
    if overhead_r >= NAKED_EYE_R * factor:
        return "overhead"
    if green_r >= NAKED_EYE_R * factor:
        return "naked eye, high" if elevation_deg >= HIGH_ELEVATION_DEG else "naked eye, low"
    if green_r >= CAMERA_R * factor:
        return "camera only"
    return "not visible"


def threshold_factor(sun_elevation_deg, moon_elevation_deg, moon_illumination, sky_factor=1.0):
    """How much twilight, moonlight and (``sky_factor``, :func:`sky_glow_factor`) the towns' sky
    glow raise the visibility thresholds (1 on a dark night; inf in daylight and civil twilight).
    Floats or broadcasting arrays."""
    sun = np.asarray(sun_elevation_deg, dtype=float)
    twilight = np.full(sun.shape, TWILIGHT_FACTOR["night"])
    for limit, name in reversed(DARKNESS_LIMITS_DEG):
        twilight = np.where(sun > limit, TWILIGHT_FACTOR.get(name, math.inf), twilight)
    moon = 1.0 + MOON_FACTOR * np.asarray(moon_illumination) * np.maximum(np.sin(np.radians(moon_elevation_deg)), 0.0)
    factor = twilight * moon * np.asarray(sky_factor, dtype=float)
    return float(factor) if factor.ndim == 0 else factor


def sky_glow_factor(lat: float, lon: float, time: TimeLike) -> tuple[float, dict]:
    """How much the towns' sky glow raises the thresholds at a place, and the zenith sky it makes.

    The threshold contrast of a large faint source grows as the square root of the background
    (de Vries-Rose, as for the Moon above): sqrt((L_natural + L_glow) / L_natural), with the
    natural dark sky of :data:`norrsken.color.SKY_LUMINANCE_CD` and the glow of
    :func:`norrsken.render.light_pollution.zenith_glow_cd`. A city centre (18 mag arcsec^-2,
    ~40x the natural sky) needs ~6x brighter aurora.
    """
    sky = light_pollution_module.zenith_sky(lat, lon, to_utc(time), SKY_LUMINANCE_CD)
    total = sky.pop("luminance_cd")
    return math.sqrt(total / SKY_LUMINANCE_CD), sky


def forecast(
    time: TimeLike,
    lat: float,
    lon: float,
    *,
    end: TimeLike | None = None,
    step: DurationLike = "30min",
    indices=None,
    model: str | OvalModel | None = None,
    online: bool = False,
    light_pollution: bool = True,
) -> xr.Dataset:
    """The aurora as seen from (``lat``, ``lon``) every ``step`` from ``time`` to ``end``.

    Parameters
    ----------
    time
        Timezone-aware UTC time of the first step.
    lat, lon
        Observer, degrees.
    end
        The last time (included when it falls on a step); default: 24 h after ``time``.
    step
        A duration from 1 min to 6 h (``"30min"``, ``"1h"``, a ``timedelta``).
    indices
        Index overrides for every step (what if; :class:`~norrsken.drivers.kp.Indices` or a
        mapping such as ``{"kp": 5}``); default: the model's own sources.
    model
        The oval model (:func:`~norrsken.precipitation.get_model`); default Zhang & Paxton (2008).
    online
        Ask NOAA SWPC first (the model's live drivers, and the solar wind and OVATION now for the
        ``now`` attribute), falling back to the embedded history; default: the history alone.

    Returns
    -------
    xarray.Dataset
        Over ``time``: the model's drivers and their sources (``kp``, ``kp_source``),
        ``sun_elevation_deg``, ``darkness``, ``moon_elevation_deg``, ``moon_illumination``,
        ``green_r``, ``red_r`` and ``blue_r`` (brightest 557.7, 630.0 and 427.8 nm seen, R; the
        blue with the sunlit N2+ of twilight), ``azimuth_deg`` and ``elevation_deg`` of the
        brightest green, ``red_azimuth_deg``/``red_elevation_deg`` and
        ``blue_azimuth_deg``/``blue_elevation_deg``, ``overhead_green_r`` (the column overhead),
        ``threshold_factor`` and ``verdict``; attrs ``zenith_mag_arcsec2``, ``bortle`` and
        ``sky_quality`` of the sky without aurora (with the towns' glow unless
        ``light_pollution=False``, which then leaves the thresholds alone).
    light_pollution
        Raise the thresholds for the sky glow of the towns around (:func:`sky_glow_factor`).
    """
    lat, lon, _ = checks.place(lat, lon, 0.0, (0.0, 0.0), "a forecast")
    online = checks.flag("online", online)
    chosen = get_model(model)
    first = to_utc(time)
    last = first + dt.timedelta(hours=24) if end is None else end
    times = series(first, last, step, max_steps=MAX_STEPS, step_range_s=(60.0, 21600.0))
    bodies = sky_bodies(times, lat, lon)
    grid = _sky_grid(round(lat, 4), round(lon, 4), f"{first:%Y-%m}")
    given = kp_driver.Indices.of(indices).as_dict()
    live, now, problem = False, None, None
    if online:
        # Lazy: httpx and pandas (~0.1 s of imports) only when SWPC is asked.
        from .drivers.swpc import conditions_now

        now = conditions_now(lat, lon)
        if not all(given.get(name) is not None for name in chosen.needs):
            live, problem = _reach_swpc()
    glow, sky = sky_glow_factor(lat, lon, first)
    if not checks.flag("light_pollution", light_pollution):
        glow, sky = 1.0, {"zenith_mag_arcsec2": SKY_MAG_ARCSEC2, "bortle": 1, "sky_quality": "natural sky"}
    rows = [
        _step(moment.item().replace(tzinfo=dt.UTC), lat, lon, grid, chosen, indices, live, problem, bodies, i, glow)
        for i, moment in enumerate(times)
    ]
    columns = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    units = {name: "" for name in chosen.needs} | {"green_r": "R", "red_r": "R", "blue_r": "R", "overhead_green_r": "R"}
    return xr.Dataset(
        {
            key: ("time", values, {"units": units.get(key, "degree" if key.endswith("_deg") else "")})
            for key, values in columns.items()
        },
        coords={"time": ("time", times.astype("datetime64[ns]"))},
        attrs={
            "product": "forecast",
            "lat": lat,
            "lon": lon,
            "model": f"norrsken: {chosen.reference}; Fang et al. (2010) ionization; NRLMSIS 2.1",
            "model_name": chosen.name,
            "naked_eye_r": NAKED_EYE_R,
            "camera_r": CAMERA_R,
            "min_elevation_deg": MIN_ELEVATION_DEG,
            "high_elevation_deg": HIGH_ELEVATION_DEG,
            "atmosphere": _atmosphere_note(times[-1].item().replace(tzinfo=dt.UTC)),
            **sky,
            # The solar wind and OVATION right now, with each product's time and stale flag.
            "now": json.dumps(now if now is not None else {"offline": True}),
        },
    )


def _atmosphere_note(last_time: dt.datetime) -> str:
    end = kp_driver.covered_range()[1]
    if last_time < end:
        return "NRLMSIS 2.1 with F10.7 and Ap of each day from the embedded history"
    return f"NRLMSIS 2.1; beyond the embedded history ({end:%Y-%m-%d}) with F10.7 and Ap of its last day"


def _reach_swpc() -> tuple[bool, str | None]:
    """Download SWPC's observed and forecast Kp once (later steps read the fresh cache): whether
    the steps may ask SWPC, and if not why, for every step's driver sources."""
    from .drivers.swpc import SwpcUnavailable, fetch  # lazy: see forecast()

    try:
        for name in ("kp", "kp_forecast"):
            fetch(name)
    except SwpcUnavailable as exc:
        return False, f"SWPC unreachable: {exc.reason}"
    return True, None


def _drivers(chosen: OvalModel, time: dt.datetime, indices, live: bool, problem: str | None) -> Drivers:
    """The model's drivers at one step; with ``problem`` (SWPC unreachable) from its offline
    sources, each source saying why."""
    try:
        drivers = chosen.drivers(time, indices, online=live)
    except OutOfRangeError as exc:
        if problem is None:
            raise
        raise OutOfRangeError(f"{exc.message} ({problem})", hint=exc.hint) from None
    if problem is None:
        return drivers
    return Drivers(drivers.values, {name: f"{source} ({problem})" for name, source in drivers.sources.items()})


def _step(time, lat, lon, grid: _SkyGrid, chosen: OvalModel, indices, live, problem, bodies, i, glow: float) -> dict:
    drivers = _drivers(chosen, time, indices, live, problem)
    sun, moon = float(bodies.sun_elevation_deg[i]), float(bodies.moon_elevation_deg[i])
    illumination = float(bodies.moon_illumination[i])
    row: dict[str, Any] = {}  # numbers and texts (the drivers' sources, darkness, verdict)
    for name in chosen.needs:
        row[name] = drivers[name]
        row[f"{name}_source"] = drivers.sources[name]
    row |= {
        "sun_elevation_deg": sun,
        "darkness": darkness_class(sun),
        "moon_elevation_deg": moon,
        "moon_illumination": illumination,
    }
    flux, mean = chosen.evaluate(grid.mlat, geomag.mlt(grid.mlon, time), time, drivers)
    lit = flux > 0.0
    table = column_table(time, lat, lon, indices=indices)
    brightness = np.zeros((len(_LINES), *flux.shape))
    heights = np.full((len(_LINES), *flux.shape), 110.0)
    shadow = solar_zenith_to_shadow_height_km(solar_zenith_deg(time, grid.lat[lit], grid.lon[lit]))
    brightness[:, lit], heights[:, lit] = table.at(mean[lit], flux[lit], _LINES, shadow_height_km=shadow)
    elevation, gain = seen(grid.distance_deg, heights)
    light = np.where(elevation >= MIN_ELEVATION_DEG, brightness * gain, 0.0)
    for k, key in enumerate(("green", "red", "blue")):
        j = np.unravel_index(np.argmax(light[k]), light[k].shape)
        prefix = "" if key == "green" else f"{key}_"
        row[f"{key}_r"] = float(light[k][j])
        row[f"{prefix}azimuth_deg"] = float(grid.azimuth_deg[j]) if light[k][j] > 0 else math.nan
        row[f"{prefix}elevation_deg"] = float(elevation[k][j]) if light[k][j] > 0 else math.nan
    # Straight overhead: the column itself, through one air mass.
    row["overhead_green_r"] = float(brightness[0, 0].max() * transmission(90.0, LINE_EXTINCTION_MAG["557.7"]))
    factor = threshold_factor(sun, moon, illumination, glow)
    row["threshold_factor"] = factor
    row["verdict"] = verdict(row["green_r"], row["elevation_deg"], row["overhead_green_r"], sun, factor)
    return row


def summary(ds: xr.Dataset) -> dict:
    """The forecast as plain JSON-ready data: the place, the thresholds, one record per step and
    the best of them (``None`` when every step is in daylight)."""

    def clean(value):
        if isinstance(value, float | np.floating):
            return None if not math.isfinite(value) else round(float(value), 3)
        return value.item() if isinstance(value, np.generic) else value

    steps = []
    for i in range(ds.sizes["time"]):
        record: dict[Hashable, Any] = {"time": iso_utc(ds["time"].values[i])}
        record.update({key: clean(ds[key].values[i]) for key in ds.data_vars})
        steps.append(record)
    # The best step is the best verdict, then the brightest green; a daylight step never is.
    dark = [step for step in steps if step["verdict"] != "daylight"]
    best = max(dark, key=lambda step: (VERDICTS.index(step["verdict"]), step["green_r"] or 0.0), default=None)
    return {
        "lat": ds.attrs["lat"],
        "lon": ds.attrs["lon"],
        "atmosphere": ds.attrs["atmosphere"],
        "sky": {key: ds.attrs[key] for key in ("zenith_mag_arcsec2", "bortle", "sky_quality")},
        "now": json.loads(ds.attrs["now"]),
        "thresholds": {
            "naked_eye_r": NAKED_EYE_R,
            "camera_r": CAMERA_R,
            "min_elevation_deg": MIN_ELEVATION_DEG,
            "high_elevation_deg": HIGH_ELEVATION_DEG,
        },
        "best": best,
        "steps": steps,
    }


def nowcast(lat: float | None = None, lon: float | None = None, *, now: TimeLike | None = None) -> dict:
    """The aurora now, from NOAA SWPC's real-time solar wind and OVATION Prime.

    Parameters
    ----------
    lat, lon
        A place for its forecast and probability of visible aurora (both or neither), degrees.
    now
        The clock (default: the computer's), UTC.

    Returns
    -------
    dict
        ``now``; ``solar_wind``: the newest hourly means at L1 (``speed_km_s``, ``density_cm3``,
        ``by_gsm_nt``, ``bz_gsm_nt``), ``observed`` (the newest measurement), ``lag_min`` and
        ``arrival`` (when it reaches Earth), ``stale``, ``source``; ``ovals``: per moment (now, the
        arrival) ``time``, ``dphi``, ``dphi_source``, the hemispheric powers and the equatorward
        edge at magnetic midnight; with a place, ``place``: ``probability_percent`` of visible
        aurora at the arrival (approximate SWPC conversion) and ``forecast``, the
        :func:`summary` of :func:`forecast` from now to the arrival every 15 min.

    Raises
    ------
    norrsken.drivers.swpc.SwpcUnavailable, norrsken.drivers.solarwind.SolarWindGap
        Where SWPC cannot be reached, or its solar wind does not reach the present.
    """
    if (lat is None) != (lon is None):
        raise NorrskenError("a nowcast for a place needs both lat and lon", parameter="lat" if lat is None else "lon")
    if lat is not None:
        lat, lon, _ = checks.place(lat, lon, 0.0, (0.0, 0.0), "a nowcast")
    moment = to_utc(now) if now is not None else dt.datetime.now(dt.UTC)
    live = solarwind.live_wind(now=moment)
    valid = np.flatnonzero(live.hours.valid())
    newest = int(valid[-1])
    moments = [moment] + ([live.arrival] if live.arrival > moment else [])
    ovals = []
    for time in moments:
        ds = oval(time, model="ovation", online=True, probability=True, resolution_deg=1.0)
        boundary, _ = edges(ds, hemispheres=("north",))["north"]
        ovals.append(
            {
                "time": ds.attrs["time"],
                "dphi": round(float(ds.attrs["dphi"]), 1),
                "dphi_source": ds.attrs["dphi_source"],
                "hemispheric_power_north_gw": round(ds.attrs["hemispheric_power_north_gw"], 2),
                "hemispheric_power_south_gw": round(ds.attrs["hemispheric_power_south_gw"], 2),
                "boundary_midnight_mlat": _rounded(float(boundary["mlat"].sel(mlt=0.0))),
            }
        )
    out: dict[str, Any] = {
        "now": _iso(moment),
        "solar_wind": {
            "speed_km_s": round(float(live.hours.speed[newest]), 1),
            "density_cm3": round(float(live.hours.density[newest]), 2),
            "by_gsm_nt": round(float(live.hours.by[newest]), 2),
            "bz_gsm_nt": round(float(live.hours.bz[newest]), 2),
            "observed": _iso(live.observed),
            "lag_min": round(live.lag.total_seconds() / 60.0, 1),
            "arrival": _iso(live.arrival),
            "stale": live.stale,
            "source": live.source,
        },
        "ovals": ovals,
    }
    if lat is not None and lon is not None:
        cell = ds["aurora_probability_percent"].sel(lat=lat, lon=lon, method="nearest")
        end = max(moments[-1], moment + dt.timedelta(minutes=15))
        ahead = forecast(moment, lat, lon, end=end, step="15min", model="ovation", online=True)
        out["place"] = {"lat": lat, "lon": lon, "probability_percent": round(float(cell), 1), "forecast": summary(ahead)}
    return out


def _iso(time: dt.datetime) -> str:
    return time.isoformat().replace("+00:00", "Z")


def _rounded(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None
