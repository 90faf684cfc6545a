"""Speed of the emission physics: a direct column, a table lookup, a table build, a global map.

Run with ``python benchmarks/bench_column.py``. GLOW's per-column time (0.08 s, -O3 build on a
2-core machine) is quoted in ../shared/data/glow_reference_public.md. The table is written to a
temporary cache dir, so the user cache is left alone.
"""

from __future__ import annotations

import functools
import os
import tempfile
import time

import numpy as np
from timing import median_seconds

GLOW_SECONDS_PER_COLUMN = 0.08


def main() -> None:
    os.environ["NORRSKEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="norrsken-bench-")
    from norrsken.atmosphere import atmosphere
    from norrsken.emission import table as table_module
    from norrsken.emission.chemistry import volume_emission_rates
    from norrsken.emission.column import column
    from norrsken.emission.ionization import ionization_rate

    where = dict(time="2017-01-18T21:00Z", lat=69.6, lon=19.0)
    indices = dict(f107=75.0, f107a=75.0, ap=8.0)

    def physics_only():
        atm = atmosphere(where["time"], where["lat"], where["lon"], **indices)
        ver, _ = volume_emission_rates(ionization_rate(atm, 3.0, 1.0), atm)
        return np.trapezoid(ver, atm.altitude_km * 1e5, axis=-1)

    t_core = median_seconds(physics_only, repeat=7, number=20)
    t_api = median_seconds(lambda: column(3.0, 1.0, where["time"], where["lat"], where["lon"], **indices), 7, 20)

    table_module._load_or_build.cache_clear()
    start = time.perf_counter()
    table = table_module.emission_table(where["time"], where["lat"], where["lon"], **indices)
    t_first = time.perf_counter() - start  # atmosphere + build + write
    atm = atmosphere(where["time"], where["lat"], where["lon"], **indices)
    t_build = median_seconds(lambda: table_module.build_table(atm), repeat=5, number=3)

    def load():
        table_module._load_or_build.cache_clear()
        return table_module.emission_table(where["time"], where["lat"], where["lon"], **indices)

    t_load = median_seconds(load, repeat=5, number=10)
    z = table.altitude_km
    t_lookup = median_seconds(lambda: [table.interpolate(k, 3.0, 1.0, z) for k in table.lines], 7, 20)

    shape, n_z = (361, 720), 200
    rng = np.random.default_rng(0)
    mean = np.exp(rng.uniform(np.log(0.2), np.log(30.0), shape))
    flux = np.where(rng.random(shape) < 0.3, np.exp(rng.uniform(np.log(0.01), np.log(50.0), shape)), 0.0)
    alt = np.linspace(80.0, 500.0, n_z)
    start = time.perf_counter()
    buffer = table.ver_map(mean, flux, alt)
    t_map_first = time.perf_counter() - start
    t_map = median_seconds(functools.partial(table.ver_map, mean, flux, alt, out=buffer), repeat=5, number=3)
    del buffer  # free 1.9 GB before timing fresh allocations
    t_map_fresh = median_seconds(lambda: table.ver_map(mean, flux, alt), repeat=3, number=1)

    n_values = len(table.lines) * shape[0] * shape[1] * n_z
    print("norrsken emission benchmark (2017-01-18 21 UT, Tromso; Maxwellian <E> = 3 keV, 1 erg)")
    print(
        f"  direct column, physics (NRLMSIS + Fang 2010 + chemistry): {t_core * 1e3:7.3f} ms"
        f"  = {GLOW_SECONDS_PER_COLUMN / t_core:6.0f} x faster than GLOW (0.08 s)"
    )
    print(
        f"  direct column, public API (norrsken.column -> Dataset):  {t_api * 1e3:7.3f} ms"
        f"  = {GLOW_SECONDS_PER_COLUMN / t_api:6.0f} x faster than GLOW"
    )
    print(
        f"  column from the cached table (all {len(table.lines)} lines, {z.size} levels): {t_lookup * 1e3:7.3f} ms"
        f"  = {GLOW_SECONDS_PER_COLUMN / t_lookup:6.0f} x faster than GLOW"
    )
    print(
        f"  table build ({table.ver_per_flux.shape[1]} E0 x {table.ver_per_flux.shape[2]} Q columns): "
        f"{t_build * 1e3:7.1f} ms  (first call with atmosphere and disk write: {t_first * 1e3:.1f} ms)"
    )
    print(f"  table load from the disk cache: {t_load * 1e3:7.2f} ms")
    print(
        f"  global 0.5-deg map {shape[0]}x{shape[1]} x {n_z} altitudes x {len(table.lines)} lines "
        f"({n_values / 1e6:.0f} M float32 values, {n_values * 4 / 1e9:.2f} GB):"
    )
    print(f"    reused output buffer: {t_map:6.3f} s;  fresh allocation: {t_map_fresh:6.3f} s   (target < 0.5 s)")
    print(f"    very first call, empty numba cache (JIT compile + first touch of the memory): {t_map_first:6.3f} s")


if __name__ == "__main__":
    main()
