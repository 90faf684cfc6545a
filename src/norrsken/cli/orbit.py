"""``norrsken orbit``: the astronaut's picture from a satellite."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import NorrskenError
from .app import app, console, friendly
from .options import (
    DEMO_TIME,
    AirglowOption,
    ApOption,
    CitiesOption,
    DphiOption,
    ExactOption,
    F107aOption,
    F107Option,
    JsonOption,
    KpOption,
    ModelOption,
    NameOption,
    OnlineOption,
    OrbitFNumberOption,
    OrbitFocalOption,
    OrbitIsoOption,
    OrbitSecondsOption,
    PreviewOption,
    SeedOption,
    SolarWindOption,
    StaleTleOption,
    StarsOption,
    StructureOption,
    TimeOption,
    TleOption,
    indices,
    online_for,
    satellite,
    target,
)
from .output import print_json, print_orbit_summary


@app.command("orbit")
@friendly
def orbit_command(
    time: TimeOption = DEMO_TIME,
    iss: Annotated[bool, typer.Option("--iss/--no-iss", help="The International Space Station (default; packaged TLEs).")] = True,
    tle: TleOption = None,
    name: NameOption = None,
    allow_stale_tle: StaleTleOption = False,
    look: Annotated[
        str, typer.Option("--look", help="north, east, south, west, or an azimuth in degrees (limb framing).")
    ] = "north",
    el: Annotated[
        float | None,
        typer.Option("--el", help="Elevation of the view centre above the local horizontal, deg (negative: down)."),
    ] = None,
    aim: Annotated[
        str | None, typer.Option("--target", help="Point the camera at LAT,LON on the ground instead of --look.")
    ] = None,
    focal_length: OrbitFocalOption = 24.0,
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT in pixels.")] = "1920x1080",
    iso: OrbitIsoOption = 6400.0,
    f_number: OrbitFNumberOption = 1.4,
    seconds: OrbitSecondsOption = 0.5,
    kp: KpOption = None,
    dphi: DphiOption = None,
    solar_wind: SolarWindOption = None,
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    model: ModelOption = "zhang-paxton",
    structure: StructureOption = "arcs",
    seed: SeedOption = 0,
    cities: CitiesOption = True,
    stars: StarsOption = True,
    airglow: AirglowOption = True,
    exact: ExactOption = False,
    preview: PreviewOption = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.")] = Path("norrsken-orbit.png"),
    netcdf: Annotated[
        Path | None, typer.Option("--netcdf", help="Also write line radiances (R) and continuum layers as NetCDF.")
    ] = None,
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """The astronaut's picture: the aurora, the night Earth and the stars from a satellite (the ISS by default)."""
    from .. import orbit
    from ..color import CameraExposure
    from ..geometry import compass_azimuth
    from ..io import check_output_file, write_netcdf, write_png
    from ..precipitation.model import driver_attrs
    from ..render.camera import PinholeCamera, parse_size
    from ..render.orbital import limb_elevation, look_at, orbit_view
    from ..render.orbital import summary as orbit_summary

    out = check_output_file(out, ".png")
    if netcdf is not None:
        netcdf = check_output_file(netcdf, ".nc")
    if not iss and tle is None:
        raise NorrskenError("give --tle FILE, or leave --iss on")
    chosen = satellite(tle, name, time, allow_stale=allow_stale_tle)
    state = orbit.states(chosen, time)
    lat, lon, alt = (float(state[key]) for key in ("lat", "lon", "altitude_km"))
    width, height = parse_size(size)
    if aim is not None:
        if el is not None:
            raise NorrskenError("--target sets the pointing: drop --el")
        azimuth, elevation = look_at(lat, lon, alt, *target(aim))
    else:
        azimuth = compass_azimuth(look)
        elevation = limb_elevation(width, height, focal_length, alt) if el is None else el
    camera = PinholeCamera(width, height, azimuth_deg=azimuth, elevation_deg=elevation, focal_length_mm=focal_length)
    exposure = CameraExposure(iso=iso, f_number=f_number, exposure_s=seconds)
    with console.status(f"rendering the view from the satellite ({width}x{height})"):
        ds = orbit_view(
            time, lat, lon, alt, camera=camera, indices=indices(kp, f107, f107a, ap, dphi, solar_wind), model=model,
            online=online_for(online, time), structure=structure, seed=seed, exposure=exposure, airglow=airglow,
            cities=cities, stars=stars, adaptive=not exact, preview=preview,
        )
    result = orbit_summary(ds)
    result["satellite"] = {
        "name": chosen.name,
        "tle_epoch": chosen.epoch.isoformat().replace("+00:00", "Z"),
        "sun_above_limb_deg": round(float(state["sun_above_limb_deg"]), 2),
        "in_shadow": not bool(state["sunlit"]),
    }
    keys = ("time", "lat", "lon", "altitude_km", *driver_attrs(ds.attrs), "camera", "exposure")
    metadata = {"Software": "norrsken", "satellite": chosen.name, **{key: ds.attrs[key] for key in keys}}
    result["files"] = {"png": str(write_png(ds["rgb"].values, out, metadata))}
    if netcdf is not None:
        result["files"]["netcdf"] = str(write_netcdf(ds.drop_vars("rgb"), netcdf))
    if as_json:
        print_json(result)
    else:
        print_orbit_summary(result)
