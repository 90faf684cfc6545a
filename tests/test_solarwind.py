"""The solar wind driver: OMNI2 hours, the OVATION averaging rule, and OVATION Prime driven by it
against NOAA SWPC's own OVATION map of the same moment."""

import datetime as dt
import gzip
import hashlib
import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from norrsken.drivers import solarwind as sw
from norrsken.errors import NorrskenError

DATA = Path(__file__).parent / "data"
#: SHA-256 of the packaged OMNI hours (tools/make_omni_hours.py from the shared tarball).
OMNI_SHA256 = "537656553c03b65228c31b0b34e21a9493faa1bdc329df2c98406de99ec515bd"


def test_the_packaged_hours_are_the_converted_files():
    data = resources.files("norrsken").joinpath("data", "omni2_hourly.npz").read_bytes()
    assert hashlib.sha256(data).hexdigest() == OMNI_SHA256
    notice = resources.files("norrsken").joinpath("data", "omni2_hourly-NOTICE.txt").read_text()
    assert "King" in notice and "10.48322/1shr-ht18" in notice
    hours = sw.embedded()
    assert hours.start == dt.datetime(2011, 1, 1, tzinfo=dt.UTC)
    assert dt.datetime(2025, 10, 1, tzinfo=dt.UTC) < hours.end < dt.datetime(2025, 11, 1, tzinfo=dt.UTC)


def test_the_packing_is_lossless():
    hours = sw.embedded()
    source = sw.read_omni2(DATA / "omni" / "omni2_2025.first48h.dat")
    first = round((source.start - hours.start) / sw.HOUR)
    for name in sw.OMNI_COLUMNS:
        np.testing.assert_allclose(getattr(hours, name)[first : first + 48], getattr(source, name), rtol=1e-12, atol=1e-9)


def test_the_reader_turns_fill_values_into_nan():
    hours = sw.read_omni2(DATA / "omni" / "omni2t_2000.dat")
    assert hours.start == dt.datetime(2000, 1, 1, tzinfo=dt.UTC) and hours.speed.size == 25
    assert hours.speed[0] == 675.0 and hours.density[0] == 2.9 and hours.bz[0] == 1.6
    gap = sw.read_omni2(DATA / "omni" / "omni2_2025.first48h.dat")
    assert np.all(np.isfinite(gap.speed[:23]))
    row = np.flatnonzero(~gap.valid())
    assert row.size == 0 or np.all(np.isnan(gap.coupling()[row]))


def test_hour_weights():
    np.testing.assert_allclose(sw.hour_weights(1.0), [1.0, 0.65, 0.65**2, 0.65**3])
    np.testing.assert_allclose(sw.hour_weights(0.25), [0.5, 0.65, 0.4225, 0.274625])
    assert sw.hour_weights(0.0)[0] == 0.0


def test_the_current_hour_counts_by_the_square_root_of_its_elapsed_fraction():
    values = [4000.0, 1000.0, 1000.0, 1000.0]
    early, late = sw.weighted_coupling(values, 0.04), sw.weighted_coupling(values, 0.81)
    w = 0.65 + 0.65**2 + 0.65**3
    assert early == pytest.approx((0.2 * 4000 + w * 1000) / (0.2 + w))
    assert late == pytest.approx((0.9 * 4000 + w * 1000) / (0.9 + w))


def test_three_valid_hours_are_needed():
    assert sw.weighted_coupling([2000.0, np.nan, 1000.0, 1000.0], 0.5) == pytest.approx(
        (math.sqrt(0.5) * 2000 + (0.4225 + 0.274625) * 1000) / (math.sqrt(0.5) + 0.4225 + 0.274625)
    )
    assert math.isnan(sw.weighted_coupling([2000.0, np.nan, np.nan, 1000.0], 0.5))
    with pytest.raises(NorrskenError, match="4 hourly values"):
        sw.weighted_coupling([1.0, 2.0], 0.5)


def test_an_hour_needs_field_speed_and_density():
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    ones = np.ones(4)
    hours = sw.Hours(start, 400 * ones, np.array([5.0, np.nan, 5.0, 5.0]), ones, ones, -ones)
    np.testing.assert_array_equal(hours.valid(), [True, False, True, True])
    assert math.isfinite(sw.coupling_at(start + dt.timedelta(hours=3, minutes=30), hours))
    hours = sw.Hours(start, 400 * ones, np.array([5.0, np.nan, np.nan, 5.0]), ones, ones, -ones)
    assert math.isnan(sw.coupling_at(start + dt.timedelta(hours=3, minutes=30), hours))


def test_the_omni_coupling_of_the_swpc_map():
    assert sw.coupling_at("2025-01-12T22:51Z") == pytest.approx(1880.0, abs=5.0)


