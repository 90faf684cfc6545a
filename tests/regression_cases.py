"""The fixed inputs of the pinned regression outputs (tests/data/regression/).

Each case builds one xarray Dataset of norrsken's own numbers; ``tools/make_regression.py``
writes them, ``test_regression.py`` recomputes and compares them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import xarray as xr

DATA = Path(__file__).parent / "data"
TIME = "2017-01-18T21:00Z"
TROMSO = (69.65, 18.96)
#: The GLOW reference's mean energies (keV), and three energy fluxes (erg cm-2 s-1).
with open(DATA / "glow_reference_public.csv", encoding="utf-8") as _file:
    GLOW_ENERGIES = [float(row["mean_energy_keV"]) for row in csv.DictReader(_file)]
FLUXES = (0.1, 1.0, 10.0)


def oval_2017_01_18t21() -> xr.Dataset:
    """Zhang & Paxton oval at 2017-01-18T21Z: hemispheric powers, the midnight edge, the maps every 2 deg."""
    from norrsken import edges, oval
    from norrsken.precipitation.products import oval_summary

    ds = oval(TIME)
    both = edges(ds, 0.5)
    summary = {h: oval_summary(ds, both[h][0]) for h in ("north", "south")}
    coarse = ds[["energy_flux_erg", "mean_energy_kev"]].isel(lat=slice(None, None, 4), lon=slice(None, None, 4))
    out = coarse.assign(
        hemispheric_power_gw=("hemisphere", [summary[h]["hemispheric_power_gw"] for h in ("north", "south")]),
        edge_midnight_mlat=("hemisphere", [summary[h]["boundary_midnight_mlat"] for h in ("north", "south")]),
        edge_midnight_lat=("hemisphere", [summary[h]["boundary_midnight_lat"] for h in ("north", "south")]),
        edge_midnight_lon=("hemisphere", [summary[h]["boundary_midnight_lon"] for h in ("north", "south")]),
        kp=((), float(ds.attrs["kp"])),
    )
    return out.assign_coords(hemisphere=["north", "south"]).drop_attrs()


def ovation_2017_01_18t21() -> xr.Dataset:
    """OVATION Prime oval at 2017-01-18T21Z from the embedded OMNI hours: its coupling, hemispheric
    powers, the midnight edges, Q, E0 and every type's energy flux every 2 deg."""
    from norrsken import edges, oval
    from norrsken.precipitation.ovation_prime import TYPES
    from norrsken.precipitation.products import oval_summary

    ds = oval(TIME, model="ovation")
    both = edges(ds, 0.5)
    summary = {h: oval_summary(ds, both[h][0]) for h in ("north", "south")}
    names = ["energy_flux_erg", "mean_energy_kev", *(f"{kind}_energy_flux_erg" for kind in TYPES)]
    coarse = ds[names].isel(lat=slice(None, None, 4), lon=slice(None, None, 4))
    out = coarse.assign(
        hemispheric_power_gw=("hemisphere", [summary[h]["hemispheric_power_gw"] for h in ("north", "south")]),
        edge_midnight_mlat=("hemisphere", [summary[h]["boundary_midnight_mlat"] for h in ("north", "south")]),
        dphi=((), float(ds.attrs["dphi"])),
    )
    return out.assign_coords(hemisphere=["north", "south"]).drop_attrs()


