"""Colour: auroral line radiances (Rayleigh) to CIE XYZ and to display sRGB, as a camera or an eye sees them.

Two observers share one pipeline, ``radiances @ table -> linear sRGB -> gamut map -> shoulder -> sRGB
encoding``. The per-line tables are built once with colour-science and cached, so rendering a
frame is a matrix product and a few element-wise operations.

- :class:`CameraExposure`: a generic Bayer CMOS sensor (silicon QE times dye and IR-cut filters),
  profiled to sRGB with a colour-correction matrix fitted on the ColorChecker, exposed after
  ISO 12232. It has no rods: faint red and violet come out as a long exposure records them.
- :class:`EyeExposure`: the dark-adapted naked eye. CIE 1931 colour above the mesopic range,
  rod (scotopic) brightness without colour below it, a CIE 191:2010 blend in between, and a
  Naka-Rushton response to map absolute luminance to display brightness.

Lines are delta functions: a line of ``B`` Rayleigh has ``B 1e10 / (4 pi)`` photons s^-1 m^-2
sr^-1 (Hunten, Roach & Chamberlain 1956), spectral radiance ``B 1e10 / (4 pi) h c / lambda_vac``
W m^-2 sr^-1, and tristimulus values ``683 L_e (xbar, ybar, zbar)(lambda_air)``. The CIE tables are
given for wavelengths in standard air, so they are read at the air wavelength, while the photon
energy uses the vacuum wavelength.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from . import checks, sensor
from .emission.lines import LINE_KEYS, LINES, line_index
from .emission.sky_spectra import NIGHTGLOW_SPECTRA, SKY_SPECTRA
from .errors import NorrskenError

#: Planck constant (J s) and speed of light (m s^-1), exact in the 2019 SI.
PLANCK_J_S = 6.62607015e-34
LIGHT_SPEED_M_S = 299_792_458.0
#: Photons s^-1 m^-2 sr^-1 in one Rayleigh: 1e6 / (4 pi) cm^-2 (Hunten, Roach & Chamberlain 1956).
PHOTONS_PER_RAYLEIGH = 1e10 / (4.0 * np.pi)
#: Maximum luminous efficacy of photopic (683 lm W^-1) and scotopic (1700 lm W^-1) vision, CIE.
K_M = 683.0
K_PRIME_M = 1700.0

#: The CIE and ISO tables, from colour-science (tools/make_colour_tables.py says what is where):
#: read from a small packaged file, so that a picture does not import colour-science.
with np.load(Path(__file__).parent / "data" / "colour-tables.npz") as _file:
    _TABLES = {key: _file[key] for key in _file.files}
#: XYZ (D65 white) to linear sRGB, and the luminance of linear sRGB (0.2126, 0.7152, 0.0722): IEC 61966-2-1.
_XYZ_TO_SRGB = _TABLES["xyz_to_srgb"]
_LUMA = _TABLES["srgb_to_xyz"][1]
#: Wavelength grid of the spectral integrals (calibration and sky background): the 5 nm grid of
#: the ColorChecker reflectances (ISO 17321-1 set in colour-science), 380-780 nm, and its step.
_GRID_NM = _TABLES["grid_nm"]
_GRID_STEP_NM = 5.0
#: The CIE 1931 2-degree colour-matching functions (81, 3) and the CIE 1951 scotopic luminous
#: efficiency (81,) on that grid.
_CMFS_GRID = _TABLES["cmfs_grid"]
_SCOTOPIC_GRID = _TABLES["scotopic_grid"]

#: ISO 12232:2006 saturation-based speed: H_sat = 78 / S lux s, and the focal-plane exposure
#: H = q L t / N^2 with q = 0.65 (lens transmittance, vignetting and cos^4 for a typical lens).
_ISO_SATURATION_LUX_S = 78.0
_ISO_Q = 0.65

#: CIE 191:2010 mesopic range: cones alone above 5 cd m^-2, rods alone below 0.005 cd m^-2; the
#: adaptation coefficient m rises linearly in log10 luminance between the two. (physics.md 9.3
#: quotes ~0.005 and ~3; the CIE limits give the same picture for aurora, which stays below 1.)
_MESOPIC_LOW_CD = 0.005
_MESOPIC_HIGH_CD = 5.0
#: Eye brightness, a Naka-Rushton response R = L^n / (L^n + sigma^n) (Naka & Rushton 1966) of the
#: mesopic luminance. n and sigma are a design choice tuned to the IBC scale of 557.7 nm
#: (physics.md 10.3): 0.1 kR near black, 1 kR (IBC I, 2e-4 cd m^-2) faint, 10 kR plainly
#: visible, 100 kR bright, 1000 kR (IBC IV, 0.19 cd m^-2) near white.
_EYE_EXPONENT = 0.85
_EYE_SIGMA_CD = 0.03

#: A uniform dark sky of V = 22.0 mag arcsec^-2 (Benn & Ellison 1998, New Astron. Rev. 42, 503),
#: L = 1.08e5 * 10^(-0.4 V) cd m^-2 (Unihedron SQM conversion), D65: the orbital view's background
#: (a ground view has the sky's own light of :mod:`norrsken.render.skyglow`).
SKY_MAG_ARCSEC2 = 22.0
SKY_LUMINANCE_CD = 1.08e5 * 10.0 ** (-0.4 * SKY_MAG_ARCSEC2)

#: Knee of the highlight shoulder: above it the largest channel rolls off (Reinhard-like) toward 1.
_SHOULDER_KNEE = 0.8


@dataclasses.dataclass(frozen=True)
class CameraExposure:
    """A camera with a generic Bayer CMOS sensor, exposed after ISO 12232, and its noise.

    The sensor's R, G, B responses per photon are :func:`norrsken.sensor.response` (silicon QE
    times the colour dyes times, if ``ir_cut``, an IR-cut filter at 640 nm, as in stock cameras).
    Camera RGB goes to linear sRGB through a 3x3 colour-correction matrix fitted by least squares
    to the 24 ColorChecker patches (ISO 17321-1 reflectances) under D65, constrained so that D65
    white stays neutral and no spectrum gets a negative luminance. The fit uses the sensor with
    its IR cut in place, so removing the filter (``ir_cut=False``) adds infrared signal on the
    same profile, as in a modified camera.

    Exposure follows the ISO 12232 saturation-based speed: the focal-plane exposure is
    H = 0.65 L t / N^2 lux s and saturation is reached at H_sat = 78 / S lux s, so a neutral D65
    surface of luminance L (cd m^-2) gives the linear value 0.65 L t S / (78 N^2), 1.0 being
    sensor saturation. A channel saturates with the electrons that H_sat puts into a pixel
    (:attr:`saturation_electrons`): at ISO 3200 and 5.9 um, QE 0.5, 978 (R), 1587 (G) and 1080 (B)
    e- (at any f-number and time); ISO 800 has four times as many. The default frame (f/2.8, 8 s)
    records the dark sky (1.7e-4 cd m^-2, linear 0.0047) as 4.6 (R), 7.4 (G), 5.0 (B) e-, which
    their shot noise and 1.5 e- of read noise make a grainy black.

    Parameters
    ----------
    iso : float
        Saturation-based ISO speed S, 50 to 409600.
    f_number : float
        Aperture N, 0.7 to 32.
    exposure_s : float
        Exposure time t in seconds, 1e-4 to 3600.
    ir_cut : bool
        Whether the IR-cut filter is fitted. Without it the sensor records 777.4 and 844.6 nm and
        the long-wave part of the N2 1PG band.
    noise : bool
        Whether a frame rendered with a ``noise_seed`` gets noise (:mod:`norrsken.sensor`).
    pixel_pitch_um, quantum_efficiency, read_noise_e, dark_current_e_s : float
        Pixel pitch (0.5-50 um), peak QE (0.01-1), read noise (0-100 e- rms) and dark current
        (0-1e4 e- per second and pixel; only its shot noise shows): :mod:`norrsken.sensor`.
    vignetting : bool
        Whether the lens darkens off its axis (:func:`norrsken.render.camera.vignetting`, which
        the caller passes as ``pixel_gain``).
    """

    iso: float = 3200.0
    f_number: float = 2.8
    exposure_s: float = 8.0
    ir_cut: bool = True
    noise: bool = True
    pixel_pitch_um: float = sensor.PIXEL_PITCH_UM
    quantum_efficiency: float = sensor.QUANTUM_EFFICIENCY
    read_noise_e: float = sensor.READ_NOISE_E
    dark_current_e_s: float = sensor.DARK_CURRENT_E_S
    vignetting: bool = False

    def __post_init__(self) -> None:
        for name, valid, unit in (("iso", (50.0, 409600.0), ""), ("f_number", (0.7, 32.0), ""), ("exposure_s", (1e-4, 3600.0), "s")):
            checks.real(name, getattr(self, name), valid, unit)
        for name in ("ir_cut", "noise", "vignetting"):
            checks.flag(name, getattr(self, name))
        sensor.check_sensor(self.pixel_pitch_um, self.quantum_efficiency, self.read_noise_e, self.dark_current_e_s)

    @property
    def linear_per_cd_m2(self) -> float:
        """Linear sensor value (1.0 = saturation) of a neutral D65 surface of 1 cd m^-2."""
        return _ISO_Q * self.exposure_s * self.iso / (_ISO_SATURATION_LUX_S * self.f_number**2)

    @property
    def saturation_electrons(self) -> np.ndarray:
        """Electrons of each raw channel (R, G, B) at 1.0: those of D65 light at H_sat = 78 / S lux s
        through one pixel and the channel's absolute QE, shape (3,)."""
        area_m2 = (1e-6 * self.pixel_pitch_um) ** 2
        qe = self.quantum_efficiency / sensor.RESPONSE_PEAK
        return _ISO_SATURATION_LUX_S / self.iso * area_m2 * qe * _camera_profile()[0]


