"""The view from orbit: the aurora over the night Earth, with city lights, airglow and stars.

One call composes the chain for an observer above the emitting shell's floor (the ISS at ~410 km
flies inside the 80-500 km shell): the emission field around the sub-satellite point, wide enough
for everything in sight (:func:`norrsken.field.horizon_radius_deg`), the camera's rays in the
satellite's local horizontal frame (azimuth from north, elevation above the local horizontal:
the Earth's limb lies at a depression of acos(R / (R + h)), 20 deg at 408 km), the line radiances
from the ray marcher and the continuum layers of :mod:`norrsken.render.scene`, and the camera's
colour response.
"""

from __future__ import annotations

import json
import math
import time as clock

import numpy as np
import xarray as xr

from .. import checks
from .. import field as field_module
from ..color import CameraExposure, Exposure, describe_exposure, line_radiance_to_display, to_uint8
from ..ephemeris import icrs_to_ecef, sky_bodies
from ..errors import NorrskenError
from ..geometry import (
    EARTH_RADIUS_KM,
    central_angle_deg,
    direction_from_enu,
    enu_basis,
    ground_distance_km,
    unit_vectors,
)
from ..precipitation import OvalModel
from ..precipitation.model import driver_attrs
from ..times import TimeLike, to_utc
from .camera import FOCAL_LENGTH_RANGE_MM, FULL_FRAME_WIDTH_MM, Camera, PinholeCamera
from .sampling import PREVIEW_CELL_FACTOR, check_quality, line_radiance_image
from .scene import (
    CITY_LIGHT,
    CONTINUA,
    GROUND_LIGHT,
    MOONLIGHT,
    STAR_LIGHT,
    city_lights,
    ground_luminance,
    ground_transmission,
    illumination,
    moon_disc,
    star_light,
)
from .sky import MODEL_TEXT, brightest_lines, check_frame, picture

#: Altitudes of an orbital view, km: above the densest aurora, and low enough that the emission
#: field (at most 60 deg of arc around the sub-satellite point) holds everything in sight.
ALTITUDE_RANGE_KM = (150.0, 1650.0)
#: An ISS crew camera: a 24 mm lens on a full-frame sensor, ISO 6400, f/1.4, 0.5 s. The crews use
#: 14-85 mm lenses at high ISO, f/1.4-2.8 and 0.25-1 s exposures for the aurora.
DEFAULT_FOCAL_LENGTH_MM = 24.0
DEFAULT_EXPOSURE = CameraExposure(iso=6400.0, f_number=1.4, exposure_s=0.5)
#: Emission grid spacing of an orbital view, km: the scene is ~9000 km across, and the oval maps
#: behind it have 0.5 deg (55 km) cells. 20 km instead of 10 km changes a limb view by at most 2 %
#: (0.2 % at the 99th percentile) and builds the field 3x faster.
CELL_KM = 20.0
#: Adaptive sampling of an orbital frame: in-between pixels are interpolated where the estimated
#: error of the interpolation is within 5 % (ground views: 2 %; see
#: :func:`norrsken.render.sampling.line_radiance_image`). On the demo's frame at 960x540 with arcs,
#: against tracing every pixel: the 99th percentile of the 8-bit error is 1 level, the 99.9th 2,
#: and the 99th percentile of the radiance error 4.8 % in 557.7 nm and 2.5 % in 630.0 nm where
#: the light is above 2 % of its peak (measured 2026-12-08 with the floor of
#: :data:`~norrsken.render.sampling.ADAPTIVE_FLOOR_FRACTION`; 4.3 % and 1.9 % without it).
ADAPTIVE_TOLERANCE = 0.05
#: ... in one level only: the limb's arcs are 1500-2500 km away, 15-25x farther than overhead
#: from the ground, so a coarser first grid would step over them (3 levels, as a ground view of
#: these pixels would get, on the frame above: 99th percentile 10.7 % instead of 4.8 %).


def limb_depression_deg(altitude_km: float) -> float:
    """Depression of the Earth's limb below the local horizontal seen from ``altitude_km``, deg."""
    return central_angle_deg(altitude_km)


def limb_elevation(width: int, height: int, focal_length_mm: float, altitude_km: float) -> float:
    """Elevation of a full-frame camera's axis that puts the limb two thirds of the way down the
    picture: space, the airglow and the aurora on the limb above, the night Earth below."""
    focal_length_mm = checks.real("focal_length_mm", focal_length_mm, FOCAL_LENGTH_RANGE_MM, "mm")
    half_height_mm = FULL_FRAME_WIDTH_MM * height / width / 2.0
    # Rows are spaced evenly in tan(angle) on a pinhole: the row a sixth of the height below the
    # centre lies at atan(tan(half fov) / 3) below the axis.
    return -limb_depression_deg(altitude_km) + math.degrees(math.atan(half_height_mm / focal_length_mm / 3.0))


