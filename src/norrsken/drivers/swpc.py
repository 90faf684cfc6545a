"""NOAA SWPC live products with a disk cache, freshness, staleness and an offline fallback.

Products (NOAA Space Weather Prediction Center, https://services.swpc.noaa.gov/, documented at
https://www.swpc.noaa.gov/content/data-access):

=============== ===================================================================== ==========
name            URL (``https://services.swpc.noaa.gov/`` + ...)                        stale after
=============== ===================================================================== ==========
``kp``          ``products/noaa-planetary-k-index.json`` (observed 3-hourly Kp)        6 h
``kp_forecast`` ``products/noaa-planetary-k-index-forecast.json``                      6 h
``kp_1m``       ``json/planetary_k_index_1m.json`` (1-minute estimated Kp)             15 min
``mag``         ``products/solar-wind/mag-1-day.json`` (RTSW magnetic field)           15 min
``plasma``      ``products/solar-wind/plasma-1-day.json`` (RTSW plasma)                15 min
``ovation``     ``json/ovation_aurora_latest.json`` (OVATION Prime aurora forecast)    30 min
=============== ===================================================================== ==========

"Stale" compares the product's *own* newest timestamp (newest row; the OVATION ``Forecast Time``)
with ``now``, never the download time: SWPC sometimes serves an old file from a live server.

Cache layout (``cache_dir() / "swpc"``), one pair per product:

- ``<name>.json``: the raw bytes of the last download that parsed and validated, unchanged;
- ``<name>.meta.json``: ``{"url", "fetched" (ISO 8601 UTC), "sha256", "size"}``.

Both are written atomically (private temporary file in the same folder, then ``os.replace``), data
first. The sidecar's SHA-256 ties the pair together: a torn pair (crash between the two renames),
a truncated or edited data file, or a missing half counts as a corrupted cache. A failed or
malformed download never touches either file.

Fill values and gaps: JSON ``null``, empty strings and the SWPC fill values in :data:`FILL_VALUES`
become NaN. Rows whose essential value is NaN are dropped from the parsed frame (Kp products:
``kp``; ``mag``/``plasma``: rows with every measured column NaN), so consumers never see a
fill value as data; a partial ``mag``/``plasma`` row keeps NaN in its gap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import math
import time as _time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import xarray as xr

from ..cache import cache_dir, write_atomic
from ..errors import NorrskenError, OutOfRangeError
from ..times import TimeLike, to_utc
from .kp import check_kp, kp_at

log = logging.getLogger(__name__)

_BASE = "https://services.swpc.noaa.gov"
#: SWPC fill values (RTSW and legacy products use all-9 patterns); compared exactly.
FILL_VALUES = frozenset({-99999.0, -9999.9, -9999.0, -999.9, -999.0, 99999.0})
#: Seconds to wait before each retry of a download (connection errors and HTTP 5xx only).
RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0)
_TIMEOUT = httpx.Timeout(10.0)
_KP_BIN = dt.timedelta(hours=3)
_FORECAST_STATUSES = ("observed", "estimated", "predicted")


class SwpcUnavailable(NorrskenError):
    """SWPC could not supply a product and no usable cached copy exists.

    Attributes
    ----------
    reason : str
        Short cause (network error, HTTP status, malformed product), for labels.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Product:
    """One SWPC product, parsed.

    Attributes
    ----------
    name : str
        Product name (a key of :data:`PRODUCTS`).
    data : pandas.DataFrame or xarray.Dataset
        Parsed content (see :func:`fetch`).
    newest : datetime.datetime
        The product's own newest timestamp (UTC).
    fetched : datetime.datetime
        When it was downloaded (UTC, on the clock ``now`` of :func:`fetch`).
    source : str
        ``"live"`` (downloaded by this call) or ``"cache"``.
    stale : bool
        ``newest`` is older than the product's cadence at ``now``.
    age : datetime.timedelta
        ``now - newest``.
    note : str
        Why a cached copy was used or replaced, empty otherwise.
    """

    name: str
    data: Any = dataclasses.field(repr=False, compare=False)
    newest: dt.datetime
    fetched: dt.datetime
    source: str
    stale: bool
    age: dt.timedelta
    note: str = ""

    def describe(self) -> str:
        """One line for outputs, e.g. ``SWPC kp (cache, newest 2026-10-02 21:00 UTC, STALE: 26 h old)``."""
        state = f"STALE: {_format_age(self.age)}" if self.stale else _format_age(self.age)
        note = f"; {self.note}" if self.note else ""
        return f"SWPC {self.name} ({self.source}, newest {self.newest:%Y-%m-%d %H:%M} UTC, {state}{note})"


