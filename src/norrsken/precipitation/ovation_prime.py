"""OVATION Prime 2010: auroral precipitation driven by the solar wind (Newell et al. 2009, 2010).

P. T. Newell, T. Sotirelis and S. Wing, "Diffuse, monoenergetic, and broadband aurora: The global
precipitation budget", JGR 114 (2009) A09207, doi:10.1029/2009JA014326; P. T. Newell et al.,
"Seasonal variations in diffuse, monoenergetic, and broadband aurora", JGR 115 (2010) A03216,
doi:10.1029/2009JA014805. Driven by the Newell et al. (2007) coupling dPhi_MP/dt
(:func:`~norrsken.drivers.solarwind.newell_coupling`).

The model is a set of linear regressions on dPhi/dt, fitted to DMSP SSJ spectra 1984-2005, in
96 MLT x 80 |MLAT| bins (0.25 h x 0.5 deg, |MLAT| 50-90) per hemisphere, for each of four seasons
and four types of precipitation: diffuse, monoenergetic and broadband ("wave") electrons, and ions.
Per bin and season file (``data/ovation_prime/coefficients.npz``, see its NOTICE):

1. flux = b1 + b2 dPhi/dt, energy flux (erg cm^-2 s^-1) and number flux (cm^-2 s^-1);
2. electrons only: times the probability of that type, p = b1p + b2p dPhi/dt clipped to [0, 1];
   where the bin has no probability fit (b1p = b2p = 0) p comes from the file's table in 12 bins
   of dPhi/dt (step 4421/8), and where that is 0 too, from the mean of the neighbouring bins;
3. the IDL outlier clamps, in their order (sequential ifs, see :func:`clamp`);
4. both halves of the file (rows 0-79 south, 80-159 north) hold the *local* season, so they are
   combined: the mean of the halves that have a fit in that bin (the DMSP orbits leave bins near
   MLT 1-3 h and 13-15 h empty in one half; averaging a gap in as zero loses ~15 % of the power);
5. the seasons weighted by day of year (:func:`season_weights`), the south half a year on;
6. for maps and edges a light smoothing of the salt-and-pepper bins, each the mean of its 3 x 3
   neighbourhood (:func:`smooth_bins`; it lifts the agreement with SWPC's own OVATION map of
   2025-01-12 22:51 UTC from r = 0.82 to 0.85, the night-side edge from 2.4 to 2.3 deg).

The global fields are bilinear in MLT (periodic) and |MLAT| between bin centres (MLT
0.125 + 0.25 i h, |MLAT| 50.25 + 0.5 k deg; the outer half bins hold the edge value), zero
equatorward of 50 deg. Q is the energy flux of the three electron types and E0 = Q / number flux
their mean energy (the chain's); each type is also kept on its own (:meth:`OvationPrime.components`).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

import numpy as np

from .. import checks
from ..drivers import kp as kp_driver
from ..drivers import solarwind
from ..times import TimeLike, to_utc
from .model import Drivers

TYPES = ("diffuse", "mono", "wave", "ions")
#: The types whose energy flux makes Q (electrons).
ELECTRON_TYPES = TYPES[:3]
SEASONS = ("winter", "spring", "summer", "fall")
#: Day of year at the centre of each season (solstices and equinoxes: Dec 20, Mar 20, Jun 20,
#: Sep 20), between which the four fits are weighted linearly (Newell et al. 2010 fit the four
#: seasons separately; the OVATION Prime IDL code weights them between 354, 79, 171 and 263).
SEASON_CENTRES_DOY = {"winter": 354.0, "spring": 79.0, "summer": 171.0, "fall": 263.0}
#: The southern hemisphere's season is half a year on: doy + 182.5 (not 365 - doy).
SOUTH_SHIFT_DAYS = 182.5
DAYS_PER_YEAR = 365.0
#: The probability tables are binned in dPhi/dt in 12 steps of the average coupling / 8 (the
#: average dPhi/dt of the fit period, 4421 (km/s)^4/3 nT^2/3: the IDL code's dFave).
AVERAGE_COUPLING = 4421.0
COUPLING_STEP = AVERAGE_COUPLING / 8.0
N_COUPLING_BINS = 12
N_MLT, N_MLAT = 96, 80
MLT_STEP_H, MLAT_STEP_DEG = 0.25, 0.5
#: Equatorward edge of the model's bins, deg.
MIN_ABS_MLAT = 50.0
#: 1 keV in erg.
KEV_ERG = 1.602176634e-9
#: Mean energies are clipped to the energy range of the DMSP SSJ/4 spectra the model was fitted to
#: (32 eV - 30 keV; Newell et al. 2009): a ratio of two regressions can leave it in sparse bins.
MEAN_ENERGY_RANGE_KEV = (0.032, 30.0)
#: The IDL clamps: (above, set to) applied one after the other, per type and quantity. Electron
#: energy flux > 10 -> 0.5, then > 5 -> 5 erg cm^-2 s^-1; number flux > 2e10 -> 0, then
#: > 2e9 -> 1e9 cm^-2 s^-1; ion energy flux > 4 -> 0.25, then > 2 -> 2; ion number flux > 5e8 -> 0,
#: then > 1e8 -> 1e8 (OVATION Prime 2010 IDL code, NOAA NCEI release).
CLAMPS: dict[tuple[str, str], tuple[tuple[float, float], ...]] = {
    ("electrons", "energy"): ((10.0, 0.5), (5.0, 5.0)),
    ("electrons", "number"): ((2e10, 0.0), (2e9, 1e9)),
    ("ions", "energy"): ((4.0, 0.25), (2.0, 2.0)),
    ("ions", "number"): ((5e8, 0.0), (1e8, 1e8)),
}
Quantity = Literal["energy", "number"]


@functools.lru_cache(maxsize=1)
def coefficients() -> dict[str, np.ndarray]:
    """The packaged coefficients (float64): ``energy_flux`` and ``number_flux`` (season, type,
    b1/b2, MLT bin, MLAT row), ``prob_b`` (season, electron type, b1/b2, MLT, row) and
    ``prob_fallback`` (season, electron type, MLT, row, dPhi/dt bin); rows 0-79 south, 80-159 north."""
    path = resources.files("norrsken").joinpath("data", "ovation_prime", "coefficients.npz")
    with path.open("rb") as handle, np.load(handle) as z:
        return {name: z[name].astype(np.float64) for name in ("energy_flux", "number_flux", "prob_b", "prob_fallback")}


def season_weights(doy: float) -> np.ndarray:
    """Weights of the four season fits (winter, spring, summer, fall) on day of year ``doy``:
    linear between the season centres, periodic over the year, summing to 1."""
    doy = checks.real("doy", doy) % DAYS_PER_YEAR
    centres = [SEASON_CENTRES_DOY[s] for s in SEASONS]
    return np.array([np.interp(doy, centres, np.eye(4)[k], period=DAYS_PER_YEAR) for k in range(4)])


def local_day_of_year(doy: float, hemisphere: str) -> float:
    """The day of year whose season a hemisphere has: ``doy`` in the north, half a year on in the south."""
    sign = checks.hemisphere(hemisphere)
    return float(doy) if sign > 0 else (float(doy) + SOUTH_SHIFT_DAYS) % DAYS_PER_YEAR


def clamp(flux: np.ndarray, kind: str, quantity: Quantity) -> np.ndarray:
    """Negative flux to 0, then the IDL outlier clamps of :data:`CLAMPS`, in order."""
    group = "ions" if kind == "ions" else "electrons"
    out = np.maximum(np.asarray(flux, dtype=float), 0.0)
    for above, value in CLAMPS[(group, quantity)]:
        out = np.where(out > above, value, out)
    return out


def coupling_bin(dphi: float) -> int:
    """The bin of the probability tables for ``dphi``: round(dPhi/dt / step) (halves away from
    zero, as IDL's ``round``), within 0..11."""
    return int(np.clip(np.floor(dphi / COUPLING_STEP + 0.5), 0, N_COUPLING_BINS - 1))


def probability(season: str, kind: str, dphi: float) -> np.ndarray:
    """Probability (0-1) of precipitation of an electron type in every bin of one season file (96, 160)."""
    c = coefficients()
    s, t = SEASONS.index(season), ELECTRON_TYPES.index(kind)
    b1, b2 = c["prob_b"][s, t]
    fitted = np.clip(b1 + b2 * dphi, 0.0, 1.0)
    table = c["prob_fallback"][s, t]
    k = coupling_bin(dphi)
    below = k - 1 if k > 0 else k + 2  # the neighbours, two on where one side is missing
    above = k + 1 if k < N_COUPLING_BINS - 1 else k - 2
    tabulated = table[..., k]
    tabulated = np.where(tabulated == 0.0, 0.5 * (table[..., below] + table[..., above]), tabulated)
    return np.where((b1 == 0.0) & (b2 == 0.0), tabulated, fitted)


def bin_flux(season: str, kind: str, dphi: float, quantity: Quantity = "energy") -> np.ndarray:
    """The flux of one type in every bin of one season file (96 MLT, 160 rows), clamped:
    energy flux in erg cm^-2 s^-1 or number flux in cm^-2 s^-1."""
    c = coefficients()["energy_flux" if quantity == "energy" else "number_flux"]
    b1, b2 = c[SEASONS.index(season), TYPES.index(kind)]
    flux = b1 + b2 * dphi
    if kind != "ions":
        flux = flux * probability(season, kind, dphi)
    return clamp(flux, kind, quantity)


def combined_flux(season: str, kind: str, dphi: float, quantity: Quantity = "energy") -> np.ndarray:
    """One season's flux on the 96 x 80 bins of |MLAT| 50-90: the mean of the file's two halves
    where both have a fit, the one that has where only one has, 0 where neither."""
    c = coefficients()["energy_flux" if quantity == "energy" else "number_flux"]
    b1, b2 = c[SEASONS.index(season), TYPES.index(kind)]
    fitted = ((b1 != 0.0) | (b2 != 0.0)).astype(float)
    flux = bin_flux(season, kind, dphi, quantity)
    count = fitted[:, :N_MLAT] + fitted[:, N_MLAT:]
    total = flux[:, :N_MLAT] * fitted[:, :N_MLAT] + flux[:, N_MLAT:] * fitted[:, N_MLAT:]
    return np.where(count > 0, total / np.maximum(count, 1.0), 0.0)


def smooth_bins(fields: np.ndarray) -> np.ndarray:
    """A light smoothing of the salt-and-pepper bins: the mean of each 3 x 3 block of bins
    (0.75 h of MLT, periodic, x 1.5 deg of |MLAT|, the edge rows repeated), per field."""
    out = (np.roll(fields, 1, axis=0) + fields + np.roll(fields, -1, axis=0)) / 3.0
    padded = np.concatenate([out[:, :1], out, out[:, -1:]], axis=1)
    return (padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]) / 3.0


