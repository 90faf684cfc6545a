"""The ``norrsken`` command: each sub-command is one user journey of docs/ARCHITECTURE.md."""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import NorrskenError, NorrskenWarning
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
LiveOption = Annotated[
    bool,
    typer.Option(
        "--live", help="Ask NOAA SWPC for Kp first (observed, then forecast); the embedded history is the fallback."
    ),
]


CameraKindOption = Annotated[
    str, typer.Option("--camera", help="allsky (fisheye, north up, east left) or pinhole.")
]
AzOption = Annotated[
    float | None, typer.Option("--az", help="Pinhole: azimuth of the view, degrees from north (default 0).")
]
ElOption = Annotated[
    float | None, typer.Option("--el", help="Pinhole: elevation of the view centre, degrees (default 20).")
]
FovOption = Annotated[
    float | None, typer.Option("--fov", help="Horizontal field of view, degrees (pinhole default 60, all-sky 180).")
]
FocalLengthOption = Annotated[
    float | None,
    typer.Option("--focal-length", help="Pinhole: focal length in mm on a 36 mm wide sensor (instead of --fov)."),
]
StructureOption = Annotated[
    str, typer.Option("--structure", help="arcs (curtains, seeded) or none (the smooth statistical oval).")
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the arcs.")]
ExposureOption = Annotated[str, typer.Option("--exposure", help="camera (see --iso, --f-number, --seconds) or eye.")]
IsoOption = Annotated[float | None, typer.Option("--iso", help="Camera ISO speed (default 3200).")]
FNumberOption = Annotated[float | None, typer.Option("--f-number", help="Camera f-number (default 2.8).")]
SecondsOption = Annotated[float | None, typer.Option("--seconds", help="Camera exposure time, s (default 8).")]
AirglowOption = Annotated[bool, typer.Option("--airglow/--no-airglow", help="Night airglow layers (557.7, 630.0).")]
BackgroundOption = Annotated[bool, typer.Option("--background/--no-background", help="Dark-sky continuum.")]
StarsOption = Annotated[bool, typer.Option("--stars/--no-stars", help="Stars and the Moon.")]
GridOption = Annotated[bool, typer.Option("--grid", help="Draw an altitude/azimuth grid.")]
ExactOption = Annotated[bool, typer.Option("--exact", help="Trace every pixel (no adaptive interpolation).")]
DaylightOption = Annotated[
    bool, typer.Option("--daylight-ok", help="Render even with the Sun above -6 deg, as if it were night.")
]
TleOption = Annotated[Path | None, typer.Option("--tle", help="A TLE file (2- or 3-line sets) instead of the ISS.")]
NameOption = Annotated[str | None, typer.Option("--name", help="Satellite in a --tle file holding several.")]
CitiesOption = Annotated[bool, typer.Option("--cities/--no-cities", help="City lights.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]
OrbitFocalOption = Annotated[float, typer.Option("--focal-length", help="Lens focal length, mm (full frame).")]
OrbitIsoOption = Annotated[float, typer.Option("--iso", help="Camera ISO speed.")]
OrbitFNumberOption = Annotated[float, typer.Option("--f-number", help="Camera f-number.")]
OrbitSecondsOption = Annotated[float, typer.Option("--seconds", help="Exposure time, s.")]


def _ground_camera(camera: str, az, el, fov, focal_length, size: str | None):
    """The camera of a ground view from the CLI options (default size by kind)."""
    from .render.camera import make_camera, parse_size

    width, height = parse_size(size or ("1024x1024" if camera == "allsky" else "1920x1080"))
    return make_camera(camera, width, height, azimuth_deg=az, elevation_deg=el, fov_deg=fov, focal_length_mm=focal_length)


def _ground_exposure(exposure: str, iso, f_number, seconds):
    """A camera exposure (ISO 3200, f/2.8, 8 s unless set) or the dark-adapted eye."""
    from .color import CameraExposure, EyeExposure

    if exposure not in ("camera", "eye"):
        raise NorrskenError(f"unknown exposure {exposure!r}: use camera or eye")
    settings = {"iso": iso, "f_number": f_number, "exposure_s": seconds}
    if exposure == "eye":
        if any(value is not None for value in settings.values()):
            raise NorrskenError("--iso, --f-number and --seconds set a camera; drop them or use --exposure camera")
        return EyeExposure()
    return CameraExposure(**{key: value for key, value in settings.items() if value is not None})


def _live_kp(time: str, kp: float | None, live: bool) -> tuple[float | None, str | None]:
    """Kp and its source down the chain override -> SWPC -> embedded history when ``live``;
    otherwise ``kp`` untouched and no label (the models then name their own source)."""
    if not live:
        return kp, None
    from .drivers.swpc import kp_now

    with console.status("asking NOAA SWPC for Kp"):
        return kp_now(time, kp=kp, offline=False)


def friendly(func: F) -> F:
    """Turn bad-input errors into one line on stderr and exit code 2, never a traceback, and
    norrsken's warnings (e.g. a TLE far from its epoch) into one ``warning:`` line each."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        python_shows = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if issubclass(category, NorrskenWarning):
                err_console.print(f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
            else:
                python_shows(message, category, filename, lineno, file, line)

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", NorrskenWarning)
                warnings.showwarning = show
                return func(*args, **kwargs)
        except NorrskenError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _oval_products(
    time: str, kp: float | None, hemisphere: str, out: Path, threshold: float, kp_source: str | None = None
):
    """Compute and write the oval products; return the oval Dataset and a summary with the files.

    ``kp_source`` names where a given ``kp`` came from (SWPC); without it a given Kp is a what-if
    override and the file names say so."""
    from .geomag import hemisphere_sign
    from .io import boundary_feature, prepare_output_dir, write_geojson, write_netcdf
    from .precipitation import oval, zhang_paxton
    from .precipitation.products import oval_summary
    from .render.maps import plot_oval
    from .times import to_utc

    # Everything is computed (and so every input checked) before anything is written.
    moment = to_utc(time)
    hemisphere_sign(hemisphere)
    with console.status("computing the oval"):
        ds = oval(moment, kp=kp)
    if kp_source is not None:
        ds.attrs["kp_source"] = kp_source
    kp_value = ds.attrs["kp"]
    edges = zhang_paxton.edges(ds, threshold)
    boundaries = {h: boundary for h, (boundary, _) in edges.items()}
    views = {h: view for h, (_, view) in edges.items()}
    out = prepare_output_dir(out)
    properties = {"time": ds.attrs["time"], "kp": kp_value, "model": ds.attrs["model"]}
    stamp = f"{moment:%Y%m%dT%H%M%SZ}" if moment.second else f"{moment:%Y%m%dT%H%MZ}"
    if kp is not None and kp_source is None:
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


def _print_brightest_and_files(result: dict) -> None:
    """The brightest 427.8, 557.7 and 630.0 nm light of a picture and where it is, then its files."""
    table = Table(title="brightest in view")
    for column_name in ("line (nm)", "brightness (kR)", "azimuth (°)", "elevation (°)"):
        table.add_column(column_name, justify="right")
    for key, line in result["brightest"].items():
        table.add_row(key, f"{line['max_r'] / 1e3:.2f}", f"{line['azimuth_deg']:.1f}", f"{line['elevation_deg']:.1f}")
    console.print(table)
    for kind, path in result["files"].items():
        console.print(f"  wrote {kind:<7} {path}", markup=False, highlight=False)


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
    time: Annotated[
        str | None, typer.Option("--time", "-t", help=f"UTC time, ISO 8601 with offset (default {DEMO_TIME}).")
    ] = None,
    kp: KpOption = None,
    hemisphere: HemisphereOption = "north",
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for the PNG, GeoJSON and NetCDF; with --start: the cube, FILE.nc or FILE.zarr."
        ),
    ] = Path("."),
    threshold: Annotated[
        float, typer.Option("--threshold", help="Energy flux (erg cm-2 s-1) that defines the equatorward edge.")
    ] = BOUNDARY_FLUX_ERG,
    start: Annotated[
        str | None, typer.Option("--start", help="A time series instead of one --time: first time (UTC).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last time of the series.")] = None,
    step: Annotated[str, typer.Option("--step", help="Time step of the series: 15min, 1h, ...")] = "1h",
    resolution: Annotated[float, typer.Option("--resolution", help="Grid spacing of the cube, degrees.")] = 0.5,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Series: local dask workers (default one per core; 0: no dask).")
    ] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Series: a running dask scheduler.")] = None,
    live: LiveOption = False,
    as_json: JsonOption = False,
) -> None:
    """Energy flux and mean energy of the auroral oval (Zhang & Paxton 2008) at a time: map, edge, data.

    With --start/--end/--step: a cube (time, lat, lon) of Q, E0 and the brightest line's radiance."""
    if start is not None or end is not None:
        if start is None or end is None:
            raise NorrskenError("a series needs both --start and --end")
        if time is not None:
            raise NorrskenError("give either --time (one map) or --start/--end (a cube), not both")
        if live:
            raise NorrskenError("--live is for one map now; a series uses the embedded history or --kp")
        _oval_series(start, end, step, kp, resolution, out, workers, scheduler, as_json)
        return
    if workers is not None or scheduler is not None:
        raise NorrskenError("--workers and --scheduler are for a series: give --start and --end too")
    time = DEMO_TIME if time is None else time
    kp, source = _live_kp(time, kp, live)
    _, summary = _oval_products(time, kp, hemisphere, out, threshold, kp_source=source)
    if as_json:
        print(json.dumps(summary, allow_nan=False))
    else:
        _print_oval_summary(summary)


DEMO_DAY = ("2017-01-18T00:00Z", "2017-01-19T00:00Z")
#: "Over or near Europe": the sub-satellite box searched for the demo's moment (lat, lat, lon, lon).
EUROPE = (35.0, 72.0, -25.0, 45.0)


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo products.")] = Path("norrsken-demo"),
) -> None:
    """The seed scene: the ISS over Europe in the dark on 2017-01-18, the aurora above the cities."""
    import time as clock

    from . import orbit, planner
    from .emission.column import column, plot
    from .emission.column import summary as column_summary
    from .io import prepare_output_dir, write_png
    from .render.camera import PinholeCamera
    from .render.orbital import DEFAULT_FOCAL_LENGTH_MM, limb_elevation, orbit_view
    from .render.orbital import summary as orbit_summary
    from .render.sky import sky as render_sky
    from .render.sky import summary as sky_summary

    started = clock.perf_counter()
    out = prepare_output_dir(out)

    def step(number: int, text: str) -> None:
        console.print(f"[bold cyan][{number}/5][/] {text}  [dim]({clock.perf_counter() - started:.0f} s)[/]")

    console.print("[bold]norrsken demo[/]: the ISS over Europe on the night of 2017-01-18")
    step(1, "searching the day for the ISS in the dark over Europe with the aurora in view")
    satellite = orbit.iss(DEMO_DAY[0])
    with console.status("scoring the ISS orbit minute by minute"):
        chances = planner.opportunities(satellite, *DEMO_DAY, step_s=60.0, region=EUROPE)
    passes = planner.best_per_pass(chances)
    if not passes:
        raise NorrskenError("no dark ISS pass over Europe with the aurora in view on 2017-01-18")
    best = passes[0]
    moment = best.time.isoformat().replace("+00:00", "Z")
    stamp = f"{best.time:%Y%m%dT%H%MZ}"
    console.print(
        f"  best of {len(passes)} passes: {moment}, ISS over {best.lat_deg:.1f}°, {best.lon_deg:.1f}° at "
        f"{best.altitude_km:.0f} km, {best.power_gw:.1f} GW of aurora in view toward azimuth {best.azimuth_deg:.0f}°",
        highlight=False,
    )

    step(2, "the oval of that moment: map, edge, view line, data")
    ds, summary = _oval_products(moment, None, "north", out, BOUNDARY_FLUX_ERG)
    _print_oval_summary(summary)
    # The light overhead Tromso: the oval's electrons at that spot through the emission physics.
    here = ds.sel(lat=TROMSO[0], lon=TROMSO[1], method="nearest")
    flux, mean = float(here["energy_flux_erg"]), float(here["mean_energy_kev"])
    overhead = column(mean, flux, moment, *TROMSO)
    profile = plot(overhead, out / f"column-tromso-{stamp}.png")
    lines = column_summary(overhead)["lines"]
    summary["overhead_tromso"] = {"energy_flux_erg": flux, "mean_energy_kev": mean, "lines": lines}
    summary["files"]["column"] = str(profile)
    console.print(
        f"  overhead Tromsø: Q = {flux:.2f} erg cm⁻² s⁻¹, ⟨E⟩ = {mean:.1f} keV → "
        + ", ".join(f"{key} nm {lines[key]['brightness_r'] / 1e3:.2f} kR" for key in ("557.7", "427.8", "630.0")),
        highlight=False,
    )

    step(3, "the astronaut's view toward the aurora, 1920x1080 (the first run compiles the ray marcher)")
    camera = PinholeCamera(
        1920,
        1080,
        azimuth_deg=round(best.azimuth_deg),
        elevation_deg=limb_elevation(1920, 1080, DEFAULT_FOCAL_LENGTH_MM, best.altitude_km),
        focal_length_mm=DEFAULT_FOCAL_LENGTH_MM,
    )
    with console.status("rendering the view from the ISS"):
        view = orbit_view(moment, best.lat_deg, best.lon_deg, best.altitude_km, camera=camera)
    orbit_path = write_png(view["rgb"].values, out / f"iss-{stamp}.png", {"Software": "norrsken", "time": moment})
    summary["iss"] = {**orbit_summary(view), "power_in_view_gw": best.power_gw, "tle_epoch": satellite.epoch.isoformat()}
    summary["files"]["iss"] = str(orbit_path)

    step(4, "the same moment from Tromsø, all-sky")
    with console.status("rendering the all-sky view over Tromsø"):
        allsky = render_sky(*TROMSO, moment)
    allsky_path = write_png(allsky["rgb"].values, out / f"allsky-tromso-{stamp}.png", {"Software": "norrsken"})
    summary["allsky_tromso"] = sky_summary(allsky)["brightest"]
    summary["files"]["allsky"] = str(allsky_path)

    step(5, "summary")
    summary["files"]["summary_json"] = str(out / "summary.json")
    summary["files"]["summary_md"] = str(out / "summary.md")
    write_json(summary, out / "summary.json")
    (out / "summary.md").write_text(_demo_markdown(summary, best, passes), encoding="utf-8")
    table = Table(title=f"norrsken demo: {moment}", show_header=False)
    for kind, path in summary["files"].items():
        table.add_row(kind, path)
    console.print(table, markup=False)
    console.print(f"done in {clock.perf_counter() - started:.0f} s; open {out / 'summary.md'}", highlight=False)


def _demo_markdown(summary: dict, best, passes) -> str:
    """The demo's summary.md: the moment, the ISS, Kp, hemispheric power and the brightest lines."""
    iss = summary["iss"]

    def lines(brightest: dict) -> str:
        return "\n".join(
            f"| {key} | {line['max_r'] / 1e3:.1f} | {line['azimuth_deg']:.0f} | {line['elevation_deg']:.1f} |"
            for key, line in brightest.items()
        )

    header = "| line (nm) | brightest (kR) | azimuth (°) | elevation (°) |\n|---|---|---|---|\n"
    others = "\n".join(
        f"- {item.time:%H:%M} UTC over {item.lat_deg:.1f}°, {item.lon_deg:.1f}°: {item.power_gw:.1f} GW in view"
        for item in passes[1:6]
    )
    files = "\n".join(f"- {kind}: `{path}`" for kind, path in summary["files"].items())
    return f"""# norrsken demo: the ISS over Europe, {iss['time']}

The moment was found by scoring the ISS orbit of 2017-01-18 minute by minute (packaged TLE of
epoch {iss['tle_epoch']}): the ISS in the Earth's shadow over Europe, with the most auroral power
in view.

- **Time:** {iss['time']}
- **ISS:** {iss['lat']:.2f}°, {iss['lon']:.2f}° (latitude, longitude east), {iss['altitude_km']:.0f} km; limb {iss['limb_depression_deg']:.1f}° below the horizontal
- **Kp:** {summary['kp']:.2f} ({summary['kp_source']})
- **Hemispheric power (north):** {summary['hemispheric_power_gw']:.1f} GW; in view of the ISS: {best.power_gw:.1f} GW
- **Camera:** {iss['camera']['focal_length_mm']:g} mm full frame, {iss['camera']['width']}x{iss['camera']['height']}, azimuth {iss['camera']['azimuth_deg']:.0f}°, elevation {iss['camera']['elevation_deg']:.1f}°
- **Moon:** {iss['moon_elevation_deg']:.1f}° from the ISS's horizontal, {100 * iss['moon_illumination']:.0f} % lit

## Brightest line radiances seen from the ISS

{header}{lines(iss['brightest'])}

## Brightest line radiances in the all-sky view from Tromsø

{header}{lines(summary['allsky_tromso'])}

## Other dark passes over Europe that day

{others or '- none'}

## Files

{files}
"""


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
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    structure: StructureOption = "arcs",
    seed: SeedOption = 0,
    exposure: ExposureOption = "camera",
    iso: IsoOption = None,
    f_number: FNumberOption = None,
    seconds: SecondsOption = None,
    airglow: AirglowOption = True,
    background: BackgroundOption = True,
    stars: StarsOption = True,
    grid: GridOption = False,
    exact: ExactOption = False,
    daylight_ok: DaylightOption = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.")] = Path("norrsken-sky.png"),
    netcdf: Annotated[
        Path | None, typer.Option("--netcdf", help="Also write the line radiances (R) and directions as NetCDF.")
    ] = None,
    live: LiveOption = False,
    as_json: JsonOption = False,
) -> None:
    """A true-colour picture of the sky from the ground: all-sky fisheye or a pinhole camera."""
    from .io import check_output_file, write_netcdf, write_png
    from .render.sky import sky as render_sky
    from .render.sky import summary

    out = check_output_file(out, ".png")
    if netcdf is not None:
        netcdf = check_output_file(netcdf, ".nc")
    observer = _ground_exposure(exposure, iso, f_number, seconds)
    view = _ground_camera(camera, az, el, fov, focal_length, size)
    kp, source = _live_kp(time, kp, live)
    with console.status(f"rendering {view.width}x{view.height} {camera} view"):
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
            stars=stars,
            grid=grid,
            adaptive=not exact,
            daylight_ok=daylight_ok,
        )
    if source is not None:
        ds.attrs["kp_source"] = source
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
    _print_brightest_and_files(result)


