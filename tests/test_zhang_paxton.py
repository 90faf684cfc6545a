"""The Zhang & Paxton (2008) oval against the paper's hemispheric power and known geometry."""

import numpy as np
import pytest

from norrsken.errors import NorrskenError
from norrsken.geometry import EARTH_RADIUS_KM
from norrsken.precipitation import (
    boundary_geographic,
    equatorward_boundary,
    hemispheric_power_gw,
    oval,
    products,
    view_line,
)
from norrsken.precipitation import zhang_paxton as zp

# A magnetic grid: 0.05 deg in MLAT from 40 deg, 0.05 h in MLT, cell centres.
MLAT = np.arange(40.025, 90, 0.05)
MLT = np.arange(0.025, 24, 0.05)
GRID_MLAT, GRID_MLT = np.meshgrid(MLAT, MLT, indexing="ij")
AREA_KM2 = (EARTH_RADIUS_KM + 110.0) ** 2 * np.radians(0.05) * np.radians(0.05 * 15) * np.cos(np.radians(GRID_MLAT))


def integral_gw(kp: float, hemisphere_sign: int = 1) -> float:
    flux, _ = zp.evaluate(hemisphere_sign * GRID_MLAT, GRID_MLT, kp)
    return float((flux * AREA_KM2).sum() * 1e3 / 1e9)  # erg cm-2 s-1 = 1e3 W km-2


@pytest.mark.parametrize("kp", [0.75, 2.25, 3.75, 5.25, 7.0, 9.0])
def test_hemispheric_power_at_bin_centres(kp):
    assert integral_gw(kp) == pytest.approx(float(zp.hemispheric_power_zp08(kp)), rel=0.10)


@pytest.mark.parametrize("kp", [1.1, 2.9, 4.33, 6.1, 8.5])
def test_between_bins_flux_follows_the_hp_weighting(kp):
    weights = zp.kp_weights(kp)
    lo, hi = zp.KP_BIN_CENTRES[weights.lower], zp.KP_BIN_CENTRES[weights.lower + 1]
    hp, hp_lo, hp_hi = zp.hemispheric_power_zp08([kp, lo, hi])
    assert weights.flux[0] == pytest.approx((hp_hi - hp) / (hp_hi - hp_lo))
    assert sum(weights.flux) == pytest.approx(1.0)
    flux, energy = zp.evaluate(GRID_MLAT, GRID_MLT, kp)
    flux_lo, energy_lo = zp.evaluate(GRID_MLAT, GRID_MLT, lo)
    flux_hi, energy_hi = zp.evaluate(GRID_MLAT, GRID_MLT, hi)
    np.testing.assert_allclose(flux, weights.flux[0] * flux_lo + weights.flux[1] * flux_hi, rtol=1e-12)
    t = (kp - lo) / (hi - lo)  # mean energy: linear in Kp
    np.testing.assert_allclose(energy, (1 - t) * energy_lo + t * energy_hi, rtol=1e-12)
    assert integral_gw(kp) == pytest.approx(float(hp), rel=0.10)


def test_both_hemispheres_are_symmetric():
    assert integral_gw(3.0, -1) == pytest.approx(integral_gw(3.0, 1), rel=1e-12)


def test_quiet_extrapolation_stays_physical():
    flux, energy = zp.evaluate(GRID_MLAT, GRID_MLT, 0.0)
    assert flux.min() >= 0 and np.nanmin(energy) >= 0
    assert integral_gw(0.0) == pytest.approx(float(zp.hemispheric_power_zp08(0.0)), rel=0.3)


def test_kp3_boundary_and_night_side_peak():
    def flux_of(mlat, mlt):
        return zp.evaluate(mlat, mlt, 3.0)[0]

    midnight = equatorward_boundary(flux_of, np.array([0.0]))[0]
    assert 60.0 <= midnight <= 68.0
    noon = equatorward_boundary(flux_of, np.array([12.0]))[0]
    assert noon > midnight + 5  # the oval is displaced toward the night side
    flux, _ = zp.evaluate(GRID_MLAT, GRID_MLT, 3.0)
    peak_mlt = GRID_MLT.flat[np.argmax(flux)]
    assert peak_mlt >= 18 or peak_mlt <= 6


def test_mean_energies_are_in_the_published_range():
    for kp, top in ((0.75, 3.5), (9.0, 7.0)):
        _, energy = zp.evaluate(GRID_MLAT, GRID_MLT, kp)
        assert np.nanmax(energy) == pytest.approx(top, rel=0.1)


@pytest.mark.parametrize("hour", [21, 22, 23])
def test_oval_over_northern_scandinavia_in_the_evening(hour):
    ds = oval(f"2017-01-18T{hour}:00Z", indices={"kp": 3.0})
    meridian = ds["energy_flux_erg"].sel(lon=20.0).sel(lat=slice(50, 85))
    peak_lat = float(meridian["lat"][int(np.argmax(meridian.values))])
    assert 66.0 <= peak_lat <= 72.0  # northern Norway, Sweden and Finland
    assert float(meridian.max()) > 2.0
    tromso = ds.sel(lat=69.5, lon=19.0)
    assert float(tromso["energy_flux_erg"]) > 1.0
    assert 21.0 <= float(tromso["mlt"]) or float(tromso["mlt"]) <= 1.0


