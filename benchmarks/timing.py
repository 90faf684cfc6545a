"""The timing rule the benchmarks here share (run them as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(func: Callable[[], object], repeat: int = 3, number: int = 1) -> float:
    """After one untimed warm-up call, the median over ``repeat`` runs of the mean time of
    ``number`` calls of ``func``, in seconds."""
    func()  # warm up (numba kernels load from their cache or compile here)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)
