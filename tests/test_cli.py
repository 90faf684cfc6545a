"""The command line: products written, numbers printed, and bad input met with one clear line."""

import json
import math
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from norrsken.cli import app
from tle_tools import with_checksum

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


@pytest.mark.slow
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
    # The numbers the README's demo section states.
    assert iss["time"] == "2017-01-18T23:59:00Z" and round(iss["altitude_km"]) == 406
    assert round(iss["power_in_view_gw"]) == 16 and round(summary["kp"], 1) == 3.3
    assert round(100 * iss["moon_illumination"]) == 58 and round(green["brightness_r"] / 1e3, 1) == 4.8


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


# --- norrsken orbit ---------------------------------------------------------------------------

#: Small, smooth renders: each call is ~1-3 s once numba's kernels are compiled.
ORBIT = ("orbit", "--size", "160x90", "--structure", "none", "--no-stars")
#: The demo's moment: the ISS in the dark over Poland with the aurora to the north.
ISS_DARK = "2017-01-18T23:59Z"
# The packaged set of epoch 2017-01-18 04:01:19 UTC, copied from src/norrsken/data/iss_tle.txt.
ISS_LINE1 = "1 25544U 98067A   17018.16759178  .00002139  00000-0  39647-4 0  9999"
ISS_LINE2 = "2 25544  51.6445  66.1799 0007746  95.7219  10.7210 15.54083144 38425"


def _tle_files(folder: Path) -> None:
    """Element sets for the --tle tests: one good set, two broken ones, two satellites, and the ISS
    elements moved to epochs past the AACGM (2031) and DE421 (2054) ranges."""
    other = [with_checksum(line.replace("25544", "20580")) for line in (ISS_LINE1, ISS_LINE2)]
    texts = {
        "iss.tle": ["ISS (ZARYA)", ISS_LINE1, ISS_LINE2],
        "checksum.tle": ["ISS (ZARYA)", ISS_LINE1[:68] + "0", ISS_LINE2],
        "short.tle": ["ISS (ZARYA)", ISS_LINE1, ISS_LINE2[:60]],
        "two.tle": ["ISS (ZARYA)", ISS_LINE1, ISS_LINE2, "OTHER", *other],
        "2031.tle": ["LATER", with_checksum(ISS_LINE1.replace("17018.", "31018.")), ISS_LINE2],
        "2054.tle": ["MUCH LATER", with_checksum(ISS_LINE1.replace("17018.", "54018.")), ISS_LINE2],
    }
    for name, lines in texts.items():
        (folder / name).write_text("\n".join(lines) + "\n")


def _orbit_json(tmp_path: Path, *args: str) -> dict:
    result = run(*ORBIT, "--out", str(tmp_path / "orbit.png"), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_orbit_json_summary_and_png(tmp_path):
    from norrsken.orbit import iss, states
    from norrsken.render.orbital import limb_elevation

    summary = _orbit_json(tmp_path, "--time", ISS_DARK)
    satellite = summary["satellite"]
    assert satellite["name"] == "ISS (ZARYA)" and satellite["tle_epoch"].startswith("2017-01-18T04:01:19")
    assert satellite["in_shadow"] is True and satellite["sun_above_limb_deg"] < -30.0
    state = states(iss(ISS_DARK), ISS_DARK)
    assert summary["lat"] == pytest.approx(float(state.lat))
    assert summary["lon"] == pytest.approx(float(state.lon))
    assert 400.0 < summary["altitude_km"] < 420.0
    # The default pointing: north, with the limb a third of the way down the picture.
    camera = summary["camera"]
    assert (camera["width"], camera["height"], camera["focal_length_mm"]) == (160, 90, 24.0)
    assert camera["azimuth_deg"] == 0.0
    assert camera["elevation_deg"] == pytest.approx(limb_elevation(160, 90, 24.0, summary["altitude_km"]))
    assert set(summary["brightest"]) >= {"557.7", "427.8", "630.0"}
    green = summary["brightest"]["557.7"]
    assert green["max_r"] > 10e3 and abs((green["azimuth_deg"] + 180.0) % 360.0 - 180.0) < 45.0
    image = mpimg.imread(summary["files"]["png"])
    assert Path(summary["files"]["png"]) == tmp_path / "orbit.png"
    assert image.shape[:2] == (90, 160) and image[..., :3].max() > 0.5


def test_orbit_target_points_the_camera_at_it(tmp_path):
    # At 23:58:40 UTC the ISS is over 51.0 N, 20.1 E: 60 N, 20 E lies almost due north.
    summary = _orbit_json(tmp_path, "--time", "2017-01-18T23:58:40Z", "--target", "60,20")
    camera = summary["camera"]
    assert abs((camera["azimuth_deg"] + 180.0) % 360.0 - 180.0) < 1.0
    # Independently, on the 6371 km sphere: the initial great-circle bearing, and the depression of
    # a ground point seen from r = R + h across a central angle c, atan2(R cos c - r, R sin c).
    lat1, lon1, lat2, lon2 = map(math.radians, (summary["lat"], summary["lon"], 60.0, 20.0))
    bearing = math.degrees(
        math.atan2(
            math.sin(lon2 - lon1) * math.cos(lat2),
            math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1),
        )
    )
    central = math.acos(
        math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    )
    radius = 6371.0
    depression = math.degrees(
        math.atan2(radius * math.cos(central) - (radius + summary["altitude_km"]), radius * math.sin(central))
    )
    assert (camera["azimuth_deg"] - bearing + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=0.05)
    assert camera["elevation_deg"] == pytest.approx(depression, abs=0.05)
    assert -30.0 < camera["elevation_deg"] < -20.0


