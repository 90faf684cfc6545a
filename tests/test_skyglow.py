"""The natural sky's own light (render/skyglow.py): Krisciunas & Schaefer's moonlit sky, the dark
zenith against published values, the van Rhijn brightening, twilight, colour and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from norrsken import color
from norrsken.atmosphere import transmission
from norrsken.emission.lines import LINE_KEYS
from norrsken.ephemeris import SkyBodies, sky_bodies
from norrsken.errors import NorrskenError
from norrsken.field import airglow
from norrsken.render import skyglow

#: Tromsø, 2026-01-01 19:00 UTC: the Moon 43.8 deg high and 96 % lit, the Sun 33 deg down.
MOONLIT = ("2026-01-01T19:00:00Z", 69.65, 18.96)
#: 30 N 0 E, 2026-01-12 00:00 UTC: the Sun 81 deg and the Moon 19 deg below the horizon.
DARK = ("2026-01-12T00:00:00Z", 30.0, 0.0)
#: Tromsø, 2026-01-01 14:20 UTC: the Sun 10 deg below the horizon (nautical twilight).
TWILIGHT = ("2026-01-01T14:20:00Z", 69.65, 18.96)
K_V = 0.2


def _index(name: str) -> int:
    return skyglow.SKY_COMPONENTS.index(name)


def _v_of_cd(luminance_cd: np.ndarray | float) -> np.ndarray:
    return -2.5 * np.log10(np.asarray(luminance_cd) / 1.08e5)


def _ks_moon_v(rho_deg: float, sky_zenith_deg: float, moon_zenith_deg: float, illumination: float) -> float:
    """V mag arcsec^-2 of Krisciunas & Schaefer's (1991, PASP 103, 1033) moonlit sky, eqs. 15-21 and 27."""
    alpha = math.degrees(math.acos(2.0 * illumination - 1.0))
    i_star = 10.0 ** (-0.4 * (3.84 + 0.026 * abs(alpha) + 4e-9 * alpha**4))
    f_rho = 10.0**5.36 * (1.06 + math.cos(math.radians(rho_deg)) ** 2) + 10.0 ** (6.15 - rho_deg / 40.0)

    def x(z_deg: float) -> float:
        return (1.0 - 0.96 * math.sin(math.radians(z_deg)) ** 2) ** -0.5

    b_nl = f_rho * i_star * 10.0 ** (-0.4 * K_V * x(moon_zenith_deg)) * (1.0 - 10.0 ** (-0.4 * K_V * x(sky_zenith_deg)))
    return (20.7233 - math.log(b_nl / 34.08)) / 0.92104


def _direction_at(moon_az: float, moon_el: float, rho_deg: float, elevation_deg: float) -> float:
    """Azimuth (deg) at ``elevation_deg`` that lies ``rho_deg`` from the Moon (spherical law of cosines)."""
    m, e = math.radians(moon_el), math.radians(elevation_deg)
    cos_daz = (math.cos(math.radians(rho_deg)) - math.sin(e) * math.sin(m)) / (math.cos(e) * math.cos(m))
    return moon_az + math.degrees(math.acos(cos_daz))


def test_moonlit_sky_matches_krisciunas_schaefer():
    bodies = sky_bodies(*MOONLIT)
    assert 40.0 < bodies.moon_elevation_deg < 60.0 and bodies.moon_illumination > 0.9
    moon_az, moon_el = float(bodies.moon_azimuth_deg), float(bodies.moon_elevation_deg)
    for rho, elevation in ((30.0, moon_el + 30.0), (30.0, 25.0), (90.0, 20.0), (90.0, 40.0)):
        azimuth = moon_az if elevation == moon_el + 30.0 else _direction_at(moon_az, moon_el, rho, elevation)
        light = skyglow.sky_light(*MOONLIT, np.array([azimuth]), np.array([elevation]), f107_sfu=100.0)[0]
        moon = light[_index("moon_rayleigh")] + light[_index("moon_mie")]
        expected = _ks_moon_v(rho, 90.0 - elevation, 90.0 - moon_el, float(bodies.moon_illumination))
        assert abs(float(_v_of_cd(moon)) - expected) < 0.3, (rho, elevation)
        # the Moon's light is the sky's brightness there: the rest is under 10 %
        assert light.sum() - moon < 0.1 * light.sum()


