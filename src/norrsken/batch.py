"""Many frames, many times: the chain mapped over dask.distributed.

A batch is a list of :class:`Frame` jobs. Each is one deterministic, independent task (same
settings, same seed, same picture) that a dask worker runs and that returns the finished PNG as
bytes; this process writes each file the moment its task finishes (atomically, so a crash leaves
no half-written frame), and every PNG carries a fingerprint of what made it. A rerun therefore
renders only the frames that are missing or were made with other settings.

Workers: a :class:`distributed.LocalCluster` of single-threaded worker processes by default (each
renders one frame at a time; the ray marcher's own threads share the cores between workers), an
existing cluster given by its scheduler address, or ``workers=0`` for a plain loop in this process.
Each worker reads the emission tables and compiled kernels from the user cache dir; warm-up tasks,
one per distinct table and all finished before the frames start, build each table once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import inspect
import io
import json
import logging
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from .cache import write_atomic
from .errors import NorrskenError
from .times import iso_utc, time_unit

log = logging.getLogger(__name__)

#: PNG text key holding the fingerprint of the settings that made a frame.
FINGERPRINT_KEY = "norrsken-frame"
#: How long to wait for an existing scheduler to answer, s.
CONNECT_TIMEOUT_S = 10.0

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
        from . import __version__

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
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.text.get(FINGERPRINT_KEY) if image.format == "PNG" else None
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def check_workers(workers: int | None, scheduler: str | None) -> None:
    """Refuse a worker count outside 0-256, or workers together with a scheduler address."""
    if scheduler is not None and workers is not None:
        raise NorrskenError("give either a number of workers (a local cluster) or a scheduler address, not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= 256):
        raise NorrskenError(f"workers must be a whole number from 0 to 256, got {workers!r}")


@contextlib.contextmanager
def dask_client(
    workers: int | None = None, scheduler: str | None = None, *, render_threads: int | None = None
) -> Iterator[object | None]:
    """A dask client for a batch, closed (and its LocalCluster shut down) on exit.

    Parameters
    ----------
    workers
        Worker processes of a new LocalCluster (default: one per core); 0 runs every task in this
        process, no dask at all.
    scheduler
        Address of a running dask scheduler (``tcp://host:8786``) instead of a LocalCluster.
    render_threads
        Ray-marching threads of each local worker (``NUMBA_NUM_THREADS``); default: the cores
        shared out between the workers, at least one each.

    Yields
    ------
    distributed.Client or None
        None for ``workers=0``.
    """
    check_workers(workers, scheduler)
    if scheduler is None and workers == 0:
        yield None
        return
    import dask
    from distributed import Client

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise NorrskenError(f"cannot reach the dask scheduler at {scheduler!r}: {exc}") from None
        with client:
            yield client
        return
    cores = os.cpu_count() or 1
    count = cores if workers is None else workers
    threads = max(1, cores // count) if render_threads is None else render_threads
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 1024:
        raise NorrskenError(f"render_threads must be a whole number from 1 to 1024, got {render_threads!r}")
    # The ray marcher's threads must be in a worker's environment when it starts: a worker imports
    # the parent's __main__ (a script such as `norrsken`, which imports numba) before it applies
    # its own settings, and numba reads NUMBA_NUM_THREADS once. Workers inherit the variable (and
    # the nanny writes it into this process's environment), so it is set here and restored after.
    # dask's MALLOC_TRIM_THRESHOLD_ is left unset: it switches off glibc's adaptive mmap threshold,
    # and every large array is then mapped and zeroed afresh.
    saved = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = str(threads)
    try:
        with dask.config.set(
            {
                "distributed.nanny.pre-spawn-environ.NUMBA_NUM_THREADS": str(threads),
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
            }
        ):
            cluster = _local_cluster(count)
    finally:
        if saved is None:
            os.environ.pop("NUMBA_NUM_THREADS", None)
        else:
            os.environ["NUMBA_NUM_THREADS"] = saved
    with cluster, Client(cluster) as client:
        yield client


def _local_cluster(count: int):
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=count,
        threads_per_worker=1,
        processes=True,
        # The scheduler's HTTP server (dashboard with bokeh) on a free port: its default, 8787, may be
        # taken by another cluster, which only warns.
        dashboard_address=":0",
        # A failing task's error reaches the user once, through the client, as one line.
        silence_logs=logging.CRITICAL,
    )


def describe(client) -> str:
    """'in this process', or the cluster's workers and threads."""
    if client is None:
        return "in this process"
    info = client.scheduler_info()["workers"]
    return f"{len(info)} dask workers at {client.scheduler.address}"


def _warm(key: tuple) -> None:
    """Build (or load) a cache entry on a worker before the frames that need it."""
    kind, *args = key
    if kind == "emission-table":
        from .emission.table import emission_table

        time, lat, lon, indices = args
        emission_table(time, lat, lon, **dict(indices))
    else:
        raise NorrskenError(f"unknown cache entry {kind!r}")


def _render(frame: Frame, fingerprint: str) -> bytes:
    """Run one frame's renderer and return the PNG file's bytes (fingerprint included)."""
    from PIL import Image, PngImagePlugin

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


def as_finished(
    client, function: Callable, calls: Sequence[tuple], keys: Sequence[str] | None = None
) -> Iterator[tuple[int, object]]:
    """``function(*args)`` for each ``args`` of ``calls``, as dask tasks on ``client``'s workers (or
    here, in order, when ``client`` is None); yields (index of the call, result) as each finishes.

    If the caller's loop raises (or a task fails), the tasks not yet finished are cancelled.
    ``keys`` names the tasks (unique, readable on a dashboard); default: dask's own.
    """
    if client is None:
        for index, args in enumerate(calls):
            yield index, function(*args)
        return
    from distributed import as_completed

    futures = {
        client.submit(function, *args, key=None if keys is None else keys[index], pure=False): index
        for index, args in enumerate(calls)
    }
    try:
        for future in as_completed(futures):
            result = future.result()
            future.release()
            yield futures[future], result
    except BaseException:
        client.cancel(list(futures))
        raise


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
        A ``distributed.Client`` (see :func:`dask_client`) or None to render in this process.
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


def _effective(function: Callable, options: dict, given_apart: tuple[str, ...]) -> dict:
    """``options`` with the keyword defaults of ``function`` filled in, so that a fingerprint hashes
    what a frame is made with, however it was asked for; unknown options are refused here, not in a
    worker. ``given_apart`` are keywords passed separately (camera, exposure...)."""
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in given_apart
    }
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise NorrskenError(f"unknown option {unknown[0]!r} of {function.__name__}(): use {', '.join(defaults)}")
    return {**defaults, **options}


