"""The command line: products written, numbers printed, and bad input met with one clear line."""

import json
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from norrsken.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def oval_products(tmp_path_factory):
    out = tmp_path_factory.mktemp("oval")
    result = run("oval", "--time", "2017-01-18T21:00Z", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_oval_summary_numbers(oval_products):
    _, summary = oval_products
    assert summary["kp"] == pytest.approx(10 / 3)
    assert 30 < summary["hemispheric_power_gw"] < 50
    assert 60 <= summary["boundary_midnight_mlat"] <= 68
    assert 2 < summary["peak_flux_erg"] < 8
    assert summary["peak_mlt"] >= 18 or summary["peak_mlt"] <= 6


def test_oval_netcdf_round_trip(oval_products):
    out, summary = oval_products
    with xr.open_dataset(summary["files"]["dataset"], engine="h5netcdf") as ds:
        assert set(ds.data_vars) >= {"energy_flux_erg", "mean_energy_kev", "mlat", "mlt"}
        assert ds.attrs["kp"] == pytest.approx(10 / 3)
        north = ds["energy_flux_erg"].where(ds["mlat"] > 0)
        assert float(north.max()) == pytest.approx(summary["peak_flux_erg"])


def test_oval_geojson(oval_products):
    _, summary = oval_products
    collection = json.loads(Path(summary["files"]["boundary"]).read_text())
    assert collection["type"] == "FeatureCollection"
    edges = [f for f in collection["features"] if f["properties"]["name"].startswith("equatorward edge")]
    views = {f["properties"]["hemisphere"]: f for f in collection["features"] if "view line" in f["properties"]["name"]}
    hemispheres = {f["properties"]["hemisphere"]: f for f in edges}
    assert set(hemispheres) == set(views) == {"north", "south"}
    for hemisphere, view in views.items():  # the view line runs a view distance equatorward of the edge
        sign = 1 if hemisphere == "north" else -1
        view_lat = np.array([p[1] for line in view["geometry"]["coordinates"] for p in line]) * sign
        edge_lat = np.array([p[1] for line in hemispheres[hemisphere]["geometry"]["coordinates"] for p in line]) * sign
        assert view_lat.min() < edge_lat.min() - 6.0 and view["properties"]["distance_deg"] == pytest.approx(6.68, abs=0.01)
    for hemisphere, feature in hemispheres.items():
        assert feature["geometry"]["type"] == "MultiLineString"
        points = np.array([p for line in feature["geometry"]["coordinates"] for p in line])
        assert points.shape[0] > 200
        assert np.all(np.abs(points[:, 0]) <= 180)
        for line in feature["geometry"]["coordinates"]:  # RFC 7946: no segment jumps the antimeridian
            assert np.all(np.abs(np.diff(np.array(line)[:, 0])) < 180)
        lat = points[:, 1] * (1 if hemisphere == "north" else -1)
        assert 45 < lat.min() and lat.max() < 85  # the southern magnetic pole sits ~25 deg off the pole


def test_oval_map_png(oval_products):
    _, summary = oval_products
    image = mpimg.imread(summary["files"]["map"])
    assert image.shape[0] > 550 and image.shape[1] > 1000
    rgb = image[..., :3]
    # the energy-flux panel has bright yellow (inferno's top) pixels where the oval is strongest
    yellow = (rgb[..., 0] > 0.9) & (rgb[..., 1] > 0.8) & (rgb[..., 2] < 0.6)
    left = yellow[:, : image.shape[1] // 2]
    assert left.sum() > 500


def test_oval_table_on_the_terminal(tmp_path):
    result = run("oval", "--out", str(tmp_path), "--kp", "5", "--hemisphere", "south")
    assert result.exit_code == 0, result.output
    assert "Hemispheric power" in result.stdout
    assert "5.00" in result.stdout and "user override" in result.stdout
    assert (tmp_path / "oval-south-20170118T2100Z-kp5.png").exists()  # what-if runs keep their own files


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oval", "--time", "2017-01-18T21:00"], "no timezone"),
        (["oval", "--time", "last tuesday"], "cannot parse"),
        (["oval", "--kp", "10"], "between 0 and 9"),
        (["oval", "--kp", "-1"], "between 0 and 9"),
        (["oval", "--hemisphere", "east"], "unknown hemisphere"),
        (["oval", "--time", "1950-01-01T00:00Z"], "1957-10-01"),
        (["oval", "--threshold", "0"], "positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = run(*args, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_unwritable_output_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("oval", "--out", str(blocker / "sub"))
    assert result.exit_code == 2
    assert "cannot write to output folder" in result.stderr


def test_demo_finds_the_iss_moment_and_writes_every_product(tmp_path):
    result = run("demo", "--out", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    # The moment comes from the orbit: the ISS in the dark over Europe, the aurora to the north.
    iss = summary["iss"]
    assert iss["time"].startswith("2017-01-18T")
    assert 35.0 <= iss["lat"] <= 52.0 and -25.0 <= iss["lon"] <= 45.0
    assert 380.0 < iss["altitude_km"] < 430.0
    assert iss["power_in_view_gw"] > 5.0
    assert abs((iss["camera"]["azimuth_deg"] + 180.0) % 360.0 - 180.0) < 45.0
    assert iss["brightest"]["557.7"]["max_r"] > 20e3
    stamp = iss["time"].replace("-", "").replace(":", "")[:13] + "Z"
    written = {p.name for p in (tmp_path / "demo").iterdir()}
    assert {
        "summary.json", "summary.md", f"oval-north-{stamp}.png", f"oval-{stamp}.nc",
        f"column-tromso-{stamp}.png", f"allsky-tromso-{stamp}.png", f"iss-{stamp}.png",
    } <= written
    markdown = (tmp_path / "demo" / "summary.md").read_text()
    for needle in (iss["time"], "Kp", "Hemispheric power", "557.7", "Tromsø"):
        assert needle in markdown
    assert summary["time"] == iss["time"]
    overhead = summary["overhead_tromso"]
    green, blue = overhead["lines"]["557.7"], overhead["lines"]["427.8"]
    assert green["brightness_r"] > 1000 and 100 < green["peak_altitude_km"] < 130
    assert 3 < green["brightness_r"] / blue["brightness_r"] < 6
    # The all-sky view sees the same sky: slant paths make its brightest green exceed the zenith.
    assert summary["allsky_tromso"]["557.7"]["max_r"] > green["brightness_r"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oval", "--kp", "nan"], "between 0 and 9"),
        (["oval", "--kp", "inf"], "between 0 and 9"),
        (["oval", "--threshold", "inf"], "finite"),
        (["oval", "--time", "[/]"], "cannot parse"),
        (["oval", "--hemisphere", "[/bold]"], "[/bold]"),
        (["oval", "--time", "2031-01-01T00:00Z", "--kp", "3"], "AACGM-v2"),
    ],
)
def test_odd_input_is_still_one_line(args, message, tmp_path):
    result = run(*args, "--out", str(tmp_path / "never-created"))
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "never-created").exists()  # inputs are checked before anything is written


def test_markup_in_paths_is_printed_verbatim(tmp_path):
    out = tmp_path / "o[bold]y"
    result = run("oval", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout.replace("\n", "")


def test_existing_directory_in_the_way_of_an_output_file(tmp_path):
    (tmp_path / "oval-20170118T2100Z.nc").mkdir()
    result = run("oval", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_json_has_null_not_nan_when_no_edge_is_found(tmp_path):
    result = run("oval", "--threshold", "100", "--json", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["boundary_midnight_mlat"] is None


def test_entry_point_usage_errors_are_one_line(monkeypatch, capsys):
    from norrsken.cli import main

    monkeypatch.setattr("sys.argv", ["norrsken", "oval", "--kp", "abc"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--kp" in err
