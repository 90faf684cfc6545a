"""Total ionization rate q(z) of precipitating electrons: Fang et al. (2010), integrated over spectra.

Fang et al. (2010), GRL 37, L22106, doi:10.1029/2010GL045406, parameterize the ionization by
isotropic monoenergetic electrons (0.1 keV - 1 MeV) through a universal shape of a normalised
column mass y. For an incident energy flux Q (keV cm^-2 s^-1) of energy E (keV):

    H = k_B T / (m g),  y = (2/E) (rho H / 6e-6)^0.7,
    f(y) = C1 y^C2 exp(-C3 y^C4) + C5 y^C6 exp(-C7 y^C8),  ln C_i = sum_j P_ij (ln E)^j,
    q(z) = f(y) Q / (de H)       [ion pairs cm^-3 s^-1], de = 0.035 keV per ion pair.

A spectrum is a weighted sum of monoenergetic columns: ``q = W @ K`` with K the energy x altitude
kernel of one atmosphere, so a whole grid of spectra costs one matrix product.

Spectrum conventions (all parameterized by the *mean* energy <E> = energy flux / number flux, the
quantity oval models report):

- ``maxwellian``: number flux phi(E) ~ E exp(-E/E0) with characteristic energy E0 = <E>/2.
- ``kappa``: phi(E) ~ E (1 + E/(kappa E0))^-(kappa+1), mean energy 2 kappa E0 / (kappa - 2); it
  tends to the Maxwellian as kappa grows and has a power-law high-energy tail.
- ``gaussian``: phi(E) ~ exp(-(E - Ec)^2 / (2 s^2)) with centre Ec = <E> and s = width x Ec
  (the mean then exceeds Ec by a fraction width^2, 1 % for the default width 0.1).
- ``monoenergetic``: all electrons at <E>.

Broad spectra are binned on a fixed log energy grid (0.1 keV - 1 MeV, 12 nodes per decade; profiles
agree within 0.3 % with a grid twice as fine) with
exact bin integrals of their energy flux (so energy flux is conserved to rounding). Fang's fit
starts at 0.1 keV; the energy flux carried below 0.1 keV (1 % of it for <E> = 0.5 keV, 32 % for
<E> = 0.1 keV) is deposited with the 0.1 keV shape, which keeps energy but puts that part slightly
too low. The Fang et al. (2008) Maxwellian parameterization is kept as an independent check.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy import special

from ..atmosphere import Atmosphere
from ..errors import NorrskenError, OutOfRangeError

#: Mean energy lost by an auroral electron per ion pair produced, keV: 35 eV, the total over all
#: loss channels (ionization, excitation, dissociation, heating of the ambient electrons) for the
#: N2/O2/O thermosphere (Rees 1989, "Physics and chemistry of the upper atmosphere", Cambridge
#: Univ. Press, sec. 3; the value Fang et al. 2010 divide their energy dissipation by, so f(y) and
#: this number belong together). It is an energy budget, not a fit: the deposited energy is
#: column ionization x 35 eV, 0.94-0.99 of the incident flux for <E> = 0.5-40 keV (the rest is
#: backscattered). GLOW's cross-section transport (Solomon et al. 1988, JGR 93, 9867) counts its
#: ion pairs directly and needs 38-43 eV of incident flux per ion pair (40 eV in the public
#: reference rows), so its ionization column is 0.85-0.90 of Q / 35 eV and ours 1.07-1.12 x GLOW's;
#: its own energy check is off by +7-14 % (`efrac` in the rows), so part of that difference is
#: GLOW's, and we keep the stated budget (docs/physics.md sec 2).
ENERGY_PER_ION_PAIR_KEV = 0.035
#: keV per erg (1 eV = 1.602176634e-12 erg, SI 2019 exact).
KEV_PER_ERG = 1.0 / 1.602176634e-9
#: Mean energies accepted by the column model and the tables, keV.
MEAN_ENERGY_RANGE_KEV = (0.1, 50.0)
#: Energy flux accepted, erg cm^-2 s^-1: the strongest aurora reach a few hundred.
ENERGY_FLUX_MAX_ERG = 1000.0
SPECTRA = ("maxwellian", "kappa", "gaussian", "monoenergetic")

#: Fang et al. (2010) Table 1, P_ij for i = 1..8 (rows), j = 0..3 (columns).
FANG2010_P = np.array(
    [
        [1.24616e0, 1.45903e0, -2.42269e-1, 5.95459e-2],
        [2.23976e0, -4.22918e-7, 1.36458e-2, 2.53332e-3],
        [1.41754e0, 1.44597e-1, 1.70433e-2, 6.39717e-4],
        [2.48775e-1, -1.50890e-1, 6.30894e-9, 1.23707e-3],
        [-4.65119e-1, -1.05081e-1, -8.95701e-2, 1.22450e-2],
        [3.86019e-1, 1.75430e-3, -7.42960e-4, 4.60881e-4],
        [-6.45454e-1, 8.49555e-4, -4.28581e-2, -2.99302e-3],
        [9.48930e-1, 1.97385e-1, -2.50660e-3, -2.06938e-3],
    ]
)
#: Fang et al. (2008), JGR 113, A09311, doi:10.1029/2008JA013384, Table 1 (Maxwellian fit).
FANG2008_P = np.array(
    [
        [3.49979e-1, -6.18200e-2, -4.08124e-2, 1.65414e-2],
        [5.85425e-1, -5.00793e-2, 5.69309e-2, -4.02491e-3],
        [1.69692e-1, -2.58981e-2, 1.96822e-2, 1.20505e-3],
        [-1.22271e-1, -1.15532e-2, 5.37951e-6, 1.20189e-3],
        [1.57018e0, 2.87896e-1, -4.14857e-1, 5.18158e-2],
        [8.83195e-1, 4.31402e-2, -8.33599e-2, 1.02515e-2],
        [1.90953e0, -4.74704e-2, -1.80200e-1, 2.46652e-2],
        [-1.29566e0, -2.10952e-1, 2.73106e-1, -2.92752e-2],
    ]
)
#: Fang et al. (2010) normalised column mass: y = (2/E)(rho H / 6e-6 g cm^-2)^0.7.
_Y2010 = (np.log(2.0), 6e-6, 0.7)
#: Depth calibration to GLOW. GLOW's electron transport (Solomon 2017, JGR 122, 7834) stops soft
#: auroral electrons at a smaller column mass than Fang et al. (2010): for Maxwellians of mean
#: energy <= 1 keV its ionization and 427.8 nm peaks lie 7-11 km higher, for harder spectra only
#: ~1.5 km. A factor on the column mass seen by electrons of energy E,
#:     c(E) = exp(a / (1 + (E / E_t)^2)),  a = 0.338, E_t = 10 keV,
#: removes that offset (soft electrons, which scatter most, get c = 1.40; above ~30 keV c -> 1 and
#: Fang's published profiles stand, which keeps the hard-spectrum 557.7 nm brightness, very sensitive
#: to the bottom of the profile, as it was). a was fitted to GLOW v0.981's 427.8 nm peak altitudes
#: for Maxwellians of E0 = 0.1-10 keV at 70 N 0 E, 2016-12-20 00 UT, F10.7 100, Ap 10 (residuals
#: < 2.6 km; E_t was chosen from the 557.7 nm columns) and checked on GLOW runs at Tromso that
#: played no part in the fit (< 1.5 km). Each monoenergetic profile moves up by H ln c(E), and the
#: deposited energy is unchanged. ``calibration="none"`` gives Fang (2010) as published.
GLOW_DEPTH_LOG_FACTOR, GLOW_DEPTH_ENERGY_KEV = 0.338, 10.0
CALIBRATIONS = ("glow", "none")
#: Fang et al. (2008): y = (1/E0)(rho H / 4e-6 g cm^-2)^(1/1.65).
_Y2008 = (0.0, 4e-6, 1.0 / 1.65)

#: The binning grid for broad spectra: 0.1 keV (Fang 2010's lower limit) to 1 MeV, 12 per decade.
ENERGY_GRID_KEV = np.logspace(-1.0, 3.0, 49)
_EDGES_KEV = np.concatenate([[0.0], np.sqrt(ENERGY_GRID_KEV[1:] * ENERGY_GRID_KEV[:-1]), [np.inf]])


def _log_coefficients(p: np.ndarray, energy_kev: np.ndarray) -> np.ndarray:
    """ln C_i(E) = sum_j P_ij (ln E)^j, shape (8, n)."""
    ln_e = np.log(energy_kev)
    return p @ np.vstack([np.ones_like(ln_e), ln_e, ln_e**2, ln_e**3])


@njit(cache=True, fastmath=True)
def _shape_kernel(ln_y_energy, ln_c, ln_y_altitude, per_height):
    """K[k, z] = f(y_kz) * per_height[z], with ln y_kz = ln_y_energy[k] + ln_y_altitude[z]."""
    n_e, n_z = ln_y_energy.size, ln_y_altitude.size
    out = np.empty((n_e, n_z))
    for k in range(n_e):
        c1, c2, c3, c4 = ln_c[0, k], np.exp(ln_c[1, k]), np.exp(ln_c[2, k]), np.exp(ln_c[3, k])
        c5, c6, c7, c8 = ln_c[4, k], np.exp(ln_c[5, k]), np.exp(ln_c[6, k]), np.exp(ln_c[7, k])
        for z in range(n_z):
            ln_y = ln_y_energy[k] + ln_y_altitude[z]
            f = np.exp(c1 + c2 * ln_y - c3 * np.exp(c4 * ln_y)) + np.exp(c5 + c6 * ln_y - c7 * np.exp(c8 * ln_y))
            out[k, z] = f * per_height[z]
    return out


def _kernel(
    atm: Atmosphere,
    energy_kev: np.ndarray,
    p: np.ndarray,
    y_def: tuple[float, float, float],
    ln_column_factor: np.ndarray | float = 0.0,
):
    ln_a, column_scale, exponent = y_def
    height_cm = atm.scale_height_cm
    ln_y_altitude = exponent * np.log(atm.mass_density_g_cm3 * height_cm / column_scale)
    ln_y_energy = ln_a - np.log(energy_kev) + exponent * ln_column_factor
    per_height = 1.0 / (ENERGY_PER_ION_PAIR_KEV * height_cm)
    return _shape_kernel(ln_y_energy, _log_coefficients(p, energy_kev), ln_y_altitude, per_height)


def glow_column_factor(energy_kev: np.ndarray | float) -> np.ndarray:
    """The depth calibration c(E) of Fang et al. (2010) to GLOW (see :data:`GLOW_DEPTH_LOG_FACTOR`)."""
    return np.exp(GLOW_DEPTH_LOG_FACTOR / (1.0 + (np.asarray(energy_kev, dtype=float) / GLOW_DEPTH_ENERGY_KEV) ** 2))


def _ln_column_factor(energy_kev: np.ndarray, calibration: str) -> np.ndarray | float:
    if calibration not in CALIBRATIONS:
        raise NorrskenError(f"unknown ionization calibration {calibration!r}: use 'glow' or 'none'")
    return np.log(glow_column_factor(energy_kev)) if calibration == "glow" else 0.0


def fang2010_kernel(atm: Atmosphere, energy_kev: np.ndarray, *, calibration: str = "glow") -> np.ndarray:
    """Ionization rate of monoenergetic electrons per unit incident energy flux.

    Parameters
    ----------
    atm
        Neutral atmosphere.
    energy_kev
        Electron energies (0.1-1000 keV, the validity range of Fang et al. 2010).
    calibration
        ``"glow"`` (default) applies :func:`glow_column_factor`; ``"none"`` is Fang et al. (2010)
        as published.

    Returns
    -------
    ndarray (n_energy, n_altitude)
        q(z) in ion pairs cm^-3 s^-1 per keV cm^-2 s^-1 of downward energy flux.
    """
    energy_kev = np.atleast_1d(np.asarray(energy_kev, dtype=float))
    if np.any(~np.isfinite(energy_kev)) or energy_kev.min() < 0.1 or energy_kev.max() > 1000.0:
        raise OutOfRangeError("Fang et al. (2010) covers electron energies of 0.1-1000 keV")
    return _kernel(atm, energy_kev, FANG2010_P, _Y2010, _ln_column_factor(energy_kev, calibration))


def fang2008_maxwellian(atm: Atmosphere, characteristic_energy_kev: float, energy_flux_erg: float) -> np.ndarray:
    """Ionization rate of a Maxwellian from the Fang et al. (2008) fit (a check on Fang 2010).

    q = f(y) Q0 / (2 de H) with y = (1/E0)(rho H / 4e-6)^(1/1.65); valid for E0 = 0.1-1000 keV.

    Returns
    -------
    ndarray (n_altitude,)
        Ion pairs cm^-3 s^-1.
    """
    e0 = np.atleast_1d(float(characteristic_energy_kev))
    if not 0.1 <= e0[0] <= 1000.0:
        raise OutOfRangeError("Fang et al. (2008) covers characteristic energies of 0.1-1000 keV")
    return 0.5 * energy_flux_erg * KEV_PER_ERG * _kernel(atm, e0, FANG2008_P, _Y2008)[0]


def _energy_flux_cdf(spectrum: str, edges: np.ndarray, mean: np.ndarray, kappa: float, width: float) -> np.ndarray:
    """Fraction of a spectrum's energy flux below each (finite, positive) edge; ``mean`` (n, 1)."""
    if spectrum == "maxwellian":
        # E phi(E) ~ E^2 exp(-E/E0): a Gamma(3, E0) distribution in energy.
        return special.gammainc(3.0, edges / (mean / 2.0))
    if spectrum == "kappa":
        # With x = E/(kappa E0) and u = x/(1+x), E phi(E) dE becomes a Beta(3, kappa-2) density in u.
        x = edges / (kappa * mean * (kappa - 2.0) / (2.0 * kappa))
        return special.betainc(3.0, kappa - 2.0, x / (1.0 + x))
    # gaussian: integral of E N(E; c, s) = c Phi(t) - s pdf(t), normalised over E > 0.
    sigma = width * mean
    t, t0 = (edges - mean) / sigma, -1.0 / width
    partial = mean * special.ndtr(t) - sigma * np.exp(-0.5 * t**2) / np.sqrt(2.0 * np.pi)
    at_zero = mean * special.ndtr(t0) - sigma * np.exp(-0.5 * t0**2) / np.sqrt(2.0 * np.pi)
    return (partial - at_zero) / (mean - at_zero)


