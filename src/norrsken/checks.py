"""Checks of user input, written once: each names the parameter, its unit and its range.

Every public entry point checks what it is given with these before any work, so that bad input
gives one clear :class:`~norrsken.errors.NorrskenError` (never a traceback from deep inside numpy,
never a silently wrong result). The ``name`` is the Python parameter; the CLI shows the matching
flag instead (:attr:`NorrskenError.parameter`).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt

from .errors import NorrskenError


def _range_text(valid: tuple[float, float], unit: str) -> str:
    unit = f" {unit}" if unit else ""
    return f"between {valid[0]:g} and {valid[1]:g}{unit}"


def real(name: str, value: object, valid: tuple[float, float] | None = None, unit: str = "") -> float:
    """``value`` as a float: a real number (not a bool), finite, and inside ``valid`` if given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NorrskenError(f"{name} must be a number, got {value!r}", parameter=name)
    number = float(value) + 0.0  # + 0.0 turns -0.0 into 0.0
    if not math.isfinite(number):
        raise NorrskenError(f"{name} must be a finite number, got {number}", parameter=name)
    if valid is not None and not valid[0] <= number <= valid[1]:
        raise NorrskenError(f"{name} must lie {_range_text(valid, unit)}, got {number:g}", parameter=name)
    return number


def positive(name: str, value: object, unit: str = "") -> float:
    """``value`` as a float: a finite number above zero."""
    number = real(name, value)
    if not number > 0.0:
        unit = f" {unit}" if unit else ""
        raise NorrskenError(f"{name} must be a positive number{unit}, got {number:g}", parameter=name)
    return number


def env_number(variable: str, default: float, unit: str) -> float:
    """The number in the environment variable ``variable`` (``default`` when unset or empty);
    anything else is refused, naming the variable and its ``unit``."""
    text = os.environ.get(variable, "")
    try:
        return float(text) if text else default
    except ValueError:
        raise NorrskenError(f"{variable} must be a number of {unit}, got {text!r}", parameter=variable) from None


def optional_real(name: str, value: object, valid: tuple[float, float] | None = None, unit: str = "") -> float | None:
    """None, or :func:`real`."""
    return None if value is None else real(name, value, valid, unit)


def integer(name: str, value: object, valid: tuple[int, int] | None = None, unit: str = "") -> int:
    """``value`` as an int: a whole number (an integer type, not a bool), inside ``valid`` if given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise NorrskenError(f"{name} must be a whole number, got {value!r}", parameter=name)
    number = int(value)
    if valid is not None and not valid[0] <= number <= valid[1]:
        raise NorrskenError(f"{name} must be a whole number {_range_text(valid, unit)}, got {number}", parameter=name)
    return number


def flag(name: str, value: object) -> bool:
    """``value`` if it is a bool (not 0, 1 or a string)."""
    if not isinstance(value, bool | np.bool_):
        raise NorrskenError(f"{name} must be True or False, got {value!r}", parameter=name)
    return bool(value)


def choice(name: str, value: object, options: Iterable[str]) -> str:
    """``value`` if it is one of ``options``."""
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise NorrskenError(f"unknown {name} {value!r}: use one of {', '.join(options)}", parameter=name)
    return value


def latitude(lat: npt.ArrayLike, name: str = "lat") -> np.ndarray:
    """``lat`` as a float array, refusing any finite value outside [-90, 90] deg (NaN passes:
    arrays may mark missing points)."""
    try:
        arr = np.asarray(lat, dtype=float)
    except (TypeError, ValueError):
        raise NorrskenError(f"{name} must be a number of degrees, got {lat!r}", parameter=name) from None
    bad = np.isfinite(arr) & (np.abs(arr) > 90.0)
    if bad.any():
        raise NorrskenError(f"{name} must lie between -90 and 90 degrees, got {arr[bad].flat[0]:g}", parameter=name)
    return arr


def longitude(lon: object, name: str = "lon") -> float:
    """A finite longitude, folded into [-180, 180) deg."""
    return (real(name, lon, unit="deg") + 180.0) % 360.0 - 180.0


def place(
    lat: object, lon: object, altitude_km: object = 0.0, altitude_range_km: tuple[float, float] = (0.0, 0.0),
    view: str = "a ground view",
) -> tuple[float, float, float]:
    """A place for ``view`` (e.g. "a ground view"): a finite latitude in [-90, 90], a finite
    longitude (returned in [-180, 180)) and an altitude within ``altitude_range_km``."""
    lat = real("lat", lat, (-90.0, 90.0), "degrees")
    lon = longitude(lon)
    altitude = real("altitude_km", altitude_km)
    low, high = altitude_range_km
    if not low <= altitude <= high:
        raise NorrskenError(
            f"altitude_km must lie between {low:g} and {high:g} km for {view}, got {altitude:g}", parameter="altitude_km"
        )
    return lat, lon, altitude


HEMISPHERES: dict[str, Literal[1, -1]] = {"north": 1, "south": -1}


def hemisphere(value: object) -> Literal[1, -1]:
    """+1 for ``"north"``, -1 for ``"south"``."""
    return HEMISPHERES[choice("hemisphere", value, HEMISPHERES)]
