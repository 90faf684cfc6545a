"""Colour: per-Rayleigh photometry against physics.md 9.1, hues, tone mapping, eye versus camera, bad input."""

import colorsys

import colour
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from norrsken.color import (
    SKY_LUMINANCE_CD,
    CameraExposure,
    EyeExposure,
    line_radiance_to_display,
    scotopic_per_rayleigh,
    to_uint8,
    xyz_per_rayleigh,
)
from norrsken.emission.lines import LINE_KEYS, N2_1PG_BANDS_NM, line_index
from norrsken.errors import NorrskenError

CAMERA = CameraExposure()  # ISO 3200, f/2.8, 8 s: a typical aurora exposure
EYE = EyeExposure()
EXPOSURES = st.one_of(
    st.builds(
        CameraExposure,
        iso=st.floats(50, 409600),
        f_number=st.floats(0.7, 32),
        exposure_s=st.floats(1e-4, 3600),
        ir_cut=st.booleans(),
    ),
    st.just(EYE),
)


def _only(key: str, rayleigh: float) -> np.ndarray:
    radiance = np.zeros(len(LINE_KEYS))
    radiance[line_index(key)] = rayleigh
    return radiance


def _display(key: str, rayleigh: float, exposure=CAMERA) -> np.ndarray:
    return line_radiance_to_display(_only(key, rayleigh), LINE_KEYS, exposure)


def _hsv(rgb: np.ndarray) -> tuple[float, float, float]:
    hue, saturation, value = colorsys.rgb_to_hsv(*map(float, rgb))
    return hue * 360.0, saturation, value


def _decode(display: np.ndarray) -> np.ndarray:
    """Linear values of display sRGB (IEC 61966-2-1), independent of the module under test."""
    display = np.asarray(display, dtype=float)
    return np.where(display <= 0.04045, display / 12.92, ((display + 0.055) / 1.055) ** 2.4)


# --- per-Rayleigh photometry (physics.md 9.1) ---


@pytest.mark.parametrize(("key", "y_per_r"), [("427.8", 2.42e-9), ("557.7", 1.93e-7), ("630.0", 4.54e-8)])
def test_luminance_per_rayleigh_matches_table(key, y_per_r):
    y = xyz_per_rayleigh([key])[0, 1]
    assert y == pytest.approx(y_per_r, rel=0.02)


@pytest.mark.parametrize(("key", "xy"), [("557.7", (0.357, 0.640)), ("630.0", (0.708, 0.292))])
def test_chromaticity_matches_table(key, xy):
    x_, y_, z_ = xyz_per_rayleigh([key])[0]
    assert (x_ / (x_ + y_ + z_), y_ / (x_ + y_ + z_)) == pytest.approx(xy, abs=0.002)


def test_radiance_per_rayleigh_uses_vacuum_photon_energy():
    # physics.md 9.1: 1 R of 557.7 nm is 2.83e-10 W m^-2 sr^-1, hc / lambda taken at the vacuum
    # wavelength, 1.000278 times the air one at 557.7 nm (Edlen 1966).
    ybar = colour.wavelength_to_XYZ(557.7, colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"])[1]
    radiance = xyz_per_rayleigh(["557.7"])[0, 1] / (683.0 * ybar)
    assert radiance == pytest.approx(2.83e-10, rel=0.005)
    at_air_wavelength = 1e10 / (4 * np.pi) * 6.62607015e-34 * 299792458.0 / 557.7e-9
    assert radiance == pytest.approx(at_air_wavelength / 1.000278, rel=1e-5)


def test_scotopic_per_rayleigh_matches_table():
    assert scotopic_per_rayleigh(["557.7"])[0] == pytest.approx(1.74e-7, rel=0.03)
    # Rods barely see the red line: 1.42e-9 per R, 120 times less than the green line.
    assert scotopic_per_rayleigh(["630.0"])[0] == pytest.approx(1.42e-9, rel=0.03)


def test_lines_outside_the_cmf_domain_give_zero():
    assert np.all(xyz_per_rayleigh(["844.6"]) == 0.0)
    assert np.all(scotopic_per_rayleigh(["844.6"]) == 0.0)
    # 777.4 lies inside the domain: tiny but not zero.
    assert 0.0 < xyz_per_rayleigh(["777.4"])[0, 1] < 1e-11


def test_band_is_the_mean_of_its_components():
    # Independent check with colour: equal-weight mean over the N2 1PG Delta v = 3 component bands,
    # with photon energies at the vacuum wavelength (air * 1.000277 in the red, Edlen).
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]
    planck_c = 6.62607015e-34 * 299792458.0
    expected = np.mean(
        [683.0 * 1e10 / (4 * np.pi) * planck_c / (nm * 1.000277e-9) * colour.wavelength_to_XYZ(nm, cmfs)
         for nm in N2_1PG_BANDS_NM],
        axis=0,
    )
    band = xyz_per_rayleigh(["670.0"])[0]
    assert band == pytest.approx(expected, rel=1e-4)
    single = 683.0 * 1e10 / (4 * np.pi) * planck_c / 670.185e-9 * colour.wavelength_to_XYZ(670.0, cmfs)
    assert band[1] > 1.5 * single[1]  # not just the representative wavelength


