"""Cameras (pixel <-> direction both ways), the ENU basis and the orientation overlay."""

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from norrsken.errors import NorrskenError
from norrsken.geometry import enu_basis
from norrsken.render.camera import AllSkyCamera, PinholeCamera, make_camera, parse_size
from norrsken.render.overlay import draw_overlay

sizes = st.integers(16, 4096)
unit = st.floats(0.0, 1.0)


def enu(az_deg, el_deg):
    az, el = np.radians(az_deg), np.radians(el_deg)
    return np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=-1)


def separation_deg(az1, el1, az2, el2):
    """Angle between directions from the chord between unit vectors: exact for tiny angles."""
    return np.degrees(2 * np.arcsin(np.linalg.norm(enu(az1, el1) - enu(az2, el2), axis=-1) / 2))


@st.composite
def pinholes(draw):
    elevation = draw(st.one_of(st.sampled_from([-90.0, 0.0, 90.0]), st.floats(-90.0, 90.0)))
    common = dict(
        width=draw(sizes),
        height=draw(sizes),
        azimuth_deg=draw(st.floats(-720.0, 720.0)),
        elevation_deg=elevation,
        roll_deg=draw(st.floats(-360.0, 360.0)),
    )
    if draw(st.booleans()):
        return PinholeCamera(**common, fov_deg=draw(st.floats(0.5, 170.0)))
    return PinholeCamera(**common, focal_length_mm=draw(st.floats(5.0, 1000.0)), sensor_width_mm=draw(st.floats(24.0, 60.0)))


allskies = st.builds(AllSkyCamera, width=sizes, height=sizes, fov_deg=st.floats(10.0, 220.0))


def fisheye_pixel(camera, radius_fraction, angle_fraction):
    cx, cy = camera.centre
    # Stay a hair inside the circle: rounding exactly on it may land either side.
    rho = radius_fraction * (1 - 1e-9) * camera.radius_px
    return cx + rho * math.cos(2 * math.pi * angle_fraction), cy + rho * math.sin(2 * math.pi * angle_fraction)


# --- round trips -----------------------------------------------------------------------------


@given(pinholes(), unit, unit)
def test_pinhole_pixel_round_trip(camera, fx, fy):
    x, y = -0.5 + fx * camera.width, -0.5 + fy * camera.height
    x2, y2 = camera.direction_to_pixel(*camera.pixel_to_direction(x, y))
    assert abs(x2 - x) < 0.01 and abs(y2 - y) < 0.01


@given(allskies, unit, unit)
def test_allsky_pixel_round_trip(camera, radius_fraction, angle_fraction):
    x, y = fisheye_pixel(camera, radius_fraction, angle_fraction)
    az, el = camera.pixel_to_direction(x, y)
    assert np.isfinite(az) and np.isfinite(el)
    x2, y2 = camera.direction_to_pixel(az, el)
    assert abs(x2 - x) < 0.01 and abs(y2 - y) < 0.01


