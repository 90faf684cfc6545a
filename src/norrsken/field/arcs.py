"""Fine structure: seeded auroral arcs that move the oval's energy flux into curtains.

The statistical maps are 0.5 deg smooth averages, while real auroras are arcs 1-20 km wide. A
seeded set of east-west arcs is described analytically in magnetic coordinates (AACGM latitude u,
magnetic longitude v): arc k has a centre line u_k + folds(v), a Gaussian cross-section of width
sigma_k, and an along-arc ray pattern. The energy flux becomes Q * m(u, v) with

    m = f_d + (1 - f_d) * S(u, v) / <S>_Q,

where S is the sum of the arcs, <S>_Q its Q-weighted mean over the scene, and f_d the diffuse
share of the precipitating electron energy flux: 0.67, from Newell et al. (2009), JGR 114, A09207,
doi:10.1029/2009JA014326 (high solar-wind driving: diffuse electrons 57 %, monoenergetic 15 %,
broadband 13 % of the hemispheric energy flux, i.e. 57/85 of the electron part). The Q-weighted
mean of m is 1, so the structure moves energy into arcs without creating or losing any on
average. The mean energy stays the statistical one.

The kernels evaluate S (:mod:`norrsken.field.kernels`); this module places the arcs, tabulates
them, and computes the candidate masks and <S>_Q.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import ndimage

from .kernels import COARSE, KM_PER_DEG, PackedField, arc_scratch, arc_sum_at_cells

#: Diffuse share of the electron energy flux, Newell et al. (2009) (see the module docstring).
DIFFUSE_FRACTION = 0.67
#: Mean spacing of parallel arcs in magnetic latitude, deg (~130 km; a few arcs across the oval).
ARC_SPACING_DEG = 1.2
#: Amplitude limit of the smallest arc folds (curls), deg of magnetic latitude.
SMALL_FOLD_DEG = 0.03
#: Samples of each arc's tables on the circle of magnetic longitude.
V_SAMPLES = 16384
#: Most arcs in a scene: each has a bit in the int64 candidate masks.
MAX_ARCS = 24


@dataclasses.dataclass(frozen=True)
class Arcs:
    """A scene's arcs, as :class:`~norrsken.field.kernels.PackedField` stores them.

    Attributes
    ----------
    rows : ndarray (n_arcs, 4)
        Per arc: centre latitude u0, reach, sigma (deg) and amplitude.
    centre, rays : ndarray float32 (n_arcs, V_SAMPLES)
        Centre line u(v) and along-arc ray pattern of each arc.
    v0, dv : float
        First magnetic longitude and spacing of the tables, deg.
    """

    rows: np.ndarray
    centre: np.ndarray
    rays: np.ndarray
    v0: float
    dv: float

    @property
    def along_km_per_deg(self) -> float:
        """Km along the arcs per degree of v, at their mean latitude (at u = 0 without arcs)."""
        if not self.rows.size:
            return KM_PER_DEG
        return KM_PER_DEG * math.cos(math.radians(float(self.rows[:, 0].mean())))


def place_arcs(cells: np.ndarray, structure: str, seed: int) -> Arcs:
    """Seeded arcs placed where the oval's energy flux is, in magnetic coordinates.

    Arc latitudes follow the Q-weighted distribution of |mlat| in the scene (stratified, ~1.2 deg
    apart). Each arc has a near-Gaussian cross-section (1 - d^2/16)^8, d = offset / sigma, with
    sigma 1.5-6 km (FWHM 3.5-14 km; auroral arcs are 1-20 km wide), a lognormal amplitude, folds
    of three scales (600-2000, 150-400 and 30-80 km along the arc) and field-aligned rays
    (intensity stripes 8-40 km apart along the arc). No arcs for ``structure="none"`` or a scene
    without precipitation.
    """
    # Tabulated on the whole circle of magnetic longitude, with whole numbers of periods, so that
    # arcs close on themselves where the magnetic pole is in the scene.
    empty = Arcs(np.zeros((0, 4)), np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32), 0.0, 1.0)
    flux, u = cells[..., 0].ravel(), cells[..., 2].ravel()
    if structure == "none" or not (flux > 0).any():
        return empty
    rng = np.random.default_rng(seed)
    lit = flux > 0
    order = np.argsort(u[lit])
    u_sorted, cdf = u[lit][order], np.cumsum(flux[lit][order])
    cdf /= cdf[-1]
    lo, hi = np.interp([0.03, 0.97], cdf, u_sorted)
    count = int(np.clip(round((hi - lo) / ARC_SPACING_DEG), 2, MAX_ARCS))
    quantiles = (np.arange(count) + rng.uniform(0.15, 0.85, count)) / count
    u0 = np.interp(quantiles, cdf, u_sorted)
    cos_u = np.cos(np.radians(u0))
    v_lo, dv = -180.0, 360.0 / (V_SAMPLES - 1)
    v_axis = v_lo + dv * np.arange(V_SAMPLES)
    km_per_deg_v = KM_PER_DEG * cos_u  # along the arc

    def periodic(wavelength_km: float, k: int) -> float:
        """The wavelength (deg of v) nearest to wavelength_km that divides the circle."""
        return 360.0 / max(1, round(360.0 * km_per_deg_v[k] / wavelength_km))

    centre = np.empty((count, V_SAMPLES))
    rays = np.empty((count, V_SAMPLES))
    rows = np.empty((count, 4))
    for k in range(count):
        fold = np.zeros(V_SAMPLES)
        reach = 0.0
        for (lam_lo, lam_hi), (amp_lo, amp_hi) in (
            ((600, 2000), (0.2, 0.8)),
            ((150, 400), (0.04, 0.15)),
            ((30, 80), (0.01, SMALL_FOLD_DEG)),
        ):
            wavelength_deg = periodic(rng.uniform(lam_lo, lam_hi), k)
            amplitude = rng.uniform(amp_lo, amp_hi)
            fold += amplitude * np.sin(2.0 * np.pi * v_axis / wavelength_deg + rng.uniform(0, 2.0 * np.pi))
            reach += amplitude
        stripes = np.zeros(V_SAMPLES)
        for _ in range(6):
            wavelength_deg = periodic(rng.uniform(8.0, 40.0), k)
            stripes += np.sin(2.0 * np.pi * v_axis / wavelength_deg + rng.uniform(0, 2.0 * np.pi))
        ray = np.maximum(1.0 + 0.45 * stripes / math.sqrt(6.0), 0.05)
        sigma_deg = math.exp(rng.uniform(math.log(1.5), math.log(6.0))) / KM_PER_DEG
        centre[k] = u0[k] + fold
        rays[k] = ray / ray.mean()
        rows[k] = (u0[k], reach + 4.0 * sigma_deg, sigma_deg, rng.lognormal(0.0, 0.5))
    return Arcs(rows, centre.astype(np.float32), rays.astype(np.float32), v_lo, dv)


def arc_mask(cells: np.ndarray, arcs: Arcs) -> np.ndarray:
    """Per coarse cell, the bit mask of arcs that can reach it or its 8 neighbours.

    An arc is a candidate where its centre line, over the block's range of v, comes within
    4 sigma (plus the smallest folds, which 17 samples of v may miss) of the block's range of u.
    """
    n = cells.shape[0]
    pad = (-n) % COARSE

    def block_range(layer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        padded = np.pad(layer.astype(float), ((0, pad), (0, pad)), mode="edge")
        blocks = padded.reshape(padded.shape[0] // COARSE, COARSE, -1, COARSE)
        lo = ndimage.minimum_filter(blocks.min(axis=(1, 3)), size=3, mode="nearest")
        hi = ndimage.maximum_filter(blocks.max(axis=(1, 3)), size=3, mode="nearest")
        return lo, hi

    u_lo, u_hi = block_range(cells[..., 2])
    v_lo, v_hi = block_range(cells[..., 3])
    mask = np.zeros(u_lo.shape, dtype=np.int64)
    fractions = np.linspace(0.0, 1.0, 17)
    v_axis = arcs.v0 + arcs.dv * np.arange(arcs.centre.shape[1])
    for k, (_, _, sigma, _) in enumerate(arcs.rows):
        v = v_lo[..., None] + (v_hi - v_lo)[..., None] * fractions
        centre = np.interp(v, v_axis, arcs.centre[k])
        margin = 4.0 * sigma + SMALL_FOLD_DEG
        near = (centre.min(axis=-1) - margin <= u_hi) & (centre.max(axis=-1) + margin >= u_lo)
        mask |= np.where(near, np.int64(1) << k, np.int64(0))
    return mask


def arc_norm(packed: PackedField, seed: int) -> float:
    """Q-weighted mean of the arc sum over the scene, by Monte Carlo over the grid's cells."""
    rng = np.random.default_rng([seed, 1])
    flux = packed.cells[..., 0].astype(float).ravel()
    n = 200_000
    cells = rng.choice(flux.size, size=n, p=flux / flux.sum())
    iy, ix = np.divmod(cells, packed.cells.shape[1])
    fy, fx = iy + rng.uniform(-0.5, 0.5, n), ix + rng.uniform(-0.5, 0.5, n)
    total = np.empty(n)
    arc_sum_at_cells(packed, fy, fx, arc_scratch(packed), total)
    return float(total.mean())