def look_at(
    lat: float, lon: float, altitude_km: float, target_lat: float, target_lon: float, target_altitude_km: float = 0.0
) -> tuple[float, float]:
    """Azimuth and elevation (deg, satellite's local frame) of a target seen from a satellite.

    Raises
    ------
    NorrskenError
        If the Earth hides the target.
    """
    lat, lon, altitude_km = checks.place(lat, lon, altitude_km, ALTITUDE_RANGE_KM, "an orbital view")
    target_lat, target_lon, target_altitude_km = checks.place(
        target_lat, target_lon, target_altitude_km, (0.0, altitude_km), "a target seen from orbit"
    )
    enu = enu_basis(lat, lon)
    origin = (EARTH_RADIUS_KM + altitude_km) * enu[2]
    target = (EARTH_RADIUS_KM + target_altitude_km) * unit_vectors(target_lat, target_lon)
    line = target - origin
    distance = float(np.linalg.norm(line))
    hit = ground_distance_km(origin, line / distance)
    if np.isfinite(hit) and hit < distance - 1.0:
        raise NorrskenError(
            f"the target ({target_lat:.2f}, {target_lon:.2f}) lies beyond the Earth's limb as seen from "
            f"({lat:.2f}, {lon:.2f}, {altitude_km:.0f} km)"
        )
    azimuth, elevation = direction_from_enu(line @ enu.T)
    return float(azimuth), float(elevation)


