"""The emission field: statistical maps on the local grid, field-aligned arcs, conserved energy."""

import numpy as np
import pytest

from norrsken import geomag
from norrsken.errors import NorrskenError
from norrsken.field import FOOTPRINT_KM, emission_field, horizon_radius_deg
from norrsken.field.kernels import _bilinear, arc_scratch, flux_points
from norrsken.geometry import EARTH_RADIUS_KM, enu_basis, unit_vectors

TIME = "2017-01-18T21:00Z"
TROMSO = (69.65, 18.96)


@pytest.fixture(scope="module")
def smooth():
    return emission_field(TIME, *TROMSO, structure="none")


@pytest.fixture(scope="module")
def arcs():
    return emission_field(TIME, *TROMSO, structure="arcs", seed=7)


def random_cap(n: int, radius_deg: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Area-uniform random points within radius_deg of Tromso."""
    rng = np.random.default_rng(seed)
    cos_r = np.cos(np.radians(radius_deg))
    distance = np.arccos(rng.uniform(cos_r, 1.0, n))
    bearing = rng.uniform(0.0, 2.0 * np.pi, n)
    basis = enu_basis(*TROMSO)
    v = np.cos(distance)[:, None] * basis[2] + np.sin(distance)[:, None] * (
        np.sin(bearing)[:, None] * basis[0] + np.cos(bearing)[:, None] * basis[1]
    )
    return np.degrees(np.arcsin(v[:, 2])), np.degrees(np.arctan2(v[:, 1], v[:, 0]))


def test_local_grid_reproduces_the_oval_maps(smooth):
    """On its grid the field's Q is the oval's Q (bilinear from 0.5 deg), where Q is resolved."""
    lat, lon = random_cap(2000, 15.0)
    ours = smooth.energy_flux_erg(lat, lon)
    maps = smooth.oval["energy_flux_erg"]
    reference = maps.interp(lat=("p", lat), lon=("p", lon)).values
    lit = reference > 0.1
    np.testing.assert_allclose(ours[lit], reference[lit], rtol=0.05)


def test_arcs_conserve_energy_on_average(smooth, arcs):
    """The arcs gather the discrete part of Q: its area mean over the scene stays within 2 % of the
    smooth one (energy is conserved)."""
    lat, lon = random_cap(400_000, 18.0, seed=1)
    mean_smooth = smooth.energy_flux_erg(lat, lon).mean()
    mean_arcs = arcs.energy_flux_erg(lat, lon).mean()
    assert mean_arcs == pytest.approx(mean_smooth, rel=0.02)
    # ... while the picture is very different point by point: curtains, not a glow.
    q = arcs.energy_flux_erg(lat, lon)
    lit = smooth.energy_flux_erg(lat, lon) > 0.5
    contrast = q[lit] / smooth.energy_flux_erg(lat[lit], lon[lit])
    assert np.percentile(contrast, 99) > 3.0 and np.percentile(contrast, 10) < 0.8


def test_arcs_are_seeded(arcs):
    same = emission_field(TIME, *TROMSO, structure="arcs", seed=7)
    other = emission_field(TIME, *TROMSO, structure="arcs", seed=8)
    lat, lon = random_cap(5000, 10.0)
    np.testing.assert_array_equal(arcs.energy_flux_erg(lat, lon), same.energy_flux_erg(lat, lon))
    assert not np.allclose(arcs.energy_flux_erg(lat, lon), other.energy_flux_erg(lat, lon))


def test_light_is_field_aligned(arcs):
    """Points on one field line map to one footprint; points straight above one another do not."""
    lat, lon = random_cap(300, 6.0, seed=2)
    b_enu = geomag.field_direction(lat, lon, TIME)
    up_along_b = -np.sign(b_enu[:, 2:3]) * b_enu  # the field direction that climbs
    foot = (EARTH_RADIUS_KM + FOOTPRINT_KM) * unit_vectors(lat, lon)
    east = np.stack([-np.sin(np.radians(lon)), np.cos(np.radians(lon)), np.zeros_like(lon)], axis=-1)
    up = unit_vectors(lat, lon)
    north = np.cross(up, east)
    climb = up_along_b[:, :1] * east + up_along_b[:, 1:2] * north + up_along_b[:, 2:3] * up
    rise_km = 150.0
    on_line = foot + (rise_km / up_along_b[:, 2:3]) * climb
    vertical = foot + rise_km * up
    flux = {}
    for name, points in (("foot", foot), ("line", on_line), ("vertical", vertical)):
        out = np.empty(len(points))
        flux_points(arcs.packed, np.ascontiguousarray(points), out, arc_scratch(arcs.packed))
        flux[name] = out
    lit = flux["foot"] > 0.1
    along = np.abs(flux["line"][lit] / flux["foot"][lit] - 1.0)
    # The kernel maps with the field direction of the grid cell it stands in, a straight-line
    # approximation good to a few hundred metres over 150 km: exact away from arc edges, where a
    # few per cent of points sit on gradients of ~1.5 km sigma.
    assert np.median(along) < 0.01 and np.percentile(along, 80) < 0.05
    # The dip at Tromso is 78 deg: 150 km up the vertical is ~31 km from the field line, far
    # more than an arc is wide: where arcs are, the flux there is unrelated.
    vertical = np.abs(flux["vertical"][lit] / flux["foot"][lit] - 1.0)
    assert np.percentile(vertical, 80) > 0.1 and np.percentile(vertical, 80) > 3 * np.percentile(along, 80)


def test_tilt_follows_the_dip(smooth):
    """The field line drifts cot(dip) km sideways per km of altitude (dip 78.2 deg at Tromso)."""
    n = smooth.packed.tilt.shape[0]
    b = geomag.field_direction(*TROMSO, TIME)
    dip = np.degrees(np.arcsin(-b[2]))
    assert dip == pytest.approx(78.2, abs=0.3)
    assert smooth.packed.tilt[n // 2, n // 2, 2] == pytest.approx(1.0 / np.tan(np.radians(dip)), rel=0.02)


def test_ver_shapes_and_line_selection(smooth):
    z = np.array([100.0, 110.0, 200.0])
    all_lines = smooth.ver(69.0, 19.0, z)
    assert all_lines.shape == (3, len(smooth.lines))
    np.testing.assert_array_equal(smooth.ver(69.0, 19.0, z, line="557.7"), all_lines[:, smooth.lines.index("557.7")])
    # Green peaks low, red high (the layers of physics.md section 10.2).
    green = smooth.ver(69.0, 19.0, np.arange(90.0, 300.0), line="557.7")
    red = smooth.ver(69.0, 19.0, np.arange(90.0, 300.0), line="630.0")
    assert 100 <= 90 + np.argmax(green) <= 130 and 180 <= 90 + np.argmax(red) <= 260


def test_horizon_radius():
    # A ground observer sees the 500 km shell top out to acos(R / (R + 500)) = 22.0 deg; the
    # ISS at 408 km adds its own horizon, acos(R / (R + 408)) = 20.0 deg.
    assert horizon_radius_deg() == pytest.approx(22.0, abs=0.05)
    assert horizon_radius_deg(408.0) == pytest.approx(22.0 + 20.0, abs=0.1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"structure": "swirls"}, "unknown structure"),
        ({"radius_deg": 80.0}, "radius_deg"),
        ({"cell_km": 0.5}, "cell_km"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(NorrskenError, match=message):
        emission_field(TIME, *TROMSO, **kwargs)


def test_bad_place_and_time():
    with pytest.raises(NorrskenError, match="lat must lie between -90 and 90"):
        emission_field(TIME, 95.0, 0.0)
    with pytest.raises(NorrskenError, match="timezone"):
        emission_field("2017-01-18T21:00", *TROMSO)


def test_seed_must_be_a_non_negative_integer():
    with pytest.raises(NorrskenError, match="seed"):
        emission_field(TIME, *TROMSO, structure="arcs", seed=-1)


def test_arcs_where_there_is_no_aurora():
    """A quiet equatorial scene has nothing to structure: the arcs request falls back to no arcs."""
    field = emission_field(TIME, 0.0, 0.0, indices={"kp": 0.0}, structure="arcs")
    assert field.packed.arcs.shape[0] == 0 and field.packed.norm == 0.0
    assert field.energy_flux_erg(0.0, 0.0) == 0.0


def test_grid_too_large_is_refused():
    with pytest.raises(NorrskenError, match="grid"):
        emission_field(TIME, *TROMSO, radius_deg=60.0, cell_km=2.0)


def test_arcs_close_around_the_magnetic_pole():
    """Near the magnetic pole the scene spans every magnetic longitude; where the longitude jumps
    from +180 to -180 deg the arcs must continue, not break or sprout fragments."""
    field = emission_field(TIME, 82.0, -90.0, indices={"kp": 7.0}, structure="arcs", seed=1)
    packed = field.packed
    v = packed.cells[..., 3]
    rows, cols = np.nonzero(np.abs(np.diff(v, axis=1)) > 300.0)
    assert rows.size > 20  # the grid does wrap around the pole
    basis = enu_basis(82.0, -90.0)

    def flux_at(cy: np.ndarray, cx: np.ndarray) -> np.ndarray:
        gy, gx = packed.g0 + cy * packed.dg, packed.g0 + cx * packed.dg
        direction = gx[:, None] * basis[0] + gy[:, None] * basis[1] + basis[2]
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        out = np.empty(len(cy))
        flux_points(packed, np.ascontiguousarray((EARTH_RADIUS_KM + FOOTPRINT_KM) * direction), out, arc_scratch(packed))
        return out

    # Inside a cell that straddles the jump, the interpolated longitude stays near +-180 deg
    # (interpolating the raw values would sweep it through 0: the whole circle in 10 km).
    middle = np.array([_bilinear(packed.cells, float(r), c + 0.5)[3] for r, c in zip(rows, cols, strict=True)])
    assert np.all(np.abs(middle) > 170.0)
    left = flux_at(rows.astype(float), cols + 0.45)
    right = flux_at(rows.astype(float), cols + 0.55)
    lit = (left > 0.01) & (right > 0.01)
    assert lit.sum() > 10
    # A tenth of a 10 km cell apart, across the jump: the flux hardly changes, because the arcs'
    # tables are periodic in magnetic longitude.
    assert np.median(np.abs(left[lit] / right[lit] - 1.0)) < 0.02
