"""``norrsken timelapse sky|orbit|oval``: frames of a time series on dask workers, and an animation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import console, friendly, timelapse_app
from .options import (
    TROMSO,
    AirglowOption,
    ApOption,
    AzOption,
    BackgroundOption,
    CameraKindOption,
    CitiesOption,
    DaylightOption,
    ElOption,
    EndOption,
    ExactOption,
    ExposureOption,
    F107aOption,
    F107Option,
    FNumberOption,
    FocalLengthOption,
    FovOption,
    FpsOption,
    FramesOutOption,
    GridOption,
    HemisphereOption,
    IsoOption,
    JsonOption,
    KpOption,
    LatOption,
    LonOption,
    ModelOption,
    NameOption,
    NoiseOption,
    OnlineOption,
    OrbitFNumberOption,
    OrbitFocalOption,
    OrbitIsoOption,
    OrbitSecondsOption,
    SchedulerOption,
    SecondsOption,
    SeedOption,
    StaleTleOption,
    StarsOption,
    StartOption,
    StepOption,
    StructureOption,
    ThresholdOption,
    TleOption,
    VideoOption,
    WorkersOption,
    ground_camera,
    ground_exposure,
    indices,
    refuse_online_for_series,
    satellite,
)
from .output import dask_session, print_json, progress


def _run_frames(build, workers, scheduler, out: Path, video: Path | None, fps: float, as_json: bool) -> None:
    """Check the outputs, build the frames (``build(out)``), render them on dask with a progress
    bar, then animate; the report says what was rendered and what was already there."""
    from .. import frames as frames_module
    from ..io import check_output_dir, prepare_output_dir
    from ..tasks import check_workers, describe
    from ..video import check_video_path, encode_video

    # Every input checked before anything is written or started.
    frames = build(out)
    check_workers(workers, scheduler)
    if video is not None:
        video = check_video_path(video, new_folder=out, fps=fps)
    check_output_dir(out)
    stack, client = dask_session(workers, scheduler)  # a bad scheduler is refused before the folder is made
    with stack:
        out = prepare_output_dir(out)
        bar, task = progress(f"frames ({describe(client)})", len(frames), as_json)
        with bar:
            report = frames_module.run(frames, client, on_done=lambda path, rendered: bar.advance(task))
    result = {"frames": len(frames), **report.as_dict(), "folder": str(out)}
    if video is not None:
        with console.status(f"encoding {video}"):
            result["video"] = str(encode_video([frame.path for frame in frames], video, fps))
    if as_json:
        print_json(result)
        return
    console.print(
        f"{len(report.rendered)} frames rendered, {len(report.skipped)} already done ({report.workers}); "
        f"frames in {out}" + (f"; animation {result['video']}" if video is not None else ""),
        markup=False,
        highlight=False,
    )


@timelapse_app.command("sky")
@friendly
def timelapse_sky(
    start: StartOption,
    end: EndOption,
    step: StepOption = "60s",
    lat: LatOption = TROMSO[0],
    lon: LonOption = TROMSO[1],
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
    model: ModelOption = "zhang-paxton",
    structure: StructureOption = "arcs",
    seed: SeedOption = 0,
    exposure: ExposureOption = "camera",
    iso: IsoOption = None,
    f_number: FNumberOption = None,
    seconds: SecondsOption = None,
    noise: NoiseOption = "on",
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
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """The sky over a place from --start to --end: all-sky or pinhole frames, same seed in every frame."""
    from ..frames import sky_frames
    from ..times import series

    refuse_online_for_series(online)
    view = ground_camera(camera, az, el, fov, focal_length, size, ("512x512", "1280x720"))
    observer = ground_exposure(exposure, iso, f_number, seconds, noise)
    times = series(start, end, step)
    options = {
        "indices": indices(kp, f107, f107a, ap), "model": model, "structure": structure, "seed": seed,
        "airglow": airglow, "background": background, "stars": stars, "grid": grid, "adaptive": not exact,
    }

    def build(folder: Path):
        return sky_frames(times, lat, lon, folder, camera=view, exposure=observer, daylight_ok=daylight_ok, **options)

    _run_frames(build, workers, scheduler, out, video, fps, as_json)


@timelapse_app.command("orbit")
@friendly
def timelapse_orbit(
    start: StartOption,
    end: EndOption,
    step: StepOption = "60s",
    tle: TleOption = None,
    name: NameOption = None,
    allow_stale_tle: StaleTleOption = False,
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
    f107: F107Option = None,
    f107a: F107aOption = None,
    ap: ApOption = None,
    model: ModelOption = "zhang-paxton",
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
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """The view from the ISS (or a --tle satellite) from --start to --end, the camera fixed to the station."""
    from ..color import CameraExposure
    from ..frames import orbit_frames
    from ..render.camera import parse_size
    from ..times import series

    refuse_online_for_series(online)
    width, height = parse_size(size)
    chosen = satellite(tle, name, start, end, allow_stale=allow_stale_tle)
    times = series(start, end, step)
    exposure = CameraExposure(iso=iso, f_number=f_number, exposure_s=seconds)
    options = {
        "indices": indices(kp, f107, f107a, ap), "model": model, "structure": structure, "seed": seed,
        "cities": cities, "stars": stars, "airglow": airglow, "adaptive": not exact,
    }

    def build(folder: Path):
        return orbit_frames(
            chosen, times, folder, look=look, elevation_deg=el, width=width, height=height,
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
    model: ModelOption = "zhang-paxton",
    hemisphere: HemisphereOption = "north",
    threshold: ThresholdOption = 0.5,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    out: FramesOutOption = Path("norrsken-timelapse"),
    video: VideoOption = None,
    fps: FpsOption = 10.0,
    online: OnlineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Maps of the oval (energy flux, mean energy, edge, view line) from --start to --end."""
    from ..frames import oval_frames
    from ..times import series

    refuse_online_for_series(online)
    times = series(start, end, step)

    def build(folder: Path):
        return oval_frames(times, folder, indices=indices(kp), model=model, hemisphere=hemisphere, threshold_erg=threshold)

    _run_frames(build, workers, scheduler, out, video, fps, as_json)
