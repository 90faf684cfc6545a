"""Precomputed emission tables: VER per unit energy flux on (line, mean energy, energy flux, altitude).

The column physics depends on the spectrum and the atmosphere, not on where a column stands, so a
renderer needs it only on a small grid: 66 log-spaced mean energies (0.1-50 keV, 24 per decade),
19 log-spaced energy fluxes (0.001-1000 erg cm^-2 s^-1, 3 per decade; the chemistry is non-linear
in Q through n_e ~ sqrt(q)) and the 241 levels of :func:`~norrsken.atmosphere.default_altitudes_km`.
A table is built once per atmosphere (~0.1 s), stored as an uncompressed ``.npz`` in the user cache
dir (:func:`norrsken.cache.cached_arrays`) keyed by its inputs, the physics version and the
package version, and loads in milliseconds.

Interpolation is linear in ln E0, ln Q and altitude, on VER/Q; Q outside the table's range uses the
per-unit profile of the nearest edge (VER stays proportional to Q there), and Q = 0 gives zero.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import threading

import numpy as np
from numba import njit, prange

from .. import checks
from ..atmosphere import Atmosphere, atmosphere, msis_indices
from ..cache import cache_key, cached_arrays, expect
from ..drivers import kp as kp_driver
from ..errors import NorrskenError, OutOfRangeError
from ..geomag import check_date
from ..precipitation.oval import get_model
from ..times import TimeLike, to_utc
from .chemistry import species_and_emission
from .column import PHOTONS_PER_RAYLEIGH
from .ionization import (
    MEAN_ENERGY_RANGE_KEV,
    check_energy_flux,
    check_mean_energy,
    ionization_rate,
)
from .lines import LINE_KEYS, line_index
from .sunlit import G_FACTORS

#: Bump when the physics or the layout changes: it is part of every cache key.
TABLE_VERSION = "emission-table-4"
TABLE_MEAN_ENERGY_KEV = np.exp(
    np.linspace(math.log(MEAN_ENERGY_RANGE_KEV[0]), math.log(MEAN_ENERGY_RANGE_KEV[1]), 66)
)
#: The full flux range the column model accepts, 3 nodes per decade (the chemistry is non-linear
#: in Q through n_e, most for 630.0 nm).
TABLE_ENERGY_FLUX_ERG = np.logspace(-3.0, 3.0, 19)
_ARRAYS = (
    "mean_energy_kev", "energy_flux_erg", "altitude_km", "ver_per_flux", "ionization_per_flux", "n2p_per_flux", "lines",
)
#: Held around the parallel map kernel: numba's default (workqueue) threading layer must not be
#: entered from two Python threads at once.
_MAP_LOCK = threading.Lock()
#: Rounding of the atmosphere inputs that key a table (and are used to build it).
LAT_STEP_DEG, LON_STEP_DEG = 5.0, 15.0
#: Bump when the layout of a column table changes (part of its cache key, with TABLE_VERSION).
COLUMN_TABLE_VERSION = "column-table-2"
#: Shadow heights at which a column table holds the N2+ column above them, km: 5 km nodes over
#: the tables' 80-500 km (linear interpolation between them is within 1 % of the column on the
#: full grid wherever that column is > 5 % of the whole, 4 % with 10 km nodes).
SHADOW_HEIGHT_KM = np.arange(80.0, 500.1, 5.0)


@dataclasses.dataclass(frozen=True, eq=False)
class EmissionTable:
    """VER per unit energy flux of every line for one atmosphere.

    Attributes
    ----------
    mean_energy_kev : ndarray (n_energy,)
        Log-spaced mean energies of the Maxwellian spectra.
    energy_flux_erg : ndarray (n_flux,)
        Log-spaced energy fluxes.
    altitude_km : ndarray (n_altitude,)
        Altitude grid.
    ver_per_flux : ndarray float32 (n_lines, n_energy, n_flux, n_altitude)
        Photons cm^-3 s^-1 per erg cm^-2 s^-1, lines in the order of ``lines``.
    ionization_per_flux : ndarray float32 (n_energy, n_altitude)
        Ion pairs cm^-3 s^-1 per erg cm^-2 s^-1 (ionization is linear in Q).
    n2p_per_flux : ndarray float32 (n_energy, n_flux, n_altitude)
        N2+ density, cm^-3 per erg cm^-2 s^-1: what sunlight scatters above the Earth's shadow
        (:mod:`.sunlit`; ``ver_per_flux`` is the dark column).
    lines : tuple of str
        Line keys.
    inputs : dict
        The (rounded) atmosphere inputs and the table version.
    """

    mean_energy_kev: np.ndarray
    energy_flux_erg: np.ndarray
    altitude_km: np.ndarray
    ver_per_flux: np.ndarray
    ionization_per_flux: np.ndarray
    n2p_per_flux: np.ndarray
    lines: tuple[str, ...]
    inputs: dict

    def _check_altitudes(self, altitude_km: np.ndarray | float) -> np.ndarray:
        alt = np.asarray(altitude_km, dtype=float)
        lo, hi = self.altitude_km[0], self.altitude_km[-1]
        bad = ~(np.isfinite(alt) & (alt >= lo) & (alt <= hi))
        if bad.any():
            raise OutOfRangeError(f"altitude {alt[bad].flat[0]:g} km lies outside the table's {lo:g}-{hi:g} km")
        return alt

    def interpolate(
        self,
        line: str,
        mean_energy_kev: np.ndarray | float,
        energy_flux_erg: np.ndarray | float,
        altitude_km: np.ndarray | float,
    ) -> np.ndarray:
        """VER (photons cm^-3 s^-1) of ``line`` at any points; the three arrays broadcast together.

        Raises
        ------
        OutOfRangeError
            For mean energies outside the table where the flux is positive, or altitudes outside it.
        """
        table = self.ver_per_flux[line_index(line)]
        flux = check_energy_flux(energy_flux_erg, allow_zero=True)
        mean, flux, alt = np.broadcast_arrays(
            table_mean_energy(mean_energy_kev, flux), flux, self._check_altitudes(altitude_km)
        )
        out = np.empty(mean.shape)
        _interpolate_points(
            table,
            math.log(self.mean_energy_kev[0]),
            math.log(self.mean_energy_kev[1] / self.mean_energy_kev[0]),
            math.log(self.energy_flux_erg[0]),
            math.log(self.energy_flux_erg[1] / self.energy_flux_erg[0]),
            self.altitude_km,
            mean.ravel(),
            flux.ravel(),
            alt.ravel(),
            out.reshape(-1),
        )
        return out

    def ver_map(
        self,
        mean_energy_kev: np.ndarray,
        energy_flux_erg: np.ndarray,
        altitude_km: np.ndarray,
        *,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """VER of every line on a 2-D map of columns, e.g. the oval's (lat, lon) grid.

        Parameters
        ----------
        mean_energy_kev, energy_flux_erg
            2-D maps (n_lat, n_lon) of the same shape; where the flux is 0 the mean energy is ignored
            (it may be NaN). Mean energies below 0.1 keV take the table's softest spectrum (see
            :func:`table_mean_energy`).
        altitude_km
            1-D output altitudes within the table.
        out
            Optional float32 array (n_lines, n_lat, n_lon, n_altitude) to fill, so that repeated
            calls (animation frames) reuse memory.

        Returns
        -------
        ndarray float32 (n_lines, n_lat, n_lon, n_altitude)
            Photons cm^-3 s^-1, lines in the order of :attr:`lines`.
        """
        flux = check_energy_flux(energy_flux_erg, allow_zero=True)
        mean = np.asarray(mean_energy_kev, dtype=float)
        if mean.ndim != 2 or mean.shape != flux.shape:
            raise NorrskenError(
                f"mean energy and flux maps must be 2-D of one shape, got {mean.shape} and {flux.shape}"
            )
        mean = table_mean_energy(mean, flux)
        alt = self._check_altitudes(np.atleast_1d(altitude_km))
        shape = (len(self.lines), *mean.shape, alt.size)
        if out is None:
            out = np.empty(shape, dtype=np.float32)
        elif out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
            raise NorrskenError(f"out must be a C-contiguous float32 array of shape {shape}")
        resampled = self.resampled(alt)
        with _MAP_LOCK:
            _fill_map(
                resampled,
                math.log(self.mean_energy_kev[0]),
                math.log(self.mean_energy_kev[1] / self.mean_energy_kev[0]),
                math.log(self.energy_flux_erg[0]),
                math.log(self.energy_flux_erg[1] / self.energy_flux_erg[0]),
                mean,
                flux,
                out,
            )
        return out

    def resampled(self, altitude_km: np.ndarray, lines: list[int] | None = None) -> np.ndarray:
        """The table linearly interpolated to other altitudes, float32 (lines, E, Q, z_out).

        ``lines`` picks rows of :attr:`ver_per_flux` by index (default all).
        """
        return _resample(self.ver_per_flux if lines is None else self.ver_per_flux[lines], self.altitude_km, altitude_km)

    def n2p_resampled(self, altitude_km: np.ndarray) -> np.ndarray:
        """:attr:`n2p_per_flux` linearly interpolated to other altitudes, float32 (E, Q, z_out)."""
        return _resample(self.n2p_per_flux, self.altitude_km, altitude_km)


def _resample(table: np.ndarray, from_km: np.ndarray, to_km: np.ndarray) -> np.ndarray:
    """``table`` (..., len(from_km)) linearly interpolated along its last axis to ``to_km``, float32."""
    upper = np.clip(np.searchsorted(from_km, to_km, side="right"), 1, from_km.size - 1)
    lower = upper - 1
    weight = (to_km - from_km[lower]) / (from_km[upper] - from_km[lower])
    return np.ascontiguousarray(table[..., lower] * (1.0 - weight) + table[..., upper] * weight, dtype=np.float32)


def table_mean_energy(mean_energy_kev, energy_flux_erg) -> np.ndarray:
    """Mean energies as the table uses them: checked where the flux is positive, soft ones raised.

    Oval models reach below 0.1 keV in their tails (Zhang & Paxton at Kp 9: ~0.05 keV under a few
    erg cm^-2 s^-1 at the storm-time equatorward edge). Such soft electrons deposit their energy
    above ~200 km and light the red line; the table's softest spectrum (0.1 keV) stands in for
    them. Anything above 50 keV, or not finite, is an error (e.g. eV passed for keV).
    """
    mean = np.asarray(mean_energy_kev, dtype=float)
    lit = np.broadcast_to(np.asarray(energy_flux_erg) > 0, mean.shape)
    lo, _ = MEAN_ENERGY_RANGE_KEV
    check_mean_energy(np.maximum(mean[lit], lo))
    return np.where(lit & (mean < lo), lo, mean)


@njit(cache=True, inline="always")
def _axis_position(value, log_first, log_step, n):
    """Index of the lower node and weight of the upper one on a uniform log axis (clamped)."""
    x = (math.log(value) - log_first) / log_step
    if x <= 0.0:
        return 0, 0.0
    if x >= n - 1:
        return n - 2, 1.0
    i = int(x)
    return i, x - i


@njit(cache=True, parallel=True)
def _fill_map(table, log_e0, log_de, log_q0, log_dq, mean, flux, out):
    n_lines, n_e, n_q, n_z = table.shape
    for iy in prange(mean.shape[0]):
        for ix in range(mean.shape[1]):
            q = flux[iy, ix]
            if q <= 0.0:
                out[:, iy, ix, :] = 0.0
                continue
            ie, we = _axis_position(mean[iy, ix], log_e0, log_de, n_e)
            iq, wq = _axis_position(q, log_q0, log_dq, n_q)
            w00 = np.float32(q * (1.0 - we) * (1.0 - wq))
            w10 = np.float32(q * we * (1.0 - wq))
            w01 = np.float32(q * (1.0 - we) * wq)
            w11 = np.float32(q * we * wq)
            for line in range(n_lines):
                a, b = table[line, ie, iq], table[line, ie + 1, iq]
                c, d = table[line, ie, iq + 1], table[line, ie + 1, iq + 1]
                row = out[line, iy, ix]
                for k in range(n_z):
                    row[k] = w00 * a[k] + w10 * b[k] + w01 * c[k] + w11 * d[k]


@njit(cache=True)
def _interpolate_points(table, log_e0, log_de, log_q0, log_dq, alt_grid, mean, flux, alt, out):
    n_e, n_q, n_z = table.shape
    for p in range(mean.size):
        q = flux[p]
        if q <= 0.0:
            out[p] = 0.0
            continue
        ie, we = _axis_position(mean[p], log_e0, log_de, n_e)
        iq, wq = _axis_position(q, log_q0, log_dq, n_q)
        iz = min(max(np.searchsorted(alt_grid, alt[p], side="right") - 1, 0), n_z - 2)
        wz = (alt[p] - alt_grid[iz]) / (alt_grid[iz + 1] - alt_grid[iz])
        total = 0.0
        for de, fe in ((0, 1.0 - we), (1, we)):
            for dq, fq in ((0, 1.0 - wq), (1, wq)):
                corner = table[ie + de, iq + dq]
                total += fe * fq * ((1.0 - wz) * corner[iz] + wz * corner[iz + 1])
        out[p] = q * total


def build_table(atm: Atmosphere) -> EmissionTable:
    """Compute the table for one atmosphere (Maxwellian spectra)."""
    unit = ionization_rate(atm, TABLE_MEAN_ENERGY_KEV, 1.0)  # (E, z) per erg cm^-2 s^-1
    q = unit[:, None, :] * TABLE_ENERGY_FLUX_ERG[None, :, None]
    ver, _, n2p = species_and_emission(q, atm)
    return EmissionTable(
        mean_energy_kev=TABLE_MEAN_ENERGY_KEV.copy(),
        energy_flux_erg=TABLE_ENERGY_FLUX_ERG.copy(),
        altitude_km=atm.altitude_km.copy(),
        ver_per_flux=(ver / TABLE_ENERGY_FLUX_ERG[None, None, :, None]).astype(np.float32),
        ionization_per_flux=unit.astype(np.float32),
        n2p_per_flux=(n2p / TABLE_ENERGY_FLUX_ERG[None, :, None]).astype(np.float32),
        lines=LINE_KEYS,
        inputs={**atm.inputs(), "version": TABLE_VERSION, "spectrum": "maxwellian"},
    )


def table_inputs(
    time: TimeLike,
    lat: float,
    lon: float,
    *,
    indices=None,
    msis_version: float = 2.1,
) -> dict:
    """The rounded atmosphere inputs that key (and build) a table.

    Time is rounded to the hour, latitude to 5 deg, longitude to 15 deg (one hour of local time),
    F10.7, F10.7a and Ap to integers; indices not given come from the embedded history. The table's
    atmosphere takes the daily Ap for all seven NRLMSIS ap values (a direct column uses the
    3-hourly history instead; the difference is a few per cent in O at most).
    """
    checks.latitude(lat)
    moment = (to_utc(time) + dt.timedelta(minutes=30)).replace(minute=0, second=0, microsecond=0)
    f107, f107a, aps = msis_indices(moment, indices)
    ap = aps[0]  # daily Ap
    checks.real("lon", lon)
    return {
        "time": moment.isoformat().replace("+00:00", "Z"),
        "lat": float(np.clip(LAT_STEP_DEG * round(float(lat) / LAT_STEP_DEG), -90.0, 90.0)),
        "lon": float((LON_STEP_DEG * round(float(lon) / LON_STEP_DEG) + 180.0) % 360.0 - 180.0),
        "f107": float(round(float(f107))),
        "f107a": float(round(float(f107a))),
        "ap": float(round(float(ap))),
        "msis_version": 0 if msis_version == 0 else float(msis_version),
        "version": TABLE_VERSION,
    }


def _atmosphere_of(inputs: dict) -> Atmosphere:
    """The atmosphere a table is built for, from its (rounded) :func:`table_inputs`."""
    return atmosphere(
        inputs["time"],
        inputs["lat"],
        inputs["lon"],
        indices={key: inputs[key] for key in ("f107", "f107a", "ap")},
        msis_version=inputs["msis_version"],
    )


@functools.lru_cache(maxsize=16)
def _table_atmosphere(inputs_json: str) -> Atmosphere:
    return _atmosphere_of(json.loads(inputs_json))


def spectrum_columns(
    table: EmissionTable, mean_energy_kev: np.ndarray, energy_flux_erg: np.ndarray, altitude_km: np.ndarray,
    spectrum: str = "gaussian",
) -> tuple[np.ndarray, np.ndarray]:
    """Columns of another spectrum (e.g. the arcs' peaked ``gaussian``) in the atmosphere of
    ``table`` at (n,) mean energies and fluxes: VER per unit flux (n, line, altitude_km) and N2+
    per unit flux (n, altitude_km), float32."""
    atm = _table_atmosphere(json.dumps(table.inputs, sort_keys=True))
    flux = np.asarray(energy_flux_erg, dtype=float)
    ver, _, n2p = species_and_emission(ionization_rate(atm, np.asarray(mean_energy_kev, dtype=float), flux, spectrum), atm)
    ver = np.moveaxis(ver / flux[None, :, None], 0, 1)
    return _resample(ver, atm.altitude_km, altitude_km), _resample(n2p / flux[:, None], atm.altitude_km, altitude_km)


def _check_table(arrays: dict[str, np.ndarray]) -> None:
    """A cached emission table as :func:`build_table` makes it (the map kernel trusts it)."""
    n_e, n_q = TABLE_MEAN_ENERGY_KEV.size, TABLE_ENERGY_FLUX_ERG.size
    altitude = expect(arrays, "altitude_km", low=0.0, high=2000.0)
    if altitude.ndim != 1 or altitude.size < 2 or not (np.diff(altitude) > 0).all():
        raise ValueError("altitude_km is not an increasing grid")
    expect(arrays, "mean_energy_kev", shape=(n_e,), low=0.0)
    expect(arrays, "energy_flux_erg", shape=(n_q,), low=0.0)
    expect(arrays, "ver_per_flux", shape=(len(LINE_KEYS), n_e, n_q, altitude.size), low=0.0)
    expect(arrays, "ionization_per_flux", shape=(n_e, altitude.size), low=0.0)
    expect(arrays, "n2p_per_flux", shape=(n_e, n_q, altitude.size), low=0.0)
    if tuple(str(key) for key in arrays.get("lines", ())) != LINE_KEYS:
        raise ValueError("lines are not this version's lines")


def _check_columns(arrays: dict[str, np.ndarray]) -> None:
    """A cached column table as :func:`column_arrays` makes it."""
    shape = (len(LINE_KEYS), TABLE_MEAN_ENERGY_KEV.size, TABLE_ENERGY_FLUX_ERG.size)
    expect(arrays, "brightness_per_flux_r", shape=shape, low=0.0)
    expect(arrays, "height_km", shape=shape, low=0.0, high=2000.0)
    expect(arrays, "n2p_column_per_flux_cm2", shape=(*shape[1:], SHADOW_HEIGHT_KM.size), low=0.0)


@functools.lru_cache(maxsize=16)
def _load_or_build(inputs_json: str) -> EmissionTable:
    inputs = json.loads(inputs_json)

    def build() -> dict[str, np.ndarray]:
        table = build_table(_atmosphere_of(inputs))
        return {name: np.asarray(getattr(table, name)) for name in _ARRAYS}

    arrays = cached_arrays("emission-table", cache_key(inputs_json), build, _check_table)
    for array in arrays.values():
        array.setflags(write=False)  # the table is shared by every caller in the process
    return EmissionTable(
        **{name: arrays[name] for name in _ARRAYS if name != "lines"},
        lines=tuple(str(k) for k in arrays["lines"]),
        inputs=inputs,
    )


def emission_table(
    time: TimeLike,
    lat: float,
    lon: float,
    *,
    indices=None,
    msis_version: float = 2.1,
) -> EmissionTable:
    """The emission table for the atmosphere at (rounded) ``time``, ``lat``, ``lon``.

    Loaded from the user cache dir when it exists there (milliseconds), else built (~0.1 s) and
    stored. Tables are also kept in memory for the process.
    """
    inputs = table_inputs(time, lat, lon, indices=indices, msis_version=msis_version)
    return _load_or_build(json.dumps(inputs, sort_keys=True))


@dataclasses.dataclass(frozen=True, eq=False)
class ColumnTable:
    """Column brightness per unit energy flux and emission height of every line, on the (E0, Q)
    axes of an :class:`EmissionTable`: what a view from afar needs (forecasts, climatologies,
    oval cubes), about 600 kB instead of the full table's 11 MB.

    Attributes
    ----------
    brightness_per_flux_r
        (line, E0, Q): dark column brightness, R per erg cm^-2 s^-1 (1 R = 1e6 photons cm^-2
        s^-1 of column, so 0.1 x the VER integral in photons cm^-3 s^-1 km).
    height_km
        (line, E0, Q): the brightness-weighted mean altitude of the dark emission.
    shadow_height_km
        (n_shadow,): :data:`SHADOW_HEIGHT_KM`.
    n2p_column_per_flux_cm2
        (E0, Q, n_shadow) float32: the N2+ column above each shadow height, cm^-2 per erg cm^-2
        s^-1; sunlight scattered by it (:mod:`.sunlit`) adds g times it to the N2+ lines.
    """

    mean_energy_kev: np.ndarray
    energy_flux_erg: np.ndarray
    lines: tuple[str, ...]
    brightness_per_flux_r: np.ndarray
    height_km: np.ndarray
    shadow_height_km: np.ndarray
    n2p_column_per_flux_cm2: np.ndarray
    inputs: dict

    @functools.cached_property
    def _n2p_moments(self) -> np.ndarray:
        """(2, E0, Q, n_shadow): the N2+ column above each shadow height h and its first moment
        int_h^top z [N2+] dz = h N(h) + int_h^top N dz (cm^-2 km), from the stored N alone."""
        column = self.n2p_column_per_flux_cm2.astype(float)
        h = self.shadow_height_km
        return np.stack([column, h * column + _integral_above(column, h)])

    def at(
        self,
        mean_energy_kev: np.ndarray,
        energy_flux_erg: np.ndarray,
        lines: tuple[str, ...] | None = None,
        shadow_height_km: np.ndarray | float | None = None,
    ):
        """Column brightness (R) and emission height (km) of ``lines`` (default all) for electrons
        of ``mean_energy_kev`` and ``energy_flux_erg`` (arrays of one shape; Q > 0), bilinear in
        ln E0 and ln Q. Q below the table's first node (0.001 erg) keeps its per-unit values, E0
        below 0.1 keV takes the softest spectrum; Q <= 0 or above 1000 erg, E0 above 50 keV and
        anything not finite are errors (as for the column model).

        With ``shadow_height_km`` (broadcastable to the arrays; from
        :func:`~norrsken.emission.sunlit.solar_zenith_to_shadow_height_km`) the N2+ lines gain
        sunlight resonantly scattered above the Earth's shadow, g times the N2+ column above it
        (linear in the shadow height between :data:`SHADOW_HEIGHT_KM`; below 80 km the whole
        column, above 500 km none), and their heights become the brightness-weighted mean of the
        dark and the sunlit light; without it (default) the column is dark.

        Returns
        -------
        tuple of ndarray
            Brightness and height, each (line, *shape).
        """
        unknown = [key for key in lines or () if key not in self.lines]
        if unknown:
            raise NorrskenError(f"unknown line {unknown[0]!r}: use one of {', '.join(self.lines)}")
        index = list(range(len(self.lines))) if lines is None else [self.lines.index(key) for key in lines]
        flux = check_energy_flux(energy_flux_erg)
        mean_energy_kev = table_mean_energy(mean_energy_kev, flux)

        def position(axis: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            f = np.clip(np.log(x / axis[0]) / math.log(axis[1] / axis[0]), 0.0, axis.size - 1.000001)
            return f.astype(int), f - f.astype(int)

        ie, we = position(self.mean_energy_kev, np.asarray(mean_energy_kev, dtype=float))
        iq, wq = position(self.energy_flux_erg, flux)
        both = np.concatenate([self.brightness_per_flux_r[index], self.height_km[index]])
        values = (
            both[:, ie, iq] * (1 - we) * (1 - wq)
            + both[:, ie + 1, iq] * we * (1 - wq)
            + both[:, ie, iq + 1] * (1 - we) * wq
            + both[:, ie + 1, iq + 1] * we * wq
        )
        brightness, height = flux * values[: len(index)], values[len(index) :]
        g = G_FACTORS[[LINE_KEYS.index(self.lines[i]) for i in index]]
        if shadow_height_km is None or not g.any():
            return brightness, height
        shadow = np.broadcast_to(np.asarray(shadow_height_km, dtype=float), flux.shape)
        if np.isnan(shadow).any():
            raise NorrskenError("shadow height is NaN")
        axis = self.shadow_height_km
        if (shadow >= axis[-1]).all():
            return brightness, height  # night: the whole column in the shadow
        f = np.clip((shadow - axis[0]) / (axis[1] - axis[0]), 0.0, axis.size - 1.0)
        ih = np.minimum(f.astype(int), axis.size - 2)
        wh = f - ih
        # Trilinear in (ln E0, ln Q, shadow height): one gather of the 8 corners.
        n_q, n_h = self.energy_flux_erg.size, axis.size
        corners = [(de, dq, dh) for de in (0, 1) for dq in (0, 1) for dh in (0, 1)]
        offsets = np.array([(de * n_q + dq) * n_h + dh for de, dq, dh in corners]).reshape(-1, *([1] * flux.ndim))
        weights = np.stack(
            [(we if de else 1 - we) * (wq if dq else 1 - wq) * (wh if dh else 1 - wh) for de, dq, dh in corners]
        )
        flat = self._n2p_moments.reshape(2, -1)
        # (2, *shape): N2+ column per unit flux above the shadow and its first moment.
        sunlit = (flat[:, (ie * n_q + iq) * n_h + ih + offsets] * weights).sum(axis=1)
        scattered = g.reshape(-1, *([1] * flux.ndim)) * (flux / PHOTONS_PER_RAYLEIGH)
        lit = scattered * sunlit[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            weighted = (brightness * height + scattered * sunlit[1]) / (brightness + lit)
        return brightness + lit, np.where(lit > 0, weighted, height)


def _integral_above(values: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The integral of ``values`` (last axis on ``z``) from each node to the top, trapezoidal."""
    layers = 0.5 * (values[..., 1:] + values[..., :-1]) * np.diff(z)
    above = np.zeros_like(values)
    above[..., :-1] = np.cumsum(layers[..., ::-1], axis=-1)[..., ::-1]
    return above


def column_arrays(table: EmissionTable) -> dict[str, np.ndarray]:
    """The :class:`ColumnTable` arrays of an emission table: VER integrated over altitude, and the
    N2+ column above each of :data:`SHADOW_HEIGHT_KM` (summed from the top on the table's grid)."""
    ver = table.ver_per_flux.astype(float)  # (line, E0, Q, z)
    z = table.altitude_km
    column = np.trapezoid(ver, z, axis=-1)
    above = 1e5 * _integral_above(table.n2p_per_flux.astype(float), z)  # cm^-2 per erg cm^-2 s^-1
    return {
        "brightness_per_flux_r": 0.1 * column,
        "height_km": np.trapezoid(ver * z, z, axis=-1) / np.maximum(column, 1e-30),
        "n2p_column_per_flux_cm2": _resample(above, z, SHADOW_HEIGHT_KM),
    }


@functools.lru_cache(maxsize=64)
def _load_or_build_columns(inputs_json: str) -> ColumnTable:
    inputs = json.loads(inputs_json)

    def build() -> dict[str, np.ndarray]:
        # Straight from the atmosphere: the full table is not stored for this.
        return column_arrays(build_table(_atmosphere_of(inputs)))

    arrays = cached_arrays("column-table", cache_key(COLUMN_TABLE_VERSION, inputs_json), build, _check_columns)
    for array in arrays.values():
        array.setflags(write=False)
    return ColumnTable(
        mean_energy_kev=TABLE_MEAN_ENERGY_KEV,
        energy_flux_erg=TABLE_ENERGY_FLUX_ERG,
        lines=LINE_KEYS,
        brightness_per_flux_r=arrays["brightness_per_flux_r"],
        height_km=arrays["height_km"],
        shadow_height_km=SHADOW_HEIGHT_KM,
        n2p_column_per_flux_cm2=arrays["n2p_column_per_flux_cm2"],
        inputs=inputs,
    )


def column_table(
    time: TimeLike,
    lat: float,
    lon: float,
    *,
    indices=None,
    msis_version: float = 2.1,
) -> ColumnTable:
    """The :class:`ColumnTable` of the atmosphere at (rounded, as :func:`table_inputs`) ``time``,
    ``lat``, ``lon``: from the user cache dir, else built (~0.25 s) and stored there."""
    inputs = table_inputs(time, lat, lon, indices=indices, msis_version=msis_version)
    return _load_or_build_columns(json.dumps(inputs, sort_keys=True))


def check_times(times: np.ndarray, *, model=None, indices=None, place: tuple | None = None) -> None:
    """One clear error before any task of a batch, not one per task.

    The first and last of ``times`` (datetime64) must lie within the magnetic coordinates' years
    and be covered by the drivers of ``model`` (:func:`~norrsken.precipitation.oval.get_model`)
    with ``indices``; with ``place`` ((lat, lon), scalars or one per time) the atmosphere of its
    tables must be available too. A fallback (Kp or indices assumed after the embedded history)
    warns here, once, rather than in every task.
    """
    if times.size == 0:
        raise NorrskenError("no times: the end lies before the first step")
    chosen = get_model(model)
    given = kp_driver.Indices.of(indices)
    for i in (0, -1):
        moment = to_utc(times[i])
        check_date(moment)
        chosen.drivers(moment, given)
        if place is not None:
            lat, lon = (np.atleast_1d(value)[i] for value in place)
            table_inputs(moment, lat, lon, indices=given)
