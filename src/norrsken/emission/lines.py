"""The auroral lines and bands norrsken computes, in one fixed order.

Keys are air wavelengths in nm with one decimal (``"557.7"``); they name the ``line`` coordinate of
every Dataset, the rows of the emission tables and the keys of the CLI's JSON. The N2 first
positive system is a band: it is keyed by the centre of its red Delta v = 3 sequence (the lower
border of hard aurora) and carries its component bands for the colour code.

Wavelengths: N2+ 1N (0,0), (0,1), (0,2) and the 1PG Delta v = 3 bands from Vallance Jones (1974),
"Aurora", Reidel (tabulated in gridaurora's ``vjeinfc.h5``); O I lines are the standard NIST air
wavelengths.
"""

from __future__ import annotations

import dataclasses

from ..errors import NorrskenError


@dataclasses.dataclass(frozen=True)
class Line:
    """One emission line or band.

    Attributes
    ----------
    key : str
        Wavelength in nm with one decimal, e.g. ``"427.8"``.
    wavelength_nm : float
        Air wavelength (for a band: its representative wavelength).
    name : str
        Emitter and transition.
    kind : str
        ``"line"`` or ``"band"``.
    colour : str
        A hex colour for plots: the sRGB hue of the wavelength, darkened for the infrared lines.
    components_nm : tuple of float
        For a band, the wavelengths of its component bands; for a line, its own wavelength.
    """

    key: str
    wavelength_nm: float
    name: str
    kind: str
    colour: str
    components_nm: tuple[float, ...]


def _line(wavelength_nm: float, name: str, colour: str) -> Line:
    return Line(f"{wavelength_nm:.1f}", wavelength_nm, name, "line", colour, (wavelength_nm,))


#: Component bands of the N2 1PG Delta v = 3 sequence: (4,1) ... (9,6), Vallance Jones (1974).
N2_1PG_BANDS_NM = (678.9, 670.5, 662.4, 654.5, 646.9, 639.5)

LINES: tuple[Line, ...] = (
    _line(391.4, "N2+ 1N (0,0)", "#5b2bd6"),
    _line(427.8, "N2+ 1N (0,1)", "#3a3af0"),
    _line(470.9, "N2+ 1N (0,2)", "#1f8fe0"),
    _line(557.7, "O I 1S-1D (green line)", "#36c43a"),
    _line(630.0, "O I 1D-3P2 (red line)", "#e8231c"),
    _line(636.4, "O I 1D-3P1", "#b8102a"),
    Line("670.0", 670.0, "N2 1PG Delta v = 3 band (red lower border)", "band", "#ff6a4d", N2_1PG_BANDS_NM),
    _line(777.4, "O I 3p5P-3s5S", "#8c2d19"),
    _line(844.6, "O I 3p3P-3s3S", "#5e3b2e"),
)

LINE_KEYS: tuple[str, ...] = tuple(line.key for line in LINES)


def line_index(key: str) -> int:
    """Position of the line ``key`` in :data:`LINES`; raises ``NorrskenError`` listing the valid keys."""
    try:
        return LINE_KEYS.index(key)
    except ValueError:
        raise NorrskenError(f"unknown line {key!r}: use one of {', '.join(LINE_KEYS)}") from None
