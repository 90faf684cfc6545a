"""Shared test set-up: no display, a private cache dir, and fast, repeatable hypothesis runs."""

import os
import shutil
import tempfile

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

settings.register_profile("norrsken", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("norrsken")


def pytest_configure(config):
    # Every run starts from an empty cache, so no test passes on stale data from an earlier version.
    config._norrsken_cache = tempfile.mkdtemp(prefix="norrsken-test-cache-")
    os.environ["NORRSKEN_CACHE_DIR"] = config._norrsken_cache


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_norrsken_cache", ""), ignore_errors=True)