def test_no_solar_wind_is_a_clear_error():
    with pytest.raises(sw.SolarWindGap, match="embedded OMNI hours cover 2011-01-01"):
        sw.coupling_now("2003-10-30T00:00Z")
    hours = sw.embedded()
    bad = np.flatnonzero(~hours.valid())
    gap = bad[np.flatnonzero(np.diff(bad) == 1)[0]]  # two invalid hours in a row
    with pytest.raises(sw.SolarWindGap, match="an OMNI gap"):
        sw.coupling_now(hours.start + (gap + 1) * sw.HOUR + dt.timedelta(minutes=30))


@pytest.mark.parametrize("wind", ["450,-2,-5", "-400,0,-5,5", "400,0,nan,5", "fast"])
def test_bad_solar_wind_is_refused(wind):
    with pytest.raises(NorrskenError, match="solar_wind"):
        sw.check_wind(wind)


def test_a_solar_wind_by_hand():
    value, source = sw.coupling_now("2003-10-30T00:00Z", solar_wind="700,0,-20,10")
    assert value == pytest.approx(sw.newell_coupling(700.0, 0.0, -20.0)) and source.startswith("user override")
    assert sw.coupling_now("2003-10-30T00:00Z", dphi=5000.0) == (5000.0, "user override")


def swpc_map() -> tuple[str, np.ndarray]:
    with gzip.open(DATA / "swpc" / "ovation_aurora_latest.full.json.gz") as handle:
        product = json.load(handle)
    points = np.array(product["coordinates"])  # [lon 0..359, lat -90..90, aurora %], lon-major
    aurora = np.zeros((181, 360))
    aurora[points[:, 1] + 90, points[:, 0]] = points[:, 2]
    return product["Forecast Time"], aurora


def first_crossing(profile: np.ndarray, threshold: float, lat: np.ndarray) -> float:
    """Latitude (linear between grid points) where ``profile`` first reaches ``threshold``, poleward."""
    above = np.flatnonzero(profile >= threshold)
    if not above.size or above[0] == 0:
        return math.nan
    k = above[0]
    return lat[k - 1] + (threshold - profile[k - 1]) / (profile[k] - profile[k - 1]) * (lat[k] - lat[k - 1])


def test_the_night_side_edge_and_the_field_match_swpc():
    from norrsken.precipitation import oval

    time, aurora = swpc_map()
    ds = oval(time, model="ovation", resolution_deg=1.0)
    assert ds.attrs["dphi"] == pytest.approx(1880.0, abs=5.0)
    flux = np.roll(ds["energy_flux_erg"].values, -180, axis=1)  # lon -180.. -> 0..359 like SWPC
    mlt = np.roll(ds["mlt"].values, -180, axis=1)
    lat = ds["lat"].values
    north = lat >= 40.0
    correlation = np.corrcoef(aurora[north].ravel(), flux[north].ravel())[0, 1]
    # Edges: SWPC's 10 % of visible aurora and norrsken's 0.5 erg cm-2 s-1, on the night side
    # (MLT 18-06 at 65 deg N).
    swpc_edge = np.array([first_crossing(aurora[north, j], 10.0, lat[north]) for j in range(360)])
    our_edge = np.array([first_crossing(flux[north, j], 0.5, lat[north]) for j in range(360)])
    at_65 = mlt[np.flatnonzero(lat == 65.0)[0]]
    night = (at_65 >= 18.0) | (at_65 < 6.0)
    difference = (our_edge - swpc_edge)[night]
    assert np.isfinite(difference).sum() > 100
    mad = np.nanmean(np.abs(difference))
    print(f"SWPC 2025-01-12 22:51: field correlation {correlation:.3f}, night-side edge MAD {mad:.2f} deg")
    assert correlation >= 0.78
    assert mad <= 2.5


@pytest.fixture
def swpc_server(tmp_path, monkeypatch):
    from norrsken.drivers import swpc
    from test_swpc import Server

    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(swpc, "RETRY_DELAYS", (0.0, 0.0))
    return Server()


# Just after the newest rows of the RTSW samples (2026-04-18 14:29 mag, 14:30 plasma).
RTSW_NOW = dt.datetime(2026, 4, 18, 14, 35, tzinfo=dt.UTC)


