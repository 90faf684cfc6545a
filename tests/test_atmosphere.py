"""Neutral atmosphere from NRLMSIS through pymsis: values, units, offline operation, bad input."""

import datetime as dt
import socket
import urllib.request

import numpy as np
import pytest

from norrsken.atmosphere import atmosphere, default_altitudes_km
from norrsken.drivers import space_weather
from norrsken.errors import NorrskenError, OutOfRangeError

# The sample profile of docs/physics.md sections 2-3: NRLMSIS 2.1, 2024-01-15 00 UT, 69.6 N 18.9 E,
# F10.7 = F10.7a = 150, Ap = 10.
SAMPLE = dict(time="2024-01-15T00:00Z", lat=69.6, lon=18.9, indices=dict(indices=dict(f107=150.0, f107a=150.0, ap=10.0)))


@pytest.fixture(scope="module")
def sample():
    return atmosphere(SAMPLE["time"], SAMPLE["lat"], SAMPLE["lon"], indices=dict(f107=150.0, f107a=150.0, ap=10.0))


def _at(atm, field, z_km):
    return float(np.interp(z_km, atm.altitude_km, getattr(atm, field)))


@pytest.mark.parametrize(
    ("z_km", "field", "expected"),
    [
        (110, "n2_cm3", 1.34e12),
        (110, "o2_cm3", 2.74e11),
        (110, "o_cm3", 1.75e11),
        (110, "temperature_k", 233.0),
        (200, "n2_cm3", 3.1e9),
        (200, "o2_cm3", 1.8e8),
        (200, "o_cm3", 3.4e9),
        (200, "temperature_k", 906.0),
    ],
)
def test_sample_values_match_reference_sheet(sample, z_km, field, expected):
    # physics.md quotes 2-3 significant digits.
    assert _at(sample, field, z_km) == pytest.approx(expected, rel=0.02)


def test_scale_height_and_mean_mass_at_110_km(sample):
    i = int(np.searchsorted(sample.altitude_km, 110.0))
    assert sample.scale_height_cm[i] / 1e5 == pytest.approx(7.44, abs=0.02)
    assert sample.mean_mass_g[i] / 1.66054e-24 == pytest.approx(27.5, abs=0.1)


def test_profiles_are_float64_finite_and_cgs(sample):
    for field in ("n2_cm3", "o2_cm3", "o_cm3", "n_cm3", "no_cm3", "temperature_k", "mass_density_g_cm3"):
        values = getattr(sample, field)
        assert values.dtype == np.float64
        assert np.all(np.isfinite(values)) and np.all(values >= 0)
    # Densities fall with height; at 110 km N2, O2 and O make up the mass density.
    assert np.all(np.diff(sample.n2_cm3) < 0)
    amu = 1.66054e-24
    summed = sum(_at(sample, f, 110) * m * amu for f, m in (("n2_cm3", 28.0), ("o2_cm3", 32.0), ("o_cm3", 16.0)))
    assert _at(sample, "mass_density_g_cm3", 110) == pytest.approx(summed, rel=0.01)


def test_default_grid_is_fine_below_200_km():
    z = default_altitudes_km()
    assert z[0] == 80.0 and z[-1] == 500.0
    assert np.all(np.diff(z[z < 200]) == 1.0) and np.all(np.diff(z[z >= 200]) == 2.5)


def test_no_network_access(monkeypatch):
    """pymsis downloads its index file when an index is missing; we always pass all three."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    given = atmosphere("2017-01-18T21:00Z", 69.6, 19.0, indices=dict(f107=75, f107a=75, ap=8))
    embedded = atmosphere("2017-01-18T21:00Z", 69.6, 19.0)  # indices from the embedded history
    msise00 = atmosphere("2017-01-18T21:00Z", 69.6, 19.0, msis_version=0)
    assert given.o_cm3.sum() > 0 and embedded.o_cm3.sum() > 0 and msise00.o_cm3.sum() > 0


def test_indices_default_to_the_embedded_history():
    time = dt.datetime(2017, 1, 18, 21, tzinfo=dt.UTC)
    weather = space_weather(time)
    atm = atmosphere(time, 69.6, 19.0)
    assert atm.f107 == weather.f107_previous_day
    assert atm.f107a == weather.f107a
    assert atm.ap == weather.ap_msis
    # An explicit Ap is used for all seven NRLMSIS ap values.
    assert atmosphere(time, 69.6, 19.0, indices=dict(ap=30)).ap == (30.0,) * 7


def test_msise00_has_no_from_nrlmsis21_and_differs_in_oxygen():
    time = "2017-01-18T21:00Z"
    v21 = atmosphere(time, 69.6, 19.0, indices=dict(f107=75, f107a=75, ap=8))
    v00 = atmosphere(time, 69.6, 19.0, indices=dict(f107=75, f107a=75, ap=8), msis_version=0)
    np.testing.assert_allclose(v00.no_cm3, v21.no_cm3)
    assert v00.msis_version == 0
    # physics.md sec 14: NRLMSIS 2.1 O is 15-20 % lower than MSISE-00 at 108-132 km.
    ratio = _at(v21, "o_cm3", 120) / _at(v00, "o_cm3", 120)
    assert 0.7 < ratio < 0.9


def test_longitude_is_wrapped():
    a = atmosphere("2017-01-18T21:00Z", 69.6, 379.0, indices=dict(f107=75, f107a=75, ap=8))
    b = atmosphere("2017-01-18T21:00Z", 69.6, 19.0, indices=dict(f107=75, f107a=75, ap=8))
    assert a.lon == pytest.approx(19.0)
    np.testing.assert_allclose(a.o_cm3, b.o_cm3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(indices=dict(f107=-5.0)), NorrskenError, "F10.7"),
        (dict(indices=dict(f107=1e4)), NorrskenError, "F10.7"),
        (dict(indices=dict(f107a=float("nan"))), NorrskenError, "f107a"),
        (dict(indices=dict(ap=-1.0)), NorrskenError, "Ap"),
        (dict(lat=95.0), NorrskenError, "latitude"),
        (dict(time=dt.datetime(2017, 1, 18, 21)), NorrskenError, "naive"),
        (dict(altitude_km=[300.0, 200.0, 100.0]), NorrskenError, "increasing"),
        (dict(altitude_km=[20.0, 100.0, 200.0]), OutOfRangeError, "altitudes"),
        (dict(msis_version=3), NorrskenError, "msis_version"),
        (dict(time="1900-01-01T00:00Z"), OutOfRangeError, "history"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, error, match):
    args = dict(time="2017-01-18T21:00Z", lat=69.6, lon=19.0)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        atmosphere(args.pop("time"), args.pop("lat"), args.pop("lon"), **args)