def test_moonlit_sky_against_a_published_value(monkeypatch):
    # specsim's documented example of K&S: observation at Z = 20 deg, Moon at Z = 70 deg, 50 deg apart,
    # phase angle 45 deg, k = 0.15: 19.855 mag arcsec^-2 (specsim.atmosphere.krisciunas_schaefer)
    illumination = 0.5 * (1.0 + math.cos(math.radians(45.0)))
    monkeypatch.setattr(skyglow, "sky_bodies", lambda *_: SkyBodies(-40.0, 180.0, 20.0, 0.0, illumination))
    light = skyglow.sky_light(*DARK, np.array([0.0]), np.array([70.0]), f107_sfu=100.0, extinction_v_mag=0.15)[0]
    moon = light[_index("moon_rayleigh")] + light[_index("moon_mie")]
    assert float(_v_of_cd(moon)) == pytest.approx(19.855, abs=0.01)


def test_moonlit_sky_is_blue():
    bodies = sky_bodies(*MOONLIT)
    azimuths = np.array([float(bodies.moon_azimuth_deg) + 180.0, 0.0, 90.0])
    light = skyglow.sky_light(*MOONLIT, azimuths, np.array([45.0, 90.0, 30.0]), f107_sfu=100.0)
    exposure = color.CameraExposure(iso=1600, f_number=2.8, exposure_s=8.0)
    rgb = color.line_radiance_to_display(
        np.zeros((3, 1)), ("557.7",), exposure, continuum_cd=light, continua=skyglow.SKY_COMPONENTS
    )
    assert np.all(rgb[:, 2] > rgb[:, 0] + 0.02)
    # the Rayleigh term alone is bluer than the aerosols' near the Moon
    camera = color.line_radiance_to_display(
        np.zeros((2, 1)), ("557.7",), exposure, continuum_cd=np.array([[1e-3, 0.0], [0.0, 1e-3]]),
        continua=("moon_rayleigh", "moon_mie"),
    )
    assert camera[0, 2] - camera[0, 0] > camera[1, 2] - camera[1, 0] + 0.05


def test_moonlit_sky_fades_below_the_horizon():
    def common(moon_el: float) -> float:
        bodies = SkyBodies(-40.0, 0.0, moon_el, 180.0, 1.0)
        return skyglow._moon_cd_per_ks(bodies, K_V)

    assert common(-2.5) == 0.0 and common(-2.0) == 0.0
    # smoothstep over the last 2 deg, with K&S's extinction frozen at Z_m = 90 deg
    assert common(-1.0) == pytest.approx(0.5 * common(0.0), rel=1e-12)
    assert common(-1.5) < common(-1.0) < common(-0.5) < common(0.0) < common(1.0)
    light = skyglow.sky_light(*DARK, np.array([0.0, 90.0]), np.array([90.0, 10.0]), f107_sfu=75.0)
    assert np.all(light[:, [_index("moon_rayleigh"), _index("moon_mie")]] == 0.0)


def test_dark_site_zenith_against_published_values():
    low = {f: skyglow.zenith_brightness(*DARK, f107_sfu=f)["v_mag_arcsec2"] for f in (70.0, 75.0, 80.0)}
    assert all(21.5 <= v <= 22.0 for v in low.values()), low  # 21.86-21.90 measured
    fluxes = (60.0, 100.0, 150.0, 200.0, 250.0)
    cycle = {f: skyglow.zenith_brightness(*DARK, f107_sfu=f)["v_mag_arcsec2"] for f in fluxes}
    assert all(21.3 <= v <= 22.2 for v in cycle.values()), cycle  # 21.94 at 60 to 21.33 at 250
    assert list(cycle.values()) == sorted(cycle.values(), reverse=True)
    # solar maximum against minimum: 0.44 mag here; 0.4-0.5 mag measured (Walker 1988, Benn & Ellison 1998)
    assert 0.35 < low[70.0] - cycle[200.0] < 0.55


def test_zenith_parts_add_up_and_count_the_field_lines():
    result = skyglow.zenith_brightness(*DARK, f107_sfu=120.0)
    parts = result["parts_cd"]
    assert set(parts) == {*skyglow.SKY_COMPONENTS, "557.7", "630.0", "636.4"}
    scale = airglow.nightglow_scale(120.0)
    assert scale == pytest.approx(1.22)
    # 557.7 nm: 250 R times the scale, 683 lm/W x ybar(557.7) = 0.9953 (CIE 1931) x h c / lambda x 1e10 / 4 pi
    photon_j = 6.62607015e-34 * 299_792_458.0 / 557.855e-9
    assert parts["557.7"] == pytest.approx(250.0 * scale * 683.0 * 0.9953 * photon_j * 1e10 / (4 * math.pi), rel=0.01)
    assert parts["636.4"] == pytest.approx(parts["630.0"] * 1.85 / 5.85 * 0.0353 / 0.0454, rel=0.15)
    total = sum(parts.values())
    assert result["luminance_cd"] == pytest.approx(total, rel=1e-12)
    assert result["v_mag_arcsec2"] == pytest.approx(float(_v_of_cd(total)), abs=1e-9)
    assert parts["twilight"] == 0.0 and parts["moon_rayleigh"] == 0.0
    # starlight and zodiacal light: 75 S10 (V 27.78 mag arcsec^-2 each)
    assert parts["starlight"] == pytest.approx(75 * 1.08e5 * 10 ** (-0.4 * 27.78), rel=1e-3)


