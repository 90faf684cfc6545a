"""The view from orbit: limb geometry, city lights, stars, airglow and the Earth below.

One 1920 x 1080 frame from (51 N, 20 E, 408 km) on 2017-01-18 at 21:00 UTC, looking north at the
Baltic with a 24 mm lens, serves most tests (rendered once per run, ~10 s)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from norrsken.color import line_radiance_to_display
from norrsken.errors import NorrskenError
from norrsken.geometry import EARTH_RADIUS_KM, enu_basis, ground_distance_km, unit_vectors
from norrsken.render.camera import PinholeCamera
from norrsken.render.catalogs import find_city
from norrsken.render.orbital import limb_depression_deg, limb_elevation, look_at, orbit_view
from norrsken.render.scene import (
    CONTINUA,
    Illumination,
    city_lights,
    city_peak_cd,
    moon_illuminance_lux,
)

TIME = "2017-01-18T21:00Z"
ISS = (51.0, 20.0, 408.0)
CAPITALS = ("Saint Petersburg", "Stockholm", "Oslo", "Helsinki")  # by population, largest first


@pytest.fixture(scope="module")
def frame():
    return orbit_view(TIME, *ISS, structure="arcs", seed=3)


def _expected_row(camera: PinholeCamera, elevation_deg: float) -> float:
    # Independent of the camera code: in the vertical plane of the optical axis, a pinhole maps
    # elevation e to y = cy - f tan(e - e_camera).
    return (camera.height - 1) / 2 - camera.focal_length_px * math.tan(math.radians(elevation_deg - camera.elevation_deg))


def test_limb_depression_is_acos_r_over_r_plus_h():
    assert limb_depression_deg(408.0) == pytest.approx(math.degrees(math.acos(6371.0 / 6779.0)), abs=1e-9)
    assert 19.5 < limb_depression_deg(408.0) < 20.5


def test_limb_sits_at_its_depression_within_2_px(frame):
    camera = PinholeCamera(1920, 1080, azimuth_deg=0.0, elevation_deg=limb_elevation(1920, 1080, 24.0, 408.0), focal_length_mm=24.0)
    centre_column = frame["ground"].values[:, 959:961].all(axis=1)
    first_ground_row = int(np.argmax(centre_column))
    expected = _expected_row(camera, -limb_depression_deg(408.0))
    assert abs(first_ground_row - expected) <= 2.0
    # Sky above, ground below along the whole column.
    assert not centre_column[:first_ground_row].any() and centre_column[first_ground_row:].all()


def test_airglow_line_floats_above_the_limb():
    """Looking south from 51 N (no aurora there), the limb shows only the 557.7 airglow layer
    (peak 95 km, 250 R overhead) edge-on: a thin line at the tangent depression of ~95 km, many
    times brighter than overhead, and dark sky above it."""
    camera = PinholeCamera(480, 270, azimuth_deg=180.0, elevation_deg=-15.0, focal_length_mm=50.0)
    ds = orbit_view(TIME, *ISS, camera=camera, structure="none", cities=False, stars=False)
    green = ds["brightness_r"].sel(line="557.7").values[:, 240]
    sky = ~ds["ground"].values[:, 240]
    row = int(np.argmax(np.where(sky, green, 0.0)))
    tangent_depression = math.degrees(math.acos((EARTH_RADIUS_KM + 95.0) / (EARTH_RADIUS_KM + 408.0)))
    assert float(ds["elevation_deg"].values[row, 240]) == pytest.approx(-tangent_depression, abs=0.2)
    assert 20 * 250.0 < green[row] < 200 * 250.0  # limb brightening of a 250 R layer
    # Thin: a few km of tangent height (a fraction of a degree) above and below, it fades.
    above = ds["elevation_deg"].values[:, 240] > -tangent_depression + 1.0
    assert green[above & sky].max() < 0.3 * green[row]


def test_capitals_fall_on_local_maxima_of_city_light_ordered_by_population(frame):
    light = frame["continuum_cd"].sel(source=["sodium", "led"]).sum("source").values
    lat, lon, alt = ISS
    camera = PinholeCamera(1920, 1080, azimuth_deg=0.0, elevation_deg=limb_elevation(1920, 1080, 24.0, 408.0), focal_length_mm=24.0)
    peaks = []
    for name in CAPITALS:
        city = find_city(name)
        az, el = look_at(lat, lon, alt, city.lat, city.lon)
        x, y = camera.direction_to_pixel(az, el)
        x, y = float(x), float(y)
        assert 3 <= x < 1917 and 3 <= y < 1077, name
        j, i = round(y), round(x)
        window = light[j - 3 : j + 4, i - 3 : i + 4]
        peak = np.unravel_index(np.argmax(window), window.shape)
        py, px = j - 3 + peak[0], i - 3 + peak[1]
        # A local maximum: no brighter pixel among its 8 neighbours.
        assert light[py, px] >= light[py - 1 : py + 2, px - 1 : px + 2].max(), name
        assert math.hypot(px - x, py - y) <= 3.0, name
        peaks.append(light[py, px])
    assert peaks == sorted(peaks, reverse=True), dict(zip(CAPITALS, peaks, strict=True))


def test_city_lights_off_in_daylight_and_brighter_with_population():
    lat, lon, alt = ISS
    enu = enu_basis(lat, lon)
    origin = (EARTH_RADIUS_KM + alt) * enu[2]
    camera = PinholeCamera(640, 360, azimuth_deg=0.0, elevation_deg=-35.0, fov_deg=80.0)
    night = Illumination(sun_ecef=-unit_vectors(lat, lon), moon_ecef_km=384400.0 * unit_vectors(0.0, 0.0), moon_lux=0.0, year=2017.0)
    day = Illumination(sun_ecef=unit_vectors(lat, lon), moon_ecef_km=384400.0 * unit_vectors(0.0, 0.0), moon_lux=0.0, year=2017.0)
    assert city_lights(camera, origin, enu, night).sum() > 0.0
    assert city_lights(camera, origin, enu, day).sum() == 0.0
    populations = np.array([15_000, 100_000, 1_000_000, 5_000_000])
    assert np.all(np.diff(city_peak_cd(populations)) > 0.0)
    # Calibration: a city of a million peaks at ~0.1-0.2 cd m^-2 (module docs).
    assert 0.08 < float(city_peak_cd(1e6)) < 0.25


def test_led_share_grows_with_year(frame):
    light = frame["continuum_cd"]
    sodium, led = float(light.sel(source="sodium").sum()), float(light.sel(source="led").sum())
    assert 0.05 < led / (sodium + led) < 0.35  # 2017: mostly sodium


def test_stars_only_above_the_limb(frame):
    stars = frame["continuum_cd"].sel(source=[name for name in CONTINUA if name.startswith("planck:")]).sum("source")
    ground = frame["ground"].values
    assert float(stars.values[ground].max()) == 0.0
    bright = stars.values > 1e-3
    assert bright.sum() > 200  # a 74 x 44 deg patch of sky holds a few hundred stars to V 7


def test_earth_at_night_is_dark_and_cities_orange(frame):
    rgb = frame["rgb"].values.astype(float)
    ground = frame["ground"].values
    light = frame["continuum_cd"].sel(source=["sodium", "led"]).sum("source").values
    # Seen from above, the ground shines through the airglow layers (~1 kR of 557.7 nm along a
    # slant path): dark, faintly green, no city.
    dark_ground = ground & (light < 1e-4) & (frame["brightness_r"].sel(line="557.7").values < 3000.0)
    assert dark_ground.mean() > 0.2
    assert rgb[dark_ground].mean() < 25.0
    lit = ground & (light > 0.02) & (light < 0.05)
    r, g, b = rgb[lit].mean(axis=0)
    assert r > g > b  # sodium orange


def test_aurora_green_on_the_northern_limb_with_red_above(frame):
    green = frame["brightness_r"].sel(line="557.7").values
    red = frame["brightness_r"].sel(line="630.0").values
    elevation = frame["elevation_deg"].values
    # At Kp 3.3 the oval lies 15-20 deg of arc north of 51 N, near the ISS's horizon: seen edge-on
    # along the limb, from the green peak's tangent height up to ~250 km.
    row, column = np.unravel_index(np.argmax(green), green.shape)
    low = -limb_depression_deg(408.0) - 0.5
    high = -math.degrees(math.acos((EARTH_RADIUS_KM + 250.0) / (EARTH_RADIUS_KM + 408.0)))
    assert low < elevation[row, column] < high
    assert green.max() > 20e3
    # Red tops: in that column the 630.0 maximum stands above the 557.7 maximum.
    assert elevation[np.argmax(red[:, column]), column] > elevation[row, column]


def test_timing_attrs_and_metadata(frame):
    import json

    timing = json.loads(frame.attrs["timing_s"])
    assert set(timing) == {"aurora", "scene", "colour"}
    assert frame.attrs["limb_depression_deg"] == pytest.approx(limb_depression_deg(408.0))
    assert frame.attrs["kp_source"] == "embedded CelesTrak history"


def test_ground_distance_misses_above_the_limb():
    origin = np.array([0.0, 0.0, EARTH_RADIUS_KM + 400.0])
    down = np.array([[0.0, 0.0, -1.0]])
    assert ground_distance_km(origin, down)[0] == pytest.approx(400.0)
    depression = math.radians(limb_depression_deg(400.0))
    below = np.array([[math.cos(depression - 1e-4), 0.0, -math.sin(depression - 1e-4)]])
    above = np.array([[math.cos(depression + 1e-4), 0.0, -math.sin(depression + 1e-4)]])
    # Just above the limb direction misses; just below it hits (grazing).
    assert np.isnan(ground_distance_km(origin, below)[0])
    assert np.isfinite(ground_distance_km(origin, above)[0])


def test_moon_illuminance_full_and_quarter():
    assert moon_illuminance_lux(1.0) == pytest.approx(0.313, rel=0.01)  # Krisciunas & Schaefer 1991
    assert moon_illuminance_lux(0.5) < 0.1 * moon_illuminance_lux(1.0)
    with pytest.raises(NorrskenError):
        moon_illuminance_lux(1.5)


def test_look_at_errors_and_directions():
    az, el = look_at(51.0, 20.0, 408.0, 60.0, 20.0)
    # 9 deg of arc (1000 km) north: below the limb (-20 deg), above the nadir.
    assert az == pytest.approx(0.0, abs=0.5) and -40.0 < el < -limb_depression_deg(408.0)
    with pytest.raises(NorrskenError, match="beyond the Earth's limb"):
        look_at(51.0, 20.0, 408.0, -30.0, 20.0)
    with pytest.raises(NorrskenError, match="altitude"):
        orbit_view(TIME, 51.0, 20.0, 50.0)
    with pytest.raises(NorrskenError, match="lat"):
        orbit_view(TIME, 95.0, 20.0, 408.0)


def test_continuum_colours():
    from norrsken.color import CameraExposure

    exposure = CameraExposure(iso=100.0, f_number=1.0, exposure_s=1.0)
    zero = np.zeros((1, 1))
    for name, check in (
        ("sodium", lambda r, g, b: r > g > b),
        ("led", lambda r, g, b: r > b and abs(r - g) < 0.15),
        ("planck:20000", lambda r, g, b: b > r),
        ("daylight", lambda r, g, b: abs(r - g) < 0.02 and abs(g - b) < 0.02),
    ):
        rgb = line_radiance_to_display(zero, ["557.7"], exposure, continuum_cd=np.array([[0.5]]), continua=[name])[0]
        assert check(*rgb), (name, rgb)
    with pytest.raises(NorrskenError, match="unknown continuum"):
        line_radiance_to_display(zero, ["557.7"], exposure, continuum_cd=np.array([[0.5]]), continua=["neon"])
    with pytest.raises(NorrskenError, match="shape"):
        line_radiance_to_display(zero, ["557.7"], exposure, continuum_cd=np.array([[0.5, 1.0]]), continua=["led"])
    with pytest.raises(NorrskenError, match="non-negative"):
        line_radiance_to_display(zero, ["557.7"], exposure, continuum_cd=np.array([[-1.0]]), continua=["led"])


def test_default_framing_puts_the_limb_two_thirds_down(frame):
    """Checked on the picture, not through limb_elevation: the limb crosses the centre column
    about two thirds of the way down (space and the aurora above, the Earth below)."""
    first_ground_row = int(np.argmax(frame["ground"].values[:, 960]))
    assert abs(first_ground_row - 2 * 1080 / 3) < 10


def test_moon_disc_is_placed_from_the_observer():
    """The Moon's parallax from orbit reaches ~1 deg: the disc must sit where the Moon is seen
    from the satellite, with its angular radius at that distance."""
    from norrsken.render.scene import MOON_RADIUS_KM, moon_disc

    lat, lon, alt = ISS
    enu = enu_basis(lat, lon)
    origin = (EARTH_RADIUS_KM + alt) * enu[2]
    # The Moon 380 000 km away, 20 deg above the satellite's horizon to the south-east.
    direction = np.array([math.sin(math.radians(135)), math.cos(math.radians(135)), 0.0]) * math.cos(math.radians(20))
    direction[2] = math.sin(math.radians(20))
    moon = origin + 380_000.0 * (direction @ enu)
    camera = PinholeCamera(400, 400, azimuth_deg=135.0, elevation_deg=20.0, focal_length_mm=800.0)
    light = Illumination(sun_ecef=-unit_vectors(lat, lon), moon_ecef_km=moon, moon_lux=0.3, year=2017.0)
    disc = moon_disc(camera, origin, enu, light)
    rows, cols = np.nonzero(disc)
    assert abs(rows.mean() - 199.5) < 1.0 and abs(cols.mean() - 199.5) < 1.0
    radius_px = math.asin(MOON_RADIUS_KM / 380_000.0) * camera.focal_length_px
    assert disc.astype(bool).sum() == pytest.approx(math.pi * radius_px**2, rel=0.05)
    # Behind the Earth: straight below the satellite.
    light = Illumination(sun_ecef=-unit_vectors(lat, lon), moon_ecef_km=-380_000.0 * enu[2], moon_lux=0.3, year=2017.0)
    assert moon_disc(camera, origin, enu, light).max() == 0.0


def test_city_lights_survive_a_long_lens():
    """At 400 mm Saint Petersburg's pool of light spans more than half the frame; it must still
    be drawn (a regression: large pools were once dropped as projection artefacts)."""
    lat, lon, alt = ISS
    enu = enu_basis(lat, lon)
    origin = (EARTH_RADIUS_KM + alt) * enu[2]
    city = find_city("Saint Petersburg")
    az, el = look_at(lat, lon, alt, city.lat, city.lon)
    camera = PinholeCamera(1920, 1080, azimuth_deg=az, elevation_deg=el, focal_length_mm=400.0)
    night = Illumination(sun_ecef=-unit_vectors(lat, lon), moon_ecef_km=-384400.0 * enu[2], moon_lux=0.0, year=2017.0)
    light = city_lights(camera, origin, enu, night).sum(axis=-1)
    assert light[540, 960] == pytest.approx(float(city_peak_cd(city.population)), rel=0.1)


def test_districts_merge_into_their_city():
    from norrsken.render.catalogs import cities
    from norrsken.render.scene import light_sources

    towns = cities()
    kept = set(towns.name[light_sources()])
    assert {"Helsinki", "Stockholm", "Espoo", "Vantaa"} <= kept  # separate towns of an agglomeration stay
    assert not {"Kallio", "Södermalm", "Taka-Töölö"} & kept  # districts inside a city's pool go


def test_led_share_follows_the_year():
    from norrsken.render.scene import led_share

    ids = np.arange(1, 2001)
    assert led_share(2015.0, ids).mean() == pytest.approx(0.05, abs=0.03)
    assert led_share(2025.0, ids).mean() == pytest.approx(0.65, abs=0.03)
    assert np.all(led_share(2040.0, ids) <= 0.9)


def test_ground_light_twilight_moon_and_extinction():
    from norrsken.render.scene import ground_luminance, ground_transmission

    lat, lon = 0.0, 0.0
    point = EARTH_RADIUS_KM * unit_vectors(np.array([lat]), np.array([lon]))
    up = point[0] / EARTH_RADIUS_KM

    def sun_at(elevation_deg):
        # A Sun direction at this elevation above the point's horizon (toward north).
        e = math.radians(elevation_deg)
        return math.sin(e) * up + math.cos(e) * np.array([0.0, 0.0, 1.0])

    values = []
    for elevation in (-20.0, -12.0, -6.0, 0.0, 2.999, 3.001, 30.0):
        light = Illumination(sun_ecef=sun_at(elevation), moon_ecef_km=-384400.0 * up, moon_lux=0.0, year=2017.0)
        values.append(ground_luminance(point, light)[0, 0])
    assert values == sorted(values)  # brighter as the Sun rises
    assert values[0] == 0.0 and values[4] == pytest.approx(values[5], rel=0.01)  # continuous at 3 deg
    # Ocean at (0, 0): albedo 0.06 under the full luminous solar constant at 30 deg.
    assert values[-1] == pytest.approx(0.06 * 133.8e3 * 0.5 / math.pi, rel=0.02)
    # A full Moon overhead lights the ocean with 0.31 lx.
    light = Illumination(sun_ecef=-up, moon_ecef_km=384400.0 * up + point[0], moon_lux=0.313, year=2017.0)
    assert ground_luminance(point, light)[0, 1] == pytest.approx(0.06 * 0.313 / math.pi, rel=0.01)
    # Extinction: straight up ~0.83 (0.2 mag), toward a grazing observer far less.
    overhead = ground_transmission(point, point[0] + 400.0 * up)[0]
    grazing = ground_transmission(point, point[0] + 2000.0 * np.array([0.0, 0.0, 1.0]) + 150.0 * up)[0]
    assert overhead[0] == pytest.approx(10 ** (-0.08), rel=0.01)
    assert np.all(grazing < 0.5 * overhead)


def test_stars_hide_behind_the_limb_by_their_grazing_height():
    """Stars whose line of sight grazes the Earth below 15 km are hidden, also just above the
    solid limb; higher up they shine. Tangent heights computed here from the rays themselves."""
    from norrsken.ephemeris import icrs_to_ecef
    from norrsken.render.scene import star_light

    lat, lon, alt = ISS
    enu = enu_basis(lat, lon)
    origin = (EARTH_RADIUS_KM + alt) * enu[2]
    camera = PinholeCamera(960, 540, azimuth_deg=0.0, elevation_deg=-limb_depression_deg(alt) + 3.0, focal_length_mm=50.0)
    stars = star_light(camera, origin, enu, icrs_to_ecef(TIME)).sum(axis=-1)
    rays = camera.rays_enu() @ enu
    along = rays @ origin
    tangent = np.where(along < 0.0, np.sqrt(origin @ origin - along**2) - EARTH_RADIUS_KM, alt)
    assert stars[tangent < 12.0].max() == 0.0  # 15 km cut, less the star image's 3 px reach
    assert (stars[tangent > 45.0] > 1e-3).sum() > 20
