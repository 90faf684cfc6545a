"""Wall time of one global 0.5-deg oval (both hemispheres): Zhang & Paxton (target warm < 0.2 s)
and OVATION Prime with all its types (target warm < 0.1 s).

"Cold" is the first call in a fresh process with an empty cache dir (AACGM mapping of the grid
computed, Kp history parsed, OVATION coefficients and OMNI hours loaded); "warm" is the median of
later calls at other times of the same month (mapping and history cached, as in a time-lapse; for
OVATION each time has its own coupling, so its bins are recomputed every call).
"""

import os
import statistics
import tempfile
import time


def bench(model: str, target_s: float) -> None:
    from norrsken.precipitation import oval

    start = time.perf_counter()
    oval("2017-01-18T21:00Z", model=model)
    cold = time.perf_counter() - start
    warm = []
    for minute in range(0, 60, 5):
        start = time.perf_counter()
        ds = oval(f"2017-01-18T22:{minute:02d}Z", model=model)
        warm.append(time.perf_counter() - start)
    print(f"global {model} oval {ds['energy_flux_erg'].shape} at 0.5 deg, both hemispheres, {len(ds.data_vars)} variables")
    print(f"  cold (first call, empty cache): {cold:.3f} s")
    print(f"  warm (median of {len(warm)}):         {statistics.median(warm):.3f} s   target < {target_s:g} s")


def main() -> None:
    bench("zhang-paxton", 0.2)
    bench("ovation", 0.1)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="norrsken-bench-") as cache:
        os.environ["NORRSKEN_CACHE_DIR"] = cache
        main()
