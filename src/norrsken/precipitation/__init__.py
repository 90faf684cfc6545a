"""Where electrons rain into the atmosphere: energy flux Q and mean energy E0 on geographic grids."""

from . import zhang_paxton
from .products import boundary_geographic, equatorward_boundary, hemispheric_power_gw, view_line
from .zhang_paxton import oval

__all__ = ["boundary_geographic", "equatorward_boundary", "hemispheric_power_gw", "oval", "view_line", "zhang_paxton"]
