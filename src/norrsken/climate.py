"""How often can the aurora be seen? Dark hours and naked-eye hours over a region and a season.

For every point of a latitude-longitude grid and every time step, the same judgement as
:func:`norrsken.visibility.forecast` makes for one place:

1. Dark: the Sun at least 6 deg below the horizon (:data:`~norrsken.visibility.DAYLIGHT_SUN_DEG`).
2. The brightest 557.7 nm light in the sky: the oval (Zhang & Paxton 2008 by default, any
   model of :mod:`norrsken.precipitation`) with the step's drivers (embedded history, or
   overrides), each column's brightness and emission height from the
   column table (:func:`norrsken.emission.table.column_table`), seen from the observer with the
   forecast's geometry, van Rhijn gain and extinction (:func:`norrsken.visibility.seen`), hidden
   below :data:`~norrsken.atmosphere.MIN_ELEVATION_DEG`. Sunlight scattered above the Earth's
   shadow brightens only the N2+ lines (:mod:`norrsken.emission.sunlit`), not 557.7 nm, so the
   column table is taken dark here: sunlit tops change no count.
3. Visible to the naked eye when that light reaches :data:`~norrsken.visibility.NAKED_EYE_R` times
   the twilight and moonlight factor (:func:`norrsken.visibility.threshold_factor`); to a camera at
   :data:`~norrsken.visibility.CAMERA_R` times it. The sky is the natural one: the towns' glow,
   which the single-place forecast counts, is a matter of where in the cell one stands.

Two samplings differ from the single-place forecast, both to make a season over a continent
affordable: the sky's footprints are the cells of one 0.5 deg geographic grid shared by all the
observers of a block (the forecast uses a polar grid around each observer), and the atmosphere of
the column table is that of the night, at the block's local midnight (the forecast takes the
hour's). Within a night NRLMSIS changes the green column per unit flux by up to 10 % from dusk to
dawn, about +-5 % around its midnight value (docs/physics.md section 4).

Work is split into independent tasks of one block of observers (those sharing a column table's
5 x 15 deg cell) and a run of days, mapped over dask.distributed (:mod:`norrsken.tasks`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Callable

import numpy as np
import xarray as xr

from . import geomag
from .atmosphere import MIN_ELEVATION_DEG
from .drivers import kp as kp_driver
from .emission.table import LAT_STEP_DEG, LON_STEP_DEG, check_times, column_table
from .ephemeris import body_position_ecef_km, sky_bodies
from .errors import NorrskenError
from .geometry import EARTH_RADIUS_KM, Region, angular_distance_deg, central_angle_deg, unit_vectors
from .precipitation.model import OvalModel
from .precipitation.oval import get_model, grid_axes
from .tasks import as_finished
from .times import DurationLike, TimeLike, duration_s, iso_utc, series
from .visibility import CAMERA_R, DAYLIGHT_SUN_DEG, NAKED_EYE_R, seen, threshold_factor

#: Spacing of the footprint grid (the oval model's own 0.5 deg cells).
FOOTPRINT_RESOLUTION_DEG = 0.5
#: Farthest footprint that matters: light at 250 km sets below the horizon 15.7 deg of arc away.
REACH_DEG = central_angle_deg(250.0)
#: Days of one task.
CHUNK_DAYS = 7
#: Most observers in one task: with ~15 000 footprints in reach each, their distances and the
#: per-step temporaries stay within ~0.5 GB.
MAX_BLOCK_OBSERVERS = 1000
#: Largest grid and number of steps of one climatology.
MAX_POINTS = 200_000
MAX_STEPS = 200_000
_LINE = ("557.7",)


def _blocks(lat: np.ndarray, lon: np.ndarray) -> list[tuple[tuple[float, float], np.ndarray, np.ndarray]]:
    """Grid indices grouped by the column-table cell (5 x 15 deg) of each point, as (cell, rows,
    columns); a cell with more than :data:`MAX_BLOCK_OBSERVERS` points is cut into bands of rows,
    which bounds a task's memory (observers x footprints distances, ~15 000 footprints each)."""
    cell_lat = LAT_STEP_DEG * np.round(lat / LAT_STEP_DEG)
    cell_lon = (LON_STEP_DEG * np.round(lon / LON_STEP_DEG) + 180.0) % 360.0 - 180.0
    blocks = []
    for a in np.unique(cell_lat):
        for b in np.unique(cell_lon):
            rows, cols = np.flatnonzero(cell_lat == a), np.flatnonzero(cell_lon == b)
            if not (rows.size and cols.size):
                continue
            band = max(1, MAX_BLOCK_OBSERVERS // cols.size)
            for start in range(0, rows.size, band):
                # Columns too, when one row alone is too long.
                step = min(cols.size, MAX_BLOCK_OBSERVERS)
                for first in range(0, cols.size, step):
                    blocks.append(((float(a), float(b)), rows[start : start + band], cols[first : first + step]))
    return blocks


@functools.lru_cache(maxsize=1)
def _gain_bound() -> float:
    """The largest column-to-seen factor at or above the minimum elevation, any height 80-500 km."""
    distance = np.linspace(0.0, REACH_DEG, 400)[None, :]
    height = np.linspace(80.0, 500.0, 43)[:, None]
    elevation, gain = seen(distance, np.broadcast_to(height, (43, 400))[None], _LINE)
    return float(np.where(elevation >= MIN_ELEVATION_DEG, gain, 0.0).max())


def _footprints(lat: np.ndarray, lon: np.ndarray, up: np.ndarray, month: str):
    """Footprint cells of the 0.5 deg grid within reach of any observer: their unit vectors and
    AACGM coordinates (the month's mapping, as the oval maps use)."""
    grid_lat, grid_lon = grid_axes(FOOTPRINT_RESOLUTION_DEG)
    rows = (grid_lat >= lat.min() - REACH_DEG - 0.5) & (grid_lat <= lat.max() + REACH_DEG + 0.5)
    grid_lat = grid_lat[rows]
    mlat, mlon = geomag.grid_to_aacgm(grid_lat, grid_lon, month + "-01T00:00Z")
    flat_lat, flat_lon = np.meshgrid(grid_lat, grid_lon, indexing="ij")
    foot_up = unit_vectors(flat_lat, flat_lon).reshape(-1, 3)
    near = (up @ foot_up.T).max(axis=0) >= math.cos(math.radians(REACH_DEG))
    return foot_up[near], mlat.ravel()[near], mlon.ravel()[near]


def _local_midnight(time: np.datetime64, lon: float) -> str:
    """The local (solar) midnight nearest to ``time`` at longitude ``lon``, as UTC ISO text."""
    offset = np.timedelta64(int(round(lon / 15.0 * 3600.0)), "s")
    day = (time + offset).astype("datetime64[D]")
    if time + offset - day >= np.timedelta64(12, "h"):
        day = day + np.timedelta64(1, "D")
    return np.datetime_as_string(day.astype("datetime64[s]") - offset, unit="s") + "Z"


def block_counts(
    lat: np.ndarray,
    lon: np.ndarray,
    times: np.ndarray,
    cell: tuple[float, float],
    *,
    indices=None,
    model: str | OvalModel | None = None,
) -> dict[str, np.ndarray]:
    """Steps that are dark, and dark with the aurora at the naked-eye and camera thresholds, for
    the observers ``lat`` x ``lon`` (1-D axes of one block) over ``times`` (datetime64).

    ``cell`` is the column-table cell of the block (its atmosphere); ``indices`` and ``model`` as
    for :func:`climatology`. Returns int arrays (lat, lon) ``dark``, ``naked_eye``, ``camera``.
    """
    chosen = get_model(model)
    grid_lat, grid_lon = np.meshgrid(lat, lon, indexing="ij")
    up = unit_vectors(grid_lat, grid_lon).reshape(-1, 3)
    counts = {key: np.zeros(up.shape[0], dtype=np.int64) for key in ("dark", "naked_eye", "camera")}
    # Sun and Moon: apparent geocentric positions, one skyfield call each; the Sun's parallax
    # (9 arcsec) is ignored, the Moon's (up to 1 deg) is not.
    sun = body_position_ecef_km("sun", times)
    sun_el = np.degrees(np.arcsin(np.clip(up @ (sun / np.linalg.norm(sun, axis=1, keepdims=True)).T, -1, 1)))
    moon = body_position_ecef_km("moon", times)
    topocentric = moon[None, :, :] - EARTH_RADIUS_KM * up[:, None, :]
    moon_el = np.degrees(
        np.arcsin(np.clip(np.einsum("oi,oti->ot", up, topocentric) / np.linalg.norm(topocentric, axis=2), -1, 1))
    )
    moon_lit = np.atleast_1d(sky_bodies(times, cell[0], cell[1]).moon_illumination)
    dark = sun_el <= DAYLIGHT_SUN_DEG  # (observer, time)
    counts["dark"] += dark.sum(axis=1)
    if not dark.any():
        return {key: value.reshape(grid_lat.shape) for key, value in counts.items()}

    month = None
    tables = {}
    bound = _gain_bound()
    for t, time in enumerate(times):
        here = np.flatnonzero(dark[:, t])
        if here.size == 0:
            continue
        moment = time.item().replace(tzinfo=dt.UTC)
        if f"{moment:%Y-%m}" != month:
            month = f"{moment:%Y-%m}"
            foot_up, foot_mlat, foot_mlon = _footprints(lat, lon, up, month)
            distance = angular_distance_deg(up, foot_up)  # (observer, footprint)
        drivers = chosen.drivers(moment, indices)
        flux, mean = chosen.evaluate(foot_mlat, geomag.mlt(foot_mlon, moment), moment, drivers)
        lit = np.flatnonzero(flux > 0.0)
        if lit.size == 0:
            continue
        factor = threshold_factor(sun_el[here, t], moon_el[here, t], moon_lit[t])
        night = _local_midnight(time, cell[1])
        if night not in tables:
            tables[night] = column_table(night, *cell, indices=indices)
        brightness, height = tables[night].at(mean[lit], flux[lit], _LINE)
        # Footprints too faint for the camera threshold even at the best geometry change no count.
        useful = np.flatnonzero(brightness[0] * bound >= CAMERA_R * factor.min())
        if useful.size == 0:
            continue
        lit, brightness, height = lit[useful], brightness[:, useful], height[:, useful]
        elevation, gain = seen(distance[np.ix_(here, lit)], height[:, None, :], _LINE)
        light = np.where(elevation[0] >= MIN_ELEVATION_DEG, brightness[0] * gain[0], 0.0).max(axis=1)
        counts["naked_eye"][here] += light >= NAKED_EYE_R * factor
        counts["camera"][here] += light >= CAMERA_R * factor
    return {key: value.reshape(grid_lat.shape) for key, value in counts.items()}


def _task(lat, lon, times, cell, indices, model, rows, cols):
    return rows, cols, block_counts(lat, lon, times, cell, indices=indices, model=model)


@dataclasses.dataclass(frozen=True)
class Plan:
    """A checked climatology run: the grid, the time steps and the tasks (see :func:`plan`)."""

    region: Region
    lat: np.ndarray
    lon: np.ndarray
    times: np.ndarray
    step_minutes: float
    resolution_deg: float
    indices: kp_driver.Indices
    model: OvalModel
    jobs: list


def plan(
    region: Region | tuple[float, float, float, float],
    start: TimeLike,
    end: TimeLike,
    *,
    resolution_deg: float = 1.0,
    step: DurationLike = "1h",
    indices=None,
    model: str | OvalModel | None = None,
) -> Plan:
    """Check the inputs of :func:`climatology` and split its work into tasks, before any runs."""
    region = Region.coerce(region)
    lat, lon = region.axes(resolution_deg)
    if lat.size * lon.size > MAX_POINTS:
        raise NorrskenError(
            f"{lat.size} x {lon.size} grid points; at most {MAX_POINTS}: use a coarser resolution",
            parameter="resolution_deg",
        )
    times = series(start, end, step, max_steps=MAX_STEPS, step_range_s=(60.0, 86400.0))
    step_minutes = duration_s(step) / 60.0
    indices, model = kp_driver.Indices.of(indices), get_model(model)
    # Outside the data: one clear error now, not in every task.
    check_times(times, model=model, indices=indices, place=(lat[0], lon[0]))
    steps_per_chunk = max(1, int(CHUNK_DAYS * 1440 / step_minutes))
    chunks = [times[i : i + steps_per_chunk] for i in range(0, times.size, steps_per_chunk)]
    jobs = [
        (lat[rows], lon[cols], chunk, cell, indices, model, rows, cols)
        for cell, rows, cols in _blocks(lat, lon)
        for chunk in chunks
    ]
    return Plan(region, lat, lon, times, step_minutes, float(resolution_deg), indices, model, jobs)


def climatology(
    region: Region | tuple[float, float, float, float],
    start: TimeLike,
    end: TimeLike,
    *,
    resolution_deg: float = 1.0,
    step: DurationLike = "1h",
    indices=None,
    model: str | OvalModel | None = None,
    client=None,
    on_progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Hours of darkness and of visible aurora at every point of a region between two times.

    Parameters
    ----------
    region
        A :class:`~norrsken.geometry.Region` or its (lat1, lat2, lon1, lon2) in degrees.
    start, end
        UTC times (``end`` included when it falls on a step).
    resolution_deg
        Grid spacing of the observers.
    step
        Time step, a duration from 1 min to 1 day (``"1h"``, a ``timedelta``); each dark step
        counts for this long.
    indices
        Index overrides for every step (:class:`~norrsken.drivers.kp.Indices` or a mapping such
        as ``{"kp": 5}``); default: the embedded history.
    model
        The oval model (:func:`~norrsken.precipitation.get_model`); default Zhang & Paxton (2008).
    client
        A ``distributed.Client`` (see :func:`norrsken.tasks.dask_client`): blocks of observers x
        weeks run as dask tasks; None runs them here.
    on_progress
        Called with (tasks done, tasks) as tasks finish.

    Returns
    -------
    xarray.Dataset
        On (lat, lon): ``dark_hours`` (Sun at least 6 deg down), ``naked_eye_hours`` and
        ``camera_hours`` (dark hours with the aurora expected at or above the forecast's naked-eye
        or camera threshold), ``naked_eye_fraction`` (of the dark hours; NaN without darkness).
        attrs: the region, times, step, the model and its drivers' sources, thresholds and method.
    """
    checked = plan(region, start, end, resolution_deg=resolution_deg, step=step, indices=indices, model=model)
    return run(checked, client, on_progress)


def run(plan: Plan, client=None, on_progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Run the tasks of a :func:`plan` (on ``client``'s workers, or here) and sum them up."""
    lat, lon, jobs, region, step_minutes = plan.lat, plan.lon, plan.jobs, plan.region, plan.step_minutes
    totals = {key: np.zeros((lat.size, lon.size), dtype=np.int64) for key in ("dark", "naked_eye", "camera")}

    def add(result) -> None:
        rows, cols, counts = result
        for key, value in counts.items():
            totals[key][np.ix_(rows, cols)] += value

    for done, (_, result) in enumerate(as_finished(client, _task, jobs), start=1):
        add(result)
        if on_progress is not None:
            on_progress(done, len(jobs))
    hours = step_minutes / 60.0
    # Where the drivers came from (history or override: the same for every step offline).
    sources = plan.model.drivers(plan.times[0], plan.indices).sources
    dark = totals["dark"] * hours
    naked = totals["naked_eye"] * hours
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(dark > 0, naked / np.where(dark > 0, dark, 1.0), np.nan)
    return xr.Dataset(
        {
            "dark_hours": (("lat", "lon"), dark, {"units": "h", "long_name": "hours with the Sun 6 deg or more below the horizon"}),
            "naked_eye_hours": (
                ("lat", "lon"),
                naked,
                {"units": "h", "long_name": "dark hours with aurora expected at the naked-eye threshold or above"},
            ),
            "camera_hours": (
                ("lat", "lon"),
                totals["camera"] * hours,
                {"units": "h", "long_name": "dark hours with aurora expected at the camera threshold or above"},
            ),
            "naked_eye_fraction": (
                ("lat", "lon"),
                fraction,
                {"units": "1", "long_name": "fraction of the dark hours with aurora visible to the naked eye"},
            ),
        },
        coords={
            "lat": ("lat", lat, {"units": "degree_north"}),
            "lon": ("lon", lon, {"units": "degree_east"}),
        },
        attrs={
            "product": "climatology",
            "title": "norrsken aurora climatology",
            "region": [region.lat1, region.lat2, region.lon1, region.lon2],
            "start": iso_utc(plan.times[0]),
            "end": iso_utc(plan.times[-1]),
            "steps": int(plan.times.size),
            "step_minutes": float(step_minutes),
            "resolution_deg": plan.resolution_deg,
            "model_name": plan.model.name,
            **{f"{name}_source": source for name, source in sources.items()},
            "kp_override": plan.indices.kp if plan.indices.kp is not None else "none",
            "naked_eye_r": NAKED_EYE_R,
            "camera_r": CAMERA_R,
            "min_elevation_deg": MIN_ELEVATION_DEG,
            "dark_sun_elevation_deg": DAYLIGHT_SUN_DEG,
            "model": f"norrsken: {plan.model.reference}; Fang et al. (2010) ionization; NRLMSIS 2.1",
            "method": "forecast verdicts (norrsken.visibility) on a 0.5 deg footprint grid, nightly atmosphere",
        },
    )
