"""Write src/norrsken/data/colour-tables.npz: the colorimetric tables norrsken.color reads, taken
from colour-science (BSD-3-Clause; its datasets are the CIE's and ISO's published tables), so a
picture does not import colour-science (~1 s per process with its plotting module). Rerun when
colour-science or the line list (norrsken.emission.lines) changes; tests/test_color.py checks
that the file still equals what colour-science gives.

    python tools/make_colour_tables.py

Contents, on the 5 nm grid 380-780 nm (the ISO 17321-1 ColorChecker reflectances' grid):
``grid_nm``; ``cmfs_grid`` (CIE 1931 2-degree observer) and ``scotopic_grid`` (CIE 1951 V'),
aligned to it as colour-science aligns them; ``continuum_<name>`` for the CIE illuminants the sky
background uses (daylight D65, sodium HP1, led LED-B3); ``colourchecker`` (24 patches). At the
air wavelengths of every line component (``line_nm``): ``line_cmfs`` and ``line_scotopic``
(colour-science's interpolation of the 1 nm tables; zero outside their domains). ``xyz_to_srgb``
and ``srgb_to_xyz`` of IEC 61966-2-1.
"""

from importlib.metadata import version
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "norrsken" / "data" / "colour-tables.npz"
#: The sky background's CIE continua: norrsken's name -> colour-science illuminant.
CONTINUA = {"daylight": "D65", "sodium": "HP1", "led": "LED-B3"}


def _at(sd, wavelength_nm: float) -> np.ndarray:
    """A tabulated function at one wavelength; zero outside its domain (colour raises there)."""
    if sd.shape.start <= wavelength_nm <= sd.shape.end:
        return np.asarray(sd[wavelength_nm], dtype=float)
    return np.zeros(np.shape(sd.values)[1:])


def tables() -> dict[str, np.ndarray]:
    """The arrays of the file, computed with colour-science."""
    import colour

    from norrsken.emission.lines import LINES

    grid = colour.SpectralShape(380.0, 780.0, 5.0)
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]
    scotopic = colour.colorimetry.SDS_LEFS_SCOTOPIC["CIE 1951 Scotopic Standard Observer"]
    srgb = colour.models.RGB_COLOURSPACE_sRGB
    line_nm = np.array(sorted({nm for line in LINES for nm in line.components_nm}), dtype=float)
    return {
        "grid_nm": np.asarray(grid.wavelengths, dtype=float),
        "cmfs_grid": cmfs.copy().align(grid).values,
        "scotopic_grid": scotopic.copy().align(grid).values,
        **{f"continuum_{name}": colour.SDS_ILLUMINANTS[key].copy().align(grid).values for name, key in CONTINUA.items()},
        "colourchecker": np.array([sd.copy().align(grid).values for sd in colour.SDS_COLOURCHECKERS["ISO 17321-1"].values()]),
        "line_nm": line_nm,
        "line_cmfs": np.array([_at(cmfs, nm) for nm in line_nm]),
        "line_scotopic": np.array([_at(scotopic, nm) for nm in line_nm]),
        "xyz_to_srgb": np.asarray(srgb.matrix_XYZ_to_RGB, dtype=float),
        "srgb_to_xyz": np.asarray(srgb.matrix_RGB_to_XYZ, dtype=float),
    }


def main() -> None:
    arrays = tables()
    np.savez_compressed(OUT, colour_science_version=np.array(version("colour-science")), **arrays)
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