def mean_energy_from_characteristic(characteristic_energy_kev: np.ndarray | float, spectrum: str = "maxwellian", *, kappa: float = 4.0) -> np.ndarray:
    """Mean energy <E> of a spectrum given by its characteristic energy E0.

    Maxwellian: <E> = 2 E0 (GLOW's ``Echar`` is E0); kappa: <E> = 2 kappa E0 / (kappa - 2).
    """
    e0 = np.asarray(characteristic_energy_kev, dtype=float)
    if spectrum == "maxwellian":
        return 2.0 * e0
    if spectrum == "kappa":
        return 2.0 * kappa * e0 / (kappa - 2.0)
    raise NorrskenError(f"a characteristic energy defines only maxwellian and kappa spectra, not {spectrum!r}")


def check_mean_energy(mean_energy_kev: np.ndarray | float) -> np.ndarray:
    """Return ``mean_energy_kev`` as a float array, or raise if any value is outside the model range."""
    mean = np.asarray(mean_energy_kev, dtype=float)
    lo, hi = MEAN_ENERGY_RANGE_KEV
    bad = ~(np.isfinite(mean) & (mean >= lo) & (mean <= hi))
    if bad.any():
        raise OutOfRangeError(
            f"mean_energy_kev must lie between {lo:g} and {hi:g} keV, got {mean[bad].flat[0]:g}",
            parameter="mean_energy_kev",
        )
    return mean


