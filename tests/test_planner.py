"""The orbit planner: its time steps, the auroral power in view of a satellite, and the best dark moments.

One whole day of the ISS (2017-01-18, 60 s steps) is scored once for the module (~6 s); the
region tests compare their own runs against it step by step."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import xarray as xr
from skyfield.api import EarthSatellite

from norrsken import ephemeris, planner
from norrsken.errors import NorrskenError
from norrsken.geometry import Region
from norrsken.orbit import iss
from norrsken.precipitation import oval

UTC = dt.UTC
DAY = ("2017-01-18T00:00Z", "2017-01-19T00:00Z")
#: The demo's box "over or near Europe": lat_min, lat_max, lon_min, lon_max.
EUROPE = (35.0, 72.0, -25.0, 45.0)


@pytest.fixture(scope="module")
def satellite():
    return iss(DAY[0])


@pytest.fixture(scope="module")
def day(satellite):
    return planner.opportunities(satellite, *DAY, step="60s")


@pytest.fixture(scope="module")
def europe(satellite):
    return planner.opportunities(satellite, *DAY, step="60s", region=EUROPE)


def _skyfield_sunlit(satellite, times: list[dt.datetime]) -> np.ndarray:
    """skyfield's own shadow test (a spherical Earth, the geometric Sun), independent of norrsken's."""
    timescale, eph = ephemeris._skyfield()
    reference = EarthSatellite(satellite.line1, satellite.line2, satellite.name, timescale)
    return np.atleast_1d(reference.at(timescale.from_datetimes(times)).is_sunlit(eph))


def _utc(value: np.datetime64) -> dt.datetime:
    return value.astype("datetime64[ms]").item().replace(tzinfo=UTC)


def _angle_from(azimuth: float, reference: float) -> float:
    """Smallest angle between two azimuths, degrees."""
    return abs((azimuth - reference + 180.0) % 360.0 - 180.0)


# --- time steps -------------------------------------------------------------------------------


def test_time_steps_count_and_inclusive_end(satellite):
    def steps(start, end, step):
        return planner.opportunities(satellite, start, end, step=step)["time"].values

    hour = steps("2017-01-18T00:00Z", "2017-01-18T01:00Z", "60s")
    assert hour.dtype.kind == "M" and hour.size == 61  # the end falls on a step: included
    assert hour[0] == np.datetime64("2017-01-18T00:00") and hour[-1] == np.datetime64("2017-01-18T01:00")
    assert np.all(np.diff(hour) == np.timedelta64(60, "s"))
    short = steps("2017-01-18T00:00Z", "2017-01-18T00:59:30Z", "60s")
    assert short.size == 60 and short[-1] == np.datetime64("2017-01-18T00:59")  # no step past the end
    assert steps("2017-01-18T00:00Z", "2017-01-18T00:00Z", "60s").size == 1
    # Offsets are converted to UTC first.
    shifted = steps("2017-01-18T01:00+01:00", "2017-01-18T00:10Z", "5min")
    assert shifted.size == 3 and shifted[0] == np.datetime64("2017-01-18T00:00")


def test_time_steps_bad_input(satellite):
    with pytest.raises(NorrskenError, match=r"the end \(2017-01-18 00:00\) lies before the start \(2017-01-18 01:00\)"):
        planner.opportunities(satellite, "2017-01-18T01:00Z", "2017-01-18T00:00Z", step="60s")
    for step, message in (
        ("0s", "step must be a positive duration"),
        ("-60s", "step must be a duration with its unit"),
        ("0.5s", r"the step must lie between 1s and 1d, got '0.5s'"),
        ("2d", r"the step must lie between 1s and 1d, got '2d'"),
        ("60", "step must be a duration with its unit such as 60s, 5min, 1h or 1d, got '60': write 60s or 60min"),
        (60.0, "step must be a duration such as '60s', '30min' or a timedelta, got 60.0"),
        (True, "step must be a duration such as '60s', '30min' or a timedelta, got True"),
    ):
        with pytest.raises(NorrskenError, match=message):
            planner.opportunities(satellite, *DAY, step=step)
    # 20001 steps of 1 s, one more than allowed, and the message says what to do.
    with pytest.raises(NorrskenError, match=r"20001 steps of 1s; at most 20000: use a longer step"):
        planner.opportunities(satellite, "2017-01-18T00:00:00Z", "2017-01-18T05:33:20Z", step="1s")
    assert planner.MAX_STEPS == 20_000
    with pytest.raises(NorrskenError, match="naive"):
        planner.opportunities(satellite, dt.datetime(2017, 1, 18), "2017-01-18T01:00Z")


# --- a day of the ISS -------------------------------------------------------------------------


def test_power_only_in_the_dark(day):
    power = day["power_gw"].values
    dark = day["dark"].values
    assert day.sizes["time"] == 1441 and day["scored"].values.tolist() == dark.tolist()  # no region
    assert 0.25 < dark.mean() < 0.45  # ~35 of every ~93 minutes, less the 2 deg margin at each end
    lit = power > 0.0
    assert lit.sum() > 300
    assert np.all(dark[lit]) and np.all(day["sun_above_limb_deg"].values[lit] < -planner.SHADOW_MARGIN_DEG)
    assert np.all(power[~dark] == 0.0)
    assert np.all(np.isnan(day["azimuth_deg"].values[~dark]))
    assert np.all(np.isfinite(day["azimuth_deg"].values[lit]) & np.isfinite(day["elevation_deg"].values[lit]))
    assert np.all(power >= 0.0)


def test_latitude_stays_within_the_inclination(day, satellite):
    inclination = float(satellite.line2[8:16])
    assert inclination - 0.5 < float(np.abs(day["lat"]).max()) <= inclination + 0.2
    assert 390.0 < float(day["altitude_km"].min()) and float(day["altitude_km"].max()) < 430.0


def test_best_per_pass_ranked_within_passes_and_in_shadow(day, satellite):
    passes = planner.best_per_pass(day)
    assert len(passes) >= 10  # a dark stretch of every orbit but the one near the window's end
    powers = [item.power_gw for item in passes]
    assert powers == sorted(powers, reverse=True) and powers[-1] > 0.0
    times = day["time"].values
    power = day["power_gw"].values
    for item in passes:
        assert item.pass_start <= item.time <= item.pass_end
        inside = (times >= np.datetime64(item.pass_start.replace(tzinfo=None))) & (
            times <= np.datetime64(item.pass_end.replace(tzinfo=None))
        )
        assert day["dark"].values[inside].all() and (power[inside] > planner.MIN_POWER_GW).all()
        assert item.power_gw == pytest.approx(power[inside].max())  # the best moment of its pass
        # The pass is a maximal run: the steps just outside it score at most the floor.
        first, last = np.flatnonzero(inside)[[0, -1]]
        for neighbour in (first - 1, last + 1):
            if 0 <= neighbour < times.size:
                assert power[neighbour] <= planner.MIN_POWER_GW
        i = np.flatnonzero(times == np.datetime64(item.time.replace(tzinfo=None)))[0]
        assert item.lat == pytest.approx(float(day["lat"][i]))
        assert item.azimuth_deg == pytest.approx(float(day["azimuth_deg"][i]))
    # Pass boundaries never overlap.
    spans = sorted((item.pass_start, item.pass_end) for item in passes)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
    # skyfield, independently: no best moment is sunlit.
    assert not _skyfield_sunlit(satellite, [item.time for item in passes]).any()


def test_min_power_drops_weak_passes(day):
    every = planner.best_per_pass(day)
    strong = planner.best_per_pass(day, min_power_gw=10.0)
    assert 0 < len(strong) < len(every)
    assert all(item.power_gw > 10.0 for item in strong)
    assert planner.best_per_pass(day, min_power_gw=1e6) == []


def test_power_in_view_never_exceeds_the_hemispheric_power(day):
    for item in planner.best_per_pass(day):
        attrs = oval(item.time, resolution_deg=planner.OVAL_RESOLUTION_DEG).attrs
        assert item.power_gw <= attrs["hemispheric_power_north_gw"] + attrs["hemispheric_power_south_gw"]


def test_the_issue_must_show_europe_in_shadow_and_north_of_45(europe, satellite):
    """Planner over 2017-01-18 lists only times with the ISS in shadow, and its best European pass
    has the ISS north of 45 deg N."""
    passes = planner.best_per_pass(europe)
    assert len(passes) >= 3
    listed = [item.time for item in passes]
    steps = [np.flatnonzero(europe["time"].values == np.datetime64(t.replace(tzinfo=None)))[0] for t in listed]
    assert europe["dark"].values[steps].all()
    assert np.all(europe["sun_above_limb_deg"].values[steps] < -planner.SHADOW_MARGIN_DEG)
    best = passes[0]
    assert best.lat > 45.0
    assert EUROPE[0] <= best.lat <= EUROPE[1] and EUROPE[2] <= best.lon <= EUROPE[3]
    assert best.power_gw > 5.0 and _angle_from(best.azimuth_deg, 0.0) < 45.0  # the aurora to the north
    # An independent shadow test (skyfield's is_sunlit) agrees for every listed time, and for
    # every step of the best pass.
    assert not _skyfield_sunlit(satellite, listed).any()
    minutes = int((best.pass_end - best.pass_start).total_seconds() // 60)
    pass_steps = [best.pass_start + dt.timedelta(minutes=m) for m in range(minutes + 1)]
    assert len(pass_steps) > 3 and not _skyfield_sunlit(satellite, pass_steps).any()


def test_region_scores_exactly_the_dark_steps_in_the_box(europe, day):
    lat, lon = day["lat"].values, day["lon"].values
    box = (lat >= EUROPE[0]) & (lat <= EUROPE[1]) & (lon >= EUROPE[2]) & (lon <= EUROPE[3])
    expected = day["dark"].values & box
    assert expected.sum() > 20
    np.testing.assert_array_equal(europe["scored"].values, expected)
    np.testing.assert_array_equal(europe["dark"].values, day["dark"].values)
    np.testing.assert_allclose(europe["power_gw"].values[expected], day["power_gw"].values[expected])
    assert np.all(europe["power_gw"].values[~expected] == 0.0)


def test_wrapped_longitude_box(satellite, day):
    """lon_min > lon_max wraps over 180: 170..-170 is the 20 deg either side of the antimeridian."""
    wrapped = planner.opportunities(satellite, *DAY, step="60s", region=(-60.0, 60.0, 170.0, -170.0))
    lon = day["lon"].values
    across = (lon >= 170.0) | (lon <= -170.0)
    expected = day["dark"].values & across
    # Steps on both sides of the antimeridian, and none from the rest of the world.
    assert (expected & (lon > 0)).sum() > 3 and (expected & (lon < 0)).sum() > 3
    np.testing.assert_array_equal(wrapped["scored"].values, expected)
    np.testing.assert_allclose(wrapped["power_gw"].values[expected], day["power_gw"].values[expected])
    assert np.all(wrapped["power_gw"].values[~expected] == 0.0)
    assert wrapped.attrs["satellite"] == "ISS (ZARYA)" and wrapped.attrs["step_s"] == 60.0


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ((35.0, 72.0, -25.0), r"a region is a Region or four numbers lat1, lat2, lon1, lon2, got \(35.0, 72.0, -25.0\)"),
        ((35.0, 72.0, -25.0, 45.0, 1.0), "a region is a Region or four numbers"),
        ((35.0, float("nan"), -25.0, 45.0), "a region's bounds must be finite numbers"),
        ((72.0, 35.0, -25.0, 45.0), r"a region's latitudes must satisfy -90 <= LAT1 <= LAT2 <= 90, got 72, 35"),
        ((50.0, 50.0, -25.0, 600.0), "a region's longitudes must lie from -180 to 540 degrees, got -25, 600"),
        ((35.0, 95.0, -25.0, 45.0), r"a region's latitudes must satisfy -90 <= LAT1 <= LAT2 <= 90, got 35, 95"),
        ((-91.0, 0.0, -25.0, 45.0), r"a region's latitudes must satisfy -90 <= LAT1 <= LAT2 <= 90, got -91, 0"),
    ],
)
def test_bad_region(satellite, region, message):
    with pytest.raises(NorrskenError, match=message):
        planner.opportunities(satellite, "2017-01-18T21:00Z", "2017-01-18T21:10Z", region=region)


def test_a_region_object_is_the_same_box_as_its_four_numbers(satellite):
    window = ("2017-01-18T21:00Z", "2017-01-18T21:10Z")
    as_numbers = planner.opportunities(satellite, *window, region=EUROPE)
    as_region = planner.opportunities(satellite, *window, region=Region.of(*EUROPE))
    xr.testing.assert_identical(as_numbers, as_region)


# --- the aurora in view of one position -------------------------------------------------------

TIME = "2017-01-18T23:59Z"


def test_nothing_in_view_over_the_equator():
    # From 408 km the 110 km shell is in sight ~31 deg of arc away; over Africa that stays well
    # equatorward of the model's 40 deg MLAT floor.
    power, azimuth, elevation = planner.aurora_in_view(TIME, 0.0, 20.0, 408.0)
    assert power == 0.0 and math.isnan(azimuth) and math.isnan(elevation)


def test_more_power_in_view_at_kp_5_than_at_kp_1():
    quiet, *_ = planner.aurora_in_view(TIME, 60.0, 20.0, 408.0, indices={"kp": 1.0})
    storm, *_ = planner.aurora_in_view(TIME, 60.0, 20.0, 408.0, indices={"kp": 5.0})
    assert 0.0 < quiet and storm > 2.0 * quiet
    for kp, power in ((1.0, quiet), (5.0, storm)):
        attrs = oval(TIME, indices={"kp": kp}, resolution_deg=planner.OVAL_RESOLUTION_DEG).attrs
        assert power <= attrs["hemispheric_power_north_gw"] + attrs["hemispheric_power_south_gw"]


def test_high_and_over_the_pole_the_whole_northern_oval_is_in_view():
    power, _, elevation = planner.aurora_in_view(TIME, 80.0, 20.0, 2000.0)
    attrs = oval(TIME, resolution_deg=planner.OVAL_RESOLUTION_DEG).attrs
    assert power <= attrs["hemispheric_power_north_gw"] + attrs["hemispheric_power_south_gw"]
    assert power == pytest.approx(attrs["hemispheric_power_north_gw"], rel=0.01)
    assert elevation < -45.0  # the oval lies below, around the satellite


@pytest.mark.parametrize(
    ("lat", "lon", "toward"),
    [
        (50.0, 20.0, 0.0),  # over Poland just before midnight UTC: the oval to the north
        (-50.0, 147.0, 180.0),  # south of Tasmania: the southern oval to the south
    ],
)
def test_aurora_lies_poleward(lat, lon, toward):
    power, azimuth, elevation = planner.aurora_in_view(TIME, lat, lon, 408.0)
    assert power > 1.0
    assert _angle_from(azimuth, toward) < 45.0
    # Below the local horizontal, above the limb's depression (~20 deg) less the 110 km shell's
    # extra reach.
    assert -35.0 < elevation < 0.0


def test_default_floor_drops_the_oval_models_tail(day):
    """The model's flux never quite reaches zero: over the tropics the ISS 'sees' ~1e-7 GW. The
    default floor keeps such steps out of the passes."""
    tropics = day["dark"].values & (np.abs(day["lat"].values) < 10.0)
    assert tropics.any() and day["power_gw"].values[tropics].max() < planner.MIN_POWER_GW
    assert all(abs(item.lat) > 25.0 for item in planner.best_per_pass(day))
