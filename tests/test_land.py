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
    with pytest.raises(NorrskenError, match="1/120"):
        land_fraction(0.3333)
