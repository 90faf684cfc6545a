"""The ray marcher against geometry that has an exact answer.

A horizontally uniform layer seen from the ground has a column brightness at the zenith and the
van Rhijn enhancement 1 / sqrt(1 - (R / (R + h))^2 sin^2 theta) at zenith angle theta (the layer
at height h; for a thick layer h is its emission-weighted mean height, to second order).
"""

import math
import sys

import numpy as np
import pytest

from norrsken.errors import NorrskenError
from norrsken.field import SHELL_KM, emission_field
from norrsken.field.airglow import nightglow_scale
from norrsken.geometry import EARTH_RADIUS_KM, enu_basis
from norrsken.render.raymarch import line_radiance, shell_segments
from norrsken.render.sampling import MAX_LEVELS, line_radiance_image, sampling_levels

TIME = "2017-01-18T21:00Z"
ZENITH_ANGLES = np.array([0.0, 30.0, 60.0, 70.0, 75.0, 80.0])


def van_rhijn(zenith_deg: np.ndarray, height_km: float) -> np.ndarray:
    ratio = EARTH_RADIUS_KM / (EARTH_RADIUS_KM + height_km)
    return 1.0 / np.sqrt(1.0 - ratio**2 * np.sin(np.radians(zenith_deg)) ** 2)


