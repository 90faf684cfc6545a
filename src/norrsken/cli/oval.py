"""``norrsken oval``: the oval of a moment (map, edges, data), or a cube of a time series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import NorrskenError
from .app import app, console, friendly
from .options import (
    DEMO_TIME,
    DphiOption,
    HemisphereOption,
    JsonOption,
    KpOption,
    ModelOption,
    OnlineOption,
    SchedulerOption,
    SolarWindOption,
    ThresholdOption,
    WorkersOption,
    indices,
    online_for,
    refuse_online_for_series,
)
from .output import dask_session, print_json, print_oval_summary, progress


@app.command()
@friendly
def oval(
    time: Annotated[
        str | None, typer.Option("--time", "-t", help=f"UTC time, ISO 8601 with offset (default {DEMO_TIME}).")
    ] = None,
    kp: KpOption = None,
    dphi: DphiOption = None,
    solar_wind: SolarWindOption = None,
    model: ModelOption = "zhang-paxton",
    hemisphere: HemisphereOption = "north",
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for the PNG, GeoJSON and NetCDF; with --start: the cube, FILE.nc or FILE.zarr."
        ),
    ] = Path("."),
    threshold: ThresholdOption = 0.5,
    start: Annotated[
        str | None, typer.Option("--start", help="A time series instead of one --time: first time (UTC).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last time of the series.")] = None,
    step: Annotated[str, typer.Option("--step", help="Time step of the series, a duration: 15min, 1h, ...")] = "1h",
    resolution: Annotated[float, typer.Option("--resolution", help="Grid spacing of the cube, degrees.")] = 0.5,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    online: OnlineOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="With --start: replace an existing cube made with other settings.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Energy flux and mean energy of the auroral oval at a time: map, edge, view line, data.

    With --start/--end/--step: a cube (time, lat, lon) of Q, E0 and the brightest line's radiance."""
    if start is not None or end is not None:
        if start is None or end is None:
            raise NorrskenError("a series needs both --start and --end")
        if time is not None:
            raise NorrskenError("give either --time (one map) or --start/--end (a cube), not both")
        refuse_online_for_series(online)
        given = indices(kp, dphi=dphi, solar_wind=solar_wind)
        _cube(start, end, step, given, model, resolution, out, workers, scheduler, overwrite, as_json)
        return
    if workers is not None or scheduler is not None or overwrite:
        raise NorrskenError("--workers, --scheduler and --overwrite are for a series: give --start and --end too")
    from ..products import oval_products

    time = DEMO_TIME if time is None else time
    with console.status("computing the oval"):
        _, summary = oval_products(
            time, out, hemisphere=hemisphere, threshold_erg=threshold, model=model,
            indices=indices(kp, dphi=dphi, solar_wind=solar_wind), online=online_for(online, time),
        )
    if as_json:
        print_json(summary)
    else:
        print_oval_summary(summary)


def _cube(start, end, step, given, model, resolution, out: Path, workers, scheduler, overwrite: bool, as_json: bool) -> None:
    from ..cube import check_oval_series, oval_series
    from ..tasks import describe
    from ..times import series

    times = series(start, end, step)
    out = check_oval_series(times, out, indices=given, model=model, resolution_deg=resolution, overwrite=overwrite)
    stack, client = dask_session(workers, scheduler)
    with stack:
        bar, task = progress(f"oval cube ({describe(client)})", times.size, as_json)
        with bar:
            oval_series(
                times, out, indices=given, model=model, resolution_deg=resolution, client=client,
                overwrite=overwrite, on_done=lambda done, total: bar.update(task, completed=done),
            )
    result = {"file": str(out), "times": int(times.size), "start": start, "end": end}
    if as_json:
        print_json(result)
    else:
        console.print(f"wrote the oval cube of {times.size} times to {out}", markup=False, highlight=False)
