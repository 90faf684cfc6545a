"""The night airglow: analytic Gaussian layers of the green and red oxygen lines in the field.

They give the bright band near the horizon and the limb seen from orbit. The layers are optional
(``airglow=False`` leaves the aurora alone, for quantitative work) and are stored on the kernel
table's altitude axis, as VER of its basis profiles, so the kernels add them at no extra cost.
"""

from __future__ import annotations

import math

import numpy as np

from .. import checks
from ..emission.lines import line_index
from .kernels import table_altitudes_km

#: Night airglow layers: (line, peak altitude km, Gaussian sigma km, zenith brightness R).
#: O I 557.7 nm: peak near 95-97 km, ~8-10 km FWHM, ~250 R overhead; O I 630.0 nm: F-region
#: layer near 250 km, broad, ~50 R (Roach & Gordon 1973, "The Light of the Night Sky", Reidel;
#: Khomich, Semenov & Shefov 2008, "Airglow as an Indicator of Upper Atmospheric Structure and
#: Dynamics", Springer, ch. 5). The 636.4 nm companion follows 630.0 by the ratio of their
#: Einstein coefficients, as in the aurora.
AIRGLOW_LAYERS = (
    ("557.7", 95.0, 4.0, 250.0),
    ("630.0", 250.0, 25.0, 50.0),
)
#: A layer is negligible beyond this many sigma from its peak.
AIRGLOW_REACH_SIGMA = 5.0

#: Solar activity of the nightglow: the brightnesses above (and those of render/skyglow.py) are
#: taken at a quiet Sun, F10.7 = 80 sfu, and grow linearly with the 10.7 cm flux, by 0.55 % per sfu.
#: The slope makes the natural V sky at the zenith 0.45 mag brighter at F10.7 = 200 than at 70
#: (render/skyglow.py), as measured over solar cycles: ~0.4-0.5 mag between minimum and maximum
#: (Walker 1988, PASP 100, 496; Krisciunas 1997, PASP 109, 1181; Benn & Ellison 1998, New Astron.
#: Rev. 42, 503). Fluxes accepted: 50-400 sfu.
NIGHTGLOW_REFERENCE_SFU = 80.0
NIGHTGLOW_SLOPE_PER_SFU = 0.0055
NIGHTGLOW_F107_RANGE_SFU = (50.0, 400.0)


def nightglow_scale(f107_sfu: float) -> float:
    """Brightness of the nightglow relative to :data:`AIRGLOW_LAYERS`, at a 10.7 cm solar flux.

    ``1 + 0.0055 (F10.7 - 80)``: 1 at 80 sfu, 0.835 at 50, 1.66 at 200 sfu (see
    :data:`NIGHTGLOW_SLOPE_PER_SFU` for the sources).

    Raises
    ------
    NorrskenError
        If ``f107_sfu`` is not a number between 50 and 400 sfu.
    """
    flux = checks.real("f107_sfu", f107_sfu, NIGHTGLOW_F107_RANGE_SFU, "sfu")
    return 1.0 + NIGHTGLOW_SLOPE_PER_SFU * (flux - NIGHTGLOW_REFERENCE_SFU)


def airglow_profile(
    airglow: bool, line_basis: np.ndarray, line_factor: np.ndarray, n_basis: int, scale: float = 1.0
) -> dict[str, np.ndarray]:
    """The airglow layers as VER (photons cm^-3 s^-1) of the basis profiles on the kernel axis,
    their brightnesses multiplied by ``scale`` (e.g. :func:`nightglow_scale`; 1 keeps
    :data:`AIRGLOW_LAYERS`).

    Returns the :class:`~norrsken.field.kernels.PackedField` entries ``airglow`` (altitude, basis
    profile) and ``airglow_bands`` (the layers' bottom and top altitudes, km): zeros and no bands
    without ``airglow``.
    """
    scale = checks.real("scale", scale, (0.0, math.inf))
    altitudes = table_altitudes_km()
    profile = np.zeros((altitudes.size, n_basis), dtype=np.float32)
    bands = np.zeros((0, 2))
    if airglow:
        bands = np.array([[z - AIRGLOW_REACH_SIGMA * s, z + AIRGLOW_REACH_SIGMA * s] for _, z, s, _ in AIRGLOW_LAYERS])
        for key, z, sigma, brightness in AIRGLOW_LAYERS:
            # 10^6 photons cm^-2 s^-1 of column per R, spread over a Gaussian of sigma km (1e5 cm).
            peak = scale * brightness * 1.0e6 / (sigma * 1.0e5 * math.sqrt(2.0 * math.pi))
            k = line_index(key)
            profile[:, line_basis[k]] += peak / line_factor[k] * np.exp(-0.5 * ((altitudes - z) / sigma) ** 2)
    return {"airglow": profile, "airglow_bands": bands}
