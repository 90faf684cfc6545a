"""The formats of NOAA SWPC's JSON products: each parser turns a payload into a validated table
(pandas DataFrame on UTC times, or the OVATION grid as an xarray Dataset) and its newest time.

Fill values and gaps: JSON ``null``, empty strings and the SWPC fill values in :data:`FILL_VALUES`
become NaN; rows whose essential value is NaN are dropped (see :mod:`norrsken.drivers.swpc`).
A malformed payload is a :class:`~norrsken.errors.NorrskenError` naming the product.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import NorrskenError
from ..times import to_utc

#: SWPC fill values (RTSW and legacy products use all-9 patterns); compared exactly.
FILL_VALUES = frozenset({-99999.0, -9999.9, -9999.0, -999.9, -999.0, 99999.0})
_FORECAST_STATUSES = ("observed", "estimated", "predicted")
BASE_URL = "https://services.swpc.noaa.gov"
OVATION_URL = f"{BASE_URL}/json/ovation_aurora_latest.json"


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


def parse_kp(payload: object) -> tuple[pd.DataFrame, dt.datetime]:
    frame = _frame(payload, "kp", {"kp": ("Kp", "kp"), "ap": ("a_running",), "station_count": ("station_count",)})
    frame = _drop_unusable(_kp_range(frame), "kp", essential=["kp"], how="any")
    return frame, frame.index[-1].to_pydatetime()


def parse_kp_forecast(payload: object) -> tuple[pd.DataFrame, dt.datetime]:
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


def parse_kp_1m(payload: object) -> tuple[pd.DataFrame, dt.datetime]:
    frame = _frame(payload, "kp_1m", {"kp": ("estimated_kp",)})
    frame = _drop_unusable(_kp_range(frame), "kp_1m", essential=["kp"], how="any")
    return frame, frame.index[-1].to_pydatetime()


def solar_wind(product: str, columns: tuple[str, ...]) -> Callable[[object], tuple[pd.DataFrame, dt.datetime]]:
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


def parse_ovation(payload: object) -> tuple[xr.Dataset, dt.datetime]:
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
            "source": OVATION_URL,
        },
    )
    return dataset, forecast
