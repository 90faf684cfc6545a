"""Time handling: every time at the API is timezone-aware UTC.

Naive datetimes are refused rather than guessed: an aurora picture for the wrong hour is a wrong
picture.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import numpy as np

from .errors import NorrskenError, OutOfRangeError

TimeLike = dt.datetime | np.datetime64 | str


def to_utc(time: TimeLike) -> dt.datetime:
    """Convert a timezone-aware datetime, numpy datetime64 or ISO 8601 string to aware UTC.

    Parameters
    ----------
    time
        A timezone-aware ``datetime``; a ``numpy.datetime64`` (which is UTC by definition); or an
        ISO 8601 string with an explicit offset, e.g. ``"2017-01-18T21:00Z"`` or
        ``"2017-01-18T22:00+01:00"``.

    Returns
    -------
    datetime.datetime
        The same instant with ``tzinfo=UTC``.

    Raises
    ------
    NorrskenError
        For naive datetimes, strings without an offset, or unparseable strings.
    """
    if isinstance(time, np.datetime64):
        if np.isnat(time):
            raise NorrskenError("time is NaT (not a time)")
        value = time.astype("datetime64[us]").item()  # a naive datetime, or an int out of range
        if not isinstance(value, dt.datetime):
            raise NorrskenError(f"time {time} is outside the years 1-9999")
        return value.replace(tzinfo=dt.UTC)
    if isinstance(time, str):
        text = time.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise NorrskenError(
                f"cannot parse time {time!r}: use ISO 8601 with a UTC offset, e.g. 2017-01-18T21:00Z"
            ) from None
        if "T" not in text and " " not in text.strip():
            raise NorrskenError(f"time {time!r} has no time of day: write e.g. 2017-01-18T21:00Z")
        if parsed.tzinfo is None:
            raise NorrskenError(
                f"time {time!r} has no timezone: add 'Z' for UTC (e.g. 2017-01-18T21:00Z) or an offset"
            )
        return parsed.astimezone(dt.UTC)
    if isinstance(time, dt.datetime):
        if time.tzinfo is None or time.tzinfo.utcoffset(time) is None:
            raise NorrskenError(
                f"naive datetime {time.isoformat()} refused: pass tzinfo=datetime.UTC (times are UTC)"
            )
        return time.astimezone(dt.UTC)
    raise NorrskenError(f"unsupported time type {type(time).__name__}: use datetime, datetime64 or str")


def check_within(time: dt.datetime, dates: tuple[dt.datetime, dt.datetime], what: str) -> None:
    """Raise :class:`OutOfRangeError` unless ``dates[0] <= time < dates[1]``; ``what`` names the data."""
    start, end = dates
    if not start <= time < end:
        raise OutOfRangeError(
            f"{what}: available from {start:%Y-%m-%d} to {end - dt.timedelta(days=1):%Y-%m-%d}, "
            f"not at {time:%Y-%m-%d %H:%M} UTC"
        )


_DURATION_UNITS = {"s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "hr": 3600.0, "d": 86400.0}
DurationLike = str | dt.timedelta | np.timedelta64


def duration_s(step: DurationLike, name: str = "step") -> float:
    """A duration in seconds from ``"60s"``, ``"5min"``/``"5m"``, ``"1h"``, ``"1d"``, a
    ``timedelta`` or a ``timedelta64``.

    A bare number is refused: "30" meant minutes in one command and seconds in another, so a
    duration always says its unit.
    """
    if isinstance(step, dt.timedelta):
        seconds = step.total_seconds()
    elif isinstance(step, np.timedelta64):
        if np.isnat(step):
            raise NorrskenError(f"{name} is NaT (not a duration)", parameter=name)
        seconds = float(step / np.timedelta64(1, "us")) / 1e6
    elif isinstance(step, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*", step.lower())
        if match is None or match[2] not in _DURATION_UNITS:
            hint = f": write {step.strip()}s or {step.strip()}min" if match is not None and not match[2] else ""
            raise NorrskenError(
                f"{name} must be a duration with its unit such as 60s, 5min, 1h or 1d, got {step!r}{hint}",
                parameter=name,
            )
        seconds = float(match[1]) * _DURATION_UNITS[match[2]]
    else:
        raise NorrskenError(
            f"{name} must be a duration such as '60s', '30min' or a timedelta, got {step!r}", parameter=name
        )
    if not seconds > 0:
        raise NorrskenError(f"{name} must be a positive duration, got {step!r}", parameter=name)
    return seconds


def series(
    start: TimeLike,
    end: TimeLike,
    step: DurationLike,
    *,
    max_steps: int = 200_000,
    step_range_s: tuple[float, float] = (1.0, 86400.0),
) -> np.ndarray:
    """UTC times from ``start`` to ``end`` (inclusive where it falls on a step) every ``step``, as
    ``datetime64[ms]``: the one way a time series is made in norrsken.

    Raises
    ------
    NorrskenError
        If the end lies before the start, the step is not a duration within ``step_range_s``, or
        the series would have more than ``max_steps`` times.
    """
    first, last = to_utc(start), to_utc(end)
    if last < first:
        raise NorrskenError(
            f"the end ({last:%Y-%m-%d %H:%M}) lies before the start ({first:%Y-%m-%d %H:%M})", parameter="end"
        )
    step_s = duration_s(step)
    low, high = step_range_s
    if not low <= step_s <= high:
        raise NorrskenError(
            f"the step must lie between {_duration_text(low)} and {_duration_text(high)}, got {step!r}",
            parameter="step",
        )
    count = int((last - first).total_seconds() // step_s) + 1
    if count > max_steps:
        raise NorrskenError(
            f"{count} steps of {_duration_text(step_s)}; at most {max_steps}: use a longer step", parameter="step"
        )
    origin = np.datetime64(first.replace(tzinfo=None), "ms")
    return origin + np.round(np.arange(count) * step_s * 1e3).astype("timedelta64[ms]")


def _duration_text(seconds: float) -> str:
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size and (seconds / size).is_integer():
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def time_unit(times: np.ndarray | np.datetime64) -> Literal["s", "ms"]:
    """``"s"``, or ``"ms"`` when a time has a fraction of a second: the precision to print them at."""
    return "ms" if (np.asarray(times).astype("datetime64[ms]").astype("int64") % 1000).any() else "s"


def decimal_year(time: dt.datetime) -> float:
    """The year with its elapsed days as a fraction of 365.25 (all of 1 January counts as its start)."""
    return time.year + (time.timetuple().tm_yday - 1) / 365.25


def iso_utc(time: np.datetime64) -> str:
    """ISO 8601 UTC text of a ``datetime64``: 2017-01-18T21:00:00Z (with milliseconds if any)."""
    return np.datetime_as_string(time, unit=time_unit(time)) + "Z"
