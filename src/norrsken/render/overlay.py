"""Orientation marks over a rendered image: the horizon, N/E/S/W letters and an alt/az grid.

Everything is drawn through :meth:`Camera.direction_to_pixel`, so the marks follow any camera's
projection; lines are sampled densely and drawn as polylines, broken where the camera does not
image them or where consecutive points jump (wrapping off one side of the frame onto another).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import checks
from ..errors import NorrskenError
from .camera import AllSkyCamera, Camera

HORIZON_RGBA = (215, 215, 215, 170)
GRID_RGBA = (200, 200, 200, 90)
LETTER_RGBA = (245, 245, 240, 235)
_CARDINALS = (("N", 0.0), ("E", 90.0), ("S", 180.0), ("W", 270.0))
#: All-sky letters are anchored this far (deg) inside the circle, where the edge itself is imaged.
_EDGE_INSET_DEG = 0.01


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError):  # Pillow < 10.1 has no size; without FreeType there is only the bitmap font
        return ImageFont.load_default()


def _separation_deg(az1: np.ndarray, el1: np.ndarray, az2: np.ndarray, el2: np.ndarray) -> np.ndarray:
    """Great-circle angle between two directions (haversine: accurate for tiny angles)."""
    az1, el1, az2, el2 = np.radians([az1, el1, az2, el2])
    hav = np.sin((el2 - el1) / 2) ** 2 + np.cos(el1) * np.cos(el2) * np.sin((az2 - az1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(hav)))


def _sample_step_deg(camera: Camera) -> float:
    """Angular step between line vertices: about 2 px at the image centre, 0.01..0.25 deg."""
    cx, cy = (camera.width - 1) / 2, (camera.height - 1) / 2
    az, el = camera.pixel_to_direction([cx, cx + 1], [cy, cy])
    return float(np.clip(2 * _separation_deg(az[0], el[0], az[1], el[1]), 0.01, 0.25))


def _polylines(camera: Camera, az_deg: np.ndarray, el_deg: np.ndarray) -> list[list[float]]:
    """Flat [x0, y0, x1, y1, ...] vertex lists of the imaged, unbroken runs of a sampled line."""
    x, y = camera.direction_to_pixel(az_deg, el_deg)
    w, h = camera.width, camera.height
    # Far off-frame vertices (nearly behind a pinhole) could only start segments longer than the
    # jump limit below, and would make PIL rasterise huge lines.
    near = np.isfinite(x) & np.isfinite(y) & (x > -w / 2) & (x < 1.5 * w) & (y > -h / 2) & (y < 1.5 * h)
    keep = near[:-1] & near[1:] & (np.abs(np.diff(x)) <= w / 2) & (np.abs(np.diff(y)) <= h / 2)
    # Runs of kept segments [start, end) join vertices start..end.
    edges = np.flatnonzero(np.diff(np.concatenate([[0], keep.astype(np.int8), [0]])))
    return [np.column_stack([x[s : e + 1], y[s : e + 1]]).ravel().tolist() for s, e in zip(edges[::2], edges[1::2], strict=True)]


def _line_samples(start: float, stop: float, step: float) -> np.ndarray:
    return np.linspace(start, stop, math.ceil((stop - start) / step) + 1)


def _draw_cardinals(draw: ImageDraw.ImageDraw, camera: Camera, font_size: int) -> None:
    """Letters just above the horizon (pinhole) or just inside the image circle (all-sky)."""
    font = _font(font_size)
    anchor_el = 90.0 - camera.fov_deg / 2 + _EDGE_INSET_DEG if isinstance(camera, AllSkyCamera) else 0.0
    for letter, az in _CARDINALS:
        x, y = camera.direction_to_pixel([az, az], [anchor_el, anchor_el + 0.01])
        # Step off the anchor toward higher elevation, whichever way that points in the image.
        toward_up = np.array([x[1] - x[0], y[1] - y[0]])
        norm = np.hypot(*toward_up)
        if not norm > 0:  # anchor not imaged
            continue
        centre = np.array([x[0], y[0]]) + toward_up / norm * 0.8 * font_size  # half a letter and a gap
        if not (0 <= centre[0] <= camera.width - 1 and 0 <= centre[1] <= camera.height - 1):
            continue
        left, top, right, bottom = draw.textbbox((0, 0), letter, font=font)
        origin = (centre[0] - (left + right) / 2, centre[1] - (top + bottom) / 2)
        draw.text(origin, letter, font=font, fill=LETTER_RGBA)


def draw_overlay(
    rgb: np.ndarray,
    camera: Camera,
    *,
    horizon: bool = True,
    cardinals: bool = True,
    grid: bool = False,
    grid_step_deg: tuple[float, float] = (30.0, 15.0),
) -> np.ndarray:
    """A copy of ``rgb`` with orientation marks drawn for ``camera``.

    Parameters
    ----------
    rgb : ndarray (H, W, 3) uint8
        The image, of the camera's size; left unchanged.
    camera : Camera
        The camera that took it.
    horizon, cardinals, grid : bool
        Draw the horizon (elevation 0), the letters N/E/S/W, and alt/az grid lines.
    grid_step_deg : (float, float)
        Azimuth step (1..180 deg) between grid meridians and elevation step (1..90 deg) between
        grid circles, both counted from 0.

    Returns
    -------
    ndarray (H, W, 3) uint8
        A new image.
    """
    shape = (camera.height, camera.width, 3)
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.shape != shape:
        got = f"{rgb.dtype} array of shape {rgb.shape}" if isinstance(rgb, np.ndarray) else type(rgb).__name__
        raise NorrskenError(f"rgb must be a uint8 array of shape {shape} to match the camera, got a {got}")
    az_step, el_step = grid_step_deg
    az_step = checks.real("grid_step_deg azimuth step", az_step, (1.0, 180.0), "deg")
    el_step = checks.real("grid_step_deg elevation step", el_step, (1.0, 90.0), "deg")

    layer = Image.new("RGBA", (camera.width, camera.height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line_width = max(1, round(min(camera.width, camera.height) / 600))
    step = _sample_step_deg(camera)
    full_circle = _line_samples(0.0, 360.0, step)
    if grid:
        pole_to_pole = _line_samples(-90.0, 90.0, step)
        meridians = [(np.full_like(pole_to_pole, az), pole_to_pole) for az in np.arange(0.0, 360.0, az_step)]
        elevations = el_step * np.arange(-math.ceil(90 / el_step) + 1, math.ceil(90 / el_step))
        circles = [(full_circle, np.full_like(full_circle, el)) for el in elevations if not (horizon and el == 0)]
        for az, el in meridians + circles:
            for points in _polylines(camera, az, el):
                draw.line(points, fill=GRID_RGBA, width=line_width, joint="curve")
    if horizon:
        for points in _polylines(camera, full_circle, np.zeros_like(full_circle)):
            draw.line(points, fill=HORIZON_RGBA, width=line_width, joint="curve")
    if cardinals:
        _draw_cardinals(draw, camera, font_size=max(10, round(min(camera.width, camera.height) / 32)))
    # Drawn on a transparent layer, so crossing lines do not stack their opacity.
    composite = Image.alpha_composite(Image.fromarray(rgb).convert("RGBA"), layer)
    return np.array(composite.convert("RGB"))
