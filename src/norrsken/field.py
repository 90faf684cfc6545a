"""The emission field of a moment: VER(line, lat, lon, altitude) on demand, never stored in 3-D.

The precipitation of a moment is two 2-D maps, energy flux Q and mean energy E0 (the oval model),
and the column physics is one table per atmosphere (:mod:`norrsken.emission.table`), so the
volume emission rate anywhere in the 80-500 km shell is

    VER(line, r) = Q_f * T_line(E0_f, Q_f, z),

with Q_f, E0_f taken at the *footprint* of r: the point where the magnetic field line through r
crosses :data:`~norrsken.geomag.DEFAULT_HEIGHT_KM` (110 km, the reference height of the oval
model). Electrons travel along field lines, so this mapping is what makes the light stand in
field-aligned curtains, tilted by the local dip (IGRF, :func:`norrsken.geomag.field_direction`).

For a scene the maps are resampled once onto a local gnomonic grid around a centre point (a
tangent-plane grid in which a 3-D point's cell is found with two divisions, no trigonometry), and
packed with the table into :class:`PackedField`, which the numba kernels read through
:func:`sample` (one point) and :mod:`norrsken.render.raymarch` (along rays).

Fine structure (``structure="arcs"``): the statistical maps are 0.5 deg smooth averages, while real
auroras are arcs 1-20 km wide. A seeded set of east-west arcs is described analytically in
magnetic coordinates (AACGM latitude u, magnetic longitude v): arc k has a centre line
u_k + folds(v), a Gaussian cross-section of width sigma_k, and an along-arc ray pattern. The
energy flux becomes Q * m(u, v) with

    m = f_d + (1 - f_d) * S(u, v) / <S>_Q,

where S is the sum of the arcs, <S>_Q its Q-weighted mean over the scene, and f_d the diffuse
share of the precipitating electron energy flux: 0.67, from Newell et al. (2009), JGR 114, A09207,
doi:10.1029/2009JA014326 (high solar-wind driving: diffuse electrons 57 %, monoenergetic 15 %,
broadband 13 % of the hemispheric energy flux, i.e. 57/85 of the electron part). The Q-weighted
mean of m is 1, so the structure moves energy into arcs without creating or losing any on
average. The mean energy stays the statistical one.

Airglow: the night-sky layers of the green and red oxygen lines are optional analytic Gaussian
layers in the same field (they give the bright band near the horizon and the limb seen from orbit).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from typing import NamedTuple

import numpy as np
import xarray as xr
from numba import njit
from scipy import ndimage

from . import geomag
from .emission.lines import line_index
from .emission.table import EmissionTable, emission_table, table_mean_energy
from .errors import NorrskenError
from .geomag import EARTH_RADIUS_KM
from .precipitation import oval as oval_model
from .times import TimeLike, to_utc

#: The emitting shell, km: below 80 km auroral electrons of < 50 keV deposit nothing, above 500 km
#: the table's emission is negligible.
SHELL_KM = (80.0, 500.0)
FOOTPRINT_KM = geomag.DEFAULT_HEIGHT_KM
#: Energy flux below which a cell counts as dark (erg cm^-2 s^-1): the bottom of the emission
#: table, about 1 R of 557.7 nm overhead.
MIN_FLUX_ERG = 1.0e-3
#: Diffuse share of the electron energy flux, Newell et al. (2009) (see the module docstring).
DIFFUSE_FRACTION = 0.67
#: Km per degree of magnetic latitude at the footprint height.
KM_PER_DEG = (EARTH_RADIUS_KM + FOOTPRINT_KM) * math.pi / 180.0
#: Altitude spacing of the table the kernels read, km.
TABLE_STEP_KM = 1.0
#: Coarse cells (in grid cells) of the empty-space map.
COARSE = 4
#: Largest local grid side, cells (2048^2 cells take ~0.2 GB in the kernels' arrays).
MAX_GRID_CELLS = 2048
STRUCTURES = ("none", "arcs")
#: Mean spacing of parallel arcs in magnetic latitude, deg (~130 km; a few arcs across the oval).
ARC_SPACING_DEG = 1.2
#: Amplitude limit of the smallest arc folds (curls), deg of magnetic latitude.
SMALL_FOLD_DEG = 0.03

#: Night airglow layers: (line, peak altitude km, Gaussian sigma km, zenith brightness R).
#: O I 557.7 nm: peak near 95-97 km, ~8-10 km FWHM, ~250 R overhead; O I 630.0 nm: F-region
#: layer near 250 km, broad, ~50 R (Roach & Gordon 1973, "The Light of the Night Sky", Reidel;
#: Khomich, Semenov & Shefov 2008, "Airglow as an Indicator of Upper Atmospheric Structure and
#: Dynamics", Springer, ch. 5). The 636.4 nm companion follows 630.0 by the ratio of their
#: Einstein coefficients, as in the aurora.
AIRGLOW_REACH_SIGMA = 5.0
AIRGLOW_LAYERS = (
    ("557.7", 95.0, 4.0, 250.0),
    ("630.0", 250.0, 25.0, 50.0),
)


class PackedField(NamedTuple):
    """Everything the numba kernels read, as plain arrays and floats.

    ``basis`` rows are the East, North, Up unit vectors (ECEF) at the grid's tangent point; a point
    p has gnomonic coordinates (p.E / p.U, p.N / p.U), cell (gx - g0) / dg. ``cells`` holds per cell
    Q (erg cm^-2 s^-1), Q times the table's fractional mean-energy index, |AACGM latitude| u and
    local magnetic longitude v (deg). ``tilt`` holds the displacement of a field line per km of
    altitude above the footprint height, in grid cells (north, east), and its length in km per
    km. ``clear_km`` is, per coarse cell, a lower bound of the horizontal distance to any lit
    cell. ``table`` is (E0, Q, altitude, basis profile): lines that
    are fixed multiples of one another share a profile, line k being ``line_factor[k]`` times
    profile ``line_basis[k]`` (the kernels integrate 4 profiles, not 9 lines). ``arcs`` rows are
    (u0, reach, sigma_deg, amplitude) with ``arc_centre`` / ``arc_rays`` tabulated on v;
    ``arc_mask`` holds per coarse cell the bits of the arcs that reach it or its neighbours, so
    any other arc is at least ``arc_margin_deg`` of u away; ``along_km_per_deg`` converts v to km
    along the arcs.
    ``airglow`` is the airglow VER (altitude, basis profile) on the table's altitude axis, and
    ``airglow_bands`` the (bottom, top) altitudes outside which each layer is negligible.
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


