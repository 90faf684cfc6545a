"""Images of rays: adaptive (hierarchical) sampling on top of the ray marcher.

:func:`line_radiance_image` traces a grid of pixels with :func:`norrsken.render.raymarch.line_radiance`
and interpolates the pixels in between where the estimated error of that is small, level by level
(:func:`sampling_levels`); previews interpolate everything between every other pixel.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .. import checks
from ..errors import NorrskenError
from ..field import EmissionField, PackedField
from .raymarch import line_radiance

#: Adaptive image sampling: a pixel between traced neighbours is interpolated when, for every line,
#: the interpolation's error estimate (see :func:`_fill_between`) is within this fraction of the
#: largest neighbour plus a floor, and the neighbours differ by at most ADAPTIVE_CONTRAST of it.
#: The floor is ADAPTIVE_FLOOR_FRACTION of the line's brightest traced value in the frame, at
#: least ADAPTIVE_FLOOR_R: 2 % of the dim sky between arcs is far below what a picture shows.
#: On the all-sky benchmark with arcs (2 levels, below) this traces 22 % of the pixels, against
#: 42 % with one level and a floor of 1 R, at a 99th percentile of 1.2-1.7 % (0.3-0.6 % before)
#: where the light is above 2 % of its peak and at most 2 levels of 8 bits at the 99.9th
#: (docs/rendering.md, section 2).
ADAPTIVE_TOLERANCE = 0.02
ADAPTIVE_FLOOR_R = 1.0
ADAPTIVE_FLOOR_FRACTION = 0.002
ADAPTIVE_CONTRAST = 0.3
#: Hierarchical sampling: a view whose pixels are small traces first a grid 2**levels pixels apart,
#: refines it to every other pixel the same way (interpolated where accurate, traced elsewhere) and
#: so on down to the full image. Levels are added while the coarsest grid's spacing at the image
#: centre stays within COARSEST_SPACING_DEG: the thinnest arcs' sigma (1.5 km, field/arcs.py) is
#: ~0.9 deg at 100 km overhead (FWHM ~2 deg), so a grid that fine still sees every arc. A coarse
#: level's interpolation error propagates into the finer ones, so its tolerance is the finer
#: level's times COARSE_TOLERANCE_FACTOR. On the pinhole benchmark with arcs (1920x1080, 30 deg, 4 levels) this
#: traces 11 % of the pixels instead of 26 % (6 % with the floor above).
COARSEST_SPACING_DEG = 0.75
MAX_LEVELS = 4
COARSE_TOLERANCE_FACTOR = 0.25
#: A preview traces only every other pixel in both directions, with steps this many times those
#: of a full render, and interpolates every pixel in between (its error: tests/test_raymarch.py).
PREVIEW_STEP_SCALE = 2.0
#: ... and the emission field's grid of a preview is this many times coarser.
PREVIEW_CELL_FACTOR = 2.0


def check_quality(adaptive: bool, preview: bool) -> None:
    """Refuse a ``preview`` that is also to trace every pixel (``adaptive=False``)."""
    if preview and not adaptive:
        raise NorrskenError("a preview interpolates between traced pixels and an exact picture traces every pixel: choose one", parameter="preview")


def line_radiance_image(
    field: EmissionField | PackedField,
    origin_ecef_km: np.ndarray,
    rays_ecef: np.ndarray,
    *,
    adaptive: bool = True,
    step_scale: float = 1.0,
    tolerance: float = ADAPTIVE_TOLERANCE,
    preview: bool = False,
    levels: int | None = None,
) -> np.ndarray:
    """Brightness (Rayleigh) of every line for an image of rays (H, W, 3).

    With ``adaptive`` (the default) only every other pixel in both directions is traced at first;
    each pixel in between is interpolated from the traced ones around it where the estimated
    error of that is within ``tolerance`` (2 % by default, plus 0.2 % of the line's brightest
    traced value in the frame) in every line (see :func:`_fill_between`), and is traced
    otherwise. Smooth skies cost about a quarter of the rays (far fewer with several levels,
    below); peaks and edges of arcs, the horizon and the rim of an all-sky circle are traced in
    full. A feature narrower than two pixels that no traced neighbour sees can be missed: use
    ``adaptive=False`` for exact per-pixel values.

    Where pixels are small the traced grid is itself refined from a coarser one, ``levels`` times
    in all (by default as many as keep the coarsest spacing within :data:`COARSEST_SPACING_DEG`
    at the image centre, see :func:`sampling_levels`; ``levels=1`` is the single step above).

    A ``preview`` (for thumbnails and a web page) interpolates every pixel in between, traced or
    not, and steps :data:`PREVIEW_STEP_SCALE` times longer: about a quarter of the rays at a
    fraction of the samples each.

    Returns
    -------
    ndarray float32 (H, W, n_lines)
    """
    rays = _image_rays(rays_ecef)
    pixel = pixel_deg(rays)
    if preview:
        return _refine(field, origin_ecef_km, rays, 1, math.inf, math.inf, PREVIEW_STEP_SCALE, pixel)
    if not adaptive:
        return line_radiance(field, origin_ecef_km, rays, step_scale=step_scale, pixel_deg=pixel)
    tolerance = checks.real("tolerance", tolerance)
    if not 0.0 < tolerance <= 0.5:
        raise NorrskenError(f"tolerance must lie in (0, 0.5], got {tolerance:g}", parameter="tolerance")
    if levels is None:
        levels = sampling_levels(rays)
    elif isinstance(levels, bool) or not isinstance(levels, int | np.integer) or not 1 <= levels <= MAX_LEVELS:
        raise NorrskenError(f"levels must be an integer from 1 to {MAX_LEVELS}, got {levels!r}", parameter="levels")
    return _refine(field, origin_ecef_km, rays, int(levels), tolerance, ADAPTIVE_CONTRAST, step_scale, pixel)


def sampling_levels(rays_ecef: np.ndarray) -> int:
    """Levels of hierarchical sampling for an image of rays (H, W, 3): at least 1, then one more
    while the coarsest grid's spacing (2**levels pixels) at the image centre stays within
    :data:`COARSEST_SPACING_DEG`, at most :data:`MAX_LEVELS`."""
    pixel = pixel_deg(rays_ecef)
    if pixel <= 0.0:  # no pair of rays at the centre
        return 1
    levels = 1
    while levels < MAX_LEVELS and 2 ** (levels + 1) * pixel <= COARSEST_SPACING_DEG:
        levels += 1
    return levels


def pixel_deg(rays_ecef: np.ndarray) -> float:
    """The angle between the two rays at the centre of an image of rays (H, W, 3), deg (0 where the
    image is one pixel wide or has no ray there)."""
    rays_ecef = _image_rays(rays_ecef)
    height, width = rays_ecef.shape[:2]
    y, x = height // 2, min(width // 2, width - 2)
    if x < 0:
        return 0.0
    a, b = rays_ecef[y, x], rays_ecef[y, x + 1]
    cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    if not math.isfinite(cosine):
        return 0.0
    return math.degrees(math.acos(min(1.0, cosine)))


def _image_rays(rays_ecef: np.ndarray) -> np.ndarray:
    """``rays_ecef`` as a float array of shape (H, W, 3) with H, W >= 1, or a NorrskenError."""
    rays = np.asarray(rays_ecef, dtype=float)
    if rays.ndim != 3 or rays.shape[-1] != 3 or 0 in rays.shape[:2]:
        raise NorrskenError(f"rays must have shape (H, W, 3) with H, W >= 1, got {rays.shape}")
    return rays


def _refine(field, origin_ecef_km, rays, levels, tolerance, contrast, step_scale, pixel) -> np.ndarray:
    """Brightness of every ray of ``rays`` (H, W, 3): every other pixel from ``levels - 1`` levels
    of refinement of a coarser grid (traced in full at level 0), the rest by :func:`_fill_between`.
    Every level traces with the full image's pixel size ``pixel`` (deg)."""
    if levels == 0:
        return line_radiance(field, origin_ecef_km, rays, step_scale=step_scale, pixel_deg=pixel)
    height, width = rays.shape[:2]
    packed = field.packed if isinstance(field, EmissionField) else field
    out = np.full((height, width, packed.line_basis.size), np.nan, dtype=np.float32)
    coarse = np.ascontiguousarray(rays[::2, ::2])
    out[::2, ::2] = _refine(
        field, origin_ecef_km, coarse, levels - 1, tolerance * COARSE_TOLERANCE_FACTOR, contrast, step_scale, pixel
    )
    trace = np.zeros((height, width), dtype=np.bool_)
    floor = np.maximum(ADAPTIVE_FLOOR_R, ADAPTIVE_FLOOR_FRACTION * np.nanmax(out[::2, ::2], axis=(0, 1), initial=0.0))
    _fill_between(out, trace, tolerance, floor.astype(np.float32), contrast)
    trace &= np.isfinite(rays).all(axis=-1)  # pixels without a ray (outside an all-sky circle) stay NaN
    if trace.any():
        out[trace] = line_radiance(field, origin_ecef_km, rays[trace], step_scale=step_scale, pixel_deg=pixel)
    return out


