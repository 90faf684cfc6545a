"""ISS element sets: parsing, positions against ESA and predict.cr, the Earth's shadow against skyfield."""

import datetime as dt
import math

import numpy as np
import pytest
from skyfield.api import EarthSatellite

from norrsken import ephemeris
from norrsken.errors import NorrskenError, NorrskenWarning, OutOfRangeError, TLEError
from norrsken.orbit import iss, iss_tles, load_tles, parse_tles, select, shadow_intervals, states
from tle_tools import with_checksum

UTC = dt.UTC
# Epochs of the packaged sets, from the fixture index (shared fixtures, tle/iss_tle_index.tsv),
# which gives them to the whole second, rounded down.
INDEX_EPOCHS = [
    "2016-12-04T17:21:54Z", "2016-12-06T23:16:25Z", "2016-12-26T06:01:33Z", "2016-12-27T21:21:23Z",
    "2016-12-29T14:49:38Z", "2017-01-18T04:01:19Z", "2017-02-24T23:29:32Z", "2017-03-14T14:20:30Z",
    "2017-03-19T14:41:05Z", "2017-03-26T20:48:28Z", "2017-04-18T21:31:25Z", "2017-05-24T21:32:51Z",
    "2025-06-25T17:34:44Z", "2025-10-01T11:59:38Z", "2025-11-09T23:14:21Z", "2026-08-25T15:51:11Z",
    "2026-09-16T20:27:47Z",
]  # fmt: skip


def _set(epoch: str) -> tuple[str, str]:
    """The two element lines of the packaged set with this index epoch."""
    satellite = iss_tles()[INDEX_EPOCHS.index(epoch)]
    return satellite.line1, satellite.line2


JAN18_1, JAN18_2 = _set("2017-01-18T04:01:19Z")


# --- parsing ---------------------------------------------------------------------------------


def test_packaged_sets_load_with_the_index_epochs():
    satellites = iss_tles()
    assert len(satellites) == 17
    assert {(s.name, s.catalog_number) for s in satellites} == {("ISS (ZARYA)", 25544)}
    for satellite, epoch in zip(satellites, INDEX_EPOCHS, strict=True):
        assert satellite.epoch.tzinfo == UTC
        offset = (satellite.epoch - dt.datetime.fromisoformat(epoch)).total_seconds()
        assert 0.0 <= offset < 1.0


def test_two_and_three_line_sets():
    text = "\r\n".join(
        [
            "# a comment, then a blank line",
            "",
            "ISS (ZARYA)   ",
            JAN18_1 + "  ",
            JAN18_2,
            JAN18_1,  # a 2-line set
            JAN18_2,
            "0 ISS (ZARYA)",  # Space-Track 3LE name line
            *_set("2017-04-18T21:31:25Z"),
        ]
    )
    named, unnamed, spacetrack = parse_tles(text)
    assert named.name == spacetrack.name == "ISS (ZARYA)"
    assert unnamed.name == "NORAD 25544"
    assert named.line1 == unnamed.line1 == JAN18_1  # trailing blanks and CR stripped
    assert named.epoch == unnamed.epoch and spacetrack.epoch.date() == dt.date(2017, 4, 18)