def test_geographic_grid_dataset():
    ds = oval("2017-01-18T21:00Z")
    assert ds["energy_flux_erg"].shape == (361, 720)
    assert ds.attrs["kp"] == pytest.approx(10 / 3)
    assert ds.attrs["kp_source"] == "embedded CelesTrak history"
    assert ds["energy_flux_erg"].attrs["units"] == "erg cm-2 s-1"
    assert ds["mean_energy_kev"].attrs["units"] == "keV"
    hp = float(zp.hemispheric_power_zp08(10 / 3))
    for hemisphere in ("north", "south"):
        assert ds.attrs[f"hemispheric_power_{hemisphere}_gw"] == pytest.approx(hp, rel=0.15)
        assert hemispheric_power_gw(ds, hemisphere) == ds.attrs[f"hemispheric_power_{hemisphere}_gw"]
    outside = ~(np.abs(ds["mlat"]) >= zp.MIN_ABS_MLAT)  # includes NaN, where AACGM is undefined
    assert float(ds["energy_flux_erg"].where(outside).max()) == 0.0
    assert float(ds["energy_flux_erg"].where(np.abs(ds["lat"]) < 30).max()) < 1e-3


def test_boundary_in_geographic_coordinates():
    def flux_of(mlat, mlt):
        return zp.evaluate(mlat, mlt, 3.0)[0]

    b = boundary_geographic(flux_of, "2017-01-18T21:00Z", "north")
    assert b["lat"].notnull().all()
    assert 55 < float(b["lat"].min()) and float(b["lat"].max()) < 82
    south = boundary_geographic(flux_of, "2017-01-18T21:00Z", "south")
    assert float(south["mlat"].max()) < -60


def test_bad_inputs():
    with pytest.raises(NorrskenError, match="between 0 and 9"):
        oval("2017-01-18T21:00Z", indices={"kp": 12})
    with pytest.raises(NorrskenError, match="divide 180"):
        oval("2017-01-18T21:00Z", resolution_deg=0.7)
    with pytest.raises(NorrskenError, match="hemisphere"):
        boundary_geographic(lambda a, b: a, "2017-01-18T21:00Z", "east")
    with pytest.raises(NorrskenError, match="between -90 and 90"):
        zp.evaluate(np.array([95.0]), np.array([0.0]), 3.0)


def test_edge_beyond_the_model_domain_is_not_reported_at_40_degrees():
    def flux_of(mlat, mlt):
        return zp.evaluate(mlat, mlt, 9.0)[0]

    mlt = np.arange(0, 24, 0.5)
    edge = equatorward_boundary(flux_of, mlt)
    at_domain_edge = flux_of(np.full(mlt.shape, 40.0), mlt) >= 0.5
    assert at_domain_edge.any()  # at Kp 9 the evening oval reaches past 40 deg MLAT
    assert np.isnan(edge[at_domain_edge]).all()
    assert (edge[~at_domain_edge] > 40.0).all()


def test_mean_energy_below_the_first_bin_is_held_not_extrapolated():
    _, energy_0 = zp.evaluate(GRID_MLAT, GRID_MLT, 0.0)
    _, energy_first = zp.evaluate(GRID_MLAT, GRID_MLT, 0.75)
    np.testing.assert_array_equal(energy_0, energy_first)


def _view(kp: float, hemisphere: str = "north"):
    boundary = boundary_geographic(lambda mlat, mlt: zp.evaluate(mlat, mlt, kp)[0], "2017-01-18T21:00Z", hemisphere)
    return boundary, view_line(boundary)


EUROPE = slice(-10.0, 40.0)


def test_view_line_over_europe_moves_with_kp():
    # Europe is near magnetic midnight at 21 UTC: a great storm is seen from the Alps, a quiet
    # night only from the far north.
    _, storm = _view(9.0)
    _, quiet = _view(1.0)
    assert float(storm["lat"].sel(lon=EUROPE).min()) < 50.0
    assert float(quiet["lat"].sel(lon=EUROPE).min()) > 60.0


@pytest.mark.parametrize("hemisphere", ["north", "south"])
def test_view_line_lies_one_view_distance_equatorward_of_the_edge(hemisphere):
    boundary, view = _view(3.0, hemisphere)
    gamma = products.view_distance_deg()
    assert gamma == pytest.approx(6.68, abs=0.01)  # 110 km seen 5 deg above the horizon: 740 km
    sign = 1.0 if hemisphere == "north" else -1.0
    ok = np.isfinite(boundary["lat"].values)
    edge_lat, edge_lon = boundary["lat"].values[ok], boundary["lon"].values[ok]
    at_edge = view["lat"].sel(lon=(np.round(edge_lon) + 180.0) % 360.0 - 180.0, method="nearest").values
    # The edge point's own small circle reaches gamma down its meridian; other points may reach
    # farther. (0.15 deg: the edge longitude is rounded to the 1-deg output grid.)
    assert np.all(sign * at_edge <= sign * edge_lat - gamma + 0.15)
    # ... and nowhere farther than the whole oval shifted by gamma allows.
    assert np.nanmin(sign * view["lat"].values) >= np.nanmin(sign * boundary["lat"].values) - gamma - 1e-6


def test_view_geometry_is_checked():
    with pytest.raises(NorrskenError, match="view geometry"):
        products.view_distance_deg(110.0, 95.0)
    boundary, _ = _view(3.0)
    with pytest.raises(NorrskenError, match="lon_step_deg"):
        view_line(boundary, lon_step_deg=0.0)
