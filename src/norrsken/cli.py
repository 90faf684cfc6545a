"""The ``norrsken`` command: each sub-command is one user journey of docs/ARCHITECTURE.md."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import NorrskenError
from .io import write_json
from .precipitation.products import BOUNDARY_FLUX_ERG

app = typer.Typer(
    help="norrsken: the aurora end to end, from the solar wind to the photograph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable)

DEMO_TIME = "2017-01-18T21:00Z"
TROMSO = (69.65, 18.96)

TimeOption = Annotated[
    str, typer.Option("--time", "-t", help="UTC time, ISO 8601 with offset, e.g. 2017-01-18T21:00Z.")
]
KpOption = Annotated[
    float | None,
    typer.Option("--kp", help="Kp override (0-9); default: Kp of --time from the embedded CelesTrak history."),
]
HemisphereOption = Annotated[str, typer.Option("--hemisphere", help="north or south.")]
F107Option = Annotated[
    float | None, typer.Option("--f107", help="F10.7 of the previous day, sfu; default: embedded history.")
]
F107aOption = Annotated[
    float | None, typer.Option("--f107a", help="81-day mean F10.7, sfu; default: embedded history.")
]
ApOption = Annotated[float | None, typer.Option("--ap", help="Daily Ap; default: embedded history.")]


def friendly(func: F) -> F:
    """Turn bad-input errors into one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NorrskenError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _oval_products(time: str, kp: float | None, hemisphere: str, out: Path, threshold: float):
    """Compute and write the oval products; return the oval Dataset and a summary with the files."""
    from .geomag import hemisphere_sign
    from .io import boundary_feature, prepare_output_dir, write_geojson, write_netcdf
    from .precipitation import boundary_geographic, oval, view_line, zhang_paxton
    from .precipitation.products import oval_summary
    from .render.maps import plot_oval
    from .times import to_utc

    # Everything is computed (and so every input checked) before anything is written.
    moment = to_utc(time)
    hemisphere_sign(hemisphere)
    with console.status("computing the oval"):
        ds = oval(moment, kp=kp)
    kp_value = ds.attrs["kp"]

    def flux_of(mlat, mlt):
        return zhang_paxton.evaluate(mlat, mlt, kp_value)[0]

    boundaries = {h: boundary_geographic(flux_of, moment, h, threshold_erg=threshold) for h in ("north", "south")}
    views = {h: view_line(b) for h, b in boundaries.items()}
    out = prepare_output_dir(out)
    properties = {"time": ds.attrs["time"], "kp": kp_value, "model": ds.attrs["model"]}
    stamp = f"{moment:%Y%m%dT%H%M%SZ}" if moment.second else f"{moment:%Y%m%dT%H%MZ}"
    if kp is not None:
        stamp += f"-kp{kp_value:g}"
    files = {
        "map": plot_oval(ds, boundaries[hemisphere], out / f"oval-{hemisphere}-{stamp}.png", view=views[hemisphere]),
        "boundary": write_geojson(
            [
                boundary_feature(b, {"name": f"equatorward edge of the auroral oval ({h})", **properties})
                for h, b in boundaries.items()
            ]
            + [
                boundary_feature(v, {"name": f"view line: aurora low on the horizon ({h})", **properties})
                for h, v in views.items()
            ],
            out / f"oval-boundary-{stamp}.geojson",
        ),
        "dataset": write_netcdf(ds, out / f"oval-{stamp}.nc"),
    }
    return ds, {**oval_summary(ds, boundaries[hemisphere]), "files": {k: str(v) for k, v in files.items()}}


def _degrees(value: float | None, suffix: str = "°") -> str:
    return "not found" if value is None else f"{value:.1f}{suffix}"


def _print_oval_summary(summary: dict) -> None:
    table = Table(title=f"Auroral oval {summary['time']} ({summary['hemisphere']})", show_header=False)
    table.add_row("Kp", f"{summary['kp']:.2f}  ({summary['kp_source']})")
    table.add_row("Hemispheric power", f"{summary['hemispheric_power_gw']:.1f} GW")
    edge = "not found (the flux stays below the threshold, or reaches it beyond the model's 40° MLAT)"
    if summary["boundary_midnight_mlat"] is not None:
        edge = (
            f"{summary['boundary_midnight_mlat']:.1f}° MLAT = {summary['boundary_midnight_lat']:.1f}° lat, "
            f"{summary['boundary_midnight_lon']:.1f}° lon"
        )
    table.add_row("Equatorward edge at magnetic midnight", f"{edge}  (Q ≥ {summary['threshold_erg']:g} erg cm⁻² s⁻¹)")
    table.add_row(
        "Peak energy flux",
        f"{summary['peak_flux_erg']:.2f} erg cm⁻² s⁻¹ at {_degrees(summary['peak_lat'])}, {_degrees(summary['peak_lon'])} "
        f"({_degrees(summary['peak_mlt'], ' MLT')})",
    )
    console.print(table, markup=False)
    for kind, path in summary["files"].items():
        console.print(f"  wrote {kind:9s} {path}", markup=False, highlight=False)


