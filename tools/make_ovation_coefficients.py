"""Write src/norrsken/data/ovation_prime/coefficients.npz: the OVATION Prime 2010 coefficient
files (Newell et al. 2009, JGR 114, A09207; 2010, JGR 115, A03216; P. T. Newell, JHU/APL, released
by NOAA NGDC/NCEI; LGPL-3.0 as distributed) converted losslessly to float32 arrays.

    python tools/make_ovation_coefficients.py [/work/shared/data/ovation_prime/premodel.tar.xz]

Layout of the 44 text files (one header line of six integers: first year, first day, last year,
last day, number of data files, an index; then):

- ``{season}_{type}.txt`` and ``{season}_{type}_n.txt`` (energy and number flux): 15 360 rows
  ``i j b1 b2 r`` for MLT bin i (0-95) and MLAT bin j (0-159), flux = b1 + b2 dPhi/dt. The fifth
  column (the fit's correlation coefficient) is not used by the model and is not kept.
- ``{season}_prob_b_{type}.txt`` (diff, mono, wave only): 15 360 rows ``b1 b2`` in the same bin
  order (probability = b1 + b2 dPhi/dt), then 184 320 single values: the fallback table of the
  probability in 12 bins of dPhi/dt, bin-major (for each (i, j) bin its 12 values).

Every value is checked to survive the float32 conversion: printed back with as many significant
digits as its text, it reads as the same number.
"""

from __future__ import annotations

import io
import re
import sys
import tarfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "norrsken" / "data" / "ovation_prime" / "coefficients.npz"
SOURCE = Path("/work/shared/data/ovation_prime/premodel.tar.xz")
SEASONS = ("winter", "spring", "summer", "fall")
TYPES = ("diff", "mono", "wave", "ions")
N_MLT, N_MLAT, N_DF = 96, 160, 12
N_BINS = N_MLT * N_MLAT


def _significant_digits(token: str) -> int:
    mantissa = re.split("[eE]", token.lstrip("+-"))[0].replace(".", "").lstrip("0")
    return max(len(mantissa), 1)


def _float32(tokens: list[str]) -> np.ndarray:
    """The tokens as float32, refusing any whose value float32 cannot carry."""
    values = np.array(tokens, dtype=np.float64)
    out = values.astype(np.float32)
    for token, value in zip(tokens, out, strict=True):
        if float(f"{float(value):.{_significant_digits(token)}g}") != float(token):
            raise SystemExit(f"{token} does not survive float32")
    return out


def _read(files: dict[str, str], name: str) -> tuple[np.ndarray, list[str]]:
    lines = files[name].splitlines()
    header = np.array(lines[0].split(), dtype=np.int32)
    return header, [token for line in lines[1:] for token in line.split()]


def _flux(files: dict[str, str], name: str) -> tuple[np.ndarray, np.ndarray]:
    header, tokens = _read(files, name)
    rows = np.array(tokens, dtype=object).reshape(N_BINS, 5)
    index = rows[:, :2].astype(int)
    expected = np.stack(np.meshgrid(np.arange(N_MLT), np.arange(N_MLAT), indexing="ij"), axis=-1).reshape(-1, 2)
    if not np.array_equal(index, expected):
        raise SystemExit(f"{name}: bins are not in (MLT, MLAT) order")
    coefficients = _float32(list(rows[:, 2:4].ravel())).reshape(N_MLT, N_MLAT, 2)
    return header, np.moveaxis(coefficients, -1, 0)


def _probability(files: dict[str, str], name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    header, tokens = _read(files, name)
    if len(tokens) != 2 * N_BINS + N_DF * N_BINS:
        raise SystemExit(f"{name}: {len(tokens)} values")
    b = _float32(tokens[: 2 * N_BINS]).reshape(N_MLT, N_MLAT, 2)
    fallback = _float32(tokens[2 * N_BINS :]).reshape(N_MLT, N_MLAT, N_DF)  # bin-major
    return header, np.moveaxis(b, -1, 0), fallback


def main(source: Path = SOURCE) -> None:
    with tarfile.open(source) as tar:
        files = {
            Path(m.name).name: io.TextIOWrapper(tar.extractfile(m)).read() for m in tar.getmembers() if m.isfile()
        }
    energy = np.zeros((len(SEASONS), len(TYPES), 2, N_MLT, N_MLAT), np.float32)
    number = np.zeros_like(energy)
    prob_b = np.zeros((len(SEASONS), 3, 2, N_MLT, N_MLAT), np.float32)
    fallback = np.zeros((len(SEASONS), 3, N_MLT, N_MLAT, N_DF), np.float32)
    headers = []
    for s, season in enumerate(SEASONS):
        for t, kind in enumerate(TYPES):
            header, energy[s, t] = _flux(files, f"{season}_{kind}.txt")
            headers.append(header)
            header, number[s, t] = _flux(files, f"{season}_{kind}_n.txt")
            headers.append(header)
            if kind != "ions":
                header, prob_b[s, t], fallback[s, t] = _probability(files, f"{season}_prob_b_{kind}.txt")
                headers.append(header)
    if len(headers) != 44:
        raise SystemExit(f"read {len(headers)} files, expected 44")
    np.savez_compressed(
        OUT,
        energy_flux=energy,
        number_flux=number,
        prob_b=prob_b,
        prob_fallback=fallback,
        seasons=np.array(SEASONS),
        types=np.array(TYPES),
        fit_period=headers[0][:4],
        source=np.array(f"OVATION Prime 2010 premodel files ({source.name}), 44 files, float32"),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
