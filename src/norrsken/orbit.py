"""Satellites from two-line element sets (TLEs): where they are, and when they are in the Earth's shadow.

Positions come from SGP4 as corrected by Vallado et al. (2006, "Revisiting Spacetrack Report #3",
AIAA 2006-6753) through ``sgp4`` and skyfield, turned into Earth-fixed ITRS coordinates with
skyfield's built-in Earth orientation. A TLE is a mean-element fit: "accurate to about a kilometer
or so at epoch and it quickly degrades" (Vallado et al. 2006), by 1-3 km per day (``sgp4``
documentation), so :func:`select` picks the element set nearest in time and warns beyond
:data:`EPOCH_WARNING`.

Shadow: the Sun's centre is a point seen past the WGS84 ellipsoid. Stretching z by a/b turns the
ellipsoid into a sphere of radius a and keeps straight lines straight, so a sight line grazes the
ellipsoid exactly where the stretched one grazes the sphere. The Sun's disc (0.27 deg in radius) and
the atmosphere are ignored: the ISS crosses the penumbra in ~9 s (more when the Sun stands high
above its orbital plane), centred on each boundary found here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import warnings
from collections.abc import Sequence
from importlib import resources

import numpy as np
import xarray as xr
from sgp4.alpha5 import from_alpha5
from sgp4.api import SGP4_ERRORS
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from .ephemeris import TimesLike, body_position_ecef_km, skyfield_time, time_array, timescale
from .errors import NorrskenError, NorrskenWarning, OutOfRangeError, TLEError
from .times import DurationLike, TimeLike, series, to_utc

#: WGS84 semi-major and semi-minor axes, km (NIMA TR8350.2, 3rd ed. 2000, Table 3.1:
#: a = 6378137 m, 1/f = 298.257223563).
WGS84_A_KM = 6378.137
WGS84_B_KM = WGS84_A_KM * (1.0 - 1.0 / 298.257223563)
#: :func:`select` warns when the nearest element set is further than this from the requested time.
EPOCH_WARNING = dt.timedelta(days=14)
#: :func:`check_epoch` refuses element sets further than this from a window (SGP4's along-track
#: error for the ISS is then hundreds of km or more), unless told to go on.
EPOCH_LIMIT = dt.timedelta(days=60)
#: Largest TLE file read (a catalogue of every tracked object is ~5 MB).
MAX_TLE_BYTES = 16 * 2**20
#: Most samples :func:`shadow_intervals` takes on its coarse grid.
MAX_STEPS = 1_000_000
#: Shadow boundaries are bisected until their bracket is this short, seconds.
_BISECT_S = 0.01

# Numeric fields of the element lines, 1-based inclusive columns, from the format description of
# CelesTrak (T. S. Kelso, https://celestrak.org/NORAD/documentation/tle-fmt.php).
_UNSIGNED = r"\d+\.?\d*|\.\d+"
_DECIMAL = rf"[+-]?({_UNSIGNED})"
_IMPLIED_EXPONENT = r"[+-]?\d{1,5}[+-]?\d"  # "-11606-4" is -0.11606e-4
_FIELDS = {
    "1": (
        ("catalog number", 3, 7, r"\d{1,5}|[A-HJ-NP-Z]\d{4}"),  # Alpha-5 above 99999
        ("epoch year", 19, 20, r"\d\d"),
        ("epoch day", 21, 32, _UNSIGNED),
        ("first derivative of the mean motion", 34, 43, _DECIMAL),
        ("second derivative of the mean motion", 45, 52, _IMPLIED_EXPONENT),
        ("BSTAR drag term", 54, 61, _IMPLIED_EXPONENT),
        ("element set number", 65, 68, r"\d+"),
    ),
    "2": (
        ("catalog number", 3, 7, r"\d{1,5}|[A-HJ-NP-Z]\d{4}"),
        ("inclination", 9, 16, _UNSIGNED),
        ("right ascension of the ascending node", 18, 25, _UNSIGNED),
        ("eccentricity", 27, 33, r"\d{7}"),  # with an implied leading "0."
        ("argument of perigee", 35, 42, _UNSIGNED),
        ("mean anomaly", 44, 51, _UNSIGNED),
        ("mean motion", 53, 63, _UNSIGNED),
        ("revolution number", 64, 68, r"\d+"),
    ),
}


@dataclasses.dataclass(frozen=True)
class Satellite:
    """One element set of one satellite; build it with :func:`parse_tles` or :func:`load_tles`.

    Attributes
    ----------
    name : str
        From the name line, or ``"NORAD <number>"`` for a set without one.
    catalog_number : int
        NORAD catalog number (Alpha-5 numbers above 99999 decoded).
    epoch : datetime.datetime
        Epoch of the elements, aware UTC.
    line1, line2 : str
        The two element lines, 69 characters each.
    """

    name: str
    catalog_number: int
    epoch: dt.datetime
    line1: str
    line2: str
    _model: EarthSatellite = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_model", EarthSatellite(self.line1, self.line2, self.name, timescale()))


@dataclasses.dataclass(frozen=True)
class ShadowInterval:
    """One pass through the Earth's shadow.

    Attributes
    ----------
    entry, exit : datetime.datetime
        When the Sun's centre sets behind the Earth's limb and rises again, as seen from the
        satellite; aware UTC.
    entry_clipped, exit_clipped : bool
        True when the satellite is already (still) in shadow at the start (end) of the searched
        window: ``entry`` (``exit``) is then that end of the window, not a boundary of the shadow.
    """

    entry: dt.datetime
    exit: dt.datetime
    entry_clipped: bool = False
    exit_clipped: bool = False


def _checksum(line: str) -> int:
    """Modulo-10 sum of columns 1-68: digits count their value, '-' counts 1, all else 0."""
    return sum(int(c) if c in "0123456789" else c == "-" for c in line[:68]) % 10


def _check_line(line: str, kind: str, where: str) -> dict[str, str]:
    """Raise :class:`TLEError` unless ``line`` is a valid element line 1 or 2; its fields by name."""
    if not line.startswith(f"{kind} "):
        raise TLEError(f"{where}: expected line {kind} of an element set, starting '{kind} ', got {line[:20]!r}")
    if len(line) != 69:
        raise TLEError(f"{where}: an element line has 69 characters, this one has {len(line)}")
    if line[68] not in "0123456789":
        raise TLEError(f"{where}: the checksum (column 69) must be a digit, got {line[68]!r}")
    if int(line[68]) != _checksum(line):
        raise TLEError(f"{where}: checksum digit is {line[68]}, the line sums to {_checksum(line)}")
    fields = {}
    for name, first, last, pattern in _FIELDS[kind]:
        text = line[first - 1 : last].strip()
        if not re.fullmatch(pattern, text):
            raise TLEError(f"{where}: {name} (columns {first}-{last}) is not a valid number: {text!r}")
        fields[name] = text
    return fields


def parse_tles(text: str, source: str = "<text>") -> list[Satellite]:
    """Read every element set in ``text``: 2-line sets, or 3-line sets with a name line.

    Blank lines and lines starting with ``#`` are skipped; a name line may carry the ``0 `` prefix
    of Space-Track's 3LE format.

    Parameters
    ----------
    text
        The TLE text.
    source
        What to call the text in error messages, e.g. its file name.

    Returns
    -------
    list of Satellite
        In the order of the text.

    Raises
    ------
    TLEError
        Naming the source, the line number and what is wrong: line numbers, length, checksum,
        unreadable fields, catalog numbers that differ between the two lines, elements SGP4
        cannot start from, or no element set at all.
    """
    lines = [
        (number, line.rstrip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    satellites = []
    index = 0
    while index < len(lines):
        name = None
        line = lines[index][1]
        if not line.startswith(("1 ", "2 ")):
            name = _printable(line[2:].strip() if line.startswith("0 ") else line.strip())
            index += 1
        if index + 2 > len(lines):
            last = lines[-1][0]
            raise TLEError(f"{source} line {last}: the text ends inside an element set (two element lines expected)")
        (number1, line1), (number2, line2) = lines[index], lines[index + 1]
        fields1 = _check_line(line1, "1", f"{source} line {number1}")
        fields2 = _check_line(line2, "2", f"{source} line {number2}")
        catalog = from_alpha5(fields1["catalog number"])
        if from_alpha5(fields2["catalog number"]) != catalog:
            raise TLEError(
                f"{source} line {number2}: catalog number {fields2['catalog number']} differs from "
                f"{fields1['catalog number']} on line {number1}"
            )
        year = int(fields1["epoch year"])
        year += 1900 if year >= 57 else 2000  # two-digit years 57-99 are 1957-1999
        day = float(fields1["epoch day"])
        if not 1.0 <= day < (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days + 1:
            raise TLEError(f"{source} line {number1}: epoch day {day:g} is not a day of {year}")
        epoch = dt.datetime(year, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day - 1.0)
        satellite = Satellite(name or f"NORAD {catalog}", catalog, epoch, line1, line2)
        if satellite._model.model.error:
            message = SGP4_ERRORS[satellite._model.model.error]
            raise TLEError(f"{source} lines {number1}-{number2}: SGP4 cannot start from these elements: {message}")
        satellites.append(satellite)
        index += 2
    if not satellites:
        raise TLEError(f"{source}: no element sets found (the text is empty or holds only comments)")
    return satellites


def _printable(name: str) -> str:
    """A satellite name as plain text: control characters (terminal escapes) become ``?``."""
    return "".join(char if char.isprintable() else "?" for char in name)


def load_tles(path: str | os.PathLike[str]) -> list[Satellite]:
    """Read every element set in a TLE file (see :func:`parse_tles`) of at most
    :data:`MAX_TLE_BYTES`; errors name the file."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TLE_BYTES + 1)
    except OSError as error:
        raise NorrskenError(f"cannot read TLE file {path}: {error.strerror or error}") from None
    if len(data) > MAX_TLE_BYTES:
        raise NorrskenError(f"TLE file {path} is larger than {MAX_TLE_BYTES // 2**20} MB: not a TLE file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NorrskenError(f"cannot read TLE file {path}: it is not a text file") from None
    return parse_tles(text, source=str(path))


@functools.lru_cache(maxsize=1)
def iss_tles() -> tuple[Satellite, ...]:
    """The 17 ISS element sets packaged with norrsken, 2016-12-04 to 2026-09-16, oldest first.

    Provenance is at the top of ``norrsken/data/iss_tle.txt``.
    """
    text = (resources.files("norrsken") / "data" / "iss_tle.txt").read_text(encoding="utf-8")
    return tuple(parse_tles(text, source="norrsken/data/iss_tle.txt"))


def select(
    satellites: Sequence[Satellite], time: TimeLike, *, name: str | None = None, source: str = "the element sets"
) -> Satellite:
    """The element set whose epoch is nearest to ``time``, of the satellite called ``name`` (any
    case) if the sets hold several; ``source`` names where they came from in messages.

    Propagating it (:func:`states`) warns when ``time`` lies more than :data:`EPOCH_WARNING` from
    its epoch.

    Raises
    ------
    NorrskenError
        For no element sets, no set named ``name``, or sets of several satellites without ``name``.
    """
    if not satellites:
        raise NorrskenError("no element sets to select from")
    if name is not None:
        satellites = [satellite for satellite in satellites if satellite.name.lower() == name.lower()]
        if not satellites:
            raise NorrskenError(f"no satellite named {name!r} in {source!r}", parameter="name")
    if len({satellite.catalog_number for satellite in satellites}) > 1:
        names = sorted({satellite.name for satellite in satellites})
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise NorrskenError(
            f"several satellites in {source} ({shown})", hint={"name": "pick one"}
        )
    moment = to_utc(time)
    return min(satellites, key=lambda satellite: abs(satellite.epoch - moment))


def iss(time: TimeLike) -> Satellite:
    """The packaged ISS element set nearest to ``time`` (see :func:`select`)."""
    return select(iss_tles(), time)


def check_epoch(
    satellite: Satellite, start: TimeLike, end: TimeLike | None = None, *, allow_stale: bool = False
) -> None:
    """Refuse an element set further than :data:`EPOCH_LIMIT` from the window ``start``-``end``
    (positions would be those of a satellite somewhere else on its orbit) unless ``allow_stale``."""
    epoch = satellite.epoch
    gap = max(abs(to_utc(start) - epoch), abs(to_utc(end if end is not None else start) - epoch))
    if gap > EPOCH_LIMIT and not allow_stale:
        raise NorrskenError(
            f"the element set of {satellite.name} has its epoch {epoch:%Y-%m-%d}, {gap.days} days from the times "
            f"asked for (more than {EPOCH_LIMIT.days}): SGP4 would place it hundreds of km or more from where it is",
            hint={"tle": "give a current element set", "allow_stale_tle": "use it anyway"},
        )


def _check_epoch(satellite: Satellite, stamps: np.ndarray) -> None:
    """Warn (:class:`NorrskenWarning`) when a time lies more than :data:`EPOCH_WARNING` from the
    element set's epoch: SGP4's error grows by a few km a day away from it."""
    epoch = np.datetime64(satellite.epoch.replace(tzinfo=None), "ns")
    times = np.atleast_1d(time_array(stamps))
    gaps = np.abs(times - epoch)
    worst = int(np.argmax(gaps))
    if gaps[worst] > np.timedelta64(EPOCH_WARNING):
        moment = to_utc(times[worst])
        days = gaps[worst] / np.timedelta64(1, "D")
        warnings.warn(
            NorrskenWarning(
                f"the element set of {satellite.name} is used at {moment:%Y-%m-%d %H:%M} UTC, {days:.1f} days "
                f"away from its epoch ({satellite.epoch:%Y-%m-%d %H:%M} UTC): SGP4 positions degrade by a few "
                "km per day from the epoch",
                hint={"tle": "give a current element set"},
            ),
            stacklevel=3,
        )


def _propagate(satellite: Satellite, stamps: np.ndarray):
    """SGP4 at ``stamps``: skyfield's geocentric position, and ITRS position (km) and velocity (km/s)."""
    _check_epoch(satellite, stamps)
    geocentric = satellite._model.at(skyfield_time(stamps))
    position, velocity = geocentric.frame_xyz_and_velocity(itrs)
    # SGP4's messages (None where it succeeded); its positions where it failed are not NaN.
    messages = np.atleast_1d(np.asarray(geocentric.message, dtype=object))
    failed = np.flatnonzero(messages.astype(bool))
    if failed.size:
        raise OutOfRangeError(
            f"SGP4 fails for {satellite.name} (TLE epoch {satellite.epoch:%Y-%m-%d}) at "
            f"{to_utc(np.atleast_1d(stamps)[failed[0]]):%Y-%m-%d %H:%M} UTC: {messages[failed[0]]}"
        )
    return geocentric, np.moveaxis(position.km, 0, -1), np.moveaxis(velocity.km_per_s, 0, -1)


def _sun_above_limb_deg(position_km: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """Angle of the Sun's centre above the Earth's limb seen from ``position_km`` (ITRS), degrees."""
    stretch = np.array([1.0, 1.0, WGS84_A_KM / WGS84_B_KM])  # the ellipsoid becomes a sphere of radius a
    nadir = -position_km * stretch
    to_sun = body_position_ecef_km("sun", stamps) * stretch + nadir
    # atan2 of |cross| and dot keeps the angle accurate where acos of the dot would not.
    angle = np.arctan2(np.linalg.norm(np.cross(to_sun, nadir), axis=-1), np.sum(to_sun * nadir, axis=-1))
    return np.degrees(angle - np.arcsin(WGS84_A_KM / np.linalg.norm(nadir, axis=-1)))


def states(satellite: Satellite, times: TimesLike) -> xr.Dataset:
    """Position, velocity, geodetic coordinates and sunlight of a satellite, in one vectorised call.

    Parameters
    ----------
    satellite
        An element set, e.g. from :func:`iss` or :func:`load_tles`.
    times
        One time or a 1-D sequence or ``datetime64`` array of times, 1900-2053 (JPL DE421).

    Returns
    -------
    xarray.Dataset
        On ``time`` (a scalar coordinate for one time): ``position_ecef_km`` and
        ``velocity_ecef_km_s`` (also on ``xyz``; Earth-fixed ITRS, the velocity relative to the
        rotating Earth), ``lat``, ``lon`` (-180 to 180) and ``altitude_km`` on the WGS84
        ellipsoid, ``sun_above_limb_deg`` (angle of the Sun's centre above the Earth's limb seen
        from the satellite, negative in the Earth's shadow) and ``sunlit``. attrs: the satellite's
        name, catalog number and TLE epoch.
    """
    stamps = time_array(times)
    geocentric, position, velocity = _propagate(satellite, stamps)
    place = wgs84.geographic_position_of(geocentric)
    sun_above_limb = _sun_above_limb_deg(position, stamps)
    vector_dims = ("time", "xyz") if stamps.ndim else ("xyz",)
    dims = vector_dims[:-1]
    return xr.Dataset(
        {
            "position_ecef_km": (vector_dims, position, {"units": "km", "long_name": "position, Earth-fixed (ITRS)"}),
            "velocity_ecef_km_s": (
                vector_dims,
                velocity,
                {"units": "km s-1", "long_name": "velocity relative to the rotating Earth (ITRS)"},
            ),
            "lat": (dims, place.latitude.degrees, {"units": "degree_north", "long_name": "geodetic latitude"}),
            "lon": (dims, place.longitude.degrees, {"units": "degree_east", "long_name": "longitude"}),
            "altitude_km": (dims, place.elevation.km, {"units": "km", "long_name": "height above WGS84"}),
            "sun_above_limb_deg": (
                dims,
                sun_above_limb,
                {"units": "degree", "long_name": "Sun's centre above the Earth's limb, negative in shadow"},
            ),
            "sunlit": (dims, sun_above_limb > 0.0, {"long_name": "Sun's centre above the Earth's limb"}),
        },
        coords={"time": stamps, "xyz": ["x", "y", "z"]},
        attrs={
            "satellite": satellite.name,
            "catalog_number": satellite.catalog_number,
            "tle_epoch": satellite.epoch.isoformat().replace("+00:00", "Z"),
            "propagator": "SGP4 (Vallado et al. 2006, AIAA 2006-6753)",
        },
    )


def shadow_intervals(
    satellite: Satellite, start: TimeLike, end: TimeLike, step: DurationLike = "30s"
) -> list[ShadowInterval]:
    """When the satellite is in the Earth's shadow between ``start`` and ``end``.

    The Sun is sampled every ``step`` and at ``end`` (a shadow shorter than a step can be
    missed), then every boundary is bisected, all at once, to within 0.01 s of the model's
    boundary.

    Parameters
    ----------
    satellite
        An element set.
    start, end
        The window, aware UTC; ``end`` after ``start``.
    step
        Spacing of the coarse samples, a duration from 1 ms to 1 day (``"30s"``, a ``timedelta``).

    Returns
    -------
    list of ShadowInterval
        In time order; the first and last may be clipped at the window's ends.

    Raises
    ------
    NorrskenError
        For ``end`` not after ``start``, a step that is not such a duration, or more than
        :data:`MAX_STEPS` samples.
    """
    first, last = to_utc(start), to_utc(end)
    if last <= first:
        raise NorrskenError(
            f"end {last:%Y-%m-%d %H:%M:%S} UTC must be after start {first:%Y-%m-%d %H:%M:%S} UTC", parameter="end"
        )
    grid = series(first, last, step, max_steps=MAX_STEPS, step_range_s=(1e-3, 86400.0))
    span_s = (last - first).total_seconds()
    offsets = (grid - grid[0]) / np.timedelta64(1, "s")
    if offsets[-1] < span_s:
        offsets = np.append(offsets, span_s)  # the last sample is the window's end
    origin = np.datetime64(first.replace(tzinfo=None), "ns")

    def in_shadow(offsets_s: np.ndarray) -> np.ndarray:
        stamps = origin + np.round(offsets_s * 1e9).astype("int64").astype("timedelta64[ns]")
        return _sun_above_limb_deg(_propagate(satellite, stamps)[1], stamps) <= 0.0

    shadow = in_shadow(offsets)
    edges = np.flatnonzero(shadow[1:] != shadow[:-1])
    low, high = offsets[edges], offsets[edges + 1]
    while edges.size and (high - low).max() > _BISECT_S:
        middle = (low + high) / 2.0
        like_low = in_shadow(middle) == shadow[edges]
        low, high = np.where(like_low, middle, low), np.where(like_low, high, middle)

    intervals = []
    entry, entry_clipped = first, bool(shadow[0])
    for offset, entering in zip((low + high) / 2.0, ~shadow[edges], strict=True):
        moment = first + dt.timedelta(seconds=float(offset))
        if entering:
            entry, entry_clipped = moment, False
        else:
            intervals.append(ShadowInterval(entry, moment, entry_clipped))
    if shadow[-1]:
        intervals.append(ShadowInterval(entry, last, entry_clipped, exit_clipped=True))
    return intervals
