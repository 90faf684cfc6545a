"""A camera's sensor: its relative response per photon, its electrons, and their noise.

:mod:`norrsken.color` builds the camera's tables and colour profile on :func:`response` and turns
the white-balanced raw values of a :class:`~norrsken.color.CameraExposure` (1.0 = saturation)
into electrons with its ``saturation_electrons``; :func:`add_noise` draws the noise of one
frame in that raw space, before the colour-correction matrix mixes the channels.

Noise model, per pixel and channel (a Bayer sensor's demosaicked channels taken as independent):

- photon (shot) noise: the electron count is Poisson with the mean the light gives;
- dark current: ``dark_e`` electrons of thermal charge join that Poisson count, and their mean is
  taken off again (as a camera's black-level clamp on its optically black pixels does), so only
  their shot noise stays;
- read noise: Gaussian of ``read_noise_e`` electrons rms, the same at every signal level.

Nothing is clipped: values below 0 stay (a raw file with a black-level offset, as Canon's and
Sony's, keeps them, so the mean of a dark region stays unbiased; the display encoding maps
negative light to black after the colour matrix), and values above saturation go through the
picture's highlight shoulder like the noise-free ones.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from . import checks
from .errors import NorrskenError

# Generic Bayer CMOS sensor, relative response per photon. The shapes follow typical published
# curves, e.g. the NPL-measured Nikon D5100 set in colour-science (peaks 460, 530 and 595 nm; the
# red channel falls to half at 635 nm, where the stock IR-cut filter sets in). The
# dyes turn transparent in the near infrared, so without an IR cut all channels see 777.4 and 844.6.
#: Silicon photodiode QE: 50 % points at 400 nm (cover glass, microlenses) and 800 nm (absorption
#: depth of Si grows past the photodiode), logistic widths in nm; about 5 % of peak at 1000 nm.
_QE_BLUE_EDGE = (400.0, 8.0)
_QE_RED_EDGE = (800.0, 70.0)
#: Blue dye: Gaussian pass band (peak, sigma in nm), FWHM 71 nm.
_DYE_BLUE = (460.0, 30.0)
#: Green dye: Gaussian peak at 530 nm with sigma 35 nm on the blue side and 45 nm on the red side
#: (green dyes leak further into the red than into the blue); FWHM 94 nm.
_DYE_GREEN = (530.0, 35.0, 45.0)
#: Near-infrared leak of the blue and green dyes: logistic 50 % points and widths, nm.
_NIR_LEAK_BLUE = (810.0, 15.0)
_NIR_LEAK_GREEN = (780.0, 15.0)
#: Red dye: a long-pass edge at 575 nm (logistic width 6 nm).
_DYE_RED = (575.0, 6.0)
#: IR-cut filter of a stock camera: 50 % at 640 nm, logistic width 10 nm, so about 73 % at
#: 630.0 nm, 16 % at H-alpha (656.3 nm) and below 1e-5 at 777.4 nm.
_IR_CUT = (640.0, 10.0)

#: Pixel pitch of a 24 Mpx full-frame sensor (6000 px over 36 mm; the Sony A7 III's is 5.9 um), um.
PIXEL_PITCH_UM = 5.9
PIXEL_PITCH_RANGE_UM = (0.5, 50.0)
#: Peak quantum efficiency of the sensor behind its colour filters: the relative responses above
#: are scaled so that their highest value (blue at 460 nm; green peaks 1.3 % lower at 530 nm, red
#: 6 % lower at 607 nm without the IR cut) is this. ~0.5 is typical of
#: front-side-illuminated full-frame CMOS of the 2010s (a design choice, not one camera's figure).
QUANTUM_EFFICIENCY = 0.5
#: Read noise at high ISO, electrons rms: a design choice in the range of ISO-invariant CMOS with a
#: high conversion gain. B. Claff's model of the Sony A7R II (photonstophotos.net, "Sony A7RM2
#: DR-Pix Read Noise", 2015) gives ~1.0 e- at ISO 640-3200 (0.93 e- of the pixel, 2.9 e- of the
#: conversion divided by its gain of 6.35); 24 Mpx sensors with larger pixels read a little noisier.
READ_NOISE_E = 1.5
READ_NOISE_RANGE_E = (0.0, 100.0)
#: Dark current, electrons per second per pixel. Off by default: at the winter night temperatures
#: of aurora photography a modern CMOS makes a few hundredths of an electron a second, whose
#: shot noise over seconds is well below the read noise.
DARK_CURRENT_E_S = 0.0
DARK_CURRENT_RANGE_E_S = (0.0, 1e4)


def response(wavelength_nm: np.ndarray | float, ir_cut: bool) -> np.ndarray:
    """Relative (R, G, B) response per photon of the generic sensor, shape (..., 3).

    The silicon QE (50 % at 400 and 800 nm, ~5 % at 1000 nm) times the colour dyes (blue: Gaussian
    peak 460 nm, sigma 30 nm; green: peak 530 nm, sigma 35 nm below and 45 nm above; red:
    long-pass from 575 nm; the blue and green dyes turn transparent above 810 and 780 nm) times, if
    ``ir_cut``, an IR-cut filter with 50 % transmission at 640 nm (logistic width 10 nm). Absolute
    QE is this times :data:`QUANTUM_EFFICIENCY` / :data:`RESPONSE_PEAK`.
    """
    lam = np.asarray(wavelength_nm, dtype=float)[..., None]

    def rising(edge: tuple[float, float]) -> np.ndarray:
        return expit((lam - edge[0]) / edge[1])

    def gaussian(band: tuple[float, ...]) -> np.ndarray:
        # (peak, sigma) or (peak, sigma below the peak, sigma above it)
        sigma = np.where(lam < band[0], band[1], band[-1])
        return np.exp(-0.5 * ((lam - band[0]) / sigma) ** 2)

    qe = rising(_QE_BLUE_EDGE) * (1.0 - rising(_QE_RED_EDGE))
    # A dye transmits its pass band or its infrared leak, whichever is larger.
    dyes = np.concatenate([
        rising(_DYE_RED),
        np.maximum(gaussian(_DYE_GREEN), rising(_NIR_LEAK_GREEN)),
        np.maximum(gaussian(_DYE_BLUE), rising(_NIR_LEAK_BLUE)),
    ], axis=-1)
    relative = qe * dyes
    if ir_cut:
        relative = relative * (1.0 - rising(_IR_CUT))
    return relative


#: The highest relative response of any channel (without the IR cut, so that the filter does not
#: change the QE), on a 1 nm grid from 350 to 1100 nm.
RESPONSE_PEAK = float(response(np.arange(350.0, 1100.0, 1.0), ir_cut=False).max())


def check_sensor(pixel_pitch_um: object, quantum_efficiency: object, read_noise_e: object, dark_current_e_s: object) -> None:
    """Refuse sensor parameters outside their ranges (NorrskenError naming the parameter)."""
    checks.real("pixel_pitch_um", pixel_pitch_um, PIXEL_PITCH_RANGE_UM, "um")
    checks.real("quantum_efficiency", quantum_efficiency, (0.01, 1.0))
    checks.real("read_noise_e", read_noise_e, READ_NOISE_RANGE_E, "electrons")
    checks.real("dark_current_e_s", dark_current_e_s, DARK_CURRENT_RANGE_E_S, "electrons per second")


def add_noise(raw: np.ndarray, saturation_e: np.ndarray, read_noise_e: float, dark_e: float, seed: int) -> None:
    """Add one frame's shot, dark and read noise to raw sensor values, in place.

    Parameters
    ----------
    raw : numpy.ndarray
        Shape (3, N), float32: white-balanced raw (R, G, B) values, 1.0 = saturation; non-negative.
    saturation_e : numpy.ndarray
        Shape (3,): electrons of each channel at 1.0.
    read_noise_e : float
        Read noise, electrons rms.
    dark_e : float
        Mean dark charge of the exposure, electrons (its mean is taken off again).
    seed : int
        Seed of the random generator (numpy's PCG64): the same seed gives the same frame.
    """
    rng = np.random.default_rng(seed)
    per_e = np.asarray(saturation_e, dtype=np.float32)[:, None]
    electrons = raw * per_e
    if dark_e:
        electrons += np.float32(dark_e)
    noisy = rng.poisson(electrons).astype(np.float32)
    if dark_e:
        noisy -= np.float32(dark_e)
    if read_noise_e:
        read = rng.standard_normal(noisy.shape, dtype=np.float32)
        read *= np.float32(read_noise_e)
        noisy += read
    np.divide(noisy, per_e, out=raw)


def check_gain(pixel_gain: object, shape: tuple[int, ...]) -> np.ndarray:
    """``pixel_gain`` flattened to float32 (N,), refused unless of ``shape``, finite and >= 0."""
    gain = np.asarray(pixel_gain, dtype=np.float32)
    if gain.shape != shape:
        raise NorrskenError(f"pixel_gain must have the image's shape {shape}, got {gain.shape}", parameter="pixel_gain")
    if gain.size and not (gain.min() >= 0.0 and gain.max() < np.inf):
        raise NorrskenError("pixel_gain must be finite and non-negative", parameter="pixel_gain")
    return gain.reshape(-1)
