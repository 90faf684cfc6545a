"""Sky glow from towns: the artificial brightening of the night sky seen from the ground.

Every light source of the packaged GeoNames list (:func:`norrsken.render.scene.light_sources`:
towns of 15 000 inhabitants and more, districts of larger cities left out) within
:data:`REACH_KM` lights the sky over an observer, in two spectra (high-pressure sodium and white
LED, shared per town and year by :func:`norrsken.render.scene.led_share`). Sky brightness is
counted as the ratio of artificial to natural light, the natural sky being the 22.0 V mag
arcsec^-2 of :data:`norrsken.color.SKY_MAG_ARCSEC2`; L [cd m^-2] = 1.08e5 x 10^(-0.4 V).

The model (docs/light-pollution.md), for a town of population P at a ground distance d km:

- zenith: r = A P / ((d^2 + sigma^2) (d^2 + D0^2)^(1/4)): Walker's law (Walker 1977, PASP 89, 405:
  sky glow ~ P d^-2.5, found by Garstang 1986, PASP 98, 364, to hold from ~10 to ~50 km) far from
  it, saturating inside the town, where the glow follows the light emitted per unit area, P /
  sigma^2 (sigma = :func:`~norrsken.render.scene.city_sigma_km`, D0 = 0.5 km: see NEAR_KM);
- at elevation h and azimuth dA from the town, the zenith glow times the scattering air along
  the line of sight, X_eff(h) = (1 - 10^(-0.4 k_V X(h))) / (1 - 10^(-0.4 k_V X(90))) (X the air mass,
  k_V the site's extinction: 1 overhead, 1.37 at 45 deg, 6.3 at the horizon for a good site), and
  a lobe toward the town, 1 + 0.5 cos(h) cos(dA);
- a dome low over the town: the air over its lit area (width 2 (sigma + H_a)) seen through the low
  air, exp(-k d) with k the horizontal extinction at the observer, fading with the height the line
  of sight reaches over the town, exp(-((d + sigma) tan h + d^2 / 2R) / H_a) (H_a = 1.5 km, the
  aerosol's scale height), Gaussian in azimuth with the town's angular half-size plus H_a (all
  around for an observer inside the town: weight d / sqrt(d^2 + sigma^2), as for the lobe).

A is calibrated to the darkest zenith values measured at two observatories in and beside cities
(:data:`CALIBRATION`). Haze scales the glow with the air's scattering optical depth
(single scattering) and dims the distant domes; an observer above the haze sees less of both.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.spatial import cKDTree

from .. import checks
from ..atmosphere import (
    AEROSOL_SCALE_HEIGHT_KM,
    RAYLEIGH_SCALE_HEIGHT_KM,
    SITE_ALTITUDE_RANGE_KM,
    aerosol_optical_depth,
    air_mass,
    check_site,
    extinction_mag,
    rayleigh_optical_depth,
)
from ..color import SKY_LUMINANCE_CD
from ..errors import NorrskenError
from ..geometry import EARTH_RADIUS_KM, enu_basis, unit_vectors
from ..times import decimal_year
from .catalogs import Cities, cities
from .scene import city_sigma_km, led_share, light_sources
from .skyglow import luminance_cd, mag_arcsec2

#: Towns farther than this are left out, km: a city of a million at 300 km adds 0.04 % of the
#: natural sky at the zenith, and the Earth's curvature hides its lit air below 7 km.
REACH_KM = 300.0
#: The zenith glow's coefficient A, km^2.5 per inhabitant: the least-squares fit (in mag) to
#: CALIBRATION, which the model then meets within 0.3 mag (+0.28 and -0.30).
ZENITH_RATIO = 5.57e-4
#: Depth of the lobe toward a town (a design choice: half the glow's mean at the horizon).
LOBE = 0.5
#: Inner scale D0 of the law, km. Walker's A P d^-2.5 summed over a town's Gaussian pool of light
#: (P / (2 pi sigma^2) per km^2 at its centre), cut below d_min, gives 2 A P / (sigma^2 sqrt(d_min))
#: over the centre; the closed form above gives A P / (sigma^2 sqrt(D0)), the same for
#: D0 = d_min / 4; d_min = 2 km (a design choice) puts big-city centres at 17.6-18.5 mag arcsec^-2.
NEAR_KM = 0.5
#: Where A is fitted: the darkest zenith values (clear, moonless) measured with Sky Quality Meters
#: at the Vienna University Observatory, 4 km from the centre (19.25 mag arcsec^-2: Puschnig,
#: Posch & Uttenthaler 2014, J. Quant. Spectrosc. Radiat. Transf. 139, 64), and at Potsdam-
#: Babelsberg, 23 km from the centre of Berlin (20.3: Puschnig et al. 2014, JQSRT 139, 76).
CALIBRATION = {"Vienna University Observatory": (48.2317, 16.3342, 19.25), "Potsdam-Babelsberg": (52.4036, 13.1010, 20.3)}
#: The site quality at which A holds (the glow scales with the scattering optical depth against it).
_REFERENCE_SITE = "good"
#: The coarse grid of directions the glow is evaluated on: 1 deg in azimuth, and elevations
#: 90 t^2 for 46 steps of t (0.04 deg apart at the horizon, where the domes are).
AZIMUTH_STEP_DEG = 1.0
ELEVATION_NODES = 46
#: Years the LED share is defined for.
YEAR_RANGE = (1950.0, 2100.0)
#: Sky quality classes from the zenith V brightness, mag arcsec^-2 (lower bounds, brightest class
#: last): Bortle (2001, Sky Telesc. 101(2), 126) classes by what the eye sees; these are the
#: correspondence to Sky Quality Meter readings as commonly quoted (e.g. nightskyspots.com's
#: Bortle guide); other tables differ by ~0.2 mag.
BORTLE_CLASSES = (
    (21.8, 1, "excellent dark-sky site"),
    (21.6, 2, "typical truly dark site"),
    (21.3, 3, "rural sky"),
    (20.4, 4, "rural/suburban transition"),
    (19.3, 5, "suburban sky"),
    (18.5, 6, "bright suburban sky"),
    (18.0, 7, "suburban/urban transition"),
    (17.5, 8, "city sky"),
    (-math.inf, 9, "inner-city sky"),
)


@functools.lru_cache(maxsize=1)
def _light_sources() -> Cities:
    towns = cities()
    keep = light_sources()
    return Cities(**{name: getattr(towns, name)[keep] for name in ("name", "country", "lat", "lon", "population", "geonameid")})


def _tree(towns: Cities) -> tuple[cKDTree, np.ndarray]:
    vectors = unit_vectors(towns.lat, towns.lon)
    return cKDTree(vectors), vectors


@functools.lru_cache(maxsize=1)
def _packaged_tree() -> tuple[cKDTree, np.ndarray]:
    return _tree(_light_sources())


def _scattering(site: str | float, altitude_km: float) -> tuple[float, float]:
    """The glow's scale for the site against the reference (the zenith scattering optical depth
    at 550 nm) and the horizontal extinction coefficient at the observer, km^-1."""
    if site == "none":
        return 0.0, 0.0
    rayleigh = float(rayleigh_optical_depth(550.0, altitude_km))
    aerosol = aerosol_optical_depth(site, altitude_km)
    reference = float(rayleigh_optical_depth(550.0)) + aerosol_optical_depth(_REFERENCE_SITE)
    return (rayleigh + aerosol) / reference, rayleigh / RAYLEIGH_SCALE_HEIGHT_KM + aerosol / AEROSOL_SCALE_HEIGHT_KM


class _Towns:
    """The towns in reach of an observer and their share of the glow, per spectrum."""

    def __init__(self, lat: float, lon: float, year: float, site: str | float, altitude_km: float, towns: Cities | None):
        table = _light_sources() if towns is None else towns
        tree, vectors = _packaged_tree() if towns is None else _tree(towns)
        up = unit_vectors(lat, lon)
        chord = 2.0 * math.sin(REACH_KM / (2.0 * EARTH_RADIUS_KM))
        near = np.asarray(tree.query_ball_point(up, chord), dtype=np.intp)
        offset = (vectors[near] - up) @ enu_basis(lat, lon).T
        self.distance_km = EARTH_RADIUS_KM * 2.0 * np.arcsin(np.clip(np.linalg.norm(vectors[near] - up, axis=1) / 2.0, 0.0, 1.0))
        self.azimuth_rad = np.arctan2(offset[:, 0], offset[:, 1])
        population = np.asarray(table.population, dtype=float)[near]
        self.sigma_km = city_sigma_km(population)
        scale, self.extinction_km = _scattering(site, altitude_km)
        # V extinction for the scattering along a line of sight (held above 0 for site "none",
        # whose glow is 0 anyway).
        self.extinction_v_mag = max(float(extinction_mag(550.0, site, altitude_km)), 1e-6)
        d2 = self.distance_km**2
        self.zenith_ratio = scale * ZENITH_RATIO * population / ((d2 + self.sigma_km**2) * (d2 + NEAR_KM**2) ** 0.25)
        led = led_share(year, np.asarray(table.geonameid)[near])
        self.spectra = np.stack([1.0 - led, led], axis=1)  # (n, 2): sodium, LED
        # The dome: the town's own central glow, over a lit width 2 (sigma + H_a) against the
        # ~8 km of scattering air overhead, dimmed on its way through the low air.
        centre = scale * ZENITH_RATIO * population / (self.sigma_km**2 * NEAR_KM**0.5)
        width_km = self.sigma_km + AEROSOL_SCALE_HEIGHT_KM
        self.dome_ratio = centre * 2.0 * width_km / RAYLEIGH_SCALE_HEIGHT_KM * np.exp(-self.extinction_km * self.distance_km)
        self.dome_width_rad = np.maximum(np.arctan2(width_km, self.distance_km), math.radians(AZIMUTH_STEP_DEG))
        # Toward a town the glow rises only once it is a direction, not all around.
        self.toward = self.distance_km / np.hypot(self.distance_km, self.sigma_km)


def scattering_path(elevation_deg: npt.ArrayLike, extinction_v_mag: float) -> np.ndarray:
    """X_eff: how much more scattering air a line of sight at ``elevation_deg`` sees than the
    zenith, saturating as its own extinction hides what lies beyond (1 at the zenith)."""
    k = -0.4 * math.log(10.0) * extinction_v_mag
    return np.expm1(k * air_mass(np.asarray(elevation_deg, dtype=float))) / np.expm1(k * air_mass(90.0))


def _grid(towns: _Towns) -> np.ndarray:
    """Glow ratios to the natural sky (elevation, azimuth, spectrum) on the coarse grid."""
    elevation = np.radians(90.0 * np.linspace(0.0, 1.0, ELEVATION_NODES) ** 2)
    azimuth = np.radians(np.arange(0.0, 360.0 + AZIMUTH_STEP_DEG / 2, AZIMUTH_STEP_DEG))
    weights = towns.zenith_ratio[:, None] * towns.spectra  # (n, 2)
    zenith = weights.sum(axis=0)
    # X_eff(h) sum_i w_i (1 + LOBE u_i cos h cos(A - A_i)), the cosine expanded in cos A and sin A.
    toward = weights * towns.toward[:, None]
    cos_part = (toward * np.cos(towns.azimuth_rad)[:, None]).sum(axis=0)
    sin_part = (toward * np.sin(towns.azimuth_rad)[:, None]).sum(axis=0)
    lobe = np.cos(azimuth)[:, None] * cos_part + np.sin(azimuth)[:, None] * sin_part  # (na, 2)
    path = scattering_path(np.degrees(elevation), towns.extinction_v_mag)[:, None, None]
    glow = path * (zenith + LOBE * np.cos(elevation)[:, None, None] * lobe[None])
    # The domes, separable per town: height profile (n, ne) x azimuth profile (n, na).
    height_km = (towns.distance_km + towns.sigma_km)[:, None] * np.tan(np.minimum(elevation, 1.5))[None]
    height_km += (towns.distance_km**2 / (2.0 * EARTH_RADIUS_KM))[:, None]
    rise = np.exp(-height_km / AEROSOL_SCALE_HEIGHT_KM) * (elevation < 1.5)[None]
    turn = (azimuth[None] - towns.azimuth_rad[:, None] + math.pi) % (2.0 * math.pi) - math.pi
    # Gaussian in azimuth, becoming a ring all around as the observer walks into the town.
    gauss = np.exp(-0.5 * (turn / towns.dome_width_rad[:, None]) ** 2)
    across = towns.toward[:, None] * gauss + (1.0 - towns.toward[:, None])
    if not len(rise):  # no town within reach (the open sea, the wilderness)
        return glow
    dome = rise.T @ (across[:, :, None] * (towns.dome_ratio[:, None] * towns.spectra)[:, None, :]).reshape(len(rise), -1)
    return glow + dome.reshape(glow.shape)


def _observer(lat: object, lon: object, year: object, site: object, altitude_km: object) -> tuple[float, float, float, str | float, float]:
    lat_, lon_, altitude = checks.place(lat, lon, altitude_km, SITE_ALTITUDE_RANGE_KM, "sky glow")
    year_ = checks.real("year", year, YEAR_RANGE)
    return lat_, lon_, year_, check_site(site, altitude), altitude


def city_glow(
    lat: float,
    lon: float,
    azimuth_deg: npt.ArrayLike,
    elevation_deg: npt.ArrayLike,
    *,
    year: float,
    site: str | float = "good",
    altitude_km: float = 0.0,
    towns: Cities | None = None,
) -> np.ndarray:
    """Luminance of the sky glow from towns in directions seen from a place, cd m^-2.

    Parameters
    ----------
    lat, lon
        The observer, degrees.
    azimuth_deg, elevation_deg
        Directions (broadcast together; apparent elevation). NaN and directions below the
        horizon get 0 (the ground, or pixels outside a fisheye's circle).
    year
        Decimal year, for the LED share of each town's light.
    site
        Site quality or V extinction (:func:`norrsken.atmosphere.check_site`): haze brightens the
        glow near towns and dims distant domes; ``"none"`` (no air) has no glow.
    altitude_km
        The observer's altitude, -0.5-6 km: above the haze less air scatters the light.
    towns
        A :class:`~norrsken.render.catalogs.Cities` table to use instead of the packaged light
        sources (for tests and what-ifs).

    Returns
    -------
    numpy.ndarray
        float32, shape (..., 2): the glow in the "sodium" and "led" spectra of norrsken.color
        (the natural sky is not included).

    Notes
    -----
    Evaluated on a coarse grid of directions (1 deg x 46 elevations) and interpolated
    bilinearly (numba): ~15 ms for 1024 x 1024 directions.
    """
    lat, lon, year, site, altitude_km = _observer(lat, lon, year, site, altitude_km)
    try:
        az, el = np.broadcast_arrays(np.asarray(azimuth_deg, dtype=np.float32), np.asarray(elevation_deg, dtype=np.float32))
    except (TypeError, ValueError):
        raise NorrskenError(
            "azimuth_deg and elevation_deg must be arrays of degrees of the same shape", parameter="elevation_deg"
        ) from None
    if np.isinf(az).any():
        raise NorrskenError("azimuth_deg must be finite (or NaN for no direction)", parameter="azimuth_deg")
    if np.isinf(el).any() or (el > 90.0).any():
        raise NorrskenError("elevation_deg must be at most 90 degrees (or NaN for no direction)", parameter="elevation_deg")
    grid = _grid(_Towns(lat, lon, year, site, altitude_km, towns))
    out = np.empty((az.size, 2), dtype=np.float32)
    _lookup(np.ascontiguousarray(az).ravel(), np.ascontiguousarray(el).ravel(), (grid * SKY_LUMINANCE_CD).astype(np.float32), out)
    return out.reshape(*az.shape, 2)


@njit(cache=True)
def _lookup(azimuth_deg, elevation_deg, grid, out):
    """Bilinear interpolation of ``grid`` (elevation nodes 90 t^2, azimuth nodes every
    AZIMUTH_STEP_DEG from 0 to 360) at each direction; 0 below the horizon and for NaN."""
    n_el, n_az, channels = grid.shape
    t_scale = np.float32(1.0 / 90.0)
    last_t = np.float32(n_el - 1)
    per_deg = np.float32(1.0 / AZIMUTH_STEP_DEG)
    for k in range(azimuth_deg.size):
        el = elevation_deg[k]
        az = azimuth_deg[k]
        if not (el >= 0.0) or math.isnan(az):
            for c in range(channels):
                out[k, c] = 0.0
            continue
        t = math.sqrt(el * t_scale) * last_t
        if not (0.0 <= az < 360.0):
            az = az % np.float32(360.0)
        x = az * per_deg
        i = min(int(t), n_el - 2)
        j = min(int(x), n_az - 2)
        fy = t - i
        fx = x - j
        for c in range(channels):
            low = grid[i, j, c] + (grid[i, j + 1, c] - grid[i, j, c]) * fx
            high = grid[i + 1, j, c] + (grid[i + 1, j + 1, c] - grid[i + 1, j, c]) * fx
            out[k, c] = low + (high - low) * fy


def zenith_glow_cd(
    lat: float, lon: float, *, year: float, site: str | float = "good", altitude_km: float = 0.0, towns: Cities | None = None
) -> float:
    """Luminance of the artificial sky glow at the zenith, cd m^-2, both spectra together (add
    :data:`norrsken.color.SKY_LUMINANCE_CD` for the whole sky); see :func:`city_glow`."""
    lat, lon, year, site, altitude_km = _observer(lat, lon, year, site, altitude_km)
    return float(_Towns(lat, lon, year, site, altitude_km, towns).zenith_ratio.sum() * SKY_LUMINANCE_CD)


def zenith_sky(
    lat: float,
    lon: float,
    time: dt.datetime,
    natural_cd: float,
    *,
    site: str | float = "good",
    altitude_km: float = 0.0,
    towns: bool = True,
) -> dict[str, Any]:
    """The zenith sky without aurora: a natural sky of ``natural_cd`` (cd m^-2) and, with ``towns``,
    their glow at ``time``, with its class (:func:`sky_quality`; twilight and day, beyond the
    classes, count as 10 mag arcsec^-2). Returns ``zenith_mag_arcsec2`` (rounded to 0.01),
    ``bortle``, ``sky_quality`` and ``luminance_cd``."""
    total = natural_cd
    if towns:
        total += zenith_glow_cd(lat, lon, year=decimal_year(time), site=site, altitude_km=altitude_km)
    quality = sky_quality(min(max(float(mag_arcsec2(total)), 10.0), 25.0))
    return {
        "zenith_mag_arcsec2": round(float(quality["zenith_mag_arcsec2"]), 2),
        "bortle": int(quality["bortle"]),
        "sky_quality": str(quality["label"]),
        "luminance_cd": total,
    }


def sky_quality(zenith_mag_arcsec2: float) -> dict[str, Any]:
    """The sky-quality class of a zenith brightness (natural and artificial together).

    Returns
    -------
    dict
        ``bortle`` (1-9, :data:`BORTLE_CLASSES`), ``label``, ``zenith_mag_arcsec2``,
        ``zenith_luminance_cd`` and ``artificial_ratio`` (the light above the natural 22.0 mag
        arcsec^-2 sky, as a multiple of it; 0 for a sky at or below it).
    """
    mag = checks.real("zenith_mag_arcsec2", zenith_mag_arcsec2, (10.0, 25.0), "mag arcsec^-2")
    bortle, label = next((number, name) for bound, number, name in BORTLE_CLASSES if mag >= bound)
    luminance = float(luminance_cd(mag))
    return {
        "bortle": bortle,
        "label": label,
        "zenith_mag_arcsec2": mag,
        "zenith_luminance_cd": luminance,
        "artificial_ratio": max(luminance / SKY_LUMINANCE_CD - 1.0, 0.0),
    }
