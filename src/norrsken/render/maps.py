"""Polar maps of an oval: energy flux and mean energy over land, with geographic and magnetic grids."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from .. import geomag
from ..io import save_figure
from ..land import land_fraction

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


def _polar_axes(fig: Figure, position: int, sign: int):
    ax = fig.add_subplot(position, projection="polar")
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


def plot_oval(ds: xr.Dataset, boundary: xr.Dataset, path: str | os.PathLike, *, view: xr.Dataset | None = None) -> Path:
    """Write :func:`oval_figure` to a PNG (trimmed to its content) and return ``path``."""
    fig = oval_figure(ds, boundary, view=view)
    return save_figure(fig, path, facecolor=fig.get_facecolor(), bbox_inches="tight", pad_inches=0.2)


def oval_figure(ds: xr.Dataset, boundary: xr.Dataset, *, view: xr.Dataset | None = None) -> Figure:
    """A two-panel polar map (energy flux, mean energy) of an oval, 12.5 x 6.4 in at 110 dpi.

    Parameters
    ----------
    ds
        Output of :func:`norrsken.precipitation.oval`.
    boundary
        Output of :func:`norrsken.precipitation.boundary_geographic`; its hemisphere is mapped.
    view
        Optional output of :func:`norrsken.precipitation.view_line` for the same hemisphere, drawn
        dashed.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot (nothing global to close); its Agg canvas draws it.
    """
    hemisphere = boundary.attrs["hemisphere"]
    sign = geomag.hemisphere_sign(hemisphere)
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
            dict(cmap="inferno", norm=mcolors.LogNorm(FLUX_FLOOR_ERG, max(1.0, float(np.nanmax(flux))))),
        ),
        (
            "Mean energy E$_0$",
            np.ma.masked_where(~lit, energy[rows]),
            "keV",
            dict(cmap="viridis", norm=mcolors.Normalize(0, top_energy)),
        ),
    ]
    fig = Figure(figsize=(12.5, 6.4), dpi=110, facecolor="white")
    for position, (title, values, units, style) in zip((121, 122), panels, strict=True):
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
            theta_e, r_e, values, shading="flat", zorder=2, rasterized=True, antialiased=False, linewidth=0, **style
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
        f"Kp {ds.attrs['kp']:.2f} ({ds.attrs['kp_source']}),  "
        f"hemispheric power {ds.attrs[f'hemispheric_power_{hemisphere}_gw']:.0f} GW\n"
        "Zhang & Paxton (2008) model; dashed: AACGM latitude 60/70/80°, dotted: magnetic local time",
        fontsize=10,
    )
    return fig