@app.command("forecast")
@friendly
def forecast_command(
    lat: Annotated[float, typer.Option("--lat", help="Observer latitude, degrees.")],
    lon: Annotated[float, typer.Option("--lon", help="Observer longitude, degrees east.")],
    start: Annotated[
        str | None, typer.Option("--start", help="UTC start, ISO 8601 with offset; default: now (rounded down).")
    ] = None,
    hours: Annotated[float, typer.Option("--hours", help="Length of the forecast, hours.")] = 24.0,
    step: Annotated[float, typer.Option("--step", help="Time step, minutes.")] = 30.0,
    kp: KpOption = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Use the embedded history only; by default NOAA SWPC is asked first."),
    ] = False,
    plot_path: Annotated[Path | None, typer.Option("--plot", help="Write a plot of the night (PNG).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the forecast as one JSON object.")] = False,
) -> None:
    """Can I see the aurora from here? Brightness, direction and a verdict every step of the night."""
    import datetime as dt

    from .forecast import forecast, plot, summary
    from .io import check_output_file

    if plot_path is not None:
        plot_path = check_output_file(plot_path, ".png")
    if start is None:
        now = dt.datetime.now(dt.UTC)
        start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0).isoformat()
    with console.status("forecasting"):
        ds = forecast(lat, lon, start=start, hours=hours, step_minutes=step, kp=kp, offline=offline)
    result = summary(ds)
    if plot_path is not None:
        plot(ds, plot_path)
        result["files"] = {"plot": str(plot_path)}
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return
    from rich import box

    table = Table(
        title=f"Aurora from {result['lat']:.2f}°, {result['lon']:.2f}° (brightest seen, kR)",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for name in ("UTC", "Kp", "Sun", "Moon", "557.7", "630.0", "az/el", "verdict"):
        table.add_column(name, justify="left" if name in ("UTC", "verdict") else "right", no_wrap=True)
    for row in result["steps"]:
        where = "–" if row["azimuth_deg"] is None else f"{row['azimuth_deg']:.0f}°/{row['elevation_deg']:.0f}°"
        moon = f"{row['moon_elevation_deg']:.0f}° {100 * row['moon_illumination']:.0f}%"
        style = {"daylight": "dim", "not visible": "", "camera only": "cyan"}.get(row["verdict"], "bold green")
        table.add_row(
            row["time"][8:16].replace("T", " "),
            f"{row['kp']:.2f}",
            f"{row['sun_elevation_deg']:.0f}°",
            moon,
            f"{row['green_r'] / 1e3:.2f}",
            f"{row['red_r'] / 1e3:.2f}",
            where,
            f"[{style}]{row['verdict']}[/]" if style else row["verdict"],
        )
    console.print(table)
    sources = sorted({row["kp_source"] for row in result["steps"]})
    console.print(f"Kp from: {'; '.join(sources)}", highlight=False)
    console.print(f"atmosphere: {result['atmosphere']}", highlight=False)
    _print_conditions_now(result["now"])
    best = result["best"]
    if all(row["verdict"] == "daylight" for row in result["steps"]):
        console.print(
            "the Sun stays above -6° here for the whole window (daylight or bright twilight): no aurora can be "
            "seen; try another date or a longer --hours",
            highlight=False,
        )
    else:
        console.print(f"best: {best['time']} — {best['verdict']}", highlight=False)
    for kind, path in result.get("files", {}).items():
        console.print(f"  wrote {kind:<7} {path}", markup=False, highlight=False)


@app.command("passes")
@friendly
def passes_command(
    start: Annotated[str, typer.Option("--from", help="UTC start, ISO 8601 with offset.")],
    end: Annotated[str, typer.Option("--to", help="UTC end, ISO 8601 with offset.")],
    tle: Annotated[Path | None, typer.Option("--tle", help="A TLE file instead of the packaged ISS sets.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Satellite in a --tle file holding several.")] = None,
    step: Annotated[float, typer.Option("--step", help="Time step, s.")] = 60.0,
    kp: KpOption = None,
    min_score: Annotated[
        float, typer.Option("--min-score", help="Least auroral power in view, GW, for a pass to count.")
    ] = 0.5,
    region: Annotated[
        str | None, typer.Option("--region", help="LAT1,LAT2,LON1,LON2: only passes over this box.")
    ] = None,
    render: Annotated[
        bool, typer.Option("--render", help="Render the best moment of each pass through the orbital camera.")
    ] = False,
    size: Annotated[str, typer.Option("--size", help="Size of the rendered frames, WIDTHxHEIGHT.")] = "1920x1080",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for --render frames.")] = Path("norrsken-passes"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the passes as one JSON object.")] = False,
) -> None:
    """ISS aurora photo opportunities: the satellite in the dark with the aurora in view, ranked."""
    import dataclasses

    from . import planner
    from .render.camera import PinholeCamera, parse_size

    box = None
    if region is not None:
        try:
            box = tuple(float(part) for part in region.split(","))
        except ValueError:
            raise NorrskenError(f"--region must look like LAT1,LAT2,LON1,LON2, got {region!r}") from None
    width, height = parse_size(size)
    satellite = _satellite(tle, name, start)
    with console.status(f"scoring {satellite.name} from {start} to {end}"):
        chances = planner.opportunities(satellite, start, end, step_s=step, kp=kp, region=box)
    found = planner.best_per_pass(chances, min_power_gw=min_score)
    result = {
        "satellite": satellite.name,
        "tle_epoch": satellite.epoch.isoformat().replace("+00:00", "Z"),
        "from": start,
        "to": end,
        "passes": [
            {
                key: (value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else round(value, 3))
                for key, value in dataclasses.asdict(item).items()
            }
            for item in found
        ],
    }
    if render and found:
        from .io import prepare_output_dir, write_png
        from .render.orbital import DEFAULT_FOCAL_LENGTH_MM, limb_elevation, orbit_view

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
                view = orbit_view(item.time, item.lat_deg, item.lon_deg, item.altitude_km, camera=camera, kp=kp)
            path = folder / f"pass-{rank:02d}-{item.time:%Y%m%dT%H%M%SZ}.png"
            record["png"] = str(write_png(view["rgb"].values, path, {"Software": "norrsken", "time": record["time"]}))
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return
    table = Table(title=f"{satellite.name}: aurora photo opportunities, {start} to {end}")
    for column_name in ("#", "best (UTC)", "in the dark", "over", "aurora in view", "point to", "Moon"):
        table.add_column(column_name, justify="right" if column_name == "#" else "left")
    for rank, item in enumerate(found, start=1):
        table.add_row(
            str(rank),
            f"{item.time:%Y-%m-%d %H:%M:%S}",
            f"{item.pass_start:%H:%M}-{item.pass_end:%H:%M}",
            f"{item.lat_deg:.1f}°, {item.lon_deg:.1f}°",
            f"{item.power_gw:.1f} GW",
            f"az {item.azimuth_deg:.0f}°, el {item.elevation_deg:.0f}°",
            f"{item.moon_elevation_deg:.0f}° ({100 * item.moon_illumination:.0f} %)",
        )
    console.print(table)
    if not found:
        console.print("no pass in the dark with the aurora in view in this window", highlight=False)
    for record in result["passes"]:
        if "png" in record:
            console.print(f"  wrote png {record['png']}", markup=False, highlight=False)


