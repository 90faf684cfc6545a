"""Neutral atmosphere profiles (N2, O2, O, N, NO, temperature) from NRLMSIS through ``pymsis``.

NRLMSIS 2.1 (Emmert et al. 2022, JGR Space Physics 127, e2022JA030896, doi:10.1029/2022JA030896)
is the default; ``msis_version=0`` selects NRLMSISE-00 (Picone et al. 2002, JGR 107, 1468,
doi:10.1029/2002JA009430), which is what GLOW uses and so what the GLOW comparison runs on.

Offline by construction: ``pymsis.calculate`` looks the solar and geomagnetic indices up in a
space-weather file, and downloads that file, whenever any of ``f107s``, ``f107as`` or ``aps`` is
missing. We always pass all three, taken from the embedded CelesTrak history
(:func:`norrsken.drivers.space_weather`) unless the caller gives them.

Everything returned is CGS and float64 (pymsis returns SI in float32, and NaN where a species is
undefined, e.g. anomalous O at low altitude; NaN becomes 0).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from .drivers.kp import Indices, covered_range, indices_after_history, space_weather
from .errors import NorrskenError, OutOfRangeError
from .geometry import EARTH_RADIUS_KM
from .times import TimeLike, to_utc

#: Boltzmann constant, erg K^-1 (CODATA 2018 exact value, 1.380649e-23 J K^-1).
BOLTZMANN_ERG_K = 1.380649e-16
#: Standard gravity, cm s^-2 (CGPM 1901 conventional value 9.80665 m s^-2).
STANDARD_GRAVITY_CM_S2 = 980.665
#: Atomic mass unit, g (CODATA 2018).
AMU_G = 1.66053906660e-24

#: Plausible ranges for the drivers; values outside are refused as input mistakes. F10.7 has never
#: been observed below ~60 sfu or above ~370 sfu (daily values since 1947); Ap runs 0-400.
F107_RANGE_SFU = (50.0, 400.0)
AP_RANGE = (0.0, 400.0)
#: NRLMSIS is a thermosphere model from the ground up; our physics needs 70-1000 km at most.
ALTITUDE_RANGE_KM = (60.0, 1000.0)


def default_altitudes_km() -> np.ndarray:
    """The emission grid: 1 km steps from 80 to 200 km (E region, sharp peaks), 2.5 km to 500 km.

    241 levels; the F-region profiles (630.0 nm) are smooth on 2.5 km.
    """
    return np.concatenate([np.arange(80.0, 200.0, 1.0), np.arange(200.0, 500.001, 2.5)])


@dataclasses.dataclass(frozen=True, eq=False)
class Atmosphere:
    """Neutral profiles on an altitude grid, CGS, float64.

    Attributes
    ----------
    altitude_km : ndarray (nz,)
        Strictly increasing altitudes.
    n2_cm3, o2_cm3, o_cm3, n_cm3, no_cm3 : ndarray (nz,)
        Number densities, cm^-3 (``no_cm3`` is 0 for NRLMSISE-00, which has no NO).
    temperature_k : ndarray (nz,)
        Neutral temperature, K.
    mass_density_g_cm3 : ndarray (nz,)
        Total mass density, g cm^-3.
    mean_mass_g : ndarray (nz,)
        Mean molecular mass, g (mass density over the number density of the species MSIS sums).
    time : datetime.datetime
        UTC time of the profile.
    lat, lon : float
        Geodetic latitude and longitude, degrees (east positive).
    f107, f107a : float
        F10.7 of the previous day and its 81-day centred mean, sfu (as NRLMSIS takes them).
    ap : tuple of float
        The 7 ap values passed to NRLMSIS (daily Ap first).
    msis_version : float
        2.1 (NRLMSIS 2.1) or 0 (NRLMSISE-00).
    """

    altitude_km: np.ndarray
    n2_cm3: np.ndarray
    o2_cm3: np.ndarray
    o_cm3: np.ndarray
    n_cm3: np.ndarray
    no_cm3: np.ndarray
    temperature_k: np.ndarray
    mass_density_g_cm3: np.ndarray
    mean_mass_g: np.ndarray
    time: dt.datetime
    lat: float
    lon: float
    f107: float
    f107a: float
    ap: tuple[float, ...]
    msis_version: float

    @property
    def gravity_cm_s2(self) -> np.ndarray:
        """Gravitational acceleration, inverse-square in altitude."""
        return STANDARD_GRAVITY_CM_S2 * (EARTH_RADIUS_KM / (EARTH_RADIUS_KM + self.altitude_km)) ** 2

    @property
    def scale_height_cm(self) -> np.ndarray:
        """Atmospheric scale height H = k_B T / (m g), cm."""
        return BOLTZMANN_ERG_K * self.temperature_k / (self.mean_mass_g * self.gravity_cm_s2)

    def inputs(self) -> dict[str, object]:
        """The model inputs as plain JSON-able values."""
        return {
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "lat": self.lat,
            "lon": self.lon,
            "f107": self.f107,
            "f107a": self.f107a,
            "ap": self.ap[0],
            "msis_version": self.msis_version,
        }


def _check_index(name: str, value: float | None, bounds: tuple[float, float], unit: str) -> float:
    if value is None:
        raise NorrskenError(f"{name} is missing")
    value = float(value)
    if not (math.isfinite(value) and bounds[0] <= value <= bounds[1]):
        raise NorrskenError(f"{name} must lie between {bounds[0]:g} and {bounds[1]:g}{unit}, got {value:g}")
    return value


def check_altitudes(altitude_km: np.ndarray) -> np.ndarray:
    """Return a float64 copy of ``altitude_km`` or raise unless it is 1-D, increasing and in range."""
    alt = np.array(altitude_km, dtype=float, ndmin=1)
    if alt.ndim != 1 or alt.size < 3 or not np.all(np.isfinite(alt)) or np.any(np.diff(alt) <= 0):
        raise NorrskenError("altitude_km must be a 1-D, strictly increasing array of at least 3 finite values")
    lo, hi = ALTITUDE_RANGE_KM
    if alt[0] < lo or alt[-1] > hi:
        raise OutOfRangeError(f"altitudes must lie between {lo:g} and {hi:g} km, got {alt[0]:g}-{alt[-1]:g} km")
    return alt


def msis_indices(time: TimeLike, indices=None) -> tuple[float, float, tuple[float, ...]]:
    """The NRLMSIS drivers at ``time``: those of ``indices`` (see
    :class:`~norrsken.drivers.kp.Indices`) where given, checked, else the embedded history's
    (after it, its last day's: :func:`~norrsken.drivers.kp.indices_after_history`).

    Returns
    -------
    f107, f107a : float
        Previous-day F10.7 and its 81-day centred mean, sfu.
    ap : tuple of 7 float
        Daily Ap, then the 3-hourly history NRLMSIS wants (a given ``ap`` fills all seven).
    """
    given = Indices.of(indices).atmosphere
    f107, f107a, ap = given.values()
    aps: tuple[float | None, ...]
    if f107 is None or f107a is None or ap is None:
        if to_utc(time) >= covered_range()[1]:
            last_f107, last_f107a, last_ap = indices_after_history()
            f107 = last_f107 if f107 is None else f107
            f107a = last_f107a if f107a is None else f107a
            aps = (last_ap if ap is None else ap,) * 7
        else:
            try:
                weather = space_weather(time)
            except OutOfRangeError as exc:  # the way out is to give the missing indices, not Kp
                missing = {name: text for name, text in exc.hint.items() if given.get(name, 0.0) is None}
                raise OutOfRangeError(exc.message, hint=missing) from None
            f107 = weather.f107_previous_day if f107 is None else f107
            f107a = weather.f107a if f107a is None else f107a
            aps = weather.ap_msis if ap is None else (ap,) * 7
    else:
        aps = (ap,) * 7
    # Every branch above has filled the indices that were not given.
    assert f107 is not None and f107a is not None and len(aps) == 7 and None not in aps
    return (
        _check_index("F10.7", f107, F107_RANGE_SFU, " sfu"),
        _check_index("F10.7a (81-day mean)", f107a, F107_RANGE_SFU, " sfu"),
        tuple(_check_index("Ap", a, AP_RANGE, "") for a in aps if a is not None),
    )


def atmosphere(
    time: TimeLike,
    lat: float,
    lon: float,
    altitude_km: np.ndarray | None = None,
    *,
    indices=None,
    msis_version: float = 2.1,
) -> Atmosphere:
    """Neutral atmosphere over one place at one time.

    Parameters
    ----------
    time
        Timezone-aware UTC time (see :func:`norrsken.times.to_utc`).
    lat, lon
        Geodetic latitude and longitude, degrees.
    altitude_km
        Altitude grid; default :func:`default_altitudes_km`.
    indices
        :class:`~norrsken.drivers.kp.Indices` (or a mapping) with F10.7 of the previous day (sfu),
        its 81-day centred mean (sfu) and daily Ap. Each one not given is taken from the embedded
        CelesTrak history at ``time`` (for ``ap`` that means all 7 NRLMSIS ap values; a given
        ``ap`` is used for all 7).
    msis_version
        2.1 (default) or 0 for NRLMSISE-00.

    Raises
    ------
    NorrskenError
        For out-of-range coordinates or indices.
    OutOfRangeError
        If an index is needed from the history and ``time`` lies outside it, or for altitudes
        outside 60-1000 km.
    """
    import pymsis

    time = to_utc(time)
    lat = _check_index("latitude", lat, (-90.0, 90.0), " degrees")
    lon = float(lon)
    if not math.isfinite(lon):
        raise NorrskenError(f"longitude must be finite, got {lon}")
    if not -180.0 <= lon < 180.0:
        lon = (lon + 180.0) % 360.0 - 180.0
    alt = default_altitudes_km() if altitude_km is None else check_altitudes(altitude_km)
    if msis_version not in (0, 2.0, 2.1):
        raise NorrskenError(f"msis_version must be 0, 2.0 or 2.1, got {msis_version}")
    msis_version = 0 if msis_version == 0 else float(msis_version)

    f107, f107a, aps = msis_indices(time, indices)

    stamp = np.datetime64(time.replace(tzinfo=None), "ms")
    # All three indices are always given, so pymsis never looks for (or downloads) its index file.
    out = pymsis.calculate(
        stamp, lon, lat, alt, f107s=[f107], f107as=[f107a], aps=[list(aps)], version=msis_version
    )
    out = np.nan_to_num(np.asarray(out, dtype=np.float64).reshape(alt.size, -1))
    var = pymsis.Variable
    if msis_version == 0:
        # NRLMSISE-00 has no NO; take it from NRLMSIS 2.1 for the same inputs (GLOW takes it from
        # its own empirical NOEM model instead).
        no = pymsis.calculate(stamp, lon, lat, alt, f107s=[f107], f107as=[f107a], aps=[list(aps)], version=2.1)
        out[:, var.NO] = np.nan_to_num(np.asarray(no, dtype=np.float64).reshape(alt.size, -1)[:, var.NO])
    summed = (var.N2, var.O2, var.O, var.HE, var.H, var.AR, var.N, var.ANOMALOUS_O)
    number_m3 = out[:, list(summed)].sum(axis=1)
    mass_density_g_cm3 = out[:, var.MASS_DENSITY] * 1e-3
    return Atmosphere(
        altitude_km=alt,
        n2_cm3=out[:, var.N2] * 1e-6,
        o2_cm3=out[:, var.O2] * 1e-6,
        o_cm3=out[:, var.O] * 1e-6,
        n_cm3=out[:, var.N] * 1e-6,
        no_cm3=out[:, var.NO] * 1e-6,
        temperature_k=out[:, var.TEMPERATURE],
        mass_density_g_cm3=mass_density_g_cm3,
        mean_mass_g=mass_density_g_cm3 / (number_m3 * 1e-6),
        time=time,
        lat=lat,
        lon=lon,
        f107=f107,
        f107a=f107a,
        ap=aps,
        msis_version=float(msis_version),
    )


#: Clear-sky extinction of the auroral lines at a low-altitude site, mag per air mass: typical
#: broadband values k_B ~0.3 (427.8 nm), k_V ~0.2 (557.7 nm) and k_R ~0.13 (630.0 nm); Rayleigh
#: scattering falls as lambda^-4 (Schaefer 1993, Vistas Astron. 36, 311, gives k_V 0.2-0.3 at
#: sea level).
LINE_EXTINCTION_MAG = {"427.8": 0.3, "557.7": 0.2, "630.0": 0.13}
#: Light lower than this is hidden by terrain, haze and extinction (~10 air masses at 5 deg:
#: Kasten & Young 1989), deg.
MIN_ELEVATION_DEG = 3.0


def air_mass(elevation_deg: np.ndarray | float) -> np.ndarray:
    """Relative optical air mass along a line of sight at an apparent elevation (deg) above the
    horizon, 1 at the zenith and 38 at the horizon (Kasten & Young 1989, Appl. Opt. 28, 4735)."""
    h = np.maximum(np.asarray(elevation_deg, dtype=float), 0.0)
    return 1.0 / (np.sin(np.radians(h)) + 0.50572 * (h + 6.07995) ** -1.6364)


def transmission(elevation_deg: np.ndarray | float, extinction_mag: np.ndarray | float) -> np.ndarray:
    """Fraction of light that crosses the atmosphere along a line of sight at ``elevation_deg``
    with a zenith extinction of ``extinction_mag`` magnitudes (the two broadcast)."""
    return 10.0 ** (-0.4 * extinction_mag * air_mass(elevation_deg))