def _format_age(age: dt.timedelta) -> str:
    """``"26 h old"``; a ``now`` pinned before the product (tests, replays) gives ``"... ahead"``."""
    minutes = abs(age.total_seconds()) / 60.0
    if minutes < 120:
        text = f"{minutes:.0f} min"
    elif minutes < 72 * 60:
        text = f"{minutes / 60:.0f} h"
    else:
        text = f"{minutes / 1440:.0f} d"
    return f"{text} old" if age >= dt.timedelta(0) else f"{text} ahead of now"


# ---------------------------------------------------------------- parsing


def _number(value: object, product: str, column: str) -> float:
    """A JSON number or numeric string as float; null, "" and fill values as NaN."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, bool):
        raise NorrskenError(f"SWPC {product}: column {column!r} holds a boolean, not a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NorrskenError(f"SWPC {product}: column {column!r} holds {value!r}, not a number") from None
    return math.nan if number in FILL_VALUES or not math.isfinite(number) else number


def _table(payload: object, product: str, columns: dict[str, tuple[str, ...]]) -> dict[str, list[object]]:
    """Columns of a SWPC table in either shape: array of objects, or array of arrays with a header row.

    ``columns`` maps each output column to the accepted source keys (e.g. ``Kp`` or ``kp``).
    """
    if not isinstance(payload, list):
        raise NorrskenError(f"SWPC {product}: expected a JSON array, got {type(payload).__name__}")
    if not payload:
        raise NorrskenError(f"SWPC {product}: no rows")
    if all(isinstance(row, dict) for row in payload):
        records = payload
        keys = set().union(*(row.keys() for row in records))
    elif all(isinstance(row, list) for row in payload):
        header, *rows = payload
        if not all(isinstance(key, str) for key in header):
            raise NorrskenError(f"SWPC {product}: first row is not a header of column names")
        if any(len(row) != len(header) for row in rows):
            raise NorrskenError(f"SWPC {product}: rows differ in length from the header {header}")
        records = [dict(zip(header, row, strict=True)) for row in rows]
        keys = set(header)
    else:
        raise NorrskenError(f"SWPC {product}: rows are neither all objects nor all arrays")
    if not records:
        raise NorrskenError(f"SWPC {product}: header only, no rows")
    out: dict[str, list[object]] = {}
    for column, accepted in columns.items():
        key = next((k for k in accepted if k in keys), None)
        if key is None:
            raise NorrskenError(f"SWPC {product}: missing column {' or '.join(map(repr, accepted))}")
        out[column] = [row.get(key) for row in records]
    return out


def _times(values: list[object], product: str) -> pd.DatetimeIndex:
    """UTC index from ``YYYY-MM-DD HH:MM:SS(.000)`` or ``YYYY-MM-DDTHH:MM:SS`` (SWPC omits the Z)."""
    if not all(isinstance(v, str) for v in values):
        raise NorrskenError(f"SWPC {product}: time_tag has non-string entries")
    try:
        index = pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601", utc=True), name="time")
    except (ValueError, TypeError) as exc:
        raise NorrskenError(f"SWPC {product}: unreadable time_tag ({exc})") from None
    return index


def _frame(
    payload: object,
    product: str,
    numeric: dict[str, tuple[str, ...]],
    *,
    text: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    text = text or {}
    table = _table(payload, product, {"time": ("time_tag",), **numeric, **text})
    data: dict[str, object] = {c: [_number(v, product, c) for v in table[c]] for c in numeric}
    data.update({c: table[c] for c in text})
    frame = pd.DataFrame(data, index=_times(table["time"], product))
    return frame.sort_index()


def _drop_unusable(frame: pd.DataFrame, product: str, *, essential: list[str], how: str) -> pd.DataFrame:
    frame = frame.dropna(subset=essential, how=how)
    if frame.empty:
        raise NorrskenError(f"SWPC {product}: every row is a gap (null or fill value)")
    return frame


def _kp_range(frame: pd.DataFrame) -> pd.DataFrame:
    # Kp is defined on 0-9; anything else (e.g. the -1 "missing" of SWPC text products) is a gap.
    frame["kp"] = frame["kp"].where(frame["kp"].between(0.0, 9.0))
    return frame


def _parse_kp(payload: object) -> tuple[pd.DataFrame, dt.datetime]:
    frame = _frame(payload, "kp", {"kp": ("Kp", "kp"), "ap": ("a_running",), "station_count": ("station_count",)})
    frame = _drop_unusable(_kp_range(frame), "kp", essential=["kp"], how="any")
    return frame, frame.index[-1].to_pydatetime()


def _parse_kp_forecast(payload: object) -> tuple[pd.DataFrame, dt.datetime]:
    frame = _frame(
        payload, "kp_forecast", {"kp": ("kp", "Kp")}, text={"status": ("observed",), "noaa_scale": ("noaa_scale",)}
    )
    status = frame["status"].map(lambda s: s.strip().lower() if isinstance(s, str) else s)
    unknown = sorted({repr(s) for s in status if s not in _FORECAST_STATUSES})
    if unknown:
        raise NorrskenError(f"SWPC kp_forecast: unknown 'observed' labels {', '.join(unknown)}")
    frame["status"] = status
    frame["noaa_scale"] = frame["noaa_scale"].map(lambda s: s if isinstance(s, str) and s.strip() else None)
    frame = _drop_unusable(_kp_range(frame), "kp_forecast", essential=["kp"], how="any")
    # The product carries no issue time: its newest non-predicted row marks "now" at issue.
    known = frame.index[frame["status"] != "predicted"]
    newest = known[-1] if len(known) else frame.index[0]
    return frame, newest.to_pydatetime()


def _parse_kp_1m(payload: object) -> tuple[pd.DataFrame, dt.datetime]:
    frame = _frame(payload, "kp_1m", {"kp": ("estimated_kp",)})
    frame = _drop_unusable(_kp_range(frame), "kp_1m", essential=["kp"], how="any")
    return frame, frame.index[-1].to_pydatetime()


def _solar_wind(product: str, columns: tuple[str, ...]) -> Callable[[object], tuple[pd.DataFrame, dt.datetime]]:
    def parse(payload: object) -> tuple[pd.DataFrame, dt.datetime]:
        frame = _frame(payload, product, {c: (c,) for c in columns})
        frame = _drop_unusable(frame, product, essential=list(columns), how="all")
        return frame, frame.index[-1].to_pydatetime()

    return parse


def _iso_z(value: object, product: str, key: str) -> dt.datetime:
    if not isinstance(value, str):
        raise NorrskenError(f"SWPC {product}: missing or non-text {key!r}")
    try:
        return to_utc(value)
    except NorrskenError as exc:
        raise NorrskenError(f"SWPC {product}: bad {key!r} ({exc})") from None


def _parse_ovation(payload: object) -> tuple[xr.Dataset, dt.datetime]:
    # Shape: {"Observation Time", "Forecast Time", "Data Format": "[Longitude, Latitude, Aurora]",
    # "coordinates": [[lon, lat, aurora], ...] longitude-major, lon 0-359 E, lat -90..90, 1 deg}.
    if not isinstance(payload, dict):
        raise NorrskenError(f"SWPC ovation: expected a JSON object, got {type(payload).__name__}")
    observed = _iso_z(payload.get("Observation Time"), "ovation", "Observation Time")
    forecast = _iso_z(payload.get("Forecast Time"), "ovation", "Forecast Time")
    coords = payload.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise NorrskenError("SWPC ovation: 'coordinates' missing or empty")
    try:
        points = np.asarray(coords, dtype=float)
    except (TypeError, ValueError):
        raise NorrskenError("SWPC ovation: 'coordinates' is not a list of [lon, lat, aurora] numbers") from None
    if points.ndim != 2 or points.shape[1] != 3 or not np.isfinite(points).all():
        raise NorrskenError(f"SWPC ovation: 'coordinates' has shape {points.shape}, expected (n, 3) numbers")
    lon, lat, value = points[:, 0] % 360.0, points[:, 1], points[:, 2]
    lats = np.arange(-90.0, 91.0)
    if not np.isin(lat, lats).all():
        raise NorrskenError("SWPC ovation: latitudes are not whole degrees in -90..90")
    if not ((value >= 0) & (value <= 100)).all():
        raise NorrskenError("SWPC ovation: aurora probability outside 0-100 %")
    lons = np.unique(lon)
    i, j = np.searchsorted(lats, lat), np.searchsorted(lons, lon)
    counts = np.zeros((lats.size, lons.size), int)
    np.add.at(counts, (i, j), 1)
    if not (counts == 1).all():
        raise NorrskenError(
            f"SWPC ovation: grid incomplete or duplicated ({points.shape[0]} points for {lons.size} longitudes x 181 latitudes)"
        )
    grid = np.empty((lats.size, lons.size))
    grid[i, j] = value
    dataset = xr.Dataset(
        {"probability_percent": (("lat", "lon"), grid, {"units": "%", "long_name": "probability of visible aurora"})},
        coords={"lat": ("lat", lats, {"units": "degrees_north"}), "lon": ("lon", lons, {"units": "degrees_east"})},
        attrs={
            "observation_time": observed.isoformat(),
            "forecast_time": forecast.isoformat(),
            "source": PRODUCTS["ovation"].url,
        },
    )
    return dataset, forecast


@dataclasses.dataclass(frozen=True)
class _Spec:
    name: str
    url: str
    cadence: dt.timedelta
    parse: Callable[[object], tuple[Any, dt.datetime]]


#: The supported products: name -> URL, staleness cadence and parser.
PRODUCTS: dict[str, _Spec] = {
    spec.name: spec
    for spec in (
        _Spec("kp", f"{_BASE}/products/noaa-planetary-k-index.json", dt.timedelta(hours=6), _parse_kp),
        _Spec(
            "kp_forecast",
            f"{_BASE}/products/noaa-planetary-k-index-forecast.json",
            dt.timedelta(hours=6),
            _parse_kp_forecast,
        ),
        _Spec("kp_1m", f"{_BASE}/json/planetary_k_index_1m.json", dt.timedelta(minutes=15), _parse_kp_1m),
        _Spec(
            "mag",
            f"{_BASE}/products/solar-wind/mag-1-day.json",
            dt.timedelta(minutes=15),
            _solar_wind("mag", ("bx_gsm", "by_gsm", "bz_gsm", "bt")),
        ),
        _Spec(
            "plasma",
            f"{_BASE}/products/solar-wind/plasma-1-day.json",
            dt.timedelta(minutes=15),
            _solar_wind("plasma", ("density", "speed", "temperature")),
        ),
        _Spec("ovation", f"{_BASE}/json/ovation_aurora_latest.json", dt.timedelta(minutes=30), _parse_ovation),
    )
}


def _product(
    spec: _Spec, body: bytes, *, fetched: dt.datetime, source: str, now: dt.datetime, note: str = ""
) -> Product:
    """Parse and validate ``body``; :class:`NorrskenError` naming the product if it is malformed."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NorrskenError(f"SWPC {spec.name}: not valid JSON ({exc})") from None
    data, newest = spec.parse(payload)
    age = now - newest
    return Product(spec.name, data, newest, fetched, source, age > spec.cadence, age, note)