@njit(cache=True, inline="always")
def _cubic(a0, a1, a2, a3):
    """The midpoint of a1 and a2 on the cubic through four equally spaced values (Catmull-Rom)."""
    return (9.0 * (a1 + a2) - a0 - a3) / 16.0


@njit(cache=True, inline="always")
def _known(out, y, x):
    """Whether pixel (y, x) lies in the image and holds a traced value (NaN outside a circle)."""
    return 0 <= y < out.shape[0] and 0 <= x < out.shape[1] and not math.isnan(out[y, x, 0])


@njit(cache=True)
def _fill_between(out, trace, tolerance, floor, contrast):
    """Interpolate the untraced pixels of ``out`` where that is accurate; flag the rest.

    Neighbours on the traced (even, even) grid: the horizontal pair on even rows, the vertical
    pair on even columns, the four diagonals elsewhere. Where the traced pixels one further out
    exist, the value is the cubic through four of them (for a diagonal pixel the mean of the
    cubics along the two rows and two columns around it), accepted when it differs from the
    linear mean (and the cubics from each other) by at most ``tolerance`` of the largest
    neighbour plus that line's ``floor`` (R), and the neighbours differ by at most ``contrast``
    of it: that difference estimates the error of the interpolation from the curvature, so
    steady gradients interpolate and peaks, edges and kinks are traced. Elsewhere (next to the
    image's border or an all-sky circle's rim) the linear mean is accepted where the neighbours
    agree within the same bound. An infinite ``tolerance`` (a preview) accepts every
    interpolation there is. Pixels on the last row or column of an even-sized image lack a
    neighbour and are flagged.
    """
    height, width, n_lines = out.shape
    accept_all = math.isinf(tolerance)  # a preview; inf times a dark neighbour's 0 would be NaN
    for y in range(height):
        for x in range(width):
            if y % 2 == 0 and x % 2 == 0:
                continue
            if (y % 2 == 1 and y + 1 >= height) or (x % 2 == 1 and x + 1 >= width):
                trace[y, x] = True
                continue
            y0, y1 = (y, y) if y % 2 == 0 else (y - 1, y + 1)
            x0, x1 = (x, x) if x % 2 == 0 else (x - 1, x + 1)
            # A NaN neighbour (outside an all-sky circle) means trace: max and min would drop or
            # keep it depending on the order of their arguments.
            if not (_known(out, y0, x0) and _known(out, y0, x1) and _known(out, y1, x0) and _known(out, y1, x1)):
                trace[y, x] = True
                continue
            if y0 == y1:
                cubic = _known(out, y, x - 3) and _known(out, y, x + 3)
            elif x0 == x1:
                cubic = _known(out, y - 3, x) and _known(out, y + 3, x)
            else:
                cubic = True
                for dy, dx in ((-3, -1), (-3, 1), (3, -1), (3, 1), (-1, -3), (1, -3), (-1, 3), (1, 3)):
                    cubic = cubic and _known(out, y + dy, x + dx)
            agree = True
            for k in range(n_lines):
                a, b, c, d = out[y0, x0, k], out[y0, x1, k], out[y1, x0, k], out[y1, x1, k]
                high = max(max(a, b), max(c, d))
                low = min(min(a, b), min(c, d))
                linear = 0.25 * (a + b + c + d)
                if not cubic:
                    agree = accept_all or high - low <= tolerance * high + floor[k]
                    value = linear
                else:
                    if y0 == y1:
                        value = _cubic(out[y, x - 3, k], a, b, out[y, x + 3, k])
                        spread = 0.0
                    elif x0 == x1:
                        value = _cubic(out[y - 3, x, k], a, c, out[y + 3, x, k])
                        spread = 0.0
                    else:
                        left = _cubic(out[y - 3, x0, k], a, c, out[y + 3, x0, k])
                        right = _cubic(out[y - 3, x1, k], b, d, out[y + 3, x1, k])
                        top = _cubic(out[y0, x - 3, k], a, b, out[y0, x + 3, k])
                        bottom = _cubic(out[y1, x - 3, k], c, d, out[y1, x + 3, k])
                        value = 0.25 * (left + right + top + bottom)
                        spread = max(max(abs(left - value), abs(right - value)), max(abs(top - value), abs(bottom - value)))
                    bound = tolerance * high + floor[k]
                    agree = accept_all or (
                        abs(value - linear) <= bound and spread <= bound and high - low <= contrast * high + floor[k]
                    )
                if not agree:
                    break
                out[y, x, k] = max(value, 0.0)  # a cubic can undershoot next to a dark pixel
            if not agree:
                for k in range(n_lines):
                    out[y, x, k] = math.nan
                trace[y, x] = True