@dataclasses.dataclass(frozen=True)
class EyeExposure:
    """Dark-adapted naked eye.

    The photopic luminance L_p = Y and the scotopic luminance L_s = 1700 sum(V' L_e) set the
    adaptation coefficient m = log10(L_p / 0.005) / log10(5 / 0.005), clipped to [0, 1]: rods alone
    below 0.005 cd m^-2, cones alone above 5 cd m^-2 (CIE 191:2010 limits; m is taken from L_p
    instead of iterating, because the CIE iteration need not converge for nearly pure red light).
    Brightness follows the CIE 191 mesopic luminance
    L_mes = (m L_p + (1 - m) c L_s) / (m + (1 - m) c) with c = 683 / 1700, and colour fades with m:
    scotopic vision is achromatic. The display luminance is the Naka-Rushton response
    L_mes^0.85 / (L_mes^0.85 + 0.03^0.85), tuned so that 0.1 kR of 557.7 nm is near black, 1 kR
    (IBC I) faint, 10 kR plainly visible and grey, 100 kR bright and greenish, 1000 kR near white.
    """


Exposure = CameraExposure | EyeExposure


def describe_exposure(exposure: Exposure) -> dict:
    """The kind and settings of an exposure, for metadata."""
    return {"kind": type(exposure).__name__, **dataclasses.asdict(exposure)}