# ---------------------------------------------------------------- cache


def _paths(spec: _Spec) -> tuple[Path, Path]:
    folder = cache_dir() / "swpc"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{spec.name}.json", folder / f"{spec.name}.meta.json"


def _store(spec: _Spec, body: bytes, fetched: dt.datetime) -> None:
    """Best effort: a cache that cannot be written only costs a later download."""
    try:
        data_path, meta_path = _paths(spec)
        meta = {
            "url": spec.url,
            "fetched": fetched.isoformat(),
            "sha256": hashlib.sha256(body).hexdigest(),
            "size": len(body),
        }
        write_atomic(data_path, lambda fh: fh.write(body))
        write_atomic(meta_path, lambda fh: fh.write(json.dumps(meta).encode()))
    except OSError as exc:
        log.info("could not cache SWPC %s (%s)", spec.name, exc)


def _load(spec: _Spec, now: dt.datetime) -> tuple[Product | None, str]:
    """The cached product, or ``(None, "")`` when there is none, or ``(None, why)`` when it is corrupted."""
    try:
        data_path, meta_path = _paths(spec)
    except OSError as exc:
        log.info("SWPC cache unusable (%s)", exc)
        return None, ""
    if not data_path.exists() and not meta_path.exists():
        return None, ""
    try:
        body = data_path.read_bytes()
        meta = json.loads(meta_path.read_bytes())
        fetched = to_utc(meta["fetched"])
        if hashlib.sha256(body).hexdigest() != meta["sha256"]:
            return None, f"{data_path.name} does not match its checksum (truncated or edited)"
        return _product(spec, body, fetched=fetched, source="cache", now=now), ""
    except (OSError, ValueError, KeyError, TypeError) as exc:  # NorrskenError is a ValueError
        return None, f"{type(exc).__name__}: {exc}"