def test_tables_follow_the_key_order_and_are_copies():
    table = xyz_per_rayleigh()
    assert table.shape == (len(LINE_KEYS), 3)
    assert np.array_equal(xyz_per_rayleigh(["630.0", "557.7"]), table[[line_index("630.0"), line_index("557.7")]])
    table[:] = -1.0
    assert np.all(xyz_per_rayleigh() >= 0.0)


# --- hues for the camera at a mid exposure ---


@pytest.mark.parametrize(
    ("key", "rayleigh", "hue_range"),
    [("557.7", 3e3, (100.0, 150.0)), ("427.8", 1e5, (230.0, 290.0)), ("470.9", 1e4, (200.0, 240.0))],
)
def test_camera_hues(key, rayleigh, hue_range):
    rgb = _display(key, rayleigh)
    assert rgb.max() < 0.9  # below the shoulder: nothing saturates
    hue, saturation, value = _hsv(rgb)
    assert hue_range[0] <= hue <= hue_range[1]
    assert saturation > 0.8 and value > 0.05


def test_camera_red_line_is_red():
    rgb = _display("630.0", 1e4)
    assert rgb.max() < 0.9
    hue, saturation, _ = _hsv(rgb)
    assert hue < 20.0 or hue > 340.0
    assert saturation > 0.8


# --- brightness and hue under scaling ---


@given(
    key=st.sampled_from(["427.8", "557.7", "630.0"]),
    low=st.floats(1e2, 1e7),
    factor=st.floats(1.05, 1e3),
)
def test_brightness_rises_and_hue_holds_as_radiance_scales(key, low, factor):
    dim, bright = (_decode(_display(key, rayleigh)) for rayleigh in (low, low * factor))
    luma = np.array([0.2126, 0.7152, 0.0722])
    assert bright @ luma > dim @ luma or bright.max() > 0.995  # rises until it saturates
    # Desaturation and shoulder move along lines through grey and scale channels alike: the hue of
    # the linear values stays put (the sRGB curve alone would bend it).
    assert _hsv(bright)[0] == pytest.approx(_hsv(dim)[0], abs=0.5)


@pytest.mark.parametrize(("key", "rayleigh"), [("427.8", 1e10), ("470.9", 1e9), ("557.7", 1e8), ("630.0", 1e9)])
def test_gamut_mapping_keeps_the_colorimetric_hue(key, rayleigh):
    # In daylight-bright light (photopic, > 5 cd m^-2) the eye shows the CIE colour. Every single line
    # lies outside sRGB; desaturating toward grey keeps the hue of the unbounded linear sRGB values
    # (clipping the negative channel would shift it by about 6 degrees).
    unbounded = colour.XYZ_to_sRGB(xyz_per_rayleigh([key])[0] * rayleigh, apply_cctf_encoding=False)
    assert unbounded.min() < 0.0
    shown = _decode(_display(key, rayleigh, EYE))
    assert _hsv(shown)[0] == pytest.approx(_hsv(unbounded)[0], abs=1.0)
    assert shown.min() >= 0.0 and shown.max() > 0.5


