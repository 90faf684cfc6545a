"""The options every command shares, written once, and the parsers of their text.

Conventions of every command: ``--start/--end/--step`` for a time series with ``--step`` a
duration (``30min``, ``60s``, ``1h``); ``--online/--offline`` for the live NOAA SWPC feeds, by
default online only for times the live products can cover (the last week to three days ahead);
``--kp/--f107/--f107a/--ap`` for the space-weather indices; ``--model`` for the oval model;
``--region LAT1,LAT2,LON1,LON2`` for a box (across the antimeridian: ``60,70,170,-170``).

The library is imported inside the commands, not here: ``norrsken --help`` and a bad flag answer
in a fraction of a second instead of after ~1.5 s of numpy, xarray, numba and matplotlib imports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEMO_TIME = "2017-01-18T21:00Z"
TROMSO = (69.65, 18.96)
MODEL_NAMES = ("zhang-paxton", "ovation", "auto")

#: Library parameters whose flag is not simply ``--`` + the name with dashes.
_FLAGS = {
    "step_minutes": "--step",
    "exposure_s": "--seconds",
    "focal_length_mm": "--focal-length",
    "fov_deg": "--fov",
    "azimuth_deg": "--az",
    "elevation_deg": "--el",
    "min_power_gw": "--min-score",
    "resolution_deg": "--resolution",
    "threshold_erg": "--threshold",
    "adaptive": "--exact",
    "preview": "--preview",
    "mean_energy_kev": "--mean-energy",
    "energy_flux_erg": "--flux",
    "altitude_km": "--altitude",
}


def flag_of(name: str) -> str:
    """The flag that sets a library parameter: ``kp`` -> ``--kp``, ``daylight_ok`` -> ``--daylight-ok``."""
    return _FLAGS.get(name, "--" + name.replace("_", "-"))


TimeOption = Annotated[str, typer.Option("--time", "-t", help="UTC time, ISO 8601 with offset, e.g. 2017-01-18T21:00Z.")]
StartOption = Annotated[str, typer.Option("--start", help="First time, UTC ISO 8601 with offset (or a date).")]
EndOption = Annotated[str, typer.Option("--end", help="Last time (included when it falls on a step).")]
StepOption = Annotated[str, typer.Option("--step", help="Time step, a duration: 60s, 30min, 1h, 1d.")]
OnlineOption = Annotated[
    bool | None,
    typer.Option(
        "--online/--offline",
        "--live",
        help="Ask NOAA SWPC first (Kp observed, then forecast; the solar wind now) or use only the embedded "
        "history. Default: online for a moment within a week before to three days after now, else offline; "
        "a series (many times) always runs offline.",
    ),
]
ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        help="Oval model: zhang-paxton (driven by Kp), ovation (OVATION Prime 2010, driven by the solar wind: "
        "embedded OMNI hours 2011-2025, or --dphi / --solar-wind), auto (OVATION where the solar wind is known, "
        "else zhang-paxton, saying so).",
    ),
]
DphiOption = Annotated[
    float | None,
    typer.Option("--dphi", help="Newell coupling dPhi/dt for OVATION, (km/s)^4/3 nT^2/3 (4421 is average), a what-if."),
]
SolarWindOption = Annotated[
    str | None,
    typer.Option("--solar-wind", help="Solar wind for OVATION, V,BY,BZ,N (km/s, nT GSM, nT GSM, cm^-3), e.g. 600,0,-10,8."),
]
KpOption = Annotated[
    float | None, typer.Option("--kp", help="Kp (0-9), a what-if; default: the embedded history (or SWPC online).")
]
F107Option = Annotated[
    float | None, typer.Option("--f107", help="F10.7 of the previous day, sfu; default: embedded history.")
]
F107aOption = Annotated[float | None, typer.Option("--f107a", help="81-day mean F10.7, sfu; default: embedded history.")]
ApOption = Annotated[float | None, typer.Option("--ap", help="Daily Ap; default: embedded history.")]
HemisphereOption = Annotated[str, typer.Option("--hemisphere", help="north or south.")]
ThresholdOption = Annotated[
    float, typer.Option("--threshold", help="Energy flux (erg cm-2 s-1) that defines the equatorward edge.")
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="LAT1,LAT2,LON1,LON2 in degrees, e.g. 50,72,-10,35 (across 180: 60,70,170,-170)."),
]
LatOption = Annotated[float, typer.Option("--lat", help="Observer latitude, degrees.")]
LonOption = Annotated[float, typer.Option("--lon", help="Observer longitude, degrees east.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
PlotOption = Annotated[Path | None, typer.Option("--plot", help="Write a plot (PNG).")]

CameraKindOption = Annotated[str, typer.Option("--camera", help="allsky (fisheye, north up, east left) or pinhole.")]
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
BackgroundOption = Annotated[
    bool, typer.Option("--background/--no-background", help="The sky's own light: airglow, starlight, moonlit and twilight sky.")
]
ExtinctionOption = Annotated[
    str,
    typer.Option(
        "--extinction", help="Site quality: excellent, good, average, hazy or none, or a V extinction in mag per air mass."
    ),
]
NoiseOption = Annotated[str, typer.Option("--noise", help="Camera photon and read noise: on or off (the eye has none).")]
VignettingOption = Annotated[bool, typer.Option("--vignetting", help="Darken the corners like a real lens.")]
LightPollutionOption = Annotated[
    bool, typer.Option("--light-pollution/--no-light-pollution", help="Sky glow of the towns around (GeoNames).")
]
StarsOption = Annotated[bool, typer.Option("--stars/--no-stars", help="Stars and the Moon.")]
GridOption = Annotated[bool, typer.Option("--grid", help="Draw an altitude/azimuth grid.")]
ExactOption = Annotated[bool, typer.Option("--exact", help="Trace every pixel (no adaptive interpolation).")]
PreviewOption = Annotated[
    bool,
    typer.Option("--preview", help="A fast approximate picture (coarser field and steps, half the pixels traced)."),
]
DaylightOption = Annotated[
    bool, typer.Option("--daylight-ok", help="Render even with the Sun above -6 deg, as if it were night.")
]

TleOption = Annotated[Path | None, typer.Option("--tle", help="A TLE file (2- or 3-line sets) instead of the ISS.")]
NameOption = Annotated[str | None, typer.Option("--name", help="Satellite in a --tle file holding several.")]
StaleTleOption = Annotated[
    bool,
    typer.Option("--allow-stale-tle", help="Use a --tle element set even more than 60 days from the times asked for."),
]
CitiesOption = Annotated[bool, typer.Option("--cities/--no-cities", help="City lights.")]
OrbitFocalOption = Annotated[float, typer.Option("--focal-length", help="Lens focal length, mm (full frame).")]
OrbitIsoOption = Annotated[float, typer.Option("--iso", help="Camera ISO speed.")]
OrbitFNumberOption = Annotated[float, typer.Option("--f-number", help="Camera f-number.")]
OrbitSecondsOption = Annotated[float, typer.Option("--seconds", help="Exposure time, s.")]

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


def indices(
    kp: float | None = None,
    f107: float | None = None,
    f107a: float | None = None,
    ap: float | None = None,
    dphi: float | None = None,
    solar_wind: str | None = None,
):
    """The :class:`~norrsken.drivers.kp.Indices` of the index and solar-wind flags."""
    from ..drivers.kp import Indices

    return Indices(kp=kp, f107=f107, f107a=f107a, ap=ap, dphi=dphi, solar_wind=solar_wind)


def online_for(online: bool | None, start: str, end: str | None = None) -> bool:
    """``--online/--offline`` as given, or by default whether the live products can cover the time."""
    if online is not None:
        return online
    from ..drivers.swpc import within_reach

    return within_reach(start, end)


def refuse_online_for_series(online: bool | None) -> None:
    """A series (frames, a cube, a climatology) runs on the embedded history or the index flags."""
    if online:
        from ..errors import NorrskenError

        raise NorrskenError("--online is for one moment; a series uses the embedded history or --kp")


def day_or_time(text: str, which: str) -> str:
    """A plain date as the start of that day (``start``) or its last second (``end``), UTC."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return text  # a time: to_utc checks it
    return f"{day.isoformat()}T00:00:00Z" if which == "start" else f"{day.isoformat()}T23:59:59Z"


