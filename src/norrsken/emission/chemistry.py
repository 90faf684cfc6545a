"""Volume emission rates of the auroral lines from the ionization rate and the neutral atmosphere.

Steady-state photochemistry, one altitude at a time, for a night-time column (no sunlight; electron
and ion temperatures taken equal to the neutral temperature). Given the total ionization rate
q(z) (Fang et al. 2010, :mod:`.ionization`) it

1. partitions q among N2, O2 and O by cross-section weights (Rees 1989),
2. solves the ion chemistry (O+, N+, N2+, O2+, NO+) and charge neutrality for the electron
   density n_e; in the E region this is q = alpha_eff n_e^2 with alpha_eff set by the computed
   molecular-ion mix; O+ is lost by charge exchange low down and by ambipolar diffusion high up,
3. computes the prompt lines (N2+ 1N, N2 1PG, O I 777.4 and 844.6) from the species ionization
   rates and the metastables O(1S) (557.7 nm) and O(1D) (630.0/636.4 nm) from their production
   channels, radiative lifetimes and collisional quenching.

Quenching is what shapes the metastable lines: O(1D) (lifetime ~130 s) survives only where N2 is
thin, so 630.0 nm is suppressed below ~200 km; O(1S) (0.8 s) is quenched by O2 below ~95 km.
Every coefficient below is cited where it is defined. Electron-impact excitation of O(1S), O(1D),
O(3p) and N2(A) would need an electron transport code; we use yields per ion pair instead, and
where those are fitted to GLOW (Solomon 2017, JGR 122, 7834, doi:10.1002/2017JA024314) this is
said at the constant. N(2D) is solved in steady state (produced by electron-impact dissociation
of N2, N2+ + e, N2+ + O and NO+ + e; lost to O2, O, NO, electrons and radiation) and feeds O(1D)
through N(2D) + O2 and N(2D) + O and O(1S) through N(2D) + NO. Not modelled: O+(2D,2P) metastable
ions and thermal-electron excitation of O(1D) (negligible at night). Resonant scattering of
sunlight by N2+ above the Earth's shadow is added from the N2+ density (:mod:`.sunlit`).

Everything is CGS: densities cm^-3, rates cm^-3 s^-1, rate coefficients cm^3 s^-1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..atmosphere import AMU_G, BOLTZMANN_ERG_K, Atmosphere
from .lines import LINE_KEYS
from .sunlit import resonant_ver

# --- Partition of the ionization --------------------------------------------------------------
#: Relative ionization cross sections N2 : O2 : O = 0.92 : 1.00 : 0.56 for auroral electrons,
#: Rees (1989), "Physics and chemistry of the upper atmosphere", Cambridge Univ. Press (as used in
#: GITM, Ridley et al. 2006, JASTP 68, 839, doi:10.1016/j.jastp.2006.01.008).
W_N2, W_O2, W_O = 0.92, 1.00, 0.56
#: Fraction of N2 ionization that is dissociative (N+ + N), Richards & Torr (1985), JGR 90, 5261.
N_PLUS_FROM_N2 = 0.16
#: Fraction of O2 ionization that is dissociative (O+ + O), Link (1982) as used by GLOW.
O_PLUS_FROM_O2 = 0.3

# --- Ion-neutral reactions (T in K; T_eff = T_n = T_i) ----------------------------------------
#: N2+ + O2 -> O2+ + N2: 5.0e-11 (300/T)^0.8, McFarland et al. (1973), J. Chem. Phys. 59, 6620.
K_N2P_O2, K_N2P_O2_EXP = 5.0e-11, 0.8
#: N2+ + O -> O+ + N2: 2.0e-11, Torr (1985); Torr et al. (1988); Knutsen et al. (1988).
K_N2P_O_CHARGE = 2.0e-11
#: N+ + O2 (all channels): 6.0e-10, Langford et al. (1985), Planet. Space Sci. 33, 1225; product
#: fractions NO+ 0.43, O2+ 0.51 (the rest O+ + NO) and O(1D) 0.30 per reaction, same source.
K_NP_O2, NP_O2_TO_NOP, NP_O2_TO_O2P, NP_O2_TO_O1D = 6.0e-10, 0.43, 0.51, 0.30
#: N+ + O -> O+ + N: 1.0e-12, Torr (1985), in Levine (ed.), "The Photochemistry of Atmospheres".
K_NP_O = 1.0e-12
#: O2+ + NO -> NO+ + O2: 4.4e-10, Lindinger & Ferguson (1974) via Torr & Torr (1979), Rev.
#: Geophys. 17, 510.
K_O2P_NO = 4.4e-10
#: O2+ + N(4S) -> NO+ + O: 1.2e-10, Fehsenfeld (1977), Planet. Space Sci. 25, 195; it gives O(1S)
#: with probability 0.21 (Frederick et al. 1976, JGR 81, 3923; Kopp et al. 1977, JGR 82, 4715).
K_O2P_N, O2P_N_TO_O1S = 1.2e-10, 0.21

# --- Dissociative recombination, alpha(T_e) = a (300/T_e)^b ---------------------------------
#: NO+ + e: 4.2e-7 (300/T)^0.85, Walls & Dunn (1974), JGR 79, 1911; Torr et al. (1977).
ALPHA_NOP, ALPHA_NOP_EXP = 4.2e-7, 0.85
#: O2+ + e: 1.95e-7 (300/T)^0.70 below 1200 K, 1.6e-7 (300/T)^0.55 above; Mehr & Biondi (1969),
#: Phys. Rev. 181, 264; Walls & Dunn (1974); Alge et al. (1983), J. Phys. B 16, 1433.
ALPHA_O2P_COLD, ALPHA_O2P_COLD_EXP, ALPHA_O2P_HOT, ALPHA_O2P_HOT_EXP = 1.95e-7, 0.70, 1.6e-7, 0.55
#: N2+ + e: 1.8e-7 (300/T)^0.39, Mehr & Biondi (1969).
ALPHA_N2P, ALPHA_N2P_EXP = 1.8e-7, 0.39

# --- Prompt emissions -------------------------------------------------------------------------
#: N2+(B) excited per N2 ionization 0.11 (Borst & Zipf 1970, Phys. Rev. A 1, 834); of these 0.65
#: emit 391.4 nm and 0.20 emit 427.8 nm (Shemansky & Broadfoot 1971, JQSRT 11, 1385).
N2P_B_PER_N2_ION, N2P_B_TO_3914, N2P_B_TO_4278 = 0.11, 0.65, 0.20
#: 470.9 / 427.8 = A(0,2)/A(0,1) = 6.75e5 / 3.35e6 s^-1, Vallance Jones (1974), "Aurora", Reidel.
RATIO_4709_4278 = 6.75e5 / 3.35e6
#: N2 1PG Delta v = 3 photons per 427.8 nm photon. UNVERIFIED placeholder of order 1: GLOW does not
#: compute 1PG and no source read gives its absolute auroral yield. Change it here to tune the
#: colour of the red lower border; it has no effect on any other line.
N2_1PG_PER_4278 = 1.0
#: O I 777.4 and 844.6 nm photons per O ionization: both are excited by the same energetic
#: electrons that ionize O. Fitted to GLOW's column ratios 777.4/427.8 and 844.6/427.8 over mean
#: energies 0.2-20 keV (GLOW v0.981 runs, 70 N, F10.7 = 100), divided by our O/N2 ionization
#: ratio: the per-O-ion yields came out constant to +-10 % over that range (refitted with the
#: GLOW-calibrated ionization profiles).
PHOTONS_7774_PER_O_ION = 0.0135
PHOTONS_8446_PER_O_ION = 0.0646

# --- N2(A) ------------------------------------------------------------------------------------
#: N2(A3Sigma_u+) produced per N2 ionization (direct and by cascade from B, W, B' and C):
#: 0.60-0.66 in GLOW's cross-section transport over mean energies 0.2-20 keV; we take 0.63.
N2A_PER_N2_ION = 0.63
#: N2(A) + O: 3.1e-11 (Piper et al. 1981, J. Chem. Phys. 75, 2847; v = 1, 2), giving O(1S) with
#: efficiency 0.19 (Sharp & Torr 1979, JGR 84, 5345).
K_N2A_O, N2A_O_TO_O1S = 3.1e-11, 0.19
#: N2(A) + O2: 4.1e-12, Piper et al. (1981), J. Chem. Phys. 74, 2888.
K_N2A_O2 = 4.1e-12
#: N2(A) radiative rate (Vegard-Kaplan), 0.77 s^-1, Shemansky (1969), J. Chem. Phys. 51, 689.
A_N2A = 0.77

# --- O(1S): 557.7 nm ------------------------------------------------------------------------
#: Einstein coefficients of O(1S): 557.7 nm 1.215 s^-1 and 297.2 nm 0.076 s^-1, Vallance Jones
#: (1974) (the same in Itikawa & Ichimura 1990, J. Phys. Chem. Ref. Data 19, 637).
A_5577, A_2972 = 1.215, 0.076
#: O(1S) + O: 2.0e-14, Slanger & Black (1981), J. Chem. Phys. 75, 2247.
K_O1S_O = 2.0e-14
#: O(1S) + O2: 4.0e-12 exp(-865/T), Slanger et al. (1972), J. Chem. Phys. 56, 1202.
K_O1S_O2, K_O1S_O2_T = 4.0e-12, 865.0
#: O(1S) yield of O2+ + e: 0.12 + 0.02 log10((n_e/[O]) (300/T_e)^0.7), at least 0.03, Yee et al.
#: (1988), Geophys. Res. Lett. 15, 1101.
O1S_DR_BASE, O1S_DR_SLOPE, O1S_DR_FLOOR = 0.12, 0.02, 0.03
#: Electron-impact O(1S) per ion pair, Y = Y_max r / (r + r_half) with r = [O]/[N2]: secondary
#: electrons above 4.2 eV share their energy between O and N2, so the O(1S) yield follows the
#: oxygen share of the gas. Y_max and r_half are fitted (with the GLOW-calibrated ionization
#: profiles) to GLOW's column-integrated direct O(1S) excitation per ion pair, 0.046 at 0.2 keV
#: mean energy to 0.008 at 20 keV (GLOW v0.981, 70 N 0 E; within 10 % at every energy).
O1S_EI_MAX, O1S_EI_HALF = 0.055, 0.365

# --- O(1D): 630.0 and 636.4 nm --------------------------------------------------------------
#: Einstein coefficients of O(1D): 630.0 nm 5.85e-3 and 636.4 nm 1.85e-3 s^-1, Baluja & Zeippen
#: (1988), J. Phys. B 21, 1455 (GLOW's pair; 630.0/636.4 = 3.16, observed 2.997 +- 0.016 by
#: Sharpee & Slanger 2006, J. Phys. Chem. A 110, 6707). 639.2 nm (~1e-6 s^-1) is neglected.
A_6300, A_6364 = 5.85e-3, 1.85e-3
#: O(1D) + N2: 2.15e-11 exp(110/T); O(1D) + O2: 3.3e-11 exp(55/T): the NASA/JPL evaluation
#: (Burkholder et al. 2019, JPL Publication 19-5, Evaluation No. 19; from the measurements of
#: Dunlea & Ravishankara 2004, Phys. Chem. Chem. Phys. 6, 2152, and Blitz et al. 2004, ibid. 6,
#: 2162). 7 % (N2) and 12 % (O2) above Streit et al. (1976), which GLOW keeps.
K_O1D_N2, K_O1D_N2_T, K_O1D_O2, K_O1D_O2_T = 2.15e-11, 110.0, 3.3e-11, 55.0
#: O(1D) + O(3P): 2.0e-11, the laboratory rate coefficient (295 K) adopted by Kalogerakis et al.
#: (2009), Ann. Geophys. 27, 2183 ("very efficient, almost the same rate coefficient as N2"): with
#: it the 630.0 nm decay times of ionospheric-heating experiments give NRLMSIS's [O] above 250 km.
#: Taken independent of temperature (no measurement at thermospheric temperatures). GLOW keeps
#: 3.0e-12 (Abreu et al. 1986, Planet. Space Sci. 34, 1143; Yee, p.c.), ~7 x smaller: between 200
#: and 300 km, where [O] ~ 1e9 cm^-3, this is the largest loss of O(1D) (docs/physics.md sec 5.1).
K_O1D_O = 2.0e-11
#: O(1D) + e: 8.1e-10 (T_e/300)^0.5, Link (1982), JGR 87, 2645, evaluated at the neutral
#: temperature: there is no electron energy equation here, and the term is small (weighted by the
#: 630.0 emission, 0.2 % of the O(1D) loss at 1 erg and 2 keV, 1.5 % at 1 erg and 0.5 keV, 11 % at
#: 10 erg and 0.5 keV). An auroral T_e of 2-3 x T_n would raise it by sqrt(2-3).
K_O1D_E = 8.1e-10
#: O(1D) per O2+ dissociative recombination: 1.09, from the storage-ring branching fractions
#: O(3P)+O(3P) : O(3P)+O(1D) : O(1D)+O(1D) : O(1D)+O(1S) = 0.22 : 0.42 : 0.31 : 0.05 of Kella et
#: al. (1997), Science 276, 1530 (0.42 + 2 x 0.31 + 0.05); Abreu et al. (1986) had inferred 1.20.
O1D_PER_O2P_DR = 0.42 + 2.0 * 0.31 + 0.05
#: Electron-impact O(1D) per ion pair, Y = Y_max r / (r + r_half) with r = [O]/[N2]: low-energy
#: secondaries (below ~5 eV) lose their energy either by exciting O(1D) (1.96 eV) or to N2
#: vibration, so the yield follows the oxygen share of the gas. Y_max = 1.14 and r_half = 0.47 are
#: fitted (with our ionization profiles) to the column-integrated *direct* electron-impact O(1D)
#: excitation per ion pair of GLOW's cross-section transport (Solomon et al. 1988, JGR 93, 9867;
#: Solomon 2017): 0.79, 0.79, 0.69, 0.56, 0.40, 0.22, 0.13 for <E> = 0.2-20 keV (GLOW v0.981,
#: 70 N 0 E; the fit is within 5 % at every energy). Being direct excitation only, it does not
#: contain N+ + O2, O2+ + e or the N(2D) channels, which are added explicitly (the earlier fit to
#: GLOW's total altitude-resolved production counted N+ + O2 twice). Above ~250 km the yield falls
#: (secondaries there lose much of their energy to the thermal electrons and escape upward): a
#: logistic step to a floor of 0.25, centred at O1D_EI_FALLOFF_KM with a 14.8 km width, as GLOW's
#: altitude-resolved O(1D) excitation per ion pair (0.56-0.85 near 275 km, ~0.37 at 320 km, ~0.26
#: at 380 km). A parameterization read off GLOW, not a first-principles yield; see docs/physics.md.
O1D_EI_MAX, O1D_EI_HALF = 1.14, 0.47
O1D_EI_FLOOR, O1D_EI_FALLOFF_KM, O1D_EI_FALLOFF_WIDTH_KM = 0.25, 280.0, 14.8

# --- N(2D) ------------------------------------------------------------------------------------
#: N(2D) per N2 ionization by electron-impact dissociation of N2: Zipf et al. (1980), JGR 85, 687,
#: give the atoms of electron-impact dissociation of N2 as N+ : N(2P) : N(2D) : N(4S) =
#: 0.135 : 0.165 : 0.30 : 0.40 (100 eV); scaled by our N+ per N2 ionization (0.16, Richards & Torr
#: 1985) this is 0.16 x 0.30 / 0.135 = 0.36 N(2D) per N2 ionization.
N2D_PER_N2_ION = N_PLUS_FROM_N2 * 0.30 / 0.135
#: N(2D) per N2+ + e recombination 1.9 and per N2+ + O -> NO+ + N(2D) reaction 1.0, as in
#: Solomon, Hays & Abreu (1988), JGR 93, 9867 (after Queffelec et al. 1985).
N2D_PER_N2P_DR, N2D_PER_N2P_O = 1.9, 1.0
#: N(2D) per NO+ + e recombination: 0.76, Kley, Lawrence & Stone (1977), J. Chem. Phys. 66, 4157.
N2D_PER_NOP_DR = 0.76
#: N(2D) + O2 -> NO + O: 6.0e-12 (Lin & Kaufman 1971, J. Chem. Phys. 55, 3760), O(1D) in a fraction
#: 0.1 of the reactions; N(2D) + O -> N(4S) + O: 6.9e-13 (Fell, Steinfeld & Miller 1990, J. Chem.
#: Phys. 92, 4768), O(1D) fraction 0.1 -- both branching fractions as adopted by Solomon et al.
#: (1988) and GLOW (Rusch et al. 1978, GRL 5, 1043, argued for a larger O2 one; Meier et al. 1989,
#: JGR 94, 13541, found no need for it).
K_N2D_O2, N2D_O2_TO_O1D = 6.0e-12, 0.1
K_N2D_O, N2D_O_TO_O1D = 6.9e-13, 0.1
#: N(2D) + NO -> N2 + O: 7.0e-11, O(1S) in a fraction 0.2 of the reactions (Fell et al. 1990; the
#: O(1S) fraction as in GLOW, Solomon 2017).
K_N2D_NO, N2D_NO_TO_O1S = 7.0e-11, 0.2
#: N(2D) + e -> N(4S) + e: 5.5e-10 (T_e/300)^0.5, Frederick & Rusch (1977), JGR 82, 3509.
K_N2D_E = 5.5e-10
#: N(2D) radiation (519.8/520.0 nm): 1.07e-5 s^-1, Wiese, Fuhr & Deters (1996), NIST atomic
#: transition probabilities (C, N, O).
A_N2D = 1.07e-5

# --- O+ transport above ~250 km -------------------------------------------------------------
#: O+ - O resonant charge-exchange collision frequency nu = 3.67e-11 [O] T_r^0.5
#: (1 - 0.064 log10 T_r)^2 s^-1, Schunk & Nagy (2009), "Ionospheres", 2nd ed., Table 4.5.
NU_OP_O, NU_OP_O_LOG = 3.67e-11, 0.064
_M_O_G = 16.0 * AMU_G

LINE_COUNT = len(LINE_KEYS)
(_I3914, _I4278, _I4709, _I5577, _I6300, _I6364, _I1PG, _I7774, _I8446) = (
    LINE_KEYS.index(k) for k in ("391.4", "427.8", "470.9", "557.7", "630.0", "636.4", "670.0", "777.4", "844.6")
)


@njit(cache=True)
def _op_transport_rate(o, temp, gravity):
    """Local loss rate of O+ by ambipolar diffusion, D_a / H_p^2 = m g^2 / (2 k T nu) (T_e = T_i = T)."""
    # [O] is floored at 1 cm^-3: NRLMSISE-00 has none below ~72 km (there O+ is gone anyway).
    nu = NU_OP_O * max(o, 1.0) * np.sqrt(temp) * (1.0 - NU_OP_O_LOG * np.log10(temp)) ** 2
    return _M_O_G * gravity * gravity / (2.0 * BOLTZMANN_ERG_K * temp * nu)


@njit(cache=True)
def _o1s_loss(o, o2, temp):
    """Total loss rate of O(1S), s^-1: radiation plus quenching by O and O2."""
    return A_5577 + A_2972 + K_O1S_O * o + K_O1S_O2 * np.exp(-K_O1S_O2_T / temp) * o2


@njit(cache=True)
def _o1d_loss(n2, o2, o, ne, temp):
    """Total loss rate of O(1D), s^-1: radiation plus quenching by N2, O2, O and electrons."""
    return (
        A_6300
        + A_6364
        + K_O1D_N2 * np.exp(K_O1D_N2_T / temp) * n2
        + K_O1D_O2 * np.exp(K_O1D_O2_T / temp) * o2
        + K_O1D_O * o
        + K_O1D_E * np.sqrt(temp / 300.0) * ne
    )


def impact_yields(atm: Atmosphere) -> tuple[np.ndarray, np.ndarray]:
    """Electron-impact O(1S) and O(1D) excitations per ion pair at each altitude of ``atm``."""
    r = atm.o_cm3 / atm.n2_cm3
    o1s = O1S_EI_MAX * r / (r + O1S_EI_HALF)
    o1d = O1D_EI_MAX * r / (r + O1D_EI_HALF)
    step = 1.0 / (1.0 + np.exp((atm.altitude_km - O1D_EI_FALLOFF_KM) / O1D_EI_FALLOFF_WIDTH_KM))
    return o1s, O1D_EI_FLOOR + (o1d - O1D_EI_FLOOR) * step


def survival_fractions(atm: Atmosphere, electron_density_cm3: np.ndarray | float = 0.0):
    """Fraction of O(1S) and of O(1D) atoms that radiate rather than being quenched, A / (A + L_q).

    Returns
    -------
    o1s, o1d : ndarray (n_altitude,)
    """
    ne = np.broadcast_to(np.asarray(electron_density_cm3, dtype=float), atm.altitude_km.shape)
    o1s = (A_5577 + A_2972) / _o1s_loss(atm.o_cm3, atm.o2_cm3, atm.temperature_k)
    o1d = (A_6300 + A_6364) / _o1d_loss(atm.n2_cm3, atm.o2_cm3, atm.o_cm3, ne, atm.temperature_k)
    return o1s, o1d


@njit(cache=True)
def _point(q, n2, o2, o, n_atom, no, temp, gravity, y_o1s, y_o1d, ver):
    """Fill ``ver`` (n_lines,) for one altitude; return the electron and N2+ densities."""
    t300 = temp / 300.0
    # Species ionization rates.
    w_sum = W_N2 * n2 + W_O2 * o2 + W_O * o
    q_n2, q_o2, q_o = q * W_N2 * n2 / w_sum, q * W_O2 * o2 / w_sum, q * W_O * o / w_sum

    # Temperature-dependent rate coefficients (T_eff = T).
    if t300 < 5.6667:  # O+ + N2 -> NO+ + N, St. Maurice & Torr (1978), JGR 83, 969
        k_op_n2 = 1.533e-12 - 5.92e-13 * t300 + 8.6e-14 * t300**2
    else:
        k_op_n2 = 2.73e-12 - 1.155e-12 * t300 + 1.483e-13 * t300**2
    if t300 < 6.6667:  # O+ + O2 -> O2+ + O, Chen et al. (1978), JGR 83, 1458; St. Maurice & Torr (1978)
        k_op_o2 = 3.53e-11 - 1.84e-11 * t300 + 4.62e-12 * t300**2 - 4.95e-13 * t300**3 + 2.0e-14 * t300**4
    else:
        k_op_o2 = 2.82e-11 - 7.74e-12 * t300 + 1.073e-12 * t300**2 - 5.17e-14 * t300**3 + 9.65e-16 * t300**4
    # N2+ + O -> NO+ + N, fit to McFarland et al. (1974), J. Chem. Phys. 60, 4016
    k_n2p_o = 1.793e-10 - 6.242e-11 * t300 + 1.225e-11 * t300**2 - 1.016e-12 * t300**3 + 3.087e-14 * t300**4
    k_n2p_o2 = K_N2P_O2 * t300**-K_N2P_O2_EXP
    a_nop = ALPHA_NOP * t300**-ALPHA_NOP_EXP
    if temp < 1200.0:
        a_o2p = ALPHA_O2P_COLD * t300**-ALPHA_O2P_COLD_EXP
    else:
        a_o2p = ALPHA_O2P_HOT * t300**-ALPHA_O2P_HOT_EXP
    a_n2p = ALPHA_N2P * t300**-ALPHA_N2P_EXP

    # Ions whose loss does not involve electrons, then the rest as functions of n_e.
    n_plus = N_PLUS_FROM_N2 * q_n2 / (K_NP_O2 * o2 + K_NP_O * o)
    p_n2p = (1.0 - N_PLUS_FROM_N2) * q_n2
    l_n2p = (k_n2p_o + K_N2P_O_CHARGE) * o + k_n2p_o2 * o2
    p_op = q_o + O_PLUS_FROM_O2 * q_o2 + n_plus * (K_NP_O * o + (1.0 - NP_O2_TO_NOP - NP_O2_TO_O2P) * K_NP_O2 * o2)
    l_op = k_op_n2 * n2 + k_op_o2 * o2 + _op_transport_rate(o, temp, gravity)
    p_o2p = (1.0 - O_PLUS_FROM_O2) * q_o2 + NP_O2_TO_O2P * K_NP_O2 * n_plus * o2
    l_o2p_neutral = K_O2P_NO * no + K_O2P_N * n_atom
    p_nop = NP_O2_TO_NOP * K_NP_O2 * n_plus * o2

    # Charge neutrality F(n_e) = sum(ions) - n_e = 0: F is convex and decreasing, so Newton in
    # ln n_e from the E-region estimate sqrt(q / alpha) converges in a few steps.
    ne = np.sqrt(q / a_o2p) + p_op / l_op
    n2p = op = o2p = nop = 0.0
    for _ in range(60):
        n2p = p_n2p / (l_n2p + a_n2p * ne)
        d_n2p = -n2p * a_n2p / (l_n2p + a_n2p * ne)
        op = (p_op + K_N2P_O_CHARGE * o * n2p) / l_op
        d_op = K_N2P_O_CHARGE * o * d_n2p / l_op
        l_o2p = a_o2p * ne + l_o2p_neutral
        o2p = (p_o2p + k_op_o2 * o2 * op + k_n2p_o2 * o2 * n2p) / l_o2p
        d_o2p = (k_op_o2 * o2 * d_op + k_n2p_o2 * o2 * d_n2p - a_o2p * o2p) / l_o2p
        prod_nop = p_nop + k_op_n2 * n2 * op + k_n2p_o * o * n2p + l_o2p_neutral * o2p
        nop = prod_nop / (a_nop * ne)
        d_nop = (k_op_n2 * n2 * d_op + k_n2p_o * o * d_n2p + l_o2p_neutral * d_o2p) / (a_nop * ne) - nop / ne
        f = n_plus + n2p + op + o2p + nop - ne
        step = f / (ne * (d_n2p + d_op + d_o2p + d_nop - 1.0))  # Newton step in ln n_e
        ne *= np.exp(min(max(-step, -2.0), 2.0))
        if abs(step) < 1e-9:
            break

    # Prompt emissions.
    v4278 = N2P_B_PER_N2_ION * N2P_B_TO_4278 * q_n2
    ver[_I4278] = v4278
    ver[_I3914] = N2P_B_PER_N2_ION * N2P_B_TO_3914 * q_n2
    ver[_I4709] = RATIO_4709_4278 * v4278
    ver[_I1PG] = N2_1PG_PER_4278 * v4278
    ver[_I7774] = PHOTONS_7774_PER_O_ION * q_o
    ver[_I8446] = PHOTONS_8446_PER_O_ION * q_o

    # N(2D), steady state (lifetime ~1 s or shorter in the aurora).
    p_n2d = (
        N2D_PER_N2_ION * q_n2
        + N2D_PER_N2P_DR * a_n2p * n2p * ne
        + N2D_PER_N2P_O * k_n2p_o * o * n2p
        + N2D_PER_NOP_DR * a_nop * nop * ne
    )
    n2d = p_n2d / (K_N2D_O2 * o2 + K_N2D_O * o + K_N2D_NO * no + K_N2D_E * np.sqrt(t300) * ne + A_N2D)

    # O(1S).
    n2a = N2A_PER_N2_ION * q_n2 / (K_N2A_O * o + K_N2A_O2 * o2 + A_N2A)
    b_dr = O1S_DR_BASE + O1S_DR_SLOPE * np.log10(ne / max(o, 1.0) * t300**-0.7)
    b_dr = max(b_dr, O1S_DR_FLOOR)
    p_o1s = (
        y_o1s * q
        + b_dr * a_o2p * o2p * ne
        + N2A_O_TO_O1S * K_N2A_O * n2a * o
        + O2P_N_TO_O1S * K_O2P_N * o2p * n_atom
        + N2D_NO_TO_O1S * K_N2D_NO * n2d * no
    )
    o1s = p_o1s / _o1s_loss(o, o2, temp)
    ver[_I5577] = A_5577 * o1s

    # O(1D), including the cascade from O(1S) through 557.7 nm.
    p_o1d = (
        y_o1d * q
        + O1D_PER_O2P_DR * a_o2p * o2p * ne
        + NP_O2_TO_O1D * K_NP_O2 * n_plus * o2
        + (N2D_O2_TO_O1D * K_N2D_O2 * o2 + N2D_O_TO_O1D * K_N2D_O * o) * n2d
        + A_5577 * o1s
    )
    l_o1d = _o1d_loss(n2, o2, o, ne, temp)
    ver[_I6300] = A_6300 * p_o1d / l_o1d
    ver[_I6364] = A_6364 * p_o1d / l_o1d
    return ne, n2p


@njit(cache=True)
def _columns(q, n2, o2, o, n_atom, no, temp, gravity, y_o1s, y_o1d, ver, ne, n2p):
    for c in range(q.shape[0]):
        for z in range(q.shape[1]):
            if q[c, z] > 0.0:
                ne[c, z], n2p[c, z] = _point(
                    q[c, z], n2[z], o2[z], o[z], n_atom[z], no[z], temp[z], gravity[z], y_o1s[z], y_o1d[z], ver[:, c, z]
                )
            else:
                ne[c, z] = n2p[c, z] = 0.0
                ver[:, c, z] = 0.0


def volume_emission_rates(
    q_cm3_s: np.ndarray, atm: Atmosphere, *, shadow_height_km: np.ndarray | float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Volume emission rates of every line in :data:`~norrsken.emission.lines.LINES`.

    Parameters
    ----------
    q_cm3_s
        Total ionization rate, ion pairs cm^-3 s^-1, shape (..., n_altitude) on ``atm``'s grid.
    atm
        The neutral atmosphere the ionization was computed for.
    shadow_height_km
        Height of the Earth's shadow over each column (broadcastable to ``q_cm3_s.shape[:-1]``):
        above it sunlight resonantly scattered by N2+ is added (:mod:`.sunlit`). ``None``
        (default) is a dark column.

    Returns
    -------
    ver_cm3_s : ndarray (n_lines, ..., n_altitude)
        Photons cm^-3 s^-1, lines in the order of ``LINES``.
    electron_density_cm3 : ndarray (..., n_altitude)
        Steady-state electron density.
    """
    ver, ne, n2p = species_and_emission(q_cm3_s, atm)
    if shadow_height_km is not None and atm.altitude_km[-1] > np.min(shadow_height_km):
        ver += resonant_ver(n2p, atm.altitude_km, shadow_height_km)
    return ver, ne


def species_and_emission(q_cm3_s: np.ndarray, atm: Atmosphere) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dark-column volume emission rates with the electron and N2+ densities.

    Returns
    -------
    ver_cm3_s : ndarray (n_lines, ..., n_altitude)
    electron_density_cm3, n2p_cm3 : ndarray (..., n_altitude)
    """
    q = np.asarray(q_cm3_s, dtype=float)
    if q.shape[-1] != atm.altitude_km.size:
        raise ValueError(f"ionization profile has {q.shape[-1]} levels, the atmosphere {atm.altitude_km.size}")
    flat = np.ascontiguousarray(q.reshape(-1, q.shape[-1]))
    ver = np.empty((LINE_COUNT,) + flat.shape)
    ne = np.empty(flat.shape)
    n2p = np.empty(flat.shape)
    y_o1s, y_o1d = impact_yields(atm)
    _columns(
        flat, atm.n2_cm3, atm.o2_cm3, atm.o_cm3, atm.n_cm3, atm.no_cm3, atm.temperature_k, atm.gravity_cm_s2,
        y_o1s, y_o1d, ver, ne, n2p,
    )
    return ver.reshape((LINE_COUNT,) + q.shape), ne.reshape(q.shape), n2p.reshape(q.shape)
