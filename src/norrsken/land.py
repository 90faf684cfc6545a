"""Where the land is: a global land fraction for maps and for the Earth seen from orbit.

Source: the GLOBE 1-km land mask (NOAA NGDC, Hastings & Dunbar 1999; public domain) as shipped in
the ``global-land-mask`` package, 21600 x 43200 cells of 1/120 deg. norrsken packages how many of
the 36 source cells in each 0.05 deg cell are land (``data/land-counts-0.05deg.npz``, 0.4 MB,
written by ``tools/make_land_counts.py``); every coarser grid is an exact block sum of those
counts, so the 1 GB source never has to be read at run time.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np

from . import checks
from .errors import NorrskenError

#: Packaged cell size, deg.
_PACKAGED_DEG = 0.05


@functools.lru_cache(maxsize=1)
def _land_cells() -> tuple[np.ndarray, int]:
    """The packaged counts of land source cells per 0.05 deg cell, and source cells per side."""
    with resources.files("norrsken").joinpath("data", "land-counts-0.05deg.npz").open("rb") as fh, np.load(fh) as z:
        return z["land_cells"], int(z["cells_per_side"])


@functools.lru_cache(maxsize=4)
def land_fraction(resolution_deg: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fraction of land in each cell of a global grid.

    Parameters
    ----------
    resolution_deg
        Cell size; a multiple of 0.05 deg that divides 180 (e.g. 0.05, 0.1, 0.25, 0.5).

    Returns
    -------
    lat, lon : ndarray
        Cell-centre latitudes (north to south) and longitudes (west to east), degrees.
    fraction : ndarray of float32, shape (lat.size, lon.size)
        Land fraction in [0, 1].
    """
    resolution_deg = checks.real("resolution_deg", resolution_deg, unit="deg")
    land, side = _land_cells()
    factor = resolution_deg / _PACKAGED_DEG
    if abs(factor - round(factor)) > 1e-9 or round(factor) < 1 or land.shape[0] % round(factor):
        raise NorrskenError(
            f"land mask resolution must be a multiple of 0.05 deg dividing 180, got {resolution_deg:g}",
            parameter="resolution_deg",
        )
    k = round(factor)
    nlat, nlon = land.shape[0] // k, land.shape[1] // k
    total = k * k * side * side
    ocean = total - land.reshape(nlat, k, nlon, k).sum(axis=(1, 3), dtype=np.uint32)
    fraction = (1.0 - ocean / np.float32(total)).astype(np.float32)
    fraction.setflags(write=False)  # shared by every caller in the process
    lat = 90.0 - (np.arange(nlat) + 0.5) * (180.0 / nlat)
    lon = -180.0 + (np.arange(nlon) + 0.5) * (360.0 / nlon)
    return lat, lon, fraction
