"""One auroral column computed directly: ionization, VER of every line, brightness, peak heights."""

from __future__ import annotations

import functools

import numpy as np
import xarray as xr

from ..atmosphere import atmosphere
from ..ephemeris import solar_zenith_deg
from ..errors import NorrskenError, OutOfRangeError
from ..times import TimeLike
from .chemistry import volume_emission_rates
from .ionization import ionization_rate
from .lines import LINES
from .sunlit import solar_zenith_to_shadow_height_km

#: Below this energy flux (erg cm^-2 s^-1) a column is ~1e-4 R: refused rather than computed in
#: floating-point dust.
MIN_ENERGY_FLUX_ERG = 1e-6
#: photons cm^-2 s^-1 (4 pi column) per rayleigh.
PHOTONS_PER_RAYLEIGH = 1e6


def peak_altitude_km(altitude_km: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Altitude of the maximum of each profile (last axis), refined by a parabola through 3 levels.

    NaN for an all-zero profile; the grid level itself when the maximum is at an end.
    """
    profile = np.asarray(profile, dtype=float)
    i = np.clip(np.argmax(profile, axis=-1), 1, altitude_km.size - 2)
    take = lambda k: np.take_along_axis(profile, (i + k)[..., None], axis=-1)[..., 0]  # noqa: E731
    y0, y1, y2 = take(-1), take(0), take(1)
    x0, x1, x2 = altitude_km[i - 1], altitude_km[i], altitude_km[i + 1]
    # Vertex of the parabola through (x0, y0), (x1, y1), (x2, y2) (any spacing).
    num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
    den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
    with np.errstate(invalid="ignore", divide="ignore"):
        vertex = x1 - 0.5 * num / den
    interior = (y1 >= y0) & (y1 >= y2) & (den != 0)
    at_max = altitude_km[np.argmax(profile, axis=-1)]
    peak = np.where(interior, np.clip(vertex, x0, x2), at_max)
    return np.where(profile.max(axis=-1) > 0, peak, np.nan)


def column(
    time: TimeLike,
    lat: float,
    lon: float,
    mean_energy_kev: float,
    energy_flux_erg: float,
    *,
    indices=None,
    spectrum: str = "maxwellian",
    altitude_km: np.ndarray | None = None,
    msis_version: float = 2.1,
    sunlit: bool = True,
) -> xr.Dataset:
    """Volume emission rates and column brightness of the auroral lines over one place.

    Parameters
    ----------
    time
        Timezone-aware UTC time.
    lat, lon
        Geodetic latitude and longitude, degrees.
    mean_energy_kev
        Mean energy of the precipitating electrons, 0.1-50 keV (for a Maxwellian the characteristic
        energy is half of it).
    energy_flux_erg
        Downward energy flux, erg cm^-2 s^-1 (= mW m^-2), positive.
    indices
        :class:`~norrsken.drivers.kp.Indices` (or a mapping) with F10.7 of the previous day, its
        81-day mean (sfu) and daily Ap; each not given comes from the embedded history.
    spectrum
        ``maxwellian`` (default), ``kappa`` (kappa = 4), ``gaussian`` (width 10 %) or
        ``monoenergetic``.
    altitude_km
        Altitude grid, default 80-500 km (1 km to 200 km, 2.5 km above).
    msis_version
        2.1 (default) or 0 (NRLMSISE-00, as GLOW uses).
    sunlit
        Add sunlight resonantly scattered by N2+ where the column stands above the Earth's
        shadow (default); ``False`` computes it as dark at any solar zenith angle.

    Returns
    -------
    xarray.Dataset
        ``ver_cm3_s(line, altitude_km)`` photons cm^-3 s^-1; ``ionization_rate_cm3_s(altitude_km)``
        ion pairs cm^-3 s^-1; ``electron_density_cm3(altitude_km)``; ``brightness_r(line)`` vertical
        column in rayleigh; ``peak_altitude_km(line)``; ``sunlit(altitude_km)``, True above the
        Earth's shadow; scalars ``ionization_column_cm2_s``, ``ionization_peak_altitude_km``,
        ``solar_zenith_deg`` and ``shadow_height_km`` (0 in daylight, inf when ``sunlit`` is
        False). Coordinates ``line`` (keys such as ``"557.7"``),
        ``wavelength_nm`` and ``line_name``; the inputs are in ``attrs``.

    Raises
    ------
    NorrskenError
        For invalid input (with a one-line message); :class:`~norrsken.errors.OutOfRangeError` for
        values outside the model's range.
    """
    if np.ndim(mean_energy_kev) or np.ndim(energy_flux_erg) or np.ndim(lat) or np.ndim(lon):
        raise NorrskenError(
            "column() computes one column and takes scalars; for many spectra use "
            "emission.ionization_rate with chemistry.volume_emission_rates, or an emission table"
        )
    if 0.0 < float(energy_flux_erg) < MIN_ENERGY_FLUX_ERG:
        raise OutOfRangeError(
            f"energy flux {float(energy_flux_erg):g} erg cm^-2 s^-1 is below {MIN_ENERGY_FLUX_ERG:g}: no visible aurora"
        )
    atm = atmosphere(time, lat, lon, altitude_km, indices=indices, msis_version=msis_version)
    q = ionization_rate(atm, mean_energy_kev, energy_flux_erg, spectrum)
    sza = float(solar_zenith_deg(time, lat, lon))
    shadow = float(solar_zenith_to_shadow_height_km(sza)) if sunlit else np.inf
    ver, electron_density = volume_emission_rates(q, atm, shadow_height_km=shadow)
    z_cm = atm.altitude_km * 1e5
    alt = atm.altitude_km
    ds = _template(alt.tobytes()).copy(deep=False)
    for name, values in (
        ("ver_cm3_s", ver),
        ("ionization_rate_cm3_s", q),
        ("electron_density_cm3", electron_density),
        ("brightness_r", np.trapezoid(ver, z_cm, axis=-1) / PHOTONS_PER_RAYLEIGH),
        ("peak_altitude_km", peak_altitude_km(alt, ver)),
        ("ionization_column_cm2_s", np.trapezoid(q, z_cm)),
        ("ionization_peak_altitude_km", peak_altitude_km(alt, q)),
        ("sunlit", alt > shadow),
        ("solar_zenith_deg", sza),
        ("shadow_height_km", shadow),
    ):
        ds.variables[name].data = values
    ds.attrs = {
        "product": "column",
        **atm.inputs(),
        "mean_energy_kev": float(mean_energy_kev),
        "energy_flux_erg": float(energy_flux_erg),
        "spectrum": spectrum,
        "model": "Fang et al. (2010) ionization, depth-calibrated to GLOW, + steady-state photochemistry + N2+ resonant scattering above the Earth's shadow (norrsken)",
    }
    return ds


@functools.lru_cache(maxsize=4)
def _template(altitude_bytes: bytes) -> xr.Dataset:
    """An empty column Dataset for one altitude grid; filling a copy is ~5 x cheaper than building."""
    alt = np.frombuffer(altitude_bytes)
    n_lines, n_alt = len(LINES), alt.size
    return xr.Dataset(
        {
            "ver_cm3_s": (("line", "altitude_km"), np.zeros((n_lines, n_alt)), {"units": "photons cm-3 s-1", "long_name": "volume emission rate"}),
            "ionization_rate_cm3_s": ("altitude_km", np.zeros(n_alt), {"units": "cm-3 s-1", "long_name": "total ionization rate"}),
            "electron_density_cm3": ("altitude_km", np.zeros(n_alt), {"units": "cm-3"}),
            "brightness_r": ("line", np.zeros(n_lines), {"units": "R", "long_name": "vertical column brightness"}),
            "peak_altitude_km": ("line", np.zeros(n_lines), {"units": "km"}),
            "ionization_column_cm2_s": ((), 0.0, {"units": "cm-2 s-1"}),
            "ionization_peak_altitude_km": ((), 0.0, {"units": "km"}),
            "sunlit": ("altitude_km", np.zeros(n_alt, dtype=bool), {"long_name": "above the Earth's shadow"}),
            "solar_zenith_deg": ((), 0.0, {"units": "deg"}),
            "shadow_height_km": ((), 0.0, {"units": "km", "long_name": "height of the Earth's shadow"}),
        },
        coords={
            "line": [line.key for line in LINES],
            "altitude_km": ("altitude_km", alt.copy(), {"units": "km"}),
            "wavelength_nm": ("line", [line.wavelength_nm for line in LINES]),
            "line_name": ("line", [line.name for line in LINES]),
        },
    )


def summary(ds: xr.Dataset) -> dict:
    """The column as one JSON-able dict: ``lines``, ``ionization`` and ``inputs``."""
    return {
        "lines": {
            str(key): {
                "brightness_r": float(ds["brightness_r"].sel(line=key)),
                "peak_altitude_km": float(ds["peak_altitude_km"].sel(line=key)),
            }
            for key in ds["line"].values
        },
        "ionization": {
            "column_cm2_s": float(ds["ionization_column_cm2_s"]),
            "peak_altitude_km": float(ds["ionization_peak_altitude_km"]),
        },
        "inputs": {key: value for key, value in ds.attrs.items() if key != "product"},
    }