def _discard(spec: _Spec) -> None:
    for path in _paths(spec):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# ---------------------------------------------------------------- download


def _get(spec: _Spec, client: httpx.Client) -> bytes:
    response = client.get(spec.url)
    response.raise_for_status()
    return response.content


def _download(spec: _Spec, client: httpx.Client) -> bytes:
    """GET with a retry after each of :data:`RETRY_DELAYS` on connection errors and HTTP 5xx only."""
    for attempt, delay in enumerate(RETRY_DELAYS, start=1):
        try:
            return _get(spec, client)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code < 500:  # 4xx: asking again will not help
                raise
            log.info("SWPC %s: HTTP %s, retry %d", spec.name, exc.response.status_code, attempt)
        except httpx.TransportError as exc:
            log.info("SWPC %s: %r, retry %d", spec.name, exc, attempt)
        _time.sleep(delay)
    return _get(spec, client)


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} from {exc.request.url.host}"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return str(exc)


def fetch(
    name: str,
    *,
    offline: bool = False,
    now: dt.datetime | None = None,
    client: httpx.Client | None = None,
    max_age: dt.timedelta | None = None,
) -> Product:
    """A SWPC product: from the cache while it is fresh, else downloaded, else the cache as fallback.

    Parameters
    ----------
    name
        A key of :data:`PRODUCTS`: ``kp``, ``kp_forecast``, ``kp_1m``, ``mag``, ``plasma``, ``ovation``.
    offline
        Use only the cache; never open a connection.
    now
        The current time (aware); default the system clock. Used for staleness, cache age and the
        recorded fetch time, so a fixed ``now`` makes the whole call repeatable.
    client
        An ``httpx.Client`` to download with (tests pass one with a ``MockTransport``); default a
        private client with a 10 s timeout.
    max_age
        Use a cached copy without downloading while it is younger than this; default half the
        product's cadence, at least 5 min.

    Returns
    -------
    Product
        ``data`` is, for ``kp``: a DataFrame on a UTC ``time`` index (3-h bin start) with float
        ``kp``, ``ap``, ``station_count``; ``kp_forecast``: ``kp``, ``status``
        (observed/estimated/predicted), ``noaa_scale`` (``"G1"``... or None); ``kp_1m``: ``kp``
        (the ``estimated_kp``); ``mag``: ``bx_gsm, by_gsm, bz_gsm, bt`` (nT, GSM); ``plasma``:
        ``density`` (cm^-3), ``speed`` (km/s), ``temperature`` (K); ``ovation``: a Dataset
        ``probability_percent`` (0-100) on ``lat`` (-90..90) x ``lon`` (0-359 E, as present),
        attrs ``observation_time``, ``forecast_time``.

    Raises
    ------
    NorrskenError
        Unknown product; offline with no (or a corrupted) cache.
    SwpcUnavailable
        Online, the download failed or was malformed, and there is no usable cached copy.
    """
    spec = PRODUCTS.get(name)
    if spec is None:
        raise NorrskenError(f"unknown SWPC product {name!r}; choose from {', '.join(PRODUCTS)}")
    now = to_utc(now) if now is not None else dt.datetime.now(dt.UTC)
    if max_age is None:
        max_age = max(spec.cadence / 2, dt.timedelta(minutes=5))
    cached, corrupted = _load(spec, now)
    if offline:
        if corrupted:
            raise NorrskenError(
                f"cached copy of SWPC {name} is corrupted ({corrupted}); run once online (--live) to replace it"
            )
        if cached is None:
            raise NorrskenError(f"offline and no cached copy of SWPC {name}; run once online (--live) to fetch it")
        return cached
    note = ""
    if corrupted:
        log.info("SWPC %s: discarding corrupted cache (%s)", name, corrupted)
        _discard(spec)
        note = f"replaced a corrupted cached copy ({corrupted})"
    if cached is not None and dt.timedelta(0) <= now - cached.fetched < max_age:
        return cached
    try:
        if client is None:
            with httpx.Client(timeout=_TIMEOUT, follow_redirects=True) as own:
                body = _download(spec, own)
        else:
            body = _download(spec, client)
        product = _product(spec, body, fetched=now, source="live", now=now, note=note)
    except (httpx.HTTPError, NorrskenError) as exc:
        reason = _reason(exc)
        if cached is None:
            raise SwpcUnavailable(
                f"cannot reach SWPC ({reason}) and no cached copy of {name}; "
                "run without --live (offline), or pass --kp",
                reason,
            ) from exc
        return dataclasses.replace(
            cached, note=f"download failed ({reason}); using the copy fetched {cached.fetched:%Y-%m-%d %H:%M} UTC"
        )
    _store(spec, body, now)
    return product


