"""Sunlit aurora: N2+ resonant scattering above the Earth's shadow, in twilight and at night."""

import numpy as np
import pytest

from norrsken.atmosphere import atmosphere
from norrsken.emission.chemistry import species_and_emission, volume_emission_rates
from norrsken.emission.column import column
from norrsken.emission.ionization import ionization_rate
from norrsken.emission.lines import line_index
from norrsken.emission.sunlit import G_3914, G_FACTORS, resonant_ver, solar_zenith_to_shadow_height_km
from norrsken.ephemeris import sky_bodies, solar_zenith_deg
from norrsken.geometry import EARTH_RADIUS_KM

TROMSO = (69.6, 19.0)
#: Tromso, 2017-01-18: solar zenith angle 102.1 deg at 15:30 UT (shadow at 144 km), 127.8 deg at 21 UT.
TWILIGHT, NIGHT = "2017-01-18T15:30Z", "2017-01-18T21:00Z"
INDICES = dict(f107=75.0, f107a=75.0, ap=8.0)
N2P_LINES = ("391.4", "427.8", "470.9")


def test_shadow_height_geometry():
    assert solar_zenith_to_shadow_height_km(80.0) == 0.0
    assert solar_zenith_to_shadow_height_km(90.0) == pytest.approx(0.0, abs=1e-9)
    assert solar_zenith_to_shadow_height_km(100.0) == pytest.approx(EARTH_RADIUS_KM / np.sin(np.radians(100.0)) - EARTH_RADIUS_KM)
    assert solar_zenith_to_shadow_height_km(100.0) == pytest.approx(98.3, abs=0.1)
    assert solar_zenith_to_shadow_height_km(180.0) > 1e6
    heights = solar_zenith_to_shadow_height_km(np.linspace(91.0, 179.0, 50))
    assert np.all(np.diff(heights) > 0)


def test_solar_zenith_angle_matches_the_topocentric_sun():
    for time in (TWILIGHT, NIGHT, "2017-06-21T12:00Z"):
        expected = 90.0 - sky_bodies(time, *TROMSO).sun_elevation_deg
        assert float(solar_zenith_deg(time, *TROMSO)) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize("mean_energy_kev", [0.5, 1.0])
def test_twilight_column_has_bright_n2p_tops(mean_energy_kev):
    """At SZA ~102 deg the top of a soft column is sunlit: the N2+ lines are several times (>= 2x;
    2.2-3.0x measured) the dark column's, the oxygen lines unchanged."""
    lit = column(TWILIGHT, *TROMSO, mean_energy_kev, 1.0, indices=INDICES)
    dark = column(TWILIGHT, *TROMSO, mean_energy_kev, 1.0, indices=INDICES, sunlit=False)
    assert 100.0 <= float(lit["solar_zenith_deg"]) <= 103.0
    shadow = float(lit["shadow_height_km"])
    assert 100.0 < shadow < 200.0 and np.isinf(float(dark["shadow_height_km"]))
    np.testing.assert_array_equal(lit["sunlit"], lit["altitude_km"] > shadow)
    assert not dark["sunlit"].any()
    ratio = lit["brightness_r"] / dark["brightness_r"]
    for key in N2P_LINES:
        assert float(ratio.sel(line=key)) >= 2.0
    for key in ("557.7", "630.0", "777.4"):
        assert float(ratio.sel(line=key)) == 1.0
    below = lit["altitude_km"] < shadow
    np.testing.assert_array_equal(lit["ver_cm3_s"].sel(line="427.8")[below], dark["ver_cm3_s"].sel(line="427.8")[below])


def test_night_column_is_unchanged():
    lit = column(NIGHT, *TROMSO, 1.0, 1.0, indices=INDICES)
    dark = column(NIGHT, *TROMSO, 1.0, 1.0, indices=INDICES, sunlit=False)
    assert float(lit["shadow_height_km"]) > 1000.0 and not lit["sunlit"].any()
    np.testing.assert_array_equal(lit["ver_cm3_s"], dark["ver_cm3_s"])


def test_sunlit_part_scales_with_g_factor_and_n2p_column_above_the_shadow():
    atm = atmosphere(TWILIGHT, *TROMSO, indices=INDICES)
    q = ionization_rate(atm, 1.0, 1.0)
    dark, _, n2p = species_and_emission(q, atm)
    z_cm = atm.altitude_km * 1e5
    excesses = []
    for shadow in (120.0, 150.0, 200.0, 300.0):
        ver, _ = volume_emission_rates(q, atm, shadow_height_km=shadow)
        n2p_column = np.trapezoid(n2p * (atm.altitude_km > shadow), z_cm)
        for key in N2P_LINES:
            i = line_index(key)
            excess = np.trapezoid(ver[i] - dark[i], z_cm)
            assert excess == pytest.approx(G_FACTORS[i] * n2p_column, rel=1e-12)
        excesses.append(np.trapezoid(ver[line_index("391.4")] - dark[line_index("391.4")], z_cm))
        assert np.array_equal(ver[line_index("557.7")], dark[line_index("557.7")])
    assert np.all(np.diff(excesses) < 0)  # a higher shadow leaves fewer ions in sunlight
    assert G_FACTORS[line_index("391.4")] == G_3914
    # Twice the g-factors, twice the scattered light.
    doubled = 2.0 * resonant_ver(n2p, atm.altitude_km, 150.0)
    np.testing.assert_allclose(doubled[line_index("427.8")], 2.0 * G_FACTORS[line_index("427.8")] * n2p * (atm.altitude_km > 150.0))


