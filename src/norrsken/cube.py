"""The oval cube: Q, E0 and the brightest line's column radiance on (time, lat, lon), one task per time.

Each time is an independent task (:func:`oval_step`, run by :func:`norrsken.tasks.as_finished`
here or on dask workers). A Zarr store grows in time order as the tasks finish, so an interrupted
run leaves a valid store of the first times; a NetCDF cube is written at the end (in memory until
then, at most :data:`MAX_NETCDF_BYTES`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from .drivers.kp import Indices
from .emission.sunlit import solar_zenith_to_shadow_height_km
from .emission.table import check_times, column_table
from .ephemeris import solar_zenith_deg
from .errors import NorrskenError
from .io import check_dataset_path, open_dataset, write_dataset, write_zarr
from .precipitation.model import OvalModel
from .precipitation.oval import get_model, grid_axes, oval
from .tasks import as_finished
from .times import iso_utc, time_unit, to_utc

#: Lines that compete for "brightest line" in an oval cube (the 1PG band is not a line).
CUBE_LINES = ("391.4", "427.8", "470.9", "557.7", "630.0", "636.4", "777.4", "844.6")
#: Long names of the oval models' drivers in a cube (others are named by their key).
_DRIVER_NAMES = {"kp": "planetary Kp"}
#: Hours of local time that share one column table (one atmosphere) in a hemisphere.
SECTOR_HOURS = 3.0
#: Largest oval cube kept in memory for a NetCDF file, bytes (Zarr cubes are streamed).
MAX_NETCDF_BYTES = 4 * 2**30


def oval_step(
    time: str, indices=None, model: str | OvalModel | None = None, resolution_deg: float = 0.5
) -> xr.Dataset:
    """One time of an oval cube: Q and E0 of the oval (``model``, default Zhang & Paxton 2008,
    driven by its own sources or ``indices``) and the column brightness of its brightest line,
    on (time, lat, lon), with the model's drivers on (time,).

    The column brightness uses one column table per hemisphere, :data:`SECTOR_HOURS` of local
    time and time: the atmosphere over the sector's peak energy flux. With O(3P) the main loss of
    O(1D) above 200 km and of the N2+ that sunlight excites, the red line and the sunlit blue
    follow the atomic oxygen high up, which changes with local time more than with latitude in
    the oval (one table per hemisphere put a soft column's 630.0 24 % and a sunlit 391.4 up to 82 %
    off the direct column). The N2+ lines add sunlight scattered above the Earth's shadow of each
    cell (:mod:`norrsken.emission.sunlit`), so in twilight and in the summer hemisphere a soft
    column's 391.4 nm can be the brightest.
    """
    chosen = get_model(model)
    ds = oval(time, model=chosen, indices=indices, resolution_deg=resolution_deg)
    flux, mean = ds["energy_flux_erg"].values, ds["mean_energy_kev"].values
    lat, lon = ds["lat"].values, ds["lon"].values
    cell_lat, cell_lon = np.meshgrid(lat, lon, indexing="ij")
    moment = to_utc(time)
    local_hour = (moment.hour + moment.minute / 60.0 + cell_lon / 15.0) % 24.0
    group = np.where(cell_lat > 0, 0, 100) + (local_hour // SECTOR_HOURS).astype(int)
    brightest = np.zeros(flux.shape, dtype=np.float32)
    which = np.full(flux.shape, np.nan, dtype=np.float32)
    wavelengths = np.array([float(key) for key in CUBE_LINES], dtype=np.float32)
    for key in np.unique(group[flux > 0]):
        lit = (group == key) & (flux > 0)
        peak = np.argmax(np.where(lit, flux, 0.0))
        table = column_table(time, float(cell_lat.flat[peak]), float(cell_lon.flat[peak]), indices=indices)
        shadow = solar_zenith_to_shadow_height_km(solar_zenith_deg(time, cell_lat[lit], cell_lon[lit]))
        radiance, _ = table.at(mean[lit], flux[lit], CUBE_LINES, shadow_height_km=shadow)
        best = np.argmax(radiance, axis=0)
        brightest[lit] = radiance[best, np.arange(best.size)]
        which[lit] = wavelengths[best]
    stamp = np.datetime64(ds.attrs["time"].rstrip("Z"), "ns")
    drivers = {
        name: ((), float(ds.attrs[name]), {"units": "", "long_name": _DRIVER_NAMES.get(name, name)})
        for name in chosen.needs
    }
    out = xr.Dataset(
        {
            "energy_flux_erg": ds["energy_flux_erg"].astype(np.float32),
            "mean_energy_kev": ds["mean_energy_kev"].astype(np.float32),
            "brightest_line_r": (
                ("lat", "lon"),
                brightest,
                {"units": "R", "long_name": "column brightness of the brightest auroral line (overhead)"},
            ),
            "brightest_line_nm": (
                ("lat", "lon"),
                which,
                {"units": "nm", "long_name": "air wavelength of the brightest line (NaN: no precipitation)"},
            ),
            **drivers,
        },
        coords={"lat": ds["lat"], "lon": ds["lon"]},
    )
    return out.expand_dims(time=[stamp])


def _cube_attrs(times: np.ndarray, indices: Indices, model: OvalModel, resolution_deg: float) -> dict:
    step_s = float((times[1] - times[0]) / np.timedelta64(1, "s")) if times.size > 1 else 0.0
    sources = model.drivers(times[0], indices).sources
    attrs = {
        "title": "norrsken auroral oval cube",
        "model": f"{model.reference}; column brightness from Fang et al. (2010) ionization and "
        "NRLMSIS 2.1 (norrsken.emission), one atmosphere per hemisphere, 3 h of local time and time",
        "model_name": model.name,
        **{f"{name}_source": source for name, source in sources.items()},
        "resolution_deg": float(resolution_deg),
        "step_s": step_s,
    }
    return attrs | {"fingerprint": _fingerprint([iso_utc(time) for time in times], attrs)}


def _fingerprint(stamps: list[str], attrs: dict) -> str:
    """What makes a cube: its times and its settings (a rerun with both equal may resume)."""
    text = json.dumps({"times": stamps, "attrs": attrs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _times_done(path: Path, stamps: list[str], fingerprint: str, overwrite: bool) -> int:
    """How many leading times of the cube are already in ``path`` (0 for a new or replaced one).

    An existing store made with other times or settings is refused unless ``overwrite``: it may be
    somebody's finished work, and a cube is slow to remake.
    """
    if overwrite or not path.exists():
        return 0
    try:
        old = xr.open_zarr(path, consolidated=False) if path.suffix.lower() == ".zarr" else open_dataset(path)
        same = old.attrs.get("fingerprint") == fingerprint
        kept = [iso_utc(time) for time in old["time"].values] if same else []
    except (OSError, ValueError, KeyError, NorrskenError):
        same, kept = False, []
    if not same or kept != stamps[: len(kept)]:
        raise NorrskenError(
            f"{str(path)!r} holds another cube (other times or settings): refusing to replace it",
            hint={"overwrite": "replace it"},
        )
    return len(kept)


def check_oval_series(
    times: np.ndarray,
    path: str | os.PathLike,
    *,
    indices=None,
    model: str | OvalModel | None = None,
    resolution_deg: float = 0.5,
    overwrite: bool = False,
) -> Path:
    """Check an oval cube's inputs before any work (and before starting workers); return the path.

    An existing cube of the same times and settings is fine (it is resumed); any other existing
    store is refused unless ``overwrite``.
    """
    path = check_dataset_path(path)
    lat, lon = grid_axes(resolution_deg)
    check_times(times, model=model, indices=indices, place=(65.0, 0.0))
    if time_unit(times) == "ms":
        raise NorrskenError("an oval cube's times must fall on whole seconds: use a step of whole seconds")
    if path.suffix.lower() != ".zarr" and times.size * lat.size * lon.size * 4 * 4 > MAX_NETCDF_BYTES:
        raise NorrskenError(f"a cube of {times.size} times is too large for one NetCDF file in memory: write .zarr")
    attrs = _cube_attrs(times, Indices.of(indices), get_model(model), resolution_deg)
    _times_done(path, [iso_utc(time) for time in times], attrs["fingerprint"], overwrite)
    return path


def oval_series(
    times: np.ndarray,
    path: str | os.PathLike,
    *,
    indices=None,
    model: str | OvalModel | None = None,
    resolution_deg: float = 0.5,
    client=None,
    on_done: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the oval cube (time, lat, lon) of ``times`` to NetCDF (``.nc``) or Zarr (``.zarr``).

    Each time is one task (on ``client``'s workers, or here); a Zarr store grows in time order as
    the tasks finish (the finished prefix is on disk if the run stops), a NetCDF file is written at
    the end. A rerun with the same times and settings resumes after the stored prefix (a finished
    cube is left as it is); another existing cube is refused unless ``overwrite``. ``on_done`` is
    called with (times done, times) as they finish.
    """
    path = check_oval_series(
        times, path, indices=indices, model=model, resolution_deg=resolution_deg, overwrite=overwrite
    )
    indices, model = Indices.of(indices), get_model(model)
    zarr = path.suffix.lower() == ".zarr"
    attrs = _cube_attrs(times, indices, model, resolution_deg)
    stamps = [iso_utc(time) for time in times]
    done: dict[int, xr.Dataset] = {}
    written = first = _times_done(path, stamps, attrs["fingerprint"], overwrite)
    if written == len(stamps):
        if on_done is not None:
            on_done(written, written)
        return path

    def finished(index: int, step: xr.Dataset) -> None:
        nonlocal written
        done[index] = step
        if zarr:
            while written in done:
                piece = done.pop(written).assign_attrs(attrs)
                write_zarr(piece, path, append_dim=None if written == 0 else "time")
                written += 1
        if on_done is not None:
            on_done(len(done) + written if zarr else len(done), len(stamps))

    calls = [(stamp, indices, model, resolution_deg) for stamp in stamps[first:]]
    for index, step in as_finished(client, oval_step, calls):
        finished(first + index, step)
    if not zarr:
        write_dataset(xr.concat([done[i] for i in range(len(stamps))], dim="time").assign_attrs(attrs), path)
    return path
