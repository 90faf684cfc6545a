"""The solar wind at Earth and its coupling to the magnetosphere, for OVATION Prime.

- :func:`newell_coupling`: dPhi_MP/dt = v^4/3 Bt^2/3 sin^8/3(theta/2) (Newell et al. 2007, JGR 112,
  A01206, doi:10.1029/2006JA012015), with Bt = sqrt(By^2 + Bz^2) and theta = atan2(By, Bz) the
  IMF clock angle in GSM, v in km/s and B in nT; in (km/s)^4/3 nT^2/3.
- :func:`weighted_coupling`: the OVATION averaging rule. The coupling is computed per hour from
  the hourly means of By, Bz and V, then averaged over the current hour and the three before it
  with weights 0.65^k (k hours back), the current hour's times the square root of the fraction of
  it elapsed; at least 3 of the 4 hours must be valid (field, speed and density present), else
  there is no value (a gap).
- :func:`read_omni2`: NASA SPDF OMNI2 hourly files (King & Papitashvili 2005, JGR 110, A02104);
  fill values become NaN. The 2011-2025 hours are packaged (``data/omni2_hourly.npz``: V, n, Bx,
  By, Bz in GSM as int16 in their files' own resolution, lossless; ``tools/make_omni_hours.py``).
- :func:`live_wind`: NOAA SWPC's real-time solar wind (RTSW ``mag`` and ``plasma``, fetched by
  :mod:`norrsken.drivers.swpc`) reduced to hourly means first, then carried from L1 to Earth at
  the newest hour's measured speed (:data:`L1_DISTANCE_KM` / V, 30-80 min).
- :func:`coupling_now`: the coupling of a moment with its source: the user's (``dphi`` or a
  solar wind ``V,BY,BZ,N``), SWPC's live solar wind (``online``), the embedded OMNI hours; a gap
  raises :class:`SolarWindGap`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import os
from collections.abc import Iterable
from importlib import resources

import numpy as np
import numpy.typing as npt

from .. import checks
from ..errors import NorrskenError, OutOfRangeError
from ..times import TimeLike, to_utc

#: Weight of an hourly value per hour back: OVATION Prime's averaging of the coupling over the
#: current and the 3 previous hours (the OVATION Prime 2010 IDL code; Newell et al. 2010).
HOUR_WEIGHT = 0.65
N_HOURS = 4
MIN_VALID_HOURS = 3
OMNI_SOURCE = "OMNI2 hourly (NASA SPDF), embedded"
USER_SOURCE = "user override"
#: OMNI2 columns (0-based words of the hourly record; omni2.text) and their fill values.
OMNI_COLUMNS = {"speed": (24, 9999.0), "density": (23, 999.9), "bx": (12, 999.9), "by": (15, 999.9), "bz": (16, 999.9)}
#: Scale of the int16 packing (V in km/s, n in 0.1 cm^-3, B in 0.1 nT: the files' resolution).
PACK_SCALE = {"speed": 1.0, "density": 10.0, "bx": 10.0, "by": 10.0, "bz": 10.0}
PACK_FILL = -32768
HOUR = dt.timedelta(hours=1)
#: Distance of the real-time monitors (DSCOVR, ACE, near the L1 point) upstream of Earth, km
#: (~0.01 AU; the solar wind covers it in 1.5e6 / V s).
L1_DISTANCE_KM = 1.5e6
#: The RTSW columns each hourly mean is taken of.
RTSW_COLUMNS = {"speed": ("plasma", "speed"), "density": ("plasma", "density"), "bx": ("mag", "bx_gsm"),
                "by": ("mag", "by_gsm"), "bz": ("mag", "bz_gsm")}  # fmt: skip


class SolarWindGap(OutOfRangeError):
    """No solar wind (fewer than 3 valid hours) covers the time."""


def newell_coupling(speed_kms: npt.ArrayLike, by_nt: npt.ArrayLike, bz_nt: npt.ArrayLike) -> np.ndarray:
    """Newell et al. (2007) coupling dPhi_MP/dt, (km/s)^4/3 nT^2/3 (NaN where an input is NaN).

    Parameters
    ----------
    speed_kms
        Solar-wind speed, km/s.
    by_nt, bz_nt
        IMF By and Bz in GSM, nT.
    """
    v = np.asarray(speed_kms, dtype=float)
    by, bz = np.asarray(by_nt, dtype=float), np.asarray(bz_nt, dtype=float)
    clock = np.arctan2(by, bz)
    return v ** (4.0 / 3.0) * np.hypot(by, bz) ** (2.0 / 3.0) * np.abs(np.sin(clock / 2.0)) ** (8.0 / 3.0)


def hour_weights(elapsed_fraction: float) -> np.ndarray:
    """The weights of the current hour and the 3 before it: 0.65^k, the current one's times
    sqrt(elapsed_fraction) (0 at the top of the hour, 1 at its end)."""
    fraction = checks.real("elapsed_fraction", elapsed_fraction, (0.0, 1.0))
    weights = HOUR_WEIGHT ** np.arange(N_HOURS, dtype=float)
    weights[0] *= math.sqrt(fraction)
    return weights


def weighted_coupling(hourly: npt.ArrayLike, elapsed_fraction: float) -> float:
    """The OVATION average of hourly couplings (current hour first, then 1, 2, 3 hours back; NaN
    marks an invalid hour): NaN unless at least 3 of the 4 are valid."""
    values = np.asarray(hourly, dtype=float)
    if values.shape != (N_HOURS,):
        raise NorrskenError(f"the averaging takes {N_HOURS} hourly values, got shape {values.shape}")
    valid = np.isfinite(values)
    weights = hour_weights(elapsed_fraction) * valid
    if valid.sum() < MIN_VALID_HOURS or weights.sum() == 0.0:
        return math.nan
    return float(np.sum(np.where(valid, values, 0.0) * weights) / weights.sum())


@dataclasses.dataclass(frozen=True)
class Hours:
    """Hourly solar wind from ``start`` (the first hour's start, UTC), one row per hour.

    ``speed`` (km/s), ``density`` (cm^-3), ``bx``, ``by``, ``bz`` (nT, GSM); NaN where missing.
    """

    start: dt.datetime
    speed: np.ndarray
    density: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    bz: np.ndarray

    @property
    def end(self) -> dt.datetime:
        """The end of the last hour."""
        return self.start + self.speed.size * HOUR

    def valid(self) -> np.ndarray:
        """Hours with the field, the speed and the density present (and a positive speed)."""
        return np.isfinite(self.bx) & np.isfinite(self.by) & np.isfinite(self.bz) & (self.speed > 0) & np.isfinite(self.density)

    def coupling(self) -> np.ndarray:
        """The coupling of each hour from its means (NaN where the hour is not valid)."""
        return np.where(self.valid(), newell_coupling(self.speed, self.by, self.bz), np.nan)


def read_omni2(path: str | os.PathLike) -> Hours:
    """An OMNI2 hourly file (``omni2_YYYY.dat``, words as in ``omni2.text``), fill values -> NaN."""
    try:
        rows = np.loadtxt(path, usecols=(0, 1, 2, *(c for c, _ in OMNI_COLUMNS.values())), ndmin=2)
    except (ValueError, IndexError) as exc:
        raise NorrskenError(f"{os.fspath(path)} is not an OMNI2 hourly file ({exc})", parameter="path") from None
    if rows.size == 0:
        raise NorrskenError(f"{os.fspath(path)} holds no OMNI2 records", parameter="path")
    year, day, hour = rows[0, :3].astype(int)
    start = dt.datetime(year, 1, 1, hour, tzinfo=dt.UTC) + dt.timedelta(days=int(day) - 1)
    columns = {}
    for k, (name, (_, fill)) in enumerate(OMNI_COLUMNS.items()):
        values = rows[:, 3 + k]
        columns[name] = np.where(values >= fill, np.nan, values)
    if np.any(rows[:, 0] != year) or np.any(np.diff(rows[:, 1] * 24 + rows[:, 2]) != 1.0):
        raise NorrskenError(f"{os.fspath(path)}: the hours of one year must follow each other", parameter="path")
    return Hours(start, **columns)


@functools.lru_cache(maxsize=1)
def embedded() -> Hours:
    """The packaged OMNI2 hours (2011 to the end of the files; see the module docstring)."""
    path = resources.files("norrsken").joinpath("data", "omni2_hourly.npz")
    with path.open("rb") as handle, np.load(handle) as z:
        start = dt.datetime.fromisoformat(str(z["start"])).replace(tzinfo=dt.UTC)
        columns = {
            name: np.where(z[name] == PACK_FILL, np.nan, z[name] / PACK_SCALE[name]) for name in OMNI_COLUMNS
        }
    return Hours(start, **columns)


def coupling_at(time: TimeLike, hours: Hours | None = None) -> float:
    """The OVATION-averaged coupling at ``time`` from hourly solar wind (default: the embedded
    OMNI); NaN where fewer than 3 of the 4 hours are valid or the hours do not cover the time."""
    time = to_utc(time)
    hours = embedded() if hours is None else hours
    elapsed = (time - hours.start) / HOUR
    current = math.floor(elapsed)
    index = current - np.arange(N_HOURS)
    inside = (index >= 0) & (index < hours.speed.size)
    values = np.full(N_HOURS, np.nan)
    values[inside] = hours.coupling()[index[inside]]
    return weighted_coupling(values, elapsed - current)


def check_coupling(dphi: object) -> float:
    """dPhi/dt as a float: finite and not negative, (km/s)^4/3 nT^2/3."""
    value = checks.real("dphi", dphi, unit="(km/s)^4/3 nT^2/3")
    if value < 0.0:
        raise NorrskenError(f"dphi must not be negative, got {value:g}", parameter="dphi")
    return value


def check_wind(value: object) -> tuple[float, float, float, float]:
    """A solar wind given by hand (``"V,BY,BZ,N"`` or four numbers) as floats: a positive speed
    (km/s) and density (cm^-3), By and Bz (nT, GSM) within +-500 nT."""
    parts: Iterable = value.split(",") if isinstance(value, str) else value  # type: ignore[assignment]
    try:
        speed, by, bz, density = (float(part) for part in parts)
    except (TypeError, ValueError):
        raise NorrskenError(
            f"solar_wind must be V,BY,BZ,N (km/s, nT GSM, nT GSM, cm^-3), e.g. 450,-2,-5,6, got {value!r}",
            parameter="solar_wind",
        ) from None
    speed = checks.positive("solar_wind speed", speed, "km/s")
    by = checks.real("solar_wind By", by, (-500.0, 500.0), "nT")
    bz = checks.real("solar_wind Bz", bz, (-500.0, 500.0), "nT")
    density = checks.positive("solar_wind density", density, "cm^-3")
    return speed, by, bz, density


@dataclasses.dataclass(frozen=True)
class LiveWind:
    """SWPC's real-time solar wind as hours at Earth.

    Attributes
    ----------
    hours : Hours
        Hourly means at L1, their start moved on by ``lag`` (so ``coupling_at`` takes Earth times).
    observed : datetime.datetime
        The newest measurement at L1.
    lag : datetime.timedelta
        The propagation from L1 to Earth at the newest valid hour's speed.
    stale : bool
        Either product is stale (older than its cadence).
    source : str
        For outputs: the products, their age and the lag.
    """

    hours: Hours
    observed: dt.datetime
    lag: dt.timedelta
    stale: bool
    source: str

    @property
    def arrival(self) -> dt.datetime:
        """When the newest measured solar wind reaches Earth."""
        return self.observed + self.lag


def hourly_means(mag, plasma) -> Hours:
    """RTSW minute data (pandas frames on UTC time: ``mag`` with ``bx_gsm``, ``by_gsm``,
    ``bz_gsm``; ``plasma`` with ``speed``, ``density``) reduced to the mean of each clock hour
    (NaN where an hour has no value), as OMNI's hours are."""
    frames = {"mag": mag, "plasma": plasma}
    hourly = {name: frames[product][column].resample("1h").mean() for name, (product, column) in RTSW_COLUMNS.items()}
    start = min(series.index[0] for series in hourly.values())
    end = max(series.index[-1] for series in hourly.values())
    columns = {}
    for name, series in hourly.items():
        full = series.reindex(series.index.union([start, end])).asfreq("1h")
        columns[name] = full.to_numpy(dtype=float)
    return Hours(start.to_pydatetime(), **columns)


def live_wind(*, now: dt.datetime | None = None, client=None) -> LiveWind:
    """SWPC's real-time solar wind, reduced to hours and carried to Earth (see :class:`LiveWind`).

    Raises
    ------
    norrsken.drivers.swpc.SwpcUnavailable
        When SWPC cannot be reached and nothing usable is cached.
    """
    from . import swpc  # lazy: httpx and pandas only when the live feeds are asked

    mag, plasma = swpc.fetch("mag", now=now, client=client), swpc.fetch("plasma", now=now, client=client)
    hours = hourly_means(mag.data, plasma.data)
    speeds = hours.speed[hours.valid()]
    if speeds.size == 0:
        raise SolarWindGap("SWPC's real-time solar wind has no hour with field, speed and density", parameter="time")
    lag = dt.timedelta(seconds=round(L1_DISTANCE_KM / float(speeds[-1])))
    observed = max(mag.newest, plasma.newest)
    moved = dataclasses.replace(hours, start=hours.start + lag)
    source = (
        f"SWPC RTSW live, {mag.describe()}; {plasma.describe()}; hourly means carried from L1 to Earth in "
        f"{lag.total_seconds() / 60:.0f} min at {speeds[-1]:.0f} km/s"
    )
    return LiveWind(moved, observed, lag, mag.stale or plasma.stale, source)


def coupling_now(
    time: TimeLike,
    *,
    dphi: float | None = None,
    solar_wind: str | tuple[float, float, float, float] | None = None,
    online: bool = False,
    now: dt.datetime | None = None,
    client=None,
) -> tuple[float, str]:
    """The coupling dPhi/dt at ``time`` and where it came from.

    Parameters
    ----------
    time
        UTC time.
    dphi
        The coupling itself, given by hand.
    solar_wind
        A solar wind given by hand (``"V,BY,BZ,N"`` or four numbers), held for the 4 hours.
    online
        Ask SWPC's real-time solar wind first (:func:`live_wind`); where it does not cover
        ``time`` (or SWPC cannot be reached) the embedded OMNI hours answer.
    now, client
        The clock and HTTP client for the live feeds (tests).

    Raises
    ------
    SolarWindGap
        Where neither an override nor the embedded hours give a value (before 2011, after the
        files' end, or fewer than 3 valid hours of the 4).
    """
    time = to_utc(time)
    if dphi is not None:
        return check_coupling(dphi), USER_SOURCE
    if solar_wind is not None:
        speed, by, bz, _ = check_wind(solar_wind)
        return float(newell_coupling(speed, by, bz)), f"{USER_SOURCE}: solar wind V={speed:g} km/s By={by:g} Bz={bz:g} nT"
    live_problem = ""
    if online:
        from .swpc import SwpcUnavailable  # lazy: see live_wind

        try:
            live = live_wind(now=now, client=client)
        except (SwpcUnavailable, SolarWindGap) as exc:
            live_problem = f"; SWPC's solar wind: {getattr(exc, 'reason', exc.message)}"
        else:
            value = coupling_at(time, live.hours)
            if math.isfinite(value):
                return value, live.source
            live_problem = f"; SWPC's solar wind reaches Earth {live.hours.start:%Y-%m-%d %H:%M} to {live.arrival:%H:%M} UTC"
    hours = embedded()
    value = coupling_at(time, hours)
    if not math.isfinite(value):
        where = (
            f"the embedded OMNI hours cover {hours.start:%Y-%m-%d} to {hours.end:%Y-%m-%d}"
            if not hours.start <= time < hours.end + HOUR
            else "fewer than 3 of the 4 hours up to it have solar-wind data (an OMNI gap)"
        )
        raise SolarWindGap(
            f"no solar wind for {time:%Y-%m-%dT%H:%MZ}: {where}{live_problem}",
            parameter="time",
            hint={"dphi": "give the coupling yourself", "solar_wind": "give the solar wind yourself"},
        )
    return value, OMNI_SOURCE