def _air_to_vacuum_nm(wavelength_nm: np.ndarray | float) -> np.ndarray:
    """Vacuum wavelength of an air wavelength, standard air (Edlen 1966, Metrologia 2, 71)."""
    wavelength_nm = np.asarray(wavelength_nm, dtype=float)
    # The formula wants the vacuum wavenumber; using the air one (3e-4 larger) changes n - 1 by
    # ~1e-7 of itself, i.e. the wavelength by ~3e-11 relative, so no iteration is needed.
    sigma2 = (1e3 / wavelength_nm) ** 2  # um^-2
    n_minus_1 = 1e-8 * (8342.13 + 2406030.0 / (130.0 - sigma2) + 15997.0 / (38.9 - sigma2))
    return wavelength_nm * (1.0 + n_minus_1)


def _joules_per_photon(wavelength_air_nm: np.ndarray | float) -> np.ndarray:
    return PLANCK_J_S * LIGHT_SPEED_M_S / (_air_to_vacuum_nm(wavelength_air_nm) * 1e-9)


def _at_line(table: str, wavelength_nm: float) -> np.ndarray:
    """``line_cmfs`` or ``line_scotopic`` of the packaged tables at a line component's wavelength."""
    found = np.flatnonzero(_TABLES["line_nm"] == wavelength_nm)
    if not found.size:
        raise NorrskenError(
            f"no colour tables at {wavelength_nm} nm: regenerate them with tools/make_colour_tables.py"
        )
    return _TABLES[table][found[0]]


