"""Fine structure: seeded auroral arcs that gather the oval's discrete energy flux into curtains.

The statistical maps are 0.5 deg smooth averages, while real auroras are arcs 1-10 km thick. Each
cell of the scene carries its energy flux Q and the discrete part of it, Q_d = D Q
(:func:`norrsken.precipitation.discrete.discrete_share`: diffuse aurora equatorward and in the
morning, discrete arcs poleward and in the evening and midnight sectors). A seeded set of
east-west arcs is described analytically in magnetic coordinates (AACGM latitude u, magnetic
longitude v): arc k has a centre line u_k + folds(v), a near-Gaussian cross-section of width
sigma_k, an along-arc pattern of rays and a peaked electron spectrum of its own. The energy flux
becomes

    Q (1 - D) + Q_d S(u, v) / <S>_{Q_d},

where S is the sum of the arcs and <S>_{Q_d} its Q_d-weighted mean over the scene: the diffuse
part stays smooth, the discrete part is moved into the arcs, and the scene's energy is conserved
(the Q-weighted mean of the modulation is 1). Between the arcs, and wherever the discrete share
is high (poleward of evening arcs), the sky is dark.

Inside an arc the electrons are accelerated (inverted-V): a Gaussian spectrum of mean energy
4-10 keV (Lin & Hoffman 1979, JGR 84, 6547: inverted-V peak energies of a few keV, up to ~10 keV),
so its light has the sharp lower border of a curtain near 100-110 km, while the diffuse glow
keeps the oval's Maxwellian mean energy.

The kernels evaluate S (:mod:`norrsken.field.kernels`); this module places the arcs, tabulates
them, and computes the candidate masks and <S>_{Q_d}.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import ndimage

from .kernels import COARSE, KM_PER_DEG, PackedField, arc_scratch, arc_sum_at_cells

#: Mean spacing of parallel arcs in magnetic latitude, deg (~130 km; a few arcs across the oval).
ARC_SPACING_DEG = 1.2
#: Arc thickness, Gaussian sigma km: log-uniform over this range, FWHM 1.4-9.4 km (auroral arcs
#: are 1-10 km thick, the thinnest ~100 m: Maggs & Davis 1968, Planet. Space Sci. 16, 205;
#: Knudsen et al. 2001, GRL 28, 705).
ARC_SIGMA_KM = (0.6, 4.0)
#: Mean energy of an arc's Gaussian spectrum, keV: log-uniform (Lin & Hoffman 1979, above). The
#: light of 4-10 keV electrons peaks at 105-118 km (Fang et al. 2010 in our column model), with
#: the lower border of bright curtains near 100-110 km.
ARC_ENERGY_KEV = (4.0, 10.0)
#: Amplitude limit of the smallest arc folds (curls), deg of magnetic latitude.
SMALL_FOLD_DEG = 0.03
#: Samples of each arc's centre line on the circle of magnetic longitude.
V_SAMPLES = 16384
#: Rays: field-aligned threads along each arc. Rays seen overhead are vortices 1-2 km across
#: (Hallinan & Davis 1970, Planet. Space Sci. 18, 1735) a few km apart (curl spacing; Trondsen &
#: Cogger 1998, JGR 103, 9405). Design choice within those: threads of Gaussian sigma
#: RAY_SIGMA_KM, placed along the arc as a Poisson process RAY_SPACING_KM apart on average with
#: lognormal intensities, over a continuous sheet of RAY_BASE of the mean; the arc's brightness
#: also varies along it on 100-400 km scales (by +-RAY_ENVELOPE).
RAY_SIGMA_KM = (0.6, 0.85, 1.2)
RAY_SPACING_KM = 4.0
RAY_BASE = 0.3
RAY_ENVELOPE = 0.4
#: Resolution of the ray tables along the arcs, km (under half the thinnest thread's sigma).
RAY_STEP_KM = 0.2
#: Most samples of a ray table (the whole circle where the magnetic pole is in view).
MAX_RAY_SAMPLES = 1 << 18
#: Most arcs in a scene: each has a bit in the int64 candidate masks.
MAX_ARCS = 24


@dataclasses.dataclass(frozen=True)
class Arcs:
    """A scene's arcs, as :class:`~norrsken.field.kernels.PackedField` stores them.

    Attributes
    ----------
    rows : ndarray (n_arcs, 4)
        Per arc: centre latitude u0, reach, sigma (deg) and amplitude.
    centre : ndarray float32 (n_arcs, V_SAMPLES)
        Centre line u(v) of each arc on the circle.
    v0, dv : float
        First magnetic longitude and spacing of the centre tables, deg.
    rays : ndarray float64 (n_arcs, n_ray)
        The cumulative integral of each arc's ray pattern (mean 1) over v, in samples of ray_dv:
        a window's mean is a difference of two interpolated values.
    ray_v0, ray_dv : float
        First magnetic longitude and spacing of the ray tables, deg.
    ray_periodic : bool
        Whether the ray tables span the whole circle (else the scene's range of v).
    mean_energy_kev : ndarray (n_arcs,)
        Mean energy of each arc's Gaussian spectrum.
    """

    rows: np.ndarray
    centre: np.ndarray
    v0: float
    dv: float
    rays: np.ndarray
    ray_v0: float
    ray_dv: float
    ray_periodic: bool
    mean_energy_kev: np.ndarray

    @property
    def along_km_per_deg(self) -> float:
        """Km along the arcs per degree of v, at their mean latitude (at u = 0 without arcs)."""
        if not self.rows.size:
            return KM_PER_DEG
        return KM_PER_DEG * math.cos(math.radians(float(self.rows[:, 0].mean())))


def place_arcs(cells: np.ndarray, structure: str, seed: int) -> Arcs:
    """Seeded arcs placed where the oval's discrete energy flux is, in magnetic coordinates.

    Arc latitudes follow the Q_d-weighted distribution of |mlat| in the scene (stratified, ~1.2
    deg apart). Each arc has a near-Gaussian cross-section (1 - d^2/16)^8, d = offset / sigma,
    with sigma of :data:`ARC_SIGMA_KM`, a lognormal amplitude, folds of three scales (600-2000,
    150-400 and 30-80 km along the arc), field-aligned rays (:data:`RAY_SIGMA_KM`) and a mean
    energy of :data:`ARC_ENERGY_KEV`. No arcs for ``structure="none"`` or a scene without
    discrete precipitation.
    """
    # Centre lines are tabulated on the whole circle of magnetic longitude, with whole numbers of
    # periods, so that arcs close on themselves where the magnetic pole is in the scene.
    empty = Arcs(np.zeros((0, 4)), np.zeros((0, 2), np.float32), 0.0, 1.0, np.zeros((0, 2)), 0.0, 1.0, False, np.zeros(0))
    discrete, u = cells[..., 4].ravel(), cells[..., 2].ravel()
    if structure == "none" or not (discrete > 0).any():
        return empty
    rng = np.random.default_rng(seed)
    lit = discrete > 0
    order = np.argsort(u[lit])
    u_sorted, cdf = u[lit][order], np.cumsum(discrete[lit][order])
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
        sigma_deg = math.exp(rng.uniform(*np.log(ARC_SIGMA_KM))) / KM_PER_DEG
        centre[k] = u0[k] + fold
        rows[k] = (u0[k], reach + 4.0 * sigma_deg, sigma_deg, rng.lognormal(0.0, 0.5))
    energy = np.exp(rng.uniform(math.log(ARC_ENERGY_KEV[0]), math.log(ARC_ENERGY_KEV[1]), count))
    rays, ray_v0, ray_dv, ray_periodic = _ray_tables(cells[..., 3], km_per_deg_v, rng)
    return Arcs(rows, centre.astype(np.float32), v_lo, dv, rays, ray_v0, ray_dv, ray_periodic, energy)


def _ray_tables(v_cells: np.ndarray, km_per_deg_v: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float, float, bool]:
    """The cumulative ray patterns of the arcs (see :class:`Arcs`) over the scene's range of v."""
    v_lo, v_hi = float(v_cells.min()), float(v_cells.max())
    ray_dv = RAY_STEP_KM / float(km_per_deg_v.max())
    periodic = v_hi - v_lo > 300.0 or (v_hi - v_lo) / ray_dv > MAX_RAY_SAMPLES
    if periodic:  # the magnetic pole is in view: the circle, closed
        n = min(int(math.ceil(360.0 / ray_dv)), MAX_RAY_SAMPLES)
        v_lo, ray_dv = -180.0, 360.0 / n
    else:  # the scene's range with a margin for the field lines' tilt
        v_lo, v_hi = v_lo - 1.0, v_hi + 1.0
        n = int(math.ceil((v_hi - v_lo) / ray_dv)) + 1
    tables = np.empty((km_per_deg_v.size, n + 1))
    for k, km_per_deg in enumerate(km_per_deg_v):
        step_km = ray_dv * km_per_deg
        threads = np.zeros(n)
        length_km = n * step_km
        for sigma_km in RAY_SIGMA_KM:  # one width class at a time: a train of spikes, blurred
            count = rng.poisson(length_km / (RAY_SPACING_KM * len(RAY_SIGMA_KM)))
            spikes = np.zeros(n)
            # Intensity times width: the blur keeps a spike's sum, so every class peaks alike.
            np.add.at(spikes, rng.integers(0, n, count), rng.lognormal(0.0, 0.6, count) * sigma_km)
            threads += ndimage.gaussian_filter1d(spikes, sigma_km / step_km, mode="wrap" if periodic else "constant")
        s_km = step_km * np.arange(n)
        envelope = 1.0 + RAY_ENVELOPE * np.sin(2.0 * np.pi * s_km / rng.uniform(100.0, 400.0) + rng.uniform(0, 2.0 * np.pi))
        pattern = envelope * (RAY_BASE + (1.0 - RAY_BASE) * threads / max(threads.mean(), 1e-12))
        pattern /= pattern.mean()
        tables[k, 0] = 0.0
        np.cumsum(pattern, out=tables[k, 1:])
    return tables, v_lo, ray_dv, periodic


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
    """Q_d-weighted mean of the arc sum over the scene, by Monte Carlo over the grid's cells."""
    rng = np.random.default_rng([seed, 1])
    flux = packed.cells[..., 4].astype(float).ravel()
    n = 200_000
    cells = rng.choice(flux.size, size=n, p=flux / flux.sum())
    iy, ix = np.divmod(cells, packed.cells.shape[1])
    fy, fx = iy + rng.uniform(-0.5, 0.5, n), ix + rng.uniform(-0.5, 0.5, n)
    total = np.empty(n)
    arc_sum_at_cells(packed, fy, fx, arc_scratch(packed), total)
    return float(total.mean())
