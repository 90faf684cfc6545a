"""Batch rendering: the same frames serially and on dask, reruns that render only what is missing,
animations, and bad input met with one clear line.

Frames are small (96 x 96 all-sky, 160 x 90 from orbit) over Tromso on 2017-01-18 from 21:00 UTC
(dark, aurora overhead), so everything but the first render (numba kernels, emission tables) and
the start of the one two-worker LocalCluster of this module takes well under a second.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from norrsken import frames as timelapse
from norrsken import tasks
from norrsken.cli import app
from norrsken.color import CameraExposure
from norrsken.errors import NorrskenError
from norrsken.orbit import iss, states
from norrsken.render.camera import AllSkyCamera
from norrsken.times import series
from norrsken.video import encode_video

runner = CliRunner()

TROMSO = (69.65, 18.96)
START = "2017-01-18T21:00Z"
SIZE = 96
#: The ISS near the top of its orbit (51 N) over Poland, heading east, in the Earth's shadow.
ISS_TIME = "2017-01-18T23:59Z"


def run_cli(*args: str):
    return runner.invoke(app, list(args))


def minutes(count: int, start: str = START) -> np.ndarray:
    """``count`` times a minute apart from ``start``."""
    first = np.datetime64(start.rstrip("Z"), "ms")
    return series(start, str(first + np.timedelta64(count - 1, "m")) + "Z", "60s")


def sky_batch(out: Path, count: int = 6, seed: int = 0) -> list[timelapse.Frame]:
    # Noise-free frames: the video tests measure the codec's fidelity, which sensor grain would swamp.
    return timelapse.sky_frames(
        minutes(count), *TROMSO, out, camera=AllSkyCamera(SIZE, SIZE), exposure=CameraExposure(noise=False),
        structure="arcs", seed=seed,
    )


def digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.glob("*.png"))}


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """Six frames rendered in this process (workers=0): the reference (and the numba warm-up)."""
    out = tmp_path_factory.mktemp("serial")
    done = []
    with tasks.dask_client(workers=0) as client:
        assert client is None  # no dask at all
        report = timelapse.run(sky_batch(out), client, on_done=lambda path, rendered: done.append((path.name, rendered)))
    return out, report, done


@pytest.fixture(scope="module")
def cluster():
    """The module's one LocalCluster: two single-threaded worker processes."""
    with tasks.dask_client(workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def on_cluster(cluster, tmp_path_factory):
    """The six frames of ``serial`` rendered on the cluster."""
    out = tmp_path_factory.mktemp("cluster")
    return out, timelapse.run(sky_batch(out), cluster)


def differences(folder: Path, reference: Path) -> list[str]:
    """How each frame in ``folder`` differs from the one of its name in ``reference``: bytes, pixels
    and text chunks."""
    found = []
    for path in sorted(folder.glob("*.png")):
        if path.read_bytes() == (reference / path.name).read_bytes():
            continue
        with Image.open(reference / path.name) as a, Image.open(path) as b:
            delta = np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int))
            texts = sorted(key for key in a.text.keys() | b.text.keys() if a.text.get(key) != b.text.get(key))
        found.append(f"{path.name}: {np.count_nonzero(delta.any(axis=-1))} pixels differ by up to {delta.max()} "
                     f"levels; text chunks that differ: {texts}")
    return found


# --- the same frames serially and on dask ---------------------------------------------------------------


def test_serial_run_renders_every_frame(serial):
    out, report, done = serial
    names = [f"sky-20170118T210{minute}00Z.png" for minute in range(6)]
    assert [path.name for path in report.rendered] == names  # in order: one plain loop
    assert report.skipped == [] and report.workers == "in this process"
    assert sorted(done) == [(name, True) for name in names]
    assert sorted(path.name for path in out.iterdir()) == names
    first, last = pixels(out / names[0]), pixels(out / names[-1])
    assert first.shape == (SIZE, SIZE, 3) and first.max() > 50  # not a black frame
    assert not np.array_equal(first, last)  # the aurora moves within five minutes


@pytest.mark.slow
def test_two_workers_give_byte_identical_frames(serial, cluster, on_cluster):
    reference, _, _ = serial
    out, report = on_cluster
    assert len(report.rendered) == 6 and report.skipped == []
    assert report.workers.startswith("2 dask workers at tcp://")
    assert len(cluster.scheduler_info()["workers"]) == 2
    assert sorted(path.name for path in out.glob("*.png")) == sorted(path.name for path in reference.glob("*.png"))
    assert len(digests(reference)) == 6
    assert differences(out, reference) == []  # i.e. digests(out) == digests(reference), explained


