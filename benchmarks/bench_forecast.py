"""Speed of the forecast and of the ISS photo planner (issue 7 targets, 2 cores, warm).

Run with ``python benchmarks/bench_forecast.py``: a 24 h forecast at 30 min steps for one place
(target under 2 s) and the planner over 24 h of ISS orbit at 60 s steps (target under 10 s).
Everything is written to a temporary cache dir; the cold first call (emission tables for each
hour, the AACGM mapping of the sky grid) is printed separately.
"""

from __future__ import annotations

import functools
import os
import tempfile
import time

from timing import median_seconds

TROMSO = (69.65, 18.96)
START = "2017-01-18T12:00Z"


def main() -> None:
    os.environ["NORRSKEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="norrsken-bench-")
    from norrsken import orbit, planner
    from norrsken.visibility import forecast

    started = time.perf_counter()
    forecast(*TROMSO, start=START)
    print(f"cold forecast (emission tables of 24 hours, AACGM of the sky grid): {time.perf_counter() - started:.1f} s")
    seconds = median_seconds(functools.partial(forecast, *TROMSO, start=START))
    verdict = "meets" if seconds < 2.0 else "MISSES"
    print(f"forecast, Tromso, 24 h at 30 min (49 steps): {seconds:.2f} s warm ({verdict} the 2 s target)")

    satellite = orbit.iss(START)
    run = functools.partial(planner.opportunities, satellite, "2017-01-18T00:00Z", "2017-01-19T00:00Z", step_s=60.0)
    seconds = median_seconds(run, repeat=3)
    verdict = "meets" if seconds < 10.0 else "MISSES"
    passes = planner.best_per_pass(run())
    print(f"planner, ISS, 24 h at 60 s (1441 steps, {len(passes)} passes): {seconds:.2f} s warm ({verdict} the 10 s target)")


if __name__ == "__main__":
    main()
