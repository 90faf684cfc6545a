"""Where the land is: a global land/ocean mask for maps and, later, the Earth seen from orbit.

Source: the ``global-land-mask`` package (GLOBE 1-km digital elevation data, NOAA NGDC, Hastings &
Dunbar 1999), 21600 x 43200 cells of 1/120 deg. Loading it costs ~1 GB and ~5 s, so norrsken
derives a coarser land-fraction mask once and keeps it in the user cache dir.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .cache import cache_key, cached_arrays
from .errors import NorrskenError

_SOURCE_CELLS_PER_DEG = 120


@functools.lru_cache(maxsize=4)
def land_fraction(resolution_deg: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fraction of land in each cell of a global grid.

    Parameters
    ----------
    resolution_deg
        Cell size; must be a multiple of 1/120 deg that divides 180 (e.g. 0.05, 0.1, 0.25, 0.5).

    Returns
    -------
    lat, lon : ndarray
        Cell-centre latitudes (north to south) and longitudes (west to east), degrees.
    fraction : ndarray of float32, shape (lat.size, lon.size)
        Land fraction in [0, 1].
    """
    factor = resolution_deg * _SOURCE_CELLS_PER_DEG
    if abs(factor - round(factor)) > 1e-9 or round(factor) < 1 or (180 * _SOURCE_CELLS_PER_DEG) % round(factor):
        raise NorrskenError(f"land mask resolution must be a multiple of 1/120 deg dividing 180, got {resolution_deg:g}")
    import global_land_mask

    factor = round(factor)
    version = getattr(global_land_mask, "__version__", "1.0.0")
    fraction = cached_arrays("land-fraction", cache_key(version, factor), lambda: {"fraction": _build(factor)})["fraction"]
    nlat, nlon = fraction.shape
    lat = 90.0 - (np.arange(nlat) + 0.5) * (180.0 / nlat)
    lon = -180.0 + (np.arange(nlon) + 0.5) * (360.0 / nlon)
    return lat, lon, fraction


def _build(factor: int) -> np.ndarray:
    import global_land_mask

    source = Path(global_land_mask.__file__).parent / "globe_combined_mask_compressed.npz"
    with np.load(source) as z:
        ocean = z["mask"]  # True over ocean; rows from 90 N southward, columns from 180 W eastward
    nlat, nlon = ocean.shape[0] // factor, ocean.shape[1] // factor
    ocean_cells = ocean.view(np.uint8).reshape(nlat, factor, nlon, factor).sum(axis=(1, 3), dtype=np.uint32)
    return (1.0 - ocean_cells / np.float32(factor * factor)).astype(np.float32)