def test_orbit_from_a_tle_file(tmp_path):
    from norrsken.orbit import iss, states

    _tle_files(tmp_path)
    summary = _orbit_json(tmp_path, "--time", ISS_DARK, "--no-iss", "--tle", str(tmp_path / "iss.tle"))
    assert summary["satellite"]["name"] == "ISS (ZARYA)" and summary["satellite"]["in_shadow"] is True
    state = states(iss(ISS_DARK), ISS_DARK)  # the same elements as the packaged set of that day
    assert summary["lat"] == pytest.approx(float(state.lat))
    assert summary["lon"] == pytest.approx(float(state.lon))


def test_orbit_picks_a_satellite_from_a_file_by_name(tmp_path):
    _tle_files(tmp_path)
    # --name is case-insensitive; the other satellite flies the ISS's elements under catalog 20580.
    summary = _orbit_json(tmp_path, "--time", ISS_DARK, "--tle", str(tmp_path / "two.tle"), "--name", "other")
    assert summary["satellite"]["name"] == "OTHER"


def test_orbit_netcdf_and_terminal_summary(tmp_path):
    result = run(
        *ORBIT, "--time", ISS_DARK, "--look", "west", "--el", "-30",
        "--out", str(tmp_path / "west.png"), "--netcdf", str(tmp_path / "west.nc"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # rich wraps lines at the terminal width
    assert "ISS (ZARYA)" in text and "in the Earth's shadow" in text and "557.7" in text
    assert "wrote png" in text and "wrote netcdf" in text
    with xr.open_dataset(tmp_path / "west.nc", engine="h5netcdf") as ds:
        assert set(ds.data_vars) >= {"brightness_r", "continuum_cd"}
        assert "rgb" not in ds.data_vars
        assert ds["brightness_r"].dims == ("line", "y", "x") and ds["brightness_r"].shape[1:] == (90, 160)
        assert ds["brightness_r"].attrs["units"] == "R" and ds["continuum_cd"].attrs["units"] == "cd m-2"
        assert "557.7" in ds["line"].values.tolist()
        camera = json.loads(ds.attrs["camera"])
        assert camera["azimuth_deg"] == 270.0 and camera["elevation_deg"] == -30.0
        assert float(ds["brightness_r"].min()) >= 0.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tle", "{dir}/checksum.tle"], "checksum.tle line 2: checksum digit is 0, the line sums to 9"),
        (["--tle", "{dir}/short.tle"], "short.tle line 3: an element line has 69 characters, this one has 60"),
        (["--tle", "{dir}/two.tle"], "two.tle' (ISS (ZARYA), OTHER); pass --name to pick one"),
        (["--tle", "{dir}/two.tle", "--name", "HST"], "no satellite named 'HST' in"),
        (["--tle", "{dir}/missing.tle"], "cannot read TLE file"),
        (["--name", "ISS (ZARYA)"], "--name picks a satellite from a --tle file"),
        (["--no-iss"], "give --tle FILE, or leave --iss on"),
        (["--look", "up"], "--look must be one of north, east, south, west or an azimuth in degrees, got 'up'"),
        (["--target", "60"], "--target must look like LAT,LON in degrees"),
        (["--target", "60,20,0"], "--target must look like LAT,LON in degrees"),
        (["--target", "north"], "--target must look like LAT,LON in degrees"),
        (["--target", "-60,20"], "the target (-60.00, 20.00) lies beyond the Earth's limb"),
        (["--target", "60,20", "--el", "-10"], "--target sets the pointing: drop --el"),
        (["--size", "160by90"], "image size must look like WIDTHxHEIGHT"),
        (["--size", "8x8"], "width must be a whole number between 16 and 8192 pixels, got 8"),
        (["--focal-length", "0"], "--focal-length must lie between 1 and 5000 mm, got 0"),
        (["--focal-length", "nan"], "--focal-length must be a finite number, got nan"),
        (["--focal-length", "0", "--el", "-10"], "--focal-length must lie between 1 and 5000 mm, got 0"),
        (["--el", "120"], "--el must lie between -90 and 90 deg, got 120"),
        (["--time", "2017-01-18T23:59"], "no timezone"),
        # The ISS elements moved to 2031 and 2054 epochs (no warning about the epoch distance).
        (["--tle", "{dir}/2031.tle", "--time", "2031-01-18T12:00Z", "--kp", "3"], "AACGM-v2 magnetic coordinates"),
        (["--tle", "{dir}/2031.tle", "--time", "2031-01-18T12:00Z"], "AACGM-v2 magnetic coordinates"),
        (["--tle", "{dir}/2054.tle", "--time", "2054-01-18T12:00Z"], "Sun and Moon positions (JPL DE421)"),
        (["--out", "{dir}/orbit.jpg"], "must end in .png"),
        (["--netcdf", "{dir}/orbit.png"], "must end in .nc"),
    ],
)
def test_orbit_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    _tle_files(tmp_path)
    out = tmp_path / "never.png"
    args = [arg.replace("{dir}", str(tmp_path)) for arg in args]
    result = run(*ORBIT, "--time", ISS_DARK, "--out", str(out), *args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output
    assert not out.exists()  # inputs are checked before anything is rendered or written


def test_orbit_far_from_every_tle_epoch_warns(tmp_path):
    # The packaged set nearest to 2019-06-01 is that of 2017-05-24, 737 days away: one warning
    # line on stderr, and the picture is still made.
    result = run(*ORBIT, "--time", "2019-06-01T00:00Z", "--json", "--out", str(tmp_path / "far.png"))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().startswith("warning:")
    assert "737.1 days away from its epoch (2017-05-24 21:32 UTC): SGP4 positions degrade" in " ".join(result.stderr.split())
    assert json.loads(result.stdout)["satellite"]["tle_epoch"].startswith("2017-05-24")
    # Outside DE421 the error alone (exit 2): the time is checked before the elements are used.
    result = run(*ORBIT, "--time", "1899-06-01T00:00Z", "--out", str(tmp_path / "never.png"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "Sun and Moon positions (JPL DE421)" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_orbit_epoch_warning_reaches_the_users_terminal(tmp_path):
    """Outside pytest, too, the warning is one line on stderr."""
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    completed = subprocess.run(
        [sys.executable, "-m", "norrsken.cli", *ORBIT, "--time", "2019-06-01T00:00Z", "--out", str(tmp_path / "a.png")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.startswith("warning: the element set of ISS (ZARYA) is used at 2019-06-01 00:00 UTC")
    assert "Traceback" not in completed.stderr
    assert (tmp_path / "a.png").exists()


# --- forecast --------------------------------------------------------------------------------


def test_forecast_json_and_plot(tmp_path):
    plot_path = tmp_path / "night.png"
    result = run(
        "forecast", "--lat", "69.65", "--lon", "18.96", "--start", "2017-01-18T18:00Z", "--hours", "6",
        "--offline", "--json", "--plot", str(plot_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["steps"]) == 13 and data["best"]["verdict"] == "overhead"
    assert {"kp", "kp_source", "sun_elevation_deg", "darkness", "moon_elevation_deg", "moon_illumination",
            "green_r", "red_r", "azimuth_deg", "elevation_deg", "verdict"} <= set(data["steps"][0])  # fmt: skip
    assert data["files"]["plot"] == str(plot_path) and plot_path.stat().st_size > 10_000


def test_forecast_table_names_the_kp_source():
    result = run("forecast", "--lat", "41.9", "--lon", "12.5", "--start", "2017-01-18T20:00Z", "--hours", "1",
                 "--offline", "--kp", "3")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "not visible" in result.stdout and "Kp from: user override" in result.stdout


def test_forecast_online_falls_back_with_the_reason(monkeypatch):
    """With SWPC unreachable the forecast goes on from the embedded history and says why."""
    from norrsken.drivers import swpc

    def unreachable(name, **kwargs):
        raise swpc.SwpcUnavailable(f"SWPC {name}: no network", "ConnectError: no network")

    monkeypatch.setattr(swpc, "fetch", unreachable)
    result = run("forecast", "--lat", "69.65", "--lon", "18.96", "--start", "2017-01-18T20:00Z", "--hours", "1",
                 "--online", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    source = data["steps"][0]["kp_source"]
    assert source.startswith("embedded CelesTrak history") and "SWPC unreachable" in source
    # The solar wind and OVATION "now" are reported as unavailable, not silently left out.
    assert "error" in data["now"]["solar_wind"] and "error" in data["now"]["ovation"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lat", "95", "--lon", "0"], "lat must lie between -90 and 90"),
        (["--lat", "60", "--lon", "0", "--hours", "0"], "--hours must lie between 0.5 and 240 h"),
        (["--lat", "60", "--lon", "0", "--step", "0s"], "--step must be a positive duration"),
        (["--lat", "60", "--lon", "0", "--step", "30"], "--step must be a duration with its unit such as 60s, 5min, 1h or 1d, got '30': write 30s or 30min"),
        (["--lat", "60", "--lon", "0", "--start", "2017-01-18T20:00"], "has no timezone"),
        (["--lat", "60", "--lon", "0", "--plot", "night.svg"], "must end in .png"),
        (["--lat", "60", "--lon", "0", "--start", "1950-01-01T00:00Z"], "pass --kp to set Kp yourself"),
    ],
)
def test_forecast_bad_input(args, message):
    result = run("forecast", *args, "--offline")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split()) and len(result.stderr.strip().splitlines()) == 1


def test_live_kp_names_swpc_or_the_fallback(tmp_path, monkeypatch):
    """--online (and its old spelling --live) walks the Kp chain; offline here, SWPC fails and the
    output names the fallback."""
    from norrsken.drivers import swpc

    def unreachable(name, **kwargs):
        raise swpc.SwpcUnavailable(f"SWPC {name}: no network", "ConnectError: no network")

    monkeypatch.setattr(swpc, "fetch", unreachable)
    result = run("oval", "--time", "2017-01-18T21:00Z", "--online", "--json", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["kp_source"].startswith("embedded CelesTrak history") and "SWPC unreachable" in summary["kp_source"]
    assert any(name.endswith("20170118T2100Z.png") for name in summary["files"].values())  # not a what-if stamp
    # SWPC reachable: the product's label reaches the output.
    monkeypatch.setattr(swpc, "kp_now", lambda time, kp=None, offline=True: (4.33, "SWPC observed (stale)"))
    result = run("orbit", "--time", ISS_DARK, "--size", "160x90", "--structure", "none", "--live", "--json",
                 "--out", str(tmp_path / "o.png"))  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["kp"] == pytest.approx(4.33) and summary["kp_source"] == "SWPC observed (stale)"


def test_forecast_in_polar_day_says_so():
    result = run("forecast", "--lat", "78.2", "--lon", "15.6", "--start", "2017-06-21T00:00Z", "--hours", "24",
                 "--step", "2h", "--offline")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "the Sun stays above -6°" in " ".join(result.stdout.split())


@pytest.mark.slow
def test_passes_ranked_json_and_render(tmp_path):
    result = run("passes", "--from", "2017-01-18T20:00Z", "--to", "2017-01-19T00:00Z", "--region", "35,72,-25,45",
                 "--render", "--size", "160x90", "--out", str(tmp_path), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    passes = data["passes"]
    assert data["satellite"] == "ISS (ZARYA)" and len(passes) >= 2
    assert [p["power_gw"] for p in passes] == sorted((p["power_gw"] for p in passes), reverse=True)
    best = passes[0]
    assert best["time"] == "2017-01-18T23:59:00Z" and best["lat"] > 45.0
    assert abs((best["azimuth_deg"] + 180.0) % 360.0 - 180.0) < 45.0  # point north
    assert 0.0 <= best["moon_illumination"] <= 1.0
    assert all(Path(p["png"]).exists() for p in passes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2017-01-18T20:00Z", "--to", "2017-01-18T19:00Z"], "lies before the start"),
        (["--from", "2017-01-18T20:00Z", "--to", "2017-01-18T21:00Z", "--region", "35,72,x,45"], "a region must look like LAT1,LAT2,LON1,LON2"),
        (["--from", "2017-01-18T20:00Z", "--to", "2017-01-18T21:00Z", "--region", "72,35,0,45"], "LAT1 <= LAT2"),
        (["--from", "2017-01-18T20:00Z", "--to", "2017-01-18T21:00Z", "--step", "0s"], "--step must be a positive duration"),
        (["--from", "2017-01-18T20:00Z", "--to", "2017-01-18T21:00Z", "--step", "60"], "write 60s or 60min"),
        (["--start", "2017-01-18T20:00Z", "--end", "2017-01-18T21:00Z", "--online"], "--online is for one moment"),
    ],
)
def test_passes_bad_input(args, message):
    result = run("passes", *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split()) and len(result.stderr.strip().splitlines()) == 1


def test_by_default_only_times_near_now_ask_swpc(monkeypatch, tmp_path):
    """--online/--offline default: SWPC only for times its live products can cover."""
    from norrsken.drivers import swpc

    asked = []

    def unreachable(name, **kwargs):
        asked.append(name)
        raise swpc.SwpcUnavailable(f"SWPC {name}: no network", "ConnectError: no network")

    monkeypatch.setattr(swpc, "fetch", unreachable)
    result = run("oval", "--time", "2017-01-18T21:00Z", "--json", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert asked == [] and json.loads(result.stdout)["kp_source"] == "embedded CelesTrak history"
    assert swpc.within_reach("2026-12-07T21:00Z", now=swpc.to_utc("2026-12-07T12:00Z"))
    assert not swpc.within_reach("2017-01-18T21:00Z", now=swpc.to_utc("2026-12-07T12:00Z"))


def test_version_and_help_without_arguments():
    from norrsken import __version__

    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"norrsken {__version__}"
    assert "Usage" in run().output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oval", "--start", "2017-01-18T00:00Z", "--end", "2017-01-18T03:00Z", "--step", "15"], "--step must be a duration"),
        (["forecast", "--lat", "60", "--lon", "0", "--start", "2017-01-18T00:00Z", "--end", "2017-01-18T03:00Z",
          "--hours", "3"], "either --end or --hours"),  # fmt: skip
        (["climatology", "--region", "60,70,0,10", "--start", "2017-01-01", "--end", "2017-01-02", "--out", "x.nc",
          "--step", "60"], "write 60s or 60min"),  # fmt: skip
        (["sky", "--lat", "95"], "--lat must lie between -90 and 90 degrees"),
        (["sky", "--time", "2017-06-21T12:00Z"], "pass --daylight-ok to render the sky as if it were night"),
    ],
)
def test_unified_flags_and_their_messages(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split()) and len(result.stderr.strip().splitlines()) == 1


def test_passes_old_window_flags_still_work():
    new = run("passes", "--start", "2017-01-18T23:00Z", "--end", "2017-01-19T00:00Z", "--json")
    old = run("passes", "--from", "2017-01-18T23:00Z", "--to", "2017-01-19T00:00Z", "--json")
    assert new.exit_code == old.exit_code == 0, new.output + old.output
    assert json.loads(new.stdout) == json.loads(old.stdout)
