"""The numba kernels that read an emission field: VER and energy flux at 3-D points.

Everything a kernel reads is one :class:`PackedField` of plain arrays and floats. A point finds
its footprint (where its field line crosses :data:`FOOTPRINT_KM`) on the local gnomonic grid with
two divisions and the cell's stored field-line drift, then the energy flux there (with the arcs'
modulation), and the VER of the kernel table at that flux, mean energy and altitude, plus the
airglow layers. :func:`arc_crossing` integrates an arc's cross-section over a straight step in
closed form, for the ray marcher.

Kernels that read the field run with ``_nrt=False`` (no reference counting, so nothing may be
allocated inside): with it, every inlined helper taking the packed tuple of arrays paid ~20
atomic reference-count updates per sample, which made rendering 5x slower. The helpers are
``inline="always"``, and :func:`sample` is inlined by the ray marcher
(:mod:`norrsken.render.raymarch`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .. import geomag
from ..geometry import EARTH_RADIUS_KM

#: The emitting shell, km: below 80 km auroral electrons of < 50 keV deposit nothing, above 500 km
#: the table's emission is negligible.
SHELL_KM = (80.0, 500.0)
#: Height where field lines meet the oval maps, km: the oval model's AACGM mapping height.
FOOTPRINT_KM = geomag.DEFAULT_HEIGHT_KM
#: Km per degree of magnetic latitude at the footprint height.
KM_PER_DEG = (EARTH_RADIUS_KM + FOOTPRINT_KM) * math.pi / 180.0
#: Altitude spacing of the table the kernels read, km.
TABLE_STEP_KM = 1.0
#: Coarse cells (in grid cells) of the empty-space map.
COARSE = 4
#: An arc's cross-section ends at this many sigma (see :func:`arc_profile`); its integral across
#: is ARC_WIDTH_SIGMA sigma (8 times the integral of (1 - s^2)^8 from 0 to 1).
ARC_EDGE = 4.0
ARC_WIDTH_SIGMA = 2.396



def table_altitudes_km() -> np.ndarray:
    """The altitude axis of the kernel table and the airglow profile: the shell in 1 km steps."""
    return np.arange(SHELL_KM[0], SHELL_KM[1] + 0.5 * TABLE_STEP_KM, TABLE_STEP_KM)


class PackedField(NamedTuple):
    """Everything the numba kernels read, as plain arrays and floats.

    Attributes
    ----------
    basis : ndarray (3, 3)
        East, North, Up unit vectors (rows, ECEF) at the grid's tangent point. A point p has
        gnomonic coordinates (p.E / p.U, p.N / p.U).
    g0, dg : float
        Gnomonic coordinate of the first cell centre and the cell spacing (both axes): the cell of
        coordinate g is (g - g0) / dg.
    cells : ndarray float32 (n, n, 5)
        Per cell (rows north, columns east): Q (erg cm^-2 s^-1), Q times the table's fractional
        mean-energy index, |AACGM latitude| u, local magnetic longitude v (deg, relative to the
        tangent point's, in [-180, 180)) and the discrete part of Q, Q_d (erg cm^-2 s^-1; see
        :mod:`norrsken.field.arcs`).
    tilt : ndarray float32 (n, n, 3)
        Displacement of the field line per km of altitude above the footprint height, in grid
        cells (north, east), and its length in km per km.
    clear_km : ndarray float32 (n / COARSE, n / COARSE)
        Per coarse cell, a lower bound of the horizontal distance to any lit cell, km.
    table : ndarray float32 (E0, Q, altitude, basis profile)
        VER per unit energy flux of the basis profiles on :func:`table_altitudes_km`.
    line_basis, line_factor : ndarray (n_lines,)
        Line k is ``line_factor[k]`` times profile ``line_basis[k]``: lines that are fixed
        multiples of one another, dark and sunlit, share a profile (the kernels integrate 5
        profiles, not 9 lines).
    n2p : ndarray float32 (E0, Q, altitude)
        N2+ density per unit energy flux on :func:`table_altitudes_km`.
    basis_g : ndarray (n_basis,)
        Resonant-scattering g-factor of each basis profile (s^-1; 0 for profiles sunlight does
        not excite): above the Earth's shadow a profile gains ``basis_g`` times the N2+ density.
    sun : ndarray (3,)
        Unit vector towards the Sun (ECEF).
    log_q0, log_dq : float
        Natural log of the table's first energy flux and of its ratio between neighbours.
    z0, dz : float
        First altitude and spacing of the table's altitude axis, km.
    arcs : ndarray (n_arcs, 4)
        Per arc: centre latitude u0, reach (deg of u beyond which it adds nothing, folds
        included), sigma (deg) and amplitude; no rows without arcs.
    arc_centre : ndarray float32 (n_arcs, n_v)
        Each arc's centre line u(v), tabulated on v (``v0``, ``dv``).
    arc_rays : ndarray float64 (n_arcs, n_ray + 1)
        The cumulative integral of each arc's ray pattern on v (``ray_v0``, ``ray_dv``), in
        samples: a window's mean is a difference (see :func:`ray_mean`).
    arc_bend : ndarray (n_arcs,)
        Largest |d^2 centre / dv^2| of each arc's centre line, deg^-1: over a change dv of v its
        departure from a straight line is at most arc_bend dv^2 / 8.
    arc_mask : ndarray int64 (n / COARSE, n / COARSE)
        Per coarse cell, the bits of the arcs that reach it or its neighbours.
    along_km_per_deg : float
        Km along the arcs per degree of v.
    v0, dv : float
        First magnetic longitude and spacing of the arcs' centre tables, deg.
    ray_v0, ray_dv : float
        First magnetic longitude and spacing of the ray tables, deg.
    ray_periodic : bool
        Whether the ray tables span the circle (else the scene's range of v).
    arc_table : ndarray float32 (n_arcs, altitude, basis profile)
        VER per unit energy flux of each arc's own (Gaussian) spectrum on
        :func:`table_altitudes_km`.
    arc_n2p : ndarray float32 (n_arcs, altitude)
        N2+ density per unit energy flux of each arc's spectrum.
    arc_table_integral, arc_n2p_integral : ndarray float64
        Their integrals over altitude from the bottom of the axis, in samples (of the linear
        interpolant: :func:`altitude_mean`).
    norm : float
        Q_d-weighted mean of the arc sum over the scene (0: no arcs).
    airglow : ndarray float32 (altitude, basis profile)
        Airglow VER (photons cm^-3 s^-1) on the table's altitude axis.
    airglow_bands : ndarray (n_layers, 2)
        Per airglow layer, the (bottom, top) altitudes outside which it is negligible, km.
    max_step_km : float
        Horizontal step limit of the footprint in aurora, km.
    """

    basis: np.ndarray
    g0: float
    dg: float
    cells: np.ndarray
    tilt: np.ndarray
    clear_km: np.ndarray
    table: np.ndarray
    line_basis: np.ndarray
    line_factor: np.ndarray
    n2p: np.ndarray
    basis_g: np.ndarray
    sun: np.ndarray
    log_q0: float
    log_dq: float
    z0: float
    dz: float
    arcs: np.ndarray
    arc_centre: np.ndarray
    arc_rays: np.ndarray
    arc_bend: np.ndarray
    arc_mask: np.ndarray
    along_km_per_deg: float
    v0: float
    dv: float
    ray_v0: float
    ray_dv: float
    ray_periodic: bool
    arc_table: np.ndarray
    arc_n2p: np.ndarray
    arc_table_integral: np.ndarray
    arc_n2p_integral: np.ndarray
    norm: float
    airglow: np.ndarray
    airglow_bands: np.ndarray
    max_step_km: float


def arc_scratch(pf: PackedField) -> np.ndarray:
    """Scratch for the kernels: one offset per arc of ``pf``."""
    return np.empty(pf.arcs.shape[0])


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # numba's stubs lack _nrt
def arc_sum_at_cells(pf, fy, fx, offsets, out):
    """The arc sum at fractional grid positions (``fy``, ``fx``) into ``out``; ``offsets`` is
    scratch of one value per arc."""
    for i in range(fy.size):
        q, qe, u, v, qd = _bilinear(pf.cells, fy[i], fx[i])
        candidates = pf.arc_mask[int(fy[i] + 0.5) // COARSE, int(fx[i] + 0.5) // COARSE]
        out[i] = arcs_at(pf, u, v, candidates, offsets)[0]


@njit(cache=True, inline="always")
def _bilinear(cells, fy, fx):
    ny, nx = cells.shape[0], cells.shape[1]
    fy = min(max(fy, 0.0), ny - 1.000001)
    fx = min(max(fx, 0.0), nx - 1.000001)
    iy, ix = int(fy), int(fx)
    wy, wx = fy - iy, fx - ix
    w00, w01, w10, w11 = (1 - wy) * (1 - wx), (1 - wy) * wx, wy * (1 - wx), wy * wx
    # Magnetic longitude jumps by 360 deg on the far side of a magnetic pole: unwrap the corners
    # onto the first one before weighting.
    v00, v01, v10, v11 = cells[iy, ix, 3], cells[iy, ix + 1, 3], cells[iy + 1, ix, 3], cells[iy + 1, ix + 1, 3]
    v01 += 360.0 if v00 - v01 > 180.0 else (-360.0 if v00 - v01 < -180.0 else 0.0)
    v10 += 360.0 if v00 - v10 > 180.0 else (-360.0 if v00 - v10 < -180.0 else 0.0)
    v11 += 360.0 if v00 - v11 > 180.0 else (-360.0 if v00 - v11 < -180.0 else 0.0)
    # Scalar indexing only: array views in a hot loop cost reference counting.
    return (
        w00 * cells[iy, ix, 0]
        + w01 * cells[iy, ix + 1, 0]
        + w10 * cells[iy + 1, ix, 0]
        + w11 * cells[iy + 1, ix + 1, 0],
        w00 * cells[iy, ix, 1]
        + w01 * cells[iy, ix + 1, 1]
        + w10 * cells[iy + 1, ix, 1]
        + w11 * cells[iy + 1, ix + 1, 1],
        w00 * cells[iy, ix, 2]
        + w01 * cells[iy, ix + 1, 2]
        + w10 * cells[iy + 1, ix, 2]
        + w11 * cells[iy + 1, ix + 1, 2],
        w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11,
        w00 * cells[iy, ix, 4]
        + w01 * cells[iy, ix + 1, 4]
        + w10 * cells[iy + 1, ix, 4]
        + w11 * cells[iy + 1, ix + 1, 4],
    )


@njit(cache=True, inline="always")
def arc_profile(d):
    """An arc's cross-section at |offset| / sigma = ``d``: (1 - d^2/16)^8, within 3 % of
    exp(-d^2/2) of the peak, zero beyond 4 sigma, no exp."""
    if d >= ARC_EDGE:
        return 0.0
    w = 1.0 - d * d * 0.0625
    w *= w
    w *= w
    return w * w


@njit(cache=True, inline="always")
def along_arc(pf, table, k, v):
    """Row ``k`` of an arc table on v (``pf.arc_centre`` or ``pf.arc_rays``) at magnetic
    longitude ``v``, deg, linearly interpolated (the tables span the circle)."""
    x = min(max(((v - pf.v0) % 360.0) / pf.dv, 0.0), table.shape[1] - 1.000001)
    i = int(x)
    return (1.0 - (x - i)) * table[k, i] + (x - i) * table[k, i + 1]


@njit(cache=True, inline="always")
def _ray_cumulative(pf, k, x):
    """Arc ``k``'s cumulative ray pattern at fractional sample ``x`` (a periodic table wraps, with
    one whole pattern per turn; a table of the scene's range is clamped)."""
    n = pf.arc_rays.shape[1] - 1
    base = 0.0
    if pf.ray_periodic:
        turns = math.floor(x / n)
        x -= turns * n
        base = turns * pf.arc_rays[k, n]
    x = min(max(x, 0.0), n - 1.0e-9)
    i = int(x)
    return base + pf.arc_rays[k, i] + (x - i) * (pf.arc_rays[k, i + 1] - pf.arc_rays[k, i])


@njit(cache=True, inline="always")
def ray_mean(pf, k, v, half_deg):
    """The mean of arc ``k``'s ray pattern (mean 1) over magnetic longitudes ``v`` +- ``half_deg``,
    deg, at least over one sample of the table: a point value, or the average a line of sight
    sees where it runs along the arc."""
    half = max(half_deg / pf.ray_dv, 0.5)
    x = ((v - pf.ray_v0) % 360.0) / pf.ray_dv
    if not pf.ray_periodic and x > pf.arc_rays.shape[1] - 1:
        return 1.0  # outside the scene's range: the pattern's mean
    return (_ray_cumulative(pf, k, x + half) - _ray_cumulative(pf, k, x - half)) / (2.0 * half)


@njit(cache=True, inline="always")
def _integral_at(values, integral, x):
    """The integral from sample 0 to fractional sample ``x`` (inside the axis) of the linear
    interpolant of ``values``, from its integral at the samples."""
    i = min(int(x), values.size - 2)
    w = x - i
    return integral[i] + values[i] * w + 0.5 * (values[i + 1] - values[i]) * w * w


@njit(cache=True, inline="always")
def altitude_mean(values, integral, x, half):
    """The mean of the linear interpolant of ``values`` (one row of an altitude table) over
    fractional samples ``x`` +- ``half`` (clamped to the axis): a point value for a small window."""
    top = values.size - 1.0
    lo, hi = min(max(x - half, 0.0), top), min(max(x + half, 0.0), top)
    if hi - lo < 1.0e-3:
        i = min(int(lo), values.size - 2)
        return values[i] + (lo - i) * (values[i + 1] - values[i])
    return (_integral_at(values, integral, hi) - _integral_at(values, integral, lo)) / (hi - lo)


@njit(cache=True, inline="always")
def arcs_at(pf, u, v, candidates, offsets):
    """The sum of the arcs at (u, v) and the bit mask of the arcs within reach (|u - u0| <= reach).

    ``candidates`` is the bit mask of the arcs that can reach this part of the grid
    (``pf.arc_mask``); of those, each arc's offset across it is written to ``offsets[k]``, deg:
    u - centre(v) within reach, u - u0 (the same sign, beyond 4 sigma too) out of it.
    """
    total = 0.0
    within = 0
    nv = pf.arc_centre.shape[1]
    x = ((v - pf.v0) % 360.0) / pf.dv  # the tables span the circle
    x = min(max(x, 0.0), nv - 1.000001)
    iv = int(x)
    wv = x - iv
    for k in range(pf.arcs.shape[0]):
        if not (candidates >> k) & 1:
            continue
        u0, reach, sigma, amplitude = pf.arcs[k, 0], pf.arcs[k, 1], pf.arcs[k, 2], pf.arcs[k, 3]
        offset = u - u0
        if abs(offset) <= reach:
            within |= 1 << k
            offset = u - ((1.0 - wv) * pf.arc_centre[k, iv] + wv * pf.arc_centre[k, iv + 1])
            d = abs(offset) / sigma
            if d < ARC_EDGE:
                total += amplitude * ray_mean(pf, k, v, 0.0) * arc_profile(d)
        offsets[k] = offset
    return total, within


@njit(cache=True, inline="always")
def modulated_flux(pf, q, qd, u, v, candidates, offsets):
    """The energy flux ``q`` with discrete part ``qd`` at (u, v) with the arcs' modulation,
    Q - Q_d + Q_d S / <S>_{Q_d} (see :mod:`norrsken.field.arcs`), and the bits of the arcs within
    reach (see :func:`arcs_at`)."""
    if pf.norm <= 0.0:
        return q, 0
    arcs, within = arcs_at(pf, u, v, candidates, offsets)
    return q - qd + qd * arcs / pf.norm, within


@njit(cache=True, inline="always")
def _profile_integral(y):
    """P(y) = integral from 0 to y of (1 - s^2)^8 ds, |y| <= 1 (clamped), by its binomial series."""
    y = min(max(y, -1.0), 1.0)
    y2 = y * y
    # sum_j C(8, j) (-1)^j y^(2j+1) / (2j+1), by Horner's rule in y^2.
    total = 1.0 / 17.0
    for coefficient in (-8.0 / 15.0, 28.0 / 13.0, -56.0 / 11.0, 70.0 / 9.0, -56.0 / 7.0, 28.0 / 5.0, -8.0 / 3.0, 1.0):
        total = total * y2 + coefficient
    return total * y


@njit(cache=True, inline="always")
def _profile_moment(y):
    """Integral from 0 to y of s (1 - s^2)^8 ds = (1 - (1 - y^2)^9) / 18, |y| <= 1 (clamped)."""
    y = min(max(y, -1.0), 1.0)
    c = 1.0 - y * y
    c9 = c * c
    c9 *= c9
    c9 *= c9
    return (1.0 - c9 * c) / 18.0


@njit(cache=True, inline="always")
def arc_crossing(a, b, sigma):
    """An arc crossed in a straight step: the offset from its centre goes linearly from ``a`` to
    ``b`` (deg). Returns the mean of the cross-section over the step (0 to 1) and where its
    light is centred along the step (0 at the start, 1 at the end), in closed form."""
    ya, yb = a / (ARC_EDGE * sigma), b / (ARC_EDGE * sigma)
    if (ya >= 1.0 and yb >= 1.0) or (ya <= -1.0 and yb <= -1.0):
        return 0.0, 0.5
    span = yb - ya
    if abs(span) < 1.0e-6:
        return arc_profile(ARC_EDGE * abs(0.5 * (ya + yb))), 0.5
    area = _profile_integral(yb) - _profile_integral(ya)  # of the profile in y = d / 4
    if area * span <= 0.0:
        return 0.0, 0.5
    centre = (_profile_moment(yb) - _profile_moment(ya) - ya * area) / (span * area)
    return area / span, min(max(centre, 0.0), 1.0)


@njit(cache=True, inline="always")
def footprint_cell(pf, x, y, z, altitude):
    """Grid position (fy, fx) of the footprint of ECEF point (x, y, z) km, and the tilt length.

    Returns fy = -1 when the point is outside the grid.
    """
    b = pf.basis
    pe = x * b[0, 0] + y * b[0, 1] + z * b[0, 2]
    pn = x * b[1, 0] + y * b[1, 1] + z * b[1, 2]
    pu = x * b[2, 0] + y * b[2, 1] + z * b[2, 2]
    n = pf.cells.shape[0]
    if pu <= 0.0:
        return -1.0, -1.0, 0.0
    cy = (pn / pu - pf.g0) / pf.dg
    cx = (pe / pu - pf.g0) / pf.dg
    if cy < 0.0 or cx < 0.0 or cy > n - 1 or cx > n - 1:
        return -1.0, -1.0, 0.0
    jy, jx = int(cy + 0.5), int(cx + 0.5)
    h = altitude - FOOTPRINT_KM
    cy -= h * pf.tilt[jy, jx, 0]
    cx -= h * pf.tilt[jy, jx, 1]
    if cy < 0.0 or cx < 0.0 or cy > n - 1 or cx > n - 1:
        return -1.0, -1.0, 0.0
    return cy, cx, pf.tilt[jy, jx, 2]


@njit(cache=True, inline="always")
def _table_weights(pf, q, e_index, zi):
    """Corner indices and weights in the table of energy flux ``q`` (erg cm^-2 s^-1), mean-energy
    index ``e_index`` and fractional altitude index ``zi`` (inside the table)."""
    n_e, n_q = pf.table.shape[0], pf.table.shape[1]
    iz = int(zi)
    ie = min(int(e_index), n_e - 2)
    qi = (math.log(q) - pf.log_q0) / pf.log_dq
    qi = min(max(qi, 0.0), n_q - 1.000001)
    iq = int(qi)
    return ie, e_index - ie, iq, qi - iq, iz, zi - iz


@njit(cache=True, inline="always")
def add_table(pf, q, e_index, zi, scale, out):
    """Add ``scale`` times the table's VER per unit energy flux at energy flux ``q`` (erg cm^-2
    s^-1, for the table's nonlinearity), mean-energy index ``e_index`` and fractional altitude
    index ``zi`` (inside the table) to ``out`` (one value per basis profile)."""
    table = pf.table
    ie, we, iq, wq, iz, wz = _table_weights(pf, q, e_index, zi)
    for de in range(2):
        fe = we if de else 1.0 - we
        for dq in range(2):
            f = fe * (wq if dq else 1.0 - wq) * scale
            f_lower, f_upper = f * (1.0 - wz), f * wz
            for k in range(out.size):
                out[k] += f_lower * table[ie + de, iq + dq, iz, k] + f_upper * table[ie + de, iq + dq, iz + 1, k]


@njit(cache=True, inline="always")
def n2p_per_flux(pf, q, e_index, zi):
    """The N2+ density per unit energy flux (cm^-3 per erg cm^-2 s^-1) at the table point of
    :func:`add_table`."""
    ie, we, iq, wq, iz, wz = _table_weights(pf, q, e_index, zi)
    total = 0.0
    for de in range(2):
        fe = we if de else 1.0 - we
        for dq in range(2):
            f = fe * (wq if dq else 1.0 - wq)
            total += f * ((1.0 - wz) * pf.n2p[ie + de, iq + dq, iz] + wz * pf.n2p[ie + de, iq + dq, iz + 1])
    return total


@njit(cache=True, inline="always")
def sample(pf, x, y, z, out, per_flux, offsets, arcs_apart):
    """VER at ECEF point (x, y, z) km into ``out`` (one value per basis profile); returns the
    footprint's state and step limits.

    With ``arcs_apart`` (the ray marcher, which integrates each arc crossing in closed form, and
    :func:`sample_points`, which adds it with the arcs' own spectra) the arcs' own light is left
    out: ``out`` holds the airglow and the diffuse part of the aurora.
    ``offsets`` receives each arc's offset (see :func:`arcs_at`).

    Returns
    -------
    altitude : float
        km above the sphere.
    horizontal : float
        Largest safe horizontal move of the footprint, km (large in empty space).
    tilt : float
        Footprint displacement per km of altitude change.
    lit : bool
        Whether aurora is present at the footprint (else only airglow can shine).
    qd : float
        The smooth discrete energy flux Q_d that the arcs gather (erg cm^-2 s^-1, 0 where none).
    u, v : float
        |AACGM latitude| and local magnetic longitude of the footprint, deg (u = -1 outside
        the grid).
    within, candidates : int
        Bits of the arcs within reach, and of the candidate arcs of the footprint's part of the
        grid, whose ``offsets`` were written (both 0 where not lit).
    """
    r = math.sqrt(x * x + y * y + z * z)
    altitude = r - EARTH_RADIUS_KM
    zi = (altitude - pf.z0) / pf.dz
    inside = zi >= 0.0 and zi < pf.airglow.shape[0] - 1
    iz = int(zi) if inside else 0
    wz = zi - iz if inside else 0.0
    for k in range(out.size):
        out[k] = (1.0 - wz) * pf.airglow[iz, k] + wz * pf.airglow[iz + 1, k] if inside else 0.0
        per_flux[k] = 0.0
    cy, cx, tilt = footprint_cell(pf, x, y, z, altitude)
    if cy < 0.0:
        return altitude, 1.0e4, tilt, False, 0.0, -1.0, 0.0, 0, 0
    q, qe, u, v, qd = _bilinear(pf.cells, cy, cx)
    jy, jx = int(cy + 0.5) // COARSE, int(cx + 0.5) // COARSE
    if q <= 0.0:
        return altitude, max(pf.clear_km[jy, jx], pf.max_step_km), tilt, False, 0.0, u, v, 0, 0
    e_index = qe / q
    candidates = pf.arc_mask[jy, jx]
    q_level, within = modulated_flux(pf, q, qd, u, v, candidates, offsets)
    share = q - qd if arcs_apart and pf.norm > 0.0 else q_level
    for k in range(per_flux.size):
        per_flux[k] = 0.0
    if inside:
        add_table(pf, q_level, e_index, zi, 1.0, per_flux)
        if in_sunlight(pf.sun, x, y, z):  # resonant scattering by the N2+ ions
            n2p = n2p_per_flux(pf, q_level, e_index, zi)
            for k in range(per_flux.size):
                per_flux[k] += pf.basis_g[k] * n2p
        for k in range(out.size):
            out[k] += share * per_flux[k]
    return altitude, pf.max_step_km, tilt, True, qd, u, v, within, candidates


@njit(cache=True, inline="always")
def in_sunlight(sun, x, y, z):
    """Whether ECEF point (x, y, z) km sees the Sun past the spherical Earth (the geometric shadow
    of :func:`norrsken.emission.sunlit.solar_zenith_to_shadow_height_km`)."""
    along = x * sun[0] + y * sun[1] + z * sun[2]
    return along >= 0.0 or x * x + y * y + z * z - along * along > EARTH_RADIUS_KM * EARTH_RADIUS_KM


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # numba's stubs lack _nrt
def sample_points(pf, points, out, buffer, per_flux, offsets):
    """VER of the basis profiles at ECEF points (n, 3) km into ``out`` (n, n_basis); ``buffer``,
    ``per_flux`` and ``offsets`` are scratch of n_basis, n_basis and n_arcs values.

    The diffuse aurora and the airglow come from :func:`sample`, the arcs' light from each arc's
    own spectrum (``arc_table``) at the point's altitude.
    """
    nz = pf.arc_table.shape[1]
    for i in range(points.shape[0]):
        x, y, z = points[i, 0], points[i, 1], points[i, 2]
        altitude, _, _, lit, qd, u, v, within, _ = sample(pf, x, y, z, buffer, per_flux, offsets, True)
        zi = (altitude - pf.z0) / pf.dz
        if lit and within and pf.norm > 0.0 and 0.0 <= zi < nz - 1:
            sunlit = in_sunlight(pf.sun, x, y, z)
            for k in range(pf.arcs.shape[0]):
                if not (within >> k) & 1:
                    continue
                d = abs(offsets[k]) / pf.arcs[k, 2]
                if d >= ARC_EDGE:
                    continue
                w = qd / pf.norm * pf.arcs[k, 3] * ray_mean(pf, k, v, 0.0) * arc_profile(d)
                n2p = altitude_mean(pf.arc_n2p[k], pf.arc_n2p_integral[k], zi, 0.0) if sunlit else 0.0
                for j in range(buffer.size):
                    ver = altitude_mean(pf.arc_table[k, :, j], pf.arc_table_integral[k, :, j], zi, 0.0)
                    buffer[j] += w * (ver + pf.basis_g[j] * n2p)
        for k in range(buffer.size):
            out[i, k] = buffer[k]


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # numba's stubs lack _nrt
def flux_points(pf, points, out, offsets):
    """Energy flux (with the arcs' modulation) at the footprints of ECEF points (n, 3) km into
    ``out``; 0 outside the grid. ``offsets`` is scratch of n_arcs values."""
    for i in range(points.shape[0]):
        x, y, z = points[i, 0], points[i, 1], points[i, 2]
        cy, cx, _ = footprint_cell(pf, x, y, z, math.sqrt(x * x + y * y + z * z) - EARTH_RADIUS_KM)
        out[i] = 0.0
        if cy >= 0.0:
            q, _, u, v, qd = _bilinear(pf.cells, cy, cx)
            if q > 0.0:
                candidates = pf.arc_mask[int(cy + 0.5) // COARSE, int(cx + 0.5) // COARSE]
                out[i] = modulated_flux(pf, q, qd, u, v, candidates, offsets)[0]
