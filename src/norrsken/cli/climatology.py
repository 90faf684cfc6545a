"""``norrsken climatology``: how often the aurora can be seen over a region and a season."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app, console, friendly
from .options import (
    JsonOption,
    KpOption,
    ModelOption,
    OnlineOption,
    SchedulerOption,
    WorkersOption,
    day_or_time,
    indices,
    refuse_online_for_series,
    region,
)
from .output import dask_session, print_json, progress


@app.command("climatology")
@friendly
def climatology_command(
    area: Annotated[
        str,
        typer.Option("--region", help="LAT1,LAT2,LON1,LON2 in degrees, e.g. 50,72,-10,35 (across 180: 60,70,170,-170)."),
    ],
    start: Annotated[
        str, typer.Option("--start", help="First day (2017-01-01, from 00:00 UTC) or time (2017-01-01T18:00Z).")
    ],
    end: Annotated[str, typer.Option("--end", help="Last day (2017-01-31, to its end) or last time (UTC).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="FILE.nc (NetCDF) or FILE.zarr (Zarr).")],
    resolution: Annotated[float, typer.Option("--resolution", help="Grid spacing, degrees.")] = 1.0,
    step: Annotated[str, typer.Option("--step", help="Time step, a duration: 30min, 1h, ...")] = "1h",
    kp: KpOption = None,
    model: ModelOption = "zhang-paxton",
    map_png: Annotated[
        Path | None, typer.Option("--map", help="Map PNG (default: the output's name with .png).")
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hours of darkness and of naked-eye aurora at every point of a region, and their fraction."""
    import numpy as np

    from .. import climate
    from ..io import check_dataset_path, check_output_file, write_dataset
    from ..plots import plot
    from ..tasks import describe

    refuse_online_for_series(online)
    box = region(area)
    start, end = day_or_time(start, "start"), day_or_time(end, "end")
    out = check_dataset_path(out)
    map_png = check_output_file(map_png if map_png is not None else out.with_suffix(".png"), ".png")
    work = climate.plan(box, start, end, resolution_deg=resolution, step=step, indices=indices(kp), model=model)
    stack, client = dask_session(workers, scheduler)
    with stack:
        bar, task = progress(f"climatology ({describe(client)})", len(work.jobs), as_json)
        with bar:
            ds = climate.run(work, client, on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    write_dataset(ds, out)
    plot(ds, map_png)
    hours = ds["naked_eye_hours"].values
    best = ds["naked_eye_hours"].isel(dict(zip(("lat", "lon"), np.unravel_index(np.argmax(hours), hours.shape), strict=True)))
    most_at = [float(best["lat"]), float(best["lon"])] if float(best) > 0 else None
    result = {
        "file": str(out),
        "map": str(map_png),
        "grid": [int(ds.sizes["lat"]), int(ds.sizes["lon"])],
        "steps": ds.attrs["steps"],
        "dark_hours_max": float(ds["dark_hours"].max()),
        "naked_eye_hours_max": float(ds["naked_eye_hours"].max()),
        "most_at": most_at,
    }
    if as_json:
        print_json(result)
        return
    where = f" (most at {most_at[0]:.1f}°, {most_at[1]:.1f}°)" if most_at else ""
    console.print(
        f"{result['grid'][0]} x {result['grid'][1]} points, {result['steps']} steps: up to "
        f"{result['dark_hours_max']:.0f} dark hours and {result['naked_eye_hours_max']:.0f} hours of naked-eye "
        f"aurora{where}; wrote {out} and {map_png}",
        markup=False,
        highlight=False,
    )