def test_shadow_heights_broadcast_over_columns():
    atm = atmosphere(TWILIGHT, *TROMSO, indices=INDICES)
    q = ionization_rate(atm, np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    ver, _ = volume_emission_rates(q, atm, shadow_height_km=np.array([120.0, np.inf]))
    dark, _ = volume_emission_rates(q, atm)
    assert np.array_equal(ver[:, 1], dark[:, 1]) and not np.array_equal(ver[:, 0], dark[:, 0])


@pytest.fixture(scope="module")
def twilight_field():
    from norrsken.field import emission_field

    return emission_field(TWILIGHT, *TROMSO, structure="none", airglow=False)


def test_field_carries_the_sunlit_n2p(twilight_field):
    """The field's N2+ lines gain g x [N2+] above the shadow (and only there, and only they): the
    same field with the g-factors set to zero is the dark one."""
    import dataclasses

    field = twilight_field
    dark = dataclasses.replace(field, packed=field.packed._replace(basis_g=np.zeros_like(field.packed.basis_g)))
    lat, lon = np.meshgrid(np.arange(60.0, 80.0, 1.0), np.arange(-10.0, 50.0, 2.0), indexing="ij")
    lit_here = field.energy_flux_erg(lat, lon) > 0.1
    assert lit_here.sum() >= 5
    lat, lon = lat[lit_here][:, None], lon[lit_here][:, None]
    altitude = np.arange(90.0, 400.0, 5.0)[None, :]
    with_sun, without = field.ver(lat, lon, altitude), dark.ver(lat, lon, altitude)
    shadow = solar_zenith_to_shadow_height_km(solar_zenith_deg(TWILIGHT, lat, lon))
    in_sun = np.broadcast_to(altitude > shadow + 1.0, with_sun.shape[:-1])
    in_shadow = np.broadcast_to(altitude < shadow - 1.0, with_sun.shape[:-1])
    for key in ("557.7", "630.0", "670.0", "777.4"):
        np.testing.assert_array_equal(with_sun[..., line_index(key)], without[..., line_index(key)])
    for key in N2P_LINES:
        i = line_index(key)
        np.testing.assert_array_equal(with_sun[..., i][in_shadow], without[..., i][in_shadow])
        gained = with_sun[..., i][in_sun] - without[..., i][in_sun]
        assert np.all(gained >= 0.0) and gained.max() > 0.0
    # Where the aurora stands in sunlight its N2+ columns are several times the dark ones.
    blue = line_index("427.8")
    columns = with_sun[..., blue].sum(axis=-1) / without[..., blue].sum(axis=-1)
    assert columns.min() >= 1.0 and columns.max() > 2.0  # 1.0-3.7 measured, by shadow and <E>
    ratio_3914 = with_sun[..., line_index("391.4")] / np.maximum(with_sun[..., blue], 1e-300)
    np.testing.assert_allclose(ratio_3914[with_sun[..., blue] > 0], 0.65 / 0.20, rtol=1e-5)


# --- column-integrated consumers: the column table, the forecast ---------------------------------

#: Twilight at the table's own key place (70 N, 15 E): 16 UT is chi = 103.3 deg, shadow at 176 km.
KEY_PLACE, KEY_TWILIGHT = (70.0, 15.0), "2017-01-18T16:00Z"


@pytest.mark.parametrize("time", ["2017-01-18T14:00Z", "2017-01-18T15:00Z", KEY_TWILIGHT, NIGHT])
@pytest.mark.parametrize(("mean_energy_kev", "energy_flux_erg"), [(0.3, 0.1), (0.5, 1.0), (1.0, 1.0), (2.5, 10.0), (7.3, 0.3)])
def test_column_table_sunlit_term_is_the_column(time, mean_energy_kev, energy_flux_erg):
    """The column table with the shadow height of the place and time is the public column() there:
    the N2+ lines within 0.5 % (0.07 % measured; the table's 5 km shadow nodes and E0/Q
    interpolation against the column's own grid) and their heights within 0.5 km, every other line
    the dark column's."""
    from norrsken.emission.table import column_table

    table = column_table(time, *KEY_PLACE, indices=INDICES)
    ds = column(time, *KEY_PLACE, mean_energy_kev, energy_flux_erg, indices=INDICES)
    shadow = float(ds["shadow_height_km"])
    brightness, height = table.at(np.array([mean_energy_kev]), np.array([energy_flux_erg]), shadow_height_km=shadow)
    dark, dark_height = table.at(np.array([mean_energy_kev]), np.array([energy_flux_erg]))
    z, ver = ds["altitude_km"].values, ds["ver_cm3_s"].values
    expected_height = np.trapezoid(ver * z, z, axis=-1) / np.trapezoid(ver, z, axis=-1)
    for key in ds["line"].values:
        i = line_index(str(key))
        if key in N2P_LINES:
            assert brightness[i, 0] == pytest.approx(float(ds["brightness_r"][i]), rel=5e-3), key
            assert height[i, 0] == pytest.approx(expected_height[i], abs=0.5), key
        else:
            assert brightness[i, 0] == dark[i, 0] and height[i, 0] == dark_height[i, 0], key


def test_column_table_twilight_blue_is_several_times_the_dark():
    """chi = 103.3 deg (shadow 176 km): 427.8 nm is 3.1-4.3 x the dark column at 0.3 keV, 1.8-1.9 x
    at 1 keV, and it comes from higher up; at night (chi = 127 deg) nothing changes."""
    from norrsken.emission.table import column_table

    mean, flux = np.array([0.3, 0.3, 1.0, 1.0]), np.array([0.1, 1.0, 0.1, 1.0])
    sza = float(solar_zenith_deg(KEY_TWILIGHT, *KEY_PLACE))
    assert 100.0 <= sza <= 104.0
    table = column_table(KEY_TWILIGHT, *KEY_PLACE, indices=INDICES)
    lit, lit_height = table.at(mean, flux, ("427.8",), shadow_height_km=solar_zenith_to_shadow_height_km(sza))
    dark, dark_height = table.at(mean, flux, ("427.8",))
    ratio = lit[0] / dark[0]
    assert np.all(ratio[:2] >= 3.0) and np.all(ratio[2:] >= 1.7)
    assert np.all(lit_height > dark_height + 15.0)
    night = column_table(NIGHT, *KEY_PLACE, indices=INDICES)
    shadow = solar_zenith_to_shadow_height_km(solar_zenith_deg(NIGHT, *KEY_PLACE))
    np.testing.assert_array_equal(night.at(mean, flux, shadow_height_km=shadow)[0], night.at(mean, flux)[0])


class _UniformOval:
    """Zhang & Paxton's drivers, but the same soft precipitation everywhere."""

    name, reference, needs = "uniform", "a uniform test oval", ("kp",)

    def __init__(self, mean_energy_kev: float):
        from norrsken.precipitation import get_model

        self._drivers = get_model("zhang-paxton").drivers
        self.mean_energy_kev = mean_energy_kev

    def drivers(self, time, indices=None, *, online=False):
        return self._drivers(time, indices, online=online)

    def evaluate(self, mlat, mlt, time, drivers):
        return np.ones(np.shape(mlat)), np.full(np.shape(mlat), self.mean_energy_kev)


@pytest.mark.parametrize(("mean_energy_kev", "least"), [(0.5, 2.5), (1.0, 1.5)])
def test_twilight_forecast_blue(monkeypatch, mean_energy_kev, least):
    """Tromso under a uniform 1 erg oval of soft electrons: at 15:30 UT (chi = 102.1 deg over
    Tromso) the brightest 427.8 nm seen is several times the dark forecast's (the whole sky put in
    the shadow), seen higher up; green and red do not change; at 21 UT (every footprint's column in
    the shadow) the blue does not change either."""
    from norrsken import visibility

    model = _UniformOval(mean_energy_kev)
    times = {"twilight": "2017-01-18T15:30Z", "night": NIGHT}
    lit = {name: visibility.forecast(t, *TROMSO, end=t, model=model).isel(time=0) for name, t in times.items()}
    monkeypatch.setattr(visibility, "solar_zenith_to_shadow_height_km", lambda sza: np.full(np.shape(sza), np.inf))
    dark = {name: visibility.forecast(t, *TROMSO, end=t, model=model).isel(time=0) for name, t in times.items()}
    ratio = float(lit["twilight"]["blue_r"] / dark["twilight"]["blue_r"])
    assert ratio >= least
    assert float(lit["twilight"]["blue_elevation_deg"]) > float(dark["twilight"]["blue_elevation_deg"])
    for name in ("green_r", "red_r", "elevation_deg", "red_elevation_deg"):
        assert float(lit["twilight"][name]) == float(dark["twilight"][name]), name
    for name in ("blue_r", "blue_elevation_deg", "blue_azimuth_deg"):
        assert float(lit["night"][name]) == float(dark["night"][name]), name
