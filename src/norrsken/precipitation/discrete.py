"""Diffuse and discrete aurora: which share of the oval's energy flux falls in discrete arcs.

Statistical ovals average over hours of arcs that come and go, so their energy flux Q is a mix of
the diffuse aurora (a smooth glow, mainly equatorward in the oval and in the post-midnight and
morning sectors) and discrete aurora (arcs of accelerated, "monoenergetic" electrons and
broadband, Alfvenic ones, mainly in the evening and midnight sectors and in the poleward part of
the oval). :func:`discrete_share` gives, per cell of an :func:`~norrsken.precipitation.oval`
map, the fraction of Q that is discrete, which :mod:`norrsken.field.arcs` gathers into arcs:

- where the model gives the types (OVATION Prime: Newell et al. 2009, JGR 114, A09207,
  doi:10.1029/2009JA014326), the discrete share is (monoenergetic + broadband) / all electrons
  at that cell;
- otherwise (Zhang & Paxton 2008, Kp-driven, one total Q) it follows the same statistics in
  parametric form: a share by magnetic local time that peaks at :data:`PEAK_MLT_H` in the
  evening sector, where monoenergetic aurora is most frequent and strongest, falling to
  :data:`FLOOR` in the morning sector, where the diffuse aurora dominates (Newell et al. 2009,
  figs. 2-4), times a weight that grows across the oval from its equatorward edge (0) to its
  poleward edge (2), so that arcs sit poleward of the diffuse glow (the discrete oval lies in the
  poleward part of the auroral oval: Feldstein & Galperin 1985, Rev. Geophys. 23, 217; Lui &
  Anger 1973, Planet. Space Sci. 21, 799). The shape is a design choice; its constants are set
  so that the Q-weighted share over a hemisphere is ~0.3, as Newell et al.'s hemispheric
  budget at strong driving (monoenergetic 15 %, broadband 13 %, diffuse 57 % of the total
  including 15 % of ions: 28/85 of the electrons).

Energy is conserved by construction downstream: the arcs carry exactly the discrete share of Q.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

#: The parametric discrete share by magnetic local time: FLOOR + PEAK exp(-dt^2 / (2 WIDTH_H^2))
#: with dt the circular distance from PEAK_MLT_H, hours (design choice after Newell et al. 2009,
#: see the module docstring): 0.60 at 22.5 MLT, 0.40 at 19.5 and 01.5, 0.17 at 16.5 and 04.5;
#: the Q-weighted share over the northern hemisphere comes out at 0.31-0.35 for Kp 0.3-7.7.
PEAK_MLT_H = 22.5
WIDTH_H = 3.0
PEAK = 0.50
FLOOR = 0.10
#: No cell is all discrete: some diffuse precipitation underlies every arc system.
MAX_SHARE = 0.95
#: Across the oval the share ramps from 0 to MAX_SHARE over this fraction of the sector's energy:
#: diffuse equatorward, discrete poleward, the change over ~a fifth of the oval's width.
TRANSITION = 0.2
#: MLT bins (h) over which the position across the oval is measured.
MLT_BIN_H = 0.5


def discrete_share(maps: xr.Dataset) -> np.ndarray:
    """The share of each cell's electron energy flux that is discrete (arcs), 0 to :data:`MAX_SHARE`.

    Parameters
    ----------
    maps
        An :func:`~norrsken.precipitation.oval` Dataset (``energy_flux_erg``, ``mlat``, ``mlt``;
        OVATION's per-type ``<type>_energy_flux_erg`` when present).

    Returns
    -------
    ndarray (lat, lon)
        0 where there is no flux.
    """
    flux = np.nan_to_num(maps["energy_flux_erg"].values)
    if all(f"{kind}_energy_flux_erg" in maps for kind in ("diffuse", "mono", "wave")):
        discrete = np.nan_to_num(maps["mono_energy_flux_erg"].values + maps["wave_energy_flux_erg"].values)
        electrons = discrete + np.nan_to_num(maps["diffuse_energy_flux_erg"].values)
        share = np.divide(discrete, electrons, out=np.zeros_like(flux), where=electrons > 0)
    else:
        mlat, mlt = np.nan_to_num(maps["mlat"].values), np.nan_to_num(maps["mlt"].values)
        position = across_oval(flux, mlat, mlt, np.cos(np.radians(maps["lat"].values))[:, None])
        # A ramp across the oval, placed so that the sector's mean share is mlt_share.
        start = 1.0 - np.minimum(mlt_share(mlt) / MAX_SHARE, 1.0)
        share = MAX_SHARE * np.clip((position - start) / TRANSITION + 0.5, 0.0, 1.0)
    return np.where(flux > 0, np.clip(share, 0.0, MAX_SHARE), 0.0)


def mlt_share(mlt_h: np.ndarray) -> np.ndarray:
    """The parametric discrete share by magnetic local time (see :data:`PEAK_MLT_H`)."""
    dt = (np.asarray(mlt_h, dtype=float) - PEAK_MLT_H + 12.0) % 24.0 - 12.0
    return FLOOR + PEAK * np.exp(-0.5 * (dt / WIDTH_H) ** 2)


def across_oval(flux: np.ndarray, mlat: np.ndarray, mlt: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Position of each cell across the oval: the fraction of its MLT sector's energy (per
    hemisphere) that falls equatorward of it, 0 at the equatorward edge, 1 at the poleward edge.

    ``area`` (broadcasting with ``flux``) weights the cells, e.g. cos(latitude) on a regular grid.
    The Q-weighted mean of the position is 1/2 in every sector, so twice it averages to 1.
    """
    weight = (flux * area).ravel()
    u = np.abs(mlat).ravel()
    sector = (np.floor((mlt.ravel() % 24.0) / MLT_BIN_H)).astype(int) * 2 + (mlat.ravel() < 0)
    # Sort by sector, then by |mlat|; the cumulative energy within each sector, mid-cell.
    order = np.lexsort((u, sector))
    w_sorted, s_sorted = weight[order], sector[order]
    cumulative = np.cumsum(w_sorted)
    starts = np.searchsorted(s_sorted, s_sorted, side="left")
    ends = np.searchsorted(s_sorted, s_sorted, side="right") - 1
    before = cumulative[starts] - w_sorted[starts]
    total = cumulative[ends] - before
    position = np.divide(cumulative - before - 0.5 * w_sorted, total, out=np.zeros_like(total), where=total > 0)
    out = np.empty_like(position)
    out[order] = position
    return out.reshape(flux.shape)
