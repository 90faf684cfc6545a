"""norrsken: the aurora end to end, from the solar wind to the photograph.

The public API is re-exported here; each physical step lives in one module:
drivers (space weather) -> geomag -> precipitation -> emission -> render/forecast -> cli.
"""

from .drivers import SpaceWeather, kp_at, space_weather
from .emission import column
from .errors import NorrskenError, OutOfRangeError

__version__ = "0.1.0"

__all__ = ["NorrskenError", "OutOfRangeError", "SpaceWeather", "column", "kp_at", "space_weather"]
