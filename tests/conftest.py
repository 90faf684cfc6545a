"""Shared test set-up: no display, and hypothesis profiles that keep the suite fast and repeatable."""

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

settings.register_profile("norrsken", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("norrsken")
