"""Writing products: Datasets to NetCDF, boundaries to GeoJSON, and checked output folders."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from .errors import NorrskenError


def prepare_output_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` if needed and prove it is writable, or raise a one-line error."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise NorrskenError(f"cannot write to output folder {str(path)!r}: {exc.strerror or exc}") from None
    return path


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to NetCDF-4 (h5netcdf engine, compressed variables)."""
    encoding = {name: {"compression": "gzip", "compression_opts": 4} for name in ds.data_vars}
    ds.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    return Path(path)


def _split_antimeridian(lon: np.ndarray, lat: np.ndarray) -> list[list[list[float]]]:
    """Split a polyline (NaN = gap) into GeoJSON line strings that never cross the antimeridian.

    Where a segment crosses +-180 deg, the crossing latitude is interpolated and both pieces end on
    the meridian, as RFC 7946 section 3.1.9 asks.
    """
    parts: list[list[list[float]]] = []
    current: list[list[float]] = []
    for i in range(lon.size):
        if not (np.isfinite(lon[i]) and np.isfinite(lat[i])):
            if len(current) > 1:
                parts.append(current)
            current = []
            continue
        if current:
            prev_lon, prev_lat = current[-1]
            delta = lon[i] - prev_lon
            if abs(delta) > 180.0:
                edge = 180.0 if prev_lon > 0 else -180.0
                unwrapped = lon[i] + (360.0 if prev_lon > 0 else -360.0)
                frac = (edge - prev_lon) / (unwrapped - prev_lon)
                cross_lat = prev_lat + frac * (lat[i] - prev_lat)
                current.append([edge, round(float(cross_lat), 4)])
                parts.append(current)
                current = [[-edge, round(float(cross_lat), 4)]]
        current.append([round(float(lon[i]), 4), round(float(lat[i]), 4)])
    if len(current) > 1:
        parts.append(current)
    return parts


def boundary_feature(lon: np.ndarray, lat: np.ndarray, properties: dict) -> dict:
    """A GeoJSON Feature (MultiLineString) for a closed boundary given as lon/lat samples."""
    lon = np.append(lon, lon[:1])  # close the ring
    lat = np.append(lat, lat[:1])
    return {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": _split_antimeridian(lon, lat)},
        "properties": properties,
    }


def write_geojson(features: list[dict], path: str | os.PathLike) -> Path:
    """Write a GeoJSON FeatureCollection."""
    Path(path).write_text(json.dumps({"type": "FeatureCollection", "features": features}, indent=1))
    return Path(path)
