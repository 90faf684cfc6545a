"""Time-lapse frames: many pictures as independent tasks, written as they finish, resumed after a crash.

A batch is a list of :class:`Frame` jobs. Each is one deterministic, independent task (same
settings, same seed, same picture) that a dask worker runs (:mod:`norrsken.tasks`) and that
returns the finished PNG as bytes; this process writes each file the moment its task finishes
(atomically, so a crash leaves no half-written frame), and every PNG carries a fingerprint of what
made it. A rerun therefore renders only the frames that are missing or were made with other
settings. Each worker reads the emission tables and compiled kernels from the user cache dir;
warm-up tasks, one per distinct table and all finished before the frames start, build each table
once.

The builders make the frames of a time-lapse of the sky from the ground (:func:`sky_frames`), of
the view from a satellite (:func:`orbit_frames`) and of the oval's polar map (:func:`oval_frames`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import inspect
import io
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from . import checks, orbit
from .cache import write_atomic
from .color import describe_exposure
from .drivers.kp import Indices
from .emission.table import check_times, emission_table, table_inputs
from .ephemeris import sky_bodies
from .errors import NorrskenError
from .field import check_structure
from .geometry import heading_deg
from .plots import figure
from .precipitation.model import OvalModel
from .precipitation.oval import get_model, oval
from .render.camera import PinholeCamera
from .render.orbital import DEFAULT_EXPOSURE, DEFAULT_FOCAL_LENGTH_MM, limb_elevation, orbit_view
from .render.sky import SUN_LIMIT_DEG, sky
from .tasks import as_finished, describe
from .times import iso_utc, time_unit
from .version import __version__

#: PNG text key holding the fingerprint of the settings that made a frame.
FINGERPRINT_KEY = "norrsken-frame"
#: Camera directions of an orbital time-lapse relative to the ground track (degrees clockwise).
TRACK_LOOKS = {"forward": 0.0, "right": 90.0, "aft": 180.0, "left": 270.0}
#: Fixed camera directions of an orbital time-lapse (degrees from north).
COMPASS_LOOKS = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}

# One render at a time per worker process: a worker started with several threads would otherwise
# run several frames at once, each with its own ray-marching threads, on the same cores.
_RENDER_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Frame:
    """One picture of a batch: ``render(*args)`` returns (rgb uint8 array, PNG metadata) and the
    PNG goes to ``path``. ``settings`` (plain JSON data) is everything that decides the picture;
    with the time it makes the fingerprint. ``warm`` names a cache entry the frame needs (see
    :func:`run`)."""

    path: Path
    time: str
    settings: dict
    render: Callable[..., tuple[np.ndarray, dict]]
    args: tuple
    warm: tuple | None = None

    @property
    def fingerprint(self) -> str:
        text = json.dumps({"time": self.time, "settings": self.settings, "version": __version__}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclasses.dataclass
class Report:
    """What a run did: frames rendered now, frames found already done, and the worker setup."""

    rendered: list[Path]
    skipped: list[Path]
    workers: str

    def as_dict(self) -> dict:
        return {
            "rendered": [str(p) for p in self.rendered],
            "skipped": [str(p) for p in self.skipped],
            "workers": self.workers,
        }


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint in an existing frame, or None (no file, not a PNG of ours, unreadable)."""
    try:
        with Image.open(path) as image:
            return image.text.get(FINGERPRINT_KEY) if isinstance(image, PngImagePlugin.PngImageFile) else None
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def _warm(key: tuple) -> None:
    """Build (or load) a cache entry on a worker before the frames that need it."""
    kind, *args = key
    if kind == "emission-table":
        time, lat, lon, indices = args
        emission_table(time, lat, lon, indices=dict(indices))
    else:
        raise NorrskenError(f"unknown cache entry {kind!r}")


def _render(frame: Frame, fingerprint: str) -> bytes:
    """Run one frame's renderer and return the PNG file's bytes (fingerprint included)."""
    with _RENDER_LOCK:
        rgb, metadata = frame.render(*frame.args)
    info = PngImagePlugin.PngInfo()
    for key, value in {"Software": "norrsken", **metadata, FINGERPRINT_KEY: fingerprint}.items():
        info.add_text(key, value if isinstance(value, str) else json.dumps(value))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, lambda fh: fh.write(data))
    except OSError as exc:
        raise NorrskenError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def _remove_leftovers(paths: Sequence[Path]) -> None:
    """Delete the temporary files a killed run left behind for these frames (``.name-xxxx`` from
    write_atomic); other files in the folders are left alone."""
    for path in paths:
        for leftover in path.parent.glob(f".{path.name}-*"):
            with contextlib.suppress(OSError):
                leftover.unlink()


