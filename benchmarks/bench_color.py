"""Speed of the colour pipeline: a 1920 x 1080 frame of 9 line radiances to display sRGB.

Run with ``python benchmarks/bench_color.py``. The per-line tables are built (and cached) on the
warm-up call, so the figures are the per-frame cost a renderer pays.
"""

from __future__ import annotations

import functools

import numpy as np
from timing import median_seconds

from norrsken.color import CameraExposure, EyeExposure, line_radiance_to_display
from norrsken.emission.lines import LINE_KEYS


def main() -> None:
    rng = np.random.default_rng(0)
    # Log-uniform radiances from 1 R to 1 MR, so every regime (dark, mesopic, shoulder) is exercised.
    frame = 10.0 ** rng.uniform(0.0, 6.0, size=(1080, 1920, len(LINE_KEYS)))
    for label, exposure in (("camera", CameraExposure()), ("eye", EyeExposure())):
        for background in (False, True):
            seconds = median_seconds(
                functools.partial(line_radiance_to_display, frame, LINE_KEYS, exposure, background=background), 7
            )
            print(f"{label:6s} background={background!s:5s}  1920x1080x{len(LINE_KEYS)}: {seconds * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
