"""OVATION Prime 2010 against the IDL reference bin, Newell et al. (2010)'s seasonal ratios and its
hemispheric power, and the pieces of its recipe (coupling, seasons, clamps, interpolation)."""

import hashlib
from importlib import resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from norrsken.drivers import solarwind
from norrsken.errors import NorrskenError
from norrsken.precipitation import ovation_prime as op

#: SHA-256 of the packaged coefficients (tools/make_ovation_coefficients.py from the shared tarball).
COEFFICIENTS_SHA256 = "4062e09fbba7fb2bdaa5568719c2341e2cb4bd6aa8f933e1e16b2f1e51df0972"
MLT_CENTRES = 0.125 + 0.25 * np.arange(96)
NIGHT = (MLT_CENTRES >= 18.0) | (MLT_CENTRES < 6.0)


def test_the_packaged_coefficients_are_the_converted_files():
    data = resources.files("norrsken").joinpath("data", "ovation_prime", "coefficients.npz").read_bytes()
    assert hashlib.sha256(data).hexdigest() == COEFFICIENTS_SHA256
    c = op.coefficients()
    assert c["energy_flux"].shape == (4, 4, 2, 96, 160)
    assert c["prob_fallback"].shape == (4, 3, 96, 160, 12)
    notice = resources.files("norrsken").joinpath("data", "ovation_prime", "NOTICE").read_text()
    assert "LGPL-3.0" in notice and "Newell" in notice


def test_newell_coupling():
    # Due southward IMF: sin(90 deg) = 1, so v^4/3 B^2/3.
    assert solarwind.newell_coupling(400.0, 0.0, -5.0) == pytest.approx(400.0 ** (4 / 3) * 5.0 ** (2 / 3))
    # Northward: no coupling; duskward By alone: clock angle 90 deg, sin^8/3(45 deg).
    assert solarwind.newell_coupling(400.0, 0.0, 5.0) == pytest.approx(0.0, abs=1e-9)
    assert solarwind.newell_coupling(400.0, 5.0, 0.0) == pytest.approx(
        400.0 ** (4 / 3) * 5.0 ** (2 / 3) * np.sin(np.pi / 4) ** (8 / 3)
    )
    # The sign of By does not matter.
    assert solarwind.newell_coupling(500.0, -3.0, -2.0) == pytest.approx(solarwind.newell_coupling(500.0, 3.0, -2.0))


