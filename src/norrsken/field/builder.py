"""The emission field of a moment: VER(line, lat, lon, altitude) on demand, never stored in 3-D.

The precipitation of a moment is two 2-D maps, energy flux Q and mean energy E0 (the oval model),
and the column physics is one table per atmosphere (:mod:`norrsken.emission.table`), so the
volume emission rate anywhere in the 80-500 km shell is

    VER(line, r) = Q_f * T_line(E0_f, Q_f, z),

with Q_f, E0_f taken at the *footprint* of r: the point where the magnetic field line through r
crosses :data:`~norrsken.geomag.DEFAULT_HEIGHT_KM` (110 km, the reference height of the oval
model). Electrons travel along field lines, so this mapping is what makes the light stand in
field-aligned curtains, tilted by the local dip (IGRF, :func:`norrsken.geomag.field_direction`).

:func:`emission_field` evaluates the oval and the table of a moment and packs them around a
centre point (:mod:`norrsken.field.packing`), optionally with arcs (:mod:`norrsken.field.arcs`)
and airglow (:mod:`norrsken.field.airglow`); :class:`EmissionField` keeps the inputs beside the
packed arrays and gives VER and energy flux at any points through the kernels
(:mod:`norrsken.field.kernels`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt
import xarray as xr

from .. import checks
from ..emission.lines import line_index
from ..emission.table import EmissionTable, emission_table
from ..errors import NorrskenError
from ..geometry import EARTH_RADIUS_KM, central_angle_deg, enu_basis, unit_vectors
from ..precipitation import Drivers, OvalModel, get_model, oval
from ..times import TimeLike, to_utc
from .kernels import FOOTPRINT_KM, SHELL_KM, PackedField, arc_scratch, flux_points, sample_points
from .packing import pack_field

STRUCTURES = ("none", "arcs")
#: Angular radius of a local grid, deg: at least 1, at most 60 (beyond, the gnomonic grid
#: stretches too much toward its rim).
RADIUS_RANGE_DEG = (1.0, 60.0)
#: Grid spacing at the tangent point, km.
CELL_RANGE_KM = (2.0, 50.0)


@dataclasses.dataclass(frozen=True, eq=False)
class EmissionField:
    """The emission field of one moment around one place.

    Build it with :func:`emission_field`. ``packed`` is what the renderer integrates; the methods
    give the same numbers at any points.

    Attributes
    ----------
    time : datetime
        UTC.
    drivers : Drivers
        What drove the oval model (``drivers["kp"]``, with its source); ``drivers.attrs()`` gives
        them as attributes.
    oval : xarray.Dataset
        The global statistical maps (:func:`norrsken.precipitation.oval`).
    table : EmissionTable
        Column physics for the atmosphere at the centre.
    lat, lon : float
        Tangent point of the local grid, deg.
    radius_deg : float
        Angular radius of the local grid.
    structure : str
        ``"none"`` or ``"arcs"``.
    seed : int
        Seed of the arcs.
    airglow : bool
        Whether the night airglow layers are included.
    packed : PackedField
        Arrays for the kernels.
    """

    time: dt.datetime
    drivers: Drivers
    oval: xr.Dataset
    table: EmissionTable
    lat: float
    lon: float
    radius_deg: float
    structure: str
    seed: int
    airglow: bool
    packed: PackedField

    @property
    def lines(self) -> tuple[str, ...]:
        return self.table.lines

    def _points(self, lat: npt.ArrayLike, lon: npt.ArrayLike, altitude_km: npt.ArrayLike) -> np.ndarray:
        lat = checks.latitude(lat)
        lat, lon, alt = np.broadcast_arrays(lat, np.asarray(lon, dtype=float), np.asarray(altitude_km, dtype=float))
        if not (np.isfinite(lat).all() and np.isfinite(lon).all() and np.isfinite(alt).all()):
            raise NorrskenError("points must be finite")
        return (EARTH_RADIUS_KM + alt)[..., None] * unit_vectors(lat, lon)

    def ver(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, altitude_km: npt.ArrayLike, line: str | None = None
    ) -> np.ndarray:
        """Volume emission rate (photons cm^-3 s^-1) at points; arrays broadcast together.

        Returns shape (..., n_lines) in the order of :attr:`lines`, or (...) for one ``line``.
        Points outside the local grid see only airglow.
        """
        points = self._points(lat, lon, altitude_km)
        n_basis = self.packed.table.shape[-1]
        basis = np.zeros((points[..., 0].size, n_basis))
        sample_points(
            self.packed, points.reshape(-1, 3), basis, np.empty(n_basis), np.empty(n_basis), arc_scratch(self.packed)
        )
        out = (basis[:, self.packed.line_basis] * self.packed.line_factor).reshape(*points.shape[:-1], -1)
        return out if line is None else out[..., line_index(line)]

    def energy_flux_erg(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> np.ndarray:
        """Energy flux Q (erg cm^-2 s^-1) at footprints, including the arcs' modulation."""
        points = self._points(lat, lon, FOOTPRINT_KM)
        out = np.zeros(points.shape[:-1])
        flux_points(self.packed, points.reshape(-1, 3), out.reshape(-1), arc_scratch(self.packed))
        return out