@dataclasses.dataclass(frozen=True, eq=False)
class EmissionField:
    """The emission field of one moment around one place.

    Build it with :func:`emission_field`. ``packed`` is what the renderer integrates; the methods
    give the same numbers at any points.

    Attributes
    ----------
    time : datetime
        UTC.
    kp : float
        Kp used, with its source in ``oval.attrs["kp_source"]``.
    oval : xarray.Dataset
        The global statistical maps (:func:`norrsken.precipitation.oval`).
    table : EmissionTable
        Column physics for the atmosphere at the centre.
    centre_lat, centre_lon, radius_deg : float
        Tangent point and angular radius of the local grid.
    structure : str
        ``"none"`` or ``"arcs"``.
    seed : int
        Seed of the arcs.
    airglow : bool
        Whether the night airglow layers are included.
    packed : PackedField
        Arrays for the kernels.
    """

    time: object
    kp: float
    oval: xr.Dataset
    table: EmissionTable
    centre_lat: float
    centre_lon: float
    radius_deg: float
    structure: str
    seed: int
    airglow: bool
    packed: PackedField

    @property
    def lines(self) -> tuple[str, ...]:
        return self.table.lines

    def _points(self, lat, lon, alt_km) -> np.ndarray:
        lat = geomag.check_latitude(lat)
        lat, lon, alt = np.broadcast_arrays(lat, np.asarray(lon, dtype=float), np.asarray(alt_km, dtype=float))
        if not (np.isfinite(lat).all() and np.isfinite(lon).all() and np.isfinite(alt).all()):
            raise NorrskenError("points must be finite")
        return (EARTH_RADIUS_KM + alt)[..., None] * unit_vectors(lat, lon)

    def ver(self, lat, lon, altitude_km, line: str | None = None) -> np.ndarray:
        """Volume emission rate (photons cm^-3 s^-1) at points; arrays broadcast together.

        Returns shape (..., n_lines) in the order of :attr:`lines`, or (...) for one ``line``.
        Points outside the local grid see only airglow.
        """
        points = self._points(lat, lon, altitude_km)
        n_basis = self.packed.table.shape[-1]
        basis = np.zeros((points[..., 0].size, n_basis))
        _sample_points(self.packed, points.reshape(-1, 3), basis, np.empty(n_basis))
        out = (basis[:, self.packed.line_basis] * self.packed.line_factor).reshape(*points.shape[:-1], -1)
        return out if line is None else out[..., line_index(line)]

    def energy_flux_erg(self, lat, lon) -> np.ndarray:
        """Energy flux Q (erg cm^-2 s^-1) at footprints, including the arcs' modulation."""
        points = self._points(lat, lon, FOOTPRINT_KM)
        out = np.zeros(points.shape[:-1])
        _flux_points(self.packed, points.reshape(-1, 3), out.reshape(-1))
        return out


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """ECEF unit vectors (..., 3) of geographic (spherical) latitudes and longitudes."""
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def enu_basis(lat_deg: float, lon_deg: float) -> np.ndarray:
    """Unit East, North and Up vectors (rows) in Earth-centred Earth-fixed coordinates.

    On a sphere, so Up is radial: the difference between geodetic and geocentric latitude (up to
    0.19 deg) is ignored. ``rays_enu @ enu_basis(lat, lon)`` are the same rays in ECEF.
    """
    geomag.check_latitude(lat_deg)
    if not math.isfinite(float(lon_deg)):
        raise NorrskenError(f"longitude must be finite, got {lon_deg}")
    la, lo = math.radians(lat_deg), math.radians(lon_deg)
    return np.array(
        [
            [-math.sin(lo), math.cos(lo), 0.0],
            [-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)],
            [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)],
        ]
    )


