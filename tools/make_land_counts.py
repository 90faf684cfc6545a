"""Write src/norrsken/data/land-counts-0.05deg.npz: how many of the 36 GLOBE 1-km cells in each
0.05 deg cell are land, from the ``global-land-mask`` package (GLOBE, NOAA NGDC, Hastings & Dunbar
1999; public domain; the package is MIT-licensed). Every coarser land fraction norrsken uses
(0.1 deg for the ground seen from orbit, 0.25 deg for maps) is an exact block sum of these counts,
so the 1 GB source mask is never loaded at run time.

    pip install global-land-mask && python tools/make_land_counts.py
"""

from importlib.metadata import version
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "norrsken" / "data" / "land-counts-0.05deg.npz"
#: 1/120 deg source cells per 0.05 deg cell, along each axis.
FACTOR = 6


def main() -> None:
    import global_land_mask

    source = Path(global_land_mask.__file__).parent / "globe_combined_mask_compressed.npz"
    with np.load(source) as z:
        ocean = z["mask"]  # True over ocean; rows from 90 N southward, columns from 180 W eastward
    nlat, nlon = ocean.shape[0] // FACTOR, ocean.shape[1] // FACTOR
    ocean_cells = ocean.view(np.uint8).reshape(nlat, FACTOR, nlon, FACTOR).sum(axis=(1, 3), dtype=np.uint8)
    land = (FACTOR * FACTOR - ocean_cells).astype(np.uint8)
    np.savez_compressed(
        OUT,
        land_cells=land,
        cells_per_side=np.array(FACTOR, dtype=np.uint8),
        source=np.array(f"global-land-mask {version('global-land-mask')}: GLOBE 1-km land mask (NOAA NGDC)"),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): {nlat} x {nlon} cells")


if __name__ == "__main__":
    main()
