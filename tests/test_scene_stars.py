"""Star images: the PSF grows with the star's brightness and keeps its flux (render/scene.py)."""

import math

import numpy as np
import pytest

from norrsken.atmosphere import transmission
from norrsken.ephemeris import icrs_to_ecef
from norrsken.geometry import EARTH_RADIUS_KM, direction_from_enu, enu_basis
from norrsken.render.camera import PinholeCamera
from norrsken.render.catalogs import bright_stars, star_illuminance_lux
from norrsken.render.scene import STAR_PSF_MAX_PX, STAR_PSF_PX, star_light, star_psf_px

LAT, LON, TIME = 69.65, 18.96, "2017-01-18T21:00Z"
VEGA_HIP = 91262


def test_the_psf_law():
    # sigma = 0.8 px (1 + 0.3 max(0, 4 - V)), at most 2.4 px.
    np.testing.assert_allclose(star_psf_px(np.array([7.0, 4.0, 2.0, 0.0, -1.46])), [0.8, 0.8, 1.28, 1.76, 2.1104])
    assert star_psf_px(np.array([-5.0]))[0] == STAR_PSF_MAX_PX
    assert np.all(np.diff(star_psf_px(np.linspace(-2.0, 7.0, 50))) <= 0.0)  # never narrower when brighter


def _star_image(index: int, stars, enu):
    """A 1 deg pinhole frame (56 arcsec a pixel) centred on one catalogue star, its stars' light
    (cd m^-2) and the solid angle of each pixel (sr), computed here: cos^3(off-axis) / f^2."""
    direction = stars.direction_icrs[index] @ icrs_to_ecef(TIME).T @ enu.T
    az, el = direction_from_enu(direction)
    camera = PinholeCamera(64, 64, azimuth_deg=float(az), elevation_deg=float(el), fov_deg=1.0)
    image = star_light(camera, EARTH_RADIUS_KM * enu[2], enu, icrs_to_ecef(TIME)).sum(axis=-1)
    yy, xx = np.indices(image.shape, dtype=float)
    f = camera.focal_length_px
    solid_angle = (f / np.sqrt(f**2 + (xx - 31.5) ** 2 + (yy - 31.5) ** 2)) ** 3 / f**2
    return image, solid_angle, float(el)


def _width_px(image: np.ndarray) -> float:
    """RMS radius per axis of the light about its centroid, px."""
    yy, xx = np.indices(image.shape, dtype=float)
    total = image.sum()
    cx, cy = (image * xx).sum() / total, (image * yy).sum() / total
    return math.sqrt(((image * ((xx - cx) ** 2 + (yy - cy) ** 2)).sum() / total) / 2.0)


def test_a_bright_star_is_wider_than_a_faint_one_and_both_keep_their_flux():
    stars = bright_stars(7.0)
    enu = enu_basis(LAT, LON)
    vega = int(np.flatnonzero(stars.hip == VEGA_HIP)[0])
    # A faint star (V 5.5-6.5) high in the sky with no other catalogue star within 1 deg.
    up = stars.direction_icrs @ icrs_to_ecef(TIME).T @ enu[2]
    candidates = np.flatnonzero((stars.v_mag > 5.5) & (stars.v_mag < 6.5) & (up > math.sin(math.radians(40.0))))
    separation = stars.direction_icrs[candidates] @ stars.direction_icrs.T
    alone = candidates[(separation > math.cos(math.radians(1.0))).sum(axis=1) == 1]
    faint = int(alone[0])
    widths = {}
    for name, index in (("vega", vega), ("faint", faint)):
        image, solid_angle, elevation = _star_image(index, stars, enu)
        # Flux: the star's illuminance through its air mass (0.2 mag per air mass) within 1 %.
        lux = float(star_illuminance_lux(stars.v_mag[index])) * float(transmission(elevation, 0.2))
        assert (image * solid_angle).sum() == pytest.approx(lux, rel=0.01), name
        # Width: the Gaussian convolved with the pixel, sqrt(sigma^2 + 1/12) per axis, within 3 %.
        sigma = float(star_psf_px(stars.v_mag[index]))
        widths[name] = _width_px(image)
        assert widths[name] == pytest.approx(math.sqrt(sigma**2 + 1.0 / 12.0), rel=0.03), name
    assert stars.v_mag[vega] == pytest.approx(0.03, abs=0.05)
    assert widths["faint"] == pytest.approx(math.sqrt(STAR_PSF_PX**2 + 1.0 / 12.0), rel=0.03)
    assert widths["vega"] > 1.8 * widths["faint"]
