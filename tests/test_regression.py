"""norrsken's own numbers at fixed inputs, pinned (pymsis' regression tests are the model).

The reference files in tests/data/regression/ were written by tools/make_regression.py; a change
here means the numbers changed. If that was intended, regenerate them and say why in the commit.
"""

import pytest
import xarray as xr

import regression_cases as cases

REFERENCE = cases.DATA / "regression"
#: Relative tolerance: float64 arithmetic reordered by a refactor, nothing more.
RTOL = 1e-6


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_regression(name):
    expected = xr.load_dataset(REFERENCE / f"{name}.nc", engine="h5netcdf")
    actual = cases.CASES[name]()
    xr.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0.0)


def test_every_case_has_a_reference():
    assert sorted(path.stem for path in REFERENCE.glob("*.nc")) == sorted(cases.CASES)


#: Image baselines: the mean absolute difference over all pixels and channels (8-bit levels), and
#: the share of pixels differing by more than 32 levels, may not exceed these. Font rendering and
#: anti-aliasing differ a little between matplotlib and FreeType builds; a moved curve, a changed
#: colour map or a missing panel does not stay under them.
IMAGE_MEAN_LEVELS = 1.5
IMAGE_CHANGED_SHARE = 0.01


@pytest.mark.parametrize("name", sorted(cases.IMAGE_CASES))
def test_image_baseline(name, tmp_path):
    import numpy as np
    from PIL import Image

    path = tmp_path / f"{name}.png"
    cases.IMAGE_CASES[name](path)
    with Image.open(REFERENCE / f"{name}.png") as image:
        expected = np.asarray(image.convert("RGB"), dtype=float)
    with Image.open(path) as image:
        actual = np.asarray(image.convert("RGB"), dtype=float)
    assert actual.shape == expected.shape
    difference = np.abs(actual - expected)
    assert difference.mean() <= IMAGE_MEAN_LEVELS
    assert (difference.max(axis=-1) > 32).mean() <= IMAGE_CHANGED_SHARE
