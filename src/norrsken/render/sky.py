"""The sky from the ground: line radiances and a true-colour picture for one camera.

One call composes the chain: the emission field around the observer
(:func:`norrsken.field.emission_field`), a camera's rays (:mod:`norrsken.render.camera`), bent by
astronomical refraction, the ray marcher (:mod:`norrsken.render.raymarch`), the air's extinction
of every line (:func:`norrsken.atmosphere.extinction_mag`), the sky's own light (airglow,
starlight, moonlit and twilight sky: :mod:`norrsken.render.skyglow`; towns' sky glow:
:mod:`norrsken.render.light_pollution`), stars and the Moon, and the observer's colour response
with a camera's noise (:mod:`norrsken.color`). The ground below the horizon is black.

Only the night sky is rendered: with the Sun above -6 deg (civil twilight or day) the scattered
sunlight would swamp the aurora, so the call refuses unless told otherwise (``daylight_ok``).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from .. import checks
from .. import field as field_module
from ..atmosphere import MIN_ELEVATION_DEG, check_site, extinction_mag, transmission, true_elevation_deg
from ..color import CameraExposure, Exposure, EyeExposure, describe_exposure, line_radiance_to_display, to_uint8
from ..emission.lines import LINES, line_index
from ..ephemeris import icrs_to_ecef, sky_bodies
from ..errors import NorrskenError
from ..geometry import EARTH_RADIUS_KM, central_angle_deg, direction_from_enu, enu_basis, enu_from_direction
from ..precipitation import OvalModel
from ..precipitation.model import driver_attrs
from ..times import TimeLike, decimal_year, to_utc
from . import light_pollution, scene, skyglow
from .camera import AllSkyCamera, Camera, vignetting
from .overlay import draw_overlay
from .sampling import PREVIEW_CELL_FACTOR, check_quality, line_radiance_image

#: Largest picture, pixels (a 4K UHD frame fits): a frame takes ~280 bytes a pixel at its peak
#: (rays, radiances, directions, colour), so this keeps it under ~2.3 GiB.
MAX_PIXELS = 8_500_000
#: Highest observer, km (above it the observer is inside the emitting shell: use an orbit view).
MAX_OBSERVER_KM = 20.0
#: The Sun must be at least this far below the horizon, deg (end of civil twilight).
SUN_LIMIT_DEG = -6.0
#: Field grid spacing of a ground view at the observer, km.
GROUND_CELL_KM = 10.0
#: The ``model`` attribute of a picture: the physics behind it.
MODEL_TEXT = "norrsken: Zhang & Paxton (2008) oval, Fang et al. (2010) ionization, NRLMSIS 2.1"


def picture(
    brightness: np.ndarray,
    lines: tuple[str, ...],
    azimuth: np.ndarray,
    elevation: np.ndarray,
    rgb: np.ndarray,
    frame: str = "the observer's horizon",
) -> xr.Dataset:
    """The Dataset of a rendered picture: line radiances (line, y, x), the pixels' directions in
    the observer's frame (``frame`` names its horizontal) and the 8-bit display image."""
    line_keys = list(lines)
    return xr.Dataset(
        {
            "brightness_r": (
                ("line", "y", "x"),
                np.moveaxis(brightness, -1, 0),
                {"units": "R", "long_name": "line brightness along the line of sight"},
            ),
            "azimuth_deg": (
                ("y", "x"),
                azimuth.astype(np.float32),
                {"units": "degree", "long_name": "azimuth from north through east"},
            ),
            "elevation_deg": (
                ("y", "x"),
                elevation.astype(np.float32),
                {"units": "degree", "long_name": f"elevation above {frame}"},
            ),
            "rgb": (("y", "x", "channel"), rgb, {"long_name": "display sRGB, 8 bit"}),
        },
        coords={
            "line": ("line", line_keys),
            "wavelength_nm": ("line", [LINES[line_index(key)].wavelength_nm for key in line_keys], {"units": "nm"}),
            "channel": ("channel", ["R", "G", "B"]),
        },
    )