def test_season_weights_are_linear_between_the_season_centres():
    np.testing.assert_allclose(op.season_weights(354.0), [1, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(op.season_weights(79.0), [0, 1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(op.season_weights(171.0), [0, 0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(op.season_weights(263.0), [0, 0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(op.season_weights(125.0), [0, 0.5, 0.5, 0], atol=1e-12)
    # Across the new year: winter (354) to spring (79 + 365), 90 days.
    np.testing.assert_allclose(op.season_weights(1.0), [1 - 12 / 90, 12 / 90, 0, 0], atol=1e-12)
    for doy in np.linspace(0, 365, 97):
        assert op.season_weights(doy).sum() == pytest.approx(1.0)


def test_the_south_is_half_a_year_on_not_mirrored():
    assert op.local_day_of_year(171.0, "north") == 171.0
    assert op.local_day_of_year(171.0, "south") == pytest.approx(353.5)  # northern summer: southern winter
    assert op.local_day_of_year(300.0, "south") == pytest.approx(117.5)
    np.testing.assert_allclose(op.season_weights(op.local_day_of_year(171.0, "south")), op.season_weights(353.5))
    # The maps follow: the south in June is the north in December.
    mlat, mlt = np.array([65.0, 70.0]), np.array([23.0, 1.0])
    june_south = op.evaluate_types(-mlat, mlt, "2017-06-20T00:00Z", 5000.0)["energy_flux_erg"]
    december_north = op.evaluate_types(mlat, mlt, "2017-12-19T12:00Z", 5000.0)["energy_flux_erg"]  # doy 353
    december_north_exact = op.interpolate(
        np.stack([op.hemisphere_bins(5000.0, 353.5)] * 2), mlat, mlt
    )[..., :3].sum(axis=-1)
    np.testing.assert_allclose(june_south, december_north_exact, rtol=1e-12)
    assert june_south == pytest.approx(december_north, rel=0.02)


def test_the_clamps_apply_in_their_order():
    # > 10 -> 0.5 first, so 12 ends at 0.5 (not 5); then > 5 -> 5.
    np.testing.assert_array_equal(op.clamp([-1.0, 3.0, 7.0, 12.0], "diffuse", "energy"), [0.0, 3.0, 5.0, 0.5])
    np.testing.assert_array_equal(op.clamp([3e9, 3e10, 1e9], "mono", "number"), [1e9, 0.0, 1e9])
    np.testing.assert_array_equal(op.clamp([3.0, 5.0, 1.0], "ions", "energy"), [2.0, 0.25, 1.0])
    np.testing.assert_array_equal(op.clamp([2e8, 6e8, 5e7], "ions", "number"), [1e8, 0.0, 5e7])


def test_the_idl_reference_bin():
    # Winter diffuse, MLT index 24, MLAT index 140, dPhi/dt 3134.17 (the IDL printout: p 0.897351,
    # energy flux 0.049331 erg cm-2 s-1, the flux printed to 5 significant digits).
    assert op.probability("winter", "diffuse", 3134.17)[24, 140] == pytest.approx(0.897351, rel=1e-6)
    flux = op.bin_flux("winter", "diffuse", 3134.17)[24, 140]
    assert flux == pytest.approx(0.049331, rel=1e-6, abs=5e-7)


def test_the_probability_falls_back_on_the_table_bin_major():
    c = op.coefficients()
    b1, b2 = c["prob_b"][0, 0]
    i, j = np.argwhere((b1 == 0) & (b2 == 0) & (c["prob_fallback"][0, 0, :, :, 8] > 0))[0]
    assert op.coupling_bin(4421.0) == 8
    assert op.probability("winter", "diffuse", 4421.0)[i, j] == c["prob_fallback"][0, 0, i, j, 8]
    assert op.coupling_bin(-5.0) == 0 and op.coupling_bin(1e5) == 11


def night_power(season: str, kind: str, dphi: float) -> float:
    flux = op.combined_flux(season, kind, dphi)
    lat = 50.25 + 0.5 * np.arange(80)
    area = np.sin(np.radians(lat + 0.25)) - np.sin(np.radians(lat - 0.25))
    return float((flux * area)[NIGHT].sum())


@pytest.mark.parametrize(("kind", "ratio", "tolerance"), [("diffuse", 1.30, 0.05), ("mono", 1.70, 0.07), ("wave", 1.26, 0.06)])
def test_night_side_winter_summer_ratios(kind, ratio, tolerance):
    # Newell et al. (2010): at high driving the night side (MLT 18-06) is brighter in winter.
    assert night_power("winter", kind, 8000.0) / night_power("summer", kind, 8000.0) == pytest.approx(ratio, abs=tolerance)


def test_year_averaged_hemispheric_power():
    # All precipitation (the three electron types and ions) over a hemisphere at 110 km.
    power = np.mean([op.hemispheric_power_bins_gw(4421.0, doy) for doy in range(1, 366)])
    assert power == pytest.approx(25.8, rel=0.03)
    by_driving = [np.mean([op.hemispheric_power_bins_gw(x, doy) for doy in range(1, 366, 7)]) for x in (1e3, 3e3, 6e3, 1e4)]
    assert np.all(np.diff(by_driving) > 0)


def test_interpolation_is_periodic_in_mlt_and_hits_the_bin_centres():
    fields = np.random.default_rng(1).random((2, 96, 80, 1))
    # A bin centre gives the bin; midnight is half way between the last and the first bin.
    assert op.interpolate(fields, np.array(60.25), np.array(0.125 + 0.25 * 7))[0] == pytest.approx(fields[0, 7, 20, 0])
    assert op.interpolate(fields, np.array(-60.25), np.array(24.0))[0] == pytest.approx(
        0.5 * (fields[1, 95, 20, 0] + fields[1, 0, 20, 0])
    )
    assert op.interpolate(fields, np.array(60.25), np.array(-0.125))[0] == pytest.approx(fields[0, 95, 20, 0])
    # The outer half bins hold the edge values; equatorward of 50 deg and NaN: 0.
    assert op.interpolate(fields, np.array(89.9), np.array(0.125))[0] == pytest.approx(fields[0, 0, 79, 0])
    np.testing.assert_array_equal(op.interpolate(fields, np.array([49.9, np.nan]), np.array([1.0, 1.0]))[:, 0], [0.0, 0.0])


def test_the_fields_of_a_moment():
    mlat, mlt = np.meshgrid(np.linspace(-89, 89, 60), np.linspace(0, 24, 49), indexing="ij")
    out = op.evaluate_types(mlat, mlt, "2017-01-18T21:00Z", 6000.0)
    q = out["energy_flux_erg"]
    lit = q > 0
    electrons = sum(out[f"{k}_energy_flux_erg"] for k in op.ELECTRON_TYPES)
    np.testing.assert_allclose(q[lit], electrons[lit], rtol=1e-12)
    assert q.max() > 1.0 and np.all(q[np.abs(mlat) < 50] == 0.0)
    assert np.all(np.isfinite(out["mean_energy_kev"][lit])) and np.all(np.isnan(out["mean_energy_kev"][~lit]))
    assert 0.5 < np.nanmedian(out["mean_energy_kev"]) < 10.0
    assert set(op.COMPONENTS) <= set(out)


@pytest.mark.parametrize("bad", [np.nan, -1.0, "a lot", np.inf])
def test_bad_coupling_is_refused(bad):
    with pytest.raises(NorrskenError, match="dphi"):
        op.evaluate_types(np.array([65.0]), np.array([0.0]), "2017-01-18T21:00Z", bad)


@given(
    st.floats(-90, 90, allow_nan=False), st.floats(-48, 48, allow_nan=False), st.floats(0, 3e4, allow_nan=False),
    st.integers(1, 366),
)
def test_the_fields_stay_within_their_bins(mlat, mlt, dphi, doy):
    # Bilinear interpolation is a convex mix: never outside the range of the bins (any MLT, wrapped).
    fields = np.stack([op.hemisphere_bins(dphi, float(doy)), op.hemisphere_bins(dphi, float(doy))])
    value = op.interpolate(fields, np.array(mlat), np.array(mlt))
    assert np.all(value >= fields.min(axis=(0, 1, 2)) - 1e-9) and np.all(value <= fields.max(axis=(0, 1, 2)) + 1e-9)
    assert np.all(value == 0.0) or abs(mlat) >= 50.0