def rays_towards_north(lat: float, lon: float, zenith_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    basis = enu_basis(lat, lon)
    za = np.radians(zenith_deg)
    enu = np.stack([np.zeros_like(za), np.sin(za), np.cos(za)], axis=-1)
    return EARTH_RADIUS_KM * basis[2], enu @ basis


@pytest.fixture(scope="module")
def airglow_only():
    """At the equator the oval is empty: only the analytic airglow layers shine."""
    field = emission_field(TIME, 0.0, 0.0, indices={"kp": 0.0}, structure="none", airglow=True)
    assert field.packed.cells[..., 0].max() == 0.0
    return field


def test_thin_layer_zenith_and_van_rhijn(airglow_only):
    origin, rays = rays_towards_north(0.0, 0.0, ZENITH_ANGLES)
    radiance = line_radiance(airglow_only, origin, rays)
    green = radiance[:, airglow_only.lines.index("557.7")]
    # The 557.7 nm night layer: 250 R overhead at 95 km (field.AIRGLOW_LAYERS), 4 km sigma, at
    # the solar activity of the day (F10.7a ~ 75 sfu: 0.97).
    scale = nightglow_scale(airglow_only.table.inputs["f107a"])
    assert green[0] == pytest.approx(250.0 * scale, rel=0.02)
    np.testing.assert_allclose(green / (250.0 * scale), van_rhijn(ZENITH_ANGLES, 95.0), rtol=0.03)
    red = radiance[:, airglow_only.lines.index("630.0")]
    np.testing.assert_allclose(red / (50.0 * scale), van_rhijn(ZENITH_ANGLES, 250.0), rtol=0.03)


@pytest.mark.parametrize("step_scale", [0.25, 2.0])
def test_step_control_converges(airglow_only, step_scale):
    """Halving or quartering the steps changes a thin layer's slant brightness by < 1 %."""
    origin, rays = rays_towards_north(0.0, 0.0, ZENITH_ANGLES)
    nominal = line_radiance(airglow_only, origin, rays)
    other = line_radiance(airglow_only, origin, rays, step_scale=step_scale)
    np.testing.assert_allclose(other, nominal, rtol=0.01)


@pytest.fixture(scope="module")
def tromso():
    return emission_field(TIME, 69.65, 18.96, structure="none", airglow=False)


@pytest.mark.parametrize("mean_energy", [0.5, 2.0, 10.0])
def test_uniform_aurora_column_and_slant(tromso, mean_energy):
    """A uniform Q = 1 erg layer: zenith = the table's column within 2 %, van Rhijn within 3 %."""
    packed = tromso.packed
    e_axis = tromso.table.mean_energy_kev
    cells = np.array(packed.cells)
    cells[..., 0] = 1.0
    cells[..., 1] = math.log(mean_energy / e_axis[0]) / math.log(e_axis[1] / e_axis[0])
    uniform = packed._replace(cells=cells.astype(np.float32), clear_km=np.zeros_like(packed.clear_km))
    origin, rays = rays_towards_north(69.65, 18.96, ZENITH_ANGLES)
    radiance = line_radiance(uniform, origin, rays)
    z = np.linspace(*SHELL_KM, 8401)
    for line in ("427.8", "557.7", "630.0"):
        ver = tromso.table.interpolate(line, mean_energy, 1.0, z)
        column_r = 0.1 * np.trapezoid(ver, z)  # 1e-6 R per photon cm^-2 s^-1, 1e5 cm per km
        centroid = np.trapezoid(ver * z, z) / np.trapezoid(ver, z)
        slant = radiance[:, tromso.lines.index(line)] / column_r
        assert slant[0] == pytest.approx(1.0, rel=0.02), line
        np.testing.assert_allclose(slant, van_rhijn(ZENITH_ANGLES, centroid), rtol=0.03, err_msg=line)


def test_field_ver_integrates_to_the_rendered_zenith(tromso):
    """EmissionField.ver and the kernel see the same field: a vertical quadrature of ver()
    at the footprint-mapped points equals the zenith ray (the ray samples the same points)."""
    origin, rays = rays_towards_north(69.65, 18.96, np.array([0.0]))
    rendered = line_radiance(tromso, origin, rays)[0]
    z = np.linspace(*SHELL_KM, 4201)
    profile = tromso.ver(np.full_like(z, 69.65), np.full_like(z, 18.96), z)
    np.testing.assert_allclose(0.1 * np.trapezoid(profile, z, axis=0), rendered, rtol=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "camera"),
    [
        (69.65, 18.96, "allsky"),  # under the arcs, looking up through them
        (59.91, 10.75, "pinhole"),  # south of them, long slant paths along the curtains
    ],
)
def test_arcs_agree_with_a_render_at_a_twentieth_of_the_step(lat, lon, camera):
    """Arcs crossed in closed form: within 1 % (median) and 8 % (99th percentile) of a reference
    with 1/20 of every step. Measured with the thin curtains and their peaked spectra: median
    0.1-0.5 %, 99th percentile up to 6.4 % at 427.8 nm looking up through the arcs (their light
    sits in a layer ~10 km thick and a piece may climb 1 km of it; 4.2 % at 0.5 km, which costs
    a third more time; 1.2-2.4 % with the broad Maxwellian arcs before)."""
    from norrsken.render.camera import AllSkyCamera, PinholeCamera

    view = (
        AllSkyCamera(64, 64)
        if camera == "allsky"
        else PinholeCamera(96, 54, azimuth_deg=0.0, elevation_deg=8.0, fov_deg=30.0)
    )
    field = emission_field(TIME, lat, lon, structure="arcs")
    basis = enu_basis(lat, lon)
    rays = view.rays_enu() @ basis
    origin = EARTH_RADIUS_KM * basis[2]
    nominal = line_radiance(field, origin, rays)
    reference = line_radiance(field, origin, rays, step_scale=0.05)
    for line in ("427.8", "557.7", "630.0"):
        k = field.lines.index(line)
        lit = np.isfinite(reference[..., k]) & (reference[..., k] > 0.02 * np.nanmax(reference[..., k]))
        error = np.abs(nominal[lit, k] / reference[lit, k] - 1.0)
        assert np.median(error) < 0.01 and np.percentile(error, 99) < 0.08, line
        assert np.nansum(nominal[..., k]) == pytest.approx(np.nansum(reference[..., k]), rel=0.01)


def test_adaptive_image_matches_exact(tromso):
    from norrsken.render.camera import PinholeCamera

    basis = enu_basis(69.65, 18.96)
    rays = PinholeCamera(64, 48, azimuth_deg=0.0, elevation_deg=20.0, fov_deg=60.0).rays_enu() @ basis
    origin = EARTH_RADIUS_KM * basis[2]
    exact = line_radiance_image(tromso, origin, rays, adaptive=False)
    adaptive = line_radiance_image(tromso, origin, rays)
    np.testing.assert_allclose(adaptive, exact, rtol=0.02, atol=1.0)


