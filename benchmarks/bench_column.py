"""Speed of the emission physics: a direct column, a table lookup, a table build, a global map.

Run with ``python benchmarks/bench_column.py`` (add ``--map`` for the 1.9 GB global map). The
reference is one GLOW column run as a process from an -O3 build on this 2-core machine, 109 ms
(issue 15; ../shared/data/glow_reference_public.md quotes 0.08 s for GLOW's own work without the
process start): the direct column's target is 100 x faster, < 1.1 ms warm. The table is written to
a temporary cache dir, so the user cache is left alone.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time

import numpy as np
from timing import median_seconds

GLOW_SECONDS_PER_COLUMN = 0.109


def main() -> None:
    os.environ["NORRSKEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="norrsken-bench-")
    from norrsken.atmosphere import atmosphere
    from norrsken.emission import table as table_module
    from norrsken.emission.chemistry import volume_emission_rates
    from norrsken.emission.column import column
    from norrsken.emission.ionization import ionization_rate

    where = ("2017-01-18T21:00Z", 69.6, 19.0)
    indices = dict(f107=75.0, f107a=75.0, ap=8.0)

    def physics_only():
        atm = atmosphere(*where, indices=indices)
        ver, _ = volume_emission_rates(ionization_rate(atm, 3.0, 1.0), atm)
        return np.trapezoid(ver, atm.altitude_km * 1e5, axis=-1)

    t_core = median_seconds(physics_only, repeat=7, number=20)
    t_api = median_seconds(lambda: column(*where, 3.0, 1.0, indices=indices), 7, 20)

    table_module._load_or_build.cache_clear()
    start = time.perf_counter()
    table = table_module.emission_table(*where, indices=indices)
    t_first = time.perf_counter() - start  # atmosphere + build + write
    atm = atmosphere(*where, indices=indices)
    t_build = median_seconds(lambda: table_module.build_table(atm), repeat=5, number=3)

    def load():
        table_module._load_or_build.cache_clear()
        return table_module.emission_table(*where, indices=indices)

    t_load = median_seconds(load, repeat=5, number=10)
    z = table.altitude_km
    t_lookup = median_seconds(lambda: [table.interpolate(k, 3.0, 1.0, z) for k in table.lines], 7, 20)

    print("norrsken emission benchmark (2017-01-18 21 UT, Tromso; Maxwellian <E> = 3 keV, 1 erg)")
    print(
        f"  direct column, physics (NRLMSIS + Fang 2010 + chemistry): {t_core * 1e3:7.3f} ms"
        f"  = {GLOW_SECONDS_PER_COLUMN / t_core:6.0f} x faster than GLOW (109 ms)"
    )
    print(
        f"  direct column, public API (norrsken.column -> Dataset):  {t_api * 1e3:7.3f} ms"
        f"  = {GLOW_SECONDS_PER_COLUMN / t_api:6.0f} x faster than GLOW   (target < 1.1 ms)"
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
    if "--map" in sys.argv[1:]:
        global_map(table)


def global_map(table) -> None:
    """VER of every line on a global 0.5-deg map of random spectra (1.9 GB of float32)."""
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
    print(
        f"  global 0.5-deg map {shape[0]}x{shape[1]} x {n_z} altitudes x {len(table.lines)} lines "
        f"({n_values / 1e6:.0f} M float32 values, {n_values * 4 / 1e9:.2f} GB):"
    )
    print(f"    reused output buffer: {t_map:6.3f} s;  fresh allocation: {t_map_fresh:6.3f} s   (target < 0.5 s)")
    print(f"    very first call, empty numba cache (JIT compile + first touch of the memory): {t_map_first:6.3f} s")


if __name__ == "__main__":
    main()
