"""Line radiance along rays: integrate every line's VER through the 80-500 km shell.

For each ray (parallel over rays, numba) the parts inside the shell are found analytically on a
spherical Earth (a ray that meets the ground ends there), then VER from
:func:`norrsken.field.sample` is integrated with the trapezoidal rule, each sample evaluated once:

    B_line [R] = 10^-6 * integral VER ds[cm] = 0.1 * integral VER ds[km]

(physics.md 9.2; optically thin). The step adapts to where the light can be:

- vertically, the altitude may change by at most 3 km + 0.05 (z - 80 km) per step (3 km at
  80 km, 4.5 km at the green peak, 11.5 km at 250 km), which resolves the thin green layers and
  the broad red one (the trapezoidal rule on a smooth layer converges much faster than its
  step suggests; tests/test_raymarch.py measures it);
- horizontally, the footprint (see :mod:`norrsken.field`) may move by at most the field's
  horizontal limit: 2.4 grid cells (24 km) in aurora and the distance to the nearest lit cell
  in dark regions, where steps are long (empty space is skipped);
- arcs are not sampled: each step adds the light of the arcs it crosses in closed form, cut
  into pieces along which the offset from an arc's folded centre line is linear (the integral
  of the arc's polynomial cross-section and its centroid follow exactly; :func:`_add_arcs`), so
  a thin arc costs no more steps than smooth aurora; its rays are averaged over the stretch of
  arc each piece sees, and its light follows its own spectrum's table;
- in dark regions the vertical limit is also relaxed to the distance to the nearest airglow layer.
"""

from __future__ import annotations

import logging
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba
import numpy as np
from numba import njit

from .. import checks
from ..errors import NorrskenError
from ..field import SHELL_KM, EmissionField, PackedField, sample
from ..field.kernels import (
    ARC_EDGE,
    ARC_WIDTH_SIGMA,
    KM_PER_DEG,
    along_arc,
    altitude_mean,
    arc_crossing,
    arc_scratch,
    in_sunlight,
    ray_mean,
)
from ..geometry import EARTH_RADIUS_KM

log = logging.getLogger(__name__)

#: Vertical step limit at 80 km and its growth with altitude (km per km).
VERTICAL_STEP_KM = 3.0
VERTICAL_STEP_GROWTH = 0.05
#: No step is longer than this, km.
MAX_STEP_KM = 400.0
#: Along an arc's lit part the footprint moves at most this far per piece of a step, km (the
#: smallest folds of an arc are 30-80 km long); a step has at most MAX_ARC_PIECES pieces per arc.
ARC_PIECE_KM = 4.0
MAX_ARC_PIECES = 16
#: ... and climbs at most this far: an arc's peaked spectrum puts its light in a layer ~10 km thick
#: with a sharp lower border.
ARC_PIECE_HEIGHT_KM = 1.0


@njit(cache=True, inline="always")
def shell_segments(ox, oy, oz, dx, dy, dz):
    """Parts of the ray o + t d (t >= 0, |d| = 1) inside the shell and above the ground.

    Returns (count, a0, a1, b0, b1): up to two intervals of t, km.
    """
    r_in, r_out = EARTH_RADIUS_KM + SHELL_KM[0], EARTH_RADIUS_KM + SHELL_KM[1]
    b = ox * dx + oy * dy + oz * dz
    oo = ox * ox + oy * oy + oz * oz
    disc_out = b * b - (oo - r_out * r_out)
    if disc_out <= 0.0:
        return 0, 0.0, 0.0, 0.0, 0.0
    root = math.sqrt(disc_out)
    s0, s1 = max(-b - root, 0.0), -b + root
    if s1 <= s0:
        return 0, 0.0, 0.0, 0.0, 0.0
    disc_in = b * b - (oo - r_in * r_in)
    if disc_in <= 0.0:
        return 1, s0, s1, 0.0, 0.0
    root = math.sqrt(disc_in)
    i0, i1 = -b - root, -b + root
    disc_ground = b * b - (oo - EARTH_RADIUS_KM * EARTH_RADIUS_KM)
    hits_ground = disc_ground > 0.0 and -b + math.sqrt(disc_ground) > 1e-6
    count = 0
    a0 = a1 = c0 = c1 = 0.0
    if i0 > s0:
        a0, a1 = s0, min(s1, i0)
        count = 1
    if not hits_ground and i1 < s1:
        if count == 0:
            a0, a1 = max(s0, i1), s1
            count = 1
        else:
            c0, c1 = max(s0, i1), s1
            count = 2
    return count, a0, a1, c0, c1