def check_frame(camera: Camera, exposure: Exposure, kinds: type | tuple[type, ...], expected: str) -> None:
    """Refuse a camera of the wrong kind, a picture too large for memory, or an unknown exposure."""
    if not isinstance(camera, kinds):
        raise NorrskenError(f"camera must be {expected}, got {type(camera).__name__}")
    if camera.width * camera.height > MAX_PIXELS:
        raise NorrskenError(
            f"a {camera.width}x{camera.height} picture has {camera.width * camera.height / 1e6:.1f} Mpx; "
            f"the limit is {MAX_PIXELS / 1e6:g} Mpx (about 2.3 GiB of working memory)"
        )
    if not isinstance(exposure, CameraExposure | EyeExposure):
        raise NorrskenError(f"exposure must be a CameraExposure or an EyeExposure, got {type(exposure).__name__}")


def sky(
    time: TimeLike,
    lat: float,
    lon: float,
    *,
    camera: Camera | None = None,
    indices=None,
    model: str | OvalModel | None = None,
    online: bool = False,
    structure: str = "arcs",
    seed: int = 0,
    exposure: Exposure | None = None,
    airglow: bool = True,
    background: bool = True,
    stars: bool = True,
    horizon: bool = True,
    cardinals: bool = True,
    grid: bool = False,
    altitude_km: float = 0.0,
    adaptive: bool = True,
    preview: bool = False,
    daylight_ok: bool = False,
    extinction: str | float = "good",
    light_pollution: bool = True,
) -> xr.Dataset:
    """Render the sky over (``lat``, ``lon``) at ``time`` through ``camera``.

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    lat, lon
        Observer, degrees (geodetic; the Earth is a sphere here).
    camera
        A :class:`~norrsken.render.camera.PinholeCamera` or
        :class:`~norrsken.render.camera.AllSkyCamera`; default: all-sky, 1024 x 1024.
    indices
        Index overrides (anything :meth:`norrsken.drivers.kp.Indices.of` takes, e.g.
        ``{"kp": 5}``): Kp, the previous day's F10.7, its 81-day mean and the daily Ap; default:
        the embedded history. Outside the history all four must be given.
    model
        The oval model (:func:`norrsken.precipitation.get_model`); default Zhang & Paxton (2008).
    online
        Ask the live feeds for the oval's drivers first (the embedded history is the fallback).
    structure
        ``"arcs"`` (curtains, seeded by ``seed``) or ``"none"`` (the smooth statistical oval).
    exposure
        :class:`~norrsken.color.CameraExposure` (default: ISO 3200, f/2.8, 8 s, with photon and
        read noise seeded by ``seed``; ``noise=False`` for a clean frame) or
        :class:`~norrsken.color.EyeExposure` (noise-free).
    airglow, background, stars
        Include the night airglow layers / the sky's own light (airglow spectrum, starlight,
        moonlit and twilight sky, and with ``light_pollution`` the towns' sky glow) / the stars
        (Hipparcos to V 7, dimmed by their air mass) and the Moon's disc.
    horizon, cardinals, grid
        Overlays drawn into ``rgb``.
    altitude_km
        Observer altitude, 0-20 km.
    adaptive
        Interpolate pixels between traced ones where the estimated interpolation error is within
        2 % (:func:`~norrsken.render.sampling.line_radiance_image`); False traces every pixel.
    preview
        A fast approximate picture (thumbnails, a web page): a field grid twice as coarse, every
        other pixel traced with longer steps and the rest interpolated (at 512 x 512 all-sky:
        median 1 %, 90th percentile ~5 % from the full render; tests/test_raymarch.py).
    daylight_ok
        Render even with the Sun above -6 deg (the sky is then drawn as if it were night).
    extinction
        Site quality for the air's extinction of every source (:data:`~norrsken.atmosphere.
        EXTINCTION_SITES`: ``"excellent"``, ``"good"``, ``"average"``, ``"hazy"``, ``"none"``) or
        the V-band extinction in mag per air mass.
    light_pollution
        Add the sky glow of the towns around (GeoNames, 15 000 inhabitants and more).

    Returns
    -------
    xarray.Dataset
        ``brightness_r`` (line, y, x) in Rayleigh as it reaches the observer through the air (NaN
        outside an all-sky circle, 0 below the horizon), ``azimuth_deg`` and ``elevation_deg`` (y, x), ``rgb`` (y, x, channel) uint8;
        attrs: time, place, the oval's drivers and their sources (``kp``, ``kp_source``), the Sun
        and Moon, camera and exposure (JSON), the model.
    """
    lat, lon, altitude_km = checks.place(lat, lon, altitude_km, (0.0, MAX_OBSERVER_KM), "a ground view")
    moment = to_utc(time)
    camera = AllSkyCamera(1024, 1024) if camera is None else camera
    exposure = CameraExposure() if exposure is None else exposure
    check_frame(camera, exposure, Camera, "a PinholeCamera or an AllSkyCamera")
    check_quality(adaptive, preview)
    site = check_site(extinction, altitude_km)
    light_pollution = checks.flag("light_pollution", light_pollution)
    bodies = sky_bodies(moment, lat, lon, altitude_km)
    if bodies.sun_elevation_deg > SUN_LIMIT_DEG and not daylight_ok:
        raise NorrskenError(
            f"the Sun is {bodies.sun_elevation_deg:.1f} deg above the horizon at {moment:%Y-%m-%d %H:%M} UTC "
            f"({bodies.darkness}): the aurora cannot be seen before it is {-SUN_LIMIT_DEG:g} deg below",
            hint={"daylight_ok": "render the sky as if it were night"},
        )

    emission = field_module.emission_field(
        moment,
        lat,
        lon,
        indices=indices,
        model=model,
        online=online,
        radius_deg=field_module.horizon_radius_deg(altitude_km),
        structure=structure,
        seed=seed,
        airglow=airglow,
        cell_km=GROUND_CELL_KM * (PREVIEW_CELL_FACTOR if preview else 1.0),
    )
    # The nightglow follows the 81-day solar flux; the sky's own light is dimmed by the V extinction.
    f107a, k_v = float(emission.table.inputs["f107a"]), float(extinction_mag(550.0, site, altitude_km))
    enu = enu_basis(lat, lon)
    origin = (EARTH_RADIUS_KM + altitude_km) * enu[2]
    rays = camera.rays_enu()
    azimuth, elevation = direction_from_enu(rays)
    brightness = line_radiance_image(emission, origin, _refracted(rays, azimuth, elevation) @ enu, adaptive=adaptive, preview=preview)
    brightness *= line_transmission(emission.lines, elevation, site, altitude_km)

    # The geometric horizon of a raised observer dips below 0 deg.
    sky_mask = elevation > -central_angle_deg(altitude_km)
    sources: list[np.ndarray] = []
    continua: tuple[str, ...] = ()
    if stars:
        sources.append(_stars_and_moon(camera, origin, enu, moment, float(bodies.moon_illumination)))
        continua = SKY_CONTINUA
    if background:
        sources.append(_sky_light(moment, lat, lon, altitude_km, azimuth, elevation, f107a, site, k_v, light_pollution))
        continua += skyglow.SKY_COMPONENTS + (CITY_CONTINUA if light_pollution else ())
    noisy = isinstance(exposure, CameraExposure) and exposure.noise
    vignetted = isinstance(exposure, CameraExposure) and exposure.vignetting
    display = line_radiance_to_display(
        np.where(np.isnan(brightness), np.float32(0.0), brightness),
        emission.lines,
        exposure,
        continuum_cd=np.concatenate(sources, axis=-1) if sources else None,
        continua=continua,
        noise_seed=int(seed) if noisy else None,
        pixel_gain=vignetting(camera) if vignetted else None,
    )
    display[~sky_mask] = 0.0  # the ground, and the outside of an all-sky circle
    rgb = to_uint8(display)
    if horizon or cardinals or grid:
        rgb = draw_overlay(rgb, camera, horizon=horizon, cardinals=cardinals, grid=grid)

    return picture(brightness, emission.lines, azimuth, elevation, rgb).assign_attrs(
        {
            "time": moment.isoformat().replace("+00:00", "Z"),
            "lat": lat,
            "lon": lon,
            "altitude_km": altitude_km,
            **emission.drivers.attrs(),
            "structure": structure,
            "seed": int(seed),
            "airglow": int(airglow),
            "adaptive": int(adaptive),
            "preview": int(preview),
            "sun_elevation_deg": bodies.sun_elevation_deg,
            "darkness": bodies.darkness,
            "moon_elevation_deg": bodies.moon_elevation_deg,
            "moon_illumination": bodies.moon_illumination,
            "camera": json.dumps(camera.describe()),
            "exposure": json.dumps(describe_exposure(exposure)),
            "extinction": site,
            "extinction_v_mag": k_v,
            "light_pollution": int(light_pollution),
            **sky_brightness(moment, lat, lon, altitude_km, f107a, site, k_v, light_pollution),
            "model": MODEL_TEXT,
            "model_name": emission.oval.attrs["model_name"],
        }
    )


