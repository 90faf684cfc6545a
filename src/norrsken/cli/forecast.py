"""``norrsken forecast``: can I see the aurora from here tonight?"""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import NorrskenError
from .app import app, console, friendly
from .options import (
    DphiOption,
    JsonOption,
    KpOption,
    LatOption,
    LightPollutionOption,
    LonOption,
    ModelOption,
    OnlineOption,
    PlotOption,
    SolarWindOption,
    indices,
    online_for,
)
from .output import print_forecast, print_json


@app.command("forecast")
@friendly
def forecast_command(
    lat: LatOption,
    lon: LonOption,
    start: Annotated[
        str | None, typer.Option("--start", help="UTC start, ISO 8601 with offset; default: now (rounded down).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="UTC end (default: --hours after the start).")] = None,
    hours: Annotated[float | None, typer.Option("--hours", help="Instead of --end: length of the window, hours (default 24).")] = None,
    step: Annotated[str, typer.Option("--step", help="Time step, a duration: 30min, 1h, ...")] = "30min",
    kp: KpOption = None,
    dphi: DphiOption = None,
    solar_wind: SolarWindOption = None,
    model: ModelOption = "zhang-paxton",
    light_pollution: LightPollutionOption = True,
    online: OnlineOption = None,
    plot_path: PlotOption = None,
    as_json: JsonOption = False,
) -> None:
    """Can I see the aurora from here? Brightness, direction and a verdict every step of the night."""
    import datetime as dt

    from .. import checks
    from ..io import check_output_file
    from ..plots import plot
    from ..times import to_utc
    from ..visibility import forecast, summary

    if plot_path is not None:
        plot_path = check_output_file(plot_path, ".png")
    if start is None:
        now = dt.datetime.now(dt.UTC)
        start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0).isoformat()
    if end is not None and hours is not None:
        raise NorrskenError("give either --end or --hours, not both")
    if end is None:
        length = checks.real("hours", 24.0 if hours is None else hours, (0.5, 240.0), "h")
        end = (to_utc(start) + dt.timedelta(hours=length)).isoformat()
    with console.status("forecasting"):
        ds = forecast(start, lat, lon, end=end, step=step, indices=indices(kp, dphi=dphi, solar_wind=solar_wind), model=model, online=online_for(online, start, end), light_pollution=light_pollution)
    result = summary(ds)
    if plot_path is not None:
        result["files"] = {"plot": str(plot(ds, plot_path))}
    if as_json:
        print_json(result)
    else:
        print_forecast(result)