@pytest.mark.parametrize("name", ["airglow_continuum", "oh_meinel", "sodium_d", "o2_herzberg"])
def test_van_rhijn_brightening_of_a_layer(name):
    _, height, _, wavelength = next(layer for layer in skyglow.AIRGLOW_SPECTRA if layer[0] == name)
    elevations = np.array([2.0, 5.0, 10.0, 20.0, 45.0, 70.0, 90.0])
    light = skyglow.sky_light(*DARK, np.full(elevations.shape, 123.0), elevations, f107_sfu=90.0)[:, _index(name)]
    z = np.radians(90.0 - elevations)
    van_rhijn = (1.0 - (6371.0 / (6371.0 + height)) ** 2 * np.sin(z) ** 2) ** -0.5
    k = K_V * (wavelength / 551.0) ** -3
    expected = van_rhijn * transmission(elevations, k) / transmission(90.0, k)
    np.testing.assert_allclose(light / light[-1], expected, rtol=0.02)
    assert light.max() > 1.2 * light[-1] or name == "o2_herzberg"  # brighter low, unless extinction wins


def test_diffuse_light_is_only_dimmed():
    elevations = np.array([5.0, 30.0, 90.0])
    light = skyglow.sky_light(*DARK, np.zeros(3), elevations, f107_sfu=90.0)[:, _index("starlight")]
    np.testing.assert_allclose(light / light[-1], transmission(elevations, K_V) / transmission(90.0, K_V), rtol=0.005)


def test_twilight_zenith_is_monotone_and_ends():
    suns = np.arange(-20.0, -4.0, 0.05)
    zenith = np.array([skyglow.twilight_zenith_cd(s) for s in suns])
    assert np.all(np.diff(zenith) >= 0.0)
    assert np.all(np.diff(zenith[zenith > 0]) > 0.0)
    assert np.all(zenith[suns < -18.0] == 0.0) and zenith[suns > -15.0].min() > 0.0
    # Patat et al. (2006): V = 11.84 + 1.518 (zeta - 95) - 0.057 (zeta - 95)^2, less the night's 21.6
    for sun in (-6.0, -10.0, -14.0):
        d = -sun - 5.0
        v_total = 11.84 + 1.518 * d - 0.057 * d * d
        expected = 1.08e5 * (10 ** (-0.4 * v_total) - 10 ** (-0.4 * 21.6))
        assert skyglow.twilight_zenith_cd(sun) == pytest.approx(expected, rel=1e-9)
    assert 18.0 < float(_v_of_cd(skyglow.twilight_zenith_cd(-10.0))) < 18.1


def test_twilight_sky_brighter_toward_the_sun_and_the_horizon():
    bodies = sky_bodies(*TWILIGHT)
    assert -12.0 < bodies.sun_elevation_deg < -8.0
    sun_az = float(bodies.sun_azimuth_deg)
    azimuths = np.array([sun_az, sun_az + 90.0, sun_az + 180.0, sun_az, 0.0])
    elevations = np.array([10.0, 10.0, 10.0, 40.0, 90.0])
    twilight = skyglow.sky_light(*TWILIGHT, azimuths, elevations, f107_sfu=100.0)[:, _index("twilight")]
    assert twilight[0] > twilight[1] > twilight[2] > twilight[4] > 0.0
    assert twilight[0] > twilight[3] > twilight[4]
    assert twilight[4] == pytest.approx(skyglow.twilight_zenith_cd(float(bodies.sun_elevation_deg)), rel=1e-5)
    dark = skyglow.sky_light(*DARK, azimuths, elevations, f107_sfu=100.0)[:, _index("twilight")]
    assert np.all(dark == 0.0)


def test_twilight_is_blue():
    exposure = color.CameraExposure(iso=800, f_number=2.8, exposure_s=1.0)
    rgb = color.line_radiance_to_display(
        np.zeros((1, 1)), ("557.7",), exposure, continuum_cd=np.array([[1e-3]]), continua=("twilight",)
    )
    assert rgb[0, 2] > rgb[0, 1] > rgb[0, 0]


