"""How results look in a terminal (rich), and the one way a command prints JSON.

Text that comes from outside (satellite names from a TLE file, feed labels) is printed as plain
text, never as rich markup.
"""

from __future__ import annotations

import json

from rich import box
from rich.markup import escape
from rich.table import Table

from .app import console, err_console


def print_json(result: dict) -> None:
    """One strict JSON object on stdout (NaN refused: missing values are None)."""
    print(json.dumps(result, allow_nan=False))


def print_files(files: dict, width: int = 7) -> None:
    for kind, path in files.items():
        console.print(f"  wrote {kind:<{width}} {path}", markup=False, highlight=False)


def print_brightest_and_files(result: dict) -> None:
    """The brightest 427.8, 557.7 and 630.0 nm light of a picture and where it is, then its files."""
    table = Table(title="brightest in view")
    for name in ("line (nm)", "brightness (kR)", "azimuth (°)", "elevation (°)"):
        table.add_column(name, justify="right")
    for key, line in result["brightest"].items():
        table.add_row(key, f"{line['max_r'] / 1e3:.2f}", f"{line['azimuth_deg']:.1f}", f"{line['elevation_deg']:.1f}")
    console.print(table)
    print_files(result["files"])


def _degrees(value: float | None, suffix: str = "°") -> str:
    return "not found" if value is None else f"{value:.1f}{suffix}"


def print_oval_summary(summary: dict) -> None:
    from ..precipitation.model import describe_drivers  # lazy: see cli/options.py

    table = Table(title=f"Auroral oval {summary['time']} ({summary['hemisphere']})", show_header=False)
    table.add_row("Model", summary["model_name"])
    table.add_row("Driven by", describe_drivers(summary))
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
    print_files(summary["files"], width=9)


def print_conditions_now(now: dict) -> None:
    """The solar wind and OVATION at the time of asking, stale ones marked."""
    if now.get("offline"):
        return
    wind, ovation = now["solar_wind"], now["ovation"]
    if "error" in wind:
        console.print(f"solar wind now: unavailable ({wind['error']})", markup=False, highlight=False)
    else:
        flag = "[bold red]STALE[/] " if wind["stale"] else ""
        console.print(
            f"solar wind now: {flag}Bz {wind['bz_gsm_nt']} nT, {wind['speed_km_s']} km/s, {wind['density_cm3']} cm⁻³ "
            f"at {wind['time']}",
            highlight=False,
        )
    if "error" in ovation:
        console.print(f"OVATION now: unavailable ({ovation['error']})", markup=False, highlight=False)
    else:
        flag = "[bold red]STALE[/] " if ovation["stale"] else ""
        console.print(
            f"OVATION now: {flag}{ovation['probability_percent']:.0f} % chance of visible aurora here "
            f"(forecast for {ovation['forecast_time']})",
            highlight=False,
        )


def print_nowcast(result: dict) -> None:
    wind = result["solar_wind"]
    flag = "[bold red]STALE[/] " if wind["stale"] else ""
    console.print(
        f"[bold]{result['now']}[/] solar wind at L1 (newest hour, {flag}measured until {wind['observed']}): "
        f"{wind['speed_km_s']:.0f} km/s, {wind['density_cm3']:.1f} cm⁻³, By {wind['by_gsm_nt']:+.1f} nT, "
        f"Bz {wind['bz_gsm_nt']:+.1f} nT; reaches Earth in {wind['lag_min']:.0f} min, at {wind['arrival']}",
        highlight=False,
    )
    table = Table(title="OVATION Prime 2010", box=box.SIMPLE_HEAD, padding=(0, 1))
    for name in ("UTC", "dPhi/dt", "power N (GW)", "power S (GW)", "edge at midnight"):
        table.add_column(name, justify="left" if name == "UTC" else "right")
    for row in result["ovals"]:
        edge = "–" if row["boundary_midnight_mlat"] is None else f"{row['boundary_midnight_mlat']:.1f}° MLAT"
        table.add_row(
            row["time"][11:16], f"{row['dphi']:.0f}", f"{row['hemispheric_power_north_gw']:.1f}",
            f"{row['hemispheric_power_south_gw']:.1f}", edge,
        )
    console.print(table)
    console.print(f"source: {wind['source']}", markup=False, highlight=False)
    if "place" in result:
        place = result["place"]
        console.print(
            f"at {place['lat']:.2f}°, {place['lon']:.2f}°: probability of visible aurora {place['probability_percent']:.0f} % "
            "(approximate SWPC conversion)",
            highlight=False,
        )
        print_forecast(place["forecast"])


