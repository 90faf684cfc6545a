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

The lower atmosphere as the observer's window (docs/light-pollution.md): air mass and
transmission (Kasten & Young 1989), extinction against wavelength for a site quality (Rayleigh,
aerosol, ozone: :func:`extinction_mag`), and astronomical refraction (:func:`true_elevation_deg`,
:func:`apparent_elevation_deg`, :func:`refracted_ray`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from . import checks
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


# --- Wavelength-dependent extinction -------------------------------------------------------------

#: Aerosol optical depth at 550 nm at sea level by site quality. "good" (0.05) puts a sea-level
#: site at 0.37 / 0.19 / 0.14 mag per air mass at 427.8 / 557.7 / 630.0 nm, within 0.025 mag of
#: the 0.35 / 0.2 / 0.12 of issue 18 and of k_V 0.2-0.3 at sea level (Schaefer 1993, Vistas Astron.
#: 36, 311); "excellent" is a clean high-desert air mass (k_V ~0.15 at sea level), "hazy" a summer haze.
#: "none" is no atmosphere at all: extinction 0 at every wavelength, not only no aerosol.
EXTINCTION_SITES: dict[str, float] = {"none": 0.0, "excellent": 0.02, "good": 0.05, "average": 0.10, "hazy": 0.25}
#: Optical depth to magnitudes: 2.5 log10(e).
MAG_PER_OPTICAL_DEPTH = 2.5 / math.log(10.0)
#: Scale heights of the molecular air and of the aerosol, km (Schaefer 1993, Vistas Astron. 36,
#: 311: k_R ~ exp(-h / 8.2 km), k_a ~ exp(-h / 1.5 km)).
RAYLEIGH_SCALE_HEIGHT_KM = 8.2
AEROSOL_SCALE_HEIGHT_KM = 1.5
#: Angstrom exponent of the aerosol optical depth, tau_a ~ lambda^-1.3 (Angstrom 1929, Geogr.
#: Ann. 11, 156; the value Schaefer 1993 uses).
ANGSTROM_EXPONENT = 1.3
#: Ozone column, Dobson units (the global mean, ~300 DU), and molecules cm^-2 per DU.
OZONE_COLUMN_DU = 300.0
MOLECULES_CM2_PER_DU = 2.687e16
#: Ozone absorption cross sections in the Chappuis band at 293 K, 1e-21 cm^2 per molecule, read
#: from Serdyuchenko et al. 2014 (Atmos. Meas. Tech. 7, 625) and rounded to two digits
#: (smoothed over the band's 5-10 nm structure); linear between the points.
_OZONE_NM = np.array([380.0, 400.0, 440.0, 475.0, 500.0, 525.0, 550.0, 575.0, 600.0, 625.0, 650.0, 675.0, 700.0, 750.0, 800.0])
_OZONE_CM2 = 1e-21 * np.array([0.0, 0.01, 0.12, 0.6, 1.25, 2.1, 3.2, 4.7, 5.1, 4.4, 2.9, 1.7, 0.9, 0.35, 0.1])
#: Wavelengths the extinction model covers, nm (the ozone table; Rayleigh and aerosol laws hold
#: further, but nothing in norrsken needs them).
EXTINCTION_RANGE_NM = (380.0, 800.0)
#: Observer altitudes the extinction model takes, km (the Dead Sea shore to the highest observatories).
SITE_ALTITUDE_RANGE_KM = (-0.5, 6.0)
#: Largest V-band extinction a float ``site`` may give, mag per air mass (thick haze or smoke).
MAX_SITE_EXTINCTION_MAG = 2.0


def rayleigh_optical_depth(wavelength_nm: np.ndarray | float, altitude_km: float = 0.0) -> np.ndarray:
    """Zenith Rayleigh optical depth of the air above ``altitude_km``: 0.008569 lambda^-4
    (1 + 0.0113 lambda^-2 + 0.00013 lambda^-4), lambda in um, at 1013.25 hPa (Hansen & Travis 1974,
    Space Sci. Rev. 16, 527, eq. 2.29), times the pressure exp(-h / 8.2 km)."""
    lam2 = (np.asarray(wavelength_nm, dtype=float) / 1000.0) ** 2
    sea_level = 0.008569 / lam2**2 * (1.0 + 0.0113 / lam2 + 0.00013 / lam2**2)
    return sea_level * math.exp(-altitude_km / RAYLEIGH_SCALE_HEIGHT_KM)


def ozone_optical_depth(wavelength_nm: np.ndarray | float) -> np.ndarray:
    """Zenith optical depth of a 300 DU ozone column in the Chappuis band (the ozone lies at
    15-35 km, so it does not depend on the observer's altitude)."""
    sigma_cm2 = np.interp(np.asarray(wavelength_nm, dtype=float), _OZONE_NM, _OZONE_CM2)
    return sigma_cm2 * OZONE_COLUMN_DU * MOLECULES_CM2_PER_DU


def _check_altitude(altitude_km: object) -> float:
    return checks.real("altitude_km", altitude_km, SITE_ALTITUDE_RANGE_KM, "km")


def check_site(site: object, altitude_km: float = 0.0) -> str | float:
    """``site`` if it is a name of :data:`EXTINCTION_SITES` or a V-band (550 nm) extinction in mag
    per air mass that the air above ``altitude_km`` can give (at least its Rayleigh scattering
    and ozone absorption, at most :data:`MAX_SITE_EXTINCTION_MAG`)."""
    if isinstance(site, str):
        return checks.choice("site", site, EXTINCTION_SITES)
    if isinstance(site, bool) or not isinstance(site, int | float | np.floating | np.integer):
        names = ", ".join(EXTINCTION_SITES)
        raise NorrskenError(f"site must be one of {names} or a V extinction in mag per air mass, got {site!r}", parameter="site")
    k_v = checks.real("site", site, (0.0, MAX_SITE_EXTINCTION_MAG), "mag per air mass")
    floor = MAG_PER_OPTICAL_DEPTH * float(rayleigh_optical_depth(550.0, _check_altitude(altitude_km)) + ozone_optical_depth(550.0))
    if k_v < floor:
        raise NorrskenError(
            f"site must be at least {floor:.3f} mag per air mass at {altitude_km:g} km (Rayleigh scattering and ozone "
            f"alone), got {k_v:g}",
            parameter="site",
        )
    return k_v


def aerosol_optical_depth(site: str | float = "good", altitude_km: float = 0.0) -> float:
    """Zenith aerosol optical depth at 550 nm above ``altitude_km`` for a checked ``site``: the
    named site's sea-level value times exp(-h / 1.5 km), or what a float V extinction leaves after
    Rayleigh scattering and ozone."""
    if isinstance(site, str):
        return EXTINCTION_SITES[site] * math.exp(-altitude_km / AEROSOL_SCALE_HEIGHT_KM)
    return float(site) / MAG_PER_OPTICAL_DEPTH - float(rayleigh_optical_depth(550.0, altitude_km) + ozone_optical_depth(550.0))


def extinction_mag(wavelength_nm: np.ndarray | float, site: str | float = "good", altitude_km: float = 0.0) -> np.ndarray:
    """Zenith extinction at ``wavelength_nm``, magnitudes per air mass: 1.0857 (tau_Rayleigh +
    tau_aerosol + tau_ozone) above an observer at ``altitude_km``.

    Parameters
    ----------
    wavelength_nm
        Wavelengths, 380-800 nm (any shape).
    site
        A name of :data:`EXTINCTION_SITES` (aerosol at 550 nm; ``"none"``: no extinction at all),
        or the V-band (550 nm) extinction at the observer in mag per air mass, which sets the
        aerosol part.
    altitude_km
        The observer's altitude, km: Rayleigh scattering falls with the pressure (8.2 km scale
        height), the aerosol with its own 1.5 km; the ozone stays.

    Returns
    -------
    numpy.ndarray
        Extinction, mag per air mass, the shape of ``wavelength_nm`` (float64); multiply by
        :func:`air_mass` for a line of sight, or pass to :func:`transmission`.

    Raises
    ------
    NorrskenError
        For an unknown site, an impossible V extinction, wavelengths outside 380-800 nm or NaN,
        or an altitude outside -0.5-6 km.
    """
    altitude_km = _check_altitude(altitude_km)
    site = check_site(site, altitude_km)
    try:
        wavelength = np.asarray(wavelength_nm, dtype=float)
    except (TypeError, ValueError):
        raise NorrskenError(f"wavelength_nm must be numbers of nm, got {wavelength_nm!r}", parameter="wavelength_nm") from None
    low, high = EXTINCTION_RANGE_NM
    bad = ~((wavelength >= low) & (wavelength <= high))
    if bad.any():
        raise NorrskenError(
            f"wavelength_nm must lie between {low:g} and {high:g} nm, got {wavelength[bad].flat[0]:g}", parameter="wavelength_nm"
        )
    if site == "none":
        return np.zeros_like(wavelength)
    aerosol = aerosol_optical_depth(site, altitude_km) * (wavelength / 550.0) ** -ANGSTROM_EXPONENT
    return MAG_PER_OPTICAL_DEPTH * (rayleigh_optical_depth(wavelength, altitude_km) + aerosol + ozone_optical_depth(wavelength))


# --- Astronomical refraction ---------------------------------------------------------------------

#: The refraction formulas hold down to this elevation, deg; below it both are evaluated at it
#: (clamped: a ray marcher's rays below the horizon hit the ground, so a constant bending there
#: changes nothing and keeps pixel arrays whole).
REFRACTION_MIN_DEG = -1.0
#: Refractivity n - 1 of the air at the observer at 1010 hPa and 10 C, the conditions of the
#: formulas below (2.9e-4 in visible light: Allen's Astrophysical Quantities, 4th ed., 2000, sec. 11.20).
REFRACTIVITY_1010_HPA = 2.9e-4
#: Ranges taken for the weather at the observer.
PRESSURE_RANGE_HPA = (0.0, 1100.0)
TEMPERATURE_RANGE_C = (-90.0, 60.0)


def _refraction_factor(pressure_hpa: object, temperature_c: object) -> float:
    """(P / 1010 hPa) (283 K / (273 K + T)): the refraction scales with the air's density."""
    pressure = checks.real("pressure_hpa", pressure_hpa, PRESSURE_RANGE_HPA, "hPa")
    temperature = checks.real("temperature_c", temperature_c, TEMPERATURE_RANGE_C, "C")
    return pressure / 1010.0 * 283.0 / (273.0 + temperature)


def _elevations(name: str, elevation_deg: object) -> np.ndarray:
    """``elevation_deg`` as a float array; finite values must be at most 90 deg (NaN passes: arrays
    may mark missing pixels)."""
    try:
        h = np.asarray(elevation_deg, dtype=float)
    except (TypeError, ValueError):
        raise NorrskenError(f"{name} must be numbers of degrees, got {elevation_deg!r}", parameter=name) from None
    bad = np.isinf(h) | (h > 90.0)
    if bad.any():
        raise NorrskenError(f"{name} must be finite and at most 90 degrees, got {h[bad].flat[0]:g}", parameter=name)
    return h


def _cot_arcmin_deg(h_deg: np.ndarray) -> np.ndarray:
    """cot(h) read as arcmin, in deg; both formulas dip a few thousandths of an arcmin below zero
    at the zenith, where the refraction is 0."""
    return np.maximum(1.0 / np.tan(np.radians(h_deg)), 0.0) / 60.0


def _clamped(h_deg: np.ndarray) -> np.ndarray:
    return np.maximum(h_deg, REFRACTION_MIN_DEG)


def true_elevation_deg(apparent_elevation_deg: object, pressure_hpa: float = 1010.0, temperature_c: float = 10.0) -> np.ndarray:
    """The geometric elevation (deg) of light seen at ``apparent_elevation_deg``: h_a - R with
    R = cot(h_a + 7.31 / (h_a + 4.4)) arcmin (Bennett 1982, J. Navigation 35, 255; 0.07 arcmin
    from 0 to 90 deg) times (P / 1010 hPa)(283 K / (273 K + T)); 34.5 arcmin at the horizon.

    Below -1 deg the refraction of -1 deg is used; NaN stays NaN; above 90 deg is refused.
    """
    factor = _refraction_factor(pressure_hpa, temperature_c)
    h = _elevations("apparent_elevation_deg", apparent_elevation_deg)
    c = _clamped(h)
    return h - factor * _cot_arcmin_deg(c + 7.31 / (c + 4.4))


def apparent_elevation_deg(true_elevation_deg: object, pressure_hpa: float = 1010.0, temperature_c: float = 10.0) -> np.ndarray:
    """The elevation (deg) at which light from a true (geometric) ``true_elevation_deg`` is seen:
    h + R with R = 1.02 cot(h + 10.3 / (h + 5.11)) arcmin (Saemundsson 1986, Sky Telesc. 72, 70)
    times (P / 1010 hPa)(283 K / (273 K + T)); the inverse of :func:`true_elevation_deg` within
    0.01 deg.

    Below -1 deg the refraction of -1 deg is used; NaN stays NaN; above 90 deg is refused.
    """
    factor = _refraction_factor(pressure_hpa, temperature_c)
    h = _elevations("true_elevation_deg", true_elevation_deg)
    c = _clamped(h)
    return h + factor * 1.02 * _cot_arcmin_deg(c + 10.3 / (c + 5.11))


def refracted_ray(apparent_elevation_deg: object, observer_altitude_km: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A refracted line of sight as the straight line it becomes above the refracting air.

    In a spherically layered atmosphere n r cos(h) is constant along a ray (Bouguer's invariant);
    above the air (n = 1) the ray is a straight line passing n0 r0 cos(h_a) from the Earth's
    centre, in the direction of the true elevation (:func:`true_elevation_deg`, standard weather
    scaled by the pressure exp(-h / 8.2 km) at the observer), with n0 - 1 = 2.9e-4 times the
    same factor. A ray started ``lift_km`` above the observer along the local vertical in the
    true direction is that line: lift = (n0 r0 cos h_a - r0 cos h_t) / cos h_t, 2.2 km at the
    horizon and under 0.1 km above 10 deg. Above 60 deg the line runs within metres of the
    vertical and the division by cos h_t is held at cos 60 deg (it would amplify the formula's
    0.07 arcmin into kilometres along the ray; the line moves by less than 10 m).

    Parameters
    ----------
    apparent_elevation_deg
        Apparent elevations of the line of sight, deg (any shape; NaN passes; below -1 deg the
        bending and the lift are those of -1 deg).
    observer_altitude_km
        The observer's altitude above the sphere of :data:`~norrsken.geometry.EARTH_RADIUS_KM`, km.

    Returns
    -------
    true_elevation_deg, lift_km : numpy.ndarray
        The direction above the air and where along the vertical to start it, km.
    """
    altitude = checks.real("observer_altitude_km", observer_altitude_km, SITE_ALTITUDE_RANGE_KM, "km")
    density = math.exp(-altitude / RAYLEIGH_SCALE_HEIGHT_KM)
    h_a = _elevations("apparent_elevation_deg", apparent_elevation_deg)
    h_t = true_elevation_deg(h_a, 1010.0 * density)
    # Below -1 deg the bending is that of -1 deg, and so is the lift.
    h_c = _clamped(h_a)
    r0 = EARTH_RADIUS_KM + altitude
    n0 = 1.0 + REFRACTIVITY_1010_HPA * density
    cos_t = np.cos(np.radians(true_elevation_deg(h_c, 1010.0 * density)))
    offset_km = r0 * (n0 * np.cos(np.radians(h_c)) - cos_t)
    return h_t, offset_km / np.maximum(cos_t, 0.5)
