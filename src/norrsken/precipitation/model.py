"""The seam between oval models and everything that uses them.

An oval model turns magnetic coordinates and a moment's drivers into the energy flux Q
(erg cm^-2 s^-1) and mean energy E0 (keV) of precipitating electrons. Every consumer (the oval
maps, the emission field, the forecast, the planner, the climatology, the batch tasks, the CLI's
``--model``) takes one through ``model=``: a name from :data:`MODELS`, or any object of the
:class:`OvalModel` protocol.

A model separates *what drives it* from *evaluating it*, because the first may need the network
or a data file and is done once per moment, while the second runs on millions of points:

- ``drivers(time, indices, online=...) -> Drivers``: the model's inputs at ``time`` (e.g. Kp)
  with where each came from;
- ``evaluate(mlat, mlt, time, drivers) -> (Q, E0)``: broadcasting arrays, Q = 0 (and E0 NaN)
  where there is no precipitation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import numpy as np


@dataclasses.dataclass(frozen=True)
class Drivers:
    """What drives an oval model at one moment.

    Attributes
    ----------
    values : mapping of str to float
        The model's inputs by name (``{"kp": 3.33}``).
    sources : mapping of str to str
        Where each came from (``{"kp": "embedded CelesTrak history"}``).
    """

    values: Mapping[str, float]
    sources: Mapping[str, str]

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def attrs(self) -> dict[str, float | str]:
        """The drivers as Dataset attributes: each value and its ``<name>_source``."""
        out: dict[str, float | str] = {}
        for name, value in self.values.items():
            out[name] = float(value)
            out[f"{name}_source"] = self.sources[name]
        return out

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, float | str], names: tuple[str, ...]) -> Drivers:
        """The drivers a Dataset was computed with (see :meth:`attrs`)."""
        return cls({name: float(attrs[name]) for name in names}, {name: str(attrs[f"{name}_source"]) for name in names})


@runtime_checkable
class OvalModel(Protocol):
    """An auroral oval model (see the module docstring).

    Attributes
    ----------
    name : str
        Its short name, as ``--model`` spells it (``"zhang-paxton"``).
    reference : str
        The paper it implements, for outputs' ``model`` attribute.
    needs : tuple of str
        The names of its drivers.
    """

    name: str
    reference: str
    needs: tuple[str, ...]

    def drivers(self, time: dt.datetime, indices=None, *, online: bool = False) -> Drivers:
        """The drivers at ``time``: from ``indices`` where given, else the model's own sources
        (embedded history; the live feeds first when ``online``)."""
        ...

    def evaluate(
        self, mlat: np.ndarray, mlt: np.ndarray, time: dt.datetime, drivers: Drivers
    ) -> tuple[np.ndarray, np.ndarray]:
        """Energy flux (erg cm^-2 s^-1) and mean energy (keV) at AACGM latitudes and MLTs."""
        ...


#: Every driver an oval model may have, with how it is written: label, number format and unit.
DRIVER_LABELS = {"kp": ("Kp", "{:.2f}", ""), "dphi": ("dPhi/dt", "{:.0f}", " (km/s)^4/3 nT^2/3")}


def driver_attrs(attrs: Mapping) -> dict:
    """The drivers among a product's ``attrs`` (each known driver present and its ``_source``), in
    the order of :data:`DRIVER_LABELS`; a NaN value (a driver that was not available) becomes None."""
    out: dict = {}
    for name in DRIVER_LABELS:
        if name in attrs:
            value = attrs[name]
            out[name] = float(value) if value is not None and np.isfinite(value) else None
            out[f"{name}_source"] = attrs[f"{name}_source"]
    return out


def describe_drivers(attrs: Mapping) -> str:
    """The drivers in words: ``Kp 3.33 (embedded CelesTrak history)``, ``dPhi/dt 1880 (km/s)^4/3
    nT^2/3 (OMNI2 hourly ...)``, one after the other, skipping any that was not available."""
    parts = []
    for name, value in driver_attrs(attrs).items():
        if name in DRIVER_LABELS and value is not None:
            label, form, unit = DRIVER_LABELS[name]
            parts.append(f"{label} {form.format(value)}{unit} ({attrs[f'{name}_source']})")
    return "; ".join(parts)
