"""How often can the aurora be seen? Dark hours and naked-eye hours over a region and a season.

For every point of a latitude-longitude grid and every time step, the same judgement as
:func:`norrsken.forecast.forecast` makes for one place:

1. Dark: the Sun at least 6 deg below the horizon (:data:`~norrsken.forecast.DAYLIGHT_SUN_DEG`).
2. The brightest 557.7 nm light in the sky: the Zhang & Paxton (2008) oval at the step's Kp
   (embedded history, or an override), each column's brightness and emission height from the
   column table (:func:`norrsken.emission.table.column_table`), seen from the observer with the
   forecast's geometry, van Rhijn gain and extinction (:func:`norrsken.forecast.seen`), hidden
   below :data:`~norrsken.forecast.MIN_ELEVATION_DEG`.
3. Visible to the naked eye when that light reaches :data:`~norrsken.forecast.NAKED_EYE_R` times
   the twilight and moonlight factor (:func:`norrsken.forecast.threshold_factor`); to a camera at
   :data:`~norrsken.forecast.CAMERA_R` times it.

Two samplings differ from the single-place forecast, both to make a season over a continent
affordable: the sky's footprints are the cells of one 0.5 deg geographic grid shared by all the
observers of a block (the forecast uses a polar grid around each observer), and the atmosphere of
the column table is that of the night, at the block's local midnight (the forecast takes the
hour's). Within a night NRLMSIS changes the green column per unit flux by up to 10 % from dusk to
dawn, about +-5 % around its midnight value (docs/physics.md section 4).

Work is split into independent tasks of one block of observers (those sharing a column table's
5 x 15 deg cell) and a run of days, mapped over dask.distributed (:mod:`norrsken.batch`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from . import geomag
from .drivers import kp as kp_driver
from .batch import as_finished, check_times
from .emission.table import LAT_STEP_DEG, LON_STEP_DEG, column_table
from .ephemeris import body_position_ecef_km, sky_bodies
from .errors import NorrskenError
from .field import unit_vectors
from .forecast import CAMERA_R, DAYLIGHT_SUN_DEG, MIN_ELEVATION_DEG, NAKED_EYE_R, seen, threshold_factor
from .precipitation.zhang_paxton import evaluate, grid_axes
from .times import TimeLike, iso_utc, to_utc

#: Spacing of the footprint grid (the oval model's own 0.5 deg cells).
FOOTPRINT_RESOLUTION_DEG = 0.5
#: Farthest footprint that matters: light at 250 km sets below the horizon 15.7 deg of arc away.
REACH_DEG = geomag.central_angle_deg(250.0)
#: Days of one task.
CHUNK_DAYS = 7
#: Most observers in one task: with ~15 000 footprints in reach each, their distances and the
#: per-step temporaries stay within ~0.5 GB.
MAX_BLOCK_OBSERVERS = 1000
#: Largest grid and number of steps of one climatology.
MAX_POINTS = 200_000
MAX_STEPS = 200_000
_LINE = ("557.7",)


@dataclasses.dataclass(frozen=True)
class Region:
    """A latitude-longitude box, degrees; ``lon2`` may exceed 180 to cross the antimeridian."""

    lat1: float
    lat2: float
    lon1: float
    lon2: float

    @classmethod
    def parse(cls, text: str) -> Region:
        """``"LAT1,LAT2,LON1,LON2"`` -> Region, checked."""
        try:
            values = [float(part) for part in text.split(",")]
        except ValueError:
            values = []
        if len(values) != 4:
            raise NorrskenError(f"a region must look like LAT1,LAT2,LON1,LON2 in degrees, e.g. 50,72,-10,35, got {text!r}")
        return cls(*values).checked()

    def checked(self) -> Region:
        if not all(math.isfinite(v) for v in dataclasses.astuple(self)):
            raise NorrskenError(f"region bounds must be finite numbers, got {self}")
        if not -90.0 <= self.lat1 <= self.lat2 <= 90.0:
            raise NorrskenError(f"region latitudes must satisfy -90 <= LAT1 <= LAT2 <= 90, got {self.lat1:g}, {self.lat2:g}")
        if not (-180.0 <= self.lon1 <= self.lon2 <= 540.0 and self.lon2 - self.lon1 <= 360.0):
            raise NorrskenError(
                f"region longitudes must satisfy -180 <= LON1 <= LON2 with at most 360 deg between them, "
                f"got {self.lon1:g}, {self.lon2:g} (across the antimeridian write e.g. 170,190)"
            )
        return self

    def axes(self, resolution_deg: float) -> tuple[np.ndarray, np.ndarray]:
        """Grid latitudes and longitudes; longitudes increase from ``lon1`` (a box across the
        antimeridian keeps them increasing past 180, e.g. 170 to 190)."""
        if not 0.05 <= resolution_deg <= 10.0:
            raise NorrskenError(f"resolution must lie between 0.05 and 10 degrees, got {resolution_deg:g}")
        lat = np.arange(self.lat1, self.lat2 + 1e-9, resolution_deg)
        span = self.lon2 - self.lon1
        # A full circle would count its first meridian twice.
        lon = np.arange(self.lon1, self.lon2 + (1e-9 if span < 360.0 else -1e-9), resolution_deg)
        # Rounded, so that grid points are the numbers a user types (67.8, not 67.79999999999984).
        return np.round(lat, 9), np.round(lon, 9)


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
    lat: np.ndarray, lon: np.ndarray, times: np.ndarray, kp: float | None, cell: tuple[float, float]
) -> dict[str, np.ndarray]:
    """Steps that are dark, and dark with the aurora at the naked-eye and camera thresholds, for
    the observers ``lat`` x ``lon`` (1-D axes of one block) over ``times`` (datetime64).

    ``cell`` is the column-table cell of the block (its atmosphere). Returns int arrays
    (lat, lon) ``dark``, ``naked_eye``, ``camera``.
    """
    grid_lat, grid_lon = np.meshgrid(lat, lon, indexing="ij")
    up = unit_vectors(grid_lat, grid_lon).reshape(-1, 3)
    counts = {key: np.zeros(up.shape[0], dtype=np.int64) for key in ("dark", "naked_eye", "camera")}
    # Sun and Moon: apparent geocentric positions, one skyfield call each; the Sun's parallax
    # (9 arcsec) is ignored, the Moon's (up to 1 deg) is not.
    sun = body_position_ecef_km("sun", times)
    sun_el = np.degrees(np.arcsin(np.clip(up @ (sun / np.linalg.norm(sun, axis=1, keepdims=True)).T, -1, 1)))
    moon = body_position_ecef_km("moon", times)
    topocentric = moon[None, :, :] - geomag.EARTH_RADIUS_KM * up[:, None, :]
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
            distance = np.degrees(np.arccos(np.clip(up @ foot_up.T, -1.0, 1.0)))  # (observer, footprint)
        flux, mean = evaluate(foot_mlat, geomag.mlt(foot_mlon, moment), kp_driver.kp_at(moment, kp))
        lit = np.flatnonzero(flux > 0.0)
        if lit.size == 0:
            continue
        factor = threshold_factor(sun_el[here, t], moon_el[here, t], moon_lit[t])
        night = _local_midnight(time, cell[1])
        if night not in tables:
            tables[night] = column_table(night, *cell, **kp_driver.atmosphere_indices(night))
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


def _task(lat, lon, times, kp, cell, rows, cols):
    return rows, cols, block_counts(lat, lon, times, kp, cell)


@dataclasses.dataclass(frozen=True)
class Plan:
    """A checked climatology run: the grid, the time steps and the tasks (see :func:`plan`)."""

    region: Region
    lat: np.ndarray
    lon: np.ndarray
    times: np.ndarray
    step_minutes: float
    resolution_deg: float
    kp: float | None
    jobs: list


def plan(
    region: Region | tuple[float, float, float, float],
    start: TimeLike,
    end: TimeLike,
    *,
    resolution_deg: float = 1.0,
    step_minutes: float = 60.0,
    kp: float | None = None,
) -> Plan:
    """Check the inputs of :func:`climatology` and split its work into tasks, before any runs."""
    region = Region(*region).checked() if not isinstance(region, Region) else region.checked()
    if isinstance(step_minutes, bool) or not isinstance(step_minutes, int | float) or not 1 <= step_minutes <= 1440:
        raise NorrskenError(f"the time step must be 1 to 1440 minutes, got {step_minutes!r}")
    lat, lon = region.axes(resolution_deg)
    if lat.size * lon.size > MAX_POINTS:
        raise NorrskenError(f"{lat.size} x {lon.size} grid points; at most {MAX_POINTS}: use a coarser resolution")
    first, last = to_utc(start), to_utc(end)
    if last < first:
        raise NorrskenError(f"the end ({last:%Y-%m-%d %H:%M}) lies before the start ({first:%Y-%m-%d %H:%M})")
    count = int((last - first).total_seconds() // (step_minutes * 60.0)) + 1
    if count > MAX_STEPS:
        raise NorrskenError(f"{count} time steps; at most {MAX_STEPS}: use a longer step")
    times = np.datetime64(first.replace(tzinfo=None), "ms") + (
        np.arange(count) * step_minutes * 60e3
    ).astype("timedelta64[ms]")
    check_times(times, kp, (lat[0], lon[0]))  # outside the data: one clear error now, not in every task
    steps_per_chunk = max(1, int(CHUNK_DAYS * 1440 / step_minutes))
    chunks = [times[i : i + steps_per_chunk] for i in range(0, times.size, steps_per_chunk)]
    jobs = [
        (lat[rows], lon[cols], chunk, kp, cell, rows, cols)
        for cell, rows, cols in _blocks(lat, lon)
        for chunk in chunks
    ]
    return Plan(region, lat, lon, times, float(step_minutes), float(resolution_deg), kp, jobs)


def climatology(
    region: Region | tuple[float, float, float, float],
    start: TimeLike,
    end: TimeLike,
    *,
    resolution_deg: float = 1.0,
    step_minutes: float = 60.0,
    kp: float | None = None,
    client=None,
    on_progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Hours of darkness and of visible aurora at every point of a region between two times.

    Parameters
    ----------
    region
        (lat1, lat2, lon1, lon2) in degrees, or a :class:`Region`.
    start, end
        UTC times (``end`` included when it falls on a step); Kp comes from the embedded history
        unless ``kp`` is given.
    resolution_deg
        Grid spacing of the observers.
    step_minutes
        Time step; each dark step counts for this long.
    client
        A ``distributed.Client`` (see :func:`norrsken.batch.dask_client`): blocks of observers x
        weeks run as dask tasks; None runs them here.
    on_progress
        Called with (tasks done, tasks) as tasks finish.

    Returns
    -------
    xarray.Dataset
        On (lat, lon): ``dark_hours`` (Sun at least 6 deg down), ``naked_eye_hours`` and
        ``camera_hours`` (dark hours with the aurora expected at or above the forecast's naked-eye
        or camera threshold), ``naked_eye_fraction`` (of the dark hours; NaN without darkness).
        attrs: the region, times, step, Kp source, thresholds and method.
    """
    checked = plan(region, start, end, resolution_deg=resolution_deg, step_minutes=step_minutes, kp=kp)
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
            "title": "norrsken aurora climatology",
            "region": [region.lat1, region.lat2, region.lon1, region.lon2],
            "start": iso_utc(plan.times[0]),
            "end": iso_utc(plan.times[-1]),
            "steps": int(plan.times.size),
            "step_minutes": float(step_minutes),
            "resolution_deg": plan.resolution_deg,
            "kp_source": "override" if plan.kp is not None else "embedded CelesTrak history",
            "kp_override": float(plan.kp) if plan.kp is not None else "none",
            "naked_eye_r": NAKED_EYE_R,
            "camera_r": CAMERA_R,
            "min_elevation_deg": MIN_ELEVATION_DEG,
            "dark_sun_elevation_deg": DAYLIGHT_SUN_DEG,
            "model": "norrsken: Zhang & Paxton (2008) oval, Fang et al. (2010) ionization, NRLMSIS 2.1",
            "method": "forecast verdicts (norrsken.forecast) on a 0.5 deg footprint grid, nightly atmosphere",
        },
    )