# ---------------------------------------------------------------- Kp source chain


def _bin_value(frame: pd.DataFrame, time: dt.datetime) -> pd.Series | None:
    """The row whose 3-hour bin (starting at its time_tag) contains ``time``, if any."""
    stamp = pd.Timestamp(time)
    position = frame.index.searchsorted(stamp, side="right") - 1
    if position < 0 or stamp >= frame.index[position] + _KP_BIN:
        return None
    return frame.iloc[position]


def _label(base: str, product: Product) -> str:
    qualifiers = (["stale"] if product.stale else []) + ([product.note] if product.note else [])
    return f"{base} ({'; '.join(qualifiers)})" if qualifiers else base


def kp_now(
    time: TimeLike,
    *,
    kp: float | None = None,
    offline: bool = True,
    now: dt.datetime | None = None,
    client: httpx.Client | None = None,
) -> tuple[float, str]:
    """Kp at ``time`` and where it came from, down the chain override -> SWPC -> embedded history.

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    kp
        Explicit Kp (0-9); wins over everything (label ``"user override"``).
    offline
        Skip SWPC entirely (default; the embedded history needs no network).
    now, client
        Passed to :func:`fetch`.

    Returns
    -------
    tuple of (float, str)
        Kp and a label: ``"SWPC observed"`` (+ ``" (stale)"``), ``"SWPC forecast: <status>"``,
        or ``"embedded CelesTrak history"`` (+ why SWPC was not used, when it failed).

    Raises
    ------
    OutOfRangeError
        No source covers ``time``; the message says to pass --kp.
    """
    time = to_utc(time)
    if kp is not None:
        return check_kp(kp), "user override"
    problems: list[str] = []
    if not offline:
        try:
            observed = fetch("kp", now=now, client=client)
            row = _bin_value(observed.data, time)
            if row is not None:
                return float(row["kp"]), _label("SWPC observed", observed)
            forecast = fetch("kp_forecast", now=now, client=client)
            row = _bin_value(forecast.data, time)
            if row is not None:
                return float(row["kp"]), _label(f"SWPC forecast: {row['status']}", forecast)
            problems.append("not covered by SWPC observed or forecast Kp")
        except SwpcUnavailable as exc:
            problems.append(f"SWPC unreachable: {exc.reason}")
    try:
        value = kp_at(time)
    except OutOfRangeError as exc:
        context = f" ({'; '.join(problems)})" if problems else ""
        raise OutOfRangeError(f"{exc}{context}") from None
    label = "embedded CelesTrak history"
    return value, f"{label} ({'; '.join(problems)})" if problems else label