@app.command()
@friendly
def oval(
    time: TimeOption = DEMO_TIME,
    kp: KpOption = None,
    hemisphere: HemisphereOption = "north",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the PNG, GeoJSON and NetCDF.")] = Path("."),
    threshold: Annotated[
        float, typer.Option("--threshold", help="Energy flux (erg cm-2 s-1) that defines the equatorward edge.")
    ] = BOUNDARY_FLUX_ERG,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Energy flux and mean energy of the auroral oval (Zhang & Paxton 2008) at a time: map, edge, data."""
    _, summary = _oval_products(time, kp, hemisphere, out, threshold)
    if as_json:
        print(json.dumps(summary, allow_nan=False))
    else:
        _print_oval_summary(summary)


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo products.")] = Path("norrsken-demo"),
) -> None:
    """The seed scene: 2017-01-18 21:00 UTC over Northern Europe, Kp from the embedded history."""
    from .emission.column import column, plot
    from .emission.column import summary as column_summary

    console.print(f"[bold]norrsken demo[/]: the aurora of {DEMO_TIME} over Northern Europe")
    ds, summary = _oval_products(DEMO_TIME, None, "north", out, BOUNDARY_FLUX_ERG)
    _print_oval_summary(summary)
    # The light overhead Tromso: the oval's electrons at that spot through the emission physics.
    here = ds.sel(lat=TROMSO[0], lon=TROMSO[1], method="nearest")
    flux, mean = float(here["energy_flux_erg"]), float(here["mean_energy_kev"])
    overhead = column(mean, flux, DEMO_TIME, *TROMSO)
    profile = plot(overhead, Path(out) / "column-tromso-20170118T2100Z.png")
    lines = column_summary(overhead)["lines"]
    summary["overhead_tromso"] = {"energy_flux_erg": flux, "mean_energy_kev": mean, "lines": lines}
    summary["files"]["column"] = str(profile)
    console.print(
        f"  overhead Tromsø: Q = {flux:.2f} erg cm⁻² s⁻¹, ⟨E⟩ = {mean:.1f} keV → "
        + ", ".join(f"{key} nm {lines[key]['brightness_r'] / 1e3:.2f} kR" for key in ("557.7", "427.8", "630.0")),
        highlight=False,
    )
    console.print(f"  wrote column    {profile}", markup=False, highlight=False)
    # The same moment as an all-sky camera in Tromso sees it.
    from .io import write_png
    from .render.sky import sky as render_sky
    from .render.sky import summary as sky_summary

    with console.status("rendering the all-sky view over Tromsø (the first run compiles the ray marcher)"):
        allsky = render_sky(*TROMSO, DEMO_TIME)
    allsky_path = write_png(
        allsky["rgb"].values, Path(out) / "allsky-tromso-20170118T2100Z.png", {"Software": "norrsken"}
    )
    summary["allsky_tromso"] = sky_summary(allsky)["brightest"]
    summary["files"]["allsky"] = str(allsky_path)
    console.print(f"  wrote all-sky   {allsky_path}", markup=False, highlight=False)
    summary_path = write_json(summary, Path(out) / "summary.json")
    console.print(f"  wrote summary   {summary_path}", markup=False, highlight=False)


@app.command("column")
@friendly
def column_command(
    flux: Annotated[float, typer.Option("--flux", help="Downward energy flux, erg cm-2 s-1 (= mW m-2), > 0.")],
    mean_energy: Annotated[
        float | None, typer.Option("--mean-energy", help="Mean energy of the precipitating electrons, keV (0.1-50).")
    ] = None,
    characteristic_energy: Annotated[
        float | None,
        typer.Option(
            "--characteristic-energy",
            help="Instead of --mean-energy: characteristic energy E0, keV (Maxwellian mean = 2 E0; GLOW's Echar).",
        ),
    ] = None,
    lat: Annotated[float, typer.Option("--lat", help="Geodetic latitude, degrees (default Tromso).")] = 69.6,
    lon: Annotated[float, typer.Option("--lon", help="Longitude, degrees east (default Tromso).")] = 19.0,
    time: TimeOption = DEMO_TIME,
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    spectrum: Annotated[
        str, typer.Option("--spectrum", help="maxwellian, kappa (kappa = 4), gaussian (10 % wide) or monoenergetic.")
    ] = "maxwellian",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
    plot_path: Annotated[
        Path | None, typer.Option("--plot", help="Write a PNG of the VER profiles of all lines.")
    ] = None,
) -> None:
    """VER profiles, column brightness and peak heights of the auroral lines for one electron spectrum.

    Defaults: 2017-01-18T21:00Z at Tromso (69.6 N, 19.0 E); F10.7 and Ap from the embedded CelesTrak history.
    """
    from .emission.column import column, plot, summary
    from .emission.ionization import mean_energy_from_characteristic
    from .io import check_output_file

    if (mean_energy is None) == (characteristic_energy is None):
        raise NorrskenError("give exactly one of --mean-energy and --characteristic-energy")
    if mean_energy is None:
        mean_energy = float(mean_energy_from_characteristic(characteristic_energy, spectrum))
    if plot_path is not None:
        plot_path = check_output_file(plot_path, ".png")
    ds = column(mean_energy, flux, time, lat, lon, f107=f107, f107a=f107a, ap=ap, spectrum=spectrum)
    if plot_path is not None:
        plot_path = plot(ds, plot_path)
    result = summary(ds)
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return
    inputs = result["inputs"]
    table = Table(
        title=f"{spectrum} electrons, mean {mean_energy:g} keV, {flux:g} erg cm⁻² s⁻¹ — "
        f"{inputs['time']} {inputs['lat']:.1f}°, {inputs['lon']:.1f}° (F10.7 {inputs['f107']:g}, Ap {inputs['ap']:g})"
    )
    table.add_column("line (nm)")
    table.add_column("emitter")
    table.add_column("brightness (R)", justify="right")
    table.add_column("peak (km)", justify="right")
    for key, line in result["lines"].items():
        name = str(ds["line_name"].sel(line=key).values)
        table.add_row(key, name, f"{line['brightness_r']:,.1f}", f"{line['peak_altitude_km']:.1f}")
    console.print(table)
    ion = result["ionization"]
    console.print(
        f"ionization: {ion['column_cm2_s']:.3g} ion pairs cm⁻² s⁻¹, peak at {ion['peak_altitude_km']:.1f} km",
        highlight=False,
    )
    if plot_path is not None:
        console.print(f"  wrote plot {plot_path}", markup=False, highlight=False)


@app.command()
@friendly
def sky(
    lat: Annotated[float, typer.Option("--lat", help="Observer latitude, degrees (default Tromso).")] = TROMSO[0],
    lon: Annotated[float, typer.Option("--lon", help="Observer longitude, degrees east (default Tromso).")] = TROMSO[1],
    time: TimeOption = DEMO_TIME,
    camera: Annotated[
        str, typer.Option("--camera", help="allsky (fisheye, north up, east left) or pinhole.")
    ] = "allsky",
    az: Annotated[
        float | None, typer.Option("--az", help="Pinhole: azimuth of the view, degrees from north (default 0).")
    ] = None,
    el: Annotated[
        float | None, typer.Option("--el", help="Pinhole: elevation of the view centre, degrees (default 20).")
    ] = None,
    fov: Annotated[
        float | None, typer.Option("--fov", help="Horizontal field of view, degrees (pinhole default 60, all-sky 180).")
    ] = None,
    focal_length: Annotated[
        float | None,
        typer.Option("--focal-length", help="Pinhole: focal length in mm on a 36 mm wide sensor (instead of --fov)."),
    ] = None,
    size: Annotated[
        str | None,
        typer.Option("--size", help="WIDTHxHEIGHT in pixels (default 1024x1024 all-sky, 1920x1080 pinhole)."),
    ] = None,
    kp: KpOption = None,
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    structure: Annotated[
        str, typer.Option("--structure", help="arcs (curtains, seeded) or none (the smooth statistical oval).")
    ] = "arcs",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the arcs.")] = 0,
    exposure: Annotated[
        str, typer.Option("--exposure", help="camera (see --iso, --f-number, --seconds) or eye.")
    ] = "camera",
    iso: Annotated[float | None, typer.Option("--iso", help="Camera ISO speed (default 3200).")] = None,
    f_number: Annotated[float | None, typer.Option("--f-number", help="Camera f-number (default 2.8).")] = None,
    seconds: Annotated[float | None, typer.Option("--seconds", help="Camera exposure time, s (default 8).")] = None,
    airglow: Annotated[
        bool, typer.Option("--airglow/--no-airglow", help="Night airglow layers (557.7, 630.0).")
    ] = True,
    background: Annotated[bool, typer.Option("--background/--no-background", help="Dark-sky continuum.")] = True,
    grid: Annotated[bool, typer.Option("--grid", help="Draw an altitude/azimuth grid.")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Trace every pixel (no adaptive interpolation).")] = False,
    daylight_ok: Annotated[
        bool, typer.Option("--daylight-ok", help="Render even with the Sun above -6 deg, as if it were night.")
    ] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.")] = Path("norrsken-sky.png"),
    netcdf: Annotated[
        Path | None, typer.Option("--netcdf", help="Also write the line radiances (R) and directions as NetCDF.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """A true-colour picture of the sky from the ground: all-sky fisheye or a pinhole camera."""
    from .color import CameraExposure, EyeExposure
    from .io import check_output_file, write_netcdf, write_png
    from .render.camera import make_camera, parse_size
    from .render.sky import sky as render_sky
    from .render.sky import summary

    out = check_output_file(out, ".png")
    if netcdf is not None:
        netcdf = check_output_file(netcdf, ".nc")
    if exposure not in ("camera", "eye"):
        raise NorrskenError(f"unknown exposure {exposure!r}: use camera or eye")
    settings = {"iso": iso, "f_number": f_number, "exposure_s": seconds}
    if exposure == "eye":
        if any(value is not None for value in settings.values()):
            raise NorrskenError("--iso, --f-number and --seconds set a camera; drop them or use --exposure camera")
        observer = EyeExposure()
    else:
        observer = CameraExposure(**{key: value for key, value in settings.items() if value is not None})
    default_size = "1024x1024" if camera == "allsky" else "1920x1080"
    width, height = parse_size(size or default_size)
    view = make_camera(
        camera, width, height, azimuth_deg=az, elevation_deg=el, fov_deg=fov, focal_length_mm=focal_length
    )
    with console.status(f"rendering {width}x{height} {camera} view"):
        ds = render_sky(
            lat,
            lon,
            time,
            camera=view,
            kp=kp,
            f107=f107,
            f107a=f107a,
            ap=ap,
            structure=structure,
            seed=seed,
            exposure=observer,
            airglow=airglow,
            background=background,
            grid=grid,
            adaptive=not exact,
            daylight_ok=daylight_ok,
        )
    result = summary(ds)
    metadata = {
        "Software": "norrsken",
        **{
            key: ds.attrs[key]
            for key in ("time", "lat", "lon", "kp", "kp_source", "camera", "exposure", "structure", "seed")
        },
    }
    result["files"] = {"png": str(write_png(ds["rgb"].values, out, metadata))}
    if netcdf is not None:
        result["files"]["netcdf"] = str(write_netcdf(ds.drop_vars("rgb"), netcdf))
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return
    console.print(
        f"[bold]{result['time']}[/] at {lat:.2f}°, {lon:.2f}°: Kp {result['kp']:.2f} ({result['kp_source']}), "
        f"Sun {result['sun_elevation_deg']:.1f}° ({result['darkness']}), Moon {result['moon_elevation_deg']:.1f}° "
        f"({100 * result['moon_illumination']:.0f} % lit)",
        highlight=False,
    )
    table = Table(title="brightest in view")
    for column_name in ("line (nm)", "brightness (kR)", "azimuth (°)", "elevation (°)"):
        table.add_column(column_name, justify="right")
    for key, line in result["brightest"].items():
        table.add_row(key, f"{line['max_r'] / 1e3:.2f}", f"{line['azimuth_deg']:.1f}", f"{line['elevation_deg']:.1f}")
    console.print(table)
    for kind, path in result["files"].items():
        console.print(f"  wrote {kind:<7} {path}", markup=False, highlight=False)


def main() -> None:
    """Console-script entry point: usage errors, too, are one line and exit code 2."""
    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="norrsken", standalone_mode=False)
    except typer.Abort:
        code = 1
    except Exception as exc:
        # typer vendors click privately, so its usage errors are recognised by their interface.
        if not hasattr(exc, "format_message"):
            raise
        err_console.print(f"[bold red]error:[/] {escape(exc.format_message())}", highlight=False, soft_wrap=True)
        code = getattr(exc, "exit_code", 2)
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
