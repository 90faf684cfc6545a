"""The natural night sky's own light per viewing direction: airglow, starlight, Moon and twilight.

Each component is a continuum with a spectrum of its own in :mod:`norrsken.color` (the names of
:data:`SKY_COMPONENTS`), given as luminance in cd m^-2 per pixel, so that a picture adds them with
``line_radiance_to_display(..., continuum_cd=..., continua=SKY_COMPONENTS)``:

- the nightglow besides the field's ray-marched O I lines: the airglow pseudo-continuum, the OH
  Meinel bands, Na D and the blue O2 bands, thin layers brightened toward the horizon by the van
  Rhijn factor and dimmed by extinction, all scaled with solar activity by
  :func:`norrsken.field.airglow.nightglow_scale`;
- zodiacal light and integrated starlight, a diffuse continuum dimmed by extinction;
- the moonlit sky of Krisciunas & Schaefer (1991), its Rayleigh and Mie terms apart;
- the twilight sky for the Sun between the horizon and -18 deg, from Patat et al. (2006).

docs/sky-light.md gives the equations, constants, sources and measured numbers.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

from .. import checks
from ..atmosphere import transmission
from ..color import SKY_LUMINANCE_CD, SKY_MAG_ARCSEC2, airglow_cd_per_rayleigh, xyz_per_rayleigh
from ..emission.chemistry import A_6300, A_6364
from ..emission.sky_spectra import OH_BANDS_R
from ..ephemeris import SkyBodies, sky_bodies
from ..field.airglow import AIRGLOW_LAYERS, nightglow_scale
from ..geometry import EARTH_RADIUS_KM
from ..times import TimeLike, to_utc

#: The components, in the order of the last axis of :func:`sky_light`; each is a continuum name
#: of :mod:`norrsken.color`.
SKY_COMPONENTS: tuple[str, ...] = (
    "airglow_continuum", "oh_meinel", "sodium_d", "o2_herzberg", "starlight", "moon_rayleigh", "moon_mie", "twilight",
)

#: Thin nightglow layers: (spectrum, height km, zenith brightness at F10.7 = 80 sfu, luminance-
#: weighted wavelength nm for the extinction law below). Brightness in R, the continuum's in R nm^-1.
#: - pseudo-continuum (NO2, FeO and O2 chemiluminescence near 90 km): 0.3 R/A = 3 R/nm, the middle
#:   of the 0.2-0.5 R/A of the visible (Leinert et al. 1998, A&AS 127, 1; Noll et al. 2012, A&A
#:   543, A92);
#: - OH Meinel bands, peak at 87 km (Baker & Stair 1988, Phys. Scr. 37, 611): the 635 R of the
#:   Delta v = 5 and 6 sequences listed in :data:`norrsken.emission.sky_spectra.OH_BANDS_R`;
#: - Na D at 92 km (the sodium layer peaks at 90-92 km: Plane 2003, Chem. Rev. 103, 4963), 50 R
#:   on average with the seasonal swing of :data:`SODIUM_SEASON`;
#: - O2 Herzberg I/II and Chamberlain bands at 95 km, ~150 R of them between 380 and 440 nm
#:   (Slanger & Copeland 2003, Chem. Rev. 103, 4731; Khomich, Semenov & Shefov 2008, "Airglow as an
#:   Indicator of Upper Atmospheric Structure and Dynamics", Springer).
#: All zenith values here (and :data:`STARLIGHT_S10`, and the field's lines in
#: :func:`zenith_brightness`) are as seen from the ground: the light scattered into the line of
#: sight from the rest of the sky is taken to make up for the zenith's extinction, so that budgets
#: of the dark sky add up to its observed 21.9 mag (Roach & Gordon 1973, "The Light of the Night
#: Sky", Reidel; Leinert et al. 1998). Away from the zenith a layer brightens as V(z) T(h) / T(90),
#: as in Garstang (1989, PASP 101, 306) and Krisciunas & Schaefer (1991), T the transmission.
AIRGLOW_SPECTRA: tuple[tuple[str, float, float, float], ...] = (
    ("airglow_continuum", 90.0, 3.0, 555.0),
    ("oh_meinel", 87.0, sum(brightness for _, brightness in OH_BANDS_R), 600.0),
    ("sodium_d", 92.0, 50.0, 589.3),
    ("o2_herzberg", 95.0, 150.0, 420.0),
)
#: Na D nightglow season: 1 + 0.4 cos(2 pi (day - winter peak) / 365.25), a winter maximum 2.3
#: times the summer minimum, within the factor 2-3 seen at middle latitudes (Roach & Gordon 1973;
#: Khomich et al. 2008), peaking near the December solstice in the north (day of year 355) and the
#: June solstice in the south.
SODIUM_SEASON = (0.4, 355.0)
#: Zodiacal light and integrated starlight at the zenith: 60 + 15 S10 (S10: a V = 10 star per
#: square degree, V = 27.78 mag arcsec^-2) away from the ecliptic and the Milky Way (Leinert et al.
#: 1998; Roach & Gordon 1973), taken as uniform over the sky and dimmed as T(h) / T(90).
STARLIGHT_S10 = 75.0
#: Zenith extinction at other wavelengths: k(lambda) = k_V (lambda / 551 nm)^-3, a design law
#: between Rayleigh's lambda^-4 and the aerosols' ~lambda^-1.3 that gives the 0.2 and 0.13 mag of
#: atmosphere.LINE_EXTINCTION_MAG at 557.7 and 630.0 nm within 0.01 mag (at 427.8 nm 0.43, not 0.3).
EXTINCTION_REFERENCE_NM, EXTINCTION_POWER = 551.0, -3.0

#: Krisciunas & Schaefer (1991, PASP 103, 1033): the scattering function's Rayleigh
#: and Mie terms 10^5.36 (1.06 + cos^2 rho) and 10^(6.15 - rho / 40), the Moon's illuminance
#: I* = 10^(-0.4 (3.84 + 0.026 |alpha| + 4e-9 alpha^4)), their air mass X(Z) = (1 - 0.96 sin^2 Z)^-1/2.
KS_RAYLEIGH = (10.0**5.36, 1.06)
KS_MIE = (6.15, 40.0)
KS_MOON = (3.84, 0.026, 4e-9)
KS_AIR_MASS = 0.96
#: The moonlit sky fades out smoothly (a smoothstep) as the Moon's centre sinks from the horizon
#: to this elevation, deg: a design choice (K&S hold down to Z_m = 90 deg).
MOON_FADE_DEG = -2.0
#: V mag arcsec^-2 of a brightness in nanolambert (Krisciunas & Schaefer 1991, inverted):
#: B = 34.08 exp(20.7233 - 0.92104 V); and luminance L = 1.08e5 10^(-0.4 V) cd m^-2
#: (:func:`luminance_cd`). Together L = 3.17e-6 B (1 nL = 1e-5/pi = 3.18e-6 cd m^-2 exactly).
NL_TO_V = (34.08, 20.7233, 0.92104)
#: The S10 unit in V mag arcsec^-2.
S10_V_MAG = 27.78

#: Zenith twilight in V at Paranal, the quadratic fit of Patat, Ugolnikov & Postylyakov (2006, A&A
#: 455, 385): V = a0 + a1 (zeta - 95) + a2 (zeta - 95)^2 mag arcsec^-2 for the Sun's zenith distance
#: zeta of 95-105 deg (a low site is ~30 % brighter, they find). It includes the night sky, taken
#: off as Paranal's dark V = 21.6 (Patat 2003, A&A 400, 1183), so the scattered light ends near
#: -15.8 deg; between the horizon and -5 deg the fit is continued with its slope at 95 deg.
TWILIGHT_V = (11.84, 1.518, -0.057)
TWILIGHT_NIGHT_V = 21.6
TWILIGHT_END_DEG = -18.0
#: Shape of the twilight sky (a design choice: no paper gives a closed form): brighter toward the
#: horizon, (1 + 1.0 (1 - sin h)), and toward the Sun's azimuth, (1 + 6 c^2 (1 - sin h)^2) with
#: c = (1 + cos(azimuth from the Sun)) / 2: 14x the zenith on the horizon below the Sun, 2x opposite.
TWILIGHT_HORIZON, TWILIGHT_SUNWARD = 1.0, 6.0

#: Highest observer, km (as render.sky: above it the observer is inside the emitting shell).
MAX_ALTITUDE_KM = 20.0
#: Elevation step of the table that every direction reads (nearest row: at most 0.3 % off at the
#: horizon, where the air mass changes fastest), deg.
_TABLE_STEP_DEG = 0.0025


def van_rhijn(elevation_deg: np.ndarray | float, height_km: np.ndarray | float) -> np.ndarray:
    """Van Rhijn factor of a thin layer at ``height_km``: the slant column over the vertical one,
    V(z) = [1 - (R / (R + h))^2 sin^2 z]^-1/2, z the zenith angle (van Rhijn 1921, Publ. Astron.
    Lab. Groningen 31, 1), R = geometry.EARTH_RADIUS_KM; 6.0 on the horizon for 90 km."""
    ratio = EARTH_RADIUS_KM / (EARTH_RADIUS_KM + height_km)
    cos_el = np.cos(np.radians(np.asarray(elevation_deg, dtype=float)))
    return 1.0 / np.sqrt(1.0 - ratio**2 * cos_el**2)


def extinction_mag(extinction_v_mag: float, wavelength_nm: float) -> float:
    """Zenith extinction (mag) at ``wavelength_nm`` from the V band's, after :data:`EXTINCTION_POWER`."""
    return extinction_v_mag * (wavelength_nm / EXTINCTION_REFERENCE_NM) ** EXTINCTION_POWER