@pytest.mark.parametrize("exposure", [CAMERA, EYE])
def test_brightness_saturates_to_a_bounded_value(exposure):
    peaks = [_display("557.7", rayleigh, exposure).max() for rayleigh in 10.0 ** np.arange(5, 12)]
    assert np.all(np.diff(peaks) >= 0.0)
    assert peaks[-1] - peaks[-3] < 0.01  # levelled off
    assert 0.95 <= peaks[-1] <= 1.0


# --- properties of the whole mapping ---


@given(
    radiance=arrays(np.float64, (4, len(LINE_KEYS)), elements=st.floats(0.0, 1e9)),
    exposure=EXPOSURES,
    background=st.booleans(),
)
def test_any_valid_radiance_gives_display_values_in_range(radiance, exposure, background):
    rgb = line_radiance_to_display(radiance, LINE_KEYS, exposure, background=background)
    assert rgb.shape == (4, 3) and rgb.dtype == np.float32
    assert np.all(np.isfinite(rgb)) and np.all(rgb >= 0.0) and np.all(rgb <= 1.0)


@given(exposure=EXPOSURES)
def test_darkness_is_black_and_the_sky_is_not(exposure):
    dark = np.zeros((2, len(LINE_KEYS)))
    assert np.all(line_radiance_to_display(dark, LINE_KEYS, exposure) == 0.0)
    assert np.all(line_radiance_to_display(dark, LINE_KEYS, exposure, background=True) > 0.0)


def test_shape_follows_the_input():
    rgb = line_radiance_to_display(np.ones((2, 5, 2)), ["557.7", "630.0"], CAMERA)
    assert rgb.shape == (2, 5, 3)
    assert line_radiance_to_display(_only("557.7", 1e3), LINE_KEYS, EYE).shape == (3,)


def test_camera_exposure_follows_iso_12232():
    # The sky background is a neutral D65 continuum: its linear value is 0.65 L t S / (78 N^2).
    exposure = CameraExposure(iso=6400, f_number=2.0, exposure_s=10.0)
    assert exposure.linear_per_cd_m2 == pytest.approx(0.65 * 10.0 * 6400 / (78.0 * 4.0))
    sky = _decode(line_radiance_to_display(np.zeros(len(LINE_KEYS)), LINE_KEYS, exposure, background=True))
    assert sky == pytest.approx(np.full(3, SKY_LUMINANCE_CD * exposure.linear_per_cd_m2), rel=1e-3)
    assert SKY_LUMINANCE_CD == pytest.approx(1.7e-4, rel=0.02)  # 22.0 mag arcsec^-2


# --- eye versus camera ---


def test_faint_red_is_seen_by_the_camera_not_the_eye():
    eye_hue, eye_saturation, eye_value = _hsv(_display("630.0", 3e3, EYE))
    camera_hue, camera_saturation, camera_value = _hsv(_display("630.0", 3e3, CAMERA))
    assert eye_value < 0.03 and eye_saturation < 0.05
    assert camera_value > 0.1 and camera_saturation > 0.8
    assert camera_value > 10 * eye_value


def test_eye_sees_colour_only_in_bright_aurora():
    assert _hsv(_display("557.7", 1e3, EYE))[1] < 0.01  # IBC I: scotopic, grey
    hue, saturation, _ = _hsv(_display("557.7", 1e5, EYE))  # IBC III: mesopic, some colour
    assert 70.0 <= hue <= 160.0 and saturation > 0.08


def test_eye_brightness_follows_the_ibc_scale():
    values = {kr: _display("557.7", kr * 1e3, EYE).max() for kr in (0.1, 1, 10, 100, 1000)}
    assert values[0.1] < 0.04  # at or below threshold
    assert 0.06 < values[1] < 0.2  # faint but visible
    assert 0.2 < values[10] < 0.5  # clearly visible
    assert 0.5 < values[100] < 0.85  # bright
    assert values[1000] > 0.9 and _display("557.7", 1e6, EYE).min() > 0.5  # near white, not pure green


