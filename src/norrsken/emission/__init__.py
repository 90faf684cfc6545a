"""Auroral emission: ionization by precipitating electrons, line chemistry, precomputed tables.

``ionization`` (Fang et al. 2010 over electron spectra) -> ``chemistry`` (volume emission rates of
the ``lines``) -> ``column`` (one column, directly) and ``table`` (VER per unit energy flux on a
grid of mean energy, flux and altitude, cached on disk, for the renderer).
"""

from .column import column
from .lines import LINE_KEYS, LINES, Line
from .table import EmissionTable, build_table, emission_table

__all__ = ["LINES", "LINE_KEYS", "EmissionTable", "Line", "build_table", "column", "emission_table"]
