"""Where electrons rain into the atmosphere: energy flux Q and mean energy E0 on geographic grids.

``model`` is the seam every consumer uses (:class:`OvalModel`), ``zhang_paxton`` the Kp-driven
model, ``ovation_prime`` the solar-wind-driven OVATION Prime 2010, ``oval`` the global maps of any model, ``products`` what follows from any oval
(hemispheric power, equatorward edge, view line).
"""

from . import ovation_prime, zhang_paxton
from .model import Drivers, OvalModel
from .oval import MODELS, Auto, edges, get_model, grid_axes, oval
from .ovation_prime import OvationPrime
from .products import boundary_geographic, equatorward_boundary, hemispheric_power_gw, view_line
from .zhang_paxton import ZhangPaxton

__all__ = [
    "MODELS",
    "Auto",
    "Drivers",
    "OvalModel",
    "OvationPrime",
    "ZhangPaxton",
    "boundary_geographic",
    "edges",
    "equatorward_boundary",
    "get_model",
    "grid_axes",
    "hemispheric_power_gw",
    "oval",
    "ovation_prime",
    "view_line",
    "zhang_paxton",
]