def _table_key(time: str, lat: float, lon: float, indices: dict) -> tuple:
    """The warm-up key of the emission table a frame centred at (lat, lon) uses at ``time``."""
    from .emission.table import table_inputs

    inputs = table_inputs(time, lat, lon, **indices)
    rounded = {key: inputs[key] for key in ("f107", "f107a", "ap")}
    return ("emission-table", inputs["time"], inputs["lat"], inputs["lon"], tuple(sorted(rounded.items())))


def check_times(times: np.ndarray, kp: float | None, place: tuple | None = None, indices: dict | None = None) -> None:
    """One clear error before any task, not one per task: the first and last of ``times`` within
    the magnetic coordinates' years and the Kp history (or ``kp`` valid), and, with ``place``
    ((lat, lon), scalars or one per time), the atmosphere of its tables available: ``indices`` as
    the renderer passes them, or by default the history's (its last day's beyond it, as the
    forecast, the climatology and the oval cube take them)."""
    from .drivers import kp as kp_driver
    from .emission.table import table_inputs
    from .geomag import check_date
    from .times import to_utc

    if times.size == 0:
        raise NorrskenError("no times: the end lies before the first step")
    for i in (0, -1):
        moment = to_utc(times[i])
        check_date(moment)
        kp_driver.kp_at(moment, kp)
        if place is not None:
            lat, lon = (np.atleast_1d(value)[i] for value in place)
            table_inputs(moment, lat, lon, **(kp_driver.atmosphere_indices(moment) if indices is None else indices))


def _sky_frame(lat: float, lon: float, time: str, options: dict) -> tuple[np.ndarray, dict]:
    from .render.sky import sky

    ds = sky(lat, lon, time, **options)
    keys = ("time", "lat", "lon", "kp", "kp_source", "camera", "exposure", "structure", "seed")
    return ds["rgb"].values, {key: ds.attrs[key] for key in keys}