@njit(cache=True, inline="always")
def _airglow_distance(pf, altitude):
    """Altitude distance (km) to the nearest airglow layer's reach, 0 inside one."""
    best = 1.0e9
    for layer in range(pf.airglow_bands.shape[0]):
        bottom, top = pf.airglow_bands[layer, 0], pf.airglow_bands[layer, 1]
        best = min(best, max(bottom - altitude, altitude - top, 0.0))
    return best


@njit(cache=True, inline="always")
def _add_arcs(
    pf, step, crossing, q_a, q_b, u_a, u_b, v_a, v_b, known_a, known_b, offsets_a, offsets_b, xa, ya, za, xb, yb, zb, t_a,
    pixel_rad, step_scale, acc,
):
    """Add the light of every arc in ``crossing`` (bits) that a step of ``step`` km from (xa, ya,
    za) to (xb, yb, zb) (ECEF km), ``t_a`` km from the ray's origin, crosses.

    The footprint's u and v go linearly along the step (it is short next to the grid's scale),
    the arcs' centre lines need not (folds and curls). Per arc, the offset from its centre line,
    u - centre(v), is read at the ends (where an end's sample has not already: bits
    ``known_a``, ``known_b`` of ``offsets_a``, ``offsets_b``): an arc that both put beyond its
    edge on one side by more than its centre line can bend over the step (``arc_bend``) is not
    reached. Otherwise the offset is read in the middle too, and an arc whose three offsets lie
    beyond its edge on one side, by more than their departure from a straight line, is skipped;
    otherwise the step is cut into pieces, enough that the offset is linear along each to a
    quarter sigma and that each covers at most :data:`ARC_PIECE_KM` of the arc's lit length. Along a piece the mean of the cross-section and where its light is centred are
    integrals of a polynomial (:func:`~norrsken.field.kernels.arc_crossing`); the discrete flux
    ``q_a``, ``q_b`` (read at the ends) is interpolated to that centre, the arc's rays are
    averaged over the stretch of the arc the piece sees lit (a point where the line of sight
    cuts across the arc, a long stretch where it runs along it: :func:`ray_mean`), and the arc's
    own VER per unit flux (its Gaussian spectrum, ``arc_table``, with the resonant scattering of
    its N2+ where the point is sunlit) is read at the centre's altitude. So a crossing costs a
    few multiplications however thin the arc, where sampling it took steps of 1.5 sigma.

    A camera's pixel (``pixel_rad`` wide) integrates what is thinner than itself, which one ray
    through its centre would alias: arcs and rays are blurred, keeping their light, to at least
    two pixels' footprint at the step's distance (a lens's blur of about a pixel). The arc's table is computed at one typical flux (VER per unit flux changes by a few per cent
    for a tenfold flux).
    """
    if v_b - v_a > 180.0:
        v_b -= 360.0
    elif v_a - v_b > 180.0:
        v_b += 360.0
    along_km = abs(v_b - v_a) * pf.along_km_per_deg
    nz = pf.arc_table.shape[1]
    alt_a = math.sqrt(xa * xa + ya * ya + za * za) - EARTH_RADIUS_KM
    alt_b = math.sqrt(xb * xb + yb * yb + zb * zb) - EARTH_RADIUS_KM
    # What a pixel sees there (blur of about a pixel, so 2 pixels across: an image sampled every
    # other pixel then still resolves it), in deg of magnetic latitude and longitude.
    blur_km = 2.0 * t_a * pixel_rad
    blur_u = blur_km / KM_PER_DEG
    for k in range(pf.arcs.shape[0]):
        if not (crossing >> k) & 1:
            continue
        # An arc thinner than that is spread over it, keeping its light.
        sigma = math.sqrt(pf.arcs[k, 2] * pf.arcs[k, 2] + (blur_u / ARC_WIDTH_SIGMA) ** 2)
        edge = ARC_EDGE * sigma
        off_a = offsets_a[k] if (known_a >> k) & 1 else u_a - along_arc(pf, pf.arc_centre, k, v_a)
        off_b = offsets_b[k] if (known_b >> k) & 1 else u_b - along_arc(pf, pf.arc_centre, k, v_b)
        reach = edge + pf.arc_bend[k] * (v_b - v_a) * (v_b - v_a) * 0.125
        if min(off_a, off_b) > reach or max(off_a, off_b) < -reach:
            continue  # beyond the edge all along, however the centre line bends in between
        off_m = 0.5 * (u_a + u_b) - along_arc(pf, pf.arc_centre, k, 0.5 * (v_a + v_b))
        bend = abs(off_m - 0.5 * (off_a + off_b))
        if min(min(off_a, off_b), off_m) > edge + bend or max(max(off_a, off_b), off_m) < -edge - bend:
            continue
        # Linear to a quarter sigma along each piece (the departure falls as the square of the
        # piece), at most ARC_PIECE_KM along the lit part of the arc (the midpoint alone misses
        # the S-bends of folds 30-80 km long) and ARC_PIECE_HEIGHT_KM up it.
        pieces = math.sqrt(bend / (0.25 * sigma)) + 1.0
        lit_share = min(1.0, 2.0 * edge / max(abs(off_b - off_a), 1e-12))
        pieces = max(pieces, along_km * lit_share / (step_scale * ARC_PIECE_KM) + 1.0)
        pieces = max(pieces, abs(alt_b - alt_a) * lit_share / (step_scale * ARC_PIECE_HEIGHT_KM) + 1.0)
        n = min(int(pieces), MAX_ARC_PIECES)
        weight = pf.arcs[k, 3] * (pf.arcs[k, 2] / sigma) / pf.norm * step / n
        piece_v = abs(v_b - v_a) / n
        off0 = off_a
        for i in range(n):
            f1 = (i + 1.0) / n
            off1 = off_b if i == n - 1 else (u_a + f1 * (u_b - u_a)) - along_arc(pf, pf.arc_centre, k, v_a + f1 * (v_b - v_a))
            mean, centre = arc_crossing(off0, off1, sigma)
            # The share of the piece lit: the arc's equivalent width, 2.4 sigma, across.
            lit = min(1.0, ARC_WIDTH_SIGMA * sigma / max(abs(off1 - off0), 1e-12))
            off0 = off1
            if mean <= 0.0:
                continue
            f = (i + centre) / n
            q = q_a + f * (q_b - q_a)
            if q <= 0.0:
                continue
            zi = (alt_a + f * (alt_b - alt_a) - pf.z0) / pf.dz
            if zi < 0.0 or zi >= nz - 1:
                continue
            # Rays and the arc's VER profile averaged over the lit part of the piece.
            half_z = 0.5 * lit * abs(alt_b - alt_a) / (n * pf.dz)
            half_v = 0.5 * max(lit * piece_v, blur_km / pf.along_km_per_deg)
            scale = q * weight * ray_mean(pf, k, v_a + f * (v_b - v_a), half_v) * mean
            sunlit = in_sunlight(pf.sun, xa + f * (xb - xa), ya + f * (yb - ya), za + f * (zb - za))
            n2p = altitude_mean(pf.arc_n2p[k], pf.arc_n2p_integral[k], zi, half_z) if sunlit else 0.0
            for j in range(acc.size):
                ver = altitude_mean(pf.arc_table[k, :, j], pf.arc_table_integral[k, :, j], zi, half_z)
                acc[j] += scale * (ver + pf.basis_g[j] * n2p)


