"""Zhang & Paxton (2008) Kp-driven auroral electron precipitation model.

Y. Zhang and L. J. Paxton, "An empirical Kp-dependent global auroral model based on TIMED/GUVI FUV
data", J. Atmos. Sol.-Terr. Phys. 70 (2008) 1231-1242, doi:10.1016/j.jastp.2008.03.008.

The coefficient table ``data/zhang_paxton_2008.csv`` holds the paper's Appendix A, Tables 1 (energy
flux) and 2 (mean energy): for six Kp bins, the Fourier coefficients in MLT (constant and n = 1..6
cosine and sine terms) of the four parameters A, B, C, D of an Epstein function in co-latitude
x = 90 - |MLAT|:

    V = A exp((x - B) / C) / (1 + exp((x - B) / D))**2

The appendix as printed has (x - A) in the denominator; that is a misprint (with it the hemispheric
power is off by orders of magnitude, with (x - B) it matches the paper's HP(Kp) within ~5 %).

Between bin centres the energy flux is interpolated with weights from the paper's hemispheric-power
relation HP(Kp), and the mean energy linearly in Kp. Both hemispheres use |MLAT|.
"""

from __future__ import annotations

import dataclasses
import functools
from importlib import resources

import numpy as np
import xarray as xr

from .. import geomag
from ..drivers import kp as kp_driver
from ..errors import NorrskenError
from ..times import TimeLike, to_utc
from .products import MIN_ABS_MLAT, boundary_geographic, hemispheric_power_gw, view_line

#: Centres of the paper's Kp bins (0-1.5, 1.5-3, 3-4.5, 4.5-6, 6-8, 8-10).
KP_BIN_CENTRES = np.array([0.75, 2.25, 3.75, 5.25, 7.0, 9.0])
_TERMS = ["const"] + [f"cos_{n}" for n in range(1, 7)] + [f"sin_{n}" for n in range(1, 7)]


def hemispheric_power_zp08(kp: float | np.ndarray) -> np.ndarray:
    """Hemispheric power (GW) of Zhang & Paxton (2008) as a function of Kp.

    HP = 38.66 exp(0.1967 Kp) - 33.99 for Kp <= 5 and 4.592 exp(0.4731 Kp) + 20.47 above.
    """
    kp = np.asarray(kp, dtype=float)
    return np.where(kp <= 5.0, 38.66 * np.exp(0.1967 * kp) - 33.99, 4.592 * np.exp(0.4731 * kp) + 20.47)


@functools.lru_cache(maxsize=1)
def _coefficients() -> dict[str, np.ndarray]:
    """{'energy_flux', 'mean_energy'} -> array (6 bins, 13 terms, 4 params A..D)."""
    text = resources.files("norrsken").joinpath("data", "zhang_paxton_2008.csv").read_text()
    rows = [line.split(",") for line in text.splitlines() if line and not line.startswith("#")]
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    out = {q: np.full((6, len(_TERMS), 4), np.nan) for q in ("energy_flux", "mean_energy")}
    for r in body:
        out[r[col["quantity"]]][int(r[col["kp_bin"]]), _TERMS.index(r[col["term"]])] = [
            float(r[col[p]]) for p in "ABCD"
        ]
    if any(np.isnan(a).any() for a in out.values()):
        raise RuntimeError("zhang_paxton_2008.csv is incomplete")
    return out


def _epstein(params: np.ndarray, colat: np.ndarray) -> np.ndarray:
    a, b, c, d = np.moveaxis(params, -1, 0)
    with np.errstate(over="ignore"):
        return a * np.exp((colat - b) / c) / (1.0 + np.exp((colat - b) / d)) ** 2


def _bin_value(quantity: str, kp_bin: int, basis: np.ndarray, colat: np.ndarray) -> np.ndarray:
    # einsum, not @: a (n, 13) x (13, 4) product is too small for BLAS, whose threads cost 100x
    # more than the product when other work keeps the cores busy.
    params = np.einsum("...j,jk->...k", basis, _coefficients()[quantity][kp_bin])  # (..., 4)
    return _epstein(params, colat)


@dataclasses.dataclass(frozen=True)
class KpWeights:
    """The two bracketing Kp bins and the weights of each, for flux (HP) and for mean energy."""

    lower: int
    flux: tuple[float, float]
    energy: tuple[float, float]


def kp_weights(kp: float) -> KpWeights:
    """Bracketing bins and interpolation weights for ``kp``.

    Below the first centre (0.75) the flux extrapolates along HP(Kp), as the paper's weighting
    prescribes; the mean energy is held at the first bin rather than extrapolated toward zero.
    """
    kp = kp_driver.check_kp(kp)
    lower = int(np.clip(np.searchsorted(KP_BIN_CENTRES, kp, side="right") - 1, 0, len(KP_BIN_CENTRES) - 2))
    k1, k2 = KP_BIN_CENTRES[lower], KP_BIN_CENTRES[lower + 1]
    hp, hp1, hp2 = hemispheric_power_zp08([kp, k1, k2])
    flux = (float((hp2 - hp) / (hp2 - hp1)), float((hp - hp1) / (hp2 - hp1)))
    t = float(np.clip((kp - k1) / (k2 - k1), 0.0, 1.0))
    return KpWeights(lower, flux, (1.0 - t, t))