def sky_frames(
    lat: float,
    lon: float,
    times: np.ndarray,
    out: Path,
    *,
    camera,
    exposure,
    daylight_ok: bool = False,
    **options,
) -> list[Frame]:
    """The frames of a ground time-lapse: :func:`norrsken.render.sky.sky` at each of ``times``.

    ``options`` are further keywords of ``sky()`` (kp, f107, f107a, ap, structure, seed, airglow,
    background, stars, grid, adaptive). Frames go to ``out/sky-<time>.png``.

    Raises
    ------
    NorrskenError
        If the Sun stands above -6 deg at any of the times (unless ``daylight_ok``): the frames
        would show daylight as if it were night.
    """
    from .color import describe_exposure
    from .ephemeris import sky_bodies
    from .geomag import check_place
    from .render.sky import SUN_LIMIT_DEG, sky

    from .field import check_structure

    options = _effective(sky, options, ("camera", "exposure", "daylight_ok", "altitude_km"))
    check_structure(options["structure"], options["seed"])
    lat, lon, _ = check_place(lat, lon, 0.0, (0.0, 0.0), "a ground time-lapse")
    indices = {key: options[key] for key in ("f107", "f107a", "ap")}
    check_times(times, options["kp"], (lat, lon), indices)
    sun = np.atleast_1d(sky_bodies(times, lat, lon).sun_elevation_deg)
    if not daylight_ok and (sun > SUN_LIMIT_DEG).any():
        bright = times[sun > SUN_LIMIT_DEG]
        raise NorrskenError(
            f"the Sun is above {SUN_LIMIT_DEG:g} deg at {bright.size} of the {times.size} times "
            f"({iso_utc(bright[0])} to {iso_utc(bright[-1])}): choose a dark window, or pass daylight_ok "
            "(--daylight-ok) to render those skies as if it were night"
        )
    settings = {
        "kind": "sky",
        "lat": lat,
        "lon": lon,
        "camera": camera.describe(),
        "exposure": describe_exposure(exposure),
        "daylight_ok": daylight_ok,
        **options,
    }
    call = {"camera": camera, "exposure": exposure, "daylight_ok": daylight_ok, **options}
    return [
        Frame(
            path=out / f"sky-{stamp}.png",
            time=iso_utc(time),
            settings=settings,
            render=_sky_frame,
            args=(lat, lon, iso_utc(time), call),
            warm=_table_key(iso_utc(time), lat, lon, indices),
        )
        for time, stamp in zip(times, _stamps(times), strict=True)
    ]


#: Camera directions of an orbital time-lapse relative to the ground track (degrees clockwise).
TRACK_LOOKS = {"forward": 0.0, "right": 90.0, "aft": 180.0, "left": 270.0}


def _orbit_frame(lat: float, lon: float, alt: float, time: str, options: dict, extra: dict) -> tuple[np.ndarray, dict]:
    from .render.orbital import orbit_view

    ds = orbit_view(time, lat, lon, alt, **options)
    keys = ("time", "lat", "lon", "altitude_km", "kp", "kp_source", "camera", "exposure")
    return ds["rgb"].values, {**extra, **{key: ds.attrs[key] for key in keys}}