def orbit_view(
    time: TimeLike,
    lat: float,
    lon: float,
    altitude_km: float,
    *,
    camera: Camera | None = None,
    indices=None,
    model: str | OvalModel | None = None,
    online: bool = False,
    structure: str = "arcs",
    seed: int = 0,
    exposure: Exposure | None = None,
    airglow: bool = True,
    cities: bool = True,
    stars: bool = True,
    adaptive: bool = True,
    preview: bool = False,
) -> xr.Dataset:
    """Render the view from a satellite at (``lat``, ``lon``, ``altitude_km``) at ``time``.

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    lat, lon, altitude_km
        The satellite's sub-satellite point (degrees) and altitude (km, 150-1650), e.g. from
        :func:`norrsken.orbit.states`.
    camera
        A :class:`~norrsken.render.camera.PinholeCamera` in the satellite's local horizontal frame;
        default: 1920 x 1080, 24 mm full frame, looking north with the limb two thirds of the way down.
    indices
        Index overrides (anything :meth:`norrsken.drivers.kp.Indices.of` takes); default: the
        embedded history.
    model
        The oval model (:func:`norrsken.precipitation.get_model`); default Zhang & Paxton (2008).
    online
        Ask the live feeds for the oval's drivers first (the embedded history is the fallback).
    structure, seed
        ``"arcs"`` (curtains) or ``"none"``; the arcs' seed.
    exposure
        Default: ISO 6400, f/1.4, 0.5 s (:data:`DEFAULT_EXPOSURE`).
    airglow, cities, stars
        Include the airglow layers, city lights, and stars and the Moon.
    adaptive
        Interpolate the aurora between traced pixels where they agree (see
        :func:`~norrsken.render.sampling.line_radiance_image`).
    preview
        A fast approximate picture: a coarser field grid, every other pixel traced with longer
        steps and the rest interpolated (see :func:`norrsken.render.sky.sky`).

    Returns
    -------
    xarray.Dataset
        ``brightness_r`` (line, y, x) in R, ``continuum_cd`` (source, y, x) in cd m^-2 (ground lit
        by Sun and Moon, sodium and LED city lights, stars by colour temperature, the Moon),
        ``ground`` (y, x) bool, ``azimuth_deg``/``elevation_deg`` in the local horizontal frame,
        ``rgb``; attrs: time, position, the oval's drivers and their sources (``kp``,
        ``kp_source``), Sun and Moon, camera, exposure, the seconds spent on the aurora, the scene
        and the colour (``timing_s``, JSON), and the model.
    """
    lat, lon, altitude_km = checks.place(lat, lon, altitude_km, ALTITUDE_RANGE_KM, "an orbital view")
    moment = to_utc(time)
    if camera is None:
        camera = PinholeCamera(
            1920,
            1080,
            azimuth_deg=0.0,
            elevation_deg=limb_elevation(1920, 1080, DEFAULT_FOCAL_LENGTH_MM, altitude_km),
            focal_length_mm=DEFAULT_FOCAL_LENGTH_MM,
        )
    exposure = DEFAULT_EXPOSURE if exposure is None else exposure
    check_frame(camera, exposure, PinholeCamera, "a PinholeCamera for an orbital view")
    check_quality(adaptive, preview)
    timing = {}

    started = clock.perf_counter()
    emission = field_module.emission_field(
        moment,
        lat,
        lon,
        indices=indices,
        model=model,
        online=online,
        radius_deg=min(field_module.horizon_radius_deg(altitude_km), 60.0),
        structure=structure,
        seed=seed,
        airglow=airglow,
        cell_km=CELL_KM * (PREVIEW_CELL_FACTOR if preview else 1.0),
    )
    enu = enu_basis(lat, lon)
    origin = (EARTH_RADIUS_KM + altitude_km) * enu[2]
    rays_enu = camera.rays_enu()
    rays = rays_enu @ enu
    brightness = line_radiance_image(
        emission, origin, rays, adaptive=adaptive, tolerance=ADAPTIVE_TOLERANCE, preview=preview, levels=1
    )
    brightness = np.nan_to_num(brightness, nan=0.0)
    timing["aurora"] = clock.perf_counter() - started

    started = clock.perf_counter()
    bodies = sky_bodies(moment, lat, lon, altitude_km)
    light = illumination(moment, float(bodies.moon_illumination))
    continuum = np.zeros((camera.height, camera.width, len(CONTINUA)), dtype=np.float32)
    distance = ground_distance_km(origin, rays)
    ground = np.isfinite(distance)
    points = origin + distance[ground][:, None] * rays[ground]
    through_air = ground_transmission(points, origin)
    continuum[ground, GROUND_LIGHT] = ground_luminance(points, light) * through_air[:, :2]
    if cities:
        continuum[ground, CITY_LIGHT] = city_lights(camera, origin, enu, light)[ground] * through_air[:, 2:]
    if stars:
        continuum[..., STAR_LIGHT] = star_light(camera, origin, enu, icrs_to_ecef(moment)) * ~ground[..., None]
        continuum[..., MOONLIGHT] += moon_disc(camera, origin, enu, light) * ~ground
    timing["scene"] = clock.perf_counter() - started

    started = clock.perf_counter()
    rgb = to_uint8(
        line_radiance_to_display(brightness, emission.lines, exposure, continuum_cd=continuum, continua=CONTINUA)
    )
    timing["colour"] = clock.perf_counter() - started

    azimuth, elevation = direction_from_enu(rays_enu)
    ds = picture(brightness, emission.lines, azimuth, elevation, rgb, "the satellite's local horizontal")
    ds["continuum_cd"] = (
        ("source", "y", "x"),
        np.moveaxis(continuum, -1, 0),
        {"units": "cd m-2", "long_name": "luminance of continuum sources"},
    )
    ds = ds.assign_coords(source=("source", list(CONTINUA)))
    ds["ground"] = (("y", "x"), ground, {"long_name": "the line of sight meets the Earth"})
    return ds.assign_attrs(
        {
            "time": moment.isoformat().replace("+00:00", "Z"),
            "lat": lat,
            "lon": lon,
            "altitude_km": altitude_km,
            "limb_depression_deg": limb_depression_deg(altitude_km),
            **emission.drivers.attrs(),
            "structure": structure,
            "seed": int(seed),
            "airglow": int(airglow),
            "moon_elevation_deg": bodies.moon_elevation_deg,
            "moon_illumination": bodies.moon_illumination,
            "sun_elevation_deg": bodies.sun_elevation_deg,
            "camera": json.dumps(camera.describe()),
            "exposure": json.dumps(describe_exposure(exposure)),
            "timing_s": json.dumps({key: round(value, 3) for key, value in timing.items()}),
            "model": MODEL_TEXT,
            "model_name": emission.oval.attrs["model_name"],
        }
    )


def summary(ds: xr.Dataset) -> dict:
    """The numbers behind an orbital picture: where from, Kp, Sun and Moon, brightest lines."""
    out = {key: ds.attrs[key] for key in ("time", "lat", "lon", "altitude_km")} | driver_attrs(ds.attrs)
    out["structure"] = ds.attrs["structure"]
    for key in ("limb_depression_deg", "moon_elevation_deg", "moon_illumination"):
        out[key] = round(float(ds.attrs[key]), 3)
    out["camera"] = json.loads(ds.attrs["camera"])
    out["brightest"] = brightest_lines(ds)
    out["timing_s"] = json.loads(ds.attrs["timing_s"])
    return out