def test_hierarchical_sampling_matches_exact():
    """Three levels of refinement on a narrow view of the arcs from Oslo (0.0625 deg pixels):
    measured median 0-0.02 % (most pixels interpolate exactly where the sky is dark), 99th
    percentile 4.2 % at 427.8 nm and 14 % at 630.0 nm, where the arcs' thin rays are sharpest
    (1.6-2.6 % before curtains were 1-10 km sheets with 1-2 km rays), sums within 3e-3 of
    tracing every pixel (1.3e-3 at 630.0 nm)."""
    from norrsken.render.camera import PinholeCamera

    basis = enu_basis(59.91, 10.75)
    rays = PinholeCamera(320, 180, azimuth_deg=0.0, elevation_deg=8.0, fov_deg=20.0).rays_enu() @ basis
    origin = EARTH_RADIUS_KM * basis[2]
    field = emission_field(TIME, 59.91, 10.75, structure="arcs")
    assert sampling_levels(rays) == 3
    exact = line_radiance_image(field, origin, rays, adaptive=False)
    sampled = line_radiance_image(field, origin, rays)
    for line in ("427.8", "557.7", "630.0"):
        k = field.lines.index(line)
        lit = exact[..., k] > 0.02 * exact[..., k].max()
        error = np.abs(sampled[lit, k] / exact[lit, k] - 1.0)
        assert np.median(error) < 0.005 and np.percentile(error, 99) < 0.2, line
        assert sampled[..., k].sum() == pytest.approx(exact[..., k].sum(), rel=3e-3)


def test_sampling_levels_follow_the_pixel_size():
    """More levels where pixels are small; one for wide views, where a grid 4 pixels apart would
    already be coarser than the thinnest arcs."""
    from norrsken.render.camera import AllSkyCamera, PinholeCamera

    assert sampling_levels(PinholeCamera(64, 48, azimuth_deg=0.0, elevation_deg=20.0, fov_deg=60.0).rays_enu()) == 1
    assert sampling_levels(AllSkyCamera(1024, 1024).rays_enu()) == 2
    assert sampling_levels(PinholeCamera(1920, 1080, azimuth_deg=0.0, elevation_deg=8.0, fov_deg=30.0).rays_enu()) == MAX_LEVELS
    rays = np.tile([0.0, 0.0, 1.0], (4, 4, 1))
    field = emission_field(TIME, 69.65, 18.96, radius_deg=5.0)
    assert line_radiance_image(field, np.array([0.0, 0.0, 6371.0]), rays, levels=np.int64(2)).shape == (4, 4, 9)
    for bad in (np.zeros((0, 4, 3)), np.zeros((4, 3))):
        with pytest.raises(NorrskenError, match="shape"):
            sampling_levels(bad)
    for levels in (0, MAX_LEVELS + 1, 2.0, True):
        with pytest.raises(NorrskenError, match="levels"):
            line_radiance_image(field, np.array([0.0, 0.0, 6371.0]), rays, levels=levels)


def test_shell_segments():
    r = EARTH_RADIUS_KM
    # Straight up from the ground: one segment, 80 to 500 km.
    count, a0, a1, _, _ = shell_segments(0.0, 0.0, r, 0.0, 0.0, 1.0)
    assert count == 1 and a0 == pytest.approx(80.0) and a1 == pytest.approx(500.0)
    # Straight down from 400 km: from the observer to the bottom of the shell, ground ends it.
    count, a0, a1, _, _ = shell_segments(0.0, 0.0, r + 400.0, 0.0, 0.0, -1.0)
    assert count == 1 and a0 == pytest.approx(0.0) and a1 == pytest.approx(320.0)
    # Horizontal from 400 km (above 80 km everywhere along the tangent): one long chord.
    count, a0, a1, _, _ = shell_segments(0.0, 0.0, r + 400.0, 1.0, 0.0, 0.0)
    assert count == 1 and a0 == 0.0 and a1 == pytest.approx(math.sqrt((r + 500.0) ** 2 - (r + 400.0) ** 2))
    # Tangent point at 50 km: two segments, on either side of the dip below 80 km.
    count, a0, a1, b0, b1 = shell_segments(-3000.0, 0.0, r + 50.0, 1.0, 0.0, 0.0)
    assert count == 2 and a1 < 3000.0 < b0
    # Pointing away above the shell: nothing.
    assert shell_segments(0.0, 0.0, r + 600.0, 0.0, 0.0, 1.0)[0] == 0


