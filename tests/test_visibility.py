"""The "can I see it from here?" forecast: verdicts, directions, thresholds and geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from norrsken.atmosphere import LINE_EXTINCTION_MAG, air_mass
from norrsken.emission.column import column
from norrsken.errors import NorrskenError, NorrskenWarning
from norrsken.precipitation import oval
from norrsken.visibility import (
    CAMERA_R,
    NAKED_EYE_R,
    VERDICTS,
    forecast,
    summary,
    threshold_factor,
    verdict,
)

TROMSO = (69.65, 18.96)
ROME = (41.9, 12.5)
HOBART = (-42.9, 147.3)


def _at(lat, lon, time, kp=None):
    end = str(np.datetime64(time.rstrip("Z")) + np.timedelta64(30, "m")) + "Z"
    return forecast(time, lat, lon, end=end, step="30min", indices={"kp": kp}).isel(time=0)


def test_tromso_evening_is_overhead_or_high():
    step = _at(*TROMSO, "2017-01-18T21:00Z")
    assert float(step["kp"]) >= 3.0 and str(step["kp_source"].values) == "embedded CelesTrak history"
    assert str(step["verdict"].values) in ("overhead", "naked eye, high")
    assert str(step["darkness"].values) == "night"


def test_rome_at_kp_3_sees_nothing():
    step = _at(*ROME, "2017-01-18T21:00Z", kp=3.0)
    assert str(step["verdict"].values) == "not visible"
    assert float(step["green_r"]) < CAMERA_R
    assert str(step["kp_source"].values) == "user override"


@pytest.mark.parametrize("place", [TROMSO, ROME])
def test_noon_is_daylight(place):
    step = _at(*place, "2017-01-18T12:00Z", kp=5.0)
    assert str(step["verdict"].values) == "daylight"


def test_hobart_at_kp_7_looks_south():
    """Southern hemisphere: from Hobart the oval lies toward the south pole."""
    step = _at(*HOBART, "2017-01-18T14:00Z", kp=7.0)  # 01:00 local time, Sun 26 deg down
    assert str(step["darkness"].values) == "night"
    azimuth = float(step["azimuth_deg"])
    assert abs((azimuth - 180.0 + 180.0) % 360.0 - 180.0) < 60.0
    assert str(step["verdict"].values).startswith("naked eye")


def test_overhead_column_matches_the_direct_column_computation():
    """The overhead green comes from the emission table; norrsken.column computes the same column
    from the physics directly: they agree within the table's interpolation (10 %)."""
    time = "2017-01-18T21:00Z"
    step = _at(*TROMSO, time)
    here = oval(time).interp(lat=TROMSO[0], lon=TROMSO[1])
    direct = column(time, *TROMSO, float(here["mean_energy_kev"]), float(here["energy_flux_erg"]))
    expected = float(direct["brightness_r"].sel(line="557.7")) * 10.0 ** (-0.4 * LINE_EXTINCTION_MAG["557.7"])
    assert float(step["overhead_green_r"]) == pytest.approx(expected, rel=0.1)


def test_brightest_light_sits_above_the_horizon_toward_the_oval():
    ds = forecast("2017-01-18T16:00Z", *TROMSO, end="2017-01-19T00:00Z")
    dark = ds["sun_elevation_deg"].values < -12.0
    elevation = ds["elevation_deg"].values[dark]
    # Extinction keeps the "brightest" off the horizon; van Rhijn keeps it off the zenith.
    assert np.all((elevation > 5.0) & (elevation < 60.0))
    # The green line seen never exceeds a plausible limb gain over the brightest column.
    assert np.all(ds["green_r"].values < 10.0 * ds["overhead_green_r"].values.max() + 1e4)


def test_verdict_thresholds():
    dark = -30.0
    assert verdict(5e3, 45.0, 5e3, -3.0, 1.0) == "daylight"
    assert verdict(5e3, 45.0, NAKED_EYE_R, dark, 1.0) == "overhead"
    assert verdict(NAKED_EYE_R, 45.0, 0.0, dark, 1.0) == "naked eye, high"
    assert verdict(NAKED_EYE_R, 10.0, 0.0, dark, 1.0) == "naked eye, low"
    assert verdict(CAMERA_R, 10.0, 0.0, dark, 1.0) == "camera only"
    assert verdict(CAMERA_R * 0.99, 10.0, 0.0, dark, 1.0) == "not visible"
    # Twilight and moonlight raise the bar.
    assert verdict(NAKED_EYE_R, 10.0, 0.0, dark, 4.0) == "camera only"
    assert set(VERDICTS) >= {"daylight", "not visible", "camera only", "overhead"}


