"""GeoJSON boundaries: closed rings, gaps where there is no edge, no antimeridian jumps."""

import json

import numpy as np
import xarray as xr

from norrsken.io import _split_antimeridian, boundary_feature, write_geojson
from norrsken.precipitation import boundary_geographic
from norrsken.precipitation import zhang_paxton as zp


def test_quiet_oval_has_gaps_and_a_closed_ring(tmp_path):
    def flux_of(mlat, mlt):
        return zp.evaluate(mlat, mlt, 0.0)[0]

    boundary = boundary_geographic(flux_of, "2017-01-18T21:00Z", "north")
    missing = np.isnan(boundary["lat"].values)
    assert missing.any() and not missing.all()  # at Kp 0 the dayside never reaches 0.5 erg
    feature = boundary_feature(boundary, {"kp": 0.0})
    lines = feature["geometry"]["coordinates"]
    n_points = sum(len(line) for line in lines)
    # every defined sample appears, plus the closing point and the antimeridian cut points
    assert n_points >= (~missing).sum()
    if not missing[0] and not missing[-1]:  # the ring closes through MLT 0
        first, last = boundary[["lon", "lat"]].isel(mlt=0), boundary[["lon", "lat"]].isel(mlt=-1)
        flat = [p for line in lines for p in line]
        assert [round(float(first["lon"]), 4), round(float(first["lat"]), 4)] in flat
        assert [round(float(last["lon"]), 4), round(float(last["lat"]), 4)] in flat
    path = write_geojson([feature], tmp_path / "b.geojson")
    assert json.loads(path.read_text())["features"][0]["properties"]["threshold_erg"] == 0.5


def test_antimeridian_crossing_is_cut_on_the_meridian():
    lon = np.array([170.0, 179.0, -179.0, -170.0])
    lat = np.array([60.0, 61.0, 63.0, 64.0])
    parts = _split_antimeridian(lon, lat)
    assert len(parts) == 2
    assert parts[0][-1] == [180.0, 62.0] and parts[1][0] == [-180.0, 62.0]


def test_boundary_feature_from_a_plain_dataset():
    b = xr.Dataset({"lat": ("mlt", [60.0, np.nan, 61.0, 62.0]), "lon": ("mlt", [0.0, 10.0, 20.0, 30.0])},
                   attrs={"hemisphere": "north"})
    feature = boundary_feature(b, {})
    assert feature["geometry"]["coordinates"] == [[[20.0, 61.0], [30.0, 62.0], [0.0, 60.0]]]
    assert feature["properties"] == {"hemisphere": "north"}
