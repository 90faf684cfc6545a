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
import threading
import time as _time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from .. import checks
from ..cache import cache_dir, write_atomic
from ..errors import NorrskenError, OutOfRangeError
from ..times import TimeLike, to_utc
from .kp import KP_HISTORY, KP_OVERRIDE, assumed_kp, check_kp, covered_range, kp_at
from .swpc_formats import BASE_URL, OVATION_URL, parse_kp, parse_kp_1m, parse_kp_forecast, parse_ovation, solar_wind

log = logging.getLogger(__name__)

#: Seconds to wait before each retry of a download (connection errors and HTTP 5xx only).
RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0)
#: The longest one request may take, s.
REQUEST_TIMEOUT_S = 10.0
#: A download still running after this long is announced (log warning, the CLI prints it), s.
SLOW_NOTICE_S = 2.0
#: The default of NORRSKEN_NETWORK_DEADLINE: seconds a process spends on the network in all.
NETWORK_DEADLINE_S = 10.0
_KP_BIN = dt.timedelta(hours=3)


class SwpcUnavailable(NorrskenError):
    """SWPC could not supply a product and no usable cached copy exists.

    Attributes
    ----------
    reason : str
        Short cause (network error, HTTP status, malformed product), for labels.
    """

    def __init__(self, message: str, reason: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
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
        _Spec("kp", f"{BASE_URL}/products/noaa-planetary-k-index.json", dt.timedelta(hours=6), parse_kp),
        _Spec(
            "kp_forecast",
            f"{BASE_URL}/products/noaa-planetary-k-index-forecast.json",
            dt.timedelta(hours=6),
            parse_kp_forecast,
        ),
        _Spec("kp_1m", f"{BASE_URL}/json/planetary_k_index_1m.json", dt.timedelta(minutes=15), parse_kp_1m),
        _Spec(
            "mag",
            f"{BASE_URL}/products/solar-wind/mag-1-day.json",
            dt.timedelta(minutes=15),
            solar_wind("mag", ("bx_gsm", "by_gsm", "bz_gsm", "bt")),
        ),
        _Spec(
            "plasma",
            f"{BASE_URL}/products/solar-wind/plasma-1-day.json",
            dt.timedelta(minutes=15),
            solar_wind("plasma", ("density", "speed", "temperature")),
        ),
        _Spec("ovation", OVATION_URL, dt.timedelta(minutes=30), parse_ovation),
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


class _Network:
    """The network budget of this process (one command): a deadline for all downloads together,
    and, after the first failure to get through, no more attempts: the rest of the run is offline
    and every product says why. Reset with :func:`reset_network`."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.down: str | None = None

    def deadline_s(self) -> float:
        return max(checks.env_number("NORRSKEN_NETWORK_DEADLINE", NETWORK_DEADLINE_S, "seconds"), 0.0)

    def remaining_s(self) -> float:
        if self.started is None:
            self.started = _time.monotonic()
        return self.deadline_s() - (_time.monotonic() - self.started)


_NETWORK = _Network()


def reset_network() -> None:
    """Start a new network budget (a long-running process calls this per task, tests per test)."""
    _NETWORK.started = None
    _NETWORK.down = None


def _get(spec: _Spec, client: httpx.Client, timeout_s: float) -> bytes:
    response = client.get(spec.url, timeout=timeout_s)
    response.raise_for_status()
    return response.content


def _download(spec: _Spec, client: httpx.Client) -> bytes:
    """GET within the process's network budget, with a retry after each of :data:`RETRY_DELAYS`
    on connection errors and HTTP 5xx only, while the budget lasts; a download still running after
    :data:`SLOW_NOTICE_S` is announced."""
    if _NETWORK.down is not None:
        raise httpx.ConnectError(f"not tried: {_NETWORK.down}")
    notice = threading.Timer(
        SLOW_NOTICE_S,
        log.warning,
        ("NOAA SWPC is slow to answer (%s); waiting at most %.0f s in all before going on offline",
         spec.name, _NETWORK.deadline_s()),
    )
    notice.daemon = True
    notice.start()
    delays = list(RETRY_DELAYS)
    try:
        while True:
            remaining = _NETWORK.remaining_s()
            if remaining <= 0.0:
                raise httpx.TimeoutException(f"the network deadline of {_NETWORK.deadline_s():g} s passed")
            try:
                return _get(spec, client, min(REQUEST_TIMEOUT_S, remaining))
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code < 500 or not delays:  # 4xx: asking again will not help
                    raise
                log.info("SWPC %s: HTTP %s, retrying", spec.name, exc.response.status_code)
            except httpx.TransportError as exc:
                if not delays or _NETWORK.remaining_s() <= delays[0]:
                    raise
                log.info("SWPC %s: %r, retrying", spec.name, exc)
            _time.sleep(delays.pop(0))
    except httpx.TransportError as exc:
        _NETWORK.down = _reason(exc)
        raise
    finally:
        notice.cancel()


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
        private client; either way each request waits at most :data:`REQUEST_TIMEOUT_S`, and all
        of a process's downloads together at most ``NORRSKEN_NETWORK_DEADLINE`` s (default 10).
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
                f"cached copy of SWPC {name} is corrupted ({corrupted})", hint={"online": "replace it once"}
            )
        if cached is None:
            raise NorrskenError(f"offline and no cached copy of SWPC {name}", hint={"online": "fetch it once"})
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
            with httpx.Client(timeout=REQUEST_TIMEOUT_S, follow_redirects=True) as own:
                body = _download(spec, own)
        else:
            body = _download(spec, client)
        product = _product(spec, body, fetched=now, source="live", now=now, note=note)
    except (httpx.HTTPError, NorrskenError) as exc:
        reason = _reason(exc)
        if cached is None:
            raise SwpcUnavailable(
                f"cannot reach SWPC ({reason}) and no cached copy of {name}",
                reason,
                hint={"offline": "use the embedded history", "kp": "set Kp yourself"},
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


#: How far the live products reach from now: observed Kp about a week back, the Kp forecast three
#: days ahead. Only times in this window can gain anything from asking SWPC.
LIVE_REACH = (dt.timedelta(days=7), dt.timedelta(days=3))


def within_reach(start: TimeLike, end: TimeLike | None = None, *, now: dt.datetime | None = None) -> bool:
    """Whether any of ``start``..``end`` lies within :data:`LIVE_REACH` of ``now``: the rule
    behind the CLI's default, which asks SWPC only for times its products can cover."""
    now = dt.datetime.now(dt.UTC) if now is None else to_utc(now)
    first = to_utc(start)
    last = first if end is None else to_utc(end)
    return first <= now + LIVE_REACH[1] and last >= now - LIVE_REACH[0]


def kp_now(
    time: TimeLike,
    *,
    kp: float | None = None,
    offline: bool = True,
    now: dt.datetime | None = None,
    client: httpx.Client | None = None,
) -> tuple[float, str]:
    """Kp at ``time`` and where it came from: the one chain every Kp-driven output walks.

    1. ``kp`` given: that (``"user override"``); nothing is fetched.
    2. Online: SWPC observed, then SWPC's 3-day forecast (downloaded, or fresh from the cache).
    3. The embedded history (``"embedded CelesTrak history"``, with why SWPC was not used).
    4. After the history: SWPC observed or forecast from the cache (offline too: a copy fetched
       earlier still covers the next days), else the median of the history's last weeks,
       assumed and said so (:func:`~norrsken.drivers.kp.assumed_kp`, with a warning).

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    kp
        Explicit Kp (0-9); wins over everything.
    offline
        Do not download (default); cached SWPC copies are still used after the history.
    now, client
        Passed to :func:`fetch`.

    Returns
    -------
    tuple of (float, str)
        Kp and its label: ``"SWPC observed"`` (+ ``" (stale)"``), ``"SWPC forecast: <status>"``,
        ``"embedded CelesTrak history"`` (+ why SWPC was not used), or ``"assumed: ..."``.

    Raises
    ------
    OutOfRangeError
        Before the history (1957-10-01); its hint is ``kp``, with what Kp values mean.
    """
    time = to_utc(time)
    if kp is not None:
        return check_kp(kp), KP_OVERRIDE
    problems: list[str] = []
    if not offline:
        found = _swpc_kp(time, offline=False, now=now, client=client, problems=problems)
        if found is not None:
            return found
    start, end = covered_range()
    if time < end:
        try:
            value = kp_at(time)
        except OutOfRangeError as exc:
            context = f" ({'; '.join(problems)})" if problems else ""
            raise OutOfRangeError(f"{exc.message}{context}", hint=exc.hint) from None
        return value, f"{KP_HISTORY} ({'; '.join(problems)})" if problems else KP_HISTORY
    if offline:
        found = _swpc_kp(time, offline=True, now=now, client=client, problems=[])
        if found is not None:
            return found
    value, label = assumed_kp(asked_swpc=not offline)
    return value, f"{label} ({'; '.join(problems)})" if problems else label


def _swpc_kp(
    time: dt.datetime, *, offline: bool, now: dt.datetime | None, client: httpx.Client | None, problems: list[str]
) -> tuple[float, str] | None:
    """Kp at ``time`` from SWPC's observed, then forecast product (downloaded, or only the cached
    copies when ``offline``), or None, noting why in ``problems``."""
    for name in ("kp", "kp_forecast"):
        try:
            product = fetch(name, offline=offline, now=now, client=client)
        except SwpcUnavailable as exc:
            problems.append(f"SWPC unreachable: {exc.reason}")
            return None
        except NorrskenError:  # offline with no (or a damaged) cached copy of this one
            continue
        row = _bin_value(product.data, time)
        if row is not None:
            base = "SWPC observed" if name == "kp" else f"SWPC forecast: {row['status']}"
            return float(row["kp"]), _label(base + (" (cached)" if offline else ""), product)
    if not offline:
        problems.append("not covered by SWPC observed or forecast Kp")
    return None


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
    lat, lon, _ = checks.place(lat, lon)
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
        cell = grid.sel(lat=lat, lon=lon % 360.0, method="nearest")
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