def horizon_radius_deg(observer_altitude_km: float = 0.0) -> float:
    """Central angle from an observer to the farthest point of the shell top it can see, deg."""
    return geomag.central_angle_deg(SHELL_KM[1]) + geomag.central_angle_deg(max(observer_altitude_km, 0.0))


def check_structure(structure: str, seed: object) -> None:
    """Refuse an unknown ``structure`` or a ``seed`` that is not a non-negative integer."""
    if structure not in STRUCTURES:
        raise NorrskenError(f"unknown structure {structure!r}: use one of {', '.join(STRUCTURES)}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise NorrskenError(f"seed must be a non-negative integer, got {seed!r}")


def emission_field(
    time: TimeLike,
    centre_lat: float,
    centre_lon: float,
    *,
    kp: float | None = None,
    f107: float | None = None,
    f107a: float | None = None,
    ap: float | None = None,
    radius_deg: float | None = None,
    structure: str = "none",
    seed: int = 0,
    airglow: bool = True,
    cell_km: float = 10.0,
) -> EmissionField:
    """The emission field of ``time`` around (``centre_lat``, ``centre_lon``).

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    centre_lat, centre_lon
        Tangent point of the local grid (the observer, or the middle of a view), degrees; the
        atmosphere of the emission table is taken there.
    kp
        Kp override; default: the embedded history at ``time``.
    f107, f107a, ap
        Overrides of the indices of the table's atmosphere (see
        :func:`norrsken.emission.emission_table`); default: the embedded history.
    radius_deg
        Angular radius of the grid; default: what a ground observer at the centre can see of the
        shell (:func:`horizon_radius_deg`, 22.0 deg). At most 60 deg.
    structure
        ``"none"`` (the statistical maps, for quantitative work) or ``"arcs"``.
    seed
        Seed of the arcs (same seed, same arcs).
    airglow
        Include the night airglow layers.
    cell_km
        Grid spacing at the tangent point, 2-50 km.
    """
    moment = to_utc(time)
    basis = enu_basis(centre_lat, centre_lon)  # checks the centre
    check_structure(structure, seed)
    radius_deg = horizon_radius_deg() if radius_deg is None else float(radius_deg)
    if not 1.0 <= radius_deg <= 60.0:
        raise NorrskenError(f"radius_deg must lie between 1 and 60 degrees, got {radius_deg:g}")
    if not 2.0 <= cell_km <= 50.0:
        raise NorrskenError(f"cell_km must lie between 2 and 50 km, got {cell_km:g}")
    maps = oval_model(moment, kp=kp)
    table = emission_table(moment, centre_lat, centre_lon, f107=f107, f107a=f107a, ap=ap)
    packed = _pack(maps, table, moment, basis, radius_deg, cell_km, structure, seed, airglow)
    return EmissionField(
        time=moment,
        kp=float(maps.attrs["kp"]),
        oval=maps,
        table=table,
        centre_lat=float(centre_lat),
        centre_lon=float(centre_lon),
        radius_deg=radius_deg,
        structure=structure,
        seed=int(seed),
        airglow=bool(airglow),
        packed=packed,
    )


@functools.lru_cache(maxsize=4)
def _kernel_table(table: EmissionTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The table as the kernels read it: basis profiles on a uniform 1 km altitude axis.

    Returns the (E0, Q, z, basis) float32 table and, per line, its basis index and factor. A line
    joins an earlier line's profile when it is that profile times one constant everywhere (to
    1e-4); in the present chemistry 391.4, 427.8, 470.9 and the 1PG band share the N2+ profile,
    636.4 follows 630.0 and 844.6 follows 777.4.
    """
    # The basis is found on the table itself, and only its profiles are resampled.
    ver = table.ver_per_flux.astype(float)  # (line, E0, Q, z)
    basis: list[int] = []
    line_basis, line_factor = [], []
    for k, profile in enumerate(ver):
        for b, candidate in enumerate(basis):
            reference = ver[candidate]
            factor = profile.sum() / reference.sum() if reference.sum() > 0 else 0.0
            scale = max(np.abs(profile).max(), 1e-300)
            if factor > 0 and np.abs(profile - factor * reference).max() <= 1e-4 * scale:
                line_basis.append(b)
                line_factor.append(factor)
                break
        else:
            line_basis.append(len(basis))
            line_factor.append(1.0)
            basis.append(k)
    altitudes = np.arange(SHELL_KM[0], SHELL_KM[1] + 0.5 * TABLE_STEP_KM, TABLE_STEP_KM)
    kernel_table = np.ascontiguousarray(table.resampled(altitudes, basis).transpose(1, 2, 3, 0))
    return kernel_table, np.array(line_basis), np.array(line_factor)


def _global_sampler(maps: xr.Dataset, table: EmissionTable, moment):
    """Bilinear sampling of the global maps (Q, Q * E0 index, |mlat|, cos/sin mlon) at lat/lon."""
    flux = np.where(maps["energy_flux_erg"].values >= MIN_FLUX_ERG, maps["energy_flux_erg"].values, 0.0)
    mean = table_mean_energy(np.nan_to_num(maps["mean_energy_kev"].values, nan=1.0), flux)
    e_axis = table.mean_energy_kev
    e_index = np.clip(np.log(mean / e_axis[0]) / math.log(e_axis[1] / e_axis[0]), 0.0, e_axis.size - 1.0)
    # AACGM is undefined in a band near the magnetic equator (NaN there): no flux, and a magnetic
    # longitude of weight 0 (its unit vector becomes 0 and drops out of the interpolation).
    mlon = np.radians(geomag.mlon_from_mlt(maps["mlt"].values, moment))
    cos_mlon, sin_mlon = np.nan_to_num(np.cos(mlon)), np.nan_to_num(np.sin(mlon))
    stack = np.stack([flux, flux * e_index, np.abs(np.nan_to_num(maps["mlat"].values)), cos_mlon, sin_mlon])
    stack = np.concatenate([stack, stack[:, :, :1]], axis=2)  # close the longitude circle
    lat0, dlat = float(maps.lat[0]), float(maps.lat[1] - maps.lat[0])
    lon0, dlon = float(maps.lon[0]), float(maps.lon[1] - maps.lon[0])

    def sample(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        coords = np.stack([(lat - lat0) / dlat, np.mod(lon - lon0, 360.0) / dlon])
        return np.stack([ndimage.map_coordinates(layer, coords, order=1, mode="nearest") for layer in stack])

    return sample


def _pack(maps, table, moment, basis, radius_deg, cell_km, structure, seed, airglow) -> PackedField:
    half = math.tan(math.radians(radius_deg))
    dg = cell_km / EARTH_RADIUS_KM
    n = 2 * math.ceil(half / dg) + 1
    if n > MAX_GRID_CELLS:
        raise NorrskenError(
            f"a {radius_deg:g} deg field at {cell_km:g} km cells needs a {n}x{n} grid; the limit is "
            f"{MAX_GRID_CELLS}x{MAX_GRID_CELLS} (raise cell_km or lower radius_deg)"
        )
    g = (np.arange(n) - (n - 1) / 2) * dg
    gx, gy = np.meshgrid(g, g)  # rows: north coordinate, columns: east
    direction = gx[..., None] * basis[0] + gy[..., None] * basis[1] + basis[2]
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    lat = np.degrees(np.arcsin(np.clip(direction[..., 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(direction[..., 1], direction[..., 0]))

    flux, flux_e, u, cos_v, sin_v = _global_sampler(maps, table, moment)(lat, lon)
    mlon_c = math.degrees(math.atan2(sin_v[n // 2, n // 2], cos_v[n // 2, n // 2]))
    v = np.mod(np.degrees(np.arctan2(sin_v, cos_v)) - mlon_c + 180.0, 360.0) - 180.0
    cells = np.ascontiguousarray(np.stack([flux, flux_e, u, v], axis=-1), dtype=np.float32)

    # Field-line tilt from IGRF on a coarse subgrid (the direction varies over hundreds of km).
    step = max(1, n // 48)
    sub = np.arange(0, n, step)
    if sub[-1] != n - 1:
        sub = np.append(sub, n - 1)
    b = geomag.field_direction(lat[np.ix_(sub, sub)], lon[np.ix_(sub, sub)], moment, FOOTPRINT_KM)
    up = np.where(np.abs(b[..., 2]) < 0.1, np.copysign(0.1, b[..., 2]), b[..., 2])  # cap near the dip equator
    east_ecef = np.stack([-np.sin(np.radians(lon)), np.cos(np.radians(lon)), np.zeros_like(lon)], axis=-1)
    north_ecef = np.cross(direction, east_ecef)
    index = np.interp(np.arange(n), sub, np.arange(sub.size))
    iy, ix = np.meshgrid(index, index, indexing="ij")
    ratio_e = ndimage.map_coordinates(b[..., 0] / up, [iy, ix], order=1)
    ratio_n = ndimage.map_coordinates(b[..., 1] / up, [iy, ix], order=1)
    tilt_ecef = ratio_e[..., None] * east_ecef + ratio_n[..., None] * north_ecef
    # The same displacement in grid cells (the gnomonic map is smooth on the scale of a field
    # line's 80 km drift, so its local derivative is enough).
    foot = (EARTH_RADIUS_KM + FOOTPRINT_KM) * direction
    moved = foot + tilt_ecef
    along_n = (moved @ basis[1]) / (moved @ basis[2]) - gy
    along_e = (moved @ basis[0]) / (moved @ basis[2]) - gx
    tilt = np.ascontiguousarray(
        np.stack([along_n / dg, along_e / dg, np.linalg.norm(tilt_ecef, axis=-1)], axis=-1), dtype=np.float32
    )

    # Lower bound of the distance to lit cells, on coarse cells (one coarse cell of margin).
    pad = (-n) % COARSE
    lit = np.pad(flux > 0.0, ((0, pad), (0, pad)))
    coarse_lit = lit.reshape(lit.shape[0] // COARSE, COARSE, -1, COARSE).any(axis=(1, 3))
    # The gnomonic grid shrinks toward its rim (radial scale cos^2 of the central angle), most
    # at its corners.
    corner = math.atan(half * math.sqrt(2.0))
    coarse_km = COARSE * cell_km * math.cos(corner) ** 2
    if coarse_lit.any():
        clear = ndimage.distance_transform_edt(~coarse_lit) * coarse_km - 1.5 * coarse_km
    else:
        clear = np.full(coarse_lit.shape, 1.0e4)
    clear_km = np.ascontiguousarray(np.maximum(clear, 0.0), dtype=np.float32)

    arcs = _arcs(cells, structure, seed)
    kernel_table, line_basis, line_factor = _kernel_table(table)
    packed = PackedField(
        basis=basis,
        g0=float(g[0]),
        dg=dg,
        cells=cells,
        tilt=tilt,
        clear_km=clear_km,
        table=kernel_table,
        line_basis=line_basis,
        line_factor=line_factor,
        log_q0=math.log(table.energy_flux_erg[0]),
        log_dq=math.log(table.energy_flux_erg[1] / table.energy_flux_erg[0]),
        z0=SHELL_KM[0],
        dz=TABLE_STEP_KM,
        arcs=arcs.rows,
        arc_centre=arcs.centre,
        arc_rays=arcs.rays,
        arc_mask=_arc_mask(cells, arcs),
        arc_margin_deg=coarse_km / KM_PER_DEG,
        along_km_per_deg=KM_PER_DEG * math.cos(math.radians(float(arcs.rows[:, 0].mean())))
        if arcs.rows.size
        else KM_PER_DEG,
        v0=arcs.v0,
        dv=arcs.dv,
        diffuse=DIFFUSE_FRACTION,
        norm=0.0,
        **_airglow_profile(airglow, line_basis, line_factor, kernel_table.shape[-1]),
        max_step_km=_horizontal_step_km(cell_km, structure),
    )
    if arcs.rows.shape[0]:  # none where the scene has no precipitation at all
        packed = packed._replace(norm=_arc_norm(packed, seed))
    return packed


def _horizontal_step_km(cell_km: float, structure: str) -> float:
    """Horizontal step limit in aurora: 1.2 grid cells, enough for the bilinear maps (their 0.5 deg
    sources are smoother still). Arcs keep at most 12 km: their along-arc rays and the edges of
    their envelope vary on that scale (a 24 km limit puts 2 % of limb pixels off by more than 2 %)."""
    step = 1.2 * cell_km
    return step if structure == "none" else min(step, 12.0)


def _airglow_profile(airglow: bool, line_basis, line_factor, n_basis: int) -> dict[str, np.ndarray]:
    """The airglow layers as VER (photons cm^-3 s^-1) of the basis profiles on the kernel axis."""
    altitudes = np.arange(SHELL_KM[0], SHELL_KM[1] + 0.5 * TABLE_STEP_KM, TABLE_STEP_KM)
    profile = np.zeros((altitudes.size, n_basis), dtype=np.float32)
    bands = np.zeros((0, 2))
    if airglow:
        bands = np.array([[z - AIRGLOW_REACH_SIGMA * s, z + AIRGLOW_REACH_SIGMA * s] for _, z, s, _ in AIRGLOW_LAYERS])
        for key, z, sigma, brightness in AIRGLOW_LAYERS:
            # 10^6 photons cm^-2 s^-1 of column per R, spread over a Gaussian of sigma km (1e5 cm).
            peak = brightness * 1.0e6 / (sigma * 1.0e5 * math.sqrt(2.0 * math.pi))
            k = line_index(key)
            profile[:, line_basis[k]] += peak / line_factor[k] * np.exp(-0.5 * ((altitudes - z) / sigma) ** 2)
    return {"airglow": profile, "airglow_bands": bands}


@dataclasses.dataclass(frozen=True)
class _Arcs:
    rows: np.ndarray
    centre: np.ndarray
    rays: np.ndarray
    v0: float
    dv: float


def _arcs(cells: np.ndarray, structure: str, seed: int) -> _Arcs:
    """Seeded arcs placed where the oval's energy flux is, in magnetic coordinates.

    Arc latitudes follow the Q-weighted distribution of |mlat| in the scene (stratified, ~1.2 deg
    apart). Each arc has a near-Gaussian cross-section (1 - d^2/16)^8, d = offset / sigma, with
    sigma 1.5-6 km (FWHM 3.5-14 km; auroral arcs are 1-20 km wide), a lognormal amplitude, folds
    of three scales (600-2000, 150-400 and 30-80 km along the arc) and field-aligned rays
    (intensity stripes 8-40 km apart along the arc).
    """
    # Tabulated on the whole circle of magnetic longitude, with whole numbers of periods, so that
    # arcs close on themselves where the magnetic pole is in the scene.
    v_grid_n = 16384
    empty = _Arcs(np.zeros((0, 4)), np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32), 0.0, 1.0)
    # Up to 24 arcs: each has a bit in the int64 candidate masks.
    flux, u = cells[..., 0].ravel(), cells[..., 2].ravel()
    if structure == "none" or not (flux > 0).any():
        return empty
    rng = np.random.default_rng(seed)
    lit = flux > 0
    order = np.argsort(u[lit])
    u_sorted, cdf = u[lit][order], np.cumsum(flux[lit][order])
    cdf /= cdf[-1]
    lo, hi = np.interp([0.03, 0.97], cdf, u_sorted)
    count = int(np.clip(round((hi - lo) / ARC_SPACING_DEG), 2, 24))
    quantiles = (np.arange(count) + rng.uniform(0.15, 0.85, count)) / count
    u0 = np.interp(quantiles, cdf, u_sorted)
    cos_u = np.cos(np.radians(u0))
    v_lo, dv = -180.0, 360.0 / (v_grid_n - 1)
    v_axis = v_lo + dv * np.arange(v_grid_n)
    km_per_deg_v = KM_PER_DEG * cos_u  # along the arc

    def periodic(wavelength_km: float, k: int) -> float:
        """The wavelength (deg of v) nearest to wavelength_km that divides the circle."""
        return 360.0 / max(1, round(360.0 * km_per_deg_v[k] / wavelength_km))

    centre = np.empty((count, v_grid_n))
    rays = np.empty((count, v_grid_n))
    rows = np.empty((count, 4))
    for k in range(count):
        fold = np.zeros(v_grid_n)
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
        stripes = np.zeros(v_grid_n)
        for _ in range(6):
            wavelength_deg = periodic(rng.uniform(8.0, 40.0), k)
            stripes += np.sin(2.0 * np.pi * v_axis / wavelength_deg + rng.uniform(0, 2.0 * np.pi))
        ray = np.maximum(1.0 + 0.45 * stripes / math.sqrt(6.0), 0.05)
        sigma_deg = math.exp(rng.uniform(math.log(1.5), math.log(6.0))) / KM_PER_DEG
        centre[k] = u0[k] + fold
        rays[k] = ray / ray.mean()
        rows[k] = (u0[k], reach + 4.0 * sigma_deg, sigma_deg, rng.lognormal(0.0, 0.5))
    return _Arcs(rows, centre.astype(np.float32), rays.astype(np.float32), v_lo, dv)


def _arc_mask(cells: np.ndarray, arcs: _Arcs) -> np.ndarray:
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


def _arc_norm(packed: PackedField, seed: int) -> float:
    """Q-weighted mean of the arc sum over the scene, by Monte Carlo over the grid's cells."""
    rng = np.random.default_rng([seed, 1])
    flux = packed.cells[..., 0].astype(float).ravel()
    n = 200_000
    cells = rng.choice(flux.size, size=n, p=flux / flux.sum())
    iy, ix = np.divmod(cells, packed.cells.shape[1])
    fy, fx = iy + rng.uniform(-0.5, 0.5, n), ix + rng.uniform(-0.5, 0.5, n)
    total = np.empty(n)
    _arc_sum_at_cells(packed, fy, fx, total)
    return float(total.mean())


# Kernels that read the field run with ``_nrt=False`` (no reference counting, so nothing may be
# allocated inside): with it, every inlined helper taking the packed tuple of arrays paid ~20
# atomic reference-count updates per sample, which made rendering 5x slower.
@njit(cache=True, _nrt=False)
def _arc_sum_at_cells(pf, fy, fx, out):
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
    return altitude, horizontal, tilt, True, arc_limit, u, v


@njit(cache=True, _nrt=False)
def _sample_points(pf, points, out, buffer):
    for i in range(points.shape[0]):
        sample(pf, points[i, 0], points[i, 1], points[i, 2], buffer)
        for k in range(buffer.size):
            out[i, k] = buffer[k]


@njit(cache=True, _nrt=False)
def _flux_points(pf, points, out):
    for i in range(points.shape[0]):
        x, y, z = points[i, 0], points[i, 1], points[i, 2]
        cy, cx, _ = footprint_cell(pf, x, y, z, math.sqrt(x * x + y * y + z * z) - EARTH_RADIUS_KM)
        out[i] = _flux_at_cell(pf, cy, cx)[0] if cy >= 0.0 else 0.0