@pytest.mark.slow
def test_nothing_to_do_on_a_rerun_on_the_cluster(cluster, on_cluster):
    out, first = on_cluster
    before = {path.name: path.stat().st_mtime_ns for path in out.glob("*.png")}
    done = []
    again = timelapse.run(sky_batch(out), cluster, on_done=lambda path, rendered: done.append(rendered))
    assert again.rendered == [] and sorted(again.skipped) == sorted(first.rendered)
    assert done == [False] * 6
    assert {path.name: path.stat().st_mtime_ns for path in out.glob("*.png")} == before


@pytest.mark.slow
def test_a_running_scheduler_by_address(cluster, on_cluster, tmp_path):
    """An existing cluster given by its scheduler address renders the same frames."""
    reference, _ = on_cluster
    address = cluster.scheduler.address
    with tasks.dask_client(scheduler=address) as client:
        report = timelapse.run(sky_batch(tmp_path, count=2), client)
        assert report.workers == f"2 dask workers at {address}"
    assert sorted(path.name for path in report.rendered) == ["sky-20170118T210000Z.png", "sky-20170118T210100Z.png"]
    assert len(digests(tmp_path)) == 2
    assert differences(tmp_path, reference) == []
    assert len(cluster.scheduler_info()["workers"]) == 2  # the cluster outlives the client


# --- reruns -----------------------------------------------------------------------------------------------


def _cli_command(out: Path, end: str, *extra: str) -> list[str]:
    return ["timelapse", "sky", "--start", START, "--end", end, "--step", "60s", "--size", f"{SIZE}x{SIZE}",
            "--workers", "0", "--noise", "off", "--out", str(out), "--json", *extra]


