"""Time handling: every time at the API is timezone-aware UTC.

Naive datetimes are refused rather than guessed: an aurora picture for the wrong hour is a wrong
picture.
"""

from __future__ import annotations

import datetime as dt
import re

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


def parse_duration_s(text: str | float) -> float:
    """A time step in seconds from ``"90"``, ``"60s"``, ``"5min"``/``"5m"``, ``"1h"`` or ``"1d"``."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        value, unit = float(text), "s"
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*", str(text).lower())
        if match is None or match[2] not in ("", *_DURATION_UNITS):
            raise NorrskenError(f"a time step must look like 60s, 5min, 1h or 1d, got {text!r}")
        value, unit = float(match[1]), match[2] or "s"
    seconds = value * _DURATION_UNITS[unit]
    if not seconds > 0:
        raise NorrskenError(f"a time step must be positive, got {text!r}")
    return seconds


def time_unit(times: np.ndarray | np.datetime64) -> str:
    """``"s"``, or ``"ms"`` when a time has a fraction of a second: the precision to print them at."""
    return "ms" if (np.asarray(times).astype("datetime64[ms]").astype("int64") % 1000).any() else "s"


def iso_utc(time: np.datetime64) -> str:
    """ISO 8601 UTC text of a ``datetime64``: 2017-01-18T21:00:00Z (with milliseconds if any)."""
    return np.datetime_as_string(time, unit=time_unit(time)) + "Z"