def run(
    frames: Sequence[Frame],
    client=None,
    *,
    on_done: Callable[[Path, bool], None] | None = None,
) -> Report:
    """Render the frames that are not already on disk, writing each as its task finishes.

    Parameters
    ----------
    frames
        The jobs; their paths must be distinct.
    client
        A ``distributed.Client`` (see :func:`norrsken.tasks.dask_client`) or None to render in
        this process.
    on_done
        Called with (path, rendered) for every frame, skipped ones first: a progress bar's hook.

    Returns
    -------
    Report

    Raises
    ------
    NorrskenError
        From the first frame that fails; the frames finished until then stay on disk.
    """
    paths = [frame.path for frame in frames]
    if len(set(paths)) != len(paths):
        raise NorrskenError("two frames of a batch would write the same file")
    _remove_leftovers(paths)
    todo, skipped = [], []
    for frame in frames:
        fingerprint = frame.fingerprint
        if stored_fingerprint(frame.path) == fingerprint:
            skipped.append(frame.path)
            if on_done is not None:
                on_done(frame.path, False)
        else:
            todo.append((frame, fingerprint))
    rendered: list[Path] = []

    def finished(frame: Frame, data: bytes) -> None:
        _write(frame.path, data)
        rendered.append(frame.path)
        if on_done is not None:
            on_done(frame.path, True)

    if client is not None:
        # The tables first, all at once, then the frames. Not as the frames' dependencies: dask
        # would then run every frame of one table on the worker that built it (data locality)
        # while the others idle. (In this process the first frame that needs a table builds it.)
        warm = list(dict.fromkeys(frame.warm for frame, _ in todo if frame.warm is not None))
        for _ in as_finished(client, _warm, [(key,) for key in warm], [f"norrsken-warm-{_hash(key)}" for key in warm]):
            pass
    keys = [f"norrsken-frame-{fingerprint}" for _, fingerprint in todo]
    for index, data in as_finished(client, _render, todo, keys):
        finished(todo[index][0], data)
    return Report(rendered, skipped, describe(client))


def _hash(key: tuple) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _stamps(times: np.ndarray) -> list[str]:
    """File-name stamps of a series, one format for all so that names sort in time order:
    20170118T210000Z, or 20170118T210001.500Z for sub-second steps."""
    unit = time_unit(times)
    return [np.datetime_as_string(t, unit=unit).replace("-", "").replace(":", "") + "Z" for t in np.atleast_1d(times)]


def _effective(function: Callable, options: dict, given_apart: tuple[str, ...]) -> tuple[dict, dict]:
    """``options`` with the keyword defaults of ``function`` filled in, so that a fingerprint hashes
    what a frame is made with, however it was asked for; unknown options are refused here, not in a
    worker. ``given_apart`` are keywords passed separately (camera, exposure...) or not offered.

    Returns the options for the call (``indices`` as an Indices, ``model`` as an OvalModel) and
    the same as plain JSON data for the fingerprint (``indices`` as a dict, ``model`` by name).
    """
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in given_apart
    }
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise NorrskenError(f"unknown option {unknown[0]!r} of {function.__name__}(): use {', '.join(defaults)}")
    call = {**defaults, **options}
    check_structure(call["structure"], call["seed"])
    call["indices"], call["model"] = Indices.of(call["indices"]), get_model(call["model"])
    return call, {**call, "indices": call["indices"].as_dict(), "model": call["model"].name}


def _table_key(time: str, lat: float, lon: float, indices: Indices) -> tuple:
    """The warm-up key of the emission table a frame centred at (lat, lon) uses at ``time``."""
    inputs = table_inputs(time, lat, lon, indices=indices)
    rounded = {key: inputs[key] for key in ("f107", "f107a", "ap")}
    return ("emission-table", inputs["time"], inputs["lat"], inputs["lon"], tuple(sorted(rounded.items())))


def _drivers_metadata(attrs: dict, model: OvalModel) -> dict:
    """The oval model's drivers and their sources from a picture's attrs, for the PNG's text."""
    return {key: attrs[key] for name in model.needs for key in (name, f"{name}_source")}