NAME = "ISS (ZARYA)"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([NAME, JAN18_1[:68] + "8", JAN18_2], "x.tle line 2: checksum digit is 8, the line sums to 9"),
        # A one-digit typo in the inclination (51.6445 -> 51.6446) is caught by the checksum.
        (
            [NAME, JAN18_1, JAN18_2.replace("51.6445", "51.6446")],
            "x.tle line 3: checksum digit is 5, the line sums to 6",
        ),
        (
            [NAME, JAN18_1, JAN18_2[:30] + JAN18_2[31:]],
            "x.tle line 3: an element line has 69 characters, this one has 68",
        ),
        ([NAME, JAN18_2, JAN18_1], "x.tle line 2: expected line 1 of an element set, starting '1 ', got '2 25544"),
        ([NAME, JAN18_1, JAN18_1], "x.tle line 3: expected line 2 of an element set, starting '2 ', got '1 25544"),
        (
            [NAME, JAN18_1, with_checksum(JAN18_2.replace("25544", "25545"))],
            "x.tle line 3: catalog number 25545 differs from 25544 on line 2",
        ),
        (
            [NAME, JAN18_1, with_checksum(JAN18_2.replace("51.6445", "51.6x45"))],
            "x.tle line 3: inclination (columns 9-16) is not a valid number: '51.6x45'",
        ),
        (
            [NAME, JAN18_1, with_checksum(JAN18_2.replace("15.54083144", "-5.54083144"))],
            "mean motion (columns 53-63) is not a valid number: '-5.54083144'",
        ),
        (
            [NAME, with_checksum(JAN18_1.replace("39647-4", "3964e-4")), JAN18_2],
            "BSTAR drag term (columns 54-61) is not a valid number: '3964e-4'",
        ),
        (
            [NAME, with_checksum(JAN18_1.replace("17018.", "17400.")), JAN18_2],
            "x.tle line 2: epoch day 400.168 is not a day of 2017",
        ),
        ([NAME, JAN18_1], "x.tle line 2: the text ends inside an element set"),
        (
            [NAME, JAN18_1, with_checksum(JAN18_2.replace("0007746", "9999999"))],
            "x.tle lines 2-3: SGP4 cannot start from these elements: semilatus rectum is less than zero",
        ),
        ([], "x.tle: no element sets found"),
        (["# only a comment", "   "], "x.tle: no element sets found"),
    ],
)
def test_malformed_sets_are_refused_with_the_line_and_the_reason(lines, message):
    with pytest.raises(TLEError) as caught:
        parse_tles("\n".join(lines), source="x.tle")
    assert message in str(caught.value)
    assert isinstance(caught.value, NorrskenError)


def test_load_tles(tmp_path):
    path = tmp_path / "iss.tle"
    path.write_text(f"ISS\n{JAN18_1}\n{JAN18_2}\n")
    assert load_tles(path)[0].line2 == JAN18_2
    path.write_text(f"ISS\n{JAN18_1[:68]}0\n{JAN18_2}\n")
    with pytest.raises(TLEError, match=r"iss\.tle line 2: checksum digit is 0"):
        load_tles(path)
    with pytest.raises(NorrskenError, match="cannot read TLE file .*missing.tle: No such file"):
        load_tles(tmp_path / "missing.tle")
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(NorrskenError, match="not a text file"):
        load_tles(path)


# --- positions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "lat", "lon", "altitude_km"),
    [
        # ESA's ISS tracker, quoted in stephan-hoedtke/Nyota SatelliteUnitTest.kt for this set.
        ("2017-01-18T18:18:00Z", -13.46, -138.77, 409.0),
        ("2017-01-18T18:45:20Z", -41.20, -20.12, 423.0),
        ("2017-01-18T19:15:11Z", 42.5, 62.0, 405.0),
    ],
)
def test_positions_match_esa(time, lat, lon, altitude_km):
    state = states(iss(time), time)
    assert float(state.lat) == pytest.approx(lat, abs=0.05)
    assert float(state.lon) == pytest.approx(lon, abs=0.05)
    assert float(state.altitude_km) == pytest.approx(altitude_km, abs=1.0)


def test_position_matches_predict_cr():
    """RX14/predict.cr README: the 2016-12-04 set at 2016-12-05 12:00 UTC (4-decimal radians)."""
    satellite = iss_tles()[0]
    state = states(satellite, dt.datetime(2016, 12, 5, 12, tzinfo=UTC))
    assert math.radians(float(state.lat)) == pytest.approx(0.8913, abs=1e-4)
    assert math.radians(float(state.lon)) == pytest.approx(2.3062, abs=1e-4)
    assert float(state.altitude_km) == pytest.approx(415.4529, abs=0.01)


