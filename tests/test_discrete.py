"""Diffuse and discrete aurora: the share of the oval's energy flux that falls in arcs."""

import numpy as np
import pytest

from norrsken.precipitation import oval
from norrsken.precipitation.discrete import FLOOR, MAX_SHARE, PEAK, PEAK_MLT_H, across_oval, discrete_share, mlt_share

TIME = "2017-01-18T21:00Z"


@pytest.fixture(scope="module")
def maps():
    return oval(TIME)


def _sector_mean(share, maps, mlt_lo, mlt_hi):
    flux = maps["energy_flux_erg"].values * np.cos(np.radians(maps["lat"].values))[:, None]
    mlt, mlat = maps["mlt"].values, maps["mlat"].values
    where = (mlat > 0) & (mlt >= mlt_lo) & (mlt < mlt_hi) & (flux > 0)
    return float((share * flux)[where].sum() / flux[where].sum())


def test_the_hemispheric_discrete_share_is_newells(maps):
    """Newell et al. (2009): monoenergetic and broadband electrons carry 28/85 of the electron
    energy flux at strong driving; the parametric split gives 0.2-0.4 over the hemisphere."""
    share = discrete_share(maps)
    assert 0.2 < _sector_mean(share, maps, 0.0, 24.0) < 0.4


def test_arcs_in_the_evening_diffuse_in_the_morning(maps):
    share = discrete_share(maps)
    evening, morning = _sector_mean(share, maps, 20.0, 24.0), _sector_mean(share, maps, 4.0, 8.0)
    assert evening > 0.5 and morning < 0.2
    assert mlt_share(PEAK_MLT_H) == pytest.approx(FLOOR + PEAK)
    assert mlt_share(PEAK_MLT_H + 12.0) == pytest.approx(FLOOR, abs=1e-3)


def test_discrete_poleward_of_diffuse(maps):
    """In the evening sector the share grows across the oval from the equatorward side."""
    share = discrete_share(maps)
    mlt, mlat, flux = maps["mlt"].values, maps["mlat"].values, maps["energy_flux_erg"].values
    sector = (mlat > 0) & (mlt >= 21.0) & (mlt < 23.0) & (flux > 0.5)
    u = mlat[sector]
    low, high = np.percentile(u, [20, 80])
    assert share[sector][u <= low].mean() < 0.2 and share[sector][u >= high].mean() > 0.8
    assert share.max() <= MAX_SHARE and share.min() >= 0.0
    assert (share[flux <= 0] == 0).all()


def test_position_across_the_oval_is_uniform_in_energy():
    """The Q-weighted position across each sector is 1/2 on average and runs 0 to 1 poleward."""
    rng = np.random.default_rng(0)
    mlat = rng.uniform(60.0, 75.0, 20000)
    mlt = rng.uniform(0.0, 24.0, 20000)
    flux = np.exp(-0.5 * ((mlat - 67.0) / 2.0) ** 2)
    position = across_oval(flux, mlat, mlt, np.ones_like(flux))
    assert np.average(position, weights=flux) == pytest.approx(0.5, abs=0.01)
    assert np.corrcoef(mlat, position)[0, 1] > 0.9


def test_ovation_gives_its_own_types():
    """Where the model gives the types (OVATION Prime), the share is (mono + wave) / electrons."""
    maps = oval(TIME, model="ovation")
    share = discrete_share(maps)
    mono, wave, diffuse = (maps[f"{k}_energy_flux_erg"].values for k in ("mono", "wave", "diffuse"))
    electrons = mono + wave + diffuse
    lit = (electrons > 0.1) & (maps["energy_flux_erg"].values > 0)
    np.testing.assert_allclose(share[lit], np.minimum((mono + wave)[lit] / electrons[lit], MAX_SHARE), rtol=1e-9)