def summary(ds: xr.Dataset) -> dict:
    """The numbers behind a picture: brightest radiance of the main lines and where it is."""
    out = {key: ds.attrs[key] for key in ("time", "lat", "lon")} | driver_attrs(ds.attrs)
    out |= {key: ds.attrs[key] for key in ("structure", "darkness")}
    out["sun_elevation_deg"] = round(ds.attrs["sun_elevation_deg"], 2)
    out["moon_elevation_deg"] = round(ds.attrs["moon_elevation_deg"], 2)
    out["moon_illumination"] = round(ds.attrs["moon_illumination"], 3)
    out["sky_brightness"] = {
        key: ds.attrs[key] for key in ("zenith_mag_arcsec2", "natural_zenith_mag_arcsec2", "bortle", "sky_quality")
    }
    out["brightest"] = brightest_lines(ds, min_elevation_deg=MIN_ELEVATION_DEG)
    return out


#: The continua of the towns' sky glow (:func:`norrsken.render.light_pollution.city_glow`).
CITY_CONTINUA = ("sodium", "led")


def line_transmission(lines: tuple[str, ...], elevation_deg: np.ndarray, site: str | float, altitude_km: float) -> np.ndarray:
    """The share of each line's light (..., n_lines) that crosses the air to the observer along
    lines of sight at apparent ``elevation_deg`` (Kasten & Young air mass, the site's extinction
    at each line's wavelength); 0 below the horizon."""
    # The model covers 380-800 nm; the near-infrared O I lines take its value at 800 nm (an upper bound).
    wavelengths = np.clip([LINES[line_index(key)].wavelength_nm for key in lines], 380.0, 800.0)
    k = extinction_mag(wavelengths, site, altitude_km)
    # On a table of elevations (0.01 deg), interpolated: a frame has millions of pixels.
    grid = np.linspace(0.0, 90.0, 9001)
    table = transmission(grid[:, None], k)
    seen = np.where(np.isfinite(elevation_deg), elevation_deg, -90.0).ravel()
    out = np.empty((seen.size, len(lines)), dtype=np.float32)
    for j in range(len(lines)):
        out[:, j] = np.interp(seen, grid, table[:, j], left=0.0)
    return out.reshape(*np.shape(elevation_deg), len(lines))