def test_threshold_factor_twilight_and_moon():
    assert threshold_factor(-30.0, -10.0, 1.0) == 1.0  # night, Moon down
    assert threshold_factor(-9.0, -10.0, 0.0) == 10.0  # nautical twilight
    assert threshold_factor(-15.0, -10.0, 0.0) == 2.0  # astronomical twilight
    assert threshold_factor(-30.0, 90.0, 1.0) == pytest.approx(5.0)  # full Moon at the zenith
    assert threshold_factor(-30.0, 30.0, 0.5) == pytest.approx(2.0)
    assert math.isinf(threshold_factor(-3.0, -10.0, 0.0))  # civil twilight


def test_air_mass_kasten_young():
    assert air_mass(90.0) == pytest.approx(1.0, abs=1e-3)
    assert air_mass(30.0) == pytest.approx(1.995, abs=0.01)
    assert 37.0 < air_mass(0.0) < 39.0  # 38.09 at the horizon (Kasten & Young 1989)


def test_summary_is_json_ready_and_names_the_best_step():
    import json

    ds = forecast("2017-01-18T12:00Z", *TROMSO, end="2017-01-19T00:00Z", step="60min")
    data = summary(ds)
    text = json.dumps(data, allow_nan=False)
    assert '"verdict"' in text and len(data["steps"]) == 13
    assert data["best"]["verdict"] == "overhead"
    assert data["thresholds"]["naked_eye_r"] == NAKED_EYE_R
    assert all(step["kp_source"] == "embedded CelesTrak history" for step in data["steps"])


def test_the_best_step_is_never_in_daylight():
    # A summer day in Rome: every step is daylight, so there is no best step (not the brightest
    # of the daylight ones); a window into the night takes its best from the dark steps.
    day = summary(forecast("2017-06-21T08:00Z", *ROME, end="2017-06-21T14:00Z", step="2h"))
    assert {step["verdict"] for step in day["steps"]} == {"daylight"} and day["best"] is None
    dusk = summary(forecast("2017-06-21T16:00Z", *ROME, end="2017-06-21T22:00Z", step="2h"))
    verdicts = [step["verdict"] for step in dusk["steps"]]
    assert "daylight" in verdicts and set(verdicts) != {"daylight"}
    assert dusk["best"] is not None and dusk["best"]["verdict"] != "daylight"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": "2017-01-18T20:30Z"}, r"the end \(2017-01-18 20:30\) lies before the start \(2017-01-18 21:00\)"),
        ({"step": "0min"}, "step must be a positive duration, got '0min'"),
        ({"step": 30.0}, "step must be a duration such as '60s', '30min' or a timedelta, got 30.0"),
        ({"step": "12h"}, "the step must lie between 1min and 6h, got '12h'"),
        ({"time": "2017-01-18T21:00"}, "has no timezone"),
    ],
)
def test_bad_input(kwargs, message):
    arguments = {"time": "2017-01-18T21:00Z", **kwargs}
    with pytest.raises(NorrskenError, match=message):
        forecast(arguments.pop("time"), *TROMSO, **arguments)


def test_bad_place():
    with pytest.raises(NorrskenError, match="lat"):
        forecast("2017-01-18T21:00Z", 95.0, 0.0)


def test_beyond_the_embedded_history_offline_kp_is_assumed():
    with pytest.warns(NorrskenWarning) as said:
        ds = forecast("2028-01-01T00:00Z", *TROMSO, end="2028-01-01T01:00Z")
    assert any("Kp 1.67 is assumed" in str(w.message) for w in said)
    assert set(ds["kp_source"].values.tolist()) == {"assumed: the median of the embedded history's last 81 days"}
    with pytest.raises(NorrskenError, match=r"give kp=\.\.\. to set Kp yourself"):
        forecast("1950-01-01T00:00Z", *TROMSO, end="1950-01-01T01:00Z")
    with pytest.warns(NorrskenWarning, match="the atmosphere takes the F10.7"):
        given = _at(*TROMSO, "2028-01-01T00:00Z", kp=4.0)
    assert str(given["kp_source"].values) == "user override"