def test_speed_matches_esa_and_velocity_is_the_derivative_of_position():
    satellite = iss("2017-01-18T18:18Z")
    times = ["2017-01-18T18:18:00Z", "2017-01-18T18:45:20Z", "2017-01-18T19:15:11Z"]
    state = states(satellite, times)
    r, v = state.position_ecef_km.values, state.velocity_ecef_km_s.values
    # Back to an inertial speed: add the Earth's rotation, 7.292115e-5 rad/s (WGS84, NIMA TR8350.2).
    inertial = v + np.cross([0.0, 0.0, 7.292115e-5], r)
    esa_km_h = np.array([27595.0, 27557.0, 27632.0])
    np.testing.assert_allclose(np.linalg.norm(inertial, axis=1), esa_km_h / 3600.0, atol=0.005)

    day = states(satellite, np.datetime64("2017-01-18") + np.arange(0, 86400, 60) * np.timedelta64(1, "s"))
    speed = np.linalg.norm(day.velocity_ecef_km_s.values, axis=1)
    assert 7.2 < speed.min() and speed.max() < 7.45  # 7.66 km/s inertial, less the rotating ground
    pair = states(satellite, ["2017-01-18T06:00:00Z", "2017-01-18T06:00:01Z"])
    middle = states(satellite, "2017-01-18T06:00:00.5Z")
    difference = np.diff(pair.position_ecef_km.values, axis=0)[0]
    np.testing.assert_allclose(difference, middle.velocity_ecef_km_s.values, atol=1e-4)


def test_latitude_stays_within_the_inclination():
    satellite = iss("2017-01-18T12:00Z")
    inclination = float(satellite.line2[8:16])
    day = states(satellite, np.datetime64("2017-01-18") + np.arange(2881) * np.timedelta64(30, "s"))
    r = day.position_ecef_km.values
    geocentric = np.degrees(np.arcsin(r[:, 2] / np.linalg.norm(r, axis=1)))
    assert 51.0 < np.abs(geocentric).max() <= 51.6 + 0.1
    # Geodetic latitude exceeds geocentric by up to e2/2 sin(2 lat) ~ 0.19 deg (less at 400 km).
    assert inclination < np.abs(day.lat).max() <= inclination + 0.19
    assert day.lon.min() >= -180.0 and day.lon.max() < 180.0
    assert 400.0 < day.altitude_km.min() and day.altitude_km.max() < 430.0
    assert day.attrs["catalog_number"] == 25544 and day.attrs["tle_epoch"].startswith("2017-01-18T04:01:19")


# --- the Earth's shadow ----------------------------------------------------------------------


