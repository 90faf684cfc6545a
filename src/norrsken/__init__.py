"""norrsken: the aurora end to end, from the solar wind to the photograph.

The public API is :mod:`norrsken.api`, re-exported here: ``norrsken.sky(...)`` and ``from norrsken
import sky`` both work. Each physical step lives in one module: drivers (space weather) -> geomag
-> precipitation -> emission -> field -> render/forecast -> cli.
"""

from typing import TYPE_CHECKING

from .cache import configure_numba_cache
from .version import __version__

configure_numba_cache()  # before any numba kernel is imported

if TYPE_CHECKING:
    from .api import *  # noqa: F403

#: The front door: norrsken.api.__all__, repeated here (test_layers checks they agree) so that
#: ``import norrsken`` need not import the API.
__all__ = [
    "MODELS", "AllSkyCamera", "CameraExposure", "EyeExposure", "Indices", "NorrskenError", "NorrskenWarning",
    "OutOfRangeError", "OvalModel", "OvationPrime", "PinholeCamera", "Region", "SpaceWeather", "TLEError", "ZhangPaxton",
    "__version__", "best_per_pass", "climatology", "column", "column_table", "edges", "emission_field",
    "emission_table", "forecast", "iss", "kp_now", "load_tles", "look_at", "opportunities", "orbit_view", "oval",
    "plot", "series", "sky", "space_weather", "states",
]  # fmt: skip


def __getattr__(name: str):
    # The API is imported on first use, not with the package: it loads numpy, xarray, numba,
    # matplotlib and colour-science (~2.5 s), which `norrsken --help` and a bad flag do not need.
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'norrsken' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