def test_the_live_solar_wind_is_reduced_to_hours_and_carried_to_earth(swpc_server):
    from norrsken.drivers import swpc

    live = sw.live_wind(now=RTSW_NOW, client=swpc_server.client)
    mag = swpc.fetch("mag", now=RTSW_NOW, client=swpc_server.client).data
    hours = live.hours
    # Hourly means of the minutes of each clock hour, like OMNI's.
    first = hours.start - live.lag
    assert first == dt.datetime(2026, 4, 17, 14, tzinfo=dt.UTC) and hours.speed.size == 25
    assert hours.bz[1] == pytest.approx(mag["bz_gsm"]["2026-04-17 15:00":"2026-04-17 15:59"].mean())
    speed = hours.speed[hours.valid()][-1]
    assert live.lag.total_seconds() == pytest.approx(1.5e6 / speed, abs=1.0)
    assert 20 < live.lag.total_seconds() / 60 < 120
    assert not live.stale and "SWPC RTSW live" in live.source and "from L1 to Earth" in live.source
    value, source = sw.coupling_now(live.arrival, online=True, now=RTSW_NOW, client=swpc_server.client)
    assert value == pytest.approx(sw.coupling_at(live.arrival, hours)) and source.startswith("SWPC RTSW live, SWPC mag")
    assert 0 < value < 2e4


def test_beyond_the_live_solar_wind(swpc_server):
    # A year later the RTSW samples do not reach; the embedded OMNI hours do not either.
    with pytest.raises(sw.SolarWindGap, match="SWPC's solar wind reaches Earth"):
        sw.coupling_now("2027-04-18T16:00Z", online=True, now=RTSW_NOW, client=swpc_server.client)
    # Within the embedded hours, the live feed is not needed (its span does not cover the time).
    value, source = sw.coupling_now("2025-01-12T22:51Z", online=True, now=RTSW_NOW, client=swpc_server.client)
    assert source == sw.OMNI_SOURCE and value == pytest.approx(1880.1, abs=0.1)


def test_the_probability_of_visible_aurora_follows_swpc():
    from norrsken.precipitation import oval

    time, aurora = swpc_map()
    ds = oval(time, model="ovation", resolution_deg=1.0, probability=True)
    ours = np.roll(ds["aurora_probability_percent"].values, -180, axis=1)
    north = ds["lat"].values >= 40.0
    rms = float(np.sqrt(np.mean((ours[north] - aurora[north]) ** 2)))
    print(f"probability of visible aurora vs SWPC: RMS {rms:.2f} %, SWPC max {aurora.max():.0f} %, ours {ours.max():.0f} %")
    assert rms < 3.0 and 0.0 <= ours.min() and ours.max() <= 100.0


def test_the_nowcast(swpc_server, monkeypatch, capsys):
    from norrsken.drivers import swpc
    from norrsken.visibility import nowcast

    real_fetch = swpc.fetch
    monkeypatch.setattr(swpc, "fetch", lambda name, **kw: real_fetch(name, now=RTSW_NOW, client=swpc_server.client))
    result = nowcast(69.65, 18.96, now=RTSW_NOW)
    wind = result["solar_wind"]
    assert not wind["stale"] and 20 < wind["lag_min"] < 120
    assert [row["time"] for row in result["ovals"]] == [result["now"], wind["arrival"]]
    assert all(row["dphi_source"].startswith("SWPC RTSW live") and row["dphi"] > 0 for row in result["ovals"])
    assert all(row["hemispheric_power_north_gw"] > 0 for row in result["ovals"])
    place = result["place"]
    assert 0.0 <= place["probability_percent"] <= 100.0
    steps = place["forecast"]["steps"]
    assert steps[0]["time"] == result["now"] and all(step["dphi_source"].startswith("SWPC RTSW live") for step in steps)
    with pytest.raises(NorrskenError, match="both lat and lon"):
        nowcast(69.65, None, now=RTSW_NOW)
    from norrsken.cli.output import print_nowcast

    print_nowcast(result)
    printed = " ".join(capsys.readouterr().out.split())
    assert "reaches Earth in" in printed and "OVATION Prime 2010" in printed and "probability of visible aurora" in printed


def test_now_when_the_live_solar_wind_is_old(swpc_server, monkeypatch):
    from typer.testing import CliRunner

    from norrsken.cli import app
    from norrsken.drivers import swpc

    real_fetch = swpc.fetch
    monkeypatch.setattr(swpc, "fetch", lambda name, **kw: real_fetch(name, now=RTSW_NOW, client=swpc_server.client))
    result = CliRunner().invoke(app, ["now"])  # the computer's clock: long after the samples
    assert result.exit_code == 2 and "SWPC's solar wind reaches Earth" in result.output


def test_now_offline_says_it_cannot():
    from typer.testing import CliRunner

    from norrsken.cli import app

    result = CliRunner().invoke(app, ["now", "--offline"])
    assert result.exit_code == 2 and "needs NOAA SWPC's live solar wind" in result.output


def test_a_file_that_is_not_omni2_is_refused(tmp_path):
    path = tmp_path / "omni2_2020.dat"
    path.write_text("2020 1 0 not numbers\n")
    with pytest.raises(NorrskenError, match="not an OMNI2 hourly file"):
        sw.read_omni2(path)
    lines = (DATA / "omni" / "omni2t_2000.dat").read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    with pytest.raises(NorrskenError, match="must follow each other"):
        sw.read_omni2(path)
