"""Quantities derived from any oval model: hemispheric power, the equatorward boundary, the view line."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from .. import checks, geomag
from ..errors import NorrskenError
from ..geometry import EARTH_RADIUS_KM, central_angle_deg
from ..times import TimeLike
from .model import driver_attrs

#: Oval models are evaluated poleward of this |MLAT|, deg (the integration domain of Zhang &
#: Paxton's hemispheric-power check; at Kp 8-10 about 1.7 % of the power falls equatorward of it).
MIN_ABS_MLAT = 40.0
#: Energy flux that marks the equatorward edge of the oval, erg cm^-2 s^-1. With GLOW's ~1.2 kR of
#: 557.7 nm per erg cm^-2 s^-1 (E0 0.5-5 keV) this is ~0.6 kR overhead: about half of IBC I, the
#: faintest aurora a dark-adapted observer notices. At Kp 3 it puts the midnight edge near 60.6 deg
#: MLAT, close to the DMSP diffuse-aurora boundary (Gussenhoven et al. 1983, JGR 88, 5692).
BOUNDARY_FLUX_ERG = 0.5
#: The view line's geometry: the oval's edge seen where its light is brightest, at the green peak
#: near 110 km (physics.md 10.2), at least 5 deg above the horizon. Below ~5 deg the light crosses
#: ~10 air masses (Kasten & Young 1989, Appl. Opt. 28, 4735) and terrain and haze hide it.
VIEW_HEIGHT_KM = geomag.DEFAULT_HEIGHT_KM
VIEW_ELEVATION_DEG = 5.0


#: Probability of visible aurora per unit energy flux, % per erg cm^-2 s^-1 (capped at 100 %): a
#: linear stand-in for SWPC's conversion of OVATION's energy flux into its "probability of visible
#: aurora" (not published in full; Machol et al. 2012, Space Weather 10, S03005, evaluate OVATION
#: as a forecast of visible aurora). Fitted by least squares through the origin to SWPC's map of
#: 2025-01-12 22:51 UTC north of 40 deg against norrsken's OVATION of that time (slope 13.2; the
#: south gives 15.0; RMS 2.4 %). Approximate: it is not SWPC's own.
VISIBLE_PERCENT_PER_ERG = 13.0


def visible_probability_percent(energy_flux_erg: np.ndarray) -> np.ndarray:
    """The probability of visible aurora (%, 0-100) of an energy flux Q (erg cm^-2 s^-1), as SWPC's
    aurora map gives it, approximately (:data:`VISIBLE_PERCENT_PER_ERG`)."""
    return np.clip(VISIBLE_PERCENT_PER_ERG * np.asarray(energy_flux_erg, dtype=float), 0.0, 100.0)


def cell_area_km2(lat: np.ndarray, lon: np.ndarray, radius_km: float) -> np.ndarray:
    """Areas (km^2) of the cells centred on a regular lat x lon grid, on a sphere of ``radius_km``."""
    dlat = np.radians(abs(lat[1] - lat[0]))
    dlon = np.radians(abs(lon[1] - lon[0]))
    la = np.radians(lat)
    top = np.minimum(la + dlat / 2, np.pi / 2)
    bottom = np.maximum(la - dlat / 2, -np.pi / 2)
    band = radius_km**2 * dlon * (np.sin(top) - np.sin(bottom))
    return np.broadcast_to(band[:, None], (lat.size, lon.size))


def hemispheric_power_gw(ds: xr.Dataset, hemisphere: str, height_km: float = geomag.DEFAULT_HEIGHT_KM) -> float:
    """Integral of the energy flux over one magnetic hemisphere on a sphere at ``height_km``.

    Parameters
    ----------
    ds
        Dataset with ``energy_flux_erg`` and ``mlat`` on a regular (lat, lon) grid.
    hemisphere
        ``"north"`` or ``"south"`` (by the sign of ``mlat``).
    height_km
        Altitude of the sphere, km.

    Returns
    -------
    float
        Hemispheric power, GW (1 erg cm^-2 s^-1 = 1e-3 W m^-2 = 1e3 W km^-2).
    """
    sign = checks.hemisphere(hemisphere)
    area = cell_area_km2(ds["lat"].values, ds["lon"].values, EARTH_RADIUS_KM + height_km)
    in_hemisphere = np.sign(ds["mlat"].values) == sign
    flux = np.where(in_hemisphere, ds["energy_flux_erg"].values, 0.0)
    return float(np.sum(flux * area) * 1e3 / 1e9)


def equatorward_boundary(
    flux_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    mlt: np.ndarray,
    threshold_erg: float = BOUNDARY_FLUX_ERG,
    step_deg: float = 0.05,
    min_abs_mlat: float = MIN_ABS_MLAT,
) -> np.ndarray:
    """Magnetic latitude of the oval's equatorward edge at each MLT (northern, positive degrees).

    The edge is the lowest |MLAT| at which the energy flux first reaches ``threshold_erg`` when
    walking poleward from ``min_abs_mlat``.

    Parameters
    ----------
    flux_of
        ``flux_of(mlat, mlt)`` returning the energy flux, erg cm^-2 s^-1 (broadcasting).
    mlt
        1-D magnetic local times, hours.
    threshold_erg
        Energy flux that defines the edge.
    step_deg
        Resolution of the search in MLAT.
    min_abs_mlat
        Where the search starts.

    Returns
    -------
    ndarray
        MLAT of the edge per MLT; NaN where the flux never reaches the threshold, and where it
        already exceeds it at ``min_abs_mlat`` (the edge lies outside the model's domain).
    """
    mlat = np.round(np.arange(min_abs_mlat, 90.0 + step_deg / 2, step_deg), 6)
    flux = flux_of(mlat[None, :], np.asarray(mlt, dtype=float)[:, None])
    above = flux >= threshold_erg
    first = np.argmax(above, axis=1)
    return np.where(above.any(axis=1) & ~above[:, 0], mlat[first], np.nan)


def boundary_geographic(
    flux_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    time: TimeLike,
    hemisphere: str,
    threshold_erg: float = BOUNDARY_FLUX_ERG,
    height_km: float = geomag.DEFAULT_HEIGHT_KM,
    mlt_step_h: float = 0.1,
) -> xr.Dataset:
    """The equatorward boundary of one hemisphere in magnetic and geographic coordinates.

    Returns a Dataset on ``mlt`` (hours) with ``mlat``, ``lat`` and ``lon`` (degrees); NaN where the
    flux never reaches ``threshold_erg`` at that MLT.
    """
    sign = checks.hemisphere(hemisphere)
    threshold_erg = checks.positive("threshold_erg", threshold_erg, "erg cm-2 s-1")
    mlt = np.arange(0.0, 24.0, mlt_step_h)
    mlat = sign * equatorward_boundary(flux_of, mlt, threshold_erg)
    lat, lon = geomag.aacgm_to_geo(mlat, geomag.mlon_from_mlt(mlt, time), time, height_km)
    return xr.Dataset(
        {
            "mlat": ("mlt", mlat, {"units": "degree"}),
            "lat": ("mlt", lat, {"units": "degree_north"}),
            "lon": ("mlt", lon, {"units": "degree_east"}),
        },
        coords={"mlt": ("mlt", mlt, {"units": "hour"})},
        attrs={"hemisphere": hemisphere, "threshold_erg": threshold_erg, "height_km": height_km},
    )


def view_distance_deg(height_km: float = VIEW_HEIGHT_KM, min_elevation_deg: float = VIEW_ELEVATION_DEG) -> float:
    """Central angle (deg) from an observer to a point at ``height_km`` seen at ``min_elevation_deg``.

    On a sphere of radius R: gamma = acos(R cos(e) / (R + h)) - e; 6.7 deg (740 km) for 110 km at
    5 deg.
    """
    if not (0.0 < height_km <= 1000.0 and 0.0 <= min_elevation_deg < 90.0):
        raise NorrskenError(
            f"view geometry needs 0 < height <= 1000 km and 0 <= elevation < 90 deg, "
            f"got {height_km:g} km and {min_elevation_deg:g} deg"
        )
    return central_angle_deg(height_km, min_elevation_deg)


def view_line(
    boundary: xr.Dataset,
    *,
    height_km: float = VIEW_HEIGHT_KM,
    min_elevation_deg: float = VIEW_ELEVATION_DEG,
    lon_step_deg: float = 1.0,
) -> xr.Dataset:
    """The view line: per longitude, the farthest latitude from the pole at which the oval is seen.

    An observer sees the aurora low over the poleward horizon where some point of the oval's
    equatorward edge (at ``height_km``) stands at least ``min_elevation_deg`` above the horizon,
    i.e. lies within the central angle :func:`view_distance_deg` (everything poleward of the edge
    is aurora too). For each longitude the line is the southernmost such latitude (northernmost in
    the south): the minimum, over the edge's points p, of the latitude where the small circle of
    that radius around p crosses the meridian.

    Parameters
    ----------
    boundary
        Output of :func:`boundary_geographic` (NaN points are skipped).
    height_km, min_elevation_deg
        The viewing geometry.
    lon_step_deg
        Spacing of the output longitudes.

    Returns
    -------
    xarray.Dataset
        ``lat`` on ``lon`` (-180 to 180, exclusive); NaN where no edge point is in reach. attrs:
        hemisphere, height_km, min_elevation_deg, distance_deg, threshold_erg.
    """
    sign = checks.hemisphere(boundary.attrs["hemisphere"])
    if not 0.0 < lon_step_deg <= 90.0:
        raise NorrskenError(f"lon_step_deg must lie in (0, 90], got {lon_step_deg:g}")
    gamma = np.radians(view_distance_deg(height_km, min_elevation_deg))
    lon = np.arange(-180.0, 180.0, lon_step_deg)
    ok = np.isfinite(boundary["lat"].values) & np.isfinite(boundary["lon"].values)
    # Work in the northern frame (mirror the south), then map back.
    phi_p = np.radians(sign * boundary["lat"].values[ok])[:, None]
    dlon = np.radians(lon[None, :] - boundary["lon"].values[ok][:, None])
    # Along the great circle of this meridian (phi in (-180, 180] deg; only |phi| <= 90 is the
    # meridian itself), cos(gamma) = sin(phi) sin(phi_p) + cos(phi) cos(phi_p) cos(dlon)
    # = rho cos(phi - delta): the circle around p covers delta -+ acos(cos(gamma) / rho).
    a, b = np.sin(phi_p), np.cos(phi_p) * np.cos(dlon)
    rho = np.hypot(a, b)
    half = np.arccos(np.clip(np.cos(gamma) / np.maximum(rho, 1e-300), -1.0, 1.0))
    delta = np.arctan2(a, b)
    low, high = delta - half, delta + half
    on_meridian = (np.cos(gamma) <= rho) & (low <= np.pi / 2) & (high >= -np.pi / 2)
    lowest = np.where(on_meridian, np.maximum(low, -np.pi / 2), np.inf)
    south = lowest.min(axis=0, initial=np.inf)
    lat = np.where(np.isfinite(south), sign * np.degrees(south), np.nan)
    return xr.Dataset(
        {"lat": ("lon", lat, {"units": "degree_north", "long_name": "view line"})},
        coords={"lon": ("lon", lon, {"units": "degree_east"})},
        attrs={
            "hemisphere": boundary.attrs["hemisphere"],
            "height_km": float(height_km),
            "min_elevation_deg": float(min_elevation_deg),
            "distance_deg": float(np.degrees(gamma)),
            "threshold_erg": boundary.attrs["threshold_erg"],
        },
    )


def oval_summary(ds: xr.Dataset, boundary: xr.Dataset) -> dict:
    """The headline numbers of an oval in one hemisphere, as plain Python values (NaN -> None).

    Parameters
    ----------
    ds
        An oval Dataset (e.g. from :func:`norrsken.precipitation.oval`).
    boundary
        Its :func:`boundary_geographic` for the hemisphere wanted.

    Returns
    -------
    dict
        time, model_name, the drivers (``kp``, ``kp_source`` and/or ``dphi``, ``dphi_source``), hemisphere, hemispheric_power_gw, the equatorward edge at magnetic
        midnight (``boundary_midnight_mlat``/``_lat``/``_lon``, None where not found), the peak energy
        flux and its lat, lon and MLT, and the edge's threshold.
    """
    hemisphere = boundary.attrs["hemisphere"]
    flux = ds["energy_flux_erg"].where(np.sign(ds["mlat"]) == checks.hemisphere(hemisphere))
    peak = flux.fillna(-1.0).argmax(dim=("lat", "lon"))
    midnight = boundary.sel(mlt=0.0)

    def number(value) -> float | None:
        value = float(value)
        return value if np.isfinite(value) else None

    return {
        "time": ds.attrs["time"],
        "model_name": ds.attrs["model_name"],
        **driver_attrs(ds.attrs),
        "hemisphere": hemisphere,
        "hemispheric_power_gw": ds.attrs[f"hemispheric_power_{hemisphere}_gw"],
        "boundary_midnight_mlat": number(midnight["mlat"]),
        "boundary_midnight_lat": number(midnight["lat"]),
        "boundary_midnight_lon": number(midnight["lon"]),
        "threshold_erg": boundary.attrs["threshold_erg"],
        "peak_flux_erg": number(flux.max()),
        "peak_lat": number(ds["lat"][peak["lat"]]),
        "peak_lon": number(ds["lon"][peak["lon"]]),
        "peak_mlt": number(ds["mlt"].isel(peak)),
    }