@given(pinholes(), st.integers(0, 2**32 - 1))
def test_pinhole_direction_round_trip(camera, seed):
    rng = np.random.default_rng(seed)
    # Random directions on the sphere, plus directions certainly in the frame.
    v = rng.normal(size=(500, 3))
    az = np.degrees(np.arctan2(v[:, 0], v[:, 1]))
    el = np.degrees(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
    in_az, in_el = camera.pixel_to_direction(rng.uniform(-0.5, camera.width - 0.5, 50), rng.uniform(-0.5, camera.height - 0.5, 50))
    az, el = np.concatenate([az, in_az]), np.concatenate([el, in_el])
    x, y = camera.direction_to_pixel(az, el)
    imaged = (np.abs(x - camera.centre[0]) <= camera.width / 2) & (np.abs(y - camera.centre[1]) <= camera.height / 2)
    assert imaged[-50:].all()
    az2, el2 = camera.pixel_to_direction(x[imaged], y[imaged])
    assert separation_deg(az[imaged], el[imaged], az2, el2).max() < 1e-6


@given(allskies, st.floats(-360.0, 720.0), unit)
def test_allsky_direction_round_trip(camera, az, zenith_fraction):
    el = 90.0 - zenith_fraction * (1 - 1e-9) * camera.fov_deg / 2
    x, y = camera.direction_to_pixel(az, el)
    assert np.isfinite(x) and np.isfinite(y)
    assert separation_deg(az, el, *camera.pixel_to_direction(x, y)) < 1e-6


@given(pinholes(), st.floats(-720.0, 720.0), st.floats(-90.0, 90.0))
def test_pinhole_nan_exactly_behind(camera, az, el):
    az_rad, el_rad = math.radians(camera.azimuth_deg), math.radians(camera.elevation_deg)
    forward = np.array([math.sin(az_rad) * math.cos(el_rad), math.cos(az_rad) * math.cos(el_rad), math.sin(el_rad)])
    along_axis = float(enu(az, el) @ forward)
    x, y = camera.direction_to_pixel(az, el)
    if abs(along_axis) > 1e-9:
        assert np.isnan(x) == np.isnan(y) == (along_axis < 0)


@given(allskies, st.floats(-360.0, 720.0), st.floats(-90.0, 90.0))
def test_allsky_nan_exactly_outside_the_field(camera, az, el):
    beyond = (90.0 - el) - camera.fov_deg / 2
    x, y = camera.direction_to_pixel(az, el)
    if abs(beyond) > 1e-9:
        assert np.isnan(x) == np.isnan(y) == (beyond > 0)


def test_full_precision_near_the_zenith():
    el = 90.0 - 1e-6
    for camera in [AllSkyCamera(512, 512), PinholeCamera(512, 512, 30.0, 90.0, fov_deg=40.0)]:
        x, y = camera.direction_to_pixel(75.0, el)
        assert separation_deg(75.0, el, *camera.pixel_to_direction(x, y)) < 1e-12


def test_azimuths_wrap_into_0_to_360():
    camera = PinholeCamera(64, 48, 0.0, 0.0, fov_deg=60.0)
    # Ever so slightly west of north: the azimuth must not round up to 360.
    az, _ = camera.pixel_to_direction(camera.centre[0] - np.array([1e-14, 1e-3]), camera.centre[1])
    assert ((az >= 0) & (az < 360)).all() and az[1] > 359.99


@given(allskies, st.floats(1.0001, 3.0), unit)
def test_allsky_pixels_outside_circle_are_nan(camera, radius_fraction, angle_fraction):
    x, y = fisheye_pixel(camera, radius_fraction, angle_fraction)
    assert all(np.isnan(camera.pixel_to_direction(x, y)))


# --- all-sky geometry ------------------------------------------------------------------------


def test_allsky_orientation_north_up_east_left():
    camera = AllSkyCamera(300, 200)  # circle of radius 100 px centred at (149.5, 99.5)
    cx, cy = camera.centre
    x, y = camera.direction_to_pixel(45.0, 30.0)
    assert x < cx and y < cy  # north-east is upper left
    np.testing.assert_allclose(camera.direction_to_pixel([0.0, 137.0], [90.0, 90.0]), [[cx, cx], [cy, cy]], atol=1e-9)
    np.testing.assert_allclose(camera.direction_to_pixel(0.0, 0.0), (cx, -0.5), atol=1e-9)  # top edge
    np.testing.assert_allclose(camera.direction_to_pixel(90.0, 0.0), (cx - 100, cy), atol=1e-9)
    np.testing.assert_allclose(camera.direction_to_pixel(180.0, 0.0), (cx, cy + 100), atol=1e-9)
    np.testing.assert_allclose(camera.direction_to_pixel(270.0, 0.0), (cx + 100, cy), atol=1e-9)
    assert camera.pixel_to_direction(cx, cy)[1] == pytest.approx(90.0)


@given(st.integers(16, 2000), st.integers(16, 2000), st.floats(0.0, 360.0))
def test_allsky_equidistant(width, height, az):
    camera = AllSkyCamera(width, height)
    cx, cy = camera.centre
    for el, fraction in [(0.0, 1.0), (45.0, 0.5), (60.0, 1 / 3)]:
        x, y = camera.direction_to_pixel(az, el)
        assert math.hypot(x - cx, y - cy) == pytest.approx(fraction * min(width, height) / 2, abs=1e-9)
    wide = AllSkyCamera(width, height, fov_deg=220.0)
    x, y = wide.direction_to_pixel(az, 0.0)
    assert math.hypot(x - cx, y - cy) == pytest.approx(90 / 110 * min(width, height) / 2, abs=1e-9)


# --- pinhole geometry ------------------------------------------------------------------------


@given(pinholes())
def test_pinhole_optical_axis_at_centre(camera):
    x, y = camera.direction_to_pixel(camera.azimuth_deg, camera.elevation_deg)
    np.testing.assert_allclose((x, y), camera.centre, atol=1e-6)


@pytest.mark.parametrize("azimuth", [0.0, 350.0, -10.0])
def test_pinhole_edges(azimuth):
    camera = PinholeCamera(640, 480, azimuth, 0.0, fov_deg=60.0)
    cx, cy = camera.centre
    np.testing.assert_allclose(camera.direction_to_pixel(azimuth + 30.0, 0.0), (639.5, cy), atol=1e-9)
    np.testing.assert_allclose(camera.direction_to_pixel(azimuth - 30.0, 0.0), (-0.5, cy), atol=1e-9)
    vertical = 2 * math.degrees(math.atan(480 / 640 * math.tan(math.radians(30.0))))
    assert camera.vertical_fov_deg == pytest.approx(vertical)
    np.testing.assert_allclose(camera.direction_to_pixel(azimuth, vertical / 2), (cx, -0.5), atol=1e-9)


@given(st.floats(-360.0, 360.0), st.floats(-85.0, 85.0), st.floats(0.1, 5.0))
def test_pinhole_elevation_increases_upward(az, el, step):
    camera = PinholeCamera(800, 600, az, el, fov_deg=60.0)
    (x0, x1), (y0, y1) = camera.direction_to_pixel(az, [el, el + step])
    assert x1 == pytest.approx(x0, abs=1e-6) and y1 < y0


@pytest.mark.parametrize(
    ("elevation", "az_seen", "el_seen"),
    [(90.0, 180.0, 80.0), (-90.0, 0.0, -80.0)],  # past the zenith / looking down at the nadir
)
def test_pinhole_up_at_zenith_and_nadir(elevation, az_seen, el_seen):
    camera = PinholeCamera(400, 300, 0.0, elevation, fov_deg=60.0)
    x, y = camera.direction_to_pixel(az_seen, el_seen)
    assert x == pytest.approx(camera.centre[0]) and y < camera.centre[1]
    # Continuous with a camera tilted a hair short of the pole.
    near = PinholeCamera(400, 300, 0.0, elevation - math.copysign(1e-7, elevation), fov_deg=60.0)
    np.testing.assert_allclose(near.direction_to_pixel(az_seen, el_seen), (x, y), atol=1e-3)


def test_pinhole_roll_dips_the_right_side():
    camera = PinholeCamera(400, 300, 0.0, 0.0, fov_deg=60.0, roll_deg=10.0)
    x, y = camera.direction_to_pixel(20.0, 0.0)
    assert x > camera.centre[0] and y < camera.centre[1]  # the horizon rises to the right


def test_focal_length_equivalent_to_fov():
    by_focal = PinholeCamera(600, 400, 30.0, 10.0, focal_length_mm=24.0)
    assert by_focal.horizontal_fov_deg == pytest.approx(73.74, abs=0.005)
    by_fov = PinholeCamera(600, 400, 30.0, 10.0, fov_deg=by_focal.horizontal_fov_deg)
    az, el = np.meshgrid(np.linspace(0, 60, 7), np.linspace(-10, 30, 5))
    np.testing.assert_allclose(by_focal.direction_to_pixel(az, el), by_fov.direction_to_pixel(az, el), atol=1e-9)


# --- ray grids and metadata ------------------------------------------------------------------


@pytest.mark.parametrize(
    "camera", [PinholeCamera(40, 30, 200.0, -35.0, fov_deg=90.0, roll_deg=20.0), AllSkyCamera(41, 30, fov_deg=200.0)]
)
def test_rays_enu(camera):
    rays = camera.rays_enu()
    assert rays.shape == (camera.height, camera.width, 3) and rays.dtype == np.float64
    y, x = np.mgrid[0 : camera.height, 0 : camera.width]
    az, el = camera.pixel_to_direction(x, y)
    imaged = np.isfinite(az)
    np.testing.assert_allclose(rays[imaged], enu(az[imaged], el[imaged]), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(rays[imaged], axis=-1), 1.0, rtol=1e-12)
    assert np.isnan(rays[~imaged]).all()
    if isinstance(camera, AllSkyCamera):
        outside = np.hypot(x - camera.centre[0], y - camera.centre[1]) > camera.radius_px
        np.testing.assert_array_equal(~imaged, outside)
        assert outside.any()
    else:
        assert imaged.all()


def test_describe_is_json_and_azimuth_wraps():
    camera = PinholeCamera(64, 48, 370.0, 5.0, focal_length_mm=50.0)
    assert camera == PinholeCamera(64, 48, 10.0, 5.0, focal_length_mm=50.0)
    described = json.loads(json.dumps(camera.describe()))
    assert described["kind"] == "pinhole" and described["azimuth_deg"] == 10.0
    assert described["horizontal_fov_deg"] == pytest.approx(2 * math.degrees(math.atan(18 / 50)))
    assert json.loads(json.dumps(AllSkyCamera(64, 48).describe()))["fov_deg"] == 180.0


def test_make_camera():
    pinhole = make_camera("pinhole", 320, 240)
    assert (pinhole.azimuth_deg, pinhole.elevation_deg, pinhole.fov_deg) == (0.0, 20.0, 60.0)
    assert make_camera("pinhole", 320, 240, focal_length_mm=35.0).fov_deg is None
    assert make_camera("allsky", 320, 240) == AllSkyCamera(320, 240, 180.0)
    assert make_camera("allsky", 320, 240, fov_deg=190.0).fov_deg == 190.0
    with pytest.raises(NorrskenError, match="all-sky.*zenith.*elevation"):
        make_camera("allsky", 320, 240, elevation_deg=30.0)
    with pytest.raises(NorrskenError, match="allsky, pinhole"):
        make_camera("fisheye", 320, 240)


def test_parse_size():
    assert parse_size("1920x1080") == (1920, 1080)
    assert parse_size(" 640X480 ") == (640, 480)
    for text in ["1920", "axb", "-5x10", "1920x", "12.5x40"]:
        with pytest.raises(NorrskenError, match="WIDTHxHEIGHT"):
            parse_size(text)
    with pytest.raises(NorrskenError, match="width must be a whole number between 16 and 8192 pixels"):
        parse_size("8x100")


# --- ENU basis -------------------------------------------------------------------------------


@given(st.floats(-90.0, 90.0), st.floats(-540.0, 540.0))
def test_enu_basis(lat, lon):
    basis = enu_basis(lat, lon)
    np.testing.assert_allclose(basis @ basis.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(basis) == pytest.approx(1.0)  # right-handed: E x N = U
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    radial = [math.cos(lat_r) * math.cos(lon_r), math.cos(lat_r) * math.sin(lon_r), math.sin(lat_r)]
    np.testing.assert_allclose(basis[2], radial, atol=1e-12)
    assert basis[0, 2] == pytest.approx(0.0, abs=1e-12) and basis[1, 2] >= -1e-12  # E level, N poleward
    np.testing.assert_allclose(np.array([0.0, 0.0, 1.0]) @ basis, radial, atol=1e-12)  # rays_enu @ basis


def test_enu_basis_at_null_island():
    np.testing.assert_allclose(enu_basis(0.0, 0.0), [[0, 1, 0], [0, 0, 1], [1, 0, 0]], atol=1e-15)


# --- overlay ---------------------------------------------------------------------------------


def changed(before, after):
    return (before != after).any(axis=-1)


def test_overlay_horizon_on_centre_row_of_level_pinhole():
    camera = PinholeCamera(201, 101, 0.0, 0.0, fov_deg=60.0)
    image = np.full((101, 201, 3), 10, dtype=np.uint8)
    original = image.copy()
    out = draw_overlay(image, camera, cardinals=False)
    assert out.dtype == np.uint8 and out.shape == image.shape
    assert not np.shares_memory(out, image)
    np.testing.assert_array_equal(image, original)
    mask = changed(image, out)
    assert mask[50].mean() > 0.95
    assert not mask[:48].any() and not mask[53:].any()


def test_overlay_letter_above_the_horizon():
    camera = PinholeCamera(201, 101, 0.0, 0.0, fov_deg=60.0)
    image = np.zeros((101, 201, 3), dtype=np.uint8)
    mask = changed(image, draw_overlay(image, camera, horizon=False))
    rows, cols = np.nonzero(mask)
    assert rows.size > 0 and rows.max() < 50 and abs(cols.mean() - 100) < 5  # N, over the centre


def test_overlay_allsky_letters_just_inside_the_circle():
    camera = AllSkyCamera(200, 200)
    image = np.zeros((200, 200, 3), dtype=np.uint8)
    mask = changed(image, draw_overlay(image, camera, horizon=False))
    assert mask[:25, 85:115].any()  # N at the top
    assert mask[85:115, :25].any() and mask[85:115, -25:].any() and mask[-25:, 85:115].any()
    assert mask.sum() == mask[:25].sum() + mask[-25:].sum() + mask[25:-25, :25].sum() + mask[25:-25, -25:].sum()
    np.testing.assert_array_equal(image, 0)


def test_overlay_grid_crosses_the_zenith():
    camera = AllSkyCamera(201, 201)
    image = np.zeros((201, 201, 3), dtype=np.uint8)
    assert not changed(image, draw_overlay(image, camera))[100, 100]
    with_grid = changed(image, draw_overlay(image, camera, grid=True))
    assert with_grid[100, 100]
    # Between two meridians (az 90 and 120): the 45 deg circle is drawn, 52.5 deg between circles is not.
    x, y = np.rint(camera.direction_to_pixel(105.0, [45.0, 52.5])).astype(int)
    assert with_grid[y[0], x[0]] and not with_grid[y[1], x[1]]


class Panorama:
    """Not one of ours, only the Camera interface: an equirectangular strip that wraps in azimuth
    (x = az from 0 to 360) and whose horizon undulates (y = 90 - el + 10 sin az)."""

    width, height = 360, 181

    def pixel_to_direction(self, x, y):
        az = np.mod(x, 360.0)
        return az, 90.0 - np.asarray(y) + 10 * np.sin(np.radians(az))

    def direction_to_pixel(self, az_deg, el_deg):
        az = np.mod(az_deg, 360.0)
        return az, 90.0 - np.asarray(el_deg) + 10 * np.sin(np.radians(az))


def test_overlay_breaks_lines_that_jump_across_the_image():
    image = np.zeros((181, 360, 3), dtype=np.uint8)
    mask = changed(image, draw_overlay(image, Panorama(), cardinals=False))
    assert mask.any(axis=0).all()  # the horizon runs through every column...
    assert mask[90].mean() < 0.2  # ...but not back along row 90 from the wrap at x = 360 to x = 0


def test_overlay_refuses_bad_input():
    camera = AllSkyCamera(64, 48)
    with pytest.raises(NorrskenError, match="uint8 array of shape"):
        draw_overlay(np.zeros((64, 48, 3), dtype=np.uint8), camera)
    with pytest.raises(NorrskenError, match="uint8"):
        draw_overlay(np.zeros((48, 64, 3)), camera)
    with pytest.raises(NorrskenError, match="grid_step_deg"):
        draw_overlay(np.zeros((48, 64, 3), dtype=np.uint8), camera, grid=True, grid_step_deg=(0.0, 15.0))


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(width=0), "width must be a whole number between 16 and 8192 pixels"),
        (dict(width=10000), "width must be a whole number between 16 and 8192 pixels"),
        (dict(height=1.5), "height must be a whole number"),
        (dict(width=True), "width must be a whole number"),
        (dict(fov_deg=0.0), "fov_deg must lie between 0.5 and 170 deg"),
        (dict(fov_deg=200.0), "fov_deg must lie between 0.5 and 170 deg"),
        (dict(elevation_deg=95.0), "elevation_deg must lie between -90 and 90 deg"),
        (dict(azimuth_deg=float("nan")), "azimuth_deg must be a finite number"),
        (dict(roll_deg=float("inf")), "roll_deg must be a finite number"),
        (dict(focal_length_mm=50.0), "exactly one of fov_deg and focal_length_mm"),
        (dict(fov_deg=None), "exactly one of fov_deg and focal_length_mm"),
        (dict(fov_deg=None, focal_length_mm=0.5), "focal_length_mm must lie between 1 and 5000 mm"),
        (dict(fov_deg=None, focal_length_mm=1.0, sensor_width_mm=100.0), "field of view.*0.5 to 170"),
        (dict(sensor_width_mm=200.0), "sensor_width_mm must lie between 1 and 100 mm"),
    ],
)
def test_pinhole_refuses_bad_parameters(kwargs, message):
    params = dict(width=640, height=480, azimuth_deg=0.0, elevation_deg=10.0, fov_deg=60.0) | kwargs
    with pytest.raises(NorrskenError, match=message):
        PinholeCamera(**params)


