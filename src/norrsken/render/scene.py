"""The Earth and sky around the aurora, as continuum luminances (cd m^-2) seen along rays.

The aurora and the airglow are line emissions, integrated by :mod:`norrsken.render.raymarch`.
Everything else in a picture taken from orbit is a continuum light source with a spectrum of its
own (see :func:`norrsken.color.line_radiance_to_display`):

- the ground (a sphere of :data:`~norrsken.geometry.EARTH_RADIUS_KM`): land and ocean from the
  packaged land mask, lit by the Sun (through twilight) and by the Moon;
- city lights: every city of the packaged GeoNames list (15 000 inhabitants and more) is a
  Gaussian pool of light whose output grows with population, high-pressure sodium mixed with
  white LED, switched on after sunset;
- stars from the Hipparcos catalogue, hidden behind the Earth and dimmed near the limb;
- the Moon's disc.

The light of the ground reaches space through the air above it, dimmed by its air mass along the
line of sight (Kasten & Young 1989): near the limb the cities are seen through 3-7 air masses.
The aurora and airglow lie above the absorbing air and are optically thin. The ground is
Lambertian, luminance = albedo * illuminance / pi.

Point-like sources (cities, stars) are splatted in image space: each is an elliptical Gaussian
whose shape follows the local projection, convolved with the pixel (a box of variance 1/12 px^2
per axis) so that a source smaller than a pixel keeps its flux instead of being missed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math

import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from .. import checks
from ..atmosphere import transmission
from ..ephemeris import body_position_ecef_km
from ..geometry import EARTH_RADIUS_KM, central_angle_deg, ground_distance_km, lat_lon, unit_vectors
from ..land import land_fraction
from ..times import decimal_year
from .camera import Camera, PinholeCamera
from .catalogs import bright_stars, cities, star_illuminance_lux

#: Continua of the scene, in the order of the ``continuum_cd`` axis (names of norrsken.color).
#: Stars are sorted into Planckian bins (K), their flux shared between the two nearest in 1/T.
STAR_BINS_K = (3000.0, 4000.0, 5000.0, 6000.0, 7500.0, 10000.0, 20000.0)
CONTINUA = ("daylight", "moonlight", "sodium", "led", *(f"planck:{kelvin:g}" for kelvin in STAR_BINS_K))
#: Where each layer sits on that axis: the lit ground (daylight, moonlight), city lights (sodium,
#: LED), stars; the Moon's disc adds to the moonlight channel.
GROUND_LIGHT = slice(0, 2)
MOONLIGHT = 1
CITY_LIGHT = slice(2, 4)
STAR_LIGHT = slice(4, len(CONTINUA))
#: Zenith extinction at a low-altitude site, mag: ~0.2 in V (daylight, moonlight, white LED) and
#: ~0.15 at the 589 nm of sodium light (Rayleigh scattering falls as lambda^-4; Schaefer 1993,
#: Vistas Astron. 36, 311, gives k_V 0.2-0.3 at sea level).
EXTINCTION_MAG = np.array([0.2, 0.2, 0.15, 0.2])

#: Lambertian albedos: ocean at night ~0.06 (Payne 1972, J. Atmos. Sci. 29, 959, at high Sun
#: elevation), land 0.25 (a mix of forest, field and snow in winter; bare snow reaches 0.8).
OCEAN_ALBEDO = 0.06
LAND_ALBEDO = 0.25
#: Luminous solar constant: 133.8 klux at 1 AU (Darula, Kittler & Gueymard 2005, Solar Energy 79, 559).
SOLAR_ILLUMINANCE_LUX = 133.8e3
#: Clear-sky horizontal illuminance at the ground against the Sun's elevation (deg, lux) through
#: twilight: about 700 lx at sunset, 3.4 lx at the end of civil, 8e-3 lx at the end of nautical
#: twilight and 6e-4 lx at night (Bond & Henderson 1963, "The conquest of darkness", as tabulated
#: in the US Naval Observatory's twilight notes); log-interpolated, and 133.8 klx sin(el) by day.
_TWILIGHT = (
    np.array([-18.0, -12.0, -6.0, -3.0, 0.0, 3.0]),
    np.log10([6e-4, 8e-3, 3.4, 50.0, 700.0, 133.8e3 * math.sin(math.radians(3.0))]),
)
#: Illuminance of the Moon outside the atmosphere at phase angle alpha (deg):
#: 10^(-0.4 (3.84 + 0.026 |alpha| + 4e-9 alpha^4)) foot-candles, 0.31 lx at full Moon
#: (Krisciunas & Schaefer 1991, PASP 103, 1033, eq. 8; 1 fc = 10.764 lx).
_LUX_PER_FOOTCANDLE = 10.764
#: The Moon's mean radius, km (IAU).
MOON_RADIUS_KM = 1737.4

#: City lights. Upward luminous intensity per inhabitant, cd (~60 lm of upward light): with the pool
#: below, a city of a million peaks at 0.11 cd m^-2 and Saint Petersburg at 0.19 cd m^-2 before
#: extinction. This is a design calibration to the order of magnitude of European city centres in
#: the VIIRS day/night band composites (tens of nW cm^-2 sr^-1: Elvidge et al. 2017, Int. J.
#: Remote Sens. 38, 5860), not a fit to them.
CITY_CANDELA_PER_PERSON = 20.0
#: The pool of light: a Gaussian of sigma = 2.5 km (population / 1e5)^(1/3), 1.3 km for a town of
#: 15 000 and 9 km for Saint Petersburg, so the central luminance grows as population^(1/3): urban
#: areas grow slower than their population (Batty 2008, Science 319, 769; area ~ N^(2/3)).
CITY_SIGMA_KM = 2.5
CITY_SIGMA_EXPONENT = 1.0 / 3.0
#: A town closer than this many sigma to a more populous city's centre is one of its districts.
DISTRICT_SIGMA = 1.5
#: Share of white LED in street lighting: ~5 % in 2015, growing by ~6 points a year as cities
#: retrofitted (e.g. Kyba et al. 2017, Sci. Adv. 3, e1701528 on the spectral shift), at most 90 %;
#: each city's share scatters by +-0.15 around the year's mean, fixed by its GeoNames id.
LED_SHARE_2015 = 0.05
LED_SHARE_PER_YEAR = 0.06
#: City lights switch on as the Sun sets: off with the Sun above 0 deg, full below -6 deg.
LIGHTS_ON_DEG = (0.0, -6.0)

#: Stars fainter than this are not drawn (half a second at f/1.4 and ISO 6400 records about this).
STAR_LIMIT_MAG = 7.0
#: Star image: a Gaussian of this sigma, px (lens and tracking blur of a hand-held frame), for
#: stars fainter than STAR_BLOOM_MAG. A star image has a core and a far-reaching aureole of
#: scattered light (King 1971, PASP 83, 199), and the brighter the star the more of it rises
#: above the sky and the further its saturated core blooms: sigma = STAR_PSF_PX (1 +
#: STAR_BLOOM_PER_MAG max(0, STAR_BLOOM_MAG - V)), at most STAR_PSF_MAX_PX (a design choice:
#: 1.3 px at V 2, 1.8 px for Vega, 2.1 px for Sirius), the flux kept.
STAR_PSF_PX = 0.8
STAR_BLOOM_MAG = 4.0
STAR_BLOOM_PER_MAG = 0.3
STAR_PSF_MAX_PX = 2.4
#: Stars whose line of sight grazes the Earth below this height are hidden, and dimmed linearly
#: up to STAR_CLEAR_KM (most extinction happens in the lowest scale heights).
STAR_HIDDEN_KM = 15.0
STAR_CLEAR_KM = 40.0
#: Observers below this height see the stars through the air above them (air mass, horizon).
AIR_TOP_KM = 50.0
#: Gaussians are drawn out to this many sigma.
_REACH_SIGMA = 4.0


@dataclasses.dataclass(frozen=True)
class Illumination:
    """Where the Sun and Moon are: Earth-fixed unit vectors and the Moon's illuminance.

    Attributes
    ----------
    sun_ecef : numpy.ndarray
        Unit vector from the Earth's centre to the Sun (the same direction serves every point of
        the scene: the Sun's parallax is 9 arcsec).
    moon_ecef_km : numpy.ndarray
        The Moon's position from the Earth's centre, km: its parallax reaches ~1 deg, so the
        disc is placed from the observer and the moonlight on the ground from each point.
    moon_lux : float
        Illuminance from the Moon outside the atmosphere, lux.
    year : float
        Decimal year (for the LED share of city lights).
    """

    sun_ecef: np.ndarray
    moon_ecef_km: np.ndarray
    moon_lux: float
    year: float


def illumination(moment: dt.datetime, moon_illumination: float) -> Illumination:
    """The Sun and Moon of a moment (DE421) for the scene's layers."""
    sun, moon = body_position_ecef_km("sun", moment), body_position_ecef_km("moon", moment)
    return Illumination(
        sun_ecef=sun / np.linalg.norm(sun),
        moon_ecef_km=moon,
        moon_lux=moon_illuminance_lux(moon_illumination),
        year=decimal_year(moment),
    )


