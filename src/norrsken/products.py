"""Finished products written to a folder: the oval of a moment (map, edges, data) and the demo.

These assemble the chain's results into files and a plain-data summary, for the CLI and for
scripts alike; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

import xarray as xr

from . import checks, orbit, planner
from .drivers.kp import KP_OVERRIDE
from .emission.column import column
from .emission.column import summary as column_summary
from .errors import NorrskenError
from .geometry import Region
from .io import (
    boundary_feature,
    check_output_dir,
    prepare_output_dir,
    write_geojson,
    write_json,
    write_netcdf,
    write_png,
    write_text,
)
from .plots import plot
from .precipitation import edges, oval
from .precipitation.model import driver_attrs
from .precipitation.oval import DEFAULT_MODEL
from .precipitation.products import BOUNDARY_FLUX_ERG, oval_summary
from .times import TimeLike, to_utc


def stamp(time: dt.datetime) -> str:
    """The time of a product in its file names: 20170118T2100Z (seconds only when there are any)."""
    return f"{time:%Y%m%dT%H%M%SZ}" if time.second else f"{time:%Y%m%dT%H%MZ}"


def oval_products(
    time: TimeLike,
    out: str | os.PathLike,
    *,
    hemisphere: str = "north",
    threshold_erg: float = BOUNDARY_FLUX_ERG,
    model=None,
    indices=None,
    online: bool = False,
) -> tuple[xr.Dataset, dict]:
    """The oval of ``time`` as files in ``out``: the polar map of ``hemisphere``
    (``oval-<hemisphere>-<time>.png``), the edge and view line of both hemispheres
    (``oval-boundary-<time>.geojson``) and the global grid (``oval-<time>.nc``). A Kp or coupling
    given by hand marks the names (``-kp6``, ``-dphi5000``), so a what-if never replaces the real
    moment's files; a model other than the default adds its name (``-ovation``).

    Everything is computed (and so every input checked) before anything is written.

    Returns
    -------
    (xarray.Dataset, dict)
        The oval and its summary (:func:`~norrsken.precipitation.products.oval_summary` of the
        mapped hemisphere) with the written ``files``.
    """
    moment = to_utc(time)
    checks.hemisphere(hemisphere)
    check_output_dir(out)
    ds = oval(moment, model=model, indices=indices, online=online)
    both = edges(ds, threshold_erg)
    boundary, view = both[hemisphere]
    folder = prepare_output_dir(out)
    properties = {"time": ds.attrs["time"], **driver_attrs(ds.attrs), "model": ds.attrs["model"]}
    name = stamp(moment) + "".join(
        f"-{driver}{ds.attrs[driver]:g}"
        for driver in ("kp", "dphi")
        if str(ds.attrs.get(f"{driver}_source", "")).startswith(KP_OVERRIDE)
    )
    if ds.attrs["model_name"] != DEFAULT_MODEL:
        name += f"-{ds.attrs['model_name']}"
    features = [
        boundary_feature(b, {"name": f"equatorward edge of the auroral oval ({h})", **properties})
        for h, (b, _) in both.items()
    ] + [boundary_feature(v, {"name": f"view line: aurora low on the horizon ({h})", **properties}) for h, (_, v) in both.items()]
    files = {
        "map": plot(ds, folder / f"oval-{hemisphere}-{name}.png", hemisphere=hemisphere, boundary=boundary, view=view),
        "boundary": write_geojson(features, folder / f"oval-boundary-{name}.geojson"),
        "dataset": write_netcdf(ds, folder / f"oval-{name}.nc"),
    }
    return ds, {**oval_summary(ds, boundary), "files": {key: str(path) for key, path in files.items()}}


#: The demo's day and "over or near Europe": the sub-satellite box searched for its moment.
DEMO_DAY = ("2017-01-18T00:00Z", "2017-01-19T00:00Z")
EUROPE = Region(35.0, 72.0, -25.0, 45.0)
TROMSO = (69.65, 18.96)


def demo(
    out: str | os.PathLike,
    *,
    on_step: Callable[[int, int, str], None] | None = None,
    on_result: Callable[[str, object], None] | None = None,
) -> dict:
    """The seed scene: the ISS over Europe in the dark on 2017-01-18, the aurora above the cities.

    Scores the day's ISS orbit minute by minute for the best dark moment over Europe with the
    aurora in view, then writes to ``out``: the oval products of that moment, the column of light
    overhead Tromsø (plot), the crew's 24 mm view toward the aurora at 1920x1080, the all-sky view
    over Tromsø, and ``summary.json`` / ``summary.md``.

    Parameters
    ----------
    on_step
        Called with (step, steps, text) as each step starts.
    on_result
        Called with (name, value) as results arrive: ``"passes"`` (the ranked
        :class:`~norrsken.planner.Opportunity` list), ``"oval"`` (the oval summary),
        ``"overhead"`` (the Tromsø column summary).

    Returns
    -------
    dict
        The summary written to ``summary.json``, with every file under ``files``.
    """
    # The renderers (and colour-science, ~0.7 s to import) only here: `norrsken oval` needs none.
    from .render.camera import PinholeCamera
    from .render.orbital import DEFAULT_FOCAL_LENGTH_MM, limb_elevation, orbit_view
    from .render.orbital import summary as orbit_summary
    from .render.sky import sky
    from .render.sky import summary as sky_summary

    steps = 5

    def step(number: int, text: str) -> None:
        if on_step is not None:
            on_step(number, steps, text)

    def result(name: str, value: object) -> None:
        if on_result is not None:
            on_result(name, value)

    folder = prepare_output_dir(out)
    step(1, "searching the day for the ISS in the dark over Europe with the aurora in view")
    satellite = orbit.iss(DEMO_DAY[0])
    chances = planner.opportunities(satellite, *DEMO_DAY, step="60s", region=EUROPE)
    passes = planner.best_per_pass(chances)
    if not passes:
        raise NorrskenError("no dark ISS pass over Europe with the aurora in view on 2017-01-18")
    result("passes", passes)
    best = passes[0]
    moment = best.time
    name = stamp(moment)

    step(2, "the oval of that moment: map, edge, view line, data")
    ds, summary = oval_products(moment, folder)
    result("oval", summary)
    # The light overhead Tromsø: the oval's electrons at that spot through the emission physics.
    here = ds.sel(lat=TROMSO[0], lon=TROMSO[1], method="nearest")
    flux, mean = float(here["energy_flux_erg"]), float(here["mean_energy_kev"])
    overhead = column(moment, *TROMSO, mean, flux)
    summary["overhead_tromso"] = {
        "energy_flux_erg": flux,
        "mean_energy_kev": mean,
        "lines": column_summary(overhead)["lines"],
    }
    summary["files"]["column"] = str(plot(overhead, folder / f"column-tromso-{name}.png"))
    result("overhead", summary["overhead_tromso"])

    step(3, "the astronaut's view toward the aurora, 1920x1080 (the first run compiles the ray marcher)")
    camera = PinholeCamera(
        1920,
        1080,
        azimuth_deg=round(best.azimuth_deg),
        elevation_deg=limb_elevation(1920, 1080, DEFAULT_FOCAL_LENGTH_MM, best.altitude_km),
        focal_length_mm=DEFAULT_FOCAL_LENGTH_MM,
    )
    view = orbit_view(moment, best.lat, best.lon, best.altitude_km, camera=camera)
    iso = moment.isoformat().replace("+00:00", "Z")
    summary["files"]["iss"] = str(write_png(view["rgb"].values, folder / f"iss-{name}.png", {"Software": "norrsken", "time": iso}))
    summary["iss"] = {**orbit_summary(view), "power_in_view_gw": best.power_gw, "tle_epoch": satellite.epoch.isoformat()}

    step(4, "the same moment from Tromsø, all-sky")
    allsky = sky(moment, *TROMSO)
    summary["files"]["allsky"] = str(write_png(allsky["rgb"].values, folder / f"allsky-tromso-{name}.png", {"Software": "norrsken"}))
    summary["allsky_tromso"] = sky_summary(allsky)["brightest"]

    step(5, "summary")
    summary["files"]["summary_json"] = str(folder / "summary.json")
    summary["files"]["summary_md"] = str(folder / "summary.md")
    write_json(summary, folder / "summary.json")
    write_text(folder / "summary.md", _demo_markdown(summary, best, passes))
    return summary


def _demo_markdown(summary: dict, best: planner.Opportunity, passes: list[planner.Opportunity]) -> str:
    """The demo's summary.md: the moment, the ISS, Kp, hemispheric power and the brightest lines."""
    iss = summary["iss"]

    def lines(brightest: dict) -> str:
        return "\n".join(
            f"| {key} | {line['max_r'] / 1e3:.1f} | {line['azimuth_deg']:.0f} | {line['elevation_deg']:.1f} |"
            for key, line in brightest.items()
        )

    header = "| line (nm) | brightest (kR) | azimuth (°) | elevation (°) |\n|---|---|---|---|\n"
    others = "\n".join(
        f"- {item.time:%H:%M} UTC over {item.lat:.1f}°, {item.lon:.1f}°: {item.power_gw:.1f} GW in view"
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