def ks_air_mass(zenith_deg: np.ndarray | float) -> np.ndarray:
    """Krisciunas & Schaefer's (1991) air mass X(Z) = (1 - 0.96 sin^2 Z)^-1/2."""
    return 1.0 / np.sqrt(1.0 - KS_AIR_MASS * np.sin(np.radians(zenith_deg)) ** 2)


def nanolambert_to_cd(brightness_nl: np.ndarray | float) -> np.ndarray:
    """Luminance (cd m^-2) of a sky brightness in nanolambert, through its V mag arcsec^-2."""
    scale, offset, slope = NL_TO_V
    v_mag = (offset - np.log(np.asarray(brightness_nl, dtype=float) / scale)) / slope
    return luminance_cd(v_mag)


def mag_arcsec2(luminance: npt.ArrayLike) -> np.ndarray:
    """V mag arcsec^-2 of a luminance (cd m^-2): V = -2.5 log10(L / 1.08e5) (the Unihedron SQM
    conversion of :data:`norrsken.color.SKY_LUMINANCE_CD`); inf for none."""
    with np.errstate(divide="ignore"):
        return SKY_MAG_ARCSEC2 - 2.5 * np.log10(np.asarray(luminance, dtype=float) / SKY_LUMINANCE_CD)


def luminance_cd(v_mag: npt.ArrayLike) -> np.ndarray:
    """Luminance (cd m^-2) of a sky brightness in V mag arcsec^-2: 1.08e5 x 10^(-0.4 V)."""
    return SKY_LUMINANCE_CD * 10.0 ** (-0.4 * (np.asarray(v_mag, dtype=float) - SKY_MAG_ARCSEC2))