@njit(cache=True, inline="always")
def _trace(pf, ox, oy, oz, dx, dy, dz, ver_a, ver_b, per_flux, off_a, off_b, acc, step_scale, pixel_rad):
    """Integrate one ray (unit direction d from o) into ``acc``: each shell segment with the
    trapezoidal rule, one sample per step, the step chosen from the limits at its start, and
    the arcs crossed by each step added in closed form, piece by piece (:func:`_add_arcs`).

    The step and the sample are written once, inside the loop over segments: the step inlined
    once per segment compiled to code 1.5x slower (measured on the all-sky benchmark), and a
    second call site of the inlined sample (for each segment's start) made the kernel's
    compilation 19 s instead of 11 s.
    """
    count, a0, a1, b0, b1 = shell_segments(ox, oy, oz, dx, dy, dz)
    arcs = pf.norm > 0.0
    # Set by the first sample of each segment, before any step is taken.
    altitude = horizontal = tilt = q_a = u_a = v_a = x = y = z = xa = ya = za = 0.0
    lit, within_a, cand_a = False, 0, 0
    for segment in range(count):
        t, t1 = (a0, a1) if segment == 0 else (b0, b1)
        first = True
        while True:
            step = 0.0  # the segment's first pass only samples its start
            xa, ya, za = x, y, z
            if not first:
                mu = abs(x * dx + y * dy + z * dz) / (EARTH_RADIUS_KM + altitude)
                cos_el = math.sqrt(max(1.0 - mu * mu, 0.0))
                vertical = step_scale * (VERTICAL_STEP_KM + VERTICAL_STEP_GROWTH * max(altitude - SHELL_KM[0], 0.0))
                if not lit and horizontal > pf.max_step_km:
                    vertical = max(vertical, _airglow_distance(pf, altitude))
                else:
                    horizontal *= step_scale
                step = MAX_STEP_KM
                if mu > 1e-9:
                    step = min(step, vertical / mu)
                speed = cos_el + mu * tilt
                if speed > 1e-9:
                    step = min(step, horizontal / speed)
                step = min(step, t1 - t)
                t += step
            x, y, z = ox + t * dx, oy + t * dy, oz + t * dz
            altitude, horizontal, tilt, lit_b, q_b, u_b, v_b, within_b, cand_b = sample(
                pf, x, y, z, ver_b, per_flux, off_b, True
            )
            if not first:
                for k in range(acc.size):
                    acc[k] += 0.5 * (ver_a[k] + ver_b[k]) * step
                # The arcs to integrate: those within reach at either end and candidates at both
                # (an arc that is no candidate at one end reaches neither end's part of the grid: a
                # step is shorter than those parts). An end without aurora has no candidates: the
                # other end's stand in, and where it is off the grid its footprint too (the arcs
                # fade with the smooth flux there, which the interpolation to the crossing carries).
                crossing = (within_a | within_b) & cand_a & cand_b
                if not lit:
                    crossing = within_b
                elif not lit_b:
                    crossing = within_a
                if arcs and crossing:
                    ua, va, ub, vb = u_a, v_a, u_b, v_b
                    if ua < 0.0:
                        ua, va = ub, vb
                    elif ub < 0.0:
                        ub, vb = ua, va
                    _add_arcs(
                        pf, step, crossing, q_a, q_b, ua, ub, va, vb, within_a, within_b, off_a, off_b, xa, ya, za, x, y,
                        z, t - step, pixel_rad, step_scale, acc,
                    )  # fmt: skip
            for k in range(acc.size):
                ver_a[k] = ver_b[k]
            for k in range(off_a.size):
                off_a[k] = off_b[k]
            lit, q_a, u_a, v_a, within_a, cand_a = lit_b, q_b, u_b, v_b, within_b, cand_b
            first = False
            if t >= t1:
                break


