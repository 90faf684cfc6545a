"""The cold paths: a new night, a fresh install, and the cache after many nights.

Run with ``python benchmarks/bench_cold.py``. Targets (issue 17, 2 cores):

- a night never rendered before (kernels compiled, the data caches empty for that night): the
  first all-sky 1024 x 1024 within 1.5x a warm render of it;
- everything cold (a fresh cache dir: compilation, tables, grids, catalogues): the first picture
  under 40 s, the whole ``norrsken sky`` process;
- the cache after 30 different nights stays within its bound (``NORRSKEN_CACHE_MAX_MB``).

Everything is written to temporary cache dirs; the user cache is left alone.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import median_seconds

TROMSO = (69.65, 18.96)
#: A night whose kernels are warmed up, then one in another month (its own AACGM grid and tables).
WARM_NIGHT = "2017-01-18T21:00Z"
NEW_NIGHT = "2017-03-02T22:00Z"


def folder_mb(path: Path) -> float:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file()) / 2**20


def new_night() -> None:
    from norrsken.render.camera import AllSkyCamera
    from norrsken.render.sky import sky

    camera = AllSkyCamera(1024, 1024)
    sky(WARM_NIGHT, *TROMSO, camera=AllSkyCamera(64, 64))  # kernels loaded or compiled here
    start = time.perf_counter()
    sky(NEW_NIGHT, *TROMSO, camera=camera)
    first = time.perf_counter() - start
    warm = median_seconds(lambda: sky(NEW_NIGHT, *TROMSO, camera=camera), repeat=2)
    verdict = "meets" if first <= 1.5 * warm else "MISSES"
    print(
        f"a new night, all-sky 1024x1024: first {first:.2f} s, warm {warm:.2f} s, ratio {first / warm:.2f} "
        f"({verdict} the 1.5 target)"
    )


def fresh_install() -> None:
    env = {**os.environ, "NORRSKEN_CACHE_DIR": tempfile.mkdtemp(prefix="norrsken-cold-")}
    env.pop("NUMBA_CACHE_DIR", None)
    command = [sys.executable, "-m", "norrsken.cli", "sky", "--time", WARM_NIGHT, "--out", str(Path(env["NORRSKEN_CACHE_DIR"]) / "a.png")]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    verdict = "meets" if elapsed < 40.0 else "MISSES"
    print(f"everything cold (fresh cache dir), `norrsken sky` 1024x1024: {elapsed:.1f} s ({verdict} the 40 s target)")


def thirty_nights() -> None:
    from norrsken import cache
    from norrsken.render.camera import AllSkyCamera
    from norrsken.render.sky import sky

    folder = Path(os.environ["NORRSKEN_CACHE_DIR"])
    first = dt.datetime(2016, 12, 1, 22, tzinfo=dt.UTC)
    for night in range(30):
        # A small picture builds the same tables and grids as a large one.
        sky(first + dt.timedelta(days=night * 5), *TROMSO, camera=AllSkyCamera(64, 64))
    bound = cache.limit_bytes() / 2**20
    size = folder_mb(folder)
    verdict = "within" if size <= bound else "OVER"
    print(f"the cache after 30 nights 5 days apart: {size:.0f} MB ({verdict} the {bound:.0f} MB bound)")


def main() -> None:
    os.environ["NORRSKEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="norrsken-bench-")
    fresh_install()
    new_night()
    thirty_nights()


if __name__ == "__main__":
    main()