def _check_keys(line_keys: Sequence[str]) -> tuple[str, ...]:
    if isinstance(line_keys, str):
        raise NorrskenError(f"line_keys must be a sequence of line keys, not the string {line_keys!r}")
    keys = tuple(line_keys)
    if not keys:
        raise NorrskenError("line_keys must name at least one line")
    for key in keys:
        line_index(key)  # raises NorrskenError listing the valid keys
    return keys


def _per_component(keys: tuple[str, ...], per_wavelength: Callable[[float], np.ndarray]) -> np.ndarray:
    """Stack ``per_wavelength(lambda_air)`` for each line; a band averages its components equally."""
    return np.array([
        np.mean([per_wavelength(nm) for nm in LINES[line_index(key)].components_nm], axis=0) for key in keys
    ])


@functools.lru_cache(maxsize=32)
def _xyz_table(keys: tuple[str, ...]) -> np.ndarray:
    def xyz(nm: float) -> np.ndarray:
        radiance = PHOTONS_PER_RAYLEIGH * _joules_per_photon(nm)  # W m^-2 sr^-1 per R
        return K_M * radiance * _at_line("line_cmfs", nm)

    return _per_component(keys, xyz)


@functools.lru_cache(maxsize=32)
def _scotopic_table(keys: tuple[str, ...]) -> np.ndarray:
    def scotopic(nm: float) -> np.ndarray:
        return K_PRIME_M * PHOTONS_PER_RAYLEIGH * _joules_per_photon(nm) * _at_line("line_scotopic", nm)

    return _per_component(keys, scotopic)


def xyz_per_rayleigh(line_keys: Sequence[str] = LINE_KEYS) -> np.ndarray:
    """Absolute CIE 1931 2-degree XYZ of one Rayleigh of each line.

    Parameters
    ----------
    line_keys : sequence of str
        Line keys of :mod:`norrsken.emission.lines`, e.g. ``("557.7", "630.0")``.

    Returns
    -------
    numpy.ndarray
        Shape (n_lines, 3), cd m^-2 per R. Bands average their component bands with equal
        weights; wavelengths outside the 360-830 nm domain of the CMFs give 0.

    Raises
    ------
    NorrskenError
        For an unknown line key.
    """
    return _xyz_table(_check_keys(line_keys)).copy()


def scotopic_per_rayleigh(line_keys: Sequence[str] = LINE_KEYS) -> np.ndarray:
    """Scotopic luminance of one Rayleigh of each line, 1700 V'(lambda) L_e (CIE 1951).

    Parameters
    ----------
    line_keys : sequence of str
        Line keys of :mod:`norrsken.emission.lines`.

    Returns
    -------
    numpy.ndarray
        Shape (n_lines,), scotopic cd m^-2 per R; 0 outside the 380-780 nm domain of V'.

    Raises
    ------
    NorrskenError
        For an unknown line key.
    """
    return _scotopic_table(_check_keys(line_keys)).copy()


#: Continuum light sources, by name: CIE spectra from colour-science (CIE 15:2018 tables; the
#: packaged ``continuum_<name>`` arrays, named in tools/make_colour_tables.py).
#: ``daylight``: D65 (the neutral reference, sunlit ground, the dark-sky continuum); ``sodium``: HP1,
#: the standard high-pressure sodium lamp (CCT 1950 K), most European street lighting until the
#: 2010s; ``led``: LED-B3, a phosphor-converted white LED (CCT 4100 K). ``moonlight`` is sunlight
#: reddened by the lunar reflectance, which rises steadily from blue to red (Lane & Irvine 1973,
#: AJ 78, 267): taken as a 4100 K Planckian. Stars are Planckians, ``"planck:<kelvin>"``.
#: The night sky's own light (nightglow, starlight, the moonlit and twilight sky): emission/sky_spectra.py.
_CIE_CONTINUA = tuple(key.removeprefix("continuum_") for key in _TABLES if key.startswith("continuum_"))
_MOONLIGHT_K = 4100.0
#: Second radiation constant of Planck's law in nm K (CIE 15:2018: 1.4388e-2 m K).
_PLANCK_C2_NM_K = 1.4388e7