@pytest.mark.slow
@pytest.mark.usefixtures("serial")  # kernels and tables already in the session's cache dir for the child
def test_killed_run_resumes_with_only_the_missing_frames(tmp_path):
    count = 10
    end = "2017-01-18T21:09Z"
    out = tmp_path / "frames"
    command = [sys.executable, "-m", "norrsken.cli", *_cli_command(out, end)]
    # NORRSKEN_CACHE_DIR is inherited: the child loads the kernels and tables this session built.
    process = subprocess.Popen(command, env=dict(os.environ), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180.0
        while len(list(out.glob("sky-*.png"))) < 2:
            assert process.poll() is None, f"the run ended before it was killed: {process.stderr.read()!r}"
            assert time.monotonic() < deadline, "no frames after 180 s"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    before = {path.name: path.stat().st_mtime_ns for path in out.glob("sky-*.png")}
    assert 2 <= len(before) < count, f"the kill came too late to test a resume: {sorted(before)}"
    # What a kill in the middle of a write leaves (write_atomic's temporary file): the rerun removes it.
    (out / ".sky-20170118T210900Z.png-partial").write_bytes(b"\x89PNG half a frame")

    result = run_cli(*_cli_command(out, end))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    names = {f"sky-20170118T21{minute:02d}00Z.png" for minute in range(count)}
    assert summary["frames"] == count and summary["workers"] == "in this process"
    assert {Path(p).name for p in summary["skipped"]} == set(before)
    assert {Path(p).name for p in summary["rendered"]} == names - set(before)
    assert len(summary["rendered"]) + len(summary["skipped"]) == count
    assert {path.name: path.stat().st_mtime_ns for path in out.glob("sky-*.png") if path.name in before} == before
    assert sorted(path.name for path in out.iterdir()) == sorted(names)  # no .sky-*.png-* leftovers
    fingerprints = {timelapse.stored_fingerprint(out / name) for name in names}
    assert len(fingerprints) == count and None not in fingerprints  # whole frames, each of its own time
    assert {pixels(out / name).shape for name in names} == {(SIZE, SIZE, 3)}
    # Nothing is left to do now.
    again = json.loads(run_cli(*_cli_command(out, end)).stdout)
    assert again["rendered"] == [] and len(again["skipped"]) == count


def test_other_settings_render_every_frame_again(serial, tmp_path):
    reference, _, _ = serial
    for path in sorted(reference.iterdir())[:3]:
        shutil.copy2(path, tmp_path / path.name)
    same = timelapse.run(sky_batch(tmp_path, count=3))
    assert same.rendered == [] and len(same.skipped) == 3
    old = {path.name: timelapse.stored_fingerprint(path) for path in same.skipped}
    assert old == {frame.path.name: frame.fingerprint for frame in sky_batch(tmp_path, count=3)}

    frames = sky_batch(tmp_path, count=3, seed=1)
    report = timelapse.run(frames)
    assert sorted(report.rendered) == sorted(frame.path for frame in frames) and report.skipped == []
    for frame in frames:
        stored = timelapse.stored_fingerprint(frame.path)
        assert stored == frame.fingerprint and stored != old[frame.path.name]
    assert not np.array_equal(pixels(tmp_path / "sky-20170118T210000Z.png"), pixels(reference / "sky-20170118T210000Z.png"))
    # The new frames are now the ones on disk: a rerun with the new seed skips them all.
    again = timelapse.run(sky_batch(tmp_path, count=3, seed=1))
    assert again.rendered == [] and len(again.skipped) == 3


def test_stored_fingerprint_of_files_that_are_not_our_frames(tmp_path):
    assert timelapse.stored_fingerprint(tmp_path / "missing.png") is None
    (tmp_path / "text.png").write_text("not a picture")
    assert timelapse.stored_fingerprint(tmp_path / "text.png") is None
    Image.new("RGB", (4, 4)).save(tmp_path / "plain.png")  # a PNG without the key
    assert timelapse.stored_fingerprint(tmp_path / "plain.png") is None
    Image.new("RGB", (4, 4)).save(tmp_path / "frame.jpg", format="JPEG")
    assert timelapse.stored_fingerprint(tmp_path / "frame.jpg") is None
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text(timelapse.FINGERPRINT_KEY, "abc123")
    Image.new("RGB", (4, 4)).save(tmp_path / "ours.png", pnginfo=info)
    assert timelapse.stored_fingerprint(tmp_path / "ours.png") == "abc123"


def test_a_batch_writing_one_file_twice_is_refused(tmp_path):
    frames = sky_batch(tmp_path, count=2)
    with pytest.raises(NorrskenError, match="same file"):
        timelapse.run([frames[0], frames[0]])
    assert list(tmp_path.iterdir()) == []


# --- animations -------------------------------------------------------------------------------------------


def read_mp4(path: Path) -> tuple[dict, np.ndarray]:
    """Stream size, frame rate and codec, and the decoded frames of an MP4, by imageio-ffmpeg's
    packaged ffmpeg. Not iio.imread(path) or imageio_ffmpeg.read_frames: when ffmpeg has exited
    before they finish, they leave its pipes open (a ResourceWarning, an error in this suite)."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60,
    )
    log = result.stderr.decode(errors="replace")
    stream = re.search(r"Stream #0:0.*?: Video: (\w+).*?, (\d+)x(\d+)[, ].*?([\d.]+) fps", log)
    assert stream is not None, log
    codec, width, height, fps = stream[1], int(stream[2]), int(stream[3]), float(stream[4])
    assert len(result.stdout) % (width * height * 3) == 0
    video = np.frombuffer(result.stdout, dtype=np.uint8).reshape(-1, height, width, 3)
    return {"codec": codec, "size": (width, height), "fps": fps}, video


def write_frames(folder: Path, sizes: list[tuple[int, int]]) -> list[Path]:
    """Test cards: a grey level per frame and a red block, ``sizes`` as (width, height)."""
    paths = []
    for i, (width, height) in enumerate(sizes):
        image = np.full((height, width, 3), 40 + 50 * i, dtype=np.uint8)
        image[10:40, 10:60] = (220, 30, 30)
        paths.append(folder / f"card-{i}.png")
        Image.fromarray(image).save(paths[-1])
    return paths


def test_mp4_of_the_frames(serial, tmp_path):
    _, report, _ = serial
    frames = sorted(report.rendered)
    path = encode_video(frames, tmp_path / "sky.mp4", fps=10.0)
    assert path == tmp_path / "sky.mp4"
    meta, video = read_mp4(path)
    assert video.shape == (6, SIZE, SIZE, 3)
    assert meta["fps"] == pytest.approx(10.0) and meta["codec"] == "h264"
    # Lossy (star-speckled 96 px frames cost ~3 levels), but the pictures; the order is checked
    # on test cards below: consecutive sky frames are too alike to tell apart after compression.
    stills = np.stack([pixels(frame) for frame in frames]).astype(float)
    errors = np.abs(video.astype(float) - stills).mean(axis=(1, 2, 3))
    assert errors.max() < 5.0 < stills.mean()
    assert np.corrcoef(video[0].ravel(), stills[0].ravel())[0, 1] > 0.95


def test_gif_of_the_frames(serial, tmp_path):
    _, report, _ = serial
    frames = sorted(report.rendered)
    path = encode_video(frames, tmp_path / "sky.gif", fps=4.0)
    animation = iio.imread(path)
    assert animation.shape == (6, SIZE, SIZE, 3)
    meta = iio.immeta(path)
    assert meta["duration"] == 250 and meta["loop"] == 0
    stills = np.stack([pixels(frame) for frame in frames]).astype(float)
    assert np.abs(animation.astype(float) - stills).mean() < 6.0  # a 256-colour palette per frame


def test_odd_frames_are_padded_to_even_for_mp4(tmp_path):
    paths = write_frames(tmp_path, [(95, 95)] * 3)
    meta, video = read_mp4(encode_video(paths, tmp_path / "odd.mp4", fps=5.0))
    assert meta["size"] == (96, 96) and video.shape == (3, 96, 96, 3)
    for i, frame in enumerate(video.astype(int)):
        grey = 40 + 50 * i
        assert abs(np.median(frame[50:90, 50:90]) - grey) <= 4  # the picture at its place
        assert frame[20:30, 20:50, 0].mean() > 180 and frame[20:30, 20:50, 1].mean() < 80  # the red block
        assert frame[-1, :80].mean() < grey / 2 and frame[:80, -1].mean() < grey / 2  # black padding
    # A GIF keeps the odd size.
    assert iio.imread(encode_video(paths, tmp_path / "odd.gif")).shape == (3, 95, 95, 3)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_frames_of_different_sizes_are_refused(tmp_path, suffix):
    paths = write_frames(tmp_path, [(96, 96), (96, 96), (96, 98)])
    with pytest.raises(NorrskenError) as error:
        encode_video(paths, tmp_path / f"mixed{suffix}")
    assert "card-2.png" in str(error.value) and "96x98" in str(error.value) and "96x96" in str(error.value)


def test_a_refused_mp4_leaves_no_file(tmp_path):
    paths = write_frames(tmp_path, [(96, 96), (96, 98)])
    with pytest.raises(NorrskenError):
        encode_video(paths, tmp_path / "mixed.mp4")
    assert not (tmp_path / "mixed.mp4").exists()


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("sky.avi", {}, "must end in .mp4 or .gif"),
        ("sky", {}, "must end in .mp4 or .gif"),
        ("sky.mp4", {"fps": 0.0}, "fps must lie between 0.1 and 120, got 0"),
        ("sky.gif", {"fps": 500.0}, "fps must lie between 0.1 and 120, got 500"),
        ("missing/sky.mp4", {}, "does not exist"),
    ],
)
def test_bad_animation_settings(tmp_path, name, kwargs, message):
    paths = write_frames(tmp_path, [(32, 32)])
    with pytest.raises(NorrskenError, match=message) as error:
        encode_video(paths, tmp_path / name, **kwargs)
    assert "fps" in message or repr(str(tmp_path / name)) in str(error.value)  # names the file at fault
    assert not (tmp_path / name).exists()
    with pytest.raises(NorrskenError, match="no frames"):
        encode_video([], tmp_path / "empty.gif")


def test_cli_writes_the_animation(serial, tmp_path):
    """--video after the frames: the summary names it; the CLI's defaults make the API's pictures."""
    reference, _, _ = serial
    out = tmp_path / "frames"
    result = run_cli(*_cli_command(out, "2017-01-18T21:01Z", "--video", str(tmp_path / "sky.gif"), "--fps", "5"))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["video"] == str(tmp_path / "sky.gif") and summary["frames"] == 2
    assert len(summary["rendered"]) == 2 and summary["skipped"] == [] and summary["folder"] == str(out)
    assert iio.imread(tmp_path / "sky.gif").shape == (2, SIZE, SIZE, 3)
    for name in ["sky-20170118T210000Z.png", "sky-20170118T210100Z.png"]:
        assert np.array_equal(pixels(out / name), pixels(reference / name))


# --- bad input --------------------------------------------------------------------------------------------

ONE_FRAME = ["--start", START, "--end", START]
FIVE_MINUTES = ["--start", START, "--end", "2017-01-18T21:05Z"]
#: Small frames, no dask: should a check let bad input through, the test fails fast.
SMALL = {"sky": ["--size", "96x96", "--workers", "0"], "orbit": ["--size", "160x90", "--workers", "0"],
         "oval": ["--workers", "0"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sky", *ONE_FRAME, "--workers", "2", "--scheduler", "tcp://127.0.0.1:1", "--size", "96x96"],
         "give either a number of workers (a local cluster) or a scheduler address, not both"),
        (["oval", *ONE_FRAME, "--workers", "0", "--scheduler", "tcp://127.0.0.1:1"],
         "or a scheduler address, not both"),
        (["sky", *FIVE_MINUTES, "--step", "soon", *SMALL["sky"]],
         "--step must be a duration with its unit such as 60s, 5min, 1h or 1d, got 'soon'"),
        (["sky", *FIVE_MINUTES, "--step", "-5s", *SMALL["sky"]], "got '-5s'"),
        (["oval", *FIVE_MINUTES, "--step", "0s", *SMALL["oval"]], "--step must be a positive duration, got '0s'"),
        (["sky", "--start", "2017-01-18T22:00Z", "--end", START, *SMALL["sky"]],
         "the end (2017-01-18 21:00) lies before the start (2017-01-18 22:00)"),
        (["sky", "--start", "2017-06-21T12:00Z", "--end", "2017-06-21T12:02Z", *SMALL["sky"]],
         "the Sun is above -6 deg at 3 of the 3 times (2017-06-21T12:00:00Z to 2017-06-21T12:02:00Z): "
         "choose a dark window; pass --daylight-ok to render those skies as if it were night"),
        (["sky", *ONE_FRAME, "--video", "{dir}/sky.avi", *SMALL["sky"]],
         "animation file '{dir}/sky.avi' must end in .mp4 or .gif"),
        (["oval", *ONE_FRAME, "--video", "{dir}/none/oval.gif", *SMALL["oval"]],
         "folder of output file '{dir}/none/oval.gif' does not exist"),
        (["orbit", *ONE_FRAME, "--look", "sideways", *SMALL["orbit"]],
         "look must be one of forward, right, aft, left, north, east, south, west or an azimuth in degrees, "
         "got 'sideways'"),
        (["sky", *ONE_FRAME, "--workers", "-1", "--size", "96x96"],
         "--workers must be a whole number between 0 and 256, got -1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    args = [arg.replace("{dir}", str(tmp_path)) for arg in args]
    result = run_cli("timelapse", *args, "--out", str(tmp_path / "frames"))
    assert result.exit_code == 2, result.output
    assert message.replace("{dir}", str(tmp_path)) in result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]  # no frame, no animation


def test_unreachable_scheduler(tmp_path, monkeypatch):
    monkeypatch.setattr(tasks, "CONNECT_TIMEOUT_S", 2.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.perf_counter()
    result = run_cli("timelapse", "sky", "--start", START, "--end", START, "--size", "96x96",
                     "--scheduler", address, "--out", str(tmp_path / "frames"))
    assert time.perf_counter() - start < 15.0  # the timeout holds: no default 30 s wait
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: cannot reach the dask scheduler at '{address}'")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    with pytest.raises(NorrskenError, match="a scheduler address looks like tcp://host:8786, got 'nonsense'"):
        with tasks.dask_client(scheduler="nonsense"):
            pass


@pytest.mark.parametrize(
    ("workers", "message"),
    [
        (-1, "workers must be a whole number between 0 and 256, got -1"),
        (257, "workers must be a whole number between 0 and 256, got 257"),
        (2.5, "workers must be a whole number, got 2.5"),
        (True, "workers must be a whole number, got True"),
    ],
)
def test_bad_worker_counts(workers, message):
    with pytest.raises(NorrskenError, match=message):
        with tasks.dask_client(workers=workers):
            pass


@pytest.mark.parametrize("workers", [0, 1])
def test_workers_and_a_scheduler_together_are_refused(workers):
    with pytest.raises(NorrskenError, match="not both"):
        with tasks.dask_client(workers=workers, scheduler="tcp://127.0.0.1:1"):
            pass


# --- oval and orbit time-lapses ---------------------------------------------------------------------------


def test_oval_frames(tmp_path):
    times = series(START, "2017-01-18T22:00Z", "1h")
    frames = timelapse.oval_frames(times, tmp_path)
    report = timelapse.run(frames)
    names = ["oval-north-20170118T210000Z.png", "oval-north-20170118T220000Z.png"]
    assert [path.name for path in report.rendered] == names
    images = [pixels(tmp_path / name) for name in names]
    assert images[0].shape[0] > 300 and images[0].shape[1] > 300
    assert images[0].shape == images[1].shape
    assert np.count_nonzero((images[0] != images[1]).any(axis=-1)) > 100  # the oval turns under the Sun
    for name, time_ in zip(names, ["2017-01-18T21:00", "2017-01-18T22:00"], strict=True):
        with Image.open(tmp_path / name) as image:
            assert image.text["time"].startswith(time_)
    with pytest.raises(NorrskenError, match="hemisphere"):
        timelapse.oval_frames(times, tmp_path, hemisphere="east")


def _bearing_deg(lat1, lon1, lat2, lon2) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def angle_between(az1: float, az2: float) -> float:
    return abs((az1 - az2 + 180.0) % 360.0 - 180.0)


@pytest.mark.slow
def test_orbit_frames_look_along_the_ground_track(tmp_path):
    satellite = iss(ISS_TIME)
    times = series(ISS_TIME, ISS_TIME, "60s")
    frames = {
        look: timelapse.orbit_frames(satellite, times, tmp_path / look, look=look, width=160, height=90)[0]
        for look in ("forward", "left")
    }
    for look in frames:
        (tmp_path / look).mkdir()
    report = timelapse.run(list(frames.values()))
    assert len(report.rendered) == 2
    cameras = {}
    for look, frame in frames.items():
        with Image.open(frame.path) as image:
            assert image.size == (160, 90)
            cameras[look] = json.loads(image.text["camera"])
            assert image.text["satellite"] == satellite.name
    # The ground track from two positions a second apart, independent of batch's velocity rotation.
    moments = np.array([ISS_TIME.rstrip("Z")], dtype="datetime64[ms]") + np.array([0, 1000], dtype="timedelta64[ms]")
    state = states(satellite, moments)
    lat, lon = state["lat"].values, state["lon"].values
    assert 50.0 < lat[0] < 52.0 and lat[1] > lat[0]  # ascending, near the top of the orbit
    track = _bearing_deg(lat[0], lon[0], lat[1], lon[1])
    assert angle_between(track, 90.0) < 45.0  # heading roughly east
    forward = cameras["forward"]["azimuth_deg"]
    assert angle_between(forward, track) < 1.0
    assert angle_between(forward, 90.0) < 90.0
    assert angle_between(cameras["left"]["azimuth_deg"], forward - 90.0) < 2e-3  # each rounded to 0.001 deg
    assert cameras["left"]["elevation_deg"] == cameras["forward"]["elevation_deg"] < 0  # the limb framing
    # A fixed compass direction stays fixed.
    north = timelapse.orbit_frames(satellite, times, tmp_path, look="north", width=160, height=90)[0]
    assert north.settings["camera"]["azimuth_deg"] == 0.0
    with pytest.raises(NorrskenError, match="got 'up'"):
        timelapse.orbit_frames(satellite, times, tmp_path, look="up")


def test_the_fingerprint_hashes_effective_settings_not_how_they_were_asked_for(tmp_path):
    camera, exposure = AllSkyCamera(SIZE, SIZE), CameraExposure()
    times = minutes(1)
    implicit = timelapse.sky_frames(times, *TROMSO, tmp_path, camera=camera, exposure=exposure)[0]
    explicit = timelapse.sky_frames(times, *TROMSO, tmp_path, camera=camera, exposure=exposure, seed=0, structure="arcs")[0]
    other = timelapse.sky_frames(times, *TROMSO, tmp_path, camera=camera, exposure=exposure, seed=1)[0]
    assert implicit.fingerprint == explicit.fingerprint != other.fingerprint
    with pytest.raises(NorrskenError, match="unknown option 'sed' of sky()"):
        timelapse.sky_frames(times, *TROMSO, tmp_path, camera=camera, exposure=exposure, sed=1)


def test_sub_second_steps_keep_their_fractions_and_sort_in_time_order(tmp_path):
    times = series(START, "2017-01-18T21:00:04Z", "1.5s")
    frames = timelapse.oval_frames(times, tmp_path)
    names = [frame.path.name for frame in frames]
    assert names == [
        "oval-north-20170118T210000.000Z.png",
        "oval-north-20170118T210001.500Z.png",
        "oval-north-20170118T210003.000Z.png",
    ]
    assert names == sorted(names)
    assert [frame.time for frame in frames] == [
        "2017-01-18T21:00:00Z", "2017-01-18T21:00:01.500Z", "2017-01-18T21:00:03Z"
    ]


def test_leftovers_of_other_files_are_left_alone(serial, tmp_path):
    reference, _, _ = serial
    shutil.copytree(reference, tmp_path, dirs_exist_ok=True)
    ours = tmp_path / ".sky-20170118T210000Z.png-abc123"
    theirs = tmp_path / ".other-20170118T210000Z.png-abc123"
    ours.write_bytes(b"half")
    theirs.write_bytes(b"someone else's frame being written")
    timelapse.run(sky_batch(tmp_path))
    assert not ours.exists() and theirs.exists()


def test_a_refused_timelapse_writes_no_folder(tmp_path):
    out = tmp_path / "never"
    result = run_cli(
        "timelapse", "sky", "--start", "2017-06-21T12:00Z", "--end", "2017-06-21T12:02Z", "--workers", "0",
        "--out", str(out),
    )
    assert result.exit_code == 2 and "Sun is above" in result.stderr
    assert not out.exists()


def test_a_video_inside_the_new_frames_folder_is_accepted(tmp_path):
    out = tmp_path / "new"
    result = run_cli(
        "timelapse", "sky", "--start", START, "--end", "2017-01-18T21:01Z", "--size", "32x32", "--workers", "0",
        "--out", str(out), "--video", str(out / "night.gif"), "--json",
    )
    assert result.exit_code == 0, result.output
    assert (out / "night.gif").is_file() and len(list(out.glob("sky-*.png"))) == 2


PROBE = """
import os, sys
import numba  # imported by __main__ before any worker starts: workers re-import this script first
from norrsken import tasks


def threads():
    from norrsken.render.raymarch import threads
    return threads()


if __name__ == "__main__":
    before = os.environ.get("NUMBA_NUM_THREADS")
    with tasks.dask_client(workers=2, render_threads=1) as client:
        seen = [client.submit(threads, pure=False, key=f"probe-{i}").result() for i in range(2)]
    print(seen, before, os.environ.get("NUMBA_NUM_THREADS"))
"""


@pytest.mark.slow
def test_workers_get_their_ray_marching_threads_even_when_main_imports_numba(tmp_path):
    # The threads reach a worker through its starting environment: a worker imports the parent's
    # __main__ (here a script that imports numba) before anything else, and numba reads
    # NUMBA_NUM_THREADS once. This process's own setting is restored afterwards.
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_NUM_THREADS"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[1, 1] None None"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sky", "--kp", "12"], "Kp"),
        (["sky", "--structure", "foo"], "unknown structure 'foo'"),
        (["sky", "--seed", "-1"], "--seed must be a non-negative whole number, got -1"),
        (["oval", "--threshold", "-1"], "threshold must be a positive number"),
        (["oval", "--kp", "5", "--start", "2040-01-18T21:00Z", "--end", "2040-01-18T21:15Z"], "AACGM-v2"),
        (["sky", "--video", "{dir}/a.gif", "--fps", "0"], "fps must lie between 0.1 and 120, got 0"),
    ],
)
def test_settings_a_task_would_refuse_are_refused_before_any_work(args, message, tmp_path):
    window = [] if "--start" in args else ["--start", START, "--end", "2017-01-18T21:01Z"]
    args = [arg.replace("{dir}", str(tmp_path)) for arg in args]
    out = tmp_path / "frames"
    result = run_cli("timelapse", *args, *window, "--size" if args[0] == "sky" else "--step",
                     "32x32" if args[0] == "sky" else "15min", "--workers", "0", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