def moon_illuminance_lux(illuminated_fraction: float) -> float:
    """Illuminance from the Moon outside the atmosphere, lux, for its illuminated fraction (0-1)."""
    illuminated_fraction = checks.real("illuminated_fraction", illuminated_fraction, (0.0, 1.0))
    alpha = math.degrees(math.acos(2.0 * illuminated_fraction - 1.0))
    return _LUX_PER_FOOTCANDLE * 10.0 ** (-0.4 * (3.84 + 0.026 * alpha + 4e-9 * alpha**4))


def _sample_land(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Bilinear land fraction at points (the packaged mask at 0.1 deg)."""
    grid_lat, grid_lon, fraction = land_fraction(0.1)
    step = grid_lat[0] - grid_lat[1]
    fy = np.clip((grid_lat[0] - lat) / step, 0.0, fraction.shape[0] - 1.0)
    fx = ((lon - grid_lon[0]) / step) % fraction.shape[1]
    y0, x0 = np.minimum(fy.astype(int), fraction.shape[0] - 2), fx.astype(int)
    x1 = (x0 + 1) % fraction.shape[1]
    wy, wx = fy - y0, fx - x0
    top = fraction[y0, x0] * (1 - wx) + fraction[y0, x1] * wx
    bottom = fraction[y0 + 1, x0] * (1 - wx) + fraction[y0 + 1, x1] * wx
    return top * (1 - wy) + bottom * wy


def ground_luminance(points_ecef_km: np.ndarray, light: Illumination) -> np.ndarray:
    """Sunlit and moonlit luminance of the ground at points on the sphere, cd m^-2, shape (N, 2)."""
    up = points_ecef_km / np.linalg.norm(points_ecef_km, axis=-1, keepdims=True)
    land = _sample_land(*lat_lon(points_ecef_km))
    albedo = OCEAN_ALBEDO + (LAND_ALBEDO - OCEAN_ALBEDO) * land
    sun_elevation = np.degrees(np.arcsin(np.clip(up @ light.sun_ecef, -1.0, 1.0)))
    sun_lux = np.where(
        sun_elevation > _TWILIGHT[0][-1],
        SOLAR_ILLUMINANCE_LUX * np.sin(np.radians(np.maximum(sun_elevation, 0.0))),
        10.0 ** np.interp(sun_elevation, *_TWILIGHT, left=-np.inf),
    )
    to_moon = light.moon_ecef_km - points_ecef_km
    to_moon /= np.linalg.norm(to_moon, axis=-1, keepdims=True)
    moon_lux = light.moon_lux * np.maximum(np.sum(up * to_moon, axis=-1), 0.0)
    return np.stack([sun_lux, moon_lux], axis=-1) * (albedo / np.pi)[:, None]


def ground_transmission(points_ecef_km: np.ndarray, origin_ecef_km: np.ndarray) -> np.ndarray:
    """Transmission of the air above ground points toward the observer, per continuum of the
    ground (daylight, moonlight, sodium, LED), shape (N, 4)."""
    up = points_ecef_km / np.linalg.norm(points_ecef_km, axis=-1, keepdims=True)
    to_observer = origin_ecef_km - points_ecef_km
    to_observer /= np.linalg.norm(to_observer, axis=-1, keepdims=True)
    elevation = np.degrees(np.arcsin(np.clip(np.sum(up * to_observer, axis=-1), -1.0, 1.0)))
    return transmission(elevation[:, None], EXTINCTION_MAG[None, :])


def led_share(year: float, geonameid: np.ndarray) -> np.ndarray:
    """Share of white LED in each city's light in ``year`` (see :data:`LED_SHARE_PER_YEAR`)."""
    mean = LED_SHARE_2015 + LED_SHARE_PER_YEAR * (year - 2015.0)
    # A fixed pseudo-random offset per city (Knuth's multiplicative hash of its id).
    offset = ((np.asarray(geonameid, dtype=np.uint64) * np.uint64(2654435761)) % np.uint64(1000)) / 1000.0 - 0.5
    return np.clip(mean + 0.3 * offset, 0.0, 0.9)


def city_sigma_km(population: np.ndarray) -> np.ndarray:
    """Radius (Gaussian sigma) of a city's pool of light, km."""
    return CITY_SIGMA_KM * (np.asarray(population, dtype=float) / 1e5) ** CITY_SIGMA_EXPONENT


@functools.lru_cache(maxsize=1)
def light_sources() -> np.ndarray:
    """Indices into :func:`~norrsken.render.catalogs.cities` of the cities that make their own pool
    of light.

    GeoNames also lists the districts of large cities (Kallio in Helsinki, Sodermalm in Stockholm)
    with their own populations, which the city's population already counts. A town whose centre
    lies within DISTRICT_SIGMA of a more populous city's light pool is taken as such a district
    and left out; separate towns of an agglomeration (Espoo, 16 km from Helsinki) stay.
    """
    towns = cities()
    centre = EARTH_RADIUS_KM * unit_vectors(towns.lat, towns.lon)
    sigma = city_sigma_km(towns.population)
    pairs = cKDTree(centre).query_pairs(DISTRICT_SIGMA * float(sigma.max()), output_type="ndarray")
    # Cities are sorted by population, largest first: in each pair the lower index is the larger.
    big, small = pairs.min(axis=1), pairs.max(axis=1)
    distance = np.linalg.norm(centre[big] - centre[small], axis=1)
    district = np.zeros(sigma.size, dtype=bool)
    district[small[distance < DISTRICT_SIGMA * sigma[big]]] = True
    return np.flatnonzero(~district)


def city_peak_cd(population: np.ndarray) -> np.ndarray:
    """Luminance at the centre of a city's pool of light, cd m^-2."""
    sigma_m = 1e3 * city_sigma_km(population)
    return CITY_CANDELA_PER_PERSON * np.asarray(population, dtype=float) / (2.0 * np.pi * sigma_m**2)


def _near_axis(camera: Camera, enu: np.ndarray, vectors_ecef: np.ndarray) -> np.ndarray:
    """Directions within 5 deg beyond the frame's corners (as seen from the centre of the frame).

    Only a pinhole stretches without bound; a fisheye's projection is smooth over its whole field.
    """
    if not isinstance(camera, PinholeCamera):
        return np.ones(len(vectors_ecef), dtype=bool)
    axis = camera.pixel_to_enu(*camera.centre)
    corner = camera.pixel_to_enu(-0.5, -0.5)
    limit = math.acos(float(np.clip(axis @ corner, -1.0, 1.0))) + math.radians(5.0)
    directions = vectors_ecef @ enu.T
    directions = directions / np.linalg.norm(directions, axis=-1, keepdims=True)
    return directions @ axis > math.cos(min(limit, math.radians(89.0)))


def _pixels(camera: Camera, enu: np.ndarray, vectors_ecef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates of ECEF direction vectors (any length), NaN behind the camera."""
    return camera.enu_to_pixel(vectors_ecef @ enu.T)


def city_lights(camera: Camera, origin_ecef_km: np.ndarray, enu: np.ndarray, light: Illumination) -> np.ndarray:
    """Sodium and LED luminance of city lights in each pixel, cd m^-2, shape (H, W, 2).

    Parameters
    ----------
    camera
        The camera, oriented in the observer's local frame.
    origin_ecef_km
        The observer, ECEF km.
    enu
        The observer's East, North, Up unit vectors (rows), ECEF.
    light
        Sun and Moon (the lights are on where the Sun has set).
    """
    image = np.zeros((camera.height, camera.width, 2), dtype=np.float32)
    towns = cities()
    sources = light_sources()
    up = unit_vectors(towns.lat[sources], towns.lon[sources])
    # A point of the sphere is in sight when it lies above the observer's horizon plane.
    seen = EARTH_RADIUS_KM * (up @ origin_ecef_km) > EARTH_RADIUS_KM**2 * (1.0 + 1e-9)
    sun_elevation = np.degrees(np.arcsin(np.clip(up @ light.sun_ecef, -1.0, 1.0)))
    switched = np.clip((LIGHTS_ON_DEG[0] - sun_elevation) / (LIGHTS_ON_DEG[0] - LIGHTS_ON_DEG[1]), 0.0, 1.0)
    lit = seen & (switched > 0.0)
    if not lit.any():
        return image
    keep, up, switched = sources[lit], up[lit], switched[lit]
    centre = EARTH_RADIUS_KM * up
    sigma = city_sigma_km(towns.population[keep])
    # Local east and north at each city, to map its pool of light into the image.
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east, axis=1, keepdims=True)
    north = np.cross(up, east)
    x0, y0 = _pixels(camera, enu, centre - origin_ecef_km)
    xe, ye = _pixels(camera, enu, centre + sigma[:, None] * east - origin_ecef_km)
    xn, yn = _pixels(camera, enu, centre + sigma[:, None] * north - origin_ecef_km)
    share = led_share(light.year, towns.geonameid[keep])
    peak = city_peak_cd(towns.population[keep]) * switched
    weights = peak[:, None] * np.column_stack([1.0 - share, share])
    near = _near_axis(camera, enu, centre - origin_ecef_km)
    _splat_projected(image, x0, y0, xe - x0, ye - y0, xn - x0, yn - y0, weights, near)
    return image


def _splat_projected(image, x0, y0, ex, ey, nx, ny, weights, near_axis) -> None:
    """Splat Gaussians whose 1-sigma axes project to the pixel vectors (ex, ey) and (nx, ny).

    ``near_axis`` marks the sources close enough to the camera's axis for that linear map to hold:
    a pinhole stretches directions toward 90 deg off-axis without bound, and a source there would
    be smeared over the whole picture (see :func:`_near_axis`).
    """
    ok = np.isfinite(x0 + y0 + ex + ey + nx + ny)
    cxx = ex**2 + nx**2 + 1.0 / 12.0
    cyy = ey**2 + ny**2 + 1.0 / 12.0
    cxy = ex * ey + nx * ny
    # Peak after the pixel convolution: the Gaussian's flux is kept.
    sharp = np.abs(ex * ny - ey * nx)
    with np.errstate(invalid="ignore"):
        gain = sharp / np.sqrt(cxx * cyy - cxy**2)
    reach = _REACH_SIGMA * np.sqrt(np.maximum(cxx, cyy))
    on_image = (
        ok
        & near_axis
        & (x0 + reach > -0.5)
        & (x0 - reach < image.shape[1] - 0.5)
        & (y0 + reach > -0.5)
        & (y0 - reach < image.shape[0] - 0.5)
    )
    index = np.flatnonzero(on_image)
    _splat(
        image,
        x0[index],
        y0[index],
        cxx[index],
        cxy[index],
        cyy[index],
        reach[index],
        np.ascontiguousarray(weights[index] * gain[index, None], dtype=np.float32),
    )


@njit(cache=True)
def _splat(image, x0, y0, cxx, cxy, cyy, reach, weights):
    """Add weights * exp(-q / 2) around each (x0, y0), q the Mahalanobis distance under the
    covariance ((cxx, cxy), (cxy, cyy)), out to ``reach`` pixels."""
    height, width, channels = image.shape
    for k in range(x0.size):
        det = cxx[k] * cyy[k] - cxy[k] * cxy[k]
        ixx, ixy, iyy = cyy[k] / det, -cxy[k] / det, cxx[k] / det
        limit = _REACH_SIGMA * _REACH_SIGMA
        for y in range(max(0, int(math.floor(y0[k] - reach[k]))), min(height, int(math.ceil(y0[k] + reach[k])) + 1)):
            dy = y - y0[k]
            for x in range(max(0, int(math.floor(x0[k] - reach[k]))), min(width, int(math.ceil(x0[k] + reach[k])) + 1)):
                dx = x - x0[k]
                q = ixx * dx * dx + 2.0 * ixy * dx * dy + iyy * dy * dy
                if q < limit:
                    g = math.exp(-0.5 * q)
                    for c in range(channels):
                        image[y, x, c] += weights[k, c] * g


def _star_bin_weights(temperature_k: np.ndarray) -> np.ndarray:
    """Share of each star's light in each Planckian bin, linear in 1/T between neighbours."""
    inverse = 1.0 / np.asarray(STAR_BINS_K)[::-1]  # increasing
    t = np.clip(1.0 / np.asarray(temperature_k, dtype=float), inverse[0], inverse[-1])
    upper = np.clip(np.searchsorted(inverse, t), 1, inverse.size - 1)
    f = (t - inverse[upper - 1]) / (inverse[upper] - inverse[upper - 1])
    weights = np.zeros((t.size, inverse.size))
    rows = np.arange(t.size)
    weights[rows, upper - 1] = 1.0 - f
    weights[rows, upper] = f
    return weights[:, ::-1]  # back to the order of STAR_BINS_K


def star_light(
    camera: Camera, origin_ecef_km: np.ndarray, enu: np.ndarray, icrs_to_ecef: np.ndarray
) -> np.ndarray:
    """Luminance of the stars in each pixel, cd m^-2, one channel per Planckian bin (H, W, n_bins).

    From above the air (orbit) a star is hidden when its line of sight grazes the Earth below
    STAR_HIDDEN_KM and fades in up to STAR_CLEAR_KM. From within it (the ground, an aircraft:
    below AIR_TOP_KM) it is hidden below the geometric horizon and dimmed by its air mass
    (Kasten & Young 1989, 0.2 mag per air mass in V).

    Parameters
    ----------
    icrs_to_ecef
        Rotation matrix from ICRS (the catalogue) to the Earth-fixed frame at the picture's time.
    """
    image = np.zeros((camera.height, camera.width, len(STAR_BINS_K)), dtype=np.float32)
    stars = bright_stars(STAR_LIMIT_MAG)
    direction = stars.direction_icrs @ icrs_to_ecef.T
    height = float(np.linalg.norm(origin_ecef_km)) - EARTH_RADIUS_KM
    along = direction @ origin_ecef_km
    if height < AIR_TOP_KM:
        elevation = np.degrees(np.arcsin(np.clip(along / (EARTH_RADIUS_KM + height), -1.0, 1.0)))
        dip = central_angle_deg(max(height, 0.0))
        clear = np.where(elevation > -dip, transmission(elevation, EXTINCTION_MAG[0]), 0.0)
    else:
        # Height of the line of sight's closest approach to the Earth (stars ahead of the observer).
        closest = np.sqrt(np.maximum(origin_ecef_km @ origin_ecef_km - along**2, 0.0))
        grazing = np.where(along < 0.0, closest - EARTH_RADIUS_KM, height)
        clear = np.clip((grazing - STAR_HIDDEN_KM) / (STAR_CLEAR_KM - STAR_HIDDEN_KM), 0.0, 1.0)
    x0, y0 = _pixels(camera, enu, direction)
    # Solid angle of the pixel at the star: a pinhole pixel subtends cos^3(off-axis) / f^2.
    solid_angle = _pixel_solid_angle(camera, x0, y0)
    lux = star_illuminance_lux(stars.v_mag) * clear
    sigma = star_psf_px(stars.v_mag)
    weights = (lux / solid_angle / (2.0 * np.pi * sigma**2))[:, None] * _star_bin_weights(stars.temperature_k)
    zero = np.zeros_like(x0)
    # A star on the rim of a fisheye's circle has no pixel solid angle (neighbours outside): skip it.
    visible = (clear > 0.0) & np.isfinite(solid_angle)
    weights = np.where(visible[:, None], weights, 0.0)
    _splat_projected(image, x0, y0, sigma, zero, zero, sigma, weights, _near_axis(camera, enu, direction))
    return image


def star_psf_px(v_mag: np.ndarray) -> np.ndarray:
    """Gaussian sigma of a star's image, px, growing with its brightness (see :data:`STAR_PSF_PX`)."""
    brighter_mag = np.maximum(STAR_BLOOM_MAG - np.asarray(v_mag, dtype=float), 0.0)
    return np.minimum(STAR_PSF_PX * (1.0 + STAR_BLOOM_PER_MAG * brighter_mag), STAR_PSF_MAX_PX)


def _pixel_solid_angle(camera: Camera, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Solid angle of the pixel at (x, y), sr, from the directions of its edges' midpoints."""
    def enu(dx: float, dy: float) -> np.ndarray:
        return camera.pixel_to_enu(np.nan_to_num(x) + dx, np.nan_to_num(y) + dy)

    horizontal = enu(0.5, 0.0) - enu(-0.5, 0.0)
    vertical = enu(0.0, 0.5) - enu(0.0, -0.5)
    return np.linalg.norm(np.cross(horizontal, vertical), axis=-1)


def moon_disc(
    camera: Camera, origin_ecef_km: np.ndarray, enu: np.ndarray, light: Illumination
) -> np.ndarray:
    """Luminance of the Moon's disc in each pixel, cd m^-2 (H, W): its illuminance spread evenly over
    the disc (the phase is not drawn), zero where the Earth hides it."""
    image = np.zeros((camera.height, camera.width), dtype=np.float32)
    line = light.moon_ecef_km - origin_ecef_km
    distance = float(np.linalg.norm(line))
    if math.isfinite(ground_distance_km(origin_ecef_km, (line / distance)[None, :])[0]):
        return image  # behind the Earth
    x0, y0 = _pixels(camera, enu, line[None, :])
    if not np.isfinite(x0[0]):
        return image  # behind the camera
    radius = math.asin(MOON_RADIUS_KM / distance)
    radius_px = radius / math.sqrt(_pixel_solid_angle(camera, x0, y0)[0])
    yy, xx = np.ogrid[0 : camera.height, 0 : camera.width]
    image[np.hypot(xx - x0[0], yy - y0[0]) <= radius_px] = light.moon_lux / (math.pi * radius**2)
    return image