def print_forecast(result: dict) -> None:
    from ..precipitation.model import DRIVER_LABELS  # lazy: see cli/options.py

    driver = next(name for name in DRIVER_LABELS if name in result["steps"][0])
    table = Table(
        title=f"Aurora from {result['lat']:.2f}°, {result['lon']:.2f}° (brightest seen, kR)",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for name in ("UTC", DRIVER_LABELS[driver][0], "Sun", "Moon", "557.7", "630.0", "az/el", "verdict"):
        table.add_column(name, justify="left" if name in ("UTC", "verdict") else "right", no_wrap=True)
    for row in result["steps"]:
        where = "–" if row["azimuth_deg"] is None else f"{row['azimuth_deg']:.0f}°/{row['elevation_deg']:.0f}°"
        moon = f"{row['moon_elevation_deg']:.0f}° {100 * row['moon_illumination']:.0f}%"
        style = {"daylight": "dim", "not visible": "", "camera only": "cyan"}.get(row["verdict"], "bold green")
        table.add_row(
            row["time"][8:16].replace("T", " "),
            "–" if row[driver] is None else DRIVER_LABELS[driver][1].format(row[driver]),
            f"{row['sun_elevation_deg']:.0f}°",
            moon,
            f"{row['green_r'] / 1e3:.2f}",
            f"{row['red_r'] / 1e3:.2f}",
            where,
            f"[{style}]{row['verdict']}[/]" if style else row["verdict"],
        )
    console.print(table)
    for name in DRIVER_LABELS:
        sources = sorted({row[f"{name}_source"] for row in result["steps"] if f"{name}_source" in row})
        if sources:
            console.print(f"{DRIVER_LABELS[name][0]} from: {'; '.join(sources)}", markup=False, highlight=False)
    console.print(f"atmosphere: {result['atmosphere']}", markup=False, highlight=False)
    sky = result["sky"]
    console.print(
        f"sky without aurora: {sky['zenith_mag_arcsec2']:.2f} mag/arcsec² at the zenith (Bortle {sky['bortle']}, "
        f"{sky['sky_quality']}); the thresholds rise with it",
        markup=False,
        highlight=False,
    )
    print_conditions_now(result["now"])
    if all(row["verdict"] == "daylight" for row in result["steps"]):
        console.print(
            "the Sun stays above -6° here for the whole window (daylight or bright twilight): no aurora can be "
            "seen; try another date or a later --end",
            highlight=False,
        )
    else:
        console.print(f"best: {result['best']['time']} — {result['best']['verdict']}", highlight=False)
    print_files(result.get("files", {}))


def print_passes(result: dict, found: list) -> None:
    table = Table(title=escape(f"{result['satellite']}: aurora photo opportunities, {result['start']} to {result['end']}"))
    for name in ("#", "best (UTC)", "in the dark", "over", "aurora in view", "point to", "Moon"):
        table.add_column(name, justify="right" if name == "#" else "left")
    for rank, item in enumerate(found, start=1):
        table.add_row(
            str(rank),
            f"{item.time:%Y-%m-%d %H:%M:%S}",
            f"{item.pass_start:%H:%M}-{item.pass_end:%H:%M}",
            f"{item.lat:.1f}°, {item.lon:.1f}°",
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


def print_orbit_summary(result: dict) -> None:
    from ..precipitation.model import describe_drivers  # lazy: see cli/options.py

    sat = result["satellite"]
    light = "in the Earth's shadow" if sat["in_shadow"] else "in sunlight (the day side will be overexposed)"
    console.print(
        f"[bold]{result['time']}[/] {escape(sat['name'])} over {result['lat']:.2f}°, {result['lon']:.2f}° at "
        f"{result['altitude_km']:.0f} km, {light} (Sun {sat['sun_above_limb_deg']:+.1f}° from the limb); "
        f"{escape(describe_drivers(result))}; limb {result['limb_depression_deg']:.1f}° below "
        "the horizontal",
        highlight=False,
    )
    print_brightest_and_files(result)


def progress(description: str, total: int, as_json: bool):
    """A rich progress bar on stderr (hidden for --json output), and its task."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=err_console, disable=as_json,
    )
    return bar, bar.add_task(description, total=total)


def dask_session(workers: int | None, scheduler: str | None):
    """Start (or connect to) the dask workers under a status line: (an ExitStack that closes
    them, the client or None)."""
    import contextlib

    from ..tasks import dask_client

    stack = contextlib.ExitStack()
    with console.status("starting dask workers" if workers != 0 or scheduler else "preparing"):
        client = stack.enter_context(dask_client(workers=workers, scheduler=scheduler))
    return stack, client
