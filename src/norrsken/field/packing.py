"""Packing a scene for the kernels: the oval's global maps and the emission table on a local grid.

For a scene the maps are resampled once onto a local gnomonic grid around a centre point (a
tangent-plane grid in which a 3-D point's cell is found with two divisions, no trigonometry), and
packed with the table into :class:`~norrsken.field.kernels.PackedField`. :func:`pack_field` does
it in named steps:

1. :func:`local_grid`: the gnomonic grid and the geographic place of every cell;
2. :func:`footprint_maps`: the global maps sampled at the cells (Q, Q times the mean-energy index,
   |mlat|, the magnetic longitude relative to the centre and the discrete part of Q);
3. :func:`field_line_tilt`: the drift of the field line per km of altitude (IGRF), in grid cells;
4. :func:`clear_distance_km`: per coarse cell, a lower bound of the distance to lit cells;
5. :func:`assemble`: the arcs (with their own spectra), the kernel table and the airglow, into
   one PackedField.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Callable

import numpy as np
import xarray as xr
from scipy import ndimage

from .. import geomag
from ..emission.sunlit import G_FACTORS
from ..emission.table import EmissionTable, spectrum_columns, table_mean_energy
from ..ephemeris import sun_direction_ecef
from ..errors import NorrskenError
from ..geometry import EARTH_RADIUS_KM
from ..precipitation.discrete import discrete_share
from .airglow import airglow_profile, nightglow_scale
from .arcs import Arcs, arc_mask, arc_norm, place_arcs
from .kernels import COARSE, FOOTPRINT_KM, SHELL_KM, TABLE_STEP_KM, PackedField, table_altitudes_km

#: Energy flux below which a cell counts as dark (erg cm^-2 s^-1): the bottom of the emission
#: table, about 1 R of 557.7 nm overhead.
MIN_FLUX_ERG = 1.0e-3
#: Largest local grid side, cells (2048^2 cells take ~0.2 GB in the kernels' arrays).
MAX_GRID_CELLS = 2048
#: Cells between the IGRF evaluations of the field-line tilt: the field direction varies over
#: hundreds of km, so the grid side is sampled ~48 times and interpolated.
TILT_SAMPLES = 48


@dataclasses.dataclass(frozen=True, eq=False)
class LocalGrid:
    """A square gnomonic grid around a tangent point.

    Attributes
    ----------
    basis : ndarray (3, 3)
        East, North, Up unit vectors (rows, ECEF) at the tangent point.
    cell_km : float
        Cell spacing at the tangent point, km.
    half : float
        Half the grid's side in gnomonic coordinates (the tangent of its angular radius).
    dg : float
        Cell spacing in gnomonic coordinates.
    g : ndarray (n,)
        Gnomonic coordinates of the cell centres along either axis.
    gx, gy : ndarray (n, n)
        East and north gnomonic coordinates of every cell (rows north, columns east).
    direction : ndarray (n, n, 3)
        ECEF unit vectors of the cells.
    lat, lon : ndarray (n, n)
        Their latitudes and longitudes, deg.
    """

    basis: np.ndarray
    cell_km: float
    half: float
    dg: float
    g: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    direction: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    @property
    def n(self) -> int:
        """Cells along a side."""
        return self.g.size

    @property
    def coarse_km(self) -> float:
        """The smallest side of a coarse cell, km: the gnomonic grid shrinks toward its rim (radial
        scale cos^2 of the central angle), most at its corners."""
        corner = math.atan(self.half * math.sqrt(2.0))
        return COARSE * self.cell_km * math.cos(corner) ** 2


def local_grid(basis: np.ndarray, radius_deg: float, cell_km: float) -> LocalGrid:
    """The gnomonic grid of ``radius_deg`` around the tangent point of ``basis``, ``cell_km`` apart.

    Raises
    ------
    NorrskenError
        If it would have more than :data:`MAX_GRID_CELLS` cells along a side.
    """
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
    return LocalGrid(basis, cell_km, half, dg, g, gx, gy, direction, lat, lon)


def _global_sampler(
    maps: xr.Dataset, table: EmissionTable, moment: dt.datetime
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Bilinear sampling of the global maps (Q, Q * E0 index, |mlat|, cos/sin mlon, Q_d) at lat/lon."""
    flux = np.where(maps["energy_flux_erg"].values >= MIN_FLUX_ERG, maps["energy_flux_erg"].values, 0.0)
    mean = table_mean_energy(np.nan_to_num(maps["mean_energy_kev"].values, nan=1.0), flux)
    e_axis = table.mean_energy_kev
    e_index = np.clip(np.log(mean / e_axis[0]) / math.log(e_axis[1] / e_axis[0]), 0.0, e_axis.size - 1.0)
    # AACGM is undefined in a band near the magnetic equator (NaN there): no flux, and a magnetic
    # longitude of weight 0 (its unit vector becomes 0 and drops out of the interpolation).
    mlon = np.radians(geomag.mlon_from_mlt(maps["mlt"].values, moment))
    cos_mlon, sin_mlon = np.nan_to_num(np.cos(mlon)), np.nan_to_num(np.sin(mlon))
    discrete = flux * discrete_share(maps)
    stack = np.stack([flux, flux * e_index, np.abs(np.nan_to_num(maps["mlat"].values)), cos_mlon, sin_mlon, discrete])
    stack = np.concatenate([stack, stack[:, :, :1]], axis=2)  # close the longitude circle
    lat0, dlat = float(maps.lat[0]), float(maps.lat[1] - maps.lat[0])
    lon0, dlon = float(maps.lon[0]), float(maps.lon[1] - maps.lon[0])

    def sample(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        coords = np.stack([(lat - lat0) / dlat, np.mod(lon - lon0, 360.0) / dlon])
        return np.stack([ndimage.map_coordinates(layer, coords, order=1, mode="nearest") for layer in stack])

    return sample


def footprint_maps(
    maps: xr.Dataset, table: EmissionTable, moment: dt.datetime, grid: LocalGrid
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The global maps at the grid's cells (which are footprints, at the maps' height).

    Returns
    -------
    flux, flux_e, u, v, discrete : ndarray (n, n)
        Q (0 below :data:`MIN_FLUX_ERG`), Q times the table's fractional mean-energy index, |AACGM
        latitude|, magnetic longitude relative to the grid's centre in [-180, 180), deg, and the
        discrete part of Q (:func:`~norrsken.precipitation.discrete.discrete_share`).
    """
    flux, flux_e, u, cos_v, sin_v, discrete = _global_sampler(maps, table, moment)(grid.lat, grid.lon)
    middle = grid.n // 2
    mlon_centre = math.degrees(math.atan2(sin_v[middle, middle], cos_v[middle, middle]))
    v = np.mod(np.degrees(np.arctan2(sin_v, cos_v)) - mlon_centre + 180.0, 360.0) - 180.0
    return flux, flux_e, u, v, np.minimum(discrete, flux)


def field_line_tilt(grid: LocalGrid, moment: dt.datetime) -> np.ndarray:
    """Per cell, the footprint's drift per km of altitude in grid cells (north, east) and in km.

    From IGRF on a coarse subgrid of the cells (see :data:`TILT_SAMPLES`), interpolated.
    """
    n = grid.n
    step = max(1, n // TILT_SAMPLES)
    sub = np.arange(0, n, step)
    if sub[-1] != n - 1:
        sub = np.append(sub, n - 1)
    b = geomag.field_direction(grid.lat[np.ix_(sub, sub)], grid.lon[np.ix_(sub, sub)], moment, FOOTPRINT_KM)
    up = np.where(np.abs(b[..., 2]) < 0.1, np.copysign(0.1, b[..., 2]), b[..., 2])  # cap near the dip equator
    lon = grid.lon
    east_ecef = np.stack([-np.sin(np.radians(lon)), np.cos(np.radians(lon)), np.zeros_like(lon)], axis=-1)
    north_ecef = np.cross(grid.direction, east_ecef)
    index = np.interp(np.arange(n), sub, np.arange(sub.size))
    iy, ix = np.meshgrid(index, index, indexing="ij")
    ratio_e = ndimage.map_coordinates(b[..., 0] / up, [iy, ix], order=1)
    ratio_n = ndimage.map_coordinates(b[..., 1] / up, [iy, ix], order=1)
    tilt_ecef = ratio_e[..., None] * east_ecef + ratio_n[..., None] * north_ecef
    # The same displacement in grid cells (the gnomonic map is smooth on the scale of a field
    # line's 80 km drift, so its local derivative is enough).
    basis = grid.basis
    foot = (EARTH_RADIUS_KM + FOOTPRINT_KM) * grid.direction
    moved = foot + tilt_ecef
    along_n = (moved @ basis[1]) / (moved @ basis[2]) - grid.gy
    along_e = (moved @ basis[0]) / (moved @ basis[2]) - grid.gx
    return np.ascontiguousarray(
        np.stack([along_n / grid.dg, along_e / grid.dg, np.linalg.norm(tilt_ecef, axis=-1)], axis=-1), dtype=np.float32
    )


def clear_distance_km(lit: np.ndarray, grid: LocalGrid) -> np.ndarray:
    """Per coarse cell, a lower bound of the distance to the ``lit`` cells, km (one coarse cell of
    margin; 1e4 km where nothing is lit)."""
    n = grid.n
    pad = (-n) % COARSE
    lit = np.pad(lit, ((0, pad), (0, pad)))
    coarse_lit = lit.reshape(lit.shape[0] // COARSE, COARSE, -1, COARSE).any(axis=(1, 3))
    coarse_km = grid.coarse_km
    if coarse_lit.any():
        clear = ndimage.distance_transform_edt(~coarse_lit) * coarse_km - 1.5 * coarse_km
    else:
        clear = np.full(coarse_lit.shape, 1.0e4)
    return np.ascontiguousarray(np.maximum(clear, 0.0), dtype=np.float32)


@functools.lru_cache(maxsize=4)
def kernel_table(table: EmissionTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The table as the kernels read it: basis profiles on a uniform 1 km altitude axis.

    Returns the (E0, Q, z, basis) float32 table and, per line, its basis index and factor. A line
    joins an earlier line's profile when it is that profile times one constant everywhere (to
    1e-4) and sunlight scatters it in the same ratio (:data:`~norrsken.emission.sunlit.G_FACTORS`);
    in the present chemistry 391.4, 427.8 and 470.9 share the N2+ profile (the 1PG band, a multiple
    of it in the dark but not resonantly scattered, has its own), 636.4 follows 630.0 and 844.6
    follows 777.4.
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
            same_sunlit = math.isclose(G_FACTORS[k], factor * G_FACTORS[candidate], rel_tol=1e-9, abs_tol=1e-15)
            if factor > 0 and same_sunlit and np.abs(profile - factor * reference).max() <= 1e-4 * scale:
                line_basis.append(b)
                line_factor.append(factor)
                break
        else:
            line_basis.append(len(basis))
            line_factor.append(1.0)
            basis.append(k)
    resampled = np.ascontiguousarray(table.resampled(table_altitudes_km(), basis).transpose(1, 2, 3, 0))
    return resampled, np.array(line_basis), np.array(line_factor)


#: Horizontal step limit in aurora, grid cells: the bilinear maps' 0.5 deg sources are smoother
#: still. 2.4 cells (24 km at 10 km cells) and 3.6 give the same all-sky radiance as 1.2 within
#: 0.1 % (99th percentile, against a render with 1/10 of the step). The arcs need no shorter
#: steps: the ray marcher cuts a step into pieces where it crosses one
#: (:func:`norrsken.render.raymarch._add_arcs`).
STEP_CELLS = 2.4


def arc_tables(
    arcs: Arcs, cells: np.ndarray, table: EmissionTable, line_basis: np.ndarray, line_factor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each arc's VER per unit flux of its basis profiles (n_arcs, z, basis) and N2+ (n_arcs, z) on
    the kernel axis, for its Gaussian spectrum at the scene's typical discrete flux."""
    altitudes = table_altitudes_km()
    n_basis = int(line_basis.max()) + 1
    count = arcs.rows.shape[0]
    if not count:
        return np.zeros((0, altitudes.size, n_basis), np.float32), np.zeros((0, altitudes.size), np.float32)
    # The chemistry is read at the peak flux of a typical arc: the Q_d-weighted mean of the
    # discrete flux, gathered into arcs (~1/RAY_BASE brighter in their cores); within the table.
    discrete = cells[..., 4].astype(float)
    typical = float((discrete**2).sum() / discrete.sum()) * 3.0
    flux = np.clip(typical * arcs.rows[:, 3], table.energy_flux_erg[0], table.energy_flux_erg[-1])
    ver, n2p = spectrum_columns(table, arcs.mean_energy_kev, flux, altitudes)
    # One line of each basis profile stands for it, at the profile's own scale.
    first = [int(np.flatnonzero(line_basis == b)[0]) for b in range(n_basis)]
    profiles = ver[:, first, :] / line_factor[first][None, :, None]
    return np.ascontiguousarray(profiles.transpose(0, 2, 1), dtype=np.float32), np.ascontiguousarray(n2p, dtype=np.float32)


def altitude_integral(table: np.ndarray) -> np.ndarray:
    """The integral of the linear interpolant of ``table`` along its altitude axis (axis 1) from
    the first sample, in samples, float64 (the trapezoidal rule is exact for it)."""
    values = table.astype(float)
    out = np.zeros_like(values)
    np.cumsum(0.5 * (values[:, 1:] + values[:, :-1]), axis=1, out=out[:, 1:])
    return out


def assemble(
    grid: LocalGrid,
    cells: np.ndarray,
    tilt: np.ndarray,
    clear_km: np.ndarray,
    table: EmissionTable,
    structure: str,
    seed: int,
    airglow: bool,
    sun: np.ndarray,
) -> PackedField:
    """The PackedField of a scene: its cells, tilt and clear distances with the arcs placed on
    them (and their normalisation), the kernel table, the airglow layers and the Sun's direction
    ``sun`` (ECEF unit vector) for the sunlit N2+."""
    arcs = place_arcs(cells, structure, seed)
    table_array, line_basis, line_factor = kernel_table(table)
    arc_table, arc_n2p = arc_tables(arcs, cells, table, line_basis, line_factor)
    basis_g = np.zeros(table_array.shape[-1])
    for k, b in enumerate(line_basis):  # the g-factor of each profile's own scale
        basis_g[b] = G_FACTORS[k] / line_factor[k]
    packed = PackedField(
        basis=grid.basis,
        g0=float(grid.g[0]),
        dg=grid.dg,
        cells=cells,
        tilt=tilt,
        clear_km=clear_km,
        table=table_array,
        line_basis=line_basis,
        line_factor=line_factor,
        n2p=table.n2p_resampled(table_altitudes_km()),
        basis_g=basis_g,
        sun=sun,
        log_q0=math.log(table.energy_flux_erg[0]),
        log_dq=math.log(table.energy_flux_erg[1] / table.energy_flux_erg[0]),
        z0=SHELL_KM[0],
        dz=TABLE_STEP_KM,
        arcs=arcs.rows,
        arc_centre=arcs.centre,
        arc_rays=arcs.rays,
        ray_v0=arcs.ray_v0,
        ray_dv=arcs.ray_dv,
        ray_periodic=arcs.ray_periodic,
        arc_table=arc_table,
        arc_n2p=arc_n2p,
        arc_table_integral=altitude_integral(arc_table),
        arc_n2p_integral=altitude_integral(arc_n2p),
        arc_bend=np.abs(np.diff(arcs.centre.astype(float), 2, axis=1)).max(axis=1, initial=0.0) / arcs.dv**2,
        arc_mask=arc_mask(cells, arcs),
        along_km_per_deg=arcs.along_km_per_deg,
        v0=arcs.v0,
        dv=arcs.dv,
        norm=0.0,
        **airglow_profile(
            airglow, line_basis, line_factor, table_array.shape[-1], scale=nightglow_scale(table.inputs["f107a"])
        ),
        max_step_km=STEP_CELLS * grid.cell_km,
    )
    if arcs.rows.shape[0]:  # none where the scene has no precipitation at all
        packed = packed._replace(norm=arc_norm(packed, seed))
    return packed


def pack_field(
    maps: xr.Dataset,
    table: EmissionTable,
    moment: dt.datetime,
    basis: np.ndarray,
    radius_deg: float,
    cell_km: float,
    structure: str,
    seed: int,
    airglow: bool,
) -> PackedField:
    """The PackedField of the oval ``maps`` and emission ``table`` of ``moment`` on a grid of
    ``radius_deg`` and ``cell_km`` around the tangent point of ``basis`` (see the module docstring)."""
    grid = local_grid(basis, radius_deg, cell_km)
    flux, flux_e, u, v, discrete = footprint_maps(maps, table, moment, grid)
    cells = np.ascontiguousarray(np.stack([flux, flux_e, u, v, discrete], axis=-1), dtype=np.float32)
    tilt = field_line_tilt(grid, moment)
    clear_km = clear_distance_km(flux > 0.0, grid)
    return assemble(grid, cells, tilt, clear_km, table, structure, seed, airglow, sun_direction_ecef(moment))