def plot(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """A two-panel map: naked-eye hours and the fraction of dark hours they make, with coastlines."""
    from matplotlib.figure import Figure

    from .io import save_figure
    from .land import land_fraction

    lat, lon = ds["lat"].values, ds["lon"].values
    order = np.argsort(np.unwrap(np.radians(lon)))  # a box across the antimeridian stays in one piece
    lon_plot = np.degrees(np.unwrap(np.radians(lon)))[order]
    half = 0.5 * float(ds.attrs["resolution_deg"])
    # Cell edges (not centres), so that a single row or column of points still has area.
    lat_edges = np.append(lat - half, lat[-1] + half).clip(-90.0, 90.0)
    lon_edges = np.append(lon_plot - half, lon_plot[-1] + half)
    fig = Figure(figsize=(12.0, 5.2), dpi=110, facecolor="white")
    land_lat, land_lon, land = land_fraction(0.25)
    rows = (land_lat >= lat_edges[0] - 1) & (land_lat <= lat_edges[-1] + 1)
    # The mask's longitudes in the plot's (possibly unwrapped) range.
    shift = np.where(land_lon < lon_edges[0] - 1, 360.0, 0.0)
    cols = np.argsort(land_lon + shift)
    land_lon = (land_lon + shift)[cols]
    land = land[np.ix_(rows, cols)]
    land_lat = land_lat[rows]
    panels = (
        ("naked_eye_hours", "Hours of naked-eye aurora", "h", "magma"),
        ("naked_eye_fraction", "Fraction of the dark hours", "", "viridis"),
    )
    for position, (name, title, units, cmap) in zip((121, 122), panels, strict=True):
        ax = fig.add_subplot(position)
        mesh = ax.pcolormesh(lon_edges, lat_edges, ds[name].values[:, order], shading="flat", cmap=cmap)
        # Cyan coastlines stand out on both colour maps' dark and pale ends.
        ax.contour(land_lon, land_lat, land, levels=[0.5], colors=["#00e5ff"], linewidths=0.7)
        ax.set_xlim(lon_edges[0], lon_edges[-1])
        ax.set_ylim(lat_edges[0], lat_edges[-1])
        ax.set_aspect(1.0 / max(math.cos(math.radians(float(np.mean(lat)))), 0.2))
        ax.set_xlabel("longitude (deg E)")
        ax.set_ylabel("latitude (deg N)")
        ax.set_title(title, fontsize=11)
        fig.colorbar(mesh, ax=ax, shrink=0.8).set_label(units)
    fig.suptitle(
        f"Aurora climatology {ds.attrs['start'][:16]} to {ds.attrs['end'][:16]} UTC, "
        f"{ds.attrs['step_minutes']:g} min steps, Kp: {ds.attrs['kp_source']}\n"
        f"naked eye: >= {ds.attrs['naked_eye_r']:g} R of 557.7 nm seen (raised by twilight and Moon); "
        f"dark: Sun <= {ds.attrs['dark_sun_elevation_deg']:g} deg",
        fontsize=10,
    )
    return save_figure(fig, path, facecolor="white", bbox_inches="tight", pad_inches=0.2)