#: Keywords of the renderers that frames do not offer: a frame is a pure function of its settings,
#: so its drivers come from the embedded history or ``indices``, never from a live feed.
_NOT_OFFERED = ("online",)


def _sky_frame(time: str, lat: float, lon: float, options: dict) -> tuple[np.ndarray, dict]:
    ds = sky(time, lat, lon, **options)
    keys = ("time", "lat", "lon", "camera", "exposure", "structure", "seed")
    return ds["rgb"].values, {
        **{key: ds.attrs[key] for key in keys},
        **_drivers_metadata(ds.attrs, options["model"]),
    }


def sky_frames(
    times: np.ndarray,
    lat: float,
    lon: float,
    out: Path,
    *,
    camera,
    exposure,
    daylight_ok: bool = False,
    **options,
) -> list[Frame]:
    """The frames of a ground time-lapse: :func:`norrsken.render.sky.sky` at each of ``times``.

    ``options`` are further keywords of ``sky()`` (indices, model, structure, seed, airglow,
    background, stars, horizon, cardinals, grid, adaptive). Frames go to ``out/sky-<time>.png``.

    Raises
    ------
    NorrskenError
        If the Sun stands above -6 deg at any of the times (unless ``daylight_ok``): the frames
        would show daylight as if it were night.
    """
    daylight_ok = checks.flag("daylight_ok", daylight_ok)
    call, plain = _effective(sky, options, ("camera", "exposure", "daylight_ok", "altitude_km", *_NOT_OFFERED))
    lat, lon, _ = checks.place(lat, lon, 0.0, (0.0, 0.0), "a ground time-lapse")
    check_times(times, model=call["model"], indices=call["indices"], place=(lat, lon))
    sun = np.atleast_1d(sky_bodies(times, lat, lon).sun_elevation_deg)
    if not daylight_ok and (sun > SUN_LIMIT_DEG).any():
        bright = times[sun > SUN_LIMIT_DEG]
        raise NorrskenError(
            f"the Sun is above {SUN_LIMIT_DEG:g} deg at {bright.size} of the {times.size} times "
            f"({iso_utc(bright[0])} to {iso_utc(bright[-1])}): choose a dark window",
            hint={"daylight_ok": "render those skies as if it were night"},
        )
    settings = {
        "kind": "sky",
        "lat": lat,
        "lon": lon,
        "camera": camera.describe(),
        "exposure": describe_exposure(exposure),
        "daylight_ok": daylight_ok,
        **plain,
    }
    call |= {"camera": camera, "exposure": exposure, "daylight_ok": daylight_ok}
    return [
        Frame(
            path=out / f"sky-{stamp}.png",
            time=iso_utc(time),
            settings=settings,
            render=_sky_frame,
            args=(iso_utc(time), lat, lon, call),
            warm=_table_key(iso_utc(time), lat, lon, call["indices"]),
        )
        for time, stamp in zip(times, _stamps(times), strict=True)
    ]


def _orbit_frame(time: str, lat: float, lon: float, alt: float, options: dict, extra: dict) -> tuple[np.ndarray, dict]:
    ds = orbit_view(time, lat, lon, alt, **options)
    keys = ("time", "lat", "lon", "altitude_km", "camera", "exposure")
    return ds["rgb"].values, {
        **extra,
        **{key: ds.attrs[key] for key in keys},
        **_drivers_metadata(ds.attrs, options["model"]),
    }


def _look(look: str | float) -> tuple[float | None, float | None]:
    """(offset from the ground track, None) or (None, fixed azimuth) of a ``look``, degrees."""
    if isinstance(look, str) and look in TRACK_LOOKS:
        return TRACK_LOOKS[look], None
    if isinstance(look, str) and look in COMPASS_LOOKS:
        return None, COMPASS_LOOKS[look]
    try:
        return None, checks.real("look", look if not isinstance(look, str) else float(look))
    except (NorrskenError, ValueError):
        names = ", ".join([*TRACK_LOOKS, *COMPASS_LOOKS])
        raise NorrskenError(
            f"look must be one of {names} or an azimuth in degrees, got {look!r}", parameter="look"
        ) from None


