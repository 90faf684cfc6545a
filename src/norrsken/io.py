"""Writing products: Datasets to NetCDF and Zarr, boundaries to GeoJSON, PNG, JSON and figures.

Every file is written atomically (to a private temporary file in the same folder, then renamed),
so an interrupted or failed write leaves the old file or nothing, never half a file. Every output
path is checked before the work that fills it: its folder must exist (or be creatable) and accept
a new file, which is tried, not assumed (``os.access`` says yes to root on a read-only file system).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from .cache import write_atomic
from .errors import NorrskenError


def _writable_folder(folder: Path, what: str) -> None:
    """Prove that a new file can be made in ``folder`` (an existing directory)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".norrsken-probe-"):
            pass
    except OSError as exc:
        raise NorrskenError(f"cannot write {what}: {exc.strerror or exc}") from None


def check_output_dir(path: str | os.PathLike) -> Path:
    """Check, without creating anything, that ``path`` is a folder that exists and takes new files
    or can be created in an ancestor that does."""
    path = Path(path)
    ancestor = path
    while not ancestor.exists():
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise NorrskenError(f"cannot write to output folder {str(path)!r}: {str(ancestor)!r} is not a folder")
    _writable_folder(ancestor, f"to output folder {str(path)!r}")
    return path


def prepare_output_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` if needed and prove it is writable, or raise a one-line error."""
    path = check_output_dir(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NorrskenError(f"cannot write to output folder {str(path)!r}: {exc.strerror or exc}") from None
    _writable_folder(path, f"to output folder {str(path)!r}")
    return path


def _atomic(path: str | os.PathLike, write) -> Path:
    """``write(file)`` into ``path`` atomically; any failure is a one-line :class:`NorrskenError`."""
    path = Path(path)
    try:
        write_atomic(path, write)
    except (OSError, ValueError) as exc:
        raise NorrskenError(f"cannot write {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None
    return path


#: Suffixes of the dataset formats :func:`write_dataset` writes.
DATASET_SUFFIXES = (".nc", ".zarr")


def _time_encoding(ds: xr.Dataset) -> dict:
    """Times as integer seconds since 1970 (exact, and the same for every appended piece)."""
    return {
        name: {"units": "seconds since 1970-01-01T00:00:00", "dtype": "int64"}
        for name, var in ds.coords.items()
        if var.dtype.kind == "M"
    }


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to NetCDF-4 (h5netcdf engine; data variables as compressed float32)."""
    encoding = {
        name: {"compression": "gzip", "compression_opts": 4, "dtype": "float32"}
        for name, var in ds.data_vars.items()
        if var.dtype.kind == "f"
    } | _time_encoding(ds)
    return _atomic(path, lambda fh: ds.to_netcdf(fh, engine="h5netcdf", encoding=encoding))


def write_zarr(ds: xr.Dataset, path: str | os.PathLike, *, append_dim: str | None = None) -> Path:
    """Write ``ds`` to a Zarr store (replacing it), or append it along ``append_dim``.

    Data variables are stored as float32; no consolidated metadata (not part of Zarr v3).
    """
    try:
        if append_dim is None:
            encoding = {name: {"dtype": "float32"} for name, var in ds.data_vars.items() if var.dtype.kind == "f"}
            ds.to_zarr(path, mode="w", consolidated=False, encoding=encoding | _time_encoding(ds))
        else:
            ds.to_zarr(path, append_dim=append_dim, consolidated=False)
    except OSError as exc:
        raise NorrskenError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    return Path(path)


def check_dataset_path(path: str | os.PathLike) -> Path:
    """Check, before any work, that a dataset can be written to ``path`` (.nc or .zarr)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DATASET_SUFFIXES:
        raise NorrskenError(f"output file {str(path)!r} must end in .nc (NetCDF) or .zarr (Zarr)")
    if suffix == ".zarr" and path.exists() and not (path / "zarr.json").exists() and not (path / ".zgroup").exists():
        raise NorrskenError(f"{str(path)!r} exists and is not a Zarr store: refusing to replace it")
    if suffix == ".zarr":
        if not path.parent.is_dir():
            raise NorrskenError(f"folder of output file {str(path)!r} does not exist")
        _writable_folder(path if path.exists() else path.parent, f"into {str(path)!r}")
        return path
    return check_output_file(path, ".nc")


def write_dataset(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to NetCDF (``.nc``) or Zarr (``.zarr``), chosen by the suffix."""
    path = check_dataset_path(path)
    return write_zarr(ds, path) if path.suffix.lower() == ".zarr" else write_netcdf(ds, path)


def open_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open a dataset :func:`write_dataset` wrote (NetCDF or Zarr), loaded into memory."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".zarr":
            return xr.open_zarr(path, consolidated=False).load()
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.load()
    except (OSError, ValueError, KeyError) as exc:
        raise NorrskenError(f"cannot read {str(path)!r}: {exc}") from None


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


def boundary_feature(boundary: xr.Dataset, properties: dict) -> dict:
    """A GeoJSON Feature (MultiLineString) for a closed boundary.

    Parameters
    ----------
    boundary
        Dataset with ``lat`` and ``lon`` sampled around the pole (NaN = no boundary there), e.g. from
        :func:`norrsken.precipitation.boundary_geographic`; its attrs join ``properties``.
    properties
        Extra GeoJSON properties (plain JSON values).
    """
    lon = np.append(boundary["lon"].values, boundary["lon"].values[:1])  # close the ring
    lat = np.append(boundary["lat"].values, boundary["lat"].values[:1])
    return {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": _split_antimeridian(lon, lat)},
        "properties": {**{k: _plain(v) for k, v in boundary.attrs.items()}, **properties},
    }


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def check_output_file(path: str | os.PathLike, suffix: str) -> Path:
    """Check that ``path`` can be written as a new or replaced ``suffix`` file, before any work."""
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise NorrskenError(f"output file {str(path)!r} must end in {suffix}")
    if path.is_dir():
        raise NorrskenError(f"output file {str(path)!r} is a folder")
    if not path.parent.is_dir():
        raise NorrskenError(f"folder of output file {str(path)!r} does not exist")
    _writable_folder(path.parent, f"into the folder of {str(path)!r}")
    return path


def save_figure(fig, path: str | os.PathLike, **kwargs) -> Path:
    """Save a matplotlib figure in the format of its suffix (PNG, SVG, PDF...), atomically."""
    extension = Path(path).suffix.lstrip(".").lower()
    return _atomic(path, lambda fh: fig.savefig(fh, format=extension or None, **kwargs))


def write_png(rgb: np.ndarray, path: str | os.PathLike, metadata: dict[str, object]) -> Path:
    """Write an 8-bit RGB image with ``metadata`` as PNG text chunks (strings or JSON)."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in metadata.items():
        info.add_text(key, value if isinstance(value, str) else json.dumps(value))
    image = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
    return _atomic(path, lambda fh: image.save(fh, format="PNG", pnginfo=info))


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return _atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def write_json(obj, path: str | os.PathLike) -> Path:
    """Write ``obj`` as strict JSON (NaN is refused, so callers turn missing values into None)."""
    return write_text(path, json.dumps(obj, indent=1, allow_nan=False))


def write_geojson(features: list[dict], path: str | os.PathLike) -> Path:
    """Write a GeoJSON FeatureCollection."""
    return write_json({"type": "FeatureCollection", "features": features}, path)
