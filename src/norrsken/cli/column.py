"""``norrsken column``: the light of one column of precipitating electrons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..errors import NorrskenError
from .app import app, console, friendly
from .options import DEMO_TIME, ApOption, F107aOption, F107Option, TimeOption, indices
from .output import print_json


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
    from ..emission.column import column, summary
    from ..emission.ionization import mean_energy_from_characteristic
    from ..io import check_output_file
    from ..plots import plot

    if mean_energy is None and characteristic_energy is not None:
        mean_energy = float(mean_energy_from_characteristic(characteristic_energy, spectrum))
    elif mean_energy is None or characteristic_energy is not None:
        raise NorrskenError("give exactly one of --mean-energy and --characteristic-energy")
    if plot_path is not None:
        plot_path = check_output_file(plot_path, ".png")
    ds = column(time, lat, lon, mean_energy, flux, indices=indices(None, f107, f107a, ap), spectrum=spectrum)
    if plot_path is not None:
        plot_path = plot(ds, plot_path)
    result = summary(ds)
    if as_json:
        print_json(result)
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
