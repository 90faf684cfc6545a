"""norrsken's front door: everything a user calls, from one module.

``import norrsken`` re-exports these names, so ``norrsken.sky(...)`` and ``from norrsken import
sky`` both work; the modules behind them (one per step of the chain, see docs/ARCHITECTURE.md)
stay importable for the details.

Conventions of every call here:

- A moment and a place come first and in this order: ``(time, lat, lon, ...)``. Times are
  timezone-aware UTC (``datetime`` with tzinfo, ``numpy.datetime64`` or ISO 8601 text with an
  offset such as ``"2017-01-18T21:00Z"``); naive times are refused.
- Space-weather overrides are one ``indices=`` argument: an :class:`Indices`, a
  :class:`SpaceWeather` or a mapping such as ``{"kp": 6}``; what is not given comes from the
  embedded history.
- The oval model is ``model=`` (a name of :data:`MODELS`: ``"zhang-paxton"``, ``"ovation"``,
  ``"auto"``, or an :class:`OvalModel`); OVATION Prime's solar wind can be given as
  ``indices={"dphi": ...}`` or ``{"solar_wind": "V,BY,BZ,N"}``.
- A time series is ``start, end, step`` with ``step`` a duration (``"30min"``, ``"60s"``, a
  ``timedelta``).
- Results are xarray Datasets with units in names or attributes; bad input raises
  :class:`NorrskenError` with a one-line message.

Importing this module loads numpy, xarray, numba, matplotlib and the data tables' readers (about
1 s); the network, dask and the packaged catalogues are only touched when a call needs them.
"""

from __future__ import annotations

from .climate import climatology
from .color import CameraExposure, EyeExposure
from .drivers.kp import Indices, SpaceWeather, space_weather
from .drivers.swpc import kp_now
from .emission.column import column
from .emission.table import column_table, emission_table
from .errors import NorrskenError, NorrskenWarning, OutOfRangeError, TLEError
from .field import emission_field
from .geometry import Region
from .orbit import iss, load_tles, states
from .planner import best_per_pass, opportunities
from .plots import plot
from .precipitation import MODELS, OvalModel, OvationPrime, ZhangPaxton, edges, oval
from .render.camera import AllSkyCamera, PinholeCamera
from .render.orbital import look_at, orbit_view
from .render.sky import sky
from .times import series
from .version import __version__
from .visibility import forecast

__all__ = [
    "MODELS", "AllSkyCamera", "CameraExposure", "EyeExposure", "Indices", "NorrskenError", "NorrskenWarning",
    "OutOfRangeError", "OvalModel", "OvationPrime", "PinholeCamera", "Region", "SpaceWeather", "TLEError", "ZhangPaxton",
    "__version__", "best_per_pass", "climatology", "column", "column_table", "edges", "emission_field",
    "emission_table", "forecast", "iss", "kp_now", "load_tles", "look_at", "opportunities", "orbit_view", "oval",
    "plot", "series", "sky", "space_weather", "states",
]  # fmt: skip