def sodium_season(time: TimeLike, lat: float) -> float:
    """Na D nightglow relative to its yearly mean (:data:`SODIUM_SEASON`)."""
    amplitude, peak_day = SODIUM_SEASON
    day = to_utc(time).timetuple().tm_yday + (0.0 if lat >= 0.0 else 365.25 / 2.0)
    return 1.0 + amplitude * math.cos(2.0 * math.pi * (day - peak_day) / 365.25)


def twilight_zenith_cd(sun_elevation_deg: float) -> float:
    """Luminance (cd m^-2) of the scattered twilight at the zenith (:data:`TWILIGHT_V`); 0 once the
    Sun is below -18 deg (and in practice below -15.8 deg, where it sinks under the night sky)."""
    if sun_elevation_deg < TWILIGHT_END_DEG:
        return 0.0
    zeta = 90.0 - min(sun_elevation_deg, 0.0) - 95.0  # the Sun's zenith distance less 95 deg
    a0, a1, a2 = TWILIGHT_V
    v_mag = a0 + a1 * zeta + (a2 * zeta**2 if zeta > 0.0 else 0.0)
    return max(float(luminance_cd(v_mag) - luminance_cd(TWILIGHT_NIGHT_V)), 0.0)


@functools.lru_cache(maxsize=8)
def _elevation_table(extinction_v_mag: float) -> tuple[np.ndarray, np.ndarray]:
    """Per elevation 0, 0.0025, ... 90 deg, then a last entry of zeros for directions without sky
    (every component of :func:`sky_light` is 0 there), float32:

    - (rows, n_layers + 1): each airglow layer's V(z) T / T_zenith, the diffuse light's T / T_zenith;
    - (5, rows): K&S's 1 - 10^(-0.4 k X(Z)), the twilight's horizon factor, (1 - sin h)^2, sin h,
      cos h (one contiguous row each: read only when the Moon or the twilight is up).
    """
    elevation = np.linspace(0.0, 90.0, round(90.0 / _TABLE_STEP_DEG) + 1)
    light = [
        van_rhijn(elevation, height) * _relative_transmission(elevation, extinction_mag(extinction_v_mag, nm))
        for _, height, _, nm in AIRGLOW_SPECTRA
    ]
    light.append(_relative_transmission(elevation, extinction_v_mag))
    sin_el = np.sin(np.radians(elevation))
    factors = [
        1.0 - 10.0 ** (-0.4 * extinction_v_mag * ks_air_mass(90.0 - elevation)),
        1.0 + TWILIGHT_HORIZON * (1.0 - sin_el), (1.0 - sin_el) ** 2, sin_el, np.cos(np.radians(elevation)),
    ]
    light_table = np.zeros((elevation.size + 1, len(light)), dtype=np.float32)
    light_table[:-1] = np.column_stack(light)
    factor_table = np.zeros((len(factors), elevation.size + 1), dtype=np.float32)
    factor_table[:, :-1] = factors
    return light_table, factor_table


