"""Polar maps of an oval: energy flux and mean energy over land, with geographic and magnetic grids."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from .. import geomag  # noqa: E402
from ..land import land_fraction  # noqa: E402

#: Equatorward edge of a polar map, degrees of |latitude|.
MAP_EDGE_LAT = 40.0
_PLACES = {"Tromsø": (69.65, 18.96), "Fairbanks": (64.84, -147.72), "Reykjavík": (64.15, -21.94)}


def _polar_axes(fig, position, hemisphere: str):
    ax = fig.add_subplot(position, projection="polar")
    ax.set_theta_zero_location("S")  # Greenwich meridian at the bottom, as on most polar maps
    ax.set_theta_direction(1 if hemisphere == "north" else -1)  # looking down on the pole
    ax.set_rlim(0, 90 - MAP_EDGE_LAT)
    rings = np.arange(10, 90 - MAP_EDGE_LAT + 1, 10)
    sign = 1 if hemisphere == "north" else -1
    ax.set_rgrids(rings, labels=[f"{sign * (90 - r):.0f}°" for r in rings], color="0.55", fontsize=7, angle=100)
    ax.set_thetagrids(np.arange(0, 360, 45), labels=[_lon_label(a) for a in range(0, 360, 45)], fontsize=7)
    ax.grid(color="0.55", linewidth=0.4, alpha=0.6)
    ax.set_facecolor("#0b1a2e")
    return ax, sign


def _lon_label(a: float) -> str:
    lon = (a + 180) % 360 - 180
    return "0°" if lon == 0 else ("180°" if abs(lon) == 180 else f"{abs(lon):.0f}°{'E' if lon > 0 else 'W'}")


def _to_polar(lat, lon, sign):
    return np.radians(lon), 90.0 - sign * np.asarray(lat)


def _cell_edges(centres: np.ndarray) -> np.ndarray:
    step = centres[1] - centres[0]
    return np.append(centres - step / 2, centres[-1] + step / 2)


def _draw_land(ax, sign):
    lat, lon, fraction = land_fraction(0.25)
    keep = sign * lat >= MAP_EDGE_LAT - 1
    lat, fraction = lat[keep], fraction[keep]
    theta, r = np.broadcast_arrays(*_to_polar(_cell_edges(lat).clip(-90, 90)[:, None], _cell_edges(lon)[None, :], sign))
    land = np.ma.masked_less(fraction, 0.5)
    ax.pcolormesh(theta, r, land, cmap=mcolors.ListedColormap(["#34463a"]), shading="flat", zorder=1, rasterized=True)
    theta_c, r_c = np.broadcast_arrays(*_to_polar(lat[:, None], lon[None, :], sign))
    ax.contour(theta_c, r_c, fraction, levels=[0.5], colors=["#9fb3a3"], linewidths=0.5, zorder=3)


def _draw_magnetic_grid(ax, sign, time, height_km):
    mlt = np.linspace(0, 24, 241)
    for mlat in (60.0, 70.0, 80.0):
        lat, lon = geomag.aacgm_to_geo(np.full(mlt.shape, sign * mlat), geomag.mlon_from_mlt(mlt, time), time, height_km)
        ax.plot(*_to_polar(lat, lon, sign), color="w", lw=0.6, ls="--", alpha=0.7, zorder=4)
    for hour in (0, 6, 12, 18):
        mlat = sign * np.linspace(50, 90, 81)
        lat, lon = geomag.aacgm_to_geo(mlat, np.full(mlat.shape, geomag.mlon_from_mlt(hour, time)), time, height_km)
        theta, r = _to_polar(lat, lon, sign)
        ax.plot(theta, r, color="w", lw=0.6, ls=":", alpha=0.7, zorder=4)
        ax.text(theta[0], r[0] + 2.5, f"{hour:02d} MLT", color="w", fontsize=7, ha="center", va="center", zorder=6)


def _draw_places(ax, sign):
    for name, (lat, lon) in _PLACES.items():
        if sign * lat > MAP_EDGE_LAT:
            theta, r = _to_polar(lat, lon, sign)
            ax.plot(theta, r, "o", ms=3, color="#ffd166", zorder=7)
            ax.text(theta, r + 1.5, name, color="#ffd166", fontsize=7, zorder=7)


def plot_oval(ds: xr.Dataset, boundary: xr.Dataset, hemisphere: str, path: str | os.PathLike) -> Path:
    """Write a two-panel polar map (energy flux, mean energy) of an oval Dataset to a PNG.

    Parameters
    ----------
    ds
        Output of :func:`norrsken.precipitation.oval`.
    boundary
        Output of :func:`norrsken.precipitation.boundary_geographic` for ``hemisphere``.
    hemisphere
        ``"north"`` or ``"south"``.
    path
        PNG file to write.
    """
    time = ds.attrs["time"]
    height_km = float(ds.attrs["height_km"])
    fig = plt.figure(figsize=(12.5, 6.6), dpi=110, facecolor="white")
    flux = ds["energy_flux_erg"].values
    energy = ds["mean_energy_kev"].values
    lat, lon = ds["lat"].values, ds["lon"].values
    lat_edges, lon_edges = _cell_edges(lat).clip(-90, 90), _cell_edges(lon)
    panels = [
        ("Energy flux Q", np.ma.masked_less(flux, 0.05), "erg cm$^{-2}$ s$^{-1}$ (= mW m$^{-2}$)",
         dict(cmap="inferno", norm=mcolors.LogNorm(0.05, max(1.0, float(np.nanmax(flux)))))),
        ("Mean energy E$_0$", np.ma.masked_where(~(flux >= 0.05), energy), "keV",
         dict(cmap="viridis", norm=mcolors.Normalize(0, max(1.0, float(np.nanmax(np.where(flux >= 0.05, energy, 0))))))),
    ]
    for position, (title, values, units, style) in zip((121, 122), panels, strict=True):
        ax, sign = _polar_axes(fig, position, hemisphere)
        _draw_land(ax, sign)
        keep = sign * lat >= MAP_EDGE_LAT - 1
        rows = np.flatnonzero(keep)
        theta_e, r_e = np.broadcast_arrays(*_to_polar(lat_edges[rows[0] : rows[-1] + 2, None], lon_edges[None, :], sign))
        mesh = ax.pcolormesh(theta_e, r_e, values[rows], shading="flat", alpha=0.9, zorder=2, **style)
        _draw_magnetic_grid(ax, sign, time, height_km)
        ax.plot(*_to_polar(boundary["lat"].values, boundary["lon"].values, sign), color="#4cc9f0", lw=1.4, zorder=5,
                label=f"equatorward edge (Q = {boundary.attrs['threshold_erg']:g})")
        _draw_places(ax, sign)
        ax.set_title(title, fontsize=11, pad=14)
        cbar = fig.colorbar(mesh, ax=ax, shrink=0.72, pad=0.08)
        cbar.set_label(units)
        ax.legend(loc="lower left", bbox_to_anchor=(-0.12, -0.12), fontsize=7, frameon=False)
    fig.suptitle(
        f"Auroral oval, {hemisphere}ern hemisphere, {time.replace('T', ' ').replace(':00Z', ' UTC')}   "
        f"Kp {ds.attrs['kp']:.2f} ({ds.attrs['kp_source']}),  "
        f"hemispheric power {ds.attrs[f'hemispheric_power_{hemisphere}_gw']:.0f} GW\n"
        "Zhang & Paxton (2008) model; dashed: AACGM latitude 60/70/80°, dotted: magnetic local time",
        fontsize=10,
    )
    fig.savefig(path, facecolor=fig.get_facecolor())
    plt.close(fig)
    return Path(path)