# --- IR-cut filter ---


@pytest.mark.parametrize("key", ["777.4", "844.6"])
def test_ir_cut_filter_hides_the_infrared_lines(key):
    assert _display(key, 1e4, CameraExposure(ir_cut=False)).max() > 0.1
    assert _display(key, 1e4, CameraExposure(ir_cut=True)).max() < 0.002


def test_without_ir_cut_the_camera_sees_more_of_the_n2_band():
    with_filter = _decode(_display("670.0", 1e4, CameraExposure(ir_cut=True))).max()
    assert _decode(_display("670.0", 1e4, CameraExposure(ir_cut=False))).max() > 2 * with_filter


# --- bad input ---


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(iso=-100), "iso"),
        (dict(iso=float("nan")), "iso"),
        (dict(iso=True), "iso"),
        (dict(f_number=64), "f_number"),
        (dict(exposure_s=0.0), "exposure_s"),
        (dict(exposure_s="8"), "exposure_s"),
        (dict(ir_cut="yes"), "ir_cut"),
    ],
)
def test_bad_camera_settings_are_refused(kwargs, name):
    with pytest.raises(NorrskenError, match=name):
        CameraExposure(**kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
def test_bad_radiance_is_refused(bad):
    radiance = np.ones((3, len(LINE_KEYS)))
    radiance[1, 2] = bad
    with pytest.raises(NorrskenError, match="finite and non-negative"):
        line_radiance_to_display(radiance, LINE_KEYS, CAMERA)


@pytest.mark.parametrize("radiance", [np.ones((4, 3)), np.float64(1.0)])
def test_wrong_line_axis_is_refused(radiance):
    with pytest.raises(NorrskenError, match="last axis"):
        line_radiance_to_display(radiance, LINE_KEYS, EYE)


@pytest.mark.parametrize("keys", [["557.7", "555.5"], "557.7", []])
def test_bad_line_keys_are_refused(keys):
    with pytest.raises(NorrskenError):
        xyz_per_rayleigh(keys)
    with pytest.raises(NorrskenError):
        line_radiance_to_display(np.ones(len(keys)), keys, CAMERA)


def test_unknown_exposure_is_refused():
    with pytest.raises(NorrskenError, match="CameraExposure or an EyeExposure"):
        line_radiance_to_display(np.ones(len(LINE_KEYS)), LINE_KEYS, "camera")


def test_to_uint8():
    assert to_uint8(np.array([0.0, 0.5, 1.0, 1.2, -0.1])).tolist() == [0, 128, 255, 255, 0]
    assert to_uint8(_display("557.7", 1e4)).dtype == np.uint8
    with pytest.raises(NorrskenError):
        to_uint8(np.array([np.nan]))


def test_the_packaged_colour_tables_are_colour_science_s():
    # norrsken.color reads the CIE/ISO tables from src/norrsken/data/colour-tables.npz so that a
    # picture need not import colour-science; they must stay what colour-science gives (else:
    # python tools/make_colour_tables.py).
    import importlib.util
    import sys
    from pathlib import Path

    import norrsken.color as color

    path = Path(__file__).resolve().parents[1] / "tools" / "make_colour_tables.py"
    spec = importlib.util.spec_from_file_location("make_colour_tables", path)
    tool = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_colour_tables", tool)
    spec.loader.exec_module(tool)
    expected = tool.tables()
    assert set(expected) == set(color._TABLES) - {"colour_science_version"}
    for key, value in expected.items():
        np.testing.assert_allclose(color._TABLES[key], value, rtol=1e-12, atol=0.0, err_msg=key)
    assert float(colour.constants.CONSTANT_K_M) == color.K_M
    assert float(colour.constants.CONSTANT_KP_M) == color.K_PRIME_M


@pytest.mark.parametrize("kelvin", [1000.0, 4100.0, 6500.0, 50000.0])
def test_planckian_continua_are_colour_science_s_blackbody(kelvin):
    # Our Planck spectrum is normalised to 1 cd m^-2, so colour-science's (absolute) one must match
    # after the same normalisation.
    import norrsken.color as color

    ours = color._spectrum_on_grid(f"planck:{kelvin:g}")
    theirs = colour.sd_blackbody(kelvin, colour.SpectralShape(380.0, 780.0, 5.0)).values
    theirs = theirs / (color.K_M * np.sum(theirs * color._CMFS_GRID[:, 1]) * 5.0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


# --- the sensor: electrons and noise (norrsken.sensor) ---


def _photons_per_lux_s_d65() -> tuple[np.ndarray, np.ndarray]:
    """Wavelengths (nm) and photons m^-2 nm^-1 of 1 lux s of CIE D65, on a 1 nm grid from
    colour-science's tables (not the 5 nm grid of the module)."""
    shape = colour.SpectralShape(380.0, 780.0, 1.0)
    d65 = colour.SDS_ILLUMINANTS["D65"].copy().align(shape).values
    ybar = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape).values[:, 1]
    nm = shape.wavelengths
    watts = d65 / (683.0 * np.sum(d65 * ybar))  # W m^-2 nm^-1 of 1 lux
    return nm, watts / (6.62607015e-34 * 299_792_458.0 / (nm * 1e-9))


@pytest.mark.parametrize("iso", [800.0, 3200.0])
def test_saturation_electrons_follow_iso_12232_and_the_pixel(iso):
    """1.0 of a raw channel holds the electrons of H_sat = 78 / S lux s of D65 in one pixel through
    the channel's absolute QE: computed here on a 1 nm grid with colour-science's D65 and CMFs."""
    from norrsken import sensor

    nm, photons = _photons_per_lux_s_d65()
    qe = 0.5 * sensor.response(nm, ir_cut=True) / sensor.RESPONSE_PEAK
    expected = 78.0 / iso * (5.9e-6) ** 2 * (photons @ qe)
    exposure = CameraExposure(iso=iso, f_number=1.4, exposure_s=0.5)
    np.testing.assert_allclose(exposure.saturation_electrons, expected, rtol=0.01)
    # The figures of the docstring and docs/camera.md, ISO 3200: 978 (R), 1587 (G), 1080 (B) e-.
    if iso == 3200.0:
        np.testing.assert_allclose(exposure.saturation_electrons, [978.0, 1587.0, 1080.0], rtol=2e-3)
    # The relative responses peak in the blue dye (460 nm); the absolute QE there is the parameter,
    # and the electrons scale with the pixel's area and the QE.
    assert sensor.RESPONSE_PEAK == pytest.approx(float(sensor.response(460.0, ir_cut=False)[2]), rel=1e-3)
    smaller = CameraExposure(iso=iso, pixel_pitch_um=2.95, quantum_efficiency=0.25).saturation_electrons
    np.testing.assert_allclose(smaller, exposure.saturation_electrons / 8.0, rtol=1e-12)


def _flat_d65(linear: float, exposure: CameraExposure, side: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A uniform field of D65 light whose white-balanced raw value is ``linear`` in every channel."""
    luminance = linear / exposure.linear_per_cd_m2
    return np.zeros((side, side, 1)), np.full((side, side, 1), luminance)


def test_flat_field_noise_is_poisson_plus_read_noise_through_the_colour_matrix():
    """Per pixel and channel: raw variance (e + read^2) / N_sat^2 with e = raw N_sat electrons;
    linear sRGB = M raw, so var_i = sum_c M_ic^2 var_c. Compared in linear light (the sRGB
    encoding inverted, well below the shoulder and with no channel near 0)."""
    from norrsken.color import _camera_profile

    exposure = CameraExposure()  # ISO 3200, f/2.8, 8 s, read noise 1.5 e-
    matrix = _camera_profile()[1]
    for level in (0.2, 0.5):
        lines, continuum = _flat_d65(level, exposure)
        display = line_radiance_to_display(
            lines, ["557.7"], exposure, continuum_cd=continuum, continua=["daylight"], noise_seed=11
        )
        linear = _decode(display).reshape(-1, 3)
        electrons = level * np.array([978.0, 1587.0, 1080.0])  # the figures checked above
        raw_variance = (electrons + 1.5**2) / np.array([978.0, 1587.0, 1080.0]) ** 2
        expected = np.sqrt(matrix**2 @ raw_variance)
        assert linear.min() > 0.0 and linear.max() < 0.8  # untouched by gamut map and shoulder
        np.testing.assert_allclose(linear.mean(axis=0), level, rtol=0.005)
        np.testing.assert_allclose(linear.std(axis=0), expected, rtol=0.03)
        # Channel mixing matters: the colour matrix makes the noise larger than the raw's.
        assert np.all(expected > np.sqrt(raw_variance).min())


def test_the_seed_fixes_the_frame():
    exposure = CameraExposure()
    lines, continuum = _flat_d65(0.2, exposure, side=64)
    kwargs = dict(continuum_cd=continuum, continua=["daylight"])
    first = line_radiance_to_display(lines, ["557.7"], exposure, noise_seed=5, **kwargs)
    again = line_radiance_to_display(lines, ["557.7"], exposure, noise_seed=5, **kwargs)
    other = line_radiance_to_display(lines, ["557.7"], exposure, noise_seed=6, **kwargs)
    assert np.array_equal(first, again)
    assert np.mean(first != other) > 0.9


def test_without_noise_or_seed_the_frame_is_bitwise_the_noise_free_one():
    # Values of the noise-free pipeline before the sensor model existed (the commit before it).
    radiance = np.array([[0.0, 0.0], [2e3, 500.0], [4e4, 3e3]])
    continuum = np.array([[1e-3], [0.0], [2e-2]])
    kwargs = dict(background=True, continuum_cd=continuum, continua=["sodium"])
    before = np.array(
        [
            [0.2995702922344208, 0.15619948506355286, 0.0597238764166832],
            [0.06653960794210434, 0.1342567503452301, 0.017210498452186584],
            [0.9733900427818298, 0.6834317445755005, 0.0],
        ],
        dtype=np.float32,
    )
    keys = ["557.7", "630.0"]
    assert np.array_equal(line_radiance_to_display(radiance, keys, CAMERA, **kwargs), before)
    quiet = CameraExposure(noise=False)
    assert np.array_equal(line_radiance_to_display(radiance, keys, quiet, noise_seed=3, **kwargs), before)
    assert not np.array_equal(line_radiance_to_display(radiance, keys, CAMERA, noise_seed=3, **kwargs), before)


def test_the_eye_ignores_the_seed():
    radiance = np.random.default_rng(0).uniform(0.0, 3e4, size=(32, 32, len(LINE_KEYS)))
    clean = line_radiance_to_display(radiance, LINE_KEYS, EYE, background=True)
    assert np.array_equal(line_radiance_to_display(radiance, LINE_KEYS, EYE, background=True, noise_seed=9), clean)


def test_shot_noise_dominates_a_bright_field_and_read_noise_a_dark_one():
    """The sensor's noise on raw values directly: std = sqrt(e + read^2 + dark) electrons."""
    from norrsken import sensor

    saturation = np.array([1000.0, 2000.0, 1000.0])

    def std_e(electrons: float, read: float, dark: float = 0.0) -> np.ndarray:
        raw = np.full((3, 200_000), np.float32(electrons / 1000.0))
        raw[1] *= 0.5  # the same electrons in the green channel, which holds twice as many
        sensor.add_noise(raw, saturation, read, dark, seed=2)
        return (raw * saturation[:, None].astype(np.float32)).std(axis=1)

    dark_sky, bright, brighter = std_e(0.0, 3.0), std_e(400.0, 3.0), std_e(1600.0, 3.0)
    np.testing.assert_allclose(dark_sky, 3.0, rtol=0.01)  # no light: read noise alone
    np.testing.assert_allclose(bright, np.sqrt(400.0 + 9.0), rtol=0.01)
    # Bright: shot noise, std ~ sqrt(signal): four times the light, twice the noise.
    np.testing.assert_allclose(brighter / bright, np.sqrt(1609.0 / 409.0), rtol=0.01)
    assert abs(brighter / bright - 2.0).max() < 0.02
    # Dark: read noise; 4x the light changes the noise far less than 2x.
    faint, fainter = std_e(0.5, 3.0), std_e(2.0, 3.0)
    assert (fainter / faint).max() < 1.1
    # Dark current: its shot noise stays, its mean is taken off.
    raw = np.zeros((3, 200_000), dtype=np.float32)
    sensor.add_noise(raw, saturation, 0.0, 100.0, seed=4)
    electrons = raw * saturation[:, None].astype(np.float32)
    np.testing.assert_allclose(electrons.std(axis=1), 10.0, rtol=0.01)
    np.testing.assert_allclose(electrons.mean(axis=1), 0.0, atol=0.1)


def test_pixel_gain_multiplies_the_light_before_the_noise():
    exposure = CameraExposure()
    lines, continuum = _flat_d65(0.3, exposure, side=128)
    gain = np.full((128, 128), 0.5)
    gain[:, 64:] = 1.0
    kwargs = dict(continuum_cd=continuum, continua=["daylight"])
    clean = _decode(line_radiance_to_display(lines, ["557.7"], exposure, pixel_gain=gain, **kwargs))
    np.testing.assert_allclose(clean[:, :64], 0.15, rtol=1e-4)
    np.testing.assert_allclose(clean[:, 64:], 0.3, rtol=1e-4)
    noisy = _decode(line_radiance_to_display(lines, ["557.7"], exposure, pixel_gain=gain, noise_seed=1, **kwargs))
    np.testing.assert_allclose(noisy[:, :64].mean(axis=(0, 1)), 0.15, rtol=0.01)
    # Half the light: the relative noise sqrt(2) larger (shot-noise dominated, 0.15-0.3 of 1587 e-).
    relative = noisy[:, :64].std(axis=(0, 1)) / 0.15 / (noisy[:, 64:].std(axis=(0, 1)) / 0.3)
    np.testing.assert_allclose(relative, np.sqrt(2.0), rtol=0.05)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(pixel_pitch_um=0.0), "pixel_pitch_um"),
        (dict(pixel_pitch_um=80.0), "pixel_pitch_um"),
        (dict(quantum_efficiency=1.2), "quantum_efficiency"),
        (dict(quantum_efficiency="0.5"), "quantum_efficiency"),
        (dict(read_noise_e=-1.0), "read_noise_e"),
        (dict(read_noise_e=float("inf")), "read_noise_e"),
        (dict(dark_current_e_s=float("nan")), "dark_current_e_s"),
        (dict(dark_current_e_s=-0.1), "dark_current_e_s"),
        (dict(noise=1), "noise"),
        (dict(vignetting="no"), "vignetting"),
    ],
)
def test_bad_sensor_settings_are_refused(kwargs, name):
    with pytest.raises(NorrskenError, match=name) as info:
        CameraExposure(**kwargs)
    assert info.value.parameter == name


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7", 2**63])
def test_bad_noise_seed_is_refused(seed):
    with pytest.raises(NorrskenError, match="noise_seed"):
        line_radiance_to_display(np.ones((4, 4, 1)), ["557.7"], CAMERA, noise_seed=seed)


@pytest.mark.parametrize("gain", [np.ones((4, 5)), np.full((4, 4), -0.1), np.full((4, 4), np.nan), np.ones((4, 4, 1))])
def test_bad_pixel_gain_is_refused(gain):
    with pytest.raises(NorrskenError, match="pixel_gain"):
        line_radiance_to_display(np.ones((4, 4, 1)), ["557.7"], CAMERA, pixel_gain=gain)