def _relative_transmission(elevation_deg: np.ndarray, extinction: float) -> np.ndarray:
    """Transmission along a line of sight relative to the zenith's (the zenith values being as seen
    from the ground: :data:`AIRGLOW_SPECTRA`)."""
    return transmission(elevation_deg, extinction) / transmission(90.0, extinction)


def _table_rows(azimuth_deg: np.ndarray, elevation_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat float32 azimuths (rad) and the table row of each direction: the nearest elevation, or
    the table's last row (all zero) for a direction below the horizon or NaN."""
    az, el = (np.asarray(a, dtype=np.float32).ravel() for a in np.broadcast_arrays(azimuth_deg, elevation_deg))
    sky = (el >= 0.0) & np.isfinite(az)  # NaN fails the comparison
    position = np.minimum(el, np.float32(90.0))
    position *= np.float32(1.0 / _TABLE_STEP_DEG)
    position += np.float32(0.5)
    row = np.where(sky, position, np.float32(round(90.0 / _TABLE_STEP_DEG) + 1)).astype(np.int32)
    return np.radians(np.where(sky, az, np.float32(0.0))), row


def sky_light(
    time: TimeLike,
    lat: float,
    lon: float,
    azimuth_deg: np.ndarray,
    elevation_deg: np.ndarray,
    *,
    f107_sfu: float,
    extinction_v_mag: float = 0.2,
    altitude_km: float = 0.0,
) -> np.ndarray:
    """Luminance of the natural sky's own light in each viewing direction, per component.

    Parameters
    ----------
    time : datetime, numpy.datetime64 or str
        The moment (UTC).
    lat, lon : float
        The observer, deg.
    azimuth_deg, elevation_deg : numpy.ndarray
        Apparent directions, deg (azimuth clockwise from north), broadcast together. NaN (a pixel
        outside an all-sky circle) and directions below the horizon give 0.
    f107_sfu : float
        The 10.7 cm solar flux, 50-400 sfu, for :func:`norrsken.field.airglow.nightglow_scale`.
    extinction_v_mag : float
        Zenith extinction in V, mag per air mass (0-2).
    altitude_km : float
        The observer's altitude, 0-20 km.

    Returns
    -------
    numpy.ndarray
        float32, shape (*directions, len(SKY_COMPONENTS)), cd m^-2, in the order of
        :data:`SKY_COMPONENTS`.

    Raises
    ------
    NorrskenError
        For a place, flux or extinction out of range, or a time outside the ephemeris.
    """
    lat, lon, altitude_km = checks.place(lat, lon, altitude_km, (0.0, MAX_ALTITUDE_KM), "the sky's light")
    k_v = checks.real("extinction_v_mag", extinction_v_mag, (0.0, 2.0), "mag")
    scale = nightglow_scale(f107_sfu)
    shape = np.broadcast_shapes(np.shape(azimuth_deg), np.shape(elevation_deg))
    bodies = sky_bodies(time, lat, lon, altitude_km)
    az, row = _table_rows(azimuth_deg, elevation_deg)
    # Everything that depends on the elevation alone comes from tables (nearest of 0.0025 deg): the
    # layers and the diffuse light scaled to this moment, gathered straight into the output.
    light_table, factor_table = _elevation_table(k_v)
    n = len(AIRGLOW_SPECTRA)
    frame_table = np.zeros((light_table.shape[0], len(SKY_COMPONENTS)), dtype=np.float32)
    s10_cd = float(luminance_cd(S10_V_MAG))
    zenith = np.append(_zenith_layers_cd(time, lat, scale), STARLIGHT_S10 * s10_cd).astype(np.float32)
    frame_table[:, : n + 1] = light_table * zenith
    out = frame_table[row]
    moon = _moon_cd_per_ks(bodies, k_v)
    if moon > 0.0:
        ks, sin_el, cos_el = (factor_table[i][row] for i in (0, 3, 4))
        moon_el = math.radians(float(bodies.moon_elevation_deg))
        cos_rho = np.cos(az - np.float32(math.radians(float(bodies.moon_azimuth_deg))))
        cos_rho *= cos_el * np.float32(math.cos(moon_el))
        cos_rho += sin_el * np.float32(math.sin(moon_el))
        np.clip(cos_rho, -1.0, 1.0, out=cos_rho)
        lit = ks * np.float32(moon)
        out[:, n + 1] = lit * np.float32(KS_RAYLEIGH[0]) * (np.float32(KS_RAYLEIGH[1]) + cos_rho**2)
        # 10^(6.15 - rho / 40), rho in deg
        mie = np.arccos(cos_rho)
        mie *= np.float32(-math.log(10.0) * math.degrees(1.0) / KS_MIE[1])
        mie += np.float32(math.log(10.0) * KS_MIE[0])
        out[:, n + 2] = lit * np.exp(mie)
    twilight = twilight_zenith_cd(float(bodies.sun_elevation_deg))
    if twilight > 0.0:
        horizon, low2 = (factor_table[i][row] for i in (1, 2))
        # c = (1 + cos(azimuth from the Sun)) / 2
        toward = np.cos(az - np.float32(math.radians(float(bodies.sun_azimuth_deg))))
        toward += np.float32(1.0)
        toward *= np.float32(0.5)
        toward *= toward
        toward *= low2
        out[:, n + 3] = horizon * (np.float32(1.0) + np.float32(TWILIGHT_SUNWARD) * toward) * np.float32(twilight)
    return out.reshape(*shape, len(SKY_COMPONENTS))


def _zenith_layers_cd(time: TimeLike, lat: float, scale: float) -> np.ndarray:
    """Luminance (cd m^-2) of each airglow layer at the zenith as seen from the ground, float32."""
    values = []
    for name, _, brightness, _ in AIRGLOW_SPECTRA:
        season = sodium_season(time, lat) if name == "sodium_d" else 1.0
        values.append(scale * season * brightness * airglow_cd_per_rayleigh(name))
    return np.array(values, dtype=np.float32)


def _moon_cd_per_ks(bodies: SkyBodies, k_v: float) -> float:
    """The factors of K&S's moonlit sky common to every direction, I* 10^(-0.4 k X(Z_m)) in cd m^-2
    per unit of f(rho) [1 - 10^(-0.4 k X(Z))], with the fade below the horizon; 0 without it."""
    moon_el = float(bodies.moon_elevation_deg)
    if moon_el <= MOON_FADE_DEG:
        return 0.0
    fade = min((moon_el - MOON_FADE_DEG) / -MOON_FADE_DEG, 1.0)
    fade = fade * fade * (3.0 - 2.0 * fade)
    # phase angle from the illuminated fraction k = (1 + cos alpha) / 2
    alpha = math.degrees(math.acos(min(max(2.0 * float(bodies.moon_illumination) - 1.0, -1.0), 1.0)))
    magnitude, linear, quartic = KS_MOON
    illuminance = 10.0 ** (-0.4 * (magnitude + linear * alpha + quartic * alpha**4))
    extinction = 10.0 ** (-0.4 * k_v * float(ks_air_mass(min(90.0 - moon_el, 90.0))))
    # nL -> cd m^-2 is linear (to 6e-6 in the exponent), so the factor can be taken out.
    return fade * illuminance * extinction * float(nanolambert_to_cd(1.0))


def zenith_brightness(
    time: TimeLike, lat: float, lon: float, *, f107_sfu: float, extinction_v_mag: float = 0.2, altitude_km: float = 0.0
) -> dict:
    """V mag arcsec^-2 of the natural sky background at the zenith, and its parts.

    The parts are the components of :data:`SKY_COMPONENTS` and the field's ray-marched nightglow
    lines 557.7, 630.0 and 636.4 nm (:data:`norrsken.field.airglow.AIRGLOW_LAYERS` times
    :func:`~norrsken.field.airglow.nightglow_scale`, 636.4 from 630.0 by their Einstein
    coefficients). All are zenith values as seen from the ground (see :data:`AIRGLOW_SPECTRA`: the
    render's line transmission, which dims the zenith by ~17 % at k = 0.2, is not applied).
    Luminance counts as V (L = 1.08e5 10^(-0.4 V) cd m^-2).

    Returns
    -------
    dict
        ``v_mag_arcsec2`` (float), ``luminance_cd`` (the total, cd m^-2), ``parts_cd`` ({name:
        cd m^-2}), ``parts_v_mag`` ({name: V mag arcsec^-2}), ``nightglow_scale``,
        ``sun_elevation_deg``, ``moon_elevation_deg``.

    Raises
    ------
    NorrskenError
        As :func:`sky_light`.
    """
    light = sky_light(
        time, lat, lon, np.zeros(1), np.full(1, 90.0), f107_sfu=f107_sfu, extinction_v_mag=extinction_v_mag,
        altitude_km=altitude_km,
    )[0]
    parts = {name: float(value) for name, value in zip(SKY_COMPONENTS, light, strict=True)}
    scale = nightglow_scale(f107_sfu)
    layers = {key: brightness for key, _, _, brightness in AIRGLOW_LAYERS}
    lines = {**layers, "636.4": layers["630.0"] * A_6364 / A_6300}
    luminance = xyz_per_rayleigh(tuple(lines))[:, 1]
    for (key, brightness), per_r in zip(lines.items(), luminance, strict=True):
        parts[key] = scale * brightness * float(per_r)
    total = sum(parts.values())
    bodies = sky_bodies(time, lat, lon, altitude_km)
    return {
        "v_mag_arcsec2": float(mag_arcsec2(total)),
        "luminance_cd": total,
        "parts_cd": parts,
        "parts_v_mag": {name: float(mag_arcsec2(value)) for name, value in parts.items()},
        "nightglow_scale": scale,
        "sun_elevation_deg": float(bodies.sun_elevation_deg),
        "moon_elevation_deg": float(bodies.moon_elevation_deg),
    }