@pytest.mark.parametrize(
    ("fov", "message"),
    [
        (5.0, "fov_deg must lie between 10 and 220 deg"),
        (230.0, "fov_deg must lie between 10 and 220 deg"),
        (float("nan"), "fov_deg must be a finite number"),
    ],
)
def test_allsky_refuses_bad_fov(fov, message):
    with pytest.raises(NorrskenError, match=message):
        AllSkyCamera(64, 64, fov_deg=fov)


def test_direction_and_basis_refuse_bad_angles():
    with pytest.raises(NorrskenError, match="el_deg must lie from -90 to 90"):
        AllSkyCamera(64, 64).direction_to_pixel([0.0, 10.0], [45.0, 100.0])
    with pytest.raises(NorrskenError, match="lat must lie between -90 and 90"):
        enu_basis(91.0, 0.0)


# --- vignetting ---


def test_pinhole_vignetting_is_cos4_of_the_angle_off_the_axis():
    from norrsken.render.camera import vignetting

    camera = PinholeCamera(101, 61, azimuth_deg=30.0, elevation_deg=20.0, fov_deg=90.0, roll_deg=10.0)
    falloff = vignetting(camera)
    assert falloff.shape == (61, 101) and falloff.dtype == np.float32
    assert falloff[30, 50] == pytest.approx(1.0, abs=1e-7)  # the pixel on the optical axis
    # The angle off the axis from the camera's own rays (not the module's formula).
    axis = enu(30.0, 20.0)
    cos_off = camera.rays_enu() @ axis
    np.testing.assert_allclose(falloff, cos_off**4, rtol=1e-5)
    # The corner of a 90 deg field: 49.1 deg off the axis (tan = hypot(50, 30) / 50.5), cos^4 0.184.
    off_deg = math.degrees(math.atan(math.hypot(50.0, 30.0) / (101 / 2)))
    assert falloff[0, 0] == pytest.approx(math.cos(math.radians(off_deg)) ** 4, rel=1e-5)
    assert falloff[0, 0] == pytest.approx(0.184, abs=0.001)