def _refracted(rays_enu: np.ndarray, azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    """The rays (ENU) of the pixels bent back to their true directions above the air: light seen
    at apparent elevation h_a arrives from h_a - R (Bennett 1982; 34.5 arcmin at the horizon). The
    line's lift above the observer (:func:`norrsken.atmosphere.refracted_ray`, up to 2 km at the
    horizon) is left out: the rays start at the observer, so the lowest ~0.6 deg sees no aurora."""
    seen = np.isfinite(elevation) & (elevation >= -1.0)
    true = np.where(seen, true_elevation_deg(np.where(seen, elevation, 0.0)), elevation)
    return np.where(seen[..., None], enu_from_direction(azimuth, true), rays_enu)


def _sky_light(moment, lat, lon, altitude_km, azimuth, elevation, f107a, site, k_v, towns: bool) -> np.ndarray:
    """The sky's own light (solar activity ``f107a``, V extinction ``k_v``) and, with ``towns``,
    their sky glow (..., n) in cd m^-2."""
    light = skyglow.sky_light(moment, lat, lon, azimuth, elevation, f107_sfu=f107a, extinction_v_mag=k_v, altitude_km=altitude_km)
    if not towns:
        return light
    glow = light_pollution.city_glow(lat, lon, azimuth, elevation, year=decimal_year(moment), site=site, altitude_km=altitude_km)
    return np.concatenate([light, glow], axis=-1)


def sky_brightness(moment, lat: float, lon: float, altitude_km: float, f107a: float, site: str | float, k_v: float, towns: bool) -> dict:
    """Zenith sky brightness (V mag arcsec^-2) without aurora, natural (solar activity ``f107a``,
    V extinction ``k_v``) and with the towns' glow, and its Bortle-like class
    (:func:`norrsken.render.light_pollution.zenith_sky`)."""
    natural = skyglow.zenith_brightness(moment, lat, lon, f107_sfu=f107a, extinction_v_mag=k_v, altitude_km=altitude_km)
    quality = light_pollution.zenith_sky(
        lat, lon, moment, natural["luminance_cd"], site=site, altitude_km=altitude_km, towns=towns
    )
    return {
        "zenith_mag_arcsec2": quality["zenith_mag_arcsec2"],
        "natural_zenith_mag_arcsec2": round(float(natural["v_mag_arcsec2"]), 2),
        "bortle": quality["bortle"],
        "sky_quality": quality["sky_quality"],
    }


#: The continua of a ground view: the Moon's disc, then the stars' Planckian bins (the lit ground
#: and city lights of :data:`norrsken.render.scene.CONTINUA` are the orbital view's).
SKY_CONTINUA = (scene.CONTINUA[scene.MOONLIGHT], *scene.CONTINUA[scene.STAR_LIGHT])


def _stars_and_moon(camera: Camera, origin: np.ndarray, enu: np.ndarray, moment, moon_illumination: float):
    """The Moon's disc and the stars as continuum luminances (H, W, len(SKY_CONTINUA)) for a ground view."""
    continuum = np.empty((camera.height, camera.width, len(SKY_CONTINUA)), dtype=np.float32)
    continuum[..., 1:] = scene.star_light(camera, origin, enu, icrs_to_ecef(moment))
    continuum[..., 0] = scene.moon_disc(camera, origin, enu, scene.illumination(moment, moon_illumination))
    return continuum


def brightest_lines(ds: xr.Dataset, min_elevation_deg: float | None = None) -> dict:
    """For 427.8, 557.7 and 630.0 nm: the brightest pixel's radiance (R) and its direction, at or
    above ``min_elevation_deg`` if given (a ground view: terrain and haze hide the lowest sky).
    """
    lines = {}
    elevation = ds["elevation_deg"].values
    for key in ("427.8", "557.7", "630.0"):
        image = ds["brightness_r"].sel(line=key).values
        if min_elevation_deg is not None:
            image = np.where(elevation >= min_elevation_deg, image, np.nan)
        if not np.isfinite(image).any():
            continue
        j, i = np.unravel_index(np.nanargmax(image), image.shape)
        lines[key] = {
            "max_r": float(image[j, i]),
            "azimuth_deg": round(float(ds["azimuth_deg"].values[j, i]), 1),
            "elevation_deg": round(float(ds["elevation_deg"].values[j, i]), 1),
        }
    return lines
