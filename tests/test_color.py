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
