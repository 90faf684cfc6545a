"""``norrsken demo``: the seed scene, with its steps and numbers as they come."""

from __future__ import annotations

import time as clock
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .app import app, console, friendly
from .output import print_oval_summary


@app.command()
@friendly
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo products.")] = Path("norrsken-demo"),
) -> None:
    """The seed scene: the ISS over Europe in the dark on 2017-01-18, the aurora above the cities."""
    from ..products import demo as run_demo

    started = clock.perf_counter()
    status = console.status("")

    def step(number: int, steps: int, text: str) -> None:
        status.stop()
        console.print(f"[bold cyan][{number}/{steps}][/] {text}  [dim]({clock.perf_counter() - started:.0f} s)[/]")
        status.update(text)
        status.start()

    def result(name: str, value) -> None:
        status.stop()
        if name == "passes":
            best = value[0]
            moment = best.time.isoformat().replace("+00:00", "Z")
            console.print(
                f"  best of {len(value)} passes: {moment}, ISS over {best.lat:.1f}°, {best.lon:.1f}° at "
                f"{best.altitude_km:.0f} km, {best.power_gw:.1f} GW of aurora in view toward azimuth "
                f"{best.azimuth_deg:.0f}°",
                highlight=False,
            )
        elif name == "oval":
            print_oval_summary(value)
        elif name == "overhead":
            lines = value["lines"]
            console.print(
                f"  overhead Tromsø: Q = {value['energy_flux_erg']:.2f} erg cm⁻² s⁻¹, "
                f"⟨E⟩ = {value['mean_energy_kev']:.1f} keV → "
                + ", ".join(f"{key} nm {lines[key]['brightness_r'] / 1e3:.2f} kR" for key in ("557.7", "427.8", "630.0")),
                highlight=False,
            )
        status.start()

    console.print("[bold]norrsken demo[/]: the ISS over Europe on the night of 2017-01-18")
    try:
        summary = run_demo(out, on_step=step, on_result=result)
    finally:
        status.stop()
    table = Table(title=f"norrsken demo: {summary['iss']['time']}", show_header=False)
    for kind, path in summary["files"].items():
        table.add_row(kind, path)
    console.print(table, markup=False)
    console.print(
        f"done in {clock.perf_counter() - started:.0f} s; open {summary['files']['summary_md']}", highlight=False
    )
