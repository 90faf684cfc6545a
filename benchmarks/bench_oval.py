"""Wall time of one global 0.5-deg Zhang-Paxton oval (both hemispheres). Target: warm < 0.2 s.

"Cold" is the first call in a fresh process with an empty cache dir (AACGM mapping of the grid
computed, Kp history parsed); "warm" is the median of later calls at other times of the same month
(mapping and history cached, as in a time-lapse).
"""

import os
import statistics
import tempfile
import time


def main() -> None:
    from norrsken.precipitation import oval

    start = time.perf_counter()
    oval("2017-01-18T21:00Z")
    cold = time.perf_counter() - start
    warm = []
    for minute in range(0, 60, 5):
        start = time.perf_counter()
        ds = oval(f"2017-01-18T22:{minute:02d}Z")
        warm.append(time.perf_counter() - start)
    print(f"global oval {ds['energy_flux_erg'].shape} at 0.5 deg, both hemispheres")
    print(f"  cold (first call, empty cache): {cold:.3f} s")
    print(f"  warm (median of {len(warm)}):         {statistics.median(warm):.3f} s   target < 0.2 s")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="norrsken-bench-") as cache:
        os.environ["NORRSKEN_CACHE_DIR"] = cache
        main()