#: Rays are handed out in blocks of this many, block b to thread b mod n_threads, so that the
#: threads share the expensive part of a picture (usually one region) fairly.
BLOCK = 64


# Run on plain Python threads (nogil), not numba's prange: in a parfor body the packed field's
# arrays are reference-counted at every inlined call, and the two threads fighting over those
# counters made the parallel kernel slower than the serial one. No reference counting at all
# (_nrt=False, see norrsken.field.kernels), so the scratch arrays come from the caller.
# numba's stubs lack _nrt: hence the type: ignore.
@njit(cache=True, nogil=True, fastmath=True, error_model="numpy", _nrt=False)  # type: ignore[call-overload]
def _march(pf, origin, rays, out, ver_a, ver_b, per_flux, off_a, off_b, acc, first_block, block_stride, step_scale, pixel_rad):
    n = rays.shape[0]
    n_lines = out.shape[1]
    for block in range(first_block, (n + BLOCK - 1) // BLOCK, block_stride):
        for i in range(block * BLOCK, min((block + 1) * BLOCK, n)):
            dx, dy, dz = rays[i, 0], rays[i, 1], rays[i, 2]
            for k in range(acc.size):
                acc[k] = 0.0
            _trace(
                pf, origin[0], origin[1], origin[2], dx, dy, dz, ver_a, ver_b, per_flux, off_a, off_b, acc, step_scale, pixel_rad
            )
            for k in range(n_lines):
                out[i, k] = 0.1 * pf.line_factor[k] * acc[pf.line_basis[k]]


def announce_compilation() -> None:
    """Say, before the ray marcher is first called in a process, when it has to be compiled
    (no machine code of it in numba's cache: a fresh install or a new version): that takes
    10-20 s, once, and a first picture would otherwise seem to hang."""
    if _march.signatures:  # loaded or compiled already in this process
        return
    folder = Path(numba.config.CACHE_DIR or ".")
    # numba's cache layout: <CACHE_DIR>/<package folder>_<hash>/<module>.<function>-<line>.pyXY.nbi
    if not any(folder.glob(f"*/raymarch._march-*.py{numba.core.utils.PYVERSION[0]}{numba.core.utils.PYVERSION[1]}.nbi")):
        log.warning("compiling the renderer (once per install; 10-20 s)")


def threads() -> int:
    """Threads the renderer uses: numba's setting (NUMBA_NUM_THREADS, default: all cores)."""
    return max(1, numba.get_num_threads())


def line_radiance(
    field: EmissionField | PackedField,
    origin_ecef_km: np.ndarray,
    rays_ecef: np.ndarray,
    *,
    step_scale: float = 1.0,
    pixel_deg: float = 0.0,
) -> np.ndarray:
    """Brightness (Rayleigh) of every line along rays from one origin.

    Parameters
    ----------
    field
        The emission field (or its packed arrays).
    origin_ecef_km
        Ray origin, Earth-centred Earth-fixed, km (spherical Earth of radius
        :data:`~norrsken.geometry.EARTH_RADIUS_KM`).
    rays_ecef
        (..., 3) unit direction vectors in ECEF; rows with NaN give NaN.
    step_scale
        Multiplies the step limits inside lit and airglow regions (0.01-4; smaller is slower and
        more exact, for convergence checks).
    pixel_deg
        Angular size of the pixels the rays stand for, deg (0: points): the arcs' rays are
        averaged at least over a pixel's footprint.

    Returns
    -------
    ndarray float32 (..., n_lines)
        Line brightness in R, lines in the order of the field's table.
    """
    packed = field.packed if isinstance(field, EmissionField) else field
    step_scale = checks.real("step_scale", step_scale, (0.01, 4.0))
    pixel_rad = math.radians(checks.real("pixel_deg", pixel_deg, (0.0, 10.0), "deg"))
    origin = np.asarray(origin_ecef_km, dtype=float)
    rays = np.asarray(rays_ecef, dtype=float)
    if origin.shape != (3,) or not np.isfinite(origin).all():
        raise NorrskenError(f"the ray origin must be 3 finite ECEF coordinates in km, got {origin!r}")
    if np.linalg.norm(origin) < EARTH_RADIUS_KM - 1e-6:
        raise NorrskenError("the ray origin lies below the ground")
    if rays.shape[-1:] != (3,):
        raise NorrskenError(f"rays must have a last axis of 3, got shape {rays.shape}")
    flat = rays.reshape(-1, 3)
    # NaN rays (outside an all-sky circle) never enter the kernel: fastmath assumes finite values.
    valid = np.isfinite(flat).all(axis=1)
    traced = np.ascontiguousarray(flat[valid])
    if (np.abs(np.linalg.norm(traced, axis=1) - 1.0) > 1e-6).any():
        raise NorrskenError("rays must be unit vectors")
    out = np.full((flat.shape[0], packed.line_basis.size), np.nan, dtype=np.float32)
    result = np.empty((traced.shape[0], packed.line_basis.size), dtype=np.float32)
    n_threads = min(threads(), max(1, traced.shape[0] // BLOCK))
    n_basis = packed.table.shape[-1]
    announce_compilation()

    def run(thread: int) -> None:
        ver_a, ver_b, acc, per_flux = np.empty(n_basis), np.empty(n_basis), np.empty(n_basis), np.empty(n_basis)
        off_a, off_b = arc_scratch(packed), arc_scratch(packed)
        _march(packed, origin, traced, result, ver_a, ver_b, per_flux, off_a, off_b, acc, thread, n_threads, step_scale, pixel_rad)

    if n_threads == 1:
        run(0)
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            for job in [pool.submit(run, thread) for thread in range(n_threads)]:
                job.result()
    out[valid] = result
    return out.reshape(*rays.shape[:-1], -1)
