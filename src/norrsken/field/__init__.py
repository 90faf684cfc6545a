"""The emission field of a moment around a place: VER anywhere in the 80-500 km shell, on demand.

:func:`emission_field` builds an :class:`EmissionField` (:mod:`~norrsken.field.builder`, where the
physics of the field-aligned mapping is told): the oval's maps resampled onto a local gnomonic
grid (:mod:`~norrsken.field.packing`), optional seeded arcs (:mod:`~norrsken.field.arcs`) and night
airglow (:mod:`~norrsken.field.airglow`), packed into a :class:`PackedField` that the numba
kernels read (:mod:`~norrsken.field.kernels`; the ray marcher inlines :func:`sample`).
"""

from .builder import STRUCTURES, EmissionField, check_structure, emission_field, horizon_radius_deg
from .kernels import FOOTPRINT_KM, KM_PER_DEG, SHELL_KM, PackedField, footprint_cell, sample

__all__ = [
    "FOOTPRINT_KM",
    "KM_PER_DEG",
    "SHELL_KM",
    "STRUCTURES",
    "EmissionField",
    "PackedField",
    "check_structure",
    "emission_field",
    "footprint_cell",
    "horizon_radius_deg",
    "sample",
]