def orbit_frames(
    satellite: orbit.Satellite,
    times: np.ndarray,
    out: Path,
    *,
    look: str | float = "forward",
    elevation_deg: float | None = None,
    width: int = 1920,
    height: int = 1080,
    focal_length_mm: float | None = None,
    exposure=None,
    **options,
) -> list[Frame]:
    """The frames of a time-lapse from a satellite: :func:`norrsken.render.orbital.orbit_view` at
    each of ``times`` from where the satellite is then.

    Parameters
    ----------
    satellite
        Element set (:func:`norrsken.orbit.iss`, :func:`norrsken.orbit.load_tles`).
    look
        A camera fixed to the spacecraft, as on the ISS (which keeps its attitude to the ground
        track): ``forward``, ``right``, ``aft`` or ``left`` of the ground track; or a fixed azimuth
        in degrees from north (a compass direction such as ``north`` too).
    elevation_deg
        Elevation of the view centre; default: the limb two thirds of the way down.
    options
        Further keywords of ``orbit_view()`` (indices, model, structure, seed, airglow, cities,
        stars, adaptive).
    """
    call, plain = _effective(orbit_view, options, ("camera", "exposure", *_NOT_OFFERED))
    focal = DEFAULT_FOCAL_LENGTH_MM if focal_length_mm is None else focal_length_mm
    exposure = DEFAULT_EXPOSURE if exposure is None else exposure
    offset, fixed = _look(look)
    state = orbit.states(satellite, times)
    lat, lon, alt = (np.atleast_1d(state[key].values) for key in ("lat", "lon", "altitude_km"))
    check_times(times, model=call["model"], indices=call["indices"], place=(lat, lon))
    if fixed is None:
        track = heading_deg(lat, lon, np.atleast_2d(state["velocity_ecef_km_s"].values))
        azimuth = (track + offset) % 360.0
    else:
        azimuth = np.full(times.size, fixed % 360.0)
    base = {
        "kind": "orbit",
        "satellite": satellite.name,
        "tle_epoch": satellite.epoch.isoformat(),
        "look": look,
        "exposure": describe_exposure(exposure),
        **plain,
    }
    call["exposure"] = exposure
    extra = {"satellite": satellite.name}
    frames = []
    for i, (time, stamp) in enumerate(zip(times, _stamps(times), strict=True)):
        el = limb_elevation(width, height, focal, float(alt[i])) if elevation_deg is None else elevation_deg
        camera = PinholeCamera(
            width, height, azimuth_deg=round(float(azimuth[i]), 3), elevation_deg=el, focal_length_mm=focal
        )
        place = (round(float(lat[i]), 5), round(float(lon[i]), 5), round(float(alt[i]), 4))
        frames.append(
            Frame(
                path=out / f"orbit-{stamp}.png",
                time=iso_utc(time),
                settings={**base, "position": place, "camera": camera.describe()},
                render=_orbit_frame,
                args=(iso_utc(time), *place, {**call, "camera": camera}, extra),
                warm=_table_key(iso_utc(time), place[0], place[1], call["indices"]),
            )
        )
    return frames


def _oval_frame(
    time: str, indices: Indices, model: OvalModel, hemisphere: str, threshold_erg: float
) -> tuple[np.ndarray, dict]:
    ds = oval(time, model=model, indices=indices)
    canvas = FigureCanvasAgg(figure(ds, hemisphere=hemisphere, threshold_erg=threshold_erg))
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    return rgb, {"time": ds.attrs["time"], "model": ds.attrs["model"], **_drivers_metadata(ds.attrs, model)}


def oval_frames(
    times: np.ndarray,
    out: Path,
    *,
    indices=None,
    model: str | OvalModel | None = None,
    hemisphere: str = "north",
    threshold_erg: float = 0.5,
) -> list[Frame]:
    """The frames of an oval time-lapse: the polar map of :func:`norrsken.plots.figure`
    (energy flux and mean energy, edge and view line) at each of ``times``, of ``model`` (default
    Zhang & Paxton 2008) driven by its own sources or ``indices``."""
    checks.hemisphere(hemisphere)
    threshold_erg = checks.positive("threshold_erg", threshold_erg, "erg cm-2 s-1")
    indices, model = Indices.of(indices), get_model(model)
    check_times(times, model=model, indices=indices)
    settings = {
        "kind": "oval",
        "indices": indices.as_dict(),
        "model": model.name,
        "hemisphere": hemisphere,
        "threshold_erg": threshold_erg,
    }
    return [
        Frame(
            path=out / f"oval-{hemisphere}-{stamp}.png",
            time=iso_utc(time),
            settings=settings,
            render=_oval_frame,
            args=(iso_utc(time), indices, model, hemisphere, threshold_erg),
        )
        for time, stamp in zip(times, _stamps(times), strict=True)
    ]