def test_nan_rays_give_nan_and_bad_input_is_refused(airglow_only):
    origin, rays = rays_towards_north(0.0, 0.0, np.array([0.0, 30.0]))
    rays[1] = np.nan
    radiance = line_radiance(airglow_only, origin, rays)
    assert np.isfinite(radiance[0]).all() and np.isnan(radiance[1]).all()
    with pytest.raises(NorrskenError, match="unit vectors"):
        line_radiance(airglow_only, origin, 2.0 * rays[:1])
    with pytest.raises(NorrskenError, match="below the ground"):
        line_radiance(airglow_only, 0.5 * origin, rays[:1])
    with pytest.raises(NorrskenError, match="step_scale"):
        line_radiance(airglow_only, origin, rays[:1], step_scale=0.0)


@pytest.mark.parametrize("tolerance", [0.0, -0.1, 0.6])
def test_adaptive_tolerance_is_checked(tolerance):
    field = emission_field("2017-01-18T21:00Z", 69.65, 18.96, radius_deg=5.0)
    rays = np.tile([0.0, 0.0, 1.0], (4, 4, 1))
    with pytest.raises(NorrskenError, match="tolerance"):
        line_radiance_image(field, np.array([0.0, 0.0, 6371.0]), rays, tolerance=tolerance)


def test_a_preview_is_close_to_the_full_render():
    # Measured at 256 x 256 all-sky with arcs: median 1.1 % and 90th percentile 22 % per pixel
    # where the green is above 2 % of its peak (the arcs' 1-2 km rays are at the scale of the
    # preview's every other pixel; 8.7 % with the 8-40 km stripes before), the total within 1 %.
    from norrsken.render.camera import AllSkyCamera

    basis = enu_basis(69.65, 18.96)
    rays = AllSkyCamera(256, 256).rays_enu() @ basis
    origin = EARTH_RADIUS_KM * basis[2]
    field = emission_field(TIME, 69.65, 18.96, structure="arcs")
    full = line_radiance_image(field, origin, rays)[..., field.lines.index("557.7")]
    preview = line_radiance_image(field, origin, rays, preview=True)[..., field.lines.index("557.7")]
    assert np.isnan(preview).sum() == np.isnan(full).sum()  # the same circle
    lit = np.isfinite(full) & (full > 0.02 * np.nanmax(full))
    error = np.abs(preview[lit] / full[lit] - 1.0)
    assert np.median(error) < 0.02 and np.percentile(error, 90) < 0.3
    assert np.nansum(preview) == pytest.approx(np.nansum(full), rel=0.01)


def test_a_preview_cannot_be_exact(tromso):
    from norrsken.render.sky import sky

    with pytest.raises(NorrskenError, match="choose one"):
        sky(TIME, 69.65, 18.96, adaptive=False, preview=True)


def test_the_first_compilation_is_announced(tmp_path, monkeypatch, caplog):
    import logging

    import numba

    from norrsken.render import raymarch

    class Fresh:  # the ray marcher as in a process that has not loaded it yet
        signatures: list = []

    monkeypatch.setattr(raymarch, "_march", Fresh())
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="norrsken"):
        raymarch.announce_compilation()
    assert "compiling the renderer (once per install" in caplog.text
    caplog.clear()
    index = tmp_path / "render_0123" / f"raymarch._march-170.py{sys.version_info[0]}{sys.version_info[1]}.nbi"
    index.parent.mkdir()
    index.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="norrsken"):
        raymarch.announce_compilation()
    assert caplog.text == ""


def test_a_ray_does_not_depend_on_the_rays_traced_before_it():
    # Each thread reuses its scratch (the arcs' offsets) from ray to ray: the same rays in the
    # reverse order give the same radiances, bit for bit.
    from norrsken.render.camera import AllSkyCamera

    field = emission_field(TIME, 69.65, 18.96, structure="arcs")
    basis = enu_basis(69.65, 18.96)
    rays = (AllSkyCamera(48, 48).rays_enu() @ basis).reshape(-1, 3)
    origin = EARTH_RADIUS_KM * basis[2]
    forward = line_radiance(field, origin, rays)
    backward = line_radiance(field, origin, rays[::-1].copy())[::-1]
    np.testing.assert_array_equal(forward, backward)
