"""Ground cameras: pixels <-> directions in the observer's local East-North-Up (ENU) frame.

Conventions
-----------
Directions
    Azimuth in degrees clockwise from north (east = 90), returned in [0, 360); elevation in
    degrees above the horizon, -90..90. Unit vectors are (E, N, U).
Pixels
    x to the right, y down, continuous: pixel (column i, row j) has its centre at (x, y) = (i, j),
    so the image spans -0.5 <= x <= W - 0.5, -0.5 <= y <= H - 0.5 and its centre is
    ((W - 1) / 2, (H - 1) / 2). Fields of view span outer edge to outer edge: a pinhole's
    horizontal field runs from x = -0.5 to x = W - 0.5, an all-sky image circle has a diameter
    of min(W, H) pixels.
Imaged field
    A pinhole maps its whole (unbounded) image plane, so pixel <-> direction stay inverse to each
    other off the frame too; only directions behind it have no pixel (NaN). An all-sky camera
    images only its circle: pixels outside it, and directions beyond fov / 2 from the zenith, are
    NaN.

:func:`norrsken.geometry.enu_basis` turns ENU rays into Earth-centred ones (``rays_enu() @ basis``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from abc import ABC, abstractmethod

import numpy as np
import numpy.typing as npt

from .. import checks, geometry
from ..errors import NorrskenError

#: Smallest and largest image side, pixels.
SIZE_RANGE_PX = (16, 8192)
#: Horizontal field of view of a pinhole camera, degrees (rectilinear lenses stop well short of 180).
PINHOLE_FOV_RANGE_DEG = (0.5, 170.0)
FOCAL_LENGTH_RANGE_MM = (1.0, 5000.0)
SENSOR_WIDTH_RANGE_MM = (1.0, 100.0)
#: Width of a full-frame (35 mm format) sensor, mm.
FULL_FRAME_WIDTH_MM = 36.0
#: Full field across an all-sky image circle, degrees; above 180 the fisheye sees below the horizon.
ALLSKY_FOV_RANGE_DEG = (10.0, 220.0)
CAMERA_KINDS = ("allsky", "pinhole")
_PINHOLE_DEFAULTS = {"azimuth_deg": 0.0, "elevation_deg": 20.0, "fov_deg": 60.0}


class Camera(ABC):
    """A camera of ``width`` x ``height`` pixels at a ground observer; see the module docstring for conventions.

    Subclasses implement the projection on ENU unit vectors; the angle interface, the ray grid and
    the size checks live here.
    """

    width: int
    height: int

    def _check_size(self) -> None:
        # The subclasses are frozen dataclasses: store the checked plain ints past the freeze.
        object.__setattr__(self, "width", checks.integer("width", self.width, SIZE_RANGE_PX, "pixels"))
        object.__setattr__(self, "height", checks.integer("height", self.height, SIZE_RANGE_PX, "pixels"))

    @property
    def centre(self) -> tuple[float, float]:
        """Pixel coordinates (x, y) of the image centre."""
        return (self.width - 1) / 2, (self.height - 1) / 2

    @abstractmethod
    def _enu_from_pixel(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Unit ENU vectors, shape ``x.shape + (3,)``, NaN outside the imaged field."""

    @abstractmethod
    def _pixel_from_enu(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel (x, y) of unit ENU vectors ``v`` (..., 3), NaN where not imaged."""

    @abstractmethod
    def describe(self) -> dict:
        """Plain, JSON-able parameters, for image metadata."""

    def pixel_to_enu(self, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        """Unit East-North-Up vectors (..., 3) seen at pixel positions ``x``, ``y`` (broadcast); NaN
        outside the imaged field."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return self._enu_from_pixel(x, y)

    def enu_to_pixel(self, v: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Pixel positions (x, y) of East-North-Up vectors ``v`` (..., 3) of any length; NaN where
        not imaged (behind a pinhole, outside an all-sky circle)."""
        v = np.asarray(v, dtype=float)
        x, y = self._pixel_from_enu(v / np.linalg.norm(v, axis=-1, keepdims=True))
        return np.asarray(x), np.asarray(y)

    def pixel_to_direction(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Azimuth and elevation (deg) seen at pixel positions ``x``, ``y`` (broadcast).

        Returns
        -------
        az_deg, el_deg : ndarray
            Azimuth in [0, 360) and elevation; NaN outside the imaged field.
        """
        az, el = geometry.direction_from_enu(self.pixel_to_enu(x, y))
        return np.asarray(az), np.asarray(el)  # arrays (0-d for scalars), never numpy scalars

    def direction_to_pixel(self, az_deg: npt.ArrayLike, el_deg: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Pixel positions (x, y) of directions ``az_deg``, ``el_deg`` (broadcast).

        Any finite azimuth is accepted; elevations must lie in -90..90. NaN where not imaged
        (behind a pinhole, outside an all-sky circle).
        """
        az, el = np.broadcast_arrays(np.asarray(az_deg, dtype=float), np.asarray(el_deg, dtype=float))
        bad = np.abs(el) > 90.0
        if bad.any():
            raise NorrskenError(f"el_deg must lie from -90 to 90 degrees, got {el[bad].flat[0]:g}")
        return self.enu_to_pixel(geometry.enu_from_direction(az, el))

    def rays_enu(self) -> np.ndarray:
        """Unit ENU vectors through every pixel centre, shape (H, W, 3), float64; NaN outside the field."""
        x, y = np.meshgrid(np.arange(self.width, dtype=float), np.arange(self.height, dtype=float))
        return self._enu_from_pixel(x, y)


@dataclasses.dataclass(frozen=True)
class PinholeCamera(Camera):
    """A rectilinear (pinhole) camera with square pixels.

    Give exactly one of ``fov_deg`` (horizontal, edge to edge) and ``focal_length_mm`` (with
    ``sensor_width_mm``, horizontal fov = 2 atan(sensor_width / (2 f))).

    Orientation: forward f = (sin az cos el, cos az cos el, sin el), right r = (cos az, -sin az, 0),
    up u = r x f, so that image up is toward the zenith, and past it when the camera looks at
    the zenith or below the horizon (down to the nadir, e.g. from orbit). Positive ``roll_deg``
    turns the camera clockwise as seen from behind it (its right side dips), so the scene turns
    counter-clockwise in the image. ``azimuth_deg`` is stored wrapped to [0, 360).
    """

    width: int
    height: int
    azimuth_deg: float
    elevation_deg: float
    fov_deg: float | None = None
    focal_length_mm: float | None = None
    sensor_width_mm: float = FULL_FRAME_WIDTH_MM
    roll_deg: float = 0.0

    def __post_init__(self) -> None:
        self._check_size()
        set_ = functools.partial(object.__setattr__, self)
        set_("azimuth_deg", float(geometry.wrap_azimuth(checks.real("azimuth_deg", self.azimuth_deg))))
        set_("elevation_deg", checks.real("elevation_deg", self.elevation_deg, (-90.0, 90.0), "deg"))
        set_("roll_deg", checks.real("roll_deg", self.roll_deg))
        set_("sensor_width_mm", checks.real("sensor_width_mm", self.sensor_width_mm, SENSOR_WIDTH_RANGE_MM, "mm"))
        if (self.fov_deg is None) == (self.focal_length_mm is None):
            raise NorrskenError("give exactly one of fov_deg and focal_length_mm for a pinhole camera")
        if self.fov_deg is not None:
            set_("fov_deg", checks.real("fov_deg", self.fov_deg, PINHOLE_FOV_RANGE_DEG, "deg"))
        else:
            set_("focal_length_mm", checks.real("focal_length_mm", self.focal_length_mm, FOCAL_LENGTH_RANGE_MM, "mm"))
            lo, hi = PINHOLE_FOV_RANGE_DEG
            if not lo <= self.horizontal_fov_deg <= hi:
                raise NorrskenError(
                    f"focal_length_mm = {self.focal_length_mm:g} on a {self.sensor_width_mm:g} mm sensor gives a "
                    f"{self.horizontal_fov_deg:.3g} deg field of view; it must be from {lo:g} to {hi:g} deg"
                )

    @property
    def horizontal_fov_deg(self) -> float:
        """Field of view from the left edge (x = -0.5) to the right edge (x = W - 0.5), degrees."""
        if self.fov_deg is not None:
            return self.fov_deg
        assert self.focal_length_mm is not None  # __post_init__ keeps exactly one of the two
        return math.degrees(2 * math.atan(self.sensor_width_mm / (2 * self.focal_length_mm)))

    @property
    def vertical_fov_deg(self) -> float:
        """Field of view from the top edge (y = -0.5) to the bottom edge (y = H - 0.5), degrees."""
        return math.degrees(2 * math.atan(self.height / 2 / self.focal_length_px))

    @property
    def focal_length_px(self) -> float:
        """Distance from the projection centre to the image plane, in pixels."""
        return self.width / 2 / math.tan(math.radians(self.horizontal_fov_deg) / 2)

    @functools.cached_property
    def _basis(self) -> np.ndarray:
        """Rows: the camera's right, up and forward unit vectors in ENU."""
        az, el, roll = np.radians([self.azimuth_deg, self.elevation_deg, self.roll_deg])
        forward = np.array([np.sin(az) * np.cos(el), np.cos(az) * np.cos(el), np.sin(el)])
        right = np.array([np.cos(az), -np.sin(az), 0.0])
        up = np.cross(right, forward)
        return np.stack([np.cos(roll) * right - np.sin(roll) * up, np.sin(roll) * right + np.cos(roll) * up, forward])

    def _enu_from_pixel(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cx, cy = self.centre
        plane = np.stack([(x - cx) / self.focal_length_px, (cy - y) / self.focal_length_px, np.ones_like(x)], axis=-1)
        v = plane @ self._basis
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    def _pixel_from_enu(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cx, cy = self.centre
        right, up, forward = np.moveaxis(v @ self._basis.T, -1, 0)
        in_front = forward > 0
        scale = self.focal_length_px / np.where(in_front, forward, 1.0)  # no division warnings behind
        return np.where(in_front, cx + right * scale, np.nan), np.where(in_front, cy - up * scale, np.nan)

    def describe(self) -> dict:
        return {
            "kind": "pinhole",
            "projection": "rectilinear",
            **dataclasses.asdict(self),
            "horizontal_fov_deg": self.horizontal_fov_deg,
            "vertical_fov_deg": self.vertical_fov_deg,
        }


@dataclasses.dataclass(frozen=True)
class AllSkyCamera(Camera):
    """An equidistant fisheye looking at the zenith: radius in the image proportional to zenith angle.

    The image circle, diameter min(W, H) pixels centred on the image, spans ``fov_deg``. North is
    up and east is LEFT (west right, south down): the sky as seen from below, as all-sky imagers
    show it.
    """

    width: int
    height: int
    fov_deg: float = 180.0

    def __post_init__(self) -> None:
        self._check_size()
        object.__setattr__(self, "fov_deg", checks.real("fov_deg", self.fov_deg, ALLSKY_FOV_RANGE_DEG, "deg"))

    @property
    def radius_px(self) -> float:
        """Radius of the image circle, pixels."""
        return min(self.width, self.height) / 2

    @property
    def _rad_per_px(self) -> float:
        return math.radians(self.fov_deg) / 2 / self.radius_px

    def _enu_from_pixel(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cx, cy = self.centre
        # East-left, north-up: rho sin(az) = cx - x and rho cos(az) = cy - y.
        to_east, to_north = cx - x, cy - y
        rho = np.hypot(to_east, to_north)
        zenith_angle = rho * self._rad_per_px
        # sin(zenith angle) / rho without a 0/0 at the centre.
        horizontal_per_px = self._rad_per_px * np.sinc(zenith_angle / np.pi)
        v = np.stack([to_east * horizontal_per_px, to_north * horizontal_per_px, np.cos(zenith_angle)], axis=-1)
        return np.where((rho <= self.radius_px)[..., None], v, np.nan)

    def _pixel_from_enu(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cx, cy = self.centre
        east, north, up = v[..., 0], v[..., 1], v[..., 2]
        zenith_angle = np.arctan2(np.hypot(east, north), up)
        az = np.arctan2(east, north)
        rho = np.where(zenith_angle <= math.radians(self.fov_deg) / 2, zenith_angle / self._rad_per_px, np.nan)
        return cx - rho * np.sin(az), cy - rho * np.cos(az)

    def describe(self) -> dict:
        return {
            "kind": "allsky",
            "projection": "equidistant fisheye",
            "orientation": "zenith at centre, north up, east left",
            **dataclasses.asdict(self),
        }


def parse_size(text: str) -> tuple[int, int]:
    """``"1920x1080"`` -> ``(1920, 1080)``, checked against :data:`SIZE_RANGE_PX`."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text) if isinstance(text, str) else None
    if match is None:
        raise NorrskenError(f"image size must look like WIDTHxHEIGHT in pixels, e.g. 1920x1080, got {text!r}")
    width = checks.integer("width", int(match[1]), SIZE_RANGE_PX, "pixels")
    return width, checks.integer("height", int(match[2]), SIZE_RANGE_PX, "pixels")


def make_camera(
    kind: str,
    width: int,
    height: int,
    *,
    azimuth_deg: float | None = None,
    elevation_deg: float | None = None,
    fov_deg: float | None = None,
    focal_length_mm: float | None = None,
) -> Camera:
    """A camera from CLI options.

    ``"pinhole"`` defaults to looking north (azimuth 0) at elevation 20 with a 60 deg field when
    neither ``fov_deg`` nor ``focal_length_mm`` is given. ``"allsky"`` looks at the zenith with
    a 180 deg field by default, and refuses pointing or a focal length.
    """
    if kind == "pinhole":
        if fov_deg is None and focal_length_mm is None:
            fov_deg = _PINHOLE_DEFAULTS["fov_deg"]
        return PinholeCamera(
            width,
            height,
            azimuth_deg=_PINHOLE_DEFAULTS["azimuth_deg"] if azimuth_deg is None else azimuth_deg,
            elevation_deg=_PINHOLE_DEFAULTS["elevation_deg"] if elevation_deg is None else elevation_deg,
            fov_deg=fov_deg,
            focal_length_mm=focal_length_mm,
        )
    if kind == "allsky":
        given = [name for name, value in [("azimuth", azimuth_deg), ("elevation", elevation_deg)] if value is not None]
        if given:
            raise NorrskenError(
                f"an all-sky camera always looks at the zenith: drop {' and '.join(given)}, or use a pinhole camera"
            )
        if focal_length_mm is not None:
            raise NorrskenError("an all-sky camera takes a field of view (fov_deg), not a focal length")
        return AllSkyCamera(width, height, fov_deg=180.0 if fov_deg is None else fov_deg)
    raise NorrskenError(f"unknown camera kind {kind!r}: use one of {', '.join(CAMERA_KINDS)}")


def vignetting(camera: Camera) -> np.ndarray:
    """Natural vignetting: the relative illumination of each pixel of a uniformly bright scene,
    1 on the optical axis, shape (H, W), float32 (0 outside an all-sky circle).

    A rectilinear (pinhole) lens follows the cos^4 law of the angle theta off its axis (Reiss
    1945, J. Opt. Soc. Am. 35, 283): cos theta from the foreshortened entrance pupil, cos^3 theta
    from the solid angle that a pixel subtends. An equidistant fisheye (radius = f theta) keeps
    its illumination far better: a pixel at theta subtends sin theta / theta of the solid angle
    of one at the centre (not cos^3 theta), and its entrance pupil grows and turns toward
    oblique light, which largely makes up for the cos theta. The fisheye here is given the
    projection's factor sin theta / theta alone (a design choice: 0.64, -0.65 EV, at 90 deg), the
    pupil's cos theta taken as compensated. Both are relative to the axis, where the ISO 12232
    exposure of :class:`~norrsken.color.CameraExposure` holds.
    """
    x, y = np.meshgrid(np.arange(camera.width, dtype=float), np.arange(camera.height, dtype=float))
    cx, cy = camera.centre
    rho_px = np.hypot(x - cx, y - cy)
    if isinstance(camera, PinholeCamera):
        cos_off_axis = camera.focal_length_px / np.hypot(camera.focal_length_px, rho_px)
        return (cos_off_axis**4).astype(np.float32)
    if isinstance(camera, AllSkyCamera):
        off_axis = rho_px * camera._rad_per_px
        return np.where(rho_px <= camera.radius_px, np.sinc(off_axis / np.pi), 0.0).astype(np.float32)
    raise NorrskenError(f"vignetting needs a PinholeCamera or an AllSkyCamera, got {type(camera).__name__}")