@functools.lru_cache(maxsize=64)
def hemisphere_bins(dphi: float, doy: float, smooth: bool = True) -> np.ndarray:
    """The season-weighted fields of one hemisphere's local day of year on the model's bins:
    (96 MLT, 80 |MLAT|, 10): the energy flux of each type of :data:`TYPES`, their number flux, then
    the electrons' energy and number flux (Q and its number flux); with ``smooth`` (the model's
    default) lightly smoothed (:func:`smooth_bins`)."""
    weights = season_weights(doy)
    n = len(TYPES)
    fields = np.zeros((N_MLT, N_MLAT, 2 * n + 2))
    for s, season in enumerate(SEASONS):
        if weights[s] == 0.0:
            continue
        for t, kind in enumerate(TYPES):
            fields[..., t] += weights[s] * combined_flux(season, kind, dphi, "energy")
            fields[..., n + t] += weights[s] * combined_flux(season, kind, dphi, "number")
    electrons = [TYPES.index(kind) for kind in ELECTRON_TYPES]
    fields[..., 2 * n] = fields[..., electrons].sum(axis=-1)
    fields[..., 2 * n + 1] = fields[..., [n + t for t in electrons]].sum(axis=-1)
    if smooth:
        fields = smooth_bins(fields)
    fields.setflags(write=False)
    return fields