def region(text: str | None):
    """``--region`` as a :class:`~norrsken.geometry.Region` (None when not given)."""
    from ..geometry import Region

    return None if text is None else Region.parse(text)


def target(text: str) -> tuple[float, float]:
    """``--target LAT,LON``."""
    from ..errors import NorrskenError

    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise NorrskenError(f"--target must look like LAT,LON in degrees, e.g. 62.5,15, got {text!r}") from None
    return lat, lon


def ground_camera(camera: str, az, el, fov, focal_length, size: str | None, default_sizes=("1024x1024", "1920x1080")):
    """The camera of a ground view from the options (default size by kind: all-sky, pinhole)."""
    from ..render.camera import make_camera, parse_size

    width, height = parse_size(size or (default_sizes[0] if camera == "allsky" else default_sizes[1]))
    return make_camera(camera, width, height, azimuth_deg=az, elevation_deg=el, fov_deg=fov, focal_length_mm=focal_length)


def ground_exposure(exposure: str, iso, f_number, seconds, noise: str = "on", vignetting: bool = False):
    """A camera exposure (ISO 3200, f/2.8, 8 s unless set; noise on) or the dark-adapted eye."""
    from .. import checks
    from ..color import CameraExposure, EyeExposure
    from ..errors import NorrskenError

    checks.choice("exposure", exposure, ("camera", "eye"))
    checks.choice("noise", noise, ("on", "off"))
    settings = {"iso": iso, "f_number": f_number, "exposure_s": seconds}
    if exposure == "eye":
        if any(value is not None for value in settings.values()) or vignetting:
            raise NorrskenError("--iso, --f-number, --seconds and --vignetting set a camera; drop them or use --exposure camera")
        return EyeExposure()
    chosen = {key: value for key, value in settings.items() if value is not None}
    return CameraExposure(**chosen, noise=noise == "on", vignetting=vignetting)


def site_quality(text: str) -> str | float:
    """``--extinction``: a site name, or a number (V extinction, mag per air mass)."""
    try:
        return float(text)
    except ValueError:
        return text


def satellite(tle: Path | None, name: str | None, start: str, end: str | None = None, allow_stale: bool = False):
    """The element set for ``start`` (to ``end``): the packaged ISS sets, or those of ``--tle`` (one
    satellite), refused more than 60 days from the window unless ``allow_stale``. The packaged sets
    are used at any time, with a warning far from their epochs: they are all there is offline."""
    from .. import orbit
    from ..errors import NorrskenError

    if tle is None:
        if name is not None:
            raise NorrskenError("--name picks a satellite from a --tle file; without --tle the ISS is used")
        if allow_stale:
            raise NorrskenError("--allow-stale-tle is for a --tle file; the packaged ISS sets are always used")
        return orbit.iss(start)
    chosen = orbit.select(orbit.load_tles(tle), start, name=name, source=repr(str(tle)))
    orbit.check_epoch(chosen, start, end, allow_stale=allow_stale)
    return chosen
