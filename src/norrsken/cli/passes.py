"""``norrsken passes``: when a satellite (the ISS) has the best aurora photo opportunities."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from .app import app, console, friendly
from .options import (
    ApOption,
    F107aOption,
    F107Option,
    JsonOption,
    KpOption,
    ModelOption,
    NameOption,
    OnlineOption,
    RegionOption,
    StaleTleOption,
    TleOption,
    indices,
    refuse_online_for_series,
    region,
    satellite,
)
from .output import print_json, print_passes


@app.command("passes")
@friendly
def passes_command(
    start: Annotated[str, typer.Option("--start", "--from", help="UTC start, ISO 8601 with offset.")],
    end: Annotated[str, typer.Option("--end", "--to", help="UTC end, ISO 8601 with offset.")],
    tle: TleOption = None,
    name: NameOption = None,
    allow_stale_tle: StaleTleOption = False,
    step: Annotated[str, typer.Option("--step", help="Time step, a duration: 60s, 5min, ...")] = "60s",
    kp: KpOption = None,
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    model: ModelOption = "zhang-paxton",
    min_score: Annotated[
        float, typer.Option("--min-score", help="Least auroral power in view, GW, for a pass to count.")
    ] = 0.5,
    area: RegionOption = None,
    render: Annotated[
        bool, typer.Option("--render", help="Render the best moment of each pass through the orbital camera.")
    ] = False,
    size: Annotated[str, typer.Option("--size", help="Size of the rendered frames, WIDTHxHEIGHT.")] = "1920x1080",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for --render frames.")] = Path("norrsken-passes"),
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """ISS aurora photo opportunities: the satellite in the dark with the aurora in view, ranked."""
    from .. import planner
    from ..io import check_output_dir, prepare_output_dir, write_png
    from ..render.camera import PinholeCamera, parse_size
    from ..render.orbital import DEFAULT_FOCAL_LENGTH_MM, limb_elevation, orbit_view

    refuse_online_for_series(online)
    box = region(area)
    width, height = parse_size(size)
    given = indices(kp, f107, f107a, ap)
    planner.check_min_power(min_score)  # before the scoring, which takes seconds
    chosen = satellite(tle, name, start, end, allow_stale=allow_stale_tle)
    if render:
        check_output_dir(out)
    with console.status("scoring the passes"):
        chances = planner.opportunities(chosen, start, end, step=step, indices=given, model=model, region=box)
    found = planner.best_per_pass(chances, min_power_gw=min_score)
    result = {
        "satellite": chosen.name,
        "tle_epoch": chosen.epoch.isoformat().replace("+00:00", "Z"),
        "start": start,
        "end": end,
        "passes": [
            {
                key: (value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else round(value, 3))
                for key, value in dataclasses.asdict(item).items()
            }
            for item in found
        ],
    }
    if render and found:
        folder = prepare_output_dir(out)
        for rank, (item, record) in enumerate(zip(found, result["passes"], strict=True), start=1):
            camera = PinholeCamera(
                width,
                height,
                azimuth_deg=item.azimuth_deg,
                elevation_deg=limb_elevation(width, height, DEFAULT_FOCAL_LENGTH_MM, item.altitude_km),
                focal_length_mm=DEFAULT_FOCAL_LENGTH_MM,
            )
            with console.status(f"rendering pass {rank} of {len(found)}"):
                view = orbit_view(
                    item.time, item.lat, item.lon, item.altitude_km, camera=camera, indices=given, model=model
                )
            path = folder / f"pass-{rank:02d}-{item.time:%Y%m%dT%H%M%SZ}.png"
            record["png"] = str(write_png(view["rgb"].values, path, {"Software": "norrsken", "time": record["time"]}))
    if as_json:
        print_json(result)
    else:
        print_passes(result, found)
