"""``norrsken sky``: a true-colour picture of the sky from the ground."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app, console, friendly
from .options import (
    DEMO_TIME,
    TROMSO,
    AirglowOption,
    ApOption,
    AzOption,
    BackgroundOption,
    CameraKindOption,
    DaylightOption,
    DphiOption,
    ElOption,
    ExactOption,
    ExposureOption,
    ExtinctionOption,
    F107aOption,
    F107Option,
    FNumberOption,
    FocalLengthOption,
    FovOption,
    GridOption,
    IsoOption,
    JsonOption,
    KpOption,
    LightPollutionOption,
    ModelOption,
    NoiseOption,
    OnlineOption,
    PreviewOption,
    SecondsOption,
    SeedOption,
    SolarWindOption,
    StarsOption,
    StructureOption,
    TimeOption,
    VignettingOption,
    ground_camera,
    ground_exposure,
    indices,
    online_for,
    site_quality,
)
from .output import print_brightest_and_files, print_json


@app.command()
@friendly
def sky(
    lat: Annotated[float, typer.Option("--lat", help="Observer latitude, degrees (default Tromso).")] = TROMSO[0],
    lon: Annotated[float, typer.Option("--lon", help="Observer longitude, degrees east (default Tromso).")] = TROMSO[1],
    time: TimeOption = DEMO_TIME,
    camera: CameraKindOption = "allsky",
    az: AzOption = None,
    el: ElOption = None,
    fov: FovOption = None,
    focal_length: FocalLengthOption = None,
    size: Annotated[
        str | None,
        typer.Option("--size", help="WIDTHxHEIGHT in pixels (default 1024x1024 all-sky, 1920x1080 pinhole)."),
    ] = None,
    kp: KpOption = None,
    dphi: DphiOption = None,
    solar_wind: SolarWindOption = None,
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    model: ModelOption = "zhang-paxton",
    structure: StructureOption = "arcs",
    seed: SeedOption = 0,
    exposure: ExposureOption = "camera",
    iso: IsoOption = None,
    f_number: FNumberOption = None,
    seconds: SecondsOption = None,
    airglow: AirglowOption = True,
    background: BackgroundOption = True,
    stars: StarsOption = True,
    light_pollution: LightPollutionOption = True,
    extinction: ExtinctionOption = "good",
    noise: NoiseOption = "on",
    vignetting: VignettingOption = False,
    grid: GridOption = False,
    exact: ExactOption = False,
    preview: PreviewOption = False,
    daylight_ok: DaylightOption = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.")] = Path("norrsken-sky.png"),
    netcdf: Annotated[
        Path | None, typer.Option("--netcdf", help="Also write the line radiances (R) and directions as NetCDF.")
    ] = None,
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """A true-colour picture of the sky from the ground: all-sky fisheye or a pinhole camera."""
    from ..io import check_output_file, write_netcdf, write_png
    from ..precipitation.model import describe_drivers, driver_attrs
    from ..render.sky import sky as render_sky
    from ..render.sky import summary

    out = check_output_file(out, ".png")
    if netcdf is not None:
        netcdf = check_output_file(netcdf, ".nc")
    observer = ground_exposure(exposure, iso, f_number, seconds, noise, vignetting)
    view = ground_camera(camera, az, el, fov, focal_length, size)
    with console.status(f"rendering {view.width}x{view.height} {camera} view"):
        ds = render_sky(
            time, lat, lon, camera=view, indices=indices(kp, f107, f107a, ap, dphi, solar_wind), model=model,
            online=online_for(online, time), structure=structure, seed=seed, exposure=observer, airglow=airglow,
            background=background, stars=stars, grid=grid, adaptive=not exact, preview=preview, daylight_ok=daylight_ok,
            extinction=site_quality(extinction), light_pollution=light_pollution,
        )
    result = summary(ds)
    keys = ("time", "lat", "lon", *driver_attrs(ds.attrs), "camera", "exposure", "structure", "seed")
    metadata = {"Software": "norrsken", **{key: ds.attrs[key] for key in keys}}
    result["files"] = {"png": str(write_png(ds["rgb"].values, out, metadata))}
    if netcdf is not None:
        result["files"]["netcdf"] = str(write_netcdf(ds.drop_vars("rgb"), netcdf))
    if as_json:
        print_json(result)
        return
    console.print(
        f"[bold]{result['time']}[/] at {lat:.2f}°, {lon:.2f}°: {describe_drivers(result)}, "
        f"Sun {result['sun_elevation_deg']:.1f}° ({result['darkness']}), Moon {result['moon_elevation_deg']:.1f}° "
        f"({100 * result['moon_illumination']:.0f} % lit)",
        highlight=False,
    )
    quality = result["sky_brightness"]
    console.print(
        f"Sky at the zenith without aurora: {quality['zenith_mag_arcsec2']:.2f} mag/arcsec² "
        f"(natural {quality['natural_zenith_mag_arcsec2']:.2f}; Bortle {quality['bortle']}, {quality['sky_quality']})",
        highlight=False,
    )
    print_brightest_and_files(result)
