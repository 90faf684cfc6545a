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
import numpy.typing as npt

from .. import checks
from ..drivers import kp as kp_driver
from ..drivers import swpc
from ..times import TimeLike
from .model import Drivers
from .products import MIN_ABS_MLAT

#: Centres of the paper's Kp bins (0-1.5, 1.5-3, 3-4.5, 4.5-6, 6-8, 8-10).
KP_BIN_CENTRES = np.array([0.75, 2.25, 3.75, 5.25, 7.0, 9.0])
_TERMS = ["const"] + [f"cos_{n}" for n in range(1, 7)] + [f"sin_{n}" for n in range(1, 7)]


def hemispheric_power_zp08(kp: npt.ArrayLike) -> np.ndarray:
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
    mlat = checks.latitude(mlat, "magnetic latitude")
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


class ZhangPaxton:
    """The Zhang & Paxton (2008) oval as an :class:`~norrsken.precipitation.model.OvalModel`,
    driven by Kp down :func:`~norrsken.drivers.swpc.kp_now`'s chain: the user's, NOAA SWPC's
    (``online``), the embedded history's, after it SWPC's cached forecast or an assumed value."""

    name = "zhang-paxton"
    reference = "Zhang & Paxton (2008), JASTP 70, 1231, doi:10.1016/j.jastp.2008.03.008"
    needs: tuple[str, ...] = ("kp",)

    def drivers(self, time: TimeLike, indices=None, *, online: bool = False) -> Drivers:
        kp, source = swpc.kp_now(time, kp=kp_driver.Indices.of(indices).kp, offline=not online)
        return Drivers({"kp": kp}, {"kp": source})

    def evaluate(self, mlat: np.ndarray, mlt: np.ndarray, time: TimeLike, drivers: Drivers) -> tuple[np.ndarray, np.ndarray]:
        return evaluate(mlat, mlt, drivers["kp"])

    def __repr__(self) -> str:
        return "ZhangPaxton()"