def _print_conditions_now(now: dict) -> None:
    """The solar wind and OVATION at the time of asking, stale ones marked."""
    if now.get("offline"):
        return
    wind, ovation = now["solar_wind"], now["ovation"]
    if "error" in wind:
        console.print(f"solar wind now: unavailable ({wind['error']})", highlight=False)
    else:
        flag = "[bold red]STALE[/] " if wind["stale"] else ""
        console.print(
            f"solar wind now: {flag}Bz {wind['bz_gsm_nt']} nT, {wind['speed_km_s']} km/s, {wind['density_cm3']} cm⁻³ "
            f"at {wind['time']}",
            highlight=False,
        )
    if "error" in ovation:
        console.print(f"OVATION now: unavailable ({ovation['error']})", highlight=False)
    else:
        flag = "[bold red]STALE[/] " if ovation["stale"] else ""
        console.print(
            f"OVATION now: {flag}{ovation['probability_percent']:.0f} % chance of visible aurora here "
            f"(forecast for {ovation['forecast_time']})",
            highlight=False,
        )


LOOKS = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}


def _satellite(tle: Path | None, name: str | None, time: str):
    """The element set for ``time``: the packaged ISS sets, or those of ``tle`` (one satellite)."""
    from . import orbit

    if tle is None:
        if name is not None:
            raise NorrskenError("--name picks a satellite from a --tle file; without --tle the ISS is used")
        return orbit.iss(time)
    sets = orbit.load_tles(tle)
    if name is not None:
        sets = [item for item in sets if item.name.lower() == name.lower()]
        if not sets:
            raise NorrskenError(f"no satellite named {name!r} in {str(tle)!r}")
    if len({item.catalog_number for item in sets}) > 1:
        names = sorted({item.name for item in sets})
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise NorrskenError(f"{str(tle)!r} holds several satellites ({shown}): pick one with --name")
    return orbit.select(sets, time)