def _check_continua(names: Sequence[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        raise NorrskenError(f"continua must be a sequence of spectrum names, not the string {names!r}")
    names = tuple(names)
    for name in names:
        _spectrum_on_grid(name)  # raises for an unknown name
    return names


@functools.lru_cache(maxsize=64)
def _spectrum_on_grid(name: str) -> np.ndarray:
    """Spectral radiance (W m^-2 sr^-1 nm^-1) of 1 cd m^-2 of a named continuum, on the 5 nm grid."""
    if name in _CIE_CONTINUA:
        spectrum = _TABLES[f"continuum_{name}"]
    elif name == "moonlight" or name.startswith("planck:"):
        kelvin = _MOONLIGHT_K if name == "moonlight" else _planck_kelvin(name)
        # Planck's law up to a constant factor (normalised below), with the second radiation
        # constant of CIE 15:2018, c2 = 1.4388e-2 m K (as colour-science's sd_blackbody).
        spectrum = _GRID_NM**-5.0 / np.expm1(_PLANCK_C2_NM_K / (_GRID_NM * kelvin))
    elif name in SKY_SPECTRA:  # the night sky's own light: a factor on photons, sunlight or moonlight
        base, factor = SKY_SPECTRA[name]
        spectrum = factor(_GRID_NM) * (_joules_per_photon(_GRID_NM) if base == "photons" else _spectrum_on_grid(base))
    else:
        names = ", ".join([*_CIE_CONTINUA, "moonlight", *SKY_SPECTRA])
        raise NorrskenError(f"unknown continuum {name!r}: use one of {names} or 'planck:<kelvin>'")
    return spectrum / (K_M * np.sum(spectrum * _CMFS_GRID[:, 1]) * _GRID_STEP_NM)


def airglow_cd_per_rayleigh(name: str) -> float:
    """Luminance (cd m^-2) of 1 R of a nightglow spectrum of emission/sky_spectra.py (1 R nm^-1 of
    ``"airglow_continuum"``); a NorrskenError for any other name."""
    if name not in NIGHTGLOW_SPECTRA:
        raise NorrskenError(f"unknown nightglow spectrum {name!r}: use one of {', '.join(NIGHTGLOW_SPECTRA)}")
    radiance = PHOTONS_PER_RAYLEIGH * SKY_SPECTRA[name][1](_GRID_NM) * _joules_per_photon(_GRID_NM)
    return float(K_M * np.sum(radiance * _CMFS_GRID[:, 1]) * _GRID_STEP_NM)


def _planck_kelvin(name: str) -> float:
    try:
        kelvin = float(name.removeprefix("planck:"))
    except ValueError:
        kelvin = math.nan
    if not 1000.0 <= kelvin <= 50000.0:
        raise NorrskenError(f"a Planckian continuum needs a temperature from 1000 to 50000 K, got {name!r}")
    return kelvin


def _photons(name: str) -> np.ndarray:
    """Photons s^-1 m^-2 sr^-1 per grid step of 1 cd m^-2 of a named continuum."""
    return _spectrum_on_grid(name) / _joules_per_photon(_GRID_NM) * _GRID_STEP_NM


@functools.lru_cache(maxsize=1)
def _camera_profile() -> tuple[np.ndarray, np.ndarray]:
    """Camera raw of 1 cd m^-2 of D65 white (3,) and the colour-correction matrix (3, 3).

    The raw is photons s^-1 m^-2 sr^-1 weighted by the relative response; the same numbers are
    the weighted photons m^-2 of a focal-plane exposure of 1 lux s of D65.

    The matrix maps white-balanced camera RGB to linear sRGB, fitted over the 24 ColorChecker
    patches under D65 (see :func:`_fit_colour_correction`).
    """
    wavelengths, d65, photons = _GRID_NM, _spectrum_on_grid("daylight"), _photons("daylight")
    response = sensor.response(wavelengths, ir_cut=True)
    white = photons @ response
    reflectances = _TABLES["colourchecker"]
    camera = (reflectances * photons) @ response / white
    xyz = K_M * (reflectances * d65 * _GRID_STEP_NM) @ _CMFS_GRID
    return white, _fit_colour_correction(camera, xyz @ _XYZ_TO_SRGB.T)


def _fit_colour_correction(camera: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares 3x3 matrix M with ``target ~ camera @ M.T``, under two constraints.

    Each row sums to 1, so white-balanced white (1, 1, 1) stays white. The luminance weights
    ``_LUMA @ M`` are non-negative, so no spectrum gets a negative luminance: the plain fit gives
    the blue channel a weight of about -0.1, which would put violet light darker than black and
    leave constant-luminance gamut mapping without a solution. Solved as an equality-constrained
    least-squares (KKT) system, adding a luminance constraint for each weight that comes out negative.
    """
    # Unknowns: M row by row; the normal equations are block-diagonal, one block per output channel.
    gram = np.kron(np.eye(3), camera.T @ camera)
    rhs = (camera.T @ target).T.ravel()
    white_rows = [np.kron(np.eye(3)[row], np.ones(3)) for row in range(3)]
    active: list[int] = []
    while True:
        constraints = np.array(white_rows + [np.kron(_LUMA, np.eye(3)[column]) for column in active])
        values = np.array([1.0, 1.0, 1.0] + [0.0] * len(active))
        size = len(constraints)
        kkt = np.block([[gram, constraints.T], [constraints, np.zeros((size, size))]])
        matrix = np.linalg.solve(kkt, np.concatenate([rhs, values]))[:9].reshape(3, 3)
        negative = [column for column in range(3) if column not in active and _LUMA @ matrix[:, column] < 0.0]
        if not negative:
            return matrix
        active += negative


@functools.lru_cache(maxsize=32)
def _camera_raw_table(keys: tuple[str, ...], continua: tuple[str, ...], ir_cut: bool) -> np.ndarray:
    """White-balanced camera raw per Rayleigh of each line, then per cd m^-2 of each continuum,
    shape (n, 3): (1, 1, 1) per cd m^-2 of D65."""
    white = _camera_profile()[0]
    lines = _per_component(keys, lambda nm: PHOTONS_PER_RAYLEIGH * sensor.response(nm, ir_cut))
    response = sensor.response(_GRID_NM, ir_cut)
    sources = np.array([_photons(name) @ response for name in continua]).reshape(-1, 3)
    return np.vstack([lines, sources]) / white


@functools.lru_cache(maxsize=32)
def _camera_table(keys: tuple[str, ...], continua: tuple[str, ...], ir_cut: bool) -> np.ndarray:
    """Linear sRGB per Rayleigh of each line, then per cd m^-2 of each continuum, shape (n, 3).

    Units: luminance of an equally bright neutral D65 surface, cd m^-2.
    """
    return _camera_raw_table(keys, continua, ir_cut) @ _camera_profile()[1].T


@functools.lru_cache(maxsize=32)
def _eye_table(keys: tuple[str, ...], continua: tuple[str, ...]) -> np.ndarray:
    """Per Rayleigh of each line, then per cd m^-2 of each continuum, shape (n, 4): linear sRGB in
    cd m^-2 and scotopic cd m^-2."""
    lines = np.column_stack([_xyz_table(keys) @ _XYZ_TO_SRGB.T, _scotopic_table(keys)])
    sources = [
        np.append(K_M * _GRID_STEP_NM * (_spectrum_on_grid(name) @ _CMFS_GRID) @ _XYZ_TO_SRGB.T,
                  K_PRIME_M * _GRID_STEP_NM * (_spectrum_on_grid(name) @ _SCOTOPIC_GRID))
        for name in continua
    ]
    return np.vstack([lines, *sources])


def _channels(sources: Sequence[np.ndarray], table: np.ndarray, offset: bool) -> np.ndarray:
    """Channel-first float32 sum of each source (..., n_i) times its rows of ``table``, taken in
    order; the table's last row is the sky background's, added to every pixel if ``offset``.

    Channel-first rows are contiguous, so the element-wise steps that follow run at full speed.
    """
    channels = None
    row = 0
    for source in sources:
        flat = source.reshape(-1, source.shape[-1])
        part = table[row : row + flat.shape[1]].T.astype(np.float32) @ flat.T
        channels = part if channels is None else channels + part
        row += flat.shape[1]
    assert channels is not None  # there is always a source: the line radiances
    if offset:
        channels += np.float32(SKY_LUMINANCE_CD) * table[-1][:, None].astype(np.float32)
    return channels


def _eye_linear(observed: np.ndarray) -> np.ndarray:
    """Display linear sRGB (3, N) from absolute linear sRGB and scotopic luminance (4, N), in cd m^-2."""
    rgb, scotopic = observed[:3], observed[3]
    photopic = _LUMA.astype(np.float32) @ rgb
    m = np.log10(np.maximum(photopic, _MESOPIC_LOW_CD) / _MESOPIC_LOW_CD) / np.float32(
        np.log10(_MESOPIC_HIGH_CD / _MESOPIC_LOW_CD)
    )
    m = np.minimum(m, 1.0)
    c = np.float32(K_M / K_PRIME_M)
    mesopic = np.maximum(m * photopic + (1.0 - m) * c * scotopic, 0.0) / (m + (1.0 - m) * c)
    powered = mesopic**_EYE_EXPONENT
    response = powered / (powered + np.float32(_EYE_SIGMA_CD**_EYE_EXPONENT))
    # Colour fades with m: a neutral part (1 - m) plus m times the chromaticity at unit luminance.
    # m > 0 only where photopic > 0.005, so the division is safe where it is used.
    chroma = np.divide(response * m, photopic, out=np.zeros_like(photopic), where=m > 0)
    return response * (1.0 - m) + chroma * rgb


def _encode(linear: np.ndarray) -> np.ndarray:
    """Gamut-map and tone-map linear sRGB (3, N), keeping hue; sRGB-encode to (N, 3) float32
    (``linear``, a temporary of the caller's, is overwritten).

    1. Desaturate toward grey at constant luminance just enough that no channel is negative.
       Moving along a line through grey keeps the ratios of channel differences, hence the hue.
       Luminance is never negative here (both observers' luminance weights are non-negative),
       so y / (y - min) lies in [0, 1).
    2. Roll the largest channel off above the knee towards 1, scaling all three channels alike.
    3. sRGB encoding (IEC 61966-2-1).
    """
    # In place where the arrays are frame-sized: fresh memory for every temporary costs more than
    # the arithmetic on a 1080p frame. Clamp float rounding only: a sum of non-negative terms can
    # come out at -1e-12.
    luminance = np.maximum(_LUMA.astype(np.float32) @ linear, 0.0)
    low = linear.min(axis=0)
    keep = np.divide(luminance, luminance - low, out=np.ones_like(low), where=low < 0)
    linear -= luminance
    linear *= keep
    linear += luminance
    np.maximum(linear, 0.0, out=linear)

    peak = linear.max(axis=0)
    over = np.maximum(peak - _SHOULDER_KNEE, 0.0)
    head = 1.0 - _SHOULDER_KNEE
    rolled = _SHOULDER_KNEE + head * over / (over + head)
    linear *= np.divide(rolled, peak, out=np.ones_like(peak), where=over > 0)

    dark = linear <= 0.0031308
    dark_part = 12.92 * linear[dark]
    np.power(linear, np.float32(1.0 / 2.4), out=linear)
    linear *= np.float32(1.055)
    linear -= np.float32(0.055)
    linear[dark] = dark_part
    # The clip only removes float rounding above 1.
    return np.clip(linear, 0.0, 1.0, out=linear).T


def line_radiance_to_display(
    brightness_r: np.ndarray,
    line_keys: Sequence[str],
    exposure: Exposure,
    *,
    background: bool = False,
    continuum_cd: np.ndarray | None = None,
    continua: Sequence[str] = (),
    noise_seed: int | None = None,
    pixel_gain: np.ndarray | None = None,
) -> np.ndarray:
    """Display sRGB of line radiances and continuum sources, as a camera records them or a
    dark-adapted eye sees them.

    Parameters
    ----------
    brightness_r : numpy.ndarray
        Line radiances in Rayleigh, shape (..., n_lines); the last axis follows ``line_keys``.
        Must be finite and non-negative.
    line_keys : sequence of str
        Line keys of :mod:`norrsken.emission.lines`.
    exposure : CameraExposure or EyeExposure
        The observer (see their docstrings for the models).
    background : bool
        Add the natural dark-sky continuum (V = 22.0 mag arcsec^-2, 1.7e-4 cd m^-2, D65 spectrum).
    continuum_cd : numpy.ndarray, optional
        Luminances (cd m^-2) of continuum sources, shape (..., n_continua) with the leading shape
        of ``brightness_r``: city lights, moonlit ground, stars. Finite and non-negative.
    continua : sequence of str
        The spectrum of each source: ``"daylight"`` (D65), ``"moonlight"``, ``"sodium"`` (CIE HP1),
        ``"led"`` (CIE LED-B3) or ``"planck:<kelvin>"``.
    noise_seed : int, optional
        For a :class:`CameraExposure` with ``noise``: the seed of the frame's shot, dark and read
        noise (:func:`norrsken.sensor.add_noise`), drawn per pixel and channel in camera raw space
        before the colour-correction matrix. None (and the eye, always): no noise.
    pixel_gain : numpy.ndarray, optional
        Shape of the image (``brightness_r.shape[:-1]``), finite and non-negative: multiplies all
        the light of each pixel before the noise (vignetting).

    Returns
    -------
    numpy.ndarray
        Shape (..., 3), float32 gamma-encoded sRGB in [0, 1]. Out-of-gamut colours (every single
        auroral line) are desaturated toward grey at constant luminance and highlights rolled off
        with all channels scaled alike, so hue is preserved.

    Raises
    ------
    NorrskenError
        For an unknown line key, a last axis that does not match ``line_keys``, a negative or
        non-finite radiance, an exposure of the wrong type, a seed that is not a whole number
        0 to 2^63 - 1, or a ``pixel_gain`` of the wrong shape, negative or not finite.
    """
    keys = _check_keys(line_keys)
    # Single precision is plenty for display values and halves the memory traffic of a frame.
    radiance = np.asarray(brightness_r, dtype=np.float32)
    if radiance.ndim == 0 or radiance.shape[-1] != len(keys):
        raise NorrskenError(
            f"brightness_r must have a last axis of {len(keys)} (one per line key), got shape {radiance.shape}"
        )
    # min and max propagate NaN, which fails both comparisons: one pass each refuses NaN, inf and < 0.
    if radiance.size and not (radiance.min() >= 0.0 and radiance.max() < np.inf):
        raise NorrskenError("brightness_r must be finite and non-negative (Rayleigh)")
    spectra = _check_continua(continua)
    arrays = [radiance]
    if spectra or continuum_cd is not None:
        continuum = np.asarray(continuum_cd, dtype=np.float32)
        if continuum.shape != (*radiance.shape[:-1], len(spectra)):
            raise NorrskenError(
                f"continuum_cd must have shape {(*radiance.shape[:-1], len(spectra))} (one luminance per "
                f"continuum name), got {continuum.shape}"
            )
        if continuum.size and not (continuum.min() >= 0.0 and continuum.max() < np.inf):
            raise NorrskenError("continuum_cd must be finite and non-negative (cd m^-2)")
        arrays.append(continuum)
    # The sky background is one more continuum, added to every pixel.
    names = (*spectra, "daylight")
    gain = None if pixel_gain is None else sensor.check_gain(pixel_gain, radiance.shape[:-1])
    seed = None if noise_seed is None else checks.integer("noise_seed", noise_seed, (0, 2**63 - 1))
    if isinstance(exposure, CameraExposure) and exposure.noise and seed is not None:
        table = _camera_raw_table(keys, names, exposure.ir_cut) * exposure.linear_per_cd_m2
        raw = _channels(arrays, table, background)
        if gain is not None:
            raw *= gain
        dark_e = exposure.dark_current_e_s * exposure.exposure_s
        sensor.add_noise(raw, exposure.saturation_electrons, exposure.read_noise_e, dark_e, seed)
        linear = _camera_profile()[1].astype(np.float32) @ raw
    elif isinstance(exposure, CameraExposure):
        table = _camera_table(keys, names, exposure.ir_cut) * exposure.linear_per_cd_m2
        linear = _channels(arrays, table, background)
        if gain is not None:
            linear *= gain  # the colour matrix is linear: the same as before it
    elif isinstance(exposure, EyeExposure):
        observed = _channels(arrays, _eye_table(keys, names), background)
        if gain is not None:
            observed *= gain
        linear = _eye_linear(observed)
    else:
        raise NorrskenError(f"exposure must be a CameraExposure or an EyeExposure, got {type(exposure).__name__}")
    return _encode(linear).reshape(*radiance.shape[:-1], 3)


def to_uint8(display: np.ndarray) -> np.ndarray:
    """8-bit image of display sRGB values in [0, 1] (rounded; values outside [0, 1] are clipped).

    Raises
    ------
    NorrskenError
        If any value is not finite.
    """
    display = np.asarray(display, dtype=float)
    if not np.all(np.isfinite(display)):
        raise NorrskenError("display values must be finite")
    return np.rint(np.clip(display, 0.0, 1.0) * 255.0).astype(np.uint8)
