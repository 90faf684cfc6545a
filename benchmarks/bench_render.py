"""Speed of the ground renderer: all-sky 1024x1024 over Tromso, 1920x1080 pinhole from Oslo.

Run with ``python benchmarks/bench_render.py``. Targets (issue 17, 2 cores, warm: numba kernels
compiled and cached): with arcs, all-sky under 2.5 s and 1080p under 4 s, each at most 1.3x the
same frame of the smooth oval (measured in the same run); a 512x512 preview under 0.6 s; peak
memory under 2 GiB. The cold start (numba compile of a cold cache) is printed separately.
Everything is written to a temporary cache dir, so the user cache is left alone.
"""

from __future__ import annotations

import functools
import os
import resource
import tempfile
import time

import numpy as np
from timing import median_seconds

TIME = "2017-01-18T21:00Z"
TROMSO = (69.65, 18.96)
OSLO = (59.91, 10.75)


def main() -> None:
    os.environ["NORRSKEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="norrsken-bench-")
    from norrsken.color import CameraExposure, line_radiance_to_display
    from norrsken.field import emission_field
    from norrsken.geometry import EARTH_RADIUS_KM, enu_basis
    from norrsken.render.camera import AllSkyCamera, PinholeCamera
    from norrsken.render.raymarch import threads
    from norrsken.render.sampling import line_radiance_image
    from norrsken.render.sky import sky

    start = time.perf_counter()
    sky(TIME, *TROMSO, camera=AllSkyCamera(64, 64), structure="arcs")
    print(f"cold start (numba compile, tables, AACGM grid): {time.perf_counter() - start:.1f} s")
    print(f"threads: {threads()}")

    views = {
        "all-sky 1024x1024, Tromso": (TROMSO, AllSkyCamera(1024, 1024), 2.5),
        "pinhole 1920x1080, Oslo, north, 30 deg": (
            OSLO,
            PinholeCamera(1920, 1080, azimuth_deg=0.0, elevation_deg=8.0, fov_deg=30.0),
            4.0,
        ),
    }
    for name, ((lat, lon), camera, target) in views.items():
        totals = {}
        for structure in ("none", "arcs"):
            total = median_seconds(functools.partial(sky, TIME, lat, lon, camera=camera, structure=structure))
            field = emission_field(TIME, lat, lon, structure=structure)
            basis = enu_basis(lat, lon)
            rays = camera.rays_enu() @ basis
            build = median_seconds(functools.partial(emission_field, TIME, lat, lon, structure=structure))
            march = median_seconds(functools.partial(line_radiance_image, field, EARTH_RADIUS_KM * basis[2], rays))
            radiance = np.nan_to_num(line_radiance_image(field, EARTH_RADIUS_KM * basis[2], rays))
            colour = median_seconds(
                functools.partial(line_radiance_to_display, radiance, field.lines, CameraExposure(), background=True)
            )
            totals[structure] = total
            goal = f" ({'meets' if total < target else 'MISSES'} the {target:g} s target)" if structure == "arcs" else ""
            print(
                f"{name}, structure={structure}: {total:.2f} s warm{goal}; "
                f"field {build:.2f} s, ray marching (adaptive) {march:.2f} s, colour {colour:.2f} s"
            )
        ratio = totals["arcs"] / totals["none"]
        print(f"{name}: arcs / smooth = {ratio:.2f} ({'meets' if ratio <= 1.3 else 'MISSES'} the 1.3 target)")
    preview = median_seconds(functools.partial(sky, TIME, *TROMSO, camera=AllSkyCamera(512, 512), preview=True))
    verdict = "meets" if preview < 0.6 else "MISSES"
    print(f"preview all-sky 512x512, Tromso, arcs: {preview:.2f} s warm ({verdict} the 0.6 s target)")
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory (resident set of this process): {peak_gib:.2f} GiB (target < 2 GiB)")


if __name__ == "__main__":
    main()
