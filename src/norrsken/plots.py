"""Every figure norrsken draws, in one place: ``plot(dataset, path)`` for any product.

A product Dataset says what it is in ``attrs["product"]`` (``oval``, ``column``, ``forecast``,
``climatology``); :func:`figure` draws it as a :class:`matplotlib.figure.Figure` (not attached to
pyplot, so nothing global is left open) and :func:`plot` writes it through
:func:`norrsken.io.save_figure`. Keyword options go to the product's figure (the oval map takes
``hemisphere``, ``threshold_erg`` and precomputed ``boundary``/``view``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal, cast

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.projections.polar import PolarAxes

from . import checks, geomag
from .emission.lines import LINES
from .errors import NorrskenError
from .io import save_figure
from .land import land_fraction
from .precipitation import edges
from .precipitation.model import DRIVER_LABELS, describe_drivers
from .precipitation.products import BOUNDARY_FLUX_ERG
from .visibility import CAMERA_R, NAKED_EYE_R, VERDICTS


def figure(ds: xr.Dataset, **options) -> Figure:
    """The figure of a product Dataset (see the module docstring)."""
    product = ds.attrs.get("product")
    if product not in _FIGURES:
        raise NorrskenError(
            f"cannot plot a dataset whose attrs['product'] is {product!r}: norrsken plots {', '.join(_FIGURES)}",
            parameter="ds",
        )
    return _FIGURES[product][0](ds, **options)


def plot(ds: xr.Dataset, path: str | os.PathLike, **options) -> Path:
    """Draw a product Dataset (:func:`figure`) and write it to ``path`` (PNG, or any format
    matplotlib writes by its suffix); returns the path."""
    fig = figure(ds, **options)
    return save_figure(fig, path, **_FIGURES[ds.attrs["product"]][1])


#: Equatorward edge of a polar map, degrees of |latitude|.
MAP_EDGE_LAT = 40.0
#: Energy flux below which a map cell is left transparent, erg cm^-2 s^-1.
FLUX_FLOOR_ERG = 0.05
_PLACES = {
    "Tromsø": (69.65, 18.96),
    "Fairbanks": (64.84, -147.72),
    "Reykjavík": (64.15, -21.94),
    "Hobart": (-42.88, 147.33),
    "Ushuaia": (-54.80, -68.30),
    "Mawson": (-67.60, 62.87),
}


def _to_polar(lat, lon, sign: int):
    """Polar-axes coordinates: angle = longitude, radius = degrees from the pole."""
    return np.radians(lon), 90.0 - sign * np.asarray(lat)


def _cell_edges(centres: np.ndarray) -> np.ndarray:
    step = centres[1] - centres[0]
    return np.append(centres - step / 2, centres[-1] + step / 2)


def _lon_label(angle_deg: float) -> str:
    lon = (angle_deg + 180) % 360 - 180
    if lon == 0 or abs(lon) == 180:
        return f"{abs(lon):.0f}°"
    return f"{abs(lon):.0f}°{'E' if lon > 0 else 'W'}"


def _polar_axes(fig: Figure, position: int, sign: Literal[1, -1]) -> PolarAxes:
    # matplotlib's stubs type every add_subplot as Axes, whatever its projection.
    ax = cast(PolarAxes, fig.add_subplot(position, projection="polar"))
    ax.set_theta_zero_location("S")  # Greenwich meridian at the bottom, as on most polar maps
    ax.set_theta_direction(sign)  # seen from above the pole: east counter-clockwise in the north
    ax.set_rlim(0, 90 - MAP_EDGE_LAT)
    rings = np.arange(10, 90 - MAP_EDGE_LAT + 1, 10)
    ax.set_rgrids(rings, labels=[f"{sign * (90 - r):.0f}°" for r in rings], color="0.6", fontsize=7, angle=100)
    ax.set_thetagrids(np.arange(0, 360, 45), labels=[_lon_label(a) for a in range(0, 360, 45)], fontsize=7)
    ax.grid(color="0.55", linewidth=0.4, alpha=0.6)
    ax.set_facecolor("#0b1a2e")
    return ax


def _land_layer(sign: int):
    lat, lon, fraction = land_fraction(0.25)
    keep = sign * lat >= MAP_EDGE_LAT - 1
    lat, fraction = lat[keep], fraction[keep]
    edges = np.broadcast_arrays(*_to_polar(_cell_edges(lat).clip(-90, 90)[:, None], _cell_edges(lon)[None, :], sign))
    centres = np.broadcast_arrays(*_to_polar(lat[:, None], lon[None, :], sign))
    return edges, centres, fraction


def _magnetic_lines(sign: int, time: str, height_km: float):
    """AACGM latitude circles and MLT meridians (with a label position inside the map)."""
    mlt = np.linspace(0, 24, 241)
    circles = [
        _to_polar(
            *geomag.aacgm_to_geo(np.full(mlt.shape, sign * m), geomag.mlon_from_mlt(mlt, time), time, height_km), sign
        )
        for m in (60.0, 70.0, 80.0)
    ]
    meridians = []
    for hour in (0, 6, 12, 18):
        mlat = sign * np.linspace(45, 90, 91)
        theta, r = _to_polar(
            *geomag.aacgm_to_geo(mlat, np.full(mlat.shape, geomag.mlon_from_mlt(hour, time)), time, height_km), sign
        )
        inside = np.flatnonzero(r <= 90 - MAP_EDGE_LAT - 5)
        meridians.append((hour, theta, r, inside[0] if inside.size else None))
    return circles, meridians


def _oval(ds: xr.Dataset, *, hemisphere: str = "north", threshold_erg: float = BOUNDARY_FLUX_ERG, boundary: xr.Dataset | None = None, view: xr.Dataset | None = None) -> Figure:
    """A two-panel polar map (energy flux, mean energy) of an :func:`~norrsken.precipitation.oval`
    over land, with geographic and magnetic grids, the equatorward edge and the view line of
    ``hemisphere``; 12.5 x 6.4 in at 110 dpi. ``boundary`` and ``view`` (from
    :func:`~norrsken.precipitation.edges`) are computed at ``threshold_erg`` unless given."""
    sign = checks.hemisphere(hemisphere)
    if boundary is None:
        boundary, view = edges(ds, threshold_erg, (hemisphere,))[hemisphere]
    time = ds.attrs["time"]
    flux = ds["energy_flux_erg"].values
    energy = ds["mean_energy_kev"].values
    lat, lon = ds["lat"].values, ds["lon"].values
    rows = np.flatnonzero(sign * lat >= MAP_EDGE_LAT - 1)
    theta_e, r_e = np.broadcast_arrays(
        *_to_polar(_cell_edges(lat).clip(-90, 90)[rows[0] : rows[-1] + 2, None], _cell_edges(lon)[None, :], sign)
    )
    lit = flux[rows] >= FLUX_FLOOR_ERG
    land_edges, land_centres, land = _land_layer(sign)
    circles, meridians = _magnetic_lines(sign, time, float(ds.attrs["height_km"]))
    boundary_polar = _to_polar(boundary["lat"].values, boundary["lon"].values, sign)
    top_energy = float(np.nanmax(np.where(lit, energy[rows], 0.0), initial=1.0))
    panels = [
        (
            "Energy flux Q",
            np.ma.masked_where(~lit, flux[rows]),
            "erg cm$^{-2}$ s$^{-1}$ (= mW m$^{-2}$)",
            "inferno",
            mcolors.LogNorm(FLUX_FLOOR_ERG, max(1.0, float(np.nanmax(flux)))),
        ),
        (
            "Mean energy E$_0$",
            np.ma.masked_where(~lit, energy[rows]),
            "keV",
            "viridis",
            mcolors.Normalize(0, top_energy),
        ),
    ]
    fig = Figure(figsize=(12.5, 6.4), dpi=110, facecolor="white")
    for position, (title, values, units, cmap, norm) in zip((121, 122), panels, strict=True):
        ax = _polar_axes(fig, position, sign)
        ax.pcolormesh(
            *land_edges,
            np.ma.masked_less(land, 0.5),
            cmap=mcolors.ListedColormap(["#34463a"]),
            shading="flat",
            zorder=1,
            rasterized=True,
        )
        mesh = ax.pcolormesh(
            theta_e,
            r_e,
            values,
            shading="flat",
            zorder=2,
            rasterized=True,
            antialiased=False,
            linewidth=0,
            cmap=cmap,
            norm=norm,
        )
        ax.contour(*land_centres, land, levels=[0.5], colors=["#9fb3a3"], linewidths=0.5, zorder=3)
        for theta, r in circles:
            ax.plot(theta, r, color="w", lw=0.6, ls="--", alpha=0.7, zorder=4)
        for hour, theta, r, label_at in meridians:
            ax.plot(theta, r, color="w", lw=0.6, ls=":", alpha=0.7, zorder=4)
            if label_at is not None:
                ax.text(
                    theta[label_at],
                    r[label_at],
                    f"{hour:02d} MLT",
                    color="w",
                    fontsize=7,
                    ha="center",
                    va="center",
                    zorder=6,
                    bbox=dict(fc="#0b1a2e", ec="none", alpha=0.6, pad=1),
                )
        ax.plot(
            *boundary_polar,
            color="#4cc9f0",
            lw=1.4,
            zorder=5,
            label=f"equatorward edge (Q = {boundary.attrs['threshold_erg']:g} erg cm$^{{-2}}$ s$^{{-1}}$)",
        )
        if view is not None:
            ax.plot(
                *_to_polar(
                    np.append(view["lat"].values, view["lat"].values[:1]),
                    np.append(view["lon"].values, view["lon"].values[:1]),
                    sign,
                ),
                color="#f72585",
                lw=1.2,
                ls="--",
                zorder=5,
                label=f"view line (edge {view.attrs['min_elevation_deg']:g}° above the horizon)",
            )
        for name, (place_lat, place_lon) in _PLACES.items():
            if sign * place_lat > MAP_EDGE_LAT:
                theta, r = _to_polar(place_lat, place_lon, sign)
                ax.plot(theta, r, "o", ms=3, color="#ffd166", zorder=7)
                ax.text(
                    theta,
                    r + 1.5,
                    name,
                    color="#ffd166",
                    fontsize=7,
                    zorder=7,
                    bbox=dict(fc="#0b1a2e", ec="none", alpha=0.6, pad=1),
                )
        ax.set_title(title, fontsize=11, pad=14)
        fig.colorbar(mesh, ax=ax, shrink=0.72, pad=0.08).set_label(units)
        ax.legend(loc="lower left", bbox_to_anchor=(-0.12, -0.14), fontsize=7, frameon=False)
    fig.suptitle(
        f"Auroral oval, {hemisphere}ern hemisphere, {time.replace('T', ' ').replace(':00Z', ' UTC')}   "
        f"{describe_drivers(ds.attrs)},  "
        f"hemispheric power {ds.attrs[f'hemispheric_power_{hemisphere}_gw']:.0f} GW\n"
        f"{ds.attrs['model'].split(',')[0]} model; dashed: AACGM latitude 60/70/80°, dotted: magnetic local time",
        fontsize=10,
    )
    return fig


def _column(ds: xr.Dataset) -> Figure:
    """The VER profiles of every line of a :func:`~norrsken.emission.column.column` (log VER,
    altitude up), each in its colour, with its column brightness."""
    fig = Figure(figsize=(11.0, 6.5), dpi=110)
    ax = fig.subplots()
    fig.patch.set_facecolor("white")
    ax.set_facecolor("#f4f4f6")
    alt = ds["altitude_km"].values
    peak_ver = float(ds["ver_cm3_s"].max())
    for line in LINES:
        profile = ds["ver_cm3_s"].sel(line=line.key).values
        infrared = line.wavelength_nm > 750.0
        ax.plot(
            np.where(profile > 0, profile, np.nan),
            alt,
            linestyle=(0, (6, 3)) if line.kind == "band" else (":" if infrared else "-"),
            color=line.colour,
            lw=2.4 if line.key in ("427.8", "557.7", "630.0") else 1.5,
            label=f"{line.key}  {line.name}: {float(ds['brightness_r'].sel(line=line.key)):,.0f} R",
        )
    ax.set_xscale("log")
    ax.set_xlim(peak_ver * 1e-4, peak_ver * 2.0)
    # Show where there is light: up to the altitude where every line has faded below 1e-4 of the peak.
    lit = np.nonzero((ds["ver_cm3_s"].values > peak_ver * 1e-4).any(axis=0))[0]
    ax.set_ylim(alt[0], alt[lit[-1]] if lit.size else alt[-1])
    ax.set_xlabel("volume emission rate (photons cm$^{-3}$ s$^{-1}$)")
    ax.set_ylabel("altitude (km)")
    a = ds.attrs
    ax.set_title(
        f"{a['spectrum'].capitalize()} electrons, mean energy {a['mean_energy_kev']:.3g} keV, "
        f"{a['energy_flux_erg']:.3g} erg cm$^{{-2}}$ s$^{{-1}}$\n"
        f"{a['time']}   {a['lat']:.1f}°, {a['lon']:.1f}°   F10.7 {a['f107']:g}   Ap {a['ap']:g}",
        fontsize=10,
    )
    ax.grid(True, which="both", color="white", lw=0.8)
    ax.legend(
        fontsize=8.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
        title="line (nm): vertical column", title_fontsize=9, alignment="left",
    )
    fig.tight_layout()
    return fig


def _forecast(ds: xr.Dataset) -> Figure:
    """The night of a :func:`~norrsken.visibility.forecast`: brightest green and red seen (log
    scale) with the thresholds, the Sun and the Moon, and each step's verdict as a coloured band."""
    times = ds["time"].values
    fig = Figure(figsize=(10, 6))  # drawn at 100 dpi, saved at 110 (see _FIGURES)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    top.semilogy(times, np.maximum(ds["green_r"].values, 1.0), color="#2fd66b", label="557.7 nm, brightest seen")
    top.semilogy(times, np.maximum(ds["red_r"].values, 1.0), color="#e0443a", label="630.0 nm, brightest seen")
    top.semilogy(times, np.maximum(ds["overhead_green_r"].values, 1.0), color="#2fd66b", ls=":", label="557.7 nm overhead")
    factor = np.where(np.isfinite(ds["threshold_factor"].values), ds["threshold_factor"].values, np.nan)
    top.semilogy(times, NAKED_EYE_R * factor, color="0.3", ls="--", lw=1, label="naked-eye threshold")
    top.semilogy(times, CAMERA_R * factor, color="0.6", ls="--", lw=1, label="camera threshold")
    top.set_ylabel("brightness (R)")
    top.set_ylim(10.0, None)
    top.legend(loc="upper right", fontsize=8)
    colours = dict(zip(VERDICTS, ["#f4e3a1", "#dddddd", "#b9d3ee", "#9be3b5", "#4ccf7e", "#13a24a"], strict=True))
    step = (times[1] - times[0]) if times.size > 1 else np.timedelta64(30, "m")
    for time, value in zip(times, ds["verdict"].values, strict=True):
        top.axvspan(time - step / 2, time + step / 2, ymin=0.0, ymax=0.04, color=colours[str(value)], lw=0)
    bottom.plot(times, ds["sun_elevation_deg"].values, color="#f0a020", label="Sun")
    bottom.plot(times, ds["moon_elevation_deg"].values, color="#7f8fa6", label="Moon")
    for limit in (-6.0, -12.0, -18.0):
        bottom.axhline(limit, color="0.85", lw=0.8)
    bottom.axhline(0.0, color="0.5", lw=0.8)
    bottom.set_ylabel("elevation (deg)")
    bottom.legend(loc="upper right", fontsize=8)
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%d %H:%M"))
    bottom.set_xlabel("UTC")
    handles = [Rectangle((0, 0), 1, 1, color=colours[v]) for v in VERDICTS]
    fig.legend(handles, VERDICTS, loc="lower center", ncol=6, fontsize=8, frameon=False)
    fig.suptitle(f"Aurora forecast for {ds.attrs['lat']:.2f}°, {ds.attrs['lon']:.2f}°")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def _climatology(ds: xr.Dataset) -> Figure:
    """A two-panel map of a :func:`~norrsken.climate.climatology`: naked-eye hours and the
    fraction of dark hours they make, with coastlines."""
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
        f"{ds.attrs['step_minutes']:g} min steps, "
        + ", ".join(f"{DRIVER_LABELS[name][0]}: {ds.attrs[f'{name}_source']}" for name in DRIVER_LABELS if f"{name}_source" in ds.attrs)
        + "\n"
        f"naked eye: >= {ds.attrs['naked_eye_r']:g} R of 557.7 nm seen (raised by twilight and Moon); "
        f"dark: Sun <= {ds.attrs['dark_sun_elevation_deg']:g} deg",
        fontsize=10,
    )
    return fig


#: Each product's figure and how it is saved (maps are trimmed to their content).
_FIGURES: dict[str, tuple[Callable[..., Figure], dict]] = {
    "oval": (_oval, {"facecolor": "white", "bbox_inches": "tight", "pad_inches": 0.2}),
    "column": (_column, {}),
    "forecast": (_forecast, {"dpi": 110}),
    "climatology": (_climatology, {"facecolor": "white", "bbox_inches": "tight", "pad_inches": 0.2}),
}
