"""Shared test set-up: no display, a private cache dir, and fast, repeatable hypothesis runs."""

import os
import shutil
import tempfile
from pathlib import Path

import matplotlib
import platformdirs
import pytest
from hypothesis import settings

matplotlib.use("Agg")

settings.register_profile("norrsken", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("norrsken")


def pytest_configure(config):
    # Every run starts from an empty cache, so no test passes on stale data from an earlier version.
    config._norrsken_cache = tempfile.mkdtemp(prefix="norrsken-test-cache-")
    os.environ["NORRSKEN_CACHE_DIR"] = config._norrsken_cache
    # Compiled kernels are the exception: they are keyed by a hash of the package's sources (see
    # cache.configure_numba_cache), so they cannot be stale, and compiling them anew costs ~40 s a
    # run. They live where the installed norrsken keeps them, for this run and its subprocesses.
    import numba

    from norrsken.cache import _source_digest

    folder = Path(platformdirs.user_cache_dir("norrsken")) / "numba" / _source_digest()
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    numba.config.CACHE_DIR = str(folder)


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_norrsken_cache", ""), ignore_errors=True)


@pytest.fixture(autouse=True)
def _a_fresh_network_budget():
    """Each test is its own command: its own network deadline, and no failure remembered."""
    from norrsken.drivers import swpc

    swpc.reset_network()