def conditions_now(
    lat: float, lon: float, *, now: dt.datetime | None = None, client: httpx.Client | None = None
) -> dict:
    """The latest solar wind and OVATION's probability of visible aurora at a place, each with the
    product's own time and a stale flag, for outputs that report "now".

    Returns
    -------
    dict
        ``solar_wind``: ``time``, ``bz_gsm_nt``, ``bt_nt``, ``speed_km_s``, ``density_cm3`` (the
        newest row with a value; None where missing), ``stale``, ``source``; ``ovation``:
        ``forecast_time``, ``probability_percent`` at the nearest 1-deg cell, ``stale``, ``source``.
        A product SWPC cannot supply is ``{"error": reason}`` instead.
    """
    if not (isinstance(lat, int | float) and -90.0 <= lat <= 90.0 and isinstance(lon, int | float) and math.isfinite(lon)):
        raise NorrskenError(f"a place needs a latitude from -90 to 90 and a finite longitude, got {lat!r}, {lon!r}")
    out: dict = {}
    try:
        mag, plasma = fetch("mag", now=now, client=client), fetch("plasma", now=now, client=client)

        def newest(frame: pd.DataFrame, column: str) -> float | None:
            values = frame[column].dropna()
            return None if values.empty else round(float(values.iloc[-1]), 2)

        out["solar_wind"] = {
            "time": max(mag.newest, plasma.newest).isoformat().replace("+00:00", "Z"),
            "bz_gsm_nt": newest(mag.data, "bz_gsm"),
            "bt_nt": newest(mag.data, "bt"),
            "speed_km_s": newest(plasma.data, "speed"),
            "density_cm3": newest(plasma.data, "density"),
            "stale": mag.stale or plasma.stale,
            "source": f"{mag.describe()}; {plasma.describe()}",
        }
    except SwpcUnavailable as exc:
        out["solar_wind"] = {"error": exc.reason}
    try:
        ovation = fetch("ovation", now=now, client=client)
        grid = ovation.data["probability_percent"]
        cell = grid.sel(lat=float(lat), lon=float(lon) % 360.0, method="nearest")
        out["ovation"] = {
            "forecast_time": ovation.newest.isoformat().replace("+00:00", "Z"),
            "probability_percent": float(cell),
            "cell": [float(cell["lat"]), float(cell["lon"])],
            "stale": ovation.stale,
            "source": ovation.describe(),
        }
    except SwpcUnavailable as exc:
        out["ovation"] = {"error": exc.reason}
    return out