def horizon_radius_deg(observer_altitude_km: float = 0.0) -> float:
    """Central angle from an observer to the farthest point of the shell top it can see, deg."""
    return central_angle_deg(SHELL_KM[1]) + central_angle_deg(max(observer_altitude_km, 0.0))


def check_structure(structure: object, seed: object) -> None:
    """Refuse an unknown ``structure`` or a ``seed`` that is not a non-negative integer."""
    checks.choice("structure", structure, STRUCTURES)
    if checks.integer("seed", seed) < 0:
        raise NorrskenError(f"seed must be a non-negative whole number, got {seed}", parameter="seed")


def emission_field(
    time: TimeLike,
    lat: float,
    lon: float,
    *,
    indices=None,
    model: str | OvalModel | None = None,
    online: bool = False,
    radius_deg: float | None = None,
    structure: str = "none",
    seed: int = 0,
    airglow: bool = True,
    cell_km: float = 10.0,
) -> EmissionField:
    """The emission field of ``time`` around (``lat``, ``lon``).

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    lat, lon
        Tangent point of the local grid (the observer, or the middle of a view), degrees; the
        atmosphere of the emission table is taken there.
    indices
        Index overrides (anything :meth:`norrsken.drivers.kp.Indices.of` takes, e.g.
        ``{"kp": 6}``): Kp for the oval, F10.7, its 81-day mean and Ap for the table's atmosphere
        (see :func:`norrsken.emission.emission_table`); default: the embedded history.
    model
        The oval model (:func:`norrsken.precipitation.get_model`); default Zhang & Paxton (2008).
    online
        Ask the live feeds for the oval's drivers first (the embedded history is the fallback).
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
    lat = checks.real("lat", lat, (-90.0, 90.0), "degrees")
    lon = checks.real("lon", lon, unit="deg")
    basis = enu_basis(lat, lon)
    check_structure(structure, seed)
    if radius_deg is None:
        radius_deg = horizon_radius_deg()
    else:
        radius_deg = checks.real("radius_deg", radius_deg, RADIUS_RANGE_DEG, "degrees")
    cell_km = checks.real("cell_km", cell_km, CELL_RANGE_KM, "km")
    chosen = get_model(model)
    maps = oval(moment, model=chosen, indices=indices, online=online)
    table = emission_table(moment, lat, lon, indices=indices)
    return EmissionField(
        time=moment,
        drivers=Drivers.from_attrs(maps.attrs, chosen.needs),
        oval=maps,
        table=table,
        lat=lat,
        lon=lon,
        radius_deg=radius_deg,
        structure=structure,
        seed=int(seed),
        airglow=bool(airglow),
        packed=pack_field(maps, table, moment, basis, radius_deg, cell_km, structure, seed, airglow),
    )
