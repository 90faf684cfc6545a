"""Speed of a time-lapse on dask: 24 all-sky 512x512 frames over Tromso, one and two workers.

Run with ``python benchmarks/bench_batch.py``. Target (2 cores): two workers at least 1.6 times
as fast as one. The frames are 2017-01-18 21:00-21:23 UTC at one-minute steps (structure arcs,
defaults otherwise), rendered by a 1-worker and by a 2-worker LocalCluster into separate temporary
folders, and must come out byte for byte the same.

What is timed is rendering alone: the numba kernels and cached tables are built first in this
process (the cold start, printed), each cluster's start-up is timed apart, and every worker then
renders one small throw-away frame (kernels loaded, tables read) before the clock starts.
Everything is written to a temporary cache dir, so the user cache is left alone.

The speed-up compares like with like: one worker and two workers, each worker with one
ray-marching thread (one core per worker). For context a third run gives the single worker both
cores for its ray-marching threads (what ``tasks.dask_client`` does by default for one worker on
two cores: NUMBA_NUM_THREADS = cores // workers): frame-level parallelism (two workers) against
thread-level parallelism inside each frame.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from timing import median_seconds

TROMSO = (69.65, 18.96)
START, END = "2017-01-18T21:00Z", "2017-01-18T21:23Z"
SIZE = 512
TARGET_SPEEDUP = 1.6


def _warm_worker() -> str:
    """One small frame of the same scene, on a worker: kernels, tables and grids loaded."""
    from norrsken.color import CameraExposure
    from norrsken.render.camera import AllSkyCamera
    from norrsken.render.sky import sky

    sky(START, *TROMSO, camera=AllSkyCamera(64, 64), exposure=CameraExposure(), structure="arcs")
    return str(os.getpid())


def _frames(out: Path):
    from norrsken import frames
    from norrsken.color import CameraExposure
    from norrsken.render.camera import AllSkyCamera
    from norrsken.times import series

    times = series(START, END, "60s")
    return frames.sky_frames(times, *TROMSO, out, camera=AllSkyCamera(SIZE, SIZE), exposure=CameraExposure(),
                             structure="arcs")


def _run(workers: int, threads: int, out: Path) -> dict:
    """Start a cluster, warm every worker, render the batch; the times of each stage."""
    from norrsken import frames, tasks

    start = time.perf_counter()
    with tasks.dask_client(workers=workers, render_threads=threads) as client:
        started = time.perf_counter()
        addresses = list(client.scheduler_info()["workers"])
        # One throw-away frame pinned to each worker (tasks, so the workers' event loops stay free).
        warm = [client.submit(_warm_worker, workers=[address], allow_other_workers=False, pure=False)
                for address in addresses]
        pids = client.gather(warm)
        warmed = time.perf_counter()
        batch = _frames(out)
        report = frames.run(batch, client)
        rendered = time.perf_counter()
    closed = time.perf_counter()
    assert len(report.rendered) == len(batch) and not report.skipped, report
    assert len(set(pids)) == workers, pids  # every worker warmed, each its own process
    return {
        "startup": started - start,
        "warm": warmed - started,
        "render": rendered - warmed,
        "shutdown": closed - rendered,
        "frames": len(batch),
        "workers": report.workers,
    }


def _compare(a: Path, b: Path) -> tuple[int, list[str]]:
    """Number of frames identical byte for byte, and a line for each that is not."""
    from PIL import Image

    same, notes = 0, []
    for path in sorted(a.glob("*.png")):
        other = b / path.name
        if path.read_bytes() == other.read_bytes():
            same += 1
            continue
        with Image.open(path) as x, Image.open(other) as y:
            delta = np.abs(np.asarray(x, dtype=int) - np.asarray(y, dtype=int))
        notes.append(f"{path.name}: {np.count_nonzero(delta.any(axis=-1))} pixels differ, by up to {delta.max()}")
    return same, notes


def main() -> None:
    from norrsken.color import CameraExposure
    from norrsken.render.camera import AllSkyCamera
    from norrsken.render.sky import sky

    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the start")
    start = time.perf_counter()
    # Cold start in this process: numba kernels compiled and cached, emission table, AACGM grid,
    # star catalogue written to the cache dir for the workers to load.
    sky(START, *TROMSO, camera=AllSkyCamera(64, 64), exposure=CameraExposure(), structure="arcs")
    print(f"cold start (numba compile, tables, AACGM grid; this process): {time.perf_counter() - start:.1f} s")
    frame = {}
    for threads in (numba.get_num_threads(), 1):
        numba.set_num_threads(threads)
        frame[threads] = median_seconds(
            lambda: sky(START, *TROMSO, camera=AllSkyCamera(SIZE, SIZE), exposure=CameraExposure(), structure="arcs"),
            repeat=2,
        )
    most = max(frame)
    numba.set_num_threads(most)
    predicted = 2 * frame[most] / frame[1]
    print(f"one {SIZE}x{SIZE} frame in this process: {frame[most]:.2f} s with {most} ray-marching threads, "
          f"{frame[1]:.2f} s with 1: two 1-thread workers over one {most}-thread worker, predicted {predicted:.2f}")

    with tempfile.TemporaryDirectory(prefix="norrsken-bench-frames-") as folder:
        setups = {"1x1": (1, 1), "2x1": (2, 1), f"1x{most}": (1, most)}
        outs = {name: Path(folder) / name for name in setups}
        results = {}
        for name, (workers, threads) in setups.items():
            outs[name].mkdir()
            results[name] = stats = _run(workers, threads, outs[name])
            print(
                f"{workers} worker{'s' if workers > 1 else ''} x {threads} ray-marching thread{'s' if threads > 1 else ''}: "
                f"cluster start-up {stats['startup']:.1f} s, warm-up {stats['warm']:.1f} s, {stats['frames']} frames "
                f"{SIZE}x{SIZE} in {stats['render']:.1f} s ({stats['frames'] / stats['render']:.2f} frames/s, "
                f"{stats['render'] / stats['frames']:.2f} s a frame), shut-down {stats['shutdown']:.1f} s"
            )
        speedup = results["1x1"]["render"] / results["2x1"]["render"]
        verdict = "meets" if speedup >= TARGET_SPEEDUP else "MISSES"
        print(f"speed-up, 2 workers over 1 (one thread each): {speedup:.2f} ({verdict} the {TARGET_SPEEDUP:g} target)")
        threaded = results[f"1x{most}"]["render"] / results["2x1"]["render"]
        print(f"2 one-thread workers over 1 worker with {most} threads: {threaded:.2f} "
              f"(predicted from this process {predicted:.2f}: frames in parallel beat threads inside a frame)")
        total = results["1x1"]["frames"]
        for name in setups:
            if name == "1x1":
                continue
            same, notes = _compare(outs["1x1"], outs[name])
            print(f"frames byte-identical, {name} vs 1x1: {same} of {total}" + ("" if same == total else " (NOT identical)"))
            for note in notes:
                print(f"  {note}")
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(outs["1x1"].glob("*.png")))).hexdigest()
        print(f"sha256 of the 1-worker frames, concatenated: {digest[:16]}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="norrsken-bench-") as cache:
        os.environ["NORRSKEN_CACHE_DIR"] = cache
        main()
