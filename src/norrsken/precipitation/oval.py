"""The oval of a moment from any model: Q and E0 on a global geographic grid, its edges.

:func:`oval` evaluates an :class:`~norrsken.precipitation.model.OvalModel` at the AACGM
coordinates of a regular grid at the mapping height (110 km); :func:`edges` gives the equatorward
edge and the view line of the same model and drivers. Models are named in :data:`MODELS`.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import xarray as xr

from .. import checks, geomag
from ..drivers.solarwind import SolarWindGap
from ..errors import NorrskenError, NorrskenWarning
from ..times import TimeLike, to_utc
from .model import Drivers, OvalModel
from .ovation_prime import COMPONENTS, OvationPrime
from .products import (
    BOUNDARY_FLUX_ERG,
    boundary_geographic,
    hemispheric_power_gw,
    view_line,
    visible_probability_percent,
)
from .zhang_paxton import ZhangPaxton


class Auto:
    """OVATION Prime where the solar wind is known (a user's ``dphi`` or solar wind, the embedded
    OMNI hours), else Zhang & Paxton (2008) driven by Kp, with a :class:`NorrskenWarning` saying so.

    Its drivers are both models' (``dphi`` NaN where there is no solar wind), so that every step of
    a series has the same ones; :meth:`resolve` names the model they choose."""

    name = "auto"
    reference = "OVATION Prime 2010 where the solar wind is known, else Zhang & Paxton (2008)"
    needs: tuple[str, ...] = ("kp", "dphi")

    def __init__(self) -> None:
        self.ovation, self.kp_model = OvationPrime(), ZhangPaxton()

    def drivers(self, time: dt.datetime, indices=None, *, online: bool = False) -> Drivers:
        kp = self.kp_model.drivers(time, indices, online=online)
        try:
            wind = self.ovation.drivers(time, indices, online=online)
        except SolarWindGap as gap:
            warnings.warn(
                NorrskenWarning(f"{gap.message}; the oval falls back to Zhang & Paxton's Kp model", hint=gap.hint),
                stacklevel=2,
            )
            return Drivers(
                {"kp": kp["kp"], "dphi": math.nan},
                {"kp": f"{kp.sources['kp']} (fallback: no solar wind)", "dphi": f"none: {gap.message}"},
            )
        return Drivers({"kp": kp["kp"], **wind.values}, {"kp": kp.sources["kp"], **wind.sources})

    def resolve(self, drivers: Drivers) -> OvalModel:
        """The model that ``drivers`` choose: OVATION for a coupling, else Zhang & Paxton."""
        return self.ovation if math.isfinite(drivers.values.get("dphi", math.nan)) else self.kp_model

    def evaluate(
        self, mlat: np.ndarray, mlt: np.ndarray, time: dt.datetime, drivers: Drivers
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.resolve(drivers).evaluate(mlat, mlt, time, drivers)

    def __repr__(self) -> str:
        return "Auto()"


#: The oval models by name; the first is the default.
MODELS: dict[str, OvalModel] = {"zhang-paxton": ZhangPaxton(), "ovation": OvationPrime(), "auto": Auto()}
DEFAULT_MODEL = "zhang-paxton"


def resolved(model: OvalModel, drivers: Drivers) -> OvalModel:
    """The model that runs: ``model`` itself, or the one an :class:`Auto` chose for ``drivers``."""
    return model.resolve(drivers) if isinstance(model, Auto) else model


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
    probability: bool = False,
) -> xr.Dataset:
    """The auroral oval of a moment on a global geographic grid.

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    model
        The oval model (see :func:`get_model`): ``"zhang-paxton"`` (the default, driven by Kp),
        ``"ovation"`` (OVATION Prime 2010, driven by the solar wind; no solar wind raises) or
        ``"auto"`` (OVATION where the solar wind is known, else Zhang & Paxton with a warning).
    indices
        Index overrides (:class:`~norrsken.drivers.kp.Indices`, a SpaceWeather or a mapping, e.g.
        ``{"kp": 6}``); default: the embedded history at ``time``.
    online
        Ask the live feeds (NOAA SWPC) for the drivers first; the embedded history is the fallback.
    resolution_deg
        Grid spacing in latitude and longitude, degrees (must divide 180).
    height_km
        Altitude of the AACGM mapping, km.
    probability
        Also give ``aurora_probability_percent``, the probability of visible aurora like SWPC's
        aurora map (approximate: :func:`~norrsken.precipitation.products.visible_probability_percent`).

    Returns
    -------
    xarray.Dataset
        ``energy_flux_erg`` and ``mean_energy_kev`` on (lat, lon), plus ``mlat`` and ``mlt``; for
        OVATION also each type's energy and number flux (``diffuse_energy_flux_erg``, ...,
        ``ions_number_flux``); attrs carry the model that ran (``model`` its reference,
        ``model_name``; ``model_requested`` the one asked for, e.g. ``auto``), the time, each driver
        and its ``<name>_source`` (``kp``, ``kp_source`` or ``dphi``, ``dphi_source``), and the
        hemispheric powers (GW).
    """
    time = to_utc(time)
    geomag.check_date(time)  # before the drivers, which may warn about a fallback
    requested = get_model(model)
    drivers = requested.drivers(time, indices, online=online)
    chosen = resolved(requested, drivers)
    lat, lon = grid_axes(resolution_deg)
    mlat, mlon = geomag.grid_to_aacgm(lat, lon, time, height_km)
    mlt = geomag.mlt(mlon, time)
    components = chosen.components(mlat, mlt, time, drivers) if isinstance(chosen, OvationPrime) else {}
    flux, energy = (
        (components["energy_flux_erg"], components["mean_energy_kev"]) if components else chosen.evaluate(mlat, mlt, time, drivers)
    )
    ds = xr.Dataset(
        {
            "energy_flux_erg": (("lat", "lon"), flux, {"units": "erg cm-2 s-1", "long_name": "electron energy flux Q"}),
            "mean_energy_kev": (("lat", "lon"), energy, {"units": "keV", "long_name": "electron mean energy E0"}),
            "mlat": (("lat", "lon"), mlat, {"units": "degree", "long_name": f"AACGM-v2 latitude at {height_km:g} km"}),
            "mlt": (("lat", "lon"), mlt, {"units": "hour", "long_name": "magnetic local time"}),
            **{
                name: (("lat", "lon"), components[name], {"units": units, "long_name": long_name})
                for name, (units, long_name) in COMPONENTS.items()
                if name in components
            },
        },
        coords={
            "lat": ("lat", lat, {"units": "degree_north"}),
            "lon": ("lon", lon, {"units": "degree_east"}),
        },
        attrs={
            "product": "oval",
            "model": chosen.reference,
            "model_name": chosen.name,
            "model_requested": requested.name,
            "time": time.isoformat().replace("+00:00", "Z"),
            **drivers.attrs(),
            "height_km": height_km,
        },
    )
    if checks.flag("probability", probability):
        ds["aurora_probability_percent"] = (
            ("lat", "lon"),
            visible_probability_percent(flux),
            {"units": "%", "long_name": "probability of visible aurora (approximate SWPC conversion)"},
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