def orbit_frames(
    satellite,
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
        Further keywords of ``orbit_view()`` (kp, structure, seed, airglow, cities, stars, adaptive).
    """
    from . import orbit
    from .color import describe_exposure
    from .render.camera import PinholeCamera
    from .render.orbital import DEFAULT_EXPOSURE, DEFAULT_FOCAL_LENGTH_MM, limb_elevation, orbit_view

    from .field import check_structure

    options = _effective(orbit_view, options, ("camera", "exposure"))
    check_structure(options["structure"], options["seed"])
    indices = {key: options[key] for key in ("f107", "f107a", "ap")}

    focal = DEFAULT_FOCAL_LENGTH_MM if focal_length_mm is None else focal_length_mm
    exposure = DEFAULT_EXPOSURE if exposure is None else exposure
    compass = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}
    if isinstance(look, str) and look in TRACK_LOOKS:
        offset, fixed = TRACK_LOOKS[look], None
    else:
        try:
            offset, fixed = None, compass[look] if look in compass else float(look)
        except (TypeError, ValueError):
            names = ", ".join([*TRACK_LOOKS, *compass])
            raise NorrskenError(f"look must be one of {names} or an azimuth in degrees, got {look!r}") from None
    state = orbit.states(satellite, times)
    lat, lon, alt = (np.atleast_1d(state[key].values) for key in ("lat_deg", "lon_deg", "altitude_km"))
    check_times(times, options["kp"], (lat, lon), indices)
    velocity = np.atleast_2d(state["velocity_ecef_km_s"].values)
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    east = -np.sin(lon_r) * velocity[:, 0] + np.cos(lon_r) * velocity[:, 1]
    north = (
        -np.sin(lat_r) * np.cos(lon_r) * velocity[:, 0]
        - np.sin(lat_r) * np.sin(lon_r) * velocity[:, 1]
        + np.cos(lat_r) * velocity[:, 2]
    )
    track = np.degrees(np.arctan2(east, north))
    azimuth = (track + offset) % 360.0 if fixed is None else np.full(times.size, fixed % 360.0)
    base = {
        "kind": "orbit",
        "satellite": satellite.name,
        "tle_epoch": satellite.epoch.isoformat(),
        "look": look,
        "exposure": describe_exposure(exposure),
        **options,
    }
    extra = {"satellite": satellite.name}
    frames = []
    for i, (time, stamp) in enumerate(zip(times, _stamps(times), strict=True)):
        el = limb_elevation(width, height, focal, float(alt[i])) if elevation_deg is None else elevation_deg
        camera = PinholeCamera(width, height, azimuth_deg=round(float(azimuth[i]), 3), elevation_deg=el, focal_length_mm=focal)
        place = (round(float(lat[i]), 5), round(float(lon[i]), 5), round(float(alt[i]), 4))
        call = {"camera": camera, "exposure": exposure, **options}
        frames.append(
            Frame(
                path=out / f"orbit-{stamp}.png",
                time=iso_utc(time),
                settings={**base, "position": place, "camera": camera.describe()},
                render=_orbit_frame,
                args=(*place, iso_utc(time), call, extra),
                warm=_table_key(iso_utc(time), place[0], place[1], indices),
            )
        )
    return frames


def _oval_frame(time: str, kp: float | None, hemisphere: str, threshold_erg: float) -> tuple[np.ndarray, dict]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .precipitation import oval, zhang_paxton
    from .render.maps import oval_figure

    ds = oval(time, kp=kp)
    boundary, view = zhang_paxton.edges(ds, threshold_erg, (hemisphere,))[hemisphere]
    canvas = FigureCanvasAgg(oval_figure(ds, boundary, view=view))
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    return rgb, {key: ds.attrs[key] for key in ("time", "kp", "kp_source", "model")}


def oval_frames(
    times: np.ndarray, out: Path, *, kp: float | None = None, hemisphere: str = "north", threshold_erg: float = 0.5
) -> list[Frame]:
    """The frames of an oval time-lapse: the polar map of :func:`norrsken.render.maps.oval_figure`
    (energy flux and mean energy, edge and view line) at each of ``times``."""
    from .geomag import hemisphere_sign

    hemisphere_sign(hemisphere)
    if not (isinstance(threshold_erg, int | float) and math.isfinite(threshold_erg) and threshold_erg > 0):
        raise NorrskenError(f"the edge's energy flux threshold must be a positive number, got {threshold_erg!r}")
    check_times(times, kp)
    settings = {"kind": "oval", "kp": kp, "hemisphere": hemisphere, "threshold_erg": threshold_erg}
    return [
        Frame(
            path=out / f"oval-{hemisphere}-{stamp}.png",
            time=iso_utc(time),
            settings=settings,
            render=_oval_frame,
            args=(iso_utc(time), kp, hemisphere, threshold_erg),
        )
        for time, stamp in zip(times, _stamps(times), strict=True)
    ]


#: Animation formats and their file suffixes.
VIDEO_SUFFIXES = (".mp4", ".gif")


def check_video_path(path: str | os.PathLike, new_folder: Path | None = None, fps: float = 10.0) -> Path:
    """Check, before any work, that an animation at ``fps`` frames per second can be written to
    ``path`` (.mp4 or .gif); ``new_folder`` is a folder about to be created (the frames'), which
    may hold it."""
    from .io import check_output_file

    if not (isinstance(fps, int | float) and 0.1 <= fps <= 120.0):
        raise NorrskenError(f"fps must lie between 0.1 and 120, got {fps:g}")
    path = Path(path)
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise NorrskenError(f"animation file {str(path)!r} must end in {' or '.join(VIDEO_SUFFIXES)}")
    if new_folder is not None and path.parent.resolve() == Path(new_folder).resolve() and not path.parent.exists():
        return path
    return check_output_file(path, path.suffix.lower())


def encode_video(frames: Sequence[Path], path: str | os.PathLike, fps: float = 10.0) -> Path:
    """Join PNG frames (all the same size) into an H.264 MP4 (imageio-ffmpeg's packaged ffmpeg)
    or a looping GIF (imageio with Pillow), in the given order.

    An MP4 needs even dimensions (yuv420p): odd frames gain one black row or column.
    """
    import imageio.v3 as iio

    path = check_video_path(path, fps=fps)
    if not frames:
        raise NorrskenError("no frames to animate")
    from PIL import Image

    sizes = []
    for frame in frames:  # every size first (headers only), so a bad frame writes nothing
        try:
            with Image.open(frame) as image:
                sizes.append(image.size)
        except OSError as exc:
            raise NorrskenError(f"cannot read frame {str(frame)!r}: {exc}") from None
    width, height = sizes[0]
    for frame, size in zip(frames, sizes, strict=True):
        if size != (width, height):
            raise NorrskenError(f"frame {str(frame)!r} is {size[0]}x{size[1]}, not {width}x{height} like the "
                                "first: frames of one animation must match")

    def images() -> Iterator[np.ndarray]:
        for frame in frames:
            yield iio.imread(frame)[..., :3]

    if path.suffix.lower() == ".gif":
        stack = np.stack(list(images()))
        write_atomic(path, lambda fh: iio.imwrite(fh, stack, extension=".gif", duration=1000.0 / fps, loop=0))
        return path
    import imageio_ffmpeg

    even = (width + width % 2, height + height % 2)
    # ffmpeg writes a file by name: a private temporary one, renamed when complete.
    tmp = path.with_name(f".{path.name}-partial.mp4")
    writer = imageio_ffmpeg.write_frames(
        str(tmp), even, fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=8, macro_block_size=1
    )
    writer.send(None)
    try:
        for image in images():
            padded = np.zeros((even[1], even[0], 3), dtype=np.uint8)
            padded[:height, :width] = image
            writer.send(padded.tobytes())
        writer.close()
        os.replace(tmp, path)
    except BaseException:
        writer.close()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


#: Lines that compete for "brightest line" in an oval cube (the 1PG band is not a line).
CUBE_LINES = ("391.4", "427.8", "470.9", "557.7", "630.0", "636.4", "777.4", "844.6")


def oval_step(time: str, kp: float | None = None, resolution_deg: float = 0.5) -> xr.Dataset:
    """One time of an oval cube: Q and E0 of the Zhang & Paxton (2008) oval and the column
    brightness of its brightest line, on (time, lat, lon).

    The column brightness uses one column table per hemisphere and time: the atmosphere over that
    hemisphere's peak energy flux (NRLMSIS differs by up to ~15 % in green per unit flux between
    places and seasons, so away from the peak the radiance is good to that).
    """
    from .drivers import kp as kp_driver
    from .emission.table import column_table
    from .precipitation import oval

    ds = oval(time, kp=kp, resolution_deg=resolution_deg)
    flux, mean = ds["energy_flux_erg"].values, ds["mean_energy_kev"].values
    lat = ds["lat"].values
    brightest = np.zeros(flux.shape, dtype=np.float32)
    which = np.full(flux.shape, np.nan, dtype=np.float32)
    for sign in (1.0, -1.0):
        rows = sign * lat > 0
        part = np.where(rows[:, None], flux, 0.0)
        if not (part > 0).any():
            continue
        peak = np.unravel_index(np.argmax(part), part.shape)
        table = column_table(
            time, float(lat[peak[0]]), float(ds["lon"].values[peak[1]]), **kp_driver.atmosphere_indices(time)
        )
        lit = part > 0
        radiance, _ = table.at(mean[lit], flux[lit], CUBE_LINES)
        best = np.argmax(radiance, axis=0)
        brightest[lit] = radiance[best, np.arange(best.size)]
        which[lit] = np.array([float(key) for key in CUBE_LINES], dtype=np.float32)[best]
    stamp = np.datetime64(ds.attrs["time"].rstrip("Z"), "ns")
    out = xr.Dataset(
        {
            "energy_flux_erg": ds["energy_flux_erg"].astype(np.float32),
            "mean_energy_kev": ds["mean_energy_kev"].astype(np.float32),
            "brightest_line_r": (
                ("lat", "lon"),
                brightest,
                {"units": "R", "long_name": "column brightness of the brightest auroral line (overhead)"},
            ),
            "brightest_line_nm": (
                ("lat", "lon"),
                which,
                {"units": "nm", "long_name": "air wavelength of the brightest line (NaN: no precipitation)"},
            ),
            "kp": ((), float(ds.attrs["kp"]), {"units": "", "long_name": "planetary Kp"}),
        },
        coords={"lat": ds["lat"], "lon": ds["lon"]},
    )
    return out.expand_dims(time=[stamp])


def _cube_attrs(kp: float | None, resolution_deg: float, step_s: float) -> dict:
    return {
        "title": "norrsken auroral oval cube",
        "model": "Zhang & Paxton (2008) oval; column brightness from Fang et al. (2010) ionization and "
        "NRLMSIS 2.1 (norrsken.emission), one atmosphere per hemisphere and time",
        "kp_source": "override" if kp is not None else "embedded CelesTrak history",
        "resolution_deg": float(resolution_deg),
        "step_s": float(step_s),
    }


#: Largest oval cube kept in memory for a NetCDF file, bytes (Zarr cubes are streamed).
MAX_NETCDF_BYTES = 4 * 2**30


def check_oval_series(
    times: np.ndarray, path: str | os.PathLike, *, kp: float | None = None, resolution_deg: float = 0.5
) -> Path:
    """Check an oval cube's inputs before any work (and before starting workers); return the path."""
    from .io import check_dataset_path
    from .precipitation.zhang_paxton import grid_axes

    path = check_dataset_path(path)
    lat, lon = grid_axes(resolution_deg)
    check_times(times, kp, (65.0, 0.0))
    if time_unit(times) == "ms":
        raise NorrskenError("an oval cube's times must fall on whole seconds: use a step of whole seconds")
    if path.suffix.lower() != ".zarr" and times.size * lat.size * lon.size * 4 * 4 > MAX_NETCDF_BYTES:
        raise NorrskenError(f"a cube of {times.size} times is too large for one NetCDF file in memory: write .zarr")
    return path


def oval_series(
    times: np.ndarray,
    path: str | os.PathLike,
    *,
    kp: float | None = None,
    resolution_deg: float = 0.5,
    client=None,
    on_done: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the oval cube (time, lat, lon) of ``times`` to NetCDF (``.nc``) or Zarr (``.zarr``).

    Each time is one task; a Zarr store grows in time order as the tasks finish (the finished
    prefix is on disk if the run stops), a NetCDF file is written at the end.
    """
    from .io import write_dataset, write_zarr

    path = check_oval_series(times, path, kp=kp, resolution_deg=resolution_deg)
    zarr = path.suffix.lower() == ".zarr"
    step_s = float((times[1] - times[0]) / np.timedelta64(1, "s")) if times.size > 1 else 0.0
    attrs = _cube_attrs(kp, resolution_deg, step_s)
    stamps = [iso_utc(time) for time in times]
    done: dict[int, xr.Dataset] = {}
    written = 0

    def finished(index: int, step: xr.Dataset) -> None:
        nonlocal written
        done[index] = step
        if zarr:
            while written in done:
                piece = done.pop(written).assign_attrs(attrs)
                write_zarr(piece, path, append_dim=None if written == 0 else "time")
                written += 1
        if on_done is not None:
            on_done(len(done) + written if zarr else len(done), len(stamps))

    for index, step in as_finished(client, oval_step, [(stamp, kp, resolution_deg) for stamp in stamps]):
        finished(index, step)
    if not zarr:
        write_dataset(xr.concat([done[i] for i in range(len(stamps))], dim="time").assign_attrs(attrs), path)
    return path
