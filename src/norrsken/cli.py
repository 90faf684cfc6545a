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
from rich.table import Table

from .errors import NorrskenError

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

TimeOption = Annotated[str, typer.Option("--time", "-t", help="UTC time, ISO 8601 with offset, e.g. 2017-01-18T21:00Z.")]
KpOption = Annotated[
    float | None, typer.Option("--kp", help="Kp override (0-9); default: Kp of --time from the embedded CelesTrak history.")
]
HemisphereOption = Annotated[str, typer.Option("--hemisphere", help="north or south.")]


def friendly(func: F) -> F:
    """Turn bad-input errors into one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NorrskenError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _oval_products(time: str, kp: float | None, hemisphere: str, out: Path, threshold: float) -> dict:
    """Compute and write the oval products; return a summary of numbers and files."""
    from .io import boundary_feature, prepare_output_dir, write_geojson, write_netcdf
    from .precipitation import boundary_geographic, oval, zhang_paxton
    from .render.maps import plot_oval
    from .times import to_utc

    if hemisphere not in ("north", "south"):
        raise NorrskenError(f"unknown hemisphere {hemisphere!r}: use 'north' or 'south'")
    moment = to_utc(time)
    out = prepare_output_dir(out)
    with console.status("computing the oval"):
        ds = oval(moment, kp=kp)
    kp_value = ds.attrs["kp"]

    def flux_of(mlat, mlt):
        return zhang_paxton.evaluate(mlat, mlt, kp_value)[0]

    stamp = f"{moment:%Y%m%dT%H%MZ}"
    features, boundaries = [], {}
    for hemi in ("north", "south"):
        b = boundary_geographic(flux_of, moment, hemi, threshold_erg=threshold)
        boundaries[hemi] = b
        features.append(
            boundary_feature(
                b["lon"].values,
                b["lat"].values,
                {
                    "name": f"equatorward boundary of the auroral oval ({hemi})",
                    "definition": f"lowest |AACGM latitude| where the electron energy flux reaches {threshold:g} erg cm-2 s-1",
                    "hemisphere": hemi,
                    "time": ds.attrs["time"],
                    "kp": kp_value,
                    "model": ds.attrs["model"],
                    "height_km": ds.attrs["height_km"],
                },
            )
        )
    files = {
        "map": plot_oval(ds, boundaries[hemisphere], hemisphere, out / f"oval-{hemisphere}-{stamp}.png"),
        "boundary": write_geojson(features, out / f"oval-boundary-{stamp}.geojson"),
        "dataset": write_netcdf(ds, out / f"oval-{stamp}.nc"),
    }
    midnight = boundaries[hemisphere].sel(mlt=0.0)
    flux = ds["energy_flux_erg"].where(ds["mlat"] * (1 if hemisphere == "north" else -1) > 0)
    peak = flux.argmax(dim=("lat", "lon"))
    return {
        "time": ds.attrs["time"],
        "kp": kp_value,
        "kp_source": ds.attrs["kp_source"],
        "hemisphere": hemisphere,
        "hemispheric_power_gw": ds.attrs[f"hemispheric_power_{hemisphere}_gw"],
        "boundary_midnight_mlat": float(midnight["mlat"]),
        "boundary_midnight_lat": float(midnight["lat"]),
        "boundary_midnight_lon": float(midnight["lon"]),
        "peak_flux_erg": float(flux.max()),
        "peak_lat": float(ds["lat"][peak["lat"]]),
        "peak_lon": float(ds["lon"][peak["lon"]]),
        "peak_mlt": float(ds["mlt"].isel(peak)),
        "threshold_erg": threshold,
        "files": {k: str(v) for k, v in files.items()},
    }


def _print_oval_summary(summary: dict) -> None:
    table = Table(title=f"Auroral oval {summary['time']} ({summary['hemisphere']})", show_header=False)
    table.add_row("Kp", f"{summary['kp']:.2f}  ({summary['kp_source']})")
    table.add_row("Hemispheric power", f"{summary['hemispheric_power_gw']:.1f} GW")
    table.add_row(
        "Equatorward edge at magnetic midnight",
        f"{summary['boundary_midnight_mlat']:.1f}° MLAT = {summary['boundary_midnight_lat']:.1f}° lat, "
        f"{summary['boundary_midnight_lon']:.1f}° lon  (Q ≥ {summary['threshold_erg']:g} erg cm⁻² s⁻¹)",
    )
    table.add_row(
        "Peak energy flux",
        f"{summary['peak_flux_erg']:.2f} erg cm⁻² s⁻¹ at {summary['peak_lat']:.1f}°, {summary['peak_lon']:.1f}° "
        f"({summary['peak_mlt']:.1f} MLT)",
    )
    console.print(table)
    for kind, path in summary["files"].items():
        console.print(f"  wrote {kind:9s} {path}", highlight=False)


@app.command()
@friendly
def oval(
    time: TimeOption = DEMO_TIME,
    kp: KpOption = None,
    hemisphere: HemisphereOption = "north",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the PNG, GeoJSON and NetCDF.")] = Path("."),
    threshold: Annotated[
        float, typer.Option("--threshold", help="Energy flux (erg cm-2 s-1) that defines the equatorward edge.")
    ] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Energy flux and mean energy of the auroral oval (Zhang & Paxton 2008) at a time: map, edge, data."""
    summary = _oval_products(time, kp, hemisphere, out, threshold)
    if as_json:
        print(json.dumps(summary))
    else:
        _print_oval_summary(summary)


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo products.")] = Path("norrsken-demo"),
) -> None:
    """The seed scene: 2017-01-18 21:00 UTC over Northern Europe, Kp from the embedded history."""
    console.print(f"[bold]norrsken demo[/]: the aurora of {DEMO_TIME} over Northern Europe")
    summary = _oval_products(DEMO_TIME, None, "north", out, 0.5)
    _print_oval_summary(summary)
    summary_path = Path(out) / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2))
    console.print(f"  wrote summary   {summary_path}", highlight=False)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="norrsken")


if __name__ == "__main__":
    sys.exit(main())
