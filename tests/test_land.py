"""The derived land mask: where the land is, and how much of the Earth it covers."""

import numpy as np
import pytest

from norrsken.errors import NorrskenError
from norrsken.land import land_fraction


def test_land_covers_29_percent_of_the_earth():
    lat, lon, fraction = land_fraction(0.25)
    assert fraction.shape == (720, 1440)
    weights = np.cos(np.radians(lat))[:, None]
    assert float((fraction * weights).sum() / (weights.sum() * lon.size)) == pytest.approx(0.29, abs=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "is_land"),
    [(67.0, 25.0, True), (61.0, 25.7, True), (45.0, -30.0, False), (0.0, -150.0, False), (-80.0, 0.0, True)],
)
def test_known_places(lat, lon, is_land):
    grid_lat, grid_lon, fraction = land_fraction(0.25)
    value = fraction[np.abs(grid_lat - lat).argmin(), np.abs(grid_lon - lon).argmin()]
    assert (value > 0.5) == is_land


def test_bad_resolution():
    with pytest.raises(NorrskenError, match="multiple of 0.05 deg"):
        land_fraction(0.3333)


@pytest.mark.slow
def test_the_packaged_counts_give_what_the_1km_source_gives():
    """Against the GLOBE 1-km mask itself, where it is installed (tools/make_land_counts.py)."""
    global_land_mask = pytest.importorskip("global_land_mask")
    from pathlib import Path

    with np.load(Path(global_land_mask.__file__).parent / "globe_combined_mask_compressed.npz") as z:
        ocean = z["mask"]
    for resolution, factor in ((0.25, 30), (0.1, 12)):
        cells = ocean.view(np.uint8).reshape(ocean.shape[0] // factor, factor, -1, factor).sum(axis=(1, 3), dtype=np.uint32)
        expected = (1.0 - cells / np.float32(factor * factor)).astype(np.float32)
        np.testing.assert_array_equal(land_fraction(resolution)[2], expected)