def test_allsky_vignetting_is_milder_than_cos4():
    from norrsken.render.camera import vignetting

    camera = AllSkyCamera(129, 129)
    falloff = vignetting(camera)
    assert falloff[64, 64] == pytest.approx(1.0)
    zenith = np.radians(90.0 - camera.pixel_to_direction(*np.meshgrid(np.arange(129.0), np.arange(129.0)))[1])
    inside = np.isfinite(zenith) & (zenith > 0)
    np.testing.assert_allclose(falloff[inside], np.sin(zenith[inside]) / zenith[inside], rtol=1e-5)
    assert np.all(falloff[~np.isfinite(zenith)] == 0.0)  # outside the circle
    # At the horizon 2 / pi (-0.65 EV), far brighter than a pinhole's cos^4 at 80 deg.
    rim = falloff[64, 0]
    assert rim == pytest.approx(math.sin(zenith[64, 0]) / zenith[64, 0], rel=1e-5)
    assert 0.63 < rim < 0.66 and rim > 10 * math.cos(math.radians(80.0)) ** 4


@given(st.floats(1.0, 170.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_vignetting_never_brightens_off_the_axis(fov_deg, fx, fy):
    from norrsken.render.camera import vignetting

    camera = PinholeCamera(32, 24, azimuth_deg=0.0, elevation_deg=0.0, fov_deg=fov_deg)
    falloff = vignetting(camera)
    x, y = round(fx * 31), round(fy * 23)
    assert 0.0 < falloff[y, x] <= falloff.max() <= 1.0
    # cos^4 of the off-axis angle of that pixel centre, here from its image-plane distance.
    off = math.atan(math.hypot(x - 15.5, y - 11.5) / camera.focal_length_px)
    assert falloff[y, x] == pytest.approx(math.cos(off) ** 4, rel=1e-5)