def evaluate(mlat: np.ndarray, mlt: np.ndarray, kp: float) -> tuple[np.ndarray, np.ndarray]:
    """Energy flux and mean energy of precipitating electrons at magnetic coordinates.

    Parameters
    ----------
    mlat : array_like
        AACGM magnetic latitude, degrees (either hemisphere; NaN allowed).
    mlt : array_like
        Magnetic local time, hours.
    kp : float
        Planetary Kp, 0-9 (any real value; bins are interpolated).

    Returns
    -------
    energy_flux_erg : ndarray
        Q in erg cm^-2 s^-1 (= mW m^-2); 0 equatorward of |MLAT| = 40 deg and where MLAT is NaN.
    mean_energy_kev : ndarray
        Mean energy in keV; NaN where the model is not evaluated (Q = 0 there).
    """
    mlat = geomag.check_latitude(mlat, "magnetic latitude")
    mlat, mlt = np.broadcast_arrays(mlat, np.asarray(mlt, dtype=float))
    weights = kp_weights(float(kp))
    inside = np.abs(mlat) >= MIN_ABS_MLAT  # False for NaN
    colat = 90.0 - np.abs(mlat[inside])
    angle = mlt[inside] * (2.0 * np.pi / 24.0)
    n = np.arange(1, 7)
    basis = np.concatenate(
        [np.ones((angle.size, 1)), np.cos(np.outer(angle, n)), np.sin(np.outer(angle, n))], axis=1
    )
    flux_inside = np.zeros(colat.shape)
    energy_inside = np.zeros(colat.shape)
    for k, (w_flux, w_energy) in enumerate(zip(weights.flux, weights.energy, strict=True)):
        flux_inside += w_flux * _bin_value("energy_flux", weights.lower + k, basis, colat)
        energy_inside += w_energy * _bin_value("mean_energy", weights.lower + k, basis, colat)
    flux = np.zeros(mlat.shape)
    energy = np.full(mlat.shape, np.nan)
    # Extrapolating the flux below Kp 0.75 can push a weight negative; the flux stays physical.
    flux[inside] = np.maximum(flux_inside, 0.0)
    energy[inside] = energy_inside
    return flux, energy


def grid_axes(resolution_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The global grid of the oval maps: latitudes -90..90 inclusive, longitudes -180 (inclusive)
    to 180 (exclusive), ``resolution_deg`` apart (it must divide 180)."""
    steps = 180.0 / resolution_deg if resolution_deg > 0 else np.nan
    if not (np.isfinite(steps) and abs(steps - round(steps)) < 1e-9):
        raise NorrskenError(f"resolution_deg must be positive and divide 180, got {resolution_deg:g}")
    steps = round(steps)
    return np.linspace(-90.0, 90.0, steps + 1), np.linspace(-180.0, 180.0, 2 * steps, endpoint=False)


def oval(
    time: TimeLike,
    *,
    kp: float | None = None,
    resolution_deg: float = 0.5,
    height_km: float = geomag.DEFAULT_HEIGHT_KM,
) -> xr.Dataset:
    """The Zhang-Paxton oval of a moment on a global geographic grid.

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    kp
        Kp override; by default Kp of ``time`` from the embedded CelesTrak history.
    resolution_deg
        Grid spacing in latitude and longitude, degrees (must divide 180).
    height_km
        Altitude of the AACGM mapping, km.

    Returns
    -------
    xarray.Dataset
        ``energy_flux_erg`` and ``mean_energy_kev`` on (lat, lon), plus ``mlat`` and ``mlt``; attrs
        carry model, time, Kp (and its source) and hemispheric powers (GW).
    """
    time = to_utc(time)
    kp_value = kp_driver.kp_at(time, kp)
    lat, lon = grid_axes(resolution_deg)
    mlat, mlon = geomag.grid_to_aacgm(lat, lon, time, height_km)
    mlt = geomag.mlt(mlon, time)
    flux, energy = evaluate(mlat, mlt, kp_value)
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
            "model": "Zhang & Paxton (2008), JASTP 70, 1231, doi:10.1016/j.jastp.2008.03.008",
            "time": time.isoformat().replace("+00:00", "Z"),
            "kp": kp_value,
            "kp_source": "user override" if kp is not None else "embedded CelesTrak history",
            "height_km": height_km,
        },
    )
    for hemisphere in ("north", "south"):
        ds.attrs[f"hemispheric_power_{hemisphere}_gw"] = hemispheric_power_gw(ds, hemisphere, height_km)
    return ds


def edges(
    ds: xr.Dataset, threshold_erg: float, hemispheres: tuple[str, ...] = ("north", "south")
) -> dict[str, tuple[xr.Dataset, xr.Dataset]]:
    """The equatorward edge and the view line of the ``hemispheres`` (default both) of an :func:`oval`.

    Returns
    -------
    dict
        ``{"north": (boundary, view), "south": (boundary, view)}`` from
        :func:`~norrsken.precipitation.boundary_geographic` (the model itself evaluated along magnetic
        latitude at the oval's Kp) and :func:`~norrsken.precipitation.view_line`.
    """
    kp_value = float(ds.attrs["kp"])

    def flux_of(mlat: np.ndarray, mlt: np.ndarray) -> np.ndarray:
        return evaluate(mlat, mlt, kp_value)[0]

    out = {}
    for hemisphere in hemispheres:
        boundary = boundary_geographic(
            flux_of, ds.attrs["time"], hemisphere, threshold_erg=threshold_erg, height_km=ds.attrs["height_km"]
        )
        out[hemisphere] = (boundary, view_line(boundary))
    return out
