"""Sunlit aurora: resonant scattering of sunlight by auroral N2+ ions above the Earth's shadow.

In twilight the top of an auroral column can stand in sunlight while the ground is dark. N2+ ions
there absorb sunlight in the first negative (1N) bands and re-emit them, so the violet-blue N2+
lines (391.4, 427.8, 470.9 nm) of the sunlit part are several times brighter than electron impact
alone makes them: the blue-violet tops of sunlit aurora. The emission rate of a band is

    V(z) = g [N2+](z)   for z above the shadow height h_s, 0 below,

with [N2+] the steady-state ion density of the chemistry and g the photon scattering rate per ion
(the g-factor) at 1 AU. Approximations, stated: the shadow is the geometric shadow of a spherical
Earth (refraction, which lowers it, and extinction of grazing rays in the lower atmosphere, which
raises it by a few tens of km, are ignored, as is the finite solar disc); sunlight above the
shadow is unattenuated; the aurora is taken as optically thin to its own resonance photons
(self-absorption ignored, so sunlight reaches every ion and no scattered photon is absorbed again); the ionization of sunlit N2 by solar EUV, and N2+ from O+(2D) + N2 (Broadfoot 1967),
are not added; the Sun-Earth distance is taken as 1 AU.
"""

from __future__ import annotations

import numpy as np

from ..geometry import EARTH_RADIUS_KM
from .lines import LINE_KEYS

#: Photons s^-1 per N2+ ion scattered in the 1N (0,0) band, 391.4 nm, at 1 AU: 0.050, Broadfoot
#: (1967), Planet. Space Sci. 15, 1801 (from absolute transition probabilities and the solar flux).
G_3914 = 0.050
#: The (0,1) and (0,2) bands share the upper level v' = 0 with (0,0), so their g-factors follow
#: its branching: 427.8/391.4 = 0.20/0.65 (Shemansky & Broadfoot 1971, JQSRT 11, 1385, as the
#: electron-impact lines in chemistry.py) and 470.9/427.8 = A(0,2)/A(0,1) = 6.75e5/3.35e6
#: (Vallance Jones 1974, "Aurora", Reidel).
G_4278 = G_3914 * 0.20 / 0.65
G_4709 = G_4278 * 6.75e5 / 3.35e6
#: g-factor of every line in :data:`~norrsken.emission.lines.LINE_KEYS` (0 for the lines that
#: sunlight does not excite in N2+).
G_FACTORS = np.array([{"391.4": G_3914, "427.8": G_4278, "470.9": G_4709}.get(key, 0.0) for key in LINE_KEYS])


def solar_zenith_to_shadow_height_km(solar_zenith_deg: np.ndarray | float) -> np.ndarray:
    """Height of the Earth's shadow above a place with solar zenith angle ``solar_zenith_deg``.

    A point at height z is sunlit when the ray towards the Sun clears the Earth, (R + z) sin(chi)
    > R for chi > 90 deg, so h_s = R / sin(chi) - R; 0 when the Sun is up (chi <= 90 deg), and
    it grows without bound as chi approaches 180 deg.

    Returns
    -------
    ndarray
        Shadow height, km, the shape of ``solar_zenith_deg``.
    """
    chi = np.radians(np.clip(np.asarray(solar_zenith_deg, dtype=float), 0.0, 180.0))
    with np.errstate(divide="ignore"):
        return np.where(chi <= np.pi / 2, 0.0, EARTH_RADIUS_KM / np.sin(chi) - EARTH_RADIUS_KM)


def resonant_ver(n2p_cm3: np.ndarray, altitude_km: np.ndarray, shadow_height_km: np.ndarray | float) -> np.ndarray:
    """Volume emission rate of resonantly scattered sunlight, every line.

    Parameters
    ----------
    n2p_cm3
        N2+ density, cm^-3, shape (..., n_altitude).
    altitude_km
        The altitude grid, (n_altitude,).
    shadow_height_km
        Shadow height of each column, broadcastable to ``n2p_cm3.shape[:-1]``.

    Returns
    -------
    ndarray (n_lines, ..., n_altitude)
        Photons cm^-3 s^-1 (zero in the shadow and for lines without a g-factor).
    """
    n2p = np.asarray(n2p_cm3, dtype=float)
    shadow = np.asarray(shadow_height_km, dtype=float)[..., None]
    sunlit = n2p * (altitude_km > shadow)
    return G_FACTORS.reshape((-1,) + (1,) * n2p.ndim) * sunlit
