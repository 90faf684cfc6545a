"""The oval of a moment from any model: Q and E0 on a global geographic grid, its edges.

:func:`oval` evaluates an :class:`~norrsken.precipitation.model.OvalModel` at the AACGM
coordinates of a regular grid at the mapping height (110 km); :func:`edges` gives the equatorward
edge and the view line of the same model and drivers. Models are named in :data:`MODELS`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import checks, geomag
from ..errors import NorrskenError
from ..times import TimeLike, to_utc
from .model import Drivers, OvalModel
from .products import BOUNDARY_FLUX_ERG, boundary_geographic, hemispheric_power_gw, view_line
from .zhang_paxton import ZhangPaxton

#: The oval models by name; the first is the default.
MODELS: dict[str, OvalModel] = {"zhang-paxton": ZhangPaxton()}
DEFAULT_MODEL = "zhang-paxton"


def get_model(model: str | OvalModel | None = None) -> OvalModel:
    """The model of a ``model=`` argument: a name of :data:`MODELS`, a model object, or None for
    the default (Zhang & Paxton 2008)."""
    if model is None:
        return MODELS[DEFAULT_MODEL]
    if isinstance(model, str):
        return MODELS[checks.choice("model", model, MODELS)]
    if not isinstance(model, OvalModel):
        raise NorrskenError(
            f"model must be one of {', '.join(MODELS)} or an OvalModel, got {type(model).__name__}", parameter="model"
        )
    return model


def grid_axes(resolution_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The global grid of the oval maps: latitudes -90..90 inclusive, longitudes -180 (inclusive)
    to 180 (exclusive), ``resolution_deg`` apart (it must divide 180)."""
    steps = 180.0 / resolution_deg if isinstance(resolution_deg, int | float) and resolution_deg > 0 else np.nan
    if not (np.isfinite(steps) and abs(steps - round(steps)) < 1e-9):
        raise NorrskenError(f"resolution_deg must be positive and divide 180, got {resolution_deg!r}", parameter="resolution_deg")
    steps = round(steps)
    return np.linspace(-90.0, 90.0, steps + 1), np.linspace(-180.0, 180.0, 2 * steps, endpoint=False)


def oval(
    time: TimeLike,
    *,
    model: str | OvalModel | None = None,
    indices=None,
    online: bool = False,
    resolution_deg: float = 0.5,
    height_km: float = geomag.DEFAULT_HEIGHT_KM,
) -> xr.Dataset:
    """The auroral oval of a moment on a global geographic grid.

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    model
        The oval model (see :func:`get_model`); default Zhang & Paxton (2008), driven by Kp.
    indices
        Index overrides (:class:`~norrsken.drivers.kp.Indices`, a SpaceWeather or a mapping, e.g.
        ``{"kp": 6}``); default: the embedded history at ``time``.
    online
        Ask the live feeds (NOAA SWPC) for the drivers first; the embedded history is the fallback.
    resolution_deg
        Grid spacing in latitude and longitude, degrees (must divide 180).
    height_km
        Altitude of the AACGM mapping, km.

    Returns
    -------
    xarray.Dataset
        ``energy_flux_erg`` and ``mean_energy_kev`` on (lat, lon), plus ``mlat`` and ``mlt``; attrs
        carry the model (``model`` its reference, ``model_name``), the time, each driver and its
        ``<name>_source`` (``kp``, ``kp_source``), and the hemispheric powers (GW).
    """
    time = to_utc(time)
    geomag.check_date(time)  # before the drivers, which may warn about a fallback
    chosen = get_model(model)
    drivers = chosen.drivers(time, indices, online=online)
    lat, lon = grid_axes(resolution_deg)
    mlat, mlon = geomag.grid_to_aacgm(lat, lon, time, height_km)
    mlt = geomag.mlt(mlon, time)
    flux, energy = chosen.evaluate(mlat, mlt, time, drivers)
    ds = xr.Dataset(
        {
            "energy_flux_erg": (("lat", "lon"), flux, {"units": "erg cm-2 s-1", "long_name": "electron energy flux Q"}),
            "mean_energy_kev": (("lat", "lon"), energy, {"units": "keV", "long_name": "electron mean energy E0"}),
            "mlat": (("lat", "lon"), mlat, {"units": "degree", "long_name": f"AACGM-v2 latitude at {height_km:g} km"}),
            "mlt": (("lat", "lon"), mlt, {"units": "hour", "long_name": "magnetic local time"}),
        },
        coords={
            "lat": ("lat", lat, {"units": "degree_north"}),
            "lon": ("lon", lon, {"units": "degree_east"}),
        },
        attrs={
            "product": "oval",
            "model": chosen.reference,
            "model_name": chosen.name,
            "time": time.isoformat().replace("+00:00", "Z"),
            **drivers.attrs(),
            "height_km": height_km,
        },
    )
    for hemisphere in ("north", "south"):
        ds.attrs[f"hemispheric_power_{hemisphere}_gw"] = hemispheric_power_gw(ds, hemisphere, height_km)
    return ds


def edges(
    ds: xr.Dataset, threshold_erg: float = BOUNDARY_FLUX_ERG, hemispheres: tuple[str, ...] = ("north", "south")
) -> dict[str, tuple[xr.Dataset, xr.Dataset]]:
    """The equatorward edge and the view line of the ``hemispheres`` (default both) of an :func:`oval`.

    The edge comes from the oval's own model and drivers evaluated along magnetic latitude (not
    from the grid), so it is as sharp as the model.

    Returns
    -------
    dict
        ``{"north": (boundary, view), "south": (boundary, view)}`` from
        :func:`~norrsken.precipitation.products.boundary_geographic` and
        :func:`~norrsken.precipitation.products.view_line`.
    """
    chosen = get_model(ds.attrs["model_name"])
    drivers = Drivers.from_attrs(ds.attrs, chosen.needs)
    time = to_utc(ds.attrs["time"])

    def flux_of(mlat: np.ndarray, mlt: np.ndarray) -> np.ndarray:
        return chosen.evaluate(mlat, mlt, time, drivers)[0]

    out = {}
    for hemisphere in hemispheres:
        boundary = boundary_geographic(
            flux_of, time, hemisphere, threshold_erg=threshold_erg, height_km=ds.attrs["height_km"]
        )
        out[hemisphere] = (boundary, view_line(boundary))
    return out
