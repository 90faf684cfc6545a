"""``norrsken now``: the aurora now, from the live solar wind (NOAA SWPC RTSW) and OVATION Prime."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import NorrskenError
from .app import app, console, friendly
from .options import JsonOption, OnlineOption
from .output import print_json, print_nowcast


@app.command("now")
@friendly
def now_command(
    lat: Annotated[float | None, typer.Option("--lat", help="Observer latitude, degrees (with --lon).")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Observer longitude, degrees east (with --lat).")] = None,
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """The aurora now: the latest solar wind at L1, its coupling, when it reaches Earth, the OVATION oval
    now and then, and for a place the verdict and the probability of visible aurora."""
    from ..visibility import nowcast

    if online is False:
        raise NorrskenError("norrsken now needs NOAA SWPC's live solar wind; offline it cannot say", hint={"online": "ask SWPC"})
    with console.status("asking NOAA SWPC for the solar wind"):
        result = nowcast(lat, lon)
    if as_json:
        print_json(result)
    else:
        print_nowcast(result)