def _skyfield_transitions(satellite, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """skyfield's is_sunlit on a grid of seconds after 2017-01-18 00:00 UTC: the first sample after
    each change and whether it is sunlit."""
    timescale, eph = ephemeris._skyfield()
    reference = EarthSatellite(satellite.line1, satellite.line2, satellite.name, timescale)
    sunlit = reference.at(timescale.utc(2017, 1, 18, 0, 0, seconds)).is_sunlit(eph)
    changes = np.flatnonzero(sunlit[1:] != sunlit[:-1]) + 1
    return seconds[changes], sunlit[changes]


def test_shadow_times_match_skyfield():
    satellite = iss("2017-01-18T12:00Z")
    start = dt.datetime(2017, 1, 18, tzinfo=UTC)
    intervals = shadow_intervals(satellite, start, start + dt.timedelta(days=1))
    entries = [(i.entry - start).total_seconds() for i in intervals if not i.entry_clipped]
    exits = [(i.exit - start).total_seconds() for i in intervals if not i.exit_clipped]
    assert len(intervals) == 16 and not intervals[0].entry_clipped and intervals[-1].exit_clipped
    for interval in intervals[:-1]:
        assert 34.0 < (interval.exit - interval.entry).total_seconds() / 60.0 < 36.5

    # The same number of boundaries on skyfield's 20 s grid over the day ...
    coarse, _ = _skyfield_transitions(satellite, np.arange(0.0, 86401.0, 20.0))
    assert len(coarse) == len(entries) + len(exits)
    # ... and each within 5 s of skyfield's on a 1 s grid around it (skyfield: a sphere of
    # 6378.1366 km and the geometric Sun; here WGS84 and the apparent Sun).
    ours = np.sort(np.concatenate([entries, exits]))
    grid = np.unique(np.concatenate([np.arange(t - 40.0, t + 41.0) for t in np.round(ours)]))
    changes, lit_after = _skyfield_transitions(satellite, grid)
    assert len(changes) == len(ours)
    np.testing.assert_array_equal(lit_after, np.isin(ours, exits))
    assert np.abs((changes - 0.5) - ours).max() < 5.0


def test_shadow_agrees_with_states_and_clips_at_the_window():
    satellite = iss("2017-01-18T12:00Z")
    # 00:40 is inside the shadow that runs from 00:24:50 to 01:00:01 UTC.
    start, end = dt.datetime(2017, 1, 18, 0, 40, tzinfo=UTC), dt.datetime(2017, 1, 18, 3, 40, tzinfo=UTC)
    intervals = shadow_intervals(satellite, start, end, step="60s")
    assert intervals[0].entry == start and intervals[0].entry_clipped and not intervals[0].exit_clipped
    assert intervals[-1].exit == end and intervals[-1].exit_clipped
    assert len(intervals) == 3
    for interval in intervals:
        inside = states(satellite, [interval.entry + dt.timedelta(seconds=1), interval.exit - dt.timedelta(seconds=1)])
        assert not inside.sunlit.any()
        if not interval.exit_clipped:
            after = states(satellite, interval.exit + dt.timedelta(seconds=1))
            assert after.sunlit and 0.0 < float(after.sun_above_limb_deg) < 0.2
    # A window wholly inside one shadow.
    (whole,) = shadow_intervals(satellite, "2017-01-18T00:30Z", "2017-01-18T00:50Z")
    assert whole.entry_clipped and whole.exit_clipped


# --- choosing an element set and bad input ---------------------------------------------------


def test_select_picks_the_nearest_epoch_and_warns_far_from_all():
    assert iss("2017-01-18T21:00Z").epoch.date() == dt.date(2017, 1, 18)
    far = dt.datetime(2020, 6, 1, tzinfo=UTC)
    assert min(abs(s.epoch - far) for s in iss_tles()) > dt.timedelta(days=30)
    chosen = select(iss_tles(), far)
    assert chosen.epoch.date() == dt.date(2017, 5, 24)
    # Propagating it there warns, whichever way the set was chosen; near its epoch it does not.
    with pytest.warns(NorrskenWarning, match=r"at 2020-06-01 00:00 UTC, 1103\.1 days away from its epoch \(2017-05-24 21:32 UTC\).*few km per day"):
        states(chosen, [dt.datetime(2017, 5, 25, tzinfo=UTC), far])
    states(chosen, dt.datetime(2017, 5, 30, tzinfo=UTC))  # 6 days: no warning (warnings are errors here)
    with pytest.raises(NorrskenError, match="no element sets"):
        select([], far)
    # The same elements under another catalog number stand in for a second satellite.
    other = parse_tles("\n".join(with_checksum(line.replace("25544", "20580")) for line in (JAN18_1, JAN18_2)))
    with pytest.raises(NorrskenError, match=r"several satellites in the element sets \(ISS \(ZARYA\)"):
        select([*iss_tles(), *other], far)


def test_bad_input():
    satellite = iss("2017-01-18T12:00Z")
    with pytest.raises(NorrskenError, match="must be after start"):
        shadow_intervals(satellite, "2017-01-18T12:00Z", "2017-01-18T11:00Z")
    with pytest.raises(NorrskenError, match="must be after start"):
        shadow_intervals(satellite, "2017-01-18T12:00Z", "2017-01-18T12:00Z")
    for step, message in (
        ("0s", "step must be a positive duration, got '0s'"),
        ("-30s", "step must be a duration with its unit"),
        (30, "step must be a duration such as '60s', '30min' or a timedelta, got 30"),
        (float("nan"), "step must be a duration such as '60s', '30min' or a timedelta, got nan"),
        ("thirty", "step must be a duration with its unit such as 60s, 5min, 1h or 1d, got 'thirty'"),
    ):
        with pytest.raises(NorrskenError, match=message):
            shadow_intervals(satellite, "2017-01-18T00:00Z", "2017-01-19T00:00Z", step=step)
    with pytest.raises(NorrskenError, match="at most 1000000"):
        shadow_intervals(satellite, "2017-01-18T00:00Z", "2017-02-18T00:00Z", step="1s")
    with pytest.raises(NorrskenError, match="naive"):
        states(satellite, dt.datetime(2017, 1, 18))
    with pytest.raises(OutOfRangeError, match="DE421"):
        states(satellite, "1899-01-01T00:00Z")
    with (
        pytest.warns(NorrskenWarning, match="8382.8 days away"),
        pytest.raises(OutOfRangeError, match="SGP4 fails .* 2040-01-01 00:00 UTC: .*decayed"),
    ):
        states(satellite, ["2017-01-18T00:00Z", "2040-01-01T00:00Z"])