def day_of_year(time: TimeLike) -> int:
    """The day of year (1-366) of a UTC time, as the IDL code takes it (whole days)."""
    return to_utc(time).timetuple().tm_yday


def interpolate(fields: np.ndarray, mlat: np.ndarray, mlt: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of per-hemisphere bin fields (2: north, south; 96; 80; n) onto
    points (MLAT, MLT) of any shape, periodic in MLT; the outer half bins in |MLAT| take the edge
    bins' values; 0 equatorward of 50 deg and at NaN. Returns (..., n)."""
    mlat, mlt = np.broadcast_arrays(np.asarray(mlat, dtype=float), np.asarray(mlt, dtype=float))
    shape = mlat.shape
    mlat, mlt = mlat.ravel(), mlt.ravel()
    inside = np.abs(mlat) >= MIN_ABS_MLAT  # False for NaN
    lat, hours = mlat[inside], mlt[inside]
    x = np.mod(hours, 24.0) / MLT_STEP_H - 0.5  # bin centres at MLT 0.125 + 0.25 i
    i0 = np.floor(x)
    wx = x - i0
    i0 = i0.astype(np.intp) % N_MLT
    i1 = (i0 + 1) % N_MLT
    y = np.clip((np.abs(lat) - MIN_ABS_MLAT) / MLAT_STEP_DEG - 0.5, 0.0, N_MLAT - 1.0)  # centres 50.25 + 0.5 k
    j0 = np.minimum(y.astype(np.intp), N_MLAT - 2)
    wy = y - j0
    base = (lat < 0) * (N_MLT * N_MLAT) + j0
    row0, row1 = base + i0 * N_MLAT, base + i1 * N_MLAT
    # The four corners' weights once, then one gather per corner and field plane.
    weights = ((1.0 - wx) * (1.0 - wy), wx * (1.0 - wy), (1.0 - wx) * wy, wx * wy)
    corners = (row0, row1, row0 + 1, row1 + 1)
    planes = np.moveaxis(fields, -1, 0).reshape(fields.shape[-1], -1)
    out = np.zeros((fields.shape[-1], mlat.size))
    for k, plane in enumerate(planes):
        out[k, inside] = sum(w * plane[c] for w, c in zip(weights, corners, strict=True))
    return np.moveaxis(out.reshape(fields.shape[-1:] + shape), 0, -1)


def evaluate_types(
    mlat: np.ndarray, mlt: np.ndarray, time: TimeLike, dphi: float, smooth: bool = True
) -> dict[str, np.ndarray]:
    """Every field of the model at AACGM latitudes and MLTs (broadcasting).

    Parameters
    ----------
    mlat : array_like
        AACGM magnetic latitude, degrees (either hemisphere; NaN allowed).
    mlt : array_like
        Magnetic local time, hours.
    time
        UTC time (its day of year sets the season).
    dphi : float
        Newell coupling dPhi_MP/dt, (km/s)^4/3 nT^2/3, e.g. the 4-hour weighted average of
        :func:`~norrsken.drivers.solarwind.coupling_at`.
    smooth : bool
        Smooth the bins lightly first (:func:`smooth_bins`; default), as for maps and edges.

    Returns
    -------
    dict
        ``energy_flux_erg`` (Q, the electron types) and ``mean_energy_kev`` (E0 = Q / number flux,
        NaN where Q = 0), and per type ``<type>_energy_flux_erg`` and ``<type>_number_flux``
        (cm^-2 s^-1).
    """
    mlat = checks.latitude(mlat, "magnetic latitude")
    dphi = solarwind.check_coupling(dphi)
    doy = day_of_year(time)
    fields = np.stack([hemisphere_bins(dphi, local_day_of_year(doy, h), smooth) for h in ("north", "south")])
    values = interpolate(fields, mlat, mlt)
    n = len(TYPES)
    out = {}
    for t, kind in enumerate(TYPES):
        out[f"{kind}_energy_flux_erg"] = values[..., t]
        out[f"{kind}_number_flux"] = values[..., n + t]
    flux, number = values[..., 2 * n], values[..., 2 * n + 1]
    lit = (flux > 0.0) & (number > 0.0)  # a flux without a number flux is a fit's artefact: dropped
    flux = np.where(lit, flux, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        energy = np.where(lit, np.clip(flux / (number * KEV_ERG), *MEAN_ENERGY_RANGE_KEV), np.nan)
    out["energy_flux_erg"], out["mean_energy_kev"] = flux, energy
    return out


#: The per-type variables of an OVATION oval: name -> (units, long name).
COMPONENTS = {
    f"{kind}_{quantity}": (
        "erg cm-2 s-1" if quantity == "energy_flux_erg" else "cm-2 s-1",
        f"{label} {'energy' if quantity == 'energy_flux_erg' else 'number'} flux",
    )
    for kind, label in zip(
        TYPES, ("diffuse electron", "monoenergetic electron", "broadband electron", "ion"), strict=True
    )
    for quantity in ("energy_flux_erg", "number_flux")
}


class OvationPrime:
    """OVATION Prime 2010 as an :class:`~norrsken.precipitation.model.OvalModel`, driven by the
    Newell coupling from the solar wind (:func:`~norrsken.drivers.solarwind.coupling_now`): the
    user's ``dphi`` or solar wind, the live SWPC real-time solar wind (``online``), else the
    embedded OMNI hours; where none covers the time it raises (``"auto"`` falls back to Kp)."""

    name = "ovation"
    reference = (
        "OVATION Prime 2010: Newell et al. (2009), JGR 114, A09207, doi:10.1029/2009JA014326; (2010), JGR 115, "
        "A03216, doi:10.1029/2009JA014805"
    )
    needs: tuple[str, ...] = ("dphi",)

    def drivers(self, time: TimeLike, indices=None, *, online: bool = False) -> Drivers:
        given = kp_driver.Indices.of(indices)
        dphi, source = solarwind.coupling_now(time, dphi=given.dphi, solar_wind=given.solar_wind, online=online)
        return Drivers({"dphi": dphi}, {"dphi": source})

    def evaluate(self, mlat: np.ndarray, mlt: np.ndarray, time: TimeLike, drivers: Drivers) -> tuple[np.ndarray, np.ndarray]:
        out = evaluate_types(mlat, mlt, time, drivers["dphi"])
        return out["energy_flux_erg"], out["mean_energy_kev"]

    def components(self, mlat: np.ndarray, mlt: np.ndarray, time: TimeLike, drivers: Drivers) -> dict[str, np.ndarray]:
        """Q, E0 and the per-type fields of :data:`COMPONENTS` (see :func:`evaluate_types`)."""
        return evaluate_types(mlat, mlt, time, drivers["dphi"])

    def __repr__(self) -> str:
        return "OvationPrime()"


def hemispheric_power_bins_gw(dphi: float, doy: float, kinds: tuple[str, ...] = TYPES, radius_km: float = 6481.0) -> float:
    """Power (GW) of ``kinds`` over one hemisphere's (unsmoothed) bins at local day of year
    ``doy``, on a sphere of ``radius_km`` (default 6371 + 110 km): the model's own hemispheric power."""
    fields = hemisphere_bins(solarwind.check_coupling(dphi), float(doy), smooth=False)
    lat = MIN_ABS_MLAT + MLAT_STEP_DEG * (np.arange(N_MLAT) + 0.5)
    half = np.radians(MLAT_STEP_DEG / 2)
    band_cm2 = (radius_km * 1e5) ** 2 * (2 * np.pi / N_MLT) * (np.sin(np.radians(lat) + half) - np.sin(np.radians(lat) - half))
    flux = sum(fields[..., TYPES.index(k)] for k in kinds)
    return float(np.sum(flux * band_cm2[None, :]) * 1e-7 / 1e9)  # erg/s -> W -> GW