def check_energy_flux(energy_flux_erg: np.ndarray | float, allow_zero: bool = False) -> np.ndarray:
    """Return ``energy_flux_erg`` as a float array, or raise if any value is negative, zero or absurd."""
    flux = np.asarray(energy_flux_erg, dtype=float)
    low_ok = flux >= 0.0 if allow_zero else flux > 0.0
    bad = ~(np.isfinite(flux) & low_ok & (flux <= ENERGY_FLUX_MAX_ERG))
    if bad.any():
        sign = "non-negative" if allow_zero else "positive"
        raise NorrskenError(
            f"energy_flux_erg must be {sign} and at most {ENERGY_FLUX_MAX_ERG:g} erg cm^-2 s^-1, "
            f"got {flux[bad].flat[0]:g}",
            parameter="energy_flux_erg",
        )
    return flux


def spectrum_bins(
    spectrum: str, mean_energy_kev: np.ndarray | float, *, kappa: float = 4.0, width: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Energies and energy-flux weights that represent a spectrum for Fang et al. (2010).

    Parameters
    ----------
    spectrum
        One of ``maxwellian``, ``kappa``, ``gaussian``, ``monoenergetic`` (see the module notes).
    mean_energy_kev
        Mean energies, any shape (...), within :data:`MEAN_ENERGY_RANGE_KEV`.
    kappa
        Kappa index (> 2) of the ``kappa`` spectrum.
    width
        Relative width s/Ec of the ``gaussian`` spectrum (0.01-0.3).

    Returns
    -------
    energy_kev : ndarray (n_energy,)
        The nodes: :data:`ENERGY_GRID_KEV` for broad spectra, the mean energies themselves for
        ``monoenergetic``.
    weights : ndarray (..., n_energy)
        Fraction of the energy flux carried at each node; each row sums to 1.
    """
    mean = check_mean_energy(mean_energy_kev)
    if spectrum not in SPECTRA:
        raise NorrskenError(f"unknown spectrum {spectrum!r}: use one of {', '.join(SPECTRA)}")
    if spectrum == "monoenergetic":
        energies, index = np.unique(mean, return_inverse=True)
        return energies, np.eye(energies.size)[index.reshape(mean.shape)]
    if spectrum == "kappa" and not (np.isfinite(kappa) and 2.0 < kappa <= 1e3):
        raise NorrskenError(f"kappa must lie above 2 (and at most 1000), got {kappa:g}")
    if spectrum == "gaussian" and not 0.01 <= width <= 0.3:
        raise NorrskenError(f"relative width of the Gaussian must lie between 0.01 and 0.3, got {width:g}")
    inner = _energy_flux_cdf(spectrum, _EDGES_KEV[1:-1], mean.reshape(-1, 1), kappa, width)
    cdf = np.pad(inner, ((0, 0), (1, 0)), constant_values=0.0)  # below the first node: lumped
    weights = np.diff(np.pad(cdf, ((0, 0), (0, 1)), constant_values=1.0), axis=-1)
    weights /= weights.sum(axis=-1, keepdims=True)
    return ENERGY_GRID_KEV, weights.reshape(mean.shape + (ENERGY_GRID_KEV.size,))


def ionization_rate(
    atm: Atmosphere,
    mean_energy_kev: np.ndarray | float,
    energy_flux_erg: np.ndarray | float,
    spectrum: str = "maxwellian",
    *,
    kappa: float = 4.0,
    width: float = 0.1,
    calibration: str = "glow",
) -> np.ndarray:
    """Total ionization rate profiles for electron spectra.

    Parameters
    ----------
    atm
        Neutral atmosphere (its altitude grid is the output grid).
    mean_energy_kev, energy_flux_erg
        Mean energy (keV) and downward energy flux (erg cm^-2 s^-1), broadcast together.
    spectrum, kappa, width
        Spectrum shape, see :func:`spectrum_bins`.
    calibration
        ``"glow"`` or ``"none"``, see :func:`fang2010_kernel`.

    Returns
    -------
    ndarray (..., n_altitude)
        Ion pairs cm^-3 s^-1.
    """
    flux = check_energy_flux(energy_flux_erg)
    mean, flux = np.broadcast_arrays(check_mean_energy(mean_energy_kev), flux)
    if spectrum == "monoenergetic":  # one kernel row per distinct energy, no one-hot weights
        energies, row = np.unique(mean, return_inverse=True)
        kernel = fang2010_kernel(atm, energies, calibration=calibration)
        return kernel[row.reshape(mean.shape)] * (flux * KEV_PER_ERG)[..., None]
    energies, weights = spectrum_bins(spectrum, mean, kappa=kappa, width=width)
    # Nodes that carry no energy for any of the spectra cost kernel time for nothing.
    used = weights.reshape(-1, energies.size).max(axis=0) > 1e-12
    kernel = fang2010_kernel(atm, energies[used], calibration=calibration)
    return (weights[..., used] * (flux * KEV_PER_ERG)[..., None]) @ kernel
