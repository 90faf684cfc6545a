"""Write src/norrsken/data/omni2_hourly.npz: the solar wind of every hour of the NASA SPDF OMNI2
hourly files (King & Papitashvili 2005, JGR 110, A02104; NASA SPDF open data) in the shared
tarball, 2011 to its last valid hour: speed V (km/s), density n (cm^-3) and the IMF Bx, By, Bz
(nT, GSM), as int16 in the files' own resolution (1 km/s, 0.1 cm^-3, 0.1 nT), so the packing is
lossless; fill values become -32768.

    python tools/make_omni_hours.py [/work/shared/data/omni/omni2_hourly_2011_2025.tar.xz]
"""

from __future__ import annotations

import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from norrsken.drivers.solarwind import OMNI_COLUMNS, PACK_FILL, PACK_SCALE, read_omni2

OUT = Path(__file__).resolve().parents[1] / "src" / "norrsken" / "data" / "omni2_hourly.npz"
SOURCE = Path("/work/shared/data/omni/omni2_hourly_2011_2025.tar.xz")


def main(source: Path = SOURCE) -> None:
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(source) as tar:
        tar.extractall(tmp, filter="data")
        years = [read_omni2(path) for path in sorted(Path(tmp).rglob("omni2_*.dat"))]
    for before, after in zip(years, years[1:], strict=False):
        if before.end != after.start:
            raise SystemExit(f"{before.end} is followed by {after.start}")
    columns = {name: np.concatenate([getattr(y, name) for y in years]) for name in OMNI_COLUMNS}
    measured = np.flatnonzero(np.isfinite(columns["speed"]) | np.isfinite(columns["bz"]))
    last = int(measured[-1]) + 1  # the last files are padded with fill to the year's end
    packed = {}
    for name, values in columns.items():
        scaled = np.round(values[:last] * PACK_SCALE[name])
        if np.nanmax(np.abs(scaled)) >= -PACK_FILL or np.any(np.abs(scaled - values[:last] * PACK_SCALE[name]) > 1e-6):
            raise SystemExit(f"{name} does not pack losslessly")
        packed[name] = np.where(np.isfinite(scaled), scaled, PACK_FILL).astype(np.int16)
    start = years[0].start
    np.savez_compressed(
        OUT, start=np.array(start.strftime("%Y-%m-%dT%H:%M")), source=np.array(f"OMNI2 hourly, {source.name}"), **packed
    )
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): {last} hours from {start:%Y-%m-%d}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