def column_glow_grid() -> xr.Dataset:
    """Column brightness and peak heights of every line for the GLOW mean energies x 0.1, 1, 10 erg, at GLOW's conditions."""
    from norrsken import column

    shape = (len(GLOW_ENERGIES), len(FLUXES))
    brightness, peak, ion_column, ion_peak = None, None, np.zeros(shape), np.zeros(shape)
    lines = None
    for i, energy in enumerate(GLOW_ENERGIES):
        for j, flux in enumerate(FLUXES):
            ds = column(TIME, 69.6, 19.0, energy, flux, indices={"f107": 75.0, "f107a": 75.0, "ap": 8.0})
            if brightness is None:
                lines = [str(key) for key in ds["line"].values]
                brightness, peak = np.zeros((*shape, len(lines))), np.zeros((*shape, len(lines)))
            brightness[i, j] = ds["brightness_r"].values
            peak[i, j] = ds["peak_altitude_km"].values
            ion_column[i, j] = float(ds["ionization_column_cm2_s"])
            ion_peak[i, j] = float(ds["ionization_peak_altitude_km"])
    dims = ("mean_energy_kev", "energy_flux_erg", "line")
    return xr.Dataset(
        {
            "brightness_r": (dims, brightness),
            "peak_altitude_km": (dims, peak),
            "ionization_column": (dims[:2], ion_column),
            "ionization_peak_altitude_km": (dims[:2], ion_peak),
        },
        coords={"mean_energy_kev": GLOW_ENERGIES, "energy_flux_erg": list(FLUXES), "line": lines},
    )


def sky_allsky_32() -> xr.Dataset:
    """A 32x32 all-sky brightness_r over Tromsø at 2017-01-18T21Z with the smooth oval (structure none)."""
    from norrsken import AllSkyCamera, sky

    ds = sky(TIME, *TROMSO, camera=AllSkyCamera(32, 32), structure="none")
    return ds[["brightness_r"]].drop_attrs()


def forecast_readme() -> xr.Dataset:
    """The README's forecast: Tromsø, 2017-01-18 15:00Z, 4 h in 60 min steps, offline."""
    from norrsken import forecast

    ds = forecast("2017-01-18T15:00Z", 69.65, 18.96, end="2017-01-18T19:00Z", step="60min")
    return ds.drop_attrs()


def passes_demo_day() -> xr.Dataset:
    """The demo's search: ISS passes over Europe on 2017-01-18 at 60 s steps, the best moment of each."""
    from norrsken import best_per_pass, iss, opportunities

    satellite = iss("2017-01-18T00:00Z")
    chances = opportunities(
        satellite, "2017-01-18T00:00Z", "2017-01-19T00:00Z", step="60s", region=(35.0, 72.0, -25.0, 45.0)
    )
    best = best_per_pass(chances)
    # Named as when the files were written (the dataclass fields are now lat and lon).
    numbers = {"lat_deg": "lat", "lon_deg": "lon", "altitude_km": "altitude_km", "power_gw": "power_gw",
               "azimuth_deg": "azimuth_deg", "elevation_deg": "elevation_deg"}  # fmt: skip
    return xr.Dataset(
        {name: ("rank", [getattr(item, field) for item in best]) for name, field in numbers.items()},
        coords={"time": ("rank", np.array([item.time.replace(tzinfo=None) for item in best], dtype="datetime64[ns]"))},
    ).assign(power_gw_per_step=("step", chances["power_gw"].values))


CASES = {
    "oval_2017_01_18t21": oval_2017_01_18t21,
    "ovation_2017_01_18t21": ovation_2017_01_18t21,
    "column_glow_grid": column_glow_grid,
    "sky_allsky_32": sky_allsky_32,
    "forecast_readme": forecast_readme,
    "passes_demo_day": passes_demo_day,
}


def oval_map(path: Path) -> None:
    """The polar map of the 2017-01-18T21Z oval (north), with edge and view line."""
    from norrsken import oval, plot

    plot(oval(TIME), path, hemisphere="north")


def column_plot(path: Path) -> None:
    """The VER profiles of a 4 keV, 5 erg column over Tromsø (the README's column plot)."""
    from norrsken import column, plot

    plot(column(TIME, 69.6, 19.0, 4.0, 5.0), path)


def forecast_plot(path: Path) -> None:
    """The plot of the README's forecast night (Tromsø from 2017-01-18 12Z, 24 h in 30 min steps)."""
    from norrsken import forecast, plot

    plot(forecast("2017-01-18T12:00Z", 69.65, 18.96), path)


IMAGE_CASES = {"oval_map": oval_map, "column_plot": column_plot, "forecast_plot": forecast_plot}
