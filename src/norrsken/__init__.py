"""norrsken: the aurora end to end, from the solar wind to the photograph.

The public API is re-exported here; each physical step lives in one module:
drivers (space weather) -> geomag -> precipitation -> emission -> render/forecast -> cli.
"""

__version__ = "0.1.0"

from .cache import configure_numba_cache  # noqa: E402

configure_numba_cache()  # before the numba kernels below are imported

from .drivers import SpaceWeather, kp_at, space_weather  # noqa: E402
from .emission import column  # noqa: E402
from .errors import NorrskenError, OutOfRangeError  # noqa: E402

__all__ = ["NorrskenError", "OutOfRangeError", "SpaceWeather", "column", "kp_at", "space_weather"]
