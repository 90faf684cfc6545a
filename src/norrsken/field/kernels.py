"""The numba kernels that read an emission field: VER and energy flux at 3-D points.

Everything a kernel reads is one :class:`PackedField` of plain arrays and floats. A point finds
its footprint (where its field line crosses :data:`FOOTPRINT_KM`) on the local gnomonic grid with
two divisions and the cell's stored field-line drift, then the energy flux there (with the arcs'
modulation), and the VER of the kernel table at that flux, mean energy and altitude, plus the
airglow layers.

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
#: Coarse cells (in grid cells) of the empty-space map and the arcs' candidate masks.
COARSE = 4


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
    cells : ndarray float32 (n, n, 4)
        Per cell (rows north, columns east): Q (erg cm^-2 s^-1), Q times the table's fractional
        mean-energy index, |AACGM latitude| u and local magnetic longitude v (deg, relative to the
        tangent point's, in [-180, 180)).
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
    arc_centre, arc_rays : ndarray float32 (n_arcs, n_v)
        Each arc's centre line u(v) and its along-arc ray pattern, tabulated on v.
    arc_mask : ndarray int64 (n / COARSE, n / COARSE)
        Per coarse cell, the bits of the arcs that reach it or its neighbours, so that any other
        arc is at least ``arc_margin_deg`` of u away.
    arc_margin_deg : float
        See ``arc_mask``.
    along_km_per_deg : float
        Km along the arcs per degree of v.
    v0, dv : float
        First magnetic longitude and spacing of the arcs' tables, deg.
    diffuse : float
        Diffuse share f_d of the energy flux (not modulated by the arcs).
    norm : float
        Q-weighted mean of the arc sum over the scene (0: no arcs).
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
    arc_mask: np.ndarray
    arc_margin_deg: float
    along_km_per_deg: float
    v0: float
    dv: float
    diffuse: float
    norm: float
    airglow: np.ndarray
    airglow_bands: np.ndarray
    max_step_km: float


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # numba's stubs lack _nrt
def arc_sum_at_cells(pf, fy, fx, out):
    """The arc sum at fractional grid positions (``fy``, ``fx``) into ``out``."""
    for i in range(fy.size):
        q, qe, u, v = _bilinear(pf.cells, fy[i], fx[i])
        candidates = pf.arc_mask[int(fy[i] + 0.5) // COARSE, int(fx[i] + 0.5) // COARSE]
        out[i] = _arc_sum(pf, u, v, candidates)[0]


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
    )


@njit(cache=True, inline="always")
def _arc_sum(pf, u, v, candidates):
    """Sum of the arcs at (u, v), how far the position across the arcs may move, and that position.

    ``candidates`` is the bit mask of the arcs that reach this part of the grid. The second value
    is, outside every arc, the gap in u (deg) to the nearest arc's 3-sigma edge (a lower bound of
    the distance in degrees of magnetic latitude); inside an arc, minus 1.5 sigma (deg): the
    trapezoidal rule with 1.5-sigma steps integrates a Gaussian to ~3e-4 wherever the samples
    fall (error ~ 2 exp(-2 pi^2 sigma^2 / h^2)). The third is the offset u - centre(v) from the
    nearest arc within reach (u itself if none): its rate of change along a ray, folds included,
    is what the integrator turns the second value into a step with.
    """
    total = 0.0
    limit = pf.arc_margin_deg
    across = u
    nearest = 1.0e9
    nv = pf.arc_centre.shape[1]
    x = ((v - pf.v0) % 360.0) / pf.dv  # the tables span the circle
    x = min(max(x, 0.0), nv - 1.000001)
    iv = int(x)
    wv = x - iv
    inside = 1.0e9
    for k in range(pf.arcs.shape[0]):
        if not (candidates >> k) & 1:
            continue
        u0, reach, sigma, amplitude = pf.arcs[k, 0], pf.arcs[k, 1], pf.arcs[k, 2], pf.arcs[k, 3]
        gap = abs(u - u0) - reach
        if gap > 0.0:
            limit = min(limit, gap)
            continue
        centre = (1.0 - wv) * pf.arc_centre[k, iv] + wv * pf.arc_centre[k, iv + 1]
        d = abs(u - centre) / sigma
        if abs(u - centre) < nearest:
            nearest = abs(u - centre)
            across = u - centre
        if d < 4.0:
            ray = (1.0 - wv) * pf.arc_rays[k, iv] + wv * pf.arc_rays[k, iv + 1]
            # (1 - d^2/16)^8: within 3 % of exp(-d^2/2) of the peak, zero beyond 4 sigma, no exp.
            w = 1.0 - d * d * 0.0625
            w *= w
            w *= w
            total += amplitude * ray * w * w
        if d > 3.0:
            limit = min(limit, (d - 3.0) * sigma)
        else:
            inside = min(inside, 1.5 * sigma)
    return total, (-inside if inside < 1.0e9 else limit), across


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
def _flux_at_cell(pf, cy, cx):
    """Energy flux and step limits at a footprint's grid position.

    Returns (Q with structure, mean-energy index, horizontal km, arc limit deg, across, v): the
    horizontal limit is isotropic (km of footprint motion); the arc limit (see :func:`_arc_sum`,
    1e9 without arcs) bounds the change of ``across`` (the offset from the nearest arc), which the
    integrator turns into a step from the rate at which it changes along the ray.
    """
    q, qe, u, v = _bilinear(pf.cells, cy, cx)
    jy, jx = int(cy + 0.5) // COARSE, int(cx + 0.5) // COARSE
    if q <= 0.0:
        return 0.0, 0.0, max(pf.clear_km[jy, jx], pf.max_step_km), 1.0e9, u, v
    e_index = qe / q
    if pf.norm <= 0.0:
        return q, e_index, pf.max_step_km, 1.0e9, u, v
    s, arc_limit, across = _arc_sum(pf, u, v, pf.arc_mask[jy, jx])
    return q * (pf.diffuse + (1.0 - pf.diffuse) * s / pf.norm), e_index, pf.max_step_km, arc_limit, across, v


@njit(cache=True, inline="always")
def sample(pf, x, y, z, out):
    """VER of every line at ECEF point (x, y, z) km into ``out``; returns step limits.

    Returns
    -------
    altitude : float
        km above the sphere.
    horizontal : float
        Largest safe horizontal move of the footprint, km (small inside arcs, large in empty space).
    tilt : float
        Footprint displacement per km of altitude change.
    lit : bool
        Whether aurora is present at the footprint (else only airglow can shine).
    arc_limit, across, v : float
        See :func:`_flux_at_cell`.
    """
    r = math.sqrt(x * x + y * y + z * z)
    altitude = r - EARTH_RADIUS_KM
    zi = (altitude - pf.z0) / pf.dz
    inside = zi >= 0.0 and zi < pf.airglow.shape[0] - 1
    iz = int(zi) if inside else 0
    wz = zi - iz if inside else 0.0
    for k in range(out.size):
        out[k] = (1.0 - wz) * pf.airglow[iz, k] + wz * pf.airglow[iz + 1, k] if inside else 0.0
    cy, cx, tilt = footprint_cell(pf, x, y, z, altitude)
    if cy < 0.0:
        return altitude, 1.0e4, tilt, False, 1.0e9, 0.0, 0.0
    q, e_index, horizontal, arc_limit, u, v = _flux_at_cell(pf, cy, cx)
    if q <= 0.0:
        return altitude, horizontal, tilt, False, arc_limit, u, v
    if not inside:
        return altitude, horizontal, tilt, True, arc_limit, u, v
    table = pf.table
    n_e, n_q, n_z, n_lines = table.shape
    ie = min(int(e_index), n_e - 2)
    we = e_index - ie
    qi = (math.log(q) - pf.log_q0) / pf.log_dq
    qi = min(max(qi, 0.0), n_q - 1.000001)
    iq = int(qi)
    wq = qi - iq
    for de in range(2):
        fe = we if de else 1.0 - we
        for dq in range(2):
            f = fe * (wq if dq else 1.0 - wq) * q
            f_lower, f_upper = f * (1.0 - wz), f * wz
            for k in range(n_lines):
                out[k] += f_lower * table[ie + de, iq + dq, iz, k] + f_upper * table[ie + de, iq + dq, iz + 1, k]
    if _in_sunlight(pf.sun, x, y, z):
        n2p = 0.0
        for de in range(2):
            fe = we if de else 1.0 - we
            for dq in range(2):
                f = fe * (wq if dq else 1.0 - wq) * q
                n2p += f * ((1.0 - wz) * pf.n2p[ie + de, iq + dq, iz] + wz * pf.n2p[ie + de, iq + dq, iz + 1])
        for k in range(n_lines):
            out[k] += pf.basis_g[k] * n2p
    return altitude, horizontal, tilt, True, arc_limit, u, v


@njit(cache=True, inline="always")
def _in_sunlight(sun, x, y, z):
    """Whether ECEF point (x, y, z) km sees the Sun past the spherical Earth (the geometric shadow
    of :func:`norrsken.emission.sunlit.solar_zenith_to_shadow_height_km`)."""
    along = x * sun[0] + y * sun[1] + z * sun[2]
    return along >= 0.0 or x * x + y * y + z * z - along * along > EARTH_RADIUS_KM * EARTH_RADIUS_KM


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # numba's stubs lack _nrt
def sample_points(pf, points, out, buffer):
    """VER of the basis profiles at ECEF points (n, 3) km into ``out`` (n, n_basis); ``buffer``
    is scratch of n_basis values."""
    for i in range(points.shape[0]):
        sample(pf, points[i, 0], points[i, 1], points[i, 2], buffer)
        for k in range(buffer.size):
            out[i, k] = buffer[k]


@njit(cache=True, _nrt=False)  # type: ignore[call-overload]  # numba's stubs lack _nrt
def flux_points(pf, points, out):
    """Energy flux (with the arcs' modulation) at the footprints of ECEF points (n, 3) km into
    ``out``; 0 outside the grid."""
    for i in range(points.shape[0]):
        x, y, z = points[i, 0], points[i, 1], points[i, 2]
        cy, cx, _ = footprint_cell(pf, x, y, z, math.sqrt(x * x + y * y + z * z) - EARTH_RADIUS_KM)
        out[i] = _flux_at_cell(pf, cy, cx)[0] if cy >= 0.0 else 0.0
