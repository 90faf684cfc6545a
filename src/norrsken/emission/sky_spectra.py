"""Spectral shapes of the natural night sky's own light, for the named continua of :mod:`norrsken.color`.

Each entry of :data:`SKY_SPECTRA` is ``(base, factor)``: the spectrum is ``factor(wavelength_nm)``
times the base, either ``"photons"`` (the factor is then photons per nm of one unit of brightness,
so the nightglow's Rayleighs are photon counts) or a continuum of :mod:`norrsken.color`
(``"moonlight"``, the Sun as ``"planck:5800"``), which :mod:`norrsken.color` normalises to 1 cd m^-2.
render/skyglow.py gives each one's brightness, and docs/sky-light.md the models.

The colour grid ends at 780 nm, so the near-infrared OH bands (6-2 at 840 nm, the Delta v = 3
sequence near 1 um) and the O2 Atmospheric 0-1 band at 864.5 nm, which a camera without IR cut
would add, lie outside every spectrum here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: OH Meinel bands: centres (nm; the P branches reach ~10 nm redward of the band origins) and
#: zenith brightness (R) of the Delta v = 5 and 6 sequences, rounded after Krassovsky, Shefov &
#: Yarin (1962, Planet. Space Sci. 9, 883) as tabulated by Khomich, Semenov & Shefov (2008,
#: "Airglow as an Indicator of Upper Atmospheric Structure and Dynamics", Springer):
#: (6-0) 5, (7-1) 10, (8-2) 20, (9-3) 30, (6-1) 100, (7-2) 120, (8-3) 200, (9-4) 150 R, 635 R in
#: all, of which the colour grid holds all but the red half of (9-4). Rotational structure at
#: ~200 K spreads a band over ~10-15 nm: Gaussians of sigma 5 nm.
OH_BANDS_R = ((527.0, 5.0), (558.0, 10.0), (588.0, 20.0), (628.0, 30.0), (650.0, 100.0), (694.0, 120.0),
              (730.0, 200.0), (776.0, 150.0))
OH_SIGMA_NM = 5.0
#: Na D doublet, 589.0 + 589.6 nm (D2/D1 1.2-1.8: Slanger et al. 2005, J. Geophys. Res. 110,
#: D23302): one line at 589.3 nm, sigma 2.5 nm (half the 5 nm colour grid, so that it lands on its
#: neighbouring bins).
NA_D_NM, NA_D_SIGMA_NM = 589.3, 2.5
#: O2 Herzberg I, Chamberlain and Herzberg II bands: the 380-440 nm tail of a system that lies
#: mostly at 250-400 nm (Slanger & Copeland 2003, Chem. Rev. 103, 4731), flat in photons there.
O2_BLUE_NM = (380.0, 440.0)
#: Chappuis ozone absorption of twilight sunlight on its grazing path: cross section peak 5.2e-21
#: cm^2 near 602 nm, ~100 nm wide (Serdyuchenko et al. 2014, Atmos. Meas. Tech. 7, 625); 300 DU
#: (8.07e18 cm^-2) over an effective slant path of 20 vertical columns gives an optical depth of 0.84
#: at the peak, which keeps the zenith twilight blue (Hulburt 1953, J. Opt. Soc. Am. 43, 113). The
#: Gaussian of sigma 45 nm and the slant path are a design approximation of the band and the
#: geometry: the zenith twilight's chromaticity comes out at x, y = 0.196, 0.191 (35 columns would
#: give 0.177, 0.164, out of the sRGB gamut; 10 give 0.214, 0.212).
CHAPPUIS = (602.0, 45.0, 5.2e-21 * 8.07e18 * 20.0)
#: The Sun as a Planckian of 5800 K (its effective temperature is 5772 K, IAU 2015 Resolution B3).
SUN = "planck:5800"
#: Scattering laws of the moonlit and twilight sky: Rayleigh lambda^-4 and aerosol (Mie)
#: lambda^-1.3, the two terms of Krisciunas & Schaefer (1991, PASP 103, 1033).
RAYLEIGH_POWER, MIE_POWER = -4.0, -1.3


def bands_per_nm(bands: tuple[tuple[float, float], ...], sigma_nm: float, wavelength_nm: np.ndarray) -> np.ndarray:
    """Photons per nm of emission bands given as (centre nm, brightness), per unit of their total:
    Gaussians of ``sigma_nm``, each integrating to its share over all wavelengths (what lies
    beyond ``wavelength_nm`` is lost, not moved)."""
    total = sum(brightness for _, brightness in bands)
    gaussians = [b * np.exp(-0.5 * ((wavelength_nm - nm) / sigma_nm) ** 2) for nm, b in bands]
    return np.sum(gaussians, axis=0) / (math.sqrt(2.0 * math.pi) * sigma_nm * total)


def _chappuis(wavelength_nm: np.ndarray) -> np.ndarray:
    peak_nm, sigma_nm, depth = CHAPPUIS
    return np.exp(-depth * np.exp(-0.5 * ((wavelength_nm - peak_nm) / sigma_nm) ** 2))


#: The spectra by name. Nightglow, photons per nm of one Rayleigh: ``oh_meinel`` (the bands of
#: :data:`OH_BANDS_R`), ``sodium_d``, ``o2_herzberg`` (its 380-440 nm part); of one Rayleigh per nm:
#: ``airglow_continuum`` (the pseudo-continuum, flat in photons). Sunlight and moonlight:
#: ``starlight`` (zodiacal light and integrated starlight, solar-like), ``moon_rayleigh`` and
#: ``moon_mie`` (moonlight scattered by molecules and aerosols), ``twilight`` (sunlight scattered by
#: molecules, through the Chappuis bands).
SKY_SPECTRA: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "airglow_continuum": ("photons", np.ones_like),
    "oh_meinel": ("photons", lambda nm: bands_per_nm(OH_BANDS_R, OH_SIGMA_NM, nm)),
    "sodium_d": ("photons", lambda nm: bands_per_nm(((NA_D_NM, 1.0),), NA_D_SIGMA_NM, nm)),
    "o2_herzberg": ("photons", lambda nm: ((nm >= O2_BLUE_NM[0]) & (nm < O2_BLUE_NM[1])) / np.ptp(O2_BLUE_NM)),
    "starlight": (SUN, np.ones_like),
    "moon_rayleigh": ("moonlight", lambda nm: nm**RAYLEIGH_POWER),
    "moon_mie": ("moonlight", lambda nm: nm**MIE_POWER),
    "twilight": (SUN, lambda nm: nm**RAYLEIGH_POWER * _chappuis(nm)),
}
#: The nightglow spectra, whose unit is a Rayleigh (per nm for the continuum).
NIGHTGLOW_SPECTRA = tuple(name for name, (base, _) in SKY_SPECTRA.items() if base == "photons")