def test_no_sky_gives_zero_and_shapes_are_kept():
    azimuths = np.array([[10.0, np.nan, 200.0], [30.0, 40.0, 50.0]])
    elevations = np.array([[-0.5, 30.0, np.nan], [-90.0, 0.0, 45.0]])
    light = skyglow.sky_light(*MOONLIT, azimuths, elevations, f107_sfu=100.0)
    assert light.shape == (2, 3, len(skyglow.SKY_COMPONENTS)) and light.dtype == np.float32
    assert np.all(light[0, :] == 0.0) and np.all(light[1, 0] == 0.0)
    # the Sun is 33 deg down: every component but the twilight lights the sky
    assert np.all(light[1, 1:, : _index("twilight")] > 0.0) and np.all(light[..., _index("twilight")] == 0.0)


@settings(max_examples=40, deadline=None)
@given(
    azimuth=st.floats(-720.0, 720.0, allow_nan=False),
    elevation=st.floats(0.0, 90.0, allow_nan=False),
)
def test_sky_light_is_finite_and_periodic_in_azimuth(azimuth, elevation):
    azimuths, elevations = np.array([azimuth, azimuth + 360.0]), np.array([elevation, elevation])
    light = skyglow.sky_light(*TWILIGHT, azimuths, elevations, f107_sfu=150.0)
    assert np.all(np.isfinite(light)) and np.all(light >= 0.0)
    np.testing.assert_allclose(light[0], light[1], rtol=1e-3)


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [({"lat": 95.0}, "lat"), ({"f107_sfu": 10.0}, "f107_sfu"), ({"extinction_v_mag": -0.1}, "extinction_v_mag"),
     ({"altitude_km": 50.0}, "altitude_km"), ({"f107_sfu": math.nan}, "f107_sfu")],
)
def test_bad_input_is_refused(changes, parameter):
    arguments = {"lat": 60.0, "lon": 10.0, "f107_sfu": 100.0, "extinction_v_mag": 0.2, "altitude_km": 0.0, **changes}
    lat, lon = arguments.pop("lat"), arguments.pop("lon")
    with pytest.raises(NorrskenError) as error:
        skyglow.sky_light(DARK[0], lat, lon, np.zeros(2), np.full(2, 45.0), **arguments)
    assert error.value.parameter == parameter
    with pytest.raises(NorrskenError):
        skyglow.zenith_brightness(DARK[0], lat, lon, **arguments)


def test_nightglow_scale_and_airglow_profile():
    assert airglow.nightglow_scale(80.0) == 1.0
    assert airglow.nightglow_scale(200.0) == pytest.approx(1.66)
    n = len(LINE_KEYS)
    basis, factor = np.arange(n), np.ones(n)
    plain = airglow.airglow_profile(True, basis, factor, n)
    scaled = airglow.airglow_profile(True, basis, factor, n, scale=airglow.nightglow_scale(200.0))
    np.testing.assert_allclose(scaled["airglow"], 1.66 * plain["airglow"], rtol=1e-6, atol=1e-30)
    np.testing.assert_array_equal(scaled["airglow_bands"], plain["airglow_bands"])
    with pytest.raises(NorrskenError):
        airglow.airglow_profile(True, basis, factor, n, scale=-1.0)


def test_airglow_spectra_luminance():
    # Na D: 683 lm/W x ybar(589.3) = 0.7653 (CIE 1931, between 585 and 590 nm) x photon energy x 1e10 / 4 pi
    photon_j = 6.62607015e-34 * 299_792_458.0 / 589.46e-9
    expected = 683.0 * 0.7653 * photon_j * 1e10 / (4 * math.pi)
    assert color.airglow_cd_per_rayleigh("sodium_d") == pytest.approx(expected, rel=0.02)
    # the pseudo-continuum, 1 R/nm: integral of ybar is 106.86 nm (CIE 1931), at ~555 nm photons
    flat = 683.0 * 106.86 * 6.62607015e-34 * 299_792_458.0 / 555e-9 * 1e10 / (4 * math.pi)
    assert color.airglow_cd_per_rayleigh("airglow_continuum") == pytest.approx(flat, rel=0.03)
    with pytest.raises(NorrskenError):
        color.airglow_cd_per_rayleigh("starlight")


def test_camera_without_ir_cut_sees_the_red_oh_bands():
    # without its IR cut a camera records the red OH bands (6-1 to 9-4) that the stock one cuts
    light = np.array([[1e-5]])
    with_cut = color.line_radiance_to_display(
        np.zeros((1, 1)), ("557.7",), color.CameraExposure(iso=3200, f_number=2.0, exposure_s=30.0),
        continuum_cd=light, continua=("oh_meinel",),
    )
    without = color.line_radiance_to_display(
        np.zeros((1, 1)), ("557.7",), color.CameraExposure(iso=3200, f_number=2.0, exposure_s=30.0, ir_cut=False),
        continuum_cd=light, continua=("oh_meinel",),
    )
    assert without[0, 0] > 1.5 * with_cut[0, 0]