def _parse_target(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        lat, lon = (float(part) for part in parts)
    except ValueError:
        raise NorrskenError(f"--target must look like LAT,LON in degrees, e.g. 62.5,15, got {text!r}") from None
    return lat, lon


@app.command("orbit")
@friendly
def orbit_command(
    time: TimeOption = DEMO_TIME,
    iss: Annotated[bool, typer.Option("--iss/--no-iss", help="The International Space Station (default; packaged TLEs).")] = True,
    tle: TleOption = None,
    name: NameOption = None,
    look: Annotated[
        str, typer.Option("--look", help="north, east, south, west, or an azimuth in degrees (limb framing).")
    ] = "north",
    el: Annotated[
        float | None,
        typer.Option("--el", help="Elevation of the view centre above the local horizontal, deg (negative: down)."),
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Point the camera at LAT,LON on the ground instead of --look.")
    ] = None,
    focal_length: OrbitFocalOption = 24.0,
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT in pixels.")] = "1920x1080",
    iso: OrbitIsoOption = 6400.0,
    f_number: OrbitFNumberOption = 1.4,
    seconds: OrbitSecondsOption = 0.5,
    kp: KpOption = None,
    structure: StructureOption = "arcs",
    seed: SeedOption = 0,
    cities: CitiesOption = True,
    stars: StarsOption = True,
    airglow: AirglowOption = True,
    exact: ExactOption = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.")] = Path("norrsken-orbit.png"),
    netcdf: Annotated[
        Path | None, typer.Option("--netcdf", help="Also write line radiances (R) and continuum layers as NetCDF.")
    ] = None,
    live: LiveOption = False,
    as_json: JsonOption = False,
) -> None:
    """The astronaut's picture: the aurora, the night Earth and the stars from a satellite (the ISS by default)."""
    from . import orbit
    from .color import CameraExposure
    from .io import check_output_file, write_netcdf, write_png
    from .render.camera import PinholeCamera, parse_size
    from .render.orbital import limb_elevation, look_at, orbit_view
    from .render.orbital import summary as orbit_summary

    out = check_output_file(out, ".png")
    if netcdf is not None:
        netcdf = check_output_file(netcdf, ".nc")
    if not iss and tle is None:
        raise NorrskenError("give --tle FILE, or leave --iss on")
    satellite = _satellite(tle, name, time)
    state = orbit.states(satellite, time)
    lat, lon, alt = (float(state[key]) for key in ("lat_deg", "lon_deg", "altitude_km"))
    width, height = parse_size(size)
    if target is not None:
        if el is not None:
            raise NorrskenError("--target sets the pointing: drop --el")
        azimuth, elevation = look_at(lat, lon, alt, *_parse_target(target))
    else:
        try:
            azimuth = LOOKS[look] if look in LOOKS else float(look)
        except ValueError:
            raise NorrskenError(f"--look must be one of {', '.join(LOOKS)} or an azimuth in degrees, got {look!r}") from None
        elevation = limb_elevation(width, height, focal_length, alt) if el is None else el
    camera = PinholeCamera(width, height, azimuth_deg=azimuth, elevation_deg=elevation, focal_length_mm=focal_length)
    exposure = CameraExposure(iso=iso, f_number=f_number, exposure_s=seconds)
    kp, source = _live_kp(time, kp, live)
    with console.status(f"rendering the view from {satellite.name} ({width}x{height})"):
        ds = orbit_view(
            time, lat, lon, alt, camera=camera, kp=kp, structure=structure, seed=seed, exposure=exposure,
            airglow=airglow, cities=cities, stars=stars, adaptive=not exact,
        )
    if source is not None:
        ds.attrs["kp_source"] = source
    result = orbit_summary(ds)
    result["satellite"] = {
        "name": satellite.name,
        "tle_epoch": satellite.epoch.isoformat().replace("+00:00", "Z"),
        "sun_above_limb_deg": round(float(state["sun_above_limb_deg"]), 2),
        "in_shadow": not bool(state["sunlit"]),
    }
    metadata = {"Software": "norrsken", "satellite": satellite.name, **{
        key: ds.attrs[key] for key in ("time", "lat", "lon", "altitude_km", "kp", "kp_source", "camera", "exposure")
    }}
    result["files"] = {"png": str(write_png(ds["rgb"].values, out, metadata))}
    if netcdf is not None:
        result["files"]["netcdf"] = str(write_netcdf(ds.drop_vars("rgb"), netcdf))
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return
    _print_orbit_summary(result)


def _print_orbit_summary(result: dict) -> None:
    sat = result["satellite"]
    light = "in the Earth's shadow" if sat["in_shadow"] else "in sunlight (the day side will be overexposed)"
    console.print(
        f"[bold]{result['time']}[/] {sat['name']} over {result['lat']:.2f}°, {result['lon']:.2f}° at "
        f"{result['altitude_km']:.0f} km, {light} (Sun {sat['sun_above_limb_deg']:+.1f}° from the limb); "
        f"Kp {result['kp']:.2f} ({result['kp_source']}); limb {result['limb_depression_deg']:.1f}° below the horizontal",
        highlight=False,
    )
    _print_brightest_and_files(result)


def _dask(workers: int | None, scheduler: str | None):
    """Start (or connect to) the dask workers under a status line: (an ExitStack that closes
    them, the client or None)."""
    import contextlib

    from .batch import dask_client

    stack = contextlib.ExitStack()
    with console.status("starting dask workers" if workers != 0 or scheduler else "preparing"):
        client = stack.enter_context(dask_client(workers=workers, scheduler=scheduler))
    return stack, client


def _progress(description: str, total: int, as_json: bool):
    """A rich progress bar on stderr (hidden for --json output)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=err_console, disable=as_json,
    )
    return progress, progress.add_task(description, total=total)


def _oval_series(start, end, step, kp, resolution, out: Path, workers, scheduler, as_json: bool) -> None:
    from . import batch

    times = _frame_times(start, end, step)
    out = batch.check_oval_series(times, out, kp=kp, resolution_deg=resolution)
    stack, client = _dask(workers, scheduler)
    with stack:
        progress, task = _progress(f"oval cube ({batch.describe(client)})", times.size, as_json)
        with progress:
            batch.oval_series(
                times, out, kp=kp, resolution_deg=resolution, client=client,
                on_done=lambda done, total: progress.update(task, completed=done),
            )
    result = {"file": str(out), "times": int(times.size), "start": start, "end": end}
    if as_json:
        print(json.dumps(result, allow_nan=False))
    else:
        console.print(f"wrote the oval cube of {times.size} times to {out}", highlight=False)


def _day_or_time(text: str, which: str) -> str:
    """A plain date as the start of that day (``start``) or its last second (``end``), UTC."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return text  # a time: to_utc checks it
    if which == "start":
        return f"{day.isoformat()}T00:00:00Z"
    return f"{day.isoformat()}T23:59:59Z"


@app.command("climatology")
@friendly
def climatology_command(
    region: Annotated[
        str,
        typer.Option("--region", help="LAT1,LAT2,LON1,LON2 in degrees, e.g. 50,72,-10,35 (across 180: 60,70,170,190)."),
    ],
    start: Annotated[
        str, typer.Option("--start", help="First day (2017-01-01, from 00:00 UTC) or time (2017-01-01T18:00Z).")
    ],
    end: Annotated[str, typer.Option("--end", help="Last day (2017-01-31, to its end) or last time (UTC).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="FILE.nc (NetCDF) or FILE.zarr (Zarr).")],
    resolution: Annotated[float, typer.Option("--resolution", help="Grid spacing, degrees.")] = 1.0,
    step: Annotated[str, typer.Option("--step", help="Time step: 30min, 1h, ...")] = "1h",
    kp: Annotated[
        float | None, typer.Option("--kp", help="Kp for every step (a what-if); default: the embedded history.")
    ] = None,
    map_png: Annotated[
        Path | None, typer.Option("--map", help="Map PNG (default: the output's name with .png).")
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hours of darkness and of naked-eye aurora at every point of a region, and their fraction."""
    import numpy as np

    from . import climatology
    from .batch import describe
    from .io import check_dataset_path, check_output_file, write_dataset
    from .times import parse_duration_s

    box = climatology.Region.parse(region)
    start, end = _day_or_time(start, "start"), _day_or_time(end, "end")
    out = check_dataset_path(out)
    map_png = check_output_file(map_png if map_png is not None else out.with_suffix(".png"), ".png")
    work = climatology.plan(
        box, start, end, resolution_deg=resolution, step_minutes=parse_duration_s(step) / 60.0, kp=kp
    )
    stack, client = _dask(workers, scheduler)
    with stack:
        progress, task = _progress(f"climatology ({describe(client)})", len(work.jobs), as_json)
        with progress:
            ds = climatology.run(
                work, client, on_progress=lambda done, total: progress.update(task, completed=done, total=total)
            )
    write_dataset(ds, out)
    climatology.plot(ds, map_png)
    hours = ds["naked_eye_hours"].values
    best = ds["naked_eye_hours"].isel(dict(zip(("lat", "lon"), np.unravel_index(np.argmax(hours), hours.shape))))
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
        print(json.dumps(result, allow_nan=False))
        return
    where = f" (most at {most_at[0]:.1f}°, {most_at[1]:.1f}°)" if most_at else ""
    console.print(
        f"{result['grid'][0]} x {result['grid'][1]} points, {result['steps']} steps: up to "
        f"{result['dark_hours_max']:.0f} dark hours and {result['naked_eye_hours_max']:.0f} hours of naked-eye "
        f"aurora{where}; wrote {out} and {map_png}",
        highlight=False,
    )


timelapse_app = typer.Typer(
    help="Time-lapses: one PNG per time step, rendered on dask workers, and an optional animation.",
    no_args_is_help=True,
)
app.add_typer(timelapse_app, name="timelapse")

StartOption = Annotated[str, typer.Option("--start", help="First time, UTC ISO 8601 with offset.")]
EndOption = Annotated[str, typer.Option("--end", help="Last time (included when it falls on a step).")]
StepOption = Annotated[str, typer.Option("--step", help="Time step: 60s, 5min, 1h, ...")]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes of a local dask cluster (default: one per core; 0: no dask)."),
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Address of a running dask scheduler, e.g. tcp://host:8786.")
]
FramesOutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder for the frames.")]
VideoOption = Annotated[
    Path | None, typer.Option("--video", help="Also join the frames into an animation: FILE.mp4 or FILE.gif.")
]
FpsOption = Annotated[float, typer.Option("--fps", help="Frames per second of the animation.")]


def _frame_times(start: str, end: str, step: str):
    from .planner import time_steps
    from .times import parse_duration_s

    return time_steps(start, end, parse_duration_s(step))


def _run_frames(build, workers, scheduler, out: Path, video: Path | None, fps: float, as_json: bool) -> None:
    """Check the outputs, build the frames (``build(out)``), render them on dask with a progress
    bar, then animate; the report says what was rendered and what was already there."""
    from . import batch
    from .io import prepare_output_dir

    # Every input checked before anything is written or started.
    frames = build(out)
    batch.check_workers(workers, scheduler)
    if video is not None:
        video = batch.check_video_path(video, new_folder=out, fps=fps)
    out = prepare_output_dir(out)
    stack, client = _dask(workers, scheduler)
    with stack:
        progress, task = _progress(f"frames ({batch.describe(client)})", len(frames), as_json)
        with progress:
            report = batch.run(frames, client, on_done=lambda path, rendered: progress.advance(task))
    result = {"frames": len(frames), **report.as_dict(), "folder": str(out)}
    if video is not None:
        with console.status(f"encoding {video}"):
            result["video"] = str(batch.encode_video([frame.path for frame in frames], video, fps))
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return
    console.print(
        f"{len(report.rendered)} frames rendered, {len(report.skipped)} already done ({report.workers}); "
        f"frames in {out}" + (f"; animation {result['video']}" if video is not None else ""),
        highlight=False,
    )


@timelapse_app.command("sky")
@friendly
def timelapse_sky(
    start: StartOption,
    end: EndOption,
    step: StepOption = "60s",
    lat: Annotated[float, typer.Option("--lat", help="Observer latitude, degrees.")] = TROMSO[0],
    lon: Annotated[float, typer.Option("--lon", help="Observer longitude, degrees east.")] = TROMSO[1],
    camera: CameraKindOption = "allsky",
    az: AzOption = None,
    el: ElOption = None,
    fov: FovOption = None,
    focal_length: FocalLengthOption = None,
    size: Annotated[
        str | None, typer.Option("--size", help="WIDTHxHEIGHT (default 512x512 all-sky, 1280x720 pinhole).")
    ] = None,
    kp: KpOption = None,
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    structure: StructureOption = "arcs",
    seed: SeedOption = 0,
    exposure: ExposureOption = "camera",
    iso: IsoOption = None,
    f_number: FNumberOption = None,
    seconds: SecondsOption = None,
    airglow: AirglowOption = True,
    background: BackgroundOption = True,
    stars: StarsOption = True,
    grid: GridOption = False,
    exact: ExactOption = False,
    daylight_ok: DaylightOption = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: FramesOutOption = Path("norrsken-timelapse"),
    video: VideoOption = None,
    fps: FpsOption = 10.0,
    as_json: JsonOption = False,
) -> None:
    """The sky over a place from --start to --end: all-sky or pinhole frames, same seed in every frame."""
    from . import batch

    view = _ground_camera(camera, az, el, fov, focal_length, size or ("512x512" if camera == "allsky" else "1280x720"))
    observer = _ground_exposure(exposure, iso, f_number, seconds)
    times = _frame_times(start, end, step)
    options = {
        "kp": kp, "f107": f107, "f107a": f107a, "ap": ap, "structure": structure, "seed": seed, "airglow": airglow,
        "background": background, "stars": stars, "grid": grid, "adaptive": not exact,
    }

    def build(folder: Path):
        return batch.sky_frames(
            lat, lon, times, folder, camera=view, exposure=observer, daylight_ok=daylight_ok, **options
        )

    _run_frames(build, workers, scheduler, out, video, fps, as_json)


@timelapse_app.command("orbit")
@friendly
def timelapse_orbit(
    start: StartOption,
    end: EndOption,
    step: StepOption = "60s",
    tle: TleOption = None,
    name: NameOption = None,
    look: Annotated[
        str,
        typer.Option(
            "--look",
            help="forward, right, aft or left of the ground track (a camera fixed to the station), "
            "or north/east/south/west or an azimuth in degrees.",
        ),
    ] = "forward",
    el: Annotated[
        float | None, typer.Option("--el", help="Elevation of the view centre, deg (default: limb framing).")
    ] = None,
    focal_length: OrbitFocalOption = 24.0,
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT in pixels.")] = "1280x720",
    iso: OrbitIsoOption = 6400.0,
    f_number: OrbitFNumberOption = 1.4,
    seconds: OrbitSecondsOption = 0.5,
    kp: KpOption = None,
    structure: StructureOption = "arcs",
    seed: SeedOption = 0,
    cities: CitiesOption = True,
    stars: StarsOption = True,
    airglow: AirglowOption = True,
    exact: ExactOption = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: FramesOutOption = Path("norrsken-timelapse"),
    video: VideoOption = None,
    fps: FpsOption = 10.0,
    as_json: JsonOption = False,
) -> None:
    """The view from the ISS (or a --tle satellite) from --start to --end, the camera fixed to the station."""
    from . import batch
    from .color import CameraExposure
    from .render.camera import parse_size

    width, height = parse_size(size)
    satellite = _satellite(tle, name, start)
    times = _frame_times(start, end, step)
    exposure = CameraExposure(iso=iso, f_number=f_number, exposure_s=seconds)
    options = {
        "kp": kp, "structure": structure, "seed": seed, "cities": cities, "stars": stars, "airglow": airglow,
        "adaptive": not exact,
    }

    def build(folder: Path):
        return batch.orbit_frames(
            satellite, times, folder, look=look, elevation_deg=el, width=width, height=height,
            focal_length_mm=focal_length, exposure=exposure, **options,
        )

    _run_frames(build, workers, scheduler, out, video, fps, as_json)


@timelapse_app.command("oval")
@friendly
def timelapse_oval(
    start: StartOption,
    end: EndOption,
    step: StepOption = "15min",
    kp: KpOption = None,
    hemisphere: HemisphereOption = "north",
    threshold: Annotated[
        float, typer.Option("--threshold", help="Energy flux (erg cm-2 s-1) that defines the equatorward edge.")
    ] = BOUNDARY_FLUX_ERG,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: FramesOutOption = Path("norrsken-timelapse"),
    video: VideoOption = None,
    fps: FpsOption = 10.0,
    as_json: JsonOption = False,
) -> None:
    """Maps of the oval (energy flux, mean energy, edge, view line) from --start to --end."""
    from . import batch

    times = _frame_times(start, end, step)

    def build(folder: Path):
        return batch.oval_frames(times, folder, kp=kp, hemisphere=hemisphere, threshold_erg=threshold)

    _run_frames(build, workers, scheduler, out, video, fps, as_json)


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
